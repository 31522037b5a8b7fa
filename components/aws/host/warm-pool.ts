/**
 * A host group's warm pool and the launch lifecycle hook its hosts complete themselves (config-templates/
 * api7-lifecycle.sh). What AWS documents, from the EC2 Auto Scaling user guide (awsdocs/amazon-ec2-auto-scaling-
 * user-guide doc_source/ @7d907615, and the live pages named):
 * - A host launched into the warm pool goes Warmed:Pending, Warmed:Pending:Wait (the EC2_INSTANCE_LAUNCHING hook),
 *   then Warmed:Stopped (or Running, Hibernated); one the group then needs pauses again at Pending:Wait before
 *   InService (warm-pool-instance-lifecycle.md). So the hook is completed twice, and a host reads where it is headed
 *   from IMDS's autoscaling/target-lifecycle-state (retrieving-target-lifecycle-state-through-imds.md).
 * - Without the hook, Auto Scaling "does not wait for user data to finish running" before it stops a warming host
 *   ("Use lifecycle hooks with a warm pool"): with it, a host is stopped only once its first boot is done.
 * - The pool is sized by MinSize and MaxGroupPreparedCapacity (the most hosts in the pool or in any state but
 *   Terminated): MaxGroupPreparedCapacity minus the desired capacity, at least MinSize.
 * - An instance refresh "first replaces InService instances. Then it replaces instances in the warm pool"
 *   (ec2-auto-scaling-warm-pools.md, "Update a warm pool"): no old warm host is left to start later.
 * - No warm pool on a group with a mixed instances policy or Spot instances (PutWarmPool), and none but EBS roots
 *   stop or hibernate: these groups have neither.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { WarmPoolArgs } from "./args";
import { bootSeconds, type HostRole } from "../boot-budget";
import { LAUNCH_HOOK_NAME } from "../fleet";

/**
 * The pool: `size` warm hosts whatever the desired capacity (MaxGroupPreparedCapacity = the group's count + size, so
 * count + size - desired is at most size, and MinSize keeps it at size).
 */
export function warmPool(count: number, pool: WarmPoolArgs): aws.types.input.autoscaling.GroupWarmPool {
    return { poolState: pool.state, minSize: pool.size, maxGroupPreparedCapacity: count + pool.size };
}

/**
 * How long a launching host has to complete the hook: twice its role's cold boot budget, or the grace period if
 * longer. Not the grace period alone: hosts.healthCheckGraceSeconds, lowered to a measured service start, would
 * then abandon hosts still pulling their images.
 */
export function hookHeartbeatSeconds(role: HostRole, graceSeconds: number): number {
    return Math.max(graceSeconds, 2 * bootSeconds(role));
}

/**
 * The hook, on every group: a launching host (into the pool, or from it or straight into service) waits until it
 * completes the hook. A host that does not is abandoned (terminated): a host whose first boot failed is neither
 * kept warm nor put in service.
 */
export function launchHook(heartbeatSeconds: number) {
    return {
        name: LAUNCH_HOOK_NAME,
        lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        // AWS: 30 to 7200 seconds (PutLifecycleHook HeartbeatTimeout).
        heartbeatTimeout: Math.min(7200, Math.max(30, heartbeatSeconds)),
        defaultResult: "ABANDON",
    };
}

/**
 * The hook as a resource of its own as well: `initialLifecycleHooks` is applied only when a group is created and
 * forces a new group when it changes (hashicorp/terraform-provider-aws internal/service/autoscaling/group.go,
 * ForceNew since #34260; issue #49226), so the group ignores later changes of it (launch.ts) and this resource puts
 * the same hook on a group that exists already. PutLifecycleHook creates or updates a hook of that name.
 */
export function createLaunchHook(
    name: string,
    group: aws.autoscaling.Group,
    heartbeatSeconds: number,
    parent: pulumi.ComponentResource,
): aws.autoscaling.LifecycleHook {
    return new aws.autoscaling.LifecycleHook(
        `${name}-launch-hook`,
        { autoscalingGroupName: group.name, ...launchHook(heartbeatSeconds) },
        { parent },
    );
}

/**
 * What a host may do to complete its group's hook: find its group (DescribeAutoScalingInstances takes
 * no resource) and complete lifecycle actions on groups tagged as its own (CompleteLifecycleAction on the
 * autoScalingGroup resource, with the autoscaling:ResourceTag condition key; Service Authorization Reference, Amazon
 * EC2 Auto Scaling, list_amazonec2autoscaling.html). The group's own ARN holds an id known only once it exists,
 * and its hosts need the permission while `pulumi up` still creates it.
 */
export function lifecycleStatements(
    groupArnPattern: pulumi.Input<string>,
    tag: { readonly key: string; readonly value: string },
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        { sid: "FindOwnGroup", actions: ["autoscaling:DescribeAutoScalingInstances"], resources: ["*"] },
        {
            sid: "CompleteLaunchHook",
            actions: ["autoscaling:CompleteLifecycleAction"],
            resources: [groupArnPattern],
            conditions: [{ test: "StringEquals", variable: `autoscaling:ResourceTag/${tag.key}`, values: [tag.value] }],
        },
    ];
}
