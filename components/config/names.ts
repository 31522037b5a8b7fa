/**
 * Physical names derived from the stack's name (S3 buckets, IAM roles and users, ECR prefixes, KMS aliases): one
 * fragment rule, so every name a stack creates is spelt the same way.
 */

/**
 * api7-ha-<stack>-prometheus-hosts must fit IAM's 64 characters (components/aws/fleet.ts hostRoleName): 25 characters
 * around the stack leave 39; one less keeps a character in hand.
 */
export const MAX_STACK_NAME_FRAGMENT = 38;

/** Physical-name fragment for a stack: lower case, [a-z0-9-] only (S3 and IAM names). */
export function nameFragment(stack: string): string {
    return stack
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/** The default fallback bucket names (the account id is 12 digits). */
export function defaultBucketName(
    project: string,
    stack: string,
    kind: "config" | "resource",
    accountId: string,
): string {
    return `${project}-${nameFragment(stack)}-fallback-${kind}-${accountId}`;
}
