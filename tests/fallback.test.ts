import * as yaml from "js-yaml";
import { runProgram, SECRET_MARKERS, type RunResult } from "../tools/harness";
import { allStrings, decodeUserData, parameter, service, T } from "./helpers";

const S3 = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
};
/** The control plane's role in prod: a fixed name, so bucket policies can name it (components/aws/host.ts). */
const FALLBACK_CONTROL_PLANE = { role: "api7-ha-prod-cp-hosts" };
const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKETS = {
    config: "api7-ha-prod-fallback-config-123456789012",
    resource: "api7-ha-prod-fallback-resource-123456789012",
};
/**
 * API7's `fallback_cp.aws_s3` with access keys (substituted on the host from SSM): the same block in the dashboard's
 * export and in a standalone gateway's import, so the gateway reads exactly where the dashboard writes.
 */
const AWS_S3_WITH_KEYS = {
    access_key: "__API7_SECRET_FALLBACK_ACCESS_KEY__",
    secret_key: "__API7_SECRET_FALLBACK_SECRET_KEY__",
    region: "us-east-1",
    config_bucket: BUCKETS.config,
    resource_bucket: BUCKETS.resource,
};
const ARNS = [`arn:aws:s3:::${BUCKETS.config}`, `arn:aws:s3:::${BUCKETS.resource}`];

let prod: RunResult;
let standalone: RunResult;
let instanceRole: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    standalone = await runProgram({ stack: "prod", config: { "dataPlane.mode": "standalone" } });
    instanceRole = await runProgram({
        stack: "prod",
        config: {
            "fallback.credentials": "instanceRole",
            "fallback.kmsKeyArn": KMS,
            "fallback.noncurrentVersionExpirationDays": 7,
        },
    });
});

const statements = (json: string) => JSON.parse(json).Statement as any[];

describe("buckets", () => {
    test("two buckets named from project, stack and account", () => {
        expect(
            prod
                .ofType(S3.bucket)
                .map((b) => b.inputs.bucket)
                .sort(),
        ).toEqual([BUCKETS.config, BUCKETS.resource]);
        expect(prod.outputs.fallbackBuckets).toEqual(BUCKETS);
    });

    test("names can be set in config", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {
                "fallback.configBucketName": "acme-api7-config",
                "fallback.resourceBucketName": "acme-api7-routes",
            },
        });
        expect(
            run
                .ofType(S3.bucket)
                .map((b) => b.inputs.bucket)
                .sort(),
        ).toEqual(["acme-api7-config", "acme-api7-routes"]);
    });

    test.each(["config", "resource"])(
        "%s bucket: versioned, SSE-S3, all public access blocked, owner-enforced, old versions expire",
        (kind) => {
            const name = `api7-fallback-${kind}`;
            const bucket = `${name}-id`;
            expect(prod.get(S3.versioning, name).inputs).toEqual({
                bucket,
                versioningConfiguration: { status: "Enabled" },
            });
            expect(prod.get(S3.sse, name).inputs.rules).toEqual([
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ]);
            expect(prod.get(S3.publicAccess, name).inputs).toEqual({
                bucket,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            expect(prod.get(S3.ownership, name).inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
            expect(prod.get(S3.lifecycle, name).inputs.rules).toEqual([
                {
                    id: "expire-superseded-exports",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ]);
        },
    );

    test("SSE-KMS with the configured key, and the configured expiry", () => {
        expect(instanceRole.get(S3.sse, "api7-fallback-config").inputs.rules).toEqual([
            {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS },
                bucketKeyEnabled: true,
            },
        ]);
        expect(
            instanceRole.get(S3.lifecycle, "api7-fallback-resource").inputs.rules[0].noncurrentVersionExpiration,
        ).toEqual({ noncurrentDays: 7 });
    });

    test.each(["config", "resource"])("%s bucket policy: deny any request without TLS", (kind) => {
        const arn = `arn:aws:s3:::${kind === "config" ? BUCKETS.config : BUCKETS.resource}`;
        const deny = statements(prod.get(S3.policy, `api7-fallback-${kind}`).inputs.policy).find(
            (s) => s.Sid === "DenyInsecureTransport",
        );
        expect(deny).toEqual({
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, `${arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
    });

    test("bucket policy: nobody but the control plane's identity writes or deletes exports", () => {
        const only = (run: RunResult) =>
            statements(run.get(S3.policy, "api7-fallback-config").inputs.policy).find(
                (s) => s.Sid === "OnlyTheControlPlaneWrites",
            );
        expect(only(prod)).toMatchObject({
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            Condition: {
                ArnNotEquals: {
                    "aws:PrincipalArn": "arn:aws:mock:us-east-1:123456789012:aws:iam/user:User/api7-fallback-writer",
                },
            },
        });
        expect(only(instanceRole).Condition).toEqual({
            ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::123456789012:role/${FALLBACK_CONTROL_PLANE.role}` },
        });
    });
});

