/**
 * Whether an EC2 instance type can run an API7 host: x86_64, at least 2 vCPU and 4 GiB. The types in this table are
 * checked offline, when the configuration is read; any other type is checked at deploy time against what AWS says of
 * it (components/aws/instance-type.ts asks aws.ec2.getInstanceType), with the same rule and the same message. Every
 * name is first held to AWS's naming convention, offline, so a typo fails `pulumi config` validation, not a preview.
 */
export interface InstanceTypeInfo {
    readonly arch: "x86_64" | "arm64";
    readonly vcpu: number;
    readonly memoryGiB: number;
}

/** Sizes shared by the general-purpose (m), compute (c) and memory (r) families: vCPU and GiB per family class. */
const SIZES: Record<string, number> = { medium: 1, large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16 };
const GIB_PER_VCPU: Record<string, number> = { t: 2, m: 4, c: 2, r: 8 };

const FAMILIES: Record<string, InstanceTypeInfo["arch"]> = {
    t3: "x86_64",
    t3a: "x86_64",
    t4g: "arm64",
    m5: "x86_64",
    m6i: "x86_64",
    m6a: "x86_64",
    m7i: "x86_64",
    m7a: "x86_64",
    m6g: "arm64",
    m7g: "arm64",
    c5: "x86_64",
    c6i: "x86_64",
    c6a: "x86_64",
    c7i: "x86_64",
    c7a: "x86_64",
    c6g: "arm64",
    c7g: "arm64",
    r6i: "x86_64",
    r7i: "x86_64",
    r7g: "arm64",
};

function buildTable(): Record<string, InstanceTypeInfo> {
    const table: Record<string, InstanceTypeInfo> = {};
    for (const [family, arch] of Object.entries(FAMILIES)) {
        const cls = family[0];
        for (const [size, units] of Object.entries(SIZES)) {
            // T-family: medium and large both have 2 vCPU (4 and 8 GiB); others start at large (2 vCPU).
            if (cls !== "t" && size === "medium") continue;
            if (cls === "t" && size === "4xlarge") continue; // there is no t3.4xlarge
            const vcpu = cls === "t" ? Math.max(2, units) : units;
            const memoryGiB = cls === "t" ? units * 4 : units * GIB_PER_VCPU[cls];
            table[`${family}.${size}`] = { arch, vcpu, memoryGiB };
        }
    }
    // Too small for API7, listed so the error says why rather than "unknown type".
    for (const family of ["t3", "t3a", "t4g"]) {
        table[`${family}.micro`] = { arch: FAMILIES[family], vcpu: 2, memoryGiB: 1 };
        table[`${family}.small`] = { arch: FAMILIES[family], vcpu: 2, memoryGiB: 2 };
    }
    return table;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = Object.freeze(buildTable());

/**
 * The minimum host from API7 Enterprise's HA guide, "Minimum Hardware Requirements": every control-plane and gateway
 * host x86_64, 2 cores, 4G (https://docs.api7.ai/enterprise/high-availability/prepare-for-high-availability).
 */
export const MIN_HOST = Object.freeze({ arch: "x86_64", vcpu: 2, memoryGiB: 4 });

/**
 * AWS's instance type names: the series (family letter, generation, processor and capability letters, options after a
 * hyphen, as in m7i-flex) and the size, separated by a period, all lower case
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html). Sizes may carry a hyphen too
 * (m7i.metal-24xl).
 */
const TYPE_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/;
/**
 * The size part of the names in AWS's Instance Types guide for the table's families (gp.html, co.html, mo.html):
 * nano, micro, small, medium, large, xlarge, <n>xlarge, metal and metal-<n>xl.
 */
const SIZE_NAME = /^(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(-[1-9][0-9]*xl)?)$/;

/** Edit distance (insertions, deletions, substitutions), for suggesting the table entry a typo meant. */
function distance(a: string, b: string): number {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++)
            next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
    }
    return row[b.length];
}

