/**
 * EC2 instance types: the offline table for the types it knows, AWS (aws.ec2.getInstanceType) at deploy time for any
 * other, one rule and one message. The mock answers the invoke with the facts AWS's Instance Types guide lists for
 * the types used here (tools/evaluate.ts), and with InvalidInstanceType for a type AWS does not have.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { describedInstanceTypeProblem, instanceTypeProblem } from "../components/instance-types";
import { ROOT, runProgram } from "../tools/harness";
import { groupOf } from "./helpers";

const GET_INSTANCE_TYPE = "aws:ec2/getInstanceType:getInstanceType";
const ARM64 = "is arm64; API7 hosts must be x86_64 (e.g. use c6i.large instead of c7g.large)";

describe("types the offline table does not know are not rejected offline", () => {
    test.each(["c8i.large", "m7i-flex.large"])("%s passes the configuration check", (type) => {
        expect(instanceTypeProblem(type)).toBeUndefined();
    });

    test("known types are still judged offline", () => {
        expect(instanceTypeProblem("c7g.large")).toBe(ARM64);
        expect(instanceTypeProblem("t3.small")).toBe("has 2 vCPU / 2 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
    });
});

describe("what AWS describes, held to the same rule", () => {
    test("x86_64 with 2 vCPU and 4096 MiB runs API7; i386 listed beside x86_64 too", () => {
        expect(describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 2, memorySize: 4096 })).toBeUndefined();
        expect(describedInstanceTypeProblem({ supportedArchitectures: ["i386", "x86_64"], defaultVcpus: 2, memorySize: 4096 })).toBeUndefined();
    });

    test("arm64, one vCPU, or under 4 GiB do not", () => {
        expect(describedInstanceTypeProblem({ supportedArchitectures: ["arm64"], defaultVcpus: 2, memorySize: 4096 })).toBe(ARM64);
        expect(describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 1, memorySize: 4096 })).toBe("has 1 vCPU / 4 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
        expect(describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 2, memorySize: 2048 })).toBe("has 2 vCPU / 2 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
    });
});

describe("the deploy-time check", () => {
    test("a new x86_64 gateway type (c8i.large) is asked of AWS once and deployed", async () => {
        const run = await runProgram({ stack: "prod", config: { "dataPlane.instanceType": "c8i.large" } });
        expect(run.invokes.filter((i) => i.token === GET_INSTANCE_TYPE).map((i) => i.inputs)).toEqual([{ instanceType: "c8i.large" }]);
        const { template } = groupOf(run, "api7-dp-hosts");
        expect(template.inputs.instanceType).toBe("c8i.large");
        expect(template.inputs.imageId).toBe(groupOf(run, "api7-cp-hosts").template.inputs.imageId);
    });

    test("a flex type for the control plane (m7i-flex.large) is deployed", async () => {
        const run = await runProgram({ stack: "dev", config: { "controlPlane.instanceType": "m7i-flex.large" } });
        expect(groupOf(run, "api7-cp-hosts").template.inputs.instanceType).toBe("m7i-flex.large");
        expect(run.invokes.filter((i) => i.token === GET_INSTANCE_TYPE).map((i) => i.inputs)).toEqual([{ instanceType: "m7i-flex.large" }]);
    });

    test("types the table knows are not asked of AWS (the committed stacks make no such call)", async () => {
        for (const stack of ["prod", "dev"] as const) {
            const run = await runProgram({ stack });
            expect([stack, run.invokes.filter((i) => i.token === GET_INSTANCE_TYPE)]).toEqual([stack, []]);
        }
    });

    /**
     * A failed check fails every launch template waiting on the image, and the SDK re-raises each such failure as an
     * unhandled rejection on purpose ("so that it triggers unhandled rejection logic", @pulumi/pulumi 3.248
     * runtime/resource.js runAsyncResourceOp), which the Pulumi language host reports as the program's error. Jest
     * would pin those on the test, so these evaluations run in a process of their own, as the language host runs the
     * program, and hand back each outcome.
     */
    const failures: [string, Record<string, unknown>, string][] = [
        ["an arm64 gateway type (c8g.large)", { "dataPlane.instanceType": "c8g.large" }, `dataPlane.instanceType = "c8g.large": ${ARM64}`],
        ["a Prometheus host under 4 GiB (t3a.nano)", { "prometheus.enabled": true, "prometheus.instanceType": "t3a.nano" }, 'prometheus.instanceType = "t3a.nano": has 2 vCPU / 0.5 GiB; API7 needs >= 2 vCPU and >= 4 GiB'],
        ["a type AWS does not have (x9.huge)", { "controlPlane.instanceType": "x9.huge" }, 'controlPlane.instanceType = "x9.huge": could not be described by AWS (ec2:DescribeInstanceTypes)'],
    ];
    let outcomes: { error?: string; stage?: string; resources?: { type: string; inputs: Record<string, unknown> }[] }[] = [];
    beforeAll(() => {
        const script = [
            'process.on("unhandledRejection", () => undefined);',
            `const { evaluateOutcome } = require(${JSON.stringify(path.join(ROOT, "tools", "evaluate.ts"))});`,
            `const configs = ${JSON.stringify(failures.map(([, config]) => config))};`,
            // The harness waits for the left-over registrations on an unref'd timer: this one keeps the process up.
            "const alive = setInterval(() => undefined, 1000);",
            '(async () => { const out = []; for (const config of configs) out.push(await evaluateOutcome({ stack: "prod", config })); clearInterval(alive); process.stdout.write(JSON.stringify(out)); })();',
        ].join("\n");
        const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["-e", script], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        // The SDK sets exit status 1 on its way out for the registrations the failure left waiting; the outcomes
        // are what counts.
        if (!run.stdout.startsWith("[")) throw new Error(`the evaluations did not run (${run.status}): ${run.stderr}`);
        outcomes = JSON.parse(run.stdout);
    }, 120000);

    test.each(failures.map((f, i) => [...f, i] as const))("%s fails the deployment, naming the key and the value", (_what, _config, message, i) => {
        expect(outcomes[i].stage).toBe("program");
        expect(outcomes[i].error).toContain(message);
        // No launch template was made with the type.
        expect((outcomes[i].resources ?? []).filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate")).toEqual([]);
    });
});