describe("IAM, least privilege", () => {
    const policyOf = (run: RunResult, type: string, name: string) => statements(run.get(type, name).inputs.policy);

    test("the control plane (writer) lists both buckets and gets/puts objects in them, nothing else", () => {
        expect(policyOf(prod, "aws:iam/userPolicy:UserPolicy", "api7-fallback-writer")).toEqual([
            { Sid: "ListFallbackBuckets", Effect: "Allow", Action: "s3:ListBucket", Resource: ARNS },
            {
                Sid: "ReadWriteFallbackObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: ARNS.map((a) => `${a}/*`),
            },
        ]);
    });

    test("the gateways (reader) list both buckets and get objects, nothing else", () => {
        expect(policyOf(prod, "aws:iam/userPolicy:UserPolicy", "api7-fallback-reader")).toEqual([
            { Sid: "ListFallbackBuckets", Effect: "Allow", Action: "s3:ListBucket", Resource: ARNS },
            {
                Sid: "ReadFallbackObjects",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: ARNS.map((a) => `${a}/*`),
            },
        ]);
    });

    test("no wildcard action and no * resource in any fallback policy", () => {
        const docs = [
            ...prod.ofType("aws:iam/userPolicy:UserPolicy"),
            ...instanceRole.ofType(T.rolePolicy).filter((r) => r.name.startsWith("api7-fallback")),
        ];
        expect(docs.length).toBe(4);
        for (const doc of docs) {
            for (const s of statements(doc.inputs.policy)) {
                for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
                for (const resource of [s.Resource].flat()) expect(resource).not.toBe("*");
            }
        }
    });

    test("one IAM user per role, each with an access key; no keys with instanceRole", () => {
        expect(
            prod
                .ofType("aws:iam/user:User")
                .map((u) => u.inputs.name)
                .sort(),
        ).toEqual(["api7-ha-prod-fallback-reader", "api7-ha-prod-fallback-writer"]);
        expect(prod.ofType("aws:iam/accessKey:AccessKey")).toHaveLength(2);
        expect(instanceRole.ofType("aws:iam/user:User")).toEqual([]);
        expect(instanceRole.ofType("aws:iam/accessKey:AccessKey")).toEqual([]);
    });

    test("instanceRole: the same scoped policies go on the hosts' roles, with the KMS key when there is one", () => {
        const writer = policyOf(instanceRole, T.rolePolicy, "api7-fallback-writer-role");
        expect(instanceRole.get(T.rolePolicy, "api7-fallback-writer-role").inputs.role).toBe(
            FALLBACK_CONTROL_PLANE.role,
        );
        expect(instanceRole.get(T.rolePolicy, "api7-fallback-reader-role").inputs.role).toBe("api7-ha-prod-dp-hosts");
        expect(writer.find((s) => s.Sid === "UseFallbackKey")).toEqual({
            Sid: "UseFallbackKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: KMS,
        });
        expect(
            policyOf(instanceRole, T.rolePolicy, "api7-fallback-reader-role").find((s) => s.Sid === "UseFallbackKey")
                .Action,
        ).toBe("kms:Decrypt");
    });

    test("access keys reach hosts only as SSM SecureStrings, never user data, plain parameters or outputs", () => {
        for (const [role, path] of [
            ["cp", "/api7-ha/prod/cp/secrets/fallback-access-key"],
            ["cp", "/api7-ha/prod/cp/secrets/fallback-secret-key"],
            ["dp", "/api7-ha/prod/dp/secrets/fallback-access-key"],
            ["dp", "/api7-ha/prod/dp/secrets/fallback-secret-key"],
        ]) {
            const p = parameter(prod, path);
            expect([role, p.inputs.type, p.secretInputs]).toEqual([role, "SecureString", ["value"]]);
        }
        expect(parameter(prod, "/api7-ha/prod/dp/secrets/fallback-secret-key").inputs.value).toMatch(
            /^MOCK-SECRET-ACCESS-KEY-api7-fallback-reader$/,
        );
        const exposed = [
            ...prod.ofType(T.launchTemplate).map((t) => decodeUserData(t.inputs.userData)),
            ...prod
                .ofType(T.parameter)
                .filter((p) => p.inputs.type === "String")
                .map((p) => p.inputs.insecureValue),
            ...allStrings(prod.outputs),
            ...standalone
                .ofType(T.parameter)
                .filter((p) => p.inputs.type === "String")
                .map((p) => p.inputs.insecureValue),
        ].join("\n");
        for (const marker of SECRET_MARKERS) expect(exposed).not.toContain(marker);
    });
});

