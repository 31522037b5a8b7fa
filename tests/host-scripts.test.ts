/**
 * The host launcher (config-templates/api7-run.sh) and api7-apply run for real, installed as the evaluation's user
 * data installs them (tests/host-files.ts: the same text and mode, the library they source where it lands), with the
 * parameters the evaluation stores in SSM, against fakes of `aws` (answers get-parameter from those values) and
 * `docker` (records what it was asked to run). Proves what shellcheck cannot: secrets with awkward characters land
 * intact in the rendered config, reach the container as environment and never as arguments, and the container is
 * run as the run spec says.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { EXTERNAL_DATABASE, GATEWAY_TOKEN, MTLS_SECRETS, runProgram, TEST_PEM, type RunResult } from "../tools/harness";
import { decodeUserData, needing, pinned, T } from "./helpers";
import { HOST_SCRIPTS, hostScript } from "../components/aws/cloud-init";
import { PENDING_SECRET } from "../components/placeholders";
import {
    launch,
    launched,
    prepareHost,
    putSecret,
    renderedConfig,
    specOf,
    systemctlCalls,
    type Host,
} from "./host-run";

/** A DSN with the characters that break naive substitution: quotes, $, a backslash-free but %-encoded @. */
const AWKWARD_DSN = `postgres://api7:pa"ss'$w%40rd@db.internal:5432/api7ee`;

/** A test that fails at once, saying how to install it, when bash or jq is not on PATH. */
const run = needing(["bash", "jq"]);

let prod: RunResult;
let external: RunResult;
let mtls: RunResult;
let standalone: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod", secrets: { gatewayToken: GATEWAY_TOKEN } });
    external = await runProgram({
        stack: "prod",
        config: EXTERNAL_DATABASE.config,
        secrets: { databaseDsn: AWKWARD_DSN, gatewayToken: GATEWAY_TOKEN },
    });
    mtls = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls" },
        secrets: MTLS_SECRETS,
    });
    standalone = await runProgram({ stack: "prod", config: { "dataPlane.mode": "standalone" } });
});

run(
    `dashboard with an external database: secrets substituted intact into the rendered config, container run as ` +
        `the spec says`,
    () => {
        const l = launch(external, "/api7-ha/prod/cp", "dashboard");
        expect([l.status, l.stderr]).toEqual([0, ""]);
        const config = renderedConfig(l, "dashboard");
        expect(config.database.dsn).toBe(AWKWARD_DSN);
        expect(config.fallback_cp.aws_s3.access_key).toMatch(/^AKIAMOCK\d{8}$/);
        expect(config.fallback_cp.aws_s3.secret_key).toBe("MOCK-SECRET-ACCESS-KEY-api7-fallback-writer");
        const spec = specOf(external, "/api7-ha/prod/cp/dashboard.json");
        expect(l.dockerArgs).toEqual([
            "run",
            "--rm",
            "--name",
            "api7-dashboard",
            "--network",
            "host",
            // To the control plane's log group, a stream per host (the fake IMDS's instance id) and container,
            // never blocking the container (components/aws/run-spec.ts).
            "--log-driver",
            "awslogs",
            "--label",
            `api7-ha.generation=${spec.generation}`,
            "--label",
            "api7-ha.mode=normal",
            "-v",
            `${l.runDir}/dashboard/config.yaml:/app/conf/config.yaml:ro`,
            "--log-opt",
            "awslogs-region=us-east-1",
            "--log-opt",
            "awslogs-group=/api7-ha/prod/cp",
            "--log-opt",
            "awslogs-stream=i-0fake00000000001/api7-dashboard",
            "--log-opt",
            "mode=non-blocking",
            "--log-opt",
            "max-buffer-size=4m",
            // prod pulls through its ECR cache of Docker Hub (images.source).
            pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/api7/api7-ee-3-integrated:v3.2.16.3"),
        ]);
        expect(l.dockerArgs!.join(" ")).not.toContain('pa"ss');
    },
);

/** A MySQL DSN in the Go driver's form, its password holding what that form allows ("any character"). */
const AWKWARD_MYSQL_DSN = `mysql://api7:p@ss:w/o?r#d"'$\\x@tcp(mysql.internal:3306)/api7ee?parseTime=true`;

