/**
 * The failover drill runner (scripts/drill/): its pure decisions on their own and on the program's real outputs, then
 * the real script, spawned as `npm run drill` spawns it (tsx), with fakes of pulumi, docker and aws first on PATH
 * (tests/fakes/drill-bin: they record every call and keep container and host state in files) and a local HTTP(S)
 * server on 127.0.0.1 standing in for the load balancer, which reads that state: it can fail while a container is
 * stopped, as a real one would without a second healthy backend. Nothing leaves 127.0.0.1.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import {
    awsStackOutputs,
    awsV2StackOutputs,
    dockerStackOutputs,
    type AwsStackOutputs,
    type AwsV2StackOutputs,
    type DockerStackOutputs,
} from "../components/outputs";
import { PORTS } from "../components/ports";
import { parseDrillArgs } from "../scripts/drill/args";
import { chooseInstances, invocationState, sendCommandArgs, targetState } from "../scripts/drill/aws";
import { RESTART_COMMAND } from "../scripts/drill/gateway";
import { faultPlan, gatewayPlan, parseStackOutputs, probeTarget, probeUrl } from "../scripts/drill/plan";
import {
    describeTargets,
    longestGapMs,
    parseModes,
    renderResult,
    renderStandalone,
    renderSummary,
    seconds,
    standalonePeriods,
    summarize,
    type ProbeAnswer,
} from "../scripts/drill/results";
import { runProgram, V2_STACK } from "../tools/harness";
import { which } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "scripts", "drill", "main.ts");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const FAKE_BIN = path.join(ROOT, "tests", "fakes", "drill-bin");
const US = "\x1f";

/**
 * The outputs the program exports for the committed lab and prod stacks, evaluated under the mocks: what
 * `pulumi stack output --json` prints for them once deployed (with the mocks' made-up ids and DNS names on AWS).
 */
const realLab = async (): Promise<DockerStackOutputs> =>
    dockerStackOutputs.parse((await runProgram({ stack: "lab" })).outputs);
const realProd = async (): Promise<AwsStackOutputs> =>
    awsStackOutputs.parse((await runProgram({ stack: "prod" })).outputs);
const realV2 = async (): Promise<AwsV2StackOutputs> =>
    awsV2StackOutputs.parse((await runProgram({ stack: V2_STACK })).outputs);

describe("arguments", () => {
    test("stack and drill, with the documented defaults; --requests and --interval-ms in either form", () => {
        expect(parseDrillArgs(["lab", "gateway"])).toEqual({
            stack: "lab",
            drill: "gateway",
            requests: 100,
            intervalMs: 100,
        });
        expect(parseDrillArgs(["prod", "control-plane", "--requests", "7", "--interval-ms=250"])).toEqual({
            stack: "prod",
            drill: "control-plane",
            requests: 7,
            intervalMs: 250,
        });
        expect(parseDrillArgs(["prod", "control-plane", "--gateway", "replace"])).toMatchObject({ gateway: "replace" });
        expect(parseDrillArgs(["lab", "control-plane", "--gateway=restart"])).toMatchObject({ gateway: "restart" });
        expect(parseDrillArgs(["lab", "control-plane"])).not.toHaveProperty("gateway");
    });

    test.each<[string, string[], RegExp]>([
        ["no stack", [], /^<stack>: missing/],
        ["no drill", ["lab"], /^<drill>: missing; valid drills: gateway, dashboard, dp-manager, control-plane, etcd$/],
        [
            "unknown drill",
            ["lab", "etcdd"],
            /^<drill>: unknown drill "etcdd"; valid drills: gateway, dashboard, dp-manager, control-plane, etcd$/,
        ],
        [
            "zero requests",
            ["lab", "gateway", "--requests", "0"],
            /^--requests: "0" is not a whole number from 1 to 10000$/,
        ],
        ["too many requests", ["lab", "gateway", "--requests", "10001"], /^--requests: "10001"/],
        [
            "fractional interval",
            ["lab", "gateway", "--interval-ms", "1.5"],
            /^--interval-ms: "1.5" is not a whole number from 10 to 60000$/,
        ],
        ["unknown option", ["lab", "gateway", "--force"], /--force/],
        [
            "a gateway step with another drill",
            ["lab", "gateway", "--gateway", "restart"],
            /^--gateway: only with the control-plane drill, not with gateway$/,
        ],
        [
            "an unknown gateway step",
            ["lab", "control-plane", "--gateway", "reboot"],
            /^--gateway: "reboot" is not one of restart, replace$/,
        ],
        ["extra argument", ["lab", "gateway", "now"], /^unexpected argument "now"$/],
    ])("%s is a usage error naming the argument", (_name, argv, message) => {
        expect(() => parseDrillArgs(argv)).toThrow(message);
    });
});

