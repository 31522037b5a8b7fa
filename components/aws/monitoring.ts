/**
 * Optional Prometheus (prometheus.enabled) for API7's built-in monitoring: on its own host, or on every
 * control-plane host; never on a gateway host, whose control API already holds 127.0.0.1:9090.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HostGroup, type HostPlacement, type ServiceDefinition } from "./host";
import { PROMETHEUS_HEALTH } from "../listeners";
import { PORTS } from "../ports";

/** Prometheus as a host service: config from config-templates/prometheus.yml, data in a Docker volume. */
export function prometheusService(args: {
    readonly image: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly stack: string;
}): ServiceDefinition {
    return {
        name: "prometheus",
        container: "api7-prometheus",
        image: args.image,
        configTemplate: "prometheus.yml",
        configData: pulumi.output(args.region).apply((region) => ({
            region,
            gatewayMetricsPort: PORTS.gatewayMetrics,
            stackTag: [args.stack],
        })),
        configPath: "/etc/prometheus/prometheus.yml",
        dockerArgs: ["-v", "api7-prometheus-data:/prometheus"],
        command: [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            // DP Managers push their metrics.
            "--web.enable-remote-write-receiver",
            `--web.listen-address=0.0.0.0:${PORTS.prometheus}`,
        ],
        healthUrl: `http://127.0.0.1:${PORTS.prometheus}/-/healthy`,
        // Prometheus re-reads its config on SIGHUP.
        reloadCommand: ["kill", "-HUP", "1"],
    };
}

/**
 * What Prometheus needs from AWS to find the gateways: ec2:DescribeInstances, which has no resource-level
 * permissions, so its Resource must be "*" (the documented exception to scoping every statement).
 */
export function attachDiscoveryPolicy(
    name: string,
    roleName: pulumi.Input<string>,
    parent: pulumi.Resource,
): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
        name,
        {
            role: roleName,
            policy: aws.iam.getPolicyDocumentOutput(
                {
                    statements: [{ sid: "DiscoverGateways", actions: ["ec2:DescribeInstances"], resources: ["*"] }],
                },
                { parent },
            ).json,
        },
        { parent },
    );
}

export interface PrometheusHostArgs {
    readonly project: string;
    readonly stack: string;
    readonly image: string;
    readonly instanceType: string;
    readonly placement: HostPlacement;
    readonly rootVolumeGiB: number;
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The host's security group, and its load balancer's (which admits the dashboards, DP Managers and admins). */
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    readonly deletionProtection: boolean;
    readonly tags?: Record<string, string>;
}

/**
 * A dedicated Prometheus host (one: Prometheus HA is outside API7's HA guide) in an Auto Scaling group of one, so a
 * lost host is replaced, behind an internal Network Load Balancer: the dashboard and DP Managers keep one address
 * while the host behind it changes. A replaced host starts with an empty TSDB.
 */
export class PrometheusHost extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;
    public readonly hosts: HostGroup;

    constructor(name: string, args: PrometheusHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:monitoring:PrometheusHost", name, {}, opts);
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const tags = args.tags ?? {};
        const nlb = new aws.lb.LoadBalancer(
            `${name}-nlb`,
            {
                loadBalancerType: "network",
                internal: true,
                subnets: args.privateSubnetIds,
                securityGroups: [args.loadBalancerSecurityGroupId],
                enableCrossZoneLoadBalancing: true,
                enableDeletionProtection: args.deletionProtection,
                tags,
            },
            { parent: this },
        );
        const tg = new aws.lb.TargetGroup(
            `${name}-tg`,
            {
                vpcId: args.vpcId,
                protocol: "TCP",
                port: PORTS.prometheus,
                targetType: "instance",
                healthCheck: PROMETHEUS_HEALTH,
                deregistrationDelay: 30,
                tags,
            },
            { parent: this },
        );
        new aws.lb.Listener(
            `${name}-listener`,
            {
                loadBalancerArn: nlb.arn,
                protocol: "TCP",
                port: PORTS.prometheus,
                defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
                tags,
            },
            { parent: this },
        );
        this.hosts = new HostGroup(
            `${name}-hosts`,
            {
                project: args.project,
                stack: args.stack,
                role: "prometheus",
                count: 1,
                instanceType: args.instanceType,
                rootVolumeGiB: args.rootVolumeGiB,
                placement: args.placement,
                securityGroupIds: args.securityGroupIds,
                targetGroupArns: [tg.arn],
                healthyAfterSeconds: PROMETHEUS_HEALTH.healthyThreshold * PROMETHEUS_HEALTH.interval,
                services: [prometheusService({ image: args.placement.image(args.image), region, stack: args.stack })],
                tags: args.tags,
            },
            { parent: this },
        );
        attachDiscoveryPolicy(`${name}-discovery`, this.hosts.roleName, this);
        this.dnsName = nlb.dnsName;
        this.url = pulumi.interpolate`http://${nlb.dnsName}:${PORTS.prometheus}`;
        this.registerOutputs({ dnsName: this.dnsName, url: this.url });
    }
}
