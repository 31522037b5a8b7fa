/**
 * A host's scripts (api7-bootstrap, api7-run, api7-apply), installed as prod's user data installs them
 * (tests/host-files.ts), run with the real AWS CLI v2 against AWS's APIs in moto, with the instance profile's
 * credentials from AWS's IMDS mock (tests/real/services.ts): the SSM parameters and SecureStrings the program
 * stores, the RDS-managed database secret in Secrets Manager, an ECR login. What still is a stand-in, and why: API7's
 * dashboard (tests/fakes/dashboard.ts; no API7 image here), and docker, systemctl, cloud-init and curl
 * (tests/fakes/host-bin/; no Docker engine or systemd here).
 * Then the faults: a missing parameter, a call IAM denies, an endpoint that does not answer. Each must end with a
 * message that says what failed, no secret in it, and no half-written file.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT, runProgram, TEST_SECRETS, type RunResult } from "../../tools/harness";
import { startFakeDashboard, type FakeDashboard } from "../fakes/dashboard";
import { groupOf, T } from "../helpers";
import { installUserData, type InstalledHost } from "../host-files";
import { awsAt, freePort, hostAwsEnv, startImds, startMoto, type Imds, type Moto } from "./services";

const HOST_BIN = path.join(ROOT, "tests", "fakes", "host-bin");
const PREFIX = { cp: "/api7-ha/prod/cp", dp: "/api7-ha/prod/dp" };
const GROUP = { cp: "api7-cp-hosts", dp: "api7-dp-hosts" };
/** The master user secret RDS keeps (username and password, rds-secrets-manager.html), with characters a URL reserves. */
const DATABASE_SECRET = { username: "api7", password: 'p@ss:w/rd?#[1]%"$ü' };

let dir: string;
let moto: Moto;
let imds: Imds;
let prod: RunResult;
let dashboard: FakeDashboard;
/** Every secret value a host handles: none may appear in what a script prints. */
const secrets: string[] = [];
/** How many script runs went through the real CLI to moto. */
let runs = 0;

const parameterValue = (p: { inputs: any }) =>
    String(p.inputs.type === "SecureString" ? p.inputs.value : p.inputs.insecureValue);

async function getParameter(name: string): Promise<{ Value: string; Type: string } | undefined> {
    try {
        return (await moto.json("ssm", "AmazonSSM.GetParameter", { Name: name, WithDecryption: true })).Parameter;
    } catch (e) {
        if (String(e).includes("ParameterNotFound")) return undefined;
        throw e;
    }
}
const putParameter = (name: string, value: string, type = "String") =>
    moto.json("ssm", "AmazonSSM.PutParameter", { Name: name, Value: value, Type: type, Overwrite: true });

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-hosts-"));
    prod = await runProgram({ stack: "prod" });
    moto = await startMoto();
    // The instance profile: a user moto knows, so that its key still works once moto enforces IAM, allowed to read
    // parameters and nothing else (what a denied call needs).
    const iam = { Version: "2010-05-08", UserName: "api7-host" };
    await moto.query("iam", { ...iam, Action: "CreateUser" });
    const key = await moto.query("iam", { ...iam, Action: "CreateAccessKey" });
    await moto.query("iam", {
        ...iam,
        Action: "PutUserPolicy",
        PolicyName: "parameters",
        PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "*" }],
        }),
    });
    const field = (name: string) => key.match(new RegExp(`<${name}>([^<]+)</${name}>`))![1];
    imds = await startImds(dir, "api7-ha-prod-host", {
        AccessKeyId: field("AccessKeyId"),
        SecretAccessKey: field("SecretAccessKey"),
    });
    const secret = await moto.json("secretsmanager", "secretsmanager.CreateSecret", {
        Name: "rds!db-api7-ha-prod",
        SecretString: JSON.stringify(DATABASE_SECRET),
    });
    // Every parameter the program stores, as it stores it; the run specs name moto's secret, since the ARN the
    // program passes is the one RDS returns (a mock's here).
    for (const p of prod.ofType(T.parameter)) {
        let value = parameterValue(p);
        const spec = p.inputs.name.endsWith(".json") ? JSON.parse(value) : undefined;
        if (spec?.database?.secretArn) value = value.split(spec.database.secretArn).join(secret.ARN);
        await moto.json("ssm", "AmazonSSM.PutParameter", {
            Name: p.inputs.name,
            Value: value,
            Type: p.inputs.type,
            ...(p.inputs.keyId ? { KeyId: p.inputs.keyId } : {}),
        });
        if (p.inputs.type === "SecureString") secrets.push(value);
    }
    secrets.push(DATABASE_SECRET.password, ...Object.values(TEST_SECRETS).map(String));
    dashboard = await startFakeDashboard();
    const bootstrapSpec = JSON.parse((await getParameter(`${PREFIX.cp}/bootstrap.json`))!.Value);
    await putParameter(
        `${PREFIX.cp}/bootstrap.json`,
        JSON.stringify({ ...bootstrapSpec, dashboardUrl: dashboard.url }),
    );
}, 60000);

