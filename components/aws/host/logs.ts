/**
 * A host group's logs: one CloudWatch Logs group per stack and role, which outlives every host. Its containers write
 * to it through Docker's awslogs driver (the run spec's `logs`, components/aws/run-spec.ts), and the CloudWatch agent
 * ships the host scripts' lines and cloud-init's output to it (hostLogAgentConfig). The role may write to its own
 * group only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, type HostContext, type HostGroupArgs } from "./args";
import { hostLogAgentConfig, logAgentParameter, logGroupName } from "../log-agent";

/** logs.retentionDays and logs.kmsKeyArn, shared by every group of a stack. */
export interface HostLogsSettings {
    readonly retentionDays: number;
    /** Undefined: CloudWatch Logs' own encryption. */
    readonly kmsKeyArn?: pulumi.Input<string>;
}

/**
 * What a host may do in CloudWatch Logs: create its streams in its role's group and write to them, the only calls
 * Docker's awslogs driver makes there besides CreateLogGroup (moby/moby daemon/logger/awslogs/cloudwatchlogs.go
 * @b985e231, its `api` interface) and the agent's too (aws/amazon-cloudwatch-agent
 * plugins/outputs/cloudwatchlogs/internal/pusher/target.go @ab55b8da: CreateLogGroup only when the group is missing).
 * No CreateLogGroup: the program creates the group, with its retention. The group's ARN and its streams (`:*`), as
 * CloudWatch Logs' identity-based policy examples write it.
 */
export function logWriteStatements(
    groupArn: pulumi.Input<string>,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        {
            sid: "WriteOwnLogs",
            actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: [groupArn, pulumi.interpolate`${groupArn}:*`],
        },
    ];
}

export interface HostLogs {
    readonly group: aws.cloudwatch.LogGroup;
    /** The agent's configuration, a parameter of the group's path the agent fetches at boot. */
    readonly agentConfig: aws.ssm.Parameter;
}

/** The role's log group and the CloudWatch agent's configuration parameter. */
export function createLogs(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    parent: pulumi.ComponentResource,
): HostLogs {
    const logGroup = logGroupName(args.project, args.stack, groupName(args));
    const group = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        {
            name: logGroup,
            retentionInDays: args.placement.logs.retentionDays,
            kmsKeyId: args.placement.logs.kmsKeyArn,
            tags: context.tags,
        },
        { parent },
    );
    const agentConfig = new aws.ssm.Parameter(
        `${name}-log-agent-config`,
        {
            name: logAgentParameter(context.prefix),
            type: "String",
            insecureValue: hostLogAgentConfig(logGroup),
            description: `api7-ha ${args.stack} ${groupName(args)}: the CloudWatch agent's configuration`,
            tags: context.tags,
        },
        { parent },
    );
    return { group, agentConfig };
}
