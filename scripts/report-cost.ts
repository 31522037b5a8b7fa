/**
 * The monthly cost part of `npm run report -- <stack>`: what the stack's resources cost on demand, line by line, from
 * the resources the program itself declares for the stack (evaluated as synth does, no AWS call) and the price table
 * (scripts/prices.ts). Usage-based lines (NAT data, load balancer capacity units, log volume, endpoint data, S3
 * request metrics) use stated assumptions the user changes with `--assume name=value`.
 */
import type { Recorded } from "../tools/harness";
import { EC2_HOURLY, HOURS_PER_MONTH, PRICE_REGION, PRICES, PRICES_CHECKED, RDS_HOURLY, type Price } from "./prices";

export interface Assumptions {
    /** GB a month through all NAT gateways (image pulls, OS packages, AWS APIs without an endpoint). */
    readonly natGb: number;
    /** Load balancer capacity units each load balancer uses on average (LCUs for an ALB, NLCUs for an NLB). */
    readonly lcus: number;
    /** GB of logs each host sends a month (containers, host scripts, cloud-init). */
    readonly logGbPerHost: number;
    /** GB a month through the interface endpoints. */
    readonly endpointGb: number;
    /** Request metrics S3 publishes each hour per bucket with a metrics configuration (billed as custom metrics). */
    readonly requestMetricsPerBucket: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
    natGb: 50,
    lcus: 1,
    logGbPerHost: 2,
    endpointGb: 20,
    requestMetricsPerBucket: 8,
};

export interface CostLine {
    readonly item: string;
    readonly quantity: string;
    /** Undefined: no price in the table for it (named in the report, left out of the total). */
    readonly monthlyUsd?: number;
    /** The prices it is worked out from; none when the table has no price for it (`missing` says which). */
    readonly prices: readonly Price[];
    readonly missing?: string;
}

const T = {
    group: "aws:autoscaling/group:Group",
    template: "aws:ec2/launchTemplate:LaunchTemplate",
    nat: "aws:ec2/natGateway:NatGateway",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    db: "aws:rds/instance:Instance",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    key: "aws:kms/key:Key",
    bucketMetric: "aws:s3/bucketMetric:BucketMetric",
};

const money = (usd: number) => Math.round(usd * 100) / 100;

/** The metrics an alarm reads: its one metric, or each metric of its metric math. */
export function alarmMetrics(alarm: Recorded): number {
    const queries = (alarm.inputs.metricQueries ?? []) as { metric?: unknown }[];
    return queries.length > 0 ? queries.filter((q) => q.metric).length : 1;
}

/** The stack's monthly cost, line by line, from the resources it declares. */
/** A line with one price: `units` of it. */
function priced(item: string, quantity: string, units: number, price: Price): CostLine {
    return { item, quantity, monthlyUsd: money(units * price.usd), prices: [price] };
}

