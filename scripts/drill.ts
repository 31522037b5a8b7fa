/**
 * `npm run drill -- <stack> <drill> [--requests N] [--interval-ms M]`: a failover drill (seed 003, "Verify overall
 * high availability": stop a gateway, stop a dashboard, and see whether the service behind the load balancer keeps
 * answering), on a deployed stack of either target.
 *
 * 1. The stack's outputs, from `pulumi stack output --json --show-secrets --stack <stack>`.
 * 2. A baseline: BASELINE_REQUESTS requests through the load balancer must all be answered, or nothing is stopped.
 * 3. The fault: docker target, `docker stop` of lab containers; aws target, `systemctl stop api7@<service>` on hosts
 *    of the right Auto Scaling group through SSM Run Command.
 * 4. The probe: a bounded number of requests through the load balancer while the fault lasts.
 * 5. The restore of everything the fault touched, whatever happened (a failed or partial fault injection, a
 *    failed probe, Ctrl-C): `docker start`, or `systemctl start api7@<service>` through SSM.
 *
 * Output, exit codes and what "service held" means: README, "Failover drills". The functions that decide anything
 * are pure and exported (tests/drill.test.ts); `main` only wires them to processes, sockets and the clock.
 */
import { spawn } from "child_process";
import * as http from "http";
import * as https from "https";
import { parseArgs } from "util";
import { z } from "zod";

export const DRILLS = ["gateway", "dashboard", "dp-manager", "control-plane"] as const;
export type Drill = (typeof DRILLS)[number];

export const DEFAULT_REQUESTS = 100;
export const MAX_REQUESTS = 10000;
export const DEFAULT_INTERVAL_MS = 100;
export const MIN_INTERVAL_MS = 10;
export const MAX_INTERVAL_MS = 60000;
/** Requests before the fault; every one must be answered. */
export const BASELINE_REQUESTS = 3;
/** A probe request that has no response status within this long counts as failed. */
export const REQUEST_TIMEOUT_MS = 2000;
/**
 * `docker stop`'s grace period before SIGKILL. `-t` is the short flag of `--time` in older CLIs and of `--timeout`
 * in current ones, where `--time` is deprecated (docker/cli cli/command/container/stop.go @f48c29c0:
 * `IntVarP(&opts.timeout, "timeout", "t", ...)`, `MarkDeprecated("time", "use --timeout instead")`;
 * docs/reference/commandline/container_stop.md @b00668d4), so `-t` works on both without a deprecation warning.
 */
export const DOCKER_STOP_SECONDS = 10;
/** SSM Run Command: how often get-command-invocation is asked, and how long a command may take in all. */
export const SSM_POLL_MS = 1000;
export const SSM_DEADLINE_MS = 180_000;

export const EXIT = { held: 0, notHeld: 1, setup: 2, restoreFailed: 3, interrupted: 130 } as const;
/**
 * One Ctrl-C can arrive more than once: the terminal signals the whole foreground process group, and `npm run`
 * forwards its own copy to the script (npm's @npmcli/run-script lib/signal-manager.js, forwardedSignals SIGINT and
 * SIGTERM; tsx relays what it gets to its child). Signals this soon after the first are taken for the same one.
 */
export const SIGNAL_REPEAT_MS = 1000;

export const USAGE = `usage: npm run drill -- <stack> <drill> [--requests N] [--interval-ms M]
  drills: ${DRILLS.join(", ")}
  --requests N      requests sent while the fault lasts (1-${MAX_REQUESTS}, default ${DEFAULT_REQUESTS})
  --interval-ms M   milliseconds between request starts (${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS}, default ${DEFAULT_INTERVAL_MS})`;

/** A wrong command line: exit 2 with the usage text. */
export class UsageError extends Error {}
/** Anything that stops the drill before a result (outputs, baseline, fault injection): exit 2. */
export class SetupError extends Error {}

export interface DrillArgs {
    readonly stack: string;
    readonly drill: Drill;
    readonly requests: number;
    readonly intervalMs: number;
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        throw new UsageError(`--${name}: "${raw}" is not a whole number from ${min} to ${max}`);
    }
    return Number(raw);
}

