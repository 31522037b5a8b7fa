/**
 * A port of what the Pulumi CLI does with configuration, so that every evaluation in the suite configures the
 * program exactly as `pulumi config set` and `pulumi up` would: how `config set`/`config rm` write a stack file
 * (with and without --path and --secret), how `pulumi up` merges Pulumi.yaml's declarations into the stack config
 * and validates it, and how the Node language host hands the result to the program (PULUMI_CONFIG,
 * PULUMI_CONFIG_SECRET_KEYS).
 *
 * Source: pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8 (v3.259.0+14), cited below as `@1b59498`.
 * Only the paths this project can reach are ported (no ESC environments, no --type float, no remote config).
 * tests/pulumi-cli.test.ts proves the port on the vectors of Pulumi's own tests, and the real tier
 * (tests/real/pulumi-config*.test.ts) holds it to the real CLI, built from its Go module, on every command README and
 * the stack files give and on every configuration the suite evaluates (tests/config-cases.ts). It is kept, rather than
 * the CLI run by npm test, because npm test is Node-only and makes hundreds of evaluations: the CLI would cost about
 * 0.2 s of a process per command.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import { SECRET_LIKE_KEY } from "../../components/config/cli-rules";

// ---------------------------------------------------------------------------------------------------------------
// Keys and property paths

/** `ns:name`. sdk/go/common/resource/config/key.go:45-70 @1b59498 (ParseKey; the legacy `ns:config:name` too). */
export function parseKey(text: string): { ns: string; name: string } {
    const parts = text.split(":");
    if (parts.length === 2) return { ns: parts[0], name: parts[1] };
    if (parts.length === 3 && parts[1] === "config") return { ns: parts[0], name: parts[2] };
    throw new CliError(
        `could not parse ${text} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
    );
}

/**
 * The key of a `pulumi config set/rm` argument: `<project>:` is prefixed when the key (with --path: its first path
 * segment) has no namespace. pkg/cmd/pulumi/config/io.go:388-418 @1b59498 (parseConfigKey).
 */
export function cliKey(project: string, text: string, path: boolean): string {
    const head = path ? text.split(/[.[]/)[0] : text;
    return head.includes(":") ? text : `${project}:${text}`;
}

export type PathSegment = string | number;

/** sdk/go/common/resource/properties_path.go:68-152 @1b59498 (parsePropertyPath, strict). */
export function parsePropertyPath(path: string): PathSegment[] {
    const out: PathSegment[] = [];
    if (path.startsWith(".")) throw new CliError("expected property path to start with a name or index");
    let rest = path;
    while (rest.length > 0) {
        if (rest[0] === ".") {
            rest = rest.slice(1);
            if (rest.length === 0) throw new CliError("expected property path to end with a name or index");
            if (rest[0] === "[") throw new CliError("expected property name after '.'");
        } else if (rest[0] === "[") {
            if (rest[1] === '"') {
                let key = "";
                let i = 2;
                for (;;) {
                    if (i >= rest.length) throw new CliError("missing closing quote in property name");
                    if (rest[i] === '"') {
                        i++;
                        break;
                    }
                    if (rest[i] === "\\" && rest[i + 1] === '"') {
                        key += '"';
                        i += 2;
                    } else key += rest[i++];
                }
                if (rest[i] !== "]") throw new CliError("missing closing bracket in property access");
                out.push(key);
                rest = rest.slice(i + 1);
            } else {
                const close = rest.indexOf("]");
                if (close < 0) throw new CliError("missing closing bracket in array index");
                const segment = rest.slice(1, close);
                if (!/^[+-]?\d+$/.test(segment))
                    throw new CliError(`invalid array index: strconv.ParseInt: parsing "${segment}": invalid syntax`);
                out.push(Number(segment));
                rest = rest.slice(close + 1);
            }
        } else {
            const end = rest.search(/[.[]/);
            out.push(end < 0 ? rest : rest.slice(0, end));
            rest = end < 0 ? "" : rest.slice(end);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Values: sdk/go/common/resource/config/value.go:36-41 @1b59498 ({value, secure, object, typ})

/** A ciphertext leaf inside an object value (written `{secure: <ciphertext>}`, object.go:530-550). */
export class SecureLeaf {
    constructor(public readonly ciphertext: string) {}
}

export type ObjectNode = null | boolean | number | string | SecureLeaf | ObjectNode[] | { [k: string]: ObjectNode };

export interface ConfigValue {
    /** Plain text, ciphertext (secure scalar), or the object node (object). */
    readonly text?: string;
    readonly node?: ObjectNode;
    readonly secure: boolean;
    readonly object: boolean;
    /** `config set --type`: only how the value is written to YAML. */
    readonly typ?: "string" | "int" | "bool";
}

const plain = (text: string, typ?: ConfigValue["typ"]): ConfigValue => ({ text, secure: false, object: false, typ });
const secureScalar = (ciphertext: string): ConfigValue => ({ text: ciphertext, secure: true, object: false });
function objectValue(node: ObjectNode): ConfigValue {
    return { node, secure: hasSecureLeaf(node), object: true };
}

function hasSecureLeaf(node: ObjectNode): boolean {
    if (node instanceof SecureLeaf) return true;
    if (Array.isArray(node)) return node.some(hasSecureLeaf);
    if (node !== null && typeof node === "object") return Object.values(node).some(hasSecureLeaf);
    return false;
}

/**
 * A path leaf's coercion: "true"/"false" to booleans, base-10 integers without a leading 0 to numbers, everything
 * else (floats included) stays a string. object.go:560-591 @1b59498 (coerce), applied by value.go coerceObject.
 */
export function coerce(text: string): ObjectNode {
    if (text === "true") return true;
    if (text === "false") return false;
    if (text.length > 1 && text[0] === "0") return text;
    if (/^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
    return text;
}

/** Go's strconv.ParseBool, which `--type bool` uses (value.go NewTypedValue). */
function parseBool(text: string): boolean {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
    throw new CliError(`strconv.ParseBool: parsing "${text}": invalid syntax`);
}

function asNode(v: ConfigValue): ObjectNode {
    if (v.object) return v.node!;
    if (v.secure) return new SecureLeaf(v.text!);
    if (v.typ === "int") return Number(v.text);
    if (v.typ === "bool") return parseBool(v.text!);
    if (v.typ === "string") return v.text!;
    return coerce(v.text!);
}

// ---------------------------------------------------------------------------------------------------------------
// The config map: sdk/go/common/resource/config/map.go @1b59498

export class ConfigMap {
    readonly entries = new Map<string, ConfigValue>();

    /** map.go:149-182 (Get). A path that does not resolve is "not found", never an error. */
    get(key: string, path: boolean): { value?: ConfigValue; found: boolean } {
        if (!path) return { value: this.entries.get(key), found: this.entries.has(key) };
        const { segments, rootKey } = keyPath(key);
        const root = this.entries.get(rootKey);
        if (segments.length === 1) return { value: root, found: root !== undefined };
        let node: ObjectNode | undefined = root === undefined ? undefined : asNodeForRead(root);
        for (const seg of segments.slice(1)) {
            if (Array.isArray(node) && typeof seg === "number" && seg >= 0 && seg < node.length) node = node[seg];
            else if (
                node !== null &&
                typeof node === "object" &&
                !Array.isArray(node) &&
                !(node instanceof SecureLeaf) &&
                typeof seg === "string" &&
                Object.hasOwn(node, seg)
            )
                node = node[seg];
            else return { found: false };
        }
        return { value: nodeToValue(node!), found: true };
    }

    /** map.go:225-270 (Set) with object.go:280-350 (object.Set). */
    set(key: string, value: ConfigValue, path: boolean): void {
        if (!path) {
            this.entries.set(key, value);
            return;
        }
        const { segments, rootKey } = keyPath(key);
        if (segments.length === 1) {
            this.entries.set(rootKey, value);
            return;
        }
        const leaf = asNode(value);
        const existing = this.entries.get(rootKey);
        const root: { v: ObjectNode } = {
            v: existing === undefined ? newContainer(segments[1]) : structuredCloneNode(asNodeForRead(existing)),
        };
        setIn(root, [segments[0]], segments.slice(1), leaf);
        this.entries.set(rootKey, objectValue(root.v));
    }

    /**
     * map.go:184-223 (Remove) with object.go:210-265 (Delete): a missing key, a path that does not resolve, or an index
     * out of range is not an error; removing a map's next-to-last key when the last is `secure` is.
     */
    remove(key: string, path: boolean): void {
        if (!path) {
            this.entries.delete(key);
            return;
        }
        const { segments, rootKey } = keyPath(key);
        const root = this.entries.get(rootKey);
        if (segments.length === 1) {
            this.entries.delete(rootKey);
            return;
        }
        if (root === undefined || !root.object) return;
        const node = structuredCloneNode(root.node!);
        let parent: ObjectNode = node;
        for (const seg of segments.slice(1, -1)) {
            const next: ObjectNode | undefined = Array.isArray(parent)
                ? typeof seg === "number"
                    ? parent[seg]
                    : undefined
                : typeof seg === "string" && Object.hasOwn(parent as object, seg)
                  ? (parent as Record<string, ObjectNode>)[seg]
                  : undefined;
            if (next === undefined || next === null || typeof next !== "object") return;
            parent = next;
        }
        const last = segments[segments.length - 1];
        if (Array.isArray(parent)) {
            if (typeof last === "number" && last >= 0 && last < parent.length) parent.splice(last, 1);
        } else if (
            parent !== null &&
            typeof parent === "object" &&
            !(parent instanceof SecureLeaf) &&
            typeof last === "string"
        ) {
            const map = parent as Record<string, ObjectNode>;
            const rest = Object.keys(map).filter((k) => k !== last);
            if (
                Object.hasOwn(map, last) &&
                rest.length === 1 &&
                rest[0] === "secure" &&
                typeof map.secure === "string"
            ) {
                throw new CliError(`${fmtPath(segments)}: maps with the single key "secure" are reserved`);
            }
            delete map[last];
        }
        this.entries.set(rootKey, objectValue(node));
    }

    /** Top-level keys whose value is secure, objects with a secure leaf included. map.go:105-113 (SecureKeys). */
    secureKeys(): string[] {
        return [...this.entries]
            .filter(([, v]) => v.secure)
            .map(([k]) => k)
            .sort();
    }
}

function keyPath(key: string): { segments: PathSegment[]; rootKey: string } {
    const { ns, name } = parseKey(key);
    let segments: PathSegment[];
    try {
        segments = parsePropertyPath(name);
    } catch (err) {
        throw new CliError(`invalid config key path: ${(err as Error).message}`);
    }
    if (segments.length === 0) throw new CliError("empty config key path");
    if (typeof segments[0] !== "string") throw new CliError("first path segement of config key must be a string");
    if (segments[0] === "") throw new CliError("config key is empty");
    return { segments, rootKey: `${ns}:${segments[0]}` };
}

/** A scalar root read through a path is its text (value.go unmarshalObject). */
function asNodeForRead(v: ConfigValue): ObjectNode {
    if (v.object) return v.node!;
    if (v.secure) return new SecureLeaf(v.text!);
    return v.text!;
}

function nodeToValue(node: ObjectNode): ConfigValue {
    if (node instanceof SecureLeaf) return secureScalar(node.ciphertext);
    if (node !== null && typeof node === "object") return objectValue(node);
    // A scalar leaf comes back as its text (object.MarshalString, map.go:177).
    return plain(node === null ? "" : String(node));
}

function newContainer(seg: PathSegment): ObjectNode {
    return typeof seg === "number" ? new Array<ObjectNode>(seg + 1).fill(null) : {};
}

function structuredCloneNode(node: ObjectNode): ObjectNode {
    if (node instanceof SecureLeaf) return node;
    if (Array.isArray(node)) return node.map(structuredCloneNode);
    if (node !== null && typeof node === "object")
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, structuredCloneNode(v)]));
    return node;
}

const fmtPath = (prefix: PathSegment[]) =>
    prefix.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

/** object.go:280-350 (Set): creates containers as needed; replaces a scalar only at the first level (COMPAT). */
function setIn(holder: { v: ObjectNode }, prefix: PathSegment[], path: PathSegment[], leaf: ObjectNode): void {
    if (path.length === 0) {
        holder.v = leaf;
        return;
    }
    const seg = path[0];
    const isContainer = holder.v !== null && typeof holder.v === "object" && !(holder.v instanceof SecureLeaf);
    if (!isContainer) {
        if (holder.v === null || holder.v === undefined || prefix.length === 1) holder.v = newContainer(seg);
        else throw new CliError(`${fmtPath(prefix)}: expected ${typeof seg === "number" ? "an array" : "a map"}`);
    }
    const here = [...prefix, seg];
    if (Array.isArray(holder.v)) {
        if (typeof seg !== "number") throw new CliError(`${fmtPath(here)}: key for an array must be an int`);
        if (seg < 0 || seg > holder.v.length) throw new CliError(`${fmtPath(here)}: array index out of range`);
        if (seg === holder.v.length) holder.v.push(null);
        const child = { v: holder.v[seg] };
        setIn(child, here, path.slice(1), leaf);
        holder.v[seg] = child.v;
        return;
    }
    const map = holder.v as Record<string, ObjectNode>;
    if (typeof seg !== "string") throw new CliError(`${fmtPath(here)}: key for a map must be a string`);
    if (path.length === 1 && Object.keys(map).length === 0 && seg === "secure" && typeof leaf === "string") {
        throw new CliError('maps with the single key "secure" are reserved');
    }
    const child = { v: Object.hasOwn(map, seg) ? map[seg] : null };
    setIn(child, here, path.slice(1), leaf);
    map[seg] = child.v;
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets: the tests' crypter is base64, as in Pulumi's own tests (config.Base64Crypter)

export const encrypt = (text: string): string => Buffer.from(text, "utf8").toString("base64");
export const decrypt = (ciphertext: string): string => Buffer.from(ciphertext, "base64").toString("utf8");

// ---------------------------------------------------------------------------------------------------------------
// Stack files (Pulumi.<stack>.yaml)

export interface StackFile {
    /** Everything but `config:` (encryptionsalt, ...), kept as read. */
    readonly other: Record<string, unknown>;
    readonly config: ConfigMap;
}

function fromYaml(node: unknown): ObjectNode {
    if (Array.isArray(node)) return node.map(fromYaml);
    if (node !== null && typeof node === "object") {
        const entries = Object.entries(node);
        if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string")
            return new SecureLeaf(entries[0][1]);
        return Object.fromEntries(entries.map(([k, v]) => [k, fromYaml(v)]));
    }
    return node as ObjectNode;
}

function toYaml(node: ObjectNode): unknown {
    if (node instanceof SecureLeaf) return { secure: node.ciphertext };
    if (Array.isArray(node)) return node.map(toYaml);
    if (node !== null && typeof node === "object")
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toYaml(v)]));
    return node;
}

/**
 * Reads a stack file as yaml.v3 does for Pulumi: a scalar becomes its text (20 -> "20", true -> "true"), a map
 * with the single key `secure` is a ciphertext, anything else is an object value. Keys without a namespace get
 * the project's (sdk/go/common/workspace/loaders.go:61-89 @1b59498). object.go:530-550 for `secure:`.
 */
export function parseStackFile(text: string, project: string): StackFile {
    const doc = (yaml.load(text) ?? {}) as Record<string, unknown>;
    const { config = {}, ...other } = doc as { config?: Record<string, unknown> };
    const map = new ConfigMap();
    for (const [rawKey, node] of Object.entries(config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        parseKey(key);
        const n = fromYaml(node);
        if (n instanceof SecureLeaf) map.set(key, secureScalar(n.ciphertext), false);
        else if (n !== null && typeof n === "object") map.set(key, objectValue(n), false);
        else map.set(key, plain(n === null ? "" : String(n)), false);
    }
    return { other, config: map };
}

export function readStackFile(file: string, project: string): StackFile {
    return parseStackFile(fs.readFileSync(file, "utf8"), project);
}

/** The stack file as `pulumi config set` saves it (untyped scalars as strings). */
export function renderStackFile(stack: StackFile): string {
    const config: Record<string, unknown> = {};
    for (const [key, v] of stack.config.entries) {
        if (v.object) config[key] = toYaml(v.node!);
        else if (v.secure) config[key] = { secure: v.text };
        else config[key] = v.typ === "int" ? Number(v.text) : v.typ === "bool" ? parseBool(v.text!) : v.text;
    }
    return yaml.dump({ ...stack.other, config }, { lineWidth: -1, noRefs: true });
}

// ---------------------------------------------------------------------------------------------------------------
// `pulumi config set` / `pulumi config rm` (pkg/cmd/pulumi/config/config.go @1b59498)

export class CliError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CliError";
    }
}

/**
 * Runs one `pulumi config <set|rm> ...` command (argv after `pulumi config`) against the stack file, as the CLI
 * does (config.go:799-906, Run of configSetCmd; :1380-1428, configRmCmd): the value is the second argument, or the
 * given stdin with one trailing newline removed; --secret encrypts; otherwise --type types it; then
 * `Map.Set(key, value, --path)`.
 */
export { SECRET_LIKE_KEY };

export function runConfigCommand(stack: StackFile, project: string, argv: readonly string[], stdin?: string): void {
    const [verb, ...rest] = argv;
    const flags = new Set<string>();
    const positional: string[] = [];
    let type: string | undefined;
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (a === "--") {
            positional.push(...rest.slice(i + 1));
            break;
        }
        if (a === "--type") type = rest[++i];
        else if (a.startsWith("--type=")) type = a.slice(7);
        else if (a === "-s" || a === "--stack") i++;
        else if (a.startsWith("--")) {
            if (!["--path", "--secret", "--plaintext", "--raw"].includes(a)) throw new CliError(`unknown flag: ${a}`);
            flags.add(a);
        } else if (a.startsWith("-") && a.length > 1) {
            // cobra reads any other argument starting with "-" as shorthand flags: a negative value needs `--` first.
            throw new CliError(`unknown shorthand flag: '${a[1]}' in ${a}`);
        } else positional.push(a);
    }
    const path = flags.has("--path");
    if (verb === "rm") {
        if (positional.length !== 1) throw new CliError(`accepts 1 arg(s), received ${positional.length}`);
        stack.config.remove(keyOrError(project, positional[0], path), path);
        return;
    }
    if (verb !== "set") throw new CliError(`unsupported config command ${verb}`);
    if (positional.length < 1 || positional.length > 2)
        throw new CliError(`accepts between 1 and 2 arg(s), received ${positional.length}`);
    if ([flags.has("--secret"), flags.has("--plaintext"), type !== undefined].filter(Boolean).length > 1) {
        throw new CliError("if any flags in the group [secret plaintext type] are set none of the others can be");
    }
    const key = keyOrError(project, positional[0], path);
    let text: string;
    if (positional.length === 2) text = positional[1];
    else if (stdin !== undefined) text = flags.has("--raw") ? stdin : stdin.replace(/\r?\n$/, "");
    else throw new CliError("config value must be specified in non-interactive mode");
    // The CLI refuses a plaintext value it takes for a secret: a key whose name matches SECRET_LIKE_KEY and a value
    // whose first 16 characters zxcvbn rates at 80 bits of entropy or more, or 40 with 3 per character, unless
    // --plaintext (config.go:1432-1460, looksLikeSecret; :879-884 @1b594989). The entropy estimate is not ported: the
    // port refuses every such value, the worst case (an ARN is refused by the real CLI, tests/real/ shows).
    if (!flags.has("--secret") && !flags.has("--plaintext") && SECRET_LIKE_KEY.test(parseKey(key).name)) {
        throw new CliError(
            `config value for '${key}' looks like a secret; rerun with --secret to encrypt it, or --plaintext if you ` +
                "meant to store in plaintext",
        );
    }
    let value: ConfigValue;
    if (flags.has("--secret")) value = secureScalar(encrypt(text));
    else if (type === undefined) value = plain(text);
    else if (type === "string" || type === "int" || type === "bool") value = plain(text, type);
    else throw new CliError(`invalid type "${type}"; must be one of string, int, bool, or float`);
    try {
        stack.config.set(key, value, path);
    } catch (err) {
        throw new CliError(`could not set config: ${(err as Error).message}`);
    }
}

function keyOrError(project: string, text: string, path: boolean): string {
    try {
        const key = cliKey(project, text, path);
        parseKey(key);
        return key;
    } catch (err) {
        throw new CliError(`invalid configuration key: ${(err as Error).message}`);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Pulumi.yaml `config:` and the merge `pulumi up` does (pkg/workspace/config.go @1b59498)

export interface ConfigDeclaration {
    readonly type?: "string" | "integer" | "boolean" | "array" | "object";
    readonly items?: ConfigDeclaration;
    readonly description?: string;
    readonly secret?: boolean;
    readonly default?: unknown;
    readonly value?: unknown;
}

export interface ProjectFile {
    readonly name: string;
    readonly config: Readonly<Record<string, ConfigDeclaration>>;
}

const isPrimitive = (v: unknown) =>
    typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

/**
 * Reads Pulumi.yaml's `config:` block: shorthand values become `default` (project keys) or `value` (other
 * namespaces), sdk/go/common/workspace/project.go:486-517 (RewriteShorthandConfigValues); then the checks of
 * Project.Validate, project.go:837-889.
 */
export function parseProjectFile(text: string): ProjectFile {
    const doc = yaml.load(text) as { name: string; config?: Record<string, unknown> };
    const config: Record<string, ConfigDeclaration> = {};
    for (const [key, raw] of Object.entries(doc.config ?? {})) {
        const ours = !key.includes(":") || key.startsWith(`${doc.name}:`);
        const decl: ConfigDeclaration =
            isPrimitive(raw) || Array.isArray(raw)
                ? ours
                    ? { default: raw }
                    : { value: raw }
                : (raw as ConfigDeclaration);
        if (decl.default !== undefined && decl.value !== undefined)
            throw new CliError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (decl.type === "array" && !decl.items) {
            throw new CliError(
                `The configuration key '${key}' declares an array but does not specify the underlying type via ` +
                    `the 'items' attribute`,
            );
        }
        if (ours && decl.type && decl.default !== undefined && !validateConfigValue(decl, decl.default)) {
            throw new CliError(
                `The default value specified for configuration key '${key}' is not of the expected type '${typeName(decl)}'`,
            );
        }
        if (!ours) {
            if (decl.type)
                throw new CliError(
                    `Configuration key '${key}' is not namespaced by the project and should not define a type`,
                );
            if (decl.default !== undefined) {
                throw new CliError(
                    `Configuration key '${key}' is not namespaced by the project and should not define a default ` +
                        `value. Did you mean to use the 'value' attribute instead of 'default'?`,
                );
            }
            if (decl.value === undefined)
                throw new CliError(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
        config[key] = decl;
    }
    return { name: doc.name, config };
}

/** sdk/go/common/workspace/project.go:771-831 @1b59498 (ValidateConfigValue). */
function validateConfigValue(decl: ConfigDeclaration, value: unknown): boolean {
    switch (decl.type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            return typeof value === "string" && /^[+-]?\d+$/.test(value);
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        case "array":
            return Array.isArray(value) && !!decl.items && value.every((v) => validateConfigValue(decl.items!, v));
        default:
            return false;
    }
}

/** project.go:760-766 (InferFullTypeName): `array<string>`. */
function typeName(decl: ConfigDeclaration): string {
    return decl.type === "array" ? `array<${typeName(decl.items!)}>` : decl.type!;
}

/** config.go:179-193 @1b59498 (createConfigValue): primitives as untyped text, the rest as a JSON object value. */
function createConfigValue(raw: unknown): ConfigValue {
    if (isPrimitive(raw)) return plain(String(raw));
    return objectValue(fromYaml(raw));
}

/** config.go:30-64 @1b59498: "Stack 'dev' is missing configuration values 'a', 'b' and 'c'". */
function missingKeysError(keys: string[], stack: string): CliError {
    const sorted = keys.length === 1 ? keys : [...keys].sort();
    const list =
        sorted.length === 1
            ? `'${sorted[0]}'`
            : sorted
                  .map((k, i) =>
                      i === sorted.length - 1 ? `and '${k}'` : i === sorted.length - 2 ? `'${k}' ` : `'${k}', `,
                  )
                  .join("");
    return new CliError(`Stack '${stack}' is missing configuration ${keys.length > 1 ? "values" : "value"} ${list}`);
}

/**
 * `pulumi up`'s merge and validation, config.go:255-366 (mergeConfig) and :66-157 (validateStackConfigValues):
 * each declared key, in sorted order, is looked up in the stack **as a property path**; a missing key with a
 * default (or value) gets it set, again through the path; a missing key without one is reported (all of them
 * together, before any other check); then each explicitly typed declaration is checked: a `secret` one must be
 * secure (the injected plaintext default included, pulumi/pulumi#21865), and its value must be of its type. The
 * first failing key stops the check. `pulumi up` prefixes "validating stack config: "
 * (pkg/cmd/pulumi/operations/up.go:206-217).
 */
export function mergeConfig(project: ProjectFile, stack: StackFile, stackName: string): ConfigMap {
    const map = stack.config;
    const keys = Object.keys(project.config).sort();
    const missing: string[] = [];
    const fullKey = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
    for (const declared of keys) {
        const decl = project.config[declared];
        const key = fullKey(declared);
        const { found } = map.get(key, true);
        const hasDefault = decl.default !== undefined;
        const hasValue = decl.value !== undefined;
        if (!found && !hasValue && !hasDefault && parseKey(key).ns === project.name) {
            missing.push(declared);
            continue;
        }
        if (!found) map.set(key, createConfigValue(hasDefault ? decl.default : decl.value), true);
    }
    if (missing.length > 0)
        throw new CliError(`validating stack config: ${missingKeysError(missing, stackName).message}`);
    for (const declared of keys) {
        const decl = project.config[declared];
        if (!decl.type) continue;
        const { value } = map.get(fullKey(declared), true);
        if (value === undefined) continue;
        if (decl.secret && !value.secure) {
            throw new CliError(
                `validating stack config: Stack '${stackName}' with configuration key '${declared}' must be ` +
                    `encrypted as it's secret`,
            );
        }
        const content = value.object ? JSON.parse(decryptedText(value)) : decryptedText(value);
        if (!validateConfigValue(decl, content)) {
            throw new CliError(
                `validating stack config: Stack '${stackName}' with configuration key '${declared}' must be of ` +
                    `type '${typeName(decl)}'`,
            );
        }
    }
    return map;
}

