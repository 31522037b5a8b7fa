/**
 * A gateway host through a control-plane outage, with the real AWS CLI v2 against moto and the instance's id and
 * credentials from AWS's IMDS mock (tests/real/services.ts): the last export in S3 (two buckets), the gateways'
 * target groups in ELB, the host's metrics in CloudWatch. Stand-ins, and why: the DP Manager and the gateway's own
 * GET /status (a small HTTP server here; no API7 image), docker and systemctl (tests/fakes/host-bin/; no Docker
 * engine or systemd here: the fake systemctl runs the unit's `api7-run gateway` as systemd would).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { GATEWAY_TOKEN, ROOT, runProgram, type RunResult } from "../../tools/harness";
import { groupOf, T } from "../helpers";
import { installUserData, type InstalledHost } from "../host-files";
import { awsAt, gatewayTargetGroups, hostAwsEnv, REGION, startImds, startMoto, type Imds, type Moto } from "./services";

const DP = "/api7-ha/prod/dp";
let dir: string;
let moto: Moto;
let imds: Imds;
let prod: RunResult;
let instanceId: string;
let targetGroups: string[];
let spec: any;
/** The DP Manager answers GET /version while this is true; GET /status (the gateway's health) always answers. */
let dpManagerUp = false;
let server: http.Server;
let runs = 0;

const query = (service: string, params: Record<string, string>) => moto.query(service, params);
const field = (xml: string, name: string) =>
    [...xml.matchAll(new RegExp(`<${name}>([^<]+)</${name}>`, "g"))].map((m) => m[1]);

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-outage-"));
    prod = await runProgram({ stack: "prod", secrets: { gatewayToken: GATEWAY_TOKEN } });
    moto = await startMoto();
    server = http.createServer((req, res) => {
        if (req.url === "/version" && dpManagerUp) {
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ etcdserver: "3.5.0", etcdcluster: "3.5.0" }));
        } else {
            // GET /status/ready: 503 while no DP Manager answers (API7 3.2.16.3+), as the gateway would.
            res.writeHead(req.url === "/status" || (req.url === "/status/ready" && dpManagerUp) ? 200 : 503);
            res.end();
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The gateway's instance and target groups, as the Auto Scaling group and the load balancer have them.
    const ec2 = { Version: "2016-11-15" };
    const vpc = field(await query("ec2", { ...ec2, Action: "CreateVpc", CidrBlock: "10.80.0.0/16" }), "vpcId")[0];
    const image = field(await query("ec2", { ...ec2, Action: "DescribeImages" }), "imageId")[0];
    instanceId = field(
        await query("ec2", {
            ...ec2,
            Action: "RunInstances",
            ImageId: image,
            MinCount: "1",
            MaxCount: "1",
            InstanceType: "c6i.large",
        }),
        "instanceId",
    )[0];
    targetGroups = await gatewayTargetGroups(moto, vpc);
    for (const arn of targetGroups) {
        await query("elasticloadbalancing", {
            Version: "2015-12-01",
            Action: "RegisterTargets",
            TargetGroupArn: arn,
            "Targets.member.1.Id": instanceId,
        });
    }
    // In service: the mock's Auto Scaling lifecycle state turns Terminated after --asg-termination-delay-sec, 0 by
    // default (aws/amazon-ec2-metadata-mock pkg/mock/asglifecycle @v1.13.0), and a terminating gateway rejoins
    // nothing.
    imds = await startImds(
        dir,
        "api7-ha-prod-dp-host",
        { AccessKeyId: "AKIDHOST", SecretAccessKey: "host" },
        { "instance-id": instanceId },
        ["--asg-termination-delay-sec", "86400"],
    );

    // Every parameter the program stores; the gateway's run spec pointed at what stands in here: the DP Manager
    // and the gateway's health at the local server, the target groups at moto's.
    for (const p of prod.ofType(T.parameter)) {
        let value = String(p.inputs.type === "SecureString" ? p.inputs.value : p.inputs.insecureValue);
        if (p.inputs.name === `${DP}/gateway.json`) {
            spec = JSON.parse(value);
            spec.healthUrl = `${local}/status`;
            spec.outage.endpoints = [local];
            spec.outage.readyUrl = `${local}/status/ready`;
            spec.outage.targetGroupArns = targetGroups;
            value = JSON.stringify(spec);
        }
        await moto.json("ssm", "AmazonSSM.PutParameter", { Name: p.inputs.name, Value: value, Type: p.inputs.type });
    }
    for (const bucket of [spec.outage.export.configBucket, spec.outage.export.resourceBucket]) {
        const created = await fetch(`${moto.endpoint}/${bucket}`, { method: "PUT", headers: s3Headers() });
        if (!created.ok) throw new Error(`moto s3 CreateBucket ${bucket}: ${created.status}`);
    }
}, 60000);

afterAll(async () => {
    moto?.stop();
    imds?.stop();
    await new Promise((resolve) => server?.close(resolve));
    console.log(`${runs} outage runs against moto, with the instance's id from ec2-metadata-mock`);
    fs.rmSync(dir, { recursive: true, force: true });
});

function s3Headers(): Record<string, string> {
    return {
        Authorization: `AWS4-HMAC-SHA256 Credential=seed/20261207/${REGION}/s3/aws4_request, SignedHeaders=host, Signature=0`,
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    };
}

