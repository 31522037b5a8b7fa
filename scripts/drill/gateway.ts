/**
 * The control-plane drill's gateway step (`--gateway restart|replace`): with the control plane down, one gateway is
 * restarted, or its host replaced through its Auto Scaling group, and the drill waits until it serves again; after
 * the restore, which gateways ran standalone and for how long, from each gateway host's mode history.
 */
import { GATEWAY_HEALTH_PATH } from "../../components/listeners";
import { PORTS } from "../../components/ports";
import { SetupError } from "./args";
import {
    chooseFrom,
    describeGroupArgs,
    groupInstances,
    targetHealthArgs,
    targetState,
    terminateArgs,
    type GroupInstance,
} from "./aws";
import { commandFailure, runCommand, sleep } from "./io";
import type { GatewayPlan } from "./plan";
import { parseModes, renderStandalone, seconds, standalonePeriods } from "./results";
import { failures, runOnHosts } from "./ssm";

export interface GatewayStep {
    /** Before the fault: finds what the step acts on, so that a step that cannot act fails with nothing stopped. */
    prepare(): Promise<void>;
    /** Acts, then waits until the gateway serves again: the `gateway:` line, and why it did not serve, if it did not. */
    run(signal: AbortSignal): Promise<{ readonly line: string; readonly notServing?: string }>;
    /** After the restore: the `standalone:` lines; `wait` for standalone gateways to return (the restore succeeded). */
    report(sinceS: number, wait: boolean, signal: AbortSignal, out: (line: string) => void): Promise<void>;
}

/** `docker restart`'s grace period, as the drill's `docker stop` (docker/cli container_restart.md @05e2681b, -t). */
const DOCKER_RESTART_SECONDS = 10;

/**
 * The lab: `docker restart` of its first gateway. Lab gateways have no standalone fallback (no S3 export to start
 * from), so one restarted during the outage does not serve until the control plane is back; the other gateways hold
 * the traffic.
 */
export function dockerGatewayStep(plan: Extract<GatewayPlan, { kind: "docker" }>): GatewayStep {
    return {
        prepare: () => Promise.resolve(),
        async run() {
            const args = ["restart", "-t", String(DOCKER_RESTART_SECONDS), plan.container];
            const r = await runCommand("docker", args);
            if (r.code !== 0) throw new SetupError(commandFailure(`docker ${args.join(" ")}`, r));
            return {
                line:
                    `gateway: restarted ${plan.container} (lab gateways have no standalone fallback: it serves ` +
                    "again once the control plane is back)",
            };
        },
        report(_sinceS, _wait, _signal, out) {
            out("standalone: none (the lab's gateways have no S3 export to start from)");
            return Promise.resolve();
        },
    };
}

/** Where api7-run keeps a gateway host's mode history (config-templates/api7-run.sh, choose_mode): its last 50 starts. */
export const MODE_HISTORY = "/var/lib/api7/gateway/modes";
/** The mode the running gateway started in (config-templates/api7-run.sh, choose_mode; tmpfs). */
const RUNNING_MODE = "/run/api7/gateway/mode";
/**
 * A restarted gateway must answer its load balancer's health check (GET /status on 7085) on the host within 5 minutes
 * (api7-run's own bound on a start, API7_SERVE_TIMEOUT); the command then prints the mode it started in, and exits 3
 * when it does not answer. GET /status answers for a gateway with no configuration too: the mode, and the history
 * after the restore, say what it serves.
 */
export const RESTART_COMMAND =
    "systemctl restart api7@gateway.service || exit 2; for _ in $(seq 60); do sleep 5; " +
    `curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:${PORTS.gatewayStatus}${GATEWAY_HEALTH_PATH} && ` +
    `{ cat ${RUNNING_MODE}; exit 0; }; ` +
    "done; echo 'api7@gateway: GET /status not answered 300 s after the restart' >&2; exit 3";
const NOT_SERVING_EXIT = 3;
/** The restart's SSM command: the stop (30 s), the mode's choice (the probe) and the 300 s wait, with room. */
const RESTART_DEADLINE_MS = 600_000;
/**
 * A replacement: the old host's draining (the deregistration delay), its termination, a cold boot (`npm run report`
 * prints the worst case) and the first health checks. Polled every 15 s.
 */
const REPLACE_DEADLINE_MS = 30 * 60_000;
const REPLACE_POLL_MS = 15_000;
/** After the restore: how long the drill waits for standalone gateways to return, polling every 30 s. */
const RETURN_DEADLINE_MS = 20 * 60_000;
const RETURN_POLL_MS = 30_000;

