/**
 * config-schema/run-spec.schema.json: the JSON Schema of the run spec (components/aws/run-spec.ts) the host scripts
 * read, which `npm run docs` (scripts/config-docs.ts) writes. Committed so a change of that contract shows in review
 * next to the scripts that read it; tests/run-spec.test.ts fails while it is stale.
 */
import * as path from "path";
import { runSpecJsonSchema } from "../components/aws/run-spec";

export const RUN_SPEC_SCHEMA = path.join(__dirname, "..", "config-schema", "run-spec.schema.json");

/** The file's content. */
export function runSpecSchemaText(): string {
    return JSON.stringify(runSpecJsonSchema(), null, 2) + "\n";
}
