/**
 * The run spec: the JSON document (SSM parameter <prefix>/<service>.json) from which the host scripts
 * (config-templates/api7-run.sh, api7-apply.sh) start, reload and restart one service's container. Defined once, as
 * the zod schema below: the type the program renders (RunSpec) and the JSON Schema the tests hold every rendered spec
 * and every host-script fixture to (config-schema/run-spec.schema.json) both derive from it. Loads no SDK.
 */
import { z } from "zod";
import { PENDING_SECRET } from "../placeholders";
import type { ManagedDatabaseDsn, ServiceDefinition } from "../services";
import { digest } from "./fleet";
import type { RegistryLogin } from "./images";

/**
 * The CloudWatch namespace of the metrics gateway hosts publish: Standalone (1 while the gateway serves the last
 * export) and ControlPlaneReachable (1 while a DP Manager answers), per host (InstanceId) and per group.
 */
export const OUTAGE_METRICS_NAMESPACE = "API7-HA/Gateways";

/**
 * A parameter name in a hierarchy: a leading slash, then only a-zA-Z0-9_.- and slashes (AWS Systems Manager API
 * Reference, PutParameter, Name:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
 */
const parameterName = z
    .string()
    .regex(/^\/[A-Za-z0-9_.\-/]+$/)
    .describe("An SSM parameter name (a path with a leading slash).");

/**
 * A variable api7-run exports and hands to `docker run -e NAME`: a bash name, "a word consisting solely of letters,
 * numbers, and underscores, and beginning with a letter or underscore" (GNU Bash Reference Manual 5.2, Definitions),
 * or `export` refuses it.
 */
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

/** A token replaced in the rendered config. api7-run splits each pair at its first tab, so no tab in the token. */
const placeholderToken = z.string().regex(/^[^\t]+$/);

/** A file name in the service's state directory (/var/lib/api7/<service>/): no slash, no tab (api7-run splits at tabs). */
const stateFileName = z.string().regex(/^[A-Za-z0-9._-]+$/);

const absolutePath = z.string().regex(/^\/[^\t]*$/);

/**
 * Docker's container names: `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$` (moby/moby daemon/names/names.go, RestrictedNamePattern,
 * v28.3.0).
 */
const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);

const stringList = z.array(z.string());

const stateFile = z.strictObject({
    name: stateFileName.describe("File name in the service's state directory (/var/lib/api7/<service>/)."),
    generate: z.enum(["uuid", "key"]).describe("A random UUID, or 32 random hex characters (a key)."),
    mount: absolutePath.optional().describe("Where it is bind-mounted in the container, if at all."),
});

const database = z.strictObject({
    token: placeholderToken.describe("Replaced in the rendered config with the DSN api7-run builds."),
    secretArn: z.string().min(1).describe("The RDS-managed master user secret (Secrets Manager)."),
    host: z
        .string()
        .regex(/^[A-Za-z0-9.-]+$/)
        .describe("The instance's DNS name."),
    port: z.number().int().min(1).max(65535),
    database: z.string().min(1).describe("The database API7 uses."),
    sslmode: z.literal("require").describe("libpq's sslmode: TLS required."),
});

const registry = z.discriminatedUnion("kind", [
    z
        .strictObject({ kind: z.literal("ecr"), registry: z.string().min(1), region: z.string().min(1) })
        .describe("`aws ecr get-login-password | docker login --username AWS --password-stdin <registry>`."),
    z
        .strictObject({
            kind: z.literal("password"),
            registry: z.string().min(1),
            username: z.string().min(1),
            passwordParameter: parameterName,
        })
        .describe(
            "`docker login --username <username> --password-stdin <registry>` with the SecureString passwordParameter.",
        ),
    z.strictObject({ kind: z.literal("anonymous") }).describe("No login."),
]);

const outage = z
    .strictObject({
        endpoints: z
            .array(z.string().regex(/^https?:\/\/\S+$/))
            .min(1)
            .describe("The DP Manager URLs, each probed with GET <url>/version as the gateway's startup does."),
        probeTimeoutSeconds: z.number().int().min(1).max(30).describe("How long one endpoint's probe may take."),
        tls: z
            .strictObject({
                cert: parameterName,
                key: parameterName,
                ca: parameterName,
                serverName: z.string().min(1).describe("The name in the DP Manager's certificate."),
            })
            .optional()
            .describe("mTLS: the client certificate, its key and the CA, as SecureStrings."),
        reconnectAfterChecks: z
            .number()
            .int()
            .min(2)
            .describe("Answered checks in a row after which a standalone gateway returns to the control plane."),
        readyUrl: z
            .string()
            .regex(/^https?:\/\/\S+$/)
            .describe("Answers 2xx once a gateway back on the control plane has loaded its configuration."),
        targetGroupArns: z
            .array(z.string().regex(/^arn:[^:]+:elasticloadbalancing:/))
            .describe("The target groups the gateway leaves (draining) before it restarts connected, and rejoins."),
        lockParameter: parameterName.describe(
            "Created (never overwritten) by the one gateway of the group returning at a time; deleted after.",
        ),
        metrics: z
            .strictObject({
                namespace: z.string().min(1),
                dimensions: z.record(z.string(), z.string()),
            })
            .describe("Where the host publishes Standalone and ControlPlaneReachable (CloudWatch)."),
        export: z
            .strictObject({
                region: z.string().min(1),
                configBucket: z.string().min(3),
                resourceBucket: z.string().min(3),
                accessKey: parameterName.optional().describe("The reader's access key id (SecureString)."),
                secretKey: parameterName.optional().describe("The reader's secret access key (SecureString)."),
            })
            .describe("Where the last export is: a standalone start needs an object in both buckets."),
        configParameter: parameterName.describe("The standalone config (YAML): the last S3 export."),
        env: z.record(variableName, z.string()).describe("The standalone container's plain environment."),
        placeholders: z
            .record(placeholderToken, parameterName)
            .describe("Token in the standalone config -> SecureString substituted on the host."),
    })
    .describe(
        "A gateway's ride-through of a control-plane outage: api7-run starts it standalone from the last export " +
            "when the DP Managers do not answer, and api7-apply defers a reload of a connected gateway meanwhile.",
    );

