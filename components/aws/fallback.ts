/**
 * Data-plane resilience (API7's "Implement Data Plane Resilience", 3.2 series:
 * https://docs-archive.api7.ai/enterprise/high-availability/cp-outage-dp-resilience): the control plane exports
 * gateway configuration to two S3 buckets on a schedule (`fallback_cp` in the dashboard config); while the control
 * plane is down, gateways run standalone from the last export. Only the control plane can write the buckets; gateways
 * can only read them.
 *
 * API7's `fallback_cp.aws_s3` takes an access key: by default each role gets an IAM user (writer for the control
 * plane, reader for the gateways) with a key that reaches hosts only through SSM SecureStrings. With
 * `fallback.credentials: instanceRole` there are no keys and the same policies go on the hosts' roles.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, privateVersionedBucket } from "./buckets";
import { defaultBucketName, nameFragment } from "../config/names";
import type { FallbackSettings } from "../config/settings";
import { whereabouts } from "./whereabouts";

export type FallbackRole = "writer" | "reader";

/**
 * Tokens that stand for the access key in a rendered API7 config (the dashboard's export, a standalone gateway's
 * import); api7-run substitutes the key from the host's SSM SecureStrings.
 */
export const FALLBACK_KEY_PLACEHOLDERS = Object.freeze({
    accessKey: "__API7_SECRET_FALLBACK_ACCESS_KEY__",
    secretKey: "__API7_SECRET_FALLBACK_SECRET_KEY__",
});

/** The fallback buckets as API7 is told of them, by the dashboard's export and by a standalone gateway. */
export interface FallbackBuckets {
    readonly region: pulumi.Input<string>;
    readonly configBucket: pulumi.Input<string>;
    readonly resourceBucket: pulumi.Input<string>;
    /** Present when API7 signs with an access key (fallback.credentials accessKeys), not the instance role. */
    readonly credentials?: unknown;
}

/**
 * API7's `aws_s3` block for the fallback buckets, the same keys in the dashboard's `fallback_cp` and a standalone
 * gateway's `deployment.fallback_cp`; with access keys, as placeholders the host substitutes from its SecureStrings.
 */
export function fallbackS3Block(buckets: FallbackBuckets): pulumi.Output<Readonly<Record<string, string>>> {
    return pulumi
        .all([buckets.region, buckets.configBucket, buckets.resourceBucket])
        .apply(([region, configBucket, resourceBucket]): Readonly<Record<string, string>> => ({
            ...(buckets.credentials
                ? { access_key: FALLBACK_KEY_PLACEHOLDERS.accessKey, secret_key: FALLBACK_KEY_PLACEHOLDERS.secretKey }
                : {}),
            region,
            config_bucket: configBucket,
            resource_bucket: resourceBucket,
        }));
}

/** The exact S3 actions each identity gets: list both buckets; the writer gets and puts objects, the reader gets. */
export const FALLBACK_ACTIONS: Readonly<
    Record<FallbackRole, { readonly bucket: readonly string[]; readonly objects: readonly string[] }>
> = Object.freeze({
    writer: { bucket: ["s3:ListBucket"], objects: ["s3:GetObject", "s3:PutObject"] },
    reader: { bucket: ["s3:ListBucket"], objects: ["s3:GetObject"] },
});

export interface Credentials {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
}

export interface FallbackStorageArgs {
    readonly project: string;
    readonly stack: string;
    readonly settings: FallbackSettings;
    /**
     * The IAM role of the control-plane hosts (its name is fixed): with instanceRole credentials it is the only
     * principal the bucket policies let write.
     */
    readonly controlPlaneRoleName: string;
    readonly tags?: Record<string, string>;
}

/** The two buckets, their hardening, and the writer/reader identities. */
export class FallbackStorage extends pulumi.ComponentResource {
    public readonly configBucket: pulumi.Output<string>;
    public readonly resourceBucket: pulumi.Output<string>;
    public readonly bucketArns: pulumi.Output<string[]>;
    public readonly region: pulumi.Output<string>;
    /** Access keys (accessKeys credentials only); both values are secrets. */
    public readonly writerCredentials?: Credentials;
    public readonly readerCredentials?: Credentials;
    /** The least-privilege policy JSON of each role. */
    public readonly policies: Readonly<Record<FallbackRole, pulumi.Output<string>>>;

    private readonly baseName: string;

