/**
 * The one place configuration is read. `loadSettings()` reads every project key once, checks all of them (types,
 * ranges, enums, cross-field rules) and returns a frozen, typed settings object; components receive settings and
 * never read `pulumi.Config`. Every problem is reported at once, each naming the full key, the value and the rule,
 * and the error is thrown before any resource is registered.
 *
 * Key declarations (type, default, secret-ness) come from the `config:` block of Pulumi.yaml, so the defaults the
 * program applies are the ones the CLI applies: a test run under mocks sees what a real `pulumi up` would.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { Netmask } from "netmask";
import { z } from "zod";
import { instanceTypeProblem } from "./instance-types";
import { minimumIntervalSeconds } from "./schedule";
import { PORTS } from "./ports";

export const PROJECT = "api7-ha";

// ---------------------------------------------------------------------------------------------------------------
// Declarations (Pulumi.yaml)

export interface KeyDeclaration {
    readonly type: "string" | "integer" | "boolean" | "array";
    readonly description: string;
    readonly default?: unknown;
    readonly secret?: boolean;
    readonly items?: { readonly type: string };
}

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

export function loadDeclarations(file: string = PROJECT_FILE): Readonly<Record<string, KeyDeclaration>> {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, KeyDeclaration> };
    return Object.freeze({ ...(doc.config ?? {}) });
}

// ---------------------------------------------------------------------------------------------------------------
// Settings

export type NatGateways = "single" | "perAz";

export interface NetworkSettings {
    /** CIDR of the VPC the program creates; undefined with a bring-your-own VPC. */
    readonly cidr?: string;
    /** Number of AZs hosts spread over (created VPC: vpc.availabilityZones; BYO: number of private subnets). */
    readonly azCount: number;
    readonly natGateways: NatGateways;
    readonly existing?: {
        readonly vpcId: string;
        readonly privateSubnetIds: readonly string[];
        readonly publicSubnetIds: readonly string[];
    };
}

export type ControlPlaneAuth =
    | { readonly kind: "token"; readonly token: pulumi.Output<string> }
    | {
          readonly kind: "mtls";
          readonly clientCert: pulumi.Output<string>;
          readonly clientKey: pulumi.Output<string>;
          readonly ca: pulumi.Output<string>;
      };

export interface HealthCheckSettings {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
}

export interface DataPlaneLoadBalancerSettings {
    readonly internal: boolean;
    readonly clientCidrs: readonly string[];
    readonly httpPort: number;
    readonly httpsPort: number;
    /** passthrough: TCP to 9443; terminate: TLS at the NLB with certificateArn, plain HTTP to 9080. */
    readonly httpsMode: "passthrough" | "terminate";
    readonly certificateArn?: string;
    readonly healthCheck: HealthCheckSettings;
    readonly deregistrationDelaySeconds: number;
}

export interface FallbackSettings {
    readonly enabled: boolean;
    /** Explicit bucket names; undefined derives them from project, stack and account. */
    readonly configBucketName?: string;
    readonly resourceBucketName?: string;
    readonly kmsKeyArn?: string;
    readonly noncurrentVersionExpirationDays: number;
    readonly cronSpec: string;
    /** Shortest interval between two exports, in seconds (from cronSpec). */
    readonly exportIntervalSeconds: number;
    readonly credentials: "accessKeys" | "instanceRole";
}

/** api7-ha-<stack>-prometheus-hosts must fit IAM's 64 characters. */
const MAX_STACK_NAME_FRAGMENT = 38;

/** Shortest allowed export interval: faster exports only add S3 requests and cost. */
export const MIN_EXPORT_INTERVAL_SECONDS = 10;

