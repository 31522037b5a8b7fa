/**
 * The one place configuration is checked. `parseSettings()` takes every project key (components/config/runtime.ts
 * `loadSettings()` reads them once from the Pulumi runtime), checks all of them (types, ranges, enums, unknown keys,
 * plaintext secrets, cross-field rules) and returns a frozen, typed settings object, or throws one error listing
 * every problem, each naming the key as the user types it in `pulumi config set` (`dataPlane.count`,
 * `access.adminCidrs[0]`, `databaseDsn`), the value (never a secret's) and the rule. It runs before any resource is
 * registered.
 */
import { z } from "zod";
import { RULES, ruleProblems, type Problem } from "./rules";
import { AREA_NAMES, configSchema, PROJECT, SECRETS, SECRET_NAMES, type AreaName, type ConfigValues } from "./schema";
import { buildSettings, type Settings } from "./settings";

/** Raised with every configuration problem found, one line each. */
export class ConfigError extends Error {
    constructor(
        public readonly problems: readonly string[],
        stack: string,
    ) {
        super(
            `${PROJECT}: stack ${stack} has ${problems.length} configuration problem${problems.length === 1 ? "" : "s"} ` +
                "(set a setting with `pulumi config set --path <key> <value>`, a secret with `pulumi config set --secret <key> <value>`):\n" +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** The project's config as the runtime holds it: key (without `api7-ha:`) -> string (objects JSON-encoded). */
export interface RawConfig {
    readonly values: Readonly<Record<string, string>>;
    /** Keys whose value the CLI decrypted from a `secure:` value (PULUMI_CONFIG_SECRET_KEYS); undefined: unknown. */
    readonly secretKeys?: ReadonlySet<string>;
    /** The AWS provider's region in the stack's config (aws:region), if set there. */
    readonly awsRegion?: string;
}

const isArea = (key: string): key is AreaName => (AREA_NAMES as string[]).includes(key);
const isSecret = (key: string): key is keyof typeof SECRETS => (SECRET_NAMES as string[]).includes(key);

/** `["access", "adminCidrs", 0]` -> `access.adminCidrs[0]`: the form `pulumi config set --path` takes. */
export function keyPath(path: readonly PropertyKey[]): string {
    return path
        .map((p, i) => {
            if (typeof p === "number") return `[${p}]`;
            // A key with a dot or bracket is written quoted, as the CLI's path syntax takes it (properties_path.go).
            if (/[.[\]"]/.test(String(p))) return `[${JSON.stringify(String(p))}]`;
            return `${i === 0 ? "" : "."}${String(p)}`;
        })
        .join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let node = root;
    for (const p of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[p];
    }
    return node;
}

/** A view of `value` that records the path of every setting read (leaves and lists; objects are walked through). */
function recording<T extends object>(value: T, reads: Set<string>, prefix = ""): T {
    return new Proxy(value, {
        get(target, key, receiver) {
            const v = Reflect.get(target, key, receiver) as unknown;
            if (typeof key !== "string") return v;
            const path = prefix ? `${prefix}.${key}` : key;
            if (v !== null && typeof v === "object" && !Array.isArray(v)) return recording(v, reads, path);
            reads.add(path);
            return v;
        },
    });
}

/**
 * Every cross-field problem, at the path of the setting to change. `invalid` names settings (as key paths) that
 * failed their own check and hold their default here: a rule that reads one is skipped, since it would judge a
 * value the user did not set.
 */
export function crossFieldProblems(
    c: ConfigValues,
    stack: string,
    invalid: ReadonlySet<string> = new Set(),
): Problem[] {
    const problems: Problem[] = [];
    for (const rule of RULES) {
        const reads = new Set<string>();
        const found = ruleProblems(rule, invalid.size > 0 ? recording(c, reads) : c, stack);
        const readsInvalid = [...reads].some((r) =>
            [...invalid].some((bad) => r === bad || r.startsWith(`${bad}.`) || bad.startsWith(`${r}.`)),
        );
        if (!readsInvalid) problems.push(...found);
    }
    return problems;
}

/** Every setting at its default: the shape an unknown key is compared with. */
const DEFAULTS = configSchema.parse({});

/** The settings of the area (or nested group) at `path`. */
function settingsOf(path: readonly PropertyKey[]): string {
    return Object.keys(valueAt(DEFAULTS, path) as object).join(", ");
}

/** Our words for a type mismatch, by the type the schema expected (booleans and enums carry their own). */
function typeMessage(expected: string): string {
    switch (expected) {
        case "number":
            return "must be a number (unquoted in the stack file; `pulumi config set --path` stores digits as a number)";
        case "array":
            return "must be a list (set items with `pulumi config set --path '<key>[0]' <value>`)";
        case "object":
            return "must be a set of settings (set one with `pulumi config set --path <key>.<setting> <value>`)";
        default:
            return `must be a ${expected}`;
    }
}

/**
 * Cross-field rules need well-typed settings. To still report every problem at once when some setting fails, the
 * rules run on a copy in which each failing setting (a whole list, when one of its items fails) takes its default,
 * and a rule that reads a failing setting is skipped (tests/config.test.ts).
 */
function crossFieldOfRepaired(
    values: Record<string, unknown>,
    issues: readonly z.core.$ZodIssue[],
    stack: string,
): string[] {
    const repaired = structuredClone(values);
    const invalid = new Set<string>();
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys" || issue.path.length === 0) continue;
        // The setting: the path up to its first list index.
        const index = issue.path.findIndex((p) => typeof p === "number");
        const setting = index < 0 ? issue.path : issue.path.slice(0, index);
        invalid.add(keyPath(setting));
        const parent = valueAt(repaired, setting.slice(0, -1));
        if (parent !== null && typeof parent === "object")
            delete (parent as Record<PropertyKey, unknown>)[setting[setting.length - 1]];
    }
    for (const issue of issues) {
        if (issue.code !== "unrecognized_keys") continue;
        const parent = valueAt(repaired, issue.path);
        if (parent !== null && typeof parent === "object")
            for (const k of issue.keys) delete (parent as Record<string, unknown>)[k];
    }
    const fixed = configSchema.safeParse(repaired);
    return fixed.success ? crossField(fixed.data, stack, invalid) : [];
}

/** The cross-field problems as lines, each with the setting's effective value (its default when unset). */
function crossField(c: ConfigValues, stack: string, invalid: ReadonlySet<string> = new Set()): string[] {
    return crossFieldProblems(c, stack, invalid).map(({ path, message }) => {
        if (path.length === 0) return `stack ${stack}: ${message}`;
        const value = valueAt(c, path);
        return `${keyPath(path)}${value === undefined ? "" : ` = ${isSecret(String(path[0])) ? "[secret]" : JSON.stringify(value)}`}: ${message}`;
    });
}

/**
 * Checks raw config and builds the settings. Throws ConfigError listing every problem.
 */
export function parseSettings(raw: RawConfig, stack: string, project: string = PROJECT): Settings {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const report = (key: string, value: unknown, secret: boolean, message: string) =>
        problems.push(
            value === undefined
                ? `${key}: ${message}`
                : `${key} = ${secret ? "[secret]" : JSON.stringify(value)}: ${message}`,
        );

    for (const [key, text] of Object.entries(raw.values)) {
        if (isArea(key)) {
            if (raw.secretKeys?.has(key)) {
                report(
                    key,
                    undefined,
                    true,
                    `holds a secret (a value set with --path and --secret), which makes all of ${key} secret and hides it in every diff; ` +
                        `secrets are keys of their own (${SECRET_NAMES.join(", ")}): remove it with \`pulumi ` +
                        `config rm --path ${key}.<setting>\``,
                );
                continue;
            }
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                parsed = text;
            }
            values[key] = parsed;
        } else if (isSecret(key)) {
            if (raw.secretKeys && !raw.secretKeys.has(key)) {
                report(
                    key,
                    undefined,
                    true,
                    `is stored in plain text in the stack file; set it with \`pulumi config set --secret ${key} <value>\``,
                );
            }
            values[key] = text;
        } else if (/[.[]/.test(key) && isArea(key.split(/[.[]/)[0])) {
            // A secret there (an older layout kept secrets under areas) is never echoed, and has a key of its own.
            const last =
                key
                    .split(/[.[\]]/)
                    .filter(Boolean)
                    .pop() ?? "";
            const secretName = SECRET_NAMES.find(
                (n) => n === last || last === `${n.charAt(0).toLowerCase()}${n.slice(1)}`,
            );
            report(
                key,
                text,
                raw.secretKeys?.has(key) ?? true,
                `was set without --path, so the CLI stored a separate key named "${key}" that this program does not read; ` +
                    (secretName
                        ? `secrets are keys of their own: run \`pulumi config rm ${key}\` and \`pulumi config ` +
                          `set --secret ${secretName} <value>\``
                        : `run \`pulumi config rm ${key}\` and \`pulumi config set --path ${key} <value>\``),
            );
        } else {
            report(
                key,
                undefined,
                false,
                `is not a key this program reads (settings: ${AREA_NAMES.join(", ")}; secrets: ` +
                    `${SECRET_NAMES.join(", ")}); check its spelling`,
            );
        }
    }

    const result = configSchema.safeParse(values, {
        error: (issue) => (issue.code === "invalid_type" ? typeMessage(issue.expected) : undefined),
    });
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const unknown of issue.keys) {
                    report(
                        keyPath([...issue.path, unknown]),
                        undefined,
                        false,
                        `is not a setting this program reads; check its spelling (${keyPath(issue.path)} has: ${settingsOf(issue.path)})`,
                    );
                }
            } else {
                report(
                    keyPath(issue.path),
                    valueAt(values, issue.path),
                    isSecret(String(issue.path[0])),
                    issue.message,
                );
            }
        }
        problems.push(...crossFieldOfRepaired(values, result.error.issues, stack));
        throw new ConfigError(problems, stack);
    }
    problems.push(...crossField(result.data, stack));
    // With the region in the stack's config (aws:region), before any resource; otherwise at deploy time, from the
    // region the provider reports (components/aws/stack.ts).
    const topicProblem =
        raw.awsRegion && result.data.alarms.topicArn
            ? topicRegionProblem(result.data.alarms.topicArn, raw.awsRegion)
            : undefined;
    if (topicProblem) problems.push(topicProblem);
    if (problems.length > 0) throw new ConfigError(problems, stack);
    return buildSettings(result.data, project, stack);
}

/**
 * Why alarms.topicArn cannot notify this stack's alarms, or undefined: CloudWatch alarm actions name an SNS topic in
 * the alarm's own region (CloudWatch user guide, "Using Amazon CloudWatch alarms": actions in the same Region).
 */
export function topicRegionProblem(topicArn: string, region: string): string | undefined {
    const topicRegion = topicArn.split(":")[3];
    return topicRegion === region
        ? undefined
        : `alarms.topicArn = "${topicArn}": is in ${topicRegion}, not in the stack's region ${region}; an alarm ` +
              "notifies a topic in its own region";
}
