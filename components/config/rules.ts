/**
 * Rules between settings (one setting's valid values depending on another's). Each rule has an id and a check that
 * reports each problem at the path of the setting to change, so the message names the key as the user types it in
 * `pulumi config set`; tests/config-rules.test.ts runs each rule alone.
 */
import { AREAS, PROJECT, type ConfigValues } from "./schema";
import { defaultBucketName, MAX_STACK_NAME_FRAGMENT, nameFragment } from "./names";
import { defaultCachePrefix, ecrRegistry, parseImage } from "../image-refs";

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

export type Path = (string | number)[];
export interface Problem {
    readonly path: Path;
    readonly message: string;
}

/** A named rule between settings. `check` calls `problem` once per setting to change. */
export interface Rule {
    readonly id: string;
    readonly check: (c: ConfigValues, stack: string, problem: (path: Path, message: string) => void) => void;
}

/** Settings of the database area that only a managed database reads, and their defaults. */
const DATABASE_DEFAULTS = AREAS.database.parse({});
const MANAGED_DATABASE_KEYS = (Object.keys(DATABASE_DEFAULTS) as (keyof typeof DATABASE_DEFAULTS)[]).filter((k) => k !== "kind" && k !== "externalCidrs");

const MTLS_KEYS = ["gatewayClientCert", "gatewayClientKey", "gatewayCa"] as const;
const SUBNET_KEYS = ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const;

const byoVpc = (c: ConfigValues) => c.network.existingVpcId !== "";
/** Images pulled from ECR: the cache, or a registry in ECR (the hosts' role pulls, no login). */
const imagesFromEcr = (c: ConfigValues) =>
    c.images.source === "ecrPullThroughCache" || (c.images.source === "registry" && ecrRegistry(c.images.registry.split("/")[0]) !== undefined);

