import type * as pulumi from "@pulumi/pulumi";
import {
    AL2023_AMI_PARAMETER,
    checkAmiArchitecture,
    GROUP_TAG,
    launchTemplateOptions,
    maxHealthyPercentage,
    secretParameterOptions,
} from "../components/aws/fleet";
import { hostScript } from "../components/aws/cloud-init";
import { validateHostGroupArgs } from "../components/aws/host/args";
import { PENDING_SECRET } from "../components/placeholders";
import { MOCK_RESOLVED_AMI, runProgram, SECRET_MARKERS, TEST_SECRETS, type RunResult } from "../tools/harness";
import { allStrings, decodeUserData, groupOf, parameter, parseUserData, T } from "./helpers";

let prod: RunResult;
let pinned: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    pinned = await runProgram({
        stack: "dev",
        config: { "hosts.amiId": "ami-0123456789abcdef0", "hosts.rootVolumeGiB": 120 },
    });
});

const GROUPS = ["api7-cp-hosts", "api7-dp-hosts"] as const;

describe("launch templates", () => {
    test("prod: control-plane hosts on t3.medium, gateways on c6i.large", () => {
        expect(groupOf(prod, "api7-cp-hosts").template.inputs.instanceType).toBe("t3.medium");
        expect(groupOf(prod, "api7-dp-hosts").template.inputs.instanceType).toBe("c6i.large");
    });

    test("every host: gp3 encrypted root of the configured size on the AMI's root device, IMDSv2 with hop limit 2, no public IP, detailed monitoring", () => {
        for (const [run, size] of [
            [prod, 80],
            [pinned, 120],
        ] as const) {
            for (const template of run.ofType(T.launchTemplate)) {
                const t = template.inputs;
                // The launch template's EBS flags are strings (@pulumi/aws types/input.d.ts
                // LaunchTemplateBlockDeviceMappingEbs).
                expect(t.blockDeviceMappings).toEqual([
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeType: "gp3", volumeSize: size, encrypted: "true", deleteOnTermination: "true" },
                    },
                ]);
                expect(t.metadataOptions).toEqual({
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 2,
                });
                expect(t.networkInterfaces).toHaveLength(1);
                expect(t.networkInterfaces[0]).toMatchObject({
                    deviceIndex: 0,
                    associatePublicIpAddress: "false",
                    deleteOnTermination: "true",
                });
                // Security groups on the interface only: the template-level field conflicts with them.
                expect(t.vpcSecurityGroupIds).toBeUndefined();
                expect(t.monitoring).toEqual({ enabled: true });
                expect(t.updateDefaultVersion).toBe(true);
            }
        }
    });

    test("the root device is the AMI's own, looked up once by id", () => {
        expect(pinned.invokes.filter((i) => i.token === "aws:ec2/getAmi:getAmi").map((i) => i.inputs.filters)).toEqual([
            [{ name: "image-id", values: ["ami-0123456789abcdef0"] }],
        ]);
        expect(pinned.outputs.hostAmiId).toBe("ami-0123456789abcdef0");
    });

    test("an AMI that is not x86_64 is refused, naming hosts.amiId (the check every AMI lookup passes through)", () => {
        expect(() => checkAmiArchitecture({ id: "ami-0123456789abcdef0", architecture: "arm64" })).toThrow(
            "hosts.amiId ami-0123456789abcdef0 is arm64; hosts must be x86_64 (API7's images are amd64)",
        );
        expect(checkAmiArchitecture({ id: "ami-1", architecture: "x86_64" }).id).toBe("ami-1");
    });

    test("instances and volumes carry the provider's default tags and the group tag (an Auto Scaling group does not pass default tags on)", () => {
        const spec = groupOf(prod, "api7-dp-hosts").template.inputs.tagSpecifications;
        expect(spec.map((t: any) => t.resourceType)).toEqual(["instance", "volume", "network-interface"]);
        for (const t of spec) {
            expect(t.tags).toMatchObject({
                Project: "api7-ha",
                Environment: "prod",
                [GROUP_TAG]: "api7-ha-prod-dp",
                "api7-ha:role": "dp",
                "api7-ha:stack": "prod",
            });
        }
    });

    test("an unpinned AMI is resolved from AWS's AL2023 x86_64 parameter, with a warning that says how to pin it", () => {
        expect(prod.ofType(T.launchTemplate).every((h) => h.inputs.imageId === MOCK_RESOLVED_AMI)).toBe(true);
        expect(
            prod.invokes.some(
                (i) => i.token === "aws:ssm/getParameter:getParameter" && i.inputs.name === AL2023_AMI_PARAMETER,
            ),
        ).toBe(true);
        expect(prod.warnings.join("\n")).toContain(`pulumi config set --path hosts.amiId ${MOCK_RESOLVED_AMI}`);
    });

    test("the resolved AMI id is not secret, so previews show it", () => {
        for (const template of prod.ofType(T.launchTemplate)) expect(template.secretInputs).not.toContain("imageId");
    });

    test("a pinned AMI is used as is, with no lookup and no warning", () => {
        expect(pinned.ofType(T.launchTemplate).every((h) => h.inputs.imageId === "ami-0123456789abcdef0")).toBe(true);
        expect(pinned.invokes.some((i) => i.inputs.name === AL2023_AMI_PARAMETER)).toBe(false);
        expect(pinned.warnings).toEqual([]);
    });
});

