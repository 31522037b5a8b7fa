/**
 * The stack's outputs, defined once: what `pulumi stack output --json` prints for a stack of either target. The
 * AWS stack (components/aws/stack.ts) and the Docker lab (components/docker/stack.ts) type what they return
 * against it, so `tsc` fails when one of them adds, drops or retypes an output without this schema; the drill
 * (`npm run drill`) parses a deployed stack's outputs with it. This module loads zod only, no Pulumi SDK.
 */
import type { Input } from "@pulumi/pulumi";
import { z } from "zod";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });
const nonEmpty = z.string().min(1);
/**
 * Docker's rule for container names, `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (moby/moby daemon/names/names.go, v28.3.0
 * RestrictedNamePattern). It also keeps a name from being read as an option by the docker CLI.
 */
const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "must be a Docker container name");
const containers = z.array(containerName).min(1, "must name at least one container");

/** Both targets: where clients and operators reach the gateways and the dashboard. */
const common = {
    gatewayUrls: z.object({ http: httpUrl, https: httpUrl }),
    dashboardUrl: httpUrl,
};

/** The lab's outputs (components/docker/stack.ts). */
export const dockerStackOutputs = z.object({
    target: z.literal("docker"),
    ...common,
    /** Container names by role (components/docker/lab.ts LabContainers): what the drills stop and start. */
    labContainers: z.object({
        gateways: containers,
        dashboards: containers,
        dpManagers: containers,
        database: containerName,
        loadBalancer: containerName,
        prometheus: containerName.optional(),
    }),
    /** Whether the lab's bootstrap issued the gateways' token (false when the stack brings its own). */
    gatewayTokenIssued: z.boolean(),
});

/** Where hosts pull images from, account and region resolved (components/image-refs.ts ImageSource). */
const imageSource = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("dockerHub") }),
    z.object({ kind: z.literal("ecrPullThroughCache"), registry: nonEmpty, prefix: nonEmpty }),
    z.object({ kind: z.literal("registry"), registry: nonEmpty }),
]);

/** The AWS stack's outputs (components/aws/stack.ts). */
export const awsStackOutputs = z.object({
    target: z.literal("aws"),
    ...common,
    /**
     * The shape every partition's regionRegex shares: a lowercase prefix of any length (`us`, `cn`, `eusc` of the
     * European Sovereign Cloud), one or more lowercase words, a number (boto/botocore botocore/data/partitions.json
     * @0e6e2404, e.g. `^eusc\-(de)\-\w+\-\d+$`, `^us\-isob\-\w+\-\d+$`).
     */
    region: z.string().regex(/^[a-z]+(-[a-z]+)+-\d+$/, "must be an AWS region name"),
    hostAmiId: nonEmpty,
    /** The gateways' NLB DNS name. */
    gatewayEndpoint: nonEmpty,
    gatewayTargetGroupArns: z.array(nonEmpty).min(1),
    /** Where gateways reach the DP Managers (the control plane's internal NLB). */
    dpManagerEndpoint: httpUrl,
    /** The Prometheus host's address, with prometheus.placement dedicated only. */
    prometheusUrl: httpUrl.optional(),
    dataPlaneMode: z.enum(["normal", "standalone"]),
    /** With fallback.enabled only. */
    fallbackBuckets: z.object({ config: nonEmpty, resource: nonEmpty }).optional(),
    /** The first-install bootstrap's spec, as JSON (components/aws/bootstrap.ts). */
    bootstrapSpec: nonEmpty,
    /** host:port of the RDS instance, and its master credentials' secret: with database.kind managed only. */
    databaseEndpoint: nonEmpty.optional(),
    databaseSecretArn: nonEmpty.optional(),
    vpcId: nonEmpty,
    privateSubnetIds: z.array(nonEmpty),
    publicSubnetIds: z.array(nonEmpty),
    availabilityZones: z.array(nonEmpty),
    securityGroupIds: z.object({ controlPlane: nonEmpty, dataPlane: nonEmpty }),
    /** The hosts' Auto Scaling groups; the Prometheus host's with prometheus.placement dedicated only. */
    autoScalingGroups: z.object({ controlPlane: nonEmpty, dataPlane: nonEmpty, prometheus: nonEmpty.optional() }),
    imageSource,
    /** The stack's CloudWatch dashboard (components/aws/ops-dashboard.ts), in the console. */
    cloudwatchDashboardUrl: z.url({ protocol: /^https$/, error: "must be an https:// URL" }),
    /** The SNS topic every alarm notifies (alarms.topicArn, or the stack's own). */
    alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:/, "must be an SNS topic ARN"),
});

