/** The control-plane, database and data-plane areas of the schema (components/config/schema.ts). */
import { z } from "zod";
import {
    DATABASE_ENGINE_VERSIONS,
    DEFAULT_DATABASE_ENGINE_VERSION,
    area,
    bool,
    certificateArn,
    cidrList,
    hostCount,
    image,
    instanceType,
    int,
    kmsKeyArn,
    oneOf,
    port,
    setting,
    threshold,
} from "../setting-types";

/** A host group's warm pool (controlPlane.warmPool, dataPlane.warmPool): the same two settings for each. */
function warmPoolSettings(key: string, hosts: string, role: string) {
    return z
        .strictObject({
            size: setting(
                int(0, 10, "must be from 0 (no warm pool) to 10 instances"),
                0,
                `${hosts} kept prepared in a warm pool (EC2 Auto Scaling), 0 to 10; 0: none. A warm host has run ` +
                    `its first boot (Docker, the images) and is then stopped (see ${key}.warmPool.state); when ` +
                    "the group needs a host, a warm one starts and serves in a fraction of a cold launch's " +
                    "time (`npm run report`). At most the group's maximum size.",
            ),
            state: setting(
                oneOf(["Stopped", "Hibernated", "Running"]),
                "Stopped",
                "What a warm host is kept as: `Stopped` (its volume is paid for), `Hibernated` (also its RAM, " +
                    "on the volume: a faster start; the instance type must support hibernation and " +
                    "hosts.rootVolumeGiB must hold the RAM besides API7's 80 GiB) or `Running` (paid as a " +
                    "running instance; AWS discourages it for cost).",
            ),
        })
        .prefault({})
        .describe(`Hosts kept prepared to replace a lost ${role} host quickly (off by default; on in prod).`);
}

