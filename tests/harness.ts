/**
 * Runs the real program (index.ts) under Pulumi's mock runtime with a real stack file, and records every resource
 * it registers: type, name, inputs, parent type (from the URN) and the stack outputs with their secret-ness.
 *
 * What the mocks cannot do, the harness does: it fails on a repeated (type, name) as the engine fails on a
 * duplicate URN, answers every invoke the program makes (and fails on any other), builds IAM policy JSON from
 * getPolicyDocument statements as the provider would, and fills computed attributes (ids, ARNs, DNS names,
 * instance addresses) deterministically.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig, ROOT } from "../scripts/stack-file";

export { readStackConfig, ROOT } from "../scripts/stack-file";
export const PROJECT = "api7-ha";
export const STACKS = ["prod", "dev"] as const;
export type StackName = (typeof STACKS)[number];

/** Test secrets: distinctive markers, so a test can prove none of them leaks into user data or plain outputs. */
export const TEST_SECRETS = Object.freeze({
    "controlPlane.databaseDsn": "postgres://api7:MARKER-DB-PASSWORD-7f3a@db.internal:5432/api7ee",
    "dataPlane.controlPlaneToken": "MARKER-GATEWAY-TOKEN-91c2",
});

export const TEST_PEM = Object.freeze({
    cert: "-----BEGIN CERTIFICATE-----\nMARKERCERT0001\n-----END CERTIFICATE-----",
    key: "-----BEGIN PRIVATE KEY-----\nMARKERKEY0002\n-----END PRIVATE KEY-----",
    ca: "-----BEGIN CERTIFICATE-----\nMARKERCA0003\n-----END CERTIFICATE-----",
});

/** Every marker a leak check looks for: the test secrets and the mock's access keys (ids and secrets). */
export const SECRET_MARKERS = ["MARKER-DB-PASSWORD-7f3a", "MARKER-GATEWAY-TOKEN-91c2", "MARKERCERT0001", "MARKERKEY0002", "MARKERCA0003", "MOCK-SECRET-ACCESS-KEY", "AKIAMOCK"];

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_RESOLVED_AMI = "ami-0feedfacecafe0001";
export const MOCK_AZS = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

export interface Recorded {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly custom: boolean;
    /** Dotted paths of inputs the program marked secret (their values are unwrapped in `inputs`). */
    readonly secretInputs: readonly string[];
    /** Type of the parent resource, from the URN ("" at the stack root). */
    parentType: string;
    urn: string;
}

export interface Invoke {
    readonly token: string;
    readonly inputs: Record<string, any>;
}

export interface RunOptions {
    /** Stack file to load (Pulumi.<stack>.yaml). */
    readonly stack: StackName;
    /** Config overrides, keyed without the project prefix ("dataPlane.count"); undefined removes a key. Arrays/objects are JSON-encoded. */
    readonly config?: Readonly<Record<string, unknown>>;
    /** Secret config (keyed without prefix); defaults to TEST_SECRETS. */
    readonly secrets?: Readonly<Record<string, string>>;
    /** Evaluate as `pulumi preview` rather than `pulumi up`. */
    readonly preview?: boolean;
    /** Invoke answers for bring-your-own subnets: subnet id -> AZ (and VPC). */
    readonly existingSubnets?: Readonly<Record<string, { az: string; vpcId: string }>>;
    /**
     * Evaluate again even if this worker already evaluated the same options (by default a successful evaluation is
     * reused: the program and its inputs do not change during a test run).
     */
    readonly fresh?: boolean;
}

export interface RunResult {
    readonly resources: readonly Recorded[];
    /**
     * Values the mock made up for what AWS computes at deploy time (ids, ARNs, DNS names, addresses), each with a
     * placeholder naming it ("<api7-dp-lb-nlb.dnsName>"), for manifests that must not pass mock values off as real.
     */
    readonly computed: readonly (readonly [value: string, placeholder: string])[];
    readonly invokes: readonly Invoke[];
    readonly outputs: Record<string, unknown>;
    /** Names of stack outputs that are secret. */
    readonly secretOutputs: ReadonlySet<string>;
    readonly warnings: readonly string[];
    /** All resources of `type`. */
    ofType(type: string): Recorded[];
    /** The one resource of `type` whose name is `name`; throws when absent. */
    get(type: string, name: string): Recorded;
}

