/** Rules on scaling, the fallback export, admin access and gateway credentials. */
import { AREAS, PROJECT } from "../schema";
import { defaultBucketName } from "../names";
import { PUBLIC_CIDRS, MTLS_KEYS } from "./helpers";
import type { Rule } from "../rules";
import type { ConfigValues } from "../schema";
import { API7_MIN_FREE_DISK_GIB, HIBERNATION_MAX_RAM_GIB, INSTANCE_TYPES } from "../../instance-types";
import { groupMaxSize } from "../../aws/fleet";

/** A host group's maximum size, as components/aws/host/launch.ts sets it (fleet.ts groupMaxSize), and why. */
function groupMaximum(c: ConfigValues, key: "controlPlane" | "dataPlane"): { size: number; why: string } {
    const scaling = key === "dataPlane" && c.dataPlane.autoscaling.enabled;
    return {
        size: groupMaxSize(c[key].count, scaling ? c.dataPlane.autoscaling.maxCount : undefined),
        why: scaling ? "dataPlane.autoscaling.maxCount" : `${key}.count + 1, room for a replacement`,
    };
}

export const PLANES_RULES: readonly Rule[] = [
    // Scaling.
    {
        id: "autoscaling-ceiling",
        check: (c, _s, problem) => {
            const a = c.dataPlane.autoscaling;
            if (a.enabled && a.maxCount < c.dataPlane.count)
                problem(
                    ["dataPlane", "autoscaling", "maxCount"],
                    `must be at least dataPlane.count (${c.dataPlane.count})`,
                );
        },
    },
    {
        id: "autoscaling-settings-need-enabled",
        check: (c, _s, problem) => {
            const a = c.dataPlane.autoscaling;
            if (!a.enabled && JSON.stringify(a) !== JSON.stringify(AREAS.dataPlane.parse({}).autoscaling)) {
                problem(
                    ["dataPlane", "autoscaling", "enabled"],
                    "is false, but other dataPlane.autoscaling settings are set; set it true or remove them",
                );
            }
        },
    },
    // Alarms.
    {
        id: "alarm-emails-need-own-topic",
        check: (c, _s, problem) => {
            if (c.alarms.topicArn !== "" && c.alarms.emails.length > 0)
                problem(
                    ["alarms", "emails"],
                    "is set with alarms.topicArn: the program subscribes nobody to a topic it does not own; " +
                        "subscribe the addresses to that topic, or empty alarms.topicArn",
                );
        },
    },
    // Warm pools.
    {
        id: "warm-pool-within-group-maximum",
        check: (c, _s, problem) => {
            for (const key of ["controlPlane", "dataPlane"] as const) {
                const max = groupMaximum(c, key);
                if (c[key].warmPool.size > max.size)
                    problem(
                        [key, "warmPool", "size"],
                        `must be at most the group's maximum size, ${max.size} (${max.why}): a warm pool larger than ` +
                            "the group it refills is paid for and never used",
                    );
            }
        },
    },
    {
        id: "warm-pool-state-needs-size",
        check: (c, _s, problem) => {
            for (const key of ["controlPlane", "dataPlane"] as const) {
                const w = c[key].warmPool;
                if (w.size === 0 && w.state !== "Stopped")
                    problem([key, "warmPool", "state"], `is ${w.state} but ${key}.warmPool.size is 0 (no warm pool)`);
            }
        },
    },
    {
        id: "hibernation-fits",
        check: (c, _s, problem) => {
            for (const key of ["controlPlane", "dataPlane"] as const) {
                if (c[key].warmPool.size === 0 || c[key].warmPool.state !== "Hibernated") continue;
                const info = INSTANCE_TYPES[c[key].instanceType] as (typeof INSTANCE_TYPES)[string] | undefined;
                // Types the table does not know are held to AWS's answer at deploy time (components/aws/instance-type.ts).
                if (!info) continue;
                // EC2 hibernation: the RAM is saved to the encrypted EBS root volume, which must hold it; no Linux
                // instance above 150 GB of RAM hibernates (EC2 user guide, "Prerequisites for EC2 instance hibernation").
                if (info.memoryGiB >= HIBERNATION_MAX_RAM_GIB)
                    problem(
                        [key, "warmPool", "state"],
                        `is Hibernated, but ${key}.instanceType ${c[key].instanceType} has ${info.memoryGiB} GiB of RAM; ` +
                            `EC2 hibernates instances with less than ${HIBERNATION_MAX_RAM_GIB} GB`,
                    );
                else if (c.hosts.rootVolumeGiB < info.memoryGiB + API7_MIN_FREE_DISK_GIB)
                    problem(
                        ["hosts", "rootVolumeGiB"],
                        `is ${c.hosts.rootVolumeGiB} GiB; with ${key}.warmPool.state Hibernated it must hold the ` +
                            `${info.memoryGiB} GiB of RAM of ${c[key].instanceType} besides API7's ` +
                            `${API7_MIN_FREE_DISK_GIB} GiB: at least ${info.memoryGiB + API7_MIN_FREE_DISK_GIB}`,
                    );
            }
        },
    },
    // Fallback.
    {
        id: "standalone-needs-fallback",
        check: (c, _s, problem) => {
            if (c.dataPlane.mode === "standalone" && !c.fallback.enabled) {
                problem(
                    ["dataPlane", "mode"],
                    "is `standalone` but fallback.enabled is false: standalone gateways serve from the fallback " +
                        "buckets",
                );
            }
        },
    },
    {
        id: "fallback-buckets-distinct",
        check: (c, _s, problem) => {
            if (c.fallback.configBucketName && c.fallback.configBucketName === c.fallback.resourceBucketName) {
                problem(
                    ["fallback", "resourceBucketName"],
                    "must differ from fallback.configBucketName (API7 exports to two buckets)",
                );
            }
        },
    },
    {
        id: "fallback-default-bucket-name-length",
        check: (c, stack, problem) => {
            if (!c.fallback.enabled) return;
            for (const kind of ["config", "resource"] as const) {
                const key = kind === "config" ? "configBucketName" : "resourceBucketName";
                const derived = defaultBucketName(PROJECT, stack, kind, "123456789012");
                if (!c.fallback[key] && derived.length > 63) {
                    problem(
                        ["fallback", key],
                        `is needed: the stack name makes the default name ${derived.length} characters long (S3 ` +
                            `allows 63); set a shorter name`,
                    );
                }
            }
        },
    },
    // Admin access is never the whole internet unless someone says so in writing.
    {
        id: "admin-cidrs-not-public",
        check: (c, _s, problem) => {
            if (c.access.allowPublicAdmin) return;
            c.access.adminCidrs.forEach((cidr, i) => {
                if (PUBLIC_CIDRS.has(cidr))
                    problem(
                        ["access", "adminCidrs", i],
                        "opens the admin ports to the whole internet; use your office/VPN ranges or set " +
                            "access.allowPublicAdmin true",
                    );
            });
        },
    },
    // Gateway credentials you bring must fit the chosen auth; unset, the control plane issues them.
    {
        id: "token-auth-no-mtls-secrets",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth !== "token") return;
            for (const key of MTLS_KEYS)
                if (c[key])
                    problem(
                        [key],
                        "is set but dataPlane.controlPlaneAuth is `token`; remove it or set " +
                            "dataPlane.controlPlaneAuth mtls",
                    );
        },
    },
    {
        id: "mtls-auth-no-token",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth === "mtls" && c.gatewayToken)
                problem(
                    ["gatewayToken"],
                    "is set but dataPlane.controlPlaneAuth is `mtls`; remove it with `pulumi config rm gatewayToken`",
                );
        },
    },
    {
        id: "mtls-secrets-together",
        check: (c, _s, problem) => {
            if (c.dataPlane.controlPlaneAuth !== "mtls" || !MTLS_KEYS.some((k) => c[k])) return;
            for (const key of MTLS_KEYS) {
                if (!c[key])
                    problem(
                        [key],
                        `is required with the other mTLS secrets (gatewayClientCert, gatewayClientKey and ` +
                            `gatewayCa go together; or set none and the control plane issues them): \`pulumi ` +
                            `config set --secret ${key} < <file>.pem\``,
                    );
            }
        },
    },
];
