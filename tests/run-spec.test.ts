/**
 * The run spec, the contract between the program and the host scripts (api7-run, api7-apply): defined once in
 * components/aws/run-spec.ts, its JSON Schema committed, every spec the program renders held to that schema, and the
 * schema strict enough to refuse what the scripts could not run.
 */
import * as fs from "fs";
import { runSpec, runSpecRegistry, RunSpecSchema, type RunSpecInputs } from "../components/aws/run-spec";
import { PENDING_SECRET } from "../components/placeholders";
import { RUN_SPEC_SCHEMA, runSpecSchemaText } from "../scripts/run-spec-schema";
import { DEV_MTLS_PROMETHEUS, EXTERNAL_DATABASE, GATEWAY_TOKEN, runProgram, type RunOptions } from "../tools/harness";
import { runSpecErrors, runSpecsOf } from "./run-specs";

test("the committed JSON Schema is current (run `npm run docs`)", () => {
    expect(fs.readFileSync(RUN_SPEC_SCHEMA, "utf8")).toBe(runSpecSchemaText());
});

describe("every run spec the program renders holds to the schema", () => {
    const cp = (stack: string) => [`/api7-ha/${stack}/cp/dashboard.json`, `/api7-ha/${stack}/cp/dp-manager.json`];
    // Each variant reaches a shape of the spec the stacks alone do not: the check says which.
    const variants: [string, RunOptions, string[], (specs: any[]) => boolean][] = [
        [
            "prod (managed database, ECR pull-through cache, pinned digests, issued token)",
            { stack: "prod" },
            [...cp("prod"), "/api7-ha/prod/dp/gateway.json"],
            (s) => s.every((x) => x.registry.kind === "ecr") && s.some((x) => x.database),
        ],
        [
            "dev (anonymous Docker Hub)",
            { stack: "dev" },
            [...cp("dev"), "/api7-ha/dev/dp/gateway.json"],
            (s) => s.every((x) => x.registry.kind === "anonymous"),
        ],
        [
            "an external database and a registry with a password login",
            {
                stack: "dev",
                config: {
                    ...EXTERNAL_DATABASE.config,
                    "images.source": "registry",
                    "images.registry": "registry.example.com:5000/api7",
                    "images.username": "ci",
                },
                secrets: {
                    ...EXTERNAL_DATABASE.secrets,
                    registryPassword: "MARKER-REGISTRY-PASSWORD-1e9",
                    gatewayToken: GATEWAY_TOKEN,
                },
            },
            [...cp("dev"), "/api7-ha/dev/dp/gateway.json"],
            (s) =>
                s.every(
                    (x) =>
                        x.registry.kind === "password" &&
                        x.registry.passwordParameter.endsWith("/secrets/registry-password") &&
                        !x.database,
                ),
        ],
        [
            "mTLS gateways, Prometheus on the control plane",
            DEV_MTLS_PROMETHEUS,
            [...cp("dev"), "/api7-ha/dev/cp/prometheus.json", "/api7-ha/dev/dp/gateway.json"],
            (s) => s.some((x) => Object.keys(x.secretEnv).length === 3),
        ],
        [
            "standalone gateways, a dedicated Prometheus",
            {
                stack: "prod",
                config: {
                    "dataPlane.mode": "standalone",
                    "prometheus.enabled": true,
                    "prometheus.placement": "dedicated",
                },
            },
            [...cp("prod"), "/api7-ha/prod/dp/gateway.json", "/api7-ha/prod/prometheus/prometheus.json"],
            (s) => s.some((x) => x.command.length > 0),
        ],
    ];

    test.each(variants)("%s", async (_what, options, names, reaches) => {
        const specs = runSpecsOf(await runProgram(options));
        expect(specs.map((s) => s.name).sort()).toEqual(names);
        expect(reaches(specs.map((s) => s.spec))).toBe(true);
        for (const { name, spec } of specs) expect([name, runSpecErrors(spec)]).toEqual([name, []]);
    });
});

/** A gateway's spec as the scripts read it, written out by hand. */
const GATEWAY_SPEC = Object.freeze({
    container: "api7-gateway",
    image: "api7/api7-ee-3-gateway:3.2.16.3",
    configPath: "/usr/local/apisix/conf/config.yaml",
    env: { API7_GATEWAY_GROUP_SHORT_ID: "default" },
    secretEnv: { API7_CONTROL_PLANE_TOKEN: "/api7-ha/dev/dp/secrets/control-plane-token" },
    dockerArgs: [],
    command: [],
    stateFiles: [
        { name: "apisix.uid", generate: "uuid", mount: "/usr/local/apisix/conf/apisix.uid" },
        { name: "admin.key", generate: "key" },
    ],
    generation: "0123456789abcdef",
    configParameter: "/api7-ha/dev/dp/gateway-config.yaml",
    placeholders: {},
    statePlaceholders: { __API7_HOST_ADMIN_KEY__: "admin.key" },
    pendingSecret: PENDING_SECRET,
    healthUrl: "http://127.0.0.1:7085/status",
    reloadCommand: ["apisix", "reload"],
    registry: { kind: "anonymous" },
    logs: {
        driver: "awslogs",
        options: {
            "awslogs-region": "us-east-1",
            "awslogs-group": "/api7-ha/dev/dp",
            "awslogs-stream": "{instance_id}/api7-gateway",
            mode: "non-blocking",
            "max-buffer-size": "4m",
        },
    },
});

