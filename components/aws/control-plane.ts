import * as pulumi from "@pulumi/pulumi";
import { FALLBACK_KEY_PLACEHOLDERS, fallbackS3Block } from "./fallback";
import * as aws from "@pulumi/aws";
import { HostGroup, type HostPlacement } from "./host";
import { controlPlaneServices, DATABASE_DSN_SECRET, type FallbackExportBlock } from "../services";
import { CONTROL_PLANE_CHECK } from "../listeners";
import { healthySeconds } from "./boot-budget";
import type { DatabaseEndpoint } from "./database";
import { attachDiscoveryPolicy, prometheusService } from "./monitoring";
import type { Settings } from "../config/settings";

import { DSN_PLACEHOLDER } from "../placeholders";

/** Where and how often the dashboard exports gateway configuration (API7's `fallback_cp`). */
export interface FallbackExport {
    readonly region: pulumi.Input<string>;
    readonly configBucket: pulumi.Input<string>;
    readonly resourceBucket: pulumi.Input<string>;
    readonly cronSpec: string;
    /** The writer's access key; undefined when API7 uses the instance role. */
    readonly credentials?: {
        readonly accessKeyId: pulumi.Input<string>;
        readonly secretAccessKey: pulumi.Input<string>;
    };
}

export interface ControlPlaneArgs {
    /** Project, stack, host and control-plane settings (count, instance type, images). */
    readonly settings: Pick<Settings, "project" | "stack" | "hosts" | "controlPlane">;
    /** The database: the managed one's endpoint and secret, or an external one's DSN (an SSM SecureString). */
    readonly database:
        | { readonly kind: "managed"; readonly endpoint: DatabaseEndpoint }
        | { readonly kind: "external"; readonly dsn: pulumi.Input<string> };
    /** AMI, subnets (settings guarantee count <= AZs, so the group gives every host its own AZ) and registry. */
    readonly placement: HostPlacement;
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /** The dashboard's and DP Managers' target groups: every host registers in all, and must be healthy in all. */
    readonly targetGroupArns: readonly pulumi.Input<string>[];
    /** Prometheus the dashboard queries and the DP Manager reports to (prometheus.enabled), e.g. http://10.0.1.5:9090. */
    readonly prometheusAddress?: pulumi.Input<string>;
    /** Export to the fallback buckets (fallback.enabled). */
    readonly fallbackExport?: FallbackExport;
    /**
     * Run Prometheus on every control-plane host too (prometheus.placement: controlPlane), with the EC2 discovery
     * permission it needs to find the gateways.
     */
    readonly prometheusOnHosts?: { readonly image: string };
    /** The gateways' credential parameters the hosts issue (the bootstrap): the only parameters outside their own path they may touch. */
    readonly issuedParameters?: readonly string[];
    readonly tags?: Record<string, string>;
}

/**
 * The control plane: on each of >= 2 hosts in distinct AZs, API7 Dashboard (7080) and DP Manager (7900 token,
 * 7943 mTLS). Both are stateless; all state is in PostgreSQL, so any host can serve any request.
 */
export class ControlPlane extends pulumi.ComponentResource {
    public readonly hosts: HostGroup;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:ControlPlane", name, {}, opts);
        const { settings } = args;
        const cp = settings.controlPlane;
        const exp = args.fallbackExport;
        const fallback: pulumi.Output<FallbackExportBlock> = exp
            ? fallbackS3Block(exp).apply((awsS3) => ({ aws_s3: awsS3, cron_spec: exp.cronSpec }))
            : pulumi.output(undefined);
        // The license and admin password for the bootstrap (components/aws/bootstrap.ts); an external database's DSN.
        const secrets: Record<string, pulumi.Input<string>> = {
            license: cp.license,
            "admin-password": cp.adminPassword,
        };
        const db = args.database;
        if (db.kind === "external") secrets[DATABASE_DSN_SECRET] = db.dsn;
        const dashboardPlaceholders: Record<string, string> = {};
        if (exp?.credentials) {
            secrets["fallback-access-key"] = exp.credentials.accessKeyId;
            secrets["fallback-secret-key"] = exp.credentials.secretAccessKey;
            dashboardPlaceholders[FALLBACK_KEY_PLACEHOLDERS.accessKey] = "fallback-access-key";
            dashboardPlaceholders[FALLBACK_KEY_PLACEHOLDERS.secretKey] = "fallback-secret-key";
        }
        const placement = args.placement;
        if (cp.count > placement.subnets.length) {
            throw new Error(
                `controlPlane.count = ${cp.count}: more control-plane hosts than AZs (${placement.subnets.length})`,
            );
        }

        this.hosts = new HostGroup(
            `${name}-hosts`,
            {
                project: settings.project,
                stack: settings.stack,
                role: "cp",
                count: cp.count,
                instanceType: cp.instanceType,
                warmPool: cp.warmPool.size > 0 ? cp.warmPool : undefined,
                rootVolumeGiB: settings.hosts.rootVolumeGiB,
                placement,
                securityGroupIds: args.securityGroupIds,
                targetGroupArns: args.targetGroupArns,
                healthyAfterSeconds: healthySeconds(CONTROL_PLANE_CHECK),
                sharedParameters: args.issuedParameters,
                secrets,
                bootstrap: true,
                readableSecretArns: db.kind === "managed" ? [db.endpoint.secretArn] : [],
                services: [
                    ...controlPlaneServices({
                        dashboardImage: placement.image(cp.dashboardImage),
                        dpManagerImage: placement.image(cp.dpManagerImage),
                        dashboardListener: cp.dashboardListener,
                        prometheusAddress: args.prometheusAddress,
                        fallback,
                        dashboardPlaceholders,
                        database:
                            db.kind === "external"
                                ? { kind: "secret" }
                                : {
                                      kind: "managed",
                                      dsn: pulumi
                                          .all([db.endpoint.host, db.endpoint.port, db.endpoint.secretArn])
                                          .apply(([host, port, secretArn]) => ({
                                              token: DSN_PLACEHOLDER,
                                              secretArn,
                                              host,
                                              port,
                                              database: db.endpoint.database,
                                              sslmode: "require" as const,
                                          })),
                                  },
                    }),
                    ...(args.prometheusOnHosts
                        ? [
                              prometheusService({
                                  image: placement.image(args.prometheusOnHosts.image),
                                  region: aws.getRegionOutput({}, { parent: this }).region,
                                  stack: settings.stack,
                              }),
                          ]
                        : []),
                ],
                tags: args.tags,
            },
            { parent: this },
        );

        if (args.prometheusOnHosts) attachDiscoveryPolicy(`${name}-discovery`, this.hosts.roleName, this);

        this.registerOutputs({ autoScalingGroupName: this.hosts.autoScalingGroupName });
    }
}
