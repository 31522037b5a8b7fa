import * as pulumi from "@pulumi/pulumi";
import { healthySeconds } from "./boot-budget";
import { FALLBACK_KEY_PLACEHOLDERS, fallbackS3Block } from "./fallback";
import { secretParameterName } from "./fleet";
import { HostGroup, type HostGroupArgs, type HostPlacement } from "./host";
import { gatewayService, type StandaloneSource } from "../services";
import { credentialsIssued } from "../config/settings";
import type { Settings } from "../config/settings";

/** The gateways' credential parameters the bootstrap fills, by its own names for them. */
export function credentialParameters(project: string, stack: string, kind: "token" | "mtls"): Record<string, string> {
    const name = (n: string) => secretParameterName(project, stack, "dp", n);
    return kind === "token"
        ? { token: name("control-plane-token") }
        : { cert: name("control-plane-cert"), key: name("control-plane-key"), ca: name("control-plane-ca") };
}

/** Where standalone gateways read the last export: both buckets the control plane writes. */
export interface FallbackSource {
    readonly region: pulumi.Input<string>;
    readonly configBucket: pulumi.Input<string>;
    readonly resourceBucket: pulumi.Input<string>;
    /** The reader's access key; undefined when API7 uses the instance role. */
    readonly credentials?: {
        readonly accessKeyId: pulumi.Input<string>;
        readonly secretAccessKey: pulumi.Input<string>;
    };
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
 * The data plane: >= 2 API7 Gateway hosts in an Auto Scaling group balanced over the AZs, serving 9080 (HTTP) and
 * 9443 (HTTPS) and answering `GET /status` on 0.0.0.0:7085 for the load balancer's health check.
 */
export class DataPlane extends pulumi.ComponentResource {
    public readonly hosts: HostGroup;

    constructor(name: string, args: DataPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:DataPlane", name, {}, opts);
        const dp = args.settings.dataPlane;
        const auth = dp.auth;
        const standalone = dp.mode === "standalone";
        const source = args.fallbackSource;
        if (standalone && !source)
            throw new Error('dataPlane.mode = "standalone": needs the fallback buckets (fallback.enabled)');

        // Gateway credentials reach the container as environment (the form API7 documents), read from SSM by name:
        // the stack's, or, when it brings none, the ones the control plane's bootstrap issues into the same parameters.
        const credentialValues: Record<string, pulumi.Output<string> | undefined> =
            auth.kind === "token"
                ? { "control-plane-token": auth.token }
                : {
                      "control-plane-cert": auth.clientCert,
                      "control-plane-key": auth.clientKey,
                      "control-plane-ca": auth.ca,
                  };
        const issued = credentialsIssued(auth);
        const secrets: Record<string, pulumi.Input<string>> = issued
            ? {}
            : { ...(credentialValues as Record<string, pulumi.Output<string>>) };
        if (source?.credentials) {
            secrets["fallback-access-key"] = source.credentials.accessKeyId;
            secrets["fallback-secret-key"] = source.credentials.secretAccessKey;
        }
        // The last export: what a standalone gateway serves, and what a gateway in normal mode starts from while
        // the DP Manager does not answer.
        const lastExport: StandaloneSource | undefined = source && {
            awsS3: fallbackS3Block(source),
            buckets: pulumi
                .all([source.region, source.configBucket, source.resourceBucket])
                .apply(([region, configBucket, resourceBucket]) => ({ region, configBucket, resourceBucket })),
            ...(source.credentials
                ? { readerKey: { accessKey: "fallback-access-key", secretKey: "fallback-secret-key" } }
                : {}),
            placeholders: source.credentials
                ? {
                      [FALLBACK_KEY_PLACEHOLDERS.accessKey]: "fallback-access-key",
                      [FALLBACK_KEY_PLACEHOLDERS.secretKey]: "fallback-secret-key",
                  }
                : {},
        };
        const gateway = gatewayService({
            image: args.placement.image(dp.gatewayImage),
            gatewayGroupId: dp.gatewayGroupId,
            auth: auth.kind,
            controlPlaneSni: dp.controlPlaneSni,
            stack: args.settings.stack,
            metricsExport: args.metricsExport ?? false,
            source: standalone
                ? { mode: "standalone", ...lastExport! }
                : {
                      mode: "normal",
                      controlPlaneEndpoints: args.controlPlaneEndpoints,
                      export: lastExport,
                      targetGroupArns: args.targetGroupArns,
                      reconnectAfterChecks: dp.reconnectAfterChecks,
                  },
        });

        this.hosts = new HostGroup(
            `${name}-hosts`,
            {
                project: args.settings.project,
                stack: args.settings.stack,
                role: "dp",
                count: dp.count,
                scaling: gatewayScaling(dp),
                instanceType: dp.instanceType,
                warmPool: dp.warmPool.size > 0 ? dp.warmPool : undefined,
                rootVolumeGiB: args.settings.hosts.rootVolumeGiB,
                placement: args.placement,
                securityGroupIds: args.securityGroupIds,
                targetGroupArns: args.targetGroupArns,
                healthyAfterSeconds: healthySeconds(dp.loadBalancer.healthCheck),
                dependsOn: args.dependsOn,
                secrets,
                issuedSecrets: issued ? Object.keys(credentialValues) : [],
                services: [gateway],
                tags: args.tags,
            },
            { parent: this },
        );

        this.registerOutputs({ autoScalingGroupName: this.hosts.autoScalingGroupName });
    }
}

/** The gateways' CPU target tracking (dataPlane.autoscaling), or none: both generations' gateway groups. */
export function gatewayScaling(dp: Pick<Settings["dataPlane"], "autoscaling">): HostGroupArgs["scaling"] {
    return dp.autoscaling.enabled
        ? { maxCount: dp.autoscaling.maxCount, targetCpuPercent: dp.autoscaling.targetCpuPercent }
        : undefined;
}
