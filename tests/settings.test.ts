import { CHECKED_KEYS, ConfigError, imageProblem, loadDeclarations, parseSettings, type RawConfig } from "../components/settings";
import { INSTANCE_TYPES, instanceTypeProblem } from "../components/instance-types";
import { PROJECT, ProgramError, readStackConfig, runProgram, TEST_PEM, TEST_SECRETS } from "./harness";

/** A stack's project keys without the prefix, plus the test secrets: what loadSettings would read. */
function rawFor(stack: string, overrides: Record<string, unknown> = {}): RawConfig {
    const raw: Record<string, string | undefined> = { ...TEST_SECRETS };
    for (const [key, value] of Object.entries(readStackConfig(stack))) {
        if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
    }
    for (const [key, value] of Object.entries(overrides)) {
        raw[key] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

function problemsOf(raw: RawConfig): readonly string[] {
    try {
        parseSettings(raw, { stack: "test" });
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    return [];
}

describe("committed stacks", () => {
    test.each(["prod", "dev"])("%s parses with the test secrets", (stack) => {
        expect(problemsOf(rawFor(stack))).toEqual([]);
    });
});

describe("bad values are rejected naming the key, the value and the rule", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["one control-plane host", { "controlPlane.count": 1 }, /^api7-ha:controlPlane\.count = 1: must be at least 2/],
        ["one gateway", { "dataPlane.count": 1 }, /^api7-ha:dataPlane\.count = 1: must be at least 2/],
        ["a count that is not a number", { "dataPlane.count": "two" }, /^api7-ha:dataPlane\.count = "two": must be a whole number/],
        ["one availability zone", { "vpc.availabilityZones": 1 }, /^api7-ha:vpc\.availabilityZones = 1: must be at least 2/],
        ["more CP hosts than AZs", { "controlPlane.count": 4 }, /^api7-ha:controlPlane\.count = 4: is larger than the number of availability zones \(3\)/],
        ["an arm64 type", { "dataPlane.instanceType": "c7g.large" }, /^api7-ha:dataPlane\.instanceType = "c7g\.large": is arm64; API7 hosts must be x86_64/],
        ["a Graviton burstable type", { "controlPlane.instanceType": "t4g.medium" }, /^api7-ha:controlPlane\.instanceType = "t4g\.medium": is arm64/],
        ["a type below 4 GiB", { "controlPlane.instanceType": "t3.small" }, /^api7-ha:controlPlane\.instanceType = "t3\.small": has 2 vCPU \/ 2 GiB/],
        ["an unknown type", { "dataPlane.instanceType": "x9.huge" }, /^api7-ha:dataPlane\.instanceType = "x9\.huge": is not in the known instance-type table/],
        ["a small root volume", { "hosts.rootVolumeGiB": 40 }, /^api7-ha:hosts\.rootVolumeGiB = 40: must be at least 80 GiB/],
        ["a malformed AMI id", { "hosts.amiId": "ubuntu" }, /^api7-ha:hosts\.amiId = "ubuntu": must be empty or an AMI id/],
        ["a VPC CIDR that is not one", { "vpc.cidr": "10.80.0.0" }, /^api7-ha:vpc\.cidr = "10\.80\.0\.0": is not an IPv4 CIDR/],
        ["a VPC too small to split", { "vpc.cidr": "10.80.0.0/24" }, /^api7-ha:vpc\.cidr = "10\.80\.0\.0\/24": must have a prefix from \/16 to \/22/],
        ["an unknown NAT layout", { "vpc.natGateways": "none" }, /^api7-ha:vpc\.natGateways = "none": must be `single` or `perAz`/],
        ["an admin CIDR open to the world", { "access.adminCidrs": ["0.0.0.0/0"] }, /^api7-ha:access\.adminCidrs\[0\] = "0\.0\.0\.0\/0": opens the admin ports to the whole internet/],
        ["an IPv6 admin CIDR open to the world", { "access.adminCidrs": ["10.0.0.0/8", "::/0"] }, /^api7-ha:access\.adminCidrs\[1\] = "::\/0": opens the admin ports/],
        ["an admin CIDR that is not one", { "access.adminCidrs": ["office"] }, /^api7-ha:access\.adminCidrs\[0\] = "office": is not an IPv4 or IPv6 CIDR/],
        ["admin CIDRs that are not a list", { "access.adminCidrs": "10.0.0.0/8" }, /^api7-ha:access\.adminCidrs = "10\.0\.0\.0\/8": must be a list/],
        ["an unpinned image", { "dataPlane.gatewayImage": "api7/api7-ee-3-gateway" }, /^api7-ha:dataPlane\.gatewayImage = "api7\/api7-ee-3-gateway": has no tag/],
        ["a latest image", { "controlPlane.dashboardImage": "api7/api7-ee-3-integrated:latest" }, /^api7-ha:controlPlane\.dashboardImage = ".*:latest": uses `latest`/],
        ["a missing DSN", { "controlPlane.databaseDsn": undefined }, /^api7-ha:controlPlane\.databaseDsn = \[secret\]: is required/],
        ["a DSN that is not PostgreSQL", { "controlPlane.databaseDsn": "mysql://u:p@db:3306/api7ee" }, /^api7-ha:controlPlane\.databaseDsn = \[secret\]: uses scheme mysql/],
        ["token auth without a token", { "dataPlane.controlPlaneToken": undefined }, /^api7-ha:dataPlane\.controlPlaneToken = \[secret\]: is required when dataPlane\.controlPlaneAuth is `token`/],
        ["mTLS without the key", { "dataPlane.controlPlaneAuth": "mtls", "dataPlane.controlPlaneClientCert": TEST_PEM.cert, "dataPlane.controlPlaneCa": TEST_PEM.ca }, /^api7-ha:dataPlane\.controlPlaneClientKey = \[secret\]: is required when dataPlane\.controlPlaneAuth is `mtls`/],
        ["mTLS with a cert that is not PEM", { "dataPlane.controlPlaneAuth": "mtls", "dataPlane.controlPlaneClientCert": "abc", "dataPlane.controlPlaneClientKey": TEST_PEM.key, "dataPlane.controlPlaneCa": TEST_PEM.ca }, /^api7-ha:dataPlane\.controlPlaneClientCert = \[secret\]: is not PEM/],
        ["an unknown auth", { "dataPlane.controlPlaneAuth": "password" }, /^api7-ha:dataPlane\.controlPlaneAuth = "password": must be `token` or `mtls`/],
        ["an existing VPC with one subnet", { "vpc.existingVpcId": "vpc-0123456789abcdef0", "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0"] }, /^api7-ha:vpc\.existingPrivateSubnetIds = \["subnet-0123456789abcdef0"\]: needs at least 2 private subnets/],
        ["subnets without a VPC", { "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] }, /^api7-ha:vpc\.existingPrivateSubnetIds = .*: is set but vpc\.existingVpcId is empty/],
        ["a subnet listed twice", { "vpc.existingVpcId": "vpc-0123456789abcdef0", "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] }, /^api7-ha:vpc\.existingPrivateSubnetIds = .*: lists a subnet twice/],
        ["a boolean that is not one", { "access.allowPublicAdmin": "yes" }, /^api7-ha:access\.allowPublicAdmin = "yes": must be true or false/],
        ["a bad gateway group id", { "dataPlane.gatewayGroupId": "my group" }, /^api7-ha:dataPlane\.gatewayGroupId = "my group": must be 1-64 letters/],
        ["a health-check interval below AWS's minimum", { "dataPlane.healthCheck.intervalSeconds": 4 }, /^api7-ha:dataPlane\.healthCheck\.intervalSeconds = 4: must be from 5 to 300 seconds/],
        ["a health-check interval above AWS's maximum", { "dataPlane.healthCheck.intervalSeconds": 301 }, /^api7-ha:dataPlane\.healthCheck\.intervalSeconds = 301: must be from 5 to 300 seconds/],
        ["a healthy threshold of 1", { "dataPlane.healthCheck.healthyThreshold": 1 }, /^api7-ha:dataPlane\.healthCheck\.healthyThreshold = 1: must be from 2 to 10/],
        ["an unhealthy threshold of 11", { "dataPlane.healthCheck.unhealthyThreshold": 11 }, /^api7-ha:dataPlane\.healthCheck\.unhealthyThreshold = 11: must be from 2 to 10/],
        ["a timeout as long as the interval", { "dataPlane.healthCheck.intervalSeconds": 10, "dataPlane.healthCheck.timeoutSeconds": 10 }, /^api7-ha:dataPlane\.healthCheck\.timeoutSeconds = 10: must be less than dataPlane\.healthCheck\.intervalSeconds \(10\)/],
        ["a negative deregistration delay", { "dataPlane.deregistrationDelaySeconds": -1 }, /^api7-ha:dataPlane\.deregistrationDelaySeconds = -1: must be from 0 to 3600 seconds/],
        ["a deregistration delay over an hour", { "dataPlane.deregistrationDelaySeconds": 3601 }, /^api7-ha:dataPlane\.deregistrationDelaySeconds = 3601: must be from 0 to 3600 seconds/],
        ["a TLS listener without a certificate", { "dataPlane.loadBalancer.httpsMode": "terminate" }, /^api7-ha:dataPlane\.loadBalancer\.certificateArn = "": is required when dataPlane\.loadBalancer\.httpsMode is `terminate`/],
        ["a certificate that is not an ACM ARN", { "controlPlane.loadBalancer.certificateArn": "my-cert" }, /^api7-ha:controlPlane\.loadBalancer\.certificateArn = "my-cert": must be empty or an ACM certificate ARN/],
        ["two listeners on one port", { "dataPlane.loadBalancer.httpPort": 443 }, /^api7-ha:dataPlane\.loadBalancer\.httpsPort = 443: must differ from dataPlane\.loadBalancer\.httpPort/],
        ["a listener port out of range", { "dataPlane.loadBalancer.httpPort": 70000 }, /^api7-ha:dataPlane\.loadBalancer\.httpPort = 70000: must be a port from 1 to 65535/],
        ["an unknown HTTPS mode", { "dataPlane.loadBalancer.httpsMode": "offload" }, /^api7-ha:dataPlane\.loadBalancer\.httpsMode = "offload": must be `passthrough` or `terminate`/],
        ["Prometheus on a gateway host", { "prometheus.placement": "dataPlane" }, /^api7-ha:prometheus\.placement = "dataPlane": must be `dedicated` or `controlPlane` \(never a gateway host/],
        ["an existing VPC without public subnets for an internet-facing NLB", { "vpc.existingVpcId": "vpc-0123456789abcdef0", "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] }, /^api7-ha:vpc\.existingPublicSubnetIds = \[\]: needs at least 2 public subnets in distinct AZs for an internet-facing load balancer/],
        ["standalone without fallback buckets", { "dataPlane.mode": "standalone", "fallback.enabled": false }, /^api7-ha:dataPlane\.mode = "standalone": is `standalone` but fallback\.enabled is false/],
        ["an unknown data-plane mode", { "dataPlane.mode": "offline" }, /^api7-ha:dataPlane\.mode = "offline": must be `normal` or `standalone`/],
        ["an invalid bucket name", { "fallback.configBucketName": "My_Bucket" }, /^api7-ha:fallback\.configBucketName = "My_Bucket": must be empty or a valid S3 bucket name/],
        ["the same bucket twice", { "fallback.configBucketName": "acme-api7", "fallback.resourceBucketName": "acme-api7" }, /^api7-ha:fallback\.resourceBucketName = "acme-api7": must differ from fallback\.configBucketName/],
        ["a KMS key that is not an ARN", { "fallback.kmsKeyArn": "alias/api7" }, /^api7-ha:fallback\.kmsKeyArn = "alias\/api7": must be empty or a KMS key ARN/],
        ["a zero-day expiry", { "fallback.noncurrentVersionExpirationDays": 0 }, /^api7-ha:fallback\.noncurrentVersionExpirationDays = 0: must be from 1 to 3650 days/],
        ["an unknown credentials mode", { "fallback.credentials": "sso" }, /^api7-ha:fallback\.credentials = "sso": must be `accessKeys` or `instanceRole`/],
        ["a bad upstream CIDR", { "dataPlane.upstreamCidrs": ["10.0.0.0/33"] }, /^api7-ha:dataPlane\.upstreamCidrs\[0\] = "10\.0\.0\.0\/33": is not an IPv4 or IPv6 CIDR/],
    ];

    test.each(cases)("%s", async (_what, overrides, message) => {
        const problems = problemsOf(rawFor("prod", overrides));
        expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]));

        // The same stack through the real program: it stops before registering anything.
        const declarations = loadDeclarations();
        const secrets: Record<string, string> = { ...TEST_SECRETS };
        const config: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(overrides)) {
            if (declarations[key]?.secret) {
                if (value === undefined) delete secrets[key];
                else secrets[key] = value as string;
            } else {
                config[key] = value;
            }
        }
        const error = await runProgram({ stack: "prod", config, secrets }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProgramError);
        expect((error as ProgramError).message.split("\n").slice(1).map((l) => l.replace(/^\s+- /, ""))).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
        expect((error as ProgramError).resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    test("the table covers at least 30 bad configurations", () => {
        expect(cases.length).toBeGreaterThanOrEqual(30);
    });

    test("every problem is reported at once, not just the first", () => {
        const problems = problemsOf(rawFor("prod", { "controlPlane.count": 1, "dataPlane.count": 0, "hosts.rootVolumeGiB": 8, "dataPlane.instanceType": "m7g.large" }));
        expect(problems).toHaveLength(4);
    });

    test("field and cross-field problems are reported together", () => {
        const problems = problemsOf(rawFor("prod", { "controlPlane.count": 4, "hosts.rootVolumeGiB": 8, "dataPlane.loadBalancer.httpsMode": "terminate" }));
        expect(problems.map((p) => p.split(" =")[0]).sort()).toEqual(["api7-ha:controlPlane.count", "api7-ha:dataPlane.loadBalancer.certificateArn", "api7-ha:hosts.rootVolumeGiB"]);
    });

    test("a secret value is never echoed in a message", () => {
        const problems = problemsOf(rawFor("prod", { "controlPlane.databaseDsn": "mysql://u:SECRET-PW@db/x" }));
        expect(problems.join("\n")).not.toContain("SECRET-PW");
    });

    test("a misspelt key in the stack is reported", () => {
        expect(() => parseSettings(rawFor("prod"), { stack: "t", unknownKeys: ["dataplane.count"] })).toThrow(/api7-ha:dataplane\.count: is not a key this program reads/);
    });

    test("admin 0.0.0.0/0 is accepted only with access.allowPublicAdmin", () => {
        expect(problemsOf(rawFor("prod", { "access.adminCidrs": ["0.0.0.0/0"], "access.allowPublicAdmin": true }))).toEqual([]);
    });
});

describe("fallback.cronSpec (Go cron syntax, validated with cron-parser)", () => {
    test.each([
        ["@every 1m", 60],
        ["@every 10s", 10],
        ["@every 1m30s", 90],
        ["*/5 * * * *", 300],
        ["0 */6 * * *", 21600],
        ["@hourly", 3600],
        ["*/30 * * * * *", 30],
    ])("%s is accepted (every %i s)", (spec, seconds) => {
        expect(problemsOf(rawFor("prod", { "fallback.cronSpec": spec }))).toEqual([]);
        expect(parseSettings(rawFor("prod", { "fallback.cronSpec": spec }), { stack: "prod" }).fallback.exportIntervalSeconds).toBe(seconds);
    });
    test.each<[string, RegExp]>([
        ["@every 5s", /exports every 5 s; the shortest allowed interval is 10 s/],
        ["@every 500ms", /exports every 0\.5 s; the shortest allowed interval is 10 s/],
        ["*/5 * * * * *", /exports every 5 s; the shortest allowed interval is 10 s/],
        ["@every 1x", /"1x" is not a Go duration/],
        ["@every", /@every needs a duration/],
        ["61 * * * *", /is not a cron expression/],
        ["every minute", /is not a cron expression/],
    ])("%s is rejected naming the key", (spec, message) => {
        const problems = problemsOf(rawFor("prod", { "fallback.cronSpec": spec }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(new RegExp(`^api7-ha:fallback\\.cronSpec = ${JSON.stringify(spec).replace(/[*.]/g, "\\$&")}: `));
        expect(problems[0]).toMatch(message);
    });
});

describe("names derived from the stack", () => {
    test("a stack name too long for the derived bucket names asks for explicit names", () => {
        let error: unknown;
        try {
            parseSettings(rawFor("prod"), { stack: "a-very-long-stack-name-for-prod" });
        } catch (e) {
            error = e;
        }
        expect((error as ConfigError).problems).toEqual([
            expect.stringMatching(/^api7-ha:fallback\.configBucketName = "": is needed: the stack name makes the default name 68 characters long \(S3 allows 63\)/),
            expect.stringMatching(/^api7-ha:fallback\.resourceBucketName = "": is needed: the stack name makes the default name 70 characters long \(S3 allows 63\)/),
        ]);
    });
    test("a stack name too long for IAM names is rejected", () => {
        expect(() => parseSettings(rawFor("prod", { "fallback.enabled": false }), { stack: "x".repeat(39) })).toThrow(/stack x{39}: the stack name "x{39}" is longer than 38 characters/);
    });
});

describe("good edge configurations pass", () => {
    test.each<[string, Record<string, unknown>]>([
        ["three AZs and three CP hosts", { "vpc.availabilityZones": 3, "controlPlane.count": 3 }],
        ["an odd number of gateways", { "dataPlane.count": 5 }],
        ["an image pinned by digest", { "dataPlane.gatewayImage": `api7/api7-ee-3-gateway@sha256:${"a".repeat(64)}` }],
        ["an existing VPC", { "vpc.existingVpcId": "vpc-0123456789abcdef0", "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], "vpc.existingPublicSubnetIds": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"] }],
        ["an existing VPC without public subnets, all load balancers internal", { "vpc.existingVpcId": "vpc-0123456789abcdef0", "vpc.existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], "dataPlane.loadBalancer.internal": true }],
        ["TLS terminated at the NLB with a certificate", { "dataPlane.loadBalancer.httpsMode": "terminate", "dataPlane.loadBalancer.certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000" }],
        ["the fastest health check AWS allows", { "dataPlane.healthCheck.intervalSeconds": 5, "dataPlane.healthCheck.timeoutSeconds": 2, "dataPlane.healthCheck.healthyThreshold": 2, "dataPlane.healthCheck.unhealthyThreshold": 2, "dataPlane.deregistrationDelaySeconds": 0 }],
        ["mTLS with all three PEMs", { "dataPlane.controlPlaneAuth": "mtls", "dataPlane.controlPlaneToken": undefined, "dataPlane.controlPlaneClientCert": TEST_PEM.cert, "dataPlane.controlPlaneClientKey": TEST_PEM.key, "dataPlane.controlPlaneCa": TEST_PEM.ca }],
        ["IPv6 admin ranges", { "access.adminCidrs": ["2001:db8::/32"] }],
    ])("%s", (_what, overrides) => {
        expect(problemsOf(rawFor("prod", overrides))).toEqual([]);
    });

    test("the settings object is frozen", () => {
        const settings = parseSettings(rawFor("prod"), { stack: "prod" });
        expect(Object.isFrozen(settings)).toBe(true);
        expect(Object.isFrozen(settings.dataPlane)).toBe(true);
    });

    test("the database port comes from the DSN", () => {
        const settings = parseSettings(rawFor("prod", { "controlPlane.databaseDsn": "postgres://u:p@db:6432/api7ee" }), { stack: "prod" });
        expect(settings.controlPlane.databasePort).toBe(6432);
    });
});

describe("Pulumi.yaml declarations", () => {
    const declarations = loadDeclarations();

    test("every key has a type and a description; secrets are marked", () => {
        for (const [key, decl] of Object.entries(declarations)) {
            expect([key, typeof decl.type]).toEqual([key, "string"]);
            expect([key, decl.description.length > 20]).toEqual([key, true]);
        }
        expect(declarations["controlPlane.databaseDsn"].secret).toBe(true);
        expect(declarations["dataPlane.controlPlaneToken"].secret).toBe(true);
    });

    test("the schema checks exactly the declared keys (a declared key the schema lacks would be silently dropped)", () => {
        expect([...CHECKED_KEYS].sort()).toEqual(Object.keys(declarations).sort());
    });
});

describe("instance-type table", () => {
    test("API7's reference host sizes pass and arm64 families fail", () => {
        expect(instanceTypeProblem("t3.medium")).toBeUndefined();
        expect(instanceTypeProblem("c6i.large")).toBeUndefined();
        for (const type of Object.keys(INSTANCE_TYPES).filter((t) => /^(t4g|m6g|m7g|c6g|c7g|r7g)\./.test(t))) {
            expect(instanceTypeProblem(type)).toMatch(/arm64/);
        }
    });
    test("known sizes match AWS", () => {
        expect(INSTANCE_TYPES["t3.medium"]).toEqual({ arch: "x86_64", vcpu: 2, memoryGiB: 4, burstable: true });
        expect(INSTANCE_TYPES["c6i.large"]).toEqual({ arch: "x86_64", vcpu: 2, memoryGiB: 4, burstable: false });
        expect(INSTANCE_TYPES["m6i.xlarge"]).toEqual({ arch: "x86_64", vcpu: 4, memoryGiB: 16, burstable: false });
        expect(INSTANCE_TYPES["t3.4xlarge"]).toBeUndefined();
    });
    test("image references", () => {
        expect(imageProblem("api7/api7-ee-3-integrated:v3.2.16.3")).toBeUndefined();
        expect(imageProblem("registry.example.com:5000/api7/gw:1.0")).toBeUndefined();
    });
});

describe("through the program", () => {
    test("a bad stack fails before any resource is registered", async () => {
        const error = await runProgram({ stack: "prod", config: { "dataPlane.count": 1, "controlPlane.instanceType": "c7g.large" } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProgramError);
        expect((error as ProgramError).message).toMatch(/api7-ha:dataPlane\.count = 1/);
        expect((error as ProgramError).message).toMatch(/api7-ha:controlPlane\.instanceType = "c7g\.large"/);
        expect((error as ProgramError).resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});
