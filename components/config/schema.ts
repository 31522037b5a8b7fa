/**
 * The schema: every setting this program reads, declared once. Type, default, range or enum and description live
 * here; validation (components/config/load.ts), README's reference and the stack-file JSON Schema
 * (components/config/reference.ts) are derived from it. Cross-field rules are in components/config/rules.ts.
 *
 * Shape, and why (the Pulumi CLI's config rules this relies on are ported, with their sources, in tools/pulumi-cli/):
 * - Settings are grouped into one structured key per area (`api7-ha:dataPlane`, ...), set with
 *   `pulumi config set --path dataPlane.count 3` and read as JSON. The CLI treats a declared key's name as a
 *   property path (pulumi/pulumi sdk/go/common/resource/config/map.go `Map.Get(k, path)`), so a key name with a
 *   dot is never used.
 * - Secrets are flat top-level keys (`pulumi config set --secret databaseDsn ...`): a secure leaf inside an object
 *   would make the whole object secret and hide every setting of that area in `pulumi preview --diff`.
 * - Defaults are applied here, not by the CLI: Pulumi.yaml declares only the always-required secret.
 */
import { z } from "zod";
import { instanceTypeProblem } from "../instance-types";
import { minimumIntervalSeconds } from "../schedule";

export const PROJECT = "api7-ha";

/**
 * PostgreSQL major versions offered for the managed database. API7 lists 15 to 18 (the port table of
 * https://docs.api7.ai/enterprise/high-availability/prepare-for-high-availability); its 3.2.16.3 installation guide asks
 * for 15, the default (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation).
 * 18 is not offered yet: allowing it is one entry here (RDS names its parameter group family postgres18).
 */
export const DATABASE_ENGINE_VERSIONS = ["15", "16", "17"] as const;
export const DEFAULT_DATABASE_ENGINE_VERSION: (typeof DATABASE_ENGINE_VERSIONS)[number] = "15";

/** Shortest allowed export interval: faster exports only add S3 requests and cost. */
export const MIN_EXPORT_INTERVAL_SECONDS = 10;

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** `repo[:tag][@sha256:digest]` with a tag other than latest, or a digest. */
export function imageProblem(ref: string): string | undefined {
    const m = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
    if (!m) return "is not a valid image reference ([registry/]repository[:tag][@sha256:digest])";
    const [, tag, digest] = m;
    if (!tag && !digest) return "has no tag: pin a version (e.g. :3.2.16.3) or a digest";
    if (tag === "latest" && !digest) return "uses `latest`: pin a version so every host and every preview runs the same image";
    return undefined;
}

const checked = (check: (value: string) => string | undefined) =>
    z.string().superRefine((value, ctx) => {
        const problem = check(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

const int = (min: number, max: number, rule: string) =>
    z.number().int({ error: "must be a whole number" }).min(min, { error: rule }).max(max, { error: rule });

const hostCount = (what: string) =>
    z.number().int({ error: "must be a whole number" })
        .min(2, { error: `must be at least 2: one ${what} is a single point of failure` })
        .max(20, { error: "must be at most 20" });

const port = int(1, 65535, "must be a port from 1 to 65535");
const threshold = int(2, 10, "must be from 2 to 10 (AWS target-group limits)");
const optionalArn = (service: string, resource: string, example: string) =>
    z.string().regex(new RegExp(`^(arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}/[A-Za-z0-9-]+)?$`), {
        error: `must be empty or ${example}`,
    });
const certificateArn = optionalArn("acm", "certificate", "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)");
/** S3 general purpose bucket naming rules (S3 user guide, bucketnamingrules.html). */
export function bucketNameProblems(name: string): string[] {
    const out: string[] = [];
    if (name.length < 3 || name.length > 63) out.push(`is ${name.length} characters (3 to 63)`);
    if (!/^[a-z0-9.-]+$/.test(name)) out.push("has characters other than lower-case letters, digits, dots and hyphens");
    if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) out.push("does not begin and end with a lower-case letter or digit");
    if (name.includes("..")) out.push("has two adjacent periods");
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) out.push("is formatted as an IP address");
    if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) out.push("begins with a reserved prefix (xn--, sthree-, amzn-s3-demo-)");
    if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) out.push("ends with a reserved suffix");
    return out;
}

