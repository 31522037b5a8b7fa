/**
 * The cost part of `npm run report` (scripts/report-cost.ts): lines from the resources the program declares, priced
 * from scripts/prices.ts; the figures below are worked out by hand from those prices.
 */
import { alarmMetrics, costLines, DEFAULT_ASSUMPTIONS, parseAssumptions, renderCost } from "../scripts/report-cost";
import { runProgram, type RunResult } from "../tools/harness";

let prod: RunResult;
let dev: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    dev = await runProgram({ stack: "dev" });
});

const line = (lines: ReturnType<typeof costLines>, item: string) => lines.find((l) => l.item === item);

test("prod: each group's instances and volumes, its warm pool's volume, three NAT gateways, three load balancers", () => {
    const lines = costLines(prod.resources, DEFAULT_ASSUMPTIONS);
    // 3 x 730 h x $0.085 = $186.15; 2 x 730 h x $0.0416 = $60.736.
    expect(line(lines, "EC2: api7-dp-hosts (c6i.large)")).toMatchObject({ quantity: "3 x 730 h", monthlyUsd: 186.15 });
    expect(line(lines, "EC2: api7-cp-hosts (t3.medium)")).toMatchObject({ monthlyUsd: 60.74 });
    // 3 x 80 GB x $0.08 = $19.20; a stopped warm host pays for its 80 GB only: $6.40.
    expect(line(lines, "EBS gp3: api7-dp-hosts root volumes")).toMatchObject({ monthlyUsd: 19.2 });
    expect(line(lines, "Warm pool: api7-dp-hosts (Stopped)")).toMatchObject({ monthlyUsd: 6.4 });
    // 3 x 730 h x $0.045 = $98.55 (network.natGateways perAz over 3 AZs).
    expect(line(lines, "NAT gateways")).toMatchObject({ quantity: "3 x 730 h", monthlyUsd: 98.55 });
    // 730 h x ($0.0225 + 1 LCU x $0.008) = $22.265.
    expect(line(lines, "ALB: api7-cp-lb-dashboard (assumed: 1 LCU)")).toMatchObject({ monthlyUsd: 22.27 });
    expect(lines.filter((l) => l.item.startsWith("NLB: "))).toHaveLength(2);
    // The price table has no db.m7g.large: named, not guessed, and out of the total.
    expect(line(lines, "RDS for PostgreSQL: db.m7g.large, Multi-AZ")).toMatchObject({ monthlyUsd: undefined });
    // Multi-AZ storage: 20 GB x $0.23.
    expect(line(lines, "RDS storage (gp3, Multi-AZ)")).toMatchObject({ monthlyUsd: 4.6 });
    // 17 alarms, three of them metric math over two metrics: 20 x $0.10.
    expect(line(lines, "CloudWatch alarms (17)")).toMatchObject({ quantity: "20 alarm metrics", monthlyUsd: 2 });
    // 5 hosts x 2 GB in at $0.50, 10 GB kept 30 days at $0.03.
    expect(line(lines, "CloudWatch Logs (assumed: 2 GB per host, 5 hosts, kept 30 days)")).toMatchObject({
        monthlyUsd: 5.3,
    });
    expect(line(lines, "KMS keys of the stack")).toMatchObject({ quantity: "3", monthlyUsd: 3 });
    const text = renderCost("us-east-1", lines, DEFAULT_ASSUMPTIONS);
    expect(text).toMatch(
        /^\| \*\*total\*\* \| \| \*\*\$\d+\.\d\d\*\* without RDS for PostgreSQL: db\.m7g\.large, Multi-AZ \| \|$/m,
    );
    expect(text).toContain("[1] aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go");
});

test("dev: one NAT gateway, a single-AZ db.t4g.medium priced, and a total with nothing left out", () => {
    const lines = costLines(dev.resources, DEFAULT_ASSUMPTIONS);
    expect(line(lines, "NAT gateways")).toMatchObject({ quantity: "1 x 730 h", monthlyUsd: 32.85 });
    // 730 h x $0.065 = $47.45.
    expect(line(lines, "RDS for PostgreSQL: db.t4g.medium")).toMatchObject({ monthlyUsd: 47.45 });
    expect(lines.every((l) => l.monthlyUsd !== undefined)).toBe(true);
    const total = lines.reduce((n, l) => n + l.monthlyUsd!, 0);
    expect(renderCost("us-east-1", lines, DEFAULT_ASSUMPTIONS)).toContain(`**$${total.toFixed(2)}** |`);
    expect(renderCost("eu-west-1", lines, DEFAULT_ASSUMPTIONS)).toContain(
        "The stack is in eu-west-1: its prices differ from these.",
    );
});

test("usage assumptions change by name; an unknown name or a bad number is refused", () => {
    const a = parseAssumptions(["--assume", "natGb=200,lcus=2"]);
    expect(a).toEqual({ ...DEFAULT_ASSUMPTIONS, natGb: 200, lcus: 2 });
    // 200 GB x $0.045 = $9.00.
    expect(line(costLines(prod.resources, a), "NAT data processed (assumed: natGb)")).toMatchObject({ monthlyUsd: 9 });
    expect(() => parseAssumptions(["--assume", "natgb=1"])).toThrow(
        "--assume natgb=1: no assumption natgb (natGb, lcus, logGbPerHost, endpointGb, requestMetricsPerBucket)",
    );
    expect(() => parseAssumptions(["--assume", "lcus=-1"])).toThrow(
        "--assume lcus=-1: lcus must be a number, at least 0",
    );
    expect(() => parseAssumptions(["--bogus"])).toThrow("unknown argument --bogus");
});

test("an alarm's metrics: its one metric, or each metric its metric math reads (not the expression)", () => {
    const alarms = prod.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const short = alarms.find((a) => a.inputs.name === "api7-ha-prod-gateways-short")!;
    const cpu = alarms.find((a) => a.inputs.name === "api7-ha-prod-database-cpu")!;
    expect([alarmMetrics(short), alarmMetrics(cpu)]).toEqual([2, 1]);
});