/** "; did you mean t3.medium?" when a table entry is within two edits of `type` (case aside), else "". */
export function nearestTypeHint(type: string): string {
    const wanted = type.trim().toLowerCase();
    let best: [string, number] | undefined;
    for (const known of Object.keys(INSTANCE_TYPES)) {
        const d = distance(wanted, known);
        if (d <= 2 && (!best || d < best[1])) best = [known, d];
    }
    return best ? `; did you mean ${best[0]}?` : "";
}

/** Why `type` is not an instance type name at all, or not a size of a family the table knows; undefined otherwise. */
function nameProblem(type: string): string | undefined {
    if (!TYPE_NAME.test(type)) {
        return `is not an EC2 instance type name (lower-case series and size separated by a period, e.g. c6i.large)${nearestTypeHint(type)}`;
    }
    const [family, size] = type.split(".", 2);
    if (Object.prototype.hasOwnProperty.call(FAMILIES, family) && !SIZE_NAME.test(size)) {
        return `is not a size of the ${family} family (large, xlarge, 2xlarge, ...)${nearestTypeHint(type)}`;
    }
    return undefined;
}

/** Whether the table knows `type` (checked offline); any other type is checked against AWS at deploy time. */
export function isKnownInstanceType(type: string): boolean {
    return Object.prototype.hasOwnProperty.call(INSTANCE_TYPES, type);
}

/** What DescribeInstanceTypes says of a type, as aws.ec2.getInstanceType returns it (memory in MiB). */
export interface DescribedInstanceType {
    readonly supportedArchitectures: readonly string[];
    readonly defaultVcpus: number;
    readonly memorySize: number;
}

/** Why a type with these facts cannot run an API7 host, or undefined when it can. */
function factsProblem(architectures: readonly string[], vcpu: number, memoryGiB: number): string | undefined {
    if (!architectures.includes(MIN_HOST.arch)) {
        return `is ${architectures.join("/")}; API7 hosts must be x86_64 (e.g. use c6i.large instead of c7g.large)`;
    }
    if (vcpu < MIN_HOST.vcpu || memoryGiB < MIN_HOST.memoryGiB) {
        return (
            `has ${vcpu} vCPU / ${memoryGiB} GiB; API7 needs >= ${MIN_HOST.vcpu} vCPU and >= ` +
            `${MIN_HOST.memoryGiB} GiB`
        );
    }
    return undefined;
}

/**
 * Why `type` cannot run an API7 host, or undefined when it can or when the table does not know it (then
 * describedInstanceTypeProblem decides, at deploy time). A malformed name fails here whether the table knows it or not.
 */
export function instanceTypeProblem(type: string): string | undefined {
    const badName = nameProblem(type);
    if (badName) return badName;
    if (!isKnownInstanceType(type)) return undefined;
    const info = INSTANCE_TYPES[type];
    return factsProblem([info.arch], info.vcpu, info.memoryGiB);
}

/** EC2 hibernates no Linux instance with 150 GB of RAM or more (EC2 user guide, hibernation prerequisites). */
export const HIBERNATION_MAX_RAM_GIB = 150;
/** API7's minimum free disk per host (hosts.rootVolumeGiB's lower bound). */
export const API7_MIN_FREE_DISK_GIB = 80;

/**
 * Why a warm pool kept Hibernated cannot use a type AWS describes so: hibernation unsupported (DescribeInstanceTypes'
 * HibernationSupported; AWS's list of families varies by Region, EC2 user guide "Prerequisites for EC2 instance
 * hibernation"), 150 GB of RAM or more, or a root volume that cannot hold the RAM besides API7's 80 GiB. Undefined
 * when it can.
 */
