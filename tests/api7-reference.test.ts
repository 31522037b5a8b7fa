/**
 * Every config and run spec the program renders for API7, compared key by key with what API7 3.2.16 documents
 * (tests/reference/api7-3.2.16.yaml, each key with its source): normal and standalone gateways, token and mTLS,
 * with and without Prometheus, both dashboard listeners, access keys and instance role.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { DEV_MTLS_PROMETHEUS, ROOT, runProgram, type RunOptions, type RunResult } from "../tools/harness";
import { service } from "./helpers";

interface KeySpec {
    readonly type?: "string" | "boolean" | "number";
    readonly value?: unknown;
    readonly source: string;
}
interface DocumentSpec {
    readonly mount: { readonly path: string; readonly source: string };
    readonly required: readonly string[];
    readonly keys: Readonly<Record<string, KeySpec>>;
}
interface Reference {
    readonly sources: Readonly<Record<string, string>>;
    readonly documents: Readonly<Record<string, DocumentSpec>>;
    readonly environment: Readonly<
        Record<"token" | "mtls" | "standalone", { names: string[]; values?: Record<string, string>; source: string }>
    >;
    readonly gatewayMounts: readonly { path: string; source: string }[];
}

const REFERENCE = yaml.load(
    fs.readFileSync(path.join(ROOT, "tests", "reference", "api7-3.2.16.yaml"), "utf8"),
) as Reference;

/** Leaves of a parsed document as [property path with [] for list items, value]. */
export function leaves(node: unknown, prefix = ""): [string, unknown][] {
    if (Array.isArray(node)) return node.flatMap((item) => leaves(item, `${prefix}[]`));
    if (node !== null && typeof node === "object")
        return Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
    return [[prefix, node]];
}

/** Differences between a rendered document and the reference: undocumented keys, missing required keys, wrong values. */
export function againstReference(doc: unknown, spec: DocumentSpec): string[] {
    const problems: string[] = [];
    const rendered = leaves(doc);
    for (const [key, value] of rendered) {
        const k = spec.keys[key];
        if (!k) problems.push(`${key}: not documented`);
        else if ("value" in k && value !== k.value)
            problems.push(`${key}: ${JSON.stringify(value)}, documented ${JSON.stringify(k.value)}`);
        else if (k.type && typeof value !== k.type) problems.push(`${key}: a ${typeof value}, documented a ${k.type}`);
    }
    for (const key of spec.required)
        if (!rendered.some(([k]) => k === key)) problems.push(`${key}: required, not rendered`);
    return problems;
}

const variants: [string, RunOptions][] = [
    ["prod: token, access keys", { stack: "prod" }],
    ["dev: mTLS, Prometheus on the control plane", DEV_MTLS_PROMETHEUS],
    [
        "prod: standalone, dedicated Prometheus",
        { stack: "prod", config: { "dataPlane.mode": "standalone", "prometheus.enabled": true } },
    ],
    [
        "dev: standalone with the instance role, dashboard over its own HTTPS",
        {
            stack: "dev",
            config: {
                "dataPlane.mode": "standalone",
                "fallback.credentials": "instanceRole",
                "controlPlane.dashboardListener": "https",
            },
        },
    ],
];

describe.each(variants)("%s", (_name, options) => {
    let run: RunResult;
    beforeAll(async () => {
        run = await runProgram(options);
    });
    const prefix = (role: string) => `/api7-ha/${options.stack}/${role}`;
    const standalone = options.config?.["dataPlane.mode"] === "standalone";
    const mtls = options.config?.["dataPlane.controlPlaneAuth"] === "mtls";

    test.each([
        ["dashboard", "cp", "dashboard"],
        ["dp-manager", "cp", "dp-manager"],
        ["gateway", "dp", "gateway"],
    ])("%s config: every key documented, required keys present", (svc, role, doc) => {
        const { config, spec } = service(run, prefix(role), svc);
        const kind = doc === "gateway" && standalone ? "gateway-standalone" : doc;
        expect(againstReference(config, REFERENCE.documents[kind])).toEqual([]);
        expect(spec.configPath).toBe(REFERENCE.documents[kind].mount.path);
    });

    test("gateway environment: exactly the documented variables", () => {
        const { spec } = service(run, prefix("dp"), "gateway");
        const expected = REFERENCE.environment[standalone ? "standalone" : mtls ? "mtls" : "token"];
        expect([...Object.keys(spec.env), ...Object.keys(spec.secretEnv)].sort()).toEqual([...expected.names].sort());
        for (const [name, value] of Object.entries(expected.values ?? {})) expect(spec.env[name]).toBe(value);
    });

    test("gateway mounts: its config and the documented files, nothing else", () => {
        const { spec } = service(run, prefix("dp"), "gateway");
        expect(
            spec.stateFiles.filter((f: { mount?: string }) => f.mount).map((f: { mount: string }) => f.mount),
        ).toEqual(REFERENCE.gatewayMounts.map((m) => m.path));
    });
});

describe("the reference itself", () => {
    test("every key and environment names a source the reference defines", () => {
        const used = [
            ...Object.values(REFERENCE.documents).flatMap((d) => [
                d.mount.source,
                ...Object.values(d.keys).map((k) => k.source),
            ]),
            ...Object.values(REFERENCE.environment).map((e) => e.source),
            ...REFERENCE.gatewayMounts.map((m) => m.source),
        ];
        for (const source of used) expect([source, REFERENCE.sources[source] !== undefined]).toEqual([source, true]);
    });

    test.each<[string, unknown, string, string]>([
        [
            "fallback_cp at the top level of a standalone gateway",
            {
                deployment: { role: "data_plane", role_data_plane: { config_provider: "yaml" } },
                fallback_cp: { aws_s3: { region: "r", config_bucket: "c", resource_bucket: "b" } },
                apisix: { status: { port: 7085 } },
            },
            "gateway-standalone",
            "fallback_cp.aws_s3.region: not documented",
        ],
        [
            "a standalone gateway without the resource bucket",
            {
                deployment: {
                    role: "data_plane",
                    role_data_plane: { config_provider: "yaml" },
                    fallback_cp: { aws_s3: { region: "r", config_bucket: "c" } },
                },
                apisix: { status: { port: 7085 } },
            },
            "gateway-standalone",
            "deployment.fallback_cp.aws_s3.resource_bucket: required, not rendered",
        ],
        [
            "the 3.2 guide's single bucket key",
            {
                deployment: {
                    role: "data_plane",
                    role_data_plane: { config_provider: "yaml" },
                    fallback_cp: { aws_s3: { region: "r", bucket: "c" } },
                },
                apisix: { status: { port: 7085 } },
            },
            "gateway-standalone",
            "deployment.fallback_cp.aws_s3.bucket: not documented",
        ],
        [
            "a dashboard whose HTTP listener is left to the default",
            {
                server: { listen: { host: "0.0.0.0", port: 7080 }, tls: { disable: true, port: 7443 } },
                database: { dsn: "x" },
            },
            "dashboard",
            "server.listen.disable: required, not rendered",
        ],
        [
            "a gateway with the Admin API on",
            { apisix: { enable_admin: true } },
            "gateway",
            "apisix.enable_admin: true, documented false",
        ],
    ])("catches %s", (_what, doc, kind, problem) => {
        expect(againstReference(doc, REFERENCE.documents[kind])).toContain(problem);
    });
});