describe("the schema refuses what the scripts cannot run", () => {
    test("a well-formed spec passes (so each refusal below is the change's doing)", () => {
        expect(runSpecErrors(GATEWAY_SPEC)).toEqual([]);
        expect(RunSpecSchema.safeParse(GATEWAY_SPEC).success).toBe(true);
    });

    const DATABASE = {
        token: "__API7_SECRET_DATABASE_DSN__",
        secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
        host: "db.example.internal",
        port: 5432,
        database: "api7ee",
        sslmode: "require",
    };
    test.each<[string, Record<string, unknown>, string]>([
        [
            "no generation (api7-apply could not tell a reload from a restart)",
            { generation: undefined },
            " must have required property 'generation'",
        ],
        [
            "a generation that is not 16 hex digits",
            { generation: "v1" },
            '/generation must match pattern "^[0-9a-f]{16}$"',
        ],
        ["a misspelt key", { imageRef: "x" }, " must NOT have additional properties"],
        [
            "an environment name bash cannot export",
            { env: { "API7-GROUP": "default" } },
            '/env must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"',
        ],
        [
            "a secret named other than by its SSM path",
            { secretEnv: { API7_CONTROL_PLANE_TOKEN: "control-plane-token" } },
            '/secretEnv/API7_CONTROL_PLANE_TOKEN must match pattern "^\\/[A-Za-z0-9_.\\-/]+$"',
        ],
        [
            "a state file api7-run cannot create",
            { stateFiles: [{ name: "apisix.uid", generate: "random" }] },
            "/stateFiles/0/generate must be equal to one of the allowed values",
        ],
        [
            "a state file outside the state directory",
            { stateFiles: [{ name: "../apisix.uid", generate: "uuid" }] },
            '/stateFiles/0/name must match pattern "^[A-Za-z0-9._-]+$"',
        ],
        [
            "a container name Docker refuses",
            { container: "api7 gateway" },
            '/container must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"',
        ],
        [
            "another pending marker than api7-run waits on",
            { pendingSecret: "pending" },
            "/pendingSecret must be equal to constant",
        ],
        [
            "a health URL curl cannot poll",
            { healthUrl: "127.0.0.1:7085/status" },
            '/healthUrl must match pattern "^https?:\\/\\/\\S+$"',
        ],
        [
            "a password login without its SecureString",
            { registry: { kind: "password", registry: "docker.io", username: "ci" } },
            "/registry must have required property 'passwordParameter'",
        ],
        [
            "a login kind api7-run does not know",
            { registry: { kind: "token" } },
            "/registry/kind must be equal to constant",
        ],
        [
            "a database without TLS",
            { database: { ...DATABASE, sslmode: "disable" } },
            "/database/sslmode must be equal to constant",
        ],
        ["a database port as text", { database: { ...DATABASE, port: "5432" } }, "/database/port must be integer"],
        [
            "no log driver (the container's lines would stay on the host)",
            { logs: undefined },
            " must have required property 'logs'",
        ],
        [
            "a log option with a tab (api7-run splits at tabs)",
            { logs: { driver: "awslogs", options: { tag: "a\tb" } } },
            '/logs/options/tag must match pattern "^[^\\t\\n]*$"',
        ],
    ])("%s", (_what, change, error) => {
        const spec = JSON.parse(JSON.stringify({ ...GATEWAY_SPEC, ...change }));
        expect(runSpecErrors(spec)).toContain(error);
        // The type the program renders refuses it too: one definition, two forms.
        expect(RunSpecSchema.safeParse(spec).success).toBe(false);
    });
});

