/**
 * `npm run report` for an API7 2.x stack (deploy.generation 2.x): its etcd cluster's quorum as the settings plan it
 * (components/etcd.ts). Neither target builds 2.x yet (docs/api7-2x.md), so there are no host, detection or
 * replacement figures, and no cost, to give.
 */
import type { Settings } from "../components/config/settings";
import { quorumFigures } from "../components/etcd";

export function renderEtcdReport(stack: string, settings: Settings): string {
    const q = quorumFigures(settings.etcd.members, settings.network.azCount);
    const interval = settings.etcd.snapshotIntervalMinutes;
    return [
        `HA report for stack "${stack}" (API7 2.x: this version plans its etcd cluster, and builds nothing yet)`,
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
        "| detection, replacement, cost | none yet: no 2.x host is built | docs/api7-2x.md |",
    ].join("\n");
}
