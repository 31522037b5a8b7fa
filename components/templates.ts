/**
 * The one renderer for files that land on hosts. Templates in config-templates/ are real YAML; a placeholder is a
 * whole scalar `"{{ path.to.value }}"` and is replaced by the value at that path in the data (of any type: a number
 * stays a number, a list stays a list). `"{{ name? }}"` drops its key (or list item) when the value is undefined;
 * `"{{ ...name }}"` inside a list splices a list in. Partial interpolation ("http://{{ host }}") is refused: data in,
 * YAML out, no string building. Output keeps the template's key order, so a diff shows exactly the line that changed.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const TEMPLATE_DIR = path.join(__dirname, "..", "config-templates");

const PLACEHOLDER = /^\{\{\s*(\.\.\.)?([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)(\?)?\s*\}\}$/;
const OMIT: unique symbol = Symbol("omit");

export type TemplateData = Readonly<Record<string, unknown>>;

function lookup(data: TemplateData, dotted: string): unknown {
    let node: unknown = data;
    for (const part of dotted.split(".")) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[part];
    }
    return node;
}

interface Filled {
    readonly value: unknown;
    readonly spread?: boolean;
}

function fillNode(node: unknown, data: TemplateData, where: string): Filled | typeof OMIT {
    if (typeof node === "string") {
        const m = PLACEHOLDER.exec(node);
        if (!m) {
            if (node.includes("{{"))
                throw new Error(
                    `${where}: "${node}" mixes text and a placeholder; a placeholder must be the whole value`,
                );
            return { value: node };
        }
        const [, spread, key, optional] = m;
        const value = lookup(data, key);
        if (value === undefined) {
            if (optional) return OMIT;
            throw new Error(`${where}: no value for {{ ${key} }}`);
        }
        if (spread && !Array.isArray(value))
            throw new Error(`${where}: {{ ...${key} }} needs a list, got ${typeof value}`);
        return { value, spread: !!spread };
    }
    if (Array.isArray(node)) {
        const out: unknown[] = [];
        node.forEach((item, i) => {
            const filled = fillNode(item, data, `${where}[${i}]`);
            if (filled === OMIT) return;
            if (filled.spread) out.push(...(filled.value as unknown[]));
            else out.push(filled.value);
        });
        return { value: out };
    }
    if (node !== null && typeof node === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(node)) {
            const filled = fillNode(v, data, `${where}.${k}`);
            if (filled === OMIT) continue;
            if (filled.spread) throw new Error(`${where}.${k}: {{ ...}} only works inside a list`);
            out[k] = filled.value;
        }
        return { value: out };
    }
    return { value: node };
}

/** Fills a parsed template tree with data. Throws naming the template path of a missing value. */
export function fill(tree: unknown, data: TemplateData, where = "template"): unknown {
    const filled = fillNode(tree, data, where);
    return filled === OMIT ? undefined : filled.value;
}

/** YAML with the options every rendered file uses: no line folding, no anchors, insertion order kept. */
export function dumpYaml(value: unknown): string {
    return yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** The raw text of a file in config-templates/ (scripts, unit files). */
export function readTemplateFile(file: string): string {
    return fs.readFileSync(path.join(TEMPLATE_DIR, file), "utf8");
}

/** Renders config-templates/`file` with `data` into YAML text. */
export function renderYamlTemplate(file: string, data: TemplateData): string {
    const tree = yaml.load(readTemplateFile(file));
    return dumpYaml(fill(tree, data, file));
}
