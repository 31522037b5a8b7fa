/**
 * From the stack's outputs to what a drill does: the outputs parsed with the program's own schema
 * (components/outputs.ts), what each drill stops, and where it sends its requests.
 */
import type { z } from "zod";
import {
    stackOutputs,
    v2StackOutputs,
    type AwsV2StackOutputs,
    type DockerV2StackOutputs,
    type StackOutputs,
} from "../../components/outputs";
import { SetupError, type Drill, type GatewayAction } from "./args";

/**
 * `pulumi stack output --json` prints one JSON object, output name to value; with `--show-secrets` secret values
 * are plain, without it they read "[secret]" (pulumi/pulumi sdk/nodejs/automation/localWorkspace.ts @27c845d9,
 * stackOutputs, runs exactly these two commands and compares them). A stack with no deployment prints `{}`
 * (pulumi/pulumi pkg/cmd/pulumi/stack/stack_output.go @851f66fc, getStackOutputs: no root stack resource, an empty
 * map).
 */
export function parseStackOutputs(stack: string, json: string): DrillOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new SetupError(`stack ${stack}: \`pulumi stack output --json\` did not print JSON`);
    }
    if (isObject(raw) && Object.keys(raw).length === 0)
        throw new SetupError(`stack ${stack}: no outputs ${NOT_DEPLOYED}`);
    // API7 2.x stacks say so (components/outputs.ts awsV2StackOutputs); any other is 3.x on either target.
    const result =
        isObject(raw) && raw.generation === "2.x" ? v2StackOutputs.safeParse(raw) : stackOutputs.safeParse(raw);
    if (result.success) return result.data;
    throw new SetupError(`stack ${stack}: ${describeIssue(raw, result.error.issues[0])}`);
}

/** A deployed stack's outputs: API7 3.x on either target, or API7 2.x on AWS. */
export type DrillOutputs = StackOutputs | AwsV2StackOutputs | DockerV2StackOutputs;

const isV2 = (o: DrillOutputs): o is AwsV2StackOutputs | DockerV2StackOutputs => "generation" in o;

const NOT_DEPLOYED = "(has the stack been deployed with this program?)";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The first issue, in words. Whether an output is missing is read from the outputs themselves: zod leaves the value
 * out of an issue unless asked (zod 4.6.7 v4/core/util.js finalizeIssue: `input` only with `reportInput`), and an
 * absent value reads the same as no value. A present value of the wrong type is named by its type only: with
 * --show-secrets it may be a secret.
 */
function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
    const [subject, verb] = issue.path.length > 0 ? [`output ${issue.path.join(".")}`, "is"] : ["the outputs", "are"];
    const value = valueAt(raw, issue.path);
    if (value === undefined) return `${subject} ${verb} missing ${NOT_DEPLOYED}`;
    if (issue.code === "invalid_type")
        return `${subject} ${verb} ${typeName(value)}, expected ${withArticle(issue.expected)}`;
    return `${subject} ${issue.message}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
    let value = raw;
    for (const key of path)
        value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    return value;
}

function typeName(value: unknown): string {
    if (value === null) return "null";
    return withArticle(Array.isArray(value) ? "array" : typeof value);
}

const withArticle = (noun: string) => `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;

// ---- What each drill stops and probes ----------------------------------------------------------------------------

/** The systemd unit of each API7 service on an AWS host (config-templates/api7@.service, one instance per service). */
const unit = (service: "gateway" | "dashboard" | "dp-manager" | "etcd") => `api7@${service}`;

export type FaultPlan =
    | { readonly kind: "docker"; readonly containers: readonly string[] }
    | {
          readonly kind: "aws";
          readonly region: string;
          readonly group: string;
          readonly units: readonly string[];
          /** Every InService host of the group (the control plane), or the first InService and Healthy one. */
          readonly allHosts: boolean;
      };

export function faultPlan(drill: Drill, outputs: DrillOutputs): FaultPlan {
    if (isV2(outputs)) return v2FaultPlan(drill, outputs);
    if (drill === "etcd")
        throw new SetupError("the etcd drill is for API7 2.x stacks (deploy.generation 2.x); this stack runs 3.x");
    if (outputs.target === "docker") {
        const c = outputs.labContainers;
        const chosen = {
            gateway: [c.gateways[0]],
            dashboard: [c.dashboards[0]],
            "dp-manager": [c.dpManagers[0]],
            "control-plane": [...c.dashboards, ...c.dpManagers],
        }[drill];
        return { kind: "docker", containers: chosen };
    }
    const groups = outputs.autoScalingGroups;
    const region = outputs.region;
    switch (drill) {
        case "gateway":
            return { kind: "aws", region, group: groups.dataPlane, units: [unit("gateway")], allHosts: false };
        case "dashboard":
            return { kind: "aws", region, group: groups.controlPlane, units: [unit("dashboard")], allHosts: false };
        case "dp-manager":
            return { kind: "aws", region, group: groups.controlPlane, units: [unit("dp-manager")], allHosts: false };
        case "control-plane":
            return {
                kind: "aws",
                region,
                group: groups.controlPlane,
                units: [unit("dashboard"), unit("dp-manager")],
                allHosts: true,
            };
    }
}

