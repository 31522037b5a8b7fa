/**
 * What AWS would reject at create time that `pulumi preview` lets through (tests/aws-rules.ts), over every resource
 * of each committed stack and of the stacks with every option turned on; and each rule shown to catch a bad value.
 */
import * as yaml from "js-yaml";
import * as fs from "fs";
import * as path from "path";
import { bucketNameProblems } from "../components/config/schema";
import { AWS_RULES, awsViolations } from "./aws-rules";
import { MTLS_SECRETS, ROOT, runProgram, type Recorded, type RunOptions } from "../tools/harness";

function defaultTags(stack: string): Record<string, string> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, { tags?: Record<string, string> }>;
    };
    return doc.config["aws:defaultTags"]?.tags ?? {};
}

const variants: [string, RunOptions][] = [
    ["prod", { stack: "prod" }],
    ["dev", { stack: "dev" }],
    ["v2 (API7 2.x)", { stack: "v2" }],
    [
        "prod, mTLS, dedicated Prometheus, TLS at the NLB",
        {
            stack: "prod",
            config: {
                "dataPlane.controlPlaneAuth": "mtls",
                "prometheus.enabled": true,
                "dataPlane.loadBalancer.httpsMode": "terminate",
                "dataPlane.loadBalancer.certificateArn":
                    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000",
                "controlPlane.loadBalancer.certificateArn":
                    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000001",
            },
            secrets: MTLS_SECRETS,
        },
    ],
    [
        "dev, Prometheus on the control plane, instance-role credentials, standalone",
        {
            stack: "dev",
            config: {
                "prometheus.enabled": true,
                "prometheus.placement": "controlPlane",
                "fallback.credentials": "instanceRole",
                "dataPlane.mode": "standalone",
            },
        },
    ],
    [
        "the longest stack name the settings allow",
        {
            stack: "dev",
            config: {
                "fallback.configBucketName": "acme-api7-config",
                "fallback.resourceBucketName": "acme-api7-resource",
            },
        },
    ],
];

describe("no resource of any stack breaks a rule AWS enforces and the provider does not", () => {
    test.each(variants)("%s", async (_what, options) => {
        const run = await runProgram(options);
        expect(awsViolations(run.resources, defaultTags(options.stack))).toEqual([]);
    });
});

const base = (type: string, name: string, inputs: Record<string, unknown>): Recorded => ({
    type,
    name,
    inputs,
    custom: true,
    secretInputs: [],
    parentType: "",
    urn: "",
    dependencies: [],
    ignoreChanges: [],
    retainOnDelete: false,
    additionalSecretOutputs: [],
});