export function costLines(resources: readonly Recorded[], a: Assumptions): CostLine[] {
    const of = (type: string) => resources.filter((r) => r.type === type);
    const lines: CostLine[] = [];
    let hosts = 0;
    for (const group of of(T.group)) {
        const base = group.name.replace(/-group$/, "");
        const template = of(T.template).find((t) => t.name === `${base}-template`);
        if (!template) continue;
        const type = template.inputs.instanceType as string;
        const count = (group.inputs.desiredCapacity ?? group.inputs.minSize) as number;
        const mappings = template.inputs.blockDeviceMappings as { ebs?: { volumeSize?: number } }[] | undefined;
        const volume = mappings?.[0]?.ebs?.volumeSize ?? 0;
        hosts += count;
        const ec2 = EC2_HOURLY[type];
        lines.push({
            item: `EC2: ${base} (${type})`,
            quantity: `${count} x ${HOURS_PER_MONTH} h`,
            monthlyUsd: ec2 && money(count * HOURS_PER_MONTH * ec2.usd),
            prices: ec2 ? [ec2] : [],
            missing: ec2 ? undefined : `no price for ${type} in scripts/prices.ts`,
        });
        lines.push(priced(`EBS gp3: ${base} root volumes`, `${count} x ${volume} GB`, count * volume, PRICES.gp3));
        const warm = group.inputs.warmPool as { minSize?: number; poolState?: string } | undefined;
        if (warm?.minSize) {
            // A stopped or hibernated warm host pays for its volume only; a running one for the instance too
            // (EC2 Auto Scaling user guide, ec2-auto-scaling-warm-pools.html).
            const running = warm.poolState === "Running";
            lines.push({
                item: `Warm pool: ${base} (${warm.poolState})`,
                quantity: `${warm.minSize} x ${volume} GB${running ? ` + ${warm.minSize} x ${HOURS_PER_MONTH} h` : ""}`,
                monthlyUsd:
                    running && !ec2
                        ? undefined
                        : money(
                              warm.minSize * volume * PRICES.gp3.usd +
                                  (running && ec2 ? warm.minSize * HOURS_PER_MONTH * ec2.usd : 0),
                          ),
                prices: running && ec2 ? [PRICES.gp3, ec2] : [PRICES.gp3],
            });
        }
    }
    const nats = of(T.nat).length;
    if (nats > 0) {
        lines.push(
            priced("NAT gateways", `${nats} x ${HOURS_PER_MONTH} h`, nats * HOURS_PER_MONTH, PRICES.natHour),
            priced("NAT data processed (assumed: natGb)", `${a.natGb} GB`, a.natGb, PRICES.natGb),
        );
    }
    for (const lb of of(T.lb)) {
        const alb = lb.inputs.loadBalancerType === "application";
        const [hour, unit] = alb ? [PRICES.albHour, PRICES.lcuHour] : [PRICES.nlbHour, PRICES.nlcuHour];
        lines.push({
            item: `${alb ? "ALB" : "NLB"}: ${lb.inputs.name ?? lb.name} (assumed: ${a.lcus} ${alb ? "LCU" : "NLCU"})`,
            quantity: `${HOURS_PER_MONTH} h`,
            monthlyUsd: money(HOURS_PER_MONTH * (hour.usd + a.lcus * unit.usd)),
            prices: [hour, unit],
        });
    }
    const endpoints = of(T.endpoint).filter((e) => e.inputs.vpcEndpointType === "Interface");
    if (endpoints.length > 0) {
        const azHours = endpoints.reduce((n, e) => n + ((e.inputs.subnetIds as unknown[]) ?? []).length, 0);
        lines.push({
            item: `Interface endpoints (${endpoints.length}; assumed: ${a.endpointGb} GB)`,
            quantity: `${azHours} endpoint-AZs x ${HOURS_PER_MONTH} h`,
            monthlyUsd: money(
                azHours * HOURS_PER_MONTH * PRICES.endpointAzHour.usd + a.endpointGb * PRICES.endpointGb.usd,
            ),
            prices: [PRICES.endpointAzHour, PRICES.endpointGb],
        });
    }
    for (const db of of(T.db)) {
        const cls = db.inputs.instanceClass as string;
        const multiAz = db.inputs.multiAz === true;
        const rate = RDS_HOURLY[cls]?.[multiAz ? "multiAz" : "singleAz"];
        lines.push({
            item: `RDS for PostgreSQL: ${cls}${multiAz ? ", Multi-AZ" : ""}`,
            quantity: `${HOURS_PER_MONTH} h`,
            monthlyUsd: rate && money(HOURS_PER_MONTH * rate.usd),
            prices: rate ? [rate] : [],
            missing: rate
                ? undefined
                : `no price for ${cls} in scripts/prices.ts: add it from https://aws.amazon.com/rds/postgresql/pricing/`,
        });
        const storage = multiAz ? PRICES.rdsGp3MultiAz : PRICES.rdsGp3SingleAz;
        const gb = db.inputs.allocatedStorage as number;
        lines.push(priced(`RDS storage (gp3${multiAz ? ", Multi-AZ" : ""})`, `${gb} GB`, gb, storage));
    }
    const metrics = of(T.alarm).reduce((n, alarm) => n + alarmMetrics(alarm), 0);
    if (metrics > 0)
        lines.push(
            priced(
                `CloudWatch alarms (${of(T.alarm).length})`,
                `${metrics} alarm metrics`,
                metrics,
                PRICES.alarmMetric,
            ),
        );
    const dashboards = of(T.dashboard).length;
    if (dashboards > 0)
        lines.push(
            priced(
                "CloudWatch dashboard (an account's first 3 are free)",
                `${dashboards}`,
                dashboards,
                PRICES.dashboard,
            ),
        );
    const logGroups = of(T.logGroup);
    if (logGroups.length > 0) {
        const ingest = hosts * a.logGbPerHost;
        // Kept retentionDays: at a steady state, that many days of ingest are stored (uncompressed, the worst case).
        const days = Math.max(...logGroups.map((g) => (g.inputs.retentionInDays as number) ?? 0));
        const stored = (ingest * days) / 30;
        lines.push({
            item: `CloudWatch Logs (assumed: ${a.logGbPerHost} GB per host, ${hosts} hosts, kept ${days} days)`,
            quantity: `${ingest} GB in, ${money(stored)} GB stored`,
            monthlyUsd: money(ingest * PRICES.logsIngestGb.usd + stored * PRICES.logsStorageGb.usd),
            prices: [PRICES.logsIngestGb, PRICES.logsStorageGb],
        });
    }
    const buckets = of(T.bucketMetric).length;
    if (buckets > 0)
        lines.push(
            priced(
                `S3 request metrics (assumed: ${a.requestMetricsPerBucket} metrics per bucket)`,
                `${buckets} buckets x ${a.requestMetricsPerBucket}`,
                buckets * a.requestMetricsPerBucket,
                PRICES.customMetric,
            ),
        );
    const keys = of(T.key).length;
    if (keys > 0) lines.push(priced("KMS keys of the stack", `${keys}`, keys, PRICES.kmsKey));
    return lines;
}

