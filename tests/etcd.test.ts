/** The etcd cluster's members, placement and quorum (components/etcd.ts), against etcd's failure-tolerance table. */
import { etcdMembers, initialCluster, quorumFigures } from "../components/etcd";
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { requireTools } from "./helpers";

test("members are named etcd-<n> and placed round-robin over the AZs", () => {
    expect(etcdMembers(5, 3)).toEqual([
        { name: "etcd-1", index: 1, azIndex: 0 },
        { name: "etcd-2", index: 2, azIndex: 1 },
        { name: "etcd-3", index: 3, azIndex: 2 },
        { name: "etcd-4", index: 4, azIndex: 0 },
        { name: "etcd-5", index: 5, azIndex: 1 },
    ]);
    expect(() => etcdMembers(0, 3)).toThrow("etcd: 0 members; at least 1");
});

// etcd FAQ, "What is failure tolerance?" (https://etcd.io/docs/v3.5/faq/): 3 members, majority 2, tolerance 1;
// 5 members, majority 3, tolerance 2.
test.each([
    [3, 3, { quorum: 2, toleratedFailures: 1, largestAzShare: 1, survivesAzLoss: true }],
    [3, 2, { quorum: 2, toleratedFailures: 1, largestAzShare: 2, survivesAzLoss: false }],
    [5, 3, { quorum: 3, toleratedFailures: 2, largestAzShare: 2, survivesAzLoss: true }],
    [5, 2, { quorum: 3, toleratedFailures: 2, largestAzShare: 3, survivesAzLoss: false }],
    [5, 6, { quorum: 3, toleratedFailures: 2, largestAzShare: 1, survivesAzLoss: true }],
])("%i members over %i AZs", (members, azs, expected) => {
    expect(quorumFigures(members, azs)).toEqual({ members, azs, ...expected });
});

test("--initial-cluster lists every member's name and peer URL in member order", () => {
    const ips = ["10.0.0.10", "10.0.1.10", "10.0.2.10"];
    expect(initialCluster(etcdMembers(3, 3), (m) => `https://${ips[m.azIndex]}:2380`)).toBe(
        "etcd-1=https://10.0.0.10:2380,etcd-2=https://10.0.1.10:2380,etcd-3=https://10.0.2.10:2380",
    );
});

test.each(["api7-etcd-auth.sh", "api7-etcd-snapshot.sh", "api7-etcd-member.sh"])(
    "%s passes shellcheck, following what it sources (tests/real/etcd*.test.ts run it)",
    (file) => {
        requireTools("shellcheck");
        const r = spawnSync("shellcheck", ["-x", path.join(ROOT, "config-templates", file)], {
            encoding: "utf8",
        });
        expect([r.status, r.stdout]).toEqual([0, ""]);
    },
);
