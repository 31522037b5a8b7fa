/**
 * Every security group and every rule of the API7 3.x topology, in one file: the matrix a reviewer checks (the rule
 * machinery: components/aws/sg-rules.ts).
 */
import type { ExternalDatabaseSettings } from "../config/settings";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../ports";
import { cidrPeer, groupPeer, SecurityGroupSet, type Peer } from "./sg-rules";

export { cidrPeer, groupPeer, type Peer, type PortRange } from "./sg-rules";

export interface SecurityGroupsArgs {
    readonly vpcId: pulumi.Input<string>;
    /** The VPC's CIDR: the default database destination. */
    readonly vpcCidr: pulumi.Input<string>;
    /** Admin CIDRs (IPv4 or IPv6) allowed to the dashboard and Prometheus (9090). Empty: no one. */
    readonly adminCidrs: readonly string[];
    /** Client CIDRs allowed to the gateways' listener ports. */
    readonly clientCidrs: readonly string[];
    /** Ports of the gateways' load-balancer listeners (HTTP, HTTPS). */
    readonly gatewayListenerPorts: readonly number[];
    /** With TLS passthrough the NLB forwards to 9443; with termination everything goes to 9080. */
    readonly httpsPassthrough: boolean;
    /** Port of the dashboard's load-balancer listener (443 with a certificate, else 7080). */
    readonly dashboardListenerPort: number;
    /** Port the dashboard serves on its hosts, behind the load balancer (7080 HTTP or 7443 HTTPS). */
    readonly dashboardTargetPort: number;
    /** Gateways reach the DP Manager on 7900 (token) or 7943 (mTLS); only that port is opened to them. */
    readonly controlPlaneAuth: "token" | "mtls";
    /**
     * The PostgreSQL database: the managed one gets its own group, open to the control plane only; an external one
     * is reached at its CIDRs (empty: the VPC) on the DSN's port.
     */
    readonly database:
        { readonly kind: "managed" } | Pick<ExternalDatabaseSettings, "kind" | "cidrs" | "port" | "engine">;
    /** Where gateways may send proxied traffic (upstream services), all TCP ports. */
    readonly upstreamCidrs: readonly string[];
    /** Prometheus: off, on its own host, or on the control-plane hosts. */
    readonly prometheus: "off" | "dedicated" | "controlPlane";
    readonly tags?: Record<string, string>;
}

/**
 * The matrix: hosts accept traffic only from their load balancer's group (and Prometheus's), load balancers accept
 * it from the configured CIDRs or our groups, and each group's egress is limited to what its role needs. The
 * internet-wide exceptions are the gateways' listener ports (clientCidrs), HTTPS egress (SSM, image registries,
 * package repositories and S3 have no fixed addresses) and the gateways' upstream traffic (upstreamCidrs).
 */
export class SecurityGroups extends SecurityGroupSet {
    /** Control-plane hosts: dashboard and DP Manager (and Prometheus when placed there). */
    public readonly controlPlane: aws.ec2.SecurityGroup;
    /** Data-plane hosts: gateways. */
    public readonly dataPlane: aws.ec2.SecurityGroup;
    /** The gateways' Network Load Balancer. */
    public readonly dataPlaneLb: aws.ec2.SecurityGroup;
    /** The dashboard's Application Load Balancer. */
    public readonly dashboardLb: aws.ec2.SecurityGroup;
    /** The DP Managers' internal Network Load Balancer. */
    public readonly dpManagerLb: aws.ec2.SecurityGroup;
    /** The dedicated Prometheus host, when there is one. */
    public readonly prometheus?: aws.ec2.SecurityGroup;
    /** The dedicated Prometheus host's internal Network Load Balancer. */
    public readonly prometheusLb?: aws.ec2.SecurityGroup;
    /** The managed database (RDS), when there is one. */
    public readonly database?: aws.ec2.SecurityGroup;
    public readonly controlPlaneId: pulumi.Output<string>;
    public readonly dataPlaneId: pulumi.Output<string>;

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:network:SecurityGroups", name, args.vpcId, args.tags ?? {}, opts);
        const group = (role: string, description: string) => this.group(role, description);

