import * as pulumi from "@pulumi/pulumi";
import { gunzipSync } from "zlib";
import { gzipBase64 } from "../components/cloud-init";
import { AL2023_AMI_PARAMETER, hostInstanceOptions, PENDING_SECRET, secretParameterOptions } from "../components/host";
import { readTemplateFile } from "../components/templates";
import { MOCK_RESOLVED_AMI, runProgram, SECRET_MARKERS, TEST_SECRETS, type RunResult } from "./harness";
import { allStrings, azOf, hostsOf, parameter, parseUserData, T } from "./helpers";

let prod: RunResult;
let pinned: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    pinned = await runProgram({ stack: "dev", config: { "hosts.amiId": "ami-0123456789abcdef0", "hosts.rootVolumeGiB": 120 } });
});

describe("instances", () => {
    test("prod: 2 control-plane hosts on t3.medium and 3 gateways on c6i.large", () => {
        expect(hostsOf(prod, "api7-cp-hosts").map((h) => h.inputs.instanceType)).toEqual(["t3.medium", "t3.medium"]);
        expect(hostsOf(prod, "api7-dp-hosts").map((h) => h.inputs.instanceType)).toEqual(["c6i.large", "c6i.large", "c6i.large"]);
    });

    test("every host: gp3 encrypted root of the configured size, IMDSv2 with hop limit 2, no public IP, detailed monitoring", () => {
        for (const [run, size] of [[prod, 80], [pinned, 120]] as const) {
            for (const host of run.ofType(T.instance)) {
                expect(host.inputs.rootBlockDevice).toMatchObject({ volumeType: "gp3", volumeSize: size, encrypted: true, deleteOnTermination: true });
                expect(host.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" });
                expect(host.inputs.associatePublicIpAddress).toBe(false);
                expect(host.inputs.monitoring).toBe(true);
                expect(host.inputs.userDataReplaceOnChange).toBe(true);
            }
        }
    });

    test("an unpinned AMI is resolved from AWS's AL2023 x86_64 parameter, with a warning that says how to pin it", () => {
        expect(prod.ofType(T.instance).every((h) => h.inputs.ami === MOCK_RESOLVED_AMI)).toBe(true);
        expect(prod.invokes.some((i) => i.token === "aws:ssm/getParameter:getParameter" && i.inputs.name === AL2023_AMI_PARAMETER)).toBe(true);
        expect(prod.warnings.join("\n")).toContain(`pulumi config set --path hosts.amiId ${MOCK_RESOLVED_AMI}`);
    });

    test("the resolved AMI id is not secret, so previews show it", () => {
        for (const host of prod.ofType(T.instance)) expect(host.secretInputs).not.toContain("ami");
    });

    test("a pinned AMI is used as is, with no lookup and no warning", () => {
        expect(pinned.ofType(T.instance).every((h) => h.inputs.ami === "ami-0123456789abcdef0")).toBe(true);
        expect(pinned.invokes.some((i) => i.inputs.name === AL2023_AMI_PARAMETER)).toBe(false);
        expect(pinned.warnings).toEqual([]);
    });

    test("control-plane hosts are in distinct AZs; gateways go round-robin over all of them", () => {
        expect(hostsOf(prod, "api7-cp-hosts").map((h) => azOf(prod, h))).toEqual(["us-east-1a", "us-east-1b"]);
        expect(hostsOf(prod, "api7-dp-hosts").map((h) => azOf(prod, h))).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
        const odd = hostsOf(pinned, "api7-dp-hosts").map((h) => azOf(pinned, h));
        expect(new Set(odd).size).toBe(2);
    });
});

describe("resource options (invisible to mocks, built by a pure helper)", () => {
    const parent = new pulumi.ComponentResource("test:index:Parent", "p", {}, { urn: "urn:pulumi:s::p::test:index:Parent::p" });
    test("an unpinned AMI is ignored after creation, so a new AL2023 release replaces no host", () => {
        expect(hostInstanceOptions({ id: pulumi.output("ami-x"), pinned: false }, parent).ignoreChanges).toEqual(["ami"]);
    });
    test("a pinned AMI is applied: changing the pin is how hosts are upgraded", () => {
        expect(hostInstanceOptions({ id: pulumi.output("ami-x"), pinned: true }, parent).ignoreChanges).toBeUndefined();
    });
    test("an issued secret's value is never written back by pulumi up; a stack's own secret is", () => {
        expect(secretParameterOptions(true, parent).ignoreChanges).toEqual(["value"]);
        expect(secretParameterOptions(false, parent).ignoreChanges).toBeUndefined();
    });
});

describe("user data", () => {
    test("is #cloud-config that installs Docker and jq, writes the launcher, unit and host.json, and starts each service", () => {
        const cp = parseUserData(hostsOf(prod, "api7-cp-hosts")[0].inputs.userData);
        expect(cp.packages).toEqual(["docker", "jq"]);
        expect(cp.write_files.map((f: any) => f.path)).toEqual([
            "/etc/api7/host.json", "/usr/local/sbin/api7-run", "/usr/local/sbin/api7-apply", "/etc/systemd/system/api7@.service",
            "/usr/local/sbin/api7-bootstrap", "/etc/systemd/system/api7-bootstrap.service",
            // With the managed database: the timer that reconnects after RDS rotates the password.
            "/etc/systemd/system/api7-db-rotation.service", "/etc/systemd/system/api7-db-rotation.timer",
        ]);
        const host = JSON.parse(cp.write_files[0].content);
        expect(host).toEqual({ region: "us-east-1", parameterPrefix: "/api7-ha/prod/cp", services: ["dashboard", "dp-manager"] });
        expect(cp.runcmd).toEqual([
            ["systemctl", "enable", "--now", "docker.service"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", "api7@dashboard.service"],
            ["systemctl", "enable", "--now", "api7@dp-manager.service"],
            ["systemctl", "enable", "--now", "--no-block", "api7-bootstrap.service"],
            ["systemctl", "enable", "--now", "api7-db-rotation.timer"],
        ]);
        const dp = parseUserData(hostsOf(prod, "api7-dp-hosts")[0].inputs.userData);
        expect(JSON.parse(dp.write_files[0].content).services).toEqual(["gateway"]);
        expect(dp.write_files.map((f: any) => f.path)).not.toContain("/usr/local/sbin/api7-bootstrap");
        expect(dp.write_files.map((f: any) => f.path)).not.toContain("/etc/systemd/system/api7-db-rotation.timer");
    });

    test("the bootstrap script lands exactly as committed, compressed so user data stays under EC2's 16 KB", () => {
        const cp = parseUserData(hostsOf(prod, "api7-cp-hosts")[0].inputs.userData);
        const file = cp.write_files.find((f: any) => f.path === "/usr/local/sbin/api7-bootstrap");
        expect(file.encoding).toBe("gz+b64");
        expect(gunzipSync(Buffer.from(file.content, "base64")).toString("utf8")).toBe(readTemplateFile("api7-bootstrap.sh"));
        expect(file.content).toBe(gzipBase64(readTemplateFile("api7-bootstrap.sh")));
    });

    test("the systemd unit restarts its container always", () => {
        const cp = parseUserData(hostsOf(prod, "api7-cp-hosts")[0].inputs.userData);
        const unit: string = cp.write_files[3].content;
        expect(unit).toMatch(/^Restart=always$/m);
        expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/api7-run %i$/m);
    });

    test("holds no secret: no test secret appears in any host's user data", () => {
        for (const host of prod.ofType(T.instance)) {
            for (const marker of SECRET_MARKERS) expect(host.inputs.userData).not.toContain(marker);
        }
    });

    test("is identical across the hosts of a group (a config change replaces none of them)", () => {
        expect(new Set(hostsOf(prod, "api7-dp-hosts").map((h) => h.inputs.userData)).size).toBe(1);
    });
});

describe("secrets and parameters", () => {
    test("secrets are SSM SecureStrings under the group's own path, kept secret in Pulumi state", () => {
        const license = parameter(prod, "/api7-ha/prod/cp/secrets/license");
        expect(license.inputs).toMatchObject({ type: "SecureString", value: TEST_SECRETS.license });
        expect(license.secretInputs).toContain("value");
        // The managed database's password is in Secrets Manager, kept by RDS: no DSN parameter at all.
        expect(prod.ofType(T.parameter).map((p) => p.inputs.name)).not.toContain("/api7-ha/prod/cp/secrets/database-dsn");
        // Issued by the control plane: created holding the placeholder the gateway waits on.
        const token = parameter(prod, "/api7-ha/prod/dp/secrets/control-plane-token");
        expect(token.inputs).toMatchObject({ type: "SecureString", value: PENDING_SECRET });
        expect(token.secretInputs).toContain("value");
    });

    test("configs and run specs are plain String parameters (readable in preview --diff) that hold no secret", () => {
        const plain = prod.ofType(T.parameter).filter((x) => x.inputs.type !== "SecureString");
        // Per control-plane service a config and a run spec (dashboard, DP Manager), the gateway's, and bootstrap.json.
        expect(plain).toHaveLength(7);
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
        expect(trust.Statement).toEqual([{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } }]);
    });

    test("each group reads only its own SSM parameters", () => {
        for (const role of ["cp", "dp"]) {
            const policy = JSON.parse(prod.get(T.rolePolicy, `api7-${role}-hosts-parameters`).inputs.policy);
            expect(policy.Statement).toEqual([{
                Sid: "ReadOwnParameters",
                Effect: "Allow",
                Action: "ssm:GetParameter",
                Resource: `arn:aws:ssm:us-east-1:123456789012:parameter/api7-ha/prod/${role}/*`,
            }]);
        }
    });

    test("SSM core is attached for Session Manager and Run Command", () => {
        expect(prod.get(T.policyAttachment, "api7-dp-hosts-ssm-core").inputs.policyArn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    });
});

describe("config rollout", () => {
    test("one association per group runs api7-apply on its hosts, one host at a time, stopping at the first failure", () => {
        const cp = prod.get(T.association, "api7-cp-hosts-rollout").inputs;
        expect(cp.name).toBe("AWS-RunShellScript");
        expect(cp.targets).toEqual([{ key: "InstanceIds", values: ["api7-cp-hosts-0-id", "api7-cp-hosts-1-id"] }]);
        expect(cp.maxConcurrency).toBe("1");
        expect(cp.maxErrors).toBe("0");
        expect(cp.parameters.commands).toMatch(/^\/usr\/local\/sbin\/api7-apply dashboard dp-manager # parameters [0-9a-f]{16}$/);
    });

    test("the rollout command changes when a parameter of the group changes, and only then", async () => {
        const again = await runProgram({ stack: "prod", fresh: true });
        const bumped = await runProgram({ stack: "prod", config: { "dataPlane.gatewayImage": "api7/api7-ee-3-gateway:3.2.16.4" } });
        const command = (run: RunResult, g: string) => run.get(T.association, `api7-${g}-hosts-rollout`).inputs.parameters.commands;
        expect(command(again, "dp")).toBe(command(prod, "dp"));
        expect(command(bumped, "dp")).not.toBe(command(prod, "dp"));
        expect(command(bumped, "cp")).toBe(command(prod, "cp"));
        expect(parameter(bumped, "/api7-ha/prod/dp/gateway.json").inputs.insecureValue).toContain("3.2.16.4");
    });

    test("the rollout command is plain text (no secret went into its fingerprint)", () => {
        expect(prod.get(T.association, "api7-cp-hosts-rollout").secretInputs).toEqual([]);
    });
});
