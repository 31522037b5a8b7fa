/** What several rules read: fixed values and questions about a configuration. */
import { AREAS } from "../schema";
import { ecrRegistry } from "../../image-refs";
import type { ConfigValues } from "../schema";

export const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** Settings of the database area that only a managed database reads, and their defaults. */
export const DATABASE_DEFAULTS = AREAS.database.parse({});
export const MANAGED_DATABASE_KEYS = (Object.keys(DATABASE_DEFAULTS) as (keyof typeof DATABASE_DEFAULTS)[]).filter(
    (k) => k !== "kind" && k !== "externalCidrs",
);

export const MTLS_KEYS = ["gatewayClientCert", "gatewayClientKey", "gatewayCa"] as const;
export const SUBNET_KEYS = ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const;

export const byoVpc = (c: ConfigValues) => c.network.existingVpcId !== "";
/** Images pulled from ECR: the cache, or a registry in ECR (the hosts' role pulls, no login). */
export const imagesFromEcr = (c: ConfigValues) =>
    c.images.source === "ecrPullThroughCache" ||
    (c.images.source === "registry" && ecrRegistry(c.images.registry.split("/")[0]) !== undefined);
