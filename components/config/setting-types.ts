/**
 * The schema's building blocks (components/config/schema.ts): the value types settings are made of, with the
 * rules and messages they carry, and the constants the areas and the rest of the program share.
 */
import { z } from "zod";
import { instanceTypeProblem } from "../instance-types";

export const PROJECT = "api7-ha";

/**
 * PostgreSQL major versions offered for the managed database. API7 lists 15 to 18 (the port table of
 * https://docs.api7.ai/enterprise/high-availability/prepare-for-high-availability); its 3.2.16.3 installation guide
 * asks for 15, the default
 * (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/high-availability-installation). 18 is not offered yet:
 * allowing it is one entry here (RDS names its parameter group family postgres18).
 */
export const DATABASE_ENGINE_VERSIONS = ["15", "16", "17"] as const;
export const DEFAULT_DATABASE_ENGINE_VERSION: (typeof DATABASE_ENGINE_VERSIONS)[number] = "15";

/** Shortest allowed export interval: faster exports only add S3 requests and cost. */
export const MIN_EXPORT_INTERVAL_SECONDS = 10;

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** `repo[:tag][@sha256:digest]` with a tag other than latest, or a digest. */
export function imageProblem(ref: string): string | undefined {
    const m =
        /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
            ref,
        );
    if (!m) return "is not a valid image reference ([registry/]repository[:tag][@sha256:digest])";
    const [, tag, digest] = m;
    if (!tag && !digest) return "has no tag: pin a version (e.g. :3.2.16.3) or a digest";
    if (tag === "latest" && !digest)
        return "uses `latest`: pin a version so every host and every preview runs the same image";
    return undefined;
}

export const checked = (check: (value: string) => string | undefined) =>
    z.string().superRefine((value, ctx) => {
        const problem = check(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

export const int = (min: number, max: number, rule: string) =>
    z.number().int({ error: "must be a whole number" }).min(min, { error: rule }).max(max, { error: rule });

export const hostCount = (what: string) =>
    z
        .number()
        .int({ error: "must be a whole number" })
        .min(2, { error: `must be at least 2: one ${what} is a single point of failure` })
        .max(20, { error: "must be at most 20" });

export const port = int(1, 65535, "must be a port from 1 to 65535");
export const threshold = int(2, 10, "must be from 2 to 10 (AWS target-group limits)");
export const optionalArn = (service: string, resource: string, example: string) =>
    z.string().regex(new RegExp(`^(arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}/[A-Za-z0-9-]+)?$`), {
        error: `must be empty or ${example}`,
    });
export const certificateArn = optionalArn(
    "acm",
    "certificate",
    "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
);
/** S3 general purpose bucket naming rules (S3 user guide, bucketnamingrules.html). */
export function bucketNameProblems(name: string): string[] {
    const out: string[] = [];
    if (name.length < 3 || name.length > 63) out.push(`is ${name.length} characters (3 to 63)`);
    if (!/^[a-z0-9.-]+$/.test(name)) out.push("has characters other than lower-case letters, digits, dots and hyphens");
    if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) out.push("does not begin and end with a lower-case letter or digit");
    if (name.includes("..")) out.push("has two adjacent periods");
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) out.push("is formatted as an IP address");
    if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name))
        out.push("begins with a reserved prefix (xn--, sthree-, amzn-s3-demo-)");
    if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) out.push("ends with a reserved suffix");
    return out;
}

export const bucketName = z.string().superRefine((name, ctx) => {
    const problems = name === "" ? [] : bucketNameProblems(name);
    if (problems.length > 0)
        ctx.addIssue({ code: "custom", message: `must be empty or a valid S3 bucket name: it ${problems.join("; ")}` });
});
export const bucketArn = z.string().regex(/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: "is not an S3 bucket ARN (arn:aws:s3:::<bucket>)",
});
export const kmsKeyArn = optionalArn("kms", "key", "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
export const bool = z.boolean({ error: "must be true or false" });
export const ipv4Cidr = z.cidrv4({ error: "is not an IPv4 CIDR (a.b.c.d/n)" });
export const anyCidr = z.union([z.cidrv4(), z.cidrv6()], { error: "is not an IPv4 or IPv6 CIDR" });
export const cidrList = z.array(anyCidr);
export const subnetIds = z.array(
    z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "is not a subnet id (subnet-...)" }),
);
export const instanceType = checked(instanceTypeProblem);
export const image = checked(imageProblem);
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, why = "") =>
    z.enum(values, { error: `must be ${values.map((v) => `\`${v}\``).join(" or ")}${why}` });

/** A setting: its type with default and description. */
export function setting<T extends z.ZodType>(type: T, defaultValue: z.input<T>, description: string) {
    return type.default(defaultValue as never).describe(description);
}

/** An area: a strict object (an unknown property is a typo, reported by name) whose settings all have defaults. */
export function area<T extends z.ZodRawShape>(shape: T, description: string) {
    // Every setting has a default, so an empty object is valid input; the generic shape cannot show that to tsc.
    return z
        .strictObject(shape)
        .prefault({} as never)
        .describe(description);
}
