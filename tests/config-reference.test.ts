/**
 * What is derived from the config schema (README's reference, the stack files' JSON Schema) is current and works,
 * and every `pulumi config` command README and the stack files tell users to run does what they say.
 */
import * as fs from "fs";
import * as path from "path";
import { isIPv4, isIPv6 } from "net";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as yaml from "js-yaml";
import { referenceRows } from "../components/config/reference";
import { AREA_NAMES, SECRET_NAMES } from "../components/config/schema";
import { README, STACK_SCHEMA, stackSchemaText, withReference } from "../scripts/config-docs";
import { commandsFor, documentedCommands, readProjectFile, type DocumentedCommand } from "../tools/pulumi-cli/commands";
import {
    languageHostEnv,
    mergeConfig,
    parseStackFile,
    readStackFile,
    runConfigCommand,
    type StackFile,
} from "../tools/pulumi-cli/config";
import {
    DOCKER_HUB_SECRET_ARN,
    EXTERNAL_DSN,
    GATEWAY_TOKEN,
    PROJECT,
    ROOT,
    runProgram,
    AWS_STACKS,
    TEST_PEM,
    TEST_SECRETS,
} from "../tools/harness";
import { T } from "./helpers";

const readme = fs.readFileSync(README, "utf8");
const stackText = (stack: string) => fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");

describe("generated from the schema", () => {
    test("README's configuration reference is current (run `npm run docs` to refresh)", () => {
        expect(withReference(readme)).toBe(readme);
    });

    test("the committed stack-file JSON Schema is current (run `npm run docs` to refresh)", () => {
        expect(fs.readFileSync(STACK_SCHEMA, "utf8")).toBe(stackSchemaText());
    });

    test("the reference has a row for every setting and secret, each described", () => {
        const rows = referenceRows();
        for (const area of AREA_NAMES) expect(rows.some((r) => r.key.startsWith(`${area}.`))).toBe(true);
        for (const name of SECRET_NAMES) expect(rows.find((r) => r.key === name)?.secret).toBe(true);
        for (const row of rows) expect([row.key, row.description.length > 20]).toEqual([row.key, true]);
        expect(rows.find((r) => r.key === "dataPlane.healthCheck.intervalSeconds")).toMatchObject({
            type: "integer 5–300",
            default: "`30`",
        });
    });

    test("README gives the two commands that set up and check everything", () => {
        expect(readme).toMatch(/```(sh|bash)\nnpm ci\nnpm test\n```/);
    });
});

/**
 * A prefix in CIDR notation: an address, "/", and a decimal prefix length of at most the address's bits. IPv4:
 * RFC 4632 section 3.1 ("a.b.c.d/n", n from 0 to 32); IPv6: RFC 4291 section 2.3 ("ipv6-address/prefix-length",
 * 0 to 128, the address in any form of section 2.2). The address is checked by Node's net.isIPv4 / net.isIPv6
 * (https://nodejs.org/docs/latest-v20.x/api/net.html#netisipv4input), a zone index (RFC 4007 "%eth0") is not part
 * of a prefix.
 */
function isCidr(value: string, isAddress: (a: string) => boolean, bits: number): boolean {
    const m = /^([^/%]+)\/(0|[1-9][0-9]{0,2})$/.exec(value);
    return m !== null && isAddress(m[1]) && Number(m[2]) <= bits;
}

/**
 * The stack-file schema compiled in ajv's strict mode, so a keyword or format ajv does not know fails compilation
 * instead of being ignored. The standard formats (JSON Schema 2020-12 validation, section 7.3) come from ajv-formats;
 * zod writes its own `cidrv4` and `cidrv6` formats for z.cidrv4() and z.cidrv6(), defined here by the RFCs.
 */
function stackFileValidator() {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addFormat("cidrv4", { type: "string", validate: (v: string) => isCidr(v, isIPv4, 32) });
    ajv.addFormat("cidrv6", { type: "string", validate: (v: string) => isCidr(v, isIPv6, 128) });
    return ajv.compile(JSON.parse(fs.readFileSync(STACK_SCHEMA, "utf8")) as object);
}

