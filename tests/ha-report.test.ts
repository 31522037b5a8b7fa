import { spawnSync } from "child_process";
import * as path from "path";
import {
    haFigures,
    renderReport,
    replacementFigures,
    reportFailure,
    spread,
    stackReport,
    labFigures,
    renderLabReport,
    stackSettings,
} from "../scripts/ha-report";
import { bootSeconds, gracePeriodSeconds } from "../components/aws/boot-budget";
import { renderEtcdReport } from "../scripts/etcd-report";
import { ConfigError, parseSettings } from "../components/config/load";
import { EXTERNAL_DSN, ROOT, TEST_SECRETS } from "../tools/harness";

/** Settings from areas as the runtime holds them (JSON), plus the test secrets. */
function settingsWith(areas: Record<string, object>, secrets: Record<string, string> = {}) {
    const values: Record<string, string> = { ...TEST_SECRETS, ...secrets };
    for (const [area, settings] of Object.entries(areas)) values[area] = JSON.stringify(settings);
    return parseSettings({ values, secretKeys: new Set([...Object.keys(TEST_SECRETS), ...Object.keys(secrets)]) }, "t");
}

test("the arithmetic on known settings", () => {
    const f = haFigures(
        settingsWith({
            dataPlane: {
                healthCheck: { intervalSeconds: 10, timeoutSeconds: 4, healthyThreshold: 5, unhealthyThreshold: 3 },
                deregistrationDelaySeconds: 45,
                count: 5,
            },
            network: { availabilityZones: 3 },
        }),
    );
    expect(f.detectionSeconds).toBe(3 * 10 + 4);
    expect(f.rejoinSeconds).toBe(5 * 10);
    expect(f.drainSeconds).toBe(45);
    expect(f.hostsPerAz).toEqual({ "control plane": [1, 1, 0], "data plane": [2, 2, 1] });
});

test("round-robin spread", () => {
    expect(spread(2, 2)).toEqual([1, 1]);
    expect(spread(3, 2)).toEqual([2, 1]);
    expect(spread(7, 3)).toEqual([3, 2, 2]);
});

test("prod detects a dead gateway within 15 s, with a healthy threshold of at least 2", () => {
    const f = haFigures(stackSettings("prod"));
    expect(f.detectionSeconds).toBeLessThanOrEqual(15);
    expect(f.healthyThreshold).toBeGreaterThanOrEqual(2);
    expect(Object.values(f.hostsPerAz).every((perAz) => perAz.length >= 2)).toBe(true);
});

test("the fallback export interval is shown when the stack exports", () => {
    expect(haFigures(settingsWith({ fallback: { cronSpec: "*/5 * * * *" } })).fallbackExport).toBe(
        "*/5 * * * * (at most 300 s between exports)",
    );
    expect(haFigures(settingsWith({ fallback: { enabled: false } })).fallbackExport).toBeUndefined();
    // Business hours: the longest wait is from Friday 17:55 to Monday 09:00, 63 h 5 min.
    expect(haFigures(settingsWith({ fallback: { cronSpec: "*/5 9-17 * * 1-5" } })).fallbackExport).toBe(
        "*/5 9-17 * * 1-5 (at most 227100 s between exports)",
    );
});

test("the rendered report names each figure and its value", () => {
    const text = renderReport("prod", haFigures(stackSettings("prod")));
    expect(text).toContain("| dead gateway leaves rotation (worst case) | 13 s |");
    expect(text).toContain("| data plane hosts per AZ | 1 / 1 / 1 |");
    expect(text).toContain("| fallback export interval | @every 1m (at most 60 s between exports) |");
});

describe("the database tier", () => {
    test("prod: a Multi-AZ standby, failing over in the 60-120 s AWS documents, so an AZ loss leaves the database up", () => {
        const f = haFigures(stackSettings("prod"));
        expect(f.database).toEqual({ kind: "managed", failover: "60-120 s", survivesAzLoss: true });
        expect(renderReport("prod", f)).toContain("| database failover (RDS Multi-AZ) | 60-120 s |");
        expect(renderReport("prod", f)).toContain(
            "| database tier survives an AZ loss | yes: the standby in another AZ takes over |",
        );
    });

    test("dev: single-AZ, no failover, does not survive an AZ loss", () => {
        const f = haFigures(stackSettings("dev"));
        expect(f.database).toEqual({ kind: "managed", survivesAzLoss: false });
        expect(renderReport("dev", f)).toContain("| database tier survives an AZ loss | no:");
    });

    test("an external database: the report does not pretend to know", () => {
        const f = haFigures(settingsWith({ database: { kind: "external" } }, { databaseDsn: EXTERNAL_DSN }));
        expect(f.database).toEqual({ kind: "external" });
        expect(renderReport("x", f)).toContain("| database failover | not known");
    });
});

