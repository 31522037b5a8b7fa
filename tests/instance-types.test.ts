/**
 * EC2 instance types: names held to AWS's convention offline; the offline table for the types it knows, AWS
 * (aws.ec2.getInstanceType) at deploy time for any other, one rule and one message; and every type offered in each of
 * the stack's AZs (aws.ec2.getInstanceTypeOfferings). The mock answers the invokes with the facts AWS's Instance
 * Types guide lists for the types used here (tools/evaluate.ts), with InvalidInstanceType for a type AWS does not
 * have, and with one type (r7i.large) missing from us-east-1c.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import {
    awsFailureMessage,
    awsReason,
    describedInstanceTypeProblem,
    hibernationProblem,
    instanceTypeProblem,
    offeringProblem,
} from "../components/instance-types";
import { ROOT, runProgram } from "../tools/harness";
import { groupOf } from "./helpers";

const GET_INSTANCE_TYPE = "aws:ec2/getInstanceType:getInstanceType";
const OFFERINGS = "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings";
const ARM64 = "is arm64; API7 hosts must be x86_64 (e.g. use c6i.large instead of c7g.large)";
const NOT_A_NAME =
    "is not an EC2 instance type name (lower-case series and size separated by a period, e.g. c6i.large)";

describe("instance type names, checked offline", () => {
    test.each([
        ["", NOT_A_NAME],
        ["T3.medium", `${NOT_A_NAME}; did you mean t3.medium?`],
        ["c6i large", `${NOT_A_NAME}; did you mean c6i.large?`],
        ["t3.mediun", "is not a size of the t3 family (large, xlarge, 2xlarge, ...); did you mean t3.medium?"],
        ["c6i.larg", "is not a size of the c6i family (large, xlarge, 2xlarge, ...); did you mean c6i.large?"],
    ])("%j is refused", (type, problem) => {
        expect(instanceTypeProblem(type)).toBe(problem);
    });

    test.each(["c8i.large", "m7i-flex.large", "m7i.metal-24xl", "c6i.8xlarge", "t3.nano", "u-6tb1.metal"])(
        "%s has a name AWS uses and is left to AWS",
        (type) => {
            expect(instanceTypeProblem(type)).toBeUndefined();
        },
    );
});

describe("types the offline table knows are judged offline", () => {
    test("known types are still judged offline", () => {
        expect(instanceTypeProblem("c7g.large")).toBe(ARM64);
        expect(instanceTypeProblem("t3.small")).toBe("has 2 vCPU / 2 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
    });
});

describe("what AWS describes, held to the same rule", () => {
    test("x86_64 with 2 vCPU and 4096 MiB runs API7; i386 listed beside x86_64 too", () => {
        expect(
            describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 2, memorySize: 4096 }),
        ).toBeUndefined();
        expect(
            describedInstanceTypeProblem({
                supportedArchitectures: ["i386", "x86_64"],
                defaultVcpus: 2,
                memorySize: 4096,
            }),
        ).toBeUndefined();
    });

    test("arm64, one vCPU, or under 4 GiB do not", () => {
        expect(
            describedInstanceTypeProblem({ supportedArchitectures: ["arm64"], defaultVcpus: 2, memorySize: 4096 }),
        ).toBe(ARM64);
        expect(
            describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 1, memorySize: 4096 }),
        ).toBe("has 1 vCPU / 4 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
        expect(
            describedInstanceTypeProblem({ supportedArchitectures: ["x86_64"], defaultVcpus: 2, memorySize: 2048 }),
        ).toBe("has 2 vCPU / 2 GiB; API7 needs >= 2 vCPU and >= 4 GiB");
    });
});

describe("what AWS refuses, said so the user can act", () => {
    // The AWS SDK's error text, after the engine's and the provider's prefixes (aws/smithy-go errors.go @4e34e639).
    const failure = (code: string, message: string) =>
        `invocation of aws:ec2/getInstanceType:getInstanceType returned an error: reading EC2 Instance Type: ` +
        `operation error EC2: DescribeInstanceTypes, https response error StatusCode: 403, RequestID: 1, api ` +
        `error ${code}: ${message}`;
    const DENIED =
        "You are not authorized to perform this operation. User: " +
        "arn:aws:sts::123456789012:assumed-role/preview/ci is not authorized to perform: " +
        "ec2:DescribeInstanceTypes because no identity-based policy allows the ec2:DescribeInstanceTypes action";

    test("AWS's code and message are kept, the prefixes dropped", () => {
        expect(
            awsReason(failure("InvalidInstanceType", "The following supplied instance types do not exist: [x9.huge]")),
        ).toBe("InvalidInstanceType: The following supplied instance types do not exist: [x9.huge]");
        expect(awsReason("")).toBe("no reason given");
    });

    test("a denied DescribeInstanceTypes names the permission, the roles that need it, and the listed types", () => {
        expect(
            awsFailureMessage(
                ["controlPlane.instanceType"],
                "c8i.large",
                "DescribeInstanceTypes",
                failure("UnauthorizedOperation", DENIED),
            ),
        ).toBe(
            'ec2:DescribeInstanceTypes was denied, so controlPlane.instanceType = "c8i.large" could not be checked: allow ec2:DescribeInstanceTypes to the identity that runs pulumi preview and pulumi up (in CI, the roles AWS_PREVIEW_ROLE_ARN and AWS_DEPLOY_ROLE_ARN), or use a type the program lists offline (t3.medium, c6i.large, m6i.large). ' +
                `AWS said: UnauthorizedOperation: ${DENIED}`,
        );
    });

    test("a denied DescribeInstanceTypeOfferings (AccessDenied too) names that permission, with no other way out", () => {
        const message = awsFailureMessage(
            ["dataPlane.instanceType"],
            "c6i.large",
            "DescribeInstanceTypeOfferings",
            failure("AccessDenied", "User is not authorized"),
        );
        expect(message).toBe(
            'ec2:DescribeInstanceTypeOfferings was denied, so dataPlane.instanceType = "c6i.large" could not be ' +
                "checked: allow ec2:DescribeInstanceTypeOfferings to the identity that runs pulumi preview and " +
                "pulumi up (in CI, the roles AWS_PREVIEW_ROLE_ARN and AWS_DEPLOY_ROLE_ARN). AWS said: " +
                "AccessDenied: User is not authorized",
        );
    });

    test("any other failure keeps AWS's reason", () => {
        expect(
            awsFailureMessage(
                ["dataPlane.instanceType"],
                "c8i.large",
                "DescribeInstanceTypes",
                failure("RequestLimitExceeded", "Request limit exceeded."),
            ),
        ).toBe(
            'dataPlane.instanceType = "c8i.large": could not be checked with ec2:DescribeInstanceTypes. AWS ' +
                "said: RequestLimitExceeded: Request limit exceeded.",
        );
    });
});

describe("a warm pool kept Hibernated", () => {
    const described = (memorySize: number, hibernationSupported: boolean) => ({
        supportedArchitectures: ["x86_64"],
        defaultVcpus: 2,
        memorySize,
        hibernationSupported,
    });
    test("needs a type AWS hibernates, under 150 GB of RAM, and a root volume that holds the RAM besides API7's 80 GiB", () => {
        expect(hibernationProblem(described(4096, true), 84)).toBeUndefined();
        expect(hibernationProblem(described(4096, false), 200)).toBe(
            "does not support hibernation in this Region (AWS DescribeInstanceTypes)",
        );
        expect(hibernationProblem(described(4096, true), 83)).toBe(
            "has 4 GiB of RAM, which hosts.rootVolumeGiB 83 cannot hold besides API7's 80 GiB",
        );
        expect(hibernationProblem(described(153600, true), 1000)).toBe(
            "has 150 GiB of RAM; EC2 hibernates instances with less than 150 GB",
        );
    });

    test("is checked against AWS at deploy time, even for a type the offline table knows (c6i.large)", async () => {
        const run = await runProgram({
            stack: "prod",
            config: { "dataPlane.warmPool.state": "Hibernated", "hosts.rootVolumeGiB": 100 },
        });
        expect(run.invokes.filter((i) => i.token === GET_INSTANCE_TYPE).map((i) => i.inputs)).toEqual([
            { instanceType: "c6i.large" },
        ]);
        expect(groupOf(run, "api7-dp-hosts").asg.inputs.warmPool.poolState).toBe("Hibernated");
    });
});

describe("a type must be offered in every AZ of the stack", () => {
    test("offered in each: no problem; missing from one: named, with where it is offered", () => {
        expect(
            offeringProblem(["us-east-1a", "us-east-1b"], ["us-east-1b", "us-east-1a", "us-east-1d"]),
        ).toBeUndefined();
        expect(
            offeringProblem(["us-east-1a", "us-east-1b", "us-east-1c"], ["us-east-1d", "us-east-1a", "us-east-1b"]),
        ).toBe(
            "is not offered in us-east-1c (offered in us-east-1a, us-east-1b, us-east-1d), where the stack " +
                "places hosts (us-east-1a, us-east-1b, us-east-1c); choose a type every one of them offers",
        );
        expect(offeringProblem(["us-east-1a", "us-east-1b"], [])).toMatch(
            /^is not offered in us-east-1a, us-east-1b \(offered in none of this Region's AZs\)/,
        );
    });
});

describe("the deploy-time check", () => {
    const asked = (run: { invokes: readonly { token: string; inputs: Record<string, any> }[] }, token: string) =>
        run.invokes
            .filter((i) => i.token === token)
            .map((i) => (token === OFFERINGS ? i.inputs.filters[0].values[0] : i.inputs.instanceType))
            .sort();

    test("a new x86_64 gateway type (c8i.large) is described once, every type's AZs are asked once, and it is deployed", async () => {
        const run = await runProgram({ stack: "prod", config: { "dataPlane.instanceType": "c8i.large" } });
        expect(run.invokes.filter((i) => i.token === GET_INSTANCE_TYPE).map((i) => i.inputs)).toEqual([
            { instanceType: "c8i.large" },
        ]);
        expect(
            run.invokes
                .filter((i) => i.token === OFFERINGS)
                .map((i) => i.inputs)
                .filter((i) => i.filters[0].values[0] === "c8i.large"),
        ).toEqual([{ locationType: "availability-zone", filters: [{ name: "instance-type", values: ["c8i.large"] }] }]);
        const { template } = groupOf(run, "api7-dp-hosts");
        expect(template.inputs.instanceType).toBe("c8i.large");
        expect(template.inputs.imageId).toBe(groupOf(run, "api7-cp-hosts").template.inputs.imageId);
    });

    test("one type for both planes (m7i-flex.large) is asked of AWS once", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { "controlPlane.instanceType": "m7i-flex.large", "dataPlane.instanceType": "m7i-flex.large" },
        });
        expect(groupOf(run, "api7-cp-hosts").template.inputs.instanceType).toBe("m7i-flex.large");
        expect(groupOf(run, "api7-dp-hosts").template.inputs.instanceType).toBe("m7i-flex.large");
        expect(asked(run, GET_INSTANCE_TYPE)).toEqual(["m7i-flex.large"]);
        expect(asked(run, OFFERINGS)).toEqual(["m7i-flex.large"]);
    });

    test("the committed stacks describe nothing and ask each listed type's AZs once", async () => {
        const prod = await runProgram({ stack: "prod" });
        const dev = await runProgram({ stack: "dev" });
        expect([asked(prod, GET_INSTANCE_TYPE), asked(prod, OFFERINGS)]).toEqual([[], ["c6i.large", "t3.medium"]]);
        expect([asked(dev, GET_INSTANCE_TYPE), asked(dev, OFFERINGS)]).toEqual([[], ["t3.medium"]]);
    });

    test("a type missing from an AZ the stack does not use (r7i.large, dev's two AZs) is deployed", async () => {
        const run = await runProgram({ stack: "dev", config: { "dataPlane.instanceType": "r7i.large" } });
        expect(groupOf(run, "api7-dp-hosts").template.inputs.instanceType).toBe("r7i.large");
    });

    /**
     * A failed check fails every launch template waiting on the image, and the SDK re-raises each such failure as an
     * unhandled rejection on purpose ("so that it triggers unhandled rejection logic", @pulumi/pulumi 3.248
     * runtime/resource.js runAsyncResourceOp), which the Pulumi language host reports as the program's error. Jest
     * would pin those on the test, so all these evaluations run in one process of their own, as the language host runs
     * the program, and hand back each outcome with the errors the program logged (pulumi.log.error) on the way.
     */
    const INVALID =
        'controlPlane.instanceType, dataPlane.instanceType = "x9.huge": is not an instance type AWS has in this ' +
        "Region. AWS said: InvalidInstanceType: The following supplied instance types do not exist: [x9.huge]";
    // Two evaluations (each a whole prod program, in the one child process) cover every way a type fails: AWS does
    // not have it (named once for both planes that use it), too little memory, arm64, missing from one of the AZs.
    const failures: [string, Record<string, unknown>, string[]][] = [
        [
            "a type AWS does not have (x9.huge) for both planes, and a Prometheus host under 4 GiB (t3a.nano)",
            {
                "controlPlane.instanceType": "x9.huge",
                "dataPlane.instanceType": "x9.huge",
                "prometheus.enabled": true,
                "prometheus.instanceType": "t3a.nano",
            },
            [INVALID, 'prometheus.instanceType = "t3a.nano": has 2 vCPU / 0.5 GiB; API7 needs >= 2 vCPU and >= 4 GiB'],
        ],
        [
            "an arm64 control-plane type (c8g.large) and a gateway type one of prod's three AZs lacks (r7i.large)",
            { "controlPlane.instanceType": "c8g.large", "dataPlane.instanceType": "r7i.large" },
            [
                `controlPlane.instanceType = "c8g.large": ${ARM64}`,
                'dataPlane.instanceType = "r7i.large": is not offered in us-east-1c (offered in us-east-1a, ' +
                    "us-east-1b, us-east-1d), where the stack places hosts (us-east-1a, us-east-1b, us-east-1c); " +
                    "choose a type every one of them offers",
            ],
        ],
    ];
    let outcomes: { error?: string; stage?: string; logged: string[]; resources?: { type: string }[] }[] = [];
    beforeAll(() => {
        const script = [
            'process.on("unhandledRejection", () => undefined);',
            'const pulumi = require("@pulumi/pulumi");',
            "let logged = [];",
            // What the language host would show first: the errors the program logs (log/index.js error).
            "pulumi.log.error = (msg) => { logged.push(msg); return Promise.resolve(); };",
            `const { evaluateOutcome } = require(${JSON.stringify(path.join(ROOT, "tools", "evaluate.ts"))});`,
            `const configs = ${JSON.stringify(failures.map(([, config]) => config))};`,
            // The harness waits for the left-over registrations on an unref'd timer: this one keeps the process up.
            "const alive = setInterval(() => undefined, 1000);",
            "(async () => { const out = []; for (const config of configs) { logged = []; out.push({ ...(await " +
                'evaluateOutcome({ stack: "prod", config })), logged }); }',
            "  clearInterval(alive); process.stdout.write(JSON.stringify(out)); })();",
        ].join("\n");
        const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        // The SDK sets exit status 1 on its way out for the registrations the failure left waiting; the outcomes
        // are what counts.
        if (!run.stdout.startsWith("[")) throw new Error(`the evaluations did not run (${run.status}): ${run.stderr}`);
        outcomes = JSON.parse(run.stdout);
    }, 180000);

    test.each(failures.map((f, i) => [...f, i] as const))(
        "%s fails the deployment, the first error naming each key and the value, once",
        (_what, _config, messages, i) => {
            expect(outcomes[i].logged).toEqual(messages);
            // The program's error, which every launch template waiting on the image repeats, points at them and does
            // not repeat them.
            expect(outcomes[i].stage).toBe("program");
            expect(outcomes[i].error).toMatch(
                /stopped before the hosts: 2 instance types failed the check reported above$/,
            );
            for (const message of messages) expect(outcomes[i].error).not.toContain(message);
            // No launch template was made with the type.
            expect(
                (outcomes[i].resources ?? []).filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate"),
            ).toEqual([]);
        },
    );
});
