import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "./cidr";
import type { NetworkSettings } from "../config/settings";

/** AWS's default VPC endpoint policy: full access (VPC user guide, "Control access to VPC endpoints using endpoint policies"). */
export const FULL_ACCESS_ENDPOINT_POLICY = JSON.stringify({
    Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
});

/** How many equal blocks the VPC CIDR is cut into: private subnets take blocks 0..7, public ones 8..15. */
const SUBNET_NEWBITS = 4;
const PUBLIC_BLOCK_OFFSET = 8;

/** One subnet per AZ, in the same order as `Network.availabilityZones`. */
export interface Subnet {
    readonly id: pulumi.Output<string>;
    readonly availabilityZone: pulumi.Output<string>;
}

export interface NetworkArgs {
    /** Network settings: a VPC to create (cidr, AZ count, NAT layout) or an existing VPC and its subnets. */
    readonly settings: NetworkSettings;
    /** Tags for every resource, merged over the provider's default tags. */
    readonly tags?: Record<string, string>;
    /** The fallback buckets: a restricted S3 endpoint admits them (network.s3EndpointAccess). */
    readonly fallbackBucketArns?: pulumi.Input<string[]>;
}

/**
 * The VPC the hosts and load balancers live in. Created: one private subnet (hosts, internal load balancers) and
 * one public subnet (NAT, internet-facing load balancers) per AZ, NAT gateways (one, or one per AZ), and an S3
 * gateway endpoint so fallback traffic to S3 never crosses NAT. Existing: the given subnets, checked to be in
 * distinct AZs.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** The AZ of each private subnet, in order. */
    public readonly availabilityZones: pulumi.Output<string[]>;
    /** Route tables of the private subnets (for gateway endpoints); empty with an existing VPC. */
    public readonly privateRouteTableIds: pulumi.Output<string[]>;
    /** The private subnets, one per AZ: hosts are placed round-robin over these. */
    public readonly privateSubnets: readonly Subnet[];
    /** The S3 gateway endpoint on the private route tables; undefined with an existing VPC (bring your own). */
    public readonly s3EndpointId?: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:network:Network", name, {}, opts);
        const s = args.settings;
        const tags = args.tags ?? {};

        if (s.existing) {
            const existing = s.existing;
            this.vpcId = pulumi.output(existing.vpcId);
            this.vpcCidr = aws.ec2.getVpcOutput({ id: existing.vpcId }, { parent: this }).cidrBlock;
            const lookups = existing.privateSubnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent: this }));
            const publicLookups = existing.publicSubnetIds.map((id) =>
                aws.ec2.getSubnetOutput({ id }, { parent: this }),
            );
            this.privateSubnets = lookups.map((l) => ({ id: l.id, availabilityZone: l.availabilityZone }));
            this.privateSubnetIds = pulumi.output([...existing.privateSubnetIds]);
            this.privateRouteTableIds = pulumi.output([]);
            const checkDistinct = (
                key: string,
                subnets: { id: string; availabilityZone: string; vpcId: string }[],
            ): string[] => {
                const seen = new Map<string, string>();
                for (const sub of subnets) {
                    if (sub.vpcId !== existing.vpcId) {
                        throw new pulumi.ResourceError(
                            `${key}: ${sub.id} is in ${sub.vpcId}, not in network.existingVpcId ${existing.vpcId}`,
                            this,
                        );
                    }
                    const other = seen.get(sub.availabilityZone);
                    if (other) {
                        throw new pulumi.ResourceError(
                            `${key}: ${other} and ${sub.id} are both in ${sub.availabilityZone}; each subnet ` +
                                `must be in a distinct AZ`,
                            this,
                        );
                    }
                    seen.set(sub.availabilityZone, sub.id);
                }
                return subnets.map((sub) => sub.id);
            };
            this.availabilityZones = pulumi.all(lookups).apply((subs) => {
                checkDistinct("network.existingPrivateSubnetIds", subs);
                return subs.map((sub) => sub.availabilityZone);
            });
            this.publicSubnetIds = pulumi
                .all(publicLookups)
                .apply((subs) => checkDistinct("network.existingPublicSubnetIds", subs));
            this.registerOutputs(this.outputs());
            return;
        }

        const cidr = s.cidr!;
        const azNames = aws
            .getAvailabilityZonesOutput(
                { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
                { parent: this },
            )
            .names.apply((names) => {
                if (names.length < s.azCount) {
                    throw new pulumi.ResourceError(
                        `network.availabilityZones = ${s.azCount}: this region has only ${names.length} available AZs`,
                        this,
                    );
                }
                // Sorted so the choice does not depend on the order AWS happens to list them in.
                return [...names].sort().slice(0, s.azCount);
            });

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: cidr,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { ...tags, Name: `${name}-vpc` },
            },
            { parent: this },
        );

        // The default security group allows all traffic between its members; nothing should use it (CKV2_AWS_12).
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { vpcId: vpc.id, tags: { ...tags, Name: `${name}-default-unused` } },
            { parent: this },
        );

        const igw = new aws.ec2.InternetGateway(
            `${name}-igw`,
            { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } },
            { parent: this },
        );
        const publicRt = new aws.ec2.RouteTable(
            `${name}-public-rt`,
            {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                tags: { ...tags, Name: `${name}-public` },
            },
            { parent: this },
        );

        const publicSubnets: aws.ec2.Subnet[] = [];
        const privateSubnets: aws.ec2.Subnet[] = [];
        const privateRts: aws.ec2.RouteTable[] = [];
        const nats: aws.ec2.NatGateway[] = [];
        for (let i = 0; i < s.azCount; i++) {
            const az = azNames.apply((names) => names[i]);
            const pub = new aws.ec2.Subnet(
                `${name}-public-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: subnetCidr(cidr, SUBNET_NEWBITS, PUBLIC_BLOCK_OFFSET + i),
                    availabilityZone: az,
                    mapPublicIpOnLaunch: false,
                    tags: { ...tags, Name: `${name}-public-${i}`, "api7-ha:tier": "public" },
                },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-public-${i}`,
                { subnetId: pub.id, routeTableId: publicRt.id },
                { parent: this },
            );
            publicSubnets.push(pub);

            if (s.natGateways === "perAz" || i === 0) {
                const eip = new aws.ec2.Eip(
                    `${name}-nat-${i}`,
                    { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${i}` } },
                    { parent: this },
                );
                nats.push(
                    new aws.ec2.NatGateway(
                        `${name}-nat-${i}`,
                        {
                            allocationId: eip.id,
                            subnetId: pub.id,
                            tags: { ...tags, Name: `${name}-nat-${i}` },
                        },
                        { parent: this, dependsOn: [igw] },
                    ),
                );
            }
            const nat = nats[s.natGateways === "perAz" ? i : 0];
            const priv = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: subnetCidr(cidr, SUBNET_NEWBITS, i),
                    availabilityZone: az,
                    tags: { ...tags, Name: `${name}-private-${i}`, "api7-ha:tier": "private" },
                },
                { parent: this },
            );
            const rt = new aws.ec2.RouteTable(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                    tags: { ...tags, Name: `${name}-private-${i}` },
                },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-private-${i}`,
                { subnetId: priv.id, routeTableId: rt.id },
                { parent: this },
            );
            privateSubnets.push(priv);
            privateRts.push(rt);
        }

        const region = aws.getRegionOutput({}, { parent: this }).region;
        this.s3EndpointId = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: privateRts.map((rt) => rt.id),
                // unrestricted: AWS's full-access endpoint policy, written out: the provider computes `policy` when
                // it is left unset, so switching an existing endpoint to unset would keep its restricted policy.
                policy:
                    s.s3Endpoint.access === "restricted"
                        ? s3EndpointPolicy(
                              {
                                  fallbackBucketArns: args.fallbackBucketArns ?? [],
                                  extraBucketArns: s.s3Endpoint.extraBucketArns,
                                  region,
                              },
                              { parent: this },
                          )
                        : FULL_ACCESS_ENDPOINT_POLICY,
                tags: { ...tags, Name: `${name}-s3` },
            },
            { parent: this },
        ).id;

        this.vpcId = vpc.id;
        this.vpcCidr = vpc.cidrBlock;
        this.privateSubnets = privateSubnets.map((sub) => ({ id: sub.id, availabilityZone: sub.availabilityZone }));
        this.privateSubnetIds = pulumi.all(privateSubnets.map((sub) => sub.id));
        this.publicSubnetIds = pulumi.all(publicSubnets.map((sub) => sub.id));
        this.availabilityZones = azNames;
        this.privateRouteTableIds = pulumi.all(privateRts.map((rt) => rt.id));
        this.registerOutputs(this.outputs());
    }

    private outputs(): pulumi.Inputs {
        return {
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            privateSubnetIds: this.privateSubnetIds,
            publicSubnetIds: this.publicSubnetIds,
            availabilityZones: this.availabilityZones,
            privateRouteTableIds: this.privateRouteTableIds,
            s3EndpointId: this.s3EndpointId,
        };
    }
}