describe("the program's real outputs", () => {
    test("lab: each drill stops lab containers of its role (the first one, or the whole control plane) and probes a port the load balancer publishes", async () => {
        const run = await runProgram({ stack: "lab" });
        const outputs = parseStackOutputs("lab", JSON.stringify(run.outputs));
        // The containers the lab creates, by the role in their resource name (children are named `${name}-<role>`).
        const containers = run.ofType("docker:index/container:Container");
        const named = (role: RegExp) => containers.filter((c) => role.test(c.name)).map((c) => c.inputs.name as string);
        const [gateways, dashboards, dpManagers] = [
            named(/-gateway-\d+$/),
            named(/-cp-\d+-dashboard$/),
            named(/-cp-\d+-dp-manager$/),
        ];
        expect([gateways.length, dashboards.length, dpManagers.length]).toEqual([2, 2, 2]);
        const stopped = (drill: Parameters<typeof faultPlan>[0]) => {
            const plan = faultPlan(drill, outputs);
            if (plan.kind !== "docker") throw new Error(`the lab's ${drill} drill planned a ${plan.kind} fault`);
            return plan.containers;
        };
        expect(stopped("gateway")).toEqual([gateways[0]]);
        expect(stopped("dashboard")).toEqual([dashboards[0]]);
        expect(stopped("dp-manager")).toEqual([dpManagers[0]]);
        expect([...stopped("control-plane")].sort()).toEqual([...dashboards, ...dpManagers].sort());

        const lb = containers.find((c) => c.name.endsWith("-lb"));
        const published = (internal: number) =>
            (lb?.inputs.ports as { internal: number; external: number }[]).find((p) => p.internal === internal)
                ?.external;
        const gatewayProbe = new URL(probeUrl("gateway", outputs));
        expect([gatewayProbe.protocol, gatewayProbe.port, gatewayProbe.pathname]).toEqual([
            "http:",
            String(published(PORTS.gatewayHttp)),
            "/",
        ]);
        const dashboardProbe = new URL(probeUrl("dashboard", outputs));
        expect([dashboardProbe.port, dashboardProbe.pathname]).toEqual([
            String(published(PORTS.dashboard)),
            "/healthz",
        ]);
    });

    test("v2 (API7 2.x): gateway, dashboard and etcd drills act on one host of their group; the 3.x drills are refused", async () => {
        const run = await runProgram({ stack: V2_STACK });
        const outputs = parseStackOutputs(V2_STACK, JSON.stringify(run.outputs));
        const madeUp = (value: string) => run.computed.find(([v]) => v === value)?.[1];
        const plan = (d: Parameters<typeof faultPlan>[0]) => {
            const p = faultPlan(d, outputs);
            if (p.kind !== "aws") throw new Error(`v2's ${d} drill planned a ${p.kind} fault`);
            return [madeUp(p.group), p.units, p.allHosts, p.region];
        };
        expect(plan("gateway")).toEqual(["<api7-gateways-group.name>", ["api7@gateway"], false, "us-east-1"]);
        expect(plan("dashboard")).toEqual(["<api7-dashboards-group.name>", ["api7@dashboard"], false, "us-east-1"]);
        expect(plan("etcd")).toEqual(["<api7-etcd-etcd-1-group.name>", ["api7@etcd"], false, "us-east-1"]);
        expect(() => faultPlan("dp-manager", outputs)).toThrow(
            "the dp-manager drill is for API7 3.x stacks; 2.x drills: gateway, dashboard, etcd",
        );
        expect(() => faultPlan("control-plane", outputs)).toThrow("for API7 3.x stacks");
        // The 2.x dashboard's health path; etcd through the dashboard's API.
        expect(new URL(probeUrl("dashboard", outputs)).pathname).toBe("/ping");
        expect(probeTarget("etcd", outputs)).toEqual({
            kind: "etcd-through-dashboard",
            dashboardUrl: outputs.dashboardUrl,
        });
        // No gateway group before v2.clusterId is set.
        const first = await runProgram({ stack: V2_STACK, config: { "v2.clusterId": undefined } });
        expect(() => faultPlan("gateway", parseStackOutputs(V2_STACK, JSON.stringify(first.outputs)))).toThrow(
            "this 2.x stack has no gateway hosts yet: set v2.clusterId and run `pulumi up`",
        );
    });

    test("a 3.x stack refuses the etcd drill", async () => {
        const outputs = parseStackOutputs("prod", JSON.stringify((await runProgram({ stack: "prod" })).outputs));
        expect(() => faultPlan("etcd", outputs)).toThrow("the etcd drill is for API7 2.x stacks");
    });

    test("prod: the gateway drill acts on the data plane's Auto Scaling group, the others on the control plane's, in the stack's region", async () => {
        const run = await runProgram({ stack: "prod" });
        const outputs = parseStackOutputs("prod", JSON.stringify(run.outputs));
        // What each value stands for, from the mocks' record of the attributes they made up.
        const madeUp = (value: string) => run.computed.find(([v]) => v === value)?.[1];
        const groupArn = run.computed.find(([, placeholder]) => placeholder === "<api7-dp-hosts-group.arn>")?.[0];
        const plan = (d: Parameters<typeof faultPlan>[0]) => {
            const p = faultPlan(d, outputs);
            if (p.kind !== "aws") throw new Error(`prod's ${d} drill planned a ${p.kind} fault`);
            return { ...p, group: madeUp(p.group) };
        };
        expect(plan("gateway")).toEqual({
            kind: "aws",
            region: groupArn?.split(":")[3],
            group: "<api7-dp-hosts-group.name>",
            units: ["api7@gateway"],
            allHosts: false,
        });
        expect(plan("dashboard")).toMatchObject({
            group: "<api7-cp-hosts-group.name>",
            units: ["api7@dashboard"],
            allHosts: false,
        });
        expect(plan("dp-manager")).toMatchObject({
            group: "<api7-cp-hosts-group.name>",
            units: ["api7@dp-manager"],
            allHosts: false,
        });
        expect(plan("control-plane")).toMatchObject({
            group: "<api7-cp-hosts-group.name>",
            units: ["api7@dashboard", "api7@dp-manager"],
            allHosts: true,
        });
        expect(describeTargets(faultPlan("control-plane", outputs), ["i-1", "i-2"])).toBe(
            "api7@dashboard api7@dp-manager on i-1 i-2",
        );
        expect(madeUp(new URL(probeUrl("gateway", outputs)).hostname)).toBe("<api7-dp-lb-nlb.dnsName>");
        expect(madeUp(new URL(probeUrl("dashboard", outputs)).hostname)).toBe("<api7-cp-lb-dashboard.dnsName>");
        // The gateway step: the data plane's group, and the target groups its hosts must be healthy in again.
        const step = gatewayPlan("replace", outputs);
        if (step.kind !== "aws") throw new Error(`prod's gateway step planned a ${step.kind} step`);
        expect({ ...step, group: madeUp(step.group), targetGroupArns: step.targetGroupArns.map(madeUp) }).toEqual({
            kind: "aws",
            action: "replace",
            region: groupArn?.split(":")[3],
            group: "<api7-dp-hosts-group.name>",
            targetGroupArns: ["<api7-dp-lb-http.arn>", "<api7-dp-lb-https.arn>"],
            pinnedStandalone: false,
        });
    });

    test("lab: the gateway step restarts the first gateway; a replacement is refused before anything is stopped", async () => {
        const outputs = await realLab();
        expect(gatewayPlan("restart", outputs)).toEqual({
            kind: "docker",
            container: outputs.labContainers.gateways[0],
        });
        expect(() => gatewayPlan("replace", outputs)).toThrow(
            "--gateway replace: the lab cannot replace a gateway (its containers are created by `pulumi up`); use " +
                "--gateway restart",
        );
    });

    test.each<[string, "lab" | "prod", (o: Record<string, any>) => unknown, string]>([
        [
            "no labContainers",
            "lab",
            (o) => ({ ...o, labContainers: undefined }),
            "stack s: output labContainers is missing (has the stack been deployed with this program?)",
        ],
        [
            "no region on aws",
            "prod",
            (o) => ({ ...o, region: undefined }),
            "stack s: output region is missing (has the stack been deployed with this program?)",
        ],
        [
            "no target",
            "lab",
            (o) => ({ ...o, target: undefined }),
            "stack s: output target is missing (has the stack been deployed with this program?)",
        ],
        [
            "an unknown target",
            "lab",
            (o) => ({ ...o, target: "gcp" }),
            'stack s: output target must be "aws" or "docker"',
        ],
        [
            "no outputs at all (a stack never deployed)",
            "lab",
            () => ({}),
            "stack s: no outputs (has the stack been deployed with this program?)",
        ],
        ["outputs that are not an object", "lab", () => [], "stack s: the outputs are an array, expected an object"],
        [
            "gateway URLs as a string",
            "lab",
            (o) => ({ ...o, gatewayUrls: "x" }),
            "stack s: output gatewayUrls is a string, expected an object",
        ],
        ["a null region", "prod", (o) => ({ ...o, region: null }), "stack s: output region is null, expected a string"],
        [
            "gatewayTokenIssued as a string",
            "lab",
            (o) => ({ ...o, gatewayTokenIssued: "true" }),
            "stack s: output gatewayTokenIssued is a string, expected a boolean",
        ],
        [
            "a container list as one name",
            "lab",
            (o) => ({ ...o, labContainers: { ...o.labContainers, gateways: "gw-1" } }),
            "stack s: output labContainers.gateways is a string, expected an array",
        ],
        [
            "no database container",
            "lab",
            (o) => ({ ...o, labContainers: { ...o.labContainers, database: undefined } }),
            "stack s: output labContainers.database is missing (has the stack been deployed with this program?)",
        ],
        [
            "an empty gateway list",
            "lab",
            (o) => ({ ...o, labContainers: { ...o.labContainers, gateways: [] } }),
            "stack s: output labContainers.gateways must name at least one container",
        ],
        [
            "a container name docker would read as an option",
            "lab",
            (o) => ({ ...o, labContainers: { ...o.labContainers, dpManagers: ["--rm"] } }),
            "stack s: output labContainers.dpManagers.0 must be a Docker container name",
        ],
        [
            "a dashboard URL that is not http(s)",
            "lab",
            (o) => ({ ...o, dashboardUrl: "tcp://127.0.0.1:7443" }),
            "stack s: output dashboardUrl must be an http:// or https:// URL",
        ],
        [
            "a stack that printed no JSON",
            "lab",
            () => "no stack output",
            "stack s: `pulumi stack output --json` did not print JSON",
        ],
    ])("%s: the message names the output", async (_name, stack, change, message) => {
        const changed = change((await runProgram({ stack })).outputs);
        expect(() => parseStackOutputs("s", typeof changed === "string" ? changed : JSON.stringify(changed))).toThrow(
            new Error(message),
        );
    });
});

test("README's sample drill output names the container the lab's gateway drill stops, and the lab's gateway URL", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    // The first code block of "### Output" under "## Failover drills".
    const output = readme.slice(readme.indexOf("\n### Output\n", readme.indexOf("\n## Failover drills\n")));
    const sample = /```\n([\s\S]*?)```/.exec(output)?.[1] ?? "";
    const line = (prefix: string) =>
        sample
            .split("\n")
            .find((l) => l.startsWith(prefix))
            ?.slice(prefix.length);
    const outputs = await realLab();
    expect(line("drill: ")).toBe("gateway  stack: lab  target: docker");
    expect(line("fault: stopped ")).toBe(outputs.labContainers.gateways[0]);
    expect(line("restored: ")).toBe(outputs.labContainers.gateways[0]);
    expect(line("probe: ")).toBe(`${outputs.gatewayUrls.http}/ (100 requests, every 100 ms)`);
});

