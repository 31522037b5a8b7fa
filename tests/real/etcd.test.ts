/**
 * The API7 2.x topology's etcd cluster, for real: etcd 3.5.33 (.real/bin, built by scripts/real-tools.sh from its Go
 * modules at tools/real/etcd/go.mod, the release etcd.image runs) started three times from the configuration files
 * components/etcd.ts renders, on 127.0.0.11-13 (one address per member, as each member's fixed one on AWS), with
 * certificates openssl issues as components/etcd.ts requests them (the stack's @pulumi/tls does not run here). Members dial each
 * other from 127.0.0.1, not from their own address, as a host on AWS dials from its primary address: the peer
 * client certificates (no address in them) are what lets the cluster form. Then config-templates/api7-etcd-auth.sh,
 * as hosts run it (three at once), and what a member's loss and return do to reads and writes.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    clientCertificate,
    etcdMemberConfig,
    etcdMembers,
    memberCertificate,
    peerClientCertificate,
    type CertificateRequest,
} from "../../components/etcd";
import { PORTS } from "../../components/ports";
import { ROOT, runProgram, V2_STACK } from "../../tools/harness";
import { groupOf } from "../helpers";
import { installUserData } from "../host-files";
import { awsAt, REGION, startMoto, type Moto } from "./services";

const BIN = path.join(ROOT, ".real", "bin");
const ADDRESSES = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
const MEMBERS = etcdMembers(3, 3);
const PASSWORDS = {
    API7_ETCD_ROOT_PASSWORD: "root-pw:$dollars,'quotes'\"and;more",
    API7_ETCD_DASHBOARD_PASSWORD: "dashboard-pw-1",
    API7_ETCD_GATEWAY_PASSWORD: "gateway-pw-1",
};

let dir = "";
let moto: Moto;
const procs = new Map<string, ChildProcess>();
const logs = new Map<string, string>();

/** openssl's extension lines for a request: the uses (@pulumi/tls names) and IP SANs. */
function extensions(req: CertificateRequest): string {
    const key = req.uses.filter((u) => u === "digital_signature" || u === "key_encipherment");
    const ext = req.uses.filter((u) => u === "server_auth" || u === "client_auth");
    const camel = (u: string) => u.replace(/_(.)/g, (_m, c: string) => c.toUpperCase());
    return [
        `keyUsage=critical,${key.map(camel).join(",")}`,
        `extendedKeyUsage=${ext.map(camel).join(",")}`,
        ...(req.ipAddresses.length > 0 ? [`subjectAltName=${req.ipAddresses.map((ip) => `IP:${ip}`).join(",")}`] : []),
    ].join("\n");
}

function openssl(...args: string[]) {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

function issue(name: string, req: CertificateRequest) {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${req.commonName}`, "-out", `${name}.csr`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions(req));
    openssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.crt`,
    );
}

function start(index: number) {
    const m = MEMBERS[index];
    const log: string[] = [];
    const child = spawn(path.join(BIN, "etcd"), ["--config-file", path.join(dir, `${m.name}.yaml`)], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (d: Buffer) => log.push(d.toString()));
    procs.set(m.name, child);
    logs.set(m.name, "");
    child.on("exit", () => logs.set(m.name, log.join("")));
}

