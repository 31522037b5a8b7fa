/**
 * A host and its Auto Scaling lifecycle (config-templates/api7-lifecycle.sh, api7-lifecycle.service), run for real on
 * a "host" (tests/host-run.ts) whose fake curl answers IMDS's autoscaling/target-lifecycle-state as a list of states,
 * one per call. Why a fake here: AWS's IMDS mock (aws/amazon-ec2-metadata-mock v1.13.0, pkg/mock/asglifecycle) serves
 * only InService and then Terminated, never a Warmed:* state; the real tier runs it for those two. The hook's
 * completion is the fake aws's: moto 5.1.18 does not implement CompleteLifecycleAction.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runProgram, type RunResult } from "../tools/harness";
import { needing, parseUserData } from "./helpers";
import { prepareHost as inService, specOf, systemctlCalls, userDataOf, type Host } from "./host-run";

const run = needing(["bash", "jq"]);
const CP = "/api7-ha/prod/cp";

let prod: RunResult;
let dev: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    dev = await runProgram({ stack: "dev" });
});

/** A new host of `prefix`, not marked in service yet (tests/host-run.ts marks its hosts in service). */
function prepareHost(evaluation: RunResult, prefix: string): Host {
    const host = inService(evaluation, prefix);
    fs.rmSync(path.join(host.runRoot, "in-service"));
    return host;
}

/** The systemd units a group's user data writes, by file name. */
function userDataUnits(evaluation: RunResult, prefix: string): Record<string, string> {
    const units: Record<string, string> = {};
    for (const f of parseUserData(userDataOf(evaluation, prefix)).write_files as { path: string; content: string }[])
        if (f.path.startsWith("/etc/systemd/system/")) units[path.basename(f.path)] = f.content;
    return units;
}

const read = (host: Host, file: string) =>
    fs.existsSync(path.join(host.out, file)) ? fs.readFileSync(path.join(host.out, file), "utf8") : "";
/** api7-lifecycle on `host`, polling every 50 ms; stopped after `timeout` ms (a wait that must not end). */
const lifecycle = (host: Host, env: Record<string, string>, args: string[] = [], timeout = 20000) =>
    spawnSync(host.lifecycle, args, {
        encoding: "utf8",
        env: { ...host.env, API7_LIFECYCLE_POLL: "0.05", ...env },
        timeout,
    });
const check = (host: Host) => spawnSync(host.lifecycle, ["--check"], { encoding: "utf8", env: host.env });
const COMPLETE =
    "complete-lifecycle-action --region us-east-1 --lifecycle-hook-name api7-launch --auto-scaling-group-name " +
    "api7-dp-hosts-group-fake --instance-id i-0fake00000000001 --lifecycle-action-result CONTINUE\n";
const FIND_GROUP =
    "describe-auto-scaling-instances --region us-east-1 --instance-ids i-0fake00000000001 --query " +
    "AutoScalingInstances[0].AutoScalingGroupName --output text\n";

