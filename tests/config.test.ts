/**
 * Configuration, end to end: each case changes the committed prod stack with the `pulumi config` commands a user
 * would type (tools/pulumi-cli/), runs the CLI's merge and validation, then the real program, and asserts the
 * exact problem lines and that nothing was registered.
 */
import { INSTANCE_TYPES, instanceTypeProblem } from "../components/instance-types";
import { imageProblem } from "../components/config/schema";
import { EXTERNAL_DATABASE, ProgramError, runProgram, type RunOptions } from "../tools/harness";
import { groupOf, T } from "./helpers";
import { BAD_CASES, CLI_CASES, GOOD_CASES, INTERPLAY_CASES, type Change } from "./config-cases";

/** The problem lines of a failed evaluation (after the header), asserting it stopped before any resource. */
async function problemsOf(change: Change, stack: RunOptions["stack"] = "prod"): Promise<string[]> {
    const error = await runProgram({ stack, ...change }).catch((e: unknown) => e);
    if (!(error instanceof ProgramError)) throw new Error("the program accepted the configuration");
    expect(error.stage).toBe("program");
    expect(error.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    return error.message
        .split("\n")
        .slice(1)
        .map((l) => l.replace(/^ {2}- /, ""));
}

const SETTING_CMD =
    "set a setting with `pulumi config set --path <key> <value>`, a secret with `pulumi config set --secret " +
    "<key> <value>`";

describe("bad configurations stop the program before any resource, naming the key as typed, the value and the rule", () => {
    test.each(BAD_CASES)("%s", async (_what, change, expected) => {
        expect(await problemsOf(change)).toEqual(expected);
    });

    test("the table covers at least 40 bad configurations", () => {
        expect(BAD_CASES.length).toBeGreaterThanOrEqual(40);
    });

    test("the error says how to set a setting and a secret", async () => {
        const error = (await runProgram({ stack: "prod", config: { "dataPlane.count": 1 } }).catch(
            (e: unknown) => e,
        )) as ProgramError;
        expect(error.message.split("\n")[0]).toBe(`api7-ha: stack prod has 1 configuration problem (${SETTING_CMD}):`);
    });

    test("every problem is reported at once, type errors and cross-field rules together", async () => {
        const problems = await problemsOf({
            config: {
                "controlPlane.count": 1,
                "hosts.rootVolumeGiB": "lots",
                "dataPlane.loadBalancer.httpsMode": "terminate",
                "access.adminCidrs": ["0.0.0.0/0", "office"],
                "dataPlane.instanceType": "m7g.large",
            },
        });
        expect(problems.map((p) => p.split(/ =|:/)[0]).sort()).toEqual([
            "access.adminCidrs[1]",
            "controlPlane.count",
            "dataPlane.instanceType",
            "dataPlane.loadBalancer.certificateArn",
            "hosts.rootVolumeGiB",
        ]);
    });

    test.each(INTERPLAY_CASES)("%s", async (_what, change, expected) => {
        expect(await problemsOf(change)).toEqual(expected);
    });

    test("a secret's value is never echoed", async () => {
        const problems = await problemsOf({
            config: EXTERNAL_DATABASE.config,
            secrets: { databaseDsn: "mysql://u:SECRET-PW@db/x" },
        });
        expect(problems.join("\n")).not.toContain("SECRET-PW");
    });
});

describe("what the Pulumi CLI itself stops, before the program runs", () => {
    async function cliError(change: Change): Promise<ProgramError> {
        const error = await runProgram({ stack: "prod", ...change }).catch((e: unknown) => e);
        if (!(error instanceof ProgramError)) throw new Error("the CLI accepted the configuration");
        expect(error.stage).toBe("cli");
        expect(error.resources).toEqual([]);
        return error;
    }

    test("a stack without its license and admin password", async () => {
        expect((await cliError(CLI_CASES.missingSecrets)).message).toBe(
            "validating stack config: Stack 'prod' is missing configuration values 'adminPassword' and 'license'",
        );
    });

    test("a DSN is no longer declared: the CLI runs the program without one (the managed database needs none)", async () => {
        const run = await runProgram({ stack: "prod", secrets: { databaseDsn: undefined } });
        expect(run.ofType("aws:rds/instance:Instance")).toHaveLength(1);
    });

    test("a setting under a value that is not an object", async () => {
        const error = await cliError(CLI_CASES.settingUnderScalar);
        expect(error.message).toBe("could not set config: dataPlane.count: expected a map");
    });

    test("a negative value without `--`", async () => {
        const error = await cliError(CLI_CASES.negativeWithoutDashes);
        expect(error.message).toBe("unknown shorthand flag: '1' in -1");
    });
});

describe("good edge configurations pass", () => {
    test.each(GOOD_CASES)("%s", async (_what, change) => {
        const run = await runProgram({ stack: "prod", ...change });
        expect(run.ofType(T.asg).length).toBeGreaterThan(0);
    });
});

describe("fallback.cronSpec (Go cron syntax, validated with cron-parser)", () => {
    test.each<[string, RegExp]>([
        ["@every 500ms", /exports every 0\.5 s; the shortest allowed interval is 10 s$/],
        ["*/5 * * * * *", /exports every 5 s; the shortest allowed interval is 10 s$/],
        ["@every 1x", /"1x" is not a Go duration/],
        ["@every", /@every needs a duration/],
        ["61 * * * *", /is not a cron expression/],
        ["every minute", /is not a cron expression/],
    ])("%s is rejected naming the key", async (spec, message) => {
        const problems = await problemsOf({ config: { "fallback.cronSpec": spec } });
        expect(problems).toHaveLength(1);
        expect(problems[0].startsWith(`fallback.cronSpec = ${JSON.stringify(spec)}: `)).toBe(true);
        expect(problems[0]).toMatch(message);
    });
});

describe("names derived from the stack", () => {
    test("a stack name too long for the derived bucket names asks for explicit names", async () => {
        const { parseSettings } = await import("../components/config/load");
        const values = { license: "l", adminPassword: "a-long-enough-password", gatewayToken: "t" };
        let error: unknown;
        try {
            parseSettings({ values, secretKeys: new Set(Object.keys(values)) }, "a-very-long-stack-name-for-prod");
        } catch (e) {
            error = e;
        }
        expect((error as { problems: string[] }).problems).toEqual([
            'fallback.configBucketName = "": is needed: the stack name makes the default name 68 characters long ' +
                "(S3 allows 63); set a shorter name",
            'fallback.resourceBucketName = "": is needed: the stack name makes the default name 70 characters ' +
                "long (S3 allows 63); set a shorter name",
        ]);
    });
});

describe("the committed stacks reach the resources", () => {
    test("prod's settings from its stack file reach the program (the 5 s health check reaches its target group)", async () => {
        const run = await runProgram({ stack: "prod" });
        const http = run.get("aws:lb/targetGroup:TargetGroup", "api7-dp-lb-http");
        expect(http.inputs.healthCheck).toMatchObject({
            interval: 5,
            timeout: 3,
            healthyThreshold: 3,
            unhealthyThreshold: 2,
        });
        expect(groupOf(run, "api7-dp-hosts").template.inputs.instanceType).toBe("c6i.large");
        expect(groupOf(run, "api7-dp-hosts").asg.inputs.desiredCapacity).toBe(3);
        expect(run.ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(3);
        expect(
            run.ofType("aws:lb/loadBalancer:LoadBalancer").every((lb) => lb.inputs.enableDeletionProtection === true),
        ).toBe(true);
    });

    test("dev's forceDestroy reaches both buckets; prod keeps its exports", async () => {
        const dev = await runProgram({ stack: "dev" });
        const prod = await runProgram({ stack: "prod" });
        expect(dev.ofType("aws:s3/bucket:Bucket").map((b) => b.inputs.forceDestroy)).toEqual([true, true]);
        expect(prod.ofType("aws:s3/bucket:Bucket").map((b) => b.inputs.forceDestroy)).toEqual([false, false]);
    });
});

describe("instance-type table and image references", () => {
    test("API7's reference host sizes pass and arm64 families fail", () => {
        expect(instanceTypeProblem("t3.medium")).toBeUndefined();
        expect(instanceTypeProblem("c6i.large")).toBeUndefined();
        for (const type of Object.keys(INSTANCE_TYPES).filter((t) => /^(t4g|m6g|m7g|c6g|c7g|r7g)\./.test(t))) {
            expect(instanceTypeProblem(type)).toMatch(/arm64/);
        }
    });
    test("known sizes match AWS", () => {
        expect(INSTANCE_TYPES["t3.medium"]).toEqual({ arch: "x86_64", vcpu: 2, memoryGiB: 4 });
        expect(INSTANCE_TYPES["c6i.large"]).toEqual({ arch: "x86_64", vcpu: 2, memoryGiB: 4 });
        expect(INSTANCE_TYPES["m6i.xlarge"]).toEqual({ arch: "x86_64", vcpu: 4, memoryGiB: 16 });
        expect(INSTANCE_TYPES["t3.4xlarge"]).toBeUndefined();
    });
    test("image references", () => {
        expect(imageProblem("api7/api7-ee-3-integrated:v3.2.16.3")).toBeUndefined();
        expect(imageProblem("registry.example.com:5000/api7/gw:1.0")).toBeUndefined();
    });
});