run(`a MySQL 5.7 DSN reaches the dashboard's config intact: no script parses it as a PostgreSQL URL`, async () => {
    const mysql = await runProgram({
        stack: "prod",
        config: EXTERNAL_DATABASE.config,
        secrets: { databaseDsn: AWKWARD_MYSQL_DSN, gatewayToken: GATEWAY_TOKEN },
    });
    const l = launch(mysql, "/api7-ha/prod/cp", "dashboard");
    expect([l.status, l.stderr]).toEqual([0, ""]);
    expect(renderedConfig(l, "dashboard").database.dsn).toBe(AWKWARD_MYSQL_DSN);
});

/** A password as RDS might generate it, with every character a URL reserves or a shell or jq could mangle. */
const AWKWARD_PASSWORD = `p@ss:w/o?r#d[1]%41 "q'$x\\y&z=`;

run(`the managed database: the DSN built from the RDS secret, password percent-encoded, TLS required`, () => {
    // The DP Manager's spec names the same database (tests/database.test.ts), so the dashboard stands for both.
    const spec = specOf(prod, "/api7-ha/prod/cp/dashboard.json");
    expect(spec.database).toMatchObject({
        host: expect.stringMatching(/\.rds\.amazonaws\.com$/),
        port: 5432,
        database: "api7ee",
        sslmode: "require",
    });
    const host = prepareHost(prod, "/api7-ha/prod/cp");
    putSecret(host, spec.database.secretArn, "v-1", { username: "api7ee", password: AWKWARD_PASSWORD });
    const l = launch(prod, "/api7-ha/prod/cp", "dashboard", { host });
    expect([l.status, l.stderr]).toEqual([0, ""]);
    const dsn = new URL(renderedConfig(l, "dashboard").database.dsn);
    expect([dsn.protocol, dsn.hostname, dsn.port, dsn.pathname, dsn.search]).toEqual([
        "postgres:",
        spec.database.host,
        "5432",
        "/api7ee",
        "?sslmode=require",
    ]);
    expect([decodeURIComponent(dsn.username), decodeURIComponent(dsn.password)]).toEqual(["api7ee", AWKWARD_PASSWORD]);
    // The password never reaches docker's arguments, and the version used is recorded for --database-current.
    expect(l.dockerArgs!.join(" ")).not.toContain("p@ss");
    expect(fs.readFileSync(path.join(l.runDir, "dashboard", "database-secret-version"), "utf8")).toBe("v-1\n");
});

run(`a managed database's secret that cannot be read stops the start, naming no password`, () => {
    const l = launch(prod, "/api7-ha/prod/cp", "dashboard");
    expect(l.status).not.toBe(0);
    expect(l.stderr).toContain("ResourceNotFoundException");
    expect(l.dockerArgs).toBeUndefined();
});

run(`a database secret that is not the expected JSON stops the start without echoing it`, () => {
    const spec = specOf(prod, "/api7-ha/prod/cp/dashboard.json");
    const host = prepareHost(prod, "/api7-ha/prod/cp");
    const file = path.join(host.secrets, spec.database.secretArn.replace(/[^A-Za-z0-9]/g, "_"));
    fs.writeFileSync(file, JSON.stringify({ VersionId: "v-1", SecretString: "hunter2-NOT-JSON" }));
    const l = launch(prod, "/api7-ha/prod/cp", "dashboard", { host });
    expect(l.status).not.toBe(0);
    expect(l.stderr).toContain("the database secret is not JSON with a username and a password");
    expect(l.stderr).not.toContain("hunter2");
    expect(l.dockerArgs).toBeUndefined();
    putSecret(host, spec.database.secretArn, "v-2", { username: "api7ee" });
    const noPassword = launch(prod, "/api7-ha/prod/cp", "dashboard", { host });
    expect([noPassword.status === 0, noPassword.stderr]).toEqual([
        false,
        expect.stringContaining("not JSON with a username and a password"),
    ]);
});

