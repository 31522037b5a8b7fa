/**
 * The policy pack (policy/rules.ts) run over the resources the harness records for every committed stack, as the
 * engine would run it under `pulumi preview --policy-pack policy`, and over crafted bad resources: every rule must
 * pass on what we ship and fail on what it exists to catch.
 */
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES, TYPES } from "../policy/rules";
import { AWS_STACKS, ROOT, runProgram, type Recorded } from "../tools/harness";

interface Violation {
    readonly policy: string;
    readonly message: string;
}

type Fake = { type: string; name: string; props: Record<string, any> };

/** The engine's view of a resource: props, URN, and which resources each property came from. */
function toPolicyResources(resources: readonly Fake[]): PolicyResource[] {
    const out: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: r.props,
        urn: `urn:pulumi:test::api7-ha::${r.type}::${r.name}`,
        opts: { protect: false, ignoreChanges: [], validateStack: () => undefined } as any,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    // The mock gives resource <name> the id "<name>-id"; a property holding that id came from that resource.
    // (Names repeat across types, so a `bucket` property resolves to the bucket of that name.)
    for (const r of out) {
        for (const [key, value] of Object.entries(r.props)) {
            if (typeof value !== "string" || !value.endsWith("-id")) continue;
            const name = value.slice(0, -3);
            const source = out.find((o) => o.name === name && (key !== "bucket" || o.type === TYPES.bucket));
            if (source) r.propertyDependencies[key] = [source];
        }
    }
    return out;
}

function configFor(policy: ResourceValidationPolicy | StackValidationPolicy, packConfig: Record<string, any>): any {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]) => [
            k,
            (v as { default?: unknown }).default,
        ]),
    );
    return { ...defaults, ...(packConfig[policy.name] ?? {}) };
}

async function runPack(resources: readonly Fake[], packConfig: Record<string, any> = {}): Promise<Violation[]> {
    const violations: Violation[] = [];
    const policyResources = toPolicyResources(resources);
    for (const policy of POLICIES) {
        const report = (message: string) => violations.push({ policy: policy.name, message });
        const getConfig = () => configFor(policy, packConfig);
        const notApplicable = () => {
            throw new Error("not applicable");
        };
        if ("validateResource" in policy && policy.validateResource) {
            for (const r of policyResources) {
                const args = {
                    ...r,
                    stackTags: new Map(),
                    getConfig,
                    notApplicable,
                    isType: () => false,
                    asType: () => undefined,
                } as any;
                const validations = [policy.validateResource].flat();
                for (const v of validations) await v(args, report);
            }
        }
        if ("validateStack" in policy && policy.validateStack) {
            await policy.validateStack(
                { resources: policyResources, stackTags: new Map(), getConfig, notApplicable },
                report,
            );
        }
    }
    return violations;
}

const fromRun = (resources: readonly Recorded[]): Fake[] =>
    resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));

function packConfigFor(stack: string): Record<string, any> {
    const file = path.join(ROOT, "policy", `config.${stack}.json`);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}