afterAll(async () => {
    await dashboard?.close();
    moto?.stop();
    imds?.stop();
    console.log(`${runs} host script runs against moto, with credentials from ec2-metadata-mock`);
    fs.rmSync(dir, { recursive: true, force: true });
});

interface Host extends InstalledHost {
    readonly name: string;
    readonly runDir: string;
    readonly out: string;
    readonly tmp: string;
}

/** A new host of `group`: its user data's files under its own root, empty run, state, temp and record directories. */
function newHost(plane: "cp" | "dp", name: string): Host {
    const root = path.join(dir, name);
    const installed = installUserData(groupOf(prod, GROUP[plane]).userData, path.join(root, "root"));
    const host = {
        ...installed,
        name,
        runDir: path.join(root, "run"),
        out: path.join(root, "out"),
        tmp: path.join(root, "tmp"),
    };
    for (const d of [host.runDir, host.out, host.tmp]) fs.mkdirSync(d, { recursive: true });
    // In service, as api7-lifecycle marks a host once Auto Scaling has it headed there (tests/real/lifecycle.test.ts).
    fs.writeFileSync(path.join(host.runDir, "in-service"), "");
    return host;
}

interface Outcome {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs `script` (a host path) on `host`, with the real AWS CLI pointed at moto (or `endpoint`) and nothing of this
 * machine's AWS settings. The bootstrap gets the real curl (it talks to the fake dashboard); the others the host
 * fakes.
 */
function onHost(host: Host, script: string, args: string[], endpoint = moto.endpoint): Promise<Outcome> {
    runs++;
    const fakes = script.endsWith("api7-bootstrap") ? [] : [HOST_BIN];
    const env = {
        PATH: [awsAt(path.join(dir, host.name), endpoint), ...fakes, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
        LANG: "C.UTF-8",
        TMPDIR: host.tmp,
        ...host.env,
        ...hostAwsEnv(imds, path.join(dir, host.name, "home")),
        API7_RUN_DIR: host.runDir,
        API7_STATE_DIR: path.join(dir, host.name, "state"),
        API7_HOST_NAME: host.name,
        API7_BOOTSTRAP_POLL: "1",
        FAKE_OUT: host.out,
    };
    return new Promise((resolve) => {
        const child = spawn(host.at(script), args, { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const API7_RUN = "/usr/local/sbin/api7-run";
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
/** The files a script wrote under `d` (the in-service mark newHost puts in the run directory is the host's own). */
const filesUnder = (d: string): string[] =>
    fs.existsSync(d)
        ? fs
              .readdirSync(d, { recursive: true, withFileTypes: true })
              .filter((e) => e.isFile() && !(e.name === "in-service" && e.parentPath === d))
              .map((e) => path.relative(d, path.join(e.parentPath, e.name)))
        : [];

/** What a failing run printed holds none of the secrets the host handles. */
function expectNoSecret(outcome: Outcome): void {
    const printed = outcome.stdout + outcome.stderr;
    expect(secrets.filter((s) => s.length >= 6 && printed.includes(s))).toEqual([]);
}

describe("a control-plane host and a gateway, through the real AWS CLI v2 against moto", () => {
    test("api7-bootstrap issues the gateways' token into a SecureString under the stack's key; a gateway starts with it", async () => {
        const cp = newHost("cp", "cp-0");
        const done = await onHost(cp, "/usr/local/sbin/api7-bootstrap", []);
        expect([done.code, done.stderr]).toEqual([0, ""]);
        expect(done.stdout).toContain("api7-bootstrap: API7 is set up");
        expect(dashboard.state.tokens).toHaveLength(1);
        const spec = JSON.parse((await getParameter(`${PREFIX.cp}/bootstrap.json`))!.Value);
        const tokenName = spec.credentials.parameters.token;
        expect(await getParameter(tokenName)).toMatchObject({ Type: "SecureString", Value: dashboard.state.tokens[0] });
        const described = await moto.json("ssm", "AmazonSSM.DescribeParameters", {
            ParameterFilters: [{ Key: "Name", Values: [tokenName] }],
        });
        expect(described.Parameters[0].KeyId).toBe(spec.parameterKeyId);
        // The lock is given back; the record names the license's digest and the key.
        expect(await getParameter(spec.lockParameter)).toBeUndefined();
        const license = (await getParameter(spec.licenseParameter))!.Value;
        const digest = crypto.createHash("sha256").update(license).digest("hex").slice(0, 16);
        expect((await getParameter(spec.recordParameter))!.Value).toBe(`done:${digest} key:${spec.parameterKeyId}`);
        expect(filesUnder(cp.tmp)).toEqual([]);
        secrets.push(dashboard.state.tokens[0]);

        const gateway = newHost("dp", "dp-0");
        const ready = await onHost(gateway, API7_RUN, ["gateway", "--credentials-ready"]);
        expect([ready.code, ready.stderr]).toEqual([0, ""]);
        const started = await onHost(gateway, API7_RUN, ["gateway"]);
        expect([started.code, started.stderr]).toEqual([0, ""]);
        const gatewaySpec = JSON.parse((await getParameter(`${PREFIX.dp}/gateway.json`))!.Value);
        const tokenVariable = Object.entries(gatewaySpec.secretEnv as Record<string, string>).find(
            ([, parameter]) => parameter === tokenName,
        )![0];
        expect(read(path.join(gateway.out, `env-${tokenVariable}`))).toBe(dashboard.state.tokens[0]);
        // The ECR login: the password is what GetAuthorizationToken's token holds after "AWS:" (ECR API reference,
        // GetAuthorizationToken: "a base64-encoded string that contains authorization data ... user:password").
        const authorization = await moto.json("ecr", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", {});
        const decoded = Buffer.from(authorization.authorizationData[0].authorizationToken, "base64").toString();
        const login = read(path.join(gateway.out, "login"))!.split("\n");
        expect(login.slice(0, 3)).toEqual(["AWS", gatewaySpec.registry.registry, decoded.replace(/^AWS:/, "")]);
    });

    test("the dashboard's DSN comes from RDS's secret in Secrets Manager; a rotation restarts it through api7-apply", async () => {
        const cp = newHost("cp", "cp-1");
        const rendered = await onHost(cp, API7_RUN, ["dashboard", "--render-only"]);
        expect([rendered.code, rendered.stderr]).toEqual([0, ""]);
        const dashboardSpec = JSON.parse((await getParameter(`${PREFIX.cp}/dashboard.json`))!.Value);
        const spec = dashboardSpec.database;
        const text = read(path.join(cp.runDir, "dashboard", "config.yaml"))!;
        const config = yaml.load(text) as any;
        // Each placeholder's SecureString (the fallback writer's keys), into the config as a JSON string.
        const placeholders = Object.values(dashboardSpec.placeholders as Record<string, string>);
        expect(placeholders.length).toBeGreaterThan(0);
        for (const parameter of placeholders)
            expect(text).toContain(JSON.stringify((await getParameter(parameter))!.Value));
        const encoded = (s: string) =>
            encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
        expect(config.database.dsn).toBe(
            `postgres://${encoded(DATABASE_SECRET.username)}:${encoded(DATABASE_SECRET.password)}@${spec.host}:${spec.port}/${spec.database}?sslmode=${spec.sslmode}`,
        );
        const current = await moto.json("secretsmanager", "secretsmanager.GetSecretValue", {
            SecretId: spec.secretArn,
        });
        expect(read(path.join(cp.runDir, "dashboard", "database-secret-version"))).toBe(`${current.VersionId}\n`);
        expect((await onHost(cp, API7_RUN, ["dashboard", "--database-current"])).code).toBe(0);

        // RDS rotates the password: a new current version.
        await moto.json("secretsmanager", "secretsmanager.PutSecretValue", {
            SecretId: spec.secretArn,
            SecretString: JSON.stringify({ ...DATABASE_SECRET, password: "rotated-Pa55" }),
        });
        expect((await onHost(cp, API7_RUN, ["dashboard", "--database-current"])).code).toBe(4);
        const applied = await onHost(cp, "/usr/local/sbin/api7-apply", ["--if-database-rotated", "dashboard"]);
        expect(applied.code).toBe(0);
        expect(read(path.join(cp.out, "systemctl"))).toBe("restart api7@dashboard.service\n");
    });
});

describe("faults: each ends with a message that says what failed, no secret, no half-written file", () => {
    test("a missing parameter", async () => {
        const name = `${PREFIX.dp}/gateway-config.yaml`;
        const kept = (await getParameter(name))!;
        await moto.json("ssm", "AmazonSSM.DeleteParameter", { Name: name });
        try {
            const gateway = newHost("dp", "dp-missing");
            const failed = await onHost(gateway, API7_RUN, ["gateway", "--render-only"]);
            expect(failed.code).not.toBe(0);
            expect(failed.stderr).toContain(`cannot read the SSM parameter ${name}`);
            expect(failed.stderr).toContain("ParameterNotFound");
            expectNoSecret(failed);
            expect(filesUnder(gateway.runDir)).toEqual([]);
        } finally {
            await putParameter(name, kept.Value, kept.Type);
        }
    });

    test("a call IAM denies (moto enforcing the instance profile's policy: parameters only)", async () => {
        const cp = newHost("cp", "cp-denied");
        await moto.enforceIam(true);
        let failed: Outcome;
        try {
            failed = await onHost(cp, API7_RUN, ["dashboard", "--render-only"]);
        } finally {
            await moto.enforceIam(false);
        }
        expect(failed.code).not.toBe(0);
        expect(failed.stderr).toContain("AccessDenied");
        expect(failed.stderr).toContain("cannot read the database secret");
        expectNoSecret(failed);
        expect(filesUnder(cp.runDir)).toEqual([]);
    });

    test("an endpoint that does not answer", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const gateway = newHost("dp", "dp-unreachable");
        const failed = await onHost(gateway, API7_RUN, ["gateway", "--render-only"], closed);
        expect(failed.code).not.toBe(0);
        expect(failed.stderr).toContain(`cannot read the SSM parameter ${PREFIX.dp}/gateway.json`);
        expect(failed.stderr).toContain("Could not connect to the endpoint URL");
        expectNoSecret(failed);
        expect(filesUnder(gateway.runDir)).toEqual([]);

        // The bootstrap: its spec cannot be read; nothing is left in its private directory.
        const cp = newHost("cp", "cp-unreachable");
        const bootstrap = await onHost(cp, "/usr/local/sbin/api7-bootstrap", [], closed);
        // 1: worth retrying (the unit restarts it), not 2, which stops it until the configuration changes.
        expect(bootstrap.code).toBe(1);
        expect(bootstrap.stderr).toContain("Could not connect to the endpoint URL");
        expect(bootstrap.stderr).toContain(`cannot read the SSM parameter ${PREFIX.cp}/bootstrap.json`);
        expectNoSecret(bootstrap);
        expect(filesUnder(cp.tmp)).toEqual([]);
    });
});
