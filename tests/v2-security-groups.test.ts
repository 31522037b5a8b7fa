/**
 * The API7 2.x security groups (components/aws/v2-security-groups.ts), evaluated alone under the Pulumi SDK's mocks
 * (pulumi.runtime.setMocks): the rules it registers, as EC2 would hold them, with settings of its own (the whole
 * stack's rules, from Pulumi.v2.yaml: tests/stack-v2.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}
const registered: Registered[] = [];

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                registered.push({ type: a.type, name: a.name, inputs: a.inputs });
                return { id: `${a.name}-id`, state: a.inputs };
            },
            call: (a) => a.inputs,
        },
        "api7-ha",
        "legacy",
        false,
    );
    const { SecurityGroupsV2 } = await import("../components/aws/v2-security-groups");
    const sgs = new SecurityGroupsV2("api7", {
        vpcId: "vpc-0123456789abcdef0",
        adminCidrs: ["10.0.0.0/8"],
        clientCidrs: ["0.0.0.0/0"],
        gatewayListenerPorts: [80, 443],
        dashboardListenerPort: 80,
        upstreamCidrs: ["0.0.0.0/0"],
    });
    await new Promise<void>((resolve) => sgs.etcd.id.apply(() => resolve()));
    // Registration is asynchronous: wait until no rule arrives for a moment.
    let count = -1;
    while (count !== registered.length) {
        count = registered.length;
        await new Promise((r) => setTimeout(r, 50));
    }
});

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
/** A rule as [group, port range, peer]: the group and a peer group by their names. */
const describe = (r: Registered) => [
    String(r.inputs.securityGroupId).replace(/-id$/, ""),
    r.inputs.fromPort === r.inputs.toPort ? r.inputs.fromPort : `${r.inputs.fromPort}-${r.inputs.toPort}`,
    r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6 ?? String(r.inputs.referencedSecurityGroupId).replace(/-id$/, ""),
];
/** Rules in a stable order (registration order is the SDK's). */
const sorted = (rs: Registered[]) =>
    rs
        .map(describe)
        .sort(
            (a, b) =>
                `${a[0]}`.localeCompare(`${b[0]}`) ||
                parseInt(`${a[1]}`) - parseInt(`${b[1]}`) ||
                `${a[2]}`.localeCompare(`${b[2]}`),
        );
const covers = (r: Registered, port: number) => r.inputs.fromPort <= port && port <= r.inputs.toPort;

test("2379 is open to the dashboards, the gateways and the members only; 2380 to the members only", () => {
    const ingress = registered.filter((r) => r.type === INGRESS);
    expect(sorted(ingress.filter((r) => covers(r, 2379)))).toEqual([
        ["api7-etcd", 2379, "api7-cp"],
        ["api7-etcd", 2379, "api7-dp"],
        ["api7-etcd", 2379, "api7-etcd"],
    ]);
    expect(sorted(ingress.filter((r) => covers(r, 2380)))).toEqual([["api7-etcd", 2380, "api7-etcd"]]);
    // The members send to members only, on 2379 and 2380, besides HTTPS.
    expect(
        sorted(registered.filter((r) => r.type === EGRESS && String(r.inputs.securityGroupId) === "api7-etcd-id")),
    ).toEqual([
        ["api7-etcd", 443, "0.0.0.0/0"],
        ["api7-etcd", 2379, "api7-etcd"],
        ["api7-etcd", 2380, "api7-etcd"],
    ]);
});

test("nothing is open to 0.0.0.0/0 or ::/0 but the gateways' listeners", () => {
    const open = registered.filter(
        (r) => r.type === INGRESS && (r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0"),
    );
    expect(sorted(open)).toEqual([
        ["api7-dp-lb", 80, "0.0.0.0/0"],
        ["api7-dp-lb", 443, "0.0.0.0/0"],
    ]);
});

test("the dashboards take 9000 from their load balancer alone, the gateways 80, 443 and 9091 from theirs", () => {
    const into = (group: string) =>
        sorted(registered.filter((r) => r.type === INGRESS && r.inputs.securityGroupId === `${group}-id`));
    expect(into("api7-cp")).toEqual([["api7-cp", 9000, "api7-dashboard-lb"]]);
    expect(into("api7-dp")).toEqual([
        ["api7-dp", 80, "api7-dp-lb"],
        ["api7-dp", 443, "api7-dp-lb"],
        ["api7-dp", 9091, "api7-dp-lb"],
    ]);
    expect(into("api7-dashboard-lb")).toEqual([["api7-dashboard-lb", 80, "10.0.0.0/8"]]);
});
