import { runProgram, TEST_PEM, TEST_SECRETS, type RunResult } from "./harness";
import { rulesOf, T } from "./helpers";

let prod: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
});

const sorted = <R extends { port: string; peer: string }>(rows: R[]) => rows.map((r) => `${r.port} ${r.peer}`).sort();

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

test("control plane: dashboard only from admin CIDRs, DP Manager only from the gateways' group", () => {
    expect(sorted(rulesOf(prod, T.ingress, "api7-cp"))).toEqual(["7080 10.0.0.0/8", "7900 sg:api7-dp"]);
});

test("control plane egress: HTTPS out, PostgreSQL to the VPC (or the configured database CIDRs)", async () => {
    expect(sorted(rulesOf(prod, T.egress, "api7-cp"))).toEqual(["443 0.0.0.0/0", "5432 10.80.0.0/16"]);
    const run = await runProgram({ stack: "dev", config: { "controlPlane.databaseCidrs": ["192.168.10.0/24"] }, secrets: { ...TEST_SECRETS, "controlPlane.databaseDsn": "postgres://u:p@db:6432/api7ee" } });
    expect(sorted(rulesOf(run, T.egress, "api7-cp"))).toEqual(["443 0.0.0.0/0", "6432 192.168.10.0/24"]);
});

test("data plane egress: the DP Manager port on the control plane's group, HTTPS, and upstreams", () => {
    expect(sorted(rulesOf(prod, T.egress, "api7-dp"))).toEqual(["1-65535 0.0.0.0/0", "443 0.0.0.0/0", "7900 sg:api7-cp"]);
});

test("with mTLS only 7943 is opened between the planes, never 7900", async () => {
    const run = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls" },
        secrets: { "controlPlane.databaseDsn": TEST_SECRETS["controlPlane.databaseDsn"], "dataPlane.controlPlaneClientCert": TEST_PEM.cert, "dataPlane.controlPlaneClientKey": TEST_PEM.key, "dataPlane.controlPlaneCa": TEST_PEM.ca },
    });
    expect(sorted(rulesOf(run, T.ingress, "api7-cp")).filter((r) => r.includes("sg:"))).toEqual(["7943 sg:api7-dp"]);
    expect(sorted(rulesOf(run, T.egress, "api7-dp")).filter((r) => r.includes("sg:"))).toEqual(["7943 sg:api7-cp"]);
});

test("no admin CIDRs: the dashboard has no ingress rule at all", async () => {
    const run = await runProgram({ stack: "dev", config: { "access.adminCidrs": [] } });
    expect(rulesOf(run, T.ingress, "api7-cp").filter((r) => r.port === "7080")).toEqual([]);
});

test("IPv6 admin ranges become cidrIpv6 rules", async () => {
    const run = await runProgram({ stack: "dev", config: { "access.adminCidrs": ["2001:db8::/32"] } });
    const rule = run.ofType(T.ingress).find((r) => r.inputs.fromPort === 7080)!;
    expect(rule.inputs.cidrIpv6).toBe("2001:db8::/32");
    expect(rule.inputs.cidrIpv4).toBeUndefined();
});
