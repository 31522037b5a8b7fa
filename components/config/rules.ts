/**
 * Rules between settings (one setting's valid values depending on another's). Each problem is raised at the path
 * of the setting to change, so the message names the key as the user types it in `pulumi config set`.
 */
import { AREAS, PROJECT, type ConfigValues } from "./schema";
import { defaultCachePrefix, ecrRegistry, parseImage } from "../image-refs";

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/**
 * api7-ha-<stack>-prometheus-hosts must fit IAM's 64 characters (components/aws/fleet.ts hostRoleName): 25 characters
 * around the stack leave 39; one less keeps a character in hand.
 */
export const MAX_STACK_NAME_FRAGMENT = 38;

/** Physical-name fragment for a stack: lower case, [a-z0-9-] only (S3 and IAM names). */
export function nameFragment(stack: string): string {
    return stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The default fallback bucket names (the account id is 12 digits). */
export function defaultBucketName(project: string, stack: string, kind: "config" | "resource", accountId: string): string {
    return `${project}-${nameFragment(stack)}-fallback-${kind}-${accountId}`;
}

type Path = (string | number)[];
type Problem = { path: Path; message: string };
type Rule = (c: ConfigValues, stack: string, problem: (path: Path, message: string) => void) => void;

/** Settings of the database area that only a managed database reads, and their defaults. */
const DATABASE_DEFAULTS = AREAS.database.parse({});
const MANAGED_DATABASE_KEYS = (Object.keys(DATABASE_DEFAULTS) as (keyof typeof DATABASE_DEFAULTS)[]).filter((k) => k !== "kind" && k !== "externalCidrs");

const MTLS_KEYS = ["gatewayClientCert", "gatewayClientKey", "gatewayCa"] as const;

/** The rules between settings, each on its own so that it can be skipped when a setting it reads is invalid. */
const RULES: readonly Rule[] = [
    // Network: created or brought.
    (c, _s, problem) => {
        if (c.network.existingVpcId !== "" && c.network.existingPrivateSubnetIds.length < 2) {
            problem(["network", "existingPrivateSubnetIds"], "needs at least 2 private subnets in distinct AZs when network.existingVpcId is set");
        }
    },
    (c, _s, problem) => {
        if (c.network.existingVpcId !== "") return;
        for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
            if (c.network[key].length > 0) problem(["network", key], "is set but network.existingVpcId is empty; set both or neither");
        }
    },
    (c, _s, problem) => {
        for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
            if (new Set(c.network[key]).size !== c.network[key].length) problem(["network", key], "lists a subnet twice");
        }
    },
    (c, _s, problem) => {
        const azCount = c.network.existingVpcId !== "" ? c.network.existingPrivateSubnetIds.length : c.network.availabilityZones;
        if (c.controlPlane.count > azCount) {
            problem(["controlPlane", "count"], `is larger than the number of availability zones (${azCount}); each control-plane host needs its own AZ`);
        }
    },
    (c, _s, problem) => {
        const net = c.network;
        if (net.existingVpcId !== "") {
            if (net.s3EndpointAccess !== "restricted") problem(["network", "s3EndpointAccess"], "applies to the S3 endpoint the program creates; with network.existingVpcId the endpoint (if any) is yours");
            if (net.s3EndpointBucketArns.length > 0) problem(["network", "s3EndpointBucketArns"], "applies to the S3 endpoint the program creates; with network.existingVpcId the endpoint (if any) is yours");
        } else if (net.s3EndpointAccess === "unrestricted" && net.s3EndpointBucketArns.length > 0) {
            problem(["network", "s3EndpointBucketArns"], "has no effect with network.s3EndpointAccess `unrestricted` (every bucket is reachable); remove one of the two");
        }
    },
    // Database: created (managed) or brought (external, with its DSN).
    (c, _s, problem) => {
        if (c.database.kind === "external" && c.databaseDsn === undefined) {
            problem(["databaseDsn"], "is required with database.kind `external`: pulumi config set --secret databaseDsn 'postgres://<user>:<password>@<host>:5432/api7ee'");
        }
        if (c.database.kind === "managed" && c.databaseDsn !== undefined) {
            problem(["databaseDsn"], "is set but database.kind is `managed` (the default since the program creates the database). To keep using the database this DSN names, set database.kind external; only for a new, empty RDS database instead, remove it with `pulumi config rm databaseDsn`");
        }
    },
    (c, _s, problem) => {
        const db = c.database;
        if (db.kind === "external") {
            for (const key of MANAGED_DATABASE_KEYS) {
                if (JSON.stringify(db[key]) !== JSON.stringify(DATABASE_DEFAULTS[key])) problem(["database", key], "applies to database.kind `managed`; remove it, or set database.kind managed");
            }
        } else if (db.externalCidrs.length > 0) {
            problem(["database", "externalCidrs"], "applies to database.kind `external`; the managed database is reached through its own security group");
        }
    },
    (c, _s, problem) => {
        const db = c.database;
        // RDS: the maximum storage threshold must be at least 10% more than the allocated storage, or RDS answers
        // "Invalid max storage size" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
        if (db.kind === "managed" && db.maxAllocatedStorageGiB !== 0 && db.maxAllocatedStorageGiB < Math.ceil((db.allocatedStorageGiB * 11) / 10)) {
            problem(["database", "maxAllocatedStorageGiB"], `must be 0 (no autoscaling) or at least 10% above database.allocatedStorageGiB (${Math.ceil((db.allocatedStorageGiB * 11) / 10)})`);
        }
    },
    // Load balancers.
    (c, _s, problem) => {
        const hc = c.dataPlane.healthCheck;
        if (hc.timeoutSeconds >= hc.intervalSeconds) {
            problem(["dataPlane", "healthCheck", "timeoutSeconds"], `must be less than dataPlane.healthCheck.intervalSeconds (${hc.intervalSeconds})`);
        }
    },
    (c, _s, problem) => {
        if (c.dataPlane.loadBalancer.httpPort === c.dataPlane.loadBalancer.httpsPort) {
            problem(["dataPlane", "loadBalancer", "httpsPort"], "must differ from dataPlane.loadBalancer.httpPort (one listener per port)");
        }
    },
    (c, _s, problem) => {
        if (c.dataPlane.loadBalancer.httpsMode === "terminate" && !c.dataPlane.loadBalancer.certificateArn) {
            problem(["dataPlane", "loadBalancer", "certificateArn"], "is required when dataPlane.loadBalancer.httpsMode is `terminate` (a TLS listener needs a certificate)");
        }
    },
    (c, _s, problem) => {
        const internetFacing = !c.dataPlane.loadBalancer.internal || !c.controlPlane.loadBalancer.internal;
        if (c.network.existingVpcId !== "" && internetFacing && c.network.existingPublicSubnetIds.length < 2) {
            problem(["network", "existingPublicSubnetIds"], "needs at least 2 public subnets in distinct AZs for an internet-facing load balancer (or make both load balancers internal)");
        }
    },
    // Physical names derived from the stack (IAM roles: 64 characters).
    (_c, stack, problem) => {
        if (nameFragment(stack).length > MAX_STACK_NAME_FRAGMENT) {
            problem([], `the stack name "${stack}" is longer than ${MAX_STACK_NAME_FRAGMENT} characters, too long for the IAM names derived from it; use a shorter stack name`);
        }
    },
    // The Docker lab: what it supports of the topology, and the ports it publishes.
    (c, _s, problem) => {
        if (c.deploy.target !== "docker") return;
        if (c.images.source === "ecrPullThroughCache") problem(["images", "source"], "is `ecrPullThroughCache`, an ECR cache in AWS, with deploy.target `docker`: the lab pulls with the local Docker engine; use `dockerHub` (or `registry` with a registry your engine can pull from)");
        if (c.dataPlane.mode === "standalone") problem(["dataPlane", "mode"], "is `standalone` with deploy.target `docker`: standalone gateways read the control plane's S3 exports, which the lab does not create; use `normal`");
        if (c.dataPlane.controlPlaneAuth === "mtls") problem(["dataPlane", "controlPlaneAuth"], "is `mtls` with deploy.target `docker`: the lab's bootstrap hands gateways a token; use `token`");
        const ports = [["httpPort", c.lab.httpPort], ["httpsPort", c.lab.httpsPort], ["dashboardPort", c.lab.dashboardPort]] as const;
        ports.forEach(([key, value], i) => {
            const clash = ports.slice(0, i).find(([, other]) => other === value);
            if (clash) problem(["lab", key], `is ${value}, the same port as lab.${clash[0]}: each published port needs its own`);
        });
    },
    // Images: each source with exactly the settings it reads.
    (c, stack, problem) => {
        const im = c.images;
        const cache = im.source === "ecrPullThroughCache";
        if (cache && im.dockerHubSecretArn === "") {
            problem(["images", "dockerHubSecretArn"], "is required with images.source `ecrPullThroughCache` (ECR needs Docker Hub credentials for a Docker Hub cache): create a secret named ecr-pullthroughcache/<name> holding {\"username\": ..., \"accessToken\": ...}, then pulumi config set --path images.dockerHubSecretArn <its ARN>");
        }
        if (!cache) {
            for (const key of ["dockerHubSecretArn", "cachePrefix"] as const) {
                if (im[key] !== "") problem(["images", key], "applies to images.source `ecrPullThroughCache`; remove it, or set images.source ecrPullThroughCache");
            }
        }
        if (cache && im.cachePrefix === "") {
            const derived = defaultCachePrefix(PROJECT, nameFragment(stack));
            if (derived.length > 30) problem(["images", "cachePrefix"], `is needed: the default prefix ${derived} is ${derived.length} characters (ECR allows 30); set a shorter one`);
        }
        if (im.source === "registry" && im.registry === "") problem(["images", "registry"], "is required with images.source `registry`: the registry you push the images to, e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7");
        if (im.source !== "registry" && im.registry !== "") problem(["images", "registry"], "applies to images.source `registry`; remove it, or set images.source registry");
    },
    (c, _s, problem) => {
        const im = c.images;
        const ecr = im.source === "ecrPullThroughCache" || (im.source === "registry" && ecrRegistry(im.registry.split("/")[0]) !== undefined);
        if (ecr) {
            if (im.username !== "") problem(["images", "username"], "is not used with images from ECR: hosts pull with their role; remove it");
            if (c.registryPassword !== undefined) problem(["registryPassword"], "is not used with images from ECR: hosts pull with their role; remove it with `pulumi config rm registryPassword`");
        } else {
            if (im.username !== "" && c.registryPassword === undefined) problem(["registryPassword"], "is required with images.username: pulumi config set --secret registryPassword <password or access token>");
            if (im.username === "" && c.registryPassword !== undefined) problem(["images", "username"], "is required with the registryPassword secret (the user docker logs in as)");
            if (im.ecrEndpoints) problem(["images", "ecrEndpoints"], "applies to images from ECR (images.source `ecrPullThroughCache`, or `registry` in ECR)");
        }
        if (im.ecrEndpoints && c.network.existingVpcId !== "") {
            problem(["images", "ecrEndpoints"], "applies to the VPC the program creates; with network.existingVpcId the endpoints (if any) are yours");
        }
    },
    (c, _s, problem) => {
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
    // Scaling.
    (c, _s, problem) => {
        const a = c.dataPlane.autoscaling;
        if (a.enabled && a.maxCount < c.dataPlane.count) problem(["dataPlane", "autoscaling", "maxCount"], `must be at least dataPlane.count (${c.dataPlane.count})`);
        if (!a.enabled && JSON.stringify(a) !== JSON.stringify(AREAS.dataPlane.parse({}).autoscaling)) {
            problem(["dataPlane", "autoscaling", "enabled"], "is false, but other dataPlane.autoscaling settings are set; set it true or remove them");
        }
    },
    // Fallback.
    (c, _s, problem) => {
        if (c.dataPlane.mode === "standalone" && !c.fallback.enabled) {
            problem(["dataPlane", "mode"], "is `standalone` but fallback.enabled is false: standalone gateways serve from the fallback buckets");
        }
    },
    (c, _s, problem) => {
        if (c.fallback.configBucketName && c.fallback.configBucketName === c.fallback.resourceBucketName) {
            problem(["fallback", "resourceBucketName"], "must differ from fallback.configBucketName (API7 exports to two buckets)");
        }
    },
    (c, stack, problem) => {
        for (const kind of ["config", "resource"] as const) {
            const key = kind === "config" ? "configBucketName" : "resourceBucketName";
            const derived = defaultBucketName(PROJECT, stack, kind, "123456789012");
            if (c.fallback.enabled && !c.fallback[key] && derived.length > 63) {
                problem(["fallback", key], `is needed: the stack name makes the default name ${derived.length} characters long (S3 allows 63); set a shorter name`);
            }
        }
    },
    // Admin access is never the whole internet unless someone says so in writing.
    (c, _s, problem) => {
        if (c.access.allowPublicAdmin) return;
        c.access.adminCidrs.forEach((cidr, i) => {
            if (PUBLIC_CIDRS.has(cidr)) problem(["access", "adminCidrs", i], "opens the admin ports to the whole internet; use your office/VPN ranges or set access.allowPublicAdmin true");
        });
    },
    // Gateway credentials you bring must fit the chosen auth; unset, the control plane issues them.
    (c, _s, problem) => {
        if (c.dataPlane.controlPlaneAuth === "token") {
            for (const key of MTLS_KEYS) if (c[key]) problem([key], "is set but dataPlane.controlPlaneAuth is `token`; remove it or set dataPlane.controlPlaneAuth mtls");
            return;
        }
        if (c.gatewayToken) problem(["gatewayToken"], "is set but dataPlane.controlPlaneAuth is `mtls`; remove it with `pulumi config rm gatewayToken`");
        if (!MTLS_KEYS.some((k) => c[k])) return;
        for (const key of MTLS_KEYS) {
            if (!c[key]) problem([key], `is required with the other mTLS secrets (gatewayClientCert, gatewayClientKey and gatewayCa go together; or set none and the control plane issues them): \`pulumi config set --secret ${key} < <file>.pem\``);
        }
    },
];

