/**
 * `npm run report` for an API7 2.x stack (deploy.generation 2.x): its etcd cluster's quorum (components/etcd.ts),
 * its snapshots, and how long each tier takes at worst to replace a lost host, from the same boot budgets and checks
 * the stack's grace periods and alarms use (components/aws/boot-budget.ts). No cost estimate for 2.x yet.
 */
import { EC2_STATUS_CHECK, worstCaseAfterCheck } from "../components/aws/boot-budget";
import type { Settings } from "../components/config/settings";
import { quorumFigures } from "../components/etcd";
import { CONTROL_PLANE_CHECK } from "../components/listeners";

const minutes = (seconds: number) => `${Math.ceil(seconds / 60)} min`;

export function renderEtcdReport(stack: string, settings: Settings): string {
    const q = quorumFigures(settings.etcd.members, settings.network.azCount);
    const interval = settings.etcd.snapshotIntervalMinutes;
    const grace = settings.hosts.healthCheckGraceSeconds;
    const gatewayCheck = settings.dataPlane.loadBalancer.healthCheck;
    return [
        `HA report for stack "${stack}" (API7 2.x: etcd cluster, dashboards on 9000, gateways on 80/443)`,
        "",
        "| figure | value | from |",
        "|---|---|---|",
        `| etcd members | ${q.members} over ${q.azs} AZs, at most ${q.largestAzShare} in one | etcd.members, ` +
            "network.availabilityZones (round-robin) |",
        `| quorum | ${q.quorum} of ${q.members} | members / 2 + 1 (etcd FAQ, failure tolerance) |`,
        `| members lost with reads and writes going on | ${q.toleratedFailures} | members - quorum |`,
        `| an AZ lost | ${q.survivesAzLoss ? "quorum kept" : "quorum lost: no writes"} | ${q.largestAzShare} ` +
            `member(s) in the largest AZ, ${q.toleratedFailures} may be lost |`,
        `| snapshots | every ${interval} min, by the leader; none without a quorum | etcd.snapshotIntervalMinutes |`,
        `| no snapshot alarm | after ${2 * interval} min | two intervals |`,
        `| an etcd member replaced, at worst | ${minutes(worstCaseAfterCheck("etcd", EC2_STATUS_CHECK, grace))} | ` +
            "EC2 status checks (estimate: 2 of a minute), terminate first, then its boot budget |",
        `| a dashboard replaced, at worst | ${minutes(worstCaseAfterCheck("dashboard", CONTROL_PLANE_CHECK, grace))} | ` +
            "GET /ping on 9000 fails, then its boot budget |",
        `| a gateway replaced, at worst | ${minutes(worstCaseAfterCheck("gateway", gatewayCheck, grace))} | ` +
            "dataPlane.healthCheck on 9091, then its boot budget |",
        "| monthly cost | not estimated for 2.x yet | docs/api7-2x.md |",
    ].join("\n");
}