/** A bad `--assume` (exit 64, EX_USAGE). */
export class AssumptionError extends Error {}

/** `--assume natGb=100,lcus=2`: the assumptions changed by name; an unknown name or a bad number is refused. */
export function parseAssumptions(args: readonly string[]): Assumptions {
    const out: Record<string, number> = { ...DEFAULT_ASSUMPTIONS };
    for (let i = 0; i < args.length; i++) {
        if (args[i] !== "--assume")
            throw new AssumptionError(`unknown argument ${args[i]} (usage: --assume name=value,...)`);
        for (const pair of (args[++i] ?? "").split(",")) {
            const [name, value] = pair.split("=");
            if (!(name in DEFAULT_ASSUMPTIONS))
                throw new AssumptionError(
                    `--assume ${pair}: no assumption ${name} (${Object.keys(DEFAULT_ASSUMPTIONS).join(", ")})`,
                );
            const n = Number(value);
            if (value === undefined || value === "" || !Number.isFinite(n) || n < 0)
                throw new AssumptionError(`--assume ${pair}: ${name} must be a number, at least 0`);
            out[name] = n;
        }
    }
    return out as unknown as Assumptions;
}

export function renderCost(region: string, lines: readonly CostLine[], a: Assumptions): string {
    const total = money(lines.reduce((n, l) => n + (l.monthlyUsd ?? 0), 0));
    const unpriced = lines.filter((l) => l.monthlyUsd === undefined);
    // Each source once, numbered, below the table; a line names its prices' numbers.
    const sources: string[] = [];
    const ref = (source: string) => {
        if (!sources.includes(source)) sources.push(source);
        return `[${sources.indexOf(source) + 1}]`;
    };
    const cite = (l: CostLine) =>
        l.missing ??
        l.prices
            .map((p) => `$${p.usd}/${p.unit} ${ref(p.source)}${p.basis === undefined ? "" : ` ${ref(p.basis)}`}`)
            .join("; ");
    return [
        `Monthly cost, on demand (${PRICE_REGION} list prices, table checked ${PRICES_CHECKED}: scripts/prices.ts)`,
        ...(region !== PRICE_REGION ? [`The stack is in ${region}: its prices differ from these.`] : []),
        "",
        "| line | quantity | per month | price |",
        "|---|---|---|---|",
        ...lines.map(
            (l) =>
                `| ${l.item} | ${l.quantity} | ${l.monthlyUsd === undefined ? "not priced" : `$${l.monthlyUsd.toFixed(2)}`} | ${cite(l)} |`,
        ),
        `| **total** | | **$${total.toFixed(2)}**${unpriced.length > 0 ? ` without ${unpriced.map((l) => l.item).join(", ")}` : ""} | |`,
        "",
        "Sources:",
        ...sources.map((source, i) => `[${i + 1}] ${source}`),
        "",
        `Assumed usage (change with --assume name=value,...): ${Object.entries(a)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}. Not counted: data transfer out, requests to SSM, KMS, S3 and Secrets Manager, SNS ` +
            "deliveries, and the RDS-managed database secret.",
    ].join("\n");
}
