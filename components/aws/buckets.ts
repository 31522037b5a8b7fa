/**
 * What every bucket of the stack has (the fallback buckets, components/aws/fallback.ts; the etcd snapshot bucket,
 * components/aws/etcd-snapshots.ts): versioning, no public access, ACLs off (the bucket owner owns every object), and
 * a policy statement refusing any request without TLS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Versioning, the public access block and BucketOwnerEnforced; the block, for the bucket policy to wait on. */
export function privateVersionedBucket(
    name: string,
    bucket: aws.s3.Bucket,
    opts: pulumi.CustomResourceOptions,
): aws.s3.BucketPublicAccessBlock {
    new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        name,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
    new aws.s3.BucketOwnershipControls(
        name,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    return publicAccess;
}

/** The statement that denies every request to the bucket and its objects made without TLS. */
export function denyInsecureTransport(
    bucketArn: pulumi.Output<string>,
): aws.types.input.iam.GetPolicyDocumentStatementArgs {
    return {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    };
}
