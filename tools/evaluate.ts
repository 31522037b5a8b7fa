/**
 * The evaluation itself: runs index.ts under Pulumi's mock runtime and records what it registers. Kept apart from
 * tools/harness.ts (the API tests use) because under jest it runs natively, outside the test VM: tests/environment.js
 * loads it once per worker, so the SDKs load once and run at native speed, and results cross back as JSON.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    LAB_ISSUED_TOKEN,
    MOCK_ACCOUNT,
    MOCK_AZS,
    MOCK_RESOLVED_AMI,
    PROJECT,
    type Evaluation,
    type Invoke,
    type Recorded,
    type RunOptions,
} from "./harness";
import { commandsFor, readProjectFile } from "./pulumi-cli/commands";
import { CliError, languageHostEnv, mergeConfig, readStackFile, runConfigCommand } from "./pulumi-cli/config";
import { ROOT } from "../scripts/stack-file";
import { policyDocumentJson } from "./policy-document";

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
        return Object.fromEntries(
            Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths)]),
        );
    }
    return value;
}

/**
 * What AWS says of instance types outside the program's offline table, as the Amazon EC2 Instance Types guide lists
 * them (default vCPUs, memory in GiB, processor): general purpose,
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (m7i-flex.large 2 vCPU / 8 GiB, Intel Xeon; t3a.nano 2
 * vCPU / 0.5 GiB, AMD EPYC); compute optimized, https://docs.aws.amazon.com/ec2/latest/instancetypes/co.html
 * (c8i.large 2 vCPU / 4 GiB, Intel Xeon; c8g.large 2 vCPU / 4 GiB, AWS Graviton4, arm64); and c6i.large (2 vCPU / 4
 * GiB), described only when a warm pool hibernates it. HibernationSupported: true for the families AWS lists as
 * hibernating (EC2 guide, hibernation prerequisites, "Supported instance families": M7i-flex, T3a, C6i among them,
 * https://docs.amazonaws.cn/en_us/AWSEC2/latest/WindowsGuide/hibernating-prerequisites.html); c8i and c8g are not in
 * that list as read (it may have grown since), so false.
 */
const DESCRIBED_INSTANCE_TYPES: Record<
    string,
    {
        supportedArchitectures: string[];
        defaultVcpus: number;
        memorySize: number;
        burstablePerformanceSupported: boolean;
        hibernationSupported: boolean;
    }
> = {
    "c6i.large": {
        supportedArchitectures: ["x86_64"],
        defaultVcpus: 2,
        memorySize: 4096,
        burstablePerformanceSupported: false,
        hibernationSupported: true,
    },
    "c8i.large": {
        supportedArchitectures: ["x86_64"],
        defaultVcpus: 2,
        memorySize: 4096,
        burstablePerformanceSupported: false,
        hibernationSupported: false,
    },
    "m7i-flex.large": {
        supportedArchitectures: ["x86_64"],
        defaultVcpus: 2,
        memorySize: 8192,
        burstablePerformanceSupported: false,
        hibernationSupported: true,
    },
    "t3a.nano": {
        supportedArchitectures: ["x86_64"],
        defaultVcpus: 2,
        memorySize: 512,
        burstablePerformanceSupported: true,
        hibernationSupported: true,
    },
    "c8g.large": {
        supportedArchitectures: ["arm64"],
        defaultVcpus: 2,
        memorySize: 4096,
        burstablePerformanceSupported: false,
        hibernationSupported: false,
    },
};

/**
 * Which AZs offer a type (DescribeInstanceTypeOfferings): the region's every AZ, except for the type listed here,
 * which stands for one an AZ lacks. Offerings differ per AZ, and AZ names map to different zones in each account
 * (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html), so no real type is missing from
 * us-east-1c for every account.
 */
const OFFERED_IN: Record<string, readonly string[]> = { "r7i.large": ["us-east-1a", "us-east-1b", "us-east-1d"] };