describe("control-plane export", () => {
    test("the dashboard config carries fallback_cp: keys (from SSM), region, both buckets, and the cron spec", () => {
        const { config, spec } = service(prod, "/api7-ha/prod/cp", "dashboard");
        expect(config.fallback_cp).toEqual({
            aws_s3: AWS_S3_WITH_KEYS,
            cron_spec: "@every 1m",
        });
        expect(spec.placeholders).toMatchObject({
            __API7_SECRET_FALLBACK_ACCESS_KEY__: "/api7-ha/prod/cp/secrets/fallback-access-key",
            __API7_SECRET_FALLBACK_SECRET_KEY__: "/api7-ha/prod/cp/secrets/fallback-secret-key",
        });
    });

    test("instanceRole: no keys in fallback_cp", () => {
        expect(service(instanceRole, "/api7-ha/prod/cp", "dashboard").config.fallback_cp.aws_s3).toEqual({
            region: "us-east-1",
            config_bucket: BUCKETS.config,
            resource_bucket: BUCKETS.resource,
        });
    });

    test("the cron spec comes from config", async () => {
        const run = await runProgram({ stack: "dev", config: { "fallback.cronSpec": "*/5 * * * *" } });
        expect(service(run, "/api7-ha/dev/cp", "dashboard").config.fallback_cp.cron_spec).toBe("*/5 * * * *");
    });

    test("fallback off: no buckets, no export", async () => {
        const run = await runProgram({ stack: "dev", config: { "fallback.enabled": false } });
        expect(run.ofType(S3.bucket)).toEqual([]);
        expect(service(run, "/api7-ha/dev/cp", "dashboard").config.fallback_cp).toBeUndefined();
        expect(run.outputs.fallbackBuckets).toBeUndefined();
    });
});

