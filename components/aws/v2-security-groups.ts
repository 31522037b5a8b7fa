/**
 * Every security group and every rule of the API7 2.x topology (deploy.generation 2.x), in one file: the matrix a
 * reviewer checks. etcd's client port (2379) is open to the dashboards, the gateways and the members alone, its peer
 * port (2380) to the members alone, and nothing but the gateways' listeners is open to 0.0.0.0/0. Egress as in 3.x:
 * HTTPS anywhere (SSM, EC2, image registries, package repositories, S3 have no fixed addresses), the gateways'
 * upstream traffic to upstreamCidrs, everything else to our own groups.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../ports";
import { cidrPeer, groupPeer, SecurityGroupSet } from "./sg-rules";

export interface SecurityGroupsV2Args {
    readonly vpcId: pulumi.Input<string>;
    /** Admin CIDRs allowed to the dashboard's load balancer. Empty: no one. */
    readonly adminCidrs: readonly string[];
    /** Client CIDRs allowed to the gateways' listener ports. */
    readonly clientCidrs: readonly string[];
    /** Ports of the gateways' load-balancer listeners (HTTP, HTTPS). */
    readonly gatewayListenerPorts: readonly number[];
    /** Port of the dashboard's load-balancer listener. */
    readonly dashboardListenerPort: number;
    /** Where gateways may send proxied traffic, all TCP ports. */
    readonly upstreamCidrs: readonly string[];
    readonly tags?: Record<string, string>;
}

/** The gateways' ports on their hosts, as API7's 2.x guide sets them: HTTP, HTTPS. */
export const GATEWAY_V2_PORTS = [PORTS.gatewayV2Http, PORTS.gatewayV2Https] as const;

export class SecurityGroupsV2 extends SecurityGroupSet {
    /** The dashboards' hosts. */
    public readonly controlPlane: aws.ec2.SecurityGroup;
    /** The gateways' hosts. */
    public readonly dataPlane: aws.ec2.SecurityGroup;
    /** The gateways' Network Load Balancer. */
    public readonly dataPlaneLb: aws.ec2.SecurityGroup;
    /** The dashboards' Application Load Balancer. */
    public readonly dashboardLb: aws.ec2.SecurityGroup;
    /** The etcd members (their hosts and their fixed network interfaces). */
    public readonly etcd: aws.ec2.SecurityGroup;

    constructor(name: string, args: SecurityGroupsV2Args, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:network:SecurityGroupsV2", name, args.vpcId, args.tags ?? {}, opts);
        // Descriptions: what EC2 accepts there (no apostrophe), as in security-groups.ts.
        const cp = (this.controlPlane = this.group("cp", "api7-ha 2.x dashboard hosts"));
        const dp = (this.dataPlane = this.group("dp", "api7-ha 2.x gateway hosts"));
        const dpLb = (this.dataPlaneLb = this.group("dp-lb", "api7-ha 2.x gateway network load balancer"));
        const dashLb = (this.dashboardLb = this.group("dashboard-lb", "api7-ha 2.x dashboard load balancer"));
        const etcd = (this.etcd = this.group("etcd", "api7-ha 2.x etcd members"));
        const peer = { cp: groupPeer(cp, "cp"), dp: groupPeer(dp, "dp"), dpLb: groupPeer(dpLb, "dp-lb") };
        const etcdPeer = groupPeer(etcd, "etcd");
        const any = cidrPeer("0.0.0.0/0");

        // Clients to the gateways, through their load balancer; it checks them on the metrics port.
        for (const client of args.clientCidrs.map(cidrPeer))
            for (const port of args.gatewayListenerPorts)
                this.ingress(dpLb, "listener", { from: port }, client, "Client traffic to the gateway listener");
        for (const port of [...GATEWAY_V2_PORTS, PORTS.gatewayMetrics]) {
            const why = port === PORTS.gatewayMetrics ? "health check (metrics port)" : "gateway traffic";
            this.egress(dpLb, "gateway", { from: port }, peer.dp, `NLB to gateways: ${why}`);
            this.ingress(dp, "nlb", { from: port }, peer.dpLb, `From the gateway NLB: ${why}`);
        }

        // Admins to the dashboards, through their load balancer.
        for (const admin of args.adminCidrs.map(cidrPeer))
            this.ingress(
                dashLb,
                "admin",
                { from: args.dashboardListenerPort },
                admin,
                "Dashboard from an admin network",
            );
        this.egress(dashLb, "dashboard", { from: PORTS.dashboardV2 }, peer.cp, "ALB to dashboards (9000)");
        this.ingress(
            cp,
            "alb",
            { from: PORTS.dashboardV2 },
            groupPeer(dashLb, "dashboard-lb"),
            "From the dashboard ALB",
        );

        // etcd: clients on 2379 (dashboards, gateways, the members own etcdctl), peers on 2380.
        for (const [label, client] of [
            ["cp", peer.cp],
            ["dp", peer.dp],
            ["etcd", etcdPeer],
        ] as const) {
            this.ingress(etcd, "client", { from: PORTS.etcdClient }, client, `etcd clients: ${label}`);
            if (label !== "etcd")
                this.egress(label === "cp" ? cp : dp, "etcd", { from: PORTS.etcdClient }, etcdPeer, "To etcd (2379)");
        }
        this.ingress(etcd, "peer", { from: PORTS.etcdPeer }, etcdPeer, "etcd peers");
        this.egress(etcd, "client", { from: PORTS.etcdClient }, etcdPeer, "etcd members to members (2379)");
        this.egress(etcd, "peer", { from: PORTS.etcdPeer }, etcdPeer, "etcd peers (2380)");

        for (const host of [cp, dp, etcd])
            this.egress(host, "https", { from: 443 }, any, "HTTPS: SSM, EC2, image registry, package repos, S3");
        for (const upstream of args.upstreamCidrs.map(cidrPeer))
            this.egress(dp, "upstreams", { from: 1, to: 65535 }, upstream, "Proxied traffic to upstream services");

        this.registerOutputs({ etcdId: etcd.id });
    }
}
