/**
 * Who may read and write which SSM parameters, and decrypt them: the statements that hold each host group to its
 * own parameters whatever AWS managed policy its role has, and the stack key's policy. Pure (types only from the
 * SDKs), so the tests and the policy pack check them without the Pulumi runtime.
 *
 * Why an explicit deny rather than replacing AmazonSSMManagedInstanceCore: that managed policy allows
 * ssm:GetParameter and ssm:GetParameters on "*" (AWS managed policy reference, AmazonSSMManagedInstanceCore v2,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html), and so may any
 * other policy an account attaches to these roles. "An explicit deny in any of these policies overrides the allow"
 * (IAM user guide, policy evaluation logic,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so one deny in the
 * role's own policy holds against every allow, present or future; a hand-written copy of the agent's needs would
 * hold only until AWS's agent needed something new.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

type Statement = aws.types.input.iam.GetPolicyDocumentStatementArgs;

/**
 * The Systems Manager actions that return a parameter's value or change a parameter. The four reads are those the
 * Systems Manager user guide lists ("Parameter retrieval authorization",
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-retrieval-authorization.html); the writes are the
 * parameter actions of the Service Authorization Reference for Systems Manager (list_awssystemsmanager.html).
 */
export const PARAMETER_ACTIONS = Object.freeze([
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:UnlabelParameterVersion",
]);

/** KMS operations SSM makes on a caller's behalf to encrypt a SecureString (Encrypt for the standard tier, GenerateDataKey for the advanced). */
export const KMS_ENCRYPT_ACTIONS = Object.freeze(["kms:Encrypt", "kms:GenerateDataKey"]);

/**
 * The encryption context SSM adds to every SecureString operation: the parameter's ARN. Key and IAM policies can
 * condition on it ("Parameter Store uses the PARAMETER_ARN ... as the encryption context", AWS KMS developer guide,
 * How AWS Systems Manager Parameter Store uses AWS KMS,
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html).
 */
export const PARAMETER_ARN_CONTEXT = "kms:EncryptionContext:PARAMETER_ARN";

/**
 * The tag on a host role naming its parameter path: the policy pack (policy/rules.ts) proves the role can read no
 * parameter outside it. On the role only: a tag on the launch template would start an instance refresh.
 */
export const PARAMETER_PATH_TAG = "api7-ha:parameter-path";

/** What one host group's role may touch: its own path, and named parameters outside it. */
export interface ParameterScope {
    /** The host role's name (components/aws/fleet.ts hostRoleName). */
    readonly roleName: string;
    /** The group's parameter path, e.g. /api7-ha/prod/dp: every parameter under it. */
    readonly prefix: string;
    /** Parameters outside the path the hosts read and write (the control plane issues the gateways' credentials). */
    readonly shared?: readonly string[];
}

/** The parameter-name patterns a scope covers: `<prefix>/*` and each shared name. */
export function scopePatterns(scope: Pick<ParameterScope, "prefix" | "shared">): string[] {
    return [`${scope.prefix}/*`, ...(scope.shared ?? [])];
}

/** ARN of a parameter (or pattern) by name, under `arnPrefix` = arn:<partition>:ssm:<region>:<account>:parameter. */
export function parameterArn(arnPrefix: string, name: string): string {
    return `${arnPrefix}${name}`;
}

/**
 * The deny that holds a host role to its scope: no parameter action on any parameter outside it, whatever else allows
 * one. NotResource with Deny: the statement applies to every resource but those listed (IAM JSON policy elements,
 * NotResource, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html).
 */
export function denyOutsideScope(
    scope: Pick<ParameterScope, "prefix" | "shared">,
    arn: (name: string) => pulumi.Input<string>,
): Statement {
    return {
        sid: "DenyParametersOutsideGroup",
        effect: "Deny",
        actions: [...PARAMETER_ACTIONS],
        notResources: scopePatterns(scope).map(arn),
    };
}

