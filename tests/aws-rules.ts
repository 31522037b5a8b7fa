/**
 * Rules the AWS API enforces at create time that the Pulumi AWS provider (the bridged terraform-provider-aws schema)
 * does not check at preview, so a resource graph can pass `pulumi preview` and still fail `pulumi up`. One row per
 * rule, each with its source; tests/aws-rules.test.ts runs every row over every resource each stack registers.
 *
 * Provider behaviour was read in hashicorp/terraform-provider-aws (internal/service/ec2/vpc_security_group.go,
 * vpc_security_group_ingress_rule.go, elbv2/validate.go, iam/validate.go, ssm/parameter.go, internal/tags/tags.go)
 * and pulumi/pulumi-aws provider/autonaming.go and aliases.go @0c5f6583; auto-naming in
 * pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go @59de6c66 (name + "-" + 7 random hex characters,
 * never truncated: too long fails at create).
 */
import { bucketNameProblems } from "../components/config/schema";
import type { Recorded } from "../tools/harness";

export interface Violation {
    readonly rule: string;
    readonly resource: string;
    readonly detail: string;
}

export interface AwsRule {
    readonly id: string;
    /** Where the rule comes from (AWS API reference or user guide). */
    readonly source: string;
    /** Resource types it applies to (exact type tokens). */
    readonly types: readonly string[];
    /** Problems with one resource; empty when it complies. `defaultTags` are the provider's default tags. */
    check(r: Recorded, context: { readonly defaultTags: Readonly<Record<string, string>> }): string[];
}

/** The random suffix Pulumi's auto-naming appends: "-" and 7 hex characters (autonaming.go Randlen 7). */
export const AUTONAME_SUFFIX = 8;

