/**
 * The stack's alarms (components/aws/alarms.ts): one SNS topic, an alarm per HA failure with that topic as its
 * action, each treating missing data as stated, on the metrics AWS publishes (and the gateways' own).
 */
import { topicRegionProblem } from "../components/config/load";
import { freshnessEvaluation } from "../components/aws/alarm-data";
import { EXTERNAL_DATABASE, runProgram, type RunResult } from "../tools/harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const KEY = "aws:kms/key:Key";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

let prod: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
});

/** prod with the database's connection threshold and a business-hours export schedule (one evaluation for both). */
const TUNED = {
    stack: "prod",
    config: { "alarms.databaseConnections": 350, "fallback.cronSpec": "*/5 9-17 * * 1-5" },
} as const;
/** prod on an external database, without fallback buckets (as tests/outputs.test.ts evaluates it: one evaluation). */
const EXTERNAL_NO_FALLBACK = {
    stack: "prod",
    config: { "fallback.enabled": false, ...EXTERNAL_DATABASE.config },
    secrets: EXTERNAL_DATABASE.secrets,
} as const;

const alarms = (run: RunResult) => run.ofType(ALARM).map((a) => a.inputs);
const byName = (run: RunResult, name: string) => alarms(run).find((a) => a.name === name);

test("prod: one topic of its own, encrypted with a key of its own, the action of every alarm (alarm and OK)", () => {
    const [topic] = prod.ofType(TOPIC);
    const key = prod.get("aws:kms/key:Key", "api7-alarms-key");
    const keyArn = prod.computed.find(([, placeholder]) => placeholder === "<api7-alarms-key.arn>")![0];
    expect(topic.inputs).toMatchObject({ name: "api7-ha-prod-alarms", kmsMasterKeyId: keyArn });
    expect(key.inputs.enableKeyRotation).toBe(true);
    const arn = "arn:aws:sns:us-east-1:123456789012:api7-ha-prod-alarms";
    expect(prod.outputs.alarmTopicArn).toBe(arn);
    expect(
        alarms(prod)
            .map((a) => a.name)
            .sort(),
    ).toEqual([
        "api7-ha-prod-control-plane-short",
        "api7-ha-prod-control-plane-unreachable",
        "api7-ha-prod-dashboard-5xx",
        "api7-ha-prod-dashboard-unhealthy",
        "api7-ha-prod-database-connections",
        "api7-ha-prod-database-cpu",
        "api7-ha-prod-database-memory",
        "api7-ha-prod-database-storage",
        "api7-ha-prod-dp-manager-unhealthy",
        "api7-ha-prod-export-stale-config",
        "api7-ha-prod-export-stale-resource",
        "api7-ha-prod-gateway-healthy-below-0",
        "api7-ha-prod-gateway-healthy-below-1",
        "api7-ha-prod-gateway-standalone",
        "api7-ha-prod-gateway-unhealthy-0",
        "api7-ha-prod-gateway-unhealthy-1",
        "api7-ha-prod-gateways-short",
    ]);
    for (const a of alarms(prod)) {
        expect([a.name, a.alarmActions, a.okActions]).toEqual([a.name, [arn], [arn]]);
        expect(a.alarmDescription).toMatch(/ Runbook: README, "[^"]+"\.$/);
    }
    expect(prod.ofType(SUBSCRIPTION)).toEqual([]);
});

test("gateways: unhealthy for a minute, and fewer healthy than dataPlane.count for two, per target group of the NLB", () => {
    const tgs = prod.ofType("aws:lb/targetGroup:TargetGroup").filter((t) => t.name.startsWith("api7-dp-lb-"));
    expect(tgs).toHaveLength(2);
    const unhealthy = byName(prod, "api7-ha-prod-gateway-unhealthy-0")!;
    expect(unhealthy).toMatchObject({
        namespace: "AWS/NetworkELB",
        metricName: "UnHealthyHostCount",
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
    });
    // The dimensions are the ARNs' suffixes, as CloudWatch names them (targetgroup/<name>/<id>, net/<name>/<id>).
    expect(unhealthy.dimensions.TargetGroup).toBe("targetgroup/api7-dp-lb-http/0001");
    expect(unhealthy.dimensions.LoadBalancer).toMatch(/^net\/[^/]+\/[^/]+$/);
    // prod runs 3 gateways.
    expect(byName(prod, "api7-ha-prod-gateway-healthy-below-1")).toMatchObject({
        metricName: "HealthyHostCount",
        statistic: "Minimum",
        evaluationPeriods: 2,
        comparisonOperator: "LessThanThreshold",
        threshold: 3,
        treatMissingData: "breaching",
        dimensions: { TargetGroup: "targetgroup/api7-dp-lb-https/0001" },
    });
});

