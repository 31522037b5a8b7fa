/**
 * Rules on deploy.generation: each generation's settings only with it, and what the 2.x topology needs of the rest
 * (its etcd cluster's AZs, its images' source).
 */
import { AREAS } from "../schema";
import type { ConfigValues } from "../schema";
import { quorumFigures } from "../../etcd";
import { byoVpc } from "./helpers";
import type { Path, Rule } from "../rules";

type AreaKey = keyof typeof AREAS;

/**
 * The settings only API7 3.x reads (an area's name alone: all of it). fallback.enabled is left out: it is on by
 * default, and a 2.x stack creates no bucket whatever it says.
 */
const THREE_ONLY: readonly (readonly [AreaKey, ...string[]])[] = [
    ["controlPlane", "dashboardImage"],
    ["controlPlane", "dpManagerImage"],
    ["controlPlane", "dashboardListener"],
    ["database"],
    ["dataPlane", "gatewayImage"],
    ["dataPlane", "gatewayGroupId"],
    ["dataPlane", "gatewayGroupName"],
    ["dataPlane", "createGatewayGroup"],
    ["dataPlane", "controlPlaneAuth"],
    ["dataPlane", "controlPlaneSni"],
    ["dataPlane", "mode"],
    ["dataPlane", "reconnectAfterChecks"],
    ["fallback", "configBucketName"],
    ["fallback", "resourceBucketName"],
    ["fallback", "kmsKeyArn"],
    ["fallback", "noncurrentVersionExpirationDays"],
    ["fallback", "cronSpec"],
    ["fallback", "credentials"],
    ["fallback", "forceDestroy"],
    ["lab", "database"],
    ["lab", "mysqlImage"],
    ["lab", "postgresImage"],
    ["prometheus"],
    ["alarms", "databaseConnections"],
];
/** The secrets only API7 3.x reads. */
const THREE_ONLY_SECRETS = ["databaseDsn", "gatewayToken", "gatewayClientCert", "gatewayClientKey", "gatewayCa"];
/** The areas only API7 2.x reads. */
const TWO_ONLY: readonly AreaKey[] = ["etcd", "v2"];

const DEFAULTS = Object.fromEntries(Object.entries(AREAS).map(([k, v]) => [k, v.parse({})])) as unknown as Record<
    AreaKey,
    Record<string, unknown>
>;

/** Each setting under `area` (or only `keys` of it) whose value is not its default, as a path. */
function changed(c: ConfigValues, area: AreaKey, keys?: readonly string[]): Path[] {
    const given = c[area] as Record<string, unknown>;
    return (keys ?? Object.keys(DEFAULTS[area]))
        .filter((k) => JSON.stringify(given[k]) !== JSON.stringify(DEFAULTS[area][k]))
        .map((k) => [area, k]);
}

export const GENERATION_RULES: readonly Rule[] = [
    {
        id: "generation-settings",
        check: (c, _s, problem) => {
            if (c.deploy.generation === "2.x") {
                for (const [area, ...keys] of THREE_ONLY)
                    for (const path of changed(c, area, keys.length > 0 ? keys : undefined))
                        problem(path, "applies to deploy.generation `3.x` only; remove it for `2.x`");
                for (const secret of THREE_ONLY_SECRETS)
                    if (c[secret as keyof ConfigValues] !== undefined)
                        problem([secret], "is set, but only deploy.generation `3.x` reads it; remove it for `2.x`");
            } else {
                for (const area of TWO_ONLY)
                    for (const path of changed(c, area))
                        problem(
                            path,
                            "applies to deploy.generation `2.x` only; remove it, or set deploy.generation 2.x",
                        );
            }
        },
    },
    {
        id: "generation-2-images-from-registry",
        check: (c, _s, problem) => {
            if (c.deploy.generation === "2.x" && c.deploy.target === "aws" && c.images.source !== "registry")
                problem(
                    ["images", "source"],
                    `is \`${c.images.source}\`; API7 2.x's images are not published to a registry: load them from ` +
                        "API7's tarball, push them to yours, and set images.source registry (docs/api7-2x.md)",
                );
        },
    },
    {
        id: "generation-2-etcd-survives-an-az",
        check: (c, _s, problem) => {
            if (c.deploy.generation !== "2.x" || c.deploy.target !== "aws") return;
            const byo = byoVpc(c);
            const azs = byo ? c.network.existingPrivateSubnetIds.length : c.network.availabilityZones;
            const q = quorumFigures(c.etcd.members, azs);
            if (q.survivesAzLoss) return;
            problem(
                byo ? ["network", "existingPrivateSubnetIds"] : ["network", "availabilityZones"],
                `${byo ? `has ${azs} subnets` : `is ${azs}`}; deploy.generation 2.x needs at least 3 AZs: ` +
                    `etcd.members ${q.members} over ${azs} AZs puts ${q.largestAzShare} in one, and losing that AZ ` +
                    `leaves ${q.members - q.largestAzShare} of ${q.members}, below etcd's quorum of ${q.quorum}`,
            );
        },
    },
];
