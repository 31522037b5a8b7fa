/**
 * The real Pulumi CLI and the port the mock-runtime harness applies configuration with (tools/pulumi-cli/), side by
 * side, for the real tier's tests (tests/real/pulumi-config*.test.ts). The CLI is built from its Go module at the
 * version tools/real/go.mod pins (scripts/real-tools.sh); each stack lives on a local file backend with a passphrase
 * secrets provider, in a directory of its own. `pulumi config --json --show-secrets` says what a stack holds; the
 * port must hold the same, key by key, value and secret-ness, and fail where the CLI fails, in its words.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type Argv } from "../../tools/pulumi-cli/commands";
import { CliError, languageHostEnv, parseStackFile, runConfigCommand } from "../../tools/pulumi-cli/config";
import { PROJECT, ROOT, type StackName } from "../../tools/harness";

export const PULUMI = path.join(ROOT, ".real", "bin", "pulumi");
export const PINNED = /^\s*tool github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi$/m;

export interface Command {
    readonly argv: Argv;
    readonly stdin?: string;
}

/** A documented command made concrete: placeholders become markers, a `< file` its text with a newline. */
export function concrete(argv: Argv, stdinFile?: string): Command {
    const value = (text: string) => text.replace(/<[^>]*>|\.\.\./g, "MARKER");
    return {
        argv: argv.map((a, i) => (i === 0 ? a : value(a))),
        stdin: stdinFile ? `TEXT-OF-${stdinFile}\n` : undefined,
    };
}

export type Held = { readonly config: Record<string, unknown>; readonly secret: string[] } | { readonly error: string };

/** What a stack holds after `commands`, as the port computes it: the language host's view of the stack file. */
export function port(stack: StackName, commands: readonly Command[]): Held {
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

/** The real CLI in `dir` (a project directory with its own file backend, home and passphrase). */
function cli(dir: string) {
    const env = {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        PULUMI_HOME: path.join(dir, ".pulumi"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "real-tier-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    return (args: readonly string[], input?: string) =>
        spawnSync(PULUMI, ["--non-interactive", ...args], { cwd: dir, env, input, encoding: "utf8" });
}

/** A fresh stack from the committed stack file, in a directory of its own. */
export function initStack(stack: StackName): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-pulumi-"));
    for (const f of ["Pulumi.yaml", `Pulumi.${stack}.yaml`]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.mkdirSync(path.join(dir, "state"));
    const init = cli(dir)(["stack", "init", stack]);
    if (init.status !== 0) throw new Error(`pulumi stack init ${stack}: ${init.stderr}`);
    return dir;
}

/**
 * What the stack in `dir` holds after `commands`, as the real CLI says (`pulumi config --json --show-secrets`), or
 * the first command's refusal; with `preview`, what `pulumi preview` refuses before the program runs.
 */
export function apply(dir: string, stack: StackName, commands: readonly Command[], preview = false): Held {
    const pulumi = cli(dir);
    for (const c of commands) {
        // The stack named: a copied directory has none selected (the selection is kept under PULUMI_HOME by path).
        const run = pulumi(["config", "--stack", stack, ...c.argv], c.stdin);
        if (run.status !== 0) return { error: firstError(run.stderr) };
    }
    if (preview) {
        // The CLI validates the stack's config against Pulumi.yaml before it starts the program (and its
        // language host, which this tier does not build): a refusal is the first error it prints.
        const run = pulumi(["preview", "--stack", stack]);
        return { error: run.status === 0 ? "" : firstError(run.stdout + run.stderr) };
    }
    const shown = pulumi(["config", "--stack", stack, "--json", "--show-secrets"]);
    if (shown.status !== 0) throw new Error(`pulumi config --json: ${shown.stderr}`);
    const json = JSON.parse(shown.stdout) as Record<string, { value: string; secret: boolean }>;
    return {
        config: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, parsed(v.value)])),
        secret: Object.entries(json)
            .filter(([, v]) => v.secret)
            .map(([k]) => k)
            .sort(),
    };
}

/** What a fresh stack holds after `commands`, as the real CLI says. */
export function real(stack: StackName, commands: readonly Command[], preview = false): Held {
    const dir = initStack(stack);
    try {
        return apply(dir, stack, commands, preview);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
