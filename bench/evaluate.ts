/**
 * How long evaluating the program takes under the mock runtime, per committed stack (the bar: prod <= 3 s), and,
 * with --npm-test, how long the whole `npm test` takes (the bar: <= 60 s after install). Figures, not assertions:
 * a timed test would fail on a busy machine for no fault of the code.
 *
 *   npm run bench                 # 5 evaluations per stack
 *   npm run bench -- --runs 10 --npm-test
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { runProgram, STACKS } from "../tools/harness";

function arg(name: string, fallback: number): number {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/**
 * CPU seconds (user and system) of this process's children that have ended, and theirs in turn: fields 16 and 17
 * of /proc/self/stat (cutime, cstime), in clock ticks (proc(5); USER_HZ is 100 on Linux's x86_64 ABI).
 */
function childCpuSeconds(): number {
    const fields = fs
        .readFileSync("/proc/self/stat", "utf8")
        .replace(/^.*\) /, "")
        .split(" ");
    // After the pid and the command: field 3 is index 0, so cutime (16) is index 13.
    return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function main(): Promise<void> {
    const runs = arg("--runs", 5);
    console.log(`| stack | resources | first (ms) | median of ${runs} (ms) | max (ms) |`);
    console.log("|---|---|---|---|---|");
    for (const stack of STACKS) {
        const times: number[] = [];
        let resources = 0;
        for (let i = 0; i < runs; i++) {
            const t0 = process.hrtime.bigint();
            const result = await runProgram({ stack });
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
            resources = result.resources.length;
        }
        console.log(
            `| ${stack} | ${resources} | ${times[0].toFixed(0)} | ${median(times).toFixed(0)} | ${Math.max(...times).toFixed(0)} |`,
        );
    }
    if (process.argv.includes("--npm-test")) {
        const t0 = Date.now();
        const cpu0 = childCpuSeconds();
        const r = spawnSync("npm", ["test", "--silent"], { stdio: "ignore" });
        console.log(
            `\nnpm test: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${(childCpuSeconds() - cpu0).toFixed(1)} CPU-s (exit ${r.status})`,
        );
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