describe("runSpec (pure: no SDK, no mocks)", () => {
    const inputs: RunSpecInputs = {
        service: {
            container: "api7-gateway",
            configPath: "/usr/local/apisix/conf/config.yaml",
            secretEnv: { API7_CONTROL_PLANE_TOKEN: "control-plane-token" },
            stateFiles: [{ name: "admin.key", generate: "key" }],
            placeholders: { __FALLBACK_KEY__: "fallback-secret-key" },
            statePlaceholders: { __API7_HOST_ADMIN_KEY__: "admin.key" },
            healthUrl: "http://127.0.0.1:7085/status",
            reloadCommand: ["apisix", "reload"],
        },
        image: "api7/api7-ee-3-gateway:3.2.16.3",
        env: { API7_GATEWAY_GROUP_SHORT_ID: "default" },
        configParameter: "/p/dp/gateway-config.yaml",
        registry: { kind: "anonymous" },
        logs: { region: "us-east-1", group: "/api7-ha/prod/dp" },
        secretPath: (name) => `/p/dp/secrets/${name}`,
    };
    // What fixes the container, in the spec's order, serialised as JSON.stringify writes it: the generation is the
    // first 16 hex digits of its SHA-256, computed once by hand:
    //   printf '%s' '{"container":"api7-gateway","image":"api7/api7-ee-3-gateway:3.2.16.3","configPath":"/usr/local/apisix/conf/config.yaml","env":{"API7_GATEWAY_GROUP_SHORT_ID":"default"},"secretEnv":{"API7_CONTROL_PLANE_TOKEN":"/p/dp/secrets/control-plane-token"},"dockerArgs":[],"command":[],"stateFiles":[{"name":"admin.key","generate":"key"}],"logs":{"driver":"awslogs","options":{"awslogs-region":"us-east-1","awslogs-group":"/api7-ha/prod/dp","awslogs-stream":"{instance_id}/api7-gateway","mode":"non-blocking","max-buffer-size":"4m"}}}' | sha256sum
    //   8a0b3a6c30e112a07e178e690bc7a3a479038992f3b7b1037d4e8008d0128c28  -

    test("renders every field the scripts read, secrets as the group's SSM paths, absent lists as empty ones", () => {
        expect(runSpec(inputs)).toEqual({
            container: "api7-gateway",
            image: "api7/api7-ee-3-gateway:3.2.16.3",
            configPath: "/usr/local/apisix/conf/config.yaml",
            env: { API7_GATEWAY_GROUP_SHORT_ID: "default" },
            secretEnv: { API7_CONTROL_PLANE_TOKEN: "/p/dp/secrets/control-plane-token" },
            dockerArgs: [],
            command: [],
            stateFiles: [{ name: "admin.key", generate: "key" }],
            // Docker's awslogs driver, never blocking the container (components/aws/run-spec.ts).
            logs: {
                driver: "awslogs",
                options: {
                    "awslogs-region": "us-east-1",
                    "awslogs-group": "/api7-ha/prod/dp",
                    "awslogs-stream": "{instance_id}/api7-gateway",
                    mode: "non-blocking",
                    "max-buffer-size": "4m",
                },
            },
            generation: "8a0b3a6c30e112a0",
            configParameter: "/p/dp/gateway-config.yaml",
            placeholders: { __FALLBACK_KEY__: "/p/dp/secrets/fallback-secret-key" },
            statePlaceholders: { __API7_HOST_ADMIN_KEY__: "admin.key" },
            pendingSecret: PENDING_SECRET,
            healthUrl: "http://127.0.0.1:7085/status",
            reloadCommand: ["apisix", "reload"],
            registry: { kind: "anonymous" },
        });
    });

    test("the generation changes with how the container runs, and not with its config, placeholders, health URL, reload or login", () => {
        const base = runSpec(inputs).generation;
        const same: Partial<RunSpecInputs>[] = [
            { configParameter: "/p/dp/other.yaml" },
            {
                service: {
                    ...inputs.service,
                    placeholders: {},
                    statePlaceholders: {},
                    healthUrl: "http://127.0.0.1:1/",
                    reloadCommand: [],
                },
            },
            {
                registry: {
                    kind: "ecr",
                    registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                    region: "us-east-1",
                },
            },
        ];
        for (const change of same) expect(runSpec({ ...inputs, ...change }).generation).toBe(base);
        const other: Partial<RunSpecInputs>[] = [
            { image: "api7/api7-ee-3-gateway:3.2.16.4" },
            { env: { API7_GATEWAY_GROUP_SHORT_ID: "other" } },
            { service: { ...inputs.service, dockerArgs: ["--user", "1000"] } },
            { logs: { region: "us-east-1", group: "/api7-ha/prod/cp" } },
            {
                database: {
                    token: "__DSN__",
                    secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
                    host: "db.internal",
                    port: 5432,
                    database: "api7ee",
                    sslmode: "require",
                },
            },
        ];
        for (const change of other) expect(runSpec({ ...inputs, ...change }).generation).not.toBe(base);
    });

    test("a password login names its SecureString; other logins are carried as they are", () => {
        expect(
            runSpecRegistry(
                { kind: "password", registry: "docker.io", username: "ci" },
                () => "/p/dp/secrets/registry-password",
            ),
        ).toEqual({
            kind: "password",
            registry: "docker.io",
            username: "ci",
            passwordParameter: "/p/dp/secrets/registry-password",
        });
        const ecr = {
            kind: "ecr",
            registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            region: "us-east-1",
        } as const;
        expect(
            runSpecRegistry(ecr, () => {
                throw new Error("no password secret");
            }),
        ).toEqual(ecr);
    });
});
