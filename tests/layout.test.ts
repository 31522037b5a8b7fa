/**
 * The repository's shape: modules small enough to review, imports that point one way (the program, its scripts and
 * its tools never depend on the test suite), and resource URNs that stay put so an existing stack sees no
 * replacement when the code around it is reorganised.
 */
import * as fs from "fs";
import * as path from "path";
import { LAB_STACK, ROOT, runProgram, STACKS, V2_STACK, type RunOptions, type StackName } from "../tools/harness";

const MAX_LINES = 400;

/** Every file under `dir` (relative to the repository root), skipping dependencies and build output. */
function walk(dir: string): string[] {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) return ["node_modules", "bin", ".git"].includes(entry.name) ? [] : walk(rel);
        return [rel];
    });
}

test(`no source file under components/ or scripts/ is over ${MAX_LINES} lines`, () => {
    const files = [...walk("components"), ...walk("scripts")].filter((f) => /\.(ts|js|sh)$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    const long = files
        .map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8").split("\n").length - 1] as const)
        .filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
});

test("a LICENSE file with the license package.json names (Apache-2.0: its terms, as apache.org publishes them)", () => {
    const license = fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8");
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).license).toBe("Apache-2.0");
    expect(
        license
            .trimStart()
            .split("\n")
            .slice(0, 2)
            .map((l) => l.trim()),
    ).toEqual(["Apache License", "Version 2.0, January 2004"]);
    expect(license.trimEnd().endsWith("END OF TERMS AND CONDITIONS")).toBe(true);
});

test("nothing outside tests/ imports from tests/", () => {
    const sources = [
        "index.ts",
        ...walk("components"),
        ...walk("scripts"),
        ...walk("tools"),
        ...walk("bench"),
        ...walk("policy"),
    ].filter((f) => /\.(ts|js|mjs)$/.test(f));
    expect(sources).toContain(path.join("tools", "harness.ts"));
    const specifier = /(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g;
    const offending = sources.flatMap((file) =>
        [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(specifier)]
            .map((m) => m[1])
            .filter((spec) => spec.startsWith("."))
            .filter(
                (spec) =>
                    path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec)).split(path.sep)[0] === "tests",
            )
            .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
});

/** Every URN recorded in tests/fixtures/urns/<fixture>.txt is still one the program registers with `options`. */
async function expectUrnsKept(fixture: string, options: RunOptions): Promise<void> {
    const before = fs
        .readFileSync(path.join(ROOT, "tests", "fixtures", "urns", `${fixture}.txt`), "utf8")
        .split("\n")
        .filter(Boolean);
    expect(before.length).toBeGreaterThan(10);
    const now = new Set((await runProgram(options)).resources.map((r) => r.urn));
    expect(before.filter((urn) => !now.has(urn))).toEqual([]);
}

/**
 * tests/fixtures/urns/<stack>.txt holds every URN the committed stack had before the program's modules were split
 * into the files they are in now. A URN that disappears means `pulumi up` deletes that resource and creates another:
 * a component that must change its type, name or parent needs `aliases`
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/), and the fixture stays as it is.
 */
describe.each<StackName>([...STACKS, LAB_STACK, V2_STACK])("%s", (stack) => {
    test("every URN the stack had is still there", () => expectUrnsKept(stack, { stack }));
});

/**
 * The same for children only some settings create (a brought VPC, an external database, a dedicated Prometheus
 * group, the gateways' CPU scaling policy, ECR endpoints, TLS listeners, the registry password and mTLS secrets,
 * the lab's Prometheus): tests/fixtures/urns/variants.json holds each variant's evaluation options (config values
 * of null are removed, as `pulumi config rm --path` does), and tests/fixtures/urns/<variant>.txt the URNs the
 * code before the split gave it, recorded with that code's harness and the same options.
 */
const VARIANTS = JSON.parse(
    fs.readFileSync(path.join(ROOT, "tests", "fixtures", "urns", "variants.json"), "utf8"),
) as Record<string, RunOptions>;

describe.each(Object.entries(VARIANTS))("%s", (variant, options) => {
    test("every URN the variant had is still there", () => expectUrnsKept(variant, options));
});
