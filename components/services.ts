/**
 * The services of the topology, defined once for both targets: each service's image, rendered config (template and
 * data), environment, secrets (by name), state and health URL. The AWS target runs them on EC2 hosts
 * (components/aws/host.ts: api7-run substitutes the named secrets from SSM on the host); the Docker lab runs them as
 * containers (components/docker/lab.ts: the program substitutes them and uploads the config). Only the target code
 * differs.
 */
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_KEY_PLACEHOLDER, DSN_PLACEHOLDER } from "./placeholders";
import { PORTS, dashboardTarget } from "./ports";
import type { TemplateData } from "./templates";

/**
 * A value a host creates once and keeps across restarts and config changes (under /var/lib/api7/<service>/), e.g. a
 * gateway's instance id. Never in SSM: it belongs to the host, and a replaced host gets a new one.
 */
export interface StateFile {
    /** File name in the service's state directory. */
    readonly name: string;
    /** How api7-run creates it when missing: a random UUID, or 32 random hex characters (a key). */
    readonly generate: "uuid" | "key";
    /** Where it is bind-mounted in the container, if at all. */
    readonly mount?: string;
}

/** One containerised service on every host of a group (a systemd unit api7@<name>.service). */
export interface ServiceDefinition {
    /** Unit instance name and SSM parameter stem, e.g. `dashboard`. */
    readonly name: string;
    /** Container name, e.g. `api7-dashboard`. */
    readonly container: string;
    /** The image reference hosts pull (images.source applied: components/aws/images.ts). */
    readonly image: pulumi.Input<string>;
    /** Template in config-templates/ rendered into the service's config file. */
    readonly configTemplate: string;
    /** Data for the template; may hold outputs (addresses of other resources), never secret values. */
    readonly configData: pulumi.Input<TemplateData>;
    /** Where the rendered config is mounted inside the container. */
    readonly configPath: string;
    /** Placeholder token in the rendered config -> name of a secret of this group, substituted on the host. */
    readonly placeholders?: Readonly<Record<string, string>>;
    /** Values this host creates once (see StateFile). */
    readonly stateFiles?: readonly StateFile[];
    /** Placeholder token in the rendered config -> name of a state file, substituted on the host. */
    readonly statePlaceholders?: Readonly<Record<string, string>>;
    /** Plain environment for the container. */
    readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Environment variable -> name of a secret of this group. */
    readonly secretEnv?: Readonly<Record<string, string>>;
    /** Extra `docker run` arguments (volumes, user). */
    readonly dockerArgs?: readonly string[];
    /** Arguments after the image (the container's command), e.g. Prometheus's flags. */
    readonly command?: readonly string[];
    /**
     * A managed database whose DSN api7-run builds on the host, at every start, from this endpoint and the
     * RDS-managed secret, and substitutes for `token` in the rendered config.
     */
    readonly database?: pulumi.Input<ManagedDatabaseDsn>;
    /** Polled after a restart or reload; a rollout stops unless it answers 2xx within 300 s. */
    readonly healthUrl: string;
    /** Command run in the container to apply new config without a restart (same image only). */
    readonly reloadCommand?: readonly string[];
    /**
     * A gateway's ride-through of a control-plane outage: the DP Managers it probes before a start or reload, and
     * the standalone config it starts with when none answers.
     */
    readonly outage?: OutageFallback;
    /**
     * Its host checks the control plane every 30 s (api7-outage-watch@<name>.timer), in either gateway mode so that
     * switching modes changes no user data (and replaces no host); a check without `outage` does nothing.
     */
    readonly watched?: boolean;
}

/**
 * What a gateway in normal mode does when the DP Manager does not answer. Its startup (`apisix init_etcd`) exits
 * unless more than half of the endpoints answer GET /version with an etcd version document (apache/apisix
 * apisix/cli/etcd.lua init_etcd @f519a0f0: "all etcd nodes are unavailable"), and a reload re-reads the
 * configuration it cannot reach; so the host probes first, and starts standalone from the last S3 export instead.
 */
