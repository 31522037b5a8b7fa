/** Rules on scaling, the fallback export, admin access and gateway credentials. */
import { AREAS, PROJECT } from "../schema";
import { defaultBucketName } from "../names";
import { PUBLIC_CIDRS, MTLS_KEYS } from "./helpers";
import type { Rule } from "../rules";

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
