/**
 * Runs the real program (index.ts) under Pulumi's mock runtime with a real stack file, and records every resource
 * it registers: type, name, inputs, parent type (from the URN) and the stack outputs with their secret-ness.
 *
 * What the mocks cannot do, the harness does: it fails on a repeated (type, name) as the engine fails on a
 * duplicate URN, answers every invoke the program makes (and fails on any other), builds IAM policy JSON from
 * getPolicyDocument statements as the provider would, and fills computed attributes (ids, ARNs, DNS names,
 * instance addresses) deterministically.
 *
 * This file is the API tests use; the evaluation is in tools/evaluate.ts. Under jest it runs natively through
 * tests/environment.js (one SDK load per worker, native speed); elsewhere (npm run bench, npm run synth) in-process.
 */
export { readStackConfig, ROOT } from "../scripts/stack-file";
export const PROJECT = "api7-ha";
export const STACKS = ["prod", "dev"] as const;
/** The Docker lab's committed stack (Pulumi.lab.yaml). */
export const LAB_STACK = "lab";
/** The API7 2.x example stack (Pulumi.v2.yaml): evaluated and checked like the others, deployed by no workflow. */
export const V2_STACK = "v2";
/** Every committed stack file that targets AWS. */
export const AWS_STACKS = [...STACKS, V2_STACK] as const;
export type StackName = (typeof STACKS)[number] | typeof LAB_STACK | typeof V2_STACK;

/**
 * Test secrets, set in every evaluation with `pulumi config set --secret` unless a test says otherwise:
 * distinctive markers, so a test can prove none of them leaks into user data or plain outputs.
 */
export const TEST_SECRETS: Readonly<Record<string, string>> = Object.freeze({
    license: "MARKER-LICENSE-5b1e",
    adminPassword: "MARKER-Admin-Pass-33e9!",
});

/** A DSN for an external database (database.kind external), which the committed stacks do not use. */
/** A Docker Hub credentials secret for the ECR pull-through cache, in the mock account and region. */
export const DOCKER_HUB_SECRET_ARN =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/api7-ha-prod-AbCdEf";
/**
 * What a stack's header says the user supplies besides the secrets (a value only they have), applied to every run
 * of that stack as TEST_SECRETS are, before the run's own settings (which may remove it).
 */
export const TEST_SETTINGS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
    prod: { "images.dockerHubSecretArn": DOCKER_HUB_SECRET_ARN },
};
export const EXTERNAL_DSN = "postgres://api7:MARKER-DB-PASSWORD-7f3a@db.internal:5432/api7ee";

/**
 * What an evaluation with an external database sets: the stack's managed-database settings removed (they do not
 * apply to an external one), the kind, and its DSN secret.
 */
export const EXTERNAL_DATABASE = Object.freeze({
    config: Object.freeze({ database: undefined, "database.kind": "external" }),
    secrets: Object.freeze({ databaseDsn: EXTERNAL_DSN }),
});

export const TEST_PEM = Object.freeze({
    cert: "-----BEGIN CERTIFICATE-----\nMARKERCERT0001\n-----END CERTIFICATE-----",
    key: "-----BEGIN PRIVATE KEY-----\nMARKERKEY0002\n-----END PRIVATE KEY-----",
    ca: "-----BEGIN CERTIFICATE-----\nMARKERCA0003\n-----END CERTIFICATE-----",
});

/** A gateway token a stack brings (by default the control plane issues one). */
export const GATEWAY_TOKEN = "MARKER-GATEWAY-TOKEN-91c2";

/** Secrets of a gateway fleet that authenticates with mTLS (no token). */
export const MTLS_SECRETS: Readonly<Record<string, string | undefined>> = Object.freeze({
    gatewayToken: undefined,
    gatewayClientCert: TEST_PEM.cert,
    gatewayClientKey: TEST_PEM.key,
    gatewayCa: TEST_PEM.ca,
});

/** dev with mTLS gateways (their PEMs brought) and Prometheus on the control plane: a variant several suites check. */
export const DEV_MTLS_PROMETHEUS = Object.freeze({
    stack: "dev",
    config: Object.freeze({
        "dataPlane.controlPlaneAuth": "mtls",
        "prometheus.enabled": true,
        "prometheus.placement": "controlPlane",
    }),
    secrets: MTLS_SECRETS,
} as const);

