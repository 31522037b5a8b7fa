/**
 * The API7 2.x topology's dashboard and gateway configurations (deploy.generation 2.x; on AWS:
 * components/aws/stack-v2.ts): what config-templates/dashboard-v2-conf.yaml and gateway-v2-config.yaml render, with
 * each secret as a placeholder the host replaces, so that no password is in a rendered config, an SSM String or a
 * diff.
 *
 * Health checks, from what the upstream code serves (API7 publishes no 2.x source):
 * - The dashboard: `GET /ping` on 9000, answered "pong" without a login (apache/apisix-dashboard
 *   api/internal/handler/healthz/healthz.go, authentication skipped for paths outside /apisix:
 *   api/internal/filter/authentication.go, @v2.13); a fixed answer that does not ask etcd. Its allow_list must admit
 *   the load balancer (api/internal/filter/ip_filter.go answers 403 otherwise).
 * - The gateway: APISIX 2.x has no status API (`apisix.status` arrived in APISIX 3.13.0, e430a2bd); the Prometheus
 *   export server on 9091 answers any path from the same nginx (apisix/cli/ngx_tpl.lua @2.15.3), so `GET` on it
 *   says that nginx serves, which a TCP check on 80 (API7's and Apache's charts) does not.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "./ports";
import type { ServiceDefinition } from "./services";
import { renderYamlTemplate } from "./templates";

/** Where each client's etcd TLS files are, inside its container. */
export const V2_TLS = Object.freeze({
    dashboard: {
        certFile: "/usr/local/apisix-dashboard/conf/etcd/client.crt",
        keyFile: "/usr/local/apisix-dashboard/conf/etcd/client.key",
        caFile: "/usr/local/apisix-dashboard/conf/etcd/ca.crt",
    },
    gateway: {
        certFile: "/usr/local/apisix/conf/etcd/client.crt",
        keyFile: "/usr/local/apisix/conf/etcd/client.key",
        caFile: "/usr/local/apisix/conf/etcd/ca.crt",
    },
});

/** Placeholders in the rendered configs, each replaced with the named secret's value where the service runs. */
export const V2_PLACEHOLDERS = Object.freeze({
    etcdPassword: "__API7_SECRET_ETCD_PASSWORD__",
    jwtSecret: "__API7_SECRET_DASHBOARD_JWT__",
    adminPassword: "__API7_SECRET_ADMIN_PASSWORD__",
});

/**
 * The gateways' etcd prefix: /api7/<cluster id>, as the dashboard's "copy cluster information" gives it (api7/
 * docs.apiseven.com enterprise_versioned_docs/version-2.13.2304/user-manual/cluster/list.md @faf96f0e).
 */
export function gatewayPrefix(clusterId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(clusterId)) throw new Error(`v2.clusterId = "${clusterId}": not a cluster id`);
    return `/api7/${clusterId}`;
}

export interface DashboardV2ConfigArgs {
    /** Every etcd member's address. */
    readonly etcdAddresses: readonly string[];
    /** etcd.auth: log in as api7-dashboard. */
    readonly etcdAuth: boolean;
    /** Addresses and CIDRs the dashboard answers: its load balancer's network and loopback. */
    readonly allowList: readonly string[];
}

export function dashboardV2Config(a: DashboardV2ConfigArgs): string {
    return renderYamlTemplate(V2_TEMPLATES.dashboard, dashboardV2ConfigData(a));
}

/** The templates in config-templates/ of the 2.x dashboard's and gateway's configurations. */
export const V2_TEMPLATES = Object.freeze({
    dashboard: "dashboard-v2-conf.yaml",
    gateway: "gateway-v2-config.yaml",
});

/** What the dashboard's configuration is rendered from (dashboardV2Config). */
export function dashboardV2ConfigData(a: DashboardV2ConfigArgs) {
    if (a.etcdAddresses.length === 0) throw new Error("dashboard (2.x): no etcd member to connect to");
    return {
        port: PORTS.dashboardV2,
        allowList: [...a.allowList],
        // host:port, as API7's guide and upstream's sample write them; TLS comes from the mtls files.
        etcdEndpoints: a.etcdAddresses.map((ip) => `${ip}:${PORTS.etcdClient}`),
        etcdAuth: a.etcdAuth,
        etcdPassword: V2_PLACEHOLDERS.etcdPassword,
        tls: V2_TLS.dashboard,
        jwtSecret: V2_PLACEHOLDERS.jwtSecret,
        adminPassword: V2_PLACEHOLDERS.adminPassword,
    };
}

