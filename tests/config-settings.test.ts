/**
 * The settings the components receive are the schema's output (components/config/settings.ts): every setting the
 * schema declares reaches them with the value the stack gives it, at its own path or at the one place its area
 * regroups it. A setting added to the schema fails here until a configuration below gives it a value.
 */
import { Output } from "@pulumi/pulumi/output";
import { parseSettings } from "../components/config/load";
import { buildSettings } from "../components/config/settings";
import { configSchema, SECRET_NAMES } from "../components/config/schema";

const SECRETS = { license: "license text", adminPassword: "a-long-enough-password" };
const DSN = "postgres://api7:pw@db.internal:6432/api7ee";

/** Settings that land somewhere else than their key path, and where (the regrouping settings.ts documents). */
const REGROUPED: Readonly<Record<string, string>> = {
    "deploy.target": "target",
    "deploy.generation": "generation",
    "network.existingVpcId": "network.existing.vpcId",
    "network.existingPrivateSubnetIds": "network.existing.privateSubnetIds",
    "network.existingPublicSubnetIds": "network.existing.publicSubnetIds",
    "network.s3EndpointAccess": "network.s3Endpoint.access",
    "network.s3EndpointBucketArns": "network.s3Endpoint.extraBucketArns",
    "database.externalCidrs": "database.cidrs",
    "dataPlane.controlPlaneAuth": "dataPlane.auth.kind",
    "dataPlane.deregistrationDelaySeconds": "dataPlane.loadBalancer.deregistrationDelaySeconds",
    "dataPlane.healthCheck.intervalSeconds": "dataPlane.loadBalancer.healthCheck.intervalSeconds",
    "dataPlane.healthCheck.timeoutSeconds": "dataPlane.loadBalancer.healthCheck.timeoutSeconds",
    "dataPlane.healthCheck.healthyThreshold": "dataPlane.loadBalancer.healthCheck.healthyThreshold",
    "dataPlane.healthCheck.unhealthyThreshold": "dataPlane.loadBalancer.healthCheck.unhealthyThreshold",
    // Secrets, which reach the settings as Pulumi secrets.
    license: "controlPlane.license",
    adminPassword: "controlPlane.adminPassword",
    databaseDsn: "database.dsn",
    gatewayToken: "dataPlane.auth.token",
    gatewayClientCert: "dataPlane.auth.clientCert",
    gatewayClientKey: "dataPlane.auth.clientKey",
    gatewayCa: "dataPlane.auth.ca",
    registryPassword: "images.password",
};

/** Every setting's key path (objects walked through; lists and values are settings). */
function leaves(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
    return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** The value at a key path, or undefined. */
function at(root: unknown, path: string): unknown {
    let node = root;
    for (const key of path.split(".")) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[key];
    }
    return node;
}

/**
 * Three valid configurations (every cross-field rule passes) that between them give every setting and secret a
 * value of its own: never its default, and within a configuration no two settings share a value, except true and
 * false, so a setting read from another one's key, or delivered to another one's place, shows. The three are the
 * variants the settings are built differently for: a created VPC or a brought one, a managed database or an external
 * one, mTLS or a token, and the Docker lab.
 */
