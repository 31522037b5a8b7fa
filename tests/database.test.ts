/**
 * The managed database (components/aws/database.ts): what the program asks RDS for in each committed stack, how the
 * control plane reaches it, who may read its secret, and the external alternative.
 */
import { databaseIdentifier, finalSnapshotIdentifier, instanceSettings } from "../components/aws/rds";
import { parseSettings } from "../components/config/load";
import { allStrings, groupOf, parameter, parseUserData, T } from "./helpers";
import {
    EXTERNAL_DATABASE,
    EXTERNAL_DSN,
    runProgram,
    SECRET_MARKERS,
    TEST_SECRETS,
    type RunResult,
} from "../tools/harness";

const RDS = "aws:rds/instance:Instance";

let prod: RunResult;
let dev: RunResult;
let external: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    dev = await runProgram({ stack: "dev" });
    external = await runProgram({
        stack: "prod",
        config: EXTERNAL_DATABASE.config,
        secrets: EXTERNAL_DATABASE.secrets,
    });
});

const instanceOf = (run: RunResult) => run.get(RDS, "api7-db-instance");
type Statement = {
    Sid: string;
    Action: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
};
/** The mock's ARN of the stack's parameter key (tools/evaluate.ts). */
const PARAMETER_KEY = "arn:aws:kms:us-east-1:123456789012:key/mock-key-28298bd";
const PARAMETER_ACTIONS =
    "ssm:GetParameter,ssm:GetParameters,ssm:GetParametersByPath,ssm:GetParameterHistory,ssm:PutParameter,ssm:DeleteParameter,ssm:DeleteParameters,ssm:LabelParameterVersion,ssm:UnlabelParameterVersion";
const statementsOfRole = (run: RunResult, role: "cp" | "dp") =>
    run
        .ofType(T.rolePolicy)
        .filter((p) => p.inputs.role === `api7-ha-prod-${role}-hosts`)
        .flatMap((p) => (JSON.parse(p.inputs.policy as string) as { Statement: Statement[] }).Statement)
        .map(
            (s) =>
                `${s.Sid}: ${[s.Action].flat().join(",")} on ${s.NotResource ? `all but ${[s.NotResource].flat().join(",")}` : [s.Resource].flat().join(",")}`,
        )
        .sort();

describe("prod: RDS for PostgreSQL as the issue asks", () => {
    test("Multi-AZ, encrypted with the database's own KMS key, private, TLS forced, backups kept, protected, a final snapshot", () => {
        const db = instanceOf(prod).inputs;
        expect(db).toMatchObject({
            engine: "postgres",
            engineVersion: "15",
            instanceClass: "db.m7g.large",
            multiAz: true,
            storageEncrypted: true,
            kmsKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\/mock-key-/),
            publiclyAccessible: false,
            backupRetentionPeriod: 14,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: "api7-ha-prod-final-api7-db-id",
            manageMasterUserPassword: true,
            performanceInsightsEnabled: true,
            performanceInsightsRetentionPeriod: 7,
            dbName: "api7ee",
            username: "api7ee",
            port: 5432,
            storageType: "gp3",
            allocatedStorage: 20,
            maxAllocatedStorage: 100,
            identifier: "api7-ha-prod",
        });
        expect(db.password).toBeUndefined();
        expect(db.performanceInsightsKmsKeyId).toBe(db.kmsKeyId);
        expect(prod.get("aws:kms/key:Key", "api7-db-key").inputs).toMatchObject({
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        });
    });

    test("its parameter group forces TLS for the instance's major version", () => {
        const params = prod.get("aws:rds/parameterGroup:ParameterGroup", "api7-db-params").inputs;
        expect(params.family).toBe("postgres15");
        expect(params.parameters).toEqual([{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }]);
        expect(instanceOf(prod).inputs.parameterGroupName).toBe("api7-db-params-id");
        expect(instanceOf(prod).inputs.dbSubnetGroupName).toBe("api7-db-subnets-id");
    });

    test("in the private subnets of every AZ", () => {
        const group = prod.get("aws:rds/subnetGroup:SubnetGroup", "api7-db-subnets").inputs;
        expect(group.subnetIds).toEqual(prod.outputs.privateSubnetIds);
        expect(group.subnetIds).toHaveLength(3);
    });

    test("the control plane builds its DSN from the endpoint and the RDS secret; no DSN is stored anywhere", () => {
        const spec = JSON.parse(parameter(prod, "/api7-ha/prod/cp/dashboard.json").inputs.insecureValue as string);
        expect(spec.database).toEqual({
            token: "__API7_SECRET_DATABASE_DSN__",
            secretArn: prod.outputs.databaseSecretArn,
            host: "api7-ha-prod.c0mock.us-east-1.rds.amazonaws.com",
            port: 5432,
            database: "api7ee",
            sslmode: "require",
        });
        expect(
            JSON.parse(parameter(prod, "/api7-ha/prod/cp/dp-manager.json").inputs.insecureValue as string).database,
        ).toEqual(spec.database);
        expect(Object.keys(spec.placeholders)).not.toContain("__API7_SECRET_DATABASE_DSN__");
        expect(prod.ofType(T.parameter).map((p) => p.inputs.name)).not.toContain(
            "/api7-ha/prod/cp/secrets/database-dsn",
        );
    });

    test("outputs name the endpoint and the secret's ARN, never a password", () => {
        expect(prod.outputs.databaseEndpoint).toBe("api7-ha-prod.c0mock.us-east-1.rds.amazonaws.com:5432");
        expect(prod.outputs.databaseSecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/);
        for (const marker of SECRET_MARKERS) expect(allStrings(prod.outputs).join("\n")).not.toContain(marker);
    });
});

