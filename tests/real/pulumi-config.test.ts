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
import * as os from "os";
import * as path from "path";
import { commandsFor, documentedCommands, readProjectFile, type Argv } from "../../tools/pulumi-cli/commands";
import {
    CliError,
    languageHostEnv,
    mergeConfig,
    parseStackFile,
    runConfigCommand,
} from "../../tools/pulumi-cli/config";
import { LAB_STACK, PROJECT, ROOT, STACKS, type StackName } from "../../tools/harness";

const PULUMI = path.join(ROOT, ".real", "bin", "pulumi");
const PINNED = /^\s*tool github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi$/m;

interface Command {
    readonly argv: Argv;
    readonly stdin?: string;
}

/** A documented command made concrete: placeholders become markers, a `< file` its text with a newline. */
function concrete(argv: Argv, stdinFile?: string): Command {
    const value = (text: string) => text.replace(/<[^>]*>|\.\.\./g, "MARKER");
    return {
        argv: argv.map((a, i) => (i === 0 ? a : value(a))),
        stdin: stdinFile ? `TEXT-OF-${stdinFile}\n` : undefined,
    };
}

type Held = { readonly config: Record<string, unknown>; readonly secret: string[] } | { readonly error: string };

/** What a stack holds after `commands`, as the port computes it: the language host's view of the stack file. */
function port(stack: StackName, commands: readonly Command[]): Held {
    const file = parseStackFile(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"), PROJECT);
    try {
        for (const c of commands) runConfigCommand(file, PROJECT, c.argv, c.stdin);
    } catch (err) {
        if (err instanceof CliError) return { error: err.message };
        throw err;
    }
    const env = languageHostEnv(file.config);
    const config = Object.fromEntries(
        Object.entries(JSON.parse(env.PULUMI_CONFIG) as Record<string, string>).map(([k, v]) => {
            const [ns, , name] = k.split(":");
            return [`${ns}:${name}`, parsed(v)];
        }),
    );
    return { config, secret: (JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS) as string[]).sort() };
}

/** The CLI's first `error: ...` line, without the prefix. */
function firstError(output: string): string {
    return /^error: (.*)$/m.exec(output)?.[1] ?? output.trim();
}

/** Objects compare as values (the two may escape differently), text as text. */
function parsed(text: string): unknown {
    if (!/^[[{]/.test(text)) return text;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

/** What a stack holds after `commands`, as the real CLI says: a fresh stack from the committed stack file. */
function real(stack: StackName, commands: readonly Command[], preview = false): Held {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-pulumi-"));
    try {
        for (const f of ["Pulumi.yaml", `Pulumi.${stack}.yaml`]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        const env = {
            PATH: process.env.PATH ?? "",
            HOME: dir,
            PULUMI_HOME: path.join(dir, ".pulumi"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "real-tier-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        fs.mkdirSync(path.join(dir, "state"));
        const pulumi = (args: readonly string[], input?: string) =>
            spawnSync(PULUMI, [...args, "--non-interactive"], { cwd: dir, env, input, encoding: "utf8" });
        const init = pulumi(["stack", "init", stack]);
        if (init.status !== 0) throw new Error(`pulumi stack init ${stack}: ${init.stderr}`);
        for (const c of commands) {
            const run = pulumi(["config", ...c.argv], c.stdin);
            if (run.status !== 0) return { error: firstError(run.stderr) };
        }
        if (preview) {
            // The CLI validates the stack's config against Pulumi.yaml before it starts the program (and its
            // language host, which this tier does not build): a refusal is the first error it prints.
            const run = pulumi(["preview"]);
            return { error: run.status === 0 ? "" : firstError(run.stdout + run.stderr) };
        }
        const shown = pulumi(["config", "--json", "--show-secrets"]);
        if (shown.status !== 0) throw new Error(`pulumi config --json: ${shown.stderr}`);
        const json = JSON.parse(shown.stdout) as Record<string, { value: string; secret: boolean }>;
        return {
            config: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, parsed(v.value)])),
            secret: Object.entries(json)
                .filter(([, v]) => v.secret)
                .map(([k]) => k)
                .sort(),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

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

describe.each<StackName>([...STACKS, LAB_STACK])("Pulumi.%s.yaml", (stack) => {
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