export function awsGatewayStep(plan: Extract<GatewayPlan, { kind: "aws" }>, stack: string): GatewayStep {
    const describe = async (): Promise<GroupInstance[]> => {
        const r = await runCommand("aws", describeGroupArgs(plan.group, plan.region));
        if (r.code !== 0)
            throw new SetupError(commandFailure(`aws autoscaling describe-auto-scaling-groups (${plan.group})`, r));
        return groupInstances(r.stdout, plan.group);
    };
    const comment = (what: string) => `api7-ha drill control-plane on ${stack}: ${what}`;

    async function restart(id: string, started: number) {
        const { commandId, ends } = await runOnHosts(
            plan.region,
            [id],
            RESTART_COMMAND,
            comment("restart api7@gateway"),
            RESTART_DEADLINE_MS,
        );
        const end = ends[0];
        if (end.kind === "failed" && end.exitCode === NOT_SERVING_EXIT)
            return { line: `gateway: restarted api7@gateway on ${id}; not serving`, notServing: end.detail };
        if (end.kind === "failed")
            throw new SetupError(
                `systemctl restart api7@gateway (SSM command ${commandId}) did not succeed: ${failures([id], ends)[0]}`,
            );
        const mode = end.output.trim() || "mode unknown";
        return { line: `gateway: restarted api7@gateway on ${id}; serving (${mode}) after ${elapsed(started)} s` };
    }

    async function replace(old: string, known: ReadonlySet<string>, started: number, signal: AbortSignal) {
        const terminated = await runCommand("aws", terminateArgs(plan.region, old));
        if (terminated.code !== 0)
            throw new SetupError(
                commandFailure(`aws autoscaling terminate-instance-in-auto-scaling-group (${old})`, terminated),
            );
        // The host is gone from here on: an error while polling (a throttled call) is said and polled again.
        const deadline = performance.now() + REPLACE_DEADLINE_MS;
        let last = "no new instance yet";
        for (;;) {
            try {
                const fresh = (await describe()).filter(
                    (i) => !known.has(i.InstanceId) && i.LifecycleState === "InService" && i.HealthStatus === "Healthy",
                );
                for (const i of fresh) {
                    const states: string[] = [];
                    for (const tg of plan.targetGroupArns) {
                        const r = await runCommand("aws", targetHealthArgs(plan.region, tg, i.InstanceId));
                        if (r.code !== 0) throw new Error(commandFailure("aws elbv2 describe-target-health", r));
                        states.push(targetState(r.stdout) ?? "no state");
                    }
                    if (states.every((st) => st === "healthy"))
                        return {
                            line:
                                `gateway: replaced ${old}; ${i.InstanceId} healthy in every target group after ` +
                                `${elapsed(started)} s`,
                        };
                    last = `${i.InstanceId}: ${states.join(", ")}`;
                }
            } catch (e) {
                last = e instanceof Error ? e.message : String(e);
            }
            if (signal.aborted) return { line: `gateway: replacing ${old}`, notServing: `interrupted (${last})` };
            if (performance.now() + REPLACE_POLL_MS > deadline)
                return {
                    line: `gateway: replacing ${old}`,
                    notServing:
                        `no new host in service and healthy in every target group after ` +
                        `${REPLACE_DEADLINE_MS / 60_000} min (last: ${last})`,
                };
            await sleep(REPLACE_POLL_MS, signal);
        }
    }

    /** Each InService host's mode history; a host whose history cannot be read is named with why. */
    async function histories(): Promise<{ id: string; text?: string; error?: string }[]> {
        const ids = (await describe()).filter((i) => i.LifecycleState === "InService").map((i) => i.InstanceId);
        if (ids.length === 0) return [];
        const { ends } = await runOnHosts(
            plan.region,
            ids,
            `tail -n 50 ${MODE_HISTORY} 2>/dev/null || true`,
            comment("read the gateways' mode history"),
            120_000,
        );
        return ids.map((id, i) => {
            const e = ends[i];
            return e.kind === "success" ? { id, text: e.output } : { id, error: failures([id], [e])[0] };
        });
    }

    let chosen: { readonly id: string; readonly known: ReadonlySet<string> } | undefined;
    return {
        async prepare() {
            const instances = await describe();
            const [id] = chooseFrom(instances, plan.group, false);
            chosen = { id, known: new Set(instances.map((i) => i.InstanceId)) };
        },
        async run(signal) {
            if (!chosen) throw new Error("the gateway step was not prepared");
            const started = performance.now();
            if (plan.action === "restart") return restart(chosen.id, started);
            return replace(chosen.id, chosen.known, started, signal);
        },
        async report(sinceS, wait, signal, out) {
            if (plan.pinnedStandalone) {
                out("standalone: every gateway, pinned by dataPlane.mode standalone");
                return;
            }
            const deadline = performance.now() + RETURN_DEADLINE_MS;
            let announced = false;
            for (;;) {
                const nowS = Math.floor(Date.now() / 1000);
                const read = await histories();
                const lines = read.flatMap((h) =>
                    h.error !== undefined
                        ? [`standalone: ${h.id} unknown (${h.error})`]
                        : renderStandalone(h.id, standalonePeriods(parseModes(h.text ?? ""), sinceS), nowS),
                );
                const waiting = lines.filter((l) => l.endsWith("still standalone)"));
                const over = !wait || signal.aborted || performance.now() + RETURN_POLL_MS > deadline;
                if (waiting.length === 0 || over) {
                    for (const l of lines.length > 0 ? lines : ["standalone: none"]) out(l);
                    return;
                }
                if (!announced) {
                    out(
                        `waiting: up to ${RETURN_DEADLINE_MS / 60_000} min for ${waiting.length} standalone ` +
                            "gateway(s) to return to the control plane on their own (Ctrl-C stops waiting)",
                    );
                    announced = true;
                }
                await sleep(RETURN_POLL_MS, signal);
            }
        },
    };
}

const elapsed = (startedMs: number) => seconds(performance.now() - startedMs);