interface Host extends InstalledHost {
    readonly out: string;
    readonly runDir: string;
    readonly bin: string;
}

function newHost(name: string): Host {
    const root = path.join(dir, name);
    const installed = installUserData(groupOf(prod, "api7-dp-hosts").userData, path.join(root, "root"));
    const host = {
        ...installed,
        out: path.join(root, "out"),
        runDir: path.join(root, "run"),
        bin: path.join(root, "bin"),
    };
    for (const d of [host.out, host.runDir, host.bin]) fs.mkdirSync(d, { recursive: true });
    // docker and systemctl faked; curl is the real one (the DP Manager's probe, IMDS, the health check).
    for (const tool of ["docker", "cloud-init"])
        fs.symlinkSync(path.join(ROOT, "tests", "fakes", "host-bin", tool), path.join(host.bin, tool));
    // systemctl: first what ELB says of the instance in each target group at that moment, through the real CLI.
    fs.writeFileSync(
        path.join(host.bin, "systemctl"),
        `#!/bin/bash
for tg in ${targetGroups.join(" ")}; do
  aws elbv2 describe-target-health --region ${REGION} --target-group-arn "$tg" --targets Id=${instanceId} \\
    --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text >> "$FAKE_OUT/states-at-restart"
done
exec ${path.join(ROOT, "tests", "fakes", "host-bin", "systemctl")} "$@"
`,
        { mode: 0o755 },
    );
    return host;
}

function onHost(host: Host, args: string[]): Promise<{ code: number | null; stderr: string }> {
    runs++;
    const env = {
        PATH: [awsAt(host.root, moto.endpoint), host.bin, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
        LANG: "C.UTF-8",
        ...host.env,
        ...hostAwsEnv(imds, path.join(host.root, "home")),
        API7_RUN_DIR: host.runDir,
        API7_STATE_DIR: path.join(host.root, "state"),
        API7_WAIT_POLL: "0.2",
        API7_SERVE_TIMEOUT: "20",
        FAKE_OUT: host.out,
        FAKE_SYSTEMD_START: "1",
    };
    return new Promise((resolve) => {
        const child = spawn(host.at("/usr/local/sbin/api7-run"), args, { env });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

const modeOf = (host: Host) => fs.readFileSync(path.join(host.runDir, "gateway", "mode"), "utf8");

async function targetStates(): Promise<string[]> {
    const states: string[] = [];
    for (const arn of targetGroups) {
        const xml = await query("elasticloadbalancing", {
            Version: "2015-12-01",
            Action: "DescribeTargetHealth",
            TargetGroupArn: arn,
            "Targets.member.1.Id": instanceId,
        });
        states.push(...field(xml, "State"));
    }
    return states;
}

test("a gateway started during an outage: refused without an export, standalone from one, back once the DP Manager answers", async () => {
    dpManagerUp = false;
    const host = newHost("dp-0");
    const { configBucket, resourceBucket } = spec.outage.export;

    const refused = await onHost(host, ["gateway"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
        `no export can be read in s3://${configBucket} and s3://${resourceBucket} to start gateway standalone from; not starting it`,
    );

    for (const bucket of [configBucket, resourceBucket]) {
        const put = await fetch(`${moto.endpoint}/${bucket}/gateway_groups/default/export.json`, {
            method: "PUT",
            headers: s3Headers(),
            body: "{}",
        });
        expect(put.ok).toBe(true);
    }
    const started = await onHost(host, ["gateway"]);
    expect([started.code, started.stderr]).toEqual([
        0,
        `api7-run: no DP Manager answers at ${spec.outage.endpoints[0]} (GET /version, twice, 5 s each); starting gateway standalone from the last export\n`,
    ]);
    expect(modeOf(host)).toBe("standalone\n");

    // The control plane is back: four answered checks, then out of both target groups, restarted, back in.
    dpManagerUp = true;
    for (let i = 1; i < spec.outage.reconnectAfterChecks; i++) {
        const check = await onHost(host, ["gateway", "--watch"]);
        expect([check.code, check.stderr]).toEqual([0, ""]);
    }
    expect(await targetStates()).toEqual(["healthy", "healthy"]);
    const back = await onHost(host, ["gateway", "--watch"]);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain("api7-run: gateway: back in the load balancer, normal\n");
    expect(modeOf(host)).toBe("normal\n");
    expect(await targetStates()).toEqual(["healthy", "healthy"]);
    expect(fs.readFileSync(path.join(host.out, "systemctl"), "utf8")).toBe("restart api7@gateway.service\n");
    // Restarted only once out of both target groups.
    expect(fs.readFileSync(path.join(host.out, "states-at-restart"), "utf8")).toBe("unused\nunused\n");
    // The lock is given back.
    await expect(moto.json("ssm", "AmazonSSM.GetParameter", { Name: spec.outage.lockParameter })).rejects.toThrow(
        /ParameterNotFound/,
    );

    // What the host published: both metrics, per instance and per group, in the namespace its policy allows.
    const listed = await query("monitoring", {
        Version: "2010-08-01",
        Action: "ListMetrics",
        Namespace: "API7-HA/Gateways",
    });
    expect([...new Set(field(listed, "MetricName"))].sort()).toEqual(["ControlPlaneReachable", "Standalone"]);
    expect(field(listed, "Value")).toContain(instanceId);
});