describe("the standalone switch", () => {
    test("normal: connected to the control plane through the DP Manager endpoint", () => {
        const { config, spec } = service(prod, "/api7-ha/prod/dp", "gateway");
        expect(config.deployment).toMatchObject({
            role: "traditional",
            role_traditional: { config_provider: "etcd" },
            etcd: { host: [prod.outputs.dpManagerEndpoint], prefix: "/apisix", timeout: 30 },
        });
        expect(config.fallback_cp).toBeUndefined();
        expect(config.deployment.fallback_cp).toBeUndefined();
        expect(Object.keys(spec.env)).toEqual(["API7_CONTROL_PLANE_ENDPOINTS", "API7_GATEWAY_GROUP_SHORT_ID"]);
    });

    test("standalone: data_plane / yaml reading both buckets from deployment.fallback_cp.aws_s3 with the reader's key (API7 3.2.16 CP-outage guide)", () => {
        const { config, spec } = service(standalone, "/api7-ha/prod/dp", "gateway");
        expect(config).toEqual({
            nginx_config: { error_log_level: "warn" },
            apisix: {
                node_listen: [9080],
                enable_admin: false,
                ssl: { enable: true, listen: [{ port: 9443 }] },
                status: { ip: "0.0.0.0", port: 7085 },
            },
            deployment: {
                role: "data_plane",
                role_data_plane: { config_provider: "yaml" },
                fallback_cp: {
                    aws_s3: AWS_S3_WITH_KEYS,
                },
            },
        });
        expect(config.fallback_cp).toBeUndefined();
        expect(spec.placeholders).toEqual({
            __API7_SECRET_FALLBACK_ACCESS_KEY__: "/api7-ha/prod/dp/secrets/fallback-access-key",
            __API7_SECRET_FALLBACK_SECRET_KEY__: "/api7-ha/prod/dp/secrets/fallback-secret-key",
        });
        // The export is stored under the gateway group: the group id stays, every control-plane setting goes.
        expect(spec.env).toEqual({ API7_GATEWAY_GROUP_SHORT_ID: "default" });
        expect(spec.secretEnv).toEqual({});
    });

    test("each mode's config is readable YAML in the plan (a plain parameter, not a secret)", () => {
        for (const run of [prod, standalone]) {
            const p = parameter(run, "/api7-ha/prod/dp/gateway-config.yaml");
            expect(p.secretInputs).toEqual([]);
            expect(typeof yaml.load(p.inputs.insecureValue)).toBe("object");
        }
    });

    test("switching replaces no host: only the gateway's config, run spec and rollout change, its outage parts go", () => {
        const byName = (run: RunResult) =>
            new Map(run.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
        const before = byName(prod);
        const after = byName(standalone);
        // What only a connected gateway needs goes: its standalone config for an outage, what its host does
        // through one (tests/outage.test.ts), and the alarms on the metrics it publishes (tests/alarms.test.ts).
        expect([...before.keys()].filter((key) => !after.has(key)).sort()).toEqual([
            "aws:cloudwatch/metricAlarm:MetricAlarm::api7-alarms-control-plane-unreachable",
            "aws:cloudwatch/metricAlarm:MetricAlarm::api7-alarms-gateway-standalone",
            "aws:iam/rolePolicy:RolePolicy::api7-dp-hosts-outage",
            "aws:ssm/parameter:Parameter::api7-dp-hosts-gateway-standalone-config",
        ]);
        expect([...after.keys()].filter((key) => !before.has(key))).toEqual([]);
        const changed = [...after]
            .filter(([key, inputs]) => before.get(key) !== inputs)
            .map(([key]) => key)
            .sort();
        expect(changed).toEqual([
            // The dashboard, with the outage graph and the two alarms gone.
            "aws:cloudwatch/dashboard:Dashboard::api7-alarms-dashboard",
            "aws:ssm/association:Association::api7-dp-hosts-rollout",
            "aws:ssm/parameter:Parameter::api7-dp-hosts-gateway-config",
            "aws:ssm/parameter:Parameter::api7-dp-hosts-gateway-spec",
        ]);
    });

    test("the mode change restarts the gateway (its environment changes) rather than reloading it", () => {
        expect(service(standalone, "/api7-ha/prod/dp", "gateway").spec.generation).not.toBe(
            service(prod, "/api7-ha/prod/dp", "gateway").spec.generation,
        );
    });

    test("flipping back to normal restores the connected config exactly", async () => {
        const back = await runProgram({ stack: "prod", config: { "dataPlane.mode": "normal" } });
        expect(parameter(back, "/api7-ha/prod/dp/gateway-config.yaml").inputs.insecureValue).toBe(
            parameter(prod, "/api7-ha/prod/dp/gateway-config.yaml").inputs.insecureValue,
        );
        expect(parameter(back, "/api7-ha/prod/dp/gateway.json").inputs.insecureValue).toBe(
            parameter(prod, "/api7-ha/prod/dp/gateway.json").inputs.insecureValue,
        );
    });
});

describe("network", () => {
    test("the S3 gateway endpoint allows only the fallback buckets and the AWS-owned buckets hosts read from", () => {
        const policy = statements(prod.get(T.vpcEndpoint, "api7-s3").inputs.policy);
        expect(policy.map((s) => s.Sid)).toEqual(["FallbackBuckets", "AwsOwnedBucketsHostsReadFrom"]);
        expect(policy[0].Resource).toEqual([...ARNS, ...ARNS.map((a) => `${a}/*`)]);
        expect(policy[0].Action).toEqual(["s3:ListBucket", "s3:GetObject", "s3:PutObject"]);
        expect(policy[1].Action).toBe("s3:GetObject");
        expect(policy[1].Resource).toContain("arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*");
        expect(
            [policy[1].Resource].flat().every((r: string) => r.endsWith("/*") && !r.startsWith("arn:aws:s3:::*")),
        ).toBe(true);
    });
});