export interface GatewayV2ConfigArgs {
    readonly etcdAddresses: readonly string[];
    /** v2.clusterId. */
    readonly clusterId: string;
    /** etcd.auth: log in as api7-gateway. */
    readonly etcdAuth: boolean;
    readonly httpPort?: number;
    readonly httpsPort?: number;
}

export function gatewayV2Config(a: GatewayV2ConfigArgs): string {
    return renderYamlTemplate(V2_TEMPLATES.gateway, gatewayV2ConfigData(a));
}

/** What the gateway's configuration is rendered from (gatewayV2Config). */
export function gatewayV2ConfigData(a: GatewayV2ConfigArgs) {
    if (a.etcdAddresses.length === 0) throw new Error("gateway (2.x): no etcd member to connect to");
    return {
        httpPorts: [a.httpPort ?? 80],
        httpsPorts: [a.httpsPort ?? 443],
        etcdHosts: a.etcdAddresses.map((ip) => `https://${ip}:${PORTS.etcdClient}`),
        prefix: gatewayPrefix(a.clusterId),
        etcdUser: a.etcdAuth ? "api7-gateway" : undefined,
        etcdPassword: a.etcdAuth ? V2_PLACEHOLDERS.etcdPassword : undefined,
        tls: V2_TLS.gateway,
        metricsPort: PORTS.gatewayMetrics,
    };
}

/** Where each 2.x service's config is mounted in its container (upstream's paths: see the templates). */
const CONFIG_PATHS = Object.freeze({
    dashboard: "/usr/local/apisix-dashboard/conf/conf.yaml",
    gateway: "/usr/local/apisix/conf/config.yaml",
});

/**
 * The 2.x dashboard as a service of either target: its config from every etcd member's address, its secrets as
 * placeholders (jwt-secret, admin-password, etcd-password with etcd.auth), its etcd TLS files where V2_TLS says.
 */
export function dashboardV2Service(a: {
    readonly image: pulumi.Input<string>;
    readonly etcdAddresses: pulumi.Input<string[]>;
    /** Who the dashboard answers: its load balancer's network, and loopback for its own health check. */
    readonly allowList: pulumi.Input<string[]>;
    readonly etcdAuth: boolean;
    readonly dockerArgs?: readonly string[];
}): ServiceDefinition {
    return {
        name: "dashboard",
        container: "api7-dashboard",
        image: a.image,
        configTemplate: V2_TEMPLATES.dashboard,
        configData: pulumi
            .all([a.etcdAddresses, a.allowList])
            .apply(([etcdAddresses, allowList]) =>
                dashboardV2ConfigData({ etcdAddresses, etcdAuth: a.etcdAuth, allowList }),
            ),
        configPath: CONFIG_PATHS.dashboard,
        placeholders: {
            [V2_PLACEHOLDERS.jwtSecret]: "jwt-secret",
            [V2_PLACEHOLDERS.adminPassword]: "admin-password",
            ...(a.etcdAuth ? { [V2_PLACEHOLDERS.etcdPassword]: "etcd-password" } : {}),
        },
        dockerArgs: a.dockerArgs,
        healthUrl: `http://127.0.0.1:${PORTS.dashboardV2}/ping`,
    };
}

/** The 2.x gateway as a service of either target: 80/443, etcd under /api7/<clusterId>, metrics on 9091. */
export function gatewayV2Service(a: {
    readonly image: pulumi.Input<string>;
    readonly etcdAddresses: pulumi.Input<string[]>;
    readonly clusterId: string;
    readonly etcdAuth: boolean;
    readonly dockerArgs?: readonly string[];
}): ServiceDefinition {
    return {
        name: "gateway",
        container: "api7-gateway",
        image: a.image,
        configTemplate: V2_TEMPLATES.gateway,
        configData: pulumi.output(a.etcdAddresses).apply((etcdAddresses) =>
            gatewayV2ConfigData({
                etcdAddresses,
                clusterId: a.clusterId,
                etcdAuth: a.etcdAuth,
                httpPort: PORTS.gatewayV2Http,
                httpsPort: PORTS.gatewayV2Https,
            }),
        ),
        configPath: CONFIG_PATHS.gateway,
        placeholders: a.etcdAuth ? { [V2_PLACEHOLDERS.etcdPassword]: "etcd-password" } : {},
        dockerArgs: a.dockerArgs,
        healthUrl: `http://127.0.0.1:${PORTS.gatewayMetrics}/apisix/prometheus/metrics`,
    };
}
