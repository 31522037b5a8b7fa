/**
 * From the stack's outputs to what a drill does: the outputs parsed with the program's own schema
 * (components/outputs.ts), what each drill stops, and where it sends its requests.
 */
import type { z } from "zod";
import { stackOutputs, type StackOutputs } from "../../components/outputs";
import { SetupError, type Drill, type GatewayAction } from "./args";

/**
 * `pulumi stack output --json` prints one JSON object, output name to value; with `--show-secrets` secret values
 * are plain, without it they read "[secret]" (pulumi/pulumi sdk/nodejs/automation/localWorkspace.ts @27c845d9,
 * stackOutputs, runs exactly these two commands and compares them). A stack with no deployment prints `{}`
 * (pulumi/pulumi pkg/cmd/pulumi/stack/stack_output.go @851f66fc, getStackOutputs: no root stack resource, an empty
 * map).
 */
export function parseStackOutputs(stack: string, json: string): StackOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new SetupError(`stack ${stack}: \`pulumi stack output --json\` did not print JSON`);
    }
    if (isObject(raw) && Object.keys(raw).length === 0)
        throw new SetupError(`stack ${stack}: no outputs ${NOT_DEPLOYED}`);
    const result = stackOutputs.safeParse(raw);
    if (result.success) return result.data;
    throw new SetupError(`stack ${stack}: ${describeIssue(raw, result.error.issues[0])}`);
}

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
const unit = (service: "gateway" | "dashboard" | "dp-manager") => `api7@${service}`;

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

export function faultPlan(drill: Drill, outputs: StackOutputs): FaultPlan {
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
 * Where the drill sends its requests: the dashboard's load balancer for the dashboard drill (its health endpoint,
 * GET /healthz), the gateways' load balancer otherwise: gateways must keep serving with a DP Manager or the whole
 * control plane down (API7: a control plane failure stops configuration changes but does not affect service
 * requests, https://docs.api7.ai/enterprise/3.2.16.3/high-availability/overview).
 */
export function probeUrl(drill: Drill, outputs: StackOutputs): string {
    if (drill === "dashboard") return new URL("/healthz", outputs.dashboardUrl).toString();
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

export function gatewayPlan(action: GatewayAction, outputs: StackOutputs): GatewayPlan {
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