const GIVEN: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
    "created VPC, managed database, mTLS, ECR pull-through cache": {
        network: { cidr: "10.44.0.0/18", availabilityZones: 4, natGateways: "perAz", s3EndpointAccess: "unrestricted" },
        access: { adminCidrs: ["203.0.113.0/24"], allowPublicAdmin: true },
        loadBalancers: { deletionProtection: true },
        hosts: { amiId: "ami-0a1b2c3d4e5f60718", rootVolumeGiB: 120, healthCheckGraceSeconds: 900 },
        controlPlane: {
            count: 3,
            instanceType: "c6i.xlarge",
            dashboardImage: "api7/api7-ee-3-integrated:v3.2.16.4",
            dpManagerImage: "api7/api7-ee-dp-manager:v3.2.16.4",
            dashboardListener: "https",
            warmPool: { size: 2, state: "Running" },
            loadBalancer: {
                internal: false,
                certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/11111111-1111-1111-1111-111111111111",
            },
        },
        database: {
            engineVersion: "16",
            instanceClass: "db.m7g.large",
            allocatedStorageGiB: 50,
            maxAllocatedStorageGiB: 200,
            multiAz: false,
            backupRetentionDays: 14,
            deletionProtection: false,
            finalSnapshot: false,
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/22222222-2222-2222-2222-222222222222",
        },
        dataPlane: {
            count: 5,
            instanceType: "c6i.large",
            gatewayImage: "api7/api7-ee-3-gateway:3.2.16.4",
            gatewayGroupId: "edge-id",
            gatewayGroupName: "edge",
            createGatewayGroup: true,
            upstreamCidrs: ["10.9.0.0/16"],
            controlPlaneAuth: "mtls",
            controlPlaneSni: "dp.example.internal",
            mode: "standalone",
            loadBalancer: {
                internal: true,
                clientCidrs: ["198.51.100.0/24"],
                httpPort: 8080,
                httpsPort: 8443,
                httpsMode: "terminate",
                certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/33333333-3333-3333-3333-333333333333",
            },
            healthCheck: { intervalSeconds: 20, timeoutSeconds: 7, healthyThreshold: 6, unhealthyThreshold: 8 },
            reconnectAfterChecks: 10,
            deregistrationDelaySeconds: 45,
            autoscaling: { enabled: true, maxCount: 9, targetCpuPercent: 55 },
            warmPool: { size: 1, state: "Hibernated" },
        },
        fallback: {
            configBucketName: "acme-api7-config",
            resourceBucketName: "acme-api7-resource",
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/44444444-4444-4444-4444-444444444444",
            noncurrentVersionExpirationDays: 21,
            cronSpec: "@every 2m",
            credentials: "instanceRole",
            forceDestroy: true,
        },
        images: {
            source: "ecrPullThroughCache",
            dockerHubSecretArn:
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
            cachePrefix: "acme-hub",
            ecrEndpoints: true,
            pinDigests: true,
        },
        prometheus: {
            enabled: true,
            placement: "controlPlane",
            image: "prom/prometheus:v2.48.2",
            instanceType: "t3.xlarge",
        },
        alarms: { emails: ["sre@example.com", "oncall@example.org"], databaseConnections: 320 },
        logs: { retentionDays: 400, kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/logs-key-a" },
        license: "license text A",
        adminPassword: "admin password A, long enough",
        gatewayClientCert: "-----BEGIN CERTIFICATE-----\nCLIENTCERT\n-----END CERTIFICATE-----",
        gatewayClientKey: "-----BEGIN PRIVATE KEY-----\nCLIENTKEY\n-----END PRIVATE KEY-----",
        gatewayCa: "-----BEGIN CERTIFICATE-----\nCLIENTCA\n-----END CERTIFICATE-----",
    },
    "brought VPC, external database, token, a registry with a login": {
        network: {
            existingVpcId: "vpc-0123456789abcdef0",
            existingPrivateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            existingPublicSubnetIds: ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
        },
        database: { kind: "external", externalCidrs: ["10.30.0.0/16"] },
        fallback: { enabled: false },
        images: { source: "registry", registry: "registry.example.com/api7", username: "deployer" },
        alarms: { topicArn: "arn:aws:sns:us-east-1:111122223333:platform-pager", databaseConnections: 150 },
        logs: { retentionDays: 7, kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/logs-key-b" },
        license: "license text B",
        adminPassword: "admin password B, long enough",
        databaseDsn: DSN,
        gatewayToken: "gateway token B",
        registryPassword: "registry password B",
    },
    "the Docker lab, with extra buckets through the S3 endpoint": {
        deploy: { target: "docker" },
        network: { s3EndpointBucketArns: ["arn:aws:s3:::acme-upstream-assets"] },
        lab: {
            bindAddress: "192.168.56.10",
            httpPort: 19080,
            httpsPort: 19443,
            dashboardPort: 17080,
            loadBalancerImage: "haproxy:2.6.33",
            postgresImage: "postgres:15.20",
            database: "mysql",
            mysqlImage: "mysql:5.7.43",
        },
        license: "license text C",
        adminPassword: "admin password C, long enough",
    },
    "API7 2.x on AWS, its etcd cluster over 3 AZs": {
        deploy: { generation: "2.x" },
        network: { availabilityZones: 3 },
        images: { source: "registry", registry: "444455556666.dkr.ecr.eu-west-1.amazonaws.com/api7-2x" },
        etcd: {
            members: 5,
            instanceType: "m6i.large",
            dataVolumeGiB: 40,
            image: "gcr.io/etcd-development/etcd:v3.5.20",
            auth: false,
            snapshotIntervalMinutes: 30,
        },
        v2: {
            dashboardImage: "api7/api7-dashboard:2.13.2304",
            gatewayImage: "api7/api7-gateway:2.13.2304",
            clusterId: "cluster-a1",
        },
        license: "license text D",
        adminPassword: "admin password D, long enough",
    },
};

/** The settings the configuration loader builds from a configuration, given as the Pulumi runtime holds it. */
function load(given: Readonly<Record<string, unknown>>) {
    const values = Object.fromEntries(
        Object.entries(given).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    return parseSettings({ values, secretKeys: new Set(SECRET_NAMES.filter((n) => n in given)) }, "dev", "api7-ha");
}

/**
 * A setting as the components get it; a secret's value read from its Output (the SDK's OutputImpl.promise,
 * @pulumi/pulumi 3.248.0 output.js, which resolves outside a Pulumi runtime too).
 */
async function delivered(settings: unknown, path: string): Promise<unknown> {
    const value = at(settings, path);
    return Output.isInstance(value) ? await (value as unknown as { promise(): Promise<unknown> }).promise() : value;
}

/** The schema's settings (secrets aside). */
const declared = leaves(configSchema.parse(SECRETS)).filter((p) => !(SECRET_NAMES as string[]).includes(p));
const DEFAULTS = configSchema.parse({});
const givenKeys = (given: Readonly<Record<string, unknown>>) => leaves(given).filter((k) => k !== "");

test("the schema declares the settings this test walks", () => {
    expect(declared.length).toBeGreaterThan(80);
    expect(declared).toContain("dataPlane.autoscaling.targetCpuPercent");
});

test("the configurations give every setting and every secret a value, none its default, none shared within one but true and false", () => {
    const covered = new Set(Object.values(GIVEN).flatMap(givenKeys));
    expect([...declared, ...SECRET_NAMES].filter((k) => !covered.has(k))).toEqual([]);
    for (const given of Object.values(GIVEN)) {
        const keys = givenKeys(given);
        expect(keys.filter((k) => JSON.stringify(at(given, k)) === JSON.stringify(at(DEFAULTS, k)))).toEqual([]);
        const values = keys.map((k) => JSON.stringify(at(given, k))).filter((v) => v !== "true" && v !== "false");
        expect(values.filter((v, i) => values.indexOf(v) !== i)).toEqual([]);
    }
});

describe.each(Object.entries(GIVEN))("%s", (_name, given) => {
    const settings = load(given);
    test.each(givenKeys(given))("%s arrives where the components read it, as given", async (key) => {
        const to = REGROUPED[key] ?? key;
        expect([key, to, await delivered(settings, to)]).toEqual([key, to, at(given, key)]);
    });
});

test("values reach the settings as given; empty strings and a zero grace period read as unset", () => {
    const s = buildSettings(
        configSchema.parse({
            ...SECRETS,
            dataPlane: {
                count: 4,
                healthCheck: { intervalSeconds: 10, timeoutSeconds: 5 },
                autoscaling: { enabled: true, maxCount: 9 },
            },
            prometheus: { enabled: true, placement: "controlPlane" },
            hosts: { amiId: "ami-0123456789abcdef0" },
        }),
        "api7-ha",
        "dev",
    );
    expect(s.dataPlane.count).toBe(4);
    expect(s.dataPlane.loadBalancer.healthCheck).toEqual({
        intervalSeconds: 10,
        timeoutSeconds: 5,
        healthyThreshold: 3,
        unhealthyThreshold: 3,
    });
    expect(s.dataPlane.autoscaling).toEqual({ enabled: true, maxCount: 9, targetCpuPercent: 60 });
    expect(s.prometheus).toMatchObject({ enabled: true, placement: "controlPlane" });
    expect(s.hosts).toEqual({ amiId: "ami-0123456789abcdef0", rootVolumeGiB: 80, healthCheckGraceSeconds: undefined });
    expect(s.fallback).toMatchObject({ configBucketName: undefined, kmsKeyArn: undefined, exportIntervalSeconds: 60 });
    expect(s.controlPlane.loadBalancer).toEqual({ internal: true, certificateArn: undefined });
    expect(s.images.cachePrefix).toBe("api7-ha-dev");
});

test("an external database: its DSN's port, its CIDRs", () => {
    const s = buildSettings(
        configSchema.parse({
            ...SECRETS,
            databaseDsn: DSN,
            database: { kind: "external", externalCidrs: ["10.20.0.0/16"] },
        }),
        "api7-ha",
        "dev",
    );
    expect(s.database).toMatchObject({ kind: "external", port: 6432, cidrs: ["10.20.0.0/16"] });
});

test("the settings are frozen all the way down", () => {
    const s = load(Object.values(GIVEN)[0]);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.dataPlane.loadBalancer.healthCheck)).toBe(true);
    expect(Object.isFrozen(s.access.adminCidrs)).toBe(true);
});
