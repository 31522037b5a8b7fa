/**
 * The real Pulumi CLI against the port the mock-runtime harness applies configuration with (tools/pulumi-cli/): the
 * CLI is built from its Go module at the version tools/real/go.mod pins (scripts/real-tools.sh, `npm run test:real`),
 * and runs every `pulumi config set|rm` command README and the stack files' headers give, plus the commands the
 * suite applies to every evaluation, on a fresh stack on a local file backend with a passphrase secrets provider.
 * `pulumi config --json --show-secrets` then says what the stack holds; the port must hold the same, key by key,
 * value and secret-ness, and fail where the CLI fails.
 *
 * Values in angle brackets or "..." (placeholders in the documentation) become a marker: the CLI stores text
 * without reading it, so any text serves to compare the two.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { commandsFor, documentedCommands, readProjectFile } from "../../tools/pulumi-cli/commands";
import { CliError, mergeConfig, parseStackFile, runConfigCommand } from "../../tools/pulumi-cli/config";
import { LAB_STACK, PROJECT, ROOT, STACKS, V2_STACK, type StackName } from "../../tools/harness";
import { concrete, PINNED, port, PULUMI, real, type Command } from "./pulumi";

test("the CLI is the one tools/real/go.mod pins", () => {
    const goMod = fs.readFileSync(path.join(ROOT, "tools", "real", "go.mod"), "utf8");
    expect(goMod).toMatch(PINNED);
    const pinned = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 (v\S+)/m.exec(goMod)?.[1];
    const version = spawnSync(PULUMI, ["version"], { encoding: "utf8" });
    expect(version.error).toBeUndefined();
    expect(version.stdout.trim()).toBe(pinned);
    console.log(`real Pulumi CLI: ${version.stdout.trim()}`);
});

const header = (stack: string) =>
    fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8").split("\nconfig:")[0];

describe.each<StackName>([...STACKS, LAB_STACK, V2_STACK])("Pulumi.%s.yaml", (stack) => {
    test("its header's commands, then the suite's secrets and settings: the port holds what the CLI holds", () => {
        const commands = [
            ...documentedCommands(header(stack)).map((c) => concrete(c.argv, c.stdinFile)),
            ...commandsFor({ stack }).map((argv) => ({ argv })),
        ];
        expect(commands.length).toBeGreaterThan(1);
        const held = real(stack, commands);
        expect("error" in held ? held.error : "").toBe("");
        expect(port(stack, commands)).toEqual(held);
    });
});

test("README's commands, in order on prod: the CLI accepts every one, and the port holds what it holds", () => {
    const commands = documentedCommands(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).map((c) =>
        concrete(c.argv, c.stdinFile),
    );
    expect(commands.length).toBeGreaterThan(15);
    const held = real("prod", commands);
    const ported = port("prod", commands);
    // Every one of them is accepted: none is left unrun behind a refused one.
    expect("error" in held ? held.error : "").toBe("");
    expect(ported).toEqual(held);
    console.log(`README: ${commands.length} pulumi config commands run through the real CLI`);
});

describe("what the CLI refuses before the program runs: the port refuses it in the same words", () => {
    const secrets: Command[] = [
        { argv: ["set", "--secret", "license"], stdin: "LICENSE\n" },
        { argv: ["set", "--secret", "adminPassword", "a-password-of-16"] },
    ];
    test.each<[string, Command[]]>([
        ["prod without its license and admin password", []],
        ["the license in plain text", [{ argv: ["set", "--plaintext", "license", "LICENSE"] }, secrets[1]]],
        [
            "a setting under a value that is not an object",
            [
                ...secrets,
                { argv: ["set", "--path", "dataPlane.count", "3"] },
                { argv: ["set", "--path", "dataPlane.count.max", "3"] },
            ],
        ],
    ])("%s", (_what, commands) => {
        const held = real("prod", commands, true);
        expect("error" in held && held.error).toMatch(/\S/);
        const file = parseStackFile(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"), PROJECT);
        let ported = "";
        try {
            for (const c of commands) runConfigCommand(file, PROJECT, c.argv, c.stdin);
            mergeConfig(readProjectFile(), file, "prod");
        } catch (err) {
            if (!(err instanceof CliError)) throw err;
            ported = err.message;
        }
        expect(ported).toBe("error" in held ? held.error : "");
    });
});