describe("the stack-file JSON Schema, as an editor (yaml-language-server) applies it", () => {
    const validate = stackFileValidator();

    test.each(AWS_STACKS)("Pulumi.%s.yaml names the schema on its first line and passes it", (stack) => {
        const text = stackText(stack);
        expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./config-schema/stack.schema.json");
        expect(validate(yaml.load(text))).toBe(true);
    });

    test.each<[string, Record<string, unknown>, string]>([
        ["a misspelt setting", { "api7-ha:dataPlane": { cuont: 3 } }, "/config/api7-ha:dataPlane"],
        ["a misspelt area", { "api7-ha:dataplane": { count: 3 } }, "/config/api7-ha:dataplane"],
        ["a dotted key set without --path", { "api7-ha:dataPlane.count": "3" }, "/config/api7-ha:dataPlane.count"],
        ["a count out of range", { "api7-ha:dataPlane": { count: 1 } }, "/config/api7-ha:dataPlane/count"],
        ["a quoted number", { "api7-ha:dataPlane": { count: "3" } }, "/config/api7-ha:dataPlane/count"],
        [
            "an unknown enum value",
            { "api7-ha:network": { natGateways: "none" } },
            "/config/api7-ha:network/natGateways",
        ],
        ["a plaintext secret", { "api7-ha:databaseDsn": "postgres://u:p@db/x" }, "/config/api7-ha:databaseDsn"],
        [
            "an admin CIDR with a host part too long",
            { "api7-ha:access": { adminCidrs: ["10.0.0.0/33"] } },
            "/config/api7-ha:access/adminCidrs/0",
        ],
        [
            "an IPv6 admin CIDR with a prefix over 128",
            { "api7-ha:access": { adminCidrs: ["2001:db8::/129"] } },
            "/config/api7-ha:access/adminCidrs/0",
        ],
        [
            "a VPC CIDR without its prefix length",
            { "api7-ha:network": { cidr: "10.80.0.0" } },
            "/config/api7-ha:network/cidr",
        ],
        [
            "an address octet over 255 in a CIDR",
            { "api7-ha:database": { externalCidrs: ["10.0.0.256/16"] } },
            "/config/api7-ha:database/externalCidrs/0",
        ],
        [
            "a lab bind address that is not an IPv4 address",
            { "api7-ha:lab": { bindAddress: "localhost" } },
            "/config/api7-ha:lab/bindAddress",
        ],
    ])("flags %s", (_what, config, where) => {
        expect(validate({ config: { "aws:region": "us-east-1", ...config } })).toBe(false);
        expect(validate.errors?.map((e) => e.instancePath)).toContain(where);
    });

    test("accepts IPv4 and IPv6 CIDRs at the edges of their prefix lengths", () => {
        const cidrs = ["0.0.0.0/0", "10.0.0.0/8", "192.168.1.1/32", "::/0", "2001:db8::/32", "2001:db8::1/128"];
        expect(validate({ config: { "api7-ha:access": { adminCidrs: cidrs, allowPublicAdmin: true } } })).toBe(true);
    });

    test("leaves other namespaces alone and accepts a secure value", () => {
        expect(
            validate({
                config: {
                    "aws:region": "eu-west-1",
                    "aws:defaultTags": { tags: { A: "b" } },
                    "api7-ha:databaseDsn": { secure: "v1:abc" },
                },
            }),
        ).toBe(true);
    });
});

/** A test value for each secret a documented command sets with a placeholder: the tests supply their own. */
const SECRET_VALUES: Readonly<Record<string, string>> = {
    ...TEST_SECRETS,
    databaseDsn: EXTERNAL_DSN,
    gatewayToken: GATEWAY_TOKEN,
    gatewayClientCert: TEST_PEM.cert,
    gatewayClientKey: TEST_PEM.key,
    gatewayCa: TEST_PEM.ca,
};

/** A test value for each setting a documented command sets with a placeholder (a value only the user has). */
const PLACEHOLDER_VALUES: Readonly<Record<string, string>> = { "images.dockerHubSecretArn": DOCKER_HUB_SECRET_ARN };

