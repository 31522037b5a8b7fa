/**
 * The API7 2.x topology's alarms (deploy.generation 2.x), on the stack's topic (alarms.topicArn, or its own):
 * - a tier runs a host short (the dashboards, the gateways, each etcd member) longer than a replacement takes;
 * - a gateway or a dashboard fails its load balancer's check, or fewer gateways are healthy than dataPlane.count;
 * - no etcd snapshot was written in two intervals (no leader, or the snapshot failing);
 * - a config rollout stopped at a host (for the members: with the quorum at stake).
 * Each one's text says what it means; the 3.x alarms (components/aws/alarms.ts) share the group and event rules.
 */
import * as pulumi from "@pulumi/pulumi";
import { gatewayTargetAlarms, groupShortAlarm, runbook, type AlarmGroup } from "./alarm-data";
import { createAlarmEvents } from "./alarm-events";
import { alarmSink } from "./alarm-topic";
import { SNAPSHOT_METRICS_ID } from "./etcd-snapshots";

export interface V2AlarmsArgs {
    readonly project: string;
    readonly stack: string;
    readonly topicArn?: pulumi.Input<string>;
    readonly emails: readonly string[];
    readonly groups: readonly AlarmGroup[];
    readonly rollouts: readonly pulumi.Input<string>[];
    readonly gateways: {
        readonly loadBalancer: pulumi.Input<string>;
        readonly targetGroups: readonly pulumi.Input<string>[];
        readonly count: number;
    };
    readonly dashboards: { readonly loadBalancer: pulumi.Input<string>; readonly targetGroup: pulumi.Input<string> };
    readonly snapshots: { readonly bucket: pulumi.Input<string>; readonly intervalMinutes: number };
    readonly tags?: Record<string, string>;
}

/**
 * The freshness alarm's window: two intervals, in 5-minute periods up to a day, in hours beyond ("For alarms with a
 * period of less than one hour ..., the total evaluation period can't be longer than one day": CloudWatch API
 * Reference, PutMetricAlarm, Period). etcd.snapshotIntervalMinutes is at most 1440, so two days at most.
 */
export function snapshotWindow(intervalMinutes: number): { period: number; evaluationPeriods: number } {
    const seconds = 2 * intervalMinutes * 60;
    if (seconds <= 86400) return { period: 300, evaluationPeriods: Math.ceil(seconds / 300) };
    return { period: 3600, evaluationPeriods: Math.ceil(seconds / 3600) };
}

export class V2Alarms extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: V2AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ops:V2Alarms", name, {}, opts);
        const { topicArn, alarm } = alarmSink(
            name,
            { project: args.project, stack: args.stack, emails: args.emails, tags: args.tags, topicArn: args.topicArn },
            this,
        );
        this.topicArn = topicArn;

        for (const g of args.groups) groupShortAlarm(alarm, g);

        gatewayTargetAlarms(alarm, {
            ...args.gateways,
            check: "its load balancer's check (GET on the metrics port, 9091)",
            what: "2.x gateway",
            short: "a second failure may drop traffic. Without v2.clusterId no gateway starts: set it.",
        });

        alarm("dashboard-unhealthy", {
            alarmDescription:
                "A 2.x dashboard fails its health check (GET /ping on 9000) for two minutes: it is out of rotation, " +
                "and its group replaces it. The gateways keep serving what etcd holds." +
                runbook("Self-healing and rolling replacement"),
            namespace: "AWS/ApplicationELB",
            metricName: "UnHealthyHostCount",
            dimensions: { TargetGroup: args.dashboards.targetGroup, LoadBalancer: args.dashboards.loadBalancer },
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 2,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
        });

        // Missing data: breach. S3 publishes PutRequests only for periods with a PUT, so silence is no snapshot.
        const window = snapshotWindow(args.snapshots.intervalMinutes);
        alarm("etcd-snapshot-stale", {
            alarmDescription:
                `No etcd snapshot written for ${2 * args.snapshots.intervalMinutes} minutes (two of ` +
                "etcd.snapshotIntervalMinutes): the cluster has no leader (no quorum), or the leader's snapshot " +
                "fails (journalctl -u api7-etcd-snapshot on the members). Restoring would lose more than that." +
                runbook("API7 2.x: the etcd topology"),
            namespace: "AWS/S3",
            metricName: "PutRequests",
            dimensions: { BucketName: args.snapshots.bucket, FilterId: SNAPSHOT_METRICS_ID },
            statistic: "Sum",
            period: window.period,
            evaluationPeriods: window.evaluationPeriods,
            datapointsToAlarm: window.evaluationPeriods,
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            treatMissingData: "breaching",
        });

        createAlarmEvents(
            name,
            {
                prefix: `${args.project}-${args.stack}`,
                topicArn,
                groups: args.groups,
                rollouts: args.rollouts,
                tags: args.tags,
            },
            this,
        );
        this.registerOutputs({ topicArn });
    }
}
