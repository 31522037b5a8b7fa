/**
 * A gateway host through a control-plane outage (config-templates/api7-run.sh, api7-apply.sh), run for real on a
 * "host" (tests/host-run.ts) whose fake curl answers the DP Manager's GET /version as the gateway's startup expects,
 * or fails as curl does when nothing listens (FAKE_DPM_DOWN). What API7's gateway does meanwhile, by its startup
 * code (apache/apisix apisix/cli/etcd.lua init_etcd @f519a0f0, the public fork matching API7's docs): a start with no
 * DP Manager answering exits ("all etcd nodes are unavailable"), and a reload re-reads what it cannot reach.
 */
import { spawn, spawnSync } from "child_process";
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

/** The host's curl calls but those to IMDS (api7-run asks it the instance id that names the container's log stream). */
const curlCalls = (host: Host) =>
    fs.existsSync(path.join(host.out, "curl"))
        ? fs
              .readFileSync(path.join(host.out, "curl"), "utf8")
              .split("\n")
              .filter((call) => !call.includes("http://169.254.169.254/"))
              .join("\n")
        : "";
const modeOf = (host: Host) => fs.readFileSync(path.join(host.runRoot, "gateway", "mode"), "utf8");
/** The host's mode history (state directory, kept across reboots), its times checked against the test's clock. */
function modeHistory(host: Host, since: number): string[] {
    const file = path.join(host.env.API7_STATE_DIR!, "gateway", "modes");
    return fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => {
            const [at, mode] = line.split(" ");
            expect(Number(at)).toBeGreaterThanOrEqual(since);
            expect(Number(at)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
            return mode;
        });
}

