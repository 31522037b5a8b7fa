/**
 * What the program creates for the first-install bootstrap (components/aws/bootstrap.ts): its spec, the control plane's
 * exact extra permissions, its association, and the gateways' credential parameters it fills.
 */
import { PENDING_SECRET } from "../components/placeholders";
import { GATEWAY_TOKEN, runProgram, type RunResult } from "../tools/harness";
import { parameter, T } from "./helpers";

let prod: RunResult;
let brought: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    brought = await runProgram({ stack: "prod", secrets: { gatewayToken: GATEWAY_TOKEN } });
});

const policyOf = (run: RunResult) =>
    JSON.parse(run.get(T.rolePolicy, "api7-bootstrap-permissions").inputs.policy as string) as {
        Statement: { Sid: string; Action: string[] | string; Resource: string[] | string }[];
    };
const ssmArn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;
/** The mock's ARN for the stack's parameter key (tools/evaluate.ts makes ARNs up from the resource's name). */
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/mock-key-28298bd";

test("the spec names what to set and where, never a secret's value", () => {
    const spec = JSON.parse(parameter(prod, "/api7-ha/prod/cp/bootstrap.json").inputs.insecureValue as string);
    expect(spec).toEqual({
        dashboardUrl: "http://127.0.0.1:7080",
        gatewayGroup: { name: "default", shortId: "default", create: false },
        controlPlaneAddress: [prod.outputs.dpManagerEndpoint],
        credentials: {
            kind: "token",
            issue: true,
            parameters: { token: "/api7-ha/prod/dp/secrets/control-plane-token" },
            pending: PENDING_SECRET,
        },
        licenseParameter: "/api7-ha/prod/cp/secrets/license",
        passwordParameter: "/api7-ha/prod/cp/secrets/admin-password",
        parameterKeyId: KEY_ARN,
        lockParameter: "/api7-ha/prod/cp/bootstrap-lock",
        recordParameter: "/api7-ha/prod/cp/bootstrap-record",
    });
});

test("the control plane may write exactly the gateways' credential parameters and its lock, nothing else", () => {
    expect(policyOf(prod).Statement).toEqual([
        {
            Sid: "BootstrapLockAndRecord",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
            Resource: [ssmArn("/api7-ha/prod/cp/bootstrap-lock"), ssmArn("/api7-ha/prod/cp/bootstrap-record")],
        },
        {
            Sid: "IssueGatewayCredentials",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:PutParameter"],
            Resource: ssmArn("/api7-ha/prod/dp/secrets/control-plane-token"),
        },
        // SSM encrypts with the caller's permissions (kms:Encrypt for a standard parameter, kms:GenerateDataKey for
        // an advanced one), and decrypts with them on a read: only for those parameters, by their encryption context.
        {
            Sid: "EncryptGatewayCredentials",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            Resource: KEY_ARN,
            Condition: {
                StringLike: {
                    "kms:EncryptionContext:PARAMETER_ARN": ssmArn("/api7-ha/prod/dp/secrets/control-plane-token"),
                },
            },
        },
    ]);
    expect(prod.get(T.rolePolicy, "api7-bootstrap-permissions").parentType).toBe("api7-ha:ha:Bootstrap");
});

test("with the stack's own credentials, nothing is issued and the control plane cannot write them", () => {
    expect(policyOf(brought).Statement.map((s) => s.Sid)).toEqual(["BootstrapLockAndRecord"]);
    expect(
        JSON.parse(parameter(brought, "/api7-ha/prod/cp/bootstrap.json").inputs.insecureValue as string).credentials
            .issue,
    ).toBe(false);
    expect(parameter(brought, "/api7-ha/prod/dp/secrets/control-plane-token").inputs.value).toBe(GATEWAY_TOKEN);
});

test("the gateways' token parameter starts as the placeholder they wait on", () => {
    const token = parameter(prod, "/api7-ha/prod/dp/secrets/control-plane-token");
    expect(token.inputs).toMatchObject({ type: "SecureString", value: PENDING_SECRET, keyId: KEY_ARN });
    expect(token.secretInputs).toContain("value");
});

test("it runs on every control-plane host, one at a time, again when its spec or a secret it reads changes", async () => {
    const association = prod.get(T.association, "api7-bootstrap-run");
    expect(association.inputs).toMatchObject({ name: "AWS-RunShellScript", maxConcurrency: "1", maxErrors: "0" });
    // Every control-plane host, including those the Auto Scaling group launches later, by their group tag.
    expect(association.inputs.targets).toEqual([{ key: "tag:api7-ha-group", values: ["api7-ha-prod-cp"] }]);
    expect(prod.get(T.launchTemplate, "api7-cp-hosts-template").inputs.tagSpecifications[0].tags["api7-ha-group"]).toBe(
        "api7-ha-prod-cp",
    );
    expect(association.dependencies).toContain(prod.get(T.asg, "api7-cp-hosts-group").urn);
    const command = association.inputs.parameters.commands as string;
    expect(command).toMatch(
        /^cloud-init status --wait >\/dev\/null \|\| true; \/usr\/local\/sbin\/api7-bootstrap # spec [0-9a-f]{16}$/,
    );
    const renamed = await runProgram({ stack: "prod", config: { "dataPlane.gatewayGroupName": "edge" } });
    expect(renamed.get(T.association, "api7-bootstrap-run").inputs.parameters.commands).not.toBe(command);
});

test("the dashboard's own HTTPS listener is what the bootstrap calls when it is the one served", async () => {
    const https = await runProgram({ stack: "prod", config: { "controlPlane.dashboardListener": "https" } });
    expect(
        JSON.parse(parameter(https, "/api7-ha/prod/cp/bootstrap.json").inputs.insecureValue as string).dashboardUrl,
    ).toBe("https://127.0.0.1:7443");
});
