/**
 * How a host group's instances are launched and kept: the launch template (image, type, identity, network, disk,
 * user data, tags) and the Auto Scaling group over the private subnets of every AZ, replacing unhealthy hosts and
 * rolling one host at a time when the template changes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, type HostContext, type HostGroupArgs } from "./args";
import { gracePeriodSeconds, WARMUP_SECONDS } from "../boot-budget";
import { renderUserData, type UserDataExtras } from "../cloud-init";
import { createLaunchHook, hookHeartbeatSeconds, launchHook, warmPool } from "./warm-pool";
import {
    groupMaxSize,
    instanceRefresh,
    launchTemplateOptions,
    launchTemplateUserData,
    maxHealthyPercentage,
    waitForCapacitySeconds,
} from "../fleet";

/** The launch template, depending on everything a host reads at its first boot (`dependsOn`). */
export function createLaunchTemplate(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    profile: aws.iam.InstanceProfile,
    dependsOn: pulumi.Resource[],
    parent: pulumi.ComponentResource,
): aws.ec2.LaunchTemplate {
    const { tags, prefix, region, invokeOpts } = context;
    const ami = args.placement.ami;
    const serviceNames = args.services.map((s) => s.name);
    const databaseRotation = (args.readableSecretArns ?? []).length > 0;
    const extras = pulumi.output(args.userDataExtras) as pulumi.Output<UserDataExtras | undefined>;
    const userData = pulumi.all([region, extras]).apply(([r, userDataExtras]) =>
        launchTemplateUserData(
            renderUserData({
                region: r,
                parameterPrefix: prefix,
                services: serviceNames,
                bootstrap: args.bootstrap,
                databaseRotation,
                watchedServices: args.services.filter((svc) => svc.watched).map((svc) => svc.name),
                warmPool: args.warmPool !== undefined,
                extras: userDataExtras,
            }),
        ),
    );

    // Provider default tags do not reach what an Auto Scaling group launches (@pulumi/aws autoscaling/group.d.ts),
    // so the template tags instances and volumes with them as well.
    const defaultTags = aws.getDefaultTagsOutput({}, invokeOpts).tags;
    const launchTags = defaultTags.apply((d) => ({
        ...d,
        ...tags,
        Name: `${args.project}-${args.stack}-${groupName(args)}`,
    }));

    return new aws.ec2.LaunchTemplate(
        `${name}-template`,
        {
            description: `api7-ha ${args.stack} ${groupName(args)} hosts`,
            imageId: ami.id,
            instanceType: args.instanceType,
            iamInstanceProfile: { arn: profile.arn },
            ebsOptimized: "true",
            monitoring: { enabled: true },
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // Containers sit one network hop behind the host: a limit of 1 would cut them off from IMDS.
                httpPutResponseHopLimit: 2,
            },
            // The group supplies the subnets; the template the security groups and no public address.
            networkInterfaces: [
                {
                    deviceIndex: 0,
                    associatePublicIpAddress: "false",
                    deleteOnTermination: "true",
                    securityGroups: [...args.securityGroupIds],
                },
            ],
            blockDeviceMappings: [
                {
                    deviceName: ami.rootDeviceName,
                    ebs: {
                        volumeType: "gp3",
                        volumeSize: args.rootVolumeGiB,
                        encrypted: "true",
                        deleteOnTermination: "true",
                    },
                },
            ],
            userData,
            // Hibernation is chosen at launch or never (EC2 user guide, "Enable instance hibernation"): a warm pool
            // kept Hibernated needs it on its hosts, else they are stopped instead.
            ...(args.warmPool?.state === "Hibernated" ? { hibernationOptions: { configured: true } } : {}),
            tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
                resourceType,
                tags: launchTags,
            })),
            updateDefaultVersion: true,
            tags,
        },
        launchTemplateOptions(ami.pinned, parent, dependsOn),
    );
}

/** The Auto Scaling group launched from the template, and its CPU target-tracking policy when it scales. */
export function createGroup(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    template: aws.ec2.LaunchTemplate,
    parent: pulumi.ComponentResource,
): aws.autoscaling.Group {
    const targetGroupArns = [...(args.targetGroupArns ?? [])];
    const loadBalanced = targetGroupArns.length > 0;
    const grace = gracePeriodSeconds(args.role, args.healthyAfterSeconds, args.placement.healthCheckGraceSeconds);
    const heartbeat = hookHeartbeatSeconds(args.role, grace);
    const max = groupMaxSize(args.count, args.scaling?.maxCount);
    const group = new aws.autoscaling.Group(
        `${name}-group`,
        {
            vpcZoneIdentifiers: args.placement.subnets.map((s) => s.id),
            minSize: args.count,
            maxSize: max,
            // With scaling, the policy owns the desired capacity; a fixed value would undo it at every `pulumi up`.
            desiredCapacity: args.scaling ? undefined : args.count,
            // A numbered version, so a template change is a change of the group and starts an instance refresh
            // ("$Latest" never changes; @pulumi/aws autoscaling/group.d.ts, instanceRefresh).
            launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
            healthCheckType: loadBalanced ? "ELB" : "EC2",
            healthCheckGracePeriod: grace,
            defaultInstanceWarmup: WARMUP_SECONDS,
            targetGroupArns,
            // Creation waits until count hosts are healthy in every target group (updates do not: see README).
            minElbCapacity: loadBalanced ? args.count : undefined,
            waitForCapacityTimeout: `${waitForCapacitySeconds(grace)}s`,
            // Every replacement, not only refreshes: launch first, terminate once the new host is healthy; or, for a
            // host that holds what its replacement needs, terminate first, and no refresh (HostGroupArgs.replacement).
            ...(args.replacement === "terminateFirst"
                ? { instanceMaintenancePolicy: { minHealthyPercentage: 0, maxHealthyPercentage: 100 } }
                : {
                      instanceMaintenancePolicy: {
                          minHealthyPercentage: 100,
                          maxHealthyPercentage: maxHealthyPercentage(args.count),
                      },
                      instanceRefresh: instanceRefresh(args.count, WARMUP_SECONDS),
                  }),
            // Every group: a host is in service only once it has started its services (api7-lifecycle), and a warm
            // pool can be added later without a launch its hosts do not wait on.
            initialLifecycleHooks: [launchHook(heartbeat)],
            ...(args.warmPool ? { warmPool: warmPool(args.count, args.warmPool) } : {}),
            enabledMetrics: [
                "GroupDesiredCapacity",
                "GroupInServiceInstances",
                "GroupPendingInstances",
                "GroupTerminatingInstances",
                "GroupTotalInstances",
            ],
            tags: Object.entries({ ...context.tags, Name: `${args.project}-${args.stack}-${groupName(args)}` }).map(
                ([key, value]) => ({ key, value, propagateAtLaunch: false }),
            ),
        },
        // initialLifecycleHooks count only at creation; createLaunchHook keeps the hook on a group that exists.
        { parent, dependsOn: [...(args.dependsOn ?? [])], ignoreChanges: ["initialLifecycleHooks"] },
    );
    createLaunchHook(name, group, heartbeat, parent);

    if (args.scaling) {
        new aws.autoscaling.Policy(
            `${name}-cpu`,
            {
                autoscalingGroupName: group.name,
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                    targetValue: args.scaling.targetCpuPercent,
                },
            },
            { parent },
        );
    }
    return group;
}
