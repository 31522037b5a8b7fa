/**
 * Whether an EC2 instance type can run an API7 host: x86_64, at least 2 vCPU and 4 GiB. The types in this table are
 * checked offline, when the configuration is read; any other type is checked at deploy time against what AWS says of
 * it (components/aws/instance-type.ts asks aws.ec2.getInstanceType), with the same rule and the same message.
 */
export interface InstanceTypeInfo {
    readonly arch: "x86_64" | "arm64";
    readonly vcpu: number;
    readonly memoryGiB: number;
    /** T-family types run on CPU credits; a gateway under sustained load drops to its baseline. */
    readonly burstable: boolean;
}

type Family = { arch: "x86_64" | "arm64"; burstable?: boolean };

/** Sizes shared by the general-purpose (m), compute (c) and memory (r) families: vCPU and GiB per family class. */
const SIZES: Record<string, number> = { medium: 1, large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16 };
const GIB_PER_VCPU: Record<string, number> = { t: 2, m: 4, c: 2, r: 8 };

const FAMILIES: Record<string, Family> = {
    t3: { arch: "x86_64", burstable: true },
    t3a: { arch: "x86_64", burstable: true },
    t4g: { arch: "arm64", burstable: true },
    m5: { arch: "x86_64" },
    m6i: { arch: "x86_64" },
    m6a: { arch: "x86_64" },
    m7i: { arch: "x86_64" },
    m7a: { arch: "x86_64" },
    m6g: { arch: "arm64" },
    m7g: { arch: "arm64" },
    c5: { arch: "x86_64" },
    c6i: { arch: "x86_64" },
    c6a: { arch: "x86_64" },
    c7i: { arch: "x86_64" },
    c7a: { arch: "x86_64" },
    c6g: { arch: "arm64" },
    c7g: { arch: "arm64" },
    r6i: { arch: "x86_64" },
    r7i: { arch: "x86_64" },
    r7g: { arch: "arm64" },
};

function buildTable(): Record<string, InstanceTypeInfo> {
    const table: Record<string, InstanceTypeInfo> = {};
    for (const [family, info] of Object.entries(FAMILIES)) {
        const cls = family[0];
        for (const [size, units] of Object.entries(SIZES)) {
            // T-family: medium and large both have 2 vCPU (4 and 8 GiB); others start at large (2 vCPU).
            if (cls !== "t" && size === "medium") continue;
            if (cls === "t" && size === "4xlarge") continue; // there is no t3.4xlarge
            const vcpu = cls === "t" ? Math.max(2, units) : units;
            const memoryGiB = cls === "t" ? units * 4 : units * GIB_PER_VCPU[cls];
            table[`${family}.${size}`] = { arch: info.arch, vcpu, memoryGiB, burstable: info.burstable ?? false };
        }
    }
    // Too small for API7, listed so the error says why rather than "unknown type".
    for (const family of ["t3", "t3a", "t4g"]) {
        const arch = FAMILIES[family].arch;
        table[`${family}.micro`] = { arch, vcpu: 2, memoryGiB: 1, burstable: true };
        table[`${family}.small`] = { arch, vcpu: 2, memoryGiB: 2, burstable: true };
    }
    return table;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = Object.freeze(buildTable());

/** The minimum host from API7's HA guide (seed 000): x86_64, 2 cores, 4 GiB. */
export const MIN_HOST = Object.freeze({ arch: "x86_64", vcpu: 2, memoryGiB: 4 });

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
        return `has ${vcpu} vCPU / ${memoryGiB} GiB; API7 needs >= ${MIN_HOST.vcpu} vCPU and >= ${MIN_HOST.memoryGiB} GiB`;
    }
    return undefined;
}

/**
 * Why `type` cannot run an API7 host, or undefined when it can or when the table does not know it (then
 * describedInstanceTypeProblem decides, at deploy time).
 */
export function instanceTypeProblem(type: string): string | undefined {
    if (!isKnownInstanceType(type)) return undefined;
    const info = INSTANCE_TYPES[type];
    return factsProblem([info.arch], info.vcpu, info.memoryGiB);
}

/** The same rule on what AWS says of a type the table does not know. */
export function describedInstanceTypeProblem(d: DescribedInstanceType): string | undefined {
    return factsProblem(d.supportedArchitectures, d.defaultVcpus, d.memorySize / 1024);
}

/** The message for a type that cannot run API7: the key as `pulumi config set --path` takes it, and the value. */
export function instanceTypeMessage(key: string, type: string, problem: string): string {
    return `${key} = "${type}": ${problem}`;
}
