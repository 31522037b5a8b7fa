/**
 * api7-lifecycle (config-templates/api7-lifecycle.sh) with AWS's IMDS mock and the real AWS CLI v2 against moto
 * (tests/real/services.ts): the target lifecycle state as the mock serves it (InService, and Terminated once
 * --asg-termination-delay-sec has passed: aws/amazon-ec2-metadata-mock pkg/mock/asglifecycle @v1.13.0, which serves
 * no Warmed:* state; tests/lifecycle.test.ts covers those with a fake), and the host finding its Auto Scaling group
 * in moto. Moto 5.1.18 does not implement CompleteLifecycleAction: the test holds the host to its retrying, with
 * the call having reached the service. Docker, systemctl and the registry login stay fakes (tests/fakes/host-bin/,
 * no curl fake: the host's curl talks to the mock).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, runProgram, type RunResult } from "../../tools/harness";
import { groupOf, T } from "../helpers";
import { installUserData } from "../host-files";
import { awsAt, hostAwsEnv, startImds, startMoto, type Imds, type Moto } from "./services";

const HOST_BIN = path.join(ROOT, "tests", "fakes", "host-bin");
let dir: string;
let moto: Moto;
let prod: RunResult;
let group: string;
let instanceId: string;
const field = (xml: string, name: string) =>
    [...xml.matchAll(new RegExp(`<${name}>([^<]+)</${name}>`, "g"))].map((m) => m[1]);

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-lifecycle-"));
    prod = await runProgram({ stack: "prod" });
    moto = await startMoto();
    const ec2 = { Version: "2016-11-15" };
    const vpc = field(await moto.query("ec2", { ...ec2, Action: "CreateVpc", CidrBlock: "10.80.0.0/16" }), "vpcId")[0];
    const subnet = field(
        await moto.query("ec2", { ...ec2, Action: "CreateSubnet", VpcId: vpc, CidrBlock: "10.80.1.0/24" }),
        "subnetId",
    )[0];
    const image = field(await moto.query("ec2", { ...ec2, Action: "DescribeImages" }), "imageId")[0];
    const autoscaling = { Version: "2011-01-01" };
    await moto.query("autoscaling", {
        ...autoscaling,
        Action: "CreateLaunchConfiguration",
        LaunchConfigurationName: "api7-cp",
        ImageId: image,
        InstanceType: "t3.medium",
    });
    group = "api7-cp-hosts-group-1a2b3c";
    await moto.query("autoscaling", {
        ...autoscaling,
        Action: "CreateAutoScalingGroup",
        AutoScalingGroupName: group,
        LaunchConfigurationName: "api7-cp",
        MinSize: "1",
        MaxSize: "2",
        DesiredCapacity: "1",
        VPCZoneIdentifier: subnet,
    });
    instanceId = field(
        await moto.query("autoscaling", {
            ...autoscaling,
            Action: "DescribeAutoScalingGroups",
            "AutoScalingGroupNames.member.1": group,
        }),
        "InstanceId",
    )[0];
    for (const p of prod.ofType(T.parameter).filter((p) => String(p.inputs.name).startsWith("/api7-ha/prod/cp/"))) {
        await moto.json("ssm", "AmazonSSM.PutParameter", {
            Name: p.inputs.name,
            Value: String(p.inputs.type === "SecureString" ? p.inputs.value : p.inputs.insecureValue),
            Type: p.inputs.type,
        });
    }
}, 60000);

afterAll(() => {
    moto?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * api7-lifecycle on a new control-plane host of prod (a warm-pool group), stopped once its stderr satisfies `done`
 * (or at the test's timeout).
 */
async function lifecycle(name: string, imds: Imds, done: (stderr: string) => boolean = () => false) {
    const root = path.join(dir, name);
    const host = installUserData(groupOf(prod, "api7-cp-hosts").userData, path.join(root, "root"));
    // The host fakes but curl: docker, systemctl (recording) and cloud-init.
    const fakes = path.join(root, "fakes");
    fs.mkdirSync(fakes, { recursive: true });
    for (const tool of ["docker", "systemctl", "cloud-init"])
        fs.symlinkSync(path.join(HOST_BIN, tool), path.join(fakes, tool));
    const out = path.join(root, "out");
    fs.mkdirSync(out, { recursive: true });
    const env = {
        PATH: [awsAt(root, moto.endpoint), fakes, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
        LANG: "C.UTF-8",
        ...host.env,
        ...hostAwsEnv(imds, path.join(root, "home")),
        AWS_ACCESS_KEY_ID: "AKIDHOST",
        AWS_SECRET_ACCESS_KEY: "host",
        API7_RUN_DIR: path.join(root, "run"),
        API7_STATE_DIR: path.join(root, "state"),
        API7_LIFECYCLE_POLL: "1",
        FAKE_OUT: out,
    };
    return new Promise<{ code: number | null; stderr: string; systemctl: string }>((resolve) => {
        const child = spawn(host.at("/usr/local/sbin/api7-lifecycle"), [], { env });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            if (done(stderr)) child.kill();
        });
        child.on("close", (code) => {
            const calls = path.join(out, "systemctl");
            resolve({ code, stderr, systemctl: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "" });
        });
    });
}

test("in service (the mock's state): the services and the bootstrap started, the group found in Auto Scaling, the hook's completion retried while it fails", async () => {
    fs.mkdirSync(path.join(dir, "imds-in-service"), { recursive: true });
    const imds = await startImds(
        path.join(dir, "imds-in-service"),
        "api7-ha-prod-cp-host",
        { AccessKeyId: "AKIDHOST", SecretAccessKey: "host" },
        { "instance-id": instanceId },
        ["--asg-termination-delay-sec", "86400"],
    );
    try {
        const failed = `api7-lifecycle: cannot complete api7-launch for ${instanceId} in ${group}: `;
        // Stopped at its second try.
        const r = await lifecycle("in-service", imds, (stderr) => stderr.split(failed).length > 2);
        expect(r.systemctl).toBe(
            "start api7@dashboard.service\nstart api7@dp-manager.service\nstart --no-block api7-bootstrap.service\n",
        );
        // The real CLI sent both calls: the group came back from DescribeAutoScalingInstances, and
        // CompleteLifecycleAction passed the CLI's own checks of its arguments and reached moto, which does not
        // implement it (NotImplementedError: HTTP 500). The host says so and tries again.
        const failures = r.stderr.split(failed);
        expect(failures.length).toBeGreaterThan(2);
        expect(failures[1]).toContain("500 Internal Server Error");
        expect(r.code).toBeNull();
    } finally {
        imds.stop();
    }
}, 60000);

test("headed for Terminated (the mock's state once its delay has passed): nothing started", async () => {
    fs.mkdirSync(path.join(dir, "imds-terminated"), { recursive: true });
    const imds = await startImds(
        path.join(dir, "imds-terminated"),
        "api7-ha-prod-cp-host",
        { AccessKeyId: "AKIDHOST", SecretAccessKey: "host" },
        { "instance-id": instanceId },
    );
    try {
        const r = await lifecycle("terminated", imds);
        expect([r.code, r.stderr, r.systemctl]).toEqual([
            0,
            "api7-lifecycle: headed for Terminated: starting nothing\n",
            "",
        ]);
    } finally {
        imds.stop();
    }
}, 60000);