/** Physical-name fragment for a stack: lower case, [a-z0-9-] only (S3 and IAM names). */
export function nameFragment(stack: string): string {
    return stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The default bucket names (account id is 12 digits). */
export function defaultBucketName(project: string, stack: string, kind: "config" | "resource", accountId: string): string {
    return `${project}-${nameFragment(stack)}-fallback-${kind}-${accountId}`;
}

export interface Settings {
    readonly project: string;
    readonly stack: string;
    readonly network: NetworkSettings;
    readonly access: {
        readonly adminCidrs: readonly string[];
    };
    readonly loadBalancers: {
        readonly deletionProtection: boolean;
    };
    readonly fallback: FallbackSettings;
    readonly prometheus: {
        readonly enabled: boolean;
        readonly placement: "dedicated" | "controlPlane";
        readonly image: string;
        readonly instanceType: string;
    };
    readonly hosts: {
        /** Pinned AMI, or undefined to resolve Amazon Linux 2023 from AWS's public SSM parameter. */
        readonly amiId?: string;
        readonly rootVolumeGiB: number;
    };
    readonly controlPlane: {
        readonly count: number;
        readonly instanceType: string;
        readonly dashboardImage: string;
        readonly dpManagerImage: string;
        readonly databaseDsn: pulumi.Output<string>;
        /** The DSN's port (5432 when it names none), for the egress rule. */
        readonly databasePort: number;
        /** Where the database is; empty means inside the VPC. */
        readonly databaseCidrs: readonly string[];
        readonly loadBalancer: {
            readonly internal: boolean;
            /** HTTPS on 443 with this certificate; HTTP on 7080 without. */
            readonly certificateArn?: string;
        };
    };
    readonly dataPlane: {
        readonly count: number;
        readonly instanceType: string;
        readonly gatewayImage: string;
        readonly gatewayGroupId: string;
        readonly upstreamCidrs: readonly string[];
        readonly auth: ControlPlaneAuth;
        readonly loadBalancer: DataPlaneLoadBalancerSettings;
        /** normal: connected to the control plane; standalone: serving the last S3 export. */
        readonly mode: "normal" | "standalone";
    };
}

/** Raised with every configuration problem found, one line each. */
export class ConfigError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** `repo[:tag][@sha256:digest]` with a tag other than latest, or a digest. */
export function imageProblem(ref: string): string | undefined {
    const m = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
    if (!m) return "is not a valid image reference ([registry/]repository[:tag][@sha256:digest])";
    const [, tag, digest] = m;
    if (!tag && !digest) return "has no tag: pin a version (e.g. :3.2.16.3) or a digest";
    if (tag === "latest" && !digest) return "uses `latest`: pin a version so every host and every preview runs the same image";
    return undefined;
}

function dsnProblem(dsn: string): string | undefined {
    let url: URL;
    try {
        url = new URL(dsn);
    } catch {
        return "is not a URL; expected postgres://user:password@host:5432/api7ee";
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        return `uses scheme ${url.protocol.replace(/:$/, "")}; expected postgres://user:password@host:5432/api7ee`;
    }
    if (!url.hostname) return "has no host; expected postgres://user:password@host:5432/api7ee";
    return undefined;
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;

const count = (what: string) =>
    z.number().int().min(2, { error: `must be at least 2: one ${what} is a single point of failure` }).max(20, { error: "must be at most 20" });

const port = z.number().int().min(1, { error: "must be a port from 1 to 65535" }).max(65535, { error: "must be a port from 1 to 65535" });
const threshold = z.number().int().min(2, { error: "must be from 2 to 10 (AWS target-group limits)" }).max(10, { error: "must be from 2 to 10 (AWS target-group limits)" });
const certificateArn = z.string().regex(/^(arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+)?$/, { error: "must be empty or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)" });

const bucketName = z.string().regex(/^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$/, { error: "must be empty or a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)" });

const ipv4Cidr = z.cidrv4({ error: "is not an IPv4 CIDR (a.b.c.d/n)" });
const anyCidr = z.union([z.cidrv4(), z.cidrv6()], { error: "is not an IPv4 or IPv6 CIDR" });

const instanceType = z.string().superRefine((t, ctx) => {
    const problem = instanceTypeProblem(t);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const image = z.string().superRefine((ref, ctx) => {
    const problem = imageProblem(ref);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** The schema; cross-field rules that depend on the stack name get it here. */
const schemaFor = (stackName: string) => z
    .object({
        "vpc.cidr": ipv4Cidr.refine((c) => {
            const prefix = Number(c.split("/")[1]);
            return prefix >= 16 && prefix <= 22;
        }, { error: "must have a prefix from /16 to /22 (room for a private and a public subnet per AZ)" }),
        "vpc.availabilityZones": z.number().int().min(2, { error: "must be at least 2: HA needs two availability zones" }).max(6, { error: "must be at most 6" }),
        "vpc.natGateways": z.enum(["single", "perAz"], { error: "must be `single` or `perAz`" }),
        "vpc.existingVpcId": z.string().regex(/^(vpc-[0-9a-f]{8,17})?$/, { error: "must be empty or a VPC id (vpc-...)" }),
        "vpc.existingPrivateSubnetIds": z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "is not a subnet id (subnet-...)" })),
        "vpc.existingPublicSubnetIds": z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "is not a subnet id (subnet-...)" })),
        "access.adminCidrs": z.array(anyCidr),
        "access.allowPublicAdmin": z.boolean(),
        "loadBalancers.deletionProtection": z.boolean(),
        "dataPlane.mode": z.enum(["normal", "standalone"], { error: "must be `normal` or `standalone`" }),
        "fallback.enabled": z.boolean(),
        "fallback.configBucketName": bucketName,
        "fallback.resourceBucketName": bucketName,
        "fallback.kmsKeyArn": z.string().regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+)?$/, { error: "must be empty or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)" }),
        "fallback.noncurrentVersionExpirationDays": z.number().int().min(1, { error: "must be from 1 to 3650 days" }).max(3650, { error: "must be from 1 to 3650 days" }),
        "fallback.cronSpec": z.string().superRefine((spec, ctx) => {
            let seconds: number;
            try {
                seconds = minimumIntervalSeconds(spec);
            } catch (err) {
                ctx.addIssue({ code: "custom", message: (err as Error).message });
                return;
            }
            if (seconds < MIN_EXPORT_INTERVAL_SECONDS) {
                ctx.addIssue({ code: "custom", message: `exports every ${seconds} s; the shortest allowed interval is ${MIN_EXPORT_INTERVAL_SECONDS} s` });
            }
        }),
        "fallback.credentials": z.enum(["accessKeys", "instanceRole"], { error: "must be `accessKeys` or `instanceRole`" }),
        "dataPlane.loadBalancer.internal": z.boolean(),
        "dataPlane.loadBalancer.clientCidrs": z.array(anyCidr),
        "dataPlane.loadBalancer.httpPort": port,
        "dataPlane.loadBalancer.httpsPort": port,
        "dataPlane.loadBalancer.httpsMode": z.enum(["passthrough", "terminate"], { error: "must be `passthrough` or `terminate`" }),
        "dataPlane.loadBalancer.certificateArn": certificateArn,
        "dataPlane.healthCheck.intervalSeconds": z.number().int().min(5, { error: "must be from 5 to 300 seconds (AWS target-group limits)" }).max(300, { error: "must be from 5 to 300 seconds (AWS target-group limits)" }),
        "dataPlane.healthCheck.timeoutSeconds": z.number().int().min(2, { error: "must be from 2 to 120 seconds (AWS target-group limits)" }).max(120, { error: "must be from 2 to 120 seconds (AWS target-group limits)" }),
        "dataPlane.healthCheck.healthyThreshold": threshold,
        "dataPlane.healthCheck.unhealthyThreshold": threshold,
        "dataPlane.deregistrationDelaySeconds": z.number().int().min(0, { error: "must be from 0 to 3600 seconds" }).max(3600, { error: "must be from 0 to 3600 seconds" }),
        "controlPlane.loadBalancer.internal": z.boolean(),
        "controlPlane.loadBalancer.certificateArn": certificateArn,
        "prometheus.enabled": z.boolean(),
        "prometheus.placement": z.enum(["dedicated", "controlPlane"], { error: "must be `dedicated` or `controlPlane` (never a gateway host: its control API holds 127.0.0.1:9090)" }),
        "prometheus.image": image,
        "prometheus.instanceType": instanceType,
        "hosts.amiId": z.string().regex(/^(ami-[0-9a-f]{8,17})?$/, { error: "must be empty or an AMI id (ami-...)" }),
        "hosts.rootVolumeGiB": z.number().int().min(80, { error: "must be at least 80 GiB (API7's minimum free disk)" }).max(16384, { error: "must be at most 16384 GiB (gp3 limit)" }),
        "controlPlane.count": count("control-plane host"),
        "controlPlane.instanceType": instanceType,
        "controlPlane.dashboardImage": image,
        "controlPlane.dpManagerImage": image,
        "controlPlane.databaseDsn": z.string().min(1, { error: "is required: set it with `pulumi config set --secret controlPlane.databaseDsn postgres://...`" }).superRefine((dsn, ctx) => {
            const problem = dsn ? dsnProblem(dsn) : undefined;
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
        "controlPlane.databaseCidrs": z.array(anyCidr),
        "dataPlane.count": count("gateway"),
        "dataPlane.instanceType": instanceType,
        "dataPlane.gatewayImage": image,
        "dataPlane.gatewayGroupId": z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, _ or -" }),
        "dataPlane.upstreamCidrs": z.array(anyCidr),
        "dataPlane.controlPlaneAuth": z.enum(["token", "mtls"], { error: "must be `token` or `mtls`" }),
        "dataPlane.controlPlaneToken": z.string(),
        "dataPlane.controlPlaneClientCert": z.string(),
        "dataPlane.controlPlaneClientKey": z.string(),
        "dataPlane.controlPlaneCa": z.string(),
    })
    .superRefine((c, ctx) => {
        const problem = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });

        // Network: created or brought.
        const byo = c["vpc.existingVpcId"] !== "";
        const privateSubnets = c["vpc.existingPrivateSubnetIds"];
        if (byo && privateSubnets.length < 2) {
            problem("vpc.existingPrivateSubnetIds", "needs at least 2 private subnets in distinct AZs when vpc.existingVpcId is set");
        }
        if (!byo && (privateSubnets.length > 0 || c["vpc.existingPublicSubnetIds"].length > 0)) {
            problem(privateSubnets.length > 0 ? "vpc.existingPrivateSubnetIds" : "vpc.existingPublicSubnetIds", "is set but vpc.existingVpcId is empty; set both or neither");
        }
        for (const key of ["vpc.existingPrivateSubnetIds", "vpc.existingPublicSubnetIds"] as const) {
            const ids = c[key];
            if (new Set(ids).size !== ids.length) problem(key, "lists a subnet twice");
        }
        const azCount = byo ? privateSubnets.length : c["vpc.availabilityZones"];
        if (c["controlPlane.count"] > azCount) {
            problem("controlPlane.count", `is larger than the number of availability zones (${azCount}); each control-plane host needs its own AZ`);
        }

        // Load balancers.
        if (c["dataPlane.healthCheck.timeoutSeconds"] >= c["dataPlane.healthCheck.intervalSeconds"]) {
            problem("dataPlane.healthCheck.timeoutSeconds", `must be less than dataPlane.healthCheck.intervalSeconds (${c["dataPlane.healthCheck.intervalSeconds"]})`);
        }
        if (c["dataPlane.loadBalancer.httpPort"] === c["dataPlane.loadBalancer.httpsPort"]) {
            problem("dataPlane.loadBalancer.httpsPort", "must differ from dataPlane.loadBalancer.httpPort (one listener per port)");
        }
        if (c["dataPlane.loadBalancer.httpsMode"] === "terminate" && !c["dataPlane.loadBalancer.certificateArn"]) {
            problem("dataPlane.loadBalancer.certificateArn", "is required when dataPlane.loadBalancer.httpsMode is `terminate` (a TLS listener needs a certificate)");
        }
        const internetFacing = !c["dataPlane.loadBalancer.internal"] || !c["controlPlane.loadBalancer.internal"];
        if (byo && internetFacing && c["vpc.existingPublicSubnetIds"].length < 2) {
            problem("vpc.existingPublicSubnetIds", "needs at least 2 public subnets in distinct AZs for an internet-facing load balancer (or make both load balancers internal)");
        }

        // Physical names derived from the stack (IAM roles: 64 characters; see host.ts hostRoleName).
        if (nameFragment(stackName).length > MAX_STACK_NAME_FRAGMENT) {
            ctx.addIssue({ code: "custom", path: [], message: `the stack name "${stackName}" is longer than ${MAX_STACK_NAME_FRAGMENT} characters, too long for the IAM names derived from it; use a shorter stack name` });
        }

        // Fallback.
        if (c["dataPlane.mode"] === "standalone" && !c["fallback.enabled"]) {
            problem("dataPlane.mode", "is `standalone` but fallback.enabled is false: standalone gateways serve from the fallback buckets");
        }
        if (c["fallback.configBucketName"] && c["fallback.configBucketName"] === c["fallback.resourceBucketName"]) {
            problem("fallback.resourceBucketName", "must differ from fallback.configBucketName (API7 exports to two buckets)");
        }
        for (const kind of ["config", "resource"] as const) {
            const key = kind === "config" ? "fallback.configBucketName" : "fallback.resourceBucketName";
            const derived = defaultBucketName(PROJECT, stackName, kind, "123456789012");
            if (c["fallback.enabled"] && !c[key] && derived.length > 63) {
                problem(key, `is needed: the stack name makes the default name ${derived.length} characters long (S3 allows 63); set a shorter name`);
            }
        }

        // Admin access is never the whole internet unless someone says so in writing.
        if (!c["access.allowPublicAdmin"]) {
            c["access.adminCidrs"].forEach((cidr, i) => {
                if (PUBLIC_CIDRS.has(cidr)) {
                    ctx.addIssue({ code: "custom", path: ["access.adminCidrs", i], message: "opens the admin ports to the whole internet; use your office/VPN ranges or set access.allowPublicAdmin: true" });
                }
            });
        }

        // Gateway credentials: exactly what the chosen auth needs.
        if (c["dataPlane.controlPlaneAuth"] === "token") {
            if (!c["dataPlane.controlPlaneToken"]) {
                problem("dataPlane.controlPlaneToken", "is required when dataPlane.controlPlaneAuth is `token`: `pulumi config set --secret dataPlane.controlPlaneToken <token from the dashboard>`");
            }
        } else {
            for (const key of ["dataPlane.controlPlaneClientCert", "dataPlane.controlPlaneClientKey", "dataPlane.controlPlaneCa"] as const) {
                if (!c[key]) problem(key, "is required when dataPlane.controlPlaneAuth is `mtls` (cert, key and CA go together)");
                else if (!PEM.test(c[key])) problem(key, "is not PEM (-----BEGIN ...----- ... -----END ...-----)");
            }
        }
    });