        // Descriptions use only what EC2 accepts there (a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*; no apostrophe):
        // the provider checks only their length (tests/aws-rules.ts).
        const cp = (this.controlPlane = group("cp", "api7-ha control plane hosts (dashboard, DP Manager)"));
        const dp = (this.dataPlane = group("dp", "api7-ha data plane hosts (gateways)"));
        const dpLb = (this.dataPlaneLb = group("dp-lb", "api7-ha gateway network load balancer"));
        const dashLb = (this.dashboardLb = group("dashboard-lb", "api7-ha dashboard application load balancer"));
        const dpmLb = (this.dpManagerLb = group("dpm-lb", "api7-ha DP Manager internal network load balancer"));
        const prom =
            args.prometheus === "dedicated"
                ? (this.prometheus = group("prometheus", "api7-ha Prometheus host"))
                : undefined;
        const promLb =
            args.prometheus === "dedicated"
                ? (this.prometheusLb = group("prometheus-lb", "api7-ha Prometheus internal network load balancer"))
                : undefined;
        const db =
            args.database.kind === "managed"
                ? (this.database = group("db", "api7-ha PostgreSQL database (RDS), control plane only"))
                : undefined;

        const mtls = args.controlPlaneAuth === "mtls";
        const gatewayPort = mtls ? PORTS.dpManagerMtls : PORTS.dpManager;
        const any = cidrPeer("0.0.0.0/0");
        const admins = args.adminCidrs.map(cidrPeer);

        // Gateways: clients -> NLB -> 9080/9443; the NLB's health check -> 7085.
        for (const client of args.clientCidrs.map(cidrPeer)) {
            for (const port of args.gatewayListenerPorts)
                this.ingress(dpLb, "listener", { from: port }, client, "Client traffic to the gateway listener");
        }
        const gatewayPorts = args.httpsPassthrough ? [PORTS.gatewayHttp, PORTS.gatewayHttps] : [PORTS.gatewayHttp];
        for (const port of gatewayPorts) {
            this.egress(dpLb, "gateway", { from: port }, groupPeer(dp, "dp"), "NLB to gateway traffic ports");
            this.ingress(
                dp,
                "gateway",
                { from: port },
                groupPeer(dpLb, "dp-lb"),
                "Gateway traffic from its load balancer",
            );
        }
        this.egress(
            dpLb,
            "status",
            { from: PORTS.gatewayStatus },
            groupPeer(dp, "dp"),
            "NLB health check (GET /status)",
        );
        this.ingress(
            dp,
            "status",
            { from: PORTS.gatewayStatus },
            groupPeer(dpLb, "dp-lb"),
            "Health check (GET /status) from the load balancer",
        );

        // Dashboard: admins -> ALB -> the listener the dashboard serves (7080, or 7443 with its own HTTPS).
        for (const admin of admins)
            this.ingress(
                dashLb,
                "listener",
                { from: args.dashboardListenerPort },
                admin,
                "Dashboard from an admin network",
            );
        this.egress(
            dashLb,
            "dashboard",
            { from: args.dashboardTargetPort },
            groupPeer(cp, "cp"),
            "ALB to the dashboards (traffic and GET /healthz)",
        );
        this.ingress(
            cp,
            "dashboard",
            { from: args.dashboardTargetPort },
            groupPeer(dashLb, "dashboard-lb"),
            "Dashboard from its load balancer",
        );

        // DP Manager: gateways -> internal NLB -> 7900 (token) or 7943 (mTLS, passthrough); health checks on 7900.
        this.ingress(
            dpmLb,
            "dp-manager",
            { from: gatewayPort },
            groupPeer(dp, "dp"),
            `DP Manager (${args.controlPlaneAuth}) from gateways`,
        );
        this.egress(
            dp,
            "dp-manager",
            { from: gatewayPort },
            groupPeer(dpmLb, "dpm-lb"),
            `DP Manager (${args.controlPlaneAuth}) through its load balancer`,
        );
        for (const port of mtls ? [PORTS.dpManager, PORTS.dpManagerMtls] : [PORTS.dpManager]) {
            const why =
                port === PORTS.dpManager && mtls
                    ? "health check (GET /healthz)"
                    : "gateway connections and health check";
            this.egress(dpmLb, "dp-manager", { from: port }, groupPeer(cp, "cp"), `NLB to DP Managers: ${why}`);
            this.ingress(
                cp,
                "dp-manager",
                { from: port },
                groupPeer(dpmLb, "dpm-lb"),
                `DP Manager ${why} from its load balancer`,
            );
        }

