/**
 * Optional Prometheus (prometheus.enabled) for API7's built-in monitoring: on its own host, or on every
 * control-plane host; never on a gateway host, whose control API already holds 127.0.0.1:9090.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HostGroup, type Ami, type ServiceDefinition } from "./host";
import type { Subnet } from "./network";
import { PORTS } from "./ports";

/** Prometheus as a host service: config from config-templates/prometheus.yml, data in a Docker volume. */
export function prometheusService(args: { readonly image: string; readonly region: pulumi.Input<string>; readonly stack: string }): ServiceDefinition {
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
export function attachDiscoveryPolicy(name: string, roleName: pulumi.Input<string>, parent: pulumi.Resource): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(name, {
        role: roleName,
        policy: aws.iam.getPolicyDocumentOutput({
            statements: [{ sid: "DiscoverGateways", actions: ["ec2:DescribeInstances"], resources: ["*"] }],
        }, { parent }).json,
    }, { parent });
}

export interface PrometheusHostArgs {
    readonly project: string;
    readonly stack: string;
    readonly image: string;
    readonly instanceType: string;
    readonly ami: Ami;
    readonly rootVolumeGiB: number;
    readonly subnets: readonly Subnet[];
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    readonly tags?: Record<string, string>;
}

/** A dedicated Prometheus host (one: Prometheus HA is outside API7's HA guide). */
export class PrometheusHost extends pulumi.ComponentResource {
    public readonly privateIp: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: PrometheusHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:monitoring:PrometheusHost", name, {}, opts);
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const hosts = new HostGroup(`${name}-hosts`, {
            project: args.project,
            stack: args.stack,
            role: "prometheus",
            count: 1,
            instanceType: args.instanceType,
            ami: args.ami,
            rootVolumeGiB: args.rootVolumeGiB,
            subnets: args.subnets,
            securityGroupIds: args.securityGroupIds,
            services: [prometheusService({ image: args.image, region, stack: args.stack })],
            tags: args.tags,
        }, { parent: this });
        attachDiscoveryPolicy(`${name}-discovery`, hosts.roleName, this);
        this.privateIp = hosts.privateIps.apply((ips) => ips[0]);
        this.url = pulumi.interpolate`http://${this.privateIp}:${PORTS.prometheus}`;
        this.registerOutputs({ privateIp: this.privateIp, url: this.url });
    }
}
