/**
 * Image references as Docker reads them, and as hosts pull them for each images.source. Pure functions (no AWS
 * SDK), shared by the config rules and the ImageRegistry component (components/aws/images.ts).
 */

/** Docker Hub's reference domain and its legacy alias (distribution/reference normalize.go, splitDockerDomain). */
const DOCKER_HUB_DOMAINS = new Set(["docker.io", "index.docker.io"]);

/** The upstream registry URL ECR takes for a Docker Hub cache (CreatePullThroughCacheRule, upstreamRegistryUrl). */
export const DOCKER_HUB_UPSTREAM = "registry-1.docker.io";

/** An image reference split as Docker splits it. */
export interface ImageName {
    /** The registry host; undefined for Docker Hub. */
    readonly domain?: string;
    /** The repository path, with Docker Hub's `library/` for an official image (e.g. library/redis). */
    readonly repository: string;
    /** `:tag`, `@sha256:...`, or both, as written. */
    readonly suffix: string;
}

/**
 * Splits a reference the way Docker does (distribution/reference normalize.go `splitDockerDomain`): the first path
 * component is a registry only if it contains `.` or `:` or is `localhost`; Docker Hub's one-component names are
 * official images under `library/`.
 */
export function parseImage(ref: string): ImageName {
    const at = ref.indexOf("@");
    const beforeDigest = at === -1 ? ref : ref.slice(0, at);
    const colon = beforeDigest.lastIndexOf(":");
    const nameEnd = colon > beforeDigest.lastIndexOf("/") ? colon : beforeDigest.length;
    const name = ref.slice(0, nameEnd);
    const suffix = ref.slice(nameEnd);
    const slash = name.indexOf("/");
    const first = slash === -1 ? "" : name.slice(0, slash);
    const hasDomain = slash !== -1 && (/[.:]/.test(first) || first === "localhost");
    const domain = hasDomain ? first : undefined;
    let repository = hasDomain ? name.slice(slash + 1) : name;
    const dockerHub = domain === undefined || DOCKER_HUB_DOMAINS.has(domain);
    if (dockerHub && !repository.includes("/")) repository = `library/${repository}`;
    return { domain: dockerHub ? undefined : domain, repository, suffix };
}

/** An ECR registry host: <account>.dkr.ecr.<region>.amazonaws.com (.com.cn in China). */
const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region of an ECR registry host, or undefined for another registry. */
export function ecrRegistry(host: string): { readonly account: string; readonly region: string } | undefined {
    const m = ECR_HOST.exec(host);
    return m ? { account: m[1], region: m[2] } : undefined;
}

/** Where images come from, resolved for one stack (account and region known). */
export type ImageSource =
    | { readonly kind: "dockerHub" }
    /** `prefix`: the cache rule's ECR repository prefix; `registry`: <account>.dkr.ecr.<region>.amazonaws.com. */
    | { readonly kind: "ecrPullThroughCache"; readonly registry: string; readonly prefix: string }
    /** `registry`: host[/path] the user pushes to. */
    | { readonly kind: "registry"; readonly registry: string };

/**
 * The reference hosts pull for `image` (a Docker Hub reference, as the settings name them):
 * - dockerHub: unchanged;
 * - ecrPullThroughCache: <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<repository><suffix>, with `library/`
 *   for official images, as ECR requires ("For Docker Hub official images, the /library prefix must be included",
 *   ECR user guide, pull-through-cache-working.html);
 * - registry: <registry>/<repository><suffix>, the same layout, so one `docker tag` scheme serves both.
 * A reference that names another registry than Docker Hub is refused for the cache (it caches Docker Hub only)
 * and kept as is for `registry` (the user already points at their registry).
 */
export function imageReference(source: ImageSource, image: string): string {
    if (source.kind === "dockerHub") return image;
    const parsed = parseImage(image);
    if (source.kind === "ecrPullThroughCache") {
        if (parsed.domain !== undefined)
            throw new Error(
                `${image} is not a Docker Hub image; images.source ecrPullThroughCache caches Docker Hub only`,
            );
        return `${source.registry}/${source.prefix}/${parsed.repository}${parsed.suffix}`;
    }
    if (parsed.domain !== undefined) return image;
    return `${source.registry}/${parsed.repository}${parsed.suffix}`;
}

/** The cache rule's default ECR repository prefix: api7-ha-<stack>. */
export function defaultCachePrefix(project: string, stackFragment: string): string {
    return `${project}-${stackFragment}`;
}

/** The interface endpoints images.ecrEndpoints creates (components/aws/images.ts). */
export const ECR_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr"] as const;
