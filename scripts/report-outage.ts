/**
 * `npm run report`'s figures for gateways through a control-plane outage: how soon one started during it serves
 * the last export, how old that export may be, and how soon a standalone gateway is back connected.
 */
import { longestIntervalSeconds } from "../components/schedule";
import type { Settings } from "../components/config/settings";
import { bootSteps, type BootStep } from "../components/aws/boot-budget";
import { CONTROL_PLANE_PROBE_TIMEOUT_SECONDS, OUTAGE_CHECK_INTERVAL_SECONDS } from "../components/services";

/** A gateway through a control-plane outage (components/services.ts OutageFallback, api7-run's --watch). */
export interface OutageFigures {
    /** From its host starting api7-run to serving the last export: probe + export check + start + healthy. */
    readonly standaloneStartSeconds: number;
    readonly standaloneStartSteps: readonly BootStep[];
    /** The export it serves is at most this much older than the control plane's state when the outage began. */
    readonly exportAgeSeconds: number;
    /** From the DP Manager answering again to the gateway serving connected: checks + drain + start + healthy. */
    readonly returnSeconds: number;
    readonly returnSteps: readonly BootStep[];
}

/** Listing one S3 bucket's first key, twice (both buckets), with the AWS CLI's start: an estimate. */
const EXPORT_CHECK_SECONDS = 4;
/** api7-run's control_plane_answers asks each endpoint twice, a second apart (API7_PROBE_RETRY_SECONDS, default 1). */
const PROBE_ATTEMPTS = 2;
const PROBE_RETRY_SECONDS = 1;

/**
 * The start of a gateway while no DP Manager answers, and its return: from api7-run (config-templates/api7-run.sh)
 * and the boot budget's start step (an estimate); the probe waits CONTROL_PLANE_PROBE_TIMEOUT_SECONDS twice for its
 * one endpoint (the DP Manager's load balancer).
 */
export function outageFigures(settings: Settings): OutageFigures {
    const hc = settings.dataPlane.loadBalancer.healthCheck;
    const start = bootSteps("dp").slice(-1);
    const healthy: BootStep = {
        step: "healthy",
        seconds: hc.healthyThreshold * hc.intervalSeconds,
        basis: "healthy threshold x interval",
    };
    const standaloneStartSteps: BootStep[] = [
        {
            step: "probe",
            seconds: PROBE_ATTEMPTS * CONTROL_PLANE_PROBE_TIMEOUT_SECONDS + PROBE_RETRY_SECONDS,
            basis: "GET /version times out twice, a second apart",
        },
        { step: "export check", seconds: EXPORT_CHECK_SECONDS, basis: "estimate: two S3 listings" },
        ...start,
        healthy,
    ];
    const returnSteps: BootStep[] = [
        {
            step: "answered checks",
            seconds: settings.dataPlane.reconnectAfterChecks * OUTAGE_CHECK_INTERVAL_SECONDS,
            basis: "dataPlane.reconnectAfterChecks x 30 s",
        },
        {
            step: "drain",
            seconds: settings.dataPlane.loadBalancer.deregistrationDelaySeconds,
            basis: "deregistration delay",
        },
        { step: "seen drained", seconds: 15, basis: "the elbv2 waiter polls every 15 s (botocore waiters-2.json)" },
        ...start,
        { ...healthy, step: "in service" },
    ];
    const sum = (steps: readonly BootStep[]) => steps.reduce((total, step) => total + step.seconds, 0);
    return {
        standaloneStartSeconds: sum(standaloneStartSteps),
        standaloneStartSteps,
        // The schedule's longest gap: an export just before it is that old when the outage begins.
        exportAgeSeconds: longestIntervalSeconds(settings.fallback.cronSpec),
        returnSeconds: sum(returnSteps),
        returnSteps,
    };
}

export function outageRows(o: OutageFigures): string[] {
    const steps = (list: readonly BootStep[]) => list.map((b) => `${b.step} ${b.seconds} s`).join(" + ");
    return [
        `| control plane down: a gateway started meanwhile serves the last export (worst case, once its host runs) | ` +
            `${o.standaloneStartSeconds} s | ${steps(o.standaloneStartSteps)} (the start is an estimate: ` +
            `components/aws/boot-budget.ts) |`,
        `| control plane down: the configuration a standalone gateway serves is at most this old | ` +
            `${o.exportAgeSeconds} s before the outage began | the fallback export schedule's longest gap |`,
        `| control plane back: a standalone gateway serves connected again (the first; each further one waits for ` +
            `the one before: one at a time) | ${o.returnSeconds} s | ${steps(o.returnSteps)} |`,
    ];
}
