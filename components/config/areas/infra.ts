/** The network, access, load-balancer and host areas of the schema (components/config/schema.ts). */
import { z } from "zod";
import { API7_MIN_FREE_DISK_GIB } from "../../instance-types";
import { area, bool, bucketArn, cidrList, int, ipv4Cidr, oneOf, setting, subnetIds } from "../setting-types";

export const INFRA_AREAS = {
    network: area(
        {
            cidr: setting(
                ipv4Cidr.refine(
                    (c) => {
                        const prefix = Number(c.split("/")[1]);
                        // Not a CIDR at all: the format check has said so.
                        return !c.includes("/") || (prefix >= 16 && prefix <= 22);
                    },
                    { error: "must have a prefix from /16 to /22 (room for a private and a public subnet per AZ)" },
                ),
                "10.80.0.0/16",
                "IPv4 CIDR of the VPC the program creates (prefix /16 to /22), split into one private and one public " +
                    "subnet per AZ. Ignored with network.existingVpcId.",
            ),
            availabilityZones: setting(
                int(2, 6, "must be from 2 to 6: HA needs at least two availability zones"),
                2,
                "How many availability zones subnets and hosts spread over (2 to 6). controlPlane.count may not " +
                    "exceed it.",
            ),
            natGateways: setting(
                oneOf(["single", "perAz"]),
                "single",
                "NAT gateways for the private subnets: `single` (one, cheaper) or `perAz` (one per AZ, survives an " +
                    "AZ loss).",
            ),
            existingVpcId: setting(
                z.string().regex(/^(vpc-[0-9a-f]{8,17})?$/, { error: "must be empty or a VPC id (vpc-...)" }),
                "",
                "Bring your own VPC (vpc-...). When set, no VPC, subnets, NAT or endpoints are created and " +
                    "network.existingPrivateSubnetIds is required.",
            ),
            existingPrivateSubnetIds: setting(
                subnetIds,
                [],
                "With network.existingVpcId: the private subnets (two or more, in distinct AZs) for the hosts and " +
                    "internal load balancers.",
            ),
            existingPublicSubnetIds: setting(
                subnetIds,
                [],
                "With network.existingVpcId: the public subnets (two or more, in distinct AZs) for internet-facing " +
                    "load balancers.",
            ),
            s3EndpointAccess: setting(
                oneOf(["restricted", "unrestricted"]),
                "restricted",
                "Policy of the VPC's S3 gateway endpoint. `restricted`: only the fallback buckets, the AWS-owned " +
                    "buckets hosts install from, and network.s3EndpointBucketArns; any other S3 request from the VPC (a " +
                    "gateway proxying to an S3-hosted upstream in this region) is refused. `unrestricted`: AWS's " +
                    "full-access endpoint policy (IAM and bucket policies still apply).",
            ),
            s3EndpointBucketArns: setting(
                z.array(bucketArn),
                [],
                "Extra buckets (arn:aws:s3:::<bucket>) reachable through the restricted S3 endpoint with any S3 " +
                    "action, e.g. the S3-hosted upstreams your gateways proxy to.",
            ),
        },
        "The VPC: created, or yours.",
    ),
    access: area(
        {
            adminCidrs: setting(
                cidrList,
                [],
                "CIDRs (IPv4 or IPv6) allowed to reach the dashboard and Prometheus. Empty means no one (use SSM " +
                    "port forwarding). 0.0.0.0/0 and ::/0 are rejected unless access.allowPublicAdmin is true.",
            ),
            allowPublicAdmin: setting(
                bool,
                false,
                "Allow 0.0.0.0/0 or ::/0 in access.adminCidrs. Leave false; the dashboard is an admin console.",
            ),
        },
        "Who reaches the admin ports.",
    ),
    loadBalancers: area(
        {
            deletionProtection: setting(
                bool,
                false,
                "Deletion protection on every load balancer (true in production; `pulumi destroy` then needs it " +
                    "turned off first).",
            ),
        },
        "Settings shared by all load balancers.",
    ),
    hosts: area(
        {
            amiId: setting(
                z.string().regex(/^(ami-[0-9a-f]{8,17})?$/, { error: "must be empty or an AMI id (ami-...)" }),
                "",
                "Pinned x86_64 Amazon Linux 2023 AMI id (ami-...). Empty: resolved from AWS's public SSM parameter " +
                    "at deploy time, and later AMI releases are ignored so hosts are not replaced (README: pinning the " +
                    "AMI).",
            ),
            rootVolumeGiB: setting(
                int(
                    API7_MIN_FREE_DISK_GIB,
                    16384,
                    `must be from ${API7_MIN_FREE_DISK_GIB} GiB (API7's minimum free disk) to 16384 GiB (gp3 limit)`,
                ),
                API7_MIN_FREE_DISK_GIB,
                "Size of each host's encrypted gp3 root volume in GiB (80 to 16384).",
            ),
            healthCheckGraceSeconds: setting(
                int(0, 7200, "must be from 0 to 7200 seconds"),
                0,
                "Seconds a new host has to pass its load balancer's health checks before its Auto Scaling group may " +
                    "replace it (the grace period). 0: each role's first-boot budget (components/aws/boot-budget.ts, " +
                    "printed by `npm run report`). Set it from a measured first boot (README: sizing the grace period).",
            ),
        },
        "Settings shared by every host.",
    ),
} as const;
