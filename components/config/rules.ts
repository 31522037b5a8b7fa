/**
 * Rules between settings (one setting's valid values depending on another's). Each rule has an id and a check that
 * reports each problem at the path of the setting to change, so the message names the key as the user types it in
 * `pulumi config set`; tests/config-rules.test.ts runs each rule alone.
 */
import type { ConfigValues } from "./schema";
import { INFRA_RULES } from "./rules/infra";
import { DEPLOY_RULES } from "./rules/deploy";
import { PLANES_RULES } from "./rules/planes";
import { GENERATION_RULES } from "./rules/generation";

export type Path = (string | number)[];
export interface Problem {
    readonly path: Path;
    readonly message: string;
}

/** A named rule between settings. `check` calls `problem` once per setting to change. */
export interface Rule {
    readonly id: string;
    readonly check: (c: ConfigValues, stack: string, problem: (path: Path, message: string) => void) => void;
}

/** The rules between settings, each on its own so that it can be skipped when a setting it reads is invalid. */
export const RULES: readonly Rule[] = [...INFRA_RULES, ...DEPLOY_RULES, ...PLANES_RULES, ...GENERATION_RULES];

/** The problems one rule finds in `c` (the rule alone, no other rule run). */
export function ruleProblems(rule: Rule, c: ConfigValues, stack: string): Problem[] {
    const found: Problem[] = [];
    rule.check(c, stack, (path, message) => found.push({ path, message }));
    return found;
}
