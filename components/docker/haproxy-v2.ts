/**
 * The API7 2.x lab's load balancer config (config-templates/haproxy-v2.cfg): gateways on 80/443 checked on 9091, the
 * dashboards on 9000 checked with GET /ping, as the 2.x AWS stack's load balancers (components/aws/stack-v2.ts).
 * Pure, as components/docker/haproxy.ts: tests render it and check it with the real `haproxy -c`.
 */
import * as fs from "fs";
import * as path from "path";
import { GATEWAY_V2_HEALTH_PATH, type Check } from "../listeners";
import { PORTS } from "../ports";
import { checkOptions, HAPROXY_HEALTH_PATH, HAPROXY_HEALTH_PORT, renderText, servers } from "./haproxy";

export const HAPROXY_V2_TEMPLATE = path.join(__dirname, "..", "..", "config-templates", "haproxy-v2.cfg");

export interface HaproxyV2Args {
    /** Container host names (Docker DNS aliases); no gateway before v2.clusterId (their backends then have none). */
    readonly gateways: readonly string[];
    readonly dashboards: readonly string[];
    readonly gatewayCheck: Check;
    readonly dashboardCheck: Check;
}

export function haproxyV2Config(args: HaproxyV2Args, template = fs.readFileSync(HAPROXY_V2_TEMPLATE, "utf8")): string {
    const gw = `check port ${PORTS.gatewayMetrics} ${checkOptions(args.gatewayCheck)}`;
    // A backend with no server answers 503 at once: the lab before v2.clusterId, as the NLB with no target.
    const gatewayServers = (port: number) =>
        args.gateways.length === 0
            ? "    # no gateway yet (v2.clusterId)"
            : servers("gateway", args.gateways, port, gw);
    return renderText(
        template,
        {
            checkTimeout: `${Math.min(args.gatewayCheck.timeoutSeconds, args.dashboardCheck.timeoutSeconds)}s`,
            healthPort: HAPROXY_HEALTH_PORT,
            healthPath: HAPROXY_HEALTH_PATH,
            gatewayHttpPort: PORTS.gatewayV2Http,
            gatewayHttpsPort: PORTS.gatewayV2Https,
            gatewayHealthPath: GATEWAY_V2_HEALTH_PATH,
            gatewayHttpServers: gatewayServers(PORTS.gatewayV2Http),
            gatewayHttpsServers: gatewayServers(PORTS.gatewayV2Https),
            dashboardPort: PORTS.dashboardV2,
            dashboardServers: servers(
                "dashboard",
                args.dashboards,
                PORTS.dashboardV2,
                `check ${checkOptions(args.dashboardCheck)}`,
            ),
        },
        "haproxy-v2.cfg",
    );
}