/** The command line after `npm run drill --` (process.argv.slice(2)). */
export function parseDrillArgs(argv: readonly string[]): DrillArgs {
    let parsed;
    try {
        // Node's own parser (util.parseArgs, stable since Node 20): `--requests 5` and `--requests=5` alike.
        parsed = parseArgs({
            args: [...argv],
            options: { requests: { type: "string" }, "interval-ms": { type: "string" } },
            allowPositionals: true,
            strict: true,
        });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const [stack, drill, ...extra] = parsed.positionals;
    if (stack === undefined || stack === "") throw new UsageError("<stack>: missing (the Pulumi stack to drill, e.g. lab)");
    if (drill === undefined) throw new UsageError(`<drill>: missing; valid drills: ${DRILLS.join(", ")}`);
    if (!(DRILLS as readonly string[]).includes(drill)) throw new UsageError(`<drill>: unknown drill "${drill}"; valid drills: ${DRILLS.join(", ")}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return {
        stack,
        drill: drill as Drill,
        requests: integerOption("requests", parsed.values.requests, DEFAULT_REQUESTS, 1, MAX_REQUESTS),
        intervalMs: integerOption("interval-ms", parsed.values["interval-ms"], DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
    };
}

// ---- The stack's outputs ----------------------------------------------------------------------------------------

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });
/**
 * Docker's rule for container names, `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (moby/moby daemon/names/names.go, v28.3.0
 * RestrictedNamePattern). It also keeps a name from being read as an option by the docker CLI.
 */
const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "must be a Docker container name");
const containers = z.array(containerName).min(1, "must name at least one container");
const common = {
    gatewayUrls: z.object({ http: httpUrl, https: z.string() }),
    dashboardUrl: httpUrl,
};
/** What components/docker/stack.ts exports (labContainers: components/docker/lab.ts LabContainers). */
const dockerOutputs = z.object({
    target: z.literal("docker"),
    ...common,
    labContainers: z.object({ gateways: containers, dashboards: containers, dpManagers: containers, postgres: containerName, loadBalancer: containerName }),
});
/** What components/aws/stack.ts exports. */
const awsOutputs = z.object({
    target: z.literal("aws"),
    ...common,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region name"),
    autoScalingGroups: z.object({ controlPlane: z.string().min(1), dataPlane: z.string().min(1) }),
});
const stackOutputs = z.discriminatedUnion("target", [dockerOutputs, awsOutputs], { error: 'must be "aws" or "docker"' });
export type StackOutputs = z.infer<typeof stackOutputs>;
export type DockerOutputs = z.infer<typeof dockerOutputs>;
export type AwsOutputs = z.infer<typeof awsOutputs>;

/**
 * `pulumi stack output --json` prints one JSON object, output name to value; with `--show-secrets` secret values
 * are plain, without it they read "[secret]" (pulumi/pulumi sdk/nodejs/automation/localWorkspace.ts @27c845d9,
 * stackOutputs, runs exactly these two commands and compares them).
 */
export function parseStackOutputs(stack: string, json: string): StackOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new SetupError(`stack ${stack}: \`pulumi stack output --json\` did not print JSON`);
    }
    const result = stackOutputs.safeParse(raw);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(outputs)";
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    throw new SetupError(`stack ${stack}: output ${where} ${missing ? "is missing (has the stack been deployed with this program?)" : issue.message}`);
}

// ---- What each drill stops and probes ----------------------------------------------------------------------------

/** The systemd unit of each API7 service on an AWS host (config-templates/api7@.service, one instance per service). */
const unit = (service: "gateway" | "dashboard" | "dp-manager") => `api7@${service}`;

export type FaultPlan =
    | { readonly kind: "docker"; readonly containers: readonly string[] }
    | {
        readonly kind: "aws";
        readonly region: string;
        readonly group: string;
        readonly units: readonly string[];
        /** Every InService host of the group (the control plane), or the first InService and Healthy one. */
        readonly allHosts: boolean;
    };

export function faultPlan(drill: Drill, outputs: StackOutputs): FaultPlan {
    if (outputs.target === "docker") {
        const c = outputs.labContainers;
        const chosen = { gateway: [c.gateways[0]], dashboard: [c.dashboards[0]], "dp-manager": [c.dpManagers[0]], "control-plane": [...c.dashboards, ...c.dpManagers] }[drill];
        return { kind: "docker", containers: chosen };
    }
    const groups = outputs.autoScalingGroups;
    const region = outputs.region;
    switch (drill) {
        case "gateway": return { kind: "aws", region, group: groups.dataPlane, units: [unit("gateway")], allHosts: false };
        case "dashboard": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dashboard")], allHosts: false };
        case "dp-manager": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dp-manager")], allHosts: false };
        case "control-plane": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dashboard"), unit("dp-manager")], allHosts: true };
    }
}