/**
 * Policy for the VPC's S3 gateway endpoint (network.s3EndpointAccess `restricted`): the fallback buckets, the
 * AWS-owned buckets hosts read from (Amazon Linux package repositories, SSM agent and ECR image layers), and the
 * extra buckets of network.s3EndpointBucketArns. The endpoint policy only narrows; each caller still needs its own
 * IAM permission, and a bucket's own policy still applies.
 */
export function s3EndpointPolicy(
    args: {
        readonly fallbackBucketArns: pulumi.Input<string[]>;
        readonly extraBucketArns: readonly string[];
        readonly region: pulumi.Input<string>;
    },
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
    const { region, extraBucketArns } = args;
    const awsOwned = pulumi
        .output(region)
        .apply((r) => [
            `arn:aws:s3:::al2023-repos-${r}-de612dc2/*`,
            `arn:aws:s3:::amazonlinux-2-repos-${r}/*`,
            `arn:aws:s3:::aws-ssm-${r}/*`,
            `arn:aws:s3:::amazon-ssm-${r}/*`,
            `arn:aws:s3:::amazon-ssm-packages-${r}/*`,
            `arn:aws:s3:::${r}-birdwatcher-prod/*`,
            `arn:aws:s3:::aws-ssm-document-attachments-${r}/*`,
            `arn:aws:s3:::patch-baseline-snapshot-${r}/*`,
            `arn:aws:s3:::prod-${r}-starport-layer-bucket/*`,
        ]);
    const arns = pulumi.output(args.fallbackBucketArns);
    const statements: aws.types.input.iam.GetPolicyDocumentStatementArgs[] = [
        {
            sid: "FallbackBuckets",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
            resources: arns.apply((a) => [...a, ...a.map((x) => `${x}/*`)]),
        },
        {
            sid: "AwsOwnedBucketsHostsReadFrom",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:GetObject"],
            resources: awsOwned,
        },
    ];
    if (extraBucketArns.length > 0) {
        statements.push({
            sid: "ExtraBuckets",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:*"],
            resources: [...extraBucketArns, ...extraBucketArns.map((a) => `${a}/*`)],
        });
    }
    // No fallback buckets: no statement for them (an empty resource list is not a valid statement).
    return arns.apply(
        (a) =>
            aws.iam.getPolicyDocumentOutput(
                {
                    statements: a.length > 0 ? statements : statements.filter((s) => s.sid !== "FallbackBuckets"),
                },
                opts,
            ).json,
    );
}
