/**
 * What every set of security groups shares (components/aws/security-groups.ts for API7 3.x, components/aws/
 * v2-security-groups.ts for 2.x): one group per role, each rule a separate `aws.vpc.SecurityGroupIngressRule`/
 * `EgressRule` with a description, named by group, direction, port and peer, so that reordering a list replaces
 * nothing; a peer that is ours is referenced by its security group, never by address.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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

/** A component that owns security groups and their rules: groups made with `group`, rules with ingress/egress. */
export abstract class SecurityGroupSet extends pulumi.ComponentResource {
    private readonly roles = new Map<aws.ec2.SecurityGroup, string>();

    protected constructor(
        type: string,
        private readonly baseName: string,
        private readonly vpcId: pulumi.Input<string>,
        private readonly tags: Record<string, string>,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, baseName, {}, opts);
    }

    /** A security group for `role`, named <component>-<role>. */
    protected group(role: string, description: string): aws.ec2.SecurityGroup {
        const sg = new aws.ec2.SecurityGroup(
            `${this.baseName}-${role}`,
            { vpcId: this.vpcId, description, tags: { ...this.tags, Name: `${this.baseName}-${role}` } },
            { parent: this },
        );
        this.roles.set(sg, role);
        return sg;
    }

    /** Adds an ingress rule to `group` (the group's role, the port and the peer make the resource name). */
    public ingress(
        group: aws.ec2.SecurityGroup,
        what: string,
        ports: PortRange,
        peer: Peer,
        description: string,
    ): aws.vpc.SecurityGroupIngressRule {
        return new aws.vpc.SecurityGroupIngressRule(
            this.ruleName(group, "in", what, ports, peer),
            this.ruleArgs(group, ports, peer, description),
            { parent: this },
        );
    }

    /** Adds an egress rule to `group`. */
    public egress(
        group: aws.ec2.SecurityGroup,
        what: string,
        ports: PortRange,
        peer: Peer,
        description: string,
    ): aws.vpc.SecurityGroupEgressRule {
        return new aws.vpc.SecurityGroupEgressRule(
            this.ruleName(group, "out", what, ports, peer),
            this.ruleArgs(group, ports, peer, description),
            { parent: this },
        );
    }

    /** Ingress and egress rules take the same arguments. */
    private ruleArgs(
        group: aws.ec2.SecurityGroup,
        ports: PortRange,
        peer: Peer,
        description: string,
    ): aws.vpc.SecurityGroupIngressRuleArgs & aws.vpc.SecurityGroupEgressRuleArgs {
        return {
            securityGroupId: group.id,
            ipProtocol: "tcp",
            fromPort: ports.from,
            toPort: ports.to ?? ports.from,
            description,
            cidrIpv4: peer.cidrIpv4,
            cidrIpv6: peer.cidrIpv6,
            referencedSecurityGroupId: peer.referencedSecurityGroupId,
        };
    }

    private ruleName(
        group: aws.ec2.SecurityGroup,
        direction: "in" | "out",
        what: string,
        ports: PortRange,
        peer: Peer,
    ): string {
        const role = this.roles.get(group);
        if (!role) throw new Error(`${this.baseName}: rule on a security group this component does not own`);
        const range = ports.to && ports.to !== ports.from ? `${ports.from}-${ports.to}` : `${ports.from}`;
        return `${this.baseName}-${role}-${direction}-${what}-${range}-${peerKey(peer)}`;
    }
}