/**
 * Where the drill sends its requests: the dashboard's load balancer for the dashboard drill (its health endpoint,
 * GET /healthz), the gateways' load balancer otherwise: gateways must keep serving with a DP Manager or the whole
 * control plane down (seed 003: the control plane's failure "will not affect business API requests already running").
 */
export function probeUrl(drill: Drill, outputs: StackOutputs): string {
    if (drill === "dashboard") return new URL("/healthz", outputs.dashboardUrl).toString();
    return new URL("/", outputs.gatewayUrls.http).toString();
}

// ---- AWS: Auto Scaling and SSM Run Command -------------------------------------------------------------------------

/**
 * `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names <name> --region <r> --output json`, whose
 * output is {"AutoScalingGroups": [{"AutoScalingGroupName", "Instances": [{"InstanceId", "HealthStatus",
 * "LifecycleState", ...}]}]} (aws/aws-cli awscli/examples/autoscaling/describe-auto-scaling-groups.rst @07c4fe36,
 * example 1). Unknown names give an empty list, not an error (the same API's "If you omit this parameter, all Auto
 * Scaling groups are described": names filter).
 */
export function describeGroupArgs(group: string, region: string): string[] {
    return ["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group, "--region", region, "--output", "json"];
}

const describeGroups = z.object({
    AutoScalingGroups: z.array(z.object({
        AutoScalingGroupName: z.string(),
        Instances: z.array(z.object({ InstanceId: z.string(), HealthStatus: z.string(), LifecycleState: z.string() })).default([]),
    })),
});

/**
 * The hosts to stop: the first instance the group lists as LifecycleState InService and HealthStatus Healthy, or
 * with `allHosts` every InService one (a host the group is replacing may still run a control plane).
 */
export function chooseInstances(json: string, group: string, allHosts: boolean): string[] {
    let parsed;
    try {
        parsed = describeGroups.parse(JSON.parse(json));
    } catch {
        throw new SetupError(`describe-auto-scaling-groups for ${group}: unexpected output`);
    }
    const asg = parsed.AutoScalingGroups.find((g) => g.AutoScalingGroupName === group);
    if (!asg) throw new SetupError(`Auto Scaling group ${group} not found (wrong AWS account or credentials?)`);
    const inService = asg.Instances.filter((i) => i.LifecycleState === "InService");
    const chosen = allHosts ? inService : inService.filter((i) => i.HealthStatus === "Healthy").slice(0, 1);
    if (chosen.length === 0) {
        throw new SetupError(`Auto Scaling group ${group} has no InService${allHosts ? "" : " and Healthy"} instance (${asg.Instances.length} instance(s) listed)`);
    }
    return chosen.map((i) => i.InstanceId);
}

/**
 * `aws ssm send-command --instance-ids ... --document-name AWS-RunShellScript --parameters ... --comment ...`
 * (aws/aws-cli awscli/examples/ssm/send-command.rst @56a45fe4). --parameters is a map: a value starting with "{" is
 * read as JSON (awscli/argprocess.py @07c4fe36, _unpack_complex_cli_arg), so no shorthand quoting is involved.
 * The document runs `commands` as root with /bin/sh; its exit status decides Success or Failed. SendCommand's
 * Comment is at most 100 characters (botocore 1.43.11 data/ssm/2014-11-06/service-2.json, shape Comment, max 100).
 */
export function sendCommandArgs(region: string, instanceIds: readonly string[], command: string, comment: string): string[] {
    return [
        "ssm", "send-command", "--region", region, "--instance-ids", ...instanceIds, "--document-name", "AWS-RunShellScript",
        "--parameters", JSON.stringify({ commands: [command] }), "--comment", comment.slice(0, 100), "--output", "json",
    ];
}

/** send-command prints {"Command": {"CommandId": ..., "Status": "Pending", ...}} (the same example). */
export function parseCommandId(json: string): string {
    try {
        return z.object({ Command: z.object({ CommandId: z.string().min(1) }) }).parse(JSON.parse(json)).Command.CommandId;
    } catch {
        throw new SetupError("ssm send-command: no Command.CommandId in its output");
    }
}

/** `aws ssm get-command-invocation --command-id ... --instance-id ...` (awscli/examples/ssm/get-command-invocation.rst @56a45fe4). */
export function invocationArgs(region: string, commandId: string, instanceId: string): string[] {
    return ["ssm", "get-command-invocation", "--region", region, "--command-id", commandId, "--instance-id", instanceId, "--output", "json"];
}

export type InvocationState =
    | { readonly kind: "waiting"; readonly status: string }
    | { readonly kind: "success" }
    | { readonly kind: "failed"; readonly status: string; readonly detail: string };

export interface CommandResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * One get-command-invocation answer, judged as botocore's CommandExecuted waiter judges it (boto/botocore
 * botocore/data/ssm/2014-11-06/waiters-2.json @cd920775, which covers every value of the CommandInvocationStatus
 * enum in service-2.json): Status Pending, InProgress or Delayed and the error
 * InvocationDoesNotExist (the invocation is not registered yet right after send-command) mean wait; Success is
 * done; Cancelled, TimedOut, Failed and Cancelling are failures. The CLI prints a service error as
 * "An error occurred (<Code>) when calling the <Operation> operation: <message>" on stderr (botocore/exceptions.py
 * ClientError.MSG_TEMPLATE @f4ed130b) and exits non-zero (255 in v1, aws/aws-cli awscli/topics/return-codes.rst;
 * 254 in v2), so the code is read from stderr, not from the exit status.
 */