async function stop(index: number) {
    const child = procs.get(MEMBERS[index].name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
}

/** etcdctl as a host runs it: TLS with the member's own certificate, endpoints from the environment. */
function etcdctl(args: string[], env: Record<string, string> = {}, endpoints = ADDRESSES, input?: string) {
    return spawnSync(path.join(BIN, "etcdctl"), args, {
        encoding: "utf8",
        input,
        timeout: 20000,
        env: {
            PATH: process.env.PATH,
            ETCDCTL_ENDPOINTS: endpoints.map((a) => `https://${a}:${PORTS.etcdClient}`).join(","),
            ETCDCTL_CACERT: path.join(dir, "ca.crt"),
            ETCDCTL_CERT: path.join(dir, "etcd-1-peer.crt"),
            ETCDCTL_KEY: path.join(dir, "etcd-1-peer.key"),
            ETCDCTL_DIAL_TIMEOUT: "5s",
            ETCDCTL_COMMAND_TIMEOUT: "15s",
            ...env,
        },
    });
}

async function healthy(address: string): Promise<boolean> {
    const r = await fetch(`http://${address}:${PORTS.etcdMetrics}/health`).catch(() => undefined);
    return r?.status === 200 && ((await r.json()) as { health: string }).health === "true";
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, seconds = 30) {
    for (let i = 0; i < seconds * 4; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
        `${what}: not within ${seconds} s\n${[...logs.entries()].map(([n, l]) => `${n}: ${l}`).join("\n")}`,
    );
}

function authEnv(extra: Record<string, string>): Record<string, string> {
    return {
        PATH: `${BIN}:${process.env.PATH}`,
        ETCDCTL_ENDPOINTS: ADDRESSES.map((a) => `https://${a}:${PORTS.etcdClient}`).join(","),
        ETCDCTL_CACERT: path.join(dir, "ca.crt"),
        ETCDCTL_CERT: path.join(dir, "etcd-1-peer.crt"),
        ETCDCTL_KEY: path.join(dir, "etcd-1-peer.key"),
        API7_ETCD_PREFIX: "/api7",
        API7_ETCD_GATEWAY_PREFIX: "/api7/cluster-a",
        ...PASSWORDS,
        ...extra,
    };
}

const AUTH = path.join(ROOT, "config-templates", "api7-etcd-auth.sh");
function auth(extra: Record<string, string> = {}) {
    return spawnSync("bash", [AUTH], { encoding: "utf8", timeout: 60000, env: authEnv(extra) });
}
/** Runs of the script at once: each one's exit status and stderr. */
function authAtOnce(n: number): Promise<{ status: number | null; stderr: string }[]> {
    return Promise.all(
        Array.from({ length: n }, () => {
            const child = spawn("bash", [AUTH], { env: authEnv({}), stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            return new Promise<{ status: number | null; stderr: string }>((resolve) =>
                child.on("exit", (status) => resolve({ status, stderr })),
            );
        }),
    );
}

beforeAll(async () => {
    if (!fs.existsSync(path.join(BIN, "etcd"))) throw new Error("etcd is missing: run bash scripts/real-tools.sh");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-real-"));
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key");
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=api7-ha etcd CA", "-days", "2", "-out", "ca.crt");
    MEMBERS.forEach((m, i) => {
        issue(m.name, memberCertificate(m, ADDRESSES[i]));
        issue(`${m.name}-peer`, peerClientCertificate(m));
        const config = etcdMemberConfig({
            member: m,
            members: MEMBERS,
            addresses: ADDRESSES,
            bindHost: ADDRESSES[i],
            clusterToken: "api7-ha-real-test",
            dataDir: path.join(dir, `${m.name}.data`),
            tls: {
                certFile: path.join(dir, `${m.name}.crt`),
                keyFile: path.join(dir, `${m.name}.key`),
                peerClientCertFile: path.join(dir, `${m.name}-peer.crt`),
                peerClientKeyFile: path.join(dir, `${m.name}-peer.key`),
                caFile: path.join(dir, "ca.crt"),
            },
        });
        fs.writeFileSync(path.join(dir, `${m.name}.yaml`), config);
    });
    issue("dashboard", clientCertificate("api7-dashboard"));
    MEMBERS.forEach((_m, i) => start(i));
    moto = await startMoto();
    await waitFor("three healthy members", async () => (await Promise.all(ADDRESSES.map(healthy))).every(Boolean));
}, 60000);

afterAll(async () => {
    moto?.stop();
    for (let i = 0; i < MEMBERS.length; i++) await stop(i);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the rendered configurations form one cluster of three, TLS between members and from clients", () => {
    const list = etcdctl(["member", "list", "-w", "json"]);
    expect(list.stderr).toBe("");
    const members = (JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[] }[] }).members;
    expect(members.map((m) => [m.name, m.peerURLs]).sort()).toEqual([
        ["etcd-1", ["https://127.0.0.11:2380"]],
        ["etcd-2", ["https://127.0.0.12:2380"]],
        ["etcd-3", ["https://127.0.0.13:2380"]],
    ]);
    // A client without a certificate of the stack's CA is refused (client-cert-auth).
    const anonymous = etcdctl(["get", "x"], { ETCDCTL_CERT: "", ETCDCTL_KEY: "" });
    expect(anonymous.status).not.toBe(0);
});

test("api7-etcd-auth on three members at once, then again: users and roles, authentication on", async () => {
    const first = await authAtOnce(3);
    expect(first.filter((r) => r.stderr.includes("authentication enabled")).length).toBeGreaterThan(0);
    // A run that another one's `auth enable` overtook stops; run again, it succeeds (as its unit would retry it).
    for (const r of first.filter((x) => x.status !== 0)) {
        expect(r.status).toBe(1);
        expect(auth().status).toBe(0);
    }
    // Run again (after every start of etcd, on every member): nothing changes, so no client's token is invalidated
    // (every password change or grant moves the auth revision).
    const revision = () =>
        etcdctl(["auth", "status"], { ETCDCTL_USER: `root:${PASSWORDS.API7_ETCD_ROOT_PASSWORD}` }).stdout.match(
            /AuthRevision: (\d+)/,
        )?.[1];
    const before = revision();
    expect(before).toMatch(/^\d+$/);
    const again = auth();
    expect([again.status, again.stderr]).toEqual([0, expect.not.stringContaining("authentication enabled")]);
    expect(again.stderr).toContain("api7-gateway (/api7/cluster-a*)");
    expect(revision()).toBe(before);

    const as = (user: string, password: string) => ({ ETCDCTL_USER: `${user}:${password}` });
    const dashboard = as("api7-dashboard", PASSWORDS.API7_ETCD_DASHBOARD_PASSWORD);
    const gateway = as("api7-gateway", PASSWORDS.API7_ETCD_GATEWAY_PASSWORD);
    // The dashboard writes anywhere under /api7, with its own client certificate.
    const dashboardCert = {
        ...dashboard,
        ETCDCTL_CERT: path.join(dir, "dashboard.crt"),
        ETCDCTL_KEY: path.join(dir, "dashboard.key"),
    };
    expect(etcdctl(["put", "/api7/cluster-a/routes/1", "r1"], dashboardCert).status).toBe(0);
    expect(etcdctl(["put", "/api7/cluster-b/routes/1", "r2"], dashboardCert).status).toBe(0);
    // The gateway reads and writes its cluster's keys, and its whole prefix at once as APISIX 2.x reads it at start
    // (a range from /api7/cluster-a itself); so also a cluster whose id starts with its own.
    expect(etcdctl(["put", "/api7/cluster-a0/routes/1", "r3"], dashboardCert).status).toBe(0);
    expect(etcdctl(["get", "/api7/cluster-a", "--prefix", "--keys-only"], gateway).stdout).toContain(
        "/api7/cluster-a/routes/1",
    );
    expect(etcdctl(["get", "/api7/cluster-a0/routes/1", "--print-value-only"], gateway).stdout.trim()).toBe("r3");
    expect(etcdctl(["get", "/api7/cluster-a/routes/1", "--print-value-only"], gateway).stdout.trim()).toBe("r1");
    expect(etcdctl(["put", "/api7/cluster-a/data_plane/server_info/x", "{}"], gateway).status).toBe(0);
    const other = etcdctl(["get", "/api7/cluster-b/routes/1"], gateway);
    expect([other.status, other.stderr]).toEqual([1, expect.stringContaining("permission denied")]);
    // Without a password, the certificate's CN is the user (client-cert-auth): etcd-1, which may do nothing.
    const none = etcdctl(["get", "/api7/cluster-a/routes/1"]);
    expect([none.status, none.stderr]).toEqual([1, expect.stringContaining("permission denied")]);
    // The cluster id changes: the gateway's grant moves with it.
    expect(auth({ API7_ETCD_GATEWAY_PREFIX: "/api7/cluster-b" }).status).toBe(0);
    expect(etcdctl(["get", "/api7/cluster-b/routes/1", "--print-value-only"], gateway).stdout.trim()).toBe("r2");
    expect(etcdctl(["get", "/api7/cluster-a/routes/1"], gateway).stderr).toContain("permission denied");
    expect(auth().status).toBe(0);
    expect(etcdctl(["get", "/api7/cluster-a/routes/1", "--print-value-only"], gateway).stdout.trim()).toBe("r1");
    // A password with a blank is refused before anything changes: etcdctl would keep only what precedes it.
    const blank = auth({ API7_ETCD_GATEWAY_PASSWORD: "two words" });
    expect([blank.status, blank.stderr]).toEqual([1, expect.stringContaining("a password holds a blank")]);
    // A wrong root password stops the script, naming the cause.
    const wrong = auth({ API7_ETCD_ROOT_PASSWORD: "not-the-one" });
    expect([wrong.status, wrong.stderr]).toEqual([1, expect.stringContaining("root's password is not the stack's")]);
});

test("one member lost: the other two still read and write; back on its data, it rejoins as the same member", async () => {
    const dashboard = { ETCDCTL_USER: `api7-dashboard:${PASSWORDS.API7_ETCD_DASHBOARD_PASSWORD}` };
    await stop(0);
    const survivors = ADDRESSES.slice(1);
    // The survivors elect a leader among themselves (at once if etcd-1 was not the leader).
    await waitFor("a leader among the two left", async () =>
        (await Promise.all(survivors.map(healthy))).every(Boolean),
    );
    expect(etcdctl(["put", "/api7/cluster-a/routes/2", "while-one-is-down"], dashboard, survivors).status).toBe(0);
    expect(etcdctl(["get", "/api7/cluster-a/routes/2", "--print-value-only"], dashboard, survivors).stdout.trim()).toBe(
        "while-one-is-down",
    );

    start(0);
    await waitFor("etcd-1 healthy again", () => healthy(ADDRESSES[0]));
    // It caught up: a read served by etcd-1 alone (serializable, its own copy) has the write it missed.
    const local = etcdctl(
        ["get", "/api7/cluster-a/routes/2", "--print-value-only", "--consistency=s"],
        dashboard,
        ADDRESSES.slice(0, 1),
    );
    expect(local.stdout.trim()).toBe("while-one-is-down");
    const list = etcdctl(["member", "list"], { ETCDCTL_USER: `root:${PASSWORDS.API7_ETCD_ROOT_PASSWORD}` });
    expect(list.stdout.trim().split("\n")).toHaveLength(3);
});

test("two members lost: no quorum, writes fail (and /health says so on the last one)", async () => {
    const dashboard = { ETCDCTL_USER: `api7-dashboard:${PASSWORDS.API7_ETCD_DASHBOARD_PASSWORD}` };
    await stop(1);
    await stop(2);
    const put = etcdctl(
        ["put", "/api7/cluster-a/routes/3", "x", "--command-timeout=3s"],
        dashboard,
        ADDRESSES.slice(0, 1),
    );
    expect(put.status).not.toBe(0);
    await waitFor("etcd-1 unhealthy", async () => !(await healthy(ADDRESSES[0])), 15);
    start(1);
    start(2);
    await waitFor("three healthy members", async () => (await Promise.all(ADDRESSES.map(healthy))).every(Boolean), 60);
}, 120000);

test("api7-etcd-snapshot on every member: the leader alone saves one to S3, and etcdutl restores what it holds", () => {
    const env = {
        PATH: `${awsAt(dir, moto.endpoint)}:${BIN}:/usr/bin:/bin`,
        HOME: dir,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_DEFAULT_REGION: REGION,
        ETCDCTL_CACERT: path.join(dir, "ca.crt"),
        ETCDCTL_CERT: path.join(dir, "etcd-1-peer.crt"),
        ETCDCTL_KEY: path.join(dir, "etcd-1-peer.key"),
        API7_ETCD_ROOT_PASSWORD: PASSWORDS.API7_ETCD_ROOT_PASSWORD,
        API7_ETCD_SNAPSHOT_URL: "s3://api7-ha-etcd-snapshots/etcd/",
    };
    const aws = (...args: string[]) => spawnSync("aws", args, { encoding: "utf8", env });
    expect(aws("s3", "mb", "s3://api7-ha-etcd-snapshots").status).toBe(0);
    const runs = ADDRESSES.map((a, i) =>
        spawnSync("bash", [path.join(ROOT, "config-templates", "api7-etcd-snapshot.sh")], {
            encoding: "utf8",
            timeout: 60000,
            env: {
                ...env,
                API7_ETCD_ENDPOINT: `https://${a}:${PORTS.etcdClient}`,
                API7_ETCD_SNAPSHOT_FILE: path.join(dir, `snapshot-${i}.db`),
            },
        }),
    );
    expect(runs.map((r) => r.status)).toEqual([0, 0, 0]);
    const saved = runs.filter((r) => r.stderr.includes("api7-etcd-snapshot: s3://"));
    expect(saved).toHaveLength(1);
    expect(runs.filter((r) => r.stderr.includes("is not the leader"))).toHaveLength(2);
    // The snapshot files are removed once uploaded.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("snapshot-"))).toEqual([]);

    const listed = aws("s3api", "list-objects-v2", "--bucket", "api7-ha-etcd-snapshots", "--prefix", "etcd/");
    const keys = (JSON.parse(listed.stdout) as { Contents: { Key: string }[] }).Contents.map((c) => c.Key);
    expect(keys).toEqual([expect.stringMatching(/^etcd\/\d{8}T\d{6}Z-[0-9a-f]+\.db$/)]);
    const local = path.join(dir, "restored.db");
    expect(aws("s3", "cp", "--only-show-errors", `s3://api7-ha-etcd-snapshots/${keys[0]}`, local).status).toBe(0);
    // README's restore, for one member: a new data directory from the snapshot, then etcd on it alone.
    const restore = spawnSync(
        path.join(BIN, "etcdutl"),
        [
            "snapshot",
            "restore",
            local,
            "--name",
            "etcd-1",
            "--data-dir",
            path.join(dir, "restored.data"),
            "--initial-cluster",
            "etcd-1=https://127.0.0.21:2380",
            "--initial-advertise-peer-urls",
            "https://127.0.0.21:2380",
        ],
        { encoding: "utf8" },
    );
    expect(restore.status).toBe(0);
    const dump = spawnSync(path.join(BIN, "etcdutl"), ["snapshot", "status", local, "-w", "json"], {
        encoding: "utf8",
    });
    expect((JSON.parse(dump.stdout) as { totalKey: number }).totalKey).toBeGreaterThan(3);
});

/**
 * api7-etcd-admin as a member's units run it (`auth`, then `snapshot`), from the files Pulumi.v2.yaml's first member's
 * user data installs (tests/host-files.ts), against this cluster. Its `docker exec -i -e NAME... api7-etcd etcdctl`
 * goes to a shim that runs etcdctl here with the named variables only (no Docker engine on this machine); the
 * configuration and the passwords come from the member's SSM parameters (API7_PARAMETER_DIR, the library's file
 * store), as the stack writes them.
 */
test("api7-etcd-admin, from a member's installed files: users and grants from SSM's passwords, then the leader's snapshot", async () => {
    const run = await runProgram({ stack: V2_STACK });
    const { userData } = groupOf(run, "api7-etcd-etcd-1");
    const host = installUserData(userData, path.join(dir, "host"));
    // Its configuration, as the stack stores it in the member's SSM parameter.
    const adminParameter = "/api7-ha/v2/etcd-1/secrets/etcd-admin";
    const stored = run.ofType("aws:ssm/parameter:Parameter").find((p) => p.inputs.name === adminParameter)!;
    const rendered = JSON.parse(stored.inputs.value as string);
    expect(rendered.container).toBe("api7-etcd");
    const passwords = { root: PASSWORDS.API7_ETCD_ROOT_PASSWORD, dashboard: "dashboard-pw-2", gateway: "gateway-pw-2" };
    const store = path.join(dir, "parameters");
    for (const [who, parameter] of Object.entries(rendered.passwords as Record<string, string>)) {
        fs.mkdirSync(path.dirname(path.join(store, parameter)), { recursive: true });
        fs.writeFileSync(path.join(store, parameter), passwords[who as keyof typeof passwords]);
    }
    const shim = path.join(dir, "docker-shim");
    fs.mkdirSync(shim);
    fs.writeFileSync(
        path.join(shim, "docker"),
        [
            "#!/bin/bash",
            '[[ "$1 $2" == "exec -i" ]] || { echo "docker shim: $*" >&2; exit 2; }',
            "shift 2; vars=()",
            'while [[ "$1" == -e ]]; do [[ -v $2 ]] && vars+=("$2=${!2}"); shift 2; done',
            '[[ "$1 $2" == "api7-etcd etcdctl" ]] || { echo "docker shim: $*" >&2; exit 2; }',
            "shift 2",
            `exec env -i "\${vars[@]}" ${path.join(BIN, "etcdctl")} "$@"`,
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    // Where the host's etcd answers: the rendered file with this machine's addresses and files. The leader's, so that
    // the snapshot is taken here (the others leave it to the leader: the test above).
    const status = etcdctl(["endpoint", "status", "-w", "json"], {
        ETCDCTL_USER: `root:${PASSWORDS.API7_ETCD_ROOT_PASSWORD}`,
    });
    const leader = (
        JSON.parse(status.stdout) as { Endpoint: string; Status: { header: { member_id: number }; leader: number } }[]
    ).find((e) => e.Status.header.member_id === e.Status.leader)!.Endpoint;
    const member = ADDRESSES.findIndex((a) => leader.includes(a)) + 1;
    fs.mkdirSync(path.dirname(path.join(store, adminParameter)), { recursive: true });
    // The auth script api7-etcd-admin runs, as the stack stores it (out of the user data).
    const authParameter = "/api7-ha/v2/etcd-1/secrets/api7-etcd-auth";
    fs.writeFileSync(
        path.join(store, authParameter),
        run.ofType("aws:ssm/parameter:Parameter").find((p) => p.inputs.name === authParameter)!.inputs.value as string,
    );
    fs.writeFileSync(
        path.join(store, adminParameter),
        JSON.stringify({
            ...rendered,
            endpoint: leader,
            tls: {
                ca: path.join(dir, "ca.crt"),
                cert: path.join(dir, `etcd-${member}.crt`),
                key: path.join(dir, `etcd-${member}.key`),
            },
            snapshotFile: path.join(dir, "admin-snapshot.db"),
            snapshotUrl: "s3://api7-ha-etcd-snapshots/admin/",
        }),
    );
    const env = {
        ...host.env,
        PATH: `${shim}:${awsAt(dir, moto.endpoint)}:/usr/bin:/bin`,
        HOME: dir,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        API7_PARAMETER_DIR: store,
        API7_LOG_COPY: "off",
    };
    const admin = (what: string) =>
        spawnSync("bash", [host.at("/usr/local/sbin/api7-etcd-admin"), what], {
            encoding: "utf8",
            timeout: 60000,
            env,
        });

    const auth = admin("auth");
    expect([auth.status, auth.stderr]).toEqual([0, expect.stringContaining("api7-gateway (/api7/4f2a9c7e1b*)")]);
    // The passwords SSM holds are the users' now, and the gateways' grant is Pulumi.v2.yaml's cluster.
    const gateway = { ETCDCTL_USER: `api7-gateway:${passwords.gateway}` };
    const dashboard = { ETCDCTL_USER: `api7-dashboard:${passwords.dashboard}` };
    expect(etcdctl(["put", "/api7/4f2a9c7e1b/routes/1", "v2"], dashboard).status).toBe(0);
    expect(etcdctl(["get", "/api7/4f2a9c7e1b/routes/1", "--print-value-only"], gateway).stdout.trim()).toBe("v2");
    expect(etcdctl(["get", "/api7/cluster-a/routes/1"], gateway).stderr).toContain("permission denied");

    const snapshot = admin("snapshot");
    expect([snapshot.status, snapshot.stderr]).toEqual([
        0,
        expect.stringMatching(/api7-etcd-snapshot: s3:\/\/api7-ha-etcd-snapshots\/admin\/\d{8}T\d{6}Z-[0-9a-f]+\.db/),
    ]);
    // The members' rollout restarts a member only while every member answers.
    expect(admin("healthy").status).toBe(0);
    await stop(2);
    const unhealthy = admin("healthy");
    expect([unhealthy.status, unhealthy.stderr]).toEqual([1, expect.stringContaining("127.0.0.13")]);
    start(2);
    await waitFor("three healthy members", async () => (await Promise.all(ADDRESSES.map(healthy))).every(Boolean), 60);
    expect(admin("nonsense").status).toBe(2);
}, 120000);