describe("gateways through a control-plane outage", () => {
    test("prod prints how soon a gateway started during one serves, how old its data is, and how soon it is back", () => {
        const text = renderReport("prod", haFigures(stackSettings("prod")));
        // prod: one DP Manager endpoint asked twice, 5 s each, a second apart (api7-run), two S3 listings (4 s, an
        // estimate), the gateway's start (60 s in the boot budget), healthy after 3 x 5 s.
        expect(text).toContain(
            "| control plane down: a gateway started meanwhile serves the last export (worst case, once its host " +
                "runs) | 90 s | probe 11 s + export check 4 s + start the gateway and load its configuration 60 s + " +
                "healthy 15 s (the start is an estimate: components/aws/boot-budget.ts) |",
        );
        // prod exports every minute (fallback.cronSpec @every 1m).
        expect(text).toContain(
            "| control plane down: the configuration a standalone gateway serves is at most this old | 60 s before " +
                "the outage began | the fallback export schedule's longest gap |",
        );
        // 4 answered checks 30 s apart, 30 s of draining, seen drained at the waiter's next 15 s poll, the start,
        // in service after 3 x 5 s.
        expect(text).toContain(
            "| control plane back: a standalone gateway serves connected again (the first; each further one waits " +
                "for the one before: one at a time) | 240 s | answered checks 120 s + drain 30 s + seen drained 15 s + " +
                "start the gateway and load its configuration 60 s + in service 15 s |",
        );
    });

    test("no such rows where gateways cannot ride through one: pinned standalone, or no export", () => {
        const prod = stackSettings("prod");
        for (const s of [
            { ...prod, dataPlane: { ...prod.dataPlane, mode: "standalone" as const } },
            { ...prod, fallback: { ...prod.fallback, enabled: false } },
        ])
            expect(renderReport("prod", haFigures(s))).not.toContain("control plane down");
    });
});

describe("replacing a dead host (Auto Scaling groups)", () => {
    test("prod prints the time back to full capacity for gateways and control plane, from detection, the boot budget and the health check", () => {
        const f = haFigures(stackSettings("prod"));
        const gw = f.replacement.gateways;
        // prod: gateways unhealthy after 2 x 5 s + 3 s, healthy after 3 x 5 s.
        expect(gw.detectionSeconds).toBe(13);
        expect(gw.detectionSeconds).toBeLessThanOrEqual(15);
        expect(gw.healthySeconds).toBe(15);
        expect(gw.expectedSeconds).toBe(13 + bootSeconds("dp") + 15);
        // The grace period starts once the host has started its services and completed its launch hook: after the
        // launch, the install and the pull (60 + 90 + 120 s).
        expect(gw.worstCaseSeconds).toBe(13 + 270 + gracePeriodSeconds("dp", 15));
        expect(gw.worstCaseSeconds).toBeGreaterThanOrEqual(gw.expectedSeconds);
        const text = renderReport("prod", f);
        expect(text).toContain(
            `| gateways: a dead host is replaced, back to full capacity (expected) | ${gw.expectedSeconds} s |`,
        );
        expect(text).toContain("| data plane hosts per AZ | 1 / 1 / 1 | its Auto Scaling group, balanced over 3 AZs |");
    });

    test("hosts.healthCheckGraceSeconds moves the worst case", () => {
        expect(
            replacementFigures(
                "dp",
                { intervalSeconds: 5, timeoutSeconds: 3, healthyThreshold: 3, unhealthyThreshold: 2 },
                900,
            ).worstCaseSeconds,
        ).toBe(13 + 270 + 900);
    });

    test("ECR interface endpoints are priced per endpoint per AZ-hour; none, no row", () => {
        const s = stackSettings("prod");
        expect(haFigures(s).ecrEndpointsMonthlyUsd).toBeUndefined();
        const withEndpoints = { ...s, images: { ...s.images, ecrEndpoints: true } };
        expect(haFigures(withEndpoints).ecrEndpointsMonthlyUsd).toBeCloseTo(2 * 3 * 0.01 * 730);
        expect(renderReport("prod", haFigures(withEndpoints))).toContain(
            "| ECR interface endpoints | about $43.80 a month |",
        );
    });
});

