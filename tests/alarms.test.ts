/**
 * The stack's alarms (components/aws/alarms.ts): one SNS topic, an alarm per HA failure with that topic as its
 * action, each treating missing data as stated, on the metrics AWS publishes (and the gateways' own).
 */
import { topicRegionProblem } from "../components/aws/alarms";
import { runProgram, type RunResult } from "../tools/harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

let prod: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
});

const alarms = (run: RunResult) => run.ofType(ALARM).map((a) => a.inputs);
const byName = (run: RunResult, name: string) => alarms(run).find((a) => a.name === name);

test("prod: one topic of its own, encrypted with AWS's SNS key, the action of every alarm (alarm and OK)", () => {
    const [topic] = prod.ofType(TOPIC);
    expect(topic.inputs).toMatchObject({ name: "api7-ha-prod-alarms", kmsMasterKeyId: "alias/aws/sns" });
    const arn = prod.computed.find(([, placeholder]) => placeholder === "<api7-alarms-topic.arn>")![0];
    expect(
        alarms(prod)
            .map((a) => a.name)
            .sort(),
    ).toEqual([
        "api7-ha-prod-control-plane-short",
        "api7-ha-prod-control-plane-unreachable",
        "api7-ha-prod-dashboard-unhealthy",
        "api7-ha-prod-dp-manager-unhealthy",
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
    for (const a of alarms(existing)) expect(a.alarmActions).toEqual([theirs]);
});

test("alarms.topicArn must be in the stack's region (checked at preview and deploy time, against the region AWS gives)", () => {
    expect(topicRegionProblem("arn:aws:sns:us-east-1:111122223333:pager", "us-east-1")).toBeUndefined();
    expect(topicRegionProblem("arn:aws:sns:eu-west-1:111122223333:pager", "us-east-1")).toBe(
        'alarms.topicArn = "arn:aws:sns:eu-west-1:111122223333:pager": is in eu-west-1, not in the stack\'s region ' +
            "us-east-1; an alarm notifies a topic in its own region",
    );
});