test("the drill's sources cite public sources, not notes kept outside the repository", () => {
    const dir = path.join(ROOT, "scripts", "drill");
    const outside = fs.readdirSync(dir).flatMap((file) =>
        fs
            .readFileSync(path.join(dir, file), "utf8")
            .split("\n")
            .map((text, i) => ({ at: `${file}:${i + 1}`, text }))
            .filter(({ text }) => /\bseeds?\b|\.\.\/shared\b/i.test(text)),
    );
    expect(outside).toEqual([]);
});

describe("choosing hosts from describe-auto-scaling-groups", () => {
    // The shape of aws/aws-cli awscli/examples/autoscaling/describe-auto-scaling-groups.rst, example 1.
    const groupJson = (instances: { id: string; state: string; health: string }[], name = "api7-ha-prod-cp") =>
        JSON.stringify({
            AutoScalingGroups: [
                {
                    AutoScalingGroupName: name,
                    MinSize: 2,
                    Instances: instances.map((i) => ({
                        InstanceId: i.id,
                        InstanceType: "m6i.large",
                        AvailabilityZone: "us-east-1a",
                        HealthStatus: i.health,
                        LifecycleState: i.state,
                        ProtectedFromScaleIn: false,
                    })),
                },
            ],
        });
    const hosts = [
        { id: "i-0pending", state: "Pending", health: "Healthy" },
        { id: "i-0sick", state: "InService", health: "Unhealthy" },
        { id: "i-0good1", state: "InService", health: "Healthy" },
        { id: "i-0good2", state: "InService", health: "Healthy" },
        { id: "i-0leaving", state: "Terminating", health: "Healthy" },
    ];

    test("one host: the first InService and Healthy one", () => {
        expect(chooseInstances(groupJson(hosts), "api7-ha-prod-cp", false)).toEqual(["i-0good1"]);
    });

    test("every host: all InService ones, healthy or not", () => {
        expect(chooseInstances(groupJson(hosts), "api7-ha-prod-cp", true)).toEqual(["i-0sick", "i-0good1", "i-0good2"]);
    });

    test("no healthy host, or no such group, is a setup error", () => {
        expect(() => chooseInstances(groupJson([hosts[0], hosts[1]]), "api7-ha-prod-cp", false)).toThrow(
            "Auto Scaling group api7-ha-prod-cp has no InService and Healthy instance (2 instance(s) listed)",
        );
        expect(() => chooseInstances(JSON.stringify({ AutoScalingGroups: [] }), "api7-ha-prod-cp", true)).toThrow(
            "Auto Scaling group api7-ha-prod-cp not found",
        );
    });
});

describe("SSM Run Command", () => {
    test("send-command: AWS-RunShellScript with the command as JSON parameters", () => {
        expect(sendCommandArgs("eu-west-1", ["i-1", "i-2"], "systemctl stop api7@gateway", "c")).toEqual([
            "ssm",
            "send-command",
            "--region",
            "eu-west-1",
            "--instance-ids",
            "i-1",
            "i-2",
            "--document-name",
            "AWS-RunShellScript",
            "--parameters",
            '{"commands":["systemctl stop api7@gateway"]}',
            "--comment",
            "c",
            "--output",
            "json",
        ]);
    });

    test.each<[string, { code: number; stdout: string; stderr: string }, string]>([
        [
            "not registered yet",
            {
                code: 254,
                stdout: "",
                stderr:
                    "\nAn error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation " +
                    "operation: \n",
            },
            "waiting",
        ],
        ["Pending", { code: 0, stdout: '{"Status": "Pending"}', stderr: "" }, "waiting"],
        ["InProgress", { code: 0, stdout: '{"Status": "InProgress"}', stderr: "" }, "waiting"],
        ["Delayed", { code: 0, stdout: '{"Status": "Delayed"}', stderr: "" }, "waiting"],
        ["Success", { code: 0, stdout: '{"Status": "Success", "StatusDetails": "Success"}', stderr: "" }, "success"],
        ["Failed", { code: 0, stdout: '{"Status": "Failed", "StandardErrorContent": "boom"}', stderr: "" }, "failed"],
        ["TimedOut", { code: 0, stdout: '{"Status": "TimedOut"}', stderr: "" }, "failed"],
        ["Cancelled", { code: 0, stdout: '{"Status": "Cancelled"}', stderr: "" }, "failed"],
        ["Cancelling", { code: 0, stdout: '{"Status": "Cancelling"}', stderr: "" }, "failed"],
        [
            "access denied",
            {
                code: 254,
                stdout: "",
                stderr: "An error occurred (AccessDeniedException) when calling the GetCommandInvocation operation: no",
            },
            "failed",
        ],
    ])("get-command-invocation %s", (_name, result, kind) => {
        expect(invocationState(result).kind).toBe(kind);
    });

    test("get-command-invocation: what a successful command printed, and a failed one's exit status", () => {
        expect(
            invocationState({
                code: 0,
                stdout: '{"Status": "Success", "ResponseCode": 0, "StandardOutputContent": "1 normal\\n"}',
                stderr: "",
            }),
        ).toEqual({ kind: "success", output: "1 normal\n" });
        expect(
            invocationState({
                code: 0,
                stdout: '{"Status": "Failed", "ResponseCode": 3, "StandardErrorContent": "not answered"}',
                stderr: "",
            }),
        ).toEqual({ kind: "failed", status: "Failed", detail: "not answered", exitCode: 3 });
    });
});

describe("probe results", () => {
    const at = (atMs: number, ok: boolean): ProbeAnswer => ({ atMs, ok, detail: ok ? "status 200" : "ECONNREFUSED" });

    test("the longest gap counts from the probe's start, between successes, and to the probe's end", () => {
        expect(longestGapMs([at(100, true), at(200, true), at(300, true)], 300)).toBe(100);
        // Start to the first success.
        expect(longestGapMs([at(100, false), at(900, true), at(1000, true)], 1000)).toBe(900);
        // Between two successes, failures in between.
        expect(longestGapMs([at(100, true), at(200, false), at(300, false), at(1600, true)], 1600)).toBe(1500);
        // The last success to the end.
        expect(longestGapMs([at(100, true), at(200, false), at(2600, false)], 2600)).toBe(2500);
        expect(longestGapMs([at(100, false)], 400)).toBe(400);
    });

    test("the summary and result lines", () => {
        const held = summarize([at(100, true), at(250, true)], 250);
        expect(renderSummary(held)).toBe("sent: 2  failed: 0  longest gap: 0.2 s");
        expect(renderResult(held)).toBe("result: service held");
        const notHeld = summarize([at(100, true), at(200, false), at(300, false)], 300);
        expect(renderResult(notHeld)).toBe("result: service NOT held (2 of 3 failed)");
        expect([seconds(0), seconds(49), seconds(50), seconds(1234)]).toEqual(["0.0", "0.0", "0.1", "1.2"]);
    });
});

test("describe-target-health: the target's state, as in the AWS CLI's examples; none from anything else", () => {
    const answer = (state: string) =>
        JSON.stringify({
            TargetHealthDescriptions: [
                {
                    Target: { Id: "i-0f76fade", Port: 80 },
                    TargetHealth: { State: state, Reason: "Elb.RegistrationInProgress" },
                },
            ],
        });
    expect(["healthy", "initial", "unused", "unhealthy"].map((st) => targetState(answer(st)))).toEqual([
        "healthy",
        "initial",
        "unused",
        "unhealthy",
    ]);
    expect([targetState('{"TargetHealthDescriptions": []}'), targetState("not json"), targetState("{}")]).toEqual([
        undefined,
        undefined,
        undefined,
    ]);
});

