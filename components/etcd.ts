/**
 * The etcd cluster of the API7 2.x topology (deploy.generation 2.x), shared by the AWS target and the lab: its
 * members, where each one runs, and what a lost member or AZ costs.
 *
 * Raft needs a majority: "For a cluster with n members, quorum is (n/2)+1", and etcd's failure-tolerance table gives 3
 * members 1 failure and 5 members 2 (etcd FAQ, "What is failure tolerance?", https://etcd.io/docs/v3.5/faq/). So
 * members are spread over the AZs round-robin, and an AZ may hold no more members than the cluster can lose: 3
 * members over 2 AZs put 2 in one, whose loss leaves 1 of 3, below the quorum of 2.
 */

/** One member: its name (etcd's --name, stable across replacements), its number and its AZ's index. */
export interface EtcdMember {
    readonly name: string;
    /** 1-based. */
    readonly index: number;
    /** Index into the stack's AZs (and their private subnets), round-robin. */
    readonly azIndex: number;
}

export function etcdMembers(count: number, azCount: number): EtcdMember[] {
    if (!Number.isInteger(count) || count < 1) throw new Error(`etcd: ${count} members; at least 1`);
    if (!Number.isInteger(azCount) || azCount < 1) throw new Error(`etcd: ${azCount} AZs; at least 1`);
    return Array.from({ length: count }, (_, i) => ({ name: `etcd-${i + 1}`, index: i + 1, azIndex: i % azCount }));
}

export interface QuorumFigures {
    readonly members: number;
    readonly quorum: number;
    /** Members that may be lost with the cluster still reading and writing. */
    readonly toleratedFailures: number;
    readonly azs: number;
    /** The most members any one AZ holds (round-robin placement). */
    readonly largestAzShare: number;
    /** Whether losing any one AZ leaves a quorum. */
    readonly survivesAzLoss: boolean;
}

export function quorumFigures(members: number, azs: number): QuorumFigures {
    const quorum = Math.floor(members / 2) + 1;
    const toleratedFailures = members - quorum;
    const placed = etcdMembers(members, Math.min(azs, members));
    const largestAzShare = Math.max(
        ...Array.from({ length: Math.min(azs, members) }, (_, az) => placed.filter((m) => m.azIndex === az).length),
    );
    return {
        members,
        quorum,
        toleratedFailures,
        azs,
        largestAzShare,
        survivesAzLoss: largestAzShare <= toleratedFailures,
    };
}

/** etcd's `--initial-cluster`: every member's name and peer URL, in member order. */
export function initialCluster(members: readonly EtcdMember[], peerUrl: (m: EtcdMember) => string): string {
    return members.map((m) => `${m.name}=${peerUrl(m)}`).join(",");
}