const COMPLETE_LAUNCH_HOOK =
    "CompleteLaunchHook: autoscaling:CompleteLifecycleAction on " +
    "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*";
const FIND_OWN_GROUP = "FindOwnGroup: autoscaling:DescribeAutoScalingInstances on *";

describe("the IAM matrix", () => {
    test("control plane: its own parameters, the database secret (read only), the bootstrap's lock and the gateways' credentials; nothing else", () => {
        const secret = prod.outputs.databaseSecretArn as string;
        expect(statementsOfRole(prod, "cp")).toEqual([
            "BootstrapLockAndRecord: ssm:GetParameter,ssm:PutParameter,ssm:DeleteParameter on arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/cp/bootstrap-lock,arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/cp/bootstrap-record",
            // prod's warm pool: the launch hook, on groups tagged as its own (tests/iam-simulation.test.ts).
            COMPLETE_LAUNCH_HOOK,
            // Its own SecureStrings, by their encryption context (the condition: tests/iam-simulation.test.ts).
            `DecryptOwnParameters: kms:Decrypt on ${PARAMETER_KEY}`,
            `DenyParametersOutsideGroup: ${PARAMETER_ACTIONS} on all but arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/cp/*,arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/dp/secrets/control-plane-token`,
            // prod pulls through its ECR cache of Docker Hub: a token, and the cache's repositories only.
            "EcrLogin: ecr:GetAuthorizationToken on *",
            `EncryptGatewayCredentials: kms:Decrypt,kms:Encrypt,kms:GenerateDataKey on ${PARAMETER_KEY}`,
            FIND_OWN_GROUP,
            "IssueGatewayCredentials: ssm:GetParameter,ssm:PutParameter on arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/dp/secrets/control-plane-token",
            "PullThroughCache: " +
                "ecr:BatchGetImage,ecr:GetDownloadUrlForLayer,ecr:BatchCheckLayerAvailability,ecr:BatchImportUpstreamImage,ecr:CreateRepository " +
                "on arn:aws:ecr:us-east-1:123456789012:repository/api7-ha-prod/*",
            `ReadDatabaseSecret: secretsmanager:GetSecretValue on ${secret}`,
            "ReadOwnParameters: ssm:GetParameter on arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/cp/*",
            // Its own log group and its streams; no other role's (components/aws/host/logs.ts).
            "WriteOwnLogs: logs:CreateLogStream,logs:PutLogEvents on " +
                "arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/cp," +
                "arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/cp:*",
        ]);
    });

    test("gateways: their own parameters (configs and their credentials) only; no database secret", () => {
        expect(statementsOfRole(prod, "dp")).toEqual([
            COMPLETE_LAUNCH_HOOK,
            `DecryptOwnParameters: kms:Decrypt on ${PARAMETER_KEY}`,
            `DenyParametersOutsideGroup: ${PARAMETER_ACTIONS} on all but arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/dp/*`,
            "EcrLogin: ecr:GetAuthorizationToken on *",
            FIND_OWN_GROUP,
            // What a gateway host does through a control-plane outage (tests/outage.test.ts).
            "LeaveAndRejoinTargetGroups: elasticloadbalancing:DeregisterTargets,elasticloadbalancing:RegisterTargets " +
                "on arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-dp-lb-http/0001," +
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-dp-lb-https/0001",
            "PublishOutageMetrics: cloudwatch:PutMetricData on *",
            "PullThroughCache: " +
                "ecr:BatchGetImage,ecr:GetDownloadUrlForLayer,ecr:BatchCheckLayerAvailability,ecr:BatchImportUpstreamImage,ecr:CreateRepository " +
                "on arn:aws:ecr:us-east-1:123456789012:repository/api7-ha-prod/*",
            "ReadOwnParameters: ssm:GetParameter on arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/dp/*",
            "TakeReconnectLock: ssm:PutParameter,ssm:DeleteParameter on " +
                "arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/dp/gateway-reconnect-lock",
            "WatchTargetHealth: elasticloadbalancing:DescribeTargetHealth on *",
            "WriteOwnLogs: logs:CreateLogStream,logs:PutLogEvents on " +
                "arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/dp," +
                "arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/dp:*",
        ]);
    });

    test("with an external database the control plane reads no Secrets Manager secret", () => {
        expect(statementsOfRole(external, "cp").filter((s) => s.includes("secretsmanager"))).toEqual([]);
    });
});

