/**
 * API7's ports, from its HA preparation page
 * (https://docs.api7.ai/enterprise/high-availability/prepare-for-high-availability) and its 3.2.16.3 installation
 * guide (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation). One table, so
 * security groups, listeners, health checks and rendered configs cannot disagree.
 */
export const PORTS = Object.freeze({
    /** API7 Dashboard web UI and API over HTTP (`server.listen`); health `GET /healthz`. */
    dashboard: 7080,
    /** API7 Dashboard over its own TLS (`server.tls`, on by default in API7's 3.2.16 chart); health `GET /healthz`. */
    dashboardHttps: 7443,
    /** DP Manager for gateways with a token (HTTP); health `GET /healthz`. */
    dpManager: 7900,
    /** DP Manager for gateways with a client certificate (mTLS, etcd v3 API): TCP passthrough only. */
    dpManagerMtls: 7943,
    /** Gateway HTTP traffic. */
    gatewayHttp: 9080,
    /** Gateway HTTPS traffic (the gateway terminates TLS). */
    gatewayHttps: 9443,
    /** Gateway status listener (`apisix.status`): `GET /status` answers 200 while the process is up. */
    gatewayStatus: 7085,
    /** Gateway Prometheus exporter (`plugin_attr.prometheus.export_addr`), URI /apisix/prometheus/metrics. */
    gatewayMetrics: 9091,
    /** Gateway Admin API, rendered on loopback and turned off (`apisix.enable_admin: false`). */
    gatewayAdmin: 9180,
    /** Gateway control API: bound to 127.0.0.1 by default, so it collides with Prometheus on a shared host. */
    gatewayControlApi: 9090,
    /** Prometheus server. */
    prometheus: 9090,
    /** PostgreSQL default, when the DSN names no port. */
    postgres: 5432,
    /** MySQL default, when the DSN names no port (OceanBase listens on 2881, always written in its DSN). */
    mysql: 3306,
    /** API7 2.x: etcd's client port (TLS), for the dashboards, the gateways and the members' own etcdctl. */
    etcdClient: 2379,
    /** API7 2.x: etcd's peer port (TLS), between members only. */
    etcdPeer: 2380,
    /**
     * API7 2.x: etcd's /health and /metrics in plain HTTP (`listen-metrics-urls`), on a port of its own; 2381, the
     * one kubeadm gives etcd's (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go @3301161c,
     * EtcdMetricsPort).
     */
    etcdMetrics: 2381,
    /**
     * API7 2.x: the dashboard (manager-api `conf.listen.port`), 9000 as API7's 2.x guide opens it
     * (api7/docs.apiseven.com enterprise_versioned_docs/version-2.13.2304/ready-for-production/high-availability.md
     * @faf96f0e); `GET /ping`.
     */
    dashboardV2: 9000,
    /** API7 2.x: the gateways' HTTP and HTTPS on their hosts, as API7's 2.x guide sets them. */
    gatewayV2Http: 80,
    gatewayV2Https: 443,
});

/**
 * The dashboard listener the load balancer forwards to and health-checks: API7's chart probes `/healthz` on the
 * listener that is not disabled (api7/api7-helm-chart charts/api7/templates/dashboard-deploy.yaml @71479c29).
 */
export function dashboardTarget(listener: "http" | "https"): {
    readonly port: number;
    readonly protocol: "HTTP" | "HTTPS";
} {
    return listener === "https"
        ? { port: PORTS.dashboardHttps, protocol: "HTTPS" }
        : { port: PORTS.dashboard, protocol: "HTTP" };
}
