/**
 * The Docker lab (deploy.target docker) under the CLI-faithful harness: Docker and command resources only, and
 * the AWS stacks AWS only; the shared service definitions reach the containers with their secrets substituted;
 * the rendered HAProxy config passes the real `haproxy -c`; the lab's bootstrap wrapper runs the hosts' own
 * bootstrap for real against the fake dashboard and prints the token it issued; images pinned by digest; the
 * containers' healthcheck command run for real by sh with only curl, only wget, only bash or none of them.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    LAB_ISSUED_TOKEN,
    ProgramError,
    ROOT,
    runProgram,
    TEST_SECRETS,
    type Recorded,
    type RunResult,
} from "../tools/harness";
import { startFakeDashboard } from "./fakes/dashboard";
import { needing, which } from "./helpers";
import { haproxyConfig } from "../components/docker/haproxy";
import { httpProbeCommand } from "../components/docker/healthcheck";
import { derivedUuid, substitute } from "../components/docker/values";
import { parseDsn } from "../components/database-dsn";

/** A test that fails at once, saying how to install it, when one of `bins` is not on PATH. */
const needs = (...bins: string[]) => needing(bins);

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const COMMAND = "command:local:Command";
const OWN = /^(docker|command):/;

/** The lab with the stack's gateway check at 20 s and 4 failures, an HTTPS dashboard and Prometheus. */
const TUNED_LAB = {
    stack: "lab",
    config: {
        "dataPlane.healthCheck.intervalSeconds": 20,
        "dataPlane.healthCheck.unhealthyThreshold": 4,
        "controlPlane.dashboardListener": "https",
        "prometheus.enabled": true,
    },
} as const;

let lab: RunResult;
beforeAll(async () => {
    lab = await runProgram({ stack: "lab" });
});