/** A view of `value` that records the path of every setting read (leaves and lists; objects are walked through). */
function recording<T extends object>(value: T, reads: Set<string>, prefix = ""): T {
    return new Proxy(value, {
        get(target, key, receiver) {
            const v = Reflect.get(target, key, receiver) as unknown;
            if (typeof key !== "string") return v;
            const path = prefix ? `${prefix}.${key}` : key;
            if (v !== null && typeof v === "object" && !Array.isArray(v)) return recording(v, reads, path);
            reads.add(path);
            return v;
        },
    });
}

/**
 * Every cross-field problem, at the path of the setting to change. `invalid` names settings (as key paths) that
 * failed their own check and hold their default here: a rule that reads one is skipped, since it would judge a
 * value the user did not set.
 */
export function crossFieldProblems(c: ConfigValues, stack: string, invalid: ReadonlySet<string> = new Set()): Problem[] {
    const problems: Problem[] = [];
    for (const rule of RULES) {
        const reads = new Set<string>();
        const found: Problem[] = [];
        rule(invalid.size > 0 ? recording(c, reads) : c, stack, (path, message) => found.push({ path, message }));
        const readsInvalid = [...reads].some((r) => [...invalid].some((bad) => r === bad || r.startsWith(`${bad}.`) || bad.startsWith(`${r}.`)));
        if (!readsInvalid) problems.push(...found);
    }
    return problems;
}