/**
 * API7 2.x on AWS: a gateway host's gateway, a dashboard host's dashboard, or the first etcd member (its etcd), each
 * one host of its group. The 3.x drills that stop a DP Manager have nothing to stop here.
 */
function v2FaultPlan(drill: Drill, outputs: AwsV2StackOutputs | DockerV2StackOutputs): FaultPlan {
    if (outputs.target === "docker") {
        const c = outputs.labContainers;
        const first = (list: readonly string[], what: string): FaultPlan => {
            if (list.length === 0)
                throw new SetupError(`this 2.x lab has no ${what} yet: set v2.clusterId and run \`pulumi up\``);
            return { kind: "docker", containers: [list[0]] };
        };
        switch (drill) {
            case "gateway":
                return first(c.gateways, "gateway containers");
            case "dashboard":
                return first(c.dashboards, "dashboard containers");
            case "etcd":
                return first(c.etcd, "etcd containers");
            default:
                throw new SetupError(`the ${drill} drill is for API7 3.x stacks; 2.x drills: gateway, dashboard, etcd`);
        }
    }
    const groups = outputs.autoScalingGroups;
    const one = (group: string, service: "gateway" | "dashboard" | "etcd"): FaultPlan => ({
        kind: "aws",
        region: outputs.region,
        group,
        units: [unit(service)],
        allHosts: false,
    });
    switch (drill) {
        case "gateway":
            if (groups.gateways === undefined)
                throw new SetupError("this 2.x stack has no gateway hosts yet: set v2.clusterId and run `pulumi up`");
            return one(groups.gateways, "gateway");
        case "dashboard":
            return one(groups.dashboards, "dashboard");
        case "etcd":
            return one(groups.etcd[0], "etcd");
        default:
            throw new SetupError(`the ${drill} drill is for API7 3.x stacks; 2.x drills: gateway, dashboard, etcd`);
    }
}

/**
 * What one probe request is: a GET of a URL, or (the etcd drill) a write and a read of etcd through the 2.x
 * dashboard's API (scripts/drill/dashboard-v2.ts).
 */
export type ProbeTarget =
    | { readonly kind: "get"; readonly url: string }
    | { readonly kind: "etcd-through-dashboard"; readonly dashboardUrl: string };

/** The probe of a drill: etcd through the dashboard for the etcd drill, a GET (probeUrl) otherwise. */
export function probeTarget(drill: Drill, outputs: DrillOutputs): ProbeTarget {
    if (drill === "etcd") return { kind: "etcd-through-dashboard", dashboardUrl: outputs.dashboardUrl };
    return { kind: "get", url: probeUrl(drill, outputs) };
}

/**
 * Where the drill sends its requests: the dashboard's load balancer for the dashboard drill (its health endpoint,
 * GET /healthz), the gateways' load balancer otherwise: gateways must keep serving with a DP Manager or the whole
 * control plane down (API7: a control plane failure stops configuration changes but does not affect service
 * requests, https://docs.api7.ai/enterprise/3.2.16.3/high-availability/overview).
 */
export function probeUrl(drill: Drill, outputs: DrillOutputs): string {
    // The 2.x dashboard answers GET /ping (components/v2-services.ts).
    if (drill === "dashboard") return new URL(isV2(outputs) ? "/ping" : "/healthz", outputs.dashboardUrl).toString();
    return new URL("/", outputs.gatewayUrls.http).toString();
}

/** The control-plane drill's gateway step (`--gateway`): the lab's first gateway container, or the gateways' group. */
export type GatewayPlan =
    | { readonly kind: "docker"; readonly container: string }
    | {
          readonly kind: "aws";
          readonly action: GatewayAction;
          readonly region: string;
          readonly group: string;
          readonly targetGroupArns: readonly string[];
          /** dataPlane.mode standalone: every gateway runs from the export already. */
          readonly pinnedStandalone: boolean;
      };

export function gatewayPlan(action: GatewayAction, outputs: DrillOutputs): GatewayPlan {
    if (isV2(outputs)) throw new SetupError("--gateway: the control-plane drill is for API7 3.x stacks");
    if (outputs.target === "docker") {
        if (action === "replace")
            throw new SetupError(
                "--gateway replace: the lab cannot replace a gateway (its containers are created by `pulumi up`); " +
                    "use --gateway restart",
            );
        return { kind: "docker", container: outputs.labContainers.gateways[0] };
    }
    return {
        kind: "aws",
        action,
        region: outputs.region,
        group: outputs.autoScalingGroups.dataPlane,
        targetGroupArns: outputs.gatewayTargetGroupArns,
        pinnedStandalone: outputs.dataPlaneMode === "standalone",
    };
}
