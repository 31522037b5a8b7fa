/**
 * A host group's identity: its IAM role, the policies attached to it, and the instance profile its hosts launch
 * with. SSM for operations (Session Manager, Run Command), its own parameters only (an explicit deny outside them:
 * the managed policy alone would allow reading every parameter in the account), and the image pulls its registry
 * needs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, type HostContext, type HostGroupArgs } from "./args";
import { GROUP_TAG, groupTagValue, hostRoleName } from "../fleet";
import { registryPullStatements, type RegistryAccess } from "../images";
import { decryptOwnParameters, denyOutsideScope, PARAMETER_PATH_TAG, type ParameterScope } from "../parameter-access";
import { OUTAGE_METRICS_NAMESPACE } from "../run-spec";
import { outageLockParameter } from "./parameters";
import { lifecycleStatements } from "./warm-pool";
import { logWriteStatements } from "./logs";
import { LOG_GROUP_TAG, logGroupName } from "../log-agent";

export interface HostIdentity {
    readonly role: aws.iam.Role;
    readonly profile: aws.iam.InstanceProfile;
    /** The policy that lets the hosts read and decrypt their parameters: every SecureString waits for it. */
    readonly parametersPolicy: aws.iam.RolePolicy;
    /** Every policy attached to the role, for the launch template to wait on. */
    readonly policies: readonly pulumi.Resource[];
}

/**
 * The IAM statements of a host group's own policy: read its SSM parameters and decrypt them with the stack's key,
 * touch no other parameter whatever else allows it (parameter-access.ts), and pull its images when they are in ECR.
 */
export function hostPolicyStatements(
    scope: Pick<ParameterScope, "prefix" | "shared">,
    arn: (name: string) => pulumi.Input<string>,
    parameterKeyArn: pulumi.Input<string>,
    registry: Pick<RegistryAccess, "ecrRepositoryArns" | "pullThroughCache">,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        { sid: "ReadOwnParameters", actions: ["ssm:GetParameter"], resources: [arn(`${scope.prefix}/*`)] },
        decryptOwnParameters(scope, parameterKeyArn, arn),
        denyOutsideScope(scope, arn),
        ...registryPullStatements(registry),
    ];
}

/**
 * What a gateway host does on its own through a control-plane outage (api7-run --watch): take and give back the
 * group's reconnect lock, leave and rejoin its target groups, watch its own deregistration, and publish its mode.
 * DescribeTargetHealth and PutMetricData take no resource (Service Authorization Reference: Elastic Load Balancing
 * V2, list_awselasticloadbalancingv2.html; CloudWatch, list_amazoncloudwatch.html), so the metrics are held to
 * their namespace by the cloudwatch:namespace condition key instead.
 */
export function outageStatements(
    lockParameterArns: readonly pulumi.Input<string>[],
    targetGroupArns: readonly pulumi.Input<string>[],
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        {
            sid: "TakeReconnectLock",
            actions: ["ssm:PutParameter", "ssm:DeleteParameter"],
            resources: [...lockParameterArns],
        },
        ...(targetGroupArns.length > 0
            ? [
                  {
                      sid: "LeaveAndRejoinTargetGroups",
                      actions: ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
                      resources: [...targetGroupArns],
                  },
                  {
                      sid: "WatchTargetHealth",
                      actions: ["elasticloadbalancing:DescribeTargetHealth"],
                      resources: ["*"],
                  },
              ]
            : []),
        {
            sid: "PublishOutageMetrics",
            actions: ["cloudwatch:PutMetricData"],
            resources: ["*"],
            conditions: [
                { test: "StringEquals", variable: "cloudwatch:namespace", values: [OUTAGE_METRICS_NAMESPACE] },
            ],
        },
    ];
}

/** The role, its policies and the instance profile of one host group. */
export function createIdentity(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    logGroupArn: pulumi.Output<string>,
    parent: pulumi.ComponentResource,
): HostIdentity {
    const { tags, prefix, region, account, partition, invokeOpts } = context;
    const role = new aws.iam.Role(
        `${name}-role`,
        {
            name: hostRoleName(args.project, args.stack, groupName(args)),
            assumeRolePolicy: aws.iam.getPolicyDocumentOutput(
                {
                    statements: [
                        {
                            actions: ["sts:AssumeRole"],
                            principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }],
                        },
                    ],
                },
                invokeOpts,
            ).json,
            description: `api7-ha ${args.stack} ${groupName(args)} hosts`,
            // Its parameter path and log group, by which the policy pack checks it reaches no other role's.
            tags: {
                ...tags,
                [PARAMETER_PATH_TAG]: prefix,
                [LOG_GROUP_TAG]: logGroupName(args.project, args.stack, groupName(args)),
            },
        },
        { parent },
    );
    const policies: pulumi.Resource[] = [];
    policies.push(
        new aws.iam.RolePolicyAttachment(
            `${name}-ssm-core`,
            {
                role: role.name,
                policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
            },
            { parent },
        ),
    );
    // Before the SecureStrings: a host must be allowed to decrypt a secret by the time it is put under the key.
    const parametersPolicy = new aws.iam.RolePolicy(
        `${name}-parameters`,
        {
            role: role.name,
            policy: aws.iam.getPolicyDocumentOutput(
                {
                    statements: hostPolicyStatements(
                        { prefix, shared: args.sharedParameters },
                        (parameter) =>
                            pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:parameter${parameter}`,
                        args.placement.parameterKeyArn,
                        args.placement.registry,
                    ),
                },
                invokeOpts,
            ).json,
        },
        { parent },
    );
    policies.push(parametersPolicy);
    const readable = args.readableSecretArns ?? [];
    if (readable.length > 0) {
        policies.push(
            new aws.iam.RolePolicy(
                `${name}-secrets`,
                {
                    role: role.name,
                    policy: aws.iam.getPolicyDocumentOutput(
                        {
                            // With the secret under Secrets Manager's own key (aws/secretsmanager), no KMS statement
                            // is needed.
                            statements: [
                                {
                                    sid: "ReadDatabaseSecret",
                                    actions: ["secretsmanager:GetSecretValue"],
                                    resources: [...readable],
                                },
                            ],
                        },
                        invokeOpts,
                    ).json,
                },
                { parent },
            ),
        );
    }
    // The role's own inline policies, one per concern.
    const inlinePolicy = (suffix: string, statements: aws.types.input.iam.GetPolicyDocumentStatementArgs[]) =>
        policies.push(
            new aws.iam.RolePolicy(
                `${name}-${suffix}`,
                { role: role.name, policy: aws.iam.getPolicyDocumentOutput({ statements }, invokeOpts).json },
                { parent },
            ),
        );
    inlinePolicy("logs", logWriteStatements(logGroupArn));
    if (args.permissions && args.permissions.length > 0) inlinePolicy("permissions", [...args.permissions]);
    const watched = args.services.filter((svc) => svc.outage);
    if (watched.length > 0) {
        inlinePolicy(
            "outage",
            outageStatements(
                watched.map(
                    (svc) =>
                        pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:parameter${outageLockParameter(prefix, svc.name)}`,
                ),
                watched.flatMap((svc) => svc.outage!.targetGroupArns),
            ),
        );
    }
    inlinePolicy(
        "lifecycle",
        lifecycleStatements(
            pulumi.interpolate`arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`,
            { key: GROUP_TAG, value: groupTagValue(args.project, args.stack, groupName(args)) },
        ),
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent });
    return { role, profile, parametersPolicy, policies };
}
