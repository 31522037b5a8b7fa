import * as pulumi from "@pulumi/pulumi";
import { HostGroup, type Ami, type ServiceDefinition } from "./host";
import type { Subnet } from "./network";
import { PORTS } from "./ports";
import type { Settings } from "./settings";

/** Substituted on the host with the DSN from SSM (api7-run), so the plain config never holds it. */
export const DSN_PLACEHOLDER = "__API7_SECRET_DATABASE_DSN__";

export interface ControlPlaneArgs {
    /** Project, stack, host and control-plane settings (count, instance type, images, DSN). */
    readonly settings: Pick<Settings, "project" | "stack" | "hosts" | "controlPlane">;
    readonly ami: Ami;
    /** Private subnets, one per AZ; settings guarantee count <= subnets, so every host gets its own AZ. */
    readonly subnets: readonly Subnet[];
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /** Prometheus the dashboard queries and the DP Manager reports to (prometheus.enabled), e.g. http://10.0.1.5:9090. */
    readonly prometheusAddress?: pulumi.Input<string>;
    /** More services on every control-plane host (Prometheus when placed here). */
    readonly extraServices?: readonly ServiceDefinition[];
    readonly tags?: Record<string, string>;
}

/**
 * The control plane: on each of >= 2 hosts in distinct AZs, API7 Dashboard (7080) and DP Manager (7900 token,
 * 7943 mTLS). Both are stateless; all state is in PostgreSQL, so any host can serve any request.
 */
export class ControlPlane extends pulumi.ComponentResource {
    public readonly hosts: HostGroup;
    public readonly instanceIds: pulumi.Output<string[]>;
    public readonly privateIps: pulumi.Output<string[]>;
    public readonly availabilityZones: pulumi.Output<string[]>;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:ControlPlane", name, {}, opts);
        const { settings } = args;
        const cp = settings.controlPlane;
        const prometheus = pulumi.output(args.prometheusAddress).apply((addr) => (addr ? { addr } : undefined));
        if (cp.count > args.subnets.length) {
            throw new Error(`api7-ha:controlPlane.count = ${cp.count}: more control-plane hosts than AZs (${args.subnets.length})`);
        }

        this.hosts = new HostGroup(`${name}-hosts`, {
            project: settings.project,
            stack: settings.stack,
            role: "cp",
            count: cp.count,
            instanceType: cp.instanceType,
            ami: args.ami,
            rootVolumeGiB: settings.hosts.rootVolumeGiB,
            subnets: args.subnets,
            securityGroupIds: args.securityGroupIds,
            secrets: { "database-dsn": cp.databaseDsn },
            services: [
                {
                    name: "dashboard",
                    container: "api7-dashboard",
                    image: cp.dashboardImage,
                    configTemplate: "dashboard-config.yaml",
                    configData: prometheus.apply((p) => ({ port: PORTS.dashboard, databaseDsn: DSN_PLACEHOLDER, prometheus: p })),
                    configPath: "/app/conf/config.yaml",
                    placeholders: { [DSN_PLACEHOLDER]: "database-dsn" },
                    healthUrl: `http://127.0.0.1:${PORTS.dashboard}/healthz`,
                },
                {
                    name: "dp-manager",
                    container: "api7-dp-manager",
                    image: cp.dpManagerImage,
                    configTemplate: "dp-manager-config.yaml",
                    configData: prometheus.apply((p) => ({ port: PORTS.dpManager, mtlsPort: PORTS.dpManagerMtls, databaseDsn: DSN_PLACEHOLDER, prometheus: p })),
                    configPath: "/usr/local/api7/conf/config.yaml",
                    placeholders: { [DSN_PLACEHOLDER]: "database-dsn" },
                    healthUrl: `http://127.0.0.1:${PORTS.dpManager}/healthz`,
                },
                ...(args.extraServices ?? []),
            ],
            tags: args.tags,
        }, { parent: this });

        this.instanceIds = this.hosts.instanceIds;
        this.privateIps = this.hosts.privateIps;
        this.availabilityZones = this.hosts.availabilityZones;
        this.registerOutputs({ instanceIds: this.instanceIds, privateIps: this.privateIps, availabilityZones: this.availabilityZones });
    }
}