/**
 * A failed invoke as the SDK receives it: a gRPC error whose details the engine wrote as "invocation of <token>
 * returned an error: <provider error>" (pulumi/pulumi pkg/resource/deploy/source_eval.go @ae0d4ab5), which the SDK
 * raises as `new Error(err.details)` (@pulumi/pulumi 3.248 runtime/invoke.js). The provider's error for the data
 * source is "reading EC2 Instance Type: <AWS SDK error>" (terraform-provider-aws internal/tfresource/errors.go
 * SingularDataSourceFindError @1159b3ee), and the AWS SDK's "operation error EC2: <Action>, https response error
 * StatusCode: 400, RequestID: <id>, api error <Code>: <Message>" (aws/smithy-go errors.go @4e34e639).
 */
function invokeError(token: string, action: string, code: string, message: string): Error {
    const reason =
        `reading EC2 Instance Type: operation error EC2: ${action}, https response error StatusCode: ` +
        `400, RequestID: 00000000-0000-4000-8000-000000000000, api error ${code}: ${message}`;
    return Object.assign(new Error(reason), { details: `invocation of ${token} returned an error: ${reason}` });
}

function hash(text: string): number {
    let h = 2166136261;
    for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    return h;
}

/**
 * Runs the program afresh: its entry module is required again, and with it every resource and every read of the
 * configuration. The component modules stay loaded, as the SDKs do: they hold only constants (config is read when
 * the program runs, in components/config/runtime.ts), and loading them again for each of the suite's evaluations
 * would cost more time than all the rest of an evaluation.
 */
function loadProgram(program: string): Record<string, unknown> {
    const entry = path.join(ROOT, program);
    delete require.cache[entry];
    return require(entry) as Record<string, unknown>;
}

function waitForRPCs(): Promise<void> {
    // Internal to the SDK, but the only way to know every registration has been answered.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    return settings.waitForRPCs();
}

/** The outcome of an evaluation, as it crosses realms (JSON). */
export type Outcome =
    | { readonly ok: Evaluation }
    | { readonly error: string; readonly resources: Recorded[]; readonly stage: "cli" | "program" };

/**
 * Evaluates and reports the outcome. `onProgramError` hears the message of a failed program, whose echoes (every
 * resource that waited on the failed value rejects too) the caller may have to absorb.
 */
