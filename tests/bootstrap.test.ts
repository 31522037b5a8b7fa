/**
 * The bootstrap script (config-templates/api7-bootstrap.sh) run for real, installed as the evaluation's user data
 * installs it (tests/host-files.ts: the same text and mode, the library it sources where it lands), with the SSM
 * parameters the evaluation stores, against a fake dashboard speaking API7's documented Admin API
 * (tests/fakes/dashboard.ts) and a fake `aws` that keeps parameters as files (tests/fakes/aws-ssm.sh: put-parameter
 * without --overwrite fails on an existing one, as SSM does, atomically). The only change to what the program stores:
 * bootstrap.json's dashboardUrl points at the fake.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PENDING_SECRET } from "../components/placeholders";
import { GATEWAY_TOKEN, ROOT, runProgram, TEST_SECRETS, type RunOptions, type RunResult } from "../tools/harness";
import { startFakeDashboard, type FakeDashboard, type FakeDashboardOptions } from "./fakes/dashboard";
import { groupOf, needing, T } from "./helpers";
import { installUserData } from "./host-files";

/** The fake `aws ssm`: parameters as files, every call's arguments kept (tests/fakes/aws-ssm.sh). */
const AWS_SSM_FAKE = path.join(ROOT, "tests", "fakes", "aws-ssm.sh");
// Concurrent: each case has its own fake dashboard and parameter store, and spends its time in child processes.
// Each fails at once, saying how to install it, when one of the programs the script runs is not on PATH.
const run = needing(["bash", "jq", "curl", "sha256sum"], test.concurrent);

/** A control-plane "host": its user data's files and a parameter store shared with the other host, if any. */
interface Site {
    readonly dir: string;
    /** api7-bootstrap where the user data installs it. */
    readonly script: string;
    /** Where the installed scripts find host.json and the library (tests/host-files.ts). */
    readonly hostEnv: Record<string, string>;
    readonly params: string;
    readonly bin: string;
    get(name: string): string | undefined;
    /** The Type each put-parameter gave a parameter, last one wins. */
    typeOf(name: string): string | undefined;
    /** Every argument list the fake aws was called with, one call per line. */
    argv(): string;
}

