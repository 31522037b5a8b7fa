/**
 * `npx tsx scripts/run-spec-schema.ts`: writes config-schema/run-spec.schema.json, the JSON Schema of the run spec
 * (components/aws/run-spec.ts) the host scripts read. Committed so a change of that contract shows in review next
 * to the scripts that read it; tests/run-spec.test.ts fails while it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { runSpecJsonSchema } from "../components/aws/run-spec";

export const RUN_SPEC_SCHEMA = path.join(__dirname, "..", "config-schema", "run-spec.schema.json");

/** The file's content. */
export function runSpecSchemaText(): string {
    return JSON.stringify(runSpecJsonSchema(), null, 2) + "\n";
}

if (require.main === module) {
    const current = fs.existsSync(RUN_SPEC_SCHEMA) ? fs.readFileSync(RUN_SPEC_SCHEMA, "utf8") : "";
    if (current === runSpecSchemaText()) {
        console.log("run spec schema is up to date");
    } else {
        fs.writeFileSync(RUN_SPEC_SCHEMA, runSpecSchemaText());
        console.log(`run spec schema written: ${path.relative(process.cwd(), RUN_SPEC_SCHEMA)}`);
    }
}
