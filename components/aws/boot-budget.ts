/**
 * How long a new host takes from launch to serving, per role: the budget its Auto Scaling group's grace period is
 * sized from (hosts.healthCheckGraceSeconds overrides it), and the figures `npm run report` adds up.
 *
 * Every step below is an estimate with its reasoning, not a measurement of a real boot, and deliberately generous. A
 * grace period too short replaces hosts that were about to pass (a loop); too long only delays replacing a host that
 * never starts. Measure a first boot and set hosts.healthCheckGraceSeconds (README, "Sizing the grace period":
 * `cloud-init analyze show` and the units' journal give each step).
 */

import type { Check } from "../listeners";

export interface BootStep {
    readonly step: string;
    readonly seconds: number;
    /** Why this figure (an estimate, never a measurement here). */
    readonly basis: string;
}

/** The 3.x roles (cp, dp), Prometheus's, and the API7 2.x roles (dashboard, gateway, etcd: docs/api7-2x.md). */
export type HostRole = "cp" | "dp" | "prometheus" | "dashboard" | "gateway" | "etcd";

const COMMON: readonly BootStep[] = [
    {
        step: "launch and boot to cloud-init",
        seconds: 60,
        basis: "estimate: EC2 pending to running plus an Amazon Linux 2023 boot",
    },
    {
        step: "install Docker and jq (dnf)",
        seconds: 90,
        basis: "estimate: two packages and their dependencies from the AL2023 repositories over the S3 endpoint",
    },
];

/** Each role's steps after the common ones: its image pulls and the start of its services. */
const ROLE_STEPS: Readonly<Record<HostRole, readonly BootStep[]>> = {
    cp: [
        {
            step: "pull the dashboard and DP Manager images",
            seconds: 180,
            basis: "estimate: two API7 images of several hundred MB each",
        },
        {
            step: "start the dashboard and DP Manager (database migrations on a first install)",
            seconds: 120,
            basis: "estimate: API7 creates its schema at the first start against PostgreSQL",
        },
    ],
    dp: [
        { step: "pull the gateway image", seconds: 120, basis: "estimate: one API7 gateway image of a few hundred MB" },
        {
            step: "start the gateway and load its configuration",
            seconds: 60,
            basis: "estimate: OpenResty start and a first sync from the DP Manager",
        },
    ],
    prometheus: [
        { step: "pull the Prometheus image", seconds: 60, basis: "estimate: about 100 MB" },
        { step: "start Prometheus", seconds: 30, basis: "estimate: an empty TSDB" },
    ],
    dashboard: [
        { step: "pull the 2.x dashboard image", seconds: 120, basis: "estimate: one API7 image of a few hundred MB" },
        {
            step: "fetch its etcd certificate and start the dashboard",
            seconds: 60,
            basis: "estimate: a Go binary that connects to etcd; no migration (its state is in etcd)",
        },
    ],
    gateway: [
        {
            step: "pull the 2.x gateway image",
            seconds: 120,
            basis: "estimate: one API7 gateway image of a few hundred MB",
        },
        {
            step: "fetch its etcd certificate, start the gateway and load its configuration",
            seconds: 60,
            basis: "estimate: OpenResty start and a first full read of its cluster's prefix from etcd",
        },
    ],
    etcd: [
        { step: "pull the etcd image", seconds: 30, basis: "estimate: about 60 MB (etcd and etcdctl binaries)" },
        {
            step: "take over the member's interface and volume, start etcd and rejoin",
            seconds: 90,
            basis:
                "estimate: two EC2 attachments (the previous host terminated first), a mount, and a rejoin that " +
                "replays what the member missed from the leader",
        },
    ],
};

/** A role's budget from launch to its services answering on the host, step by step. */
export function bootSteps(role: HostRole): readonly BootStep[] {
    return [...COMMON, ...ROLE_STEPS[role]];
}

/**
 * A host started from the warm pool (components/aws/host/warm-pool.ts): its first boot (Docker, the images) is done,
 * so only the start of the instance as the pool kept it and of its services remains. api7-lifecycle completes the
 * launch hook as soon as it has started the services, so the hook overlaps the services' start.
 */
export function warmStartSteps(role: HostRole, state: "Stopped" | "Hibernated" | "Running"): readonly BootStep[] {
    const instance: Record<typeof state, BootStep> = {
        Stopped: {
            step: "start the stopped host and boot",
            seconds: 30,
            basis: "estimate: EC2 pending to running for an EBS-backed instance plus an AL2023 boot with no first-boot work",
        },
        Hibernated: {
            step: "resume the hibernated host",
            seconds: 20,
            basis: "estimate: EC2 pending to running and the RAM read back from the root volume",
        },
        Running: { step: "the host already runs", seconds: 0, basis: "a Running pool's host waits with its images" },
    };
    return [instance[state], ...ROLE_STEPS[role].slice(-1)];
}

/** The sum of a role's steps, in seconds. */
export function bootSeconds(role: HostRole): number {
    return bootSteps(role).reduce((sum, s) => sum + s.seconds, 0);
}

/**
 * The grace period: the boot budget plus the load balancer's passes to mark the host healthy, rounded up to a whole
 * minute. hosts.healthCheckGraceSeconds, when set, replaces it.
 */
export function gracePeriodSeconds(role: HostRole, healthyAfterSeconds: number, override?: number): number {
    if (override !== undefined) return override;
    return Math.ceil((bootSeconds(role) + healthyAfterSeconds) / 60) * 60;
}

/**
 * The longest from a host's death to the group judging its replacement: detection, the boot steps before the
 * services start, then the grace period, which starts once the host completes its launch hook as it starts them
 * (config-templates/api7-lifecycle.sh). `npm run report` prints it; the in-service alarm waits this long.
 */
export function worstCaseReplacementSeconds(
    role: HostRole,
    detectionSeconds: number,
    healthySeconds: number,
    graceOverride?: number,
): number {
    const beforeServices = bootSteps(role)
        .slice(0, -1)
        .reduce((sum, b) => sum + b.seconds, 0);
    return detectionSeconds + beforeServices + gracePeriodSeconds(role, healthySeconds, graceOverride);
}

/** Worst case for a check to find a dead host: its unhealthy passes x interval, and the last check's timeout. */
export function detectionSeconds(c: Check): number {
    return c.unhealthyThreshold * c.intervalSeconds + c.timeoutSeconds;
}

/** How long a check takes to find a serving host healthy: its healthy passes x interval. */
export function healthySeconds(c: Check): number {
    return c.healthyThreshold * c.intervalSeconds;
}

/** worstCaseReplacementSeconds for a role whose hosts `check` judges. */
export function worstCaseAfterCheck(role: HostRole, check: Check, graceOverride?: number): number {
    return worstCaseReplacementSeconds(role, detectionSeconds(check), healthySeconds(check), graceOverride);
}

/**
 * How Auto Scaling finds a host without a load balancer dead (an etcd member: EC2 health checks only). An estimate:
 * EC2 runs status checks every minute (EC2 user guide, monitoring-system-instance-status-check.html); two failed ones
 * are assumed before the group acts. No passes to be found healthy: the group counts a host once it is in service.
 */
export const EC2_STATUS_CHECK: Check = Object.freeze({
    intervalSeconds: 60,
    timeoutSeconds: 0,
    healthyThreshold: 0,
    unhealthyThreshold: 2,
});

/**
 * Instance warm-up: after a new host is in service and healthy, how long before an instance refresh moves on and
 * its CPU counts for scaling. One minute lets a gateway finish its first sync before the next old host leaves.
 */
export const WARMUP_SECONDS = 60;
