/**
 * Every security group and every rule, in one file: the matrix a reviewer checks. One group per role, each rule a
 * separate `aws.vpc.SecurityGroupIngressRule`/`EgressRule` with a description; a peer that is ours is referenced by
 * its security group, never by address.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "./ports";

export interface SecurityGroupsArgs {
    readonly vpcId: pulumi.Input<string>;
    /** The VPC's CIDR: the default database destination. */
    readonly vpcCidr: pulumi.Input<string>;
    /** Admin CIDRs (IPv4 or IPv6) allowed to the dashboard. Empty: no one. */
    readonly adminCidrs: readonly string[];
    /** Gateways reach the DP Manager on 7900 (token) or 7943 (mTLS); only that port is opened. */
    readonly controlPlaneAuth: "token" | "mtls";
    /** Where the PostgreSQL database is (CIDRs); empty means inside the VPC. */
    readonly databaseCidrs: readonly string[];
    /** The database port (from the DSN). */
    readonly databasePort: number;
    /** Where gateways may send proxied traffic (upstream services), all TCP ports. */
    readonly upstreamCidrs: readonly string[];
    readonly tags?: Record<string, string>;
}

/** A rule's other side: a CIDR or one of our security groups, with a label for the rule's name. */
export interface Peer {
    readonly label: string;
    readonly cidrIpv4?: pulumi.Input<string>;
    readonly cidrIpv6?: pulumi.Input<string>;
    readonly referencedSecurityGroupId?: pulumi.Input<string>;
}

/** A CIDR peer; IPv6 when it has a colon. Rules are named by the CIDR, so reordering a list replaces nothing. */
export function cidrPeer(cidr: string): Peer {
    return cidr.includes(":") ? { label: cidr, cidrIpv6: cidr } : { label: cidr, cidrIpv4: cidr };
}

/** One of our security groups as a peer. */
export function groupPeer(group: aws.ec2.SecurityGroup, label: string): Peer {
    return { label, referencedSecurityGroupId: group.id };
}

export interface PortRange {
    readonly from: number;
    readonly to?: number;
}

function peerKey(peer: Peer): string {
    return peer.label.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-|-$/g, "");
}

export class SecurityGroups extends pulumi.ComponentResource {
    /** Control-plane hosts: dashboard and DP Manager. */
    public readonly controlPlane: aws.ec2.SecurityGroup;
    /** Data-plane hosts: gateways. */
    public readonly dataPlane: aws.ec2.SecurityGroup;
    public readonly controlPlaneId: pulumi.Output<string>;
    public readonly dataPlaneId: pulumi.Output<string>;

    private readonly baseName: string;
    private readonly roles = new Map<aws.ec2.SecurityGroup, string>();

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:network:SecurityGroups", name, {}, opts);
        this.baseName = name;
        const tags = args.tags ?? {};
        const group = (role: string, description: string) => {
            const sg = new aws.ec2.SecurityGroup(`${name}-${role}`, {
                vpcId: args.vpcId,
                description,
                tags: { ...tags, Name: `${name}-${role}` },
            }, { parent: this });
            this.roles.set(sg, role);
            return sg;
        };

        this.controlPlane = group("cp", "api7-ha control plane hosts (dashboard, DP Manager)");
        this.dataPlane = group("dp", "api7-ha data plane hosts (gateways)");
        const cp = this.controlPlane;
        const dp = this.dataPlane;
        const dpManagerPort = args.controlPlaneAuth === "mtls" ? PORTS.dpManagerMtls : PORTS.dpManager;

        // Control plane.
        for (const cidr of args.adminCidrs) {
            this.ingress(cp, "dashboard", { from: PORTS.dashboard }, cidrPeer(cidr), "API7 Dashboard from an admin network");
        }
        this.ingress(cp, "dp-manager", { from: dpManagerPort }, groupPeer(dp, "dp"), `DP Manager (${args.controlPlaneAuth}) from gateways`);
        this.egress(cp, "https", { from: 443 }, cidrPeer("0.0.0.0/0"), "HTTPS: SSM, image registry, package repos, S3 fallback export");
        const databases: Peer[] = args.databaseCidrs.length > 0
            ? args.databaseCidrs.map(cidrPeer)
            : [{ label: "vpc", cidrIpv4: args.vpcCidr }];
        for (const db of databases) {
            this.egress(cp, "postgres", { from: args.databasePort }, db, "PostgreSQL (API7 database)");
        }

        // Data plane.
        this.egress(dp, "dp-manager", { from: dpManagerPort }, groupPeer(cp, "cp"), `DP Manager (${args.controlPlaneAuth}) on the control plane`);
        this.egress(dp, "https", { from: 443 }, cidrPeer("0.0.0.0/0"), "HTTPS: SSM, image registry, package repos, S3 fallback");
        for (const cidr of args.upstreamCidrs) {
            this.egress(dp, "upstreams", { from: 1, to: 65535 }, cidrPeer(cidr), "Proxied traffic to upstream services");
        }

        this.controlPlaneId = cp.id;
        this.dataPlaneId = dp.id;
        this.registerOutputs({ controlPlaneId: this.controlPlaneId, dataPlaneId: this.dataPlaneId });
    }

    /** Adds an ingress rule to `group` (the group's own name and the port make the resource name). */
    public ingress(group: aws.ec2.SecurityGroup, what: string, ports: PortRange, peer: Peer, description: string): aws.vpc.SecurityGroupIngressRule {
        return new aws.vpc.SecurityGroupIngressRule(this.ruleName(group, "in", what, ports, peer), {
            securityGroupId: group.id,
            ipProtocol: "tcp",
            fromPort: ports.from,
            toPort: ports.to ?? ports.from,
            description,
            cidrIpv4: peer.cidrIpv4,
            cidrIpv6: peer.cidrIpv6,
            referencedSecurityGroupId: peer.referencedSecurityGroupId,
        }, { parent: this });
    }

    /** Adds an egress rule to `group`. */
    public egress(group: aws.ec2.SecurityGroup, what: string, ports: PortRange, peer: Peer, description: string): aws.vpc.SecurityGroupEgressRule {
        return new aws.vpc.SecurityGroupEgressRule(this.ruleName(group, "out", what, ports, peer), {
            securityGroupId: group.id,
            ipProtocol: "tcp",
            fromPort: ports.from,
            toPort: ports.to ?? ports.from,
            description,
            cidrIpv4: peer.cidrIpv4,
            cidrIpv6: peer.cidrIpv6,
            referencedSecurityGroupId: peer.referencedSecurityGroupId,
        }, { parent: this });
    }

    private ruleName(group: aws.ec2.SecurityGroup, direction: "in" | "out", what: string, ports: PortRange, peer: Peer): string {
        const role = this.roles.get(group);
        if (!role) throw new Error(`${this.baseName}: rule on a security group this component does not own`);
        const range = ports.to && ports.to !== ports.from ? `${ports.from}-${ports.to}` : `${ports.from}`;
        return `${this.baseName}-${role}-${direction}-${what}-${range}-${peerKey(peer)}`;
    }
}
