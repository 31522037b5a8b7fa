/** Rules between network, database and load-balancer settings. */
import { DATABASE_DEFAULTS, MANAGED_DATABASE_KEYS, SUBNET_KEYS, byoVpc } from "./helpers";
import type { Rule } from "../rules";

export const INFRA_RULES: readonly Rule[] = [
    // Network: created or brought.
    {
        id: "byo-vpc-private-subnets",
        check: (c, _s, problem) => {
            if (byoVpc(c) && c.network.existingPrivateSubnetIds.length < 2) {
                problem(
                    ["network", "existingPrivateSubnetIds"],
                    "needs at least 2 private subnets in distinct AZs when network.existingVpcId is set",
                );
            }
        },
    },
    {
        id: "subnets-need-byo-vpc",
        check: (c, _s, problem) => {
            if (byoVpc(c)) return;
            for (const key of SUBNET_KEYS) {
                if (c.network[key].length > 0)
                    problem(["network", key], "is set but network.existingVpcId is empty; set both or neither");
            }
        },
    },
    {
        id: "subnets-listed-once",
        check: (c, _s, problem) => {
            for (const key of SUBNET_KEYS) {
                if (new Set(c.network[key]).size !== c.network[key].length)
                    problem(["network", key], "lists a subnet twice");
            }
        },
    },
    {
        id: "control-plane-host-per-az",
        check: (c, _s, problem) => {
            const azCount = byoVpc(c) ? c.network.existingPrivateSubnetIds.length : c.network.availabilityZones;
            if (c.controlPlane.count > azCount) {
                problem(
                    ["controlPlane", "count"],
                    `is larger than the number of availability zones (${azCount}); each control-plane host needs ` +
                        `its own AZ`,
                );
            }
        },
    },
    {
        id: "s3-endpoint-created-vpc-only",
        check: (c, _s, problem) => {
            if (!byoVpc(c)) return;
            const why =
                "applies to the S3 endpoint the program creates; with network.existingVpcId the endpoint (if any) is " +
                "yours";
            if (c.network.s3EndpointAccess !== "restricted") problem(["network", "s3EndpointAccess"], why);
            if (c.network.s3EndpointBucketArns.length > 0) problem(["network", "s3EndpointBucketArns"], why);
        },
    },
    {
        id: "s3-endpoint-extra-buckets-restricted",
        check: (c, _s, problem) => {
            const net = c.network;
            if (!byoVpc(c) && net.s3EndpointAccess === "unrestricted" && net.s3EndpointBucketArns.length > 0) {
                problem(
                    ["network", "s3EndpointBucketArns"],
                    "has no effect with network.s3EndpointAccess `unrestricted` (every bucket is reachable); remove " +
                        "one of the two",
                );
            }
        },
    },
    // Database: created (managed) or brought (external, with its DSN).
    {
        id: "external-database-dsn",
        check: (c, _s, problem) => {
            if (c.database.kind === "external" && c.databaseDsn === undefined) {
                problem(
                    ["databaseDsn"],
                    "is required with database.kind `external`: pulumi config set --secret databaseDsn " +
                        "'postgres://<user>:<password>@<host>:5432/api7ee' (or a MySQL 5.7 or OceanBase DSN: " +
                        "README, The database)",
                );
            }
        },
    },
    {
        id: "managed-database-no-dsn",
        check: (c, _s, problem) => {
            if (c.database.kind === "managed" && c.databaseDsn !== undefined) {
                problem(
                    ["databaseDsn"],
                    "is set but database.kind is `managed` (the default since the program creates the database). To " +
                        "keep using the database this DSN names, set database.kind external; only for a new, empty RDS " +
                        "database instead, remove it with `pulumi config rm databaseDsn`",
                );
            }
        },
    },
    {
        id: "database-settings-of-its-kind",
        check: (c, _s, problem) => {
            const db = c.database;
            if (db.kind === "external") {
                for (const key of MANAGED_DATABASE_KEYS) {
                    if (JSON.stringify(db[key]) !== JSON.stringify(DATABASE_DEFAULTS[key]))
                        problem(
                            ["database", key],
                            "applies to database.kind `managed`; remove it, or set database.kind managed",
                        );
                }
            } else if (db.externalCidrs.length > 0) {
                problem(
                    ["database", "externalCidrs"],
                    "applies to database.kind `external`; the managed database is reached through its own security " +
                        "group",
                );
            }
        },
    },
    {
        id: "database-storage-autoscaling-headroom",
        check: (c, _s, problem) => {
            const db = c.database;
            // RDS: the maximum storage threshold must be at least 10% more than the allocated storage, or RDS answers
            // "Invalid max storage size"
            // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
            const least = Math.ceil((db.allocatedStorageGiB * 11) / 10);
            if (db.kind === "managed" && db.maxAllocatedStorageGiB !== 0 && db.maxAllocatedStorageGiB < least) {
                problem(
                    ["database", "maxAllocatedStorageGiB"],
                    `must be 0 (no autoscaling) or at least 10% above database.allocatedStorageGiB (${least})`,
                );
            }
        },
    },
    // Load balancers.
    {
        id: "health-check-timeout-under-interval",
        check: (c, _s, problem) => {
            const hc = c.dataPlane.healthCheck;
            if (hc.timeoutSeconds >= hc.intervalSeconds) {
                problem(
                    ["dataPlane", "healthCheck", "timeoutSeconds"],
                    `must be less than dataPlane.healthCheck.intervalSeconds (${hc.intervalSeconds})`,
                );
            }
        },
    },
    {
        id: "listener-ports-distinct",
        check: (c, _s, problem) => {
            if (c.dataPlane.loadBalancer.httpPort === c.dataPlane.loadBalancer.httpsPort) {
                problem(
                    ["dataPlane", "loadBalancer", "httpsPort"],
                    "must differ from dataPlane.loadBalancer.httpPort (one listener per port)",
                );
            }
        },
    },
    {
        id: "tls-termination-certificate",
        check: (c, _s, problem) => {
            if (c.dataPlane.loadBalancer.httpsMode === "terminate" && !c.dataPlane.loadBalancer.certificateArn) {
                problem(
                    ["dataPlane", "loadBalancer", "certificateArn"],
                    "is required when dataPlane.loadBalancer.httpsMode is `terminate` (a TLS listener needs a " +
                        "certificate)",
                );
            }
        },
    },
    {
        id: "byo-vpc-public-subnets",
        check: (c, _s, problem) => {
            const internetFacing = !c.dataPlane.loadBalancer.internal || !c.controlPlane.loadBalancer.internal;
            if (byoVpc(c) && internetFacing && c.network.existingPublicSubnetIds.length < 2) {
                problem(
                    ["network", "existingPublicSubnetIds"],
                    "needs at least 2 public subnets in distinct AZs for an internet-facing load balancer (or make " +
                        "both load balancers internal)",
                );
            }
        },
    },
];