describe("Auto Scaling groups", () => {
    test("each group spans the private subnets of every AZ, desired and minimum = the configured count", () => {
        const privateSubnets = prod
            .ofType(T.subnet)
            .filter((s) => s.name.includes("private"))
            .map((s) => `${s.name}-id`)
            .sort();
        expect(privateSubnets).toHaveLength(3);
        for (const [group, count] of [
            ["api7-cp-hosts", 2],
            ["api7-dp-hosts", 3],
        ] as const) {
            const asg = groupOf(prod, group).asg.inputs;
            expect([...asg.vpcZoneIdentifiers].sort()).toEqual(privateSubnets);
            expect(asg).toMatchObject({ minSize: count, desiredCapacity: count, maxSize: count + 1 });
        }
    });

    test("launched from the latest numbered template version, so a template change starts an instance refresh", () => {
        for (const group of GROUPS) {
            expect(groupOf(prod, group).asg.inputs.launchTemplate).toEqual({
                id: `${group}-template-id`,
                version: "1",
            });
        }
    });

    // The grace period is a role's boot budget (components/aws/boot-budget.ts) plus the passes its target groups need
    // to find a host healthy, rounded up to a whole minute; creation waits twice that, at least 600 s.
    test("ELB health checks with the grace period of each role's boot budget; creation waits for healthy hosts", () => {
        const cp = groupOf(prod, "api7-cp-hosts").asg.inputs;
        const dp = groupOf(prod, "api7-dp-hosts").asg.inputs;
        // cp: boot 60 + 90 + 180 + 120 = 450 s; the control plane's check, 2 passes 10 s apart = 20 s;
        // 470 s rounds up to 480 s. Creation waits max(600, 2 x 480) = 960 s. Warm-up: one minute.
        expect(cp).toMatchObject({
            healthCheckType: "ELB",
            healthCheckGracePeriod: 480,
            minElbCapacity: 2,
            defaultInstanceWarmup: 60,
            waitForCapacityTimeout: "960s",
        });
        // dp: boot 60 + 90 + 120 + 60 = 330 s; prod's gateway check, 3 passes 5 s apart = 15 s; 345 s rounds up to
        // 360 s. Creation waits max(600, 2 x 360) = 720 s.
        expect(dp).toMatchObject({
            healthCheckType: "ELB",
            healthCheckGracePeriod: 360,
            minElbCapacity: 3,
            defaultInstanceWarmup: 60,
            waitForCapacityTimeout: "720s",
        });
    });

    test("a dedicated Prometheus host: its own budget, one host, EC2's wait floor", async () => {
        const run = await runProgram({
            stack: "prod",
            config: { "prometheus.enabled": true, "prometheus.placement": "dedicated" },
        });
        // boot 60 + 90 + 60 + 30 = 240 s; its check, 2 passes 10 s apart = 20 s; 260 s rounds up to 300 s.
        // Creation waits max(600, 2 x 300) = 600 s.
        expect(groupOf(run, "api7-prometheus-hosts").asg.inputs).toMatchObject({
            healthCheckType: "ELB",
            healthCheckGracePeriod: 300,
            minSize: 1,
            desiredCapacity: 1,
            maxSize: 2,
            waitForCapacityTimeout: "600s",
        });
    });

    test("hosts.healthCheckGraceSeconds replaces the budget", async () => {
        const run = await runProgram({ stack: "dev", config: { "hosts.healthCheckGraceSeconds": 900 } });
        for (const group of GROUPS)
            expect(groupOf(run, group).asg.inputs).toMatchObject({
                healthCheckGracePeriod: 900,
                waitForCapacityTimeout: "1800s",
            });
    });

    test.each<[string, { count: number; placement: { subnets: readonly { id: string }[] } }, string]>([
        ["no subnet", { count: 2, placement: { subnets: [] } }, "api7-dp-hosts: no subnets to place hosts in"],
        [
            "no host",
            { count: 0, placement: { subnets: [{ id: "subnet-1" }] } },
            "api7-dp-hosts: count = 0; a host group needs a whole number of hosts, at least 1",
        ],
        [
            "a fraction of a host",
            { count: 1.5, placement: { subnets: [{ id: "subnet-1" }] } },
            "api7-dp-hosts: count = 1.5; a host group needs a whole number of hosts, at least 1",
        ],
    ])(
        "validateHostGroupArgs refuses a group with %s, naming the group, the value and the rule",
        (_what, args, message) => {
            expect(() => validateHostGroupArgs("api7-dp-hosts", args)).toThrow(message);
        },
    );

    test("instance refresh: rolling, launch before terminate one host at a time, warm-up, skip matching, no provider auto rollback", () => {
        const refresh = groupOf(prod, "api7-dp-hosts").asg.inputs.instanceRefresh;
        expect(refresh).toEqual({
            strategy: "Rolling",
            preferences: {
                minHealthyPercentage: 100,
                maxHealthyPercentage: 134,
                instanceWarmup: "60",
                skipMatching: true,
                autoRollback: false,
                scaleInProtectedInstances: "Refresh",
                standbyInstances: "Terminate",
            },
        });
        expect(groupOf(prod, "api7-dp-hosts").asg.inputs.instanceMaintenancePolicy).toEqual({
            minHealthyPercentage: 100,
            maxHealthyPercentage: 134,
        });
    });

    test("the maximum healthy percentage allows one extra host for any count, within AWS's 100-200", () => {
        for (let count = 1; count <= 20; count++) {
            const max = maxHealthyPercentage(count);
            expect(max).toBeGreaterThan(100);
            expect(max).toBeLessThanOrEqual(200);
            // At least one extra host whichever way AWS rounds; maxSize = count + 1 caps it at one.
            expect(Math.floor((count * max) / 100)).toBeGreaterThanOrEqual(count + 1);
        }
        expect(groupOf(prod, "api7-dp-hosts").asg.inputs.maxSize).toBe(4);
    });

    test("registered in their target groups: control plane in the dashboard's and DP Managers', gateways in theirs", () => {
        expect(groupOf(prod, "api7-cp-hosts").asg.inputs.targetGroupArns).toEqual([
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-cp-lb-dashboard/0001",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-cp-lb-dpm/0001",
        ]);
        expect(groupOf(prod, "api7-dp-hosts").asg.inputs.targetGroupArns).toEqual([
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-dp-lb-http/0001",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-dp-lb-https/0001",
        ]);
        expect(prod.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")).toEqual([]);
    });

    test("no scaling policy unless dataPlane.autoscaling is on; then target tracking on CPU within its bounds and no fixed desired count", async () => {
        expect(prod.ofType(T.scalingPolicy)).toEqual([]);
        const scaled = await runProgram({
            stack: "prod",
            config: {
                "dataPlane.autoscaling.enabled": true,
                "dataPlane.autoscaling.maxCount": 8,
                "dataPlane.autoscaling.targetCpuPercent": 50,
            },
        });
        const asg = groupOf(scaled, "api7-dp-hosts").asg.inputs;
        expect(asg).toMatchObject({ minSize: 3, maxSize: 8 });
        expect(asg.desiredCapacity).toBeUndefined();
        const groupName = scaled.computed.find(([, placeholder]) => placeholder === "<api7-dp-hosts-group.name>")![0];
        expect(scaled.ofType(T.scalingPolicy).map((p) => p.inputs)).toEqual([
            {
                autoscalingGroupName: groupName,
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                    targetValue: 50,
                },
            },
        ]);
        expect(groupOf(scaled, "api7-cp-hosts").asg.inputs.desiredCapacity).toBe(2);
    });

    test("prod's warm pools: one stopped host per role whatever the desired count", () => {
        // cp: count 2 + 1 warm = 3 prepared at most; dp: 3 + 1.
        for (const [group, count] of [
            ["api7-cp-hosts", 2],
            ["api7-dp-hosts", 3],
        ] as const) {
            const { asg, template } = groupOf(prod, group);
            expect(asg.inputs.warmPool).toEqual({
                poolState: "Stopped",
                minSize: 1,
                maxGroupPreparedCapacity: count + 1,
            });
            expect(template.inputs.hibernationOptions).toBeUndefined();
        }
    });

    test("every group's launch hook, completed by its hosts: twice the cold boot budget (or the grace period), abandoned if not", () => {
        // cp: 2 x (60 + 90 + 180 + 120) = 900 s over a 480 s grace period; dp: 2 x 330 = 660 s over 360 s; dev alike.
        for (const [run, group, heartbeat] of [
            [prod, "api7-cp-hosts", 900],
            [prod, "api7-dp-hosts", 660],
            [pinned, "api7-dp-hosts", 660],
        ] as const) {
            const asg = groupOf(run, group).asg;
            const hook = {
                name: "api7-launch",
                lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
                heartbeatTimeout: heartbeat,
                defaultResult: "ABANDON",
            };
            expect(asg.inputs.initialLifecycleHooks).toEqual([hook]);
            // Created with the group; on a group that exists, the resource of its own puts it (no replacement).
            expect(asg.ignoreChanges).toEqual(["initialLifecycleHooks"]);
            expect(run.get("aws:autoscaling/lifecycleHook:LifecycleHook", `${group}-launch-hook`).inputs).toEqual({
                ...hook,
                autoscalingGroupName: expect.any(String),
            });
        }
    });

    test("no warm pool by default (dev), the hook all the same; a hibernated pool's hosts launch with hibernation on", async () => {
        for (const group of ["api7-cp-hosts", "api7-dp-hosts"])
            expect(groupOf(pinned, group).asg.inputs.warmPool).toBeUndefined();
        const hibernated = await runProgram({
            stack: "prod",
            config: { "dataPlane.warmPool.state": "Hibernated", "hosts.rootVolumeGiB": 100 },
        });
        expect(groupOf(hibernated, "api7-dp-hosts").template.inputs.hibernationOptions).toEqual({ configured: true });
        expect(groupOf(hibernated, "api7-cp-hosts").template.inputs.hibernationOptions).toBeUndefined();
    });

    test("gateways are created after the control plane's hosts, which issue their credentials", () => {
        expect(prod.get(T.asg, "api7-dp-hosts-group").dependencies).toContain(
            prod.get(T.asg, "api7-cp-hosts-group").urn,
        );
        expect(prod.get(T.asg, "api7-cp-hosts-group").dependencies).not.toContain(
            prod.get(T.asg, "api7-dp-hosts-group").urn,
        );
    });
});