/** The lab's outputs for API7 2.x (components/docker/lab-v2.ts). */
export const dockerV2StackOutputs = z.object({
    target: z.literal("docker"),
    generation: z.literal("2.x"),
    ...common,
    /** Container names by role: what the drills stop and start. No gateway before v2.clusterId. */
    labContainers: z.object({
        etcd: containers,
        dashboards: containers,
        gateways: z.array(containerName),
        loadBalancer: containerName,
    }),
});

/** The AWS stack's outputs for API7 2.x (components/aws/stack-v2.ts). */
export const awsV2StackOutputs = z.object({
    target: z.literal("aws"),
    generation: z.literal("2.x"),
    ...common,
    region: awsStackOutputs.shape.region,
    hostAmiId: nonEmpty,
    gatewayEndpoint: nonEmpty,
    /**
     * Each etcd member's client URL (its fixed address), reachable from the members, dashboards and gateways only
     * (their security groups): what `etcdctl --endpoints` takes on a member (docs/api7-2x.md).
     */
    etcdEndpoints: z.array(z.url({ protocol: /^https$/ })).min(3),
    /** The stack's etcd CA (PEM): not secret; what etcdctl checks the members' certificates against. */
    etcdCaCert: nonEmpty,
    /** Where the members' leader writes etcd snapshots (etcd/<UTC time>-<member id>.db). */
    snapshotBucket: nonEmpty,
    vpcId: nonEmpty,
    privateSubnetIds: z.array(nonEmpty),
    availabilityZones: z.array(nonEmpty),
    securityGroupIds: z.object({ dashboards: nonEmpty, gateways: nonEmpty, etcd: nonEmpty }),
    /** The gateways' group once v2.clusterId is set; one group per etcd member. */
    autoScalingGroups: z.object({
        dashboards: nonEmpty,
        gateways: nonEmpty.optional(),
        etcd: z.array(nonEmpty).min(3),
    }),
    imageSource,
    alarmTopicArn: awsStackOutputs.shape.alarmTopicArn,
});

/** API7 2.x's outputs on either target. */
export const v2StackOutputs = z.discriminatedUnion("target", [dockerV2StackOutputs, awsV2StackOutputs], {
    error: 'must be "aws" or "docker"',
});

export const stackOutputs = z.discriminatedUnion("target", [dockerStackOutputs, awsStackOutputs], {
    error: 'must be "aws" or "docker"',
});

export type DockerStackOutputs = z.infer<typeof dockerStackOutputs>;
export type AwsStackOutputs = z.infer<typeof awsStackOutputs>;
export type AwsV2StackOutputs = z.infer<typeof awsV2StackOutputs>;
export type DockerV2StackOutputs = z.infer<typeof dockerV2StackOutputs>;
export type StackOutputs = z.infer<typeof stackOutputs>;

/**
 * What a program may return for outputs T: T, with any value at any depth an Output or Promise of it. The SDK
 * resolves every Output and Promise inside the returned value, recursing into arrays and objects, before it records
 * the stack's outputs, and leaves a top-level undefined out of them (@pulumi/pulumi 3.248.0 runtime/stack.js,
 * `massage`): hence the optional fields. A returned object literal `satisfies` this type only with exactly T's
 * keys (TypeScript's excess property check).
 */
export type Exported<T> = { [K in keyof T]: ExportedValue<T[K]> };
type ExportedValue<T> = Input<
    T extends readonly unknown[] ? { [I in keyof T]: ExportedValue<T[I]> } : T extends object ? Exported<T> : T
>;
