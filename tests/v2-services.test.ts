/**
 * The API7 2.x dashboard's and gateway's configurations (components/v2-services.ts): what they hold, secrets as
 * placeholders only. Neither API7 2.x image runs here, and API7 publishes no 2.x source: the keys follow the upstream
 * code they derive from (cited in the templates), not a run of API7's build.
 */
import * as yaml from "js-yaml";
import { dashboardV2Config, gatewayPrefix, gatewayV2Config } from "../components/v2-services";

const ETCD = ["10.80.0.10", "10.80.32.10", "10.80.64.10"];

test("the dashboard: 9000 for its load balancer and loopback only, every etcd member over TLS as api7-dashboard", () => {
    const conf = yaml.load(
        dashboardV2Config({ etcdAddresses: ETCD, etcdAuth: true, allowList: ["10.80.0.0/16", "127.0.0.1"] }),
    ) as any;
    expect(conf.conf.listen).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(conf.conf.allow_list).toEqual(["10.80.0.0/16", "127.0.0.1"]);
    expect(conf.conf.etcd).toEqual({
        name: "default",
        endpoints: ["10.80.0.10:2379", "10.80.32.10:2379", "10.80.64.10:2379"],
        enable_auth: true,
        username: "api7-dashboard",
        password: "__API7_SECRET_ETCD_PASSWORD__",
        mtls: {
            enable: true,
            key_file: "/usr/local/apisix-dashboard/conf/etcd/client.key",
            cert_file: "/usr/local/apisix-dashboard/conf/etcd/client.crt",
            ca_file: "/usr/local/apisix-dashboard/conf/etcd/ca.crt",
        },
        prefix: "/api7",
    });
    // The admin password and the token signing secret are the stack's, as placeholders.
    expect(conf.authentication.secret).toBe("__API7_SECRET_DASHBOARD_JWT__");
    expect(conf.authentication.users).toEqual([{ username: "admin", password: "__API7_SECRET_ADMIN_PASSWORD__" }]);
});

test("the gateway: 80 and 443, metrics on 0.0.0.0:9091, its cluster's prefix on every member over TLS", () => {
    const conf = yaml.load(
        gatewayV2Config({ etcdAddresses: ETCD, clusterId: "452869103972058061", etcdAuth: true }),
    ) as any;
    expect(conf.apisix.node_listen).toEqual([80]);
    expect(conf.apisix.ssl.listen).toEqual([443]);
    expect(conf.apisix.enable_admin).toBe(false);
    expect(conf.apisix.ssl.ssl_trusted_certificate).toBe("/usr/local/apisix/conf/etcd/ca.crt");
    // APISIX 2.15's schema.lua: each etcd host matches ^https?:// (a bare ip:2379 fails `apisix init`).
    expect(conf.etcd.host).toEqual(["https://10.80.0.10:2379", "https://10.80.32.10:2379", "https://10.80.64.10:2379"]);
    for (const h of conf.etcd.host) expect(h).toMatch(/^https?:\/\//);
    expect(conf.etcd.prefix).toBe("/api7/452869103972058061");
    expect([conf.etcd.user, conf.etcd.password]).toEqual(["api7-gateway", "__API7_SECRET_ETCD_PASSWORD__"]);
    expect(conf.etcd.tls).toEqual({
        cert: "/usr/local/apisix/conf/etcd/client.crt",
        key: "/usr/local/apisix/conf/etcd/client.key",
        verify: true,
    });
    expect(conf.plugin_attr.prometheus.export_addr).toEqual({ ip: "0.0.0.0", port: 9091 });
});

test("without etcd authentication the gateway names no user", () => {
    const conf = yaml.load(gatewayV2Config({ etcdAddresses: ETCD, clusterId: "c1", etcdAuth: false })) as any;
    expect(conf.etcd).not.toHaveProperty("user");
    expect(conf.etcd).not.toHaveProperty("password");
});

test("a cluster id the prefix cannot hold, or no etcd member, is refused", () => {
    expect(() => gatewayPrefix("a/b")).toThrow('v2.clusterId = "a/b": not a cluster id');
    expect(() => gatewayV2Config({ etcdAddresses: [], clusterId: "c1", etcdAuth: true })).toThrow(
        "gateway (2.x): no etcd member to connect to",
    );
});