/**
 * Where a container's output goes: Docker's awslogs driver, to the role's CloudWatch Logs group (README, Logs).
 * Non-blocking: a container never waits on CloudWatch Logs. Docker then creates the stream in the background,
 * retrying every 1 s doubling to 32 s, so a start does not fail when CloudWatch Logs does not answer (the blocking
 * default would fail it), and lines past the buffer are dropped rather than stalling the gateway (moby/moby
 * daemon/logger/awslogs/cloudwatchlogs.go New and daemon/logger/factory.go ValidateLogOpts @b985e231; AL2023's
 * docker 25.0.16 has the same code).
 */
const logs = z
    .strictObject({
        driver: z.literal("awslogs"),
        options: z
            .record(z.string().regex(/^[a-z][a-z-]*$/), z.string().regex(/^[^\t\n]*$/))
            .describe("`docker run --log-opt KEY=VALUE`; `{instance_id}` in a value is the host's EC2 instance id."),
    })
    .describe("The container's log driver (`docker run --log-driver`) and its options.");

/** What makes a container what it is: a new value of any of these restarts it (api7-apply compares `generation`). */
const containerFields = {
    container: containerName.describe(
        "The container's name (`docker run --name`): api7-apply finds the running one by it.",
    ),
    image: z.string().min(1).describe("The image reference `docker run` starts (tag, or tag@digest)."),
    configPath: absolutePath.describe("Where the rendered config is mounted, read-only, in the container."),
    env: z.record(variableName, z.string()).describe("Plain environment."),
    secretEnv: z.record(variableName, parameterName).describe("Environment read from SecureStrings at every start."),
    dockerArgs: stringList.describe("Extra `docker run` arguments, before the image."),
    command: stringList.describe("Arguments after the image."),
    stateFiles: z
        .array(stateFile)
        .describe("Values the host creates once and keeps across restarts (a gateway's id, its admin key)."),
    database: database.optional().describe("A managed database whose DSN api7-run builds from the RDS secret."),
    logs,
};

export const RunSpecSchema = z.strictObject({
    ...containerFields,
    generation: z
        .string()
        .regex(/^[0-9a-f]{16}$/)
        .describe(
            "Fingerprint of container, image, configPath, env, secretEnv, dockerArgs, command, stateFiles, " +
                "database and logs: api7-apply restarts a container whose label differs, and reloads one whose label matches.",
        ),
    configParameter: parameterName.describe("The rendered config (YAML) to fetch."),
    placeholders: z
        .record(placeholderToken, parameterName)
        .describe("Token in the config -> SecureString substituted on the host."),
    statePlaceholders: z
        .record(placeholderToken, stateFileName)
        .describe("Token in the config -> state file substituted on the host."),
    pendingSecret: z
        .literal(PENDING_SECRET)
        .describe("What an issued credential holds until the control plane writes it."),
    healthUrl: z
        .string()
        .regex(/^https?:\/\/\S+$/)
        .describe("Polled (curl) after a restart or reload; a rollout stops unless it answers 2xx."),
    reloadCommand: stringList.describe(
        "Run in the container to apply a new config without a restart; empty: always restart.",
    ),
    registry: registry.describe("How api7-run logs in before it pulls."),
    outage: outage.optional(),
});

/** One service's run spec, as the program renders it and the host scripts read it. */
export type RunSpec = z.infer<typeof RunSpecSchema>;

/** The registry login as a run spec carries it: a password login names its SecureString. */
export type RunSpecRegistry = RunSpec["registry"];

/** The JSON Schema of a run spec (draft 2020-12), for tools outside TypeScript. */
export function runSpecJsonSchema(): Record<string, unknown> {
    const schema = z.toJSONSchema(RunSpecSchema, { io: "output" }) as Record<string, unknown>;
    return {
        $schema: schema.$schema,
        $id: "https://github.com/api7-ha/api7-ha/config-schema/run-spec.schema.json",
        title: "api7-ha run spec (SSM parameter <prefix>/<service>.json)",
        description:
            "How api7-run and api7-apply run one service's container. Generated from components/aws/run-spec.ts by " +
            "`npm run docs`; do not edit.",
        ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
    };
}