/** The provider builds this JSON from getPolicyDocument's statements; the mock must too, or tests see nothing. */
export function policyDocumentJson(inputs: Record<string, any>): string {
    const statements = (inputs.statements ?? []).map((s: any) => {
        const out: Record<string, unknown> = {};
        if (s.sid) out.Sid = s.sid;
        out.Effect = s.effect ?? "Allow";
        if (s.actions) out.Action = one(s.actions);
        if (s.notActions) out.NotAction = one(s.notActions);
        if (s.resources) out.Resource = one(s.resources);
        if (s.principals) {
            const p: Record<string, unknown> = {};
            for (const pr of s.principals) p[pr.type] = one(pr.identifiers);
            out.Principal = s.principals.length === 1 && s.principals[0].type === "*" ? "*" : p;
        }
        if (s.conditions) {
            const c: Record<string, Record<string, unknown>> = {};
            for (const cond of s.conditions) (c[cond.test] ??= {})[cond.variable] = one(cond.values);
            out.Condition = c;
        }
        return out;
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The SDK's marker for a secret value on the wire (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secret wrappers with their values, collecting the paths that were secret. */
function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secretPaths.push(path);
            return unwrapSecrets(obj.value, path, []);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths)]));
    }
    return value;
}

function one(values: unknown[]): unknown {
    return values.length === 1 ? values[0] : values;
}

function hash(text: string): number {
    let h = 2166136261;
    for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    return h;
}

/** Third-party modules the program uses, loaded once per test file: the SDKs (one runtime state) and stateless libraries. */
const SHARED_MODULES = ["@pulumi/pulumi", "@pulumi/aws", "js-yaml", "zod", "netmask", "cron-parser"];

function loadProgram(): Record<string, unknown> {
    const index = path.join(ROOT, "index.ts");
    if (typeof jest !== "undefined") {
        // A fresh copy of the program's own modules, sharing this file's instances of the (real) third-party
        // modules: reloading them for every evaluation costs seconds, and one SDK instance means one runtime state.
        const shared: Record<string, unknown> = {};
        for (const name of SHARED_MODULES) shared[name] = require(name);
        let exported: Record<string, unknown> = {};
        jest.isolateModules(() => {
            for (const [name, mod] of Object.entries(shared)) jest.doMock(name, () => mod);
            exported = require(index);
        });
        return exported;
    }
    // Outside jest (bench/): forget the program's own modules, keep the SDKs loaded.
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(ROOT) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
    }
    return require(index);
}

function waitForRPCs(): Promise<void> {
    // Internal to the SDK, but the only way to know every registration has been answered.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    return settings.waitForRPCs();
}

/** Error raised when the program failed; carries what was registered before it did. */
export class ProgramError extends Error {
    constructor(message: string, public readonly resources: readonly Recorded[]) {
        super(message);
    }
}

interface Evaluation {
    readonly resources: Recorded[];
    readonly computed: [string, string][];
    readonly invokes: Invoke[];
    readonly outputs: Record<string, unknown>;
    readonly secretOutputs: string[];
    readonly warnings: string[];
}

function toResult(e: Evaluation): RunResult {
    return {
        ...e,
        secretOutputs: new Set(e.secretOutputs),
        ofType: (type) => e.resources.filter((r) => r.type === type),
        get: (type, name) => {
            const found = e.resources.find((r) => r.type === type && r.name === name);
            if (!found) throw new Error(`no ${type} named ${name}; have: ${e.resources.filter((r) => r.type === type).map((r) => r.name).join(", ")}`);
            return found;
        },
    };
}

