/**
 * Each cross-field rule on its own (components/config/rules.ts): the configuration that breaks it, with the setting
 * it names and its message, and the nearest configuration that passes. End-to-end messages (every problem at once,
 * the value echoed, the skipping of rules that read an invalid setting) are in tests/config.test.ts.
 */
import { RULES, ruleProblems, type Path } from "../components/config/rules";
import { configSchema } from "../components/config/schema";

const BASE_SECRETS = { license: "license text", adminPassword: "a-long-enough-password" };
const VPC = "vpc-0123456789abcdef0";
const [S0, S1, S2] = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"];
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const DSN = "postgres://api7:pw@db.internal:5432/api7ee";
const CACHE_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf";
const ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/api7";
const BYO = { existingVpcId: VPC, existingPrivateSubnetIds: [S0, S1], existingPublicSubnetIds: [S1, S2] };

/** A configuration as the program holds it after its own checks: the given areas and secrets, defaults elsewhere. */
type Input = Record<string, unknown>;
/** Stack name, when the rule reads it; "dev" otherwise. */
type Case = { readonly config: Input; readonly stack?: string };

function problemsOf(id: string, { config, stack = "dev" }: Case): [Path, string][] {
    const rule = RULES.find((r) => r.id === id);
    if (!rule) throw new Error(`no rule ${id}`);
    return ruleProblems(rule, configSchema.parse({ ...BASE_SECRETS, ...config }), stack).map((p) => [
        p.path,
        p.message,
    ]);
}