export interface OutageFallback {
    /** The DP Manager URLs, as the gateway's config names them (`deployment.etcd.host`). */
    readonly endpoints: pulumi.Input<string[]>;
    /** How long one probe of one endpoint may take. */
    readonly probeTimeoutSeconds: number;
    /** With mTLS: the client credentials (secret names) and the name in the DP Manager's certificate. */
    readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string; readonly serverName: string };
    /**
     * Back to the control plane: after this many answered checks in a row (dataPlane.reconnectAfterChecks), the
     * gateway leaves these target groups, is restarted connected, and rejoins them.
     */
    readonly reconnectAfterChecks: number;
    /**
     * What says a gateway back on the control plane has loaded its configuration: GET /status/ready, 503 until every
     * worker has (apisix.apache.org/docs/apisix/3.14/status-api) and, on API7 3.2.16.3+, while no DP Manager answers
     * (docs.api7.ai, 3.2.16.x gateway health probe). GET /status answers 200 for an empty gateway too.
     */
    readonly readyUrl: string;
    readonly targetGroupArns: readonly pulumi.Input<string>[];
    /** The dimensions of the mode and reachability metrics the host publishes (run-spec.ts OUTAGE_METRICS_NAMESPACE). */
    readonly metricDimensions: Readonly<Record<string, string>>;
    /** The buckets of the last export, checked before a standalone start, and the reader's key (secret names). */
    readonly buckets: pulumi.Input<{
        readonly region: string;
        readonly configBucket: string;
        readonly resourceBucket: string;
    }>;
    readonly readerKey?: { readonly accessKey: string; readonly secretKey: string };
    /** The standalone config: template, data, the placeholders it holds (by secret name), and its environment. */
    readonly configTemplate: string;
    readonly configData: pulumi.Input<TemplateData>;
    readonly placeholders: Readonly<Record<string, string>>;
    readonly env: Readonly<Record<string, pulumi.Input<string>>>;
}

/** How long the host waits for one DP Manager endpoint's GET /version before it counts it as not answering. */
export const CONTROL_PLANE_PROBE_TIMEOUT_SECONDS = 5;

/** Every gateway host's checks of the DP Manager, one per this many seconds (api7-outage-watch.timer). */
export const OUTAGE_CHECK_INTERVAL_SECONDS = 30;

/** How api7-run builds a managed database's DSN (nothing here is secret; the password stays in Secrets Manager). */
export interface ManagedDatabaseDsn {
    readonly token: string;
    readonly secretArn: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    /** libpq's sslmode: `require` (TLS, as the server's rds.force_ssl demands). */
    readonly sslmode: "require";
}

/**
 * What a gateway keeps across restarts: its instance id, which APISIX reads from conf/apisix.uid and otherwise
 * generates anew at every start (apache/apisix apisix/core/id.lua @f519a0f0; API7's quickstart and gateway chart
 * mount one per instance), so a restarted container is the same gateway to the dashboard; and the admin key its
 * config names, generated once, never leaving the host.
 */
export const GATEWAY_STATE_FILES: readonly StateFile[] = Object.freeze([
    { name: "apisix.uid", generate: "uuid", mount: "/usr/local/apisix/conf/apisix.uid" },
    { name: "admin.key", generate: "key" },
]);

/** The environment variable each gateway credential (by its secret name) feeds: API7's documented names. */
export const CREDENTIAL_ENV: Readonly<Record<string, string>> = Object.freeze({
    "control-plane-token": "API7_CONTROL_PLANE_TOKEN",
    "control-plane-cert": "API7_CONTROL_PLANE_CERT",
    "control-plane-key": "API7_CONTROL_PLANE_KEY",
    "control-plane-ca": "API7_CONTROL_PLANE_CA",
});

/** The secret names of the gateways' credentials for an auth kind. */
export function credentialSecretNames(kind: "token" | "mtls"): string[] {
    return kind === "token" ? ["control-plane-token"] : ["control-plane-cert", "control-plane-key", "control-plane-ca"];
}

/** API7's `fallback_cp` block of the dashboard config (the export to S3); keys as placeholders when it uses keys. */
export type FallbackExportBlock =
    { readonly aws_s3: Readonly<Record<string, string>>; readonly cron_spec: string } | undefined;

export interface ControlPlaneServiceArgs {
    readonly dashboardImage: pulumi.Input<string>;
    readonly dpManagerImage: pulumi.Input<string>;
    /** The dashboard listener served (controlPlane.dashboardListener). */
    readonly dashboardListener: "http" | "https";
    /** Prometheus the dashboard queries and the DP Manager reports to. */
    readonly prometheusAddress?: pulumi.Input<string | undefined>;
    readonly fallback?: pulumi.Input<FallbackExportBlock>;
    /** Placeholders the dashboard's config holds beyond the DSN (the fallback keys), by secret name. */
    readonly dashboardPlaceholders?: Readonly<Record<string, string>>;
    /** The DSN: a secret named database-dsn (external database, the lab's), or a managed database's endpoint. */
    readonly database:
        { readonly kind: "secret" } | { readonly kind: "managed"; readonly dsn: pulumi.Input<ManagedDatabaseDsn> };
}

