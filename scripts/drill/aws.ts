/**
 * The AWS target's fault: the arguments of the `aws` CLI calls that find the hosts and run systemctl on them, and
 * the reading of their answers.
 */
import { z } from "zod";
import { firstLines, type CommandResult } from "./io";
import { SetupError } from "./args";

/**
 * `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names <name> --region <r> --output json`, whose
 * output is {"AutoScalingGroups": [{"AutoScalingGroupName", "Instances": [{"InstanceId", "HealthStatus",
 * "LifecycleState", ...}]}]} (aws/aws-cli awscli/examples/autoscaling/describe-auto-scaling-groups.rst @07c4fe36,
 * example 1). Unknown names give an empty list, not an error (the same API's "If you omit this parameter, all Auto
 * Scaling groups are described": names filter).
 */
export function describeGroupArgs(group: string, region: string): string[] {
    return [
        "autoscaling",
        "describe-auto-scaling-groups",
        "--auto-scaling-group-names",
        group,
        "--region",
        region,
        "--output",
        "json",
    ];
}

const describeGroups = z.object({
    AutoScalingGroups: z.array(
        z.object({
            AutoScalingGroupName: z.string(),
            Instances: z
                .array(z.object({ InstanceId: z.string(), HealthStatus: z.string(), LifecycleState: z.string() }))
                .default([]),
        }),
    ),
});

export type GroupInstance = z.infer<typeof describeGroups>["AutoScalingGroups"][number]["Instances"][number];

/** The instances describe-auto-scaling-groups lists for `group`, in any state; none is not an error. */
export function groupInstances(json: string, group: string): GroupInstance[] {
    let parsed;
    try {
        parsed = describeGroups.parse(JSON.parse(json));
    } catch {
        throw new SetupError(`describe-auto-scaling-groups for ${group}: unexpected output`);
    }
    const asg = parsed.AutoScalingGroups.find((g) => g.AutoScalingGroupName === group);
    if (!asg) throw new SetupError(`Auto Scaling group ${group} not found (wrong AWS account or credentials?)`);
    return asg.Instances;
}

/**
 * The hosts to stop: the first instance the group lists as LifecycleState InService and HealthStatus Healthy, or
 * with `allHosts` every InService one (a host the group is replacing may still run a control plane).
 */
export function chooseInstances(json: string, group: string, allHosts: boolean): string[] {
    return chooseFrom(groupInstances(json, group), group, allHosts);
}

/** chooseInstances on instances already read. */
export function chooseFrom(instances: readonly GroupInstance[], group: string, allHosts: boolean): string[] {
    const inService = instances.filter((i) => i.LifecycleState === "InService");
    const chosen = allHosts ? inService : inService.filter((i) => i.HealthStatus === "Healthy").slice(0, 1);
    if (chosen.length === 0) {
        throw new SetupError(
            `Auto Scaling group ${group} has no InService${allHosts ? "" : " and Healthy"} instance ` +
                `(${instances.length} instance(s) listed)`,
        );
    }
    return chosen.map((i) => i.InstanceId);
}

/**
 * `aws ssm send-command --instance-ids ... --document-name AWS-RunShellScript --parameters ... --comment ...`
 * (aws/aws-cli awscli/examples/ssm/send-command.rst @56a45fe4). --parameters is a map: a value starting with "{" is
 * read as JSON (awscli/argprocess.py @07c4fe36, _unpack_complex_cli_arg), so no shorthand quoting is involved.
 * The document runs `commands` as root with /bin/sh; its exit status decides Success or Failed. SendCommand's
 * Comment is at most 100 characters (botocore 1.43.11 data/ssm/2014-11-06/service-2.json, shape Comment, max 100).
 */
export function sendCommandArgs(
    region: string,
    instanceIds: readonly string[],
    command: string,
    comment: string,
): string[] {
    return [
        "ssm",
        "send-command",
        "--region",
        region,
        "--instance-ids",
        ...instanceIds,
        "--document-name",
        "AWS-RunShellScript",
        "--parameters",
        JSON.stringify({ commands: [command] }),
        "--comment",
        comment.slice(0, 100),
        "--output",
        "json",
    ];
}

/** send-command prints {"Command": {"CommandId": ..., "Status": "Pending", ...}} (the same example). */
export function parseCommandId(json: string): string {
    try {
        return z.object({ Command: z.object({ CommandId: z.string().min(1) }) }).parse(JSON.parse(json)).Command
            .CommandId;
    } catch {
        throw new SetupError("ssm send-command: no Command.CommandId in its output");
    }
}

