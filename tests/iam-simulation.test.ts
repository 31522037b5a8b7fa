/**
 * What AWS would decide for every identity the program creates, by an IAM policy simulator
 * (@cloud-copilot/iam-simulate, AGPL-3.0: a test tool here, never part of the program or the pack), with each AWS
 * managed policy a role has expanded from the copy in policy/aws-managed-policies/. Identity policies, explicit
 * denies and the stack key's policy are all the program's own, as recorded under the mocks.
 *
 * runSimulation drops the context key kms:EncryptionContext:PARAMETER_ARN (it lists it in ignoredContextKeys, and a
 * missing key makes StringNotLike match), so KMS decisions use runUnsafeSimulation, which evaluates every context
 * key given; SSM decisions use runSimulation and assert it ignored nothing.
 */
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { PARAMETER_PATH_TAG } from "../components/aws/parameter-access";
import { HOST_LOG_GROUP_TAG } from "../policy/host-logs";
import { LOG_GROUP_TAG } from "../components/aws/log-agent";
import { HOST_PARAMETER_PATH_TAG, identityAllows, managedPolicies, type Statement } from "../policy/host-parameters";
import { DEV_MTLS_PROMETHEUS, runProgram, type RunOptions, type RunResult } from "../tools/harness";
import { T } from "./helpers";