export async function evaluateOutcome(
    options: RunOptions,
    onProgramError?: (message: string) => void,
): Promise<Outcome> {
    // The SDK records `new Error().stack` for every promise it tracks (runtime/debuggable.ts); where stacks are
    // source-mapped that dominates the run. Messages are unaffected.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return { ok: await evaluate(options, onProgramError) };
    } catch (err) {
        if (err instanceof CliError) return { error: err.message, resources: [], stage: "cli" };
        if (!(err instanceof EvaluationError)) throw err;
        return { error: err.message, resources: err.resources, stage: "program" };
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

/** JSON in, JSON out: what tests/environment.js calls from the jest worker's own realm. */
export async function evaluateJson(optionsJson: string, onProgramError?: (message: string) => void): Promise<string> {
    return JSON.stringify(await evaluateOutcome(JSON.parse(optionsJson) as RunOptions, onProgramError));
}

class EvaluationError extends Error {
    constructor(
        message: string,
        public readonly resources: Recorded[],
    ) {
        super(message);
    }
}

async function evaluate(options: RunOptions, onProgramError?: (message: string) => void): Promise<Evaluation> {
    // Configure exactly as a user with the CLI would: the committed stack file, the `pulumi config` commands, the
    // merge and validation of `pulumi up`, and the environment the Node language host hands the program.
    const stackFile = readStackFile(path.join(ROOT, `Pulumi.${options.stack}.yaml`), PROJECT);
    for (const argv of commandsFor(options)) runConfigCommand(stackFile, PROJECT, argv);
    const merged = mergeConfig(readProjectFile(), stackFile, options.stack);
    const env = languageHostEnv(merged);
    const region = merged.get("aws:region", false).value?.text ?? "us-east-1";

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
            resources.push({
                type: args.type,
                name: args.name,
                inputs,
                secretInputs,
                custom: !!args.custom,
                parentType: "",
                urn: "",
                dependencies: [],
                ignoreChanges: [],
                retainOnDelete: false,
                additionalSecretOutputs: [],
            });
            const id = `${args.name}-id`;
            const state: Record<string, any> = {
                ...inputs,
                arn: `arn:aws:mock:${region}:${MOCK_ACCOUNT}:${args.type}/${args.name}`,
            };
            switch (args.type) {
                case "aws:ec2/subnet:Subnet":
                    subnetAz.set(id, inputs.availabilityZone);
                    break;
                case "aws:ec2/instance:Instance": {
                    // From the name, not a counter: the order resources register in must not matter.
                    const h = hash(args.name);
                    state.privateIp = `10.99.${(h >>> 8) % 250}.${(h % 240) + 10}`;
                    state.availabilityZone =
                        subnetAz.get(inputs.subnetId) ?? options.existingSubnets?.[inputs.subnetId]?.az;
                    break;
                }
                case "aws:ec2/networkInterface:NetworkInterface": {
                    // As EC2 gives one: an address in its subnet (from the name, as an instance's), and its ARN.
                    const h = hash(args.name);
                    state.privateIp = `10.98.${(h >>> 8) % 250}.${(h % 240) + 10}`;
                    state.arn = `arn:aws:ec2:${region}:${MOCK_ACCOUNT}:network-interface/${id}`;
                    break;
                }
                case "aws:ebs/volume:Volume":
                    state.arn = `arn:aws:ec2:${region}:${MOCK_ACCOUNT}:volume/${id}`;
                    break;
                // @pulumi/tls and @pulumi/random compute these locally at deploy time; PEM-shaped stand-ins here.
                case "tls:index/privateKey:PrivateKey":
                    state.privateKeyPem = mockPem("EC PRIVATE KEY", args.name);
                    break;
                case "tls:index/selfSignedCert:SelfSignedCert":
                case "tls:index/locallySignedCert:LocallySignedCert":
                    state.certPem = mockPem("CERTIFICATE", args.name);
                    break;
                case "tls:index/certRequest:CertRequest":
                    state.certRequestPem = mockPem("CERTIFICATE REQUEST", args.name);
                    break;
                case "random:index/randomPassword:RandomPassword":
                    state.result = `MOCKpw${crypto.createHash("sha256").update(args.name).digest("hex").slice(0, 26)}`;
                    break;
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
                    // As ELB names one (the run spec holds the gateways' to such ARNs).
                    state.arn = `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT}:${state.arnSuffix}`;
                    break;
                case "aws:ssm/association:Association":
                    // SSM gives a UUID; its resource name stands in.
                    state.associationId = `${args.name}-id`;
                    break;
                case "aws:sns/topic:Topic":
                    // As SNS names a topic: arn:<partition>:sns:<region>:<account>:<name>.
                    state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT}:${inputs.name ?? args.name}`;
                    break;
                case "aws:cloudwatch/logGroup:LogGroup":
                    // As the provider reads it: the group's ARN without the `:*` the API appends
                    // (hashicorp/terraform-provider-aws internal/service/logs/group.go, trimLogGroupARNWildcardSuffix).
                    state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${inputs.name}`;
                    break;
                case "aws:kms/key:Key":
                    state.keyId = `mock-key-${(hash(args.name) % 1e8).toString(16)}`;
                    state.arn = `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${state.keyId}`;
                    break;
                case "aws:rds/instance:Instance":
                    // As RDS answers: an endpoint under the region's rds domain, and the master user secret it
                    // creates (named rds!db-<resource id>, RDS user guide rds-secrets-manager.html).
                    state.address = `${inputs.identifier}.c0mock.${region}.rds.amazonaws.com`;
                    state.port = inputs.port ?? 5432;
                    state.masterUserSecrets = inputs.manageMasterUserPassword
                        ? [
                              {
                                  secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:rds!db-mock-${hash(args.name) % 1e6}-AbCdEf`,
                                  kmsKeyId: "",
                                  secretStatus: "active",
                              },
                          ]
                        : [];
                    break;
                case "aws:ec2/launchTemplate:LaunchTemplate":
                    // A new template is version 1 (each update adds a version; ec2_launch_template.go).
                    state.latestVersion = 1;
                    state.defaultVersion = 1;
                    break;
                case "aws:autoscaling/group:Group":
                    state.name = inputs.name ?? `${args.name}-${(hash(args.name) % 0xfffff).toString(16)}`;
                    break;
                case "aws:ecr/pullThroughCacheRule:PullThroughCacheRule":
                    state.registryId = MOCK_ACCOUNT;
                    break;
                case "docker:index/remoteImage:RemoteImage":
                    // The engine's image id and the digest it pulled (pulumi-docker RemoteImage outputs imageId,
                    // repoDigest).
                    state.imageId = `sha256:${crypto.createHash("sha256").update(String(inputs.name)).digest("hex")}`;
                    state.repoDigest = `${String(inputs.name)
                        .split("@")[0]
                        .replace(/:[^/:]+$/, "")}@sha256:${crypto
                        .createHash("sha256")
                        .update(`digest:${String(inputs.name)}`)
                        .digest("hex")}`;
                    break;
                case "command:local:Command":
                    // What the lab's bootstrap prints: the gateways' token (a stand-in; tests/lab.test.ts runs the
                    // real script).
                    state.stdout = LAB_ISSUED_TOKEN;
                    state.stderr = "";
                    break;
                case "aws:iam/accessKey:AccessKey":
                    state.secret = `MOCK-SECRET-ACCESS-KEY-${args.name}`;
                    state.id = `AKIAMOCK${(hash(args.name) % 1e8).toString().padStart(8, "0")}`;
                    break;
            }
            const returnedId = args.type === "aws:iam/accessKey:AccessKey" ? state.id : id;
            computed.push([returnedId, `<${args.name}.id>`], [state.arn, `<${args.name}.arn>`]);
            if (state.masterUserSecrets?.[0])
                computed.push([state.masterUserSecrets[0].secretArn, `<${args.name}.masterUserSecrets[0].secretArn>`]);
            for (const attr of ["dnsName", "arnSuffix", "privateIp", "address", "keyId", "registryId"]) {
                if (typeof state[attr] === "string") computed.push([state[attr], `<${args.name}.${attr}>`]);
            }
            if (state.name !== inputs.name && typeof state.name === "string")
                computed.push([state.name, `<${args.name}.name>`]);
            return { id: returnedId, state };
        },
        call(args) {
            invokes.push({ token: args.token, inputs: args.inputs });
            const i = args.inputs as Record<string, any>;
            switch (args.token) {
                case "aws:index/getAvailabilityZones:getAvailabilityZones":
                    return { names: MOCK_AZS, zoneIds: MOCK_AZS.map((_, n) => `use1-az${n + 1}`), id: region };
                case "aws:ssm/getParameter:getParameter":
                    // The provider marks `value` secret and offers `insecureValue` in clear
                    // (@pulumi/aws ssm/getParameter.d.ts): the mock answers both the same way.
                    return {
                        name: i.name,
                        value: { [SIG_KEY]: SECRET_SIG, value: MOCK_RESOLVED_AMI },
                        insecureValue: MOCK_RESOLVED_AMI,
                        type: "String",
                        id: i.name,
                    };
                case "aws:iam/getPolicyDocument:getPolicyDocument":
                    return { json: policyDocumentJson(i), minifiedJson: policyDocumentJson(i), id: "policy" };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return {
                        accountId: MOCK_ACCOUNT,
                        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/ci`,
                        userId: "AIDAMOCK",
                        id: MOCK_ACCOUNT,
                    };
                case "aws:index/getRegion:getRegion":
                    return {
                        region,
                        name: region,
                        endpoint: `ec2.${region}.amazonaws.com`,
                        description: region,
                        id: region,
                    };
                case "aws:index/getPartition:getPartition":
                    return {
                        partition: "aws",
                        dnsSuffix: "amazonaws.com",
                        reverseDnsPrefix: "com.amazonaws",
                        id: "aws",
                    };
                case "aws:ec2/getSubnet:getSubnet": {
                    const sub = options.existingSubnets?.[i.id];
                    if (!sub) throw new Error(`harness: no mock for subnet ${i.id}`);
                    return { id: i.id, availabilityZone: sub.az, vpcId: sub.vpcId, cidrBlock: "10.90.0.0/24" };
                }
                case "aws:ec2/getVpc:getVpc":
                    return { id: i.id, cidrBlock: "10.90.0.0/16" };
                case "aws:ec2/getAmi:getAmi": {
                    // The program looks its AMI up by id; AL2023's root device is /dev/xvda.
                    const id = i.filters?.find((f: any) => f.name === "image-id")?.values?.[0];
                    if (!id) throw new Error("harness: getAmi without an image-id filter");
                    return {
                        id,
                        imageId: id,
                        architecture: options.amiArchitecture ?? "x86_64",
                        rootDeviceName: "/dev/xvda",
                        rootDeviceType: "ebs",
                    };
                }
                case "aws:index/getDefaultTags:getDefaultTags":
                    // What the provider is configured with: the stack's aws:defaultTags.
                    return {
                        tags:
                            JSON.parse(
                                (JSON.parse(env.PULUMI_CONFIG) as Record<string, string>)["aws:config:defaultTags"] ??
                                    "{}",
                            ).tags ?? {},
                        id: "default-tags",
                    };
                case "docker:index/getRemoteImage:getRemoteImage":
                    // A local image (the engine's; kreuzwerker/terraform-provider-docker data_source_docker_image.go
                    // @83c00e0b: its id, or "did not find docker image '<name>'").
                    if ((options.missingLocalImages ?? []).includes(String(i.name)))
                        throw new Error(`did not find docker image '${String(i.name)}'`);
                    return {
                        name: i.name,
                        id: `sha256:${crypto
                            .createHash("sha256")
                            .update(`local:${String(i.name)}`)
                            .digest("hex")}`,
                        repoDigest: "",
                    };
                case "docker:index/getRegistryImage:getRegistryImage":
                    // The registry's digest for the tag (a stand-in derived from the reference, stable across runs).
                    return {
                        name: i.name,
                        sha256Digest: `sha256:${crypto
                            .createHash("sha256")
                            .update(`registry:${String(i.name)}`)
                            .digest("hex")}`,
                        id: i.name,
                    };
                case "aws:ec2/getInstanceType:getInstanceType": {
                    // DescribeInstanceTypes, for the types the tests use (@pulumi/aws 7.48 ec2/getInstanceType.d.ts:
                    // supportedArchitectures, defaultVcpus, memorySize in MiB); any other is one AWS does not have,
                    // and it answers InvalidInstanceType naming it.
                    const described = DESCRIBED_INSTANCE_TYPES[i.instanceType as string];
                    if (!described) {
                        throw invokeError(
                            args.token,
                            "DescribeInstanceTypes",
                            "InvalidInstanceType",
                            `The following supplied instance types do not exist: [${i.instanceType}]`,
                        );
                    }
                    return { id: i.instanceType, instanceType: i.instanceType, ...described };
                }
                case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
                    // @pulumi/aws 7.48 ec2/getInstanceTypeOfferings.d.ts: one entry per offering in instanceTypes,
                    // locations and locationTypes.
                    const type = i.filters?.find((f: any) => f.name === "instance-type")?.values?.[0];
                    if (i.locationType !== "availability-zone" || !type)
                        throw new Error(
                            "harness: getInstanceTypeOfferings without an AZ location type and an instance-type filter",
                        );
                    const locations = OFFERED_IN[type] ?? MOCK_AZS;
                    return {
                        id: region,
                        instanceTypes: locations.map(() => type),
                        locations,
                        locationTypes: locations.map(() => "availability-zone"),
                        locationType: i.locationType,
                        filters: i.filters,
                    };
                }
                case "aws:secretsmanager/getSecret:getSecret": {
                    // As AWS answers a secret another account or Region holds: not found. (The harness cannot yet
                    // end a run on a failed invoke: the program's other registrations never settle.)
                    const m = /^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/.exec(i.arn ?? "");
                    if (!m || m[1] !== region || m[2] !== MOCK_ACCOUNT)
                        throw new Error(
                            `ResourceNotFoundException: Secrets Manager can't find the specified secret (${i.arn})`,
                        );
                    return { arn: i.arn, name: m[3].replace(/-[A-Za-z0-9]{6}$/, ""), id: i.arn };
                }
            }
            throw new Error(`harness: the program made an invoke the harness does not answer: ${args.token}`);
        },
    };

    const warnings: string[] = [];
    const originalWarn = pulumi.log.warn;
    await pulumi.runtime.setMocks(mocks, PROJECT, options.stack, options.preview ?? false);
    // Where the SDK keeps the language host's PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS (runtime/state.ts
    // LocalStore.config, read by runtime/config.ts parseConfig): the program reads exactly these strings.
    const store = (
        require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string> } }
    ).getStore();
    Object.assign(store.config, env);
    // The options of each registration, read from the request the SDK sends the engine (proto/resource_pb.js
    // RegisterResourceRequest), which the mock monitor otherwise drops.
    const registered = new Map<
        string,
        Pick<Recorded, "dependencies" | "ignoreChanges" | "retainOnDelete" | "additionalSecretOutputs">
    >();
    const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any }).getMonitor();
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
        registered.set(`${req.getType()}::${req.getName()}`, {
            dependencies: req.getDependenciesList(),
            ignoreChanges: req.getIgnorechangesList(),
            retainOnDelete: req.getRetainondelete() === true,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        });
        return registerResource(req, callback);
    };

    let exported: Record<string, unknown>;
    try {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        try {
            exported = loadProgram(options.program ?? "index.ts");
        } catch (err) {
            await waitForRPCs().catch(() => undefined);
            throw new EvaluationError((err as Error).message, resources);
        }
        const outputs: Record<string, unknown> = {};
        const secretOutputs = new Set<string>();
        try {
            // All at once: the first failure fails the run, as the engine does, even while other outputs wait on
            // values that will never resolve because of it.
            await Promise.all(
                Object.entries(exported).map(async ([name, value]) => {
                    const out = pulumi.output(value) as any;
                    outputs[name] = await out.promise();
                    if (await out.isSecret) secretOutputs.add(name);
                }),
            );
            await waitForRPCs();
        } catch (err) {
            // An error raised inside an apply fails every resource waiting on it, as in a real deployment. Said
            // before those echoes fire, so that the caller can absorb them (tests/environment.js).
            onProgramError?.((err as Error).message);
            // The engine stops the program at its first error; here registrations that wait on the failed value
            // may never settle, so wait for the rest only briefly.
            await Promise.race([
                waitForRPCs().catch(() => undefined),
                new Promise((resolve) => setTimeout(resolve, 1000).unref()),
            ]);
            throw new EvaluationError((err as Error).message, resources);
        }
        if (duplicates.length > 0) {
            throw new EvaluationError(
                `duplicate resource (type, name), which the engine rejects as a duplicate URN: ${duplicates.join(", ")}`,
                resources,
            );
        }
        attachUrns(resources);
        for (const r of resources) Object.assign(r, registered.get(`${r.type}::${r.name}`) ?? {});
        return { resources, computed, invokes, outputs, secretOutputs: [...secretOutputs], warnings };
    } finally {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
    }
}

/** A PEM block of `label` whose body names the resource (not a valid key or certificate: the mocks make none). */
function mockPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\nMOCK${Buffer.from(name).toString("base64")}\n-----END ${label}-----\n`;
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
