/**
 * The API7 2.x lab (deploy.generation 2.x, deploy.target docker: components/docker/lab-v2.ts) under the harness:
 * etcd members that name each other by container name, with certificates for those names; the 2.x dashboards and
 * gateways from locally loaded images (a missing one stops the program, naming the setting and what to load); the
 * hosts' api7-etcd-auth run through the first member's etcdctl; HAProxy's 2.x config through the real `haproxy -c`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { dockerV2StackOutputs } from "../components/outputs";
import { faultPlan, parseStackOutputs, probeTarget } from "../scripts/drill/plan";
import { notLoadedMessage } from "../components/docker/lab-v2";
import { runProgram, type Recorded, type RunResult } from "../tools/harness";
import { needing } from "./helpers";

const V2_LAB = { "deploy.generation": "2.x", "v2.clusterId": "c1" } as const;
const CONTAINER = "docker:index/container:Container";

let lab: RunResult;
beforeAll(async () => {
    lab = await runProgram({ stack: "lab", config: V2_LAB });
});

const container = (run: RunResult, name: string): Recorded => run.get(CONTAINER, `api7-lab-${name}`);
const upload = (c: Recorded, file: string): string =>
    (c.inputs.uploads as { file: string; content: string }[]).find((u) => u.file === file)!.content;

test("three etcd members that dial each other by container name, TLS with certificates for those names", () => {
    const config = yaml.load(upload(container(lab, "etcd-1"), "/etc/etcd/etcd.yaml")) as Record<string, any>;
    expect(config["initial-cluster"]).toBe(
        "etcd-1=https://etcd-1:2380,etcd-2=https://etcd-2:2380,etcd-3=https://etcd-3:2380",
    );
    expect(config["advertise-client-urls"]).toBe("https://etcd-1:2379");
    const csr = lab.get("tls:index/certRequest:CertRequest", "api7-lab-etcd-1").inputs;
    expect([csr.dnsNames, csr.ipAddresses]).toEqual([["etcd-1"], []]);
    expect(container(lab, "etcd-1").inputs.command).toEqual([
        "/usr/local/bin/etcd",
        "--config-file",
        "/etc/etcd/etcd.yaml",
    ]);
    expect(container(lab, "etcd-1").secretInputs).toEqual(expect.arrayContaining(["uploads"]));
});

test("the hosts' api7-etcd-auth, through the first member's etcdctl, before any dashboard or gateway", () => {
    const auth = lab.get("command:local:Command", "api7-lab-etcd-auth");
    const env = auth.inputs.environment as Record<string, string>;
    expect(env.API7_ETCD_AUTH_SCRIPT).toBe(
        fs.readFileSync(path.join(__dirname, "..", "config-templates", "api7-etcd-auth.sh"), "utf8"),
    );
    expect(env.API7_ETCDCTL).toMatch(/^docker exec -i -e ETCDCTL_USER .* api7-ha-lab-etcd-1 etcdctl$/);
    expect(env.API7_ETCD_GATEWAY_PREFIX).toBe("/api7/c1");
    expect(auth.secretInputs).toEqual(expect.arrayContaining(["environment"]));
    const dashboard = container(lab, "cp-1-dashboard");
    expect(dashboard.dependencies).toEqual(expect.arrayContaining([auth.urn]));
});

test("dashboards and gateways run the locally loaded images, with their etcd certificates and the stack's passwords", () => {
    const dashboard = container(lab, "cp-1-dashboard");
    expect(dashboard.inputs.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    const conf = yaml.load(upload(dashboard, "/usr/local/apisix-dashboard/conf/conf.yaml")) as Record<string, any>;
    expect(conf.conf.etcd.endpoints).toEqual(["etcd-1:2379", "etcd-2:2379", "etcd-3:2379"]);
    expect(conf.conf.etcd.password).not.toContain("__API7_SECRET");
    expect(upload(dashboard, "/usr/local/apisix-dashboard/conf/etcd/client.crt")).toMatch(
        /^-----BEGIN CERTIFICATE-----/,
    );
    const gateway = container(lab, "gateway-1");
    const config = yaml.load(upload(gateway, "/usr/local/apisix/conf/config.yaml")) as Record<string, any>;
    expect([config.etcd.prefix, config.apisix.node_listen]).toEqual(["/api7/c1", [80]]);
});

test("its outputs name the containers the drills stop; the etcd drill stops the first member", () => {
    const outputs = dockerV2StackOutputs.parse(lab.outputs);
    expect(outputs.labContainers.etcd).toEqual(["api7-ha-lab-etcd-1", "api7-ha-lab-etcd-2", "api7-ha-lab-etcd-3"]);
    const parsed = parseStackOutputs("lab", JSON.stringify(lab.outputs));
    expect(faultPlan("etcd", parsed)).toEqual({ kind: "docker", containers: ["api7-ha-lab-etcd-1"] });
    expect(faultPlan("gateway", parsed)).toEqual({ kind: "docker", containers: ["api7-ha-lab-gateway-1"] });
    expect(faultPlan("dashboard", parsed)).toEqual({ kind: "docker", containers: ["api7-ha-lab-cp-1-dashboard"] });
    expect(() => faultPlan("dp-manager", parsed)).toThrow("for API7 3.x stacks");
    expect(probeTarget("etcd", parsed)).toEqual({
        kind: "etcd-through-dashboard",
        dashboardUrl: "http://127.0.0.1:7080",
    });
});

test("without v2.clusterId: no gateway container, and the load balancer's gateway backends have no server", async () => {
    const first = await runProgram({ stack: "lab", config: { "deploy.generation": "2.x" } });
    expect(first.ofType(CONTAINER).map((c) => c.name)).not.toContain("api7-lab-gateway-1");
    expect(upload(container(first, "lb"), "/usr/local/etc/haproxy/haproxy.cfg")).toContain(
        "# no gateway yet (v2.clusterId)",
    );
});

test("an image not loaded on the engine: no container of it is created, and the error names the setting and what to load", async () => {
    // The program logs the error and fails the deployment (pulumi.RunError); under the mocks, the containers that
    // would run the image are not registered.
    const missing = await runProgram({
        stack: "lab",
        config: V2_LAB,
        missingLocalImages: ["api7/api7-gateway:2.13.2209.2"],
    });
    const names = missing.ofType(CONTAINER).map((c) => c.name);
    expect(names).toContain("api7-lab-cp-1-dashboard");
    expect(names.filter((n) => n.includes("gateway"))).toEqual([]);
    expect(
        notLoadedMessage(
            "v2.gatewayImage",
            "api7/api7-gateway:2.13.2209.2",
            "did not find docker image 'api7/api7-gateway:2.13.2209.2'",
        ),
    ).toBe(
        "v2.gatewayImage = api7/api7-gateway:2.13.2209.2: not loaded on this Docker engine (did not find docker image " +
            "'api7/api7-gateway:2.13.2209.2'). API7's 2.x images come as tarballs: `docker load < <tarball>`, then " +
            '`docker tag <the name it loaded> api7/api7-gateway:2.13.2209.2` (docs/api7-2x.md, "Images")',
    );
});

needing(["haproxy"])("the 2.x load balancer's config passes `haproxy -c`, with and without gateways", async () => {
    const first = await runProgram({ stack: "lab", config: { "deploy.generation": "2.x" } });
    for (const run of [lab, first]) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-v2-"));
        const file = path.join(dir, "haproxy.cfg");
        const text = upload(container(run, "lb"), "/usr/local/etc/haproxy/haproxy.cfg");
        fs.writeFileSync(file, text);
        const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        expect([r.status, r.stdout + r.stderr]).toEqual([0, expect.stringContaining("Configuration file is valid")]);
        expect(text).toContain("http-check send meth GET uri /ping");
    }
    expect(container(lab, "lb").inputs.ports).toEqual([
        { internal: 80, external: 9080, ip: "127.0.0.1" },
        { internal: 443, external: 9443, ip: "127.0.0.1" },
        { internal: 9000, external: 7080, ip: "127.0.0.1" },
    ]);
});
