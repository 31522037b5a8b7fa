/**
 * The run specs a program evaluation stores, and the committed JSON Schema they are held to
 * (config-schema/run-spec.schema.json, generated from components/aws/run-spec.ts), compiled by ajv as any JSON
 * Schema 2020-12 validator would read it.
 */
import * as fs from "fs";
import Ajv2020 from "ajv/dist/2020";
import { RUN_SPEC_SCHEMA } from "../scripts/run-spec-schema";
import type { RunResult } from "../tools/harness";
import { T } from "./helpers";

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(
    JSON.parse(fs.readFileSync(RUN_SPEC_SCHEMA, "utf8")) as object,
);

/** Where the committed schema finds `spec` wrong ("<instance path> <message>"), or [] when it holds. */
export function runSpecErrors(spec: unknown): string[] {
    return validate(spec) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Every run spec (a host group's `<prefix>/<service>.json` parameter) of an evaluation, parsed. */
export function runSpecsOf(run: RunResult): { name: string; spec: any }[] {
    return run
        .ofType(T.parameter)
        .filter((p) => p.parentType === "api7-ha:ha:HostGroup" && p.name.endsWith("-spec"))
        .map((p) => ({ name: p.inputs.name as string, spec: JSON.parse(p.inputs.insecureValue) }));
}
