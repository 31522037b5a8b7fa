/**
 * A gateway host through a control-plane outage (config-templates/api7-run.sh, api7-apply.sh), run for real on a
 * "host" (tests/host-run.ts) whose fake curl answers the DP Manager's GET /version as the gateway's startup expects,
 * or fails as curl does when nothing listens (FAKE_DPM_DOWN). What API7's gateway does meanwhile, by its startup
 * code (apache/apisix apisix/cli/etcd.lua init_etcd @f519a0f0, the public fork matching API7's docs): a start with no
 * DP Manager answering exits ("all etcd nodes are unavailable"), and a reload re-reads what it cannot reach.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { GATEWAY_TOKEN, MTLS_SECRETS, runProgram, type RunResult } from "../tools/harness";
import { needing } from "./helpers";
import { launch, prepareHost, renderedConfig, specOf, systemctlCalls, type Host } from "./host-run";

const run = needing(["bash", "jq"]);
const DP = "/api7-ha/prod/dp";
const DOWN = { FAKE_DPM_DOWN: "1" };

let prod: RunResult;
let mtls: RunResult;
let pinned: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod", secrets: { gatewayToken: GATEWAY_TOKEN } });
    mtls = await runProgram({ stack: "dev", config: { "dataPlane.controlPlaneAuth": "mtls" }, secrets: MTLS_SECRETS });
    pinned = await runProgram({ stack: "prod", config: { "dataPlane.mode": "standalone" } });
});

const curlCalls = (host: Host) =>
    fs.existsSync(path.join(host.out, "curl")) ? fs.readFileSync(path.join(host.out, "curl"), "utf8") : "";
const modeOf = (host: Host) => fs.readFileSync(path.join(host.runRoot, "gateway", "mode"), "utf8");

describe("a gateway starting during an outage", () => {
    run("starts standalone from the last export, says so, and keeps no control-plane credential", () => {
        const host = prepareHost(prod, DP);
        const l = launch(prod, DP, "gateway", { host, env: DOWN });
        const endpoint = specOf(prod, `${DP}/gateway.json`).outage.endpoints[0];
        expect(endpoint).toMatch(/^http:\/\/.+:7900$/);
        expect([l.status, l.stderr]).toEqual([
            0,
            `api7-run: no DP Manager answers at ${endpoint} (GET /version, 5 s each); starting gateway standalone from the last export\n`,
        ]);
        const config = renderedConfig(l, "gateway");
        expect(config.deployment.role).toBe("data_plane");
        expect(config.deployment.role_data_plane).toEqual({ config_provider: "yaml" });
        expect(Object.keys(config.deployment.fallback_cp.aws_s3).sort()).toEqual([
            "access_key",
            "config_bucket",
            "region",
            "resource_bucket",
            "secret_key",
        ]);
        expect(config.deployment.fallback_cp.aws_s3.secret_key).toBe("MOCK-SECRET-ACCESS-KEY-api7-fallback-reader");
        expect(l.dockerEnv).toEqual({ API7_GATEWAY_GROUP_SHORT_ID: "default" });
        expect(l.dockerArgs).toEqual(expect.arrayContaining(["--label", "api7-ha.mode=standalone"]));
        expect(modeOf(host)).toBe("standalone\n");
        expect(curlCalls(host)).toBe(`-fsS --max-time 5 ${endpoint}/version\n`);
    });

    run("starts connected when the DP Manager answers, its token as environment", () => {
        const host = prepareHost(prod, DP);
        const l = launch(prod, DP, "gateway", { host });
        expect([l.status, l.stderr]).toEqual([0, ""]);
        expect(renderedConfig(l, "gateway").deployment.role).toBe("traditional");
        expect(l.dockerEnv.API7_CONTROL_PLANE_TOKEN).toBe(GATEWAY_TOKEN);
        expect(l.dockerArgs).toEqual(expect.arrayContaining(["--label", "api7-ha.mode=normal"]));
        expect(modeOf(host)).toBe("normal\n");
    });

    run("with mTLS the probe connects as the gateway does: its certificate, key and CA, the DP Manager's name", () => {
        const host = prepareHost(mtls, "/api7-ha/dev/dp");
        const l = launch(mtls, "/api7-ha/dev/dp", "gateway", { host });
        expect([l.status, l.stderr]).toEqual([0, ""]);
        const probe = path.join(host.runRoot, "gateway", "probe");
        const lb = "api7-cp-lb-dpm-79683.elb.us-east-1.amazonaws.com";
        expect(curlCalls(host)).toBe(
            `-fsS --max-time 5 --cert ${probe}/cert --key ${probe}/key --cacert ${probe}/ca ` +
                `--connect-to api7ee3-dp-manager:7943:${lb}:7943 https://api7ee3-dp-manager:7943/version\n`,
        );
        // The PEMs were written for the probe only, then removed.
        expect(fs.existsSync(probe)).toBe(false);
    });

    run("a gateway pinned standalone (dataPlane.mode standalone) probes nothing", () => {
        expect(specOf(pinned, `${DP}/gateway.json`).outage).toBeUndefined();
        const host = prepareHost(pinned, DP);
        const l = launch(pinned, DP, "gateway", { host, env: DOWN });
        expect([l.status, l.stderr]).toEqual([0, ""]);
        expect(renderedConfig(l, "gateway").deployment.role).toBe("data_plane");
        expect(curlCalls(host)).toBe("");
    });

    run("--probe: 0 while the DP Manager answers, 5 while it does not, 0 for a service with nothing to probe", () => {
        const host = prepareHost(prod, DP);
        const probe = (env: Record<string, string>) =>
            spawnSync(host.run, ["gateway", "--probe"], { env: { ...host.env, ...env } }).status;
        expect([probe({}), probe(DOWN)]).toEqual([0, 5]);
        const pinnedHost = prepareHost(pinned, DP);
        expect(spawnSync(pinnedHost.run, ["gateway", "--probe"], { env: { ...pinnedHost.env, ...DOWN } }).status).toBe(
            0,
        );
    });
});

describe("a rollout during an outage", () => {
    /** A host whose gateway is running in `mode`, the spec's generation. */
    function running(mode: "normal" | "standalone"): Host {
        const host = prepareHost(prod, DP);
        fs.mkdirSync(path.join(host.runRoot, "gateway"), { recursive: true });
        fs.writeFileSync(path.join(host.runRoot, "gateway", "mode"), `${mode}\n`);
        return host;
    }
    const apply = (host: Host, env: Record<string, string>) =>
        spawnSync(host.apply, ["gateway"], {
            encoding: "utf8",
            env: {
                ...host.env,
                FAKE_RUNNING_GENERATION: specOf(prod, `${DP}/gateway.json`).generation,
                ...env,
            },
        });
    const execOf = (host: Host) =>
        fs.existsSync(path.join(host.out, "exec"))
            ? fs.readFileSync(path.join(host.out, "exec"), "utf8").split("\0").slice(0, -1)
            : [];

    run("defers a connected gateway's reload, stopping the rollout with the reason", () => {
        const host = running("normal");
        const r = apply(host, DOWN);
        expect([r.status, r.stderr]).toEqual([
            1,
            "api7-apply: gateway: deferred: no DP Manager answers, and a reload or restart now would leave the " +
                "gateway without its configuration; run the rollout again once the control plane is back\n",
        ]);
        expect([execOf(host), systemctlCalls(host)]).toEqual([[], ""]);
    });

    run("reloads a connected gateway in place while the DP Manager answers", () => {
        const host = running("normal");
        const r = apply(host, {});
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(execOf(host)).toEqual(["api7-gateway", "apisix", "reload"]);
        expect(renderedConfig({ runDir: host.runRoot }, "gateway").deployment.role).toBe("traditional");
    });

    run("reloads a standalone gateway from the standalone config (its reload reads the export again)", () => {
        const host = running("standalone");
        const r = apply(host, DOWN);
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(execOf(host)).toEqual(["api7-gateway", "apisix", "reload"]);
        expect(renderedConfig({ runDir: host.runRoot }, "gateway").deployment.role).toBe("data_plane");
    });

    run("starts a gateway that is not running (api7-run then starts it standalone)", () => {
        const host = prepareHost(prod, DP);
        const r = spawnSync(host.apply, ["gateway"], { encoding: "utf8", env: { ...host.env, ...DOWN } });
        expect([r.status, r.stderr, systemctlCalls(host)]).toEqual([0, "", "restart api7@gateway.service\n"]);
    });
});