/** A command setting what only the user has: a secret, or a setting whose documented value is a placeholder. */
/** The key a `set` or `rm` command names: its first argument that is not a flag. */
const settingKey = (c: DocumentedCommand): string => c.argv.slice(1).filter((a) => !a.startsWith("-"))[0];
const userSupplied = (c: DocumentedCommand): boolean =>
    c.argv.includes("--secret") || (c.argv[0] === "set" && /<|\.\.\./.test(c.argv[c.argv.length - 1]));

/**
 * Applies documented commands to a stack file: secrets and placeholder settings named in PLACEHOLDER_VALUES get the
 * test's value; any other placeholder in a setting is refused.
 */
function applyDocumented(stack: StackFile, commands: readonly DocumentedCommand[]): void {
    for (const { argv, stdinFile, line } of commands) {
        const secret = argv.includes("--secret");
        const key = argv.filter((a) => !a.startsWith("-"))[1];
        if (!secret && PLACEHOLDER_VALUES[key] && /<|\.\.\./.test(argv[argv.length - 1])) {
            runConfigCommand(stack, PROJECT, [...argv.slice(0, -1), PLACEHOLDER_VALUES[key]]);
        } else if (secret) {
            const value = SECRET_VALUES[key];
            if (!value) throw new Error(`no test value for the secret in: ${line}`);
            // `set --secret key < file` reads the value from stdin; `set --secret key 'value'` has it last.
            if (stdinFile) runConfigCommand(stack, PROJECT, argv, `${value}\n`);
            else runConfigCommand(stack, PROJECT, [...argv.slice(0, -1), value]);
        } else {
            if (/<|\.\.\./.test(argv[argv.length - 1]))
                throw new Error(`a documented setting has a placeholder value: ${line}`);
            runConfigCommand(stack, PROJECT, argv);
        }
    }
}

/** The project's config as the program receives it: key -> parsed value. */
function projectConfig(stack: StackFile, stackName: string): Record<string, unknown> {
    const env = JSON.parse(languageHostEnv(mergeConfig(readProjectFile(), stack, stackName)).PULUMI_CONFIG) as Record<
        string,
        string
    >;
    return Object.fromEntries(
        Object.entries(env)
            .filter(([k]) => k.startsWith(`${PROJECT}:config:`))
            .map(([k, v]) => [
                k.slice(`${PROJECT}:config:`.length),
                SECRET_NAMES.includes(k.slice(`${PROJECT}:config:`.length) as never) ? v : (JSON.parse(v) as unknown),
            ]),
    );
}