test("the gateway restart's command is POSIX sh, as AWS-RunShellScript runs it (shellcheck -s sh)", () => {
    const checked = spawnSync("shellcheck", ["-s", "sh", "-"], { input: RESTART_COMMAND, encoding: "utf8" });
    expect(checked.error).toBeUndefined();
    expect([checked.status, checked.stdout]).toEqual([0, ""]);
});

describe("which gateways ran standalone, from a host's mode history", () => {
    const history = ["1000 normal", "2000 standalone", "2100 standalone", "2300 normal", "garbage", "3000 standalone"];

    test("each stretch runs from a standalone start to the next normal one; a restart standalone continues it", () => {
        const changes = parseModes(history.join("\n"));
        expect(changes).toHaveLength(5);
        expect(standalonePeriods(changes, 0)).toEqual([{ fromS: 2000, toS: 2300 }, { fromS: 3000 }]);
        // Stretches over before the fault are left out; one still running never is.
        expect(standalonePeriods(changes, 2301)).toEqual([{ fromS: 3000 }]);
        expect(standalonePeriods(parseModes("5 normal\n"), 0)).toEqual([]);
    });

    test("the standalone: lines, in UTC", () => {
        // 1765000000 s is 2025-12-06T05:46:40Z.
        expect(
            renderStandalone("i-1", [{ fromS: 1765000000, toS: 1765000187 }, { fromS: 1765000300 }], 1765000400),
        ).toEqual([
            "standalone: i-1 from 05:46:40Z to 05:49:47Z (187 s), back to normal",
            "standalone: i-1 since 05:51:40Z (100 s so far; still standalone)",
        ]);
    });
});

// ---- The real script against fakes ---------------------------------------------------------------------------------

/** A local stand-in for the load balancer: `answer` decides each response from the fakes' state. */
interface FakeLb {
    readonly url: string;
    readonly requests: { path: string; stopped: string[] }[];
    close(): Promise<void>;
}

interface World {
    readonly dir: string;
    /** The stopped containers and host units ("i-1/api7@dashboard") right now. */
    stopped(): string[];
    /** Every call to a fake: the tool, then its arguments. */
    calls(tool?: string): string[][];
}

function makeWorld(
    stacks: Record<string, object>,
    options: { containers?: string[]; asg?: Record<string, object> } = {},
): World {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-drill-"));
    for (const d of ["stacks", "containers", "asg", "hosts", "ssm"]) fs.mkdirSync(path.join(dir, d));
    for (const [name, outputs] of Object.entries(stacks))
        fs.writeFileSync(path.join(dir, "stacks", `${name}.json`), JSON.stringify(outputs, null, 4));
    for (const c of options.containers ?? []) fs.writeFileSync(path.join(dir, "containers", c), "running\n");
    for (const [name, group] of Object.entries(options.asg ?? {}))
        fs.writeFileSync(path.join(dir, "asg", `${name}.json`), JSON.stringify(group));
    const read = (f: string) => fs.readFileSync(f, "utf8").trim();
    return {
        dir,
        stopped() {
            const containers = fs
                .readdirSync(path.join(dir, "containers"))
                .filter((c) => read(path.join(dir, "containers", c)) === "stopped");
            const units = fs.readdirSync(path.join(dir, "hosts")).flatMap((host) =>
                fs
                    .readdirSync(path.join(dir, "hosts", host))
                    .filter((u) => read(path.join(dir, "hosts", host, u)) === "stopped")
                    .map((u) => `${host}/${u}`),
            );
            return [...containers, ...units].sort();
        },
        calls(tool) {
            const file = path.join(dir, "calls");
            const all = fs.existsSync(file)
                ? fs
                      .readFileSync(file, "utf8")
                      .split("\n")
                      .filter((l) => l !== "")
                      .map((l) => l.split(US))
                : [];
            return tool ? all.filter((c) => c[0] === tool).map((c) => c.slice(1)) : all;
        },
    };
}