        // Egress every host needs, and the database.
        for (const host of [cp, dp, ...(prom ? [prom] : [])]) {
            this.egress(host, "https", { from: 443 }, any, "HTTPS: SSM, image registry, package repos, S3");
        }
        if (db) {
            // The managed database accepts the control plane only, and needs no egress (RDS answers on the connection).
            this.ingress(
                db,
                "postgres",
                { from: PORTS.postgres },
                groupPeer(cp, "cp"),
                "PostgreSQL from the control plane hosts",
            );
            this.egress(
                cp,
                "postgres",
                { from: PORTS.postgres },
                groupPeer(db, "db"),
                "PostgreSQL (API7 database, RDS)",
            );
        } else if (args.database.kind === "external") {
            const { cidrs, port } = args.database;
            const databases: Peer[] =
                cidrs.length > 0 ? cidrs.map(cidrPeer) : [{ label: "vpc", cidrIpv4: args.vpcCidr }];
            // "postgres" whatever the engine: the rule keeps its name (and URN) when a stack changes engine.
            const engine = args.database.engine === "mysql" ? "MySQL or OceanBase" : "PostgreSQL";
            for (const peer of databases)
                this.egress(cp, "postgres", { from: port }, peer, `${engine} (API7 database)`);
        }
        for (const upstream of args.upstreamCidrs.map(cidrPeer)) {
            this.egress(dp, "upstreams", { from: 1, to: 65535 }, upstream, "Proxied traffic to upstream services");
        }

        // Prometheus: admins -> 9090; it scrapes the gateways' exporter (9091); the control plane pushes DP Manager
        // metrics to it and the dashboard queries it (9090). On the control-plane hosts that traffic stays local.
        // A dedicated host sits behind its internal NLB (a replaced host keeps the address), which admits the
        // control plane and admins and alone reaches the host.
        if (prom && promLb) {
            for (const admin of admins)
                this.ingress(
                    promLb,
                    "prometheus",
                    { from: PORTS.prometheus },
                    admin,
                    "Prometheus from an admin network",
                );
            this.ingress(
                promLb,
                "prometheus",
                { from: PORTS.prometheus },
                groupPeer(cp, "cp"),
                "Dashboard queries and DP Manager metrics (remote write)",
            );
            this.egress(
                cp,
                "prometheus",
                { from: PORTS.prometheus },
                groupPeer(promLb, "prometheus-lb"),
                "Dashboard queries and DP Manager metrics to Prometheus",
            );
            this.egress(
                promLb,
                "prometheus",
                { from: PORTS.prometheus },
                groupPeer(prom, "prometheus"),
                "NLB to Prometheus (traffic and GET /-/healthy)",
            );
            this.ingress(
                prom,
                "prometheus",
                { from: PORTS.prometheus },
                groupPeer(promLb, "prometheus-lb"),
                "Prometheus from its load balancer",
            );
            this.egress(
                prom,
                "metrics",
                { from: PORTS.gatewayMetrics },
                groupPeer(dp, "dp"),
                "Prometheus scrape of the gateway exporter",
            );
            this.ingress(
                dp,
                "metrics",
                { from: PORTS.gatewayMetrics },
                groupPeer(prom, "prometheus"),
                "Gateway exporter scraped by Prometheus",
            );
        } else if (args.prometheus === "controlPlane") {
            for (const admin of admins)
                this.ingress(cp, "prometheus", { from: PORTS.prometheus }, admin, "Prometheus from an admin network");
            this.egress(
                cp,
                "metrics",
                { from: PORTS.gatewayMetrics },
                groupPeer(dp, "dp"),
                "Prometheus scrape of the gateway exporter",
            );
            this.ingress(
                dp,
                "metrics",
                { from: PORTS.gatewayMetrics },
                groupPeer(cp, "cp"),
                "Gateway exporter scraped by Prometheus",
            );
        }

        this.controlPlaneId = cp.id;
        this.dataPlaneId = dp.id;
        this.registerOutputs({ controlPlaneId: this.controlPlaneId, dataPlaneId: this.dataPlaneId });
    }
}
