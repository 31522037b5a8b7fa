/**
 * API7's `fallback_cp.cron_spec` uses Go's robfig/cron syntax: a cron expression (5 fields, or 6 with seconds), a
 * macro (@hourly, @daily, ...), or `@every <Go duration>`. Cron expressions and macros are parsed by cron-parser;
 * `@every` takes a Go duration ("1m", "1m30s", "500ms"), which no CommonJS library parses, hence the small parser.
 */
import { CronExpressionParser } from "cron-parser";

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration string ("1h30m", "45s"); undefined when it is not one. */
export function goDurationSeconds(text: string): number | undefined {
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
    return parts.reduce((sum, [, n, unit]) => sum + Number(n) * GO_UNITS[unit], 0);
}

/** A fixed start, so the answer never depends on when it is computed. */
const FROM = new Date("2026-01-01T00:00:00Z");
/** Enough consecutive runs to see every gap of any cron expression within its cycle of days. */
const SAMPLES = 500;

/**
 * The shortest interval, in seconds, between two runs of the schedule. Throws with the reason when the schedule
 * is not one API7 accepts.
 */
export function minimumIntervalSeconds(spec: string): number {
    const every = /^@every\s+(\S+)$/.exec(spec.trim());
    if (every) {
        const seconds = goDurationSeconds(every[1]);
        if (seconds === undefined) throw new Error(`"${every[1]}" is not a Go duration (e.g. 1m, 90s, 1h30m)`);
        return seconds;
    }
    if (spec.trim().startsWith("@every")) throw new Error("@every needs a duration (e.g. @every 1m)");
    let it;
    try {
        it = CronExpressionParser.parse(spec, { currentDate: FROM, tz: "UTC" });
    } catch (err) {
        throw new Error(`is not a cron expression, macro or @every duration (${(err as Error).message})`);
    }
    let previous = it.next().getTime();
    let shortest = Infinity;
    for (let i = 0; i < SAMPLES && it.hasNext(); i++) {
        const next = it.next().getTime();
        shortest = Math.min(shortest, (next - previous) / 1000);
        previous = next;
    }
    return shortest;
}
