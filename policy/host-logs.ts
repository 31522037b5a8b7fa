/**
 * `iam-host-logs-own-group`: a host role may write to no CloudWatch Logs group but its own role's, AWS managed
 * policies included (the same evaluator as iam-host-parameters-own-path, policy/host-parameters.ts). The roles name
 * their group in a tag (HOST_LOG_GROUP_TAG), so a host that is taken over cannot forge another role's lines.
 */
import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { checkTaggedRoles, identityAllows } from "./host-parameters";

/** The tag a host role names its log group with (components/aws/host/identity.ts). */
export const HOST_LOG_GROUP_TAG = "api7-ha:log-group";

/**
 * The writes a log group takes from a host: a new stream, and events into one (CloudWatch Logs' log-stream ARN,
 * arn:<partition>:logs:<region>:<account>:log-group:<group>:log-stream:<stream>; Service Authorization Reference,
 * list_amazoncloudwatchlogs.html), probed on another role's group, a sibling of its own (a pattern missing its
 * `:` would reach it), and another application's.
 */
function probes(own: string, others: readonly string[]): [action: string, group: string][] {
    return [...others, `${own}-policy-probe`, "/policy-probe-other-application"].flatMap((group) =>
        ["logs:CreateLogStream", "logs:PutLogEvents"].map((a): [string, string] => [a, group]),
    );
}

export const hostLogsOwnGroup: StackValidationPolicy = {
    name: "iam-host-logs-own-group",
    description:
        "A host role can write to no CloudWatch Logs group but its own role's (CreateLogStream, PutLogEvents), AWS " +
        "managed policies included.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
        // The ARN form of its own group, from the statement that writes to it.
        checkTaggedRoles(
            args,
            reportViolation,
            HOST_LOG_GROUP_TAG,
            { before: ":log-group:", after: ":*" },
            (own) => `no statement writes to its own log group (${own}), so its ARN form is unknown`,
            ({ own, arnPrefix, others, statements, report }) => {
                for (const [action, group] of probes(own, others)) {
                    if (identityAllows(statements, action, `${arnPrefix}${group}:log-stream:policy-probe`))
                        report(`can write to ${group} (${action}), not its own log group ${own}`);
                }
            },
        ),
};