describe("warm pools", () => {
    test("prod: a dead gateway is replaced from the warm pool within 120 s, printed beside the cold figure, with the pool's monthly cost", () => {
        const text = renderReport("prod", haFigures(stackSettings("prod")));
        // Gateways: detection 2 x 5 s + 3 s, a stopped host started and booted in 30 s (estimate), the gateway's
        // start 60 s (the boot budget's last step), healthy after 3 x 5 s: 118 s, against 358 s cold.
        expect(text).toContain(
            "| gateways: back to full capacity from the warm pool (worst case by the budget) | 118 s | detection 13 s + " +
                "start the stopped host and boot 30 s + start the gateway and load its configuration 60 s + healthy 15 s",
        );
        expect(text).toContain("| gateways: a dead host is replaced, back to full capacity (expected) | 358 s |");
        // Control plane: detection 2 x 10 s + 5 s, 30 s, the services' start 120 s, healthy 2 x 10 s.
        expect(text).toContain(
            "| control plane: back to full capacity from the warm pool (worst case by the budget) | 195 s |",
        );
        // One host per role, its 80 GiB gp3 volume at $0.08 per GB-month.
        expect(text).toContain("| gateways: warm pool | 1 host(s) kept Stopped, about $6.40 a month |");
        expect(text).toContain("| control plane: warm pool | 1 host(s) kept Stopped, about $6.40 a month |");
    });

    test("a hibernated pool resumes faster; a running one starts no instance and says its hours are not priced; none, no rows", () => {
        const s = stackSettings("prod");
        const withPool = (state: "Hibernated" | "Running") =>
            renderReport("prod", haFigures({ ...s, dataPlane: { ...s.dataPlane, warmPool: { size: 2, state } } }));
        expect(withPool("Hibernated")).toContain(
            "| gateways: back to full capacity from the warm pool (worst case by the budget) | 108 s | detection 13 s + " +
                "resume the hibernated host 20 s",
        );
        expect(withPool("Running")).toContain(
            "| gateways: back to full capacity from the warm pool (worst case by the budget) | 88 s |",
        );
        expect(withPool("Running")).toContain(
            "| gateways: warm pool | 2 host(s) kept Running, about $12.80 a month | 2 x hosts.rootVolumeGiB x " +
                "$0.08/GB-month gp3 (us-east-1, unconfirmed) + the instances' hours (not priced here) |",
        );
        expect(renderReport("dev", haFigures(stackSettings("dev")))).not.toContain("warm pool");
    });
});

describe("the Docker lab (deploy.target docker)", () => {
    // Pulumi.lab.yaml sets only deploy.target, so the lab runs the schema's defaults: gateway checks every 30 s,
    // timeout 10 s, healthy and unhealthy thresholds 3; the control plane's checks every 10 s, timeout 5 s, thresholds
    // 2; HAProxy's `timeout check` is the smaller of the two timeouts (config-templates/haproxy.cfg): 5 s.
    const text = stackReport("lab");

    test("prints no AWS figure: no Auto Scaling group, host install, RDS, AZ or ELB setting", () => {
        expect(text).not.toMatch(/Auto Scaling|dnf|RDS|Multi-AZ|\bAZs?\b|deregistration|ECR|boot-budget|cloud-init/);
    });

    test("prints what the lab has: HAProxy's checks, the containers on one engine, Docker's restart policy, one PostgreSQL", () => {
        expect(text).toContain('HA report for stack "lab" (the Docker lab)');
        expect(text).toContain(
            "| dead gateway leaves HAProxy's rotation (worst case) | 95 s | fall (3) x inter (30 s) + timeout " +
                "check (5 s) |",
        );
        expect(text).toContain("| recovered gateway rejoins | 90 s | rise (3) x inter (30 s) |");
        expect(text).toContain(
            "| dead control-plane node leaves rotation (worst case) | 25 s | fall (2) x inter (10 s) + timeout " +
                "check (5 s) |",
        );
        expect(text).toContain(
            "| containers | 2 gateways, 2 control-plane nodes (dashboard + DP Manager each), 1 HAProxy, 1 PostgreSQL |",
        );
        expect(text).toContain("| survives the loss of its machine | no: every container runs on one Docker engine |");
        expect(text).toContain(
            "| a container that exits | Docker starts it again (restart: unless-stopped); one stopped with " +
                "`docker stop` stays stopped until `docker start` or the next `pulumi up` |",
        );
        expect(text).toContain(
            "| an unhealthy container | reported by its Docker healthcheck, not restarted: restart policies act " +
                "when a container exits |",
        );
        expect(text).toContain(
            "| load balancer | one HAProxy container, no standby: while it is down or restarting, nothing " +
                "reaches the gateways or the dashboard |",
        );
        expect(text).toContain(
            "| database | one PostgreSQL container, its data on a Docker volume: no standby, no failover |",
        );
        expect(text).toContain("| fallback export | none: the lab runs no fallback export |");
    });
});

