import { haFigures, renderReport, replacementFigures, spread, stackSettings } from "../scripts/ha-report";
import { bootSeconds, gracePeriodSeconds } from "../components/aws/boot-budget";
import { parseSettings } from "../components/config/load";
import { EXTERNAL_DSN, TEST_SECRETS } from "../tools/harness";

/** Settings from areas as the runtime holds them (JSON), plus the test secrets. */
function settingsWith(areas: Record<string, object>, secrets: Record<string, string> = {}) {
    const values: Record<string, string> = { ...TEST_SECRETS, ...secrets };
    for (const [area, settings] of Object.entries(areas)) values[area] = JSON.stringify(settings);
    return parseSettings({ values, secretKeys: new Set([...Object.keys(TEST_SECRETS), ...Object.keys(secrets)]) }, "t");
}

test("the arithmetic on known settings", () => {
    const f = haFigures(settingsWith({
        dataPlane: {
            healthCheck: { intervalSeconds: 10, timeoutSeconds: 4, healthyThreshold: 5, unhealthyThreshold: 3 },
            deregistrationDelaySeconds: 45,
            count: 5,
        },
        network: { availabilityZones: 3 },
    }));
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
    expect(haFigures(settingsWith({ fallback: { cronSpec: "*/5 * * * *" } })).fallbackExport).toBe("*/5 * * * * (at most 300 s between exports)");
    expect(haFigures(settingsWith({ fallback: { enabled: false } })).fallbackExport).toBeUndefined();
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
        expect(renderReport("prod", f)).toContain("| database tier survives an AZ loss | yes: the standby in another AZ takes over |");
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

describe("replacing a dead host (Auto Scaling groups)", () => {
    test("prod prints the time back to full capacity for gateways and control plane, from detection, the boot budget and the health check", () => {
        const f = haFigures(stackSettings("prod"));
        const gw = f.replacement.gateways;
        // prod: gateways unhealthy after 2 x 5 s + 3 s, healthy after 3 x 5 s.
        expect(gw.detectionSeconds).toBe(13);
        expect(gw.detectionSeconds).toBeLessThanOrEqual(15);
        expect(gw.healthySeconds).toBe(15);
        expect(gw.expectedSeconds).toBe(13 + bootSeconds("dp") + 15);
        expect(gw.worstCaseSeconds).toBe(13 + gracePeriodSeconds("dp", 15));
        expect(gw.worstCaseSeconds).toBeGreaterThanOrEqual(gw.expectedSeconds);
        const text = renderReport("prod", f);
        expect(text).toContain(`| gateways: a dead host is replaced, back to full capacity (expected) | ${gw.expectedSeconds} s |`);
        expect(text).toContain("| data plane hosts per AZ | 1 / 1 / 1 | its Auto Scaling group, balanced over 3 AZs |");
    });

    test("hosts.healthCheckGraceSeconds moves the worst case", () => {
        expect(replacementFigures("dp", { intervalSeconds: 5, timeoutSeconds: 3, healthyThreshold: 3, unhealthyThreshold: 2 }, 900).worstCaseSeconds).toBe(913);
    });

    test("ECR interface endpoints are priced per endpoint per AZ-hour; none, no row", () => {
        const s = stackSettings("prod");
        expect(haFigures(s).ecrEndpointsMonthlyUsd).toBeUndefined();
        const withEndpoints = { ...s, images: { ...s.images, ecrEndpoints: true } };
        expect(haFigures(withEndpoints).ecrEndpointsMonthlyUsd).toBeCloseTo(2 * 3 * 0.01 * 730);
        expect(renderReport("prod", haFigures(withEndpoints))).toContain("| ECR interface endpoints | about $43.80 a month |");
    });
});