/** Every marker a leak check looks for: the test secrets and the mock's access keys (ids and secrets). */
export const SECRET_MARKERS = [
    "MARKER-DB-PASSWORD-7f3a",
    "MARKER-GATEWAY-TOKEN-91c2",
    "MARKER-LICENSE-5b1e",
    "MARKER-Admin-Pass-33e9!",
    "MARKERCERT0001",
    "MARKERKEY0002",
    "MARKERCA0003",
    "MOCK-SECRET-ACCESS-KEY",
    "AKIAMOCK",
];

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_RESOLVED_AMI = "ami-0feedfacecafe0001";
/** What the mock runtime answers as the lab bootstrap's stdout (the token it issued). */
export const LAB_ISSUED_TOKEN = "MARKER-LAB-ISSUED-TOKEN-4d7e";
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
    /**
     * Resource options as the engine receives them in RegisterResourceRequest (the mock's newResource never sees
     * them): the URNs this resource depends on (dependsOn and every input's resources), ignoreChanges, retainOnDelete,
     * additionalSecretOutputs.
     */
    dependencies: string[];
    ignoreChanges: string[];
    retainOnDelete: boolean;
    additionalSecretOutputs: string[];
}

export interface Invoke {
    readonly token: string;
    readonly inputs: Record<string, any>;
}

export interface RunOptions {
    /** Stack file to load (Pulumi.<stack>.yaml). */
    readonly stack: StackName;
    /**
     * Settings to change, by the path `pulumi config set --path` takes ("dataPlane.count"), applied to the stack
     * file as those commands (tools/pulumi-cli/commands.ts settingCommands): a scalar is one `set --path`, a list
     * is `rm --path` then one `set --path key[i]` per item, undefined is `rm --path`.
     */
    readonly config?: Readonly<Record<string, unknown>>;
    /** Secrets (`pulumi config set --secret`), over TEST_SECRETS; undefined leaves one unset. */
    readonly secrets?: Readonly<Record<string, string | undefined>>;
    /** Further `pulumi config ...` commands (argv after `config`), applied last, exactly as given. */
    readonly commands?: readonly (readonly string[])[];
    /** Evaluate as `pulumi preview` rather than `pulumi up`. */
    readonly preview?: boolean;
    /** The architecture getAmi reports for the hosts' AMI (x86_64 unless a test says otherwise). */
    readonly amiArchitecture?: string;
    /** Images the Docker engine does not hold (the 2.x lab's locally loaded ones); by default it holds every one. */
    readonly missingLocalImages?: readonly string[];
    /** Invoke answers for bring-your-own subnets: subnet id -> AZ (and VPC). */
    readonly existingSubnets?: Readonly<Record<string, { az: string; vpcId: string }>>;
    /**
     * Evaluate again even if the run already evaluated the same options (by default a successful evaluation is
     * reused, by every worker: the program and its inputs do not change during a test run; tests/environment.js).
     */
    readonly fresh?: boolean;
    /** The program to evaluate, relative to the repository root: index.ts unless a test needs a fixture. */
    readonly program?: string;
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

/**
 * Error raised when the deployment stopped: in the CLI (stage "cli": `pulumi config` or the config validation of
 * `pulumi up`, before the program runs) or in the program. Carries what was registered before it did.
 */
export class ProgramError extends Error {
    constructor(
        message: string,
        public readonly resources: readonly Recorded[],
        public readonly stage: "cli" | "program" = "program",
    ) {
        super(message);
    }
}

export interface Evaluation {
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
            if (!found)
                throw new Error(
                    `no ${type} named ${name}; have: ${e.resources
                        .filter((r) => r.type === type)
                        .map((r) => r.name)
                        .join(", ")}`,
                );
            return found;
        },
    };
}

/** The run's successful evaluations by their options as JSON (tests/evaluations.js, which tests/environment.js provides). */
export interface EvaluationStore {
    get(key: string): string | undefined;
    set(key: string, json: string): void;
}

/** Evaluates the program (or reuses the run's evaluation of the same options; see RunOptions.fresh). */
export async function runProgram(options: RunOptions): Promise<RunResult> {
    const cache = (globalThis as { __api7Evaluations?: EvaluationStore }).__api7Evaluations;
    const { fresh, ...rest } = options;
    // undefined (remove a key) does not survive JSON; null stands for it on the way to the evaluator.
    const nulled = (record?: Readonly<Record<string, unknown>>) =>
        record && Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === undefined ? null : v]));
    const wire = { ...rest, config: nulled(rest.config), secrets: nulled(rest.secrets) };
    const key = JSON.stringify(wire);
    let json = fresh ? undefined : cache?.get(key);
    if (json === undefined) {
        const native = (globalThis as { __api7Evaluate?: (optionsJson: string) => Promise<string> }).__api7Evaluate;
        json = native
            ? await native(key)
            : JSON.stringify(
                  await (require("./evaluate") as typeof import("./evaluate")).evaluateOutcome(
                      wire as unknown as RunOptions,
                  ),
              );
    }
    const outcome = JSON.parse(json) as import("./evaluate").Outcome;
    if ("error" in outcome) throw new ProgramError(outcome.error, outcome.resources, outcome.stage);
    cache?.set(key, json);
    return toResult(outcome.ok);
}