/** [rule id, what breaks it, the configuration, [path, start of message] of each problem]. */
const broken: [string, string, Case, [Path, string][]][] = [
    [
        "byo-vpc-private-subnets",
        "an existing VPC with one private subnet",
        { config: { network: { existingVpcId: VPC, existingPrivateSubnetIds: [S0] } } },
        [[["network", "existingPrivateSubnetIds"], "needs at least 2 private subnets in distinct AZs"]],
    ],
    [
        "subnets-need-byo-vpc",
        "public subnets without a VPC",
        { config: { network: { existingPublicSubnetIds: [S0, S1] } } },
        [[["network", "existingPublicSubnetIds"], "is set but network.existingVpcId is empty"]],
    ],
    [
        "subnets-listed-once",
        "a public subnet listed twice",
        { config: { network: { ...BYO, existingPublicSubnetIds: [S2, S2] } } },
        [[["network", "existingPublicSubnetIds"], "lists a subnet twice"]],
    ],
    [
        "control-plane-host-per-az",
        "three control-plane hosts in two AZs",
        { config: { controlPlane: { count: 3 } } },
        [[["controlPlane", "count"], "is larger than the number of availability zones (2)"]],
    ],
    [
        "control-plane-host-per-az",
        "three control-plane hosts over two brought subnets",
        { config: { network: { ...BYO, availabilityZones: 3 }, controlPlane: { count: 3 } } },
        [[["controlPlane", "count"], "is larger than the number of availability zones (2)"]],
    ],
    [
        "s3-endpoint-created-vpc-only",
        "an endpoint policy for a VPC the program does not create",
        { config: { network: { ...BYO, s3EndpointAccess: "unrestricted" } } },
        [[["network", "s3EndpointAccess"], "applies to the S3 endpoint the program creates"]],
    ],
    [
        "s3-endpoint-extra-buckets-restricted",
        "extra buckets for an unrestricted endpoint",
        {
            config: {
                network: { s3EndpointAccess: "unrestricted", s3EndpointBucketArns: ["arn:aws:s3:::upstream-assets"] },
            },
        },
        [[["network", "s3EndpointBucketArns"], "has no effect with network.s3EndpointAccess `unrestricted`"]],
    ],
    [
        "external-database-dsn",
        "an external database without its DSN",
        { config: { database: { kind: "external" } } },
        [[["databaseDsn"], "is required with database.kind `external`"]],
    ],
    [
        "managed-database-no-dsn",
        "a DSN with a managed database",
        { config: { databaseDsn: DSN } },
        [[["databaseDsn"], "is set but database.kind is `managed`"]],
    ],
    [
        "database-settings-of-its-kind",
        "a managed-only setting with an external database",
        { config: { database: { kind: "external", multiAz: false }, databaseDsn: DSN } },
        [[["database", "multiAz"], "applies to database.kind `managed`"]],
    ],
    [
        "database-settings-of-its-kind",
        "external CIDRs with a managed database",
        { config: { database: { externalCidrs: ["10.20.0.0/16"] } } },
        [[["database", "externalCidrs"], "applies to database.kind `external`"]],
    ],
    [
        "database-storage-autoscaling-headroom",
        "a storage ceiling less than 10% above the allocation",
        { config: { database: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 109 } } },
        [
            [
                ["database", "maxAllocatedStorageGiB"],
                "must be 0 (no autoscaling) or at least 10% above database.allocatedStorageGiB (110)",
            ],
        ],
    ],
    [
        "health-check-timeout-under-interval",
        "a timeout as long as the interval",
        { config: { dataPlane: { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } } } },
        [
            [
                ["dataPlane", "healthCheck", "timeoutSeconds"],
                "must be less than dataPlane.healthCheck.intervalSeconds (10)",
            ],
        ],
    ],
    [
        "listener-ports-distinct",
        "HTTP and HTTPS on one port",
        { config: { dataPlane: { loadBalancer: { httpPort: 443 } } } },
        [[["dataPlane", "loadBalancer", "httpsPort"], "must differ from dataPlane.loadBalancer.httpPort"]],
    ],
    [
        "tls-termination-certificate",
        "TLS termination without a certificate",
        { config: { dataPlane: { loadBalancer: { httpsMode: "terminate" } } } },
        [
            [
                ["dataPlane", "loadBalancer", "certificateArn"],
                "is required when dataPlane.loadBalancer.httpsMode is `terminate`",
            ],
        ],
    ],
    [
        "byo-vpc-public-subnets",
        "an internet-facing NLB in a brought VPC without public subnets",
        { config: { network: { ...BYO, existingPublicSubnetIds: [] } } },
        [[["network", "existingPublicSubnetIds"], "needs at least 2 public subnets in distinct AZs"]],
    ],
    [
        "stack-name-length",
        "a 39-character stack name",
        { config: {}, stack: "s".repeat(39) },
        [[[], `the stack name "${"s".repeat(39)}" is longer than 38 characters`]],
    ],
    [
        "lab-image-source",
        "the lab pulling through an ECR cache",
        {
            config: {
                deploy: { target: "docker" },
                images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET },
            },
        },
        [[["images", "source"], "is `ecrPullThroughCache`, an ECR cache in AWS, with deploy.target `docker`"]],
    ],
    [
        "lab-no-standalone",
        "standalone gateways in the lab",
        { config: { deploy: { target: "docker" }, dataPlane: { mode: "standalone" } } },
        [[["dataPlane", "mode"], "is `standalone` with deploy.target `docker`"]],
    ],
    [
        "lab-token-auth",
        "mTLS in the lab",
        { config: { deploy: { target: "docker" }, dataPlane: { controlPlaneAuth: "mtls" } } },
        [[["dataPlane", "controlPlaneAuth"], "is `mtls` with deploy.target `docker`"]],
    ],
    [
        "lab-ports-distinct",
        "the dashboard published on the HTTP port",
        { config: { deploy: { target: "docker" }, lab: { dashboardPort: 9080 } } },
        [[["lab", "dashboardPort"], "is 9080, the same port as lab.httpPort"]],
    ],
    [
        "cache-credentials-secret",
        "an ECR cache without the Docker Hub secret",
        { config: { images: { source: "ecrPullThroughCache" } } },
        [[["images", "dockerHubSecretArn"], "is required with images.source `ecrPullThroughCache`"]],
    ],
    [
        "cache-settings-need-cache",
        "a cache prefix while pulling from Docker Hub",
        { config: { images: { cachePrefix: "api7" } } },
        [[["images", "cachePrefix"], "applies to images.source `ecrPullThroughCache`"]],
    ],
    [
        "cache-prefix-length",
        "a stack name that makes the default prefix 32 characters",
        {
            config: { images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET } },
            stack: "stack-name-of-24-letters",
        },
        [
            [
                ["images", "cachePrefix"],
                "is needed: the default prefix api7-ha-stack-name-of-24-letters is 32 characters (ECR allows 30)",
            ],
        ],
    ],
    [
        "registry-with-registry-source",
        "a registry source without a registry",
        { config: { images: { source: "registry" } } },
        [[["images", "registry"], "is required with images.source `registry`"]],
    ],
    [
        "registry-with-registry-source",
        "a registry while pulling from Docker Hub",
        { config: { images: { registry: "registry.example.com/api7" } } },
        [[["images", "registry"], "applies to images.source `registry`"]],
    ],
    [
        "ecr-pulls-without-login",
        "a login for an ECR registry",
        { config: { images: { source: "registry", registry: ECR, username: "ci" }, registryPassword: "pw" } },
        [
            [["images", "username"], "is not used with images from ECR"],
            [["registryPassword"], "is not used with images from ECR"],
        ],
    ],
    [
        "registry-login-pair",
        "a registry user without a password",
        { config: { images: { username: "ci" } } },
        [[["registryPassword"], "is required with images.username"]],
    ],
    [
        "registry-login-pair",
        "a registry password without a user",
        { config: { registryPassword: "pw" } },
        [[["images", "username"], "is required with the registryPassword secret"]],
    ],
    [
        "ecr-endpoints-for-ecr",
        "ECR endpoints while pulling from Docker Hub",
        { config: { images: { ecrEndpoints: true } } },
        [[["images", "ecrEndpoints"], "applies to images from ECR"]],
    ],
    [
        "ecr-endpoints-created-vpc-only",
        "ECR endpoints in a brought VPC",
        { config: { network: BYO, images: { source: "registry", registry: ECR, ecrEndpoints: true } } },
        [[["images", "ecrEndpoints"], "applies to the VPC the program creates"]],
    ],
    [
        "cache-images-from-docker-hub",
        "a cached image from quay.io",
        {
            config: {
                images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET },
                dataPlane: { gatewayImage: "quay.io/acme/gw:1.0" },
            },
        },
        [[["dataPlane", "gatewayImage"], "names a registry other than Docker Hub (quay.io/acme/gw:1.0)"]],
    ],
    [
        "autoscaling-ceiling",
        "a scaling ceiling under the count",
        { config: { dataPlane: { count: 3, autoscaling: { enabled: true, maxCount: 2 } } } },
        [[["dataPlane", "autoscaling", "maxCount"], "must be at least dataPlane.count (3)"]],
    ],
    [
        "alarm-emails-need-own-topic",
        "addresses to subscribe to a topic the stack does not own",
        { config: { alarms: { topicArn: "arn:aws:sns:us-east-1:111122223333:pager", emails: ["a@example.com"] } } },
        [
            [
                ["alarms", "emails"],
                "is set with alarms.topicArn: the program subscribes nobody to a topic it does not own",
            ],
        ],
    ],
    [
        "warm-pool-within-group-maximum",
        "a warm pool larger than the group's maximum",
        { config: { controlPlane: { count: 2, warmPool: { size: 4 } } } },
        [
            [
                ["controlPlane", "warmPool", "size"],
                "must be at most the group's maximum size, 3 (controlPlane.count + 1, room for a replacement)",
            ],
        ],
    ],
    [
        "warm-pool-state-needs-size",
        "a warm pool state with no warm pool",
        { config: { dataPlane: { warmPool: { state: "Hibernated" } } } },
        [[["dataPlane", "warmPool", "state"], "is Hibernated but dataPlane.warmPool.size is 0 (no warm pool)"]],
    ],
    [
        "hibernation-fits",
        "hibernation with a root volume too small for the RAM",
        { config: { dataPlane: { instanceType: "r7i.xlarge", warmPool: { size: 1, state: "Hibernated" } } } },
        [
            [
                ["hosts", "rootVolumeGiB"],
                "is 80 GiB; with dataPlane.warmPool.state Hibernated it must hold the 32 GiB of RAM of r7i.xlarge " +
                    "besides API7's 80 GiB: at least 112",
            ],
        ],
    ],
    [
        "autoscaling-settings-need-enabled",
        "a scaling ceiling with scaling off",
        { config: { dataPlane: { autoscaling: { maxCount: 8 } } } },
        [[["dataPlane", "autoscaling", "enabled"], "is false, but other dataPlane.autoscaling settings are set"]],
    ],
    [
        "standalone-needs-fallback",
        "standalone gateways without fallback buckets",
        { config: { dataPlane: { mode: "standalone" }, fallback: { enabled: false } } },
        [[["dataPlane", "mode"], "is `standalone` but fallback.enabled is false"]],
    ],
    [
        "fallback-buckets-distinct",
        "one bucket for both exports",
        { config: { fallback: { configBucketName: "api7-exports", resourceBucketName: "api7-exports" } } },
        [[["fallback", "resourceBucketName"], "must differ from fallback.configBucketName"]],
    ],
    [
        "fallback-default-bucket-name-length",
        "a stack name that makes the default names too long",
        { config: {}, stack: "a-very-long-stack-name-for-prod" },
        [
            [
                ["fallback", "configBucketName"],
                "is needed: the stack name makes the default name 68 characters long (S3 allows 63)",
            ],
            [
                ["fallback", "resourceBucketName"],
                "is needed: the stack name makes the default name 70 characters long (S3 allows 63)",
            ],
        ],
    ],
    [
        "admin-cidrs-not-public",
        "::/0 among the admin CIDRs",
        { config: { access: { adminCidrs: ["10.0.0.0/8", "::/0"] } } },
        [[["access", "adminCidrs", 1], "opens the admin ports to the whole internet"]],
    ],
    [
        "token-auth-no-mtls-secrets",
        "a CA with token auth",
        { config: { gatewayCa: PEM } },
        [[["gatewayCa"], "is set but dataPlane.controlPlaneAuth is `token`"]],
    ],
    [
        "mtls-auth-no-token",
        "a token with mTLS auth",
        { config: { dataPlane: { controlPlaneAuth: "mtls" }, gatewayToken: "tok" } },
        [[["gatewayToken"], "is set but dataPlane.controlPlaneAuth is `mtls`"]],
    ],
    [
        "mtls-secrets-together",
        "a client certificate without its key and CA",
        { config: { dataPlane: { controlPlaneAuth: "mtls" }, gatewayClientCert: PEM } },
        [
            [["gatewayClientKey"], "is required with the other mTLS secrets"],
            [["gatewayCa"], "is required with the other mTLS secrets"],
        ],
    ],
    [
        "generation-settings",
        "3.x settings and secrets in a 2.x stack",
        {
            config: {
                deploy: { generation: "2.x" },
                controlPlane: { dashboardListener: "https" },
                database: { kind: "external" },
                dataPlane: { mode: "standalone" },
                prometheus: { enabled: true },
                databaseDsn: DSN,
            },
        },
        [
            [["controlPlane", "dashboardListener"], "applies to deploy.generation `3.x` only; remove it for `2.x`"],
            [["database", "kind"], "applies to deploy.generation `3.x` only"],
            [["dataPlane", "mode"], "applies to deploy.generation `3.x` only"],
            [["prometheus", "enabled"], "applies to deploy.generation `3.x` only"],
            [["databaseDsn"], "is set, but only deploy.generation `3.x` reads it"],
        ],
    ],
    [
        "generation-settings",
        "2.x settings in a 3.x stack",
        { config: { etcd: { members: 5 }, v2: { clusterId: "c1" } } },
        [
            [["etcd", "members"], "applies to deploy.generation `2.x` only; remove it, or set deploy.generation 2.x"],
            [["v2", "clusterId"], "applies to deploy.generation `2.x` only"],
        ],
    ],
    [
        "generation-2-images-from-registry",
        "2.x images from Docker Hub",
        { config: { deploy: { generation: "2.x" } } },
        [[["images", "source"], "is `dockerHub`; API7 2.x's images are not published to a registry"]],
    ],
    [
        "generation-2-etcd-survives-an-az",
        "2.x over the default 2 AZs",
        { config: { deploy: { generation: "2.x" } } },
        [
            [
                ["network", "availabilityZones"],
                "is 2; deploy.generation 2.x needs at least 3 AZs: etcd.members 3 over 2 AZs puts 2 in one, and " +
                    "losing that AZ leaves 1 of 3, below etcd's quorum of 2",
            ],
        ],
    ],
    [
        "generation-2-etcd-survives-an-az",
        "5 members over 2 brought subnets",
        { config: { deploy: { generation: "2.x" }, etcd: { members: 5 }, network: BYO } },
        [
            [
                ["network", "existingPrivateSubnetIds"],
                "has 2 subnets; deploy.generation 2.x needs at least 3 AZs: etcd.members 5 over 2 AZs puts 3 in one, " +
                    "and losing that AZ leaves 2 of 5, below etcd's quorum of 3",
            ],
        ],
    ],
];