describe("the committed stacks pass every policy", () => {
    test.each(AWS_STACKS)("%s", async (stack) => {
        const run = await runProgram({ stack });
        expect(await runPack(fromRun(run.resources), packConfigFor(stack))).toEqual([]);
    });

    test("with every option on (mTLS off, Prometheus, TLS termination, instanceRole, KMS)", async () => {
        const run = await runProgram({
            stack: "prod",
            config: {
                "prometheus.enabled": true,
                "dataPlane.loadBalancer.httpsMode": "terminate",
                "dataPlane.loadBalancer.certificateArn":
                    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000",
                "controlPlane.loadBalancer.certificateArn":
                    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000",
                "fallback.credentials": "instanceRole",
                "fallback.kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
        });
        expect(await runPack(fromRun(run.resources))).toEqual([]);
    });

    test("dev without its pack config fails only on what makes it throwaway (why policy/config.dev.json exists)", async () => {
        const run = await runProgram({ stack: "dev" });
        const violations = await runPack(fromRun(run.resources));
        expect(violations.map((v) => `${v.policy}: ${v.message}`).sort()).toEqual([
            "lb-deletion-protection: api7-cp-lb-dashboard: enableDeletionProtection is not true",
            "lb-deletion-protection: api7-cp-lb-dpm: enableDeletionProtection is not true",
            "lb-deletion-protection: api7-dp-lb-nlb: enableDeletionProtection is not true",
            "rds-backups: api7-db-instance: backupRetentionPeriod is 1 days, under 7",
            "rds-deletion-protection: api7-db-instance: deletionProtection is not true",
            "rds-deletion-protection: api7-db-instance: skipFinalSnapshot is true: deleting it would keep no snapshot",
            "rds-multi-az: api7-db-instance: multiAz is not true",
        ]);
    });
});

const goodInstance = {
    metadataOptions: { httpTokens: "required" },
    rootBlockDevice: { encrypted: true },
    associatePublicIpAddress: false,
    monitoring: true,
    userData: "#cloud-config\npackages: [jq]\n",
};
const goodTemplate = {
    metadataOptions: { httpTokens: "required" },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } }],
    networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false" }],
    monitoring: { enabled: true },
};
const lt = (props: Record<string, any>): Fake[] => [
    { type: TYPES.launchTemplate, name: "lt", props: { ...goodTemplate, ...props } },
];
const goodDb = {
    engine: "postgres",
    storageEncrypted: true,
    publiclyAccessible: false,
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    backupRetentionPeriod: 7,
};
/** goodDb as the engine sends an instance that leaves backupRetentionPeriod unset: the key is absent. */
const dbWithoutRetention = Object.fromEntries(
    Object.entries(goodDb).filter(([key]) => key !== "backupRetentionPeriod"),
);
const bucketWith = (
    overrides: Partial<Record<"pab" | "sse" | "versioning" | "policy", Record<string, any> | null>>,
): Fake[] => {
    const parts: Fake[] = [{ type: TYPES.bucket, name: "b", props: { bucket: "b" } }];
    const add = (key: keyof typeof overrides, type: string, props: Record<string, any>) => {
        if (overrides[key] === null) return;
        parts.push({ type, name: `b-${key}`, props: { bucket: "b-id", ...props, ...(overrides[key] ?? {}) } });
    };
    add("pab", TYPES.publicAccessBlock, {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    add("sse", TYPES.encryption, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    add("versioning", TYPES.versioning, { versioningConfiguration: { status: "Enabled" } });
    add("policy", TYPES.bucketPolicy, {
        policy: JSON.stringify({
            Statement: [
                {
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: "*",
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        }),
    });
    return parts;
};

/** A host role with its tag, its own-parameters statement, the managed policy and `deny` (a NotResource list, or none). */
/** Two host roles tagged with their log groups; the gateways' role writes to `resources` (CreateLogStream, PutLogEvents). */
const logWriters = (resources: string[]): Fake[] => {
    const group = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;
    const role = (r: string, statement: Record<string, unknown>): Fake[] => [
        {
            type: "aws:iam/role:Role",
            name: `${r}-role`,
            props: { name: `api7-ha-prod-${r}-hosts`, tags: { "api7-ha:log-group": `/api7-ha/prod/${r}` } },
        },
        {
            type: TYPES.rolePolicy,
            name: `${r}-logs`,
            props: { role: `api7-ha-prod-${r}-hosts`, policy: JSON.stringify({ Statement: [statement] }) },
        },
    ];
    const writes = ["logs:CreateLogStream", "logs:PutLogEvents"];
    return [
        ...role("dp", { Effect: "Allow", Action: writes, Resource: [group("/api7-ha/prod/dp:*"), ...resources] }),
        ...role("cp", { Effect: "Allow", Action: writes, Resource: [group("/api7-ha/prod/cp:*")] }),
    ];
};

const hostRole = (
    deny: string[] | undefined,
    managed = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
): Fake[] => {
    const arn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;
    const statements = [
        { Effect: "Allow", Action: "ssm:GetParameter", Resource: arn("/api7-ha/prod/dp/*") },
        ...(deny
            ? [
                  {
                      Effect: "Deny",
                      Action: [
                          "ssm:GetParameter",
                          "ssm:GetParameters",
                          "ssm:GetParametersByPath",
                          "ssm:GetParameterHistory",
                      ],
                      NotResource: deny.map(arn),
                  },
              ]
            : []),
    ];
    return [
        {
            type: "aws:iam/role:Role",
            name: "dp-role",
            props: { name: "api7-ha-prod-dp-hosts", tags: { "api7-ha:parameter-path": "/api7-ha/prod/dp" } },
        },
        {
            type: "aws:iam/role:Role",
            name: "cp-role",
            props: { name: "api7-ha-prod-cp-hosts", tags: { "api7-ha:parameter-path": "/api7-ha/prod/cp" } },
        },
        {
            type: TYPES.rolePolicy,
            name: "dp-parameters",
            props: { role: "api7-ha-prod-dp-hosts", policy: JSON.stringify({ Statement: statements }) },
        },
        // The other group, held to its own path.
        {
            type: TYPES.rolePolicy,
            name: "cp-parameters",
            props: {
                role: "api7-ha-prod-cp-hosts",
                policy: JSON.stringify({
                    Statement: [
                        { Effect: "Allow", Action: "ssm:GetParameter", Resource: arn("/api7-ha/prod/cp/*") },
                        { Effect: "Deny", Action: "ssm:GetParameter*", NotResource: arn("/api7-ha/prod/cp/*") },
                    ],
                }),
            },
        },
        {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "dp-core",
            props: { role: "api7-ha-prod-dp-hosts", policyArn: managed },
        },
    ];
};

/** For every policy: resources it must reject, and the message it must give. */
const BAD: Record<string, [string, Fake[], RegExp][]> = {
    "ec2-imdsv2-required": [
        [
            "IMDSv1 allowed",
            [
                {
                    type: TYPES.instance,
                    name: "i",
                    props: { ...goodInstance, metadataOptions: { httpTokens: "optional" } },
                },
            ],
            /httpTokens is "optional"/,
        ],
        [
            "a launch template allowing IMDSv1",
            lt({ metadataOptions: { httpTokens: "optional" } }),
            /lt: metadataOptions\.httpTokens is "optional"/,
        ],
    ],
    "ec2-encrypted-volumes": [
        [
            "unencrypted root",
            [{ type: TYPES.instance, name: "i", props: { ...goodInstance, rootBlockDevice: { encrypted: false } } }],
            /rootBlockDevice\.encrypted/,
        ],
        [
            "unencrypted data volume",
            [{ type: TYPES.instance, name: "i", props: { ...goodInstance, ebsBlockDevices: [{ encrypted: false }] } }],
            /ebsBlockDevices\[0\]/,
        ],
        [
            "a launch template mapping an unencrypted volume",
            lt({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] }),
            /blockDeviceMappings\[0\]\.ebs\.encrypted/,
        ],
        ["a launch template mapping no volume", lt({ blockDeviceMappings: [] }), /maps no volume/],
    ],
    "ec2-no-public-ip": [
        [
            "public IP",
            [{ type: TYPES.instance, name: "i", props: { ...goodInstance, associatePublicIpAddress: true } }],
            /associatePublicIpAddress/,
        ],
        [
            "a launch template asking for a public IP",
            lt({ networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true" }] }),
            /networkInterfaces\[0\]\.associatePublicIpAddress is not false/,
        ],
        ["a launch template leaving it to the subnet", lt({ networkInterfaces: undefined }), /the subnet decides/],
    ],
    "ec2-detailed-monitoring": [
        [
            "basic monitoring",
            [{ type: TYPES.instance, name: "i", props: { ...goodInstance, monitoring: false } }],
            /detailed monitoring/,
        ],
        [
            "a launch template with basic monitoring",
            lt({ monitoring: { enabled: false } }),
            /lt: monitoring \(detailed monitoring\)/,
        ],
    ],
    "sg-rules-described": [
        [
            "rule without description",
            [
                {
                    type: TYPES.ingressRule,
                    name: "r",
                    props: { fromPort: 443, toPort: 443, ipProtocol: "tcp", cidrIpv4: "10.0.0.0/8" },
                },
            ],
            /the rule has no description/,
        ],
        [
            "group with Pulumi's default description",
            [{ type: TYPES.securityGroup, name: "g", props: { description: "Managed by Pulumi" } }],
            /no description of its own/,
        ],
        [
            "inline rule without description",
            [
                {
                    type: TYPES.securityGroup,
                    name: "g",
                    props: { description: "x", ingress: [{ fromPort: 1, toPort: 1 }] },
                },
            ],
            /ingress\[0\] has no description/,
        ],
    ],
    "sg-no-world-admin-ingress": [
        [
            "dashboard open to the world",
            [
                {
                    type: TYPES.ingressRule,
                    name: "r",
                    props: { fromPort: 7080, toPort: 7080, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0", description: "d" },
                },
            ],
            /opens port 7080 to 0\.0\.0\.0\/0/,
        ],
        [
            "SSH open to IPv6",
            [
                {
                    type: TYPES.ingressRule,
                    name: "r",
                    props: { fromPort: 20, toPort: 30, ipProtocol: "tcp", cidrIpv6: "::/0", description: "d" },
                },
            ],
            /opens port 22 to ::\/0/,
        ],
        [
            "all traffic inline",
            [
                {
                    type: TYPES.securityGroup,
                    name: "g",
                    props: {
                        description: "d",
                        ingress: [
                            { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "d" },
                        ],
                    },
                },
            ],
            /ingress\[0\] opens port 22/,
        ],
    ],
    "s3-buckets-hardened": [
        ["no public-access block", bucketWith({ pab: null }), /public-access blocks/],
        ["one public-access block off", bucketWith({ pab: { restrictPublicBuckets: false } }), /public-access blocks/],
        ["no encryption", bucketWith({ sse: null }), /no default encryption/],
        [
            "versioning suspended",
            bucketWith({ versioning: { versioningConfiguration: { status: "Suspended" } } }),
            /versioning is not enabled/,
        ],
        [
            "a bucket policy with no policy document",
            bucketWith({ policy: { policy: undefined } }),
            /denying requests without TLS/,
        ],
        [
            "no TLS-only policy",
            bucketWith({
                policy: {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
                    }),
                },
            }),
            /denying requests without TLS/,
        ],
    ],
    "lb-deletion-protection": [
        [
            "unprotected load balancer",
            [{ type: TYPES.loadBalancer, name: "lb", props: { enableDeletionProtection: false } }],
            /enableDeletionProtection/,
        ],
    ],
    "lb-tls-listener-policy": [
        [
            "TLS 1.0 policy",
            [{ type: TYPES.listener, name: "l", props: { protocol: "TLS", sslPolicy: "ELBSecurityPolicy-2016-08" } }],
            /not a TLS 1\.2\+ policy/,
        ],
        [
            "HTTPS without a policy",
            [{ type: TYPES.listener, name: "l", props: { protocol: "HTTPS" } }],
            /HTTPS listener uses undefined/,
        ],
    ],
    "ec2-no-secrets-in-user-data": [
        [
            "an access key",
            [
                {
                    type: TYPES.instance,
                    name: "i",
                    props: { ...goodInstance, userData: "export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP" },
                },
            ],
            /an AWS access key id/,
        ],
        [
            "a DSN with a password",
            [
                {
                    type: TYPES.instance,
                    name: "i",
                    props: { ...goodInstance, userData: "dsn: postgres://api7:hunter2@db:5432/api7ee" },
                },
            ],
            /credentials in a URL/,
        ],
        [
            "a private key",
            [
                {
                    type: TYPES.instance,
                    name: "i",
                    props: { ...goodInstance, userData: "-----BEGIN RSA PRIVATE KEY-----\nabc" },
                },
            ],
            /a private key/,
        ],
        [
            "a password inside a gz+b64 file",
            [
                {
                    type: TYPES.instance,
                    name: "i",
                    props: {
                        ...goodInstance,
                        userData: `#cloud-config\nwrite_files:\n  - path: /x\n    encoding: gz+b64\n    content: ${gzipSync("dsn: postgres://api7:hunter2@db:5432/api7ee").toString("base64")}\n`,
                    },
                },
            ],
            /credentials in a URL/,
        ],
        [
            "a password in a launch template's gzipped user data",
            [
                {
                    type: TYPES.launchTemplate,
                    name: "t",
                    props: {
                        ...goodTemplate,
                        userData: gzipSync(
                            "#cloud-config\nwrite_files:\n  - path: /x\n    content: 'password: hunter2hunter2'\n",
                        ).toString("base64"),
                    },
                },
            ],
            /a password assignment/,
        ],
        [
            "a key in a launch template's plain base64 user data",
            [
                {
                    type: TYPES.launchTemplate,
                    name: "t",
                    props: {
                        ...goodTemplate,
                        userData: Buffer.from("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n").toString(
                            "base64",
                        ),
                    },
                },
            ],
            /an AWS access key id/,
        ],
    ],
    "rds-encrypted": [
        [
            "unencrypted storage",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, storageEncrypted: false } }],
            /storageEncrypted is not true/,
        ],
    ],
    "rds-not-public": [
        [
            "publicly accessible",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, publiclyAccessible: true } }],
            /publiclyAccessible is true/,
        ],
    ],
    "rds-multi-az": [
        [
            "single-AZ",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, multiAz: false } }],
            /multiAz is not true/,
        ],
    ],
    "rds-deletion-protection": [
        [
            "unprotected",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, deletionProtection: false } }],
            /deletionProtection is not true/,
        ],
        [
            "no final snapshot",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, skipFinalSnapshot: true } }],
            /skipFinalSnapshot is true/,
        ],
    ],
    "cloudwatch-alarm-action": [
        [
            "an alarm that notifies nobody",
            [{ type: TYPES.metricAlarm, name: "a", props: { metricName: "CPUUtilization" } }],
            /a: has no alarmActions/,
        ],
        [
            "an alarm with its actions turned off",
            [
                {
                    type: TYPES.metricAlarm,
                    name: "a",
                    props: { alarmActions: ["arn:aws:sns:us-east-1:1:t"], actionsEnabled: false },
                },
            ],
            /a: actionsEnabled is false/,
        ],
    ],
    "warm-pool-launch-hook": [
        [
            "a warm pool with no lifecycle hook",
            [{ type: TYPES.autoScalingGroup, name: "g", props: { warmPool: { poolState: "Stopped", minSize: 1 } } }],
            /g: has a warmPool but no initialLifecycleHooks entry for autoscaling:EC2_INSTANCE_LAUNCHING/,
        ],
        [
            "a warm pool with only a terminating hook",
            [
                {
                    type: TYPES.autoScalingGroup,
                    name: "g",
                    props: {
                        warmPool: { poolState: "Stopped", minSize: 1 },
                        initialLifecycleHooks: [
                            { name: "t", lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" },
                        ],
                    },
                },
            ],
            /no initialLifecycleHooks entry for autoscaling:EC2_INSTANCE_LAUNCHING/,
        ],
    ],
    "rds-backups": [
        [
            "backups off",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, backupRetentionPeriod: 0 } }],
            /backupRetentionPeriod is 0 days, under 7/,
        ],
        [
            "a day of backups",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, backupRetentionPeriod: 1 } }],
            /is 1 days, under 7/,
        ],
        [
            "backupRetentionPeriod not set (AWS then keeps 1 day)",
            [{ type: TYPES.dbInstance, name: "db", props: dbWithoutRetention }],
            /backupRetentionPeriod is not set: AWS keeps 1 day of backups, under 7/,
        ],
    ],
    "rds-tls-required": [
        [
            "TLS not forced",
            [
                {
                    type: TYPES.dbParameterGroup,
                    name: "pg",
                    props: { family: "postgres15", parameters: [{ name: "rds.force_ssl", value: "0" }] },
                },
                { type: TYPES.dbInstance, name: "db", props: { ...goodDb, parameterGroupName: "pg-id" } },
            ],
            /db: its parameter group does not set rds\.force_ssl to 1/,
        ],
        [
            "the engine's default parameter group",
            [{ type: TYPES.dbInstance, name: "db", props: { ...goodDb, parameterGroupName: "default.postgres15" } }],
            /does not set rds\.force_ssl/,
        ],
    ],
    "iam-no-wildcards": [
        [
            "a wildcard action",
            [
                {
                    type: TYPES.rolePolicy,
                    name: "p",
                    props: {
                        policy: JSON.stringify({
                            Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }],
                        }),
                    },
                },
            ],
            /wildcard action s3:\*/,
        ],
        [
            "a scopable action on *",
            [
                {
                    type: TYPES.userPolicy,
                    name: "p",
                    props: {
                        policy: JSON.stringify({
                            Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }],
                        }),
                    },
                },
            ],
            /s3:GetObject to every resource/,
        ],
        [
            "NotAction",
            [
                {
                    type: TYPES.managedPolicy,
                    name: "p",
                    props: {
                        policy: JSON.stringify({ Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } }),
                    },
                },
            ],
            /NotAction/,
        ],
    ],
    "iam-host-logs-own-group": [
        [
            "a role that writes to another role's group",
            logWriters(["arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/cp:*"]),
            /dp-role: can write to \/api7-ha\/prod\/cp \(logs:CreateLogStream\), not its own log group \/api7-ha\/prod\/dp/,
        ],
        [
            "a pattern missing its colon: a sibling group",
            logWriters(["arn:aws:logs:us-east-1:123456789012:log-group:/api7-ha/prod/dp*"]),
            /dp-role: can write to \/api7-ha\/prod\/dp-policy-probe \(logs:PutLogEvents\)/,
        ],
        [
            "every group",
            logWriters(["*"]),
            /dp-role: can write to \/policy-probe-other-application \(logs:PutLogEvents\)/,
        ],
    ],
    "cloudwatch-log-group-retention": [
        [
            "a log group kept forever",
            [{ type: TYPES.logGroup, name: "g", props: { name: "/api7-ha/prod/dp" } }],
            /g: has no retentionInDays/,
        ],
    ],
    "iam-host-parameters-own-path": [
        [
            "AmazonSSMManagedInstanceCore with no deny: another group's parameters",
            hostRole(undefined),
            /dp-role: can read \/api7-ha\/prod\/cp\/secrets\/policy-probe \(ssm:GetParameter\), outside \/api7-ha\/prod\/dp/,
        ],
        [
            "no deny: another application's parameters",
            hostRole(undefined),
            /can read \/policy-probe-other-application\/secrets\/policy-probe \(ssm:GetParameters\)/,
        ],
        [
            "a deny whose pattern lacks its slash: a sibling path",
            hostRole(["/api7-ha/prod/dp*"]),
            /can read \/api7-ha\/prod\/dp-policy-probe\/secrets\/policy-probe/,
        ],
        [
            "a managed policy the pack has no copy of",
            hostRole(["/api7-ha/prod/dp/*"], "arn:aws:iam::aws:policy/AmazonSSMFullAccess"),
            /AmazonSSMFullAccess has no copy in policy\/aws-managed-policies\//,
        ],
    ],
};