const bucketName = z.string().superRefine((name, ctx) => {
    const problems = name === "" ? [] : bucketNameProblems(name);
    if (problems.length > 0) ctx.addIssue({ code: "custom", message: `must be empty or a valid S3 bucket name: it ${problems.join("; ")}` });
});
const bucketArn = z.string().regex(/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: "is not an S3 bucket ARN (arn:aws:s3:::<bucket>)",
});
const kmsKeyArn = optionalArn("kms", "key", "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
const bool = z.boolean({ error: "must be true or false" });
const ipv4Cidr = z.cidrv4({ error: "is not an IPv4 CIDR (a.b.c.d/n)" });
const anyCidr = z.union([z.cidrv4(), z.cidrv6()], { error: "is not an IPv4 or IPv6 CIDR" });
const cidrList = z.array(anyCidr);
const subnetIds = z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "is not a subnet id (subnet-...)" }));
const instanceType = checked(instanceTypeProblem);
const image = checked(imageProblem);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, why = "") =>
    z.enum(values, { error: `must be ${values.map((v) => `\`${v}\``).join(" or ")}${why}` });

/** A setting: its type with default and description. */
function setting<T extends z.ZodType>(type: T, defaultValue: z.input<T>, description: string) {
    return type.default(defaultValue as never).describe(description);
}

/** An area: a strict object (an unknown property is a typo, reported by name) whose settings all have defaults. */
function area<T extends z.ZodRawShape>(shape: T, description: string) {
    // Every setting has a default, so an empty object is valid input; the generic shape cannot show that to tsc.
    return z.strictObject(shape).prefault({} as never).describe(description);
}

// ---------------------------------------------------------------------------------------------------------------
// Areas (one structured key each)

export const AREAS = {
    network: area({
        cidr: setting(ipv4Cidr.refine((c) => {
            const prefix = Number(c.split("/")[1]);
            // Not a CIDR at all: the format check has said so.
            return !c.includes("/") || (prefix >= 16 && prefix <= 22);
        }, { error: "must have a prefix from /16 to /22 (room for a private and a public subnet per AZ)" }), "10.80.0.0/16",
        "IPv4 CIDR of the VPC the program creates (prefix /16 to /22), split into one private and one public subnet per AZ. Ignored with network.existingVpcId."),
        availabilityZones: setting(int(2, 6, "must be from 2 to 6: HA needs at least two availability zones"), 2,
            "How many availability zones subnets and hosts spread over (2 to 6). controlPlane.count may not exceed it."),
        natGateways: setting(oneOf(["single", "perAz"]), "single",
            "NAT gateways for the private subnets: `single` (one, cheaper) or `perAz` (one per AZ, survives an AZ loss)."),
        existingVpcId: setting(z.string().regex(/^(vpc-[0-9a-f]{8,17})?$/, { error: "must be empty or a VPC id (vpc-...)" }), "",
            "Bring your own VPC (vpc-...). When set, no VPC, subnets, NAT or endpoints are created and network.existingPrivateSubnetIds is required."),
        existingPrivateSubnetIds: setting(subnetIds, [],
            "With network.existingVpcId: the private subnets (two or more, in distinct AZs) for the hosts and internal load balancers."),
        existingPublicSubnetIds: setting(subnetIds, [],
            "With network.existingVpcId: the public subnets (two or more, in distinct AZs) for internet-facing load balancers."),
        s3EndpointAccess: setting(oneOf(["restricted", "unrestricted"]), "restricted",
            "Policy of the VPC's S3 gateway endpoint. `restricted`: only the fallback buckets, the AWS-owned buckets hosts install from, and network.s3EndpointBucketArns; any other S3 request from the VPC (a gateway proxying to an S3-hosted upstream in this region) is refused. `unrestricted`: AWS's full-access endpoint policy (IAM and bucket policies still apply)."),
        s3EndpointBucketArns: setting(z.array(bucketArn), [],
            "Extra buckets (arn:aws:s3:::<bucket>) reachable through the restricted S3 endpoint with any S3 action, e.g. the S3-hosted upstreams your gateways proxy to."),
    }, "The VPC: created, or yours."),
    access: area({
        adminCidrs: setting(cidrList, [],
            "CIDRs (IPv4 or IPv6) allowed to reach the dashboard and Prometheus. Empty means no one (use SSM port forwarding). 0.0.0.0/0 and ::/0 are rejected unless access.allowPublicAdmin is true."),
        allowPublicAdmin: setting(bool, false,
            "Allow 0.0.0.0/0 or ::/0 in access.adminCidrs. Leave false; the dashboard is an admin console."),
    }, "Who reaches the admin ports."),
    loadBalancers: area({
        deletionProtection: setting(bool, false,
            "Deletion protection on every load balancer (true in production; `pulumi destroy` then needs it turned off first)."),
    }, "Settings shared by all load balancers."),
    hosts: area({
        amiId: setting(z.string().regex(/^(ami-[0-9a-f]{8,17})?$/, { error: "must be empty or an AMI id (ami-...)" }), "",
            "Pinned x86_64 Amazon Linux 2023 AMI id (ami-...). Empty: resolved from AWS's public SSM parameter at deploy time, and later AMI releases are ignored so hosts are not replaced (README: pinning the AMI)."),
        rootVolumeGiB: setting(int(80, 16384, "must be from 80 GiB (API7's minimum free disk) to 16384 GiB (gp3 limit)"), 80,
            "Size of each host's encrypted gp3 root volume in GiB (80 to 16384)."),
        healthCheckGraceSeconds: setting(int(0, 7200, "must be from 0 to 7200 seconds"), 0,
            "Seconds a new host has to pass its load balancer's health checks before its Auto Scaling group may replace it (the grace period). 0: each role's first-boot budget (components/aws/boot-budget.ts, printed by `npm run report`). Set it from a measured first boot (README: sizing the grace period)."),
    }, "Settings shared by every host."),
    controlPlane: area({
        count: setting(hostCount("control-plane host"), 2,
            "Number of control-plane hosts (API7 Dashboard + DP Manager each), at least 2, one per AZ (at most network.availabilityZones)."),
        instanceType: setting(instanceType, "t3.medium",
            "EC2 type of the control-plane hosts: x86_64 with at least 2 vCPU and 4 GiB. The name (lower case, series.size, e.g. c6i.large) and common types are checked when the configuration is read (components/instance-types.ts); any other type is described by AWS (ec2:DescribeInstanceTypes), and every type must be offered in each of the stack's AZs (ec2:DescribeInstanceTypeOfferings), at preview and deploy time."),
        dashboardImage: setting(image, "api7/api7-ee-3-integrated:v3.2.16.3", "API7 Dashboard image, pinned by tag or digest (no `latest`)."),
        dpManagerImage: setting(image, "api7/api7-ee-dp-manager:v3.2.16.3", "API7 DP Manager image, pinned by tag or digest (no `latest`)."),
        dashboardListener: setting(oneOf(["http", "https"]), "http",
            "Which of its own listeners the dashboard serves, behind its load balancer: `http` (7080; API7's shipped configuration turns it off, https://docs.api7.ai/api7-gateway/configure-and-manage/configure-control-plane, so it is rendered `disable: false`) or `https` (7443, the dashboard's own TLS, so traffic from the load balancer to the hosts is encrypted too; the load balancer does not verify the dashboard's certificate). The other listener is rendered disabled; health checks use the one served."),
        loadBalancer: z.strictObject({
            internal: setting(bool, true,
                "Keep the dashboard's Application Load Balancer internal (reach it over VPN or Direct Connect). false makes it internet-facing, still limited to access.adminCidrs."),
            certificateArn: setting(certificateArn, "",
                "ACM certificate ARN; when set the dashboard is served over HTTPS on 443 (TLS 1.3 policy) instead of HTTP on 7080."),
        }).prefault({}).describe("The dashboard's load balancer."),
    }, "The control plane: API7 Dashboard and DP Manager hosts."),
    database: area({
        kind: setting(oneOf(["managed", "external"]), "managed",
            "`managed`: the program creates Amazon RDS for PostgreSQL for API7 (the default, so that a new stack needs no database built by hand). `external`: a PostgreSQL you run, reached with the databaseDsn secret."),
        engineVersion: setting(oneOf(DATABASE_ENGINE_VERSIONS), DEFAULT_DATABASE_ENGINE_VERSION,
            `With database.kind \`managed\`: PostgreSQL major version (${DATABASE_ENGINE_VERSIONS.join(", ")}; API7's 3.2.16.3 installation guide asks for 15: https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation). RDS applies minor versions in the maintenance window. A major upgrade is a change of this setting: RDS upgrades the instance in its next maintenance window, and the previous parameter group is left behind for you to delete afterwards.`),
        instanceClass: setting(z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "is not an RDS instance class (db.<family>.<size>, e.g. db.t4g.medium)" }), "db.t4g.medium",
            "With database.kind `managed`: RDS instance class (db.t4g.medium: 2 vCPU, 4 GiB, burstable). Prefer a non-burstable class such as db.m7g.large in production."),
        allocatedStorageGiB: setting(int(20, 65536, "must be from 20 to 65536 GiB (RDS gp3 limits)"), 20,
            "With database.kind `managed`: initial storage in GiB (gp3, 20 to 65536)."),
        maxAllocatedStorageGiB: setting(int(0, 65536, "must be from 0 to 65536 GiB"), 100,
            "With database.kind `managed`: storage autoscaling ceiling in GiB; 0 turns autoscaling off. Otherwise at least 10% above database.allocatedStorageGiB (an RDS rule)."),
        multiAz: setting(bool, true,
            "With database.kind `managed`: a synchronous standby in another AZ that RDS fails over to, typically in 60 to 120 s (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html). Without it, an AZ loss takes the database, and the control plane, down."),
        backupRetentionDays: setting(int(1, 35, "must be from 1 to 35 days (RDS automated backups)"), 7,
            "With database.kind `managed`: days of automated backups and point-in-time recovery (1 to 35)."),
        deletionProtection: setting(bool, true,
            "With database.kind `managed`: RDS deletion protection (`pulumi destroy` then needs it turned off first). Off only for throwaway stacks."),
        finalSnapshot: setting(bool, true,
            "With database.kind `managed`: take a final snapshot when the database is deleted. Off only for throwaway stacks."),
        kmsKeyArn: setting(kmsKeyArn, "",
            "With database.kind `managed`: KMS key for storage, snapshots and Performance Insights. Empty: the program creates a key for the database, with yearly rotation."),
        externalCidrs: setting(cidrList, [],
            "With database.kind `external`: CIDRs the control plane may reach the database in, on the port of databaseDsn. Empty means the VPC's CIDR (a database inside the VPC)."),
    }, "API7's PostgreSQL database: created by the program (RDS) or yours."),
    dataPlane: area({
        count: setting(hostCount("gateway"), 2, "Number of gateway hosts, at least 2, placed round-robin over the AZs."),
        instanceType: setting(instanceType, "t3.medium",
            "EC2 type of the gateway hosts: x86_64 with at least 2 vCPU and 4 GiB, checked as controlPlane.instanceType is. Prefer a non-burstable type (c6i.large) in production."),
        gatewayImage: setting(image, "api7/api7-ee-3-gateway:3.2.16.3", "API7 Gateway image, pinned by tag or digest (no `latest`)."),
        gatewayGroupId: setting(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, _ or -" }), "default",
            "Short id of the gateway group the gateways join (API7_GATEWAY_GROUP_SHORT_ID); the first install's group is `default`."),
        gatewayGroupName: setting(z.string().min(1, { error: "is empty" }).max(64, { error: "must be at most 64 characters" }), "default",
            "Name of that gateway group in the dashboard: the control plane finds it by name to issue the gateways' credentials, and checks its short id is dataPlane.gatewayGroupId."),
        createGatewayGroup: setting(bool, false,
            "Create the gateway group when the dashboard has none of that name. Its short id is chosen by API7: a first run that creates it stops with the short id to set as dataPlane.gatewayGroupId."),
        upstreamCidrs: setting(cidrList, ["0.0.0.0/0"], "CIDRs the gateways may proxy to (all TCP ports). Narrow it to your upstream networks where you can."),
        controlPlaneAuth: setting(oneOf(["token", "mtls"]), "token",
            "How gateways authenticate to the DP Manager: `token` (HTTP 7900) or `mtls` (7943, a client certificate). The control plane issues the credentials at its first start, unless the stack brings them (gatewayToken; gatewayClientCert, gatewayClientKey and gatewayCa)."),
        controlPlaneSni: setting(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, { error: "must be a DNS name" }), "api7ee3-dp-manager",
            "With dataPlane.controlPlaneAuth `mtls`: the server name gateways expect in the DP Manager's certificate (API7_CONTROL_PLANE_SNI). Gateways reach the DP Manager through its load balancer's DNS name, so without it verification fails; API7 documents `api7ee3-dp-manager`."),
        mode: setting(oneOf(["normal", "standalone"]), "normal",
            "`normal`: gateways follow the control plane. `standalone`: gateways serve the last configuration the control plane exported to S3 (README: CP outage runbook). Switching replaces no host."),
        loadBalancer: z.strictObject({
            internal: setting(bool, false,
                "Make the gateways' Network Load Balancer internal (private subnets) instead of internet-facing."),
            clientCidrs: setting(cidrList, ["0.0.0.0/0"], "CIDRs allowed to the gateways' listener ports (the only ports where 0.0.0.0/0 is accepted)."),
            httpPort: setting(port, 80, "Listener port for plain HTTP, forwarded to the gateways' 9080."),
            httpsPort: setting(port, 443, "Listener port for HTTPS, forwarded to the gateways' 9443 (passthrough) or terminated at the NLB."),
            httpsMode: setting(oneOf(["passthrough", "terminate"]), "passthrough",
                "`passthrough`: TCP to the gateways' 9443, which terminate TLS with their own certificates. `terminate`: a TLS listener at the NLB with dataPlane.loadBalancer.certificateArn and a TLS 1.3 policy, forwarding plain HTTP to 9080."),
            certificateArn: setting(certificateArn, "", "ACM certificate ARN for dataPlane.loadBalancer.httpsMode `terminate`."),
        }).prefault({}).describe("The gateways' Network Load Balancer."),
        healthCheck: z.strictObject({
            intervalSeconds: setting(int(5, 300, "must be from 5 to 300 seconds (AWS target-group limits)"), 30,
                "Seconds between health checks of each gateway (GET /status on 7085), 5 to 300. API7's installation guide suggests 30 (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation)."),
            timeoutSeconds: setting(int(2, 120, "must be from 2 to 120 seconds (AWS target-group limits)"), 10,
                "Seconds to wait for a health-check answer, 2 to 120 and less than the interval."),
            healthyThreshold: setting(threshold, 3, "Consecutive passing checks before a gateway (re)enters rotation, 2 to 10."),
            unhealthyThreshold: setting(threshold, 3, "Consecutive failing checks before a gateway leaves rotation, 2 to 10."),
        }).prefault({}).describe("The load balancer's health check of each gateway."),
        deregistrationDelaySeconds: setting(int(0, 3600, "must be from 0 to 3600 seconds"), 30,
            "Seconds a gateway leaving rotation keeps its open connections (then they are closed), 0 to 3600. AWS's default is 300 (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#deregistration-delay)."),
        autoscaling: z.strictObject({
            enabled: setting(bool, false,
                "Let the gateways' Auto Scaling group add and remove gateways on CPU load (target tracking), between dataPlane.count and dataPlane.autoscaling.maxCount."),
            maxCount: setting(int(2, 100, "must be from 2 to 100"), 6,
                "With dataPlane.autoscaling.enabled: the most gateways the group scales out to (at least dataPlane.count)."),
            targetCpuPercent: setting(int(10, 90, "must be from 10 to 90 percent"), 60,
                "With dataPlane.autoscaling.enabled: the average CPU utilization of the gateways the group keeps (ASGAverageCPUUtilization)."),
        }).prefault({}).describe("Optional target-tracking scaling of the gateways (off by default)."),
    }, "The data plane: API7 Gateway hosts and their load balancer."),
    fallback: area({
        enabled: setting(bool, true,
            "Create the two fallback buckets the control plane exports gateway configuration to, so gateways can run standalone while the control plane is down."),
        configBucketName: setting(bucketName, "",
            "Name of the bucket for instance configuration (keyring, discovery). Default: api7-ha-<stack>-fallback-config-<account id>."),
        resourceBucketName: setting(bucketName, "",
            "Name of the bucket for resources (routes, services). Default: api7-ha-<stack>-fallback-resource-<account id>."),
        kmsKeyArn: setting(kmsKeyArn, "",
            "KMS key ARN for SSE-KMS on both buckets; empty uses SSE-S3 (AES-256)."),
        noncurrentVersionExpirationDays: setting(int(1, 3650, "must be from 1 to 3650 days"), 30,
            "Days a superseded export version is kept before it expires (1 to 3650)."),
        cronSpec: setting(z.string().superRefine((spec, ctx) => {
            let seconds: number;
            try {
                seconds = minimumIntervalSeconds(spec);
            } catch (err) {
                ctx.addIssue({ code: "custom", message: (err as Error).message });
                return;
            }
            if (seconds < MIN_EXPORT_INTERVAL_SECONDS) {
                ctx.addIssue({ code: "custom", message: `exports every ${seconds} s; the shortest allowed interval is ${MIN_EXPORT_INTERVAL_SECONDS} s` });
            }
        }), "@every 1m",
        "How often the control plane exports (API7's fallback_cp.cron_spec, Go cron syntax: `@every 1m`, `*/5 * * * *`, `@hourly`). Intervals under 10 s are rejected."),
        credentials: setting(oneOf(["accessKeys", "instanceRole"]), "accessKeys",
            "How API7 reaches the buckets: `accessKeys` (an IAM user per role with an access key, the keys in SSM SecureStrings) or `instanceRole` (no keys; the hosts' roles get the same scoped policies, for API7 versions that use the instance role)."),
        forceDestroy: setting(bool, false,
            "Let `pulumi destroy` empty and delete the versioned buckets (every export version). Also lifts the bucket policy's deny on deletes, which otherwise stops anyone but the control plane deleting exports. For throwaway stacks (dev); keep false in production."),
    }, "Data-plane resilience: the S3 buckets the control plane exports gateway configuration to."),
    images: area({
        source: setting(oneOf(["dockerHub", "ecrPullThroughCache", "registry"]), "dockerHub",
            "Where hosts pull the API7 and Prometheus images from. `dockerHub`: Docker Hub, directly through NAT (anonymous unless images.username and the registryPassword secret are set; Docker Hub limits anonymous pulls per IP). `ecrPullThroughCache`: an ECR pull-through cache of Docker Hub in this account and region, which the program creates (needs images.dockerHubSecretArn). `registry`: images.registry, where you push the images yourself (an ECR registry or another registry)."),
        dockerHubSecretArn: setting(z.string().regex(/^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/[A-Za-z0-9/_+=.@-]+)?$/, {
            error: "must be empty or the ARN of a Secrets Manager secret whose name begins with ecr-pullthroughcache/ (an ECR requirement), e.g. arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
        }), "",
            "With images.source `ecrPullThroughCache`: the Secrets Manager secret (same account and region, name beginning ecr-pullthroughcache/) holding your Docker Hub `username` and `accessToken`, which ECR requires for a Docker Hub cache."),
        cachePrefix: setting(z.string().regex(/^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)?$/, { error: "must be empty or an ECR repository prefix (lower-case letters, digits, . _ - and /)" }).max(30, { error: "must be at most 30 characters (ECR limit)" }), "",
            "With images.source `ecrPullThroughCache`: the ECR repository prefix of the cache rule (2 to 30 characters). Empty: api7-ha-<stack>."),
        registry: setting(z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)?$/, {
            error: "must be empty or a registry host with an optional path and no scheme or tag, e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
        }), "",
            "With images.source `registry`: the registry (host[/path]) you push the images to; each image is pulled as <registry>/<its Docker Hub repository>:<tag>, e.g. <registry>/api7/api7-ee-3-gateway:3.2.16.3. An ECR registry (<account>.dkr.ecr.<region>.amazonaws.com) is reached with the hosts' role; another with images.username and the registryPassword secret."),
        username: setting(z.string().max(255, { error: "must be at most 255 characters" }), "",
            "With images.source `dockerHub`, or `registry` outside ECR: the user hosts log in as (docker login), with the registryPassword secret. Empty: anonymous pulls."),
        ecrEndpoints: setting(bool, false,
            "With images from ECR (`ecrPullThroughCache`, or `registry` in ECR): interface VPC endpoints for ECR (ecr.api, ecr.dkr) in every AZ, so image pulls do not cross NAT. Billed per endpoint per AZ-hour (`npm run report`). A pull-through cache still needs NAT for an image's first pull (ECR user guide)."),
        pinDigests: setting(bool, false,
            "Resolve every image tag to its digest at deploy time (docker.getRegistryImage, asking the image's registry) and run <image>@sha256:<digest>: a tag re-pushed upstream cannot silently change a fleet, and a new digest shows in `pulumi preview --diff` as a change to review. The trade-off: the program is no longer deterministic for the same code and settings (a re-pushed tag changes the next preview), and every preview and up asks the registry (Docker Hub) for each tag. Images already given with @sha256 are used as given. Needs no Docker engine."),
    }, "Where hosts pull images from."),
    deploy: area({
        target: setting(oneOf(["aws", "docker"]), "aws",
            "Where this stack runs. `aws`: the HA topology on AWS (every other area applies). `docker`: the lab, the same topology on one Docker engine (the Docker provider's `docker:host`, default the local engine): PostgreSQL, controlPlane.count control-plane nodes (dashboard + DP Manager containers each), dataPlane.count gateways, an HAProxy load balancer and optional Prometheus, configured from the same templates and service definitions; the AWS-only areas (network, access, loadBalancers, fallback, database, hosts, images.source) are not used. See README, Try it locally."),
    }, "Where this stack runs: AWS, or the Docker lab."),
    lab: area({
        bindAddress: setting(z.ipv4({ error: "is not an IPv4 address" }), "127.0.0.1",
            "With deploy.target `docker`: the host address the lab's load balancer publishes its ports on. The default keeps the lab on loopback; 0.0.0.0 exposes it to your network."),
        httpPort: setting(port, 9080, "With deploy.target `docker`: the published port of the gateways' HTTP listener (through the lab's load balancer)."),
        httpsPort: setting(port, 9443, "With deploy.target `docker`: the published port of the gateways' HTTPS listener (passed through as TCP)."),
        dashboardPort: setting(port, 7080, "With deploy.target `docker`: the published port of the dashboard, through the lab's load balancer (HTTP 7080 by default; HTTPS with the dashboard's own certificate when controlPlane.dashboardListener is https)."),
        loadBalancerImage: setting(image, "haproxy:2.6.32", "With deploy.target `docker`: the HAProxy image of the lab's load balancer, pinned. Keep it on the 2.6 branch: CI validates the rendered configuration with Debian's HAProxy 2.6 (`haproxy -c`). The default is the 2.6 tag Docker's official-images library lists (docker-library/official-images library/haproxy @37079fb3, 2026-08-21)."),
        postgresImage: setting(image, "postgres:15.19", "With deploy.target `docker`: the PostgreSQL image of the lab's database (PostgreSQL 15, as API7's 3.2.16.3 installation guide asks: https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation), pinned. The default is the 15 tag Docker's official-images library lists (docker-library/official-images library/postgres @37079fb3, 2026-08-21)."),
    }, "The Docker lab (deploy.target docker): published ports and the images only the lab uses."),
    prometheus: area({
        enabled: setting(bool, false,
            "Run Prometheus (9090) for API7's built-in monitoring, scraping the gateways' exporter (9091) and receiving the DP Managers' metrics."),
        placement: setting(oneOf(["dedicated", "controlPlane"], " (never a gateway host: its control API holds 127.0.0.1:9090)"), "dedicated",
            "`dedicated`: its own host. `controlPlane`: on every control-plane host. Never on a gateway host (the gateway's control API binds 127.0.0.1:9090)."),
        image: setting(image, "prom/prometheus:v2.48.1", "Prometheus image, pinned. API7's installation guide asks for Prometheus 2.48 (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation)."),
        instanceType: setting(instanceType, "t3.medium", "EC2 type of the dedicated Prometheus host: x86_64 with at least 2 vCPU and 4 GiB, checked as controlPlane.instanceType is."),
    }, "Optional Prometheus for API7's built-in monitoring."),
} as const;

