import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const ROOT = path.join(__dirname, "..");

/** Reads Pulumi.<stack>.yaml into the runtime's flat form: "ns:key" -> string (JSON for lists and maps). */
export function readStackConfig(stack: string): Record<string, string> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) out[key] = typeof value === "string" ? value : JSON.stringify(value);
    return out;
}