export const PLANES_AREAS = {
    controlPlane: area(
        {
            count: setting(
                hostCount("control-plane host"),
                2,
                "Number of control-plane hosts (API7 Dashboard + DP Manager each), at least 2, one per AZ (at most " +
                    "network.availabilityZones).",
            ),
            instanceType: setting(
                instanceType,
                "t3.medium",
                "EC2 type of the control-plane hosts: x86_64 with at least 2 vCPU and 4 GiB. The name (lower case, " +
                    "series.size, e.g. c6i.large) and common types are checked when the configuration is read " +
                    "(components/instance-types.ts); any other type is described by AWS (ec2:DescribeInstanceTypes), and " +
                    "every type must be offered in each of the stack's AZs (ec2:DescribeInstanceTypeOfferings), at " +
                    "preview and deploy time.",
            ),
            dashboardImage: setting(
                image,
                "api7/api7-ee-3-integrated:v3.2.16.3",
                "API7 Dashboard image, pinned by tag or digest (no `latest`).",
            ),
            dpManagerImage: setting(
                image,
                "api7/api7-ee-dp-manager:v3.2.16.3",
                "API7 DP Manager image, pinned by tag or digest (no `latest`).",
            ),
            dashboardListener: setting(
                oneOf(["http", "https"]),
                "http",
                "Which of its own listeners the dashboard serves, behind its load balancer: `http` (7080; API7's " +
                    "shipped configuration turns it off, " +
                    "https://docs.api7.ai/api7-gateway/configure-and-manage/configure-control-plane, so it is rendered " +
                    "`disable: false`) or `https` (7443, the dashboard's own TLS, so traffic from the load balancer to " +
                    "the hosts is encrypted too; the load balancer does not verify the dashboard's certificate). The " +
                    "other listener is rendered disabled; health checks use the one served.",
            ),
            loadBalancer: z
                .strictObject({
                    internal: setting(
                        bool,
                        true,
                        "Keep the dashboard's Application Load Balancer internal (reach it over VPN or Direct " +
                            "Connect). false makes it internet-facing, still limited to access.adminCidrs.",
                    ),
                    certificateArn: setting(
                        certificateArn,
                        "",
                        "ACM certificate ARN; when set the dashboard is served over HTTPS on 443 (TLS 1.3 policy) " +
                            "instead of HTTP on 7080.",
                    ),
                })
                .prefault({})
                .describe("The dashboard's load balancer."),
            warmPool: warmPoolSettings("controlPlane", "Control-plane hosts", "control-plane"),
        },
        "The control plane: API7 Dashboard and DP Manager hosts.",
    ),
    database: area(
        {
            kind: setting(
                oneOf(["managed", "external"]),
                "managed",
                "`managed`: the program creates Amazon RDS for PostgreSQL for API7 (the default, so that a new stack " +
                    "needs no database built by hand). `external`: a PostgreSQL you run, reached with the databaseDsn " +
                    "secret.",
            ),
            engineVersion: setting(
                oneOf(DATABASE_ENGINE_VERSIONS),
                DEFAULT_DATABASE_ENGINE_VERSION,
                `With database.kind \`managed\`: PostgreSQL major version ` +
                    `(${DATABASE_ENGINE_VERSIONS.join(", ")}; API7's 3.2.16.3 installation guide asks for 15: ` +
                    `https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation). ` +
                    `RDS applies minor versions in the maintenance window. A major upgrade is a change of this ` +
                    `setting: RDS upgrades the instance in its next maintenance window, and the previous ` +
                    `parameter group is left behind for you to delete afterwards.`,
            ),
            instanceClass: setting(
                z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
                    error: "is not an RDS instance class (db.<family>.<size>, e.g. db.t4g.medium)",
                }),
                "db.t4g.medium",
                "With database.kind `managed`: RDS instance class (db.t4g.medium: 2 vCPU, 4 GiB, burstable). Prefer " +
                    "a non-burstable class such as db.m7g.large in production.",
            ),
            allocatedStorageGiB: setting(
                int(20, 65536, "must be from 20 to 65536 GiB (RDS gp3 limits)"),
                20,
                "With database.kind `managed`: initial storage in GiB (gp3, 20 to 65536).",
            ),
            maxAllocatedStorageGiB: setting(
                int(0, 65536, "must be from 0 to 65536 GiB"),
                100,
                "With database.kind `managed`: storage autoscaling ceiling in GiB; 0 turns autoscaling off. " +
                    "Otherwise at least 10% above database.allocatedStorageGiB (an RDS rule).",
            ),
            multiAz: setting(
                bool,
                true,
                "With database.kind `managed`: a synchronous standby in another AZ that RDS fails over to, typically " +
                    "in 60 to 120 s " +
                    "(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html). Without " +
                    "it, an AZ loss takes the database, and the control plane, down.",
            ),
            backupRetentionDays: setting(
                int(1, 35, "must be from 1 to 35 days (RDS automated backups)"),
                7,
                "With database.kind `managed`: days of automated backups and point-in-time recovery (1 to 35).",
            ),
            deletionProtection: setting(
                bool,
                true,
                "With database.kind `managed`: RDS deletion protection (`pulumi destroy` then needs it turned off " +
                    "first). Off only for throwaway stacks.",
            ),
            finalSnapshot: setting(
                bool,
                true,
                "With database.kind `managed`: take a final snapshot when the database is deleted. Off only for " +
                    "throwaway stacks.",
            ),
            kmsKeyArn: setting(
                kmsKeyArn,
                "",
                "With database.kind `managed`: KMS key for storage, snapshots and Performance Insights. Empty: the " +
                    "program creates a key for the database, with yearly rotation.",
            ),
            externalCidrs: setting(
                cidrList,
                [],
                "With database.kind `external`: CIDRs the control plane may reach the database in, on the port of " +
                    "databaseDsn. Empty means the VPC's CIDR (a database inside the VPC).",
            ),
        },
        "API7's PostgreSQL database: created by the program (RDS) or yours.",
    ),
    dataPlane: area(
        {
            count: setting(
                hostCount("gateway"),
                2,
                "Number of gateway hosts, at least 2, placed round-robin over the AZs.",
            ),
            instanceType: setting(
                instanceType,
                "t3.medium",
                "EC2 type of the gateway hosts: x86_64 with at least 2 vCPU and 4 GiB, checked as " +
                    "controlPlane.instanceType is. Prefer a non-burstable type (c6i.large) in production.",
            ),
            gatewayImage: setting(
                image,
                "api7/api7-ee-3-gateway:3.2.16.3",
                "API7 Gateway image, pinned by tag or digest (no `latest`).",
            ),
            gatewayGroupId: setting(
                z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, _ or -" }),
                "default",
                "Short id of the gateway group the gateways join (API7_GATEWAY_GROUP_SHORT_ID); the first install's " +
                    "group is `default`.",
            ),
            gatewayGroupName: setting(
                z.string().min(1, { error: "is empty" }).max(64, { error: "must be at most 64 characters" }),
                "default",
                "Name of that gateway group in the dashboard: the control plane finds it by name to issue the " +
                    "gateways' credentials, and checks its short id is dataPlane.gatewayGroupId.",
            ),
            createGatewayGroup: setting(
                bool,
                false,
                "Create the gateway group when the dashboard has none of that name. Its short id is chosen by API7: " +
                    "a first run that creates it stops with the short id to set as dataPlane.gatewayGroupId.",
            ),
            upstreamCidrs: setting(
                cidrList,
                ["0.0.0.0/0"],
                "CIDRs the gateways may proxy to (all TCP ports). Narrow it to your upstream networks where you can.",
            ),
            controlPlaneAuth: setting(
                oneOf(["token", "mtls"]),
                "token",
                "How gateways authenticate to the DP Manager: `token` (HTTP 7900) or `mtls` (7943, a client " +
                    "certificate). The control plane issues the credentials at its first start, unless the stack brings " +
                    "them (gatewayToken; gatewayClientCert, gatewayClientKey and gatewayCa).",
            ),
            controlPlaneSni: setting(
                z
                    .string()
                    .regex(
                        /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
                        { error: "must be a DNS name" },
                    ),
                "api7ee3-dp-manager",
                "With dataPlane.controlPlaneAuth `mtls`: the server name gateways expect in the DP Manager's " +
                    "certificate (API7_CONTROL_PLANE_SNI). Gateways reach the DP Manager through its load balancer's DNS " +
                    "name, so without it verification fails; API7 documents `api7ee3-dp-manager`.",
            ),
            mode: setting(
                oneOf(["normal", "standalone"]),
                "normal",
                "`normal`: gateways follow the control plane. `standalone`: gateways serve the last configuration " +
                    "the control plane exported to S3 (README: CP outage runbook). Switching replaces no host.",
            ),
            loadBalancer: z
                .strictObject({
                    internal: setting(
                        bool,
                        false,
                        "Make the gateways' Network Load Balancer internal (private subnets) instead of " +
                            "internet-facing.",
                    ),
                    clientCidrs: setting(
                        cidrList,
                        ["0.0.0.0/0"],
                        "CIDRs allowed to the gateways' listener ports (the only ports where 0.0.0.0/0 is accepted).",
                    ),
                    httpPort: setting(port, 80, "Listener port for plain HTTP, forwarded to the gateways' 9080."),
                    httpsPort: setting(
                        port,
                        443,
                        "Listener port for HTTPS, forwarded to the gateways' 9443 (passthrough) or terminated at the " +
                            "NLB.",
                    ),
                    httpsMode: setting(
                        oneOf(["passthrough", "terminate"]),
                        "passthrough",
                        "`passthrough`: TCP to the gateways' 9443, which terminate TLS with their own certificates. " +
                            "`terminate`: a TLS listener at the NLB with dataPlane.loadBalancer.certificateArn and a TLS " +
                            "1.3 policy, forwarding plain HTTP to 9080.",
                    ),
                    certificateArn: setting(
                        certificateArn,
                        "",
                        "ACM certificate ARN for dataPlane.loadBalancer.httpsMode `terminate`.",
                    ),
                })
                .prefault({})
                .describe("The gateways' Network Load Balancer."),
            healthCheck: z
                .strictObject({
                    intervalSeconds: setting(
                        int(5, 300, "must be from 5 to 300 seconds (AWS target-group limits)"),
                        30,
                        "Seconds between health checks of each gateway (GET /status on 7085), 5 to 300. API7's " +
                            "installation guide suggests 30 " +
                            "(https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation).",
                    ),
                    timeoutSeconds: setting(
                        int(2, 120, "must be from 2 to 120 seconds (AWS target-group limits)"),
                        10,
                        "Seconds to wait for a health-check answer, 2 to 120 and less than the interval.",
                    ),
                    healthyThreshold: setting(
                        threshold,
                        3,
                        "Consecutive passing checks before a gateway (re)enters rotation, 2 to 10.",
                    ),
                    unhealthyThreshold: setting(
                        threshold,
                        3,
                        "Consecutive failing checks before a gateway leaves rotation, 2 to 10.",
                    ),
                })
                .prefault({})
                .describe("The load balancer's health check of each gateway."),
            reconnectAfterChecks: setting(
                int(2, 60, "must be from 2 to 60 checks"),
                4,
                "A gateway started standalone during a control-plane outage returns to the control plane once the " +
                    "DP Manager has answered this many checks in a row (one every 30 s), 2 to 60: leaving rotation " +
                    "first (dataPlane.deregistrationDelaySeconds), one gateway at a time. More checks ride out a " +
                    "flapping control plane; fewer return sooner.",
            ),
            deregistrationDelaySeconds: setting(
                int(0, 3600, "must be from 0 to 3600 seconds"),
                30,
                "Seconds a gateway leaving rotation keeps its open connections (then they are closed), 0 to 3600. " +
                    "AWS's default is 300 " +
                    "(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#deregistration-delay).",
            ),
            autoscaling: z
                .strictObject({
                    enabled: setting(
                        bool,
                        false,
                        "Let the gateways' Auto Scaling group add and remove gateways on CPU load (target tracking), " +
                            "between dataPlane.count and dataPlane.autoscaling.maxCount.",
                    ),
                    maxCount: setting(
                        int(2, 100, "must be from 2 to 100"),
                        6,
                        "With dataPlane.autoscaling.enabled: the most gateways the group scales out to (at least " +
                            "dataPlane.count).",
                    ),
                    targetCpuPercent: setting(
                        int(10, 90, "must be from 10 to 90 percent"),
                        60,
                        "With dataPlane.autoscaling.enabled: the average CPU utilization of the gateways the group " +
                            "keeps (ASGAverageCPUUtilization).",
                    ),
                })
                .prefault({})
                .describe("Optional target-tracking scaling of the gateways (off by default)."),
            warmPool: warmPoolSettings("dataPlane", "Gateway hosts", "gateway"),
        },
        "The data plane: API7 Gateway hosts and their load balancer.",
    ),
} as const;