describe("resource options (invisible to mocks, built by a pure helper)", () => {
    // The helpers only pass the parent through; a stand-in keeps the SDK out of this test's VM.
    const parent = { urn: "urn:pulumi:s::p::test:index:Parent::p" } as unknown as pulumi.Resource;
    test("an unpinned AMI is ignored after creation, so a new AL2023 release rolls no host", () => {
        expect(launchTemplateOptions(false, parent, []).ignoreChanges).toEqual(["imageId"]);
        // And the engine receives it (the harness reads the registration).
        expect(prod.get(T.launchTemplate, "api7-dp-hosts-template").ignoreChanges).toEqual(["imageId"]);
        expect(pinned.get(T.launchTemplate, "api7-dp-hosts-template").ignoreChanges).toEqual([]);
    });
    test("a pinned AMI is applied: changing the pin is how hosts are upgraded", () => {
        expect(launchTemplateOptions(true, parent, []).ignoreChanges).toBeUndefined();
    });
    test("an issued secret's value is never written back by pulumi up; a stack's own secret is", () => {
        // Nor its key: the provider's update puts the whole value again (PutParameter with Overwrite), which for an
        // issued one is the placeholder (hashicorp/terraform-provider-aws internal/service/ssm/parameter.go
        // resourceParameterUpdate @0073593e).
        expect(secretParameterOptions(true, parent)).toEqual({ parent, ignoreChanges: ["value", "keyId"] });
        expect(secretParameterOptions(false, parent).ignoreChanges).toBeUndefined();
    });
});

