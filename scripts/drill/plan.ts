/**
 * From the stack's outputs to what a drill does: the outputs parsed with the program's own schema
 * (components/outputs.ts), what each drill stops, and where it sends its requests.
 */
import { stackOutputs, type StackOutputs } from "../../components/outputs";
import { SetupError, type Drill } from "./args";

/**
 * `pulumi stack output --json` prints one JSON object, output name to value; with `--show-secrets` secret values
 * are plain, without it they read "[secret]" (pulumi/pulumi sdk/nodejs/automation/localWorkspace.ts @27c845d9,
 * stackOutputs, runs exactly these two commands and compares them).
 */
export function parseStackOutputs(stack: string, json: string): StackOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new SetupError(`stack ${stack}: \`pulumi stack output --json\` did not print JSON`);
    }
    const result = stackOutputs.safeParse(raw);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(outputs)";
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    throw new SetupError(`stack ${stack}: output ${where} ${missing ? "is missing (has the stack been deployed with this program?)" : issue.message}`);
}

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
        const chosen = { gateway: [c.gateways[0]], dashboard: [c.dashboards[0]], "dp-manager": [c.dpManagers[0]], "control-plane": [...c.dashboards, ...c.dpManagers] }[drill];
        return { kind: "docker", containers: chosen };
    }
    const groups = outputs.autoScalingGroups;
    const region = outputs.region;
    switch (drill) {
        case "gateway": return { kind: "aws", region, group: groups.dataPlane, units: [unit("gateway")], allHosts: false };
        case "dashboard": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dashboard")], allHosts: false };
        case "dp-manager": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dp-manager")], allHosts: false };
        case "control-plane": return { kind: "aws", region, group: groups.controlPlane, units: [unit("dashboard"), unit("dp-manager")], allHosts: true };
    }
}

/**
 * Where the drill sends its requests: the dashboard's load balancer for the dashboard drill (its health endpoint,
 * GET /healthz), the gateways' load balancer otherwise: gateways must keep serving with a DP Manager or the whole
 * control plane down (seed 003: the control plane's failure "will not affect business API requests already running").
 */
export function probeUrl(drill: Drill, outputs: StackOutputs): string {
    if (drill === "dashboard") return new URL("/healthz", outputs.dashboardUrl).toString();
    return new URL("/", outputs.gatewayUrls.http).toString();
}