/** The physical name AWS receives: the explicit one, or the longest the auto-namer can make. */
export function physicalName(r: Recorded, field = "name"): { name: string; auto: boolean } {
    const explicit = r.inputs[field] as string | undefined;
    return explicit !== undefined
        ? { name: explicit, auto: false }
        : { name: `${r.name}-${"f".repeat(AUTONAME_SUFFIX - 1)}`, auto: true };
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

const T = {
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    role: "aws:iam/role:Role",
    user: "aws:iam/user:User",
    profile: "aws:iam/instanceProfile:InstanceProfile",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    parameter: "aws:ssm/parameter:Parameter",
    association: "aws:ssm/association:Association",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    cacheRule: "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    bucket: "aws:s3/bucket:Bucket",
} as const;

/** CreateSecurityGroup / IpRange: "Up to 255 characters ... a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*". */
const EC2_TEXT = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

function ec2Text(what: string, value: unknown, required: boolean): string[] {
    if (typeof value !== "string") return required ? [`${what} is missing`] : [];
    const out: string[] = [];
    if (value.length > 255) out.push(`${what} is ${value.length} characters (at most 255)`);
    const bad = [...new Set(value.replace(/[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, ""))];
    if (!EC2_TEXT.test(value))
        out.push(`${what} "${value}" has characters EC2 rejects: ${bad.map((c) => JSON.stringify(c)).join(" ")}`);
    return out;
}

function nameRule(r: Recorded, max: number, pattern: RegExp, what: string, field = "name"): string[] {
    const { name, auto } = physicalName(r, field);
    const out: string[] = [];
    if (bytes(name) > max)
        out.push(
            `${auto ? `auto-name of "${r.name}"` : `${field} "${name}"`} is ${bytes(name)} characters (at most ${max}${auto ? `; the resource name may have at most ${max - AUTONAME_SUFFIX}` : ""})`,
        );
    if (!pattern.test(name)) out.push(`${field} "${name}" does not match ${what}`);
    return out;
}

/** IAM: "[\w+=,.@-]+" (API_CreateRole, API_CreateUser, API_CreateInstanceProfile, API_PutRolePolicy). */
const IAM_NAME = /^[\w+=,.@-]+$/;
/** IAM paths: "/" or "/.../" of ASCII ! through DEL, at most 512 (API_CreateRole Path). */
const IAM_PATH = /^(\/|\/[\x21-\x7F]+\/)$/;

/** Tag key ("\p{L}\p{Z}\p{N}_.:/=+-@", at most 128, EC2 127, no "aws:") and value (at most 256); at most 50 tags. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const TAGGED = [
    T.sg,
    T.ingress,
    T.egress,
    T.lb,
    T.tg,
    T.role,
    T.user,
    T.profile,
    T.parameter,
    T.launchTemplate,
    T.bucket,
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:lb/listener:Listener",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:rds/instance:Instance",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:kms/key:Key",
];

export const AWS_RULES: readonly AwsRule[] = [
    {
        id: "ec2-security-group-text",
        source:
            "EC2 API CreateSecurityGroup (GroupName, GroupDescription): up to 255 characters of a-z A-Z 0-9 " +
            "space ._-:/()#,@[]+=&;{}!$*; the provider checks only the length (vpc_security_group.go)",
        types: [T.sg],
        check: (r) => [
            ...ec2Text("description", r.inputs.description, true),
            ...ec2Text("name", physicalName(r).name, true),
        ],
    },
    {
        id: "ec2-security-group-rule-description",
        source:
            "EC2 API IpRange / Ipv6Range / UserIdGroupPair Description: same characters, up to 255; " +
            "aws_vpc_security_group_{ingress,egress}_rule has no validator",
        types: [T.ingress, T.egress],
        check: (r) => ec2Text("description", r.inputs.description, false),
    },
    {
        id: "elb-names",
        source:
            "ELBv2 API CreateLoadBalancer / CreateTargetGroup Name: at most 32 alphanumerics or hyphens, not " +
            "beginning or ending with a hyphen, not beginning with internal-",
        types: [T.lb, T.tg],
        check: (r) => nameRule(r, 32, /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "the ELB name rule"),
    },
    {
        id: "iam-names",
        source:
            "IAM API CreateRole / CreateUser (1-64) and CreateInstanceProfile / PutRolePolicy / " +
            "PutUserPolicy (1-128) names: [\\w+=,.@-]+; the provider auto-names users and profiles up to 255",
        types: [T.role, T.user, T.profile, T.rolePolicy, T.userPolicy],
        check: (r) => nameRule(r, r.type === T.role || r.type === T.user ? 64 : 128, IAM_NAME, "[\\w+=,.@-]+"),
    },
    {
        id: "iam-paths",
        source:
            "IAM API CreateRole / CreateUser / CreateInstanceProfile Path: / or /.../ of ASCII ! through " +
            "DEL, at most 512; the provider checks only the role path's length",
        types: [T.role, T.user, T.profile],
        check: (r) => {
            const p = r.inputs.path as string | undefined;
            return p === undefined || (IAM_PATH.test(p) && p.length <= 512) ? [] : [`path "${p}" is not / or /.../`];
        },
    },
    {
        id: "ssm-parameter-name",
        source:
            "Systems Manager user guide, parameter name constraints: a-zA-Z0-9_.-/ only, not beginning with " +
            "aws or ssm (any case), at most 15 levels; the provider checks only the length",
        types: [T.parameter],
        check: (r) => {
            const name = physicalName(r).name;
            const out: string[] = [];
            if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) out.push(`name "${name}" has characters other than a-zA-Z0-9_.-/`);
            if (/^\/?(aws|ssm)/i.test(name)) out.push(`name "${name}" begins with aws or ssm`);
            if (name.split("/").filter(Boolean).length > 15) out.push(`name "${name}" has more than 15 levels`);
            return out;
        },
    },
    {
        id: "ssm-parameter-value-size",
        source:
            "Systems Manager user guide, parameter tiers: Standard values up to 4 KB, Advanced up to 8 KB; " +
            "the provider does not check the size",
        types: [T.parameter],
        check: (r) => {
            const value = (r.inputs.insecureValue ?? r.inputs.value) as string | undefined;
            if (value === undefined) return [];
            const limit = r.inputs.tier === "Advanced" ? 8192 : 4096;
            return bytes(value) > limit
                ? [`value is ${bytes(value)} bytes; the ${String(r.inputs.tier ?? "Standard")} tier holds ${limit}`]
                : [];
        },
    },
    {
        id: "ssm-association-document",
        source:
            "Systems Manager API CreateAssociation Name is the SSM document to run; the provider makes " +
            "`name` optional and would auto-name it into a document that does not exist",
        types: [T.association],
        check: (r) => (typeof r.inputs.name === "string" ? [] : ["has no document name"]),
    },
    {
        id: "cloudwatch-alarm-evaluation-window",
        source:
            "CloudWatch API PutMetricAlarm Period: \"Period multiplied by EvaluationPeriods can't be more than 604,800 " +
            "seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period " +
            "can't be longer than one day (86,400 seconds)\"; valid periods are 10, 20, 30 and multiples of 60 " +
            "(botocore cloudwatch 2010-08-01 model); DatapointsToAlarm at most EvaluationPeriods",
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        check: (r) => {
            const queries = (r.inputs.metricQueries ?? []) as { metric?: { period?: number } }[];
            const period = (r.inputs.period as number | undefined) ?? queries.find((q) => q.metric)?.metric?.period;
            const n = r.inputs.evaluationPeriods as number;
            const out: string[] = [];
            if (period === undefined) return ["has no period"];
            if (![10, 20, 30].includes(period) && period % 60 !== 0) out.push(`period ${period} is not a valid period`);
            const window = period * n;
            if (window > 604800) out.push(`evaluates ${window} s (at most 604800)`);
            if (period < 3600 && window > 86400)
                out.push(`evaluates ${window} s at a period under an hour (at most 86400)`);
            const m = r.inputs.datapointsToAlarm as number | undefined;
            if (m !== undefined && m > n) out.push(`datapointsToAlarm ${m} exceeds evaluationPeriods ${n}`);
            return out;
        },
    },
    {
        id: "ec2-user-data-size",
        source:
            'EC2 API RequestLaunchTemplateData.UserData: "You must provide base64-encoded text. User data is ' +
            'limited to 16 KB." The EC2 user guide counts the 16 KB before base64; which one applies to ' +
            "templates is not stated, so the encoded text is held to 16 KB (the stricter reading)",
        types: [T.launchTemplate],
        check: (r) => {
            const data = r.inputs.userData as string | undefined;
            if (data === undefined) return [];
            const out: string[] = [];
            if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) out.push("user data is not base64 text");
            if (bytes(data) > 16384) out.push(`user data is ${bytes(data)} bytes of base64 (at most 16384)`);
            return out;
        },
    },
    {
        id: "asg-refresh-preferences",
        source:
            "EC2 Auto Scaling API RefreshPreferences and InstanceMaintenancePolicy (botocore autoscaling " +
            "service-2.json): MinHealthyPercentage 0-100, MaxHealthyPercentage 100-200, both set and at most 100 " +
            "apart; StartInstanceRefresh Strategy Rolling (the provider validates against the SDK enum, where " +
            "Rolling is the only value it takes); AutoRollback needs a launch template version other than " +
            "$Latest or $Default (instance-refresh-rollback.html)",
        types: [T.asg],
        check: (r) => {
            const out: string[] = [];
            const pairs: [string, any][] = [
                ["instanceRefresh.preferences", r.inputs.instanceRefresh?.preferences],
                ["instanceMaintenancePolicy", r.inputs.instanceMaintenancePolicy],
            ];
            for (const [where, p] of pairs) {
                if (!p) continue;
                const { minHealthyPercentage: min, maxHealthyPercentage: max } = p;
                if (min !== undefined && (min < 0 || min > 100))
                    out.push(`${where}.minHealthyPercentage ${min} is not 0-100`);
                if (max !== undefined && (max < 100 || max > 200))
                    out.push(`${where}.maxHealthyPercentage ${max} is not 100-200`);
                if (min !== undefined && max !== undefined && max - min > 100)
                    out.push(`${where}: maximum and minimum healthy percentages are more than 100 apart`);
            }
            if (r.inputs.instanceRefresh && r.inputs.instanceRefresh.strategy !== "Rolling")
                out.push(`instanceRefresh.strategy ${r.inputs.instanceRefresh.strategy} is not Rolling`);
            const version = r.inputs.launchTemplate?.version;
            if (
                r.inputs.instanceRefresh?.preferences?.autoRollback &&
                (version === undefined || version === "$Latest" || version === "$Default")
            ) {
                out.push("instanceRefresh.preferences.autoRollback needs a numbered launch template version");
            }
            return out;
        },
    },
    {
        id: "ecr-cache-prefix",
        source:
            "ECR API CreatePullThroughCacheRule EcrRepositoryPrefix (botocore ecr service-2.json " +
            "PullThroughCacheRuleRepositoryPrefix): 2-30 characters, " +
            "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)* or ROOT",
        types: [T.cacheRule],
        check: (r) => {
            const prefix = String(r.inputs.ecrRepositoryPrefix ?? "");
            const ok =
                prefix === "ROOT" ||
                (prefix.length >= 2 &&
                    prefix.length <= 30 &&
                    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(prefix));
            return ok
                ? []
                : [`ecrRepositoryPrefix "${prefix}" is not 2-30 lower-case letters, digits and . _ - / (or ROOT)`];
        },
    },
    {
        id: "rds-instance-names",
        source:
            "RDS API CreateDBInstance (botocore data/rds/2014-10-31/service-2.json): DBInstanceIdentifier " +
            "1-63 letters, digits or hyphens, a letter first, no two hyphens in a row, no hyphen at the end; " +
            "MasterUsername for PostgreSQL 1-16 letters, digits or underscores, a letter first; DBName 1-63 " +
            "letters, digits or underscores, a letter first. DeleteDBInstance FinalDBSnapshotIdentifier: 1-255 " +
            "letters, digits or hyphens, a letter first, no two hyphens in a row, no hyphen at the end",
        types: ["aws:rds/instance:Instance"],
        check: (r) => {
            const out: string[] = [];
            const rdsName = (field: string, max: number) => {
                const v = r.inputs[field] as string | undefined;
                if (v === undefined) return;
                if (v.length > max || !/^[A-Za-z][A-Za-z0-9-]*$/.test(v) || v.includes("--") || v.endsWith("-"))
                    out.push(`${field} "${v}" breaks the RDS identifier rule (at most ${max})`);
            };
            rdsName("identifier", 63);
            rdsName("finalSnapshotIdentifier", 255);
            const user = r.inputs.username as string | undefined;
            if (user !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(user))
                out.push(`username "${user}" is not 1-16 letters, digits or underscores starting with a letter`);
            const db = r.inputs.dbName as string | undefined;
            if (db !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(db))
                out.push(`dbName "${db}" is not 1-63 letters, digits or underscores starting with a letter`);
            return out;
        },
    },
    {
        id: "s3-bucket-name",
        source:
            "S3 user guide, general purpose bucket naming rules; the provider checks only the length at " +
            "preview (and in us-east-1 applies the legacy rule)",
        types: [T.bucket],
        check: (r) => {
            const { name, auto } = physicalName(r, "bucket");
            return bucketNameProblems(auto ? name.toLowerCase() : name).map((p) => `bucket "${name}" ${p}`);
        },
    },
    {
        id: "tags",
        source:
            "AWS tagging restrictions (Billing user guide): keys up to 128 (EC2 API Tag: 127) characters, " +
            "values up to 256, letters, numbers, spaces and _.:/=+-@, no aws: prefix, at most 50 per resource " +
            "including the provider's default tags; the provider does not check tags",
        types: TAGGED,
        check: (r, { defaultTags }) => {
            const tags: Record<string, string> = {
                ...defaultTags,
                ...((r.inputs.tags as Record<string, string> | undefined) ?? {}),
            };
            const out: string[] = [];
            if (Object.keys(tags).length > 50) out.push(`has ${Object.keys(tags).length} tags (at most 50)`);
            for (const [k, v] of Object.entries(tags)) {
                if (k.length > 127 || !TAG_TEXT.test(k) || /^aws:/i.test(k)) out.push(`tag key "${k}" is not allowed`);
                if (typeof v !== "string" || v.length > 256 || !TAG_TEXT.test(v))
                    out.push(`tag "${k}" has a value that is not allowed: ${JSON.stringify(v)}`);
            }
            return out;
        },
    },
];

/** Every violation of every rule in a resource graph. */
export function awsViolations(
    resources: readonly Recorded[],
    defaultTags: Readonly<Record<string, string>> = {},
): Violation[] {
    const out: Violation[] = [];
    for (const rule of AWS_RULES) {
        for (const r of resources.filter((x) => rule.types.includes(x.type))) {
            for (const detail of rule.check(r, { defaultTags }))
                out.push({ rule: rule.id, resource: `${r.type}::${r.name}`, detail });
        }
    }
    return out;
}