// ---------------------------------------------------------------------------------------------------------------
// What the Node program receives

function decryptNode(node: ObjectNode): unknown {
    if (node instanceof SecureLeaf) return decrypt(node.ciphertext);
    if (Array.isArray(node)) return node.map(decryptNode);
    if (node !== null && typeof node === "object") {
        // Go's encoding/json writes map keys sorted.
        return Object.fromEntries(
            Object.keys(node)
                .sort()
                .map((k) => [k, decryptNode(node[k])]),
        );
    }
    return node;
}

/** Go's json.Marshal escapes <, > and & (HTML-safe); JSON.parse reads them back the same. */
const goJson = (value: unknown) =>
    JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/** map.go:31-69 (Decrypt) via plaintext.go:256-268 (marshalText): strings raw, objects compact sorted JSON. */
function decryptedText(v: ConfigValue): string {
    if (v.object) return goJson(decryptNode(v.node!));
    return v.secure ? decrypt(v.text!) : v.text!;
}

/**
 * The environment the Node language host gives the program: PULUMI_CONFIG is a JSON object of `ns:config:name` ->
 * string (sdk/nodejs/cmd/pulumi-language-nodejs/main.go:1120-1145 @1b59498, constructConfig), built from the
 * engine's decrypted map (pkg/resource/deploy/source_eval.go:218-225); PULUMI_CONFIG_SECRET_KEYS is a JSON array
 * of the secure keys (main.go:1149-1160).
 */
export function languageHostEnv(map: ConfigMap): { PULUMI_CONFIG: string; PULUMI_CONFIG_SECRET_KEYS: string } {
    const config: Record<string, string> = {};
    // json.Marshal of a Go map writes its keys sorted.
    for (const [key, v] of [...map.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const { ns, name } = parseKey(key);
        config[`${ns}:config:${name}`] = decryptedText(v);
    }
    const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { PULUMI_CONFIG: goJson(sorted), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(map.secureKeys()) };
}