export type AreaName = keyof typeof AREAS;
export const AREA_NAMES = Object.keys(AREAS) as AreaName[];

// ---------------------------------------------------------------------------------------------------------------
// Secrets (flat keys, each set with `pulumi config set --secret <key> <value>`)

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;
const pem = z.string().regex(PEM, { error: "is not PEM (-----BEGIN ...----- ... -----END ...-----)" });

function dsnProblem(dsn: string): string | undefined {
    let url: URL;
    try {
        url = new URL(dsn);
    } catch {
        return "is not a URL; expected postgres://user:password@host:5432/api7ee";
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        return `uses scheme ${url.protocol.replace(/:$/, "")}; expected postgres://user:password@host:5432/api7ee`;
    }
    if (!url.hostname) return "has no host; expected postgres://user:password@host:5432/api7ee";
    return undefined;
}

export interface SecretDeclaration {
    readonly schema: z.ZodType<string>;
    readonly description: string;
    /**
     * Required in every stack, so declared in Pulumi.yaml (`secret: true`, no default): the CLI itself then stops a
     * deployment without it, or with it in plain text. Optional secrets cannot be declared there (a declared secret
     * with a default fails validation since CLI v3.202.0) and are checked by the program instead.
     */
    readonly required: boolean;
}

export const SECRETS = {
    databaseDsn: {
        schema: checked(dsnProblem),
        required: false,
        description: "With database.kind `external` (and only then): PostgreSQL DSN of the API7 database, postgres://user:password@host:5432/api7ee. Stored as an SSM SecureString; never in user data. A managed database needs none: its hosts build the DSN from the RDS-managed secret.",
    },
    license: {
        schema: z.string().min(1, { error: "is empty" }),
        required: true,
        description: "Your API7 Enterprise license (the text API7 sent you): the control plane uploads it to the dashboard at first start. Set it with `pulumi config set --secret license < license.txt`.",
    },
    adminPassword: {
        schema: z.string()
            .min(12, { error: "must be at least 12 characters (API7 enforces a password policy it does not document; 15 with upper and lower case, a digit and a symbol is safe)" })
            .refine((p) => p !== "admin", { error: "must not be the initial password" }),
        required: true,
        description: "The dashboard's admin password: the control plane changes the initial admin/admin to it at first start. At least 12 characters.",
    },
    gatewayToken: {
        schema: z.string(),
        required: false,
        description: "A gateway group token you already have (dataPlane.controlPlaneAuth `token`). Unset: the control plane issues one at first start and stores it for the gateways.",
    },
    gatewayClientCert: {
        schema: pem,
        required: false,
        description: "A PEM client certificate you already have for mTLS to the DP Manager (with gatewayClientKey and gatewayCa). Unset: the control plane issues them at first start.",
    },
    gatewayClientKey: { schema: pem, required: false, description: "PEM private key of gatewayClientCert." },
    gatewayCa: { schema: pem, required: false, description: "PEM CA that signed the DP Manager's mTLS certificate." },
    registryPassword: {
        schema: z.string().min(1, { error: "is empty" }),
        required: false,
        description: "With images.username: the password or access token hosts log in to the image registry with (Docker Hub, or a registry outside ECR). Stored as an SSM SecureString; the hosts keep the login in tmpfs only.",
    },
} as const satisfies Record<string, SecretDeclaration>;

export type SecretName = keyof typeof SECRETS;
export const SECRET_NAMES = Object.keys(SECRETS) as SecretName[];

// ---------------------------------------------------------------------------------------------------------------
// The whole configuration

/** Every area (defaults filled in) plus the secrets that are set. */
export const configSchema = z.strictObject({
    ...AREAS,
    ...Object.fromEntries(SECRET_NAMES.map((name) => [name, SECRETS[name].schema.optional()])) as {
        [K in SecretName]: z.ZodOptional<(typeof SECRETS)[K]["schema"]>;
    },
});

export type ConfigValues = z.output<typeof configSchema>;
