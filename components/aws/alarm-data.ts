/**
 * The alarms on what the stack keeps rather than serves: the managed database (CPU, free storage, freeable memory,
 * connections) and the fallback export's freshness. Each treats missing data the way that fails safe (said per alarm).
 *
 * Metrics, as AWS documents them:
 * - AWS/RDS CPUUtilization (percent), FreeStorageSpace and FreeableMemory (bytes), DatabaseConnections, dimension
 *   DBInstanceIdentifier, every minute (RDS user guide, rds-metrics.html).
 * - AWS/S3 PutRequests of a bucket's request metrics configuration, dimensions BucketName and FilterId (the
 *   configuration's id), published at one-minute intervals and only when there are requests (S3 user guide,
 *   metrics-dimensions.html and configure-request-metrics-bucket.html). The program adds the configuration
 *   (aws.s3.BucketMetric): no extra host needed, and the control plane's own PUTs are what is measured.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type AlarmFn = (id: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">) => void;

/** The end of every alarm's description: the README section that fixes what broke. */
export const runbook = (section: string) => ` Runbook: README, "${section}".`;

export interface DatabaseAlarmArgs {
    readonly identifier: pulumi.Input<string>;
    readonly allocatedStorageGiB: number;
    /** alarms.databaseConnections. */
    readonly connections: number;
}

const GIB = 1024 ** 3;

export function databaseAlarms(alarm: AlarmFn, db: DatabaseAlarmArgs): void {
    const base = {
        namespace: "AWS/RDS",
        dimensions: { DBInstanceIdentifier: db.identifier },
        period: 300,
    };
    // Missing data: no breach for CPU, memory and connections; a database that publishes nothing is the low-storage
    // alarm's and the event subscription's (failure, availability).
    alarm("database-cpu", {
        ...base,
        alarmDescription:
            "The database's CPU has averaged over 80% for 15 minutes: API7's dashboard and DP Managers slow down, " +
            "and a configuration change takes longer to reach the gateways." +
            runbook("The database"),
        metricName: "CPUUtilization",
        statistic: "Average",
        evaluationPeriods: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 80,
        treatMissingData: "notBreaching",
    });
    // RDS storage autoscaling grows the volume when free space is under 10% (RDS user guide,
    // USER_PIOPS.Autoscaling.html): under 5%, it has not kept up or has reached database.maxAllocatedStorageGiB.
    // Missing data: breach (the instance reports nothing).
    alarm("database-storage", {
        ...base,
        alarmDescription:
            `The database has had under ${(0.05 * db.allocatedStorageGiB).toFixed(1)} GiB free for 10 minutes (5% of ` +
            "database.allocatedStorageGiB, a fixed amount however far storage autoscaling has grown it): " +
            "autoscaling has not kept up or reached its ceiling, and a full database stops every write." +
            runbook("The database"),
        metricName: "FreeStorageSpace",
        statistic: "Minimum",
        evaluationPeriods: 2,
        comparisonOperator: "LessThanThreshold",
        threshold: Math.round(0.05 * db.allocatedStorageGiB * GIB),
        treatMissingData: "breaching",
    });
    alarm("database-memory", {
        ...base,
        alarmDescription:
            "The database has had under 256 MiB of freeable memory for 15 minutes: it swaps, and queries slow " +
            "down; a larger database.instanceClass fixes it." +
            runbook("The database"),
        metricName: "FreeableMemory",
        statistic: "Minimum",
        evaluationPeriods: 3,
        comparisonOperator: "LessThanThreshold",
        threshold: 256 * 1024 ** 2,
        treatMissingData: "notBreaching",
    });
    alarm("database-connections", {
        ...base,
        alarmDescription:
            `The database has held over ${db.connections} connections (alarms.databaseConnections) for 10 ` +
            "minutes: near its max_connections, a new connection is refused." +
            runbook("The database"),
        metricName: "DatabaseConnections",
        statistic: "Maximum",
        evaluationPeriods: 2,
        comparisonOperator: "GreaterThanThreshold",
        threshold: db.connections,
        treatMissingData: "notBreaching",
    });
}

/**
 * The freshness alarm's evaluation: five-minute periods over three times the schedule's longest gap, at least 15
 * minutes (S3 request metrics arrive "after some latency to process": S3 user guide, metrics-dimensions.html, so the
 * latest minutes are often still empty); past a day (a period under an hour allows no more), hourly periods, up to
 * the seven days an alarm may look back ("Period multiplied by EvaluationPeriods can't be more than 604,800 seconds.
 * For alarms with a period of less than one hour ..., the total evaluation period can't be longer than one day":
 * CloudWatch API Reference, PutMetricAlarm, Period).
 */
export function freshnessEvaluation(longestGapSeconds: number): { period: number; evaluationPeriods: number } {
    const window = Math.max(900, 3 * longestGapSeconds);
    if (window <= 86400) return { period: 300, evaluationPeriods: Math.ceil(window / 300) };
    return { period: 3600, evaluationPeriods: Math.min(168, Math.ceil(window / 3600)) };
}