/** The secret name the DSN placeholder stands for when the DSN is a secret. */
export const DATABASE_DSN_SECRET = "database-dsn";

/**
 * A control-plane node: API7 Dashboard (7080 HTTP / 7443 HTTPS) and DP Manager (7900 token, 7943 mTLS), both with
 * their config files as API7's 3.2.16 installation guide writes them
 * (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation), the DSN substituted at
 * start.
 */
export function controlPlaneServices(args: ControlPlaneServiceArgs): [ServiceDefinition, ServiceDefinition] {
    const prometheus = pulumi.output(args.prometheusAddress).apply((addr) => (addr ? { addr } : undefined));
    const fallback = pulumi.output(args.fallback);
    const dsnPlaceholders: Record<string, string> =
        args.database.kind === "secret" ? { [DSN_PLACEHOLDER]: DATABASE_DSN_SECRET } : {};
    const database = args.database.kind === "managed" ? args.database.dsn : undefined;
    const served = dashboardTarget(args.dashboardListener);
    return [
        {
            name: "dashboard",
            container: "api7-dashboard",
            image: args.dashboardImage,
            configTemplate: "dashboard-config.yaml",
            configData: pulumi.all([prometheus, fallback]).apply(([p, f]) => ({
                http: { disable: args.dashboardListener !== "http", port: PORTS.dashboard },
                https: { disable: args.dashboardListener !== "https", port: PORTS.dashboardHttps },
                databaseDsn: DSN_PLACEHOLDER,
                prometheus: p,
                fallback: f,
            })),
            configPath: "/app/conf/config.yaml",
            placeholders: { ...dsnPlaceholders, ...args.dashboardPlaceholders },
            database,
            // The listener served, as API7's chart probes it (ports.ts dashboardTarget).
            healthUrl: `${served.protocol.toLowerCase()}://127.0.0.1:${served.port}/healthz`,
        },
        {
            name: "dp-manager",
            container: "api7-dp-manager",
            image: args.dpManagerImage,
            configTemplate: "dp-manager-config.yaml",
            configData: prometheus.apply((p) => ({
                port: PORTS.dpManager,
                mtlsPort: PORTS.dpManagerMtls,
                databaseDsn: DSN_PLACEHOLDER,
                prometheus: p,
            })),
            configPath: "/usr/local/api7/conf/config.yaml",
            placeholders: dsnPlaceholders,
            database,
            healthUrl: `http://127.0.0.1:${PORTS.dpManager}/healthz`,
        },
    ];
}

export interface GatewayServiceArgs {
    readonly image: pulumi.Input<string>;
    readonly gatewayGroupId: string;
    readonly auth: "token" | "mtls";
    /** The name gateways verify in the DP Manager's certificate (mTLS). */
    readonly controlPlaneSni: string;
    /** The stack: a dimension of the outage metrics. */
    readonly stack: string;
    /**
     * normal: the DP Managers' URLs, and the S3 export to start from while they do not answer (fallback.enabled);
     * standalone: the S3 export only (`deployment.fallback_cp.aws_s3`).
     */
    readonly source:
        | {
              readonly mode: "normal";
              readonly controlPlaneEndpoints: pulumi.Input<string[]>;
              readonly export?: StandaloneSource;
              /** The target groups a gateway leaves before it returns from standalone. */
              readonly targetGroupArns?: readonly pulumi.Input<string>[];
              readonly reconnectAfterChecks?: number;
          }
        | ({ readonly mode: "standalone" } & StandaloneSource);
    /** Serve the Prometheus exporter on 0.0.0.0:9091. */
    readonly metricsExport: boolean;
}

/** The last S3 export a standalone gateway reads, and the placeholders (fallback keys) its block holds. */
export interface StandaloneSource {
    readonly awsS3: pulumi.Input<Readonly<Record<string, string>>>;
    readonly placeholders?: Readonly<Record<string, string>>;
    /**
     * The buckets, for the host to check that an export is there before it starts a gateway standalone, and the
     * reader's key by secret name (undefined: the instance role reads them).
     */
    readonly buckets?: pulumi.Input<{
        readonly region: string;
        readonly configBucket: string;
        readonly resourceBucket: string;
    }>;
    readonly readerKey?: { readonly accessKey: string; readonly secretKey: string };
}