/** [rule id, the nearest configuration that passes it]. */
const passing: [string, string, Case][] = [
    ["byo-vpc-private-subnets", "an existing VPC with two private subnets", { config: { network: BYO } }],
    ["subnets-need-byo-vpc", "subnets with their VPC", { config: { network: BYO } }],
    ["subnets-listed-once", "distinct subnets", { config: { network: BYO } }],
    [
        "control-plane-host-per-az",
        "three control-plane hosts in three AZs",
        { config: { network: { availabilityZones: 3 }, controlPlane: { count: 3 } } },
    ],
    [
        "s3-endpoint-created-vpc-only",
        "an unrestricted endpoint in the VPC the program creates",
        { config: { network: { s3EndpointAccess: "unrestricted" } } },
    ],
    [
        "s3-endpoint-extra-buckets-restricted",
        "extra buckets for a restricted endpoint",
        { config: { network: { s3EndpointBucketArns: ["arn:aws:s3:::upstream-assets"] } } },
    ],
    [
        "external-database-dsn",
        "an external database with its DSN",
        { config: { database: { kind: "external" }, databaseDsn: DSN } },
    ],
    ["managed-database-no-dsn", "a managed database without a DSN", { config: {} }],
    [
        "database-settings-of-its-kind",
        "external CIDRs with an external database",
        { config: { database: { kind: "external", externalCidrs: ["10.20.0.0/16"] }, databaseDsn: DSN } },
    ],
    [
        "database-storage-autoscaling-headroom",
        "a storage ceiling exactly 10% above the allocation",
        { config: { database: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 110 } } },
    ],
    [
        "database-storage-autoscaling-headroom",
        "storage autoscaling off",
        { config: { database: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 0 } } },
    ],
    [
        "health-check-timeout-under-interval",
        "a timeout a second under the interval",
        { config: { dataPlane: { healthCheck: { intervalSeconds: 10, timeoutSeconds: 9 } } } },
    ],
    ["listener-ports-distinct", "HTTP on 8080", { config: { dataPlane: { loadBalancer: { httpPort: 8080 } } } }],
    [
        "tls-termination-certificate",
        "TLS termination with a certificate",
        {
            config: {
                dataPlane: {
                    loadBalancer: {
                        httpsMode: "terminate",
                        certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d",
                    },
                },
            },
        },
    ],
    [
        "byo-vpc-public-subnets",
        "both load balancers internal in a brought VPC without public subnets",
        {
            config: {
                network: { ...BYO, existingPublicSubnetIds: [] },
                dataPlane: { loadBalancer: { internal: true } },
            },
        },
    ],
    ["stack-name-length", "a 38-character stack name", { config: {}, stack: "s".repeat(38) }],
    [
        "lab-image-source",
        "an ECR cache on AWS",
        { config: { images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET } } },
    ],
    ["lab-no-standalone", "standalone gateways on AWS", { config: { dataPlane: { mode: "standalone" } } }],
    ["lab-token-auth", "mTLS on AWS", { config: { dataPlane: { controlPlaneAuth: "mtls" } } }],
    ["lab-ports-distinct", "the lab's default ports", { config: { deploy: { target: "docker" } } }],
    [
        "cache-credentials-secret",
        "an ECR cache with the Docker Hub secret",
        { config: { images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET } } },
    ],
    [
        "cache-settings-need-cache",
        "a cache prefix with the cache",
        {
            config: {
                images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET, cachePrefix: "api7" },
            },
        },
    ],
    [
        "cache-prefix-length",
        "a long stack name with its own prefix",
        {
            config: {
                images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET, cachePrefix: "api7" },
            },
            stack: "stack-name-of-24-letters",
        },
    ],
    [
        "registry-with-registry-source",
        "a registry source with its registry",
        { config: { images: { source: "registry", registry: "registry.example.com/api7" } } },
    ],
    [
        "ecr-pulls-without-login",
        "an ECR registry without a login",
        { config: { images: { source: "registry", registry: ECR } } },
    ],
    [
        "registry-login-pair",
        "a registry user with its password",
        { config: { images: { username: "ci" }, registryPassword: "pw" } },
    ],
    [
        "ecr-endpoints-for-ecr",
        "ECR endpoints with an ECR registry",
        { config: { images: { source: "registry", registry: ECR, ecrEndpoints: true } } },
    ],
    [
        "ecr-endpoints-created-vpc-only",
        "ECR endpoints in the VPC the program creates",
        { config: { images: { source: "registry", registry: ECR, ecrEndpoints: true } } },
    ],
    [
        "cache-images-from-docker-hub",
        "a quay.io Prometheus image that is not run",
        {
            config: {
                images: { source: "ecrPullThroughCache", dockerHubSecretArn: CACHE_SECRET },
                prometheus: { image: "quay.io/prometheus/prometheus:v2.48.1" },
            },
        },
    ],
    [
        "autoscaling-ceiling",
        "a scaling ceiling equal to the count",
        { config: { dataPlane: { count: 3, autoscaling: { enabled: true, maxCount: 3 } } } },
    ],
    [
        "alarm-emails-need-own-topic",
        "addresses subscribed to the stack's own topic",
        { config: { alarms: { emails: ["a@example.com"] } } },
    ],
    [
        "warm-pool-within-group-maximum",
        "a warm pool as large as a scaling group's maximum",
        { config: { dataPlane: { count: 2, autoscaling: { enabled: true, maxCount: 5 }, warmPool: { size: 5 } } } },
    ],
    [
        "warm-pool-state-needs-size",
        "a hibernated warm pool of one",
        { config: { dataPlane: { warmPool: { size: 1, state: "Hibernated" } } } },
    ],
    [
        "hibernation-fits",
        "hibernation with a root volume that holds the RAM",
        {
            config: {
                hosts: { rootVolumeGiB: 112 },
                dataPlane: { instanceType: "r7i.xlarge", warmPool: { size: 1, state: "Hibernated" } },
            },
        },
    ],
    [
        "autoscaling-settings-need-enabled",
        "a scaling ceiling with scaling on",
        { config: { dataPlane: { autoscaling: { enabled: true, maxCount: 8 } } } },
    ],
    [
        "standalone-needs-fallback",
        "standalone gateways with fallback buckets",
        { config: { dataPlane: { mode: "standalone" } } },
    ],
    [
        "fallback-buckets-distinct",
        "two bucket names",
        {
            config: {
                fallback: { configBucketName: "api7-config-exports", resourceBucketName: "api7-resource-exports" },
            },
        },
    ],
    [
        "fallback-default-bucket-name-length",
        "a long stack name without fallback buckets",
        { config: { fallback: { enabled: false } }, stack: "a-very-long-stack-name-for-prod" },
    ],
    [
        "admin-cidrs-not-public",
        "::/0 allowed in writing",
        { config: { access: { adminCidrs: ["::/0"], allowPublicAdmin: true } } },
    ],
    ["token-auth-no-mtls-secrets", "a token with token auth", { config: { gatewayToken: "tok" } }],
    [
        "mtls-auth-no-token",
        "the three PEMs with mTLS auth",
        {
            config: {
                dataPlane: { controlPlaneAuth: "mtls" },
                gatewayClientCert: PEM,
                gatewayClientKey: PEM,
                gatewayCa: PEM,
            },
        },
    ],
    [
        "mtls-secrets-together",
        "mTLS with no PEM (the control plane issues them)",
        { config: { dataPlane: { controlPlaneAuth: "mtls" } } },
    ],
    [
        "generation-settings",
        "a 2.x stack with the settings both generations read, and fallback.enabled (ignored)",
        {
            config: {
                deploy: { generation: "2.x" },
                controlPlane: { count: 3, instanceType: "c6i.large" },
                dataPlane: { count: 3, loadBalancer: { httpPort: 8080 } },
                fallback: { enabled: false },
                etcd: { members: 5 },
                v2: { clusterId: "c1" },
            },
        },
    ],
    [
        "generation-2-images-from-registry",
        "2.x images from a registry",
        { config: { deploy: { generation: "2.x" }, images: { source: "registry", registry: ECR } } },
    ],
    [
        "generation-2-etcd-survives-an-az",
        "5 members over 3 AZs",
        { config: { deploy: { generation: "2.x" }, etcd: { members: 5 }, network: { availabilityZones: 3 } } },
    ],
];

describe("each cross-field rule alone", () => {
    test.each(broken)("%s: %s", (id, _what, input, expected) => {
        const startsWith = (text: string) =>
            expect.stringMatching(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
        expect(problemsOf(id, input)).toEqual(expected.map(([path, start]) => [path, startsWith(start)]));
    });

    test.each(passing)("%s passes: %s", (id, _what, input) => {
        expect(problemsOf(id, input)).toEqual([]);
    });

    test("rule ids are unique, and every rule has a configuration that breaks it and one that passes it", () => {
        const ids = RULES.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...new Set(broken.map(([id]) => id))].sort()).toEqual([...ids].sort());
        expect([...new Set(passing.map(([id]) => id))].sort()).toEqual([...ids].sort());
    });

    test.each(["dev", "prod"])("the defaults break no rule (stack %s)", (stack) => {
        expect(RULES.flatMap((r) => problemsOf(r.id, { config: {}, stack }))).toEqual([]);
    });
});
