/**
 * The settings the components receive are the schema's output (components/config/settings.ts): every setting the
 * schema declares reaches them, at its own path or at the one place its area regroups it, so a setting added to
 * the schema needs no second edit to reach a component.
 */
import { buildSettings } from "../components/config/settings";
import { configSchema, SECRET_NAMES } from "../components/config/schema";

const SECRETS = { license: "license text", adminPassword: "a-long-enough-password" };
const DSN = "postgres://api7:pw@db.internal:6432/api7ee";

/** Settings that land somewhere else than their key path, and where (the regrouping settings.ts documents). */
const REGROUPED: Readonly<Record<string, string>> = {
    "deploy.target": "target",
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
};

/** Every setting's key path (objects walked through; lists and values are settings). */
function leaves(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
    return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** Whether `path` names a property of `root` (present, even when undefined: an unset optional setting). */
function has(root: unknown, path: string): boolean {
    let node = root;
    for (const key of path.split(".")) {
        if (node === null || typeof node !== "object" || !(key in node)) return false;
        node = (node as Record<string, unknown>)[key];
    }
    return true;
}

/** The schema's settings (secrets aside), and the settings built from two configurations that between them read each. */
const declared = leaves(configSchema.parse(SECRETS)).filter((p) => !(SECRET_NAMES as string[]).includes(p));
const built = [
    buildSettings(configSchema.parse(SECRETS), "api7-ha", "dev"),
    buildSettings(configSchema.parse({
        ...SECRETS,
        databaseDsn: DSN,
        database: { kind: "external" },
        network: { existingVpcId: "vpc-0123456789abcdef0", existingPrivateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] },
    }), "api7-ha", "dev"),
];

test("the schema declares the settings this test walks", () => {
    expect(declared.length).toBeGreaterThan(80);
    expect(declared).toContain("dataPlane.autoscaling.targetCpuPercent");
});

test.each(declared)("%s reaches the settings", (key) => {
    const at = REGROUPED[key] ?? key;
    expect([key, built.some((s) => has(s, at))]).toEqual([key, true]);
});

test("values reach the settings as given; empty strings and a zero grace period read as unset", () => {
    const s = buildSettings(configSchema.parse({
        ...SECRETS,
        dataPlane: { count: 4, healthCheck: { intervalSeconds: 10, timeoutSeconds: 5 }, autoscaling: { enabled: true, maxCount: 9 } },
        prometheus: { enabled: true, placement: "controlPlane" },
        hosts: { amiId: "ami-0123456789abcdef0" },
    }), "api7-ha", "dev");
    expect(s.dataPlane.count).toBe(4);
    expect(s.dataPlane.loadBalancer.healthCheck).toEqual({ intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 });
    expect(s.dataPlane.autoscaling).toEqual({ enabled: true, maxCount: 9, targetCpuPercent: 60 });
    expect(s.prometheus).toMatchObject({ enabled: true, placement: "controlPlane" });
    expect(s.hosts).toEqual({ amiId: "ami-0123456789abcdef0", rootVolumeGiB: 80, healthCheckGraceSeconds: undefined });
    expect(s.fallback).toMatchObject({ configBucketName: undefined, kmsKeyArn: undefined, exportIntervalSeconds: 60 });
    expect(s.controlPlane.loadBalancer).toEqual({ internal: true, certificateArn: undefined });
    expect(s.images.cachePrefix).toBe("api7-ha-dev");
});

test("an external database: its DSN's port, its CIDRs", () => {
    const s = buildSettings(configSchema.parse({ ...SECRETS, databaseDsn: DSN, database: { kind: "external", externalCidrs: ["10.20.0.0/16"] } }), "api7-ha", "dev");
    expect(s.database).toMatchObject({ kind: "external", port: 6432, cidrs: ["10.20.0.0/16"] });
});

test("the settings are frozen all the way down", () => {
    const s = built[0];
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.dataPlane.loadBalancer.healthCheck)).toBe(true);
    expect(Object.isFrozen(s.access.adminCidrs)).toBe(true);
});