const ACCOUNT = "123456789012";
const ssmArn = (name: string) => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${name}`;
const CONTEXT = "kms:EncryptionContext:PARAMETER_ARN";

/** The evaluations, and the parameters outside its own path each stack's control plane issues into (written out). */
const CASES: Record<string, { options: RunOptions; issued: string[] }> = {
    prod: { options: { stack: "prod" }, issued: ["/api7-ha/prod/dp/secrets/control-plane-token"] },
    "prod, dedicated Prometheus, standalone": {
        options: { stack: "prod", config: { "dataPlane.mode": "standalone", "prometheus.enabled": true } },
        issued: ["/api7-ha/prod/dp/secrets/control-plane-token"],
    },
    "prod, mTLS issued": {
        options: { stack: "prod", config: { "dataPlane.controlPlaneAuth": "mtls" } },
        issued: [
            "/api7-ha/prod/dp/secrets/control-plane-cert",
            "/api7-ha/prod/dp/secrets/control-plane-key",
            "/api7-ha/prod/dp/secrets/control-plane-ca",
        ],
    },
    "dev, mTLS brought, Prometheus on the control plane": {
        options: DEV_MTLS_PROMETHEUS,
        issued: [],
    },
    "dev, instance role for the fallback": {
        options: {
            stack: "dev",
            config: {
                "dataPlane.mode": "standalone",
                "fallback.credentials": "instanceRole",
                "controlPlane.dashboardListener": "https",
            },
        },
        issued: ["/api7-ha/dev/dp/secrets/control-plane-token"],
    },
};

interface Identity {
    readonly arn: string;
    readonly name: string;
    /** The role's parameter path (host roles only). */
    readonly path?: string;
    readonly policies: { name: string; policy: { Statement: Statement[] } }[];
}

const MANAGED = managedPolicies();

/** Every role and user the evaluation creates, with its inline policies and its managed policies expanded. */
function identities(run: RunResult): Identity[] {
    const inline = (type: string, key: string, name: string) =>
        run
            .ofType(type)
            .filter((p) => p.inputs[key] === name)
            .map((p) => ({
                name: p.name,
                policy: JSON.parse(p.inputs.policy as string) as { Statement: Statement[] },
            }));
    const roles = run.ofType(T.role).map((r): Identity => ({
        arn: `arn:aws:iam::${ACCOUNT}:role/${r.inputs.name}`,
        name: r.inputs.name,
        path: r.inputs.tags?.[PARAMETER_PATH_TAG],
        policies: [
            ...inline(T.rolePolicy, "role", r.inputs.name),
            ...run
                .ofType(T.policyAttachment)
                .filter((a) => a.inputs.role === r.inputs.name)
                .map((a) => {
                    const managed = MANAGED.get(a.inputs.policyArn);
                    if (!managed)
                        throw new Error(
                            `${r.inputs.name}: no copy of ${a.inputs.policyArn} in policy/aws-managed-policies/`,
                        );
                    return { name: managed.arn, policy: managed.document as { Statement: Statement[] } };
                }),
        ],
    }));
    const users = run.ofType("aws:iam/user:User").map((u): Identity => ({
        arn: `arn:aws:iam::${ACCOUNT}:user${u.inputs.path}${u.inputs.name}`,
        name: u.inputs.name,
        policies: inline("aws:iam/userPolicy:UserPolicy", "user", u.inputs.name),
    }));
    return [...roles, ...users];
}

async function decide(who: Identity, action: string, resource: string, policies = who.policies): Promise<string> {
    const simulation: Simulation = {
        request: { principal: who.arn, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
        identityPolicies: policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType !== "single") throw new Error(`simulation: ${JSON.stringify(result)}`);
    expect(result.result.ignoredContextKeys ?? []).toEqual([]);
    return result.overallResult;
}

/** KMS's decision on the stack key: the key policy and the role's identity policies, with the parameter's context. */
function decideKey(
    run: RunResult,
    who: Identity,
    action: string,
    parameter: string,
    extra: Identity["policies"] = [],
): string {
    const key = run.get(T.kmsKey, "api7-parameters-key");
    // The ARN the mock gave the key (the policies name it).
    const keyArn = run.computed.find(([, placeholder]) => placeholder === "<api7-parameters-key.arn>")![0];
    const simulation: Simulation = {
        request: {
            principal: who.arn,
            action,
            resource: { resource: keyArn, accountId: ACCOUNT },
            // Not filled from the principal by the simulator.
            contextVariables: { [CONTEXT]: ssmArn(parameter), "aws:PrincipalArn": who.arn },
        },
        identityPolicies: [...who.policies, ...extra],
        // Without this wrapper runUnsafeSimulation cannot read the policy's metadata.
        resourcePolicy: createValidatedPolicy(JSON.parse(key.inputs.policy as string), validateResourcePolicy, {
            name: "key-policy",
        }),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
    };
    return runUnsafeSimulation(simulation, {});
}

/** Another identity in the account with every KMS permission its own policies could give. */
const KMS_EVERYTHING = [
    { name: "broad", policy: { Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] } },
];

describe.each(Object.entries(CASES))("%s: what AWS would allow", (_name, { options, issued }) => {
    let run: RunResult;
    let hosts: Identity[];
    let secureStrings: string[];
    let names: string[];
    beforeAll(async () => {
        run = await runProgram(options);
        hosts = identities(run).filter((i) => i.path !== undefined);
        secureStrings = run
            .ofType(T.parameter)
            .filter((p) => p.inputs.type === "SecureString")
            .map((p) => p.inputs.name as string);
        const stack = options.stack;
        // Every parameter of the stack, the bootstrap's own two, and another stack's and another application's.
        names = [
            ...run.ofType(T.parameter).map((p) => p.inputs.name as string),
            `/api7-ha/${stack}/cp/bootstrap-lock`,
            `/api7-ha/${stack}/cp/bootstrap-record`,
            `/api7-ha/${stack}-staging/cp/secrets/license`,
            `/api7-ha/other/dp/secrets/control-plane-token`,
            "/billing/prod/db-password",
        ];
    });

    test("each host role writes to its own role's log group only: a stream of its own, its events", async () => {
        const stack = options.stack;
        const groups = [...hosts.map((h) => h.path!.replace(/^\/api7-ha\/[^/]+\//, "")), "other"].map(
            (role) => `/api7-ha/${stack}/${role}`,
        );
        for (const host of hosts) {
            for (const group of [...groups, `/api7-ha/${stack}-staging/dp`, "/billing/prod"]) {
                // As CloudWatch Logs authorizes them: the stream's ARN (Service Authorization Reference,
                // list_amazoncloudwatchlogs.html, resource type log-stream).
                const stream = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}:log-stream:i-0abc/api7-gateway`;
                for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
                    const decision = await decide(host, action, stream);
                    expect([host.name, action, group, decision]).toEqual([
                        host.name,
                        action,
                        group,
                        group === host.path ? "Allowed" : "ImplicitlyDenied",
                    ]);
                    // The policy pack's evaluator (iam-host-logs-own-group) agrees.
                    expect(
                        identityAllows(
                            host.policies.flatMap((p) => p.policy.Statement),
                            action,
                            stream,
                        ),
                    ).toBe(group === host.path);
                }
            }
            expect(
                await decide(host, "logs:CreateLogGroup", `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${host.path}`),
            ).toBe("ImplicitlyDenied");
        }
    });

    const readable = (host: Identity, name: string) =>
        name.startsWith(`${host.path}/`) || (host.path!.endsWith("/cp") && issued.includes(name));

    test("each host role reads its own group's parameters (and the control plane the credentials it issues), and nothing else", async () => {
        const groups =
            options.config?.["prometheus.enabled"] === true &&
            options.config?.["prometheus.placement"] !== "controlPlane"
                ? ["cp", "dp", "prometheus"]
                : ["cp", "dp"];
        expect(hosts.map((h) => h.path).sort()).toEqual(groups.map((g) => `/api7-ha/${options.stack}/${g}`));
        for (const host of hosts) {
            for (const name of names) {
                const decision = await decide(host, "ssm:GetParameter", ssmArn(name));
                expect([host.name, name, decision]).toEqual([
                    host.name,
                    name,
                    readable(host, name) ? "Allowed" : "ExplicitlyDenied",
                ]);
                // The policy pack's own evaluator agrees with the simulator.
                expect([
                    host.name,
                    name,
                    identityAllows(
                        host.policies.flatMap((p) => p.policy.Statement),
                        "ssm:GetParameter",
                        ssmArn(name),
                    ),
                ]).toEqual([host.name, name, decision === "Allowed"]);
            }
            expect(await decide(host, "ssm:GetParametersByPath", ssmArn(`/api7-ha/${options.stack}`))).toBe(
                "ExplicitlyDenied",
            );
            expect(await decide(host, "ssm:GetParameters", ssmArn("/billing/prod/db-password"))).toBe(
                "ExplicitlyDenied",
            );
        }
    });

    test("the control plane writes its bootstrap lock and record and the credentials it issues, and no other parameter", async () => {
        const controlPlane = hosts.find((h) => h.path === `/api7-ha/${options.stack}/cp`)!;
        for (const name of [
            `/api7-ha/${options.stack}/cp/bootstrap-lock`,
            `/api7-ha/${options.stack}/cp/bootstrap-record`,
        ]) {
            for (const action of ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter"])
                expect([name, action, await decide(controlPlane, action, ssmArn(name))]).toEqual([
                    name,
                    action,
                    "Allowed",
                ]);
        }
        for (const name of issued)
            expect([name, await decide(controlPlane, "ssm:PutParameter", ssmArn(name))]).toEqual([name, "Allowed"]);
        for (const name of names.filter(
            (n) => !issued.includes(n) && !n.endsWith("/bootstrap-lock") && !n.endsWith("/bootstrap-record"),
        )) {
            expect([name, await decide(controlPlane, "ssm:PutParameter", ssmArn(name))]).toEqual([
                name,
                name.startsWith(`/api7-ha/${options.stack}/cp/`) ? "ImplicitlyDenied" : "ExplicitlyDenied",
            ]);
        }
    });

    test("the gateways' role cannot read a single control-plane parameter", async () => {
        const gateways = hosts.find((h) => h.path === `/api7-ha/${options.stack}/dp`)!;
        const controlPlane = names.filter((n) => n.startsWith(`/api7-ha/${options.stack}/cp/`));
        expect(controlPlane.length).toBeGreaterThan(3);
        for (const name of controlPlane)
            expect(await decide(gateways, "ssm:GetParameter", ssmArn(name))).toBe("ExplicitlyDenied");
    });

    test("the stack key decrypts for a host role only its own SecureStrings, whatever KMS permission its policies give", () => {
        for (const host of hosts) {
            for (const name of secureStrings) {
                const expected = readable(host, name) ? "Allowed" : "ExplicitlyDenied";
                expect([host.name, name, decideKey(run, host, "kms:Decrypt", name)]).toEqual([
                    host.name,
                    name,
                    expected,
                ]);
                expect([host.name, name, decideKey(run, host, "kms:Decrypt", name, KMS_EVERYTHING)]).toEqual([
                    host.name,
                    name,
                    expected,
                ]);
            }
            // A host encrypts only where it issues credentials; it can make no grant, change no policy.
            for (const name of secureStrings) {
                const mayEncrypt = host.path!.endsWith("/cp") && issued.includes(name);
                expect([host.name, name, decideKey(run, host, "kms:Encrypt", name, KMS_EVERYTHING)]).toEqual([
                    host.name,
                    name,
                    mayEncrypt ? "Allowed" : "ExplicitlyDenied",
                ]);
            }
            // With its own policies alone: the control plane may encrypt what it issues (kms:Encrypt for a standard
            // parameter, kms:GenerateDataKey for an advanced one), and nothing else.
            for (const name of secureStrings) {
                const mayEncrypt = host.path!.endsWith("/cp") && issued.includes(name);
                for (const action of ["kms:Encrypt", "kms:GenerateDataKey"]) {
                    expect([host.name, name, action, decideKey(run, host, action, name)]).toEqual([
                        host.name,
                        name,
                        action,
                        mayEncrypt ? "Allowed" : "ExplicitlyDenied",
                    ]);
                }
            }
            expect(decideKey(run, host, "kms:CreateGrant", secureStrings[0], KMS_EVERYTHING)).toBe("ExplicitlyDenied");
            expect(decideKey(run, host, "kms:PutKeyPolicy", secureStrings[0], KMS_EVERYTHING)).toBe("ExplicitlyDenied");
        }
        // The deployer (any other principal of the account with KMS permissions) still manages and uses the key.
        const deployer: Identity = { arn: `arn:aws:iam::${ACCOUNT}:role/deployer`, name: "deployer", policies: [] };
        expect(decideKey(run, deployer, "kms:Decrypt", secureStrings[0], KMS_EVERYTHING)).toBe("Allowed");
        expect(decideKey(run, deployer, "kms:PutKeyPolicy", secureStrings[0], KMS_EVERYTHING)).toBe("Allowed");
    });

    test("the fallback's users (access keys) may use their buckets only, and read no parameter", async () => {
        const users = identities(run).filter((i) => i.arn.includes(":user/"));
        const buckets = run.ofType("aws:s3/bucket:Bucket").map((b) => `arn:aws:s3:::${b.inputs.bucket}`);
        const viaAccessKeys = (options.config?.["fallback.credentials"] ?? "accessKeys") === "accessKeys";
        expect(users.map((u) => u.name.replace(/^.*-fallback-/, "")).sort()).toEqual(
            viaAccessKeys ? ["reader", "writer"] : [],
        );
        for (const user of users) {
            const writer = user.name.endsWith("-writer");
            for (const bucket of buckets) {
                expect(await decide(user, "s3:GetObject", `${bucket}/gateway_groups/default/config.json`)).toBe(
                    "Allowed",
                );
                expect(await decide(user, "s3:PutObject", `${bucket}/gateway_groups/default/config.json`)).toBe(
                    writer ? "Allowed" : "ImplicitlyDenied",
                );
                expect(await decide(user, "s3:DeleteBucket", bucket)).toBe("ImplicitlyDenied");
            }
            expect(await decide(user, "s3:PutObject", "arn:aws:s3:::someone-elses-bucket/x")).toBe("ImplicitlyDenied");
            for (const name of names)
                expect(await decide(user, "ssm:GetParameter", ssmArn(name))).toBe("ImplicitlyDenied");
        }
    });
});

