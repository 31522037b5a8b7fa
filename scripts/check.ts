/**
 * `npm run check` (and the first test of `npm test`, tests/check.test.ts): the TypeScript compiler's diagnostics
 * (what `tsc --noEmit` reports) and ESLint's findings, from ONE type-checked program. typescript-eslint's type-aware
 * rules accept ready-made programs (`parserOptions.programs`, https://typescript-eslint.io/packages/parser#programs):
 * built once here, the program serves both, instead of tsc and ESLint each building and checking the whole project
 * (about 20 s less CPU, measured on two cores). Then Prettier's check (.prettierrc.json) on the files ESLint read.
 * Exit status 1 on any finding of the three.
 */
import * as path from "path";
import * as fs from "fs";
import ts from "typescript";
import { ESLint } from "eslint";
import * as prettier from "prettier";

const ROOT = path.resolve(__dirname, "..");

async function main(): Promise<number> {
    const parsed = ts.getParsedCommandLineOfConfigFile(
        path.join(ROOT, "tsconfig.json"),
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
                throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            },
        },
    );
    if (!parsed) throw new Error("tsconfig.json could not be read");
    const options = { ...parsed.options, noEmit: true };
    const host = ts.createCompilerHost(options);
    // As `tsc` itself parses: JSDoc in .ts/.d.ts files only where it can change a type error (@see, @link), not the
    // documentation comments that fill @pulumi/aws's 700,000 lines of declarations (typescript 5.9
    // lib/_tsc.js: defaultJSDocParsingMode = ParseForTypeErrors, set on every host tsc makes). Same diagnostics as
    // `tsc --noEmit`; 7 CPU-s less (measured on a 2-core machine). No rule in eslint.config.mjs reads JSDoc.
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const program = ts.createProgram({
        rootNames: parsed.fileNames,
        options,
        projectReferences: parsed.projectReferences,
        host,
    });
    const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
    const formatHost: ts.FormatDiagnosticsHost = {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => "\n",
    };
    if (diagnostics.length > 0) process.stdout.write(ts.formatDiagnostics(diagnostics, formatHost));

    // eslint.config.mjs keeps its own settings; only where the types come from changes (a file outside this program
    // makes typescript-eslint fail loudly rather than lint without types).
    const eslint = new ESLint({
        cwd: ROOT,
        overrideConfig: [
            { files: ["**/*.ts"], languageOptions: { parserOptions: { projectService: false, programs: [program] } } },
        ],
    });
    const results = await eslint.lintFiles(["."]);
    const text = await (await eslint.loadFormatter("stylish")).format(results);
    if (text) process.stdout.write(text);
    const lintErrors = results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0);

    // Prettier's layout (.prettierrc.json) on the same files ESLint read: `npm run format` rewrites them.
    const unformatted: string[] = [];
    for (const { filePath } of results) {
        const options = await prettier.resolveConfig(filePath);
        if (!(await prettier.check(fs.readFileSync(filePath, "utf8"), { ...options, filepath: filePath }))) {
            unformatted.push(path.relative(ROOT, filePath));
        }
    }
    for (const file of unformatted) console.log(`${file}: not laid out as Prettier lays it out (npm run format)`);
    console.log(
        `check: ${diagnostics.length} TypeScript diagnostic(s), ${lintErrors} ESLint error(s), ` +
            `${unformatted.length} unformatted file(s) in ${results.length} files`,
    );
    return diagnostics.length > 0 || lintErrors > 0 || unformatted.length > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