describe("a gateway starting during an outage", () => {
    run("starts standalone from the last export, says so, and keeps no control-plane credential", () => {
        const host = prepareHost(prod, DP);
        const l = launch(prod, DP, "gateway", { host, env: DOWN });
        const endpoint = specOf(prod, `${DP}/gateway.json`).outage.endpoints[0];
        expect(endpoint).toMatch(/^http:\/\/.+:7900$/);
        expect([l.status, l.stderr]).toEqual([
            0,
            `api7-run: no DP Manager answers at ${endpoint} (GET /version, twice, 5 s each); starting gateway standalone from the last export\n`,
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
        // Asked twice, a second apart, before it counts as not answering.
        expect(curlCalls(host)).toBe(`-fsS --max-time 5 ${endpoint}/version\n`.repeat(2));
        // The export was there: both buckets listed, with the reader's key.
        const exported = specOf(prod, `${DP}/gateway.json`).outage.export;
        const listed = fs.readFileSync(path.join(host.out, "s3"), "utf8").trim().split("\n");
        expect(listed).toEqual(
            [exported.configBucket, exported.resourceBucket].map(
                (bucket) =>
                    `AKIAMOCK17997899 list-objects-v2 --region us-east-1 --bucket ${bucket} --max-items 1 ` +
                    "--query Contents[0].Key --output text",
            ),
        );
    });

    run("a mode history that cannot be written is said, and the gateway still starts", () => {
        const host = prepareHost(prod, DP);
        // Where the new history is written stands a directory: the write fails as on a full disk.
        fs.mkdirSync(path.join(host.env.API7_STATE_DIR!, "gateway", "modes.new"), { recursive: true });
        const l = launch(prod, DP, "gateway", { host, env: DOWN });
        expect(l.status).toBe(0);
        expect(l.stderr).toContain(
            `api7-run: gateway: cannot record the mode in ${host.env.API7_STATE_DIR}/gateway/modes\n`,
        );
        expect(l.dockerArgs).toEqual(expect.arrayContaining(["--label", "api7-ha.mode=standalone"]));
    });

    run("does not start without an export to serve (an empty gateway would pass its health check)", () => {
        const host = prepareHost(prod, DP);
        const l = launch(prod, DP, "gateway", { host, env: { ...DOWN, FAKE_EXPORT_MISSING: "1" } });
        const { configBucket, resourceBucket } = specOf(prod, `${DP}/gateway.json`).outage.export;
        expect([l.status, l.dockerArgs]).toEqual([1, undefined]);
        expect(l.stderr).toMatch(
            new RegExp(
                `no export can be read in s3://${configBucket} and s3://${resourceBucket} to start gateway standalone from; not starting it\n$`,
            ),
        );
    });

    run("starts connected when the DP Manager answers, its token as environment; the history keeps 50 starts", () => {
        const host = prepareHost(prod, DP);
        const history = path.join(host.env.API7_STATE_DIR!, "gateway", "modes");
        fs.mkdirSync(path.dirname(history), { recursive: true });
        const old = Array.from({ length: 55 }, (_, i) => `${1_700_000_000 + i} standalone`);
        fs.writeFileSync(history, `${old.join("\n")}\n`);
        const l = launch(prod, DP, "gateway", { host });
        expect([l.status, l.stderr]).toEqual([0, ""]);
        expect(renderedConfig(l, "gateway").deployment.role).toBe("traditional");
        expect(l.dockerEnv.API7_CONTROL_PLANE_TOKEN).toBe(GATEWAY_TOKEN);
        expect(l.dockerArgs).toEqual(expect.arrayContaining(["--label", "api7-ha.mode=normal"]));
        expect(modeOf(host)).toBe("normal\n");
        const kept = fs.readFileSync(history, "utf8").split("\n");
        expect([kept.length, kept[0], kept[48], kept[50]]).toEqual([51, old[6], old[54], ""]);
        expect(kept[49]).toMatch(/^\d{10} normal$/);
    });

    run("with mTLS the probe connects as the gateway does: its certificate, key and CA, the DP Manager's name", () => {
        const host = prepareHost(mtls, "/api7-ha/dev/dp");
        const l = launch(mtls, "/api7-ha/dev/dp", "gateway", { host });
        expect([l.status, l.stderr]).toEqual([0, ""]);
        const run = path.join(host.runRoot, "gateway");
        const lb = "api7-cp-lb-dpm-79683.elb.us-east-1.amazonaws.com";
        const call = curlCalls(host);
        // The PEMs in a directory of this probe's own (a watch, a start and a rollout may probe at once).
        const probe = /--cert (\S+)\/cert /.exec(call)![1];
        expect(path.dirname(probe)).toBe(run);
        expect(path.basename(probe)).toMatch(/^probe\.\w{6}$/);
        expect(call).toBe(
            `-fsS --max-time 5 --cert ${probe}/cert --key ${probe}/key --cacert ${probe}/ca ` +
                `--connect-to api7ee3-dp-manager:7943:${lb}:7943 https://api7ee3-dp-manager:7943/version\n`,
        );
        // Written for the probe only, then removed.
        expect(fs.readdirSync(run).filter((f) => f.startsWith("probe"))).toEqual([]);
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

describe("a gateway started standalone watches the control plane (api7-run --watch, every 30 s)", () => {
    const spec = () => specOf(prod, `${DP}/gateway.json`);
    const read = (host: Host, file: string) =>
        fs.existsSync(path.join(host.out, file)) ? fs.readFileSync(path.join(host.out, file), "utf8") : "";
    const lock = (host: Host) => path.join(host.params, spec().outage.lockParameter);
    /** A host whose gateway started during an outage, the fakes' records cleared after. */
    function startedStandalone(): Host {
        const host = prepareHost(prod, DP);
        expect(launch(prod, DP, "gateway", { host, env: DOWN }).status).toBe(0);
        for (const f of fs.readdirSync(host.out)) fs.rmSync(path.join(host.out, f));
        return host;
    }
    const watch = (host: Host, env: Record<string, string> = {}) =>
        spawnSync(host.run, ["gateway", "--watch"], {
            encoding: "utf8",
            env: { ...host.env, FAKE_SYSTEMD_START: "1", API7_WAIT_POLL: "0.05", API7_SERVE_TIMEOUT: "10", ...env },
        });
    const metrics = (host: Host) =>
        read(host, "metrics")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { MetricName: string; Value: number; Dimensions: unknown[] }[]);

    run("returns after reconnectAfterChecks answered checks: out of both target groups, restarted, back in", () => {
        const since = Math.floor(Date.now() / 1000);
        const host = startedStandalone();
        const checks = spec().outage.reconnectAfterChecks;
        expect(checks).toBe(4);
        for (let i = 1; i < checks; i++) {
            const r = watch(host);
            expect([r.status, r.stderr, modeOf(host), read(host, "events")]).toEqual([0, "", "standalone\n", ""]);
        }
        // Each check published both metrics, per host and per group.
        const dims = { Stack: "prod", GatewayGroup: "default" };
        expect(metrics(host)[0]).toEqual(
            [{ ...dims, InstanceId: "i-0fake00000000001" }, dims].flatMap((d) => {
                const dimensions = Object.entries(d).map(([Name, Value]) => ({ Name, Value }));
                return [
                    { MetricName: "ControlPlaneReachable", Value: 1, Unit: "None", Dimensions: dimensions },
                    { MetricName: "Standalone", Value: 1, Unit: "None", Dimensions: dimensions },
                ];
            }),
        );

        const returned = watch(host);
        expect(returned.status).toBe(0);
        expect(returned.stderr).toBe(
            `api7-run: gateway: the DP Manager answered ${checks} checks in a row; returning to the control plane, ` +
                "leaving the load balancer first\napi7-run: gateway: back in the load balancer, normal\n",
        );
        // Out of both groups, drained (ELB says `unused`), restarted, back in both and in service there before the
        // lock is given back.
        expect(read(host, "events").split("\n")).toEqual([
            "elbv2 deregister-targets",
            "elbv2 deregister-targets",
            "elbv2 wait",
            "elbv2 describe-target-health",
            "elbv2 wait",
            "elbv2 describe-target-health",
            "systemctl restart api7@gateway.service",
            "elbv2 register-targets",
            "elbv2 register-targets",
            "elbv2 wait",
            "elbv2 wait",
            "",
        ]);
        expect(read(host, "elbv2")).toContain(
            `wait target-in-service --region us-east-1 --target-group-arn ${spec().outage.targetGroupArns[0]} ` +
                "--targets Id=i-0fake00000000001\n",
        );
        // Connected means its configuration loaded: GET /status/ready, not GET /status.
        expect(curlCalls(host)).toContain("-fsS -o /dev/null --max-time 2 http://127.0.0.1:7085/status/ready\n");
        const [http, https] = spec().outage.targetGroupArns;
        expect(read(host, "elbv2")).toContain(
            `deregister-targets --region us-east-1 --target-group-arn ${http} --targets Id=i-0fake00000000001\n`,
        );
        expect(read(host, "elbv2")).toContain(
            `wait target-deregistered --region us-east-1 --target-group-arn ${https} --targets Id=i-0fake00000000001\n`,
        );
        expect(modeOf(host)).toBe("normal\n");
        // Each start in the history the drill reads (npm run drill -- <stack> control-plane --gateway ...).
        expect(modeHistory(host, since)).toEqual(["standalone", "normal"]);
        expect(renderedConfig({ runDir: host.runRoot }, "gateway").deployment.role).toBe("traditional");
        // The lock was taken (the fake aws keeps every put) and given back.
        expect(fs.readFileSync(path.join(host.params, ".argv"), "utf8")).toContain(
            `ssm put-parameter --region us-east-1 --name ${spec().outage.lockParameter} --type String`,
        );
        expect(fs.existsSync(lock(host))).toBe(false);
    });

    run("a flapping control plane: an unanswered check starts the count again", () => {
        const host = startedStandalone();
        // Checks 1-2 answered, 3 not (both of its tries), 4-7 answered (and the restart's probe after).
        const env = { FAKE_DPM_ANSWERS: "110011111" };
        for (let i = 1; i <= 6; i++) expect([watch(host, env).status, read(host, "events")]).toEqual([0, ""]);
        expect(modeOf(host)).toBe("standalone\n");
        expect(watch(host, env).status).toBe(0);
        expect(modeOf(host)).toBe("normal\n");
    });

    run(
        "one gateway of a group at a time: another's lock makes this one wait; a lock left 2 hours ago is cleared",
        () => {
            const host = startedStandalone();
            fs.mkdirSync(path.dirname(lock(host)), { recursive: true });
            const now = Math.floor(Date.now() / 1000);
            fs.writeFileSync(lock(host), `ip-10-80-1-7:${now}`);
            for (let i = 1; i < 4; i++) watch(host);
            const waiting = watch(host);
            expect([waiting.status, waiting.stderr, read(host, "events")]).toEqual([
                0,
                "api7-run: gateway: another gateway (ip-10-80-1-7) is returning to the control plane; this one waits\n",
                "",
            ]);
            expect(fs.readFileSync(lock(host), "utf8")).toBe(`ip-10-80-1-7:${now}`);

            fs.writeFileSync(lock(host), `ip-10-80-1-7:${now - 7201}`);
            expect(watch(host).status).toBe(0);
            expect(fs.existsSync(lock(host))).toBe(false);
            expect(watch(host).stderr).toContain("back in the load balancer, normal");
        },
    );

    run("a return that does not come back connected goes back to standalone, in the load balancer again", () => {
        const host = startedStandalone();
        // Four answered checks, then the restart's own probe is not answered: api7-run starts it standalone.
        const r = (() => {
            for (let i = 1; i < 4; i++) watch(host, { FAKE_DPM_ANSWERS: "11110" });
            return watch(host, { FAKE_DPM_ANSWERS: "11110" });
        })();
        expect(r.status).toBe(0);
        expect(r.stderr).toContain("api7-run: gateway: not connected and ready after 10 s; back to standalone\n");
        expect(r.stderr).toContain("api7-run: gateway: back in the load balancer, standalone\n");
        expect(
            read(host, "events")
                .split("\n")
                .filter((e) => e.startsWith("elbv2 register")),
        ).toHaveLength(2);
        expect(modeOf(host)).toBe("standalone\n");
        expect(read(host, "journal")).toContain("did not come back connected and healthy; starting it standalone");
        expect(fs.existsSync(lock(host))).toBe(false);
    });

    run(
        "its own lock (a return this instance did not finish) is removed, and the return goes on at the next check",
        () => {
            const host = startedStandalone();
            fs.mkdirSync(path.dirname(lock(host)), { recursive: true });
            fs.writeFileSync(lock(host), `i-0fake00000000001:${Math.floor(Date.now() / 1000)}`);
            for (let i = 1; i < 4; i++) watch(host);
            expect(watch(host).stderr).toBe(
                "api7-run: gateway: removing a reconnect lock left by i-0fake00000000001\n",
            );
            expect(fs.existsSync(lock(host))).toBe(false);
            expect(watch(host).stderr).toContain("back in the load balancer, normal");
        },
    );

    run(
        "a target still draining when the waiter gives up: no restart; back in the load balancer, the lock given back",
        () => {
            const host = startedStandalone();
            for (let i = 1; i < 4; i++) watch(host);
            const r = watch(host, { FAKE_TARGET_STATE: "draining" });
            expect(r.status).toBe(1);
            expect(r.stderr).toContain(
                `api7-run: gateway: still draining in ${spec().outage.targetGroupArns[0]}; not restarting\n`,
            );
            const events = read(host, "events").split("\n");
            expect(events).not.toContain("systemctl restart api7@gateway.service");
            expect(events.filter((e) => e === "elbv2 register-targets")).toHaveLength(2);
            expect([modeOf(host), fs.existsSync(lock(host))]).toEqual(["standalone\n", false]);
        },
    );

    run("target groups a killed return left are rejoined at the next check, in any mode", () => {
        const host = prepareHost(prod, DP);
        expect(launch(prod, DP, "gateway", { host }).status).toBe(0);
        const pending = path.join(String(host.env.API7_STATE_DIR), "gateway", "rejoin");
        fs.writeFileSync(pending, `${spec().outage.targetGroupArns.join("\n")}\n`);
        expect(watch(host).status).toBe(0);
        expect(read(host, "elbv2")).toBe(
            spec()
                .outage.targetGroupArns.map(
                    (tg: string) =>
                        `register-targets --region us-east-1 --target-group-arn ${tg} --targets Id=i-0fake00000000001\n`,
                )
                .join(""),
        );
        expect(fs.existsSync(pending)).toBe(false);
    });

    run("an instance Auto Scaling is terminating rejoins nothing (IMDS target lifecycle state)", () => {
        const host = prepareHost(prod, DP);
        expect(launch(prod, DP, "gateway", { host }).status).toBe(0);
        const pending = path.join(String(host.env.API7_STATE_DIR), "gateway", "rejoin");
        fs.writeFileSync(pending, `${spec().outage.targetGroupArns.join("\n")}\n`);
        expect(watch(host, { FAKE_LIFECYCLE: "Terminated" }).status).toBe(0);
        expect([read(host, "elbv2"), fs.existsSync(pending)]).toEqual(["", false]);
    });

    run("a rollout waits for a return in progress (the same lock), then says so instead of reloading", () => {
        const host = startedStandalone();
        const held = path.join(host.runRoot, "gateway", "switch.lock");
        // A return holds the lock: flock(1) on the same file, for longer than the rollout waits.
        const ready = path.join(host.out, "locked");
        // In a process group of its own, killed whole after: an orphaned sleep would hold jest's pipes open.
        const holder = spawn("flock", [held, "sh", "-c", `touch ${ready}; exec sleep 90`], {
            stdio: "ignore",
            detached: true,
        });
        try {
            while (!fs.existsSync(ready)) spawnSync("sleep", ["0.05"]);
            const r = spawnSync(host.apply, ["gateway"], {
                encoding: "utf8",
                env: { ...host.env, FAKE_RUNNING_GENERATION: spec().generation, API7_APPLY_LOCK_SECONDS: "1" },
            });
            expect([r.status, r.stderr]).toEqual([
                1,
                "api7-apply: gateway: a return to the control plane is in progress; run the rollout again once it ends\n",
            ]);
        } finally {
            process.kill(-holder.pid!, "SIGKILL");
        }
    });

    run("a connected gateway only reports: reachable or not, never standalone, never leaves", () => {
        const host = prepareHost(prod, DP);
        expect(launch(prod, DP, "gateway", { host }).status).toBe(0);
        for (const env of [{}, DOWN]) expect(watch(host, env).status).toBe(0);
        const values = metrics(host).map((m) => m.filter((x) => x.Dimensions.length === 3).map((x) => x.Value));
        expect(values).toEqual([
            [1, 0],
            [0, 0],
        ]);
        expect([read(host, "events"), modeOf(host)]).toEqual(["", "normal\n"]);
    });
});
