/**
 * `npm run synth -- <stack>`: an offline manifest of what the stack deploys, for review in the pull request itself.
 * Evaluates index.ts under the mock runtime (tools/harness.ts) with the committed stack file and writes
 * manifests/<stack>/:
 *   resources.yaml   every resource: type, name, parent type, inputs (sorted; secrets as [secret])
 *   outputs.yaml     the stack outputs
 *   hosts/<group>/user-data.yaml, ssm/<parameter path>   every file that lands on a host, as it will read there
 * Values AWS assigns at deploy time appear as placeholders such as <api7-dp-lb-nlb.dnsName>. tests/manifest.test.ts
 * fails when a committed manifest is stale.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as zlib from "zlib";
import { AWS_STACKS, ProgramError, ROOT, runProgram, type Recorded, type RunResult } from "../tools/harness";

export const MANIFEST_DIR = path.join(ROOT, "manifests");
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const PARAMETER = "aws:ssm/parameter:Parameter";

type Replacer = (text: string) => string;

/** Replaces every mock-computed value with its placeholder, longest first (so 10.99.3.12 goes before 10.99.3.1). */
function replacerFor(run: RunResult): Replacer {
    const pairs = [...run.computed].filter(([v]) => v.length > 0).sort((a, b) => b[0].length - a[0].length);
    return (text) =>
        pairs.reduce((t, [value, placeholder]) => (t.includes(value) ? t.split(value).join(placeholder) : t), text);
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

function mapStrings(value: unknown, fn: Replacer): unknown {
    if (typeof value === "string") return fn(value);
    if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
    return value;
}

/** Replaces the value at a dotted/indexed path ("a.b[0].c") with [secret] (in a copy of the inputs). */
function redact(target: Record<string, unknown>, secretPath: string): void {
    const parts = secretPath.match(/[^.[\]]+/g) ?? [];
    let node: unknown = target;
    for (const part of parts.slice(0, -1)) {
        if (node === null || typeof node !== "object") return;
        node = (node as Record<string, unknown>)[part];
    }
    const last = parts[parts.length - 1];
    if (node !== null && typeof node === "object" && last !== undefined && last in node)
        (node as Record<string, unknown>)[last] = "[secret]";
}

/** Host group of a launch template: its name without the trailing "-template". */
function groupOf(template: Recorded): string {
    return template.name.replace(/-template$/, "");
}

const dump = (value: unknown) => yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });

/** The manifest of a stack (with optional config overrides, for tests): relative path -> content. */
export async function synthesize(stack: string, config?: Record<string, unknown>): Promise<Map<string, string>> {
    const run = await runProgram({ stack: stack as (typeof AWS_STACKS)[number], config });
    const replace = replacerFor(run);
    const files = new Map<string, string>();

    const entries = [...run.resources]
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)))
        .map((r) => {
            const inputs = JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>;
            for (const p of r.secretInputs) redact(inputs, p);
            if (r.type === LAUNCH_TEMPLATE && typeof inputs.userData === "string") {
                // As cloud-init reads it: base64, then gzip (components/aws/fleet.ts launchTemplateUserData).
                const file = `hosts/${groupOf(r)}/user-data.yaml`;
                files.set(file, replace(zlib.gunzipSync(Buffer.from(inputs.userData, "base64")).toString("utf8")));
                inputs.userData = `[file: ${file}]`;
            }
            if (r.type === PARAMETER && typeof inputs.insecureValue === "string") {
                const file = `ssm${String(inputs.name)}`;
                files.set(
                    file,
                    replace(inputs.insecureValue.endsWith("\n") ? inputs.insecureValue : `${inputs.insecureValue}\n`),
                );
                inputs.insecureValue = `[file: ${file}]`;
            }
            // Policy documents as structure, not one-line JSON, so a diff shows the statement that changed.
            for (const key of ["policy", "assumeRolePolicy"]) {
                const doc = inputs[key];
                if (typeof doc === "string" && doc.startsWith("{")) inputs[key] = JSON.parse(doc) as unknown;
            }
            return {
                type: r.type,
                name: r.name,
                parent: r.parentType || undefined,
                inputs: sortKeys(mapStrings(inputs, replace)),
            };
        });

    const header = [
        `# Generated by \`npm run synth -- ${stack}\` from Pulumi.${stack}.yaml under Pulumi's mock runtime. Do ` +
            `not edit.`,
        "# <name.attribute> stands for a value AWS assigns at deploy time; [secret] for a secret value.",
        "",
    ].join("\n");
    files.set("resources.yaml", header + dump({ resources: entries }));

    const outputs = Object.fromEntries(
        Object.keys(run.outputs)
            .sort()
            .map((k) => [k, run.secretOutputs.has(k) ? "[secret]" : mapStrings(run.outputs[k], replace)]),
    );
    files.set("outputs.yaml", header + dump(sortKeys(outputs)));
    return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The files currently committed for a stack. */
export function readManifest(stack: string): Map<string, string> {
    const dir = path.join(MANIFEST_DIR, stack);
    const files = new Map<string, string>();
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const child = rel ? `${rel}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(child);
            else files.set(child, fs.readFileSync(path.join(dir, child), "utf8"));
        }
    };
    if (fs.existsSync(dir)) walk("");
    return files;
}

export function writeManifest(stack: string, files: Map<string, string>): void {
    const dir = path.join(MANIFEST_DIR, stack);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [rel, content] of files) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
}

/** A stack synth cannot evaluate: no stack file, or one the program (or the CLI's config check) refuses. */
export class SynthError extends Error {
    constructor(
        message: string,
        public readonly code: number,
    ) {
        super(message);
    }
}

/**
 * How `npm run synth` ends on an error it expects (sysexits.h, as `npm run report`): 66 EX_NOINPUT for a stack with no
 * stack file, 65 EX_DATAERR for a stack the program refuses (the problems, each named by its config key, as `pulumi
 * up` prints them). Anything else is a bug and keeps its stack trace.
 */
export function synthFailure(err: unknown): { readonly code: number; readonly message: string } | undefined {
    if (err instanceof SynthError) return { code: err.code, message: `npm run synth: ${err.message}` };
    if (err instanceof ProgramError) return { code: 65, message: `npm run synth: ${err.message}` };
    return undefined;
}

async function main(): Promise<void> {
    const requested = process.argv.slice(2);
    const stacks = requested.length > 0 ? requested : [...AWS_STACKS];
    for (const stack of stacks) {
        if (!fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)))
            throw new SynthError(`no stack "${stack}": there is no Pulumi.${stack}.yaml`, 66);
        const files = await synthesize(stack);
        writeManifest(stack, files);
        console.log(`manifests/${stack}: ${files.size} files`);
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        const failure = synthFailure(err);
        console.error(failure ? failure.message : err);
        process.exit(failure ? failure.code : 1);
    });
}
