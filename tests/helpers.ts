/** Parsing helpers shared by the tests: every assertion is made on parsed structures, never on raw text. */
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import * as yaml from "js-yaml";
import type { Recorded, RunResult } from "../tools/harness";

export const T = Object.freeze({
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    scalingPolicy: "aws:autoscaling/policy:Policy",
    parameter: "aws:ssm/parameter:Parameter",
    association: "aws:ssm/association:Association",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    subnet: "aws:ec2/subnet:Subnet",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    kmsKey: "aws:kms/key:Key",
    kmsAlias: "aws:kms/alias:Alias",
    natGateway: "aws:ec2/natGateway:NatGateway",
    vpc: "aws:ec2/vpc:Vpc",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    routeTable: "aws:ec2/routeTable:RouteTable",
});

/**
 * Where `bin` is on PATH: the first PATH entry holding an executable regular file of that name (an empty entry is
 * the current directory), or undefined. The suite only asks for programs, so shell builtins and functions, which
 * `command -v` would also report, do not matter. Looked up with fs, not by starting a shell: from a jest worker,
 * each process started costs a fork of the worker's whole address space.
 */
export function which(bin: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const file = path.join(dir || ".", bin);
        try {
            fs.accessSync(file, fs.constants.X_OK);
            if (fs.statSync(file).isFile()) return file;
        } catch {
            // Not here.
        }
    }
    return undefined;
}

/**
 * Throws, naming the first of `bins` not on PATH and the script that installs it (.ci/install-tools): a check whose
 * program is missing fails, on every machine, rather than being skipped.
 */
export function requireTools(...bins: string[]): void {
    for (const bin of bins) {
        if (which(bin) === undefined) throw new Error(`${bin} is not installed: run \`bash .ci/install-tools\``);
    }
}

/** A test (or `test.concurrent`) that first requires `bins` on PATH (requireTools), then runs `fn`. */
export function needing(
    bins: readonly string[],
    runner: (name: string, fn: () => Promise<unknown>, timeout?: number) => void = test,
) {
    return (name: string, fn: () => unknown, timeout?: number): void =>
        runner(
            name,
            async () => {
                requireTools(...bins);
                await fn();
            },
            timeout,
        );
}

/** User data must be `#cloud-config` and parse as YAML. */
export function parseUserData(userData: string): any {
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    return yaml.load(userData);
}

/** The SSM parameter with the given full name (e.g. /api7-ha/prod/cp/dashboard-config.yaml). */
export function parameter(run: RunResult, name: string): Recorded {
    const found = run.ofType(T.parameter).find((p) => p.inputs.name === name);
    if (!found)
        throw new Error(
            `no SSM parameter ${name}; have ${run
                .ofType(T.parameter)
                .map((p) => p.inputs.name)
                .join(", ")}`,
        );
    return found;
}

/** A service's rendered config (YAML) and run spec (JSON), parsed. */
export function service(run: RunResult, prefix: string, name: string): { config: any; spec: any } {
    return {
        config: yaml.load(parameter(run, `${prefix}/${name}-config.yaml`).inputs.insecureValue),
        spec: JSON.parse(parameter(run, `${prefix}/${name}.json`).inputs.insecureValue),
    };
}

/** A host group (e.g. api7-dp-hosts): its launch template, its Auto Scaling group and its decoded user data. */
export function groupOf(run: RunResult, group: string): { template: Recorded; asg: Recorded; userData: string } {
    const template = run.ofType(T.launchTemplate).find((r) => r.name === `${group}-template`);
    const asg = run.ofType(T.asg).find((r) => r.name === `${group}-group`);
    if (!template || !asg)
        throw new Error(
            `no host group ${group}; have ${run
                .ofType(T.asg)
                .map((r) => r.name)
                .join(", ")}`,
        );
    return { template, asg, userData: decodeUserData(template.inputs.userData) };
}

/** A launch template's user data as cloud-init reads it: base64, then gzip (components/aws/fleet.ts launchTemplateUserData). */
export function decodeUserData(base64: string): string {
    return gunzipSync(Buffer.from(base64, "base64")).toString("utf8");
}

/** Every string anywhere in a value (for leak checks). */
export function allStrings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(allStrings);
    if (value && typeof value === "object") return Object.values(value).flatMap(allStrings);
    return [];
}

/** Ingress/egress rules of a security group (by its resource name), as comparable rows. */
export function rulesOf(
    run: RunResult,
    type: string,
    groupName: string,
): { port: string; peer: string; description: string }[] {
    return run
        .ofType(type)
        .filter((r) => r.inputs.securityGroupId === `${groupName}-id`)
        .map((r) => ({
            port:
                r.inputs.fromPort === r.inputs.toPort
                    ? `${r.inputs.fromPort}`
                    : `${r.inputs.fromPort}-${r.inputs.toPort}`,
            peer: r.inputs.referencedSecurityGroupId
                ? `sg:${String(r.inputs.referencedSecurityGroupId).replace(/-id$/, "")}`
                : (r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6),
            description: r.inputs.description,
        }));
}

/** `ref` pinned to a digest (images.pinDigests, on in prod): ref@sha256:<64 hex>. */
export const pinned = (ref: string) =>
    expect.stringMatching(new RegExp(`^${ref.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}@sha256:[0-9a-f]{64}$`));
