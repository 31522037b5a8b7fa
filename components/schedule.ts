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
    return intervals(spec, SAMPLES, 0, SAMPLES).shortest;
}

/**
 * The longest gap, in seconds, between two runs of the schedule (`*\/5 9-17 * * 1-5` waits from Friday evening to
 * Monday morning): runs over at least 8 days (a week's pattern and the days around it), up to a year or LONG_SAMPLES
 * runs. Throws as minimumIntervalSeconds does.
 */
export function longestIntervalSeconds(spec: string): number {
    let longest = LONGEST.get(spec);
    if (longest === undefined) {
        longest = intervals(spec, SAMPLES, 8 * 86400, LONG_SAMPLES).longest;
        LONGEST.set(spec, longest);
    }
    return longest;
}

/** At most this many runs are looked at for a long gap: 20,000 one-minute runs cover 13 days. */
const LONG_SAMPLES = 20000;
/** Each schedule's longest gap, once per process (a minute's schedule takes 8 days of runs to look over). */
const LONGEST = new Map<string, number>();

function intervals(
    spec: string,
    samples: number,
    minSpanSeconds: number,
    maxSamples: number,
): { shortest: number; longest: number } {
    const every = /^@every\s+(\S+)$/.exec(spec.trim());
    if (every) {
        const seconds = goDurationSeconds(every[1]);
        if (seconds === undefined) throw new Error(`"${every[1]}" is not a Go duration (e.g. 1m, 90s, 1h30m)`);
        return { shortest: seconds, longest: seconds };
    }
    if (spec.trim().startsWith("@every")) throw new Error("@every needs a duration (e.g. @every 1m)");
    let it;
    try {
        it = CronExpressionParser.parse(spec, { currentDate: FROM, tz: "UTC" });
    } catch (err) {
        throw new Error(`is not a cron expression, macro or @every duration (${(err as Error).message})`);
    }
    const first = it.next().getTime();
    let previous = first;
    let shortest = Infinity;
    let longest = 0;
    for (let i = 0; i < maxSamples && it.hasNext() && (i < samples || previous - first < minSpanSeconds * 1000); i++) {
        const next = it.next().getTime();
        shortest = Math.min(shortest, (next - previous) / 1000);
        longest = Math.max(longest, (next - previous) / 1000);
        previous = next;
        if (previous - first > 366 * 86400 * 1000) break;
    }
    return { shortest, longest };
}
