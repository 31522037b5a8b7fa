/**
 * CloudWatch alarms on what breaks HA, each notifying the stack's SNS topic (alarms.topicArn, or one created here with
 * alarms.emails subscribed), each with a description naming what broke and the README section that fixes it, and
 * each treating missing data the way that fails safe (said per alarm).
 *
 * Metrics, as AWS documents them:
 * - AWS/NetworkELB and AWS/ApplicationELB HealthyHostCount and UnHealthyHostCount, dimensions TargetGroup and
 *   LoadBalancer (the ARN suffixes targetgroup/<name>/<id> and net/... or app/<name>/<id>), published every minute
 *   while the load balancer has targets (Elastic Load Balancing guides, load-balancer-cloudwatch-metrics.html).
 * - AWS/AutoScaling GroupDesiredCapacity and GroupInServiceInstances, dimension AutoScalingGroupName, published every
 *   minute for the groups' enabled metrics (EC2 Auto Scaling user guide, ec2-auto-scaling-metrics.html; the groups
 *   enable them: components/aws/host/launch.ts).
 * - API7-HA/Gateways ControlPlaneReachable and Standalone, dimensions Stack and GatewayGroup, published by each
 *   gateway host twice a minute (config-templates/api7-run.sh --watch).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { OUTAGE_METRICS_NAMESPACE } from "./run-spec";
import { alarmSink } from "./alarm-topic";
import { createAlarmEvents } from "./alarm-events";
import { dashboardBody, dashboardUrl } from "./ops-dashboard";
import {
    databaseAlarms,
    EXPORT_METRICS_ID,
    freshnessAlarms,
    gatewayTargetAlarms,
    groupShortAlarm,
    runbook,
    type AlarmGroup,
    type DatabaseAlarmArgs,
    type FreshnessArgs,
} from "./alarm-data";

export interface StackAlarmsArgs {
    readonly stack: string;
    readonly project: string;
    /** alarms.topicArn (undefined: a topic of the stack's own) and alarms.emails. */
    readonly topicArn?: pulumi.Input<string>;
    readonly emails: readonly string[];
    /** The gateways' NLB and target groups (their CloudWatch dimensions), and how many gateways there should be. */
    readonly gatewayDimensions: {
        readonly loadBalancer: pulumi.Input<string>;
        readonly targetGroups: readonly pulumi.Input<string>[];
    };
    readonly gatewayCount: number;
    /** The dashboard's and the DP Managers' target groups (their CloudWatch namespace and dimensions). */
    readonly controlPlaneTargets: readonly {
        readonly role: string;
        readonly namespace: string;
        readonly loadBalancer: pulumi.Input<string>;
        readonly targetGroup: pulumi.Input<string>;
    }[];
    readonly groups: readonly AlarmGroup[];
    /** Each host group's rollout association (an event rule watches it fail). */
    readonly rollouts: readonly pulumi.Input<string>[];
    /** The managed database, if the stack has one. */
    readonly database?: DatabaseAlarmArgs;
    /** The fallback buckets and how often the control plane exports to them, with fallback.enabled. */
    readonly freshness?: FreshnessArgs;
    /** The gateways' outage metrics: when the gateways ride through a control-plane outage on their own. */
    readonly outageMetrics?: { readonly gatewayGroup: string };
    readonly tags?: Record<string, string>;
}

