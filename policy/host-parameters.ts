/**
 * `iam-host-parameters-own-path`: a host role may read no SSM parameter outside its group's path, with every AWS
 * managed policy attached to it expanded from the copy kept in policy/aws-managed-policies/ (AWS's published
 * document, with its version and source). The roles carry their path in a tag (HOST_PARAMETER_PATH_TAG).
 *
 * The decision is made by the small evaluator below rather than by an IAM simulator: the one the tests use
 * (@cloud-copilot/iam-simulate) is AGPL-3.0, which a pack users run must not bring in. It covers what the rule needs
 * (Action/NotAction, Resource/NotResource with IAM's `*` and `?` wildcards, explicit deny over allow: IAM user guide,
 * policy evaluation logic and policy elements) and takes the worst case for conditions: an Allow with a condition
 * counts as allowing, a Deny with a condition as not denying. tests/iam-simulation.test.ts holds its answers to the
 * simulator's for every committed stack and for crafted roles.
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

/** The tag a host role names its parameter path with (components/aws/parameter-access.ts PARAMETER_PATH_TAG). */
export const HOST_PARAMETER_PATH_TAG = "api7-ha:parameter-path";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

export interface Statement {
    readonly Effect?: string;
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: string | string[];
    readonly NotResource?: string | string[];
    readonly Condition?: unknown;
}

export interface ManagedPolicy {
    readonly arn: string;
    readonly version: string;
    readonly source: string;
    readonly document: { readonly Statement: Statement | Statement[] };
}

/** The AWS managed policies the pack can expand, by ARN (aws partition). */
export function managedPolicies(): ReadonlyMap<string, ManagedPolicy> {
    const dir = path.join(__dirname, "aws-managed-policies");
    const all = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ManagedPolicy);
    return new Map(all.map((p) => [p.arn, p]));
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

/** IAM's wildcard match: `*` any run of characters, `?` one; actions without regard to case. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, ignoreCase ? "i" : "").test(value);
}

function matches(s: Statement, action: string, resource: string): boolean {
    const actionMatch =
        s.NotAction !== undefined
            ? !list(s.NotAction).some((a) => wildcard(a, action, true))
            : list(s.Action).some((a) => wildcard(a, action, true));
    const resourceMatch =
        s.NotResource !== undefined
            ? !list(s.NotResource).some((r) => wildcard(r, resource, false))
            : list(s.Resource).some((r) => wildcard(r, resource, false));
    return actionMatch && resourceMatch;
}

/** Whether identity policies allow `action` on `resource` (worst case for conditions: see the header). */
export function identityAllows(statements: readonly Statement[], action: string, resource: string): boolean {
    const denied = statements.some(
        (s) => s.Effect === "Deny" && s.Condition === undefined && matches(s, action, resource),
    );
    const allowed = statements.some((s) => s.Effect === "Allow" && matches(s, action, resource));
    return allowed && !denied;
}

function statementsOf(policy: unknown): Statement[] | undefined {
    if (typeof policy !== "string") return undefined;
    const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    return [doc.Statement ?? []].flat();
}

/**
 * What a role must not read: another host group's path, a sibling of its own (a pattern missing its slash would
 * reach it), another application's, and the whole store. Each as a parameter (GetParameter, GetParameters,
 * GetParameterHistory) and as a path (GetParametersByPath "authorizes against the path in the request": Systems
 * Manager user guide, ps-retrieval-authorization).
 */
function probes(own: string, others: readonly string[]): [action: string, name: string][] {
    const paths = [...others, `${own}-policy-probe`, "/policy-probe-other-application"];
    return [
        ...paths.flatMap((p) =>
            ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory"].map((a): [string, string] => [
                a,
                `${p}/secrets/policy-probe`,
            ]),
        ),
        ...[...paths, "/"].map((p): [string, string] => ["ssm:GetParametersByPath", p]),
    ];
}

/**
 * Every statement a role's identity policies hold, its AWS managed policies expanded; undefined while any is unknown
 * during a preview (skip rather than guess). A managed policy the pack has no copy of is reported.
 */