describe("user data", () => {
    test("is gzip then base64, as a launch template takes it and cloud-init reads it, under EC2's 16 KB", () => {
        for (const run of [prod, pinned]) {
            for (const template of run.ofType(T.launchTemplate)) {
                const raw = Buffer.from(template.inputs.userData, "base64");
                expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
                expect(template.inputs.userData.length).toBeLessThan(16384);
                expect(decodeUserData(template.inputs.userData).startsWith("#cloud-config\n")).toBe(true);
            }
        }
    });

    test("is #cloud-config that installs Docker and jq, writes the launcher, unit and host.json, and starts each service", () => {
        const cp = parseUserData(groupOf(prod, "api7-cp-hosts").userData);
        expect(cp.packages).toEqual(["docker", "jq"]);
        expect(cp.write_files.map((f: any) => f.path)).toEqual([
            "/etc/api7/host.json",
            "/usr/local/sbin/api7-run",
            "/usr/local/sbin/api7-apply",
            "/usr/local/sbin/api7-lifecycle",
            "/etc/systemd/system/api7@.service",
            "/etc/systemd/system/api7-lifecycle.service",
            "/usr/local/lib/api7/api7-lib.sh",
            // The age after which the scripts' copies of their lines go, whatever the CloudWatch agent does.
            "/etc/tmpfiles.d/api7.conf",
            "/usr/local/sbin/api7-bootstrap",
            "/etc/systemd/system/api7-bootstrap.service",
            // With the managed database: the timer that reconnects after RDS rotates the password.
            "/etc/systemd/system/api7-db-rotation.service",
            "/etc/systemd/system/api7-db-rotation.timer",
        ]);
        const host = JSON.parse(cp.write_files[0].content);
        // Every group's hosts complete the launch lifecycle hook of that name; prod keeps a warm pool.
        expect(host).toEqual({
            region: "us-east-1",
            parameterPrefix: "/api7-ha/prod/cp",
            services: ["dashboard", "dp-manager"],
            bootstrap: true,
            lifecycleHook: "api7-launch",
            warmPool: true,
        });
        // Enabled for later boots; started by api7-lifecycle once the host is headed for service (not while warm).
        expect(cp.runcmd).toEqual([
            ["systemctl", "enable", "--now", "docker.service"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "api7@dashboard.service"],
            ["systemctl", "enable", "api7@dp-manager.service"],
            ["systemctl", "enable", "api7-bootstrap.service"],
            ["systemctl", "enable", "--now", "api7-db-rotation.timer"],
            ["systemctl", "enable", "--now", "--no-block", "api7-lifecycle.service"],
            // Last: the CloudWatch agent from AL2023's repository, its configuration from the group's own path.
            "dnf install -y amazon-cloudwatch-agent && /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl " +
                "-a fetch-config -m ec2 -s -c ssm:/api7-ha/prod/cp/cloudwatch-agent.json",
        ]);
        const dp = parseUserData(groupOf(prod, "api7-dp-hosts").userData);
        expect(JSON.parse(dp.write_files[0].content).services).toEqual(["gateway"]);
        expect(dp.write_files.map((f: any) => f.path)).not.toContain("/usr/local/sbin/api7-bootstrap");
        expect(dp.write_files.map((f: any) => f.path)).not.toContain("/etc/systemd/system/api7-db-rotation.timer");
    });

    test("the bootstrap script lands as committed, less its comments (tests/templates.test.ts)", () => {
        const cp = parseUserData(groupOf(prod, "api7-cp-hosts").userData);
        const file = cp.write_files.find((f: any) => f.path === "/usr/local/sbin/api7-bootstrap");
        expect(file.encoding).toBeUndefined();
        expect(file.content).toBe(hostScript("api7-bootstrap.sh"));
    });

    test("the systemd unit restarts its container always", () => {
        const cp = parseUserData(groupOf(prod, "api7-cp-hosts").userData);
        const unit: string = cp.write_files.find((f: any) => f.path === "/etc/systemd/system/api7@.service").content;
        expect(unit).toMatch(/^Restart=always$/m);
        expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/api7-run %i$/m);
    });

    test("holds no secret: no test secret appears in any host's user data", () => {
        for (const group of GROUPS) {
            for (const marker of SECRET_MARKERS) expect(groupOf(prod, group).userData).not.toContain(marker);
        }
    });

    test("does not change with a service's config (a config change rolls no host)", async () => {
        const bumped = await runProgram({
            stack: "prod",
            config: { "dataPlane.gatewayImage": "api7/api7-ee-3-gateway:3.2.16.4" },
        });
        expect(groupOf(bumped, "api7-dp-hosts").template.inputs.userData).toBe(
            groupOf(prod, "api7-dp-hosts").template.inputs.userData,
        );
    });
});