export class StackAlarms extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    /** The stack's CloudWatch dashboard, in the console. */
    public readonly dashboardUrl: pulumi.Output<string>;

    constructor(name: string, args: StackAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ops:StackAlarms", name, {}, opts);
        const sink = alarmSink(
            name,
            { project: args.project, stack: args.stack, emails: args.emails, tags: args.tags, topicArn: args.topicArn },
            this,
        );
        const { topicArn, alarm } = sink;
        this.topicArn = topicArn;
        const alarmArns = sink.arns;
        gatewayTargetAlarms(alarm, {
            ...args.gatewayDimensions,
            count: args.gatewayCount,
            check: "its load balancer's health check (GET /status on 7085)",
            what: "gateway",
            short: "the gateways run short, and a second failure may drop traffic.",
        });

        for (const t of args.controlPlaneTargets) {
            if (t.role === "dashboard") {
                // Missing data: no breach. The load balancer publishes a 5xx count only for minutes with one.
                alarm("dashboard-5xx", {
                    alarmDescription:
                        "The dashboard answered more than 10 server errors (5xx, its own or the load balancer's for " +
                        "want of a healthy host) in 5 minutes: configuration changes and the gateways' admin fail." +
                        runbook("Self-healing and rolling replacement"),
                    metricQueries: [
                        {
                            id: "target",
                            returnData: false,
                            metric: {
                                namespace: t.namespace,
                                metricName: "HTTPCode_Target_5XX_Count",
                                dimensions: { TargetGroup: t.targetGroup, LoadBalancer: t.loadBalancer },
                                period: 300,
                                stat: "Sum",
                            },
                        },
                        {
                            id: "elb",
                            returnData: false,
                            metric: {
                                namespace: t.namespace,
                                metricName: "HTTPCode_ELB_5XX_Count",
                                dimensions: { LoadBalancer: t.loadBalancer },
                                period: 300,
                                stat: "Sum",
                            },
                        },
                        { id: "errors", expression: "FILL(target, 0) + FILL(elb, 0)", label: "5xx", returnData: true },
                    ],
                    evaluationPeriods: 1,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 10,
                    treatMissingData: "notBreaching",
                });
            }
            // Missing data: no breach; the group's in-service alarm covers hosts that are gone.
            alarm(`${t.role}-unhealthy`, {
                alarmDescription:
                    `A ${t.role === "dashboard" ? "dashboard" : "DP Manager"} fails its health check (GET /healthz) ` +
                    "for two minutes: the control-plane host is out of rotation, and its group replaces it." +
                    runbook("Self-healing and rolling replacement"),
                namespace: t.namespace,
                metricName: "UnHealthyHostCount",
                dimensions: { TargetGroup: t.targetGroup, LoadBalancer: t.loadBalancer },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 2,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            });
        }

        for (const g of args.groups) groupShortAlarm(alarm, g);

        if (args.outageMetrics) {
            const dimensions = { Stack: args.stack, GatewayGroup: args.outageMetrics.gatewayGroup };
            // Missing data: breach. Every gateway host publishes it twice a minute; none means no gateway reports.
            alarm("control-plane-unreachable", {
                alarmDescription:
                    "A gateway has not reached the DP Manager for two minutes: configuration changes do not reach " +
                    "it, and a gateway that starts meanwhile runs standalone from the last export." +
                    runbook("CP outage runbook"),
                namespace: OUTAGE_METRICS_NAMESPACE,
                metricName: "ControlPlaneReachable",
                dimensions,
                statistic: "Minimum",
                period: 60,
                evaluationPeriods: 2,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
            });
            // Missing data: no breach. A gateway that publishes nothing is the alarm above's.
            alarm("gateway-standalone", {
                alarmDescription:
                    "A gateway serves the last S3 export (standalone): it started while no DP Manager answered, and " +
                    "returns on its own once they answer again." +
                    runbook("What happens on its own"),
                namespace: OUTAGE_METRICS_NAMESPACE,
                metricName: "Standalone",
                dimensions,
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
            });
        }
        if (args.database) databaseAlarms(alarm, args.database);
        if (args.freshness) freshnessAlarms(name, alarm, args.freshness, this);
        createAlarmEvents(
            name,
            {
                prefix: `${args.project}-${args.stack}`,
                topicArn,
                groups: args.groups,
                rollouts: args.rollouts,
                databaseIdentifier: args.database?.identifier,
                tags: args.tags,
            },
            this,
        );
        // The dashboard: the same signals, by tier, and every alarm's state.
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const dashboardName = `${args.project}-${args.stack}`;
        new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName,
                dashboardBody: pulumi
                    .all([
                        region,
                        args.gatewayDimensions.loadBalancer,
                        pulumi.all([...args.gatewayDimensions.targetGroups]),
                        pulumi.all(args.groups.map((g) => g.name)),
                        pulumi.all(args.controlPlaneTargets.map((t) => pulumi.all([t.loadBalancer, t.targetGroup]))),
                        args.database?.identifier,
                        pulumi.all((args.freshness?.buckets ?? []).map((b) => b.bucket)),
                        pulumi.all(alarmArns),
                    ])
                    .apply(([r, gatewayLb, gatewayTgs, groupNames, cpTargets, db, buckets, arns]) =>
                        dashboardBody({
                            region: r,
                            gateways: {
                                loadBalancer: gatewayLb,
                                targetGroups: gatewayTgs,
                                group: groupNames[args.groups.findIndex((g) => g.tier === "gateways")],
                                outage: args.outageMetrics && {
                                    stack: args.stack,
                                    gatewayGroup: args.outageMetrics.gatewayGroup,
                                },
                            },
                            controlPlane: {
                                targets: args.controlPlaneTargets.map((t, i) => ({
                                    role: t.role,
                                    namespace: t.namespace,
                                    loadBalancer: cpTargets[i][0],
                                    targetGroup: cpTargets[i][1],
                                })),
                                group: groupNames[args.groups.findIndex((g) => g.tier === "control plane")],
                            },
                            database: db,
                            exportBuckets: args.freshness ? buckets : undefined,
                            exportMetricsId: EXPORT_METRICS_ID,
                            alarmArns: arns,
                        }),
                    ),
            },
            { parent: this },
        );
        this.dashboardUrl = region.apply((r) => dashboardUrl(r, dashboardName));
        this.registerOutputs({ topicArn: this.topicArn, dashboardUrl: this.dashboardUrl });
    }
}