    constructor(name: string, args: FallbackStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:resilience:FallbackStorage", name, {}, opts);
        this.baseName = name;
        const s = args.settings;
        const tags = args.tags ?? {};
        const { region, account, partition } = whereabouts(this);
        this.region = region;

        const bucketName = (kind: "config" | "resource", override?: string) =>
            override
                ? pulumi.output(override)
                : account.apply((id) => defaultBucketName(args.project, args.stack, kind, id));

        // Identities first: the bucket policies name the writer.
        const userName = (role: FallbackRole) => `${args.project}-${nameFragment(args.stack)}-fallback-${role}`;
        let writerArn: pulumi.Output<string>;
        const users: Partial<Record<FallbackRole, aws.iam.User>> = {};
        if (s.credentials === "accessKeys") {
            for (const role of ["writer", "reader"] as const) {
                users[role] = new aws.iam.User(
                    `${name}-${role}`,
                    { name: userName(role), path: `/${args.project}/`, tags },
                    { parent: this },
                );
            }
            writerArn = users.writer!.arn;
        } else {
            writerArn = pulumi.interpolate`arn:${partition}:iam::${account}:role/${args.controlPlaneRoleName}`;
        }

        const buckets = (["config", "resource"] as const).map((kind) =>
            this.bucket(
                `${name}-${kind}`,
                bucketName(kind, kind === "config" ? s.configBucketName : s.resourceBucketName),
                writerArn,
                s,
                tags,
            ),
        );
        this.configBucket = buckets[0].bucket;
        this.resourceBucket = buckets[1].bucket;
        this.bucketArns = pulumi.all(buckets.map((b) => b.arn));

        this.policies = {
            writer: this.policyJson("writer", s.kmsKeyArn),
            reader: this.policyJson("reader", s.kmsKeyArn),
        };

        for (const role of ["writer", "reader"] as const) {
            const user = users[role];
            if (!user) continue;
            new aws.iam.UserPolicy(
                `${name}-${role}`,
                { user: user.name, policy: this.policies[role] },
                { parent: this },
            );
            const key = new aws.iam.AccessKey(`${name}-${role}`, { user: user.name }, { parent: this });
            const credentials = { accessKeyId: pulumi.secret(key.id), secretAccessKey: pulumi.secret(key.secret) };
            if (role === "writer") this.writerCredentials = credentials;
            else this.readerCredentials = credentials;
        }

        this.registerOutputs({
            configBucket: this.configBucket,
            resourceBucket: this.resourceBucket,
            bucketArns: this.bucketArns,
        });
    }

    /** Gives a host role (instanceRole credentials) the same scoped policy an access key would have. */
    public grantTo(role: FallbackRole, roleName: pulumi.Input<string>): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(
            `${this.baseName}-${role}-role`,
            { role: roleName, policy: this.policies[role] },
            { parent: this },
        );
    }

    private policyJson(role: FallbackRole, kmsKeyArn: string | undefined): pulumi.Output<string> {
        const actions = FALLBACK_ACTIONS[role];
        const statements: aws.types.input.iam.GetPolicyDocumentStatementArgs[] = [
            { sid: "ListFallbackBuckets", actions: [...actions.bucket], resources: this.bucketArns },
            {
                sid: role === "writer" ? "ReadWriteFallbackObjects" : "ReadFallbackObjects",
                actions: [...actions.objects],
                resources: this.bucketArns.apply((arns) => arns.map((a) => `${a}/*`)),
            },
        ];
        if (kmsKeyArn) {
            statements.push({
                sid: "UseFallbackKey",
                actions: role === "writer" ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
                resources: [kmsKeyArn],
            });
        }
        return aws.iam.getPolicyDocumentOutput({ statements }, { parent: this }).json;
    }

    private bucket(
        name: string,
        bucketName: pulumi.Output<string>,
        writerArn: pulumi.Output<string>,
        s: FallbackSettings,
        tags: Record<string, string>,
    ): aws.s3.Bucket {
        const opts = { parent: this };
        // forceDestroy: `pulumi destroy` deletes every object version first (a versioned bucket is never empty
        // otherwise).
        const bucket = new aws.s3.Bucket(name, { bucket: bucketName, forceDestroy: s.forceDestroy, tags }, opts);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: s.kmsKeyArn
                            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: s.kmsKeyArn }
                            : { sseAlgorithm: "AES256" },
                        bucketKeyEnabled: s.kmsKeyArn ? true : undefined,
                    },
                ],
            },
            opts,
        );
        const publicAccess = privateVersionedBucket(name, bucket, opts);
        new aws.s3.BucketLifecycleConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "expire-superseded-exports",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionExpirationDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            opts,
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: aws.iam.getPolicyDocumentOutput(
                    {
                        statements: [
                            denyInsecureTransport(bucket.arn),
                            {
                                sid: "OnlyTheControlPlaneWrites",
                                effect: "Deny",
                                principals: [{ type: "*", identifiers: ["*"] }],
                                // With forceDestroy the deployer must delete versions; then only writes stay reserved.
                                actions: s.forceDestroy
                                    ? ["s3:PutObject"]
                                    : ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                                resources: [pulumi.interpolate`${bucket.arn}/*`],
                                conditions: [
                                    { test: "ArnNotEquals", variable: "aws:PrincipalArn", values: [writerArn] },
                                ],
                            },
                        ],
                    },
                    opts,
                ).json,
            },
            { ...opts, dependsOn: [publicAccess] },
        );
        return bucket;
    }
}
