/**
 * The failover drill's AWS target (`npm run drill -- <stack> control-plane --gateway restart|replace`) with the real
 * AWS CLI v2 against moto (tests/real/services.ts): two Auto Scaling groups (the control plane's and the gateways',
 * the gateways' attached to two target groups), SSM Run Command on their instances, a gateway host terminated
 * through its group and replaced. What this holds the drill to: the CLI accepts every argument it builds (the
 * JSON --parameters of AWS-RunShellScript, --no-should-decrement-desired-capacity, --targets Id=...), and the
 * drill reads what the CLI prints. Stand-ins, and why: `pulumi stack output` (tests/fakes/drill-bin/pulumi: no
 * deployed stack here) and the load balancer the probe asks (a small HTTP server). Moto runs no command on an
 * instance (its SendCommand records the invocation as Success, with no output), so the hosts' side of the step is
 * tested in tests/drill.test.ts with fakes and in tests/outage.test.ts with api7-run itself.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { awsStackOutputs, type AwsStackOutputs } from "../../components/outputs";
import { RESTART_COMMAND } from "../../scripts/drill/gateway";
import { ROOT, runProgram } from "../../tools/harness";
import { awsAt, gatewayTargetGroups, REGION, startMoto, type Moto } from "./services";

let dir: string;
let moto: Moto;
let server: http.Server;
let outputs: AwsStackOutputs;
const AUTOSCALING = { Version: "2011-01-01" };
const field = (xml: string, name: string) =>
    [...xml.matchAll(new RegExp(`<${name}>([^<]+)</${name}>`, "g"))].map((m) => m[1]);

async function groupInstances(name: string): Promise<string[]> {
    const xml = await moto.query("autoscaling", {
        ...AUTOSCALING,
        Action: "DescribeAutoScalingGroups",
        "AutoScalingGroupNames.member.1": name,
    });
    return field(xml, "InstanceId");
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-drill-"));
    moto = await startMoto();
    server = http.createServer((_req, res) => {
        res.writeHead(404);
        res.end("no route\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const lb = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const ec2 = { Version: "2016-11-15" };
    const vpc = field(await moto.query("ec2", { ...ec2, Action: "CreateVpc", CidrBlock: "10.80.0.0/16" }), "vpcId")[0];
    const subnet = field(
        await moto.query("ec2", {
            ...ec2,
            Action: "CreateSubnet",
            VpcId: vpc,
            CidrBlock: "10.80.1.0/24",
            AvailabilityZone: `${REGION}a`,
        }),
        "subnetId",
    )[0];
    const image = field(await moto.query("ec2", { ...ec2, Action: "DescribeImages" }), "imageId")[0];
    await moto.query("autoscaling", {
        ...AUTOSCALING,
        Action: "CreateLaunchConfiguration",
        LaunchConfigurationName: "api7-hosts",
        ImageId: image,
        InstanceType: "c6i.large",
    });
    const targetGroups = await gatewayTargetGroups(moto, vpc);
    for (const [name, attached] of [
        ["api7-cp-hosts", []],
        ["api7-dp-hosts", targetGroups],
    ] as const) {
        await moto.query("autoscaling", {
            ...AUTOSCALING,
            Action: "CreateAutoScalingGroup",
            AutoScalingGroupName: name,
            LaunchConfigurationName: "api7-hosts",
            MinSize: "2",
            MaxSize: "4",
            DesiredCapacity: "2",
            VPCZoneIdentifier: subnet,
            ...Object.fromEntries(attached.map((arn, i) => [`TargetGroupARNs.member.${i + 1}`, arn])),
        });
    }

    // The program's own outputs for prod, pointed at what stands in here.
    const prod = awsStackOutputs.parse((await runProgram({ stack: "prod" })).outputs);
    outputs = {
        ...prod,
        region: REGION,
        gatewayUrls: { http: lb, https: lb },
        autoScalingGroups: { controlPlane: "api7-cp-hosts", dataPlane: "api7-dp-hosts" },
        gatewayTargetGroupArns: targetGroups,
    };
    fs.mkdirSync(path.join(dir, "stacks"));
    fs.writeFileSync(path.join(dir, "stacks", "prod.json"), JSON.stringify(outputs));
}, 60000);

afterAll(async () => {
    moto?.stop();
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
});

/** `npm run drill -- prod control-plane ... --gateway ACTION`, with the real AWS CLI (through moto) first on PATH. */
function drill(action: "restart" | "replace"): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const home = path.join(dir, "home");
    fs.mkdirSync(home, { recursive: true });
    const env = {
        ...process.env,
        PATH: `${awsAt(dir, moto.endpoint)}:${path.join(ROOT, "tests", "fakes", "drill-bin")}:${process.env.PATH}`,
        FAKE_DIR: dir,
        HOME: home,
        AWS_ACCESS_KEY_ID: "AKIDDRILL",
        AWS_SECRET_ACCESS_KEY: "drill",
        AWS_PAGER: "",
    };
    const args = ["prod", "control-plane", "--requests", "3", "--interval-ms", "20", "--gateway", action];
    return new Promise((resolve, reject) => {
        const child = spawn(
            process.execPath,
            ["--require", "tsx/cjs", path.join(ROOT, "scripts", "drill", "main.ts"), ...args],
            { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

test("restart: the control plane's hosts stopped and started, the first gateway restarted, all through SSM", async () => {
    const [cp, dp] = [await groupInstances("api7-cp-hosts"), await groupInstances("api7-dp-hosts")];
    expect([cp.length, dp.length]).toEqual([2, 2]);
    const r = await drill("restart");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain(`\nfault: stopped api7@dashboard api7@dp-manager on ${cp.join(" ")}\n`);
    // Moto runs nothing on an instance: its invocation is Success with no output, so no mode is printed.
    expect(r.stdout).toMatch(
        new RegExp(`\\ngateway: restarted api7@gateway on ${dp[0]}; serving \\(mode unknown\\) after \\d+\\.\\d s\\n`),
    );
    expect(r.stdout).toMatch(/\nstandalone: none\nresult: service held\n$/);
    // Every command moto recorded, as the CLI sent it: the restart's sh one-liner arrived as one command. (Which
    // instances each went to is read from the drill's own lines above: moto 5.1.18's ListCommands lists every
    // instance of every command under each one.)
    const listed = await moto.json("ssm", "AmazonSSM.ListCommands", {});
    const commands = (listed.Commands as { DocumentName: string; Parameters: { commands: string[] } }[]).map((c) => [
        c.DocumentName,
        ...c.Parameters.commands,
    ]);
    expect(commands.map((c) => c.slice(0, 1).concat(c.slice(1).map((l) => l.slice(0, 38))))).toEqual([
        ["AWS-RunShellScript", "systemctl stop api7@dashboard api7@dp-"],
        ["AWS-RunShellScript", "systemctl restart api7@gateway.service"],
        ["AWS-RunShellScript", "systemctl start api7@dashboard api7@dp"],
        ["AWS-RunShellScript", "tail -n 50 /var/lib/api7/gateway/modes"],
    ]);
    expect(commands[1][1]).toBe(RESTART_COMMAND);
});

test("replace: the gateway host terminated through its group, its replacement found healthy in both target groups", async () => {
    const before = await groupInstances("api7-dp-hosts");
    const r = await drill("replace");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const after = await groupInstances("api7-dp-hosts");
    expect(after).toHaveLength(2);
    expect(after).not.toContain(before[0]);
    const replacement = after.find((id) => !before.includes(id));
    expect(r.stdout).toMatch(
        new RegExp(
            `\\ngateway: replaced ${before[0]}; ${replacement} healthy in every target group after \\d+\\.\\d s\\n`,
        ),
    );
    expect(r.stdout).toMatch(/\nstandalone: none\nresult: service held\n$/);
});