async function startLb(
    world: World,
    answer: (stopped: string[], path: string) => number,
    tls?: { key: string; cert: string },
): Promise<FakeLb> {
    const requests: FakeLb["requests"] = [];
    const handler: http.RequestListener = (req, res) => {
        const stopped = world.stopped();
        requests.push({ path: req.url ?? "", stopped });
        res.writeHead(answer(stopped, req.url ?? ""), { "Content-Type": "text/plain" });
        res.end("fake load balancer\n");
    };
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * The script with the fakes first on PATH, compiled by tsx as `npm run drill` does: in one node process through
 * tsx's require hook (half the start-up time of the tsx CLI, which runs a second node process) and, as the suite's
 * own node runs (scripts/test.sh), without V8's helper threads (measured: about 1 CPU-s less over this file), or
 * with `viaCli` through the tsx CLI in a process group of its own, like a terminal's foreground job.
 */
function drill(
    world: World,
    args: string[],
    env: Record<string, string> = {},
    viaCli?: (pid: number, stdout: () => string) => void,
): Promise<Run> {
    return new Promise((resolve, reject) => {
        const [command, prefix] = viaCli
            ? [TSX, []]
            : [process.execPath, ["--single-threaded", "--require", "tsx/cjs"]];
        const child = spawn(command, [...prefix, SCRIPT, ...args], {
            cwd: ROOT,
            env: { ...process.env, PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_DIR: world.dir, ...env },
            stdio: ["ignore", "pipe", "pipe"],
            detached: viaCli !== undefined,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
        if (viaCli && child.pid) viaCli(child.pid, () => stdout);
    });
}

/** stdout with the measured gap replaced, so the rest can be compared exactly. */
const stable = (stdout: string) => stdout.replace(/longest gap: \d+\.\d s/, "longest gap: <g> s");

describe("the drill runner, run for real against fakes", () => {
    // The program's own outputs, with the load balancer's addresses pointed at the local stand-in.
    let LAB: DockerStackOutputs;
    let PROD: AwsStackOutputs;
    let V2: AwsV2StackOutputs;
    beforeAll(async () => {
        [LAB, PROD, V2] = await Promise.all([realLab(), realProd(), realV2()]);
    });
    const labWith = (lb: FakeLb, dashboardUrl?: string) => ({
        ...LAB,
        gatewayUrls: { http: lb.url, https: lb.url.replace("http:", "https:") },
        dashboardUrl: dashboardUrl ?? "https://127.0.0.1:1",
    });
    const labContainers = () => [
        ...LAB.labContainers.gateways,
        ...LAB.labContainers.dashboards,
        ...LAB.labContainers.dpManagers,
    ];

    test.concurrent(
        "lab gateway drill, load balancer keeps answering (404: no route is still an answer): held, first " +
            "gateway stopped then started",
        async () => {
            const world = makeWorld({}, { containers: labContainers() });
            const gateway = LAB.labContainers.gateways[0];
            // A gateway with no routes answers 404 to GET /.
            const lb = await startLb(world, () => 404);
            fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
            try {
                const r = await drill(world, ["lab", "gateway", "--requests", "5", "--interval-ms", "20"]);
                expect([r.status, r.stderr]).toEqual([0, ""]);
                expect(stable(r.stdout)).toBe(
                    [
                        "drill: gateway  stack: lab  target: docker",
                        "baseline: 3 of 3 answered",
                        `fault: stopped ${gateway}`,
                        `probe: ${lb.url}/ (5 requests, every 20 ms)`,
                        "sent: 5  failed: 0  longest gap: <g> s",
                        `restored: ${gateway}`,
                        "result: service held",
                        "",
                    ].join("\n"),
                );
                expect(world.calls()).toEqual([
                    ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", "lab"],
                    ["docker", "stop", "-t", "10", gateway],
                    ["docker", "start", gateway],
                ]);
                // The baseline ran with everything up, every probe request while the gateway was down; and it is up
                // again.
                expect(lb.requests.map((q) => q.stopped.join(","))).toEqual([
                    ...Array<string>(3).fill(""),
                    ...Array<string>(5).fill(gateway),
                ]);
                expect(world.stopped()).toEqual([]);
            } finally {
                await lb.close();
            }
        },
    );

    test.concurrent(
        "lab control-plane drill, load balancer failing while the control plane is down: NOT held, exit 1, all restarted",
        async () => {
            const world = makeWorld({}, { containers: labContainers() });
            const lb = await startLb(world, (stopped) => (stopped.some((c) => c.includes("dp-manager")) ? 503 : 200));
            fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
            try {
                const r = await drill(world, ["lab", "control-plane", "--requests", "4", "--interval-ms", "20"]);
                expect(r.status).toBe(1);
                const cp = [...LAB.labContainers.dashboards, ...LAB.labContainers.dpManagers];
                expect(stable(r.stdout)).toBe(
                    [
                        "drill: control-plane  stack: lab  target: docker",
                        "baseline: 3 of 3 answered",
                        `fault: stopped ${cp.join(" ")}`,
                        `probe: ${lb.url}/ (4 requests, every 20 ms)`,
                        "sent: 4  failed: 4  longest gap: <g> s",
                        `restored: ${cp.join(" ")}`,
                        "result: service NOT held (4 of 4 failed)",
                        "",
                    ].join("\n"),
                );
                expect(world.calls("docker")).toEqual([
                    ...cp.map((c) => ["stop", "-t", "10", c]),
                    ...cp.map((c) => ["start", c]),
                ]);
                expect(world.stopped()).toEqual([]);
            } finally {
                await lb.close();
            }
        },
    );

    test.concurrent("baseline failing: exit 2, nothing stopped", async () => {
        const world = makeWorld({}, { containers: labContainers() });
        const lb = await startLb(world, () => 502);
        fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
        try {
            const r = await drill(world, ["lab", "dp-manager", "--requests", "5", "--interval-ms", "20"]);
            expect(r.status).toBe(2);
            expect(r.stdout).toBe(
                [
                    "drill: dp-manager  stack: lab  target: docker",
                    `baseline: 0 of 3 answered (${lb.url}/: status 502)`,
                    "result: not healthy before the drill, nothing stopped",
                    "",
                ].join("\n"),
            );
            expect(world.calls("docker")).toEqual([]);
        } finally {
            await lb.close();
        }
    });

    test.concurrent("a docker stop that fails: exit 2, the container started again anyway", async () => {
        const world = makeWorld({}, { containers: labContainers() });
        const lb = await startLb(world, () => 200);
        fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
        try {
            const r = await drill(world, ["lab", "dp-manager", "--requests", "5", "--interval-ms", "20"], {
                FAKE_DOCKER_FAIL: "stop",
            });
            const dpManager = LAB.labContainers.dpManagers[0];
            expect(r.status).toBe(2);
            expect(r.stdout).toContain(
                `fault: FAILED: docker stop -t 10 ${dpManager}: exit 1: Error response from daemon: cannot stop ` +
                    `container: ${dpManager}: injected failure\n`,
            );
            expect(r.stdout.endsWith(`restored: ${dpManager}\nresult: fault injection failed, nothing probed\n`)).toBe(
                true,
            );
            expect(world.calls("docker")).toEqual([
                ["stop", "-t", "10", dpManager],
                ["start", dpManager],
            ]);
        } finally {
            await lb.close();
        }
    });

    test.concurrent("unknown drill: exit 2, the valid drills listed, nothing run", async () => {
        const world = makeWorld({ lab: LAB });
        const r = await drill(world, ["lab", "etcdd"]);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(
            'error: <drill>: unknown drill "etcdd"; valid drills: gateway, dashboard, dp-manager, ' +
                "control-plane, etcd\nusage: npm run drill -- <stack> <drill>",
        );
        expect(world.calls()).toEqual([]);
    });

    test.concurrent("--help (or -h): the usage on stdout, exit 0, nothing run", async () => {
        const world = makeWorld({});
        for (const flag of ["--help", "-h"]) {
            const r = await drill(world, [flag]);
            expect([r.status, r.stderr]).toEqual([0, ""]);
            expect(r.stdout).toMatch(/^usage: npm run drill -- <stack> <drill> /);
            expect(r.stdout).toContain("gateway, dashboard and etcd (API7 2.x)");
        }
        expect(world.calls()).toEqual([]);
    });

    test.concurrent("a stack without the lab's outputs: exit 2 naming the output, nothing stopped", async () => {
        const world = makeWorld({ lab: { ...LAB, labContainers: undefined } }, { containers: labContainers() });
        const r = await drill(world, ["lab", "gateway"]);
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(
            "error: stack lab: output labContainers is missing (has the stack been deployed with this program?)\n",
        );
        expect(world.calls("docker")).toEqual([]);
    });

    test.concurrent(
        "Ctrl-C under npm while the fault lasts: the probe stops, the gateway is started again, exit 130",
        async () => {
            const world = makeWorld({}, { containers: labContainers() });
            const lb = await startLb(world, () => 200);
            fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
            try {
                let pid = 0;
                const running = drill(
                    world,
                    ["lab", "gateway", "--requests", "10000", "--interval-ms", "20"],
                    { FAKE_DOCKER_START_SECONDS: "0.5" },
                    (p) => (pid = p),
                );
                // Wait for the probe to be under way with the gateway stopped, then press "Ctrl-C". No deadline of
                // its own: on a loaded CI machine the script's start alone can take seconds (a 5 s deadline once sent
                // the signal before the baseline, and the test failed for the wrong reason); the test timeout
                // (jest.config.js) bounds the wait.
                let ended = false;
                void running.then(() => (ended = true));
                while (!ended && lb.requests.filter((q) => q.stopped.length > 0).length < 3)
                    await new Promise((r) => setTimeout(r, 20));
                if (ended)
                    throw new Error(
                        `the drill ended before the fault was under way:\n${JSON.stringify(await running)}`,
                    );
                // A Ctrl-C under `npm run drill`: the terminal signals the process group (tsx and the script), and npm
                // forwards its copy to tsx a moment later, which tsx relays: the script sees it twice, and must still
                // restore.
                process.kill(-pid, "SIGINT");
                await new Promise((r) => setTimeout(r, 100));
                process.kill(pid, "SIGINT");
                const r = await running;
                expect(r.status).toBe(130);
                expect(r.stderr).toContain("SIGINT: stopping the drill and restoring first");
                const gateway = LAB.labContainers.gateways[0];
                expect(r.stdout).toMatch(
                    /\nsent: \d+ {2}failed: 0 {2}longest gap: \d+\.\d s\nrestored: (\S+)\nresult: interrupted\n$/,
                );
                expect(/\nrestored: (\S+)\n/.exec(r.stdout)?.[1]).toBe(gateway);
                expect(world.calls("docker").at(-1)).toEqual(["start", gateway]);
                expect(world.stopped()).toEqual([]);
            } finally {
                await lb.close();
            }
        },
    );

    test.concurrent("lab dashboard drill: GET /healthz through a self-signed HTTPS load balancer", async () => {
        // openssl makes the certificate; without it the test fails here rather than being skipped.
        expect(which("openssl")).toBeDefined();
        const world = makeWorld({}, { containers: labContainers() });
        const key = path.join(world.dir, "key.pem");
        const cert = path.join(world.dir, "cert.pem");
        const made = spawnSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key,
                "-out",
                cert,
                "-days",
                "1",
                "-subj",
                "/CN=api7-lab-dashboard",
            ],
            { encoding: "utf8" },
        );
        expect(made.status).toBe(0);
        const lb = await startLb(world, (_s, p) => (p === "/healthz" ? 200 : 404), {
            key: fs.readFileSync(key, "utf8"),
            cert: fs.readFileSync(cert, "utf8"),
        });
        fs.writeFileSync(
            path.join(world.dir, "stacks", "lab.json"),
            JSON.stringify(labWith({ ...lb, url: "http://127.0.0.1:1" }, lb.url)),
        );
        try {
            const r = await drill(world, ["lab", "dashboard", "--requests", "3", "--interval-ms", "20"]);
            expect([r.status, r.stderr]).toEqual([0, ""]);
            expect(r.stdout).toContain(
                `fault: stopped ${LAB.labContainers.dashboards[0]}\nprobe: ${lb.url}/healthz (3 requests, every ` +
                    `20 ms)\nsent: 3  failed: 0`,
            );
            expect(lb.requests.map((q) => q.path)).toEqual(Array<string>(6).fill("/healthz"));
        } finally {
            await lb.close();
        }
    });

    // ---- AWS: hosts through the Auto Scaling group and SSM ----

    const cpGroup = () => ({
        AutoScalingGroups: [
            {
                AutoScalingGroupName: PROD.autoScalingGroups.controlPlane,
                Instances: [
                    {
                        InstanceId: "i-0aaa",
                        AvailabilityZone: "us-east-1a",
                        HealthStatus: "Healthy",
                        LifecycleState: "Pending",
                    },
                    {
                        InstanceId: "i-0bbb",
                        AvailabilityZone: "us-east-1b",
                        HealthStatus: "Unhealthy",
                        LifecycleState: "InService",
                    },
                    {
                        InstanceId: "i-0ccc",
                        AvailabilityZone: "us-east-1a",
                        HealthStatus: "Healthy",
                        LifecycleState: "InService",
                    },
                    {
                        InstanceId: "i-0ddd",
                        AvailabilityZone: "us-east-1b",
                        HealthStatus: "Healthy",
                        LifecycleState: "InService",
                    },
                ],
            },
        ],
    });
    const cpAsg = () => ({ [PROD.autoScalingGroups.controlPlane]: cpGroup() });
    const awsWith = (lb: FakeLb) => ({ ...PROD, gatewayUrls: { http: lb.url, https: lb.url }, dashboardUrl: lb.url });
    const send = (ids: string[], command: string, comment: string) => [
        "ssm",
        "send-command",
        "--region",
        PROD.region,
        "--instance-ids",
        ...ids,
        "--document-name",
        "AWS-RunShellScript",
        "--parameters",
        JSON.stringify({ commands: [command] }),
        "--comment",
        comment,
        "--output",
        "json",
    ];
    const poll = (id: string, instance: string) => [
        "ssm",
        "get-command-invocation",
        "--region",
        PROD.region,
        "--command-id",
        id,
        "--instance-id",
        instance,
        "--output",
        "json",
    ];
    const describeCp = () => [
        "autoscaling",
        "describe-auto-scaling-groups",
        "--auto-scaling-group-names",
        PROD.autoScalingGroups.controlPlane,
        "--region",
        PROD.region,
        "--output",
        "json",
    ];

    test.concurrent(
        "aws dashboard drill: systemctl stop api7@dashboard on the first healthy control-plane host, polled past " +
            "InvocationDoesNotExist, then started",
        async () => {
            const world = makeWorld({}, { asg: cpAsg() });
            const lb = await startLb(world, (_s, p) => (p === "/healthz" ? 200 : 404));
            fs.writeFileSync(path.join(world.dir, "stacks", "prod.json"), JSON.stringify(awsWith(lb)));
            try {
                const r = await drill(world, ["prod", "dashboard", "--requests", "3", "--interval-ms", "20"], {
                    FAKE_SSM_NOT_YET: "1",
                });
                expect([r.status, r.stderr]).toEqual([0, ""]);
                expect(stable(r.stdout)).toBe(
                    [
                        "drill: dashboard  stack: prod  target: aws",
                        "baseline: 3 of 3 answered",
                        "fault: stopped api7@dashboard on i-0ccc",
                        `probe: ${lb.url}/healthz (3 requests, every 20 ms)`,
                        "sent: 3  failed: 0  longest gap: <g> s",
                        "restored: api7@dashboard on i-0ccc",
                        "result: service held",
                        "",
                    ].join("\n"),
                );
                expect(world.calls("aws")).toEqual([
                    describeCp(),
                    send(
                        ["i-0ccc"],
                        "systemctl stop api7@dashboard",
                        "api7-ha drill dashboard on prod: stop api7@dashboard",
                    ),
                    poll("cmd-1", "i-0ccc"),
                    poll("cmd-1", "i-0ccc"),
                    send(
                        ["i-0ccc"],
                        "systemctl start api7@dashboard",
                        "api7-ha drill dashboard on prod: start api7@dashboard",
                    ),
                    poll("cmd-2", "i-0ccc"),
                    poll("cmd-2", "i-0ccc"),
                ]);
                expect(lb.requests.filter((q) => q.stopped.length > 0).map((q) => q.stopped)).toEqual(
                    Array(3).fill(["i-0ccc/api7@dashboard"]),
                );
                expect(world.stopped()).toEqual([]);
            } finally {
                await lb.close();
            }
        },
    );

    test.concurrent(
        "aws control-plane drill: both services stopped on every InService control-plane host in one command, " +
            "then started",
        async () => {
            const world = makeWorld({}, { asg: cpAsg() });
            const lb = await startLb(world, () => 200);
            fs.writeFileSync(path.join(world.dir, "stacks", "prod.json"), JSON.stringify(awsWith(lb)));
            try {
                const r = await drill(world, ["prod", "control-plane", "--requests", "3", "--interval-ms", "20"]);
                expect([r.status, r.stderr]).toEqual([0, ""]);
                const hosts = ["i-0bbb", "i-0ccc", "i-0ddd"];
                expect(r.stdout).toContain(`fault: stopped api7@dashboard api7@dp-manager on ${hosts.join(" ")}\n`);
                const calls = world.calls("aws");
                expect(calls[0]).toEqual(describeCp());
                expect(calls[1]).toEqual(
                    send(
                        hosts,
                        "systemctl stop api7@dashboard api7@dp-manager",
                        "api7-ha drill control-plane on prod: stop api7@dashboard api7@dp-manager",
                    ),
                );
                // The polls of one command run side by side: compared as a set.
                expect(calls.slice(2, 5).sort()).toEqual(hosts.map((h) => poll("cmd-1", h)));
                expect(calls[5]).toEqual(
                    send(
                        hosts,
                        "systemctl start api7@dashboard api7@dp-manager",
                        "api7-ha drill control-plane on prod: start api7@dashboard api7@dp-manager",
                    ),
                );
                expect(calls.slice(6).sort()).toEqual(hosts.map((h) => poll("cmd-2", h)));
                const during = lb.requests.filter((q) => q.stopped.length > 0).map((q) => q.stopped);
                expect(during).toEqual(
                    Array(3).fill(hosts.flatMap((h) => [`${h}/api7@dashboard`, `${h}/api7@dp-manager`])),
                );
                expect(world.stopped()).toEqual([]);
            } finally {
                await lb.close();
            }
        },
    );

    test.concurrent(
        "aws: the stop command Failed on the host: exit 2, nothing probed, the start sent anyway",
        async () => {
            const world = makeWorld({}, { asg: cpAsg() });
            const lb = await startLb(world, () => 200);
            fs.writeFileSync(path.join(world.dir, "stacks", "prod.json"), JSON.stringify(awsWith(lb)));
            try {
                const r = await drill(world, ["prod", "dp-manager", "--requests", "3", "--interval-ms", "20"], {
                    FAKE_SSM_FAIL: "stop",
                });
                expect(r.status).toBe(2);
                expect(r.stdout).toBe(
                    [
                        "drill: dp-manager  stack: prod  target: aws",
                        "baseline: 3 of 3 answered",
                        "fault: FAILED: systemctl stop api7@dp-manager (SSM command cmd-1) did not succeed: " +
                            "i-0ccc: Failed (Failed to stop units: injected failure / failed to run commands: " +
                            "exit status 1)",
                        "restored: api7@dp-manager on i-0ccc",
                        "result: fault injection failed, nothing probed",
                        "",
                    ].join("\n"),
                );
                expect(
                    world
                        .calls("aws")
                        .filter((c) => c[1] === "send-command")
                        .map((c) => c[c.indexOf("--parameters") + 1]),
                ).toEqual([
                    '{"commands":["systemctl stop api7@dp-manager"]}',
                    '{"commands":["systemctl start api7@dp-manager"]}',
                ]);
                // Only the baseline reached the load balancer.
                expect(lb.requests).toHaveLength(3);
            } finally {
                await lb.close();
            }
        },
    );

    // ---- The control-plane drill's gateway step (--gateway restart|replace) ----

    /** prod's outputs, its load balancer always answering, both host groups (or `asg`) in the fake Auto Scaling. */
    async function onProd(fn: (world: World, lb: FakeLb) => Promise<void>, asg: object = bothAsgs()): Promise<void> {
        const world = makeWorld({}, { asg: asg as Record<string, object> });
        const lb = await startLb(world, () => 200);
        fs.writeFileSync(path.join(world.dir, "stacks", "prod.json"), JSON.stringify(awsWith(lb)));
        try {
            await fn(world, lb);
        } finally {
            await lb.close();
        }
    }
    const gatewayDrill = (
        world: World,
        action: "restart" | "replace",
        env: Record<string, string> = {},
        viaCli?: Parameters<typeof drill>[3],
    ) =>
        drill(
            world,
            ["prod", "control-plane", "--requests", "3", "--interval-ms", "20", "--gateway", action],
            env,
            viaCli,
        );

    const dpGroup = () => ({
        AutoScalingGroups: [
            {
                AutoScalingGroupName: PROD.autoScalingGroups.dataPlane,
                Instances: [
                    {
                        InstanceId: "i-0eee",
                        AvailabilityZone: "us-east-1a",
                        HealthStatus: "Healthy",
                        LifecycleState: "InService",
                    },
                    {
                        InstanceId: "i-0fff",
                        AvailabilityZone: "us-east-1b",
                        HealthStatus: "Healthy",
                        LifecycleState: "InService",
                    },
                ],
            },
        ],
    });
    const bothAsgs = () => ({ ...cpAsg(), [PROD.autoScalingGroups.dataPlane]: dpGroup() });
    const cpHosts = "i-0bbb i-0ccc i-0ddd";
    const sent = (world: World) =>
        world
            .calls("aws")
            .filter((c) => c[1] === "send-command")
            .map((c) => [
                c.slice(c.indexOf("--instance-ids") + 1, c.indexOf("--document-name")).join(" "),
                JSON.parse(c[c.indexOf("--parameters") + 1]).commands[0],
            ]);
    const CLOCK = "\\d\\d:\\d\\d:\\d\\dZ";
    const RESTART =
        /^systemctl restart api7@gateway\.service \|\| exit 2; .*curl -fsS -o \/dev\/null --max-time 2 http:\/\/127\.0\.0\.1:7085\/status && \{ cat \/run\/api7\/gateway\/mode; exit 0; \}; .* exit 3$/;
    const READ_MODES = "tail -n 50 /var/lib/api7/gateway/modes 2>/dev/null || true";

    test.concurrent(
        "aws control-plane drill, --gateway restart: the first healthy gateway restarted during the outage, " +
            "the probe until it serves, then which gateways ran standalone and for how long",
        async () => {
            await onProd(async (world, lb) => {
                const r = await gatewayDrill(world, "restart");
                expect([r.status, r.stderr]).toEqual([0, ""]);
                expect(stable(r.stdout)).toMatch(
                    new RegExp(
                        [
                            "drill: control-plane  stack: prod  target: aws",
                            "baseline: 3 of 3 answered",
                            `fault: stopped api7@dashboard api7@dp-manager on ${cpHosts}`,
                            `probe: ${lb.url}/ \\(3 requests, every 20 ms, and until the gateway step ends\\)`,
                            "gateway: restarted api7@gateway on i-0eee; serving \\(standalone\\) after \\d+\\.\\d s",
                            "sent: \\d+  failed: 0  longest gap: <g> s",
                            `restored: api7@dashboard api7@dp-manager on ${cpHosts}`,
                            `standalone: i-0eee from ${CLOCK} to ${CLOCK} \\(\\d+ s\\), back to normal`,
                            "result: service held",
                            "",
                        ].join("\n") + "$",
                    ),
                );
                const commands = sent(world);
                expect(commands.map(([ids]) => ids)).toEqual([cpHosts, "i-0eee", cpHosts, "i-0eee i-0fff"]);
                expect(commands[1][1]).toMatch(RESTART);
                expect(commands[3][1]).toBe(READ_MODES);
                expect(world.stopped()).toEqual([]);
            });
        },
    );

    test.concurrent(
        "aws control-plane drill, --gateway replace: the host terminated through its group, the replacement " +
            "healthy in both target groups, and it alone ran standalone",
        async () => {
            await onProd(async (world) => {
                const r = await gatewayDrill(world, "replace");
                expect([r.status, r.stderr]).toEqual([0, ""]);
                expect(r.stdout).toMatch(
                    /\ngateway: replaced i-0eee; i-0new healthy in every target group after \d+\.\d s\n/,
                );
                expect(r.stdout).toMatch(
                    new RegExp(
                        `\\nrestored: .*\\nstandalone: i-0new from ${CLOCK} to ${CLOCK} \\(\\d+ s\\), back to normal\\nresult: service held\\n$`,
                    ),
                );
                const calls = world.calls("aws");
                expect(calls).toContainEqual([
                    "autoscaling",
                    "terminate-instance-in-auto-scaling-group",
                    "--instance-id",
                    "i-0eee",
                    "--no-should-decrement-desired-capacity",
                    "--region",
                    PROD.region,
                    "--output",
                    "json",
                ]);
                const health = calls.filter((c) => c[1] === "describe-target-health");
                expect(
                    health.map((c) => [c[c.indexOf("--target-group-arn") + 1], c[c.indexOf("--targets") + 1]]),
                ).toEqual(PROD.gatewayTargetGroupArns.map((tg) => [tg, "Id=i-0new"]));
                expect(sent(world).map(([ids, command]) => [ids, command === READ_MODES])).toEqual([
                    [cpHosts, false],
                    [cpHosts, false],
                    ["i-0fff i-0new", true],
                ]);
            });
        },
    );

    test.concurrent(
        "aws, --gateway restart, the gateway not serving again within 300 s: exit 1 even though traffic held",
        async () => {
            await onProd(async (world) => {
                const r = await gatewayDrill(world, "restart", {
                    FAKE_GATEWAY_NOT_SERVING: "1",
                });
                expect([r.status, r.stderr]).toEqual([1, ""]);
                expect(r.stdout).toContain("\ngateway: restarted api7@gateway on i-0eee; not serving\n");
                expect(r.stdout).toMatch(
                    /\nresult: service held, and the gateway did NOT serve during the outage \(api7@gateway: GET \/status not answered 300 s after the restart \/ failed to run commands: exit status 3\)\n$/,
                );
                expect(world.stopped()).toEqual([]);
            });
        },
    );

    test.concurrent(
        "aws, a gateway that has not returned: the drill waits for it, and Ctrl-C stops the wait with what it knows",
        async () => {
            await onProd(async (world) => {
                let pid = 0;
                let stdout = () => "";
                const running = gatewayDrill(
                    world,
                    "restart",
                    { FAKE_NO_RETURN: "1" },
                    (p, out) => ((pid = p), (stdout = out)),
                );
                let ended = false;
                void running.then(() => (ended = true));
                // Until the drill says it waits (the test timeout bounds this).
                while (!ended && !stdout().includes("\nwaiting: ")) await new Promise((r) => setTimeout(r, 50));
                if (ended) throw new Error(`the drill ended before it waited:\n${JSON.stringify(await running)}`);
                process.kill(-pid, "SIGINT");
                const r = await running;
                // The restore is done: the signal only stops the wait, and the result stands.
                expect(r.stderr).toBe("SIGINT: stopping the drill (nothing is stopped now)\n");
                expect(r.status).toBe(0);
                expect(r.stdout).toMatch(
                    new RegExp(
                        "\\nwaiting: up to 20 min for 1 standalone gateway\\(s\\) to return to the control plane on their own " +
                            `\\(Ctrl-C stops waiting\\)\\nstandalone: i-0eee since ${CLOCK} \\(\\d+ s so far; still standalone\\)\\n` +
                            "result: service held\\n$",
                    ),
                );
            });
        },
    );

    // ---- API7 2.x: the etcd drill, through the 2.x dashboard's API ----

    /**
     * A stand-in for the 2.x dashboard (manager-api's API, scripts/drill/dashboard-v2.ts): a login that gives a token
     * for `password`, and the upstream it keeps, each request recorded with what was stopped at the time.
     */
    async function startDashboard(world: World, password: string) {
        const requests: { method: string; path: string; stopped: string[] }[] = [];
        let stored: unknown;
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => {
                requests.push({ method: req.method!, path: req.url!, stopped: world.stopped() });
                const reply = (status: number, json: object) => {
                    res.writeHead(status, { "Content-Type": "application/json" });
                    res.end(JSON.stringify(json));
                };
                if (req.url === "/apisix/admin/user/login" && req.method === "POST") {
                    const { username, password: given } = JSON.parse(body) as { username: string; password: string };
                    if (username === "admin" && given === password)
                        return reply(200, { code: 0, data: { token: "t0k" } });
                    return reply(400, { code: 10001, message: "username or password error" });
                }
                if (req.headers.authorization !== "t0k")
                    return reply(401, { code: 10013, message: "request unauthorized" });
                if (req.url !== "/apisix/admin/upstreams/api7-ha-drill") return reply(404, { code: 10004 });
                if (req.method === "PUT") stored = JSON.parse(body);
                if (req.method === "DELETE") stored = undefined;
                return reply(200, { code: 0, message: "", data: req.method === "GET" ? stored : {} });
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
        return {
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            requests,
            close: () => new Promise<void>((resolve) => server.close(() => resolve())),
        };
    }

    test.concurrent(
        "v2 etcd drill: api7@etcd stopped on the first member, writes and reads through the dashboard hold, the " +
            "drill's upstream deleted after",
        async () => {
            const member = V2.autoScalingGroups.etcd[0];
            const world = makeWorld(
                {},
                {
                    asg: {
                        [member]: {
                            AutoScalingGroups: [
                                {
                                    AutoScalingGroupName: member,
                                    Instances: [
                                        {
                                            InstanceId: "i-0e71",
                                            AvailabilityZone: "us-east-1a",
                                            HealthStatus: "Healthy",
                                            LifecycleState: "InService",
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                },
            );
            const dashboard = await startDashboard(world, 'pw with blanks & "quotes"');
            fs.writeFileSync(
                path.join(world.dir, "stacks", "v2.json"),
                JSON.stringify({ ...V2, dashboardUrl: dashboard.url }),
            );
            fs.writeFileSync(path.join(world.dir, "stacks", "v2.admin-password"), 'pw with blanks & "quotes"');
            try {
                const r = await drill(world, ["v2", "etcd", "--requests", "3", "--interval-ms", "20"]);
                expect([r.status, r.stderr]).toEqual([0, ""]);
                expect(stable(r.stdout)).toBe(
                    [
                        "drill: etcd  stack: v2  target: aws",
                        "baseline: 3 of 3 answered",
                        "fault: stopped api7@etcd on i-0e71",
                        `probe: etcd through ${dashboard.url} (write and read of upstream api7-ha-drill) (3 requests, every 20 ms)`,
                        "sent: 3  failed: 0  longest gap: <g> s",
                        "restored: api7@etcd on i-0e71",
                        "cleaned up: upstream api7-ha-drill",
                        "result: service held",
                        "",
                    ].join("\n"),
                );
                // A login, three rounds before the fault, three with the member stopped, and the clean-up.
                expect(dashboard.requests.map((q) => [q.method, q.stopped.join(",")])).toEqual([
                    ["POST", ""],
                    ...Array<string[]>(3)
                        .fill(["PUT", ""])
                        .flatMap((put) => [put, ["GET", ""]]),
                    ...Array<string[]>(3)
                        .fill(["PUT", "i-0e71/api7@etcd"])
                        .flatMap((put) => [put, ["GET", "i-0e71/api7@etcd"]]),
                    ["DELETE", ""],
                ]);
                expect(world.calls("pulumi")).toEqual([
                    ["stack", "output", "--json", "--show-secrets", "--stack", "v2"],
                    ["config", "get", "adminPassword", "--json", "--stack", "v2"],
                ]);
                expect(world.stopped()).toEqual([]);
            } finally {
                await dashboard.close();
            }
        },
    );

    test.concurrent("v2 etcd drill, the dashboard refusing the login: exit 2, nothing stopped", async () => {
        const world = makeWorld({});
        const dashboard = await startDashboard(world, "the-right-one");
        fs.writeFileSync(
            path.join(world.dir, "stacks", "v2.json"),
            JSON.stringify({ ...V2, dashboardUrl: dashboard.url }),
        );
        fs.writeFileSync(path.join(world.dir, "stacks", "v2.admin-password"), "a-wrong-one");
        try {
            const r = await drill(world, ["v2", "etcd"]);
            expect(r.status).toBe(2);
            expect(r.stderr).toBe(
                `error: the dashboard refused the drill's login (${dashboard.url}/apisix/admin/user/login: status 400, ` +
                    "username or password error)\n",
            );
            expect(world.calls("aws")).toEqual([]);
        } finally {
            await dashboard.close();
        }
    });

    test.concurrent("aws, --gateway with no gateway host to act on: exit 2 before anything is stopped", async () => {
        await onProd(async (world) => {
            const r = await gatewayDrill(world, "replace");
            expect([r.status, r.stderr]).toEqual([2, ""]);
            expect(r.stdout).toMatch(
                new RegExp(
                    `\\nbaseline: 3 of 3 answered\\ngateway: FAILED: Auto Scaling group ${PROD.autoScalingGroups.dataPlane} not found .*\\n` +
                        "result: the gateway step cannot act, nothing stopped\\n$",
                ),
            );
            expect(sent(world)).toEqual([]);
        }, cpAsg());
    });

    test.concurrent(
        "aws, --gateway replace refused by IAM: exit 2, the control plane started again, nothing judged",
        async () => {
            await onProd(async (world) => {
                const r = await gatewayDrill(world, "replace", {
                    FAKE_TERMINATE_DENIED: "1",
                });
                expect([r.status, r.stderr]).toEqual([2, ""]);
                expect(r.stdout).toMatch(
                    /\ngateway: FAILED: aws autoscaling terminate-instance-in-auto-scaling-group \(i-0eee\): exit 254: An error occurred \(AccessDenied\)[^\n]*\nsent: \d+ {2}failed: 0 {2}longest gap: \d+\.\d s\nrestored: api7@dashboard api7@dp-manager on i-0bbb i-0ccc i-0ddd\nstandalone: none\nresult: the gateway step failed, nothing judged\n$/,
                );
                expect(world.stopped()).toEqual([]);
            });
        },
    );

    test.concurrent(
        "lab control-plane drill, --gateway restart: the first gateway restarted while the control plane is down",
        async () => {
            const world = makeWorld({}, { containers: labContainers() });
            const lb = await startLb(world, () => 200);
            fs.writeFileSync(path.join(world.dir, "stacks", "lab.json"), JSON.stringify(labWith(lb)));
            try {
                const r = await drill(world, [
                    "lab",
                    "control-plane",
                    "--requests",
                    "3",
                    "--interval-ms",
                    "20",
                    "--gateway",
                    "restart",
                ]);
                expect([r.status, r.stderr]).toEqual([0, ""]);
                const gateway = LAB.labContainers.gateways[0];
                expect(r.stdout).toContain(
                    `\ngateway: restarted ${gateway} (lab gateways have no standalone fallback: it serves again once ` +
                        "the control plane is back)\n",
                );
                expect(r.stdout).toMatch(
                    /\nstandalone: none \(the lab's gateways have no S3 export to start from\)\nresult: service held\n$/,
                );
                const cp = [...LAB.labContainers.dashboards, ...LAB.labContainers.dpManagers];
                expect(world.calls("docker")).toEqual([
                    ...cp.map((c) => ["stop", "-t", "10", c]),
                    ["restart", "-t", "10", gateway],
                    ...cp.map((c) => ["start", c]),
                ]);
            } finally {
                await lb.close();
            }
        },
    );
});
