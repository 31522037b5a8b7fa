/**
 * The CLI port (tools/pulumi-cli/config.ts) on the vectors of Pulumi's own tests, pulumi/pulumi @1b59498:
 * pkg/cmd/pulumi/config/config_test.go (TestConfigSet, TestConfigPathOperations), pkg/workspace/config_test.go and
 * config_project_test.go (merge and validation), and issue #21865 (a secret with a default). Then the proof that
 * the project's previous Pulumi.yaml fails it exactly as the issue reports, and the current one does not.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    CliError,
    encrypt,
    languageHostEnv,
    mergeConfig,
    parseProjectFile,
    parseStackFile,
    renderStackFile,
    runConfigCommand,
    type StackFile,
} from "../tools/pulumi-cli/config";
import { documentedCommands } from "../tools/pulumi-cli/commands";
import { ROOT } from "../tools/harness";

const stackOf = (text: string, project = "testProject"): StackFile => parseStackFile(text, project);
const set = (stack: StackFile, ...argv: string[]) => runConfigCommand(stack, "testProject", ["set", ...argv]);
const configYaml = (stack: StackFile) =>
    (yaml.load(renderStackFile(stack)) as { config: Record<string, unknown> }).config;
const json = (stack: StackFile, key: string) =>
    JSON.parse(languageHostEnv(stack.config).PULUMI_CONFIG)[key.replace(":", ":config:")] as string;

describe("pulumi config set writes the stack file as the CLI does (config_test.go TestConfigSet, :476-676)", () => {
    test.each<[string, string[], unknown]>([
        ["toplevel bool", ["testProject:test", "true"], { "testProject:test": "true" }],
        ["toplevel int", ["testProject:test", "123"], { "testProject:test": "123" }],
        ["toplevel float", ["testProject:test", "123.456"], { "testProject:test": "123.456" }],
        ["path'd bool", ["--path", "testProject:test[0]", "true"], { "testProject:test": [true] }],
        ["path'd int", ["--path", "testProject:test[0]", "123"], { "testProject:test": [123] }],
        ["path'd float", ["--path", "testProject:test[0]", "123.456"], { "testProject:test": ["123.456"] }],
        ["--type int", ["--type", "int", "testProject:test", "123"], { "testProject:test": 123 }],
        ["--type bool", ["--type", "bool", "testProject:test", "true"], { "testProject:test": true }],
        ["--type string", ["--type", "string", "testProject:test", "123"], { "testProject:test": "123" }],
        [
            "--path --type string",
            ["--path", "--type", "string", "testProject:test[0]", "123"],
            { "testProject:test": ["123"] },
        ],
    ])("%s", (_name, argv, expected) => {
        const stack = stackOf("");
        set(stack, ...argv);
        expect(configYaml(stack)).toEqual(expected);
    });

    test("a key without a namespace gets the project's; without --path a dotted key stays one flat key", () => {
        const stack = stackOf("");
        set(stack, "vpc.cidr", "10.0.0.0/16");
        expect(configYaml(stack)).toEqual({ "testProject:vpc.cidr": "10.0.0.0/16" });
    });

    test("--secret --path stores the leaf as secure, and the whole top-level key becomes secret (TestConfigSetAll :707-712)", () => {
        const stack = stackOf("");
        set(stack, "--secret", "--path", "nested.secret1", "secret1");
        expect(configYaml(stack)).toEqual({ "testProject:nested": { secret1: { secure: encrypt("secret1") } } });
        expect(JSON.parse(languageHostEnv(stack.config).PULUMI_CONFIG_SECRET_KEYS)).toEqual(["testProject:nested"]);
    });
});

describe("--path operations (config_test.go TestConfigPathOperations, :1036-1493)", () => {
    test.each<[string, string[][], unknown]>([
        ["outer.inner value", [["--path", "outer.inner", "value"]], { inner: "value" }],
        [
            "names[0], names[1]",
            [
                ["--path", "names[0]", "a"],
                ["--path", "names[1]", "b"],
            ],
            ["a", "b"],
        ],
        [
            "servers[0].port, servers[0].host",
            [
                ["--path", "servers[0].port", "80"],
                ["--path", "servers[0].host", "example"],
            ],
            [{ host: "example", port: 80 }],
        ],
        ["a.b[0].c true", [["--path", "a.b[0].c", "true"]], { b: [{ c: true }] }],
        ["foo4[0] 0", [["--path", "foo4[0]", "0"]], [0]],
        ["leading zeros stay strings", [["--path", "foo[0]", "0123456"]], ["0123456"]],
        [
            "overwriting a top-level string with a path",
            [
                ["outer", "text"],
                ["--path", "outer.inner", "value"],
            ],
            { inner: "value" },
        ],
    ])("%s", (_name, commands, expected) => {
        const stack = stackOf("");
        for (const argv of commands) set(stack, ...argv);
        const [key] = [...stack.config.entries.keys()];
        expect(JSON.parse(json(stack, key))).toEqual(expected);
    });

    test("a quoted key with a dot is one flat key", () => {
        const stack = stackOf("");
        set(stack, "--path", '["test.Key"]', "v");
        expect(configYaml(stack)).toEqual({ "testProject:test.Key": "v" });
    });

    test.each<[string, string[], string]>([
        [
            "an index on a map",
            ["--path", "outer[0]", "x"],
            "could not set config: outer[0]: key for a map must be a string",
        ],
        [
            "a member of a string",
            ["--path", "outer.inner.nested", "x"],
            "could not set config: outer.inner: expected a map",
        ],
        ["a negative index", ["--path", "names[-1]", "x"], "could not set config: names[-1]: array index out of range"],
        [
            "an index past the end",
            ["--path", "names[5]", "x"],
            "could not set config: names[5]: array index out of range",
        ],
        [
            "an unclosed bracket",
            ["--path", "root[", "x"],
            "could not set config: invalid config key path: missing closing bracket in array index",
        ],
        [
            "a leading dot",
            ["--path", ".foo", "x"],
            "invalid config key path: expected property path to start with a name or index",
        ],
        [
            "the reserved secure key",
            ["--path", "key.secure", "x"],
            'could not set config: maps with the single key "secure" are reserved',
        ],
    ])("fails on %s", (_name, argv, message) => {
        const stack = stackOf(
            "config:\n  testProject:outer:\n    inner: value\n  testProject:names:\n    - a\n    - b\n",
        );
        let error: unknown;
        try {
            set(stack, ...argv);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(CliError);
        expect((error as Error).message).toContain(message);
    });
});

describe("pulumi up merges Pulumi.yaml and validates (pkg/workspace/config.go mergeConfig, validateStackConfigValues)", () => {
    const project = (config: Record<string, unknown>, name = "test") =>
        parseProjectFile(yaml.dump({ name, runtime: "nodejs", config }));
    const merge = (config: Record<string, unknown>, stackYaml: string, name = "test", stackName = "dev") =>
        mergeConfig(project(config, name), parseStackFile(stackYaml, name), stackName);

    test("a dotted declared key is a property path (config_test.go:61-93 'Typed Config Validates')", () => {
        const p = {
            testInt: { type: "integer" },
            "testNested1.float": { type: "integer" },
            "testNested2.bool": { type: "boolean" },
            testSecret: { type: "string", secret: true },
        };
        const stackYaml =
            `config:\n  testProject:testInt: 1\n  testProject:testNested1:\n    float: 1\n  ` +
            `testProject:testNested2:\n    bool: true\n  testProject:testSecret:\n    secure: ${encrypt("testValue")}\n`;
        expect(() => merge(p, stackYaml, "testProject")).not.toThrow();
        // ...and a flat key of the same spelling does not satisfy it (map.go:149-182 Get with path=true).
        expect(() =>
            merge(
                { "testNested1.float": { type: "integer" } },
                "config:\n  testProject:testNested1.float: 1\n",
                "testProject",
            ),
        ).toThrow("validating stack config: Stack 'dev' is missing configuration value 'testNested1.float'");
    });

    test("a dotted key's default is written under its root as an object, coerced (config.go:327-347)", () => {
        const merged = merge(
            { "vpc.cidr": { type: "string", default: "10.80.0.0/16" }, "vpc.azs": { type: "integer", default: 2 } },
            "config:\n  test:vpc.cidr: 10.81.0.0/16\n",
        );
        const env = JSON.parse(languageHostEnv(merged).PULUMI_CONFIG) as Record<string, string>;
        expect(env).toEqual({
            "test:config:vpc": '{"azs":2,"cidr":"10.80.0.0/16"}',
            "test:config:vpc.cidr": "10.81.0.0/16",
        });
    });

    test.each<[string, Record<string, unknown>, string]>([
        [
            "one",
            { values: { type: "array", items: { type: "string" } } },
            "Stack 'dev' is missing configuration value 'values'",
        ],
        [
            "two",
            { values: { type: "array", items: { type: "string" } }, another: { type: "string" } },
            "Stack 'dev' is missing configuration values 'another' and 'values'",
        ],
        [
            "three",
            {
                hello: { type: "integer" },
                values: { type: "array", items: { type: "string" } },
                world: { type: "string" },
            },
            "Stack 'dev' is missing configuration values 'hello', 'values' and 'world'",
        ],
    ])("missing required keys: %s (config_project_test.go:438-538)", (_n, config, message) => {
        expect(() => merge(config, "")).toThrow(`validating stack config: ${message}`);
    });

    test("a secret with a default and no stack value fails (issue #21865 repro, since v3.202.0)", () => {
        expect(() => merge({ "top-secret": { type: "string", secret: true, default: "" } }, "", "tmp", "tmp")).toThrow(
            "validating stack config: Stack 'tmp' with configuration key 'top-secret' must be encrypted as it's secret",
        );
    });

    test.each<[string, Record<string, unknown>, string, string | undefined]>([
        [
            "an array given a string",
            { values: { type: "array", items: { type: "string" }, default: ["value"] } },
            "config:\n  test:values: someValue\n",
            "must be of type 'array<string>'",
        ],
        [
            "an integer given 20",
            { importantNumber: { type: "integer" } },
            "config:\n  test:importantNumber: 20\n",
            undefined,
        ],
        [
            "an integer given hello",
            { importantNumber: { type: "integer" } },
            "config:\n  test:importantNumber: hello\n",
            "must be of type 'integer'",
        ],
    ])("types: %s (config_project_test.go:347-436)", (_n, config, stackYaml, message) => {
        if (message)
            expect(() => merge(config, stackYaml)).toThrow(
                `validating stack config: Stack 'dev' with configuration key '${Object.keys(config)[0]}' ${message}`,
            );
        else expect(() => merge(config, stackYaml)).not.toThrow();
    });

    test("a secret key must be stored encrypted (config_project_test.go:571-630)", () => {
        const config = { importantNumber: { type: "integer", secret: true } };
        expect(() => merge(config, `config:\n  test:importantNumber:\n    secure: ${encrypt("20")}\n`)).not.toThrow();
        expect(() => merge(config, "config:\n  test:importantNumber: 20\n")).toThrow(
            "validating stack config: Stack 'dev' with configuration key 'importantNumber' must be encrypted as " +
                "it's secret",
        );
    });

    test("undeclared stack keys are kept; shorthand project values are untyped defaults (config_project_test.go:77-115, :271-304)", () => {
        const merged = merge(
            { instanceSize: "t3.micro", instanceCount: 20, protect: true },
            "config:\n  test:instanceSize: t4.large\n  test:other: 42\n",
        );
        expect(JSON.parse(languageHostEnv(merged).PULUMI_CONFIG)).toEqual({
            "test:config:instanceSize": "t4.large",
            "test:config:instanceCount": "20",
            "test:config:protect": "true",
            "test:config:other": "42",
        });
    });

    test("Pulumi.yaml's own checks (project.go:837-889)", () => {
        expect(() => project({ values: { type: "array" } })).toThrow(
            "The configuration key 'values' declares an array but does not specify the underlying type via the " +
                "'items' attribute",
        );
        expect(() => project({ instanceSize: { type: "integer", default: "hello" } })).toThrow(
            "The default value specified for configuration key 'instanceSize' is not of the expected type 'integer'",
        );
        expect(() => project({ "aws:region": { default: "us-east-1" } })).toThrow(
            /is not namespaced by the project and should not define a default value/,
        );
    });
});

describe("config rm --path (object.go Delete)", () => {
    const stack = () =>
        stackOf("config:\n  testProject:names:\n    - a\n    - b\n  testProject:m:\n    other: x\n    secure: y\n");
    test("an index out of range or negative removes nothing", () => {
        const s = stack();
        runConfigCommand(s, "testProject", ["rm", "--path", "names[-1]"]);
        runConfigCommand(s, "testProject", ["rm", "--path", "names[5]"]);
        expect(configYaml(s)["testProject:names"]).toEqual(["a", "b"]);
    });
    test("removing the key beside `secure` is refused: the rest would read as a ciphertext", () => {
        expect(() => runConfigCommand(stack(), "testProject", ["rm", "--path", "m.other"])).toThrow(
            'm.other: maps with the single key "secure" are reserved',
        );
    });
    test("--type bool takes Go's ParseBool forms", () => {
        const s = stackOf("");
        set(s, "--type", "bool", "testProject:flag", "T");
        expect(configYaml(s)).toEqual({ "testProject:flag": true });
    });
});

describe("what the Node language host hands the program (main.go constructConfig, :1120-1160)", () => {
    test("keys as ns:config:name, every value a string, objects as compact sorted JSON, secrets decrypted and listed", () => {
        const stack = stackOf(
            "config:\n  aws:region: us-east-1\n  testProject:vpc:\n    cidr: 10.80.0.0/16\n    azs: 2\n",
        );
        set(stack, "--secret", "token", "s3cr3t<&>");
        const env = languageHostEnv(stack.config);
        expect(env.PULUMI_CONFIG).toBe(
            '{"aws:config:region":"us-east-1","testProject:config:token":"s3cr3t\\u003c\\u0026\\u003e","testProject:config:vpc":"{\\"azs\\":2,\\"cidr\\":\\"10.80.0.0/16\\"}"}',
        );
        expect(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS)).toEqual(["testProject:token"]);
    });
});

describe("the project's previous configuration fails the CLI exactly as issue 9 reports; the current one passes", () => {
    const fixture = (file: string) => fs.readFileSync(path.join(ROOT, "tests", "fixtures", "v0.1", file), "utf8");
    const previousProject = parseProjectFile(fixture("Pulumi.yaml"));

    test("after README's flat `pulumi config set --secret controlPlane.databaseDsn ...`, the CLI says it is missing", () => {
        const stack = parseStackFile(fixture("Pulumi.prod.yaml"), "api7-ha");
        runConfigCommand(stack, "api7-ha", [
            "set",
            "--secret",
            "controlPlane.databaseDsn",
            "postgres://u:p@db:5432/api7ee",
        ]);
        runConfigCommand(stack, "api7-ha", ["set", "--secret", "dataPlane.controlPlaneToken", "token"]);
        expect(() => mergeConfig(previousProject, stack, "prod")).toThrow(
            "validating stack config: Stack 'prod' is missing configuration value 'controlPlane.databaseDsn'",
        );
    });

    test("with --path instead, the defaulted secrets fail validation", () => {
        const stack = parseStackFile(fixture("Pulumi.prod.yaml"), "api7-ha");
        runConfigCommand(stack, "api7-ha", [
            "set",
            "--path",
            "--secret",
            "controlPlane.databaseDsn",
            "postgres://u:p@db:5432/api7ee",
        ]);
        expect(() => mergeConfig(previousProject, stack, "prod")).toThrow(
            "validating stack config: Stack 'prod' with configuration key 'dataPlane.controlPlaneCa' must be " +
                "encrypted as it's secret",
        );
    });

    test("and every declared default lands in an object key the previous program rejected as unknown", () => {
        const stack = parseStackFile(fixture("Pulumi.prod.yaml"), "api7-ha");
        const project = {
            ...previousProject,
            config: Object.fromEntries(Object.entries(previousProject.config).filter(([, d]) => !d.secret)),
        };
        const keys = Object.keys(
            JSON.parse(languageHostEnv(mergeConfig(project, stack, "prod")).PULUMI_CONFIG) as object,
        ).filter((k) => k.startsWith("api7-ha:config:") && !k.includes("."));
        expect(keys.sort()).toEqual(
            ["access", "controlPlane", "dataPlane", "fallback", "hosts", "loadBalancers", "prometheus", "vpc"].map(
                (k) => `api7-ha:config:${k}`,
            ),
        );
    });

    test("the current Pulumi.yaml declares no dotted key and no secret with a default, and prod passes with its documented secrets", () => {
        const current = parseProjectFile(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        for (const [key, decl] of Object.entries(current.config)) {
            expect([key, /[.[]/.test(key)]).toEqual([key, false]);
            expect([key, !!decl.secret && decl.default !== undefined]).toEqual([key, false]);
        }
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        const stack = parseStackFile(text, "api7-ha");
        for (const c of documentedCommands(text).filter((d) => d.argv.includes("--secret"))) {
            if (c.stdinFile) runConfigCommand(stack, "api7-ha", c.argv, "value\n");
            else runConfigCommand(stack, "api7-ha", [...c.argv.slice(0, -1), "value"]);
        }
        expect(() => mergeConfig(current, stack, "prod")).not.toThrow();
    });
});

describe("a plaintext value the CLI takes for a secret (config.go keyPattern, looksLikeSecret, :1432-1460)", () => {
    const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf";

    test("is refused for a key whose name says secret, with the CLI's message (the worst case of its entropy check)", () => {
        const stack = stackOf("config: {}\n");
        expect(() => set(stack, "--path", "images.dockerHubSecretArn", ARN)).toThrow(
            new CliError(
                "config value for 'testProject:images.dockerHubSecretArn' looks like a secret; rerun with --secret to " +
                    "encrypt it, or --plaintext if you meant to store in plaintext",
            ),
        );
        expect(configYaml(stack)).toEqual({});
    });

    test("is stored with --plaintext, and a key whose name says nothing of secrets needs no flag", () => {
        const stack = stackOf("config: {}\n");
        set(stack, "--path", "--plaintext", "images.dockerHubSecretArn", ARN);
        set(stack, "--path", "images.registry", ARN);
        expect(configYaml(stack)).toEqual({ "testProject:images": { dockerHubSecretArn: ARN, registry: ARN } });
    });
});