/** The rules between settings, each on its own so that it can be skipped when a setting it reads is invalid. */
export const RULES: readonly Rule[] = [
    // Network: created or brought.
    {
        id: "byo-vpc-private-subnets",
        check: (c, _s, problem) => {
            if (byoVpc(c) && c.network.existingPrivateSubnetIds.length < 2) {
                problem(["network", "existingPrivateSubnetIds"], "needs at least 2 private subnets in distinct AZs when network.existingVpcId is set");
            }
        },
    },
    {
        id: "subnets-need-byo-vpc",
        check: (c, _s, problem) => {
            if (byoVpc(c)) return;
            for (const key of SUBNET_KEYS) {
                if (c.network[key].length > 0) problem(["network", key], "is set but network.existingVpcId is empty; set both or neither");
            }
        },
    },
    {
        id: "subnets-listed-once",
        check: (c, _s, problem) => {
            for (const key of SUBNET_KEYS) {
                if (new Set(c.network[key]).size !== c.network[key].length) problem(["network", key], "lists a subnet twice");
            }
        },
    },
    {
        id: "control-plane-host-per-az",
        check: (c, _s, problem) => {
            const azCount = byoVpc(c) ? c.network.existingPrivateSubnetIds.length : c.network.availabilityZones;
            if (c.controlPlane.count > azCount) {
                problem(["controlPlane", "count"], `is larger than the number of availability zones (${azCount}); each control-plane host needs its own AZ`);
            }
        },
    },
    {
        id: "s3-endpoint-created-vpc-only",
        check: (c, _s, problem) => {
            if (!byoVpc(c)) return;
            const why = "applies to the S3 endpoint the program creates; with network.existingVpcId the endpoint (if any) is yours";
            if (c.network.s3EndpointAccess !== "restricted") problem(["network", "s3EndpointAccess"], why);
            if (c.network.s3EndpointBucketArns.length > 0) problem(["network", "s3EndpointBucketArns"], why);
        },
    },
    {
        id: "s3-endpoint-extra-buckets-restricted",
        check: (c, _s, problem) => {
            const net = c.network;
            if (!byoVpc(c) && net.s3EndpointAccess === "unrestricted" && net.s3EndpointBucketArns.length > 0) {
                problem(["network", "s3EndpointBucketArns"], "has no effect with network.s3EndpointAccess `unrestricted` (every bucket is reachable); remove one of the two");
            }
        },
    },
    // Database: created (managed) or brought (external, with its DSN).
    {
        id: "external-database-dsn",
        check: (c, _s, problem) => {
            if (c.database.kind === "external" && c.databaseDsn === undefined) {
                problem(["databaseDsn"], "is required with database.kind `external`: pulumi config set --secret databaseDsn 'postgres://<user>:<password>@<host>:5432/api7ee'");
            }
        },
    },
    {
        id: "managed-database-no-dsn",
        check: (c, _s, problem) => {
            if (c.database.kind === "managed" && c.databaseDsn !== undefined) {
                problem(["databaseDsn"], "is set but database.kind is `managed` (the default since the program creates the database). To keep using the database this DSN names, set database.kind external; only for a new, empty RDS database instead, remove it with `pulumi config rm databaseDsn`");
            }
        },
    },
    {
        id: "database-settings-of-its-kind",
        check: (c, _s, problem) => {
            const db = c.database;
            if (db.kind === "external") {
                for (const key of MANAGED_DATABASE_KEYS) {
                    if (JSON.stringify(db[key]) !== JSON.stringify(DATABASE_DEFAULTS[key])) problem(["database", key], "applies to database.kind `managed`; remove it, or set database.kind managed");
                }
            } else if (db.externalCidrs.length > 0) {
                problem(["database", "externalCidrs"], "applies to database.kind `external`; the managed database is reached through its own security group");
            }
        },
    },
    {
        id: "database-storage-autoscaling-headroom",
        check: (c, _s, problem) => {
            const db = c.database;
            // RDS: the maximum storage threshold must be at least 10% more than the allocated storage, or RDS answers
            // "Invalid max storage size" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
            const least = Math.ceil((db.allocatedStorageGiB * 11) / 10);
            if (db.kind === "managed" && db.maxAllocatedStorageGiB !== 0 && db.maxAllocatedStorageGiB < least) {
                problem(["database", "maxAllocatedStorageGiB"], `must be 0 (no autoscaling) or at least 10% above database.allocatedStorageGiB (${least})`);
            }
        },
    },
    // Load balancers.
    {
        id: "health-check-timeout-under-interval",
        check: (c, _s, problem) => {
            const hc = c.dataPlane.healthCheck;
            if (hc.timeoutSeconds >= hc.intervalSeconds) {
                problem(["dataPlane", "healthCheck", "timeoutSeconds"], `must be less than dataPlane.healthCheck.intervalSeconds (${hc.intervalSeconds})`);
            }
        },
    },
    {
        id: "listener-ports-distinct",
        check: (c, _s, problem) => {
            if (c.dataPlane.loadBalancer.httpPort === c.dataPlane.loadBalancer.httpsPort) {
                problem(["dataPlane", "loadBalancer", "httpsPort"], "must differ from dataPlane.loadBalancer.httpPort (one listener per port)");
            }
        },
    },
    {
        id: "tls-termination-certificate",
        check: (c, _s, problem) => {
            if (c.dataPlane.loadBalancer.httpsMode === "terminate" && !c.dataPlane.loadBalancer.certificateArn) {
                problem(["dataPlane", "loadBalancer", "certificateArn"], "is required when dataPlane.loadBalancer.httpsMode is `terminate` (a TLS listener needs a certificate)");
            }
        },
    },
    {
        id: "byo-vpc-public-subnets",
        check: (c, _s, problem) => {
            const internetFacing = !c.dataPlane.loadBalancer.internal || !c.controlPlane.loadBalancer.internal;
            if (byoVpc(c) && internetFacing && c.network.existingPublicSubnetIds.length < 2) {
                problem(["network", "existingPublicSubnetIds"], "needs at least 2 public subnets in distinct AZs for an internet-facing load balancer (or make both load balancers internal)");
            }
        },
    },
    // Physical names derived from the stack (IAM roles: 64 characters).
    {
        id: "stack-name-length",
        check: (_c, stack, problem) => {
            if (nameFragment(stack).length > MAX_STACK_NAME_FRAGMENT) {
                problem([], `the stack name "${stack}" is longer than ${MAX_STACK_NAME_FRAGMENT} characters, too long for the IAM names derived from it; use a shorter stack name`);
            }
        },
    },
    // The Docker lab: what it supports of the topology, and the ports it publishes.
    {
        id: "lab-image-source",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.images.source === "ecrPullThroughCache") {
                problem(["images", "source"], "is `ecrPullThroughCache`, an ECR cache in AWS, with deploy.target `docker`: the lab pulls with the local Docker engine; use `dockerHub` (or `registry` with a registry your engine can pull from)");
            }
        },
    },
    {
        id: "lab-no-standalone",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.dataPlane.mode === "standalone") {
                problem(["dataPlane", "mode"], "is `standalone` with deploy.target `docker`: standalone gateways read the control plane's S3 exports, which the lab does not create; use `normal`");
            }
        },
    },
    {
        id: "lab-token-auth",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.dataPlane.controlPlaneAuth === "mtls") {
                problem(["dataPlane", "controlPlaneAuth"], "is `mtls` with deploy.target `docker`: the lab's bootstrap hands gateways a token; use `token`");
            }
        },
    },
    {
        id: "lab-ports-distinct",
        check: (c, _s, problem) => {
            if (c.deploy.target !== "docker") return;
            const ports = [["httpPort", c.lab.httpPort], ["httpsPort", c.lab.httpsPort], ["dashboardPort", c.lab.dashboardPort]] as const;
            ports.forEach(([key, value], i) => {
                const clash = ports.slice(0, i).find(([, other]) => other === value);
                if (clash) problem(["lab", key], `is ${value}, the same port as lab.${clash[0]}: each published port needs its own`);
            });
        },
    },
    // Images: each source with exactly the settings it reads.
    {
        id: "cache-credentials-secret",
        check: (c, _s, problem) => {
            if (c.images.source === "ecrPullThroughCache" && c.images.dockerHubSecretArn === "") {
                problem(["images", "dockerHubSecretArn"], "is required with images.source `ecrPullThroughCache` (ECR needs Docker Hub credentials for a Docker Hub cache): create a secret named ecr-pullthroughcache/<name> holding {\"username\": ..., \"accessToken\": ...}, then pulumi config set --path images.dockerHubSecretArn <its ARN>");
            }
        },
    },
    {
        id: "cache-settings-need-cache",
        check: (c, _s, problem) => {
            if (c.images.source === "ecrPullThroughCache") return;
            for (const key of ["dockerHubSecretArn", "cachePrefix"] as const) {
                if (c.images[key] !== "") problem(["images", key], "applies to images.source `ecrPullThroughCache`; remove it, or set images.source ecrPullThroughCache");
            }
        },
    },
    {
        id: "cache-prefix-length",
        check: (c, stack, problem) => {
            if (c.images.source !== "ecrPullThroughCache" || c.images.cachePrefix !== "") return;
            const derived = defaultCachePrefix(PROJECT, nameFragment(stack));
            if (derived.length > 30) problem(["images", "cachePrefix"], `is needed: the default prefix ${derived} is ${derived.length} characters (ECR allows 30); set a shorter one`);
        },
    },
    {
        id: "registry-with-registry-source",
        check: (c, _s, problem) => {
            const im = c.images;
            if (im.source === "registry" && im.registry === "") problem(["images", "registry"], "is required with images.source `registry`: the registry you push the images to, e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7");
            if (im.source !== "registry" && im.registry !== "") problem(["images", "registry"], "applies to images.source `registry`; remove it, or set images.source registry");
        },
    },
    {
        id: "ecr-pulls-without-login",
        check: (c, _s, problem) => {
            if (!imagesFromEcr(c)) return;
            if (c.images.username !== "") problem(["images", "username"], "is not used with images from ECR: hosts pull with their role; remove it");
            if (c.registryPassword !== undefined) problem(["registryPassword"], "is not used with images from ECR: hosts pull with their role; remove it with `pulumi config rm registryPassword`");
        },
    },
    {
        id: "registry-login-pair",
        check: (c, _s, problem) => {
            if (imagesFromEcr(c)) return;
            if (c.images.username !== "" && c.registryPassword === undefined) problem(["registryPassword"], "is required with images.username: pulumi config set --secret registryPassword <password or access token>");
            if (c.images.username === "" && c.registryPassword !== undefined) problem(["images", "username"], "is required with the registryPassword secret (the user docker logs in as)");
        },
    },
    {
        id: "ecr-endpoints-for-ecr",
        check: (c, _s, problem) => {
            if (c.images.ecrEndpoints && !imagesFromEcr(c)) problem(["images", "ecrEndpoints"], "applies to images from ECR (images.source `ecrPullThroughCache`, or `registry` in ECR)");
        },
    },
    {
        id: "ecr-endpoints-created-vpc-only",
        check: (c, _s, problem) => {
            if (c.images.ecrEndpoints && byoVpc(c)) {
                problem(["images", "ecrEndpoints"], "applies to the VPC the program creates; with network.existingVpcId the endpoints (if any) are yours");
            }
        },
    },
    {
        id: "cache-images-from-docker-hub",
        check: (c, _s, problem) => {
            if (c.images.source !== "ecrPullThroughCache") return;
            const images: [Path, string][] = [
                [["controlPlane", "dashboardImage"], c.controlPlane.dashboardImage],
                [["controlPlane", "dpManagerImage"], c.controlPlane.dpManagerImage],
                [["dataPlane", "gatewayImage"], c.dataPlane.gatewayImage],
                ...(c.prometheus.enabled ? [[["prometheus", "image"], c.prometheus.image] as [Path, string]] : []),
            ];
            for (const [path, ref] of images) {
                if (parseImage(ref).domain !== undefined) problem(path, `names a registry other than Docker Hub (${ref}); images.source \`ecrPullThroughCache\` caches Docker Hub only`);
            }
        },
    },
    // Scaling.
    {
        id: "autoscaling-ceiling",
        check: (c, _s, problem) => {
            const a = c.dataPlane.autoscaling;
            if (a.enabled && a.maxCount < c.dataPlane.count) problem(["dataPlane", "autoscaling", "maxCount"], `must be at least dataPlane.count (${c.dataPlane.count})`);
        },
    },
    {
        id: "autoscaling-settings-need-enabled",
        check: (c, _s, problem) => {
            const a = c.dataPlane.autoscaling;
            if (!a.enabled && JSON.stringify(a) !== JSON.stringify(AREAS.dataPlane.parse({}).autoscaling)) {
                problem(["dataPlane", "autoscaling", "enabled"], "is false, but other dataPlane.autoscaling settings are set; set it true or remove them");
            }
        },
    },
    // Fallback.
    {
        id: "standalone-needs-fallback",
        check: (c, _s, problem) => {
            if (c.dataPlane.mode === "standalone" && !c.fallback.enabled) {
                problem(["dataPlane", "mode"], "is `standalone` but fallback.enabled is false: standalone gateways serve from the fallback buckets");
            }
        },
    },
    {
        id: "fallback-buckets-distinct",
        check: (c, _s, problem) => {
            if (c.fallback.configBucketName && c.fallback.configBucketName === c.fallback.resourceBucketName) {
                problem(["fallback", "resourceBucketName"], "must differ from fallback.configBucketName (API7 exports to two buckets)");
            }
        },
    },
    {
        id: "fallback-default-bucket-name-length",
        check: (c, stack, problem) => {
            if (!c.fallback.enabled) return;
            for (const kind of ["config", "resource"] as const) {
                const key = kind === "config" ? "configBucketName" : "resourceBucketName";
                const derived = defaultBucketName(PROJECT, stack, kind, "123456789012");
                if (!c.fallback[key] && derived.length > 63) {
                    problem(["fallback", key], `is needed: the stack name makes the default name ${derived.length} characters long (S3 allows 63); set a shorter name`);
                }
            }
        },
    },
    // Admin access is never the whole internet unless someone says so in writing.
    {
        id: "admin-cidrs-not-public",
        check: (c, _s, problem) => {
            if (c.access.allowPublicAdmin) return;
            c.access.adminCidrs.forEach((cidr, i) => {
                if (PUBLIC_CIDRS.has(cidr)) problem(["access", "adminCidrs", i], "opens the admin ports to the whole internet; use your office/VPN ranges or set access.allowPublicAdmin true");
            });
        },
    },
    // Gateway credentials you bring must fit the chosen auth; unset, the control plane issues them.
    {
        id: "token-auth-no-mtls-secrets",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth !== "token") return;
            for (const key of MTLS_KEYS) if (c[key]) problem([key], "is set but dataPlane.controlPlaneAuth is `token`; remove it or set dataPlane.controlPlaneAuth mtls");
        },
    },
    {
        id: "mtls-auth-no-token",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth === "mtls" && c.gatewayToken) problem(["gatewayToken"], "is set but dataPlane.controlPlaneAuth is `mtls`; remove it with `pulumi config rm gatewayToken`");
        },
    },
    {
        id: "mtls-secrets-together",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth !== "mtls" || !MTLS_KEYS.some((k) => c[k])) return;
            for (const key of MTLS_KEYS) {
                if (!c[key]) problem([key], `is required with the other mTLS secrets (gatewayClientCert, gatewayClientKey and gatewayCa go together; or set none and the control plane issues them): \`pulumi config set --secret ${key} < <file>.pem\``);
            }
        },
    },
];

/** The problems one rule finds in `c` (the rule alone, no other rule run). */
export function ruleProblems(rule: Rule, c: ConfigValues, stack: string): Problem[] {
    const found: Problem[] = [];
    rule.check(c, stack, (path, message) => found.push({ path, message }));
    return found;
}