/**
 * An API7 Gateway: 9080 HTTP, 9443 HTTPS, `GET /status` on 0.0.0.0:7085 for load balancers (API7's 3.2.16.3
 * installation guide). Normal: connected to the DP Managers, its credentials as environment, read by secret name.
 * Standalone: serving the last S3 export with nothing that could pull it back to the control plane.
 */
export function gatewayService(args: GatewayServiceArgs): ServiceDefinition {
    const pluginAttr = args.metricsExport
        ? { prometheus: { export_addr: { ip: "0.0.0.0", port: PORTS.gatewayMetrics } } }
        : undefined;
    const listeners = { httpPort: PORTS.gatewayHttp, httpsPort: PORTS.gatewayHttps, statusPort: PORTS.gatewayStatus };
    const common = {
        name: "gateway",
        container: "api7-gateway",
        image: args.image,
        configPath: "/usr/local/apisix/conf/config.yaml",
        stateFiles: GATEWAY_STATE_FILES,
        healthUrl: `http://127.0.0.1:${PORTS.gatewayStatus}/status`,
        // nginx reload: new config without dropping open connections.
        reloadCommand: ["apisix", "reload"],
        watched: true,
    };
    const source = args.source;
    // `deployment.fallback_cp.aws_s3` with both buckets, as API7's 3.2.16 CP-outage guide documents it
    // (config-templates/gateway-standalone-config.yaml). Only the group: the export is stored under it.
    const standalone = (s: StandaloneSource) => ({
        configTemplate: "gateway-standalone-config.yaml",
        configData: pulumi.output(s.awsS3).apply((awsS3) => ({ ...listeners, awsS3, pluginAttr })),
        env: { API7_GATEWAY_GROUP_SHORT_ID: args.gatewayGroupId },
        placeholders: { ...(s.placeholders ?? {}) },
    });
    if (source.mode === "standalone") {
        return { ...common, ...standalone(source), secretEnv: {}, statePlaceholders: {} };
    }
    const endpoints = pulumi.output(source.controlPlaneEndpoints);
    const outage: OutageFallback | undefined = source.export?.buckets && {
        buckets: source.export.buckets,
        ...(source.export.readerKey ? { readerKey: source.export.readerKey } : {}),
        endpoints,
        probeTimeoutSeconds: CONTROL_PLANE_PROBE_TIMEOUT_SECONDS,
        reconnectAfterChecks: source.reconnectAfterChecks ?? 4,
        readyUrl: `http://127.0.0.1:${PORTS.gatewayStatus}/status/ready`,
        targetGroupArns: source.targetGroupArns ?? [],
        metricDimensions: { Stack: args.stack, GatewayGroup: args.gatewayGroupId },
        ...(args.auth === "mtls"
            ? {
                  tls: {
                      cert: "control-plane-cert",
                      key: "control-plane-key",
                      ca: "control-plane-ca",
                      serverName: args.controlPlaneSni,
                  },
              }
            : {}),
        ...standalone(source.export),
    };
    // Environment as API7 documents it for `docker run`: the endpoints (a JSON array), the group, and the
    // credentials; with mTLS also the server name in the DP Manager's certificate, which gateways must verify
    // although they reach it by the load balancer's name (docs.api7.ai/enterprise/3.2.16.7/best-practices/
    // configure-grpc).
    return {
        ...common,
        configTemplate: "gateway-config.yaml",
        configData: endpoints.apply((controlPlaneEndpoints) => ({
            ...listeners,
            controlPlaneEndpoints,
            pluginAttr,
            adminKey: ADMIN_KEY_PLACEHOLDER,
            adminPort: PORTS.gatewayAdmin,
        })),
        env: {
            API7_CONTROL_PLANE_ENDPOINTS: endpoints.apply((e) => JSON.stringify(e)),
            API7_GATEWAY_GROUP_SHORT_ID: args.gatewayGroupId,
            ...(args.auth === "mtls" ? { API7_CONTROL_PLANE_SNI: args.controlPlaneSni } : {}),
        },
        secretEnv: Object.fromEntries(credentialSecretNames(args.auth).map((n) => [CREDENTIAL_ENV[n], n])),
        placeholders: {},
        statePlaceholders: { [ADMIN_KEY_PLACEHOLDER]: "admin.key" },
        ...(outage ? { outage } : {}),
    };
}
