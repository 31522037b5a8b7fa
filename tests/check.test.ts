/**
 * The type, lint and layout check (scripts/check.ts, also `npm run check`: the TypeScript compiler's diagnostics and
 * ESLint's findings, typed rules included, over one program, then Prettier's layout) as a test of the suite. It runs
 * in a process of its own that the jest worker only waits on, and first (tests/sequencer.js), so on a 2-core machine
 * it takes one of jest's two worker slots instead of running beside both workers as a third busy process, which
 * slowed all three: measured on 2026-12-02, interleaved, 64-74 s for `npm test` this way against 67-76 s beside jest,
 * about 7 % less CPU.
 */
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

test("the TypeScript compiler, ESLint and Prettier find nothing (scripts/check.ts)", async () => {
    // Node as scripts/test.sh runs jest: without V8's helper threads, which only add CPU where every core is busy.
    const child = spawn(
        process.execPath,
        ["--single-threaded", "--import", "tsx", path.join(ROOT, "scripts", "check.ts")],
        { cwd: ROOT },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    // On a failure the diff shows every diagnostic and lint error, as `npm run check` prints them.
    expect({ status, output }).toEqual({
        status: 0,
        output: expect.stringMatching(
            /^check: 0 TypeScript diagnostic\(s\), 0 ESLint error\(s\), 0 unformatted file\(s\) in \d+ files\n$/,
        ),
    });
}, 300_000);