test("without the explicit deny, AmazonSSMManagedInstanceCore alone would let the gateways read the control plane's license (what the deny is for)", async () => {
    const run = await runProgram({ stack: "prod" });
    const gateways = identities(run).find((i) => i.path === "/api7-ha/prod/dp")!;
    const license = ssmArn("/api7-ha/prod/cp/secrets/license");
    const withoutDeny = gateways.policies.map((p) => ({
        ...p,
        policy: { ...p.policy, Statement: p.policy.Statement.filter((s) => s.Effect !== "Deny") },
    }));
    expect(await decide(gateways, "ssm:GetParameter", license, withoutDeny)).toBe("Allowed");
    expect(
        identityAllows(
            withoutDeny.flatMap((p) => p.policy.Statement),
            "ssm:GetParameter",
            license,
        ),
    ).toBe(true);
    expect(await decide(gateways, "ssm:GetParameter", license)).toBe("ExplicitlyDenied");
});

test("a warm-pool host completes the launch hook of its own group only (by the group's tag), and of no other", async () => {
    const run = await runProgram({ stack: "prod" });
    const gateways = identities(run).find((i) => i.path === "/api7-ha/prod/dp")!;
    const group = (name: string) =>
        `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:0c6f2a9e-1111-2222-3333-444455556666:autoScalingGroupName/${name}`;
    const complete = async (name: string, tag: string) => {
        const result = await runSimulation(
            {
                request: {
                    principal: gateways.arn,
                    action: "autoscaling:CompleteLifecycleAction",
                    resource: { resource: group(name), accountId: ACCOUNT },
                    contextVariables: { "autoscaling:ResourceTag/api7-ha-group": tag },
                },
                identityPolicies: gateways.policies,
                serviceControlPolicies: [],
                resourceControlPolicies: [],
            },
            {},
        );
        if (result.resultType !== "single") throw new Error(`simulation: ${JSON.stringify(result)}`);
        return result.overallResult;
    };
    expect(await complete("api7-dp-hosts-group-1a2b3c", "api7-ha-prod-dp")).toBe("Allowed");
    expect(await complete("api7-cp-hosts-group-4d5e6f", "api7-ha-prod-cp")).toBe("ImplicitlyDenied");
    expect(await complete("billing-workers", "billing")).toBe("ImplicitlyDenied");
    expect(await decide(gateways, "autoscaling:DescribeAutoScalingInstances", "*")).toBe("Allowed");
});

test("the policy pack and the program name the host roles' parameter path with the same tag", () => {
    expect(HOST_PARAMETER_PATH_TAG).toBe(PARAMETER_PATH_TAG);
    expect(HOST_LOG_GROUP_TAG).toBe(LOG_GROUP_TAG);
});