export function invocationState(result: CommandResult): InvocationState {
    if (result.code !== 0) {
        if (/\(InvocationDoesNotExist\)/.test(result.stderr)) return { kind: "waiting", status: "InvocationDoesNotExist" };
        return { kind: "failed", status: `aws exit ${result.code ?? "signal"}`, detail: firstLines(result.stderr) };
    }
    let parsed;
    try {
        parsed = z.object({ Status: z.string(), StatusDetails: z.string().optional(), StandardErrorContent: z.string().optional() }).parse(JSON.parse(result.stdout));
    } catch {
        return { kind: "failed", status: "unreadable", detail: "get-command-invocation printed no Status" };
    }
    if (["Pending", "InProgress", "Delayed"].includes(parsed.Status)) return { kind: "waiting", status: parsed.Status };
    if (parsed.Status === "Success") return { kind: "success" };
    return { kind: "failed", status: parsed.Status, detail: firstLines(parsed.StandardErrorContent ?? parsed.StatusDetails ?? "") };
}

function firstLines(text: string): string {
    const lines = text.trim().split("\n").filter((l) => l.trim() !== "");
    return lines.slice(0, 3).join(" / ");
}

// ---- Probe results -------------------------------------------------------------------------------------------------

export interface ProbeAnswer {
    /** An HTTP response with a status below 500 arrived within REQUEST_TIMEOUT_MS. */
    readonly ok: boolean;
    /** When the response (or the failure) came, in ms since the probe started. */
    readonly atMs: number;
    /** The status, or what went wrong ("timeout", "ECONNREFUSED", "status 503"). */
    readonly detail: string;
}

/**
 * The longest stretch of the probe without a successful response: from the probe's start to the first success,
 * between consecutive successes, and from the last success to the probe's end. With no success at all, the whole
 * probe.
 */
export function longestGapMs(answers: readonly ProbeAnswer[], endMs: number): number {
    let last = 0;
    let longest = 0;
    for (const a of answers) {
        if (!a.ok) continue;
        longest = Math.max(longest, a.atMs - last);
        last = a.atMs;
    }
    return Math.max(longest, endMs - last);
}

export interface ProbeSummary {
    readonly sent: number;
    readonly failed: number;
    readonly longestGapMs: number;
}

export function summarize(answers: readonly ProbeAnswer[], endMs: number): ProbeSummary {
    return { sent: answers.length, failed: answers.filter((a) => !a.ok).length, longestGapMs: longestGapMs(answers, endMs) };
}

