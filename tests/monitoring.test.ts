import { runProgram, type RunResult } from "./harness";
import { hostsOf, parameter, service, T } from "./helpers";

let off: RunResult;
let dedicated: RunResult;
let colocated: RunResult;
beforeAll(async () => {
    off = await runProgram({ stack: "prod" });
    dedicated = await runProgram({ stack: "prod", config: { "prometheus.enabled": true } });
    colocated = await runProgram({ stack: "prod", config: { "prometheus.enabled": true, "prometheus.placement": "controlPlane" } });
});

test("off: no Prometheus host, no exporter on the gateways, no Prometheus in the CP configs", () => {
    expect(hostsOf(off, "api7-prometheus-hosts")).toEqual([]);
    expect(service(off, "/api7-ha/prod/dp", "gateway").config.plugin_attr).toBeUndefined();
    expect(service(off, "/api7-ha/prod/cp", "dashboard").config.prometheus).toBeUndefined();
});

test("dedicated: one Prometheus 2.48 host, on its own group, listening on 9090", () => {
    const hosts = hostsOf(dedicated, "api7-prometheus-hosts");
    expect(hosts).toHaveLength(1);
    const [host] = hosts;
    expect(host.inputs.vpcSecurityGroupIds).toEqual(["api7-prometheus-id"]);
    const { spec } = service(dedicated, "/api7-ha/prod/prometheus", "prometheus");
    expect(spec.image).toBe("prom/prometheus:v2.48.1");
    expect(spec.command).toEqual(expect.arrayContaining(["--config.file=/etc/prometheus/prometheus.yml", "--web.enable-remote-write-receiver", "--web.listen-address=0.0.0.0:9090"]));
    expect(spec.healthUrl).toBe("http://127.0.0.1:9090/-/healthy");
});

test("Prometheus scrapes the gateways' exporter (9091, /apisix/prometheus/metrics), found by stack and role tags", () => {
    const { config } = service(dedicated, "/api7-ha/prod/prometheus", "prometheus");
    const job = config.scrape_configs.find((j: any) => j.job_name === "api7-gateway");
    expect(job.metrics_path).toBe("/apisix/prometheus/metrics");
    const sd = job.ec2_sd_configs[0];
    expect(sd).toMatchObject({ region: "us-east-1", port: 9091 });
    expect(sd.filters).toEqual(expect.arrayContaining([{ name: "tag:api7-ha:stack", values: ["prod"] }, { name: "tag:api7-ha:role", values: ["dp"] }]));
    const gateway = hostsOf(dedicated, "api7-dp-hosts")[0];
    expect(gateway.inputs.tags).toMatchObject({ "api7-ha:stack": "prod", "api7-ha:role": "dp" });
});

test("the gateways export metrics on 0.0.0.0:9091, leaving the control API's 127.0.0.1:9090 alone", () => {
    expect(service(dedicated, "/api7-ha/prod/dp", "gateway").config.plugin_attr).toEqual({ prometheus: { export_addr: { ip: "0.0.0.0", port: 9091 } } });
});

test("the dashboard queries, and the DP Manager reports to, the Prometheus host", () => {
    const url = dedicated.outputs.prometheusUrl as string;
    expect(url).toMatch(/^http:\/\/10\.\d+\.\d+\.\d+:9090$/);
    expect(service(dedicated, "/api7-ha/prod/cp", "dashboard").config.prometheus).toEqual({ addr: url });
    expect(service(dedicated, "/api7-ha/prod/cp", "dp-manager").config.prometheus).toEqual({ addr: url });
});

test("discovery needs ec2:DescribeInstances, which AWS cannot scope below *", () => {
    const policy = JSON.parse(dedicated.get(T.rolePolicy, "api7-prometheus-discovery").inputs.policy);
    expect(policy.Statement).toEqual([{ Sid: "DiscoverGateways", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }]);
});

test("on the control plane: Prometheus runs beside the dashboard on every CP host, never on a gateway host", () => {
    expect(hostsOf(colocated, "api7-prometheus-hosts")).toEqual([]);
    const cpUserData = hostsOf(colocated, "api7-cp-hosts")[0].inputs.userData as string;
    expect(cpUserData).toContain("api7@prometheus.service");
    for (const gw of hostsOf(colocated, "api7-dp-hosts")) expect(gw.inputs.userData).not.toContain("prometheus");
    expect(parameter(colocated, "/api7-ha/prod/cp/prometheus-config.yaml").inputs.type).toBe("String");
    expect(service(colocated, "/api7-ha/prod/cp", "dashboard").config.prometheus).toEqual({ addr: "http://127.0.0.1:9090" });
    expect(colocated.get(T.rolePolicy, "api7-cp-discovery")).toBeDefined();
    expect(colocated.outputs.prometheusUrl).toEqual((colocated.outputs.controlPlanePrivateIps as string[]).map((ip) => `http://${ip}:9090`));
});
