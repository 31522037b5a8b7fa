/**
 * The API7 2.x stack on AWS (components/aws/stack-v2.ts), from the committed Pulumi.v2.yaml: the bars (three
 * etcd hosts in three AZs, dashboards on 9000, gateways on 80/443, 2379 and 2380 open to the named groups alone) and
 * what keeps the etcd cluster whole over time (one member per group and AZ, replaced terminate-first, never refreshed
 * by a template change, rolled one member at a time, its own interface and volume only).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { bootSteps } from "../components/aws/boot-budget";
import { awsV2StackOutputs } from "../components/outputs";
import { ROOT, runProgram, V2_STACK, type Recorded, type RunResult } from "../tools/harness";
import { groupOf, parameter, parseUserData, service, T } from "./helpers";

const TYPES = Object.freeze({
    eni: "aws:ec2/networkInterface:NetworkInterface",
    volume: "aws:ebs/volume:Volume",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    csr: "tls:index/certRequest:CertRequest",
    cert: "tls:index/locallySignedCert:LocallySignedCert",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
});

let run: RunResult;
beforeAll(async () => {
    run = await runProgram({ stack: V2_STACK });
});

const byId = (type: string, id: unknown): Recorded => {
    const found = run.ofType(type).find((r) => `${r.name}-id` === id);
    if (!found) throw new Error(`no ${type} with id ${String(id)}`);
    return found;
};
const members = () => ["etcd-1", "etcd-2", "etcd-3"].map((m) => ({ m, ...groupOf(run, `api7-etcd-${m}`) }));
const writeFile = (userData: string, path: string): string =>
    (parseUserData(userData).write_files as { path: string; content: string }[]).find((f) => f.path === path)!.content;

test("three etcd members, each the only host of its group, in three AZs", () => {
    const azs = members().map(({ asg }) => {
        expect(asg.inputs).toMatchObject({ minSize: 1, maxSize: 2, desiredCapacity: 1, healthCheckType: "EC2" });
        expect(asg.inputs.targetGroupArns).toEqual([]);
        expect(asg.inputs.vpcZoneIdentifiers).toHaveLength(1);
        return byId(T.subnet, asg.inputs.vpcZoneIdentifiers[0]).inputs.availabilityZone;
    });
    expect(azs).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
});

test("a member's host is replaced terminate-first and never by an instance refresh: its successor needs what it holds", () => {
    for (const { asg } of members()) {
        expect(asg.inputs.instanceMaintenancePolicy).toEqual({ minHealthyPercentage: 0, maxHealthyPercentage: 100 });
        expect(asg.inputs.instanceRefresh).toBeUndefined();
    }
    // The dashboards keep 3.x's launch-before-terminate.
    expect(groupOf(run, "api7-dashboards").asg.inputs.instanceMaintenancePolicy.minHealthyPercentage).toBe(100);
});

test("each member's user data names its own interface and volume, both in its AZ", () => {
    for (const { m, asg, userData } of members()) {
        const member = JSON.parse(writeFile(userData, "/etc/api7/etcd-member.json"));
        expect(member).toEqual({
            networkInterfaceId: `api7-etcd-${m}-id`,
            volumeId: `api7-etcd-${m}-data-id`,
            device: "/dev/sdf",
            mount: "/var/lib/etcd",
        });
        const az = byId(T.subnet, asg.inputs.vpcZoneIdentifiers[0]).inputs.availabilityZone;
        expect(byId(T.subnet, byId(TYPES.eni, member.networkInterfaceId).inputs.subnetId).inputs.availabilityZone).toBe(
            az,
        );
        expect(byId(TYPES.volume, member.volumeId).inputs).toMatchObject({
            availabilityZone: az,
            encrypted: true,
            type: "gp3",
            size: 20,
        });
    }
});

test("a member's role attaches its own interface and volume, to its own group's instances only", () => {
    const policy = JSON.parse(run.get(T.rolePolicy, "api7-etcd-etcd-2-permissions").inputs.policy);
    const attach = policy.Statement.find((s: any) => s.Sid === "AttachOwnInterfaceAndVolume");
    expect(attach.Resource.sort()).toEqual([
        "arn:aws:ec2:us-east-1:123456789012:network-interface/api7-etcd-etcd-2-id",
        "arn:aws:ec2:us-east-1:123456789012:volume/api7-etcd-etcd-2-data-id",
    ]);
    const instances = policy.Statement.find((s: any) => s.Sid === "ToOwnInstances");
    expect(instances.Resource).toBe("arn:aws:ec2:us-east-1:123456789012:instance/*");
    expect(instances.Condition).toEqual({ StringEquals: { "ec2:ResourceTag/api7-ha-group": "api7-ha-v2-etcd-2" } });
});

test("a new v2.clusterId reaches the members through their rollout (api7-etcd-auth runs again at each restart)", async () => {
    const admin = (r: RunResult) => JSON.parse(parameter(r, "/api7-ha/v2/etcd-1/secrets/etcd-admin").inputs.value);
    expect(admin(run).gatewayPrefix).toBe("/api7/4f2a9c7e1b");
    const other = await runProgram({ stack: V2_STACK, config: { "v2.clusterId": "c0ffee" } });
    expect(admin(other).gatewayPrefix).toBe("/api7/c0ffee");
    const command = (r: RunResult) => r.get(T.association, "api7-etcd-rollout").inputs.parameters.commands;
    expect(command(run)).toMatch(/^\/usr\/local\/sbin\/api7-etcd-admin rollout # parameters [0-9a-f]{16}$/);
    // The parameter is one of the group's secrets, whose versions the rollout's fingerprint carries (SSM gives the
    // updated parameter a new version; the mocks keep every version at 1, so the digest here cannot show it).
    expect(parameter(run, "/api7-ha/v2/etcd-1/secrets/etcd-admin").inputs.type).toBe("SecureString");
    // Not in the user data, which a change would not roll (no instance refresh for members).
    expect(groupOf(other, "api7-etcd-etcd-1").userData).toBe(groupOf(run, "api7-etcd-etcd-1").userData);
});

test("a member's launch hook outlasts its boot and api7-etcd-member's longest wait", () => {
    const script = fs.readFileSync(path.join(ROOT, "config-templates", "api7-etcd-member.sh"), "utf8");
    const wait = Number(script.match(/API7_ETCD_MEMBER_WAIT:-(\d+)/)![1]);
    const device = Number(script.match(/API7_ETCD_DEVICE_WAIT:-(\d+)/)![1]);
    const beforeMember = bootSteps("etcd")
        .slice(0, -1)
        .reduce((sum, step) => sum + step.seconds, 0);
    const hook = run.get("aws:autoscaling/lifecycleHook:LifecycleHook", "api7-etcd-etcd-1-launch-hook").inputs;
    // 180 s of boot, 240 s for the interface and the volume, 60 s for the device; etcd's own start after.
    expect([beforeMember, wait, device]).toEqual([180, 240, 60]);
    expect(hook.heartbeatTimeout).toBeGreaterThanOrEqual(beforeMember + wait + device + 30);
});

test("one rollout across the members, one host at a time; no member group rolls on its own", () => {
    const rollouts = run.ofType(T.association).filter((a) => a.inputs.associationName.includes("-etcd"));
    expect(rollouts.map((a) => [a.inputs.associationName, a.inputs.targets, a.inputs.maxConcurrency])).toEqual([
        ["api7-ha-v2-etcd-rollout", [{ key: "tag:api7-ha-rollout", values: ["api7-ha-v2-etcd"] }], "1"],
    ]);
    expect(rollouts[0].inputs.maxErrors).toBe("0");
    for (const { template } of members()) {
        const tags = template.inputs.tagSpecifications.find((t: any) => t.resourceType === "instance").tags;
        expect(tags["api7-ha-rollout"]).toBe("api7-ha-v2-etcd");
    }
});

test("every member's etcd lists all three members at their interfaces' addresses, TLS on both ports", () => {
    const { config, spec } = service(run, "/api7-ha/v2/etcd-1", "etcd");
    expect(config["initial-cluster"].split(",").map((e: string) => e.split("=")[0])).toEqual([
        "etcd-1",
        "etcd-2",
        "etcd-3",
    ]);
    expect(config["initial-cluster"]).toMatch(/^etcd-1=https:\/\/10\.98\.\d+\.\d+:2380,etcd-2=https:\/\//);
    expect(config["client-transport-security"]["client-cert-auth"]).toBe(true);
    expect(config["peer-transport-security"]["client-cert-auth"]).toBe(true);
    expect(spec.image).toBe("gcr.io/etcd-development/etcd:v3.5.33");
    expect(spec.command).toEqual(["/usr/local/bin/etcd", "--config-file", "/etc/etcd/etcd.yaml"]);
});

test("a member's server certificate names its interface's address; peers' and clients' name none", () => {
    const csr = (name: string) => run.get(TYPES.csr, name).inputs;
    expect(csr("api7-etcd-etcd-1").ipAddresses).toEqual([
        config1()["advertise-client-urls"].replace(/^https:\/\/|:2379$/g, ""),
    ]);
    expect(csr("api7-etcd-etcd-1-peer").ipAddresses ?? []).toEqual([]);
    expect(csr("api7-etcd-client-dashboard").subject).toEqual({ commonName: "api7-dashboard" });
    expect(csr("api7-etcd-client-gateway").subject).toEqual({ commonName: "api7-gateway" });
    expect(run.get(TYPES.cert, "api7-etcd-client-gateway").inputs.allowedUses).toEqual([
        "digital_signature",
        "key_encipherment",
        "client_auth",
    ]);
});
const config1 = () => service(run, "/api7-ha/v2/etcd-1", "etcd").config;

test("dashboards on 9000 behind their ALB, checked on GET /ping", () => {
    const dashboards = groupOf(run, "api7-dashboards");
    const [tgArn] = dashboards.asg.inputs.targetGroupArns;
    const tg = run.ofType(TYPES.targetGroup).find((t) => tgArn.endsWith(t.name + "/0001"))!;
    expect(tg.inputs).toMatchObject({ protocol: "HTTP", port: 9000 });
    expect(tg.inputs.healthCheck).toMatchObject({ path: "/ping", port: "9000", matcher: "200" });
    const { config } = service(run, "/api7-ha/v2/dashboard", "dashboard");
    expect(config.conf.listen.port).toBe(9000);
    expect(config.conf.etcd.endpoints).toHaveLength(3);
});

test("gateways on 80/443 behind the NLB, checked on the metrics port 9091", () => {
    const listeners = run.ofType(TYPES.listener).filter((l) => l.name.startsWith("api7-dp-lb"));
    expect(listeners.map((l) => [l.inputs.protocol, l.inputs.port]).sort()).toEqual([
        ["TCP", 443],
        ["TCP", 80],
    ]);
    const groups = run.ofType(TYPES.targetGroup).filter((t) => t.name.startsWith("api7-dp-lb"));
    expect(groups.map((t) => t.inputs.port).sort()).toEqual([443, 80]);
    for (const t of groups)
        expect(t.inputs.healthCheck).toMatchObject({
            protocol: "HTTP",
            port: "9091",
            path: "/apisix/prometheus/metrics",
        });
    const { config } = service(run, "/api7-ha/v2/gateway", "gateway");
    expect(config.apisix.node_listen).toEqual([80]);
    expect(config.etcd.prefix).toBe("/api7/4f2a9c7e1b");
    expect(config.etcd.host).toHaveLength(3);
});

test("2379 and 2380 are open to the dashboards, gateways and members alone; 0.0.0.0/0 to the gateways' listeners alone", () => {
    const groupName = (id: string) => byId(T.sg, id).name;
    const rules = run.ofType(T.ingress).map((r) => ({
        group: groupName(r.inputs.securityGroupId),
        from: r.inputs.fromPort,
        to: r.inputs.toPort,
        source: r.inputs.cidrIpv4 ?? groupName(r.inputs.referencedSecurityGroupId),
    }));
    const covers = (port: number) => rules.filter((r) => r.from <= port && port <= r.to);
    expect(
        covers(2379)
            .map((r) => [r.group, r.source])
            .sort(),
    ).toEqual([
        ["api7-v2-etcd", "api7-v2-cp"],
        ["api7-v2-etcd", "api7-v2-dp"],
        ["api7-v2-etcd", "api7-v2-etcd"],
    ]);
    expect(covers(2380).map((r) => [r.group, r.source])).toEqual([["api7-v2-etcd", "api7-v2-etcd"]]);
    expect(rules.filter((r) => r.source === "0.0.0.0/0").map((r) => [r.group, r.from])).toEqual(
        // Pulumi.v2.yaml leaves dataPlane.loadBalancer.clientCidrs at its default, 0.0.0.0/0.
        [
            ["api7-v2-dp-lb", 80],
            ["api7-v2-dp-lb", 443],
        ],
    );
    // Each member's interface carries the members' group (peers and clients reach it there).
    for (const m of ["etcd-1", "etcd-2", "etcd-3"])
        expect(run.get(TYPES.eni, `api7-etcd-${m}`).inputs.securityGroups).toEqual(["api7-v2-etcd-id"]);
});

test("snapshots: every member's timer at the interval, and an alarm after two intervals without one", () => {
    const { userData } = members()[0];
    const timer = writeFile(userData, "/etc/systemd/system/api7-etcd-snapshot.timer");
    expect(timer).toContain("OnUnitActiveSec=60min");
    const alarm = run.get(TYPES.alarm, "api7-alarms-etcd-snapshot-stale").inputs;
    expect([alarm.period * alarm.evaluationPeriods, alarm.treatMissingData]).toEqual([7200, "breaching"]);
});

test("without v2.clusterId no gateway host starts; the load balancer stays", async () => {
    const first = await runProgram({ stack: V2_STACK, config: { "v2.clusterId": undefined } });
    expect(first.ofType(T.asg).map((g) => g.name)).not.toContain("api7-gateways-group");
    expect(first.ofType(TYPES.lb).map((l) => l.name)).toContain("api7-dp-lb-nlb");
    expect(awsV2StackOutputs.parse(first.outputs).autoScalingGroups.gateways).toBeUndefined();
});

test("with etcd.auth false: no password anywhere, no auth unit", async () => {
    const open = await runProgram({ stack: V2_STACK, config: { "etcd.auth": false } });
    const names = open.ofType(T.parameter).map((p) => p.inputs.name as string);
    expect(names.filter((n) => /password/.test(n) && !n.endsWith("/admin-password"))).toEqual([]);
    const { userData } = groupOf(open, "api7-etcd-etcd-1");
    const paths = (parseUserData(userData).write_files as { path: string }[]).map((f) => f.path);
    expect(paths).not.toContain("/etc/systemd/system/api7-etcd-auth.service");
    expect(yaml.load(parameter(open, "/api7-ha/v2/gateway/gateway-config.yaml").inputs.insecureValue)).toMatchObject({
        etcd: { prefix: "/api7/4f2a9c7e1b" },
    });
});

test("its outputs parse as the 2.x outputs", () => {
    const outputs = awsV2StackOutputs.parse(run.outputs);
    expect(outputs.etcdEndpoints).toHaveLength(3);
    expect(outputs.autoScalingGroups.etcd).toHaveLength(3);
});