/** Seconds with one decimal, rounded half up: 0.25 s -> "0.3". */
export function seconds(ms: number): string {
    return (Math.round(ms / 100) / 10).toFixed(1);
}

export function renderSummary(s: ProbeSummary): string {
    return `sent: ${s.sent}  failed: ${s.failed}  longest gap: ${seconds(s.longestGapMs)} s`;
}

export function renderResult(s: ProbeSummary): string {
    return s.failed === 0 ? "result: service held" : `result: service NOT held (${s.failed} of ${s.sent} failed)`;
}

/** What a fault stopped, for the fault:/restored: lines. */
export function describeTargets(plan: FaultPlan, instanceIds: readonly string[]): string {
    return plan.kind === "docker" ? plan.containers.join(" ") : `${plan.units.join(" ")} on ${instanceIds.join(" ")}`;
}

// ---- Processes, sockets, the clock ---------------------------------------------------------------------------------

/**
 * Runs a CLI without a shell. `detached` puts it in its own process group: a Ctrl-C in the terminal then reaches
 * only the drill runner, which finishes the step, restores, and exits, instead of killing a restore half-way.
 */
export function runCommand(command: string, args: readonly string[]): Promise<CommandResult> {
    return new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("error", (e: NodeJS.ErrnoException) => {
            resolve({ code: 127, stdout, stderr: e.code === "ENOENT" ? `${command}: not found on PATH` : e.message });
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** "<what was run>: exit <code>: <first lines of stderr>". */
function commandFailure(shown: string, r: CommandResult): string {
    return `${shown}: exit ${r.code ?? "signal"}${r.stderr.trim() ? `: ${firstLines(r.stderr)}` : ""}`;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
});

/**
 * One request on a connection of its own (agent: false), so the load balancer picks a backend for each request
 * instead of reusing one kept-alive connection to the same backend. A response with a status below 500 counts as
 * answered: a gateway with no matching route answers 404, which is still the gateway answering; 5xx (the load
 * balancer's 502/503 with no backend, a gateway's upstream errors) and no response at all count as failed.
 * TLS certificates are not checked (rejectUnauthorized: false): the lab's dashboard has a self-signed certificate
 * and an ALB's certificate names a domain, not the load balancer's DNS name; the drill tests availability, not
 * identity. (Node's global fetch has no per-request switch for that; the https module does.)
 */
export function probeOnce(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    return new Promise((resolve) => {
        const target = new URL(url);
        const mod = target.protocol === "https:" ? https : http;
        let settled = false;
        const finish = (ok: boolean, detail: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ ok, detail });
        };
        const req = mod.request(target, { method: "GET", agent: false, rejectUnauthorized: false, headers: { "User-Agent": "api7-ha-drill" } }, (res) => {
            const status = res.statusCode ?? 0;
            res.on("error", () => undefined);
            res.resume();
            finish(status > 0 && status < 500, `status ${status}`);
            req.destroy();
        });
        const timer = setTimeout(() => {
            finish(false, "timeout");
            req.destroy();
        }, timeoutMs);
        req.on("error", (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
        req.end();
    });
}

/** `count` requests, request i starting at i x intervalMs after the start (or when request i-1 ends, if later). */
async function probe(url: string, count: number, intervalMs: number, signal: AbortSignal): Promise<{ answers: ProbeAnswer[]; endMs: number }> {
    const start = performance.now();
    const answers: ProbeAnswer[] = [];
    for (let i = 0; i < count && !signal.aborted; i++) {
        await sleep(start + i * intervalMs - performance.now(), signal);
        if (signal.aborted) break;
        const r = await probeOnce(url, REQUEST_TIMEOUT_MS);
        answers.push({ ...r, atMs: performance.now() - start });
    }
    return { answers, endMs: performance.now() - start };
}

// ---- The drill -----------------------------------------------------------------------------------------------------

export interface DrillIo {
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    /** Set while a fault may be in place: what to run by hand if the runner quits before it restores. */
    restoreHint?: () => string;
}

/** The stop and start of one fault, on either target; `stop` records what it touched before touching it. */
interface Fault {
    readonly touched: () => readonly string[];
    readonly description: () => string;
    stop(): Promise<void>;
    restore(): Promise<void>;
    readonly manualRestore: () => string;
}

function dockerFault(plan: Extract<FaultPlan, { kind: "docker" }>): Fault {
    const touched: string[] = [];
    const description = () => touched.join(" ");
    return {
        touched: () => touched,
        description,
        async stop() {
            for (const name of plan.containers) {
                touched.push(name);
                // docker stop waits until the container has exited and prints its name
                // (docs/reference/commandline/container_stop.md @b00668d4).
                const args = ["stop", "-t", String(DOCKER_STOP_SECONDS), name];
                const r = await runCommand("docker", args);
                if (r.code !== 0) throw new SetupError(commandFailure(`docker ${args.join(" ")}`, r));
            }
        },
        async restore() {
            const failures: string[] = [];
            for (const name of touched) {
                // docker start of a running container does nothing and succeeds, so a container whose stop failed
                // half-way is started too (docs/reference/commandline/container_start.md @d32f0484).
                const args = ["start", name];
                const r = await runCommand("docker", args);
                if (r.code !== 0) failures.push(commandFailure(`docker ${args.join(" ")}`, r));
            }
            if (failures.length > 0) throw new Error(failures.join("; "));
        },
        manualRestore: () => touched.map((n) => `docker start ${n}`).join(" && "),
    };
}

/**
 * On a host, `docker stop` alone would not last: api7@.service has Restart=always and RestartSec=5, so systemd
 * starts the container again. `systemctl stop` does last: "the service will not be restarted if ... the service is
 * stopped with systemctl stop or an equivalent operation" (systemd/systemd man/systemd.service.xml @7910079d,
 * Restart=); the unit's ExecStop (docker stop --time 30) stops the container.
 */
function awsFault(plan: Extract<FaultPlan, { kind: "aws" }>, stack: string, drill: Drill): Fault {
    let instances: string[] = [];
    const units = plan.units.join(" ");
    const description = () => describeTargets(plan, instances);
    const runOnHosts = async (verb: "stop" | "start", ids: readonly string[]) => {
        const sendArgs = sendCommandArgs(plan.region, ids, `systemctl ${verb} ${units}`, `api7-ha drill ${drill} on ${stack}: ${verb} ${units}`);
        const sent = await runCommand("aws", sendArgs);
        if (sent.code !== 0) throw new SetupError(commandFailure(`aws ssm send-command (systemctl ${verb} ${units})`, sent));
        const commandId = parseCommandId(sent.stdout);
        const outcomes = await Promise.all(ids.map((id) => waitForInvocation(plan.region, commandId, id)));
        const failed = outcomes.map((o, i) => (o === undefined ? undefined : `${ids[i]}: ${o}`)).filter((o) => o !== undefined);
        if (failed.length > 0) throw new SetupError(`systemctl ${verb} ${units} (SSM command ${commandId}) did not succeed: ${failed.join("; ")}`);
    };
    return {
        touched: () => instances,
        description,
        async stop() {
            const args = describeGroupArgs(plan.group, plan.region);
            const described = await runCommand("aws", args);
            if (described.code !== 0) throw new SetupError(commandFailure(`aws autoscaling describe-auto-scaling-groups (${plan.group})`, described));
            // Recorded before sending: a command that fails on one host may still have stopped the unit on another.
            instances = chooseInstances(described.stdout, plan.group, plan.allHosts);
            await runOnHosts("stop", instances);
        },
        async restore() {
            if (instances.length > 0) await runOnHosts("start", instances);
        },
        manualRestore: () => `aws ${sendCommandArgs(plan.region, instances, `systemctl start ${units}`, "restore").map((a) => (/^[\w@./:=-]+$/.test(a) ? a : `'${a}'`)).join(" ")}`,
    };
}

/** Polls until a terminal status; returns undefined on Success, else what went wrong. */
async function waitForInvocation(region: string, commandId: string, instanceId: string): Promise<string | undefined> {
    const deadline = performance.now() + SSM_DEADLINE_MS;
    let last = "no answer";
    for (;;) {
        const state = invocationState(await runCommand("aws", invocationArgs(region, commandId, instanceId)));
        if (state.kind === "success") return undefined;
        if (state.kind === "failed") return `${state.status}${state.detail ? ` (${state.detail})` : ""}`;
        last = state.status;
        if (performance.now() + SSM_POLL_MS > deadline) return `still ${last} after ${SSM_DEADLINE_MS / 1000} s`;
        // Not cut short by Ctrl-C: a stop is seen through, so the restore knows where it stands.
        await sleep(SSM_POLL_MS);
    }
}

/** Reads the outputs, runs the drill, restores; returns the exit code (README, "Failover drills"). */
export async function runDrill(args: DrillArgs, io: DrillIo, signal: AbortSignal): Promise<number> {
    const outputsArgs = ["stack", "output", "--json", "--show-secrets", "--stack", args.stack];
    const outputsRun = await runCommand("pulumi", outputsArgs);
    if (outputsRun.code !== 0) throw new SetupError(commandFailure(`pulumi ${outputsArgs.join(" ")}`, outputsRun));
    const outputs = parseStackOutputs(args.stack, outputsRun.stdout);
    const plan = faultPlan(args.drill, outputs);
    const url = probeUrl(args.drill, outputs);
    io.out(`drill: ${args.drill}  stack: ${args.stack}  target: ${outputs.target}`);

    const baseline = await probe(url, BASELINE_REQUESTS, args.intervalMs, signal);
    const answered = baseline.answers.filter((a) => a.ok).length;
    const lastFailure = baseline.answers.filter((a) => !a.ok).at(-1);
    io.out(`baseline: ${answered} of ${baseline.answers.length} answered${lastFailure ? ` (${url}: ${lastFailure.detail})` : ""}`);
    if (signal.aborted) {
        io.out("result: interrupted, nothing stopped");
        return EXIT.interrupted;
    }
    if (answered < BASELINE_REQUESTS) {
        io.out("result: not healthy before the drill, nothing stopped");
        return EXIT.setup;
    }

    const fault = plan.kind === "docker" ? dockerFault(plan) : awsFault(plan, args.stack, args.drill);
    io.restoreHint = () => (fault.touched().length > 0 ? fault.manualRestore() : "nothing was stopped yet");
    let code: number;
    let result: string;
    try {
        await fault.stop();
        if (signal.aborted) {
            code = EXIT.interrupted;
            result = "result: interrupted";
        } else {
            io.out(`fault: stopped ${fault.description()}`);
            io.out(`probe: ${url} (${args.requests} requests, every ${args.intervalMs} ms)`);
            const run = await probe(url, args.requests, args.intervalMs, signal);
            const summary = summarize(run.answers, run.endMs);
            io.out(renderSummary(summary));
            code = signal.aborted ? EXIT.interrupted : summary.failed === 0 ? EXIT.held : EXIT.notHeld;
            result = signal.aborted ? "result: interrupted" : renderResult(summary);
        }
    } catch (e) {
        io.out(`fault: FAILED: ${errorMessage(e)}`);
        code = EXIT.setup;
        result = "result: fault injection failed, nothing probed";
    }
    // Whatever happened above: everything the fault touched is started again.
    if (fault.touched().length > 0) {
        try {
            await fault.restore();
            io.out(`restored: ${fault.description()}`);
        } catch (e) {
            io.out(`restore: FAILED: ${errorMessage(e)}; restore by hand: ${fault.manualRestore()}`);
            code = EXIT.restoreFailed;
        }
    }
    io.restoreHint = undefined;
    io.out(result);
    return code;
}

export function errorMessage(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: DrillArgs;
    try {
        args = parseDrillArgs(argv);
    } catch (e) {
        process.stderr.write(`error: ${errorMessage(e)}\n${USAGE}\n`);
        return EXIT.setup;
    }
    const controller = new AbortController();
    const io: DrillIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
    let firstSignalAt: number | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
        const now = performance.now();
        if (firstSignalAt === undefined) {
            firstSignalAt = now;
            io.err(`${sig}: stopping the drill and restoring first (again, a second later, to quit without restoring)`);
            controller.abort();
            return;
        }
        if (now - firstSignalAt < SIGNAL_REPEAT_MS) return;
        io.err(`${sig} again: quitting without restoring${io.restoreHint ? `; restore by hand: ${io.restoreHint()}` : ""}`);
        process.exit(EXIT.interrupted);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        return await runDrill(args, io, controller.signal);
    } catch (e) {
        io.err(`error: ${errorMessage(e)}`);
        return EXIT.setup;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
        console.error(e);
        process.exit(EXIT.setup);
    });
}