/** Decrypting the group's own SecureStrings with the stack's key, and nothing else it encrypts. */
export function decryptOwnParameters(
    scope: Pick<ParameterScope, "prefix">,
    keyArn: pulumi.Input<string>,
    arn: (name: string) => pulumi.Input<string>,
): Statement {
    return {
        sid: "DecryptOwnParameters",
        actions: ["kms:Decrypt"],
        resources: [keyArn],
        conditions: [{ test: "StringLike", variable: PARAMETER_ARN_CONTEXT, values: [arn(`${scope.prefix}/*`)] }],
    };
}

/**
 * The stack key's policy. The account statement is AWS's default ("Allows access to the AWS account and enables IAM
 * policies", AWS KMS developer guide, default key policy,
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html): without it no IAM policy, the
 * deployer's included, could use or manage the key. Then, for each host role, denies that no IAM policy can override:
 * decrypting or encrypting anything outside its scope, and every other KMS operation (a grant it made itself would
 * otherwise widen its access). Roles are named by the aws:PrincipalArn condition key rather than as principals, so
 * the policy can be written before the roles exist and stays right if a role is deleted and made again (a principal
 * ARN in a policy becomes the deleted role's unique id: IAM user guide, policy elements, Principal,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
 */
export function parameterKeyPolicyStatements(
    scopes: readonly ParameterScope[],
    ids: { readonly partition: string; readonly account: string; readonly arnPrefix: string },
): Statement[] {
    const roleArn = (name: string) => `arn:${ids.partition}:iam::${ids.account}:role/${name}`;
    const anyone = [{ type: "AWS", identifiers: ["*"] }];
    const statements: Statement[] = [
        {
            sid: "EnableIamPolicies",
            principals: [{ type: "AWS", identifiers: [`arn:${ids.partition}:iam::${ids.account}:root`] }],
            actions: ["kms:*"],
            resources: ["*"],
        },
    ];
    for (const scope of scopes) {
        // The group's short role from its path (/api7-ha/prod/dp -> Dp): statement ids are alphanumeric.
        const group = scope.prefix
            .split("/")
            .pop()!
            .replace(/[^A-Za-z0-9]/g, "");
        const sid = group.charAt(0).toUpperCase() + group.slice(1);
        const role = { test: "ArnEquals", variable: "aws:PrincipalArn", values: [roleArn(scope.roleName)] };
        statements.push({
            sid: `Deny${sid}DecryptOutsideScope`,
            effect: "Deny",
            principals: anyone,
            actions: ["kms:Decrypt"],
            resources: ["*"],
            conditions: [
                role,
                {
                    test: "StringNotLike",
                    variable: PARAMETER_ARN_CONTEXT,
                    values: scopePatterns(scope).map((n) => parameterArn(ids.arnPrefix, n)),
                },
            ],
        });
        const shared = scope.shared ?? [];
        statements.push({
            sid: `Deny${sid}EncryptOutsideScope`,
            effect: "Deny",
            principals: anyone,
            actions: [...KMS_ENCRYPT_ACTIONS],
            resources: ["*"],
            // Hosts write SecureStrings only where they issue something to another group; elsewhere never.
            conditions:
                shared.length > 0
                    ? [
                          role,
                          {
                              test: "StringNotLike",
                              variable: PARAMETER_ARN_CONTEXT,
                              values: shared.map((n) => parameterArn(ids.arnPrefix, n)),
                          },
                      ]
                    : [role],
        });
    }
    if (scopes.length > 0) {
        statements.push({
            sid: "DenyHostsOtherKeyOperations",
            effect: "Deny",
            principals: anyone,
            notActions: ["kms:Decrypt", ...KMS_ENCRYPT_ACTIONS],
            resources: ["*"],
            conditions: [
                { test: "ArnEquals", variable: "aws:PrincipalArn", values: scopes.map((s) => roleArn(s.roleName)) },
            ],
        });
    }
    return statements;
}