function site(evaluation: RunResult, dashboard: FakeDashboard): Site {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-bootstrap-"));
    const [params, bin] = ["params", "bin"].map((d) => path.join(dir, d));
    for (const d of [params, bin]) fs.mkdirSync(d, { recursive: true });
    const installed = installUserData(groupOf(evaluation, "api7-cp-hosts").userData, path.join(dir, "root"));
    for (const p of evaluation.ofType(T.parameter)) {
        const file = path.join(params, p.inputs.name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        let value: string = p.inputs.type === "SecureString" ? p.inputs.value : p.inputs.insecureValue;
        if (p.inputs.name.endsWith("/bootstrap.json"))
            value = JSON.stringify({ ...JSON.parse(value), dashboardUrl: dashboard.url });
        fs.writeFileSync(file, value);
    }
    fs.symlinkSync(AWS_SSM_FAKE, path.join(bin, "aws"));
    const argv = () =>
        fs.existsSync(path.join(params, ".argv")) ? fs.readFileSync(path.join(params, ".argv"), "utf8") : "";
    return {
        dir,
        script: installed.at("/usr/local/sbin/api7-bootstrap"),
        hostEnv: installed.env,
        params,
        bin,
        get: (name) =>
            fs.existsSync(path.join(params, name)) ? fs.readFileSync(path.join(params, name), "utf8") : undefined,
        argv,
        typeOf: (name) =>
            argv()
                .split("\n")
                .filter((l) => l.startsWith("ssm put-parameter ") && l.includes(` --name ${name} `))
                .pop()
                ?.match(/ --type (\S+)/)?.[1],
    };
}

interface Outcome {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

/**
 * Runs the script on control-plane host `host` of `s` (asynchronously: the fake dashboard answers from this
 * process). Runs on one host share its run directory (its flock); hosts share the parameter store.
 */
function bootstrap(s: Site, env: Record<string, string> = {}, host = "cp-0", args: string[] = []): Promise<Outcome> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(s.script, args, {
            env: {
                ...process.env,
                PATH: `${s.bin}:${process.env.PATH}`,
                ...s.hostEnv,
                FAKE_PARAMS: s.params,
                API7_BOOTSTRAP_POLL: "1",
                API7_HOST_NAME: host,
                API7_RUN_DIR: path.join(s.dir, `run-${host}`),
                ...env,
            },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    });
}

const sum = (text: string) => crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
const writes = (d: FakeDashboard) => d.calls.filter((c) => c.method !== "GET" && c.path !== "/api/login");
const TOKEN_PARAMETER = "/api7-ha/prod/dp/secrets/control-plane-token";
const RECORD_PARAMETER = "/api7-ha/prod/cp/bootstrap-record";
/** The mock's ARN of the stack's parameter key (tools/evaluate.ts), which bootstrap.json names. */
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/mock-key-28298bd";
/** The fake aws's put-parameter calls for one parameter, each as its argument line. */
const puts = (s: Site, name: string) =>
    s
        .argv()
        .split("\n")
        .filter((l) => l.startsWith("ssm put-parameter ") && l.includes(` --name ${name} `));
const LOCK_PARAMETER = "/api7-ha/prod/cp/bootstrap-lock";

const dashboards: FakeDashboard[] = [];
async function dashboard(options?: FakeDashboardOptions): Promise<FakeDashboard> {
    const d = await startFakeDashboard(options);
    dashboards.push(d);
    return d;
}
/**
 * The evaluations the cases use, one after another (the mock runtime holds one at a time), shared by the cases:
 * concurrent tests start before beforeAll would finish. Each case waits for its own evaluation only, so the cases
 * on prod run while the later ones are evaluated.
 */
type EvaluationName = "prod" | "mtls" | "brought" | "missingGroup" | "createGroup";
const OPTIONS: Record<EvaluationName, RunOptions> = {
    prod: { stack: "prod" },
    mtls: { stack: "prod", config: { "dataPlane.controlPlaneAuth": "mtls" } },
    brought: { stack: "prod", secrets: { gatewayToken: GATEWAY_TOKEN } },
    missingGroup: { stack: "prod", config: { "dataPlane.gatewayGroupName": "edge" } },
    createGroup: {
        stack: "prod",
        config: { "dataPlane.gatewayGroupName": "edge", "dataPlane.createGatewayGroup": true },
    },
};
const evaluations = {} as Record<EvaluationName, Promise<RunResult>>;
let previous: Promise<unknown> = Promise.resolve();
for (const name of Object.keys(OPTIONS) as EvaluationName[]) {
    const evaluation = previous.then(
        () => runProgram(OPTIONS[name]),
        () => runProgram(OPTIONS[name]),
    );
    // A case that has not started yet (at most 5 run at once) awaits it later; until then, a failure waits here.
    void evaluation.catch(() => undefined);
    evaluations[name] = evaluation;
    previous = evaluation;
}
afterAll(async () => {
    await Promise.all(dashboards.map((d) => d.close()));
});

describe(`the first-install bootstrap against a fake dashboard`, () => {
    run(
        "fresh install: password changed, license uploaded, address set, the gateways' token stored, nothing " +
            "secret printed; a second run changes nothing; a new license is uploaded",
        async () => {
            const prod = await evaluations.prod;
            const d = await dashboard({ licenseNeedsNewPassword: true });
            const s = site(prod, d);
            expect(s.get(TOKEN_PARAMETER)).toBe(PENDING_SECRET);
            const out = await bootstrap(s);
            expect([out.code, out.stderr]).toEqual([0, ""]);
            expect(d.state.password).toBe(TEST_SECRETS.adminPassword);
            expect(d.state.license).toBe(TEST_SECRETS.license);
            expect(d.state.settings.control_plane_address).toEqual([prod.outputs.dpManagerEndpoint]);
            expect(d.state.tokens).toHaveLength(1);
            expect(s.get(TOKEN_PARAMETER)).toBe(d.state.tokens[0]);
            expect(s.get(RECORD_PARAMETER)).toBe(`done:${sum(TEST_SECRETS.license)} key:${KEY_ARN}`);
            expect(s.get(LOCK_PARAMETER)).toBeUndefined();
            expect(s.typeOf(TOKEN_PARAMETER)).toBe("SecureString");
            // Under the stack's key: without --key-id SSM would use the account's aws/ssm key.
            expect(puts(s, TOKEN_PARAMETER)).toEqual([expect.stringContaining(` --key-id ${KEY_ARN} --overwrite`)]);
            for (const secret of [TEST_SECRETS.adminPassword, TEST_SECRETS.license, d.state.tokens[0]]) {
                expect(out.stdout + out.stderr).not.toContain(secret);
                expect(s.argv()).not.toContain(secret);
            }
            expect(s.argv()).toContain(
                `ssm put-parameter --region us-east-1 --name ${TOKEN_PARAMETER} --type SecureString --value file://`,
            );
            console.info(`one bootstrap run against the fake dashboard: ${out.ms} ms`);

            // Again: nothing written.
            const before = writes(d).length;
            const again = await bootstrap(s);
            expect([again.code, again.stderr]).toEqual([0, ""]);
            expect(writes(d).slice(before)).toEqual([]);
            expect(s.get(TOKEN_PARAMETER)).toBe(d.state.tokens[0]);
            expect(d.state.tokens).toHaveLength(1);

            // A new license in the stack: uploaded, and only that.
            fs.writeFileSync(path.join(s.params, "/api7-ha/prod/cp/secrets/license"), "MARKER-LICENSE-RENEWED");
            const renewed = writes(d).length;
            expect((await bootstrap(s)).code).toBe(0);
            expect(d.state.license).toBe("MARKER-LICENSE-RENEWED");
            expect(writes(d).slice(renewed)).toEqual([{ method: "PUT", path: "/api/license" }]);
        },
    );

    run(
        "takes no arguments: one is refused with a usage line and exit 2 (not retried), before anything is read " +
            "or called",
        async () => {
            const d = await dashboard();
            const s = site(await evaluations.prod, d);
            // A short timeout: a script that took the argument for nothing would go on to wait for the dashboard.
            const out = await bootstrap(s, { API7_BOOTSTRAP_TIMEOUT: "2" }, "cp-0", ["--bogus"]);
            expect([out.code, out.stderr, s.argv(), d.calls]).toEqual([2, "usage: api7-bootstrap\n", "", []]);
        },
    );

    run(
        "credentials issued before the stack had its own key are put again under it, with the same value, once",
        async () => {
            const prod = await evaluations.prod;
            const d = await dashboard();
            const s = site(prod, d);
            expect((await bootstrap(s)).code).toBe(0);
            const token = s.get(TOKEN_PARAMETER);
            // What a run of the previous version recorded: no key.
            fs.writeFileSync(path.join(s.params, RECORD_PARAMETER), `done:${sum(TEST_SECRETS.license)}`);
            const before = writes(d).length;
            const moved = await bootstrap(s);
            expect([moved.code, moved.stderr]).toEqual([0, ""]);
            expect(moved.stdout).toContain("put the gateways' token credentials under the stack's key");
            expect(puts(s, TOKEN_PARAMETER)).toHaveLength(2);
            expect(puts(s, TOKEN_PARAMETER)[1]).toContain(` --type SecureString --value file://`);
            expect(puts(s, TOKEN_PARAMETER)[1]).toContain(` --key-id ${KEY_ARN} --overwrite`);
            expect(s.get(TOKEN_PARAMETER)).toBe(token);
            expect(s.argv()).not.toContain(token!);
            // Nothing asked of the dashboard: no new token, no license upload.
            expect(writes(d).slice(before)).toEqual([]);
            expect(s.get(RECORD_PARAMETER)).toBe(`done:${sum(TEST_SECRETS.license)} key:${KEY_ARN}`);
            expect((await bootstrap(s)).code).toBe(0);
            expect(puts(s, TOKEN_PARAMETER)).toHaveLength(2);
        },
    );

    run(
        "a dashboard whose admin password is neither the stack's nor the initial one: a clear failure, the lock freed",
        async () => {
            const prod = await evaluations.prod;
            const d = await dashboard({ password: "someone-else-changed-it" });
            const s = site(prod, d);
            const out = await bootstrap(s);
            expect(out.code).not.toBe(0);
            expect(out.code).toBe(2);
            expect(out.stderr).toContain(
                "the dashboard accepts neither the stack's adminPassword nor the initial admin password; to " +
                    "change the password after the first install, change it in the dashboard first, then in the stack",
            );
            expect(writes(d)).toEqual([]);
            expect(s.get(LOCK_PARAMETER)).toBeUndefined();
            expect(s.get(RECORD_PARAMETER)).toBeUndefined();
            expect(s.get(TOKEN_PARAMETER)).toBe(PENDING_SECRET);
        },
    );

    run("a rejected license: a clear failure naming the dashboard's reason", async () => {
        const prod = await evaluations.prod;
        const d = await dashboard({ rejectLicense: true });
        const s = site(prod, d);
        const out = await bootstrap(s);
        expect(out.code).not.toBe(0);
        expect(out.code).toBe(2);
        expect(out.stderr).toContain("the dashboard rejected the license: HTTP 400: invalid license");
        expect(s.get(TOKEN_PARAMETER)).toBe(PENDING_SECRET);
        expect(s.get(LOCK_PARAMETER)).toBeUndefined();
        expect(s.get(RECORD_PARAMETER)).toBeUndefined();
    });

    run("a dashboard that never becomes healthy: a clear failure after the timeout", async () => {
        const prod = await evaluations.prod;
        const d = await dashboard({ unhealthyFor: Infinity });
        const out = await bootstrap(site(prod, d), { API7_BOOTSTRAP_TIMEOUT: "2" });
        expect(out.code).not.toBe(0);
        expect(out.stderr).toContain(`the dashboard is not healthy at ${d.url}/healthz after 2 s`);
    });

    run("two control-plane hosts at once: one does the work, the other waits and verifies; one token", async () => {
        const prod = await evaluations.prod;
        const d = await dashboard({ unhealthyFor: 1 });
        const s = site(prod, d);
        const [a, b] = await Promise.all([bootstrap(s, {}, "cp-0"), bootstrap(s, {}, "cp-1")]);
        expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, "", 0, ""]);
        expect(d.calls.filter((c) => c.path === "/api/password")).toHaveLength(1);
        expect(d.state.tokens).toHaveLength(1);
        expect(s.get(TOKEN_PARAMETER)).toBe(d.state.tokens[0]);
    });

    run(
        "three runs at once (the unit on each host, the association on one), the first failing partway: one " +
            "certificate, its own key",
        async () => {
            const mtls = await evaluations.mtls;
            const d = await dashboard({ failOnce: "PUT /api/system_settings" });
            const s = site(mtls, d);
            const outs = await Promise.all([
                bootstrap(s, {}, "cp-0"),
                bootstrap(s, {}, "cp-0"),
                bootstrap(s, {}, "cp-1"),
            ]);
            expect(outs.map((o) => o.code).sort()).toEqual([0, 0, 1]);
            expect(d.state.certificates).toBe(1);
            const n = /FAKE-CERT-(\d+)/.exec(s.get("/api7-ha/prod/dp/secrets/control-plane-cert") ?? "")?.[1];
            expect(s.get("/api7-ha/prod/dp/secrets/control-plane-key")).toContain(`FAKE-KEY-${n}`);
            expect(s.get(LOCK_PARAMETER)).toBeUndefined();
        },
    );

    run("an answer without the CA: nothing stored, and the next run issues a whole set", async () => {
        const mtls = await evaluations.mtls;
        const d = await dashboard({ omitCaOnce: true });
        const s = site(mtls, d);
        const first = await bootstrap(s);
        expect(first.code).toBe(1);
        expect(first.stderr).toContain("the answer lacks the certificate, its key or the CA");
        for (const p of ["cert", "key", "ca"])
            expect(s.get(`/api7-ha/prod/dp/secrets/control-plane-${p}`)).toBe(PENDING_SECRET);
        expect((await bootstrap(s)).code).toBe(0);
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-cert")).toContain("FAKE-CERT-2");
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-key")).toContain("FAKE-KEY-2");
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-ca")).toContain("FAKE-CA");
    });

    run("a credential parameter that cannot be read stops the run: nothing is recorded as done", async () => {
        const prod = await evaluations.prod;
        const d = await dashboard();
        const s = site(prod, d);
        fs.rmSync(path.join(s.params, TOKEN_PARAMETER));
        const out = await bootstrap(s);
        // Failed, and worth retrying (not 2): set -e passes on aws's own status.
        expect([out.code === 0, out.code === 2]).toEqual([false, false]);
        expect(d.state.tokens).toEqual([]);
        expect(s.get(RECORD_PARAMETER)).toBeUndefined();
        expect(s.get(LOCK_PARAMETER)).toBeUndefined();
    });

    run("a lock left by a run that died on this host is taken over at once", async () => {
        const prod = await evaluations.prod;
        const d = await dashboard();
        const s = site(prod, d);
        fs.writeFileSync(path.join(s.params, LOCK_PARAMETER), `cp-0:${Math.floor(Date.now() / 1000)}:12345`);
        const out = await bootstrap(s, {}, "cp-0");
        expect([out.code, out.stdout]).toEqual([0, expect.stringContaining("removing a bootstrap lock left by cp-0")]);
    });

    run("mTLS: the client certificate, key and CA are stored for the gateways", async () => {
        const mtls = await evaluations.mtls;
        const d = await dashboard();
        const s = site(mtls, d);
        expect((await bootstrap(s)).code).toBe(0);
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-cert")).toMatch(
            /^-----BEGIN CERTIFICATE-----\nFAKE-CERT-1\n/,
        );
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-key")).toMatch(
            /^-----BEGIN PRIVATE KEY-----\nFAKE-KEY-1\n/,
        );
        expect(s.get("/api7-ha/prod/dp/secrets/control-plane-ca")).toMatch(/FAKE-CA/);
        expect(d.state.tokens).toEqual([]);
        expect(s.argv()).not.toMatch(/FAKE-(CERT|KEY|CA)/);
    });

    run("credentials the stack brings are kept: nothing is issued", async () => {
        const brought = await evaluations.brought;
        const d = await dashboard();
        const s = site(brought, d);
        expect((await bootstrap(s)).code).toBe(0);
        expect(d.state.tokens).toEqual([]);
        expect(s.get(TOKEN_PARAMETER)).toBe(GATEWAY_TOKEN);
    });

    run(
        "a gateway group that does not exist: a clear failure, or, when asked, created and its short id reported",
        async () => {
            const missingGroup = await evaluations.missingGroup;
            const d1 = await dashboard();
            const out = await bootstrap(site(missingGroup, d1));
            expect(out.code).not.toBe(0);
            expect(out.code).toBe(2);
            expect(out.stderr).toContain("the dashboard has no gateway group named edge");

            const createGroup = await evaluations.createGroup;
            const d2 = await dashboard();
            const created = await bootstrap(site(createGroup, d2));
            expect(created.code).not.toBe(0);
            const short = d2.state.groups
                .find((g) => g.name === "edge")!
                .config.control_plane_key_prefix.split("/")
                .pop();
            expect(created.stderr).toContain(
                `the gateway group edge has short id ${short}, but the gateways use default; set ` +
                    `dataPlane.gatewayGroupId ${short}`,
            );
        },
    );
});