run(
    `after RDS rotates the password, api7-apply --if-database-rotated restarts exactly the services that used ` +
        `the old one`,
    () => {
        const spec = specOf(prod, "/api7-ha/prod/cp/dashboard.json");
        const host = prepareHost(prod, "/api7-ha/prod/cp");
        putSecret(host, spec.database.secretArn, "v-1", { username: "api7ee", password: "old" });
        for (const service of ["dashboard", "dp-manager"])
            expect(launch(prod, "/api7-ha/prod/cp", service, { host }).status).toBe(0);
        const check = () => spawnSync(host.apply, ["--if-database-rotated"], { encoding: "utf8", env: host.env });

        const unchanged = check();
        expect([unchanged.status, unchanged.stderr, systemctlCalls(host)]).toEqual([0, "", ""]);

        putSecret(host, spec.database.secretArn, "v-2", { username: "api7ee", password: "new" });
        expect(spawnSync(host.run, ["dashboard", "--database-current"], { env: host.env }).status).toBe(4);
        // The fake systemctl restarts nothing, so the next start (a real restart) is run by hand for the dashboard
        // only.
        expect(launch(prod, "/api7-ha/prod/cp", "dashboard", { host }).status).toBe(0);
        const rotated = check();
        expect(rotated.status).toBe(0);
        expect(rotated.stderr).toBe(
            "api7-apply: the database password changed (RDS rotation); restarting dp-manager\n",
        );
        expect(systemctlCalls(host)).toBe("restart api7@dp-manager.service\n");
    },
);

run(`gateway with a token: the token reaches the container as environment, never as an argument`, () => {
    const l = launch(prod, "/api7-ha/prod/dp", "gateway");
    expect([l.status, l.stderr]).toEqual([0, ""]);
    expect(l.dockerEnv.API7_CONTROL_PLANE_TOKEN).toBe(GATEWAY_TOKEN);
    expect(JSON.parse(l.dockerEnv.API7_CONTROL_PLANE_ENDPOINTS)).toEqual([prod.outputs.dpManagerEndpoint]);
    expect(l.dockerEnv.API7_GATEWAY_GROUP_SHORT_ID).toBe("default");
    expect(l.dockerArgs).toEqual(expect.arrayContaining(["-e", "API7_CONTROL_PLANE_TOKEN"]));
    expect(l.dockerArgs!.join(" ")).not.toContain(GATEWAY_TOKEN);
    expect(renderedConfig(l, "gateway").apisix.status).toEqual({ ip: "0.0.0.0", port: 7085 });
});

run(
    `images through the ECR pull-through cache: logs in to the account's registry with a token on stdin, kept in ` +
        `tmpfs, and pulls the cached image`,
    () => {
        const l = launch(prod, "/api7-ha/prod/dp", "gateway");
        expect(l.status).toBe(0);
        const registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        expect(l.login).toEqual({
            user: "AWS",
            registry,
            password: "FAKE-ECR-TOKEN-us-east-1",
            dockerConfig: path.join(l.runDir, "gateway", "docker"),
        });
        expect(l.dockerConfig).toBe(path.join(l.runDir, "gateway", "docker"));
        expect(l.dockerArgs).toContainEqual(pinned(`${registry}/api7-ha-prod/api7/api7-ee-3-gateway:3.2.16.3`));
        expect(l.dockerArgs!.join(" ")).not.toContain("FAKE-ECR-TOKEN");
    },
);

run(
    `a pinned image an empty pull-through cache refuses by digest: pulled by tag first, then by the same digest; ` +
        `none of this for an unpinned one`,
    async () => {
        const l = launch(prod, "/api7-ha/prod/dp", "gateway", { env: { FAKE_PTC_COLD: "1" } });
        expect(l.status).toBe(0);
        const image = l.dockerArgs!.find((a) => a.includes("api7-ee-3-gateway"))!;
        expect(image).toEqual(
            pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/api7/api7-ee-3-gateway:3.2.16.3"),
        );
        expect(l.pulls).toEqual([image, image.split("@")[0], image]);
        expect(l.stderr).toContain(`api7-run: pulling ${image.split("@")[0]} first (digest pull failed)`);
        // A warm cache: the digest alone.
        expect(launch(prod, "/api7-ha/prod/dp", "gateway").pulls).toEqual([image]);
        // Already on the host: no pull at all.
        const kept = launch(prod, "/api7-ha/prod/dp", "gateway", { env: { FAKE_IMAGE_PRESENT: "1" } });
        expect([kept.status, kept.pulls, kept.dockerArgs]).toEqual([0, [], expect.arrayContaining([image])]);
        // No registry at all: said, exit 1 (systemd restarts the unit), nothing run.
        const failed = launch(prod, "/api7-ha/prod/dp", "gateway", { env: { FAKE_PULL_DOWN: "1" } });
        expect([failed.status, failed.pulls, failed.dockerArgs]).toEqual([1, [image, image.split("@")[0]], undefined]);
        expect(failed.stderr).toContain(`api7-run: cannot pull ${image}`);
        // dev does not pin: docker run pulls the tag itself.
        const dev = await runProgram({ stack: "dev", secrets: { gatewayToken: GATEWAY_TOKEN } });
        expect(launch(dev, "/api7-ha/dev/dp", "gateway").pulls).toEqual([]);
    },
);

