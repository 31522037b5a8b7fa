import * as pulumi from "@pulumi/pulumi";
import { FALLBACK_KEY_PLACEHOLDERS } from "./fallback";
import { gracePeriodSeconds, WARMUP_SECONDS } from "./boot-budget";
import { HostGroup, secretParameterName, type HostPlacement, type StateFile } from "./host";
import { credentialsIssued } from "./config/settings";
import { PORTS } from "./ports";
import type { Settings } from "./config/settings";


/** The environment variable each credential parameter feeds (API7's documented names). */
const CREDENTIAL_ENV: Readonly<Record<string, string>> = Object.freeze({
    "control-plane-token": "API7_CONTROL_PLANE_TOKEN",
    "control-plane-cert": "API7_CONTROL_PLANE_CERT",
    "control-plane-key": "API7_CONTROL_PLANE_KEY",
    "control-plane-ca": "API7_CONTROL_PLANE_CA",
});

/** The gateways' credential parameters the bootstrap fills, by its own names for them. */
export function credentialParameters(project: string, stack: string, kind: "token" | "mtls"): Record<string, string> {
    const name = (n: string) => secretParameterName(project, stack, "dp", n);
    return kind === "token"
        ? { token: name("control-plane-token") }
        : { cert: name("control-plane-cert"), key: name("control-plane-key"), ca: name("control-plane-ca") };
}

import { ADMIN_KEY_PLACEHOLDER } from "./placeholders";

/**
 * What a gateway host keeps across restarts: its instance id, which APISIX reads from conf/apisix.uid and
 * otherwise generates anew at every start (apache/apisix apisix/core/id.lua @f519a0f0; API7's quickstart and
 * gateway chart mount one per instance), so a restarted container is the same gateway to the dashboard; and the
 * admin key its config names, generated once, never leaving the host.
 */
export const GATEWAY_STATE_FILES: readonly StateFile[] = Object.freeze([
    { name: "apisix.uid", generate: "uuid", mount: "/usr/local/apisix/conf/apisix.uid" },
    { name: "admin.key", generate: "key" },
]);

/** Where standalone gateways read the last export: both buckets the control plane writes. */
export interface FallbackSource {
    readonly region: pulumi.Input<string>;
    readonly configBucket: pulumi.Input<string>;
    readonly resourceBucket: pulumi.Input<string>;
    /** The reader's access key; undefined when API7 uses the instance role. */
    readonly credentials?: { readonly accessKeyId: pulumi.Input<string>; readonly secretAccessKey: pulumi.Input<string> };
}

export interface DataPlaneArgs {
    /** Project, stack, host and data-plane settings (count, instance type, image, group, credentials). */
    readonly settings: Pick<Settings, "project" | "stack" | "hosts" | "dataPlane">;
    /** AMI, subnets (the group balances gateways over their AZs) and registry. */
    readonly placement: HostPlacement;
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /** The gateways' target groups (HTTP, and HTTPS with passthrough). */
    readonly targetGroupArns: readonly pulumi.Input<string>[];
    /** Created before the gateways: the control plane's hosts, which issue their credentials. */
    readonly dependsOn?: readonly pulumi.Resource[];
    /**
     * DP Manager URLs the gateways connect to (`deployment.etcd.host`): the control plane's load balancer in a
     * full deployment, e.g. ["http://cp-dpm.internal:7900"].
     */
    readonly controlPlaneEndpoints: pulumi.Input<string[]>;
    /**
     * The fallback buckets (fallback.enabled). Required in standalone mode; in normal mode the reader's keys are
     * still stored, so switching modes changes only configuration.
     */
    readonly fallbackSource?: FallbackSource;
    /** Serve the Prometheus exporter on 0.0.0.0:9091 (prometheus.enabled). */
    readonly metricsExport?: boolean;
    readonly tags?: Record<string, string>;
}

/**
 * The data plane: >= 2 API7 Gateway hosts in an Auto Scaling group balanced over the AZs, serving 9080 (HTTP) and 9443 (HTTPS)
 * and answering `GET /status` on 0.0.0.0:7085 for the load balancer's health check.
 */
export class DataPlane extends pulumi.ComponentResource {
    public readonly hosts: HostGroup;