type Checked = z.infer<ReturnType<typeof schemaFor>>;

/** The keys the schema checks: must be exactly the keys Pulumi.yaml declares (a test holds them equal). */
export const CHECKED_KEYS: readonly string[] = Object.freeze(Object.keys(schemaFor("stack").shape));

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Raw config values as the runtime stores them: strings (JSON for arrays), keyed without the project prefix. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

function coerce(key: string, decl: KeyDeclaration, raw: string): { value?: unknown; problem?: string } {
    switch (decl.type) {
        case "integer":
            return /^-?\d+$/.test(raw.trim()) ? { value: Number(raw) } : { problem: "must be a whole number" };
        case "boolean":
            return raw === "true" || raw === "false" ? { value: raw === "true" } : { problem: "must be true or false" };
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                return { problem: "must be a list (in the stack file: a YAML list under the key)" };
            }
            return Array.isArray(parsed) && parsed.every((v) => typeof v === "string")
                ? { value: parsed }
                : { problem: "must be a list of strings" };
        }
        case "string":
            return { value: raw };
    }
    return { problem: `has unsupported declared type ${String(decl.type)} in Pulumi.yaml (key ${key})` };
}

function show(value: unknown, secret: boolean): string {
    return secret ? "[secret]" : JSON.stringify(value);
}

