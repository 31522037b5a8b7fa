/**
 * Reviewable changes: the program evaluates deterministically, and the committed offline manifests
 * (manifests/<stack>/, written by `npm run synth -- <stack>`) match what it renders now.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import * as yaml from "js-yaml";
import { readManifest, synthesize, synthFailure } from "../scripts/synth";
import { AWS_STACKS, runProgram, SECRET_MARKERS, TEST_SECRETS } from "../tools/harness";

describe.each(AWS_STACKS)("%s", (stack) => {
    test("evaluating twice gives identical resources, inputs and outputs", async () => {
        const [a, b] = [await runProgram({ stack }), await runProgram({ stack, fresh: true })];
        expect(b.resources.length).toBe(a.resources.length);
        expect(JSON.stringify(b.resources)).toBe(JSON.stringify(a.resources));
        expect(JSON.stringify(b.outputs)).toBe(JSON.stringify(a.outputs));
    });

    test(`the committed manifest is fresh (else run: npm run synth -- ${stack})`, async () => {
        const expected = await synthesize(stack);
        const committed = readManifest(stack);
        const stale = [...new Set([...expected.keys(), ...committed.keys()])]
            .filter((f) => expected.get(f) !== committed.get(f))
            .sort();
        if (stale.length > 0) {
            throw new Error(
                `manifests/${stack} is stale in ${stale.join(", ")}: run \`npm run synth -- ${stack}\` and ` +
                    `commit the result`,
            );
        }
        expect(committed.size).toBeGreaterThanOrEqual(10);
    });

    test("the manifest redacts secrets and keeps every file readable", () => {
        const files = readManifest(stack);
        const all = [...files.values()].join("\n");
        for (const marker of [...SECRET_MARKERS, ...Object.values(TEST_SECRETS)]) expect(all).not.toContain(marker);
        const resources = yaml.load(files.get("resources.yaml")!) as {
            resources: { type: string; inputs: Record<string, unknown> }[];
        };
        const secureStrings = resources.resources.filter(
            (r) => r.type === "aws:ssm/parameter:Parameter" && r.inputs.type === "SecureString",
        );
        expect(secureStrings.length).toBeGreaterThan(0);
        for (const p of secureStrings) expect(p.inputs.value).toBe("[secret]");
        for (const [file, content] of files) {
            if (file.endsWith(".yaml")) expect(() => yaml.load(content)).not.toThrow();
            if (file.endsWith(".json")) expect(() => JSON.parse(content)).not.toThrow();
        }
    });

    test("no mock value passes for a real one: computed values are placeholders", () => {
        const all = [...readManifest(stack).values()].join("\n");
        expect(all).not.toMatch(
            /arn:aws:mock|10\.99\.\d+\.\d+|123456789012|ami-0feedfacecafe0001|\.elb\.us-east-1\.amazonaws\.com/,
        );
        expect(all).toContain("<api7-dp-lb-nlb.dnsName>");
    });
});

test("a one-key config change shows in the manifest as exactly the lines it changes", async () => {
    const before = await synthesize("prod");
    const after = await synthesize("prod", { "dataPlane.healthCheck.intervalSeconds": 6 });
    const changedFiles = [...before.keys()].filter((f) => before.get(f) !== after.get(f));
    expect(changedFiles).toEqual(["resources.yaml"]);
    const a = before.get("resources.yaml")!.split("\n");
    const b = after.get("resources.yaml")!.split("\n");
    expect(b.length).toBe(a.length);
    const diff = a.flatMap((line, i) => (line === b[i] ? [] : [`${line.trim()} -> ${b[i].trim()}`]));
    expect(diff).toEqual(["interval: 5 -> interval: 6", "interval: 5 -> interval: 6"]);
});

test("a gateway config change shows as the changed line of its rendered file", async () => {
    const before = await synthesize("prod");
    const after = await synthesize("prod", { "prometheus.enabled": true });
    expect(after.get("ssm/api7-ha/prod/dp/gateway-config.yaml")).toBe(
        `${before.get("ssm/api7-ha/prod/dp/gateway-config.yaml")}plugin_attr:\n  prometheus:\n    export_addr:\n ` +
            `     ip: 0.0.0.0\n      port: 9091\n`,
    );
});

describe("npm run synth on a stack it cannot evaluate", () => {
    test("no stack file: its one line and 66 (EX_NOINPUT), no stack trace", () => {
        const r = spawnSync(
            path.join(__dirname, "..", "node_modules", ".bin", "tsx"),
            [path.join(__dirname, "..", "scripts", "synth.ts"), "nosuch"],
            { encoding: "utf8" },
        );
        expect([r.status, r.stdout, r.stderr]).toEqual([
            66,
            "",
            'npm run synth: no stack "nosuch": there is no Pulumi.nosuch.yaml\n',
        ]);
    });

    test("a stack the program refuses: the problems, named by config key, and 65 (EX_DATAERR); anything else keeps its trace", async () => {
        const refused = await runProgram({ stack: "dev", config: { "dataPlane.count": 0 } }).catch((e: unknown) => e);
        const failure = synthFailure(refused);
        expect(failure?.code).toBe(65);
        expect(failure?.message).toMatch(/^npm run synth: /);
        expect(failure?.message).toContain("dataPlane.count = 0");
        expect(synthFailure(new TypeError("x is undefined"))).toBeUndefined();
    });
});
