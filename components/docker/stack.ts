/**
 * The Docker target (deploy.target docker): the lab, and the stack's outputs for it (components/outputs.ts defines
 * them). The drills (`npm run drill -- <stack> <drill>`) read `target`, `gatewayUrls`, `dashboardUrl` and
 * `labContainers`.
 */
import type { Settings } from "../config/settings";
import type { DockerStackOutputs, Exported } from "../outputs";
import { Lab } from "./lab";

export function labStack(settings: Settings) {
    const lab = new Lab("api7-lab", { settings });
    return {
        target: "docker" as const,
        gatewayUrls: lab.gatewayUrls,
        dashboardUrl: lab.dashboardUrl,
        labContainers: lab.containers,
        gatewayTokenIssued: lab.gatewayGroupIssued,
    } satisfies Exported<DockerStackOutputs>;
}