/**
 * Checks raw config and builds the settings. `raw` holds the values set in the stack (missing keys take their
 * Pulumi.yaml default); `unknownKeys` are project keys set in the stack that Pulumi.yaml does not declare.
 * Throws ConfigError listing every problem.
 */
export function parseSettings(
    raw: RawConfig,
    context: { readonly project?: string; readonly stack: string; readonly unknownKeys?: readonly string[] },
    declarations: Readonly<Record<string, KeyDeclaration>> = loadDeclarations(),
): Settings {
    const project = context.project ?? PROJECT;
    const problems: string[] = [];
    const values: Record<string, unknown> = {};

    for (const key of context.unknownKeys ?? []) {
        problems.push(`${project}:${key}: is not a key this program reads (see the config reference in README.md); check its spelling`);
    }
    for (const [key, decl] of Object.entries(declarations)) {
        const given = raw[key];
        if (given === undefined) {
            values[key] = decl.default ?? (decl.type === "array" ? [] : "");
            continue;
        }
        const { value, problem } = coerce(key, decl, given);
        if (problem) problems.push(`${project}:${key} = ${show(given, !!decl.secret)}: ${problem}`);
        else values[key] = value;
    }

    const result = schemaFor(context.stack).safeParse(values);
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.path.length === 0) {
                problems.push(`stack ${context.stack}: ${issue.message}`);
                continue;
            }
            const [key, index] = issue.path as [string, number | undefined];
            // A key that already failed to coerce has no value to check further.
            if (problems.some((p) => p.startsWith(`${project}:${key} =`))) continue;
            const secret = !!declarations[key]?.secret;
            const value = index === undefined ? values[key] : (values[key] as unknown[])[index];
            const where = index === undefined ? "" : `[${index}]`;
            problems.push(`${project}:${key}${where} = ${show(value, secret)}: ${issue.message}`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return build(result.data as Checked, project, context.stack);
}

