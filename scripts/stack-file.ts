import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const ROOT = path.join(__dirname, "..");

/**
 * Reads Pulumi.<stack>.yaml into the form the program receives: "ns:key" -> string, lists and maps as JSON. For the
 * report (npm run report) and the opt-in cloud test, which need no secrets; evaluations in tests and synth
 * configure through tools/pulumi-cli/, which also merges Pulumi.yaml and decrypts secrets as the CLI does.
 */
export function readStackConfig(stack: string): Record<string, string> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
    };
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {}))
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    return out;
}
