/**
 * A rule of the Pulumi CLI that shapes how a setting must be typed. `pulumi config set` refuses a plaintext value
 * it takes for a secret unless `--plaintext` is given: a key whose name matches this pattern and a value whose first
 * 16 characters are random-looking enough (pulumi/pulumi pkg/cmd/pulumi/config/config.go, keyPattern and
 * looksLikeSecret, @1b594989). An ARN is refused (images.dockerHubSecretArn, shown with the real CLI by
 * tests/real/pulumi-config.test.ts), so every setting whose name matches is documented with `--plaintext`.
 */
export const SECRET_LIKE_KEY = /passwd|pass|password|pwd|secret|token/i;