/** The request metrics configuration's id, its FilterId dimension. */
export const EXPORT_METRICS_ID = "api7-ha-export";

export interface FreshnessArgs {
    readonly buckets: readonly { readonly role: string; readonly bucket: pulumi.Input<string> }[];
    /**
     * The export schedule's longest gap (fallback.cronSpec), in seconds: a schedule that pauses overnight must not
     * page every night.
     */
    readonly longestGapSeconds: number;
}

export function freshnessAlarms(
    name: string,
    alarm: AlarmFn,
    args: FreshnessArgs,
    parent: pulumi.ComponentResource,
): void {
    const { period, evaluationPeriods } = freshnessEvaluation(args.longestGapSeconds);
    const minutes = Math.round((period * evaluationPeriods) / 60);
    for (const { role, bucket } of args.buckets) {
        new aws.s3.BucketMetric(`${name}-${role}-requests`, { bucket, name: EXPORT_METRICS_ID }, { parent });
        // Missing data: breach. S3 publishes PutRequests only for periods with a PUT, so silence is no export.
        alarm(`export-stale-${role}`, {
            alarmDescription:
                `No export written to the ${role} bucket for ${minutes} minutes (three times the longest gap of ` +
                "fallback.cronSpec): a gateway that starts standalone now serves configuration that old or older." +
                runbook("CP outage runbook"),
            namespace: "AWS/S3",
            metricName: "PutRequests",
            dimensions: { BucketName: bucket, FilterId: EXPORT_METRICS_ID },
            statistic: "Sum",
            period,
            evaluationPeriods,
            datapointsToAlarm: evaluationPeriods,
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            treatMissingData: "breaching",
        });
    }
}

export interface AlarmGroup {
    /** "gateways", "control plane". */
    readonly tier: string;
    readonly name: pulumi.Input<string>;
    /** How long a replacement may take before the group runs a host short for longer than it should. */
    readonly worstCaseSeconds: number;
}

/**
 * A group's hosts-short alarm: fewer in service than desired for longer than a replacement takes at worst, so that a
 * tier running a host short is never silent.
 */
export function groupShortAlarm(alarm: AlarmFn, g: AlarmGroup): void {
    const id = g.tier.replace(/ /g, "-");
    const metric = (metricName: string) => ({
        metric: {
            namespace: "AWS/AutoScaling",
            metricName,
            dimensions: { AutoScalingGroupName: g.name },
            period: 60,
            stat: "Minimum",
        },
    });
    const minutes = Math.ceil(g.worstCaseSeconds / 60);
    // Missing data: breach. The group publishes both every minute; silence means no group to watch.
    alarm(`${id}-short`, {
        alarmDescription:
            `The ${g.tier} Auto Scaling group has had fewer hosts in service than desired for ${minutes} ` +
            "minutes, longer than a replacement takes at worst (`npm run report`): a replacement is failing." +
            runbook("Self-healing and rolling replacement"),
        metricQueries: [
            { id: "desired", returnData: false, ...metric("GroupDesiredCapacity") },
            { id: "inservice", returnData: false, ...metric("GroupInServiceInstances") },
            { id: "short", expression: "desired - inservice", label: "hosts short", returnData: true },
        ],
        evaluationPeriods: minutes,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "breaching",
    });
}

/**
 * The gateways' two alarms per target group: one out of rotation (a minute), and fewer healthy than the count (two
 * minutes). `check` names the health check, `what` the gateway ("gateway", "2.x gateway"), `short` what running short
 * means.
 */
export function gatewayTargetAlarms(
    alarm: AlarmFn,
    g: {
        readonly loadBalancer: pulumi.Input<string>;
        readonly targetGroups: readonly pulumi.Input<string>[];
        readonly count: number;
        readonly check: string;
        readonly what: string;
        readonly short: string;
    },
): void {
    g.targetGroups.forEach((targetGroup, i) => {
        const dimensions = { TargetGroup: targetGroup, LoadBalancer: g.loadBalancer };
        // Missing data: no breach. The load balancer publishes the count every minute while it has targets; none at
        // all is what the healthy-count alarm below catches.
        alarm(`gateway-unhealthy-${i}`, {
            alarmDescription:
                `A ${g.what} fails ${g.check} for a minute: it is out of rotation, and its Auto Scaling group ` +
                "replaces it." +
                runbook("Self-healing and rolling replacement"),
            namespace: "AWS/NetworkELB",
            metricName: "UnHealthyHostCount",
            dimensions,
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
        });
        // Missing data: breach. No count at all means the load balancer reports no target.
        alarm(`gateway-healthy-below-${i}`, {
            alarmDescription:
                `Fewer healthy ${g.what}s than dataPlane.count (${g.count}) for two minutes: ${g.short}` +
                runbook("Self-healing and rolling replacement"),
            namespace: "AWS/NetworkELB",
            metricName: "HealthyHostCount",
            dimensions,
            statistic: "Minimum",
            period: 60,
            evaluationPeriods: 2,
            comparisonOperator: "LessThanThreshold",
            threshold: g.count,
            treatMissingData: "breaching",
        });
    });
}