run(`a failed registry login is said, and the start goes on (an image on the host needs none)`, () => {
    const l = launch(prod, "/api7-ha/prod/dp", "gateway", { env: { FAKE_ECR_DOWN: "1" } });
    expect(l.stderr).toContain(
        "api7-run: cannot log in to 123456789012.dkr.ecr.us-east-1.amazonaws.com (ECR); pulling without a login",
    );
    expect(l.status).toBe(0);
    expect(l.dockerArgs).toBeDefined();
});

run(`Docker Hub with a user: logs in with the registryPassword secret on stdin, never in an argument`, async () => {
    const hub = await runProgram({
        stack: "dev",
        config: { "images.username": "acme-ci" },
        secrets: { registryPassword: "MARKER-REGISTRY-PASSWORD-1e9", gatewayToken: GATEWAY_TOKEN },
    });
    const l = launch(hub, "/api7-ha/dev/dp", "gateway");
    expect(l.status).toBe(0);
    expect(l.login).toMatchObject({ user: "acme-ci", registry: "docker.io", password: "MARKER-REGISTRY-PASSWORD-1e9" });
    expect(l.dockerArgs).toContain("api7/api7-ee-3-gateway:3.2.16.3");
    expect(l.dockerArgs!.join(" ")).not.toContain("MARKER-REGISTRY-PASSWORD");
});

run(`anonymous Docker Hub (dev's default): no login`, async () => {
    const dev = await runProgram({ stack: "dev", secrets: { gatewayToken: GATEWAY_TOKEN } });
    const l = launch(dev, "/api7-ha/dev/dp", "gateway");
    expect([l.status, l.login]).toEqual([0, undefined]);
});

run(`gateway with mTLS: multi-line PEMs reach the container exactly`, () => {
    const l = launch(mtls, "/api7-ha/dev/dp", "gateway");
    expect([l.status, l.stderr]).toEqual([0, ""]);
    expect(l.dockerEnv).toMatchObject({
        API7_CONTROL_PLANE_CERT: TEST_PEM.cert,
        API7_CONTROL_PLANE_KEY: TEST_PEM.key,
        API7_CONTROL_PLANE_CA: TEST_PEM.ca,
    });
    expect(l.dockerEnv.API7_CONTROL_PLANE_SNI).toBe("api7ee3-dp-manager");
});

run(`standalone gateway: the reader's key in the rendered config, no control-plane environment`, () => {
    const l = launch(standalone, "/api7-ha/prod/dp", "gateway");
    expect([l.status, l.stderr]).toEqual([0, ""]);
    const config = renderedConfig(l, "gateway");
    expect(config.deployment.role).toBe("data_plane");
    expect(config.deployment.fallback_cp.aws_s3.secret_key).toBe("MOCK-SECRET-ACCESS-KEY-api7-fallback-reader");
    expect(l.dockerEnv).toEqual({ API7_GATEWAY_GROUP_SHORT_ID: "default" });
});

run(`--render-only renders and starts nothing (the reload path)`, () => {
    const l = launch(external, "/api7-ha/prod/cp", "dp-manager", { extra: ["--render-only"] });
    expect([l.status, l.stderr]).toEqual([0, ""]);
    expect(renderedConfig(l, "dp-manager").database.dsn).toBe(AWKWARD_DSN);
    expect(l.dockerArgs).toBeUndefined();
});