test("the control plane: a dashboard (ALB) or a DP Manager (NLB) failing its health check for two minutes", () => {
    expect(byName(prod, "api7-ha-prod-dashboard-unhealthy")).toMatchObject({
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: { TargetGroup: "targetgroup/api7-cp-lb-dashboard/0001" },
        evaluationPeriods: 2,
        threshold: 0,
        treatMissingData: "notBreaching",
    });
    expect(byName(prod, "api7-ha-prod-dp-manager-unhealthy")).toMatchObject({
        namespace: "AWS/NetworkELB",
        dimensions: { TargetGroup: "targetgroup/api7-cp-lb-dpm/0001" },
    });
});

test("each Auto Scaling group: hosts in service below desired for longer than its worst-case replacement", () => {
    // gateways: detection 13 s + launch, install and pull 270 s + grace 360 s = 643 s, 11 minutes; control plane:
    // 25 + 330 + 480 = 835 s, 14 minutes (npm run report -- prod).
    for (const [tier, minutes] of [
        ["gateways", 11],
        ["control-plane", 14],
    ] as const) {
        const a = byName(prod, `api7-ha-prod-${tier}-short`)!;
        expect(a).toMatchObject({
            evaluationPeriods: minutes,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "breaching",
        });
        expect(a.metricQueries.map((q: any) => [q.id, q.expression ?? q.metric.metricName])).toEqual([
            ["desired", "GroupDesiredCapacity"],
            ["inservice", "GroupInServiceInstances"],
            ["short", "desired - inservice"],
        ]);
        expect(a.metricQueries[0].metric.namespace).toBe("AWS/AutoScaling");
    }
});

test("the gateways' own metrics: the DP Manager unreachable for two minutes, a gateway standalone; none when pinned standalone", async () => {
    expect(byName(prod, "api7-ha-prod-control-plane-unreachable")).toMatchObject({
        namespace: "API7-HA/Gateways",
        metricName: "ControlPlaneReachable",
        dimensions: { Stack: "prod", GatewayGroup: "default" },
        statistic: "Minimum",
        evaluationPeriods: 2,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
    });
    expect(byName(prod, "api7-ha-prod-gateway-standalone")).toMatchObject({
        metricName: "Standalone",
        statistic: "Maximum",
        threshold: 1,
        treatMissingData: "notBreaching",
    });
    const pinned = await runProgram({ stack: "prod", config: { "dataPlane.mode": "standalone" } });
    expect(alarms(pinned).filter((a) => /unreachable|standalone/.test(a.name))).toEqual([]);
});

test("alarms.emails subscribe to the stack's topic; alarms.topicArn replaces the topic, and no subscription is made", async () => {
    const subscribed = await runProgram({
        stack: "dev",
        config: { "alarms.emails[0]": "sre@example.com", "alarms.emails[1]": "oncall@example.org" },
    });
    expect(subscribed.ofType(SUBSCRIPTION).map((s) => [s.inputs.protocol, s.inputs.endpoint])).toEqual([
        ["email", "sre@example.com"],
        ["email", "oncall@example.org"],
    ]);
    const theirs = "arn:aws:sns:us-east-1:111122223333:platform-pager";
    const existing = await runProgram({ stack: "dev", config: { "alarms.topicArn": theirs } });
    expect([existing.ofType(TOPIC), existing.ofType(SUBSCRIPTION)]).toEqual([[], []]);
    expect(existing.ofType(KEY).map((k) => k.name)).not.toContain("api7-alarms-key");
    for (const a of alarms(existing)) expect(a.alarmActions).toEqual([theirs]);
    // The events go there too.
    expect(existing.ofType(TARGET).map((t) => t.inputs.arn)).toEqual([theirs, theirs]);
});

test("alarms.topicArn must be in the stack's region (checked at preview and deploy time, against the region AWS gives)", () => {
    expect(topicRegionProblem("arn:aws:sns:us-east-1:111122223333:pager", "us-east-1")).toBeUndefined();
    expect(topicRegionProblem("arn:aws:sns:eu-west-1:111122223333:pager", "us-east-1")).toBe(
        'alarms.topicArn = "arn:aws:sns:eu-west-1:111122223333:pager": is in eu-west-1, not in the stack\'s region ' +
            "us-east-1; an alarm notifies a topic in its own region",
    );
});