const container = (r: RunResult, suffix: string): Recorded => {
    const found = r.ofType(CONTAINER).find((c) => c.inputs.name === `api7-ha-lab-${suffix}`);
    if (!found)
        throw new Error(
            `no container api7-ha-lab-${suffix}; have ${r
                .ofType(CONTAINER)
                .map((c) => c.inputs.name)
                .join(", ")}`,
        );
    return found;
};
const upload = (c: Recorded, file: string): string => {
    const u = (c.inputs.uploads as { file: string; content: string }[]).find((x) => x.file === file);
    if (!u) throw new Error(`${c.inputs.name} uploads no ${file}`);
    return u.content;
};
const envOf = (c: Recorded): Record<string, string> =>
    Object.fromEntries(
        (c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );

describe("one topology, two targets", () => {
    test("the lab stack creates Docker and command resources only", () => {
        const custom = lab.resources.filter((r) => !r.type.startsWith("api7-ha:"));
        expect(custom.filter((r) => !OWN.test(r.type)).map((r) => r.type)).toEqual([]);
        expect(
            lab
                .ofType(CONTAINER)
                .map((c) => c.inputs.name)
                .sort(),
        ).toEqual([
            "api7-ha-lab-cp-1-dashboard",
            "api7-ha-lab-cp-1-dp-manager",
            "api7-ha-lab-cp-2-dashboard",
            "api7-ha-lab-cp-2-dp-manager",
            "api7-ha-lab-gateway-1",
            "api7-ha-lab-gateway-2",
            "api7-ha-lab-lb",
            "api7-ha-lab-postgres",
        ]);
        expect(lab.ofType(COMMAND)).toHaveLength(1);
    });

    test.each(["prod", "dev"] as const)("the %s stack creates AWS resources only", async (stack) => {
        const r = await runProgram({ stack });
        const custom = r.resources.filter((x) => !x.type.startsWith("api7-ha:"));
        expect(custom.length).toBeGreaterThan(50);
        expect(custom.filter((x) => !x.type.startsWith("aws:")).map((x) => x.type)).toEqual([]);
        expect(r.outputs.target).toBe("aws");
    });

    test("the lab's configs are the shared templates, with the lab's database and the issued token", () => {
        const dashboard = yaml.load(upload(container(lab, "cp-1-dashboard"), "/app/conf/config.yaml")) as any;
        expect(dashboard.database.dsn).toMatch(/^postgres:\/\/api7:[0-9a-f]{64}@postgres:5432\/api7$/);
        const dpManager = yaml.load(
            upload(container(lab, "cp-2-dp-manager"), "/usr/local/api7/conf/config.yaml"),
        ) as any;
        expect(dpManager.database.dsn).toBe(dashboard.database.dsn);
        const postgresEnv = envOf(container(lab, "postgres"));
        expect(dashboard.database.dsn).toContain(`:${postgresEnv.POSTGRES_PASSWORD}@`);

        const gateway = container(lab, "gateway-1");
        const env = envOf(gateway);
        expect(env.API7_CONTROL_PLANE_TOKEN).toBe(LAB_ISSUED_TOKEN);
        expect(JSON.parse(env.API7_CONTROL_PLANE_ENDPOINTS)).toEqual(["http://lb:7900"]);
        const config = yaml.load(upload(gateway, "/usr/local/apisix/conf/config.yaml")) as any;
        expect(config.apisix.status).toEqual({ ip: "0.0.0.0", port: 7085 });
        expect(JSON.stringify(config)).not.toContain("__API7_");
        // Each gateway keeps its own id across replacements.
        expect(upload(gateway, "/usr/local/apisix/conf/apisix.uid")).toBe(derivedUuid("api7-ha-lab/gateway-1"));
        expect(upload(container(lab, "gateway-2"), "/usr/local/apisix/conf/apisix.uid")).not.toBe(
            upload(gateway, "/usr/local/apisix/conf/apisix.uid"),
        );
    });

    test("everything holding a secret is secret, and the bootstrap's stdout (the token) too, and never logged", () => {
        // The dashboard's config holds the DSN, the gateway's its admin key and token: both its environment and its
        // uploads are secret. PostgreSQL's password is in its environment; it uploads nothing.
        for (const name of ["cp-1-dashboard", "gateway-1"]) {
            expect([name, container(lab, name).secretInputs]).toEqual([
                name,
                expect.arrayContaining(["envs", "uploads"]),
            ]);
        }
        expect(container(lab, "postgres").secretInputs).toEqual(expect.arrayContaining(["envs"]));
        expect(container(lab, "postgres").inputs.uploads).toBeUndefined();
        const cmd = lab.ofType(COMMAND)[0];
        expect(cmd.additionalSecretOutputs).toEqual(["stdout"]);
        expect(cmd.secretInputs).toEqual(expect.arrayContaining(["environment"]));
        // The provider streams what it logs to `pulumi up`'s display; the secret output alone would not hide it.
        expect(cmd.inputs.logging).toBe("stderr");
    });

    test("a bad lab setting stops the program, naming the key", async () => {
        const error = await runProgram({ stack: "lab", config: { "images.source": "ecrPullThroughCache" } }).catch(
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ProgramError);
        expect((error as Error).message).toContain("images.source");
        expect((error as Error).message).toContain("the lab pulls with the local Docker engine");
    });
});

describe("the lab on MySQL 5.7 (lab.database mysql)", () => {
    let mysql: RunResult;
    beforeAll(async () => {
        mysql = await runProgram({ stack: "lab", config: { "lab.database": "mysql" } });
    });

    test("one MySQL container instead of PostgreSQL, on the pinned image, named in the outputs", () => {
        const names = mysql.ofType(CONTAINER).map((c) => c.inputs.name as string);
        expect(names).toContain("api7-ha-lab-mysql");
        expect(names.filter((n) => /postgres/.test(n))).toEqual([]);
        expect(mysql.ofType(IMAGE).map((i) => i.inputs.name)).toContain("mysql:5.7.44");
        expect(mysql.outputs).toHaveProperty("labContainers.database", "api7-ha-lab-mysql");
        expect(lab.outputs).toHaveProperty("labContainers.database", "api7-ha-lab-postgres");
    });

    test("the control plane gets the MySQL driver's DSN for the user and database the image creates", () => {
        const dashboard = yaml.load(upload(container(mysql, "cp-1-dashboard"), "/app/conf/config.yaml")) as any;
        const dsn: string = dashboard.database.dsn;
        // The form API7's own end-to-end tests use (mysql://root:changeme@tcp(mysql:3306)/api7ee), and the one
        // databaseDsn accepts from a user.
        expect(dsn).toMatch(/^mysql:\/\/api7:[0-9a-f]{64}@tcp\(mysql:3306\)\/api7$/);
        expect(parseDsn(dsn)).toEqual({ engine: "mysql", host: "mysql", port: 3306, database: "api7" });
        const dpManager = yaml.load(
            upload(container(mysql, "cp-1-dp-manager"), "/usr/local/api7/conf/config.yaml"),
        ) as any;
        expect(dpManager.database.dsn).toBe(dsn);
        const db = container(mysql, "mysql");
        const env = envOf(db);
        // docker-library/mysql 5.7's entrypoint: MYSQL_USER gets ALL on MYSQL_DATABASE; no root password is known.
        expect(env).toEqual({
            MYSQL_USER: "api7",
            MYSQL_PASSWORD: /^mysql:\/\/api7:([0-9a-f]{64})@/.exec(dsn)![1],
            MYSQL_DATABASE: "api7",
            MYSQL_RANDOM_ROOT_PASSWORD: "yes",
        });
        // The same password as the PostgreSQL lab derives: the admin password's, for the purpose "postgres".
        expect(env.MYSQL_PASSWORD).toBe(envOf(container(lab, "postgres")).POSTGRES_PASSWORD);
        expect(db.secretInputs).toEqual(expect.arrayContaining(["envs"]));
        expect(db.inputs.command).toEqual(["--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"]);
        expect(db.inputs.volumes).toEqual([{ volumeName: "api7-ha-lab-mysql-data", containerPath: "/var/lib/mysql" }]);
        for (const name of ["cp-1-dashboard", "cp-2-dp-manager"])
            expect(container(mysql, name).dependencies).toContain(db.urn);
    });

    test("waited for until its healthcheck, run by sh, pings over TCP as api7, the password from its environment", () => {
        const db = container(mysql, "mysql").inputs;
        expect([db.wait, db.waitTimeout, db.restart]).toEqual([true, 300, "unless-stopped"]);
        const [form, command] = db.healthcheck.tests as string[];
        expect(form).toBe("CMD-SHELL");
        expect(command).not.toMatch(/[0-9a-f]{64}/);
        // Run as Docker runs CMD-SHELL (`/bin/sh -c`), a mysqladmin on PATH that prints what it was given.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-mysql-"));
        try {
            fs.writeFileSync(path.join(dir, "mysqladmin"), '#!/bin/sh\nprintf "%s\\n" "pwd=$MYSQL_PWD" "$@"\n', {
                mode: 0o755,
            });
            const password = "a'b\"c $d`e";
            const out = spawnSync("/bin/sh", ["-c", command], {
                encoding: "utf8",
                env: { PATH: `${dir}:/usr/bin:/bin`, MYSQL_PASSWORD: password },
            });
            expect(out.status).toBe(0);
            expect(out.stdout.split("\n").filter(Boolean)).toEqual([
                `pwd=${password}`,
                "ping",
                "--silent",
                "-h",
                "127.0.0.1",
                "-P",
                "3306",
                "-u",
                "api7",
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("a database the lab cannot run is refused, naming the key", async () => {
        await expect(runProgram({ stack: "lab", config: { "lab.database": "oceanbase" } })).rejects.toThrow(
            /lab\.database.*"oceanbase"/,
        );
    });
});

describe(`the lab's load balancer`, () => {
    const rendered = () => upload(container(lab, "lb"), "/usr/local/etc/haproxy/haproxy.cfg");
    const check = (text: string) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-"));
        const file = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(file, text);
        return spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
    };

    needs("haproxy")(
        "the rendered config passes `haproxy -c` (the only warnings: container names that do not resolve outside Docker)",
        () => {
            const r = check(rendered());
            expect([r.status, r.stdout + r.stderr]).toEqual([
                0,
                expect.stringContaining("Configuration file is valid"),
            ]);
            const warnings = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("[WARNING]"));
            expect(warnings.filter((w) => !/could not resolve address '[a-z0-9-]+', disabling server/.test(w))).toEqual(
                [],
            );
        },
    );

    needs("haproxy")("`haproxy -c` is a real check: a misspelt directive fails it", () => {
        const r = check(rendered().replace("http-check expect status 200", "http-check expekt status 200"));
        // What HAProxy 2.6 says of the misspelt keyword (a missing binary would leave status null and no output).
        expect(r.error).toBeUndefined();
        expect([r.status, r.stdout + r.stderr]).toEqual([
            1,
            expect.stringMatching(/\[ALERT\].*: 'http-check' only supports .* but got 'expekt'/),
        ]);
    });

    test("gateways checked with GET /status on 7085 at the stack's interval and thresholds; the control plane with /healthz", () => {
        const text = haproxyConfig({
            gateways: ["gateway-1", "gateway-2", "gateway-3"],
            dashboards: ["cp-1-dashboard"],
            dpManagers: ["cp-1-dp-manager"],
            dashboardTls: true,
            gatewayCheck: { intervalSeconds: 5, timeoutSeconds: 3, healthyThreshold: 3, unhealthyThreshold: 2 },
            controlPlaneCheck: { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
        });
        expect(text).toContain("    server gateway-3 gateway-3:9080 check port 7085 inter 5s rise 3 fall 2");
        expect(text).toContain("    server gateway-1 gateway-1:9443 check port 7085 inter 5s rise 3 fall 2");
        expect(text).toContain(
            "    server dashboard-1 cp-1-dashboard:7443 check check-ssl verify none inter 10s rise 2 fall 2",
        );
        expect(text).toContain("    server dp-manager-1 cp-1-dp-manager:7943 check port 7900 inter 10s rise 2 fall 2");
        expect(text.match(/http-check send meth GET uri \/status/g)).toHaveLength(2);
        expect(text).not.toMatch(/\{\{/);
    });

    test("the lab's config follows the lab stack's health-check settings", async () => {
        const r = await runProgram(TUNED_LAB);
        expect(upload(container(r, "lb"), "/usr/local/etc/haproxy/haproxy.cfg")).toContain(
            "server gateway-1 gateway-1:9080 check port 7085 inter 20s rise 3 fall 4",
        );
    });

    test("answers its container's healthcheck on a monitor frontend bound to the container's loopback only", () => {
        const text = rendered();
        const section = text
            .slice(text.indexOf("\nfrontend lb_health\n"))
            .split("\n\n")[0]
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith("#"));
        expect(section).toEqual(["frontend lb_health", "mode http", "bind 127.0.0.1:8405", "monitor-uri /healthz"]);
    });

    test("published on the bind address only, at the lab's ports", () => {
        expect(container(lab, "lb").inputs.ports).toEqual([
            { internal: 9080, external: 9080, ip: "127.0.0.1" },
            { internal: 9443, external: 9443, ip: "127.0.0.1" },
            { internal: 7080, external: 7080, ip: "127.0.0.1" },
        ]);
        for (const c of lab.ofType(CONTAINER).filter((x) => x.inputs.name !== "api7-ha-lab-lb"))
            expect([c.inputs.name, c.inputs.ports]).toEqual([c.inputs.name, undefined]);
    });
});

describe("digest-pinned images (images.pinDigests)", () => {
    test("prod runs every image by the digest its tag has at deploy time", async () => {
        const prod = await runProgram({ stack: "prod" });
        const lookups = prod.invokes
            .filter((i) => i.token === "docker:index/getRegistryImage:getRegistryImage")
            .map((i) => i.inputs.name as string);
        expect(lookups.sort()).toEqual(
            [
                "api7/api7-ee-3-gateway:3.2.16.3",
                "api7/api7-ee-3-integrated:v3.2.16.3",
                "api7/api7-ee-dp-manager:v3.2.16.3",
            ].sort(),
        );
        const specs = prod
            .ofType("aws:ssm/parameter:Parameter")
            .filter((p) => /\/(cp|dp)\/(dashboard|dp-manager|gateway)\.json$/.test(p.inputs.name))
            .map((p) => JSON.parse(p.inputs.insecureValue).image as string);
        expect(specs).toHaveLength(3);
        for (const image of specs)
            expect(image).toMatch(
                /^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/api7-ha-prod\/api7\/[a-z0-9-]+:v?3\.2\.16\.3@sha256:[0-9a-f]{64}$/,
            );
    });

    test("dev (pinDigests off) runs tags and asks no registry", async () => {
        const dev = await runProgram({ stack: "dev" });
        expect(dev.invokes.filter((i) => i.token.startsWith("docker:"))).toEqual([]);
    });

    test("the lab pins its RemoteImages when asked; a reference given by digest is used as written", async () => {
        const pinned = await runProgram({
            stack: "lab",
            config: { "images.pinDigests": true, "lab.postgresImage": `postgres:15.14@sha256:${"a".repeat(64)}` },
        });
        const names = pinned.ofType(IMAGE).map((i) => i.inputs.name as string);
        for (const n of names) expect(n).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(names).toContain(`postgres:15.14@sha256:${"a".repeat(64)}`);
        expect(
            lab
                .ofType(IMAGE)
                .map((i) => i.inputs.name as string)
                .every((n) => !n.includes("@")),
        ).toBe(true);
    });
});

describe(`the lab's bootstrap, run for real against a fake dashboard`, () => {
    needs(
        "bash",
        "jq",
        "curl",
    )("issues the gateways' token and prints only it; secrets never printed", async () => {
        const d = await startFakeDashboard({ licenseNeedsNewPassword: true });
        try {
            const cmd = lab.ofType(COMMAND)[0];
            const env = { ...(cmd.inputs.environment as Record<string, string>) };
            const spec = JSON.parse(env.API7_LAB_SPEC);
            env.API7_LAB_SPEC = JSON.stringify({ ...spec, dashboardUrl: d.url });
            const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn(
                    (cmd.inputs.interpreter as string[])[0],
                    [...(cmd.inputs.interpreter as string[]).slice(1), cmd.inputs.create as string],
                    {
                        env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env },
                    },
                );
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
                child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
                child.on("close", (code) => resolve({ code, stdout, stderr }));
            });
            expect([out.code, out.stderr]).toEqual([0, expect.stringContaining("API7 is set up")]);
            expect(d.state.tokens).toHaveLength(1);
            expect(out.stdout).toBe(d.state.tokens[0]);
            expect(d.state.password).toBe(TEST_SECRETS.adminPassword);
            expect(d.state.license).toBe(TEST_SECRETS.license);
            expect(d.state.settings.control_plane_address).toEqual(["http://lb:7900"]);
            for (const secret of [TEST_SECRETS.adminPassword, TEST_SECRETS.license])
                expect(out.stdout + out.stderr).not.toContain(secret);
        } finally {
            await d.close();
        }
    });

    test("placeholders are replaced wherever they occur, with the value as written", () => {
        expect(substitute("a: __X__\nb: __X__-__Y__", { __X__: `p$'"&`, __Y__: "y" })).toBe(`a: p$'"&\nb: p$'"&-y`);
    });

    test("the lab's bootstrap script is the hosts' script", () => {
        const cmd = lab.ofType(COMMAND)[0];
        expect((cmd.inputs.environment as Record<string, string>).API7_BOOTSTRAP_SCRIPT).toBe(
            fs.readFileSync(path.join(ROOT, "config-templates", "api7-bootstrap.sh"), "utf8"),
        );
    });
});

describe("container healthchecks", () => {
    test("every API7 container checks its service's health URL at its load balancer's timing; PostgreSQL is waited for", async () => {
        const r = await runProgram(TUNED_LAB);
        const check = (suffix: string) =>
            container(r, suffix).inputs.healthcheck as {
                tests: string[];
                interval: string;
                timeout: string;
                retries: number;
                startPeriod: string;
            };
        const gateway = check("gateway-1");
        expect(gateway.tests[0]).toBe("CMD-SHELL");
        expect(gateway.tests[1]).toContain("u='http://127.0.0.1:7085/status'");
        expect([gateway.interval, gateway.timeout, gateway.retries, gateway.startPeriod]).toEqual([
            "20s",
            "10s",
            4,
            "60s",
        ]);
        expect(check("gateway-2")).toEqual(gateway);
        // The HTTPS dashboard is checked over HTTPS, its own certificate not verified (as HAProxy's check-ssl verify
        // none).
        expect(check("cp-1-dashboard").tests[1]).toContain("u='https://127.0.0.1:7443/healthz'");
        expect(check("cp-1-dashboard").tests[1]).toContain("curl -fsSk ");
        expect(check("cp-1-dashboard").tests[1]).toContain("wget -q --no-check-certificate ");
        expect(check("cp-2-dp-manager").tests[1]).toContain("u='http://127.0.0.1:7900/healthz'");
        expect(check("prometheus").tests[1]).toContain("u='http://127.0.0.1:9090/-/healthy'");
        expect([check("prometheus").interval, check("prometheus").retries, check("prometheus").startPeriod]).toEqual([
            "10s",
            2,
            "30s",
        ]);
        expect([
            check("cp-1-dashboard").interval,
            check("cp-1-dashboard").retries,
            check("cp-1-dashboard").startPeriod,
        ]).toEqual(["10s", 2, "120s"]);
        // The load balancer: its own monitor frontend (GET /healthz on 127.0.0.1:8405), at the control plane's timing.
        const lb = check("lb");
        expect(lb.tests[0]).toBe("CMD-SHELL");
        expect(lb.tests[1]).toContain("u='http://127.0.0.1:8405/healthz'");
        expect([lb.interval, lb.timeout, lb.retries, lb.startPeriod]).toEqual(["10s", "5s", 2, "10s"]);
        const pg = container(r, "postgres").inputs;
        // Over TCP: the entrypoint's first-start server listens on the Unix socket only.
        expect(pg.healthcheck.tests).toEqual(["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "api7", "-d", "api7"]);
        expect([pg.wait, pg.waitTimeout]).toEqual([true, 120]);
        // Nothing waits on a check whose client may be missing from API7's images.
        for (const c of r.ofType(CONTAINER).filter((x) => x.inputs.name !== "api7-ha-lab-postgres"))
            expect(c.inputs.wait).toBeFalsy();
    });

    describe("the probe, run by sh with one HTTP client on PATH", () => {
        let server: http.Server;
        let port = 0;
        let closedPort = 0;
        const dirs: string[] = [];
        beforeAll(async () => {
            const healthy = new Set(["/status", "/a%20b%25s"]);
            server = http.createServer((req, res) => {
                res.writeHead(healthy.has(req.url ?? "") ? 200 : 503, { "Content-Type": "text/plain" });
                res.end(healthy.has(req.url ?? "") ? "ok" : "down");
            });
            // Probes hang up early (bash after the status line, or at once over "HTTPS"): resets are expected.
            server.on("clientError", (_error, socket) => socket.destroy());
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            port = (server.address() as AddressInfo).port;
            const spare = http.createServer();
            await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
            closedPort = (spare.address() as AddressInfo).port;
            await new Promise((resolve) => spare.close(resolve));
        });
        afterAll(async () => {
            await new Promise((resolve) => server.close(resolve));
            for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        });

        /** A PATH holding only `tools` (symlinks to the real ones). */
        const pathWith = (...tools: string[]) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-probe-"));
            dirs.push(dir);
            for (const t of tools) fs.symlinkSync(which(t)!, path.join(dir, t));
            return dir;
        };
        /** Runs the probe as Docker's CMD-SHELL does (/bin/sh -c), asynchronously: the server answers from here. */
        const probe = (url: string, pathDir: string) =>
            new Promise<number | null>((resolve) => {
                const child = spawn("/bin/sh", ["-c", httpProbeCommand(url, 2)], {
                    env: { PATH: pathDir },
                    stdio: "ignore",
                });
                child.on("close", (code) => resolve(code));
            });

        for (const tool of ["curl", "wget", "bash"]) {
            needs(tool)(`with only ${tool}: 0 for a 200, 1 for a 503 and for a port nobody listens on`, async () => {
                const dir = pathWith(tool);
                expect(await probe(`http://127.0.0.1:${port}/status`, dir)).toBe(0);
                expect(await probe(`http://127.0.0.1:${port}/down`, dir)).toBe(1);
                expect(await probe(`http://127.0.0.1:${closedPort}/status`, dir)).toBe(1);
            });
        }

        needs("bash")(
            `bash sends a path with % signs as written, and reads a status line without a reason phrase`,
            async () => {
                const dir = pathWith("bash");
                expect(await probe(`http://127.0.0.1:${port}/a%20b%25s`, dir)).toBe(0);
                // The probe hangs up once it has the status line: a reset here is expected, not an error.
                const bare = net.createServer((socket) => {
                    socket.on("error", () => undefined);
                    socket.once("data", () => socket.end("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"));
                });
                await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
                try {
                    expect(await probe(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/status`, dir)).toBe(0);
                } finally {
                    await new Promise((resolve) => bare.close(resolve));
                }
            },
        );

        needs("bash")(`bash over HTTPS can only see the port accept a connection`, async () => {
            const dir = pathWith("bash");
            expect(await probe(`https://127.0.0.1:${port}/down`, dir)).toBe(0);
            expect(await probe(`https://127.0.0.1:${closedPort}/healthz`, dir)).toBe(1);
        });

        needs("haproxy", "bash")(
            `the load balancer's check against the rendered monitor frontend, run by real HAProxy, with only ` +
                `bash (as in the haproxy image)`,
            async () => {
                const rendered = upload(container(lab, "lb"), "/usr/local/etc/haproxy/haproxy.cfg");
                const block = (header: string) =>
                    rendered.slice(rendered.indexOf(`\n${header}\n`) + 1).split("\n\n")[0];
                // The global and defaults sections and the monitor frontend, on a free port; not the servers, which
                // would need Docker's DNS.
                const config = [
                    block("global"),
                    block("defaults")
                        .split("\n")
                        .filter((l) => !l.includes("default-server"))
                        .join("\n"),
                    block("frontend lb_health"),
                ].join("\n\n");
                const monitor = `127.0.0.1:${closedPort}`;
                const dir = pathWith("bash");
                const file = path.join(dir, "haproxy.cfg");
                fs.writeFileSync(file, `${config.replace("127.0.0.1:8405", monitor)}\n`);
                const lbCheck = (container(lab, "lb").inputs.healthcheck as { tests: string[] }).tests[1];
                expect(lbCheck).toContain("u='http://127.0.0.1:8405/healthz'");
                const url = `http://${monitor}/healthz`;
                const haproxy = spawn("haproxy", ["-db", "-f", file], { stdio: "ignore" });
                try {
                    let code = await probe(url, dir);
                    for (let i = 0; code !== 0 && i < 30; i++) {
                        await new Promise((resolve) => setTimeout(resolve, 100));
                        code = await probe(url, dir);
                    }
                    expect(code).toBe(0);
                    expect(await probe(`http://${monitor}/other`, dir)).toBe(1);
                } finally {
                    haproxy.kill();
                    await new Promise((resolve) => haproxy.once("exit", resolve));
                }
                expect(await probe(url, dir)).toBe(1);
            },
        );

        test("with none of them: unhealthy (1), not sh's 127 for a missing command", async () => {
            expect(await probe(`http://127.0.0.1:${port}/status`, pathWith())).toBe(1);
        });
    });
});