/** `aws ssm get-command-invocation --command-id ... --instance-id ...` (awscli/examples/ssm/get-command-invocation.rst @56a45fe4). */
export function invocationArgs(region: string, commandId: string, instanceId: string): string[] {
    return [
        "ssm",
        "get-command-invocation",
        "--region",
        region,
        "--command-id",
        commandId,
        "--instance-id",
        instanceId,
        "--output",
        "json",
    ];
}

export type InvocationState =
    | { readonly kind: "waiting"; readonly status: string }
    | { readonly kind: "success"; readonly output: string }
    | {
          readonly kind: "failed";
          readonly status: string;
          readonly detail: string;
          /** The command's exit status on the host, when it ran (ResponseCode; -1 when it did not). */
          readonly exitCode?: number;
      };

/**
 * One get-command-invocation answer, judged as botocore's CommandExecuted waiter judges it (boto/botocore
 * botocore/data/ssm/2014-11-06/waiters-2.json @cd920775, which covers every value of the CommandInvocationStatus
 * enum in service-2.json): Status Pending, InProgress or Delayed and the error
 * InvocationDoesNotExist (the invocation is not registered yet right after send-command) mean wait; Success is
 * done, with what the command printed (StandardOutputContent, its first 24,000 characters, the same shape); Cancelled, TimedOut, Failed and Cancelling are failures. The CLI prints a service error as
 * "An error occurred (<Code>) when calling the <Operation> operation: <message>" on stderr (botocore/exceptions.py
 * ClientError.MSG_TEMPLATE @f4ed130b) and exits non-zero (255 in v1, aws/aws-cli awscli/topics/return-codes.rst;
 * 254 in v2), so the code is read from stderr, not from the exit status.
 */
export function invocationState(result: CommandResult): InvocationState {
    if (result.code !== 0) {
        if (/\(InvocationDoesNotExist\)/.test(result.stderr))
            return { kind: "waiting", status: "InvocationDoesNotExist" };
        return { kind: "failed", status: `aws exit ${result.code ?? "signal"}`, detail: firstLines(result.stderr) };
    }
    let parsed;
    try {
        parsed = z
            .object({
                Status: z.string(),
                StatusDetails: z.string().optional(),
                ResponseCode: z.number().optional(),
                StandardOutputContent: z.string().optional(),
                StandardErrorContent: z.string().optional(),
            })
            .parse(JSON.parse(result.stdout));
    } catch {
        return { kind: "failed", status: "unreadable", detail: "get-command-invocation printed no Status" };
    }
    if (["Pending", "InProgress", "Delayed"].includes(parsed.Status)) return { kind: "waiting", status: parsed.Status };
    if (parsed.Status === "Success") return { kind: "success", output: parsed.StandardOutputContent ?? "" };
    return {
        kind: "failed",
        status: parsed.Status,
        detail: firstLines(parsed.StandardErrorContent ?? parsed.StatusDetails ?? ""),
        ...(parsed.ResponseCode === undefined ? {} : { exitCode: parsed.ResponseCode }),
    };
}

/**
 * `aws autoscaling terminate-instance-in-auto-scaling-group --instance-id ID --no-should-decrement-desired-capacity`:
 * "Amazon EC2 Auto Scaling launches a replacement instance after the specified instance terminates"
 * (aws/aws-cli awscli/examples/autoscaling/terminate-instance-in-auto-scaling-group.rst @1957023a). Terminating, the
 * instance leaves its target groups first (deregistration delay), as any instance the group terminates.
 */
export function terminateArgs(region: string, instanceId: string): string[] {
    return [
        "autoscaling",
        "terminate-instance-in-auto-scaling-group",
        "--instance-id",
        instanceId,
        "--no-should-decrement-desired-capacity",
        "--region",
        region,
        "--output",
        "json",
    ];
}

/**
 * `aws elbv2 describe-target-health --target-group-arn ARN --targets Id=ID`, which prints {"TargetHealthDescriptions":
 * [{"Target": {"Id", "Port"}, "TargetHealth": {"State": "healthy" | "initial" | "unhealthy" | "unused" | ...}}]}
 * (aws/aws-cli awscli/examples/elbv2/describe-target-health.rst @1e31b902, "To describe the health of a target").
 */
export function targetHealthArgs(region: string, targetGroupArn: string, instanceId: string): string[] {
    return [
        "elbv2",
        "describe-target-health",
        "--target-group-arn",
        targetGroupArn,
        "--targets",
        `Id=${instanceId}`,
        "--region",
        region,
        "--output",
        "json",
    ];
}

/** The target's state in that answer, or undefined when the answer names none. */
export function targetState(json: string): string | undefined {
    const parsed = z
        .object({ TargetHealthDescriptions: z.array(z.object({ TargetHealth: z.object({ State: z.string() }) })) })
        .safeParse(safeJson(json));
    return parsed.success ? parsed.data.TargetHealthDescriptions[0]?.TargetHealth.State : undefined;
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