describe("dev: a cheap, throwaway database", () => {
    test("single-AZ, unprotected, no final snapshot, one day of backups; still encrypted, private and TLS-only", () => {
        const db = instanceOf(dev).inputs;
        expect(db).toMatchObject({
            multiAz: false,
            deletionProtection: false,
            skipFinalSnapshot: true,
            backupRetentionPeriod: 1,
            storageEncrypted: true,
            publiclyAccessible: false,
            instanceClass: "db.t4g.medium",
        });
        expect(db.finalSnapshotIdentifier).toBeUndefined();
    });
});

describe("an external database", () => {
    test("no RDS, database key or subnet group; the DSN is an SSM SecureString and hosts install no rotation timer", () => {
        for (const type of [RDS, "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup"])
            expect(external.ofType(type)).toEqual([]);
        // The only key is the parameters' own.
        // The parameters' and the alarm topic's keys only.
        expect(
            external
                .ofType("aws:kms/key:Key")
                .map((k) => k.name)
                .sort(),
        ).toEqual(["api7-alarms-key", "api7-parameters-key"]);
        const dsn = parameter(external, "/api7-ha/prod/cp/secrets/database-dsn");
        expect(dsn.inputs).toMatchObject({ type: "SecureString", value: EXTERNAL_DSN });
        expect(
            JSON.parse(parameter(external, "/api7-ha/prod/cp/dashboard.json").inputs.insecureValue as string).database,
        ).toBeUndefined();
        const cloudConfig = parseUserData(groupOf(external, "api7-cp-hosts").userData);
        expect(
            cloudConfig.write_files
                .map((f: { path: string }) => f.path)
                .filter((p: string) => p.includes("api7-db-rotation")),
        ).toEqual([]);
        expect(JSON.stringify(cloudConfig.runcmd)).not.toContain("api7-db-rotation");
        expect(external.outputs.databaseEndpoint).toBeUndefined();
    });
});

describe("names RDS accepts (RDS API reference, CreateDBInstance and DeleteDBInstance)", () => {
    test.each([
        ["prod", "api7-ha-prod"],
        ["Team_A.prod", "api7-ha-team-a-prod"],
        ["a--b-", "api7-ha-a-b"],
        ["x".repeat(80), `api7-ha-${"x".repeat(55)}`],
    ])("stack %s: identifier %s", (stack, expected) => {
        const id = databaseIdentifier("api7-ha", stack);
        expect(id).toBe(expected);
        // 1 to 63 letters, digits or hyphens; a letter first; no two hyphens in a row; none at the end.
        expect(id).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
        expect(id).not.toMatch(/--|-$/);
    });

    test("the final snapshot's name is the identifier, `final` and the database group's id (new for each incarnation)", () => {
        expect(finalSnapshotIdentifier("api7-ha-prod", "sg-0123456789abcdef0")).toBe(
            "api7-ha-prod-final-sg-0123456789abcdef0",
        );
    });
});

describe("settings reach the instance", () => {
    const managed = (over: Record<string, unknown>) => {
        const values = { ...TEST_SECRETS, database: JSON.stringify(over) };
        const s = parseSettings({ values, secretKeys: new Set(Object.keys(TEST_SECRETS)) }, "t");
        if (s.database.kind !== "managed") throw new Error("not managed");
        return instanceSettings(s.database);
    };
    test("defaults: PostgreSQL 15, Multi-AZ, 7 days of backups, protected, a final snapshot, storage autoscaling to 100 GiB", () => {
        expect(managed({})).toMatchObject({
            engineVersion: "15",
            multiAz: true,
            backupRetentionPeriod: 7,
            deletionProtection: true,
            skipFinalSnapshot: false,
            maxAllocatedStorage: 100,
        });
    });
    test("each setting reaches its argument", () => {
        expect(
            managed({
                engineVersion: "17",
                instanceClass: "db.r7g.large",
                allocatedStorageGiB: 50,
                maxAllocatedStorageGiB: 0,
                multiAz: false,
                backupRetentionDays: 35,
                deletionProtection: false,
                finalSnapshot: false,
            }),
        ).toMatchObject({
            engineVersion: "17",
            instanceClass: "db.r7g.large",
            allocatedStorage: 50,
            maxAllocatedStorage: 0,
            multiAz: false,
            backupRetentionPeriod: 35,
            deletionProtection: false,
            skipFinalSnapshot: true,
        });
    });
});