test("the topic's key lets CloudWatch, EventBridge and RDS encrypt to it (AWS's SNS key would drop their messages); EventBridge may publish", () => {
    const key = JSON.parse(prod.get(KEY, "api7-alarms-key").inputs.policy);
    expect(key.Statement.map((st: any) => [st.Sid, st.Principal, st.Action])).toEqual([
        ["AccountAdministersKey", { AWS: "arn:aws:iam::123456789012:root" }, "kms:*"],
        [
            "AlarmSourcesEncryptMessages",
            { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "events.rds.amazonaws.com"] },
            ["kms:Decrypt", "kms:GenerateDataKey*"],
        ],
    ]);
    const policy = JSON.parse(prod.get("aws:sns/topicPolicy:TopicPolicy", "api7-alarms-topic-policy").inputs.policy);
    const events = policy.Statement.find((st: any) => st.Sid === "EventBridgeRulesPublish");
    // No condition: EventBridge's SNS targets take none.
    expect(events).toEqual({
        Sid: "EventBridgeRulesPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: "arn:aws:sns:us-east-1:123456789012:api7-ha-prod-alarms",
    });
    expect(policy.Statement.find((st: any) => st.Sid === "AccountOwnsTopic").Condition).toEqual({
        StringEquals: { "AWS:SourceOwner": "123456789012" },
    });
});

test("events: a failed or cancelled instance refresh of either group, a rollout stopped at a host, each sent to the topic with its runbook", () => {
    const rules = Object.fromEntries(prod.ofType(RULE).map((r) => [r.inputs.name, JSON.parse(r.inputs.eventPattern)]));
    const groups = prod.outputs.autoScalingGroups as Record<string, string>;
    expect(rules["api7-ha-prod-instance-refresh-failed"]).toEqual({
        source: ["aws.autoscaling"],
        "detail-type": ["EC2 Auto Scaling Instance Refresh Failed", "EC2 Auto Scaling Instance Refresh Cancelled"],
        detail: { AutoScalingGroupName: [groups.dataPlane, groups.controlPlane] },
    });
    const rollouts = ["api7-cp-hosts-rollout-id", "api7-dp-hosts-rollout-id"];
    expect(rules["api7-ha-prod-rollout-failed"]).toEqual({
        source: ["aws.ssm"],
        "detail-type": ["EC2 State Manager Association State Change"],
        detail: { "association-id": rollouts, status: ["Failed"] },
    });
    for (const t of prod.ofType(TARGET)) {
        expect(t.inputs.arn).toBe("arn:aws:sns:us-east-1:123456789012:api7-ha-prod-alarms");
        expect(JSON.parse(t.inputs.inputTransformer.inputTemplate)).toMatch(/ Runbook: README, "[^"]+"\.$/);
    }
});

test("database (managed): CPU, free storage, freeable memory and connections alarmed, and its failovers, failures and maintenance sent as events", async () => {
    const dimensions = { DBInstanceIdentifier: "api7-ha-prod" };
    expect(byName(prod, "api7-ha-prod-database-cpu")).toMatchObject({
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 80,
        treatMissingData: "notBreaching",
    });
    // prod's 20 GiB: 5% is 1 GiB, written out.
    expect(byName(prod, "api7-ha-prod-database-storage")).toMatchObject({
        metricName: "FreeStorageSpace",
        comparisonOperator: "LessThanThreshold",
        threshold: 1073741824,
        treatMissingData: "breaching",
    });
    expect(byName(prod, "api7-ha-prod-database-memory")).toMatchObject({ threshold: 268435456 });
    expect(byName(prod, "api7-ha-prod-database-connections")).toMatchObject({
        metricName: "DatabaseConnections",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 200,
    });
    expect(prod.get("aws:rds/eventSubscription:EventSubscription", "api7-alarms-database").inputs).toMatchObject({
        snsTopic: "arn:aws:sns:us-east-1:123456789012:api7-ha-prod-alarms",
        sourceType: "db-instance",
        sourceIds: ["api7-ha-prod"],
        eventCategories: ["availability", "failover", "failure", "low storage", "maintenance"],
    });
    const tuned = await runProgram(TUNED);
    expect(byName(tuned, "api7-ha-prod-database-connections")!.threshold).toBe(350);
    const external = await runProgram(EXTERNAL_NO_FALLBACK);
    expect(alarms(external).filter((a) => a.name.includes("database"))).toEqual([]);
    expect(external.ofType("aws:rds/eventSubscription:EventSubscription")).toEqual([]);
});

