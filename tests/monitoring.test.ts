import { runProgram, type RunResult } from "../tools/harness";
import { groupOf, parameter, pinned, service, T } from "./helpers";

let off: RunResult;
let dedicated: RunResult;
let colocated: RunResult;
beforeAll(async () => {
    off = await runProgram({ stack: "prod" });
    dedicated = await runProgram({ stack: "prod", config: { "prometheus.enabled": true } });
    colocated = await runProgram({
        stack: "prod",
        config: { "prometheus.enabled": true, "prometheus.placement": "controlPlane" },
    });
});

test("off: no Prometheus host, no exporter on the gateways, no Prometheus in the CP configs", () => {
    expect(off.ofType(T.asg).map((g) => g.name)).not.toContain("api7-prometheus-hosts-group");
    expect(service(off, "/api7-ha/prod/dp", "gateway").config.plugin_attr).toBeUndefined();
    expect(service(off, "/api7-ha/prod/cp", "dashboard").config.prometheus).toBeUndefined();
});

test("dedicated: one Prometheus 2.48 host, replaced when it fails, on its own security group, listening on 9090", () => {
    const { template, asg } = groupOf(dedicated, "api7-prometheus-hosts");
    expect(asg.inputs).toMatchObject({ minSize: 1, desiredCapacity: 1, maxSize: 2, healthCheckType: "ELB" });
    expect(template.inputs.networkInterfaces[0].securityGroups).toEqual(["api7-prometheus-id"]);
    const { spec } = service(dedicated, "/api7-ha/prod/prometheus", "prometheus");
    // Through prod's ECR cache of Docker Hub (images.source).
    expect(spec.image).toEqual(
        pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/prom/prometheus:v2.48.1"),
    );
    expect(spec.command).toEqual(
        expect.arrayContaining([
            "--config.file=/etc/prometheus/prometheus.yml",
            "--web.enable-remote-write-receiver",
            "--web.listen-address=0.0.0.0:9090",
        ]),
    );
    expect(spec.healthUrl).toBe("http://127.0.0.1:9090/-/healthy");
});

test("Prometheus scrapes the gateways' exporter (9091, /apisix/prometheus/metrics), found by stack and role tags", () => {
    const { config } = service(dedicated, "/api7-ha/prod/prometheus", "prometheus");
    const job = config.scrape_configs.find((j: any) => j.job_name === "api7-gateway");
    expect(job.metrics_path).toBe("/apisix/prometheus/metrics");
    const sd = job.ec2_sd_configs[0];
    expect(sd).toMatchObject({ region: "us-east-1", port: 9091 });
    expect(sd.filters).toEqual(
        expect.arrayContaining([
            { name: "tag:api7-ha:stack", values: ["prod"] },
            { name: "tag:api7-ha:role", values: ["dp"] },
        ]),
    );
    // The tags the gateways' instances are launched with.
    const instanceTags = groupOf(dedicated, "api7-dp-hosts").template.inputs.tagSpecifications.find(
        (t: any) => t.resourceType === "instance",
    ).tags;
    expect(instanceTags).toMatchObject({ "api7-ha:stack": "prod", "api7-ha:role": "dp" });
});

test("the gateways export metrics on 0.0.0.0:9091, leaving the control API's 127.0.0.1:9090 alone", () => {
    expect(service(dedicated, "/api7-ha/prod/dp", "gateway").config.plugin_attr).toEqual({
        prometheus: { export_addr: { ip: "0.0.0.0", port: 9091 } },
    });
});

test("the dashboard queries, and the DP Manager reports to, the Prometheus host through its internal NLB (a replaced host keeps the address)", () => {
    const url = dedicated.outputs.prometheusUrl as string;
    expect(url).toBe(`http://${dedicated.computed.find(([, p]) => p === "<api7-prometheus-nlb.dnsName>")![0]}:9090`);
    expect(dedicated.get("aws:lb/loadBalancer:LoadBalancer", "api7-prometheus-nlb").inputs).toMatchObject({
        loadBalancerType: "network",
        internal: true,
    });
    const tg = dedicated.get("aws:lb/targetGroup:TargetGroup", "api7-prometheus-tg").inputs;
    expect(tg).toMatchObject({
        protocol: "TCP",
        port: 9090,
        healthCheck: { protocol: "HTTP", path: "/-/healthy", port: "9090" },
    });
    expect(groupOf(dedicated, "api7-prometheus-hosts").asg.inputs.targetGroupArns).toEqual([
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-prometheus-tg/0001",
    ]);
    expect(service(dedicated, "/api7-ha/prod/cp", "dashboard").config.prometheus).toEqual({ addr: url });
    expect(service(dedicated, "/api7-ha/prod/cp", "dp-manager").config.prometheus).toEqual({ addr: url });
});

test("discovery needs ec2:DescribeInstances, which AWS cannot scope below *", () => {
    const policy = JSON.parse(dedicated.get(T.rolePolicy, "api7-prometheus-discovery").inputs.policy);
    expect(policy.Statement).toEqual([
        { Sid: "DiscoverGateways", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
    ]);
});

test("on the control plane: Prometheus runs beside the dashboard on every CP host, never on a gateway host", () => {
    expect(colocated.ofType(T.asg).map((g) => g.name)).not.toContain("api7-prometheus-hosts-group");
    expect(groupOf(colocated, "api7-cp-hosts").userData).toContain("api7@prometheus.service");
    expect(groupOf(colocated, "api7-dp-hosts").userData).not.toContain("prometheus");
    expect(parameter(colocated, "/api7-ha/prod/cp/prometheus-config.yaml").inputs.type).toBe("String");
    expect(service(colocated, "/api7-ha/prod/cp", "dashboard").config.prometheus).toEqual({
        addr: "http://127.0.0.1:9090",
    });
    // Discovery from the control-plane hosts: their role (not the gateways') may list instances, and nothing more.
    const discovery = colocated.get(T.rolePolicy, "api7-cp-discovery").inputs;
    expect(discovery.role).toBe(colocated.get("aws:iam/role:Role", "api7-cp-hosts-role").inputs.name);
    expect(discovery.role).toBe("api7-ha-prod-cp-hosts");
    expect(JSON.parse(discovery.policy).Statement).toEqual([
        { Sid: "DiscoverGateways", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
    ]);
    // No one address: each control-plane host serves its own on :9090 (README).
    expect(colocated.outputs.prometheusUrl).toBeUndefined();
});