run(`--render-only on a gateway (its reload path, with state files) renders and starts nothing`, () => {
    const l = launch(prod, "/api7-ha/prod/dp", "gateway", { extra: ["--render-only"] });
    expect([l.status, l.stderr]).toEqual([0, ""]);
    expect(renderedConfig(l, "gateway").deployment.admin.admin_key[0].key).toMatch(/^[0-9a-f]{32}$/);
    expect(l.dockerArgs).toBeUndefined();
});

const RUN_USAGE =
    "usage: api7-run SERVICE [--render-only | --credentials-ready | --database-current | --probe | --watch | --pull]\n";
/** Whether the fake aws was asked anything (it keeps every call's arguments in .argv). */
const awsCalled = (host: Host) => fs.existsSync(path.join(host.params, ".argv"));

run(`api7-run refuses an unknown mode with a usage line and exit 2, before reading or starting anything`, () => {
    const host = prepareHost(prod, "/api7-ha/prod/dp");
    const l = launch(prod, "/api7-ha/prod/dp", "gateway", { host, extra: ["--bogus"] });
    expect([l.status, l.stderr]).toEqual([2, `api7-run: unknown mode: --bogus\n${RUN_USAGE}`]);
    expect([l.dockerArgs, awsCalled(host), fs.existsSync(path.join(l.runDir, "gateway"))]).toEqual([
        undefined,
        false,
        false,
    ]);
});

run(`api7-run refuses no service, an empty mode, and an argument after the mode, with the usage line`, () => {
    const host = prepareHost(prod, "/api7-ha/prod/dp");
    for (const args of [[], ["gateway", ""], ["gateway", "--render-only", "extra"], ["", "--render-only"]]) {
        const r = spawnSync(host.run, args, { encoding: "utf8", env: host.env });
        expect([args, r.status, r.stderr.endsWith(RUN_USAGE)]).toEqual([args, 2, true]);
    }
    expect([fs.existsSync(path.join(host.out, "args")), awsCalled(host)]).toEqual([false, false]);
});

run(
    `every line a host script writes to stderr is also kept, stamped and named, in the day's file the CloudWatch agent ships`,
    () => {
        const host = prepareHost(prod, "/api7-ha/prod/dp");
        const before = new Date().toISOString().slice(0, 10);
        const l = launch(prod, "/api7-ha/prod/dp", "gateway", { host, extra: ["--bogus"] });
        const after = new Date().toISOString().slice(0, 10);
        // The caller (the journal, SSM's output) gets the lines unchanged.
        expect([l.status, l.stderr]).toEqual([2, `api7-run: unknown mode: --bogus\n${RUN_USAGE}`]);
        const dir = host.env.API7_LOG_DIR!;
        const files = fs.readdirSync(dir);
        expect(files.length === 1 && [`host-${before}.log`, `host-${after}.log`].includes(files[0])).toBe(true);
        const lines = fs.readFileSync(path.join(dir, files[0]), "utf8").split("\n");
        expect(lines.map((line) => line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /, "<time> "))).toEqual([
            "<time> api7-run: api7-run: unknown mode: --bogus",
            `<time> api7-run: ${RUN_USAGE.trimEnd()}`,
            "",
        ]);
        // Root only: the lines may name hosts, parameters and buckets.
        expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe("750");
    },
);

run(`api7-apply refuses an unknown option with a usage line instead of taking it for a service`, () => {
    const host = prepareHost(prod, "/api7-ha/prod/dp");
    const r = spawnSync(host.apply, ["--bogus", "gateway"], { encoding: "utf8", env: host.env });
    expect([r.status, r.stderr]).toEqual([
        2,
        "api7-apply: unknown option: --bogus\nusage: api7-apply SERVICE... | api7-apply --if-database-rotated [SERVICE...]\n",
    ]);
    expect([systemctlCalls(host), awsCalled(host)]).toEqual(["", false]);
});