describe("a host of a group with a warm pool (prod's control plane)", () => {
    run(
        "every API7 unit, the bootstrap's and the timers' services start only on a host in service (ExecCondition)",
        () => {
            const cp = userDataUnits(prod, CP);
            expect(Object.keys(cp).sort()).toEqual([
                "api7-bootstrap.service",
                "api7-db-rotation.service",
                "api7-db-rotation.timer",
                "api7-lifecycle.service",
                "api7@.service",
            ]);
            const condition = /^ExecCondition=\/usr\/local\/sbin\/api7-lifecycle --check$/m;
            for (const unit of ["api7@.service", "api7-bootstrap.service", "api7-db-rotation.service"])
                expect([unit, condition.test(cp[unit])]).toEqual([unit, true]);
            expect(userDataUnits(prod, "/api7-ha/prod/dp")["api7-outage-watch@.service"]).toMatch(condition);
            expect(cp["api7-lifecycle.service"]).not.toMatch(/ExecCondition/);
        },
    );

    run(
        "warming: pulls every image side by side, completes the hook once, starts nothing; then, headed for service, starts the services and the bootstrap, and completes it again",
        () => {
            const host = prepareHost(prod, CP);
            expect(check(host).status).toBe(1);
            const r = lifecycle(host, { FAKE_LIFECYCLE: "Warmed:Stopped,Warmed:Stopped,Warmed:Stopped,InService" });
            expect([r.status, r.error]).toEqual([0, undefined]);
            const images = ["dashboard", "dp-manager"].map((svc) => specOf(prod, `${CP}/${svc}.json`).image as string);
            expect(read(host, "pulls").trim().split("\n").sort()).toEqual([...images].sort());
            expect(read(host, "autoscaling")).toBe(FIND_GROUP + COMPLETE + FIND_GROUP + COMPLETE);
            expect(systemctlCalls(host)).toBe(
                "start api7@dashboard.service\nstart api7@dp-manager.service\nstart --no-block api7-bootstrap.service\n",
            );
            // Nothing started before the mark: the services' start came after the last warm answer.
            expect(r.stderr).toMatch(
                /^api7-lifecycle: warming \(Warmed:Stopped\): pulling the images; no service starts until the host is headed for service\n/,
            );
            expect(r.stderr).toContain("api7-lifecycle: headed for service; starting dashboard dp-manager\n");
            expect(check(host).status).toBe(0);
        },
    );

    run("a warm host kept running starts no API7 service while it stays warm, and its units' condition fails", () => {
        const host = prepareHost(prod, CP);
        // It would wait for as long as it is warm: stopped after 3 s.
        const r = lifecycle(host, { FAKE_LIFECYCLE: "Warmed:Running" }, [], 3000);
        expect(r.error).toMatchObject({ code: "ETIMEDOUT" });
        expect(systemctlCalls(host)).toBe("");
        // Prepared and completed once, however many checks followed.
        expect(read(host, "autoscaling")).toBe(FIND_GROUP + COMPLETE);
        // Asked again and again (at least twice, however loaded the machine).
        expect(read(host, "curl").match(/target-lifecycle-state/g)!.length).toBeGreaterThanOrEqual(2);
        const c = check(host);
        expect([c.status, c.stderr]).toEqual([
            1,
            "api7-lifecycle: not started: this host is not headed for service yet (journalctl -u api7-lifecycle)\n",
        ]);
    });

    run("a pull that fails is tried again before the hook is completed: no host is stopped half-prepared", () => {
        const host = prepareHost(prod, CP);
        const r = lifecycle(host, { FAKE_LIFECYCLE: "Warmed:Stopped", FAKE_PULL_DOWN: "1" }, [], 3000);
        expect(r.error).toMatchObject({ code: "ETIMEDOUT" });
        expect(read(host, "autoscaling")).toBe("");
        // Tried again (three refusals or more for two images), never completed, nothing started.
        expect(r.stderr.split("api7-run: cannot pull").length - 1).toBeGreaterThanOrEqual(3);
        expect(systemctlCalls(host)).toBe("");
    });

    run(
        "headed for service at once (a cold launch): images pulled side by side, then the services started; none pending is said",
        () => {
            const host = prepareHost(prod, CP);
            const r = lifecycle(host, { FAKE_NO_LIFECYCLE_ACTION: "1" });
            expect(r.status).toBe(0);
            expect(read(host, "pulls").trim().split("\n")).toHaveLength(2);
            expect(systemctlCalls(host)).toContain("start api7@dashboard.service\n");
            expect(r.stderr).toContain(
                "api7-lifecycle: no lifecycle action pending for i-0fake00000000001 in api7-dp-hosts-group-fake\n",
            );
        },
    );

    run("a host leaving (Terminated) starts nothing", () => {
        const host = prepareHost(prod, CP);
        const r = lifecycle(host, { FAKE_LIFECYCLE: "Terminated" });
        expect([r.status, r.stderr]).toEqual([0, "api7-lifecycle: headed for Terminated: starting nothing\n"]);
        expect([systemctlCalls(host), check(host).status]).toEqual(["", 1]);
    });

    run("with no target lifecycle state from IMDS (404), a warm-pool host waits: it never starts unprepared", () => {
        const host = prepareHost(prod, CP);
        const r = lifecycle(host, { API7_LIFECYCLE_WAIT: "0", FAKE_LIFECYCLE: "404" }, [], 2000);
        expect(r.error).toMatchObject({ code: "ETIMEDOUT" });
        expect(systemctlCalls(host)).toBe("");
    });
});

