/**
 * The stack's EventBridge rules (components/aws/alarm-events.ts), as the program renders them for prod, put into
 * EventBridge emulated by moto with a queue as their target, then sent AWS's own sample events (EC2 Auto Scaling user
 * guide, ec2-auto-scaling-event-reference.md @6c46a785; Systems Manager user guide,
 * monitoring-systems-manager-event-examples.md @dd495cca) with the stack's names in them: each rule passes the
 * events it exists for and no other. moto's TestEventPattern answers nothing, so events go through PutEvents, whose
 * pattern matching routes them (moto/events/models.py EventPattern).
 */
import { runProgram, type RunResult } from "../../tools/harness";
import { REGION, startMoto, type Moto } from "./services";

let moto: Moto;
let prod: RunResult;

beforeAll(async () => {
    moto = await startMoto();
    prod = await runProgram({ stack: "prod" });
}, 60000);

afterAll(() => moto?.stop());

const ACCOUNT = "123456789012";

/** An event as AWS's samples write it, with its source, type and detail. */
const sample = (source: string, type: string, detail: object) => ({
    Source: source,
    DetailType: type,
    Detail: JSON.stringify(detail),
    Resources: [],
});

test("the rules pass a failed or cancelled refresh of the stack's groups and a failed rollout, and nothing else", async () => {
    const events = (target: string, body: object) => moto.json("events", `AWSEvents.${target}`, body);
    const sqs = (target: string, body: object) => moto.json("sqs", `AmazonSQS.${target}`, body);
    const groups = prod.outputs.autoScalingGroups as Record<string, string>;
    const received: Record<string, string[]> = {};
    for (const rule of prod.ofType("aws:cloudwatch/eventRule:EventRule")) {
        const name = rule.inputs.name as string;
        const { QueueUrl } = await sqs("CreateQueue", { QueueName: name });
        await events("PutRule", { Name: name, EventPattern: rule.inputs.eventPattern });
        await events("PutTargets", {
            Rule: name,
            Targets: [{ Id: "queue", Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}` }],
        });
        received[name] = [QueueUrl];
    }
    const refresh = (type: string, group: string) =>
        sample("aws.autoscaling", type, {
            InstanceRefreshId: "c613620e-07e2-4ed2-a9e2-ef8258911ade",
            AutoScalingGroupName: group,
        });
    const association = (id: string, status: string) =>
        sample("aws.ssm", "EC2 State Manager Association State Change", {
            "association-id": id,
            "document-name": "AWS-RunShellScript",
            status,
        });
    await events("PutEvents", {
        Entries: [
            refresh("EC2 Auto Scaling Instance Refresh Failed", groups.dataPlane),
            refresh("EC2 Auto Scaling Instance Refresh Cancelled", groups.controlPlane),
            // Not for these rules: a refresh that succeeded, another group's, a rollout that succeeded, another
            // association's failure.
            refresh("EC2 Auto Scaling Instance Refresh Succeeded", groups.dataPlane),
            refresh("EC2 Auto Scaling Instance Refresh Failed", "billing-workers"),
            association("api7-dp-hosts-rollout-id", "Success"),
            association("6e37940a-23ba-4ab0-9b96-5d0a1a05464f", "Failed"),
            association("api7-cp-hosts-rollout-id", "Failed"),
        ],
    });
    const messages = async (rule: string) => {
        const answer = await sqs("ReceiveMessage", { QueueUrl: received[rule][0], MaxNumberOfMessages: 10 });
        return ((answer.Messages ?? []) as { Body: string }[])
            .map((m) => JSON.parse(m.Body) as { "detail-type": string; detail: Record<string, string> })
            .map((e) => `${e["detail-type"]}: ${e.detail.AutoScalingGroupName ?? e.detail["association-id"]}`)
            .sort();
    };
    expect(await messages("api7-ha-prod-instance-refresh-failed")).toEqual([
        `EC2 Auto Scaling Instance Refresh Cancelled: ${groups.controlPlane}`,
        `EC2 Auto Scaling Instance Refresh Failed: ${groups.dataPlane}`,
    ]);
    expect(await messages("api7-ha-prod-rollout-failed")).toEqual([
        "EC2 State Manager Association State Change: api7-cp-hosts-rollout-id",
    ]);
});
