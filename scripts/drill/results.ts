/**
 * What the probe's answers add up to: the counts, the longest gap, and the lines that report them.
 */
import type { FaultPlan } from "./plan";

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
 * @internal Exported for its tests; the report reads it through `summarize`.
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
    return {
        sent: answers.length,
        failed: answers.filter((a) => !a.ok).length,
        longestGapMs: longestGapMs(answers, endMs),
    };
}

/**
 * Seconds with one decimal, rounded half up: 0.25 s -> "0.3".
 * @internal Exported for its tests; the report prints it through `renderSummary`.
 */
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

// ---- Which gateways ran standalone, and for how long ---------------------------------------------------------------

/** One start of a gateway, from its host's mode history: "<epoch seconds> <normal|standalone>" per line. */
export interface ModeChange {
    readonly atS: number;
    readonly mode: "normal" | "standalone";
}

/** The history's lines; anything else (a partial line, a message) is left out. */
export function parseModes(text: string): ModeChange[] {
    return text
        .split("\n")
        .map((l) => /^(\d+) (normal|standalone)$/.exec(l.trim()))
        .filter((m) => m !== null)
        .map((m) => ({ atS: Number(m[1]), mode: m[2] as ModeChange["mode"] }));
}

/** A stretch a gateway ran standalone: from its standalone start to its next normal start, if any yet. */
export interface StandalonePeriod {
    readonly fromS: number;
    readonly toS?: number;
}

/** The stretches that had not ended before `sinceS` (the fault's start), oldest first. */
export function standalonePeriods(changes: readonly ModeChange[], sinceS: number): StandalonePeriod[] {
    const periods: StandalonePeriod[] = [];
    let from: number | undefined;
    for (const c of [...changes].sort((a, b) => a.atS - b.atS)) {
        if (c.mode === "standalone") from ??= c.atS;
        else if (from !== undefined) {
            periods.push({ fromS: from, toS: c.atS });
            from = undefined;
        }
    }
    if (from !== undefined) periods.push({ fromS: from });
    return periods.filter((p) => p.toS === undefined || p.toS >= sinceS);
}

const clock = (s: number) => `${new Date(s * 1000).toISOString().slice(11, 19)}Z`;

/** One `standalone:` line per period of one host; `nowS` measures one still running. */
export function renderStandalone(host: string, periods: readonly StandalonePeriod[], nowS: number): string[] {
    return periods.map((p) =>
        p.toS === undefined
            ? `standalone: ${host} since ${clock(p.fromS)} (${nowS - p.fromS} s so far; still standalone)`
            : `standalone: ${host} from ${clock(p.fromS)} to ${clock(p.toS)} (${p.toS - p.fromS} s), back to normal`,
    );
}