describe("a host of a group without a warm pool (dev)", () => {
    run(
        "with no answer from IMDS it starts its services once the wait is over (not before), and completes the hook",
        () => {
            const host = prepareHost(dev, "/api7-ha/dev/dp");
            const started = Date.now();
            // Bash's SECONDS counts whole seconds: a wait of 2 lasts from 1 to 2 s.
            const r = lifecycle(host, { API7_LIFECYCLE_WAIT: "2", FAKE_LIFECYCLE: "404" });
            expect(r.status).toBe(0);
            expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
            expect(r.stderr).toMatch(
                /^api7-lifecycle: IMDS gives no target lifecycle state after 2 s; starting the services\n/,
            );
            expect(systemctlCalls(host)).toBe("start api7@gateway.service\n");
            // Every group has the hook: its hosts complete it.
            expect(read(host, "autoscaling")).toBe(FIND_GROUP + COMPLETE);
        },
    );

    run("a service that will not start abandons the launch: Auto Scaling replaces the host", () => {
        const host = prepareHost(dev, "/api7-ha/dev/dp");
        const r = lifecycle(host, { FAKE_SYSTEMCTL_FAIL: "start" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("api7-lifecycle: could not start gateway; abandoning this launch\n");
        expect(read(host, "autoscaling")).toBe(FIND_GROUP + COMPLETE.replace("CONTINUE", "ABANDON"));
    });

    run(
        "api7-run --pull: the image by tag when it is not on the host, nothing when it is, no container started",
        () => {
            const host = prepareHost(dev, "/api7-ha/dev/dp");
            const image = specOf(dev, "/api7-ha/dev/dp/gateway.json").image as string;
            expect(image).not.toContain("@sha256:");
            const pull = (env: Record<string, string> = {}) =>
                spawnSync(host.run, ["gateway", "--pull"], { encoding: "utf8", env: { ...host.env, ...env } }).status;
            expect([pull(), read(host, "pulls")]).toEqual([0, `${image}\n`]);
            expect([pull({ FAKE_IMAGE_PRESENT: "1" }), read(host, "pulls")]).toEqual([0, `${image}\n`]);
            expect(pull({ FAKE_PULL_DOWN: "1" })).toBe(1);
            expect(fs.existsSync(path.join(host.out, "args"))).toBe(false);
        },
    );

    run(
        "api7-apply on a host not in service (warm, or at its first boot) applies nothing and waits for nothing",
        () => {
            const host = prepareHost(dev, "/api7-ha/dev/dp");
            const r = spawnSync(host.apply, ["gateway"], { encoding: "utf8", env: host.env });
            expect([r.status, r.stderr]).toEqual([
                0,
                "api7-apply: this host is not in service (api7-lifecycle): its services read their configuration when they start\n",
            ]);
            expect([systemctlCalls(host), read(host, "curl")]).toEqual(["", ""]);
        },
    );

    run("--check takes no other argument, and api7-lifecycle none at all", () => {
        const host = prepareHost(dev, "/api7-ha/dev/dp");
        for (const args of [["--check", "x"], ["--now"]]) {
            const r = spawnSync(host.lifecycle, args, { encoding: "utf8", env: host.env });
            expect([r.status, r.stderr]).toEqual([2, "usage: api7-lifecycle [--check]\n"]);
        }
    });
});
