/**
 * What the real-AWS test (tests/cloud/ha.cloud.test.ts, `npm run test:cloud`) deploys, evaluated under the mocks on
 * every run: the settings and secrets it sets must be accepted by the program, and the outputs it reads are typed by
 * the stack outputs' schema.
 */
import { awsStackOutputs, type AwsStackOutputs } from "../../components/outputs";
import { GATEWAY_TOKEN, runProgram, TEST_SECRETS } from "../../tools/harness";
import { FAST_DETECTION, secretsOf } from "./cloud-settings";
import { parameter } from "../helpers";
import { PENDING_SECRET } from "../../components/placeholders";

describe("what the cloud test deploys, evaluated under the mocks", () => {
    test.each<[string, string | undefined]>([
        ["with the token the control plane issues", undefined],
        ["with a token of its own", GATEWAY_TOKEN],
    ])(
        "dev with fast detection, %s: accepted, with the health check it sets and the outputs it reads",
        async (_name, gatewayToken) => {
            const run = await runProgram({
                stack: "dev",
                config: FAST_DETECTION,
                secrets: secretsOf({
                    license: TEST_SECRETS.license,
                    adminPassword: TEST_SECRETS.adminPassword,
                    gatewayToken,
                }),
            });
            const outputs: AwsStackOutputs = awsStackOutputs.parse(run.outputs);
            expect(outputs.gatewayTargetGroupArns.length).toBeGreaterThan(0);
            // The gateways read the token the test brings, or a placeholder until the control plane issues one.
            expect(parameter(run, "/api7-ha/dev/dp/secrets/control-plane-token").inputs.value).toBe(
                gatewayToken ?? PENDING_SECRET,
            );
            const http = run.get("aws:lb/targetGroup:TargetGroup", "api7-dp-lb-http");
            expect(http.inputs.healthCheck).toMatchObject({ interval: 5, unhealthyThreshold: 2 });
        },
    );
});
