/**
 * The Docker lab's load balancer config (config-templates/haproxy.cfg), rendered for the lab's containers. Pure: no
 * SDK, so tests render it and CI checks it with the real `haproxy -c`.
 *
 * Health checks map the AWS target groups' settings onto HAProxy's server options (HAProxy 2.6 configuration
 * manual, section 5.2, docs.haproxy.org/2.6/configuration.html): `inter` = interval, `rise` = healthy threshold,
 * `fall` = unhealthy threshold, `port` = the port checked when it is not the traffic port (the gateways' status
 * listener), `check-ssl verify none` = an HTTPS check of a server with its own self-signed certificate.
 */
import * as fs from "fs";
import * as path from "path";
import type { Check } from "../listeners";
import { PORTS } from "../ports";

export const HAPROXY_TEMPLATE = path.join(__dirname, "..", "..", "config-templates", "haproxy.cfg");

/** Where the official haproxy image reads its config (docker-library/haproxy Dockerfile CMD). */
export const HAPROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";

/**
 * The port of HAProxy's monitor frontend (config-templates/haproxy.cfg, lb_health), on the container's loopback: what
 * the load balancer's Docker healthcheck asks. No other lab service uses it.
 */
export const HAPROXY_HEALTH_PORT = 8405;
export const HAPROXY_HEALTH_PATH = "/healthz";

export interface HaproxyArgs {
    /** Container host names (Docker DNS aliases) of the gateways, dashboards and DP Managers. */
    readonly gateways: readonly string[];
    readonly dashboards: readonly string[];
    readonly dpManagers: readonly string[];
    /** The dashboard serves HTTPS (7443) rather than HTTP (7080). */
    readonly dashboardTls: boolean;
    /** The gateways' checks (dataPlane.loadBalancer.healthCheck) and the control plane's (its target groups'). */
    readonly gatewayCheck: Check;
    readonly controlPlaneCheck: Check;
}

/** Fills {{name}} placeholders; a placeholder without a value, or a value without a placeholder, is an error. */
export function renderText(template: string, values: Readonly<Record<string, string | number>>, where: string): string {
    const used = new Set<string>();
    const out = template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
        if (!(name in values)) throw new Error(`${where}: no value for {{${name}}}`);
        used.add(name);
        return String(values[name]);
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`${where}: no placeholder for ${unused.join(", ")}`);
    return out;
}

/**
 * HAProxy's `timeout check` for the lab: one value in `defaults` serves every backend, so the shorter of the two
 * checks' timeouts (a check must not wait longer than its target group would).
 */
export function checkTimeoutSeconds(args: Pick<HaproxyArgs, "gatewayCheck" | "controlPlaneCheck">): number {
    return Math.min(args.gatewayCheck.timeoutSeconds, args.controlPlaneCheck.timeoutSeconds);
}

export const checkOptions = (c: Check) =>
    `inter ${c.intervalSeconds}s rise ${c.healthyThreshold} fall ${c.unhealthyThreshold}`;

export function servers(prefix: string, hosts: readonly string[], port: number, options: string): string {
    if (hosts.length === 0) throw new Error(`haproxy.cfg: no ${prefix} servers`);
    return hosts.map((h, i) => `    server ${prefix}-${i + 1} ${h}:${port} ${options}`).join("\n");
}

/** haproxy.cfg for the lab. */
export function haproxyConfig(args: HaproxyArgs, template = fs.readFileSync(HAPROXY_TEMPLATE, "utf8")): string {
    const gw = `check port ${PORTS.gatewayStatus} ${checkOptions(args.gatewayCheck)}`;
    const cp = checkOptions(args.controlPlaneCheck);
    const dashboardPort = args.dashboardTls ? PORTS.dashboardHttps : PORTS.dashboard;
    return renderText(
        template,
        {
            checkTimeout: `${checkTimeoutSeconds(args)}s`,
            healthPort: HAPROXY_HEALTH_PORT,
            healthPath: HAPROXY_HEALTH_PATH,
            gatewayHttpPort: PORTS.gatewayHttp,
            gatewayHttpsPort: PORTS.gatewayHttps,
            gatewayHttpServers: servers("gateway", args.gateways, PORTS.gatewayHttp, gw),
            gatewayHttpsServers: servers("gateway", args.gateways, PORTS.gatewayHttps, gw),
            dashboardPort,
            dashboardServers: servers(
                "dashboard",
                args.dashboards,
                dashboardPort,
                `check ${args.dashboardTls ? "check-ssl verify none " : ""}${cp}`,
            ),
            dpManagerPort: PORTS.dpManager,
            dpManagerMtlsPort: PORTS.dpManagerMtls,
            dpManagerServers: servers("dp-manager", args.dpManagers, PORTS.dpManager, `check ${cp}`),
            dpManagerMtlsServers: servers(
                "dp-manager",
                args.dpManagers,
                PORTS.dpManagerMtls,
                `check port ${PORTS.dpManager} ${cp}`,
            ),
        },
        "haproxy.cfg",
    );
}
