/**
 * What the provider answers for aws.iam.getPolicyDocument, for the mock runtime (tools/evaluate.ts): the provider
 * builds this JSON from the statements, so the mock must too, or tests see nothing. Apart from the evaluator so that
 * its own tests load no SDK.
 */
export function policyDocumentJson(inputs: Record<string, any>): string {
    const statements = (inputs.statements ?? []).map((s: any) => {
        const out: Record<string, unknown> = {};
        if (s.sid) out.Sid = s.sid;
        out.Effect = s.effect ?? "Allow";
        if (s.actions) out.Action = one(s.actions);
        if (s.notActions) out.NotAction = one(s.notActions);
        if (s.resources) out.Resource = one(s.resources);
        if (s.notResources) out.NotResource = one(s.notResources);
        if (s.principals) {
            const p: Record<string, unknown> = {};
            for (const pr of s.principals) p[pr.type] = one(pr.identifiers);
            out.Principal = s.principals.length === 1 && s.principals[0].type === "*" ? "*" : p;
        }
        if (s.conditions) {
            const c: Record<string, Record<string, unknown>> = {};
            for (const cond of s.conditions) (c[cond.test] ??= {})[cond.variable] = one(cond.values);
            out.Condition = c;
        }
        return out;
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function one(values: unknown[]): unknown {
    return values.length === 1 ? values[0] : values;
}
