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
