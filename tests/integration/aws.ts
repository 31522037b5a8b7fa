/**
 * The AWS CLI calls the cloud test (tests/cloud/ha.cloud.test.ts) makes while it waits for hosts. They live apart
 * from it so that how they fail is tested on every run, against a fake CLI (aws.test.ts).
 */
import { spawnSync } from "child_process";
import { z } from "zod";
import type { AwsStackOutputs } from "../../components/outputs";
import { describeGroupArgs, groupInstances } from "../../scripts/drill/aws";

/**
 * An `aws` CLI call's stdout (JSON with --output json). A failed call throws at once, with the CLI's stderr: the CLI
 * has already retried what is worth retrying (throttling, timeouts, HTTP 5xx: its standard retry mode,
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-retries.html), so what is left (no credentials,
 * access denied, a wrong region) does not go away by asking again.
 */
export function aws(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
    const r = spawnSync("aws", [...args, ...(args.includes("--output") ? [] : ["--output", "json"])], {
        encoding: "utf8",
        env,
    });
    if (r.status !== 0)
        throw new Error(
            `aws ${args.join(" ")}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}: ${r.stderr?.trim() ?? ""}`,
        );
    return r.stdout;
}

/**
 * `aws elbv2 describe-target-health` prints {"TargetHealthDescriptions": [{"Target": {"Id", "Port"}, "TargetHealth":
 * {"State", ...}}]} (aws/aws-cli awscli/examples/elbv2/describe-target-health.rst @1e31b902).
 */
const targetHealth = z.object({
    TargetHealthDescriptions: z.array(
        z.object({ Target: z.object({ Id: z.string() }), TargetHealth: z.object({ State: z.string() }) }),
    ),
});

export function targetStates(targetGroupArn: string, region: string, env?: NodeJS.ProcessEnv): Record<string, string> {
    const health = targetHealth.parse(
        JSON.parse(
            aws(["elbv2", "describe-target-health", "--target-group-arn", targetGroupArn, "--region", region], env),
        ),
    );
    return Object.fromEntries(health.TargetHealthDescriptions.map((d) => [d.Target.Id, d.TargetHealth.State]));
}

/**
 * The data plane group's InService instances, read as the drill reads the group. While hosts come up the group lists
 * fewer of them than it will, or none: the caller waits for that. Anything else fails at once: the CLI failing
 * (see `aws`), or the group missing from its answer.
 */
export function gatewayHosts(outputs: AwsStackOutputs, env?: NodeJS.ProcessEnv): string[] {
    const group = outputs.autoScalingGroups.dataPlane;
    return groupInstances(aws(describeGroupArgs(group, outputs.region), env), group)
        .filter((i) => i.LifecycleState === "InService")
        .map((i) => i.InstanceId);
}
