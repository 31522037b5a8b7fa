/**
 * The stack's own alarm topic (alarms.topicArn empty): an SNS topic encrypted with a key of its own that the services
 * which publish to it may use, and a topic policy that lets EventBridge's rules publish.
 *
 * Not AWS's managed key for SNS (alias/aws/sns): its policy cannot be changed, so CloudWatch alarms, EventBridge and
 * RDS events could not encrypt a message to the topic, and each notification would be dropped. The SNS developer
 * guide ("Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html) asks for a customer managed key whose policy
 * gives those services' principals kms:Decrypt and kms:GenerateDataKey*; an AWS managed key's policy cannot be changed
 * (KMS developer guide, concepts.html, AWS managed keys). EventBridge needs a statement in the topic's policy as well
 * (EventBridge user guide, eb-use-resource-based.html, "Amazon SNS permissions"); CloudWatch alarms and RDS events in
 * the account publish under SNS's default statement (the topic owner's principals, AWS:SourceOwner), kept here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmFn } from "./alarm-data";
import { nameFragment } from "../config/names";
import { whereabouts } from "./whereabouts";

/** The AWS services that publish to the topic: CloudWatch alarms, EventBridge rules, RDS event subscriptions. */
const TOPIC_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "events.rds.amazonaws.com"];

/** The key policy: the account administers it (KMS's default statement), and the publishers encrypt with it. */
function alarmKeyPolicyStatements(
    partition: string,
    account: string,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        {
            sid: "AccountAdministersKey",
            principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${account}:root`] }],
            actions: ["kms:*"],
            resources: ["*"],
        },
        {
            sid: "AlarmSourcesEncryptMessages",
            principals: [{ type: "Service", identifiers: TOPIC_PUBLISHERS }],
            actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
            resources: ["*"],
        },
    ];
}

export interface AlarmTopicArgs {
    readonly project: string;
    readonly stack: string;
    readonly emails: readonly string[];
    readonly tags?: Record<string, string>;
}

/** The topic, its key and policy, and each address's subscription. */
export function createAlarmTopic(
    name: string,
    args: AlarmTopicArgs,
    parent: pulumi.ComponentResource,
): pulumi.Output<string> {
    const opts = { parent };
    const { account, partition } = whereabouts(parent);
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            description: `api7-ha ${args.stack}: the alarm topic's messages`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: aws.iam.getPolicyDocumentOutput(
                { statements: pulumi.all([partition, account]).apply(([p, a]) => alarmKeyPolicyStatements(p, a)) },
                opts,
            ).json,
            tags: args.tags,
        },
        opts,
    );
    new aws.kms.Alias(
        `${name}-key-alias`,
        { name: `alias/${args.project}-${nameFragment(args.stack)}-alarms`, targetKeyId: key.keyId },
        opts,
    );
    const topic = new aws.sns.Topic(
        `${name}-topic`,
        { name: `${args.project}-${args.stack}-alarms`, kmsMasterKeyId: key.arn, tags: args.tags },
        opts,
    );
    new aws.sns.TopicPolicy(
        `${name}-topic-policy`,
        {
            arn: topic.arn,
            policy: aws.iam.getPolicyDocumentOutput(
                {
                    statements: [
                        {
                            // SNS's default statement: the account's own principals manage and publish.
                            sid: "AccountOwnsTopic",
                            principals: [{ type: "AWS", identifiers: ["*"] }],
                            actions: [
                                "sns:GetTopicAttributes",
                                "sns:SetTopicAttributes",
                                "sns:AddPermission",
                                "sns:RemovePermission",
                                "sns:DeleteTopic",
                                "sns:Subscribe",
                                "sns:ListSubscriptionsByTopic",
                                "sns:Publish",
                            ],
                            resources: [topic.arn],
                            conditions: [{ test: "StringEquals", variable: "AWS:SourceOwner", values: [account] }],
                        },
                        {
                            sid: "EventBridgeRulesPublish",
                            principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
                            actions: ["sns:Publish"],
                            resources: [topic.arn],
                            // No condition: "You can't use of Condition blocks in Amazon SNS topic policies for
                            // EventBridge" (eb-use-resource-based.html).
                        },
                    ],
                },
                opts,
            ).json,
        },
        opts,
    );
    args.emails.forEach(
        (email, i) =>
            new aws.sns.TopicSubscription(
                `${name}-email-${i}`,
                { topic: topic.arn, protocol: "email", endpoint: email },
                opts,
            ),
    );
    return topic.arn;
}

/**
 * Where a stack's alarms go: alarms.topicArn, or a topic of the stack's own (createAlarmTopic); and the function that
 * creates each alarm on it (named <project>-<stack>-<id>, notifying the topic on alarm and on OK), recording its ARN.
 */
export function alarmSink(
    name: string,
    args: AlarmTopicArgs & { readonly topicArn?: pulumi.Input<string> },
    parent: pulumi.ComponentResource,
): { readonly topicArn: pulumi.Output<string>; readonly alarm: AlarmFn; readonly arns: pulumi.Output<string>[] } {
    const topicArn =
        args.topicArn !== undefined
            ? pulumi.output(args.topicArn)
            : createAlarmTopic(
                  name,
                  { project: args.project, stack: args.stack, emails: args.emails, tags: args.tags },
                  parent,
              );
    const arns: pulumi.Output<string>[] = [];
    const alarm: AlarmFn = (id, a) =>
        void arns.push(
            new aws.cloudwatch.MetricAlarm(
                `${name}-${id}`,
                {
                    ...a,
                    name: `${args.project}-${args.stack}-${id}`,
                    alarmActions: [topicArn],
                    okActions: [topicArn],
                    tags: args.tags,
                },
                { parent },
            ).arn,
        );
    return { topicArn, alarm, arns };
}
