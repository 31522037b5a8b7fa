/** The fallback, images, deploy, lab, Prometheus, alarms and logs areas of the schema (components/config/schema.ts). */
import { z } from "zod";
import { minimumIntervalSeconds } from "../../schedule";
import {
    MIN_EXPORT_INTERVAL_SECONDS,
    area,
    bool,
    bucketName,
    image,
    instanceType,
    int,
    kmsKeyArn,
    oneOf,
    port,
    setting,
} from "../setting-types";

/**
 * CloudWatch Logs' retention periods: "Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
 * 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653" (CloudWatch Logs API Reference, PutRetentionPolicy; the `Days`
 * shape of botocore's logs 2014-03-28 model, which tests/real/logs.test.ts reads).
 */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const EXTRAS_AREAS = {
    alarms: area(
        {
            topicArn: setting(
                z.string().regex(/^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256})?$/, {
                    error: "must be empty or an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
                }),
                "",
                "An existing SNS topic every alarm notifies, in the stack's region. Empty: the program creates one " +
                    "per stack (api7-ha-<stack>-alarms, encrypted with a KMS key of its own that CloudWatch, EventBridge and RDS may use) with alarms.emails subscribed.",
            ),
            emails: setting(
                z.array(z.email({ error: "is not an email address" })),
                [],
                "Email addresses subscribed to the stack's own topic (each confirms the subscription AWS mails it). " +
                    "Not with alarms.topicArn: subscribe to your topic as you do already.",
            ),
            databaseConnections: setting(
                int(1, 5000, "must be a whole number of connections from 1 to 5000 (RDS PostgreSQL's ceiling)"),
                200,
                "With database.kind `managed`: connections to the database above which its alarm fires. Set it " +
                    "to about 80% of the class's max_connections (RDS for PostgreSQL: LEAST(DBInstanceClassMemory / " +
                    "9531392, 5000); about 400 for the default db.t4g.medium).",
            ),
        },
        "CloudWatch alarms on what breaks HA, all notifying one SNS topic (README: alarms).",
    ),
    logs: area(
        {
            retentionDays: setting(
                z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
                    error: `must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
                }),
                30,
                "Days CloudWatch Logs keeps every log group of the stack (one of 1, 3, 5, 7, 14, 30, 60, 90, 120, " +
                    "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).",
            ),
            kmsKeyArn: setting(
                kmsKeyArn,
                "",
                "KMS key ARN the log groups are encrypted with; empty: CloudWatch Logs' own encryption. The key's " +
                    "policy must let the logs.<region>.amazonaws.com principal use it (README, Logs).",
            ),
        },
        "Where hosts send their logs: one CloudWatch Logs group per stack and role (README: Logs).",
    ),
    fallback: area(
        {
            enabled: setting(
                bool,
                true,
                "Create the two fallback buckets the control plane exports gateway configuration to, so gateways can " +
                    "run standalone while the control plane is down.",
            ),
            configBucketName: setting(
                bucketName,
                "",
                "Name of the bucket for instance configuration (keyring, discovery). Default: " +
                    "api7-ha-<stack>-fallback-config-<account id>.",
            ),
            resourceBucketName: setting(
                bucketName,
                "",
                "Name of the bucket for resources (routes, services). Default: " +
                    "api7-ha-<stack>-fallback-resource-<account id>.",
            ),
            kmsKeyArn: setting(kmsKeyArn, "", "KMS key ARN for SSE-KMS on both buckets; empty uses SSE-S3 (AES-256)."),
            noncurrentVersionExpirationDays: setting(
                int(1, 3650, "must be from 1 to 3650 days"),
                30,
                "Days a superseded export version is kept before it expires (1 to 3650).",
            ),
            cronSpec: setting(
                z.string().superRefine((spec, ctx) => {
                    let seconds: number;
                    try {
                        seconds = minimumIntervalSeconds(spec);
                    } catch (err) {
                        ctx.addIssue({ code: "custom", message: (err as Error).message });
                        return;
                    }
                    if (seconds < MIN_EXPORT_INTERVAL_SECONDS) {
                        ctx.addIssue({
                            code: "custom",
                            message:
                                `exports every ${seconds} s; the shortest allowed interval is ` +
                                `${MIN_EXPORT_INTERVAL_SECONDS} s`,
                        });
                    }
                }),
                "@every 1m",
                "How often the control plane exports (API7's fallback_cp.cron_spec, Go cron syntax: `@every 1m`, " +
                    "`*/5 * * * *`, `@hourly`). Intervals under 10 s are rejected.",
            ),
            credentials: setting(
                oneOf(["accessKeys", "instanceRole"]),
                "accessKeys",
                "How API7 reaches the buckets: `accessKeys` (an IAM user per role with an access key, the keys in " +
                    "SSM SecureStrings) or `instanceRole` (no keys; the hosts' roles get the same scoped policies, for " +
                    "API7 versions that use the instance role).",
            ),
            forceDestroy: setting(
                bool,
                false,
                "Let `pulumi destroy` empty and delete the versioned buckets (every export version). Also lifts the " +
                    "bucket policy's deny on deletes, which otherwise stops anyone but the control plane deleting " +
                    "exports. For throwaway stacks (dev); keep false in production.",
            ),
        },
        "Data-plane resilience: the S3 buckets the control plane exports gateway configuration to.",
    ),
    images: area(
        {
            source: setting(
                oneOf(["dockerHub", "ecrPullThroughCache", "registry"]),
                "dockerHub",
                "Where hosts pull the API7 and Prometheus images from. `dockerHub`: Docker Hub, directly through NAT " +
                    "(anonymous unless images.username and the registryPassword secret are set; Docker Hub limits " +
                    "anonymous pulls per IP). `ecrPullThroughCache`: an ECR pull-through cache of Docker Hub in this " +
                    "account and region, which the program creates (needs images.dockerHubSecretArn). `registry`: " +
                    "images.registry, where you push the images yourself (an ECR registry or another registry).",
            ),
            dockerHubSecretArn: setting(
                z
                    .string()
                    .regex(
                        /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/[A-Za-z0-9/_+=.@-]+)?$/,
                        {
                            error:
                                "must be empty or the ARN of a Secrets Manager secret whose name begins with " +
                                "ecr-pullthroughcache/ (an ECR requirement), e.g. arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
                        },
                    ),
                "",
                "With images.source `ecrPullThroughCache`: the Secrets Manager secret (same account and region, name " +
                    "beginning ecr-pullthroughcache/) holding your Docker Hub `username` and `accessToken`, which ECR " +
                    "requires for a Docker Hub cache.",
            ),
            cachePrefix: setting(
                z
                    .string()
                    .regex(/^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)?$/, {
                        error: "must be empty or an ECR repository prefix (lower-case letters, digits, . _ - and /)",
                    })
                    .max(30, { error: "must be at most 30 characters (ECR limit)" }),
                "",
                "With images.source `ecrPullThroughCache`: the ECR repository prefix of the cache rule (2 to 30 " +
                    "characters). Empty: api7-ha-<stack>.",
            ),
            registry: setting(
                z
                    .string()
                    .regex(
                        /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)?$/,
                        {
                            error:
                                "must be empty or a registry host with an optional path and no scheme or tag, " +
                                "e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
                        },
                    ),
                "",
                "With images.source `registry`: the registry (host[/path]) you push the images to; each image is " +
                    "pulled as <registry>/<its Docker Hub repository>:<tag>, e.g. " +
                    "<registry>/api7/api7-ee-3-gateway:3.2.16.3. An ECR registry " +
                    "(<account>.dkr.ecr.<region>.amazonaws.com) is reached with the hosts' role; another with " +
                    "images.username and the registryPassword secret.",
            ),
            username: setting(
                z.string().max(255, { error: "must be at most 255 characters" }),
                "",
                "With images.source `dockerHub`, or `registry` outside ECR: the user hosts log in as (docker login), " +
                    "with the registryPassword secret. Empty: anonymous pulls.",
            ),
            ecrEndpoints: setting(
                bool,
                false,
                "With images from ECR (`ecrPullThroughCache`, or `registry` in ECR): interface VPC endpoints for ECR " +
                    "(ecr.api, ecr.dkr) in every AZ, so image pulls do not cross NAT. Billed per endpoint per AZ-hour " +
                    "(`npm run report`). A pull-through cache still needs NAT for an image's first pull (ECR user " +
                    "guide).",
            ),
            pinDigests: setting(
                bool,
                false,
                "Resolve every image tag to its digest at deploy time (docker.getRegistryImage, asking the image's " +
                    "registry) and run <image>@sha256:<digest>: a tag re-pushed upstream cannot silently change a fleet, " +
                    "and a new digest shows in `pulumi preview --diff` as a change to review. The trade-off: the program " +
                    "is no longer deterministic for the same code and settings (a re-pushed tag changes the next " +
                    "preview), and every preview and up asks the registry (Docker Hub) for each tag. Images already " +
                    "given with @sha256 are used as given. Needs no Docker engine.",
            ),
        },
        "Where hosts pull images from.",
    ),
    deploy: area(
        {
            target: setting(
                oneOf(["aws", "docker"]),
                "aws",
                "Where this stack runs. `aws`: the HA topology on AWS (every other area applies). `docker`: the lab, " +
                    "the same topology on one Docker engine (the Docker provider's `docker:host`, default the local " +
                    "engine): PostgreSQL, controlPlane.count control-plane nodes (dashboard + DP Manager containers " +
                    "each), dataPlane.count gateways, an HAProxy load balancer and optional Prometheus, configured from " +
                    "the same templates and service definitions; the AWS-only areas (network, access, loadBalancers, " +
                    "fallback, database, hosts, images.source) are not used. See README, Try it locally.",
            ),
            generation: setting(
                oneOf(["3.x", "2.x"]),
                "3.x",
                "Which API7 Enterprise topology this stack runs. `3.x`: API7 3.2.16 (dashboard and DP Manager on " +
                    "PostgreSQL, gateways connected to the DP Managers). `2.x`: API7 2.x as its high-availability " +
                    "guide builds it: a 3- or 5-member etcd cluster (etcd.*) holding everything, dashboards on 9000 " +
                    "and gateways on 80/443 reading etcd (v2.*), images from your registry (images.source " +
                    "`registry`; in the lab, loaded on its Docker engine). Each generation's settings are refused with " +
                    "the other (docs/api7-2x.md).",
            ),
        },
        "Where this stack runs (AWS, or the Docker lab) and which API7 generation.",
    ),
    lab: area(
        {
            bindAddress: setting(
                z.ipv4({ error: "is not an IPv4 address" }),
                "127.0.0.1",
                "With deploy.target `docker`: the host address the lab's load balancer publishes its ports on. The " +
                    "default keeps the lab on loopback; 0.0.0.0 exposes it to your network.",
            ),
            httpPort: setting(
                port,
                9080,
                "With deploy.target `docker`: the published port of the gateways' HTTP listener (through the lab's " +
                    "load balancer).",
            ),
            httpsPort: setting(
                port,
                9443,
                "With deploy.target `docker`: the published port of the gateways' HTTPS listener (passed through as " +
                    "TCP).",
            ),
            dashboardPort: setting(
                port,
                7080,
                "With deploy.target `docker`: the published port of the dashboard, through the lab's load balancer " +
                    "(HTTP 7080 by default; HTTPS with the dashboard's own certificate when " +
                    "controlPlane.dashboardListener is https).",
            ),
            loadBalancerImage: setting(
                image,
                "haproxy:2.6.32",
                "With deploy.target `docker`: the HAProxy image of the lab's load balancer, pinned. Keep it on the " +
                    "2.6 branch: CI validates the rendered configuration with Debian's HAProxy 2.6 (`haproxy -c`). The " +
                    "default is the 2.6 tag Docker's official-images library lists (docker-library/official-images " +
                    "library/haproxy @37079fb3, 2026-08-21).",
            ),
            database: setting(
                oneOf(["postgresql", "mysql"]),
                "postgresql",
                "With deploy.target `docker`: the lab's database engine. `postgresql`: PostgreSQL 15 " +
                    "(lab.postgresImage), as API7's installation guide asks. `mysql`: MySQL 5.7 (lab.mysqlImage), " +
                    "which API7 3.2.16 also supports, for a team whose external database is MySQL. Changing it on a " +
                    "running lab creates the other database empty: the lab's configuration starts over.",
            ),
            mysqlImage: setting(
                image,
                "mysql:5.7.44",
                "With deploy.target `docker` and lab.database `mysql`: the MySQL image of the lab's database, " +
                    "pinned. The default is the last 5.7 build of Docker's official image (docker-library/mysql " +
                    "9678ed1d; the 5.7 line was removed as end of life at 3e959c22, 2023-12-18, so it gets no " +
                    "fixes), amd64 only: emulated, and slower to start, on an arm64 machine.",
            ),
            postgresImage: setting(
                image,
                "postgres:15.19",
                "With deploy.target `docker`: the PostgreSQL image of the lab's database (PostgreSQL 15, as API7's " +
                    "3.2.16.3 installation guide asks: " +
                    "https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation), pinned. " +
                    "The default is the 15 tag Docker's official-images library lists (docker-library/official-images " +
                    "library/postgres @37079fb3, 2026-08-21).",
            ),
        },
        "The Docker lab (deploy.target docker): published ports and the images only the lab uses.",
    ),
    prometheus: area(
        {
            enabled: setting(
                bool,
                false,
                "Run Prometheus (9090) for API7's built-in monitoring, scraping the gateways' exporter (9091) and " +
                    "receiving the DP Managers' metrics.",
            ),
            placement: setting(
                oneOf(["dedicated", "controlPlane"], " (never a gateway host: its control API holds 127.0.0.1:9090)"),
                "dedicated",
                "`dedicated`: its own host. `controlPlane`: on every control-plane host. Never on a gateway host " +
                    "(the gateway's control API binds 127.0.0.1:9090).",
            ),
            image: setting(
                image,
                "prom/prometheus:v2.48.1",
                "Prometheus image, pinned. API7's installation guide asks for Prometheus 2.48 " +
                    "(https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation).",
            ),
            instanceType: setting(
                instanceType,
                "t3.medium",
                "EC2 type of the dedicated Prometheus host: x86_64 with at least 2 vCPU and 4 GiB, checked as " +
                    "controlPlane.instanceType is.",
            ),
        },
        "Optional Prometheus for API7's built-in monitoring.",
    ),
} as const;