    constructor(name: string, args: DataPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:DataPlane", name, {}, opts);
        const dp = args.settings.dataPlane;
        const auth = dp.auth;
        const standalone = dp.mode === "standalone";
        const source = args.fallbackSource;
        if (standalone && !source) throw new Error("dataPlane.mode = \"standalone\": needs the fallback buckets (fallback.enabled)");

        // Gateway credentials reach the container as environment (the form API7 documents), read from SSM by name:
        // the stack's, or, when it brings none, the ones the control plane's bootstrap issues into the same parameters.
        const credentialValues: Record<string, pulumi.Output<string> | undefined> =
            auth.kind === "token"
                ? { "control-plane-token": auth.token }
                : { "control-plane-cert": auth.clientCert, "control-plane-key": auth.clientKey, "control-plane-ca": auth.ca };
        const issued = credentialsIssued(auth);
        const secrets: Record<string, pulumi.Input<string>> = issued ? {} : { ...(credentialValues as Record<string, pulumi.Output<string>>) };
        const secretEnv: Record<string, string> = Object.fromEntries(Object.keys(credentialValues).map((n) => [CREDENTIAL_ENV[n], n]));
        const endpoints = pulumi.output(args.controlPlaneEndpoints);
        if (source?.credentials) {
            secrets["fallback-access-key"] = source.credentials.accessKeyId;
            secrets["fallback-secret-key"] = source.credentials.secretAccessKey;
        }
        const pluginAttr = args.metricsExport ? { prometheus: { export_addr: { ip: "0.0.0.0", port: PORTS.gatewayMetrics } } } : undefined;
        const listeners = { httpPort: PORTS.gatewayHttp, httpsPort: PORTS.gatewayHttps, statusPort: PORTS.gatewayStatus };

        // Normal: connected to the DP Manager. Standalone: `deployment.fallback_cp.aws_s3` with both buckets, as API7's
        // 3.2.16 CP-outage guide documents it (config-templates/gateway-standalone-config.yaml).
        const configData = standalone
            ? pulumi.all([source!.region, source!.configBucket, source!.resourceBucket]).apply(([region, configBucket, resourceBucket]) => ({
                  ...listeners,
                  awsS3: {
                      ...(source!.credentials ? { access_key: FALLBACK_KEY_PLACEHOLDERS.accessKey, secret_key: FALLBACK_KEY_PLACEHOLDERS.secretKey } : {}),
                      region,
                      config_bucket: configBucket,
                      resource_bucket: resourceBucket,
                  },
                  pluginAttr,
              }))
            : endpoints.apply((controlPlaneEndpoints) => ({ ...listeners, controlPlaneEndpoints, pluginAttr, adminKey: ADMIN_KEY_PLACEHOLDER, adminPort: PORTS.gatewayAdmin }));

        // Environment as API7 documents it for `docker run`: the endpoints (a JSON array), the group, and the
        // credentials; with mTLS also the server name in the DP Manager's certificate, which gateways must verify
        // although they reach it by the load balancer's DNS name (docs.api7.ai/enterprise/3.2.16.7/best-practices/
        // configure-grpc). Standalone keeps only the group: the export is stored under the gateway group.
        const env: Record<string, pulumi.Input<string>> = standalone
            ? { API7_GATEWAY_GROUP_SHORT_ID: dp.gatewayGroupId }
            : {
                  API7_CONTROL_PLANE_ENDPOINTS: endpoints.apply((e) => JSON.stringify(e)),
                  API7_GATEWAY_GROUP_SHORT_ID: dp.gatewayGroupId,
                  ...(auth.kind === "mtls" ? { API7_CONTROL_PLANE_SNI: dp.controlPlaneSni } : {}),
              };

        this.hosts = new HostGroup(`${name}-hosts`, {
            project: args.settings.project,
            stack: args.settings.stack,
            role: "dp",
            count: dp.count,
            scaling: dp.autoscaling.enabled ? { maxCount: dp.autoscaling.maxCount, targetCpuPercent: dp.autoscaling.targetCpuPercent } : undefined,
            instanceType: dp.instanceType,
            ami: args.placement.ami,
            rootVolumeGiB: args.settings.hosts.rootVolumeGiB,
            subnets: args.placement.subnets,
            securityGroupIds: args.securityGroupIds,
            targetGroupArns: args.targetGroupArns,
            healthCheckGraceSeconds: gracePeriodSeconds("dp", dp.loadBalancer.healthCheck.healthyThreshold * dp.loadBalancer.healthCheck.intervalSeconds, args.placement.healthCheckGraceSeconds),
            warmupSeconds: WARMUP_SECONDS,
            registry: args.placement.registry,
            registryPassword: args.placement.registryPassword,
            dependsOn: args.dependsOn,
            secrets,
            issuedSecrets: issued ? Object.keys(credentialValues) : [],
            services: [{
                name: "gateway",
                container: "api7-gateway",
                image: args.placement.image(dp.gatewayImage),
                configTemplate: standalone ? "gateway-standalone-config.yaml" : "gateway-config.yaml",
                configData,
                configPath: "/usr/local/apisix/conf/config.yaml",
                // A standalone gateway gets no control-plane endpoint or credential: nothing may pull it back to the CP.
                env,
                secretEnv: standalone ? {} : secretEnv,
                placeholders: standalone && source?.credentials
                    ? { [FALLBACK_KEY_PLACEHOLDERS.accessKey]: "fallback-access-key", [FALLBACK_KEY_PLACEHOLDERS.secretKey]: "fallback-secret-key" }
                    : {},
                stateFiles: GATEWAY_STATE_FILES,
                statePlaceholders: standalone ? {} : { [ADMIN_KEY_PLACEHOLDER]: "admin.key" },
                healthUrl: `http://127.0.0.1:${PORTS.gatewayStatus}/status`,
                // nginx reload: new config without dropping open connections.
                reloadCommand: ["apisix", "reload"],
            }],
            tags: args.tags,
        }, { parent: this });

        this.registerOutputs({ autoScalingGroupName: this.hosts.autoScalingGroupName });
    }
}