describe("secrets and parameters", () => {
    test("secrets are SSM SecureStrings under the group's own path, kept secret in Pulumi state", () => {
        const license = parameter(prod, "/api7-ha/prod/cp/secrets/license");
        expect(license.inputs).toMatchObject({ type: "SecureString", value: TEST_SECRETS.license });
        expect(license.secretInputs).toContain("value");
        // The managed database's password is in Secrets Manager, kept by RDS: no DSN parameter at all.
        expect(prod.ofType(T.parameter).map((p) => p.inputs.name)).not.toContain(
            "/api7-ha/prod/cp/secrets/database-dsn",
        );
        // Issued by the control plane: created holding the placeholder the gateway waits on.
        const token = parameter(prod, "/api7-ha/prod/dp/secrets/control-plane-token");
        expect(token.inputs).toMatchObject({ type: "SecureString", value: PENDING_SECRET });
        expect(token.secretInputs).toContain("value");
    });

    test("configs and run specs are plain String parameters (readable in preview --diff) that hold no secret", () => {
        const plain = prod.ofType(T.parameter).filter((x) => x.inputs.type !== "SecureString");
        // Per control-plane service a config and a run spec (dashboard, DP Manager), the gateway's and its standalone
        // config, bootstrap.json, and each group's CloudWatch agent configuration.
        expect(plain).toHaveLength(10);
        for (const p of plain) {
            expect(p.inputs.type).toBe("String");
            expect(p.secretInputs).toEqual([]);
            expect(typeof p.inputs.insecureValue).toBe("string");
            for (const marker of SECRET_MARKERS) expect(p.inputs.insecureValue).not.toContain(marker);
        }
    });

    test("no stack output carries a secret", () => {
        const text = allStrings(prod.outputs).join("\n");
        for (const marker of SECRET_MARKERS) expect(text).not.toContain(marker);
    });
});

