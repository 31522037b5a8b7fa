/**
 * The export schedule's intervals (components/schedule.ts): the shortest, which the settings bound, and the longest,
 * which sets how old the last export may be and how long the freshness alarm waits. Expected values worked out by
 * hand from the calendar.
 */
import { longestIntervalSeconds, minimumIntervalSeconds } from "../components/schedule";

test.each<[string, number, number]>([
    // Go durations: every run the same.
    ["@every 1m", 60, 60],
    ["@every 1h30m", 5400, 5400],
    // Weekdays 09:00 to 17:55 every five minutes: Friday 17:55 to Monday 09:00 is 63 h 5 min.
    ["*/5 9-17 * * 1-5", 300, 227100],
    // The first of each month at midnight: February (28 days in 2026) and a 31-day month.
    ["0 0 1 * *", 28 * 86400, 31 * 86400],
    // Nightly at 02:00 and hourly: one gap each.
    ["0 2 * * *", 86400, 86400],
    ["@hourly", 3600, 3600],
])("%s: shortest %i s, longest %i s", (spec, shortest, longest) => {
    expect([minimumIntervalSeconds(spec), longestIntervalSeconds(spec)]).toEqual([shortest, longest]);
});

test("a schedule API7 would refuse is refused by both, with the reason", () => {
    expect(() => longestIntervalSeconds("@every soon")).toThrow('"soon" is not a Go duration');
    expect(() => minimumIntervalSeconds("61 * * * *")).toThrow("is not a cron expression");
});
