/**
 * The API7 2.x etcd cluster's snapshot bucket: versioned, encrypted (SSE-S3), private, TLS only, snapshots kept 30
 * days and superseded versions 7; the members' leader writes one every etcd.snapshotIntervalMinutes
 * (config-templates/api7-etcd-snapshot.sh), and its request metrics (PutRequests under etcd/) feed the freshness alarm
 * (components/aws/v2-alarms.ts). Kept by `pulumi destroy` (retainOnDelete): the snapshots are the backups, and a
 * versioned bucket that holds objects cannot be deleted anyway (S3 answers BucketNotEmpty).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, privateVersionedBucket } from "./buckets";

/** Days a snapshot is kept, and a superseded version of one. */
export const SNAPSHOT_RETENTION_DAYS = 30;
export const NONCURRENT_RETENTION_DAYS = 7;
/** The request metrics configuration's id (its FilterId dimension). */
export const SNAPSHOT_METRICS_ID = "api7-ha-etcd-snapshots";
/** Where the snapshots are in the bucket. */
export const SNAPSHOT_PREFIX = "etcd/";

export class EtcdSnapshotBucket extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;

    constructor(
        name: string,
        args: { readonly tags?: Record<string, string> },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("api7-ha:etcd:SnapshotBucket", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags ?? {};
        const bucket = new aws.s3.Bucket(name, { tags }, { ...parent, retainOnDelete: true });
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            parent,
        );
        const publicAccess = privateVersionedBucket(name, bucket, parent);
        new aws.s3.BucketLifecycleConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "expire-old-snapshots",
                        status: "Enabled",
                        filter: { prefix: SNAPSHOT_PREFIX },
                        expiration: { days: SNAPSHOT_RETENTION_DAYS },
                        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_RETENTION_DAYS },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            parent,
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: aws.iam.getPolicyDocumentOutput(
                    {
                        statements: [denyInsecureTransport(bucket.arn)],
                    },
                    parent,
                ).json,
            },
            { parent: this, dependsOn: [publicAccess] },
        );
        new aws.s3.BucketMetric(
            name,
            { bucket: bucket.id, name: SNAPSHOT_METRICS_ID, filter: { prefix: SNAPSHOT_PREFIX } },
            parent,
        );
        this.name = bucket.id;
        this.arn = bucket.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