/** Everything a run spec is made of, resolved: the service, its image and environment, and where its parameters are. */
export interface RunSpecInputs {
    readonly service: Pick<
        ServiceDefinition,
        | "container"
        | "configPath"
        | "secretEnv"
        | "dockerArgs"
        | "command"
        | "stateFiles"
        | "placeholders"
        | "statePlaceholders"
        | "healthUrl"
        | "reloadCommand"
        | "outage"
    >;
    readonly image: string;
    readonly env: Readonly<Record<string, string>>;
    readonly database?: ManagedDatabaseDsn;
    readonly configParameter: string;
    readonly registry: RunSpecRegistry;
    /** The role's log group and its region. */
    readonly logs: { readonly region: string; readonly group: string };
    /** The SSM name of a secret of the group, by its name (throws for one the group does not have). */
    readonly secretPath: (secret: string) => string;
    /** With `service.outage`: its endpoints and environment resolved, and where its standalone config is. */
    readonly outage?: {
        readonly endpoints: readonly string[];
        readonly buckets: { readonly region: string; readonly configBucket: string; readonly resourceBucket: string };
        readonly env: Readonly<Record<string, string>>;
        readonly targetGroupArns: readonly string[];
        readonly configParameter: string;
        readonly lockParameter: string;
    };
}

/** The run spec of one service. */
export function runSpec(inputs: RunSpecInputs): RunSpec {
    const svc = inputs.service;
    const run = {
        container: svc.container,
        image: inputs.image,
        configPath: svc.configPath,
        env: { ...inputs.env },
        secretEnv: mapValues(svc.secretEnv ?? {}, inputs.secretPath),
        dockerArgs: [...(svc.dockerArgs ?? [])],
        command: [...(svc.command ?? [])],
        stateFiles: (svc.stateFiles ?? []).map((f) => ({ ...f })),
        // In the fingerprint: a new database (endpoint or secret) restarts the service.
        ...(inputs.database ? { database: { ...inputs.database } } : {}),
        logs: {
            driver: "awslogs" as const,
            options: {
                "awslogs-region": inputs.logs.region,
                "awslogs-group": inputs.logs.group,
                "awslogs-stream": `{instance_id}/${svc.container}`,
                mode: "non-blocking",
                "max-buffer-size": "4m",
            },
        },
    };
    return {
        ...run,
        // How the container runs, fingerprinted: api7-apply restarts when it differs from the running container's
        // label and reloads in place when only the config changed.
        generation: digest([JSON.stringify(run)]),
        configParameter: inputs.configParameter,
        placeholders: mapValues(svc.placeholders ?? {}, inputs.secretPath),
        statePlaceholders: { ...(svc.statePlaceholders ?? {}) },
        pendingSecret: PENDING_SECRET,
        healthUrl: svc.healthUrl,
        reloadCommand: [...(svc.reloadCommand ?? [])],
        registry: inputs.registry,
        ...(svc.outage && inputs.outage
            ? {
                  outage: {
                      endpoints: [...inputs.outage.endpoints],
                      probeTimeoutSeconds: svc.outage.probeTimeoutSeconds,
                      reconnectAfterChecks: svc.outage.reconnectAfterChecks,
                      readyUrl: svc.outage.readyUrl,
                      targetGroupArns: [...inputs.outage.targetGroupArns],
                      lockParameter: inputs.outage.lockParameter,
                      metrics: { namespace: OUTAGE_METRICS_NAMESPACE, dimensions: { ...svc.outage.metricDimensions } },
                      export: {
                          ...inputs.outage.buckets,
                          ...(svc.outage.readerKey
                              ? {
                                    accessKey: inputs.secretPath(svc.outage.readerKey.accessKey),
                                    secretKey: inputs.secretPath(svc.outage.readerKey.secretKey),
                                }
                              : {}),
                      },
                      ...(svc.outage.tls
                          ? {
                                tls: {
                                    cert: inputs.secretPath(svc.outage.tls.cert),
                                    key: inputs.secretPath(svc.outage.tls.key),
                                    ca: inputs.secretPath(svc.outage.tls.ca),
                                    serverName: svc.outage.tls.serverName,
                                },
                            }
                          : {}),
                      configParameter: inputs.outage.configParameter,
                      env: { ...inputs.outage.env },
                      placeholders: mapValues(svc.outage.placeholders, inputs.secretPath),
                  },
              }
            : {}),
    };
}

/** The parameter's text: indented JSON, so `pulumi preview --diff` shows a change line by line. */
export function runSpecText(spec: RunSpec): string {
    return JSON.stringify(spec, null, 2);
}

/** The run spec's registry login: the image source's, with a password login's SecureString named. */
export function runSpecRegistry(login: RegistryLogin, passwordParameter: () => string): RunSpecRegistry {
    return login.kind === "password" ? { ...login, passwordParameter: passwordParameter() } : { ...login };
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, fn: (v: T) => U): Record<string, U> {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
