import { EXTERNAL_DATABASE, MTLS_SECRETS, runProgram, type RunResult } from "../tools/harness";
import { rulesOf, T } from "./helpers";

let prod: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
});

const rows = (run: RunResult, type: string, group: string) =>
    rulesOf(run, type, group)
        .map((r) => `${r.port} ${r.peer}`)
        .sort();

test("every rule is a separate resource with a description; no group has inline rules", () => {
    for (const rule of [...prod.ofType(T.ingress), ...prod.ofType(T.egress)]) {
        expect(rule.inputs.description?.length).toBeGreaterThan(10);
        expect(rule.inputs.ipProtocol).toBe("tcp");
    }
    for (const sg of prod.ofType(T.sg)) {
        expect(sg.inputs.ingress ?? []).toEqual([]);
        expect(sg.inputs.egress ?? []).toEqual([]);
    }
});

describe("the prod matrix", () => {
    test.each([
        ["api7-cp", T.ingress, ["7080 sg:api7-dashboard-lb", "7900 sg:api7-dpm-lb"]],
        ["api7-cp", T.egress, ["443 0.0.0.0/0", "5432 sg:api7-db"]],
        ["api7-db", T.ingress, ["5432 sg:api7-cp"]],
        ["api7-db", T.egress, []],
        ["api7-dp", T.ingress, ["7085 sg:api7-dp-lb", "9080 sg:api7-dp-lb", "9443 sg:api7-dp-lb"]],
        ["api7-dp", T.egress, ["1-65535 0.0.0.0/0", "443 0.0.0.0/0", "7900 sg:api7-dpm-lb"]],
        ["api7-dp-lb", T.ingress, ["443 0.0.0.0/0", "80 0.0.0.0/0"]],
        ["api7-dp-lb", T.egress, ["7085 sg:api7-dp", "9080 sg:api7-dp", "9443 sg:api7-dp"]],
        ["api7-dashboard-lb", T.ingress, ["7080 10.0.0.0/8"]],
        ["api7-dashboard-lb", T.egress, ["7080 sg:api7-cp"]],
        ["api7-dpm-lb", T.ingress, ["7900 sg:api7-dp"]],
        ["api7-dpm-lb", T.egress, ["7900 sg:api7-cp"]],
    ])("%s %s", (group, type, expected) => {
        expect(rows(prod, type, group)).toEqual(expected);
    });
});

test("the internet reaches only the gateways' listener ports", () => {
    const open = prod
        .ofType(T.ingress)
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0");
    expect(open.map((r) => `${r.inputs.securityGroupId} ${r.inputs.fromPort}`).sort()).toEqual([
        "api7-dp-lb-id 443",
        "api7-dp-lb-id 80",
    ]);
});

test("the managed database admits the control plane only, and the RDS instance is in that group alone", () => {
    const db = prod.ofType("aws:rds/instance:Instance")[0];
    expect(db.inputs.vpcSecurityGroupIds).toEqual(["api7-db-id"]);
    const toDb = [...prod.ofType(T.ingress), ...prod.ofType(T.egress)].filter(
        (r) => r.inputs.securityGroupId === "api7-db-id" || r.inputs.referencedSecurityGroupId === "api7-db-id",
    );
    expect(
        toDb
            .map(
                (r) =>
                    `${r.inputs.securityGroupId} ${r.inputs.fromPort} ${r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId}`,
            )
            .sort(),
    ).toEqual(["api7-cp-id 5432 api7-db-id", "api7-db-id 5432 api7-cp-id"]);
});

test("an external database: no database group; the egress follows the DSN's port and the configured CIDRs", async () => {
    const run = await runProgram({
        stack: "dev",
        config: { ...EXTERNAL_DATABASE.config, "database.externalCidrs": ["192.168.10.0/24"] },
        secrets: { databaseDsn: "postgres://u:p@db:6432/api7ee" },
    });
    expect(rows(run, T.egress, "api7-cp")).toEqual(["443 0.0.0.0/0", "6432 192.168.10.0/24"]);
    expect(run.ofType(T.sg).map((g) => g.name)).not.toContain("api7-db");
    expect(run.ofType("aws:rds/instance:Instance")).toEqual([]);
    const vpcDefault = await runProgram({
        stack: "dev",
        config: EXTERNAL_DATABASE.config,
        secrets: EXTERNAL_DATABASE.secrets,
    });
    expect(rows(vpcDefault, T.egress, "api7-cp")).toEqual(["443 0.0.0.0/0", "5432 10.81.0.0/16"]);
});