describe("each rule catches what AWS rejects", () => {
    test.each<[string, Recorded, string]>([
        [
            "an alarm looking back over a day at one-minute periods",
            base("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { period: 60, evaluationPeriods: 1441 }),
            "cloudwatch-alarm-evaluation-window",
        ],
        [
            "an alarm looking back over seven days",
            base("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { period: 3600, evaluationPeriods: 169 }),
            "cloudwatch-alarm-evaluation-window",
        ],
        [
            "a metric-math alarm at a period CloudWatch does not take",
            base("aws:cloudwatch/metricAlarm:MetricAlarm", "a", {
                metricQueries: [{ id: "m", metric: { period: 90 } }],
                evaluationPeriods: 1,
            }),
            "cloudwatch-alarm-evaluation-window",
        ],
        [
            "an apostrophe in a security group description",
            base("aws:ec2/securityGroup:SecurityGroup", "sg", { description: "the gateways' NLB" }),
            "ec2-security-group-text",
        ],
        [
            "a security group name with a space-less quote",
            base("aws:ec2/securityGroup:SecurityGroup", 'sg"x', { description: "ok" }),
            "ec2-security-group-text",
        ],
        [
            "an apostrophe in a rule description",
            base("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", {
                description: "Client traffic to the gateways' listener",
            }),
            "ec2-security-group-rule-description",
        ],
        [
            "a rule description over 255",
            base("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "r", { description: "x".repeat(256) }),
            "ec2-security-group-rule-description",
        ],
        [
            "a load balancer auto-name over 32",
            base("aws:lb/loadBalancer:LoadBalancer", "api7-control-plane-dashboard", {}),
            "elb-names",
        ],
        [
            "a target group with an underscore",
            base("aws:lb/targetGroup:TargetGroup", "tg", { name: "my_tg" }),
            "elb-names",
        ],
        ["an IAM user auto-name over 64", base("aws:iam/user:User", "u".repeat(60), {}), "iam-names"],
        ["an IAM role name with a space", base("aws:iam/role:Role", "r", { name: "my role" }), "iam-names"],
        [
            "an IAM path without a trailing slash",
            base("aws:iam/user:User", "u", { name: "u", path: "/api7-ha" }),
            "iam-paths",
        ],
        [
            "an SSM parameter under /aws",
            base("aws:ssm/parameter:Parameter", "p", { name: "/aws/x", insecureValue: "v" }),
            "ssm-parameter-name",
        ],
        [
            "a 5 KB Standard parameter",
            base("aws:ssm/parameter:Parameter", "p", {
                name: "/a/b",
                insecureValue: "x".repeat(5000),
                tier: "Standard",
            }),
            "ssm-parameter-value-size",
        ],
        [
            "an association without a document",
            base("aws:ssm/association:Association", "a", {}),
            "ssm-association-document",
        ],
        [
            "17 KB of user data",
            base("aws:ec2/launchTemplate:LaunchTemplate", "lt", { userData: "eHh4".repeat(17 * 256) }),
            "ec2-user-data-size",
        ],
        [
            "user data in clear in a launch template",
            base("aws:ec2/launchTemplate:LaunchTemplate", "lt", { userData: "#cloud-config\n" }),
            "ec2-user-data-size",
        ],
        [
            "a maximum healthy percentage over 200",
            base("aws:autoscaling/group:Group", "g", {
                instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 250 },
            }),
            "asg-refresh-preferences",
        ],
        [
            "healthy percentages more than 100 apart",
            base("aws:autoscaling/group:Group", "g", {
                instanceRefresh: {
                    strategy: "Rolling",
                    preferences: { minHealthyPercentage: 50, maxHealthyPercentage: 200 },
                },
            }),
            "asg-refresh-preferences",
        ],
        [
            "auto rollback on $Latest",
            base("aws:autoscaling/group:Group", "g", {
                launchTemplate: { id: "lt", version: "$Latest" },
                instanceRefresh: { strategy: "Rolling", preferences: { autoRollback: true } },
            }),
            "asg-refresh-preferences",
        ],
        [
            "a cache prefix of 31 characters",
            base("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "c", { ecrRepositoryPrefix: "a".repeat(31) }),
            "ecr-cache-prefix",
        ],
        [
            "a database identifier with two hyphens in a row",
            base("aws:rds/instance:Instance", "db", { identifier: "api7-ha--prod" }),
            "rds-instance-names",
        ],
        [
            "a final snapshot name starting with a digit",
            base("aws:rds/instance:Instance", "db", { finalSnapshotIdentifier: "1-final" }),
            "rds-instance-names",
        ],
        [
            "a PostgreSQL master user of 17 characters",
            base("aws:rds/instance:Instance", "db", { username: "a".repeat(17) }),
            "rds-instance-names",
        ],
        [
            "a database name with a hyphen",
            base("aws:rds/instance:Instance", "db", { dbName: "api7-ee" }),
            "rds-instance-names",
        ],
        ["a bucket name ending in a hyphen", base("aws:s3/bucket:Bucket", "b", { bucket: "acme-" }), "s3-bucket-name"],
        ["a tag key under aws:", base("aws:ec2/vpc:Vpc", "v", { tags: { "aws:owner": "x" } }), "tags"],
        [
            "51 tags with the default tags",
            base("aws:ec2/vpc:Vpc", "v", {
                tags: Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, "v"])),
            }),
            "tags",
        ],
    ])("%s", (_what, resource, rule) => {
        const violations = awsViolations([resource], { Project: "api7-ha", Environment: "dev", ManagedBy: "pulumi" });
        expect(violations.map((v) => v.rule)).toContain(rule);
    });

    test("every rule names its source and has a case above", () => {
        for (const rule of AWS_RULES) expect(rule.source.length).toBeGreaterThan(40);
    });

    test("bucket names: AWS's own examples", () => {
        for (const good of ["docexamplebucket1", "log-delivery-march-2020", "my-hosted-content"])
            expect(bucketNameProblems(good)).toEqual([]);
        for (const bad of [
            "doc_example_bucket",
            "DocExampleBucket",
            "doc-example-bucket-",
            "192.168.5.4",
            "xn--bucket",
            "my..bucket",
        ])
            expect(bucketNameProblems(bad)).not.toEqual([]);
    });
});