test("the user-data secret scan takes a reference to a password or a key for what it is, not a secret", () => {
    const scan = (userData: string) => {
        const found: string[] = [];
        const policy = POLICIES.find((p) => p.name === "ec2-no-secrets-in-user-data") as ResourceValidationPolicy;
        const validate = Array.isArray(policy.validateResource) ? policy.validateResource[0] : policy.validateResource;
        void validate?.(
            { type: TYPES.instance, props: { ...goodInstance, userData }, urn: "u", name: "i", opts: {} } as never,
            (m: string) => found.push(m),
        );
        return found;
    };
    expect(scan("jq -n '{username: \"admin\", password: env.P}'")).toEqual([]);
    expect(scan("password: hunter2")).toEqual(["i: user data contains a password assignment"]);
    expect(scan('AWS_SECRET_ACCESS_KEY="$secret" aws s3api list-objects-v2')).toEqual([]);
    expect(scan("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual([
        "i: user data contains an AWS secret access key",
    ]);
});

describe("each policy rejects what it exists to catch", () => {
    test("every policy has crafted bad resources here", () => {
        expect(Object.keys(BAD).sort()).toEqual(POLICIES.map((p) => p.name).sort());
    });

    const cases = Object.entries(BAD).flatMap(([policy, list]) =>
        list.map(([what, resources, message]) => [policy, what, resources, message] as const),
    );
    test.each(cases)("%s: %s", async (policy, _what, resources, message) => {
        const violations = await runPack(resources);
        expect(violations.map((v) => v.policy)).toContain(policy);
        expect(
            violations
                .filter((v) => v.policy === policy)
                .map((v) => v.message)
                .join("\n"),
        ).toMatch(message);
    });

    test("unscopable actions may use * (Prometheus's ec2:DescribeInstances)", async () => {
        const ok = [
            {
                type: TYPES.rolePolicy,
                name: "p",
                props: {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }],
                    }),
                },
            },
        ];
        expect(await runPack(ok)).toEqual([]);
    });

    test("host roles that write to their own log groups only pass", async () => {
        expect(await runPack(logWriters([]))).toEqual([]);
    });

    test("a host role held to its path by an explicit deny passes, with the managed policy attached", async () => {
        expect(await runPack(hostRole(["/api7-ha/prod/dp/*"]))).toEqual([]);
    });

    test("listener ports open to the world are fine; admin ports are not", async () => {
        const rule = (port: number) => ({
            type: TYPES.ingressRule,
            name: `r${port}`,
            props: { fromPort: port, toPort: port, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0", description: "d" },
        });
        expect(await runPack([rule(443), rule(80)])).toEqual([]);
        expect((await runPack([rule(9090)])).map((v) => v.policy)).toEqual(["sg-no-world-admin-ingress"]);
    });
});
