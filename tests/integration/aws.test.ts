/**
 * How the cloud test's AWS CLI calls (tests/integration/aws.ts) answer and fail, against a fake `aws` first on PATH
 * that prints what a case gives it: the wait for gateways goes on while the group has no InService host yet, and
 * ends at once, with the CLI's own message, on anything else.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awsStackOutputs, type AwsStackOutputs } from "../../components/outputs";
import { runProgram } from "../../tools/harness";
import { gatewayHosts } from "./aws";

let dir: string;
let outputs: AwsStackOutputs;
beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-fake-aws-"));
    // Prints $FAKE_STDOUT, or $FAKE_STDERR with exit 255 ("Command failed", aws/aws-cli awscli/topics/return-codes.rst
    // @01e092bd), and records its arguments.
    fs.writeFileSync(
        path.join(dir, "aws"),
        [
            "#!/bin/bash",
            'printf "%s\\n" "$*" >> "$FAKE_CALLS"',
            'if [[ -n "${FAKE_STDERR:-}" ]]; then printf "\\n%s\\n" "$FAKE_STDERR" >&2; exit 255; fi',
            'printf "%s\\n" "$FAKE_STDOUT"',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    outputs = awsStackOutputs.parse((await runProgram({ stack: "dev" })).outputs);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeAws(answer: { stdout?: object; stderr?: string }): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const calls = fs.mkdtempSync(path.join(dir, "calls-"));
    const env = {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        FAKE_CALLS: path.join(calls, "log"),
        FAKE_STDOUT: JSON.stringify(answer.stdout ?? {}),
        FAKE_STDERR: answer.stderr ?? "",
    };
    return {
        env,
        calls: () =>
            fs
                .readFileSync(path.join(calls, "log"), "utf8")
                .split("\n")
                .filter((l) => l !== ""),
    };
}

/** describe-auto-scaling-groups' answer (aws/aws-cli awscli/examples/autoscaling/describe-auto-scaling-groups.rst, example 1). */
const group = (name: string, instances: [id: string, state: string][]) => ({
    AutoScalingGroups: [
        {
            AutoScalingGroupName: name,
            Instances: instances.map(([id, state]) => ({
                InstanceId: id,
                LifecycleState: state,
                HealthStatus: "Healthy",
                AvailabilityZone: "us-east-1a",
            })),
        },
    ],
});

test("hosts still launching: no gateway host yet, so the wait goes on", () => {
    const fake = fakeAws({
        stdout: group(outputs.autoScalingGroups.dataPlane, [
            ["i-1", "Pending"],
            ["i-2", "Pending:Wait"],
        ]),
    });
    expect(gatewayHosts(outputs, fake.env)).toEqual([]);
    expect(fake.calls()).toEqual([
        `autoscaling describe-auto-scaling-groups --auto-scaling-group-names ` +
            `${outputs.autoScalingGroups.dataPlane} --region ${outputs.region} --output json`,
    ]);
});

test("the InService hosts, without those still launching", () => {
    const fake = fakeAws({
        stdout: group(outputs.autoScalingGroups.dataPlane, [
            ["i-1", "InService"],
            ["i-2", "Pending"],
            ["i-3", "InService"],
        ]),
    });
    expect(gatewayHosts(outputs, fake.env)).toEqual(["i-1", "i-3"]);
});

test.each([
    // botocore/exceptions.py NoCredentialsError (boto/botocore @0e6e2404).
    ["no credentials", "Unable to locate credentials"],
    // The CLI's form of a service error: botocore/exceptions.py ClientError.MSG_TEMPLATE (@0e6e2404).
    [
        "access denied",
        "An error occurred (AccessDenied) when calling the DescribeAutoScalingGroups operation: User: " +
            "arn:aws:iam::123456789012:user/ci is not authorized to perform: autoscaling:DescribeAutoScalingGroups",
    ],
])("%s: fails at once, with the CLI's message", (_name, stderr) => {
    const fake = fakeAws({ stderr });
    expect(() => gatewayHosts(outputs, fake.env)).toThrow(stderr);
    expect(fake.calls()).toHaveLength(1);
});

test("a group the answer does not list (another account or region): fails at once", () => {
    const fake = fakeAws({ stdout: { AutoScalingGroups: [] } });
    expect(() => gatewayHosts(outputs, fake.env)).toThrow(
        `Auto Scaling group ${outputs.autoScalingGroups.dataPlane} not found`,
    );
});