function build(c: Checked, project: string, stack: string): Settings {
    const byo = c["vpc.existingVpcId"] !== "";
    const secret = (v: string) => pulumi.secret(v);
    const settings: Settings = {
        project,
        stack,
        network: {
            cidr: byo ? undefined : new Netmask(c["vpc.cidr"]).toString(),
            azCount: byo ? c["vpc.existingPrivateSubnetIds"].length : c["vpc.availabilityZones"],
            natGateways: c["vpc.natGateways"],
            existing: byo
                ? {
                      vpcId: c["vpc.existingVpcId"],
                      privateSubnetIds: c["vpc.existingPrivateSubnetIds"],
                      publicSubnetIds: c["vpc.existingPublicSubnetIds"],
                  }
                : undefined,
        },
        access: { adminCidrs: c["access.adminCidrs"] },
        loadBalancers: { deletionProtection: c["loadBalancers.deletionProtection"] },
        fallback: {
            enabled: c["fallback.enabled"],
            configBucketName: c["fallback.configBucketName"] || undefined,
            resourceBucketName: c["fallback.resourceBucketName"] || undefined,
            kmsKeyArn: c["fallback.kmsKeyArn"] || undefined,
            noncurrentVersionExpirationDays: c["fallback.noncurrentVersionExpirationDays"],
            cronSpec: c["fallback.cronSpec"],
            exportIntervalSeconds: minimumIntervalSeconds(c["fallback.cronSpec"]),
            credentials: c["fallback.credentials"],
        },
        prometheus: {
            enabled: c["prometheus.enabled"],
            placement: c["prometheus.placement"],
            image: c["prometheus.image"],
            instanceType: c["prometheus.instanceType"],
        },
        hosts: { amiId: c["hosts.amiId"] || undefined, rootVolumeGiB: c["hosts.rootVolumeGiB"] },
        controlPlane: {
            count: c["controlPlane.count"],
            instanceType: c["controlPlane.instanceType"],
            dashboardImage: c["controlPlane.dashboardImage"],
            dpManagerImage: c["controlPlane.dpManagerImage"],
            databaseDsn: secret(c["controlPlane.databaseDsn"]),
            databasePort: Number(new URL(c["controlPlane.databaseDsn"]).port || PORTS.postgres),
            databaseCidrs: c["controlPlane.databaseCidrs"],
            loadBalancer: {
                internal: c["controlPlane.loadBalancer.internal"],
                certificateArn: c["controlPlane.loadBalancer.certificateArn"] || undefined,
            },
        },
        dataPlane: {
            count: c["dataPlane.count"],
            instanceType: c["dataPlane.instanceType"],
            gatewayImage: c["dataPlane.gatewayImage"],
            gatewayGroupId: c["dataPlane.gatewayGroupId"],
            upstreamCidrs: c["dataPlane.upstreamCidrs"],
            loadBalancer: {
                internal: c["dataPlane.loadBalancer.internal"],
                clientCidrs: c["dataPlane.loadBalancer.clientCidrs"],
                httpPort: c["dataPlane.loadBalancer.httpPort"],
                httpsPort: c["dataPlane.loadBalancer.httpsPort"],
                httpsMode: c["dataPlane.loadBalancer.httpsMode"],
                certificateArn: c["dataPlane.loadBalancer.certificateArn"] || undefined,
                healthCheck: {
                    intervalSeconds: c["dataPlane.healthCheck.intervalSeconds"],
                    timeoutSeconds: c["dataPlane.healthCheck.timeoutSeconds"],
                    healthyThreshold: c["dataPlane.healthCheck.healthyThreshold"],
                    unhealthyThreshold: c["dataPlane.healthCheck.unhealthyThreshold"],
                },
                deregistrationDelaySeconds: c["dataPlane.deregistrationDelaySeconds"],
            },
            mode: c["dataPlane.mode"],
            auth:
                c["dataPlane.controlPlaneAuth"] === "token"
                    ? { kind: "token", token: secret(c["dataPlane.controlPlaneToken"]) }
                    : {
                          kind: "mtls",
                          clientCert: secret(c["dataPlane.controlPlaneClientCert"]),
                          clientKey: secret(c["dataPlane.controlPlaneClientKey"]),
                          ca: secret(c["dataPlane.controlPlaneCa"]),
                      },
        },
    };
    return deepFreeze(settings);
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}

/** Reads the stack's configuration from the Pulumi runtime. The only reader of `pulumi.Config` in the program. */
export function loadSettings(): Settings {
    const declarations = loadDeclarations();
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, string | undefined> = {};
    for (const key of Object.keys(declarations)) raw[key] = config.get(key);
    const prefix = `${PROJECT}:`;
    const unknownKeys = Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length))
        .filter((k) => !(k in declarations));
    return parseSettings(raw, { project: PROJECT, stack: pulumi.getStack(), unknownKeys }, declarations);
}
