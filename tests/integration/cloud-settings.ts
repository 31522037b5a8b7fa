// What the real-AWS test (tests/cloud/ha.cloud.test.ts) sets on its copy of dev, shared with the test that evaluates
// the same settings under the mocks on every run (tests/integration/deploys.test.ts).

/** dev's settings, with fast detection so the test does not wait out the default 30 s x 3 (dataPlane.healthCheck). */
export const FAST_DETECTION = {
    "dataPlane.healthCheck.intervalSeconds": 5,
    "dataPlane.healthCheck.timeoutSeconds": 3,
    "dataPlane.healthCheck.unhealthyThreshold": 2,
} as const;

/** The secrets the test sets, as keys of their own (`pulumi config set --secret <key>`). */
export function secretsOf(brought: {
    license: string;
    adminPassword: string;
    gatewayToken?: string;
}): Record<string, string> {
    return {
        license: brought.license,
        adminPassword: brought.adminPassword,
        ...(brought.gatewayToken ? { gatewayToken: brought.gatewayToken } : {}),
    };
}
