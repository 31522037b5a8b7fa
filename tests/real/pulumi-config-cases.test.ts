/**
 * Every configuration the suite evaluates prod with (tests/config-cases.ts: the bad ones, the good edge ones, and
 * what the CLI itself refuses), as the `pulumi config` commands the harness applies (tools/pulumi-cli/commands.ts
 * commandsFor), run through the real Pulumi CLI: the port must hold what the CLI holds, or refuse in its words. A
 * file of its own so that the real tier's two workers share the work.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandsFor } from "../../tools/pulumi-cli/commands";
import { BAD_CASES, CLI_CASES, GOOD_CASES, INTERPLAY_CASES, type Change } from "../config-cases";
import { apply, initStack, port, type Command } from "./pulumi";

describe("every configuration the suite evaluates prod with (tests/config-cases.ts): the port holds what the CLI holds", () => {
    const cases: [string, Change][] = [
        ...BAD_CASES.map(([what, change]): [string, Change] => [what, change]),
        ...INTERPLAY_CASES.map(([what, change]): [string, Change] => [what, change]),
        ...GOOD_CASES,
        ...Object.entries(CLI_CASES),
    ];
    // Two stacks made once and copied per case (the file backend keeps a stack in its directory, the passphrase's
    // salt in the stack file): a fresh one, and one with the commands every case starts with already run.
    const base = commandsFor({ stack: "prod" }).map((argv) => ({ argv }));
    let fresh = "";
    let prepared = "";
    beforeAll(() => {
        fresh = initStack("prod");
        prepared = initStack("prod");
        const held = apply(prepared, "prod", base);
        if ("error" in held) throw new Error(`the suite's own settings: ${held.error}`);
    });
    afterAll(() => {
        for (const d of [fresh, prepared]) if (d) fs.rmSync(d, { recursive: true, force: true });
        console.log(`${cases.length} configurations of the suite run through the real CLI`);
    });

    test.each(cases)("%s", (_what, change) => {
        const commands = commandsFor({ stack: "prod", ...change }).map((argv) => ({ argv }));
        const same = (c: Command, i: number) => JSON.stringify(c.argv) === JSON.stringify(commands[i]?.argv);
        const reuse = base.every(same);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-pulumi-"));
        try {
            fs.cpSync(reuse ? prepared : fresh, dir, { recursive: true });
            const held = apply(dir, "prod", reuse ? commands.slice(base.length) : commands);
            expect(port("prod", commands)).toEqual(held);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
