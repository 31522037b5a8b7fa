/**
 * The `pulumi config` commands an evaluation applies to a committed stack file: the test secrets, the settings a
 * test changes (as the `--path` commands a user would type), and commands given verbatim, such as the ones README
 * and each stack file's comments tell users to run.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseShell } from "shell-quote";
import { coerce, parseProjectFile, type ProjectFile } from "./config";
import { TEST_SECRETS, TEST_SETTINGS, type RunOptions } from "../harness";
import { ROOT } from "../../scripts/stack-file";
import { SECRET_LIKE_KEY } from "../../components/config/cli-rules";

export type Argv = readonly string[];

export function readProjectFile(): ProjectFile {
    return parseProjectFile(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
}

/**
 * The commands that set `value` at `key` (a `--path` key): a scalar is one `set --path` (with `--type string` when
 * the CLI would otherwise turn the text into a number or boolean), a list is `rm --path` then `set --path key[i]`
 * per item (an empty list is the `rm` alone: the setting's default), an object one command per leaf, undefined
 * `rm --path`.
 */
export function settingCommands(key: string, value: unknown): Argv[] {
    if (value === undefined || value === null) return [["rm", "--path", key]];
    if (Array.isArray(value)) {
        return [["rm", "--path", key], ...value.flatMap((item, i) => settingCommands(`${key}[${i}]`, item))];
    }
    if (typeof value === "object") return Object.entries(value).flatMap(([k, v]) => settingCommands(`${key}.${k}`, v));
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const keepString = typeof value === "string" && coerce(text) !== text;
    // A name the CLI takes for a secret's needs --plaintext, which excludes --type (components/config/cli-rules.ts).
    const plaintext = SECRET_LIKE_KEY.test(key);
    // A value starting with "-" would be read as a flag: it goes after `--`, as a user must type it.
    return [
        [
            "set",
            "--path",
            ...(plaintext ? ["--plaintext"] : keepString ? ["--type", "string"] : []),
            ...(text.startsWith("-") ? ["--"] : []),
            key,
            text,
        ],
    ];
}

/** Every command an evaluation applies, in order: secrets, settings, then the verbatim commands. */
export function commandsFor(options: Pick<RunOptions, "stack" | "secrets" | "config" | "commands">): Argv[] {
    const commands: Argv[] = [];
    for (const [name, value] of Object.entries({ ...TEST_SECRETS, ...(options.secrets ?? {}) })) {
        // null stands for undefined once options have crossed as JSON (tools/harness.ts runProgram).
        if (value !== undefined && value !== null)
            commands.push(["set", "--secret", ...(value.startsWith("-") ? ["--"] : []), name, value]);
    }
    for (const [key, value] of Object.entries({ ...(TEST_SETTINGS[options.stack] ?? {}), ...(options.config ?? {}) }))
        commands.push(...settingCommands(key, value));
    commands.push(...(options.commands ?? []));
    return commands;
}

/** A documented command: its argv after `pulumi config`, and the file it reads its value from (`< file`), if any. */
export interface DocumentedCommand {
    readonly line: string;
    readonly argv: Argv;
    readonly stdinFile?: string;
}

/**
 * Every `pulumi config set|rm ...` command line in a text (README code blocks, a stack file's `#` comments), split as a
 * shell splits it. Commands chained with && are separate commands.
 */
export function documentedCommands(text: string): DocumentedCommand[] {
    const out: DocumentedCommand[] = [];
    for (const raw of text.split("\n")) {
        const line = raw.replace(/^\s*#\s?/, "").trim();
        // A command is a line of its own; prose that mentions one (`pulumi config set --path <key> <value>`) is not.
        if (!/^pulumi config (set|rm)\b/.test(line)) continue;
        const tokens = parseShell(line);
        let current: string[] = [];
        let stdinFile: string | undefined;
        const flush = () => {
            if (current[0] === "pulumi" && current[1] === "config")
                out.push({ line, argv: current.slice(2), stdinFile });
            current = [];
            stdinFile = undefined;
        };
        for (let i = 0; i < tokens.length; i++) {
            const t = tokens[i];
            if (typeof t === "string") current.push(t);
            else if ("op" in t && t.op === "<") stdinFile = tokens[++i] as string;
            else if ("op" in t && (t.op === "&&" || t.op === ";")) flush();
            else if ("comment" in t) break;
            else if ("op" in t && t.op === "glob") current.push(t.pattern);
        }
        flush();
    }
    return out;
}