function hostRoleStatements(
    args: StackValidationArgs,
    role: PolicyResource,
    managed: ReadonlyMap<string, ManagedPolicy>,
    report: (message: string) => void,
): Statement[] | undefined {
    const ofRole = (type: string) => args.resources.filter((r) => r.type === type && r.props.role === role.props.name);
    const inline = ofRole(ROLE_POLICY).map((p) => statementsOf(p.props.policy));
    const attached = ofRole(ATTACHMENT).map((a) => String(a.props.policyArn));
    if (typeof role.props.name !== "string" || inline.some((s) => s === undefined) || attached.includes("undefined"))
        return undefined;
    const statements: Statement[] = inline.flatMap((s) => s!);
    for (const arn of attached) {
        const policy = managed.get(arn.replace(/^arn:aws[a-z-]*:/, "arn:aws:"));
        if (!policy) {
            report(
                `its managed policy ${arn} has no copy in policy/aws-managed-policies/, so what it allows cannot be ` +
                    "checked",
            );
            continue;
        }
        statements.push(...[policy.document.Statement].flat());
    }
    return statements;
}

/** The roles tagged with `tag` (a host role's parameter path or log group), and the tag's value on each. */
function taggedRoles(args: StackValidationArgs, tag: string): [PolicyResource, string][] {
    return args.resources
        .filter(
            (r) => r.type === ROLE && typeof (r.props.tags as Record<string, unknown> | undefined)?.[tag] === "string",
        )
        .map((r) => [r, (r.props.tags as Record<string, string>)[tag]]);
}

/**
 * What iam-host-parameters-own-path and iam-host-logs-own-group share: for each host role tagged with `tag` (its own
 * path or group), its statements (managed policies expanded), the ARN prefix of its own resources (taken from the
 * statement whose resource ends with `<before><own><after>`, e.g. `:parameter/api7-ha/prod/cp/*`), and `probe` on the
 * other roles' tag values. A role whose own ARN cannot be found is reported with `noOwn(own)`.
 */
export function checkTaggedRoles(
    args: StackValidationArgs,
    reportViolation: ReportViolation,
    tag: string,
    ownResource: { readonly before: string; readonly after: string },
    noOwn: (own: string) => string,
    probe: (c: {
        own: string;
        arnPrefix: string;
        others: string[];
        statements: Statement[];
        report: (m: string) => void;
    }) => void,
): void {
    const managed = managedPolicies();
    const roles = taggedRoles(args, tag);
    for (const [role, own] of roles) {
        const report = (message: string) => reportViolation(`${role.name}: ${message}`, role.urn);
        const statements = hostRoleStatements(args, role, managed, report);
        if (!statements) continue;
        const ownArn = statements
            .flatMap((s) => list(s.Resource))
            .find((r) => r.endsWith(`${ownResource.before}${own}${ownResource.after}`));
        if (!ownArn) {
            report(noOwn(own));
            continue;
        }
        const others = roles.filter(([r]) => r !== role).map(([, value]) => value);
        probe({
            own,
            arnPrefix: ownArn.slice(0, -`${own}${ownResource.after}`.length),
            others,
            statements,
            report,
        });
    }
}

export const hostParametersOwnPath: StackValidationPolicy = {
    name: "iam-host-parameters-own-path",
    description:
        "A host role can read no SSM parameter outside its group's path, AWS managed policies included (an " +
        "explicit deny must hold against AmazonSSMManagedInstanceCore's ssm:GetParameter on *).",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
        // The ARN form of its own parameters, from the statement that reads them.
        checkTaggedRoles(
            args,
            reportViolation,
            HOST_PARAMETER_PATH_TAG,
            { before: ":parameter", after: "/*" },
            (own) => `no statement reads its own parameters (${own}/*), so their ARN form is unknown`,
            ({ own, arnPrefix, others, statements, report }) => {
                for (const [action, probe] of probes(own, others)) {
                    if (identityAllows(statements, action, `${arnPrefix}${probe}`))
                        report(`can read ${probe} (${action}), outside ${own}`);
                }
            },
        ),
};
