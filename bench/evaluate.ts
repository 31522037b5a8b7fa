/**
 * How long evaluating the program takes under the mock runtime, per committed stack (the bar: prod <= 3 s), and,
 * with --npm-test, how long the whole `npm test` takes (the bar: <= 60 s after install). Figures, not assertions:
 * a timed test would fail on a busy machine for no fault of the code.
 *
 *   npm run bench                 # 5 evaluations per stack
 *   npm run bench -- --runs 10 --npm-test
 */
import { spawnSync } from "child_process";
import { runProgram, STACKS } from "../tests/harness";

function arg(name: string, fallback: number): number {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
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
        console.log(`| ${stack} | ${resources} | ${times[0].toFixed(0)} | ${median(times).toFixed(0)} | ${Math.max(...times).toFixed(0)} |`);
    }
    if (process.argv.includes("--npm-test")) {
        const t0 = Date.now();
        const r = spawnSync("npm", ["test", "--silent"], { stdio: "ignore" });
        console.log(`\nnpm test: ${((Date.now() - t0) / 1000).toFixed(1)} s (exit ${r.status})`);
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