test("fallback freshness: no PUT to a bucket in three of the schedule's longest gaps (S3 request metrics); none without the buckets", async () => {
    for (const role of ["config", "resource"]) {
        const a = byName(prod, `api7-ha-prod-export-stale-${role}`)!;
        // fallback.cronSpec @every 1m: the 15-minute floor, three five-minute periods, every one without a PUT.
        expect(a).toMatchObject({
            namespace: "AWS/S3",
            metricName: "PutRequests",
            dimensions: { FilterId: "api7-ha-export" },
            statistic: "Sum",
            period: 300,
            evaluationPeriods: 3,
            datapointsToAlarm: 3,
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            treatMissingData: "breaching",
        });
    }
    expect(prod.ofType("aws:s3/bucketMetric:BucketMetric").map((m) => m.inputs.name)).toEqual([
        "api7-ha-export",
        "api7-ha-export",
    ]);
    // Business hours only: the weekend's gap (63 h 5 min) sets the window, so no page every night or weekend.
    const office = await runProgram(TUNED);
    expect(byName(office, "api7-ha-prod-export-stale-config")).toMatchObject({ period: 3600, evaluationPeriods: 168 });
    const off = await runProgram(EXTERNAL_NO_FALLBACK);
    expect(alarms(off).filter((a) => a.name.includes("export"))).toEqual([]);
});

test("the freshness alarm looks back three of the schedule's longest gaps, at least 15 minutes, then within the day and the seven days an alarm may", () => {
    // Every minute: 15 minutes, S3's metrics arriving late.
    expect(freshnessEvaluation(60)).toEqual({ period: 300, evaluationPeriods: 3 });
    expect(freshnessEvaluation(600)).toEqual({ period: 300, evaluationPeriods: 6 });
    expect(freshnessEvaluation(3600)).toEqual({ period: 300, evaluationPeriods: 36 });
    // Daily exports: three days, hourly.
    expect(freshnessEvaluation(86400)).toEqual({ period: 3600, evaluationPeriods: 72 });
    // Weekly: capped at seven days (168 hours).
    expect(freshnessEvaluation(7 * 86400)).toEqual({ period: 3600, evaluationPeriods: 168 });
});

test("the dashboard 5xx alarm adds the dashboard's own errors and the load balancer's", () => {
    const a = byName(prod, "api7-ha-prod-dashboard-5xx")!;
    expect(
        a.metricQueries.map((q: any) => [q.id, q.expression ?? `${q.metric.namespace} ${q.metric.metricName}`]),
    ).toEqual([
        ["target", "AWS/ApplicationELB HTTPCode_Target_5XX_Count"],
        ["elb", "AWS/ApplicationELB HTTPCode_ELB_5XX_Count"],
        ["errors", "FILL(target, 0) + FILL(elb, 0)"],
    ]);
    expect(a).toMatchObject({ threshold: 10, treatMissingData: "notBreaching" });
});

test("a dashboard per stack: the same signals, a row per tier, every alarm's state; its URL a stack output", () => {
    const dashboard = prod.get("aws:cloudwatch/dashboard:Dashboard", "api7-alarms-dashboard");
    expect(dashboard.inputs.dashboardName).toBe("api7-ha-prod");
    expect(prod.outputs.cloudwatchDashboardUrl).toBe(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=api7-ha-prod",
    );
    const widgets = JSON.parse(dashboard.inputs.dashboardBody).widgets as any[];
    const titles = widgets.map((w) => w.properties.markdown ?? w.properties.title);
    expect(titles).toEqual([
        "## Gateways",
        "Gateways healthy and unhealthy, per target group",
        "Gateways in service and desired",
        "Gateways reaching the DP Manager, and standalone",
        "## Control plane",
        "Dashboard and DP Manager unhealthy hosts",
        "Dashboard 5xx",
        "Control plane in service and desired",
        "## Database",
        "CPU (%)",
        "Free storage (bytes)",
        "Freeable memory (bytes)",
        "Connections",
        "## Fallback export",
        "Exports written (PUT requests)",
        "## Alarms",
        "Every alarm of the stack",
    ]);
    // Within CloudWatch's 24-column grid, no two widgets on the same cells.
    const cells = new Set<string>();
    for (const w of widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x++)
            for (let y = w.y; y < w.y + w.height; y++) {
                expect(cells.has(`${x},${y}`)).toBe(false);
                cells.add(`${x},${y}`);
            }
    }
    const alarmWidget = widgets.find((w) => w.type === "alarm");
    expect(alarmWidget.properties.alarms).toHaveLength(alarms(prod).length);
    const asg = widgets.find((w) => w.properties.title === "Gateways in service and desired");
    const groups = prod.outputs.autoScalingGroups as Record<string, string>;
    expect(asg.properties.metrics).toEqual([
        ["AWS/AutoScaling", "GroupDesiredCapacity", "AutoScalingGroupName", groups.dataPlane, { label: "desired" }],
        [
            "AWS/AutoScaling",
            "GroupInServiceInstances",
            "AutoScalingGroupName",
            groups.dataPlane,
            { label: "in service" },
        ],
    ]);
});