describe("host identity (least privilege)", () => {
    test("hosts may assume their role from EC2 only", () => {
        const trust = JSON.parse(prod.get(T.role, "api7-cp-hosts-role").inputs.assumeRolePolicy);
        expect(trust.Statement).toEqual([
            { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } },
        ]);
    });

    test("each group reads only its own SSM parameters, and pulls only what its image source needs", async () => {
        const arn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;
        const ownParameters = (_run: RunResult, stack: string, role: string) => [
            {
                Sid: "ReadOwnParameters",
                Effect: "Allow",
                Action: "ssm:GetParameter",
                Resource: arn(`/api7-ha/${stack}/${role}/*`),
            },
            {
                Sid: "DecryptOwnParameters",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: "arn:aws:kms:us-east-1:123456789012:key/mock-key-28298bd",
                Condition: {
                    StringLike: { "kms:EncryptionContext:PARAMETER_ARN": arn(`/api7-ha/${stack}/${role}/*`) },
                },
            },
            {
                Sid: "DenyParametersOutsideGroup",
                Effect: "Deny",
                Action: [
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                    "ssm:GetParameterHistory",
                    "ssm:PutParameter",
                    "ssm:DeleteParameter",
                    "ssm:DeleteParameters",
                    "ssm:LabelParameterVersion",
                    "ssm:UnlabelParameterVersion",
                ],
                // The control plane also touches the gateways' credentials it issues.
                NotResource:
                    role === "cp"
                        ? [arn(`/api7-ha/${stack}/cp/*`), arn(`/api7-ha/${stack}/dp/secrets/control-plane-token`)]
                        : arn(`/api7-ha/${stack}/${role}/*`),
            },
        ];
        const statements = (run: RunResult, role: string) =>
            JSON.parse(run.get(T.rolePolicy, `api7-${role}-hosts-parameters`).inputs.policy).Statement;
        const login = { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" };
        // prod: ECR's cache of Docker Hub, which imports an image and creates its repository on a first pull.
        for (const role of ["cp", "dp"]) {
            expect(statements(prod, role)).toEqual([
                ...ownParameters(prod, "prod", role),
                login,
                {
                    Sid: "PullThroughCache",
                    Effect: "Allow",
                    Action: [
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchImportUpstreamImage",
                        "ecr:CreateRepository",
                    ],
                    Resource: "arn:aws:ecr:us-east-1:123456789012:repository/api7-ha-prod/*",
                },
            ]);
        }
        // dev: Docker Hub, so no ECR permission at all.
        expect(statements(pinned, "dp")).toEqual(ownParameters(pinned, "dev", "dp"));
        // A registry in ECR (another account's): pull only, on that registry's path.
        const ecr = await runProgram({
            stack: "dev",
            config: {
                "images.source": "registry",
                "images.registry": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror",
            },
        });
        expect(statements(ecr, "dp")).toEqual([
            ...ownParameters(ecr, "dev", "dp"),
            login,
            {
                Sid: "PullImages",
                Effect: "Allow",
                Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                Resource: "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/*",
            },
        ]);
        // Another registry: a docker login with the registryPassword secret, no IAM.
        const other = await runProgram({
            stack: "dev",
            config: {
                "images.source": "registry",
                "images.registry": "registry.example.com:5000/api7",
                "images.username": "ci",
            },
            secrets: { registryPassword: "MARKER-REGISTRY-PASSWORD-1e9" },
        });
        expect(statements(other, "dp")).toEqual(ownParameters(other, "dev", "dp"));
    });

    test("the stack's parameter key survives any replacement or removal, and hosts may decrypt with it before a secret is put under it", () => {
        expect(prod.get(T.kmsKey, "api7-parameters-key").retainOnDelete).toBe(true);
        expect(prod.get(T.kmsKey, "api7-parameters-key").inputs).toMatchObject({
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        });
        const policy = prod.get(T.rolePolicy, "api7-dp-hosts-parameters").urn;
        const secrets = prod
            .ofType(T.parameter)
            .filter((p) => p.inputs.type === "SecureString" && p.inputs.name.startsWith("/api7-ha/prod/dp/"));
        expect(secrets.length).toBeGreaterThan(0);
        for (const secret of secrets) expect(secret.dependencies).toContain(policy);
    });

    test("SSM core is attached for Session Manager and Run Command", () => {
        expect(prod.get(T.policyAttachment, "api7-dp-hosts-ssm-core").inputs.policyArn).toBe(
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
    });
});

describe("config rollout", () => {
    test("one association per group runs api7-apply on its hosts, one host at a time, stopping at the first failure", () => {
        const cp = prod.get(T.association, "api7-cp-hosts-rollout").inputs;
        expect(cp.name).toBe("AWS-RunShellScript");
        // By the group tag, so hosts the Auto Scaling group launches later get it too.
        expect(cp.targets).toEqual([{ key: `tag:${GROUP_TAG}`, values: ["api7-ha-prod-cp"] }]);
        expect(cp.maxConcurrency).toBe("1");
        expect(cp.maxErrors).toBe("0");
        expect(cp.parameters.commands).toMatch(
            /^\/usr\/local\/sbin\/api7-apply dashboard dp-manager # parameters [0-9a-f]{16}$/,
        );
    });

    test("the rollout command changes when a parameter of the group changes, and only then", async () => {
        const again = await runProgram({ stack: "prod", fresh: true });
        const bumped = await runProgram({
            stack: "prod",
            config: { "dataPlane.gatewayImage": "api7/api7-ee-3-gateway:3.2.16.4" },
        });
        const command = (run: RunResult, g: string) =>
            run.get(T.association, `api7-${g}-hosts-rollout`).inputs.parameters.commands;
        expect(command(again, "dp")).toBe(command(prod, "dp"));
        expect(command(bumped, "dp")).not.toBe(command(prod, "dp"));
        expect(command(bumped, "cp")).toBe(command(prod, "cp"));
        expect(parameter(bumped, "/api7-ha/prod/dp/gateway.json").inputs.insecureValue).toContain("3.2.16.4");
    });

    test("the rollout command is plain text (no secret went into its fingerprint)", () => {
        expect(prod.get(T.association, "api7-cp-hosts-rollout").secretInputs).toEqual([]);
    });
});