test("a lab on MySQL (lab.database mysql) reports its MySQL container", () => {
    const settings = stackSettings("lab");
    const text = renderLabReport("lab", labFigures({ ...settings, lab: { ...settings.lab, database: "mysql" } }));
    expect(text).toContain("1 HAProxy, 1 MySQL |");
    expect(text).toContain("| database | one MySQL container, its data on a Docker volume: no standby, no failover |");
    expect(text).not.toContain("PostgreSQL");
});

describe("an unknown stack", () => {
    const message = 'no stack "nosuch": there is no Pulumi.nosuch.yaml (stacks here: dev, lab, prod, v2)';

    test("stackSettings names the stack and the stacks there are", () => {
        expect(() => stackSettings("nosuch")).toThrow(message);
    });

    test("`npm run report -- nosuch` prints that one line, no stack trace, and exits 66 (EX_NOINPUT)", () => {
        const run = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "tsx"),
            [path.join(ROOT, "scripts", "ha-report.ts"), "nosuch"],
            { encoding: "utf8", cwd: ROOT },
        );
        expect(run.error).toBeUndefined();
        expect(run.stderr.trim()).toBe(`npm run report: ${message}`);
        expect(run.stdout).toBe("");
        expect(run.status).toBe(66);
    });
});

describe("a stack file the program refuses", () => {
    test("ends with the problems, named by config key, and 65 (EX_DATAERR); anything else keeps its stack trace", () => {
        const refused = new ConfigError(["dataPlane.count = 0: must be at least 2"], "prod");
        expect(reportFailure(refused)).toEqual({
            code: 65,
            message:
                "npm run report: api7-ha: stack prod has 1 configuration problem (set a setting with `pulumi " +
                "config set --path <key> <value>`, a secret with `pulumi config set --secret <key> " +
                "<value>`):\n  - dataPlane.count = 0: must be at least 2",
        });
        expect(reportFailure(new TypeError("x is undefined"))).toBeUndefined();
    });
});

describe("an API7 2.x stack (deploy.generation 2.x)", () => {
    const v2 = (etcd: Record<string, unknown>) =>
        settingsWith({
            deploy: { generation: "2.x" },
            network: { availabilityZones: 3 },
            images: { source: "registry", registry: "111122223333.dkr.ecr.us-east-1.amazonaws.com/api7" },
            etcd,
        });

    test("reports its etcd cluster's quorum, snapshots and replacement times", () => {
        const text = renderEtcdReport("legacy", v2({ members: 5, snapshotIntervalMinutes: 30 }));
        // A member: 2 x 60 s of status checks, 60 + 90 + 30 s of boot before etcd starts (launch, packages, image),
        // then a grace of those plus 90 s to start, rounded up to whole minutes (270 -> 300 s): 600 s, 10 min.
        expect(text).toContain("| an etcd member replaced, at worst | 10 min |");
        expect(text).toContain("| etcd members | 5 over 3 AZs, at most 2 in one |");
        expect(text).toContain("| quorum | 3 of 5 |");
        expect(text).toContain("| members lost with reads and writes going on | 2 |");
        expect(text).toContain("| an AZ lost | quorum kept |");
        expect(text).toContain("| snapshots | every 30 min, by the leader; none without a quorum |");
        expect(text).toContain("| no snapshot alarm | after 60 min |");
        expect(text).not.toMatch(/DP Manager|RDS|gateway group/);
    });

    test("three members: one may be lost", () => {
        const text = renderEtcdReport("legacy", v2({}));
        expect(text).toContain("| quorum | 2 of 3 |");
        expect(text).toContain("| members lost with reads and writes going on | 1 |");
    });
});
