/**
 * `npm run report`'s figures for warm pools (controlPlane.warmPool, dataPlane.warmPool): from a host's death to full
 * capacity when a warm host replaces it, beside the cold launch's figure, and what the pool costs a month.
 */
import { PRICES } from "./prices";
import type { Settings } from "../components/config/settings";
import { warmStartSteps, type BootStep } from "../components/aws/boot-budget";
import type { ReplacementFigures } from "./ha-report";

/**
 * gp3 storage per GB-month, from the price table (scripts/prices.ts, us-east-1). A Stopped or Hibernated warm host is
 * billed for its volume only; a Running one for its instance hours too, which this row does not price (the cost part
 * of the report does).
 */
export const GP3_USD_PER_GB_MONTH = PRICES.gp3.usd;

export interface WarmPoolFigures {
    readonly size: number;
    readonly state: "Stopped" | "Hibernated" | "Running";
    /** Detection, the warm host's start, its services' start, healthy. */
    readonly steps: readonly BootStep[];
    readonly seconds: number;
    /** The warm hosts' volumes. */
    readonly monthlyUsd: number;
}

/** A role's warm-pool figures, or undefined without a pool. */
export function warmPoolFigures(
    settings: Settings,
    role: "cp" | "dp",
    cold: ReplacementFigures,
): WarmPoolFigures | undefined {
    const pool = role === "cp" ? settings.controlPlane.warmPool : settings.dataPlane.warmPool;
    if (pool.size === 0) return undefined;
    const steps: BootStep[] = [
        { step: "detection", seconds: cold.detectionSeconds, basis: "unhealthy threshold x interval + timeout" },
        ...warmStartSteps(role, pool.state),
        { step: "healthy", seconds: cold.healthySeconds, basis: "healthy threshold x interval" },
    ];
    return {
        size: pool.size,
        state: pool.state,
        steps,
        seconds: steps.reduce((sum, s) => sum + s.seconds, 0),
        monthlyUsd: pool.size * settings.hosts.rootVolumeGiB * GP3_USD_PER_GB_MONTH,
    };
}

export function warmPoolRows(tier: string, w: WarmPoolFigures): string[] {
    const running = w.state === "Running" ? " + the instances' hours (not priced here)" : "";
    return [
        `| ${tier}: back to full capacity from the warm pool (worst case by the budget) | ${w.seconds} s | ` +
            `${w.steps.map((s) => `${s.step} ${s.seconds} s`).join(" + ")} (estimates: components/aws/boot-budget.ts); ` +
            "plus the group's reaction, which AWS does not quantify |",
        `| ${tier}: warm pool | ${w.size} host(s) kept ${w.state}, about $${w.monthlyUsd.toFixed(2)} a month | ` +
            `${w.size} x hosts.rootVolumeGiB x $${GP3_USD_PER_GB_MONTH}/GB-month gp3 (us-east-1, unconfirmed)${running} |`,
    ];
}
