/**
 * The Docker target (deploy.target docker): the lab, and the stack's outputs for it (components/outputs.ts defines
 * them). The drills (`npm run drill -- <stack> <drill>`) read `target`, `gatewayUrls`, `dashboardUrl` and
 * `labContainers`.
 */
import type { Settings } from "../config/settings";
import type { DockerStackOutputs, DockerV2StackOutputs, Exported } from "../outputs";
import { Lab } from "./lab";
import { LabV2 } from "./lab-v2";

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

/** The lab for API7 2.x (deploy.generation 2.x): components/docker/lab-v2.ts. */
export function labStackV2(settings: Settings) {
    const lab = new LabV2("api7-lab", { settings });
    return {
        target: "docker" as const,
        generation: "2.x" as const,
        gatewayUrls: lab.gatewayUrls,
        dashboardUrl: lab.dashboardUrl,
        labContainers: lab.containers,
    } satisfies Exported<DockerV2StackOutputs>;
}
