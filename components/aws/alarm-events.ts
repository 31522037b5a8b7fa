/**
 * What breaks HA and shows as an event rather than a metric, sent to the stack's alarm topic: an instance refresh of
 * a host group that failed or was cancelled, a config rollout stopped at a host (EventBridge rules), and the managed
 * database's failovers, failures, maintenance and low storage (an RDS event subscription).
 *
 * Events, as AWS documents them:
 * - "EC2 Auto Scaling Instance Refresh Failed" and "... Cancelled", source aws.autoscaling, detail.AutoScalingGroupName
 *   (EC2 Auto Scaling user guide, ec2-auto-scaling-event-reference.html; awsdocs/amazon-ec2-auto-scaling-user-guide
 *   doc_source/ec2-auto-scaling-event-reference.md @6c46a785).
 * - "EC2 State Manager Association State Change", source aws.ssm, detail.association-id and detail.status (Failed,
 *   Pending, Success; Systems Manager user guide, monitoring-systems-manager-event-examples.html and
 *   reference-eventbridge-events.html; awsdocs/aws-systems-manager-user-guide @dd495cca).
 * - RDS event categories of a DB instance (RDS user guide, USER_Events.Messages.html): availability (restarts,
 *   shutdowns), failover (Multi-AZ promotion), failure, low storage, maintenance (patching, offline maintenance).
 */
import { runbook } from "./alarm-data";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AlarmEventsArgs {
    readonly prefix: string;
    readonly topicArn: pulumi.Input<string>;
    /** Each Auto Scaling group, by its tier. */
    readonly groups: readonly { readonly tier: string; readonly name: pulumi.Input<string> }[];
    /** Each host group's rollout association. */
    readonly rollouts: readonly pulumi.Input<string>[];
    /** The managed database's identifier, if the stack has one. */
    readonly databaseIdentifier?: pulumi.Input<string>;
    readonly tags?: Record<string, string>;
}

/** The RDS event categories of a DB instance that mean its availability is at stake. */
const DATABASE_EVENT_CATEGORIES = ["availability", "failover", "failure", "low storage", "maintenance"];

/** The rules, their targets and the database's subscription. */
export function createAlarmEvents(name: string, args: AlarmEventsArgs, parent: pulumi.ComponentResource): void {
    const opts = { parent };
    // The notification: what broke, the event's own fields, and the runbook's section; a string template, so the
    // topic's subscribers get text (EventBridge user guide, eb-transform-target-input.html: placeholders in a quoted
    // template are replaced by the values the input paths select).
    const rule = (
        id: string,
        description: string,
        pattern: pulumi.Input<object>,
        inputPaths: Record<string, string>,
        message: string,
    ) => {
        const r = new aws.cloudwatch.EventRule(
            `${name}-${id}`,
            {
                name: `${args.prefix}-${id}`,
                description,
                eventPattern: pulumi.output(pattern).apply((p) => JSON.stringify(p)),
                tags: args.tags,
            },
            opts,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-${id}-topic`,
            {
                rule: r.name,
                arn: args.topicArn,
                inputTransformer: { inputPaths, inputTemplate: JSON.stringify(message) },
            },
            opts,
        );
    };
    rule(
        "instance-refresh-failed",
        "An instance refresh of a host group failed or was cancelled: its hosts run mixed launch templates.",
        {
            source: ["aws.autoscaling"],
            "detail-type": ["EC2 Auto Scaling Instance Refresh Failed", "EC2 Auto Scaling Instance Refresh Cancelled"],
            detail: { AutoScalingGroupName: pulumi.all(args.groups.map((g) => g.name)) },
        },
        { type: "$.detail-type", group: "$.detail.AutoScalingGroupName" },
        "<type>: <group>. Unless a new refresh started at once (a `pulumi up` that changes the launch template " +
            "cancels the refresh still running, then starts its own), the group runs old and new hosts side by side." +
            runbook("Rolling back"),
    );
    rule(
        "rollout-failed",
        "A config rollout (State Manager association) stopped at a host: the hosts after it run the old config.",
        {
            source: ["aws.ssm"],
            "detail-type": ["EC2 State Manager Association State Change"],
            detail: { "association-id": pulumi.all([...args.rollouts]), status: ["Failed"] },
        },
        { association: "$.detail.association-id", document: "$.detail.document-name" },
        "A config rollout failed (association <association>, <document>): it stopped at the first host whose " +
            "service did not come back healthy; the hosts after it run the old config." +
            runbook("Reviewing a change"),
    );
    if (args.databaseIdentifier !== undefined) {
        new aws.rds.EventSubscription(
            `${name}-database`,
            {
                name: `${args.prefix}-database`,
                snsTopic: args.topicArn,
                sourceType: "db-instance",
                sourceIds: [args.databaseIdentifier],
                eventCategories: DATABASE_EVENT_CATEGORIES,
                tags: args.tags,
            },
            opts,
        );
    }
}
