/**
 * The host building block: a group of EC2 instances of one role (control plane, data plane, Prometheus) with their
 * IAM identity, their SSM parameters (run specs, configs, secrets) and the association that rolls config changes
 * out one host at a time. The constructor validates, then calls one named step per group of children (host/*.ts),
 * as pulumi-eks's NodeGroupV2 calls createNodeGroupV2(name, args, core, this, provider)
 * (pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts @7bf0c1b1).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, validateHostGroupArgs, type HostContext, type HostGroupArgs } from "./host/args";
import { createIdentity } from "./host/identity";
import { createLogs } from "./host/logs";
import { createGroup, createLaunchTemplate } from "./host/launch";
import { createSecrets, createServiceParameters } from "./host/parameters";
import { createRollout, groupRolloutScope, type RolloutFingerprint } from "./host/rollout";
import { GROUP_TAG, groupTagValue, parameterPrefix, ROLLOUT_TAG } from "./fleet";
import { whereabouts } from "./whereabouts";

export type { HostContext, HostGroupArgs, HostPlacement } from "./host/args";
export type { ManagedDatabaseDsn, ServiceDefinition, StateFile } from "../services";

/**
 * A group of identical hosts running the same containers: an Auto Scaling group over the private subnets of every
 * AZ, launched from a launch template, replaced when unhealthy, and rolled one host at a time when the template
 * changes.
 */
export class HostGroup extends pulumi.ComponentResource {
    public readonly autoScalingGroupName: pulumi.Output<string>;
    public readonly autoScalingGroupArn: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;
    /** The hosts' IAM role: other components attach their own scoped policies to it. */
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly parameterPrefix: string;
    /** The Auto Scaling group, for dependencies (`pulumi up` waits for its hosts at creation). */
    public readonly group: aws.autoscaling.Group;
    /**
     * The State Manager association that rolls config changes out (an alarm watches it fail); undefined with a
     * shared rollout, which its owner creates from rolloutFingerprint.
     */
    public readonly rolloutAssociationId: pulumi.Output<string> | undefined;
    /** What the group's rollout fingerprints: its configs and run specs, and its secrets' versions. */
    public readonly rolloutFingerprint: RolloutFingerprint;
    /** The role's CloudWatch Logs group (/<project>/<stack>/<role>). */
    public readonly logGroupName: pulumi.Output<string>;
    /** name@version of each secret parameter: changes when a secret does (never its value). */
    public readonly secretVersions: pulumi.Output<string>[];

    constructor(name: string, args: HostGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:HostGroup", name, {}, opts);
        validateHostGroupArgs(name, args);
        const context = hostContext(args, this);
        this.parameterPrefix = context.prefix;

        const logs = createLogs(name, args, context, this);
        const identity = createIdentity(name, args, context, logs.group.arn, this);
        const secrets = createSecrets(name, args, context, identity.parametersPolicy, this);
        const services = createServiceParameters(name, args, context, secrets, logs.group.name, this);
        const template = createLaunchTemplate(
            name,
            args,
            context,
            identity.profile,
            [
                ...services.parameters,
                ...Object.values(secrets.parameters),
                logs.group,
                logs.agentConfig,
                ...identity.policies,
                ...args.placement.registry.dependencies,
            ],
            this,
        );
        this.group = createGroup(name, args, context, template, this);
        this.secretVersions = Object.values(secrets.parameters).map((p) => pulumi.interpolate`${p.name}@${p.version}`);
        this.rolloutFingerprint = { plainValues: services.values, secretVersions: this.secretVersions };
        this.rolloutAssociationId =
            args.rollout === "shared"
                ? undefined
                : createRollout(name, groupRolloutScope(args), this.rolloutFingerprint, [this.group], this)
                      .associationId;
        this.autoScalingGroupName = this.group.name;
        this.autoScalingGroupArn = this.group.arn;
        this.launchTemplateId = template.id;
        this.roleName = identity.role.name;
        this.roleArn = identity.role.arn;
        this.logGroupName = logs.group.name;
        this.registerOutputs({
            autoScalingGroupName: this.autoScalingGroupName,
            autoScalingGroupArn: this.autoScalingGroupArn,
            launchTemplateId: this.launchTemplateId,
            roleName: this.roleName,
            roleArn: this.roleArn,
        });
    }
}

/** The group's tags, SSM path and whereabouts, shared by its steps. */
function hostContext(args: HostGroupArgs, group: HostGroup): HostContext {
    const invokeOpts = { parent: group };
    return {
        // Stack, role and group tags: Prometheus finds the gateways by the first two, SSM associations by the group.
        tags: {
            ...(args.tags ?? {}),
            "api7-ha:stack": args.stack,
            "api7-ha:role": args.role,
            [GROUP_TAG]: groupTagValue(args.project, args.stack, groupName(args)),
            ...(args.rollout === "shared" ? { [ROLLOUT_TAG]: groupTagValue(args.project, args.stack, args.role) } : {}),
        },
        prefix: parameterPrefix(args.project, args.stack, groupName(args)),
        ...whereabouts(group),
        invokeOpts,
    };
}