/** Evaluates the program (or reuses this worker's evaluation of the same options; see RunOptions.fresh). */
export async function runProgram(options: RunOptions): Promise<RunResult> {
    const cache = (globalThis as { __api7Evaluations?: Map<string, string> }).__api7Evaluations;
    const { fresh, ...rest } = options;
    const key = JSON.stringify(rest);
    const cached = fresh ? undefined : cache?.get(key);
    if (cached) return toResult(JSON.parse(cached) as Evaluation);
    // The SDK records `new Error().stack` for every promise it tracks (runtime/debuggable.ts); under jest each of
    // those stacks is source-mapped, which made an evaluation several times slower than the program itself.
    // Messages are unaffected; the limit is restored before any assertion runs.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let evaluation: Evaluation;
    try {
        evaluation = await evaluate(options);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
    cache?.set(key, JSON.stringify(evaluation));
    return toResult(evaluation);
}

async function evaluate(options: RunOptions): Promise<Evaluation> {
    const stackConfig = readStackConfig(options.stack);
    const region = stackConfig["aws:region"] ?? "us-east-1";
    const config: Record<string, string> = { ...stackConfig };
    for (const [key, value] of Object.entries(options.config ?? {})) {
        const full = `${PROJECT}:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const secrets = options.secrets ?? TEST_SECRETS;
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(secrets)) {
        config[`${PROJECT}:${key}`] = value;
        secretKeys.push(`${PROJECT}:${key}`);
    }

    const resources: Recorded[] = [];
    const invokes: Invoke[] = [];
    const seen = new Set<string>();
    const subnetAz = new Map<string, string>();
    const duplicates: string[] = [];
    const computed: [string, string][] = [
        [MOCK_ACCOUNT, "<account-id>"],
        [MOCK_RESOLVED_AMI, "<al2023-x86_64-ami, resolved at deploy>"],
    ];

    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            const key = `${args.type}::${args.name}`;
            if (seen.has(key)) duplicates.push(key);
            seen.add(key);
            const secretInputs: string[] = [];
            const inputs = unwrapSecrets(args.inputs, "", secretInputs) as Record<string, any>;
            resources.push({ type: args.type, name: args.name, inputs, secretInputs, custom: !!args.custom, parentType: "", urn: "" });
            const id = `${args.name}-id`;
            const state: Record<string, any> = { ...inputs, arn: `arn:aws:mock:${region}:${MOCK_ACCOUNT}:${args.type}/${args.name}` };
            switch (args.type) {
                case "aws:ec2/subnet:Subnet":
                    subnetAz.set(id, inputs.availabilityZone);
                    break;
                case "aws:ec2/instance:Instance": {
                    // From the name, not a counter: the order resources register in must not matter.
                    const h = hash(args.name);
                    state.privateIp = `10.99.${(h >>> 8) % 250}.${(h % 240) + 10}`;
                    state.availabilityZone = subnetAz.get(inputs.subnetId) ?? options.existingSubnets?.[inputs.subnetId]?.az;
                    break;
                }
                case "aws:ssm/parameter:Parameter":
                    state.version = 1;
                    break;
                case "aws:iam/role:Role":
                case "aws:iam/user:User":
                    state.name = inputs.name ?? `${args.name}-${(hash(args.name) % 0xfffff).toString(16)}`;
                    break;
                case "aws:s3/bucket:Bucket":
                    state.bucket = inputs.bucket ?? args.name;
                    state.arn = `arn:aws:s3:::${state.bucket}`;
                    break;
                case "aws:lb/loadBalancer:LoadBalancer":
                    state.dnsName = `${args.name}-${hash(args.name) % 100000}.elb.${region}.amazonaws.com`;
                    state.arnSuffix = `net/${args.name}/0001`;
                    state.zoneId = "Z0MOCKZONE";
                    break;
                case "aws:lb/targetGroup:TargetGroup":
                    state.arnSuffix = `targetgroup/${args.name}/0001`;
                    break;
                case "aws:iam/accessKey:AccessKey":
                    state.secret = `MOCK-SECRET-ACCESS-KEY-${args.name}`;
                    state.id = `AKIAMOCK${(hash(args.name) % 1e8).toString().padStart(8, "0")}`;
                    break;
            }
            const returnedId = args.type === "aws:iam/accessKey:AccessKey" ? state.id : id;
            computed.push([returnedId, `<${args.name}.id>`], [state.arn, `<${args.name}.arn>`]);
            for (const attr of ["dnsName", "arnSuffix", "privateIp"]) {
                if (typeof state[attr] === "string") computed.push([state[attr], `<${args.name}.${attr}>`]);
            }
            if (state.name !== inputs.name && typeof state.name === "string") computed.push([state.name, `<${args.name}.name>`]);
            return { id: returnedId, state };
        },
        call(args) {
            invokes.push({ token: args.token, inputs: args.inputs });
            const i = args.inputs as Record<string, any>;
            switch (args.token) {
                case "aws:index/getAvailabilityZones:getAvailabilityZones":
                    return { names: MOCK_AZS, zoneIds: MOCK_AZS.map((_, n) => `use1-az${n + 1}`), id: region };
                case "aws:ssm/getParameter:getParameter":
                    return { name: i.name, value: MOCK_RESOLVED_AMI, type: "String", id: i.name };
                case "aws:iam/getPolicyDocument:getPolicyDocument":
                    return { json: policyDocumentJson(i), minifiedJson: policyDocumentJson(i), id: "policy" };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/ci`, userId: "AIDAMOCK", id: MOCK_ACCOUNT };
                case "aws:index/getRegion:getRegion":
                    return { region, name: region, endpoint: `ec2.${region}.amazonaws.com`, description: region, id: region };
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
                case "aws:ec2/getSubnet:getSubnet": {
                    const sub = options.existingSubnets?.[i.id];
                    if (!sub) throw new Error(`harness: no mock for subnet ${i.id}`);
                    return { id: i.id, availabilityZone: sub.az, vpcId: sub.vpcId, cidrBlock: "10.90.0.0/24" };
                }
                case "aws:ec2/getVpc:getVpc":
                    return { id: i.id, cidrBlock: "10.90.0.0/16" };
            }
            throw new Error(`harness: the program made an invoke the harness does not answer: ${args.token}`);
        },
    };

    const warnings: string[] = [];
    const originalWarn = pulumi.log.warn;
    await pulumi.runtime.setMocks(mocks, PROJECT, options.stack, options.preview ?? false);
    pulumi.runtime.setAllConfig(config, secretKeys);

    let exported: Record<string, unknown>;
    try {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        try {
            exported = loadProgram();
        } catch (err) {
            await waitForRPCs().catch(() => undefined);
            throw new ProgramError((err as Error).message, resources);
        }
        const outputs: Record<string, unknown> = {};
        const secretOutputs = new Set<string>();
        try {
            for (const [name, value] of Object.entries(exported)) {
                const out = pulumi.output(value) as any;
                outputs[name] = await out.promise();
                if (await out.isSecret) secretOutputs.add(name);
            }
            await waitForRPCs();
        } catch (err) {
            // An error raised inside an apply fails every resource waiting on it, as in a real deployment.
            // Its echoes (every resource that waited on the failed value) are absorbed by tests/environment.js.
            (globalThis as { __api7ReportedProgramError?: (m: string) => void }).__api7ReportedProgramError?.((err as Error).message);
            await waitForRPCs().catch(() => undefined);
            throw new ProgramError((err as Error).message, resources);
        }
        if (duplicates.length > 0) {
            throw new ProgramError(`duplicate resource (type, name), which the engine rejects as a duplicate URN: ${duplicates.join(", ")}`, resources);
        }
        attachUrns(resources);
        return { resources, computed, invokes, outputs, secretOutputs: [...secretOutputs], warnings };
    } finally {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
    }
}

/** URNs come from the mock monitor (the mock's newResource never sees them); the parent type is in the URN. */
function attachUrns(resources: Recorded[]): void {
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any };
    const monitor = settings.getMonitor();
    const urns: string[] = [...monitor.getRegisteredResources().keys()];
    for (const r of resources) {
        const urn = urns.find((u) => {
            const [, , qualifiedType, name] = u.split("::");
            return name === r.name && qualifiedType.split("$").pop() === r.type;
        });
        if (!urn) continue;
        r.urn = urn;
        const chain = urn.split("::")[2].split("$");
        r.parentType = chain.length > 1 ? chain[chain.length - 2] : "";
    }
}