describe("the commands README and the stack files give", () => {
    /** The file's header: the comments above `config:`, which say how the file was written. */
    const header = (stack: string) => stackText(stack).split("\nconfig:")[0];

    test.each(AWS_STACKS)(
        "Pulumi.%s.yaml: its header's commands, run on a stack with only its aws: keys, write exactly its settings",
        (stack) => {
            const committed = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`), PROJECT);
            const commands = documentedCommands(header(stack)).filter((c) => !userSupplied(c));
            const fresh = parseStackFile(stackText(stack), PROJECT);
            for (const key of [...fresh.config.entries.keys()])
                if (key.startsWith(`${PROJECT}:`)) fresh.config.entries.delete(key);
            applyDocumented(fresh, commands);
            for (const s of [committed, fresh])
                applyDocumented(s, documentedCommands(header(stack)).filter(userSupplied));
            expect(projectConfig(fresh, stack)).toEqual(projectConfig(committed, stack));
        },
    );

    test("Pulumi.prod.yaml: its AMI pin instruction pins the hosts' AMI", async () => {
        const body = documentedCommands(stackText("prod").split("\nconfig:")[1]);
        expect(body.map((c) => c.argv.slice(0, 3))).toEqual([["set", "--path", "hosts.amiId"]]);
        const run = await runProgram({ stack: "prod", commands: body.map((c) => c.argv) });
        expect(run.ofType(T.launchTemplate).map((t) => t.inputs.imageId as string)).toEqual(
            Array(2).fill(body[0].argv[3]),
        );
        expect(run.invokes.some((i) => i.token === "aws:ssm/getParameter:getParameter")).toBe(false);
    });

    test.each(AWS_STACKS)("Pulumi.%s.yaml: with what its header says to supply, the program deploys", async (stack) => {
        const supplied = documentedCommands(header(stack)).filter(userSupplied);
        const secrets = supplied
            .filter((c) => c.argv.includes("--secret"))
            .map((c) => c.argv.filter((a) => !a.startsWith("-"))[1]);
        // Exactly the license and the admin password: the managed database needs no DSN.
        expect(secrets).toEqual(["license", "adminPassword"]);
        // prod pulls through ECR's cache of Docker Hub, which needs the user's Docker Hub credentials secret.
        const settings = supplied.filter((c) => !c.argv.includes("--secret"));
        expect(settings.map((c) => settingKey(c))).toEqual(stack === "prod" ? ["images.dockerHubSecretArn"] : []);
        const file = parseStackFile(stackText(stack), PROJECT);
        applyDocumented(file, settings);
        const config = Object.fromEntries(settings.map((c) => [settingKey(c), PLACEHOLDER_VALUES[settingKey(c)]]));
        const run = await runProgram({
            stack,
            config,
            secrets: Object.fromEntries(
                SECRET_NAMES.map((n) => [n, secrets.includes(n) ? SECRET_VALUES[n] : undefined]),
            ),
        });
        expect(run.ofType(T.asg).length).toBeGreaterThan(0);
    });

    test("Pulumi.prod.yaml without the Docker Hub secret stops before any resource, saying what to create and set", async () => {
        await expect(runProgram({ stack: "prod", config: { "images.dockerHubSecretArn": undefined } })).rejects.toThrow(
            /images\.dockerHubSecretArn = "": is required with images\.source `ecrPullThroughCache`.*ecr-pullthroughcache\/.*pulumi config set --path images\.dockerHubSecretArn/,
        );
    });

    test("README's deploy commands, applied to the prod stack file, pass the CLI and the program", async () => {
        const commands = documentedCommands(readme);
        expect(commands.length).toBeGreaterThanOrEqual(5);
        const argv = commands.map((c) => c.argv);
        // Settings commands run as written; secrets get the tests' values (the same way the CLI stores them).
        const secrets: Record<string, string | undefined> = Object.fromEntries(SECRET_NAMES.map((n) => [n, undefined]));
        const settings: string[][] = [];
        // The external-database block is an alternative to the managed database: applied on its own below.
        const externalDb: string[][] = [];
        // The lab's settings: applied to the lab stack below.
        const labSettings: string[][] = [];
        for (const a of argv) {
            const key = a.filter((x) => !x.startsWith("-"))[1];
            if (key.startsWith("lab.")) labSettings.push([...a]);
            else if (
                key === "databaseDsn" ||
                key === "database" ||
                key.startsWith("database.") ||
                key.startsWith("'database.")
            )
                externalDb.push([...a]);
            // The gateway credentials README shows are the alternative to having them issued: applied below.
            else if (a.includes("--secret") && !key.startsWith("gateway")) secrets[key] = SECRET_VALUES[key];
            else if (a[0] === "set" && !a.includes("--secret") && !/<|\.\.\./.test(a[a.length - 1]))
                settings.push([...a]);
        }
        // The deploy commands need exactly the license and the admin password: a new stack needs no other secret.
        expect(
            Object.entries(secrets)
                .filter(([, v]) => v !== undefined)
                .map(([k]) => k),
        ).toEqual(["license", "adminPassword"]);
        const issued = await runProgram({ stack: "prod", secrets, commands: settings });
        expect(issued.ofType(T.asg).length).toBeGreaterThan(0);
        expect(issued.ofType("aws:rds/instance:Instance")).toHaveLength(1);
        // README's external database, as written (its DSN gets the test value), on the prod stack file.
        expect(externalDb.map((a) => a.slice(0, 3).join(" "))).toEqual([
            "rm database",
            "set --path database.kind",
            "set --secret databaseDsn",
            "set --path database.externalCidrs[0]",
            "set --secret databaseDsn",
        ]);
        // Each of README's DSNs as written, its placeholders filled in with a password holding every awkward
        // character: percent-encoded in PostgreSQL's URL, as README says, and as it is in the MySQL driver's form.
        const password = "p@ss:w/rd?#%";
        const filled = (a: string[], pw: string) =>
            a[a.length - 1].replace("<password>", pw).replace("<db-host>", "db.example.internal");
        const [pg, my] = externalDb.filter((a) => a.includes("--secret"));
        const [pgDsn, mysqlDsn] = [filled(pg, encodeURIComponent(password)), filled(my, password)];
        const withDsn = (dsn: string) =>
            runProgram({
                stack: "prod",
                secrets: { ...secrets, databaseDsn: dsn },
                commands: [...settings, ...externalDb.filter((a) => !a.includes("--secret"))],
            });
        for (const [dsn, port] of [
            [pgDsn, 5432],
            [mysqlDsn, 3306],
        ] as const) {
            const ext = await withDsn(dsn);
            expect(ext.ofType("aws:rds/instance:Instance")).toEqual([]);
            expect(
                ext
                    .ofType(T.egress)
                    .filter((r) => r.inputs.toPort === port)
                    .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]),
            ).toEqual([[port, "10.20.0.0/16"]]);
        }
        // README's lab commands on the lab stack: MySQL instead of PostgreSQL.
        expect(labSettings).toEqual([["set", "--path", "lab.database", "mysql"]]);
        const mysqlLab = await runProgram({ stack: "lab", commands: labSettings });
        expect(mysqlLab.outputs).toHaveProperty("labContainers.database", "api7-ha-lab-mysql");
        // With README's own mTLS credentials instead of issued ones.
        const brought = commands.filter(
            (c) =>
                c.argv.includes("--secret") &&
                /^gatewayClient|^gatewayCa/.test(c.argv.filter((x) => !x.startsWith("-"))[1]),
        );
        expect(brought).toHaveLength(3);
        const own = await runProgram({
            stack: "prod",
            secrets: {
                ...secrets,
                ...Object.fromEntries(
                    brought.map((c) => {
                        const k = c.argv.filter((x) => !x.startsWith("-"))[1];
                        return [k, SECRET_VALUES[k]];
                    }),
                ),
            },
            commands: settings,
        });
        expect(own.ofType(T.asg).length).toBeGreaterThan(0);
        // Every documented command is well-formed for the CLI (parsed by the same port).
        const scratch = parseStackFile(stackText("prod"), PROJECT);
        expect(() =>
            applyDocumented(
                scratch,
                commands.filter(
                    (c) =>
                        c.argv[0] === "rm" ||
                        c.argv.includes("--secret") ||
                        !/<|\.\.\./.test(c.argv[c.argv.length - 1]),
                ),
            ),
        ).not.toThrow();
    });

    test("commandsFor writes the tests' settings as a user would type them", () => {
        expect(
            commandsFor({
                stack: "dev",
                secrets: { license: undefined, gatewayToken: "-tok" },
                config: {
                    "dataPlane.count": 3,
                    "access.adminCidrs": ["10.0.0.0/8"],
                    "hosts.amiId": undefined,
                    "dataPlane.deregistrationDelaySeconds": -1,
                },
            }),
        ).toEqual([
            ["set", "--secret", "adminPassword", TEST_SECRETS.adminPassword],
            ["set", "--secret", "--", "gatewayToken", "-tok"],
            ["set", "--path", "dataPlane.count", "3"],
            ["rm", "--path", "access.adminCidrs"],
            ["set", "--path", "access.adminCidrs[0]", "10.0.0.0/8"],
            ["rm", "--path", "hosts.amiId"],
            ["set", "--path", "--", "dataPlane.deregistrationDelaySeconds", "-1"],
        ]);
    });
});

test("README's first 80 lines hold the quick start: prerequisites, npm ci and npm test, the secrets, the first pulumi up", () => {
    const head = readme.split("\n").slice(0, 80).join("\n");
    expect(head).toContain("## Quick start");
    expect(head).toContain("Prerequisites:");
    expect(head).toMatch(/```sh\nnpm ci\nnpm test\n```/);
    expect(head).toContain("pulumi config set --secret license < license.txt");
    expect(head).toContain("pulumi config set --secret adminPassword");
    expect(head).toMatch(/\npulumi up\n/);
});