run(`the scripts need the library the user data installs: without it api7-run starts nothing`, () => {
    const host = prepareHost(prod, "/api7-ha/prod/dp");
    const r = spawnSync(host.run, ["gateway"], {
        encoding: "utf8",
        env: { ...host.env, API7_LIB_DIR: path.join(host.dir, "no-library") },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("api7-lib.sh: No such file or directory");
    expect([fs.existsSync(path.join(host.out, "args")), awsCalled(host)]).toEqual([false, false]);
});

test("no host script holds a here-document, whose lines' indentation would be part of it: hosts get them unindented", () => {
    for (const file of Object.values(HOST_SCRIPTS)) {
        const source = fs.readFileSync(path.join(__dirname, "..", "config-templates", file), "utf8");
        // A here-document (<<WORD, <<-WORD, <<'WORD'), not a here-string (<<<) or a shift (x << n).
        expect([file, source.match(/<<-?\s*['"]?[A-Za-z_]+['"]?\s*$/gm)]).toEqual([file, null]);
        expect(
            hostScript(file)
                .split("\n")
                .filter((line) => /^\s/.test(line)),
        ).toEqual([]);
    }
});

test("each host script sources the library from where the user data writes it, and only API7_LIB_DIR moves it", () => {
    for (const userData of prod.ofType(T.launchTemplate).map((t) => decodeUserData(t.inputs.userData))) {
        const files = (yaml.load(userData) as { write_files: { path: string; content: string; permissions: string }[] })
            .write_files;
        const lib = files.filter((f) => path.basename(f.path) === "api7-lib.sh");
        expect(lib.map((f) => [f.content, f.permissions])).toEqual([[hostScript("api7-lib.sh"), "0644"]]);
        const scripts = files.filter((f) => f.content.startsWith("#!/bin/bash"));
        expect(scripts.length).toBeGreaterThanOrEqual(2);
        for (const script of scripts) {
            const sources = script.content.split("\n").filter((line) => /^\s*(source|\.)\s/.test(line));
            expect([script.path, sources]).toEqual([
                script.path,
                [`source "\${API7_LIB_DIR:-${path.dirname(lib[0].path)}}/api7-lib.sh"`],
            ]);
        }
    }
});

run(`a missing secret stops the start instead of running with a placeholder`, () => {
    const broken: RunResult = {
        ...external,
        ofType: (type: string) =>
            external.ofType(type).filter((p) => p.inputs.name !== "/api7-ha/prod/cp/secrets/database-dsn"),
    };
    const l = launch(broken, "/api7-ha/prod/cp", "dashboard");
    expect(l.status).not.toBe(0);
    expect(l.dockerArgs).toBeUndefined();
});

run(
    `gateway identity and admin key: created once per host and kept across restarts; the id mounted, the key ` +
        `only in the read-only config`,
    () => {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-state-"));
        const first = launch(prod, "/api7-ha/prod/dp", "gateway", { stateDir });
        const second = launch(prod, "/api7-ha/prod/dp", "gateway", { stateDir });
        expect([first.status, first.stderr, second.status, second.stderr]).toEqual([0, "", 0, ""]);
        const uidFile = path.join(stateDir, "gateway", "apisix.uid");
        const uid = fs.readFileSync(uidFile, "utf8").trim();
        expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(fs.statSync(uidFile).mode & 0o777).toBe(0o644);
        expect(fs.statSync(path.join(stateDir, "gateway", "admin.key")).mode & 0o777).toBe(0o600);
        for (const l of [first, second])
            expect(l.dockerArgs).toEqual(
                expect.arrayContaining(["-v", `${uidFile}:/usr/local/apisix/conf/apisix.uid`]),
            );

        const key = renderedConfig(first, "gateway").deployment.admin.admin_key[0].key as string;
        expect(key).toMatch(/^[0-9a-f]{32}$/);
        expect(renderedConfig(second, "gateway").deployment.admin.admin_key[0].key).toBe(key);
        expect(
            prod
                .ofType(T.parameter)
                .map((p) => String(p.inputs.insecureValue ?? p.inputs.value))
                .join("\n"),
        ).not.toContain(key);
        expect(first.dockerArgs).toEqual(
            expect.arrayContaining(["-v", `${first.runDir}/gateway/config.yaml:/usr/local/apisix/conf/config.yaml:ro`]),
        );

        // Another host (another state directory) is another gateway.
        const other = launch(prod, "/api7-ha/prod/dp", "gateway");
        expect(
            fs.readFileSync(path.join(other.runDir, "..", "state", "gateway", "apisix.uid"), "utf8").trim(),
        ).not.toBe(uid);
    },
);

run(
    `gateway with issued credentials: waits, starting nothing, until the control plane writes them; then starts ` +
        `with them`,
    async () => {
        const issued = await runProgram({ stack: "prod" });
        const host = prepareHost(issued, "/api7-ha/prod/dp");
        const tokenFile = path.join(host.params, "/api7-ha/prod/dp/secrets/control-plane-token");
        expect(fs.readFileSync(tokenFile, "utf8")).toBe(PENDING_SECRET);
        expect(spawnSync(host.run, ["gateway", "--credentials-ready"], { env: host.env }).status).toBe(3);

        const child = spawn(host.run, ["gateway"], { env: { ...host.env, API7_WAIT_POLL: "0.2" } });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
        // Until it says it waits (however loaded the machine), then a little longer: still nothing started.
        for (let i = 0; i < 200 && !stderr.includes("waiting"); i++)
            await new Promise((resolve) => setTimeout(resolve, 100));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(stderr).toContain("waiting for the control plane to issue");
        expect(fs.existsSync(path.join(host.out, "args"))).toBe(false);
        fs.writeFileSync(tokenFile, "a7ee-ISSUED-TOKEN");
        const l = launched(host, await exited, stderr);
        expect(l.status).toBe(0);
        expect(l.stderr).toBe(
            "api7-run: waiting for the control plane to issue /api7-ha/prod/dp/secrets/control-plane-token\n",
        );
        expect(l.dockerEnv.API7_CONTROL_PLANE_TOKEN).toBe("a7ee-ISSUED-TOKEN");
        expect(spawnSync(host.run, ["gateway", "--credentials-ready"], { env: host.env }).status).toBe(0);
    },
);

run(
    `api7-apply leaves a gateway waiting for its credentials as it is, and restarts it once they are issued`,
    async () => {
        const issued = await runProgram({ stack: "prod" });
        const host = prepareHost(issued, "/api7-ha/prod/dp");
        const apply = () => spawnSync(host.apply, ["gateway"], { encoding: "utf8", env: host.env });
        const systemctl = () => systemctlCalls(host);

        const waiting = apply();
        expect([waiting.status, waiting.stderr]).toEqual([
            0,
            "api7-apply: gateway waits for credentials the control plane has not issued yet; left as it is\n",
        ]);
        expect(systemctl()).toBe("");

        fs.writeFileSync(path.join(host.params, "/api7-ha/prod/dp/secrets/control-plane-token"), "a7ee-ISSUED-TOKEN");
        const ready = apply();
        expect([ready.status, ready.stderr]).toEqual([0, ""]);
        expect(systemctl()).toBe("restart api7@gateway.service\n");
    },
);

run(
    `api7-apply reloads a service in place when only its config changed (the running container's generation is ` +
        `the spec's): re-rendered, the spec's reload command, no restart`,
    () => {
        const spec = specOf(prod, "/api7-ha/prod/dp/gateway.json");
        expect(spec.reloadCommand?.length).toBeGreaterThan(0);
        const host = prepareHost(prod, "/api7-ha/prod/dp");
        const apply = (env: Record<string, string>) =>
            spawnSync(host.apply, ["gateway"], { encoding: "utf8", env: { ...host.env, ...env } });

        const reloaded = apply({ FAKE_RUNNING_GENERATION: String(spec.generation) });
        expect([reloaded.status, reloaded.stderr, systemctlCalls(host)]).toEqual([0, "", ""]);
        expect(fs.readFileSync(path.join(host.out, "exec"), "utf8").split("\0").slice(0, -1)).toEqual([
            spec.container,
            ...spec.reloadCommand,
        ]);
        expect(renderedConfig({ runDir: host.runRoot }, "gateway").apisix.status).toEqual({
            ip: "0.0.0.0",
            port: 7085,
        });

        // Another generation running (a new image, environment or arguments): started anew.
        const restarted = apply({ FAKE_RUNNING_GENERATION: `${spec.generation}-old` });
        expect([restarted.status, restarted.stderr, systemctlCalls(host)]).toEqual([
            0,
            "",
            "restart api7@gateway.service\n",
        ]);
    },
);
