/**
 * The drill's command line: the drills, the probe's bounds and defaults, the usage text, the exit codes, and the
 * parse of `npm run drill -- <stack> <drill> [--requests N] [--interval-ms M] [--gateway restart|replace]`.
 */
import { parseArgs } from "util";

const DRILLS = ["gateway", "dashboard", "dp-manager", "control-plane", "etcd"] as const;
export type Drill = (typeof DRILLS)[number];
/** With the control-plane drill: what happens to one gateway while the control plane is down. */
const GATEWAY_ACTIONS = ["restart", "replace"] as const;
export type GatewayAction = (typeof GATEWAY_ACTIONS)[number];

const DEFAULT_REQUESTS = 100;
const MAX_REQUESTS = 10000;
const DEFAULT_INTERVAL_MS = 100;
const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 60000;
/** Requests before the fault; every one must be answered. */
export const BASELINE_REQUESTS = 3;
/** A probe request that has no response status within this long counts as failed. */
export const REQUEST_TIMEOUT_MS = 2000;

/** The exit codes (README, "Failover drills", Exit codes). */
export const EXIT = { held: 0, notHeld: 1, setup: 2, restoreFailed: 3, interrupted: 130 } as const;

export const USAGE = `usage: npm run drill -- <stack> <drill> [--requests N] [--interval-ms M] [--gateway restart|replace]
  drills: gateway, dashboard, dp-manager and control-plane (API7 3.x); gateway, dashboard and etcd (API7 2.x)
  --requests N      requests sent while the fault lasts (1-${MAX_REQUESTS}, default ${DEFAULT_REQUESTS})
  --interval-ms M   milliseconds between request starts (${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS}, default ${DEFAULT_INTERVAL_MS})
  --gateway ACTION  control-plane drill only: with the control plane down, restart one gateway, or replace its host
                    (AWS only); the probe lasts until it serves again`;

/** A wrong command line: exit 2 with the usage text. */
class UsageError extends Error {}
/** Anything that stops the drill before a result (outputs, baseline, fault injection): exit 2. */
export class SetupError extends Error {}

export interface DrillArgs {
    readonly stack: string;
    readonly drill: Drill;
    readonly requests: number;
    readonly intervalMs: number;
    /** control-plane only. */
    readonly gateway?: GatewayAction;
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
            options: { requests: { type: "string" }, "interval-ms": { type: "string" }, gateway: { type: "string" } },
            allowPositionals: true,
            strict: true,
        });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const [stack, drill, ...extra] = parsed.positionals;
    if (stack === undefined || stack === "")
        throw new UsageError("<stack>: missing (the Pulumi stack to drill, e.g. lab)");
    if (drill === undefined) throw new UsageError(`<drill>: missing; valid drills: ${DRILLS.join(", ")}`);
    if (!(DRILLS as readonly string[]).includes(drill))
        throw new UsageError(`<drill>: unknown drill "${drill}"; valid drills: ${DRILLS.join(", ")}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const gateway = parsed.values.gateway;
    if (gateway !== undefined) {
        if (!(GATEWAY_ACTIONS as readonly string[]).includes(gateway))
            throw new UsageError(`--gateway: "${gateway}" is not one of ${GATEWAY_ACTIONS.join(", ")}`);
        if (drill !== "control-plane")
            throw new UsageError(`--gateway: only with the control-plane drill, not with ${drill}`);
    }
    return {
        stack,
        drill: drill as Drill,
        requests: integerOption("requests", parsed.values.requests, DEFAULT_REQUESTS, 1, MAX_REQUESTS),
        intervalMs: integerOption(
            "interval-ms",
            parsed.values["interval-ms"],
            DEFAULT_INTERVAL_MS,
            MIN_INTERVAL_MS,
            MAX_INTERVAL_MS,
        ),
        ...(gateway === undefined ? {} : { gateway: gateway as GatewayAction }),
    };
}
