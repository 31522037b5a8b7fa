import { subnetCidr } from "../components/aws/cidr";
import { runProgram, type RunResult } from "../tools/harness";
import { groupOf, T } from "./helpers";

describe("subnetCidr (cidrsubnet)", () => {
    test.each([
        ["10.80.0.0/16", 4, 0, "10.80.0.0/20"],
        ["10.80.0.0/16", 4, 1, "10.80.16.0/20"],
        ["10.80.0.0/16", 4, 8, "10.80.128.0/20"],
        ["10.80.0.0/22", 4, 15, "10.80.3.192/26"],
    ])("%s + %i bits, block %i = %s", (cidr, bits, index, expected) => {
        expect(subnetCidr(cidr, bits, index)).toBe(expected);
    });
    test("an index past the split is an error", () => {
        expect(() => subnetCidr("10.80.0.0/16", 4, 16)).toThrow(/does not fit/);
    });
});

describe("created VPC", () => {
    let prod: RunResult;
    let dev: RunResult;
    beforeAll(async () => {
        [prod, dev] = [await runProgram({ stack: "prod" }), await runProgram({ stack: "dev" })];
    });

    test("prod: one private and one public subnet in each of 3 AZs, carved from the VPC CIDR", () => {
        expect(prod.get(T.vpc, "api7-vpc").inputs.cidrBlock).toBe("10.80.0.0/16");
        const rows = prod
            .ofType(T.subnet)
            .map((s) => [s.name, s.inputs.cidrBlock, s.inputs.availabilityZone])
            .sort();
        expect(rows).toEqual([
            ["api7-private-0", "10.80.0.0/20", "us-east-1a"],
            ["api7-private-1", "10.80.16.0/20", "us-east-1b"],
            ["api7-private-2", "10.80.32.0/20", "us-east-1c"],
            ["api7-public-0", "10.80.128.0/20", "us-east-1a"],
            ["api7-public-1", "10.80.144.0/20", "us-east-1b"],
            ["api7-public-2", "10.80.160.0/20", "us-east-1c"],
        ]);
        expect(prod.ofType(T.subnet).every((s) => s.inputs.mapPublicIpOnLaunch !== true)).toBe(true);
    });

    test("prod: a NAT gateway per AZ, each private route table through its own AZ's NAT", () => {
        const nats = prod.ofType(T.natGateway);
        expect(nats.map((n) => n.inputs.subnetId).sort()).toEqual([
            "api7-public-0-id",
            "api7-public-1-id",
            "api7-public-2-id",
        ]);
        for (const i of [0, 1, 2]) {
            expect(prod.get(T.routeTable, `api7-private-${i}`).inputs.routes).toEqual([
                { cidrBlock: "0.0.0.0/0", natGatewayId: `api7-nat-${i}-id` },
            ]);
        }
    });

    test("dev: two AZs and a single NAT gateway shared by both private subnets", () => {
        expect(dev.ofType(T.subnet)).toHaveLength(4);
        expect(dev.ofType(T.natGateway)).toHaveLength(1);
        for (const i of [0, 1]) {
            expect(dev.get(T.routeTable, `api7-private-${i}`).inputs.routes[0].natGatewayId).toBe("api7-nat-0-id");
        }
    });

    test("S3 gateway endpoint on every private route table", () => {
        const endpoint = prod.get(T.vpcEndpoint, "api7-s3").inputs;
        expect(endpoint.vpcEndpointType).toBe("Gateway");
        expect(endpoint.serviceName).toBe("com.amazonaws.us-east-1.s3");
        expect([...endpoint.routeTableIds].sort()).toEqual([
            "api7-private-0-id",
            "api7-private-1-id",
            "api7-private-2-id",
        ]);
    });

    test("the default security group is taken over with no rules", () => {
        const sg = prod.get("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "api7-default-sg").inputs;
        expect(sg.ingress ?? []).toEqual([]);
        expect(sg.egress ?? []).toEqual([]);
    });
});

describe("existing VPC", () => {
    const config = {
        "network.existingVpcId": "vpc-0aaaaaaaaaaaaaaaa",
        "network.existingPrivateSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        "network.existingPublicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa3", "subnet-0aaaaaaaaaaaaaaa4"],
        "network.availabilityZones": undefined,
        "network.natGateways": undefined,
        "dataPlane.count": 3,
    };
    const subnets = {
        "subnet-0aaaaaaaaaaaaaaa1": { az: "us-east-1a", vpcId: "vpc-0aaaaaaaaaaaaaaaa" },
        "subnet-0aaaaaaaaaaaaaaa2": { az: "us-east-1b", vpcId: "vpc-0aaaaaaaaaaaaaaaa" },
        "subnet-0aaaaaaaaaaaaaaa3": { az: "us-east-1a", vpcId: "vpc-0aaaaaaaaaaaaaaaa" },
        "subnet-0aaaaaaaaaaaaaaa4": { az: "us-east-1b", vpcId: "vpc-0aaaaaaaaaaaaaaaa" },
    };

    test("creates no network and spreads every host group over the given private subnets", async () => {
        const run = await runProgram({ stack: "prod", config, existingSubnets: subnets });
        for (const type of [T.vpc, T.subnet, T.natGateway, T.routeTable, T.vpcEndpoint])
            expect(run.ofType(type)).toEqual([]);
        for (const group of ["api7-cp-hosts", "api7-dp-hosts"]) {
            expect(groupOf(run, group).asg.inputs.vpcZoneIdentifiers).toEqual([
                "subnet-0aaaaaaaaaaaaaaa1",
                "subnet-0aaaaaaaaaaaaaaa2",
            ]);
        }
        expect(run.outputs.vpcId).toBe("vpc-0aaaaaaaaaaaaaaaa");
        expect(run.ofType(T.sg).every((sg) => sg.inputs.vpcId === "vpc-0aaaaaaaaaaaaaaaa")).toBe(true);
    });

    test("two private subnets in the same AZ are rejected naming both", async () => {
        const sameAz = { ...subnets, "subnet-0aaaaaaaaaaaaaaa2": { az: "us-east-1a", vpcId: "vpc-0aaaaaaaaaaaaaaaa" } };
        await expect(runProgram({ stack: "prod", config, existingSubnets: sameAz })).rejects.toThrow(
            /network\.existingPrivateSubnetIds: subnet-0aaaaaaaaaaaaaaa1 and subnet-0aaaaaaaaaaaaaaa2 are both in us-east-1a/,
        );
    });
});