export function hibernationProblem(
    d: DescribedInstanceType & { readonly hibernationSupported: boolean },
    rootVolumeGiB: number,
): string | undefined {
    const ramGiB = d.memorySize / 1024;
    if (!d.hibernationSupported) return "does not support hibernation in this Region (AWS DescribeInstanceTypes)";
    if (ramGiB >= HIBERNATION_MAX_RAM_GIB)
        return `has ${ramGiB} GiB of RAM; EC2 hibernates instances with less than ${HIBERNATION_MAX_RAM_GIB} GB`;
    if (rootVolumeGiB < ramGiB + API7_MIN_FREE_DISK_GIB)
        return (
            `has ${ramGiB} GiB of RAM, which hosts.rootVolumeGiB ${rootVolumeGiB} cannot hold besides API7's ` +
            `${API7_MIN_FREE_DISK_GIB} GiB`
        );
    return undefined;
}

/** The same rule on what AWS says of a type the table does not know. */
export function describedInstanceTypeProblem(d: DescribedInstanceType): string | undefined {
    return factsProblem(d.supportedArchitectures, d.defaultVcpus, d.memorySize / 1024);
}

/**
 * The message for a type that cannot run API7: every config key that uses it, as `pulumi config set --path` takes
 * them, and the value.
 */
export function instanceTypeMessage(keys: readonly string[], type: string, problem: string): string {
    return `${keys.join(", ")} = "${type}": ${problem}`;
}

/** The EC2 actions the deploy-time check calls. */
export type CheckAction = "DescribeInstanceTypes" | "DescribeInstanceTypeOfferings";

/**
 * AWS's own words in a failed invoke: the AWS SDK ends its error with "api error <Code>: <Message>" (aws/smithy-go
 * errors.go GenericAPIError @4e34e639), after the engine's and the provider's prefixes.
 */
export function awsReason(text: string): string {
    const api = /api error ([A-Za-z.]+): ([\s\S]*)$/.exec(text);
    return (api ? `${api[1]}: ${api[2]}` : text).trim() || "no reason given";
}

/**
 * The message for an invoke AWS refused. EC2 answers UnauthorizedOperation when the caller's IAM policies do not
 * allow the action, and other services AccessDenied; InvalidInstanceType names a type it does not have
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html). A denial says nothing of the value,
 * so that message leads with the permission and the identities that need it.
 */
export function awsFailureMessage(keys: readonly string[], type: string, action: CheckAction, failure: string): string {
    const reason = awsReason(failure);
    if (/\b(UnauthorizedOperation|AccessDenied(Exception)?)\b/.test(reason)) {
        const instead =
            action === "DescribeInstanceTypes"
                ? `, or use a type the program lists offline (t3.medium, c6i.large, m6i.large)`
                : "";
        return (
            `ec2:${action} was denied, so ${keys.join(", ")} = "${type}" could not be checked: allow ec2:${action} to ` +
            `the identity that runs pulumi preview and pulumi up (in CI, the roles AWS_PREVIEW_ROLE_ARN and ` +
            `AWS_DEPLOY_ROLE_ARN)${instead}. AWS said: ${reason}`
        );
    }
    if (/\bInvalidInstanceType\b/.test(reason)) {
        return instanceTypeMessage(
            keys,
            type,
            `is not an instance type AWS has in this Region${nearestTypeHint(type)}. AWS said: ${reason}`,
        );
    }
    return instanceTypeMessage(keys, type, `could not be checked with ec2:${action}. AWS said: ${reason}`);
}

/**
 * Why a type offered only in `offeredIn` cannot serve the stack's AZs: each host group's Auto Scaling group spreads
 * its hosts over every AZ, and cannot launch a type in an AZ that does not offer it.
 */
export function offeringProblem(zones: readonly string[], offeredIn: readonly string[]): string | undefined {
    const missing = zones.filter((zone) => !offeredIn.includes(zone));
    if (missing.length === 0) return undefined;
    const where =
        offeredIn.length > 0
            ? `offered in ${[...offeredIn].sort().join(", ")}`
            : "offered in none of this Region's AZs";
    return (
        `is not offered in ${missing.join(", ")} (${where}), where the stack places hosts (${zones.join(", ")}); ` +
        "choose a type every one of them offers"
    );
}
