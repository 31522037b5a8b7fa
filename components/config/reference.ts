/**
 * What is derived from the schema for people and editors: the JSON Schema of a stack file
 * (`config-schema/stack.schema.json`, referenced by the `# yaml-language-server: $schema=...` line at the top of
 * each Pulumi.<stack>.yaml) and README's configuration reference. Both come from zod's JSON Schema output of
 * components/config/schema.ts, so neither can drift from what the program validates (`npm run docs` writes them;
 * tests fail when a committed copy is stale).
 */
import { SECRET_LIKE_KEY } from "./cli-rules";
import { z } from "zod";
import { AREAS, AREA_NAMES, PROJECT, SECRETS, SECRET_NAMES } from "./schema";

type JsonSchema = {
    type?: string;
    description?: string;
    default?: unknown;
    enum?: unknown[];
    properties?: Record<string, JsonSchema>;
    items?: JsonSchema;
    anyOf?: JsonSchema[];
    [k: string]: unknown;
};

/** One area's JSON Schema (input side: every setting optional, with its default). */
export function areaJsonSchema(area: (typeof AREA_NAMES)[number]): JsonSchema {
    const schema = z.toJSONSchema(AREAS[area], { io: "input", unrepresentable: "any" }) as JsonSchema;
    delete schema.$schema;
    return schema;
}

/** A stack file's `secure:` value: what `pulumi config set --secret` writes (ciphertext only the CLI decrypts). */
const SECURE_VALUE: JsonSchema = {
    type: "object",
    properties: { secure: { type: "string", description: "Ciphertext written by `pulumi config set --secret`." } },
    required: ["secure"],
    additionalProperties: false,
};

/** JSON Schema of Pulumi.<stack>.yaml: this project's keys checked, other namespaces (aws:, pulumi:) left open. */
export function stackFileJsonSchema(): JsonSchema {
    const known = [...AREA_NAMES, ...SECRET_NAMES];
    const config: Record<string, JsonSchema> = {};
    for (const area of AREA_NAMES) config[`${PROJECT}:${area}`] = areaJsonSchema(area);
    for (const name of SECRET_NAMES) {
        config[`${PROJECT}:${name}`] = {
            ...SECURE_VALUE,
            description: `Secret: set with \`pulumi config set --secret ${name} <value>\`. ${SECRETS[name].description}`,
        };
    }
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://github.com/api7-ha/api7-ha/config-schema/stack.schema.json",
        title: `${PROJECT} stack file (Pulumi.<stack>.yaml)`,
        description: "Generated from components/config/schema.ts by `npm run docs`; do not edit.",
        type: "object",
        properties: {
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: {},
            config: {
                type: "object",
                properties: config,
                // Any other key of this project is a typo (or a dotted key set without --path).
                patternProperties: { [`^${PROJECT}:(?!(${known.join("|")})$)`]: false },
                additionalProperties: true,
            },
        },
        additionalProperties: false,
    };
}

export interface ReferenceRow {
    /** As typed in `pulumi config set --path` (or `--secret`). */
    readonly key: string;
    readonly type: string;
    readonly default: string;
    readonly secret: boolean;
    readonly description: string;
}

function typeOf(s: JsonSchema): string {
    if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
    if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "string"}`;
    if (s.type === "integer" && typeof s.minimum === "number" && typeof s.maximum === "number" && s.maximum < 1e9) {
        return `integer ${s.minimum}–${s.maximum}`;
    }
    return s.type ?? (s.anyOf ? "string" : "any");
}

function defaultOf(value: unknown): string {
    if (value === "") return '`""`';
    return "`" + (typeof value === "string" ? value : JSON.stringify(value)) + "`";
}

/** Every setting and secret, in schema order: README's reference. */
export function referenceRows(): ReferenceRow[] {
    const rows: ReferenceRow[] = [];
    const walk = (prefix: string, s: JsonSchema) => {
        for (const [name, child] of Object.entries(s.properties ?? {})) {
            const key = `${prefix}.${name}`;
            if (child.type === "object" && child.properties) walk(key, child);
            else
                rows.push({
                    key,
                    type: typeOf(child),
                    default: defaultOf(child.default),
                    secret: false,
                    description: child.description ?? "",
                });
        }
    };
    for (const area of AREA_NAMES) walk(area, areaJsonSchema(area));
    for (const name of SECRET_NAMES) {
        const s = SECRETS[name];
        rows.push({
            key: name,
            type: "string",
            default: s.required ? "**required**" : "(unset)",
            secret: true,
            description: s.description,
        });
    }
    return rows;
}

/** The reference as a markdown table. */
export function referenceMarkdown(rows: readonly ReferenceRow[] = referenceRows()): string {
    const cell = (text: string) => text.replace(/\|(?![^`]*`)/g, "\\|").replace(/\n/g, " ");
    return [
        "| Key | Type | Default | Set with | Description |",
        "|---|---|---|---|---|",
        ...rows.map(
            (r) =>
                `| \`${r.key}\` | ${r.type} | ${r.default} | ${r.secret ? "`--secret`" : SECRET_LIKE_KEY.test(r.key) ? "`--path --plaintext`" : "`--path`"} | ${cell(r.description)} |`,
        ),
    ].join("\n");
}