test("a MySQL 5.7 or OceanBase database: the control plane reaches 3306 or 2881 in the external CIDRs, and nothing else", async () => {
    for (const [dsn, port] of [
        ["mysql://api7:p@ss@tcp(mysql.internal:3306)/api7ee", 3306],
        ["mysql://root@tcp(oceanbase.internal:2881)/api7ee", 2881],
    ] as const) {
        const run = await runProgram({
            stack: "dev",
            config: { ...EXTERNAL_DATABASE.config, "database.externalCidrs": ["192.168.10.0/24"] },
            secrets: { databaseDsn: dsn },
        });
        expect(rows(run, T.egress, "api7-cp")).toEqual([`${port} 192.168.10.0/24`, "443 0.0.0.0/0"].sort());
        const rule = run.ofType(T.egress).find((r) => r.inputs.fromPort === port)!;
        expect([rule.name, rule.inputs.description]).toEqual([
            `api7-cp-out-postgres-${port}-192.168.10.0-24`,
            "MySQL or OceanBase (API7 database)",
        ]);
    }
});

test("with mTLS gateways get 7943 only; the DP Managers' NLB also reaches 7900 for health checks", async () => {
    const run = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls" },
        secrets: MTLS_SECRETS,
    });
    expect(rows(run, T.ingress, "api7-dpm-lb")).toEqual(["7943 sg:api7-dp"]);
    expect(rows(run, T.egress, "api7-dp").filter((r) => r.includes("sg:"))).toEqual(["7943 sg:api7-dpm-lb"]);
    expect(rows(run, T.ingress, "api7-cp").filter((r) => r.includes("dpm-lb"))).toEqual([
        "7900 sg:api7-dpm-lb",
        "7943 sg:api7-dpm-lb",
    ]);
});

test("TLS terminated at the NLB: nothing reaches the gateways' 9443", async () => {
    const run = await runProgram({
        stack: "dev",
        config: {
            "dataPlane.loadBalancer.httpsMode": "terminate",
            "dataPlane.loadBalancer.certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
        },
    });
    expect(rows(run, T.ingress, "api7-dp")).toEqual(["7085 sg:api7-dp-lb", "9080 sg:api7-dp-lb"]);
});

test("client CIDRs narrow the listener ports; admin CIDRs the dashboard", async () => {
    const run = await runProgram({
        stack: "dev",
        config: { "dataPlane.loadBalancer.clientCidrs": ["203.0.113.0/24"], "access.adminCidrs": ["2001:db8::/32"] },
    });
    expect(rows(run, T.ingress, "api7-dp-lb")).toEqual(["443 203.0.113.0/24", "80 203.0.113.0/24"]);
    const rule = run.ofType(T.ingress).find((r) => r.inputs.securityGroupId === "api7-dashboard-lb-id")!;
    expect(rule.inputs.cidrIpv6).toBe("2001:db8::/32");
    expect(rule.inputs.cidrIpv4).toBeUndefined();
});

test("no admin CIDRs: the dashboard's load balancer admits no one", async () => {
    const run = await runProgram({ stack: "dev", config: { "access.adminCidrs": [] } });
    expect(rows(run, T.ingress, "api7-dashboard-lb")).toEqual([]);
});

describe("Prometheus", () => {
    test("dedicated: 9090 from admins and the control plane through its internal NLB; it alone reaches the gateways' 9091", async () => {
        const run = await runProgram({ stack: "prod", config: { "prometheus.enabled": true } });
        expect(rows(run, T.ingress, "api7-prometheus-lb")).toEqual(["9090 10.0.0.0/8", "9090 sg:api7-cp"]);
        expect(rows(run, T.egress, "api7-prometheus-lb")).toEqual(["9090 sg:api7-prometheus"]);
        expect(rows(run, T.ingress, "api7-prometheus")).toEqual(["9090 sg:api7-prometheus-lb"]);
        expect(rows(run, T.egress, "api7-prometheus")).toEqual(["443 0.0.0.0/0", "9091 sg:api7-dp"]);
        expect(rows(run, T.ingress, "api7-dp").filter((r) => r.startsWith("9091"))).toEqual([
            "9091 sg:api7-prometheus",
        ]);
        expect(rows(run, T.egress, "api7-cp")).toContain("9090 sg:api7-prometheus-lb");
    });
    test("on the control plane: 9090 from admins on the CP group, 9091 from the CP group", async () => {
        const run = await runProgram({
            stack: "prod",
            config: { "prometheus.enabled": true, "prometheus.placement": "controlPlane" },
        });
        expect(run.ofType(T.sg).map((g) => g.name)).not.toContain("api7-prometheus");
        expect(rows(run, T.ingress, "api7-cp")).toContain("9090 10.0.0.0/8");
        expect(rows(run, T.ingress, "api7-dp").filter((r) => r.startsWith("9091"))).toEqual(["9091 sg:api7-cp"]);
    });
});
