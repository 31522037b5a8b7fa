/**
 * images.pinDigests: an image tag resolved to the digest it has at deploy time, so that a tag re-pushed upstream
 * cannot silently change a fleet and a new digest shows in `pulumi preview --diff`.
 *
 * docker.getRegistryImage (@pulumi/docker 5.2, the data source docker_registry_image of
 * kreuzwerker/terraform-provider-docker, read at v4.5.0 5074970c, data_source_docker_registry_image.go and
 * authentication_helpers.go): a HEAD (then GET) of /v2/<repository>/manifests/<tag>, accepting Docker manifest
 * lists and OCI image indexes as well as single manifests, and `sha256Digest` is the answer's Docker-Content-Digest.
 * So for a multi-platform tag it is the index's digest, the one `docker pull` resolves on every platform (read from
 * the code; the provider's docs do not say). It uses a plain HTTP client: no Docker engine is needed.
 * A reference that already carries a digest is used as written. Through an ECR pull-through cache the hosts pull the
 * Docker Hub digest from the cache: that the cache keeps upstream digests is what aws/containers-roadmap#2837
 * assumes, not something AWS documents; a cold cache refuses a first pull by digest, which api7-run handles.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** `ref` with the digest its tag has now: repository:tag@sha256:... (Docker pulls by the digest; the tag stays readable). */
export function digestPinned(ref: string, parent?: pulumi.Resource): pulumi.Output<string> {
    if (ref.includes("@")) return pulumi.output(ref);
    return docker.getRegistryImageOutput({ name: ref }, { parent }).sha256Digest.apply((digest) => `${ref}@${digest}`);
}

/**
 * The reference to run for `ref` pulled as `pulled` (images.source applied, e.g. through an ECR cache): pinned to
 * the digest of `digestOf` (the reference whose registry is asked), or as `pulled` when not pinning.
 */
export function pinnedReference(
    pulled: pulumi.Input<string>,
    digestOf: string,
    pin: boolean,
    parent?: pulumi.Resource,
): pulumi.Output<string> {
    if (!pin || digestOf.includes("@")) return pulumi.output(pulled);
    return pulumi
        .all([pulled, docker.getRegistryImageOutput({ name: digestOf }, { parent }).sha256Digest])
        .apply(([p, digest]) => `${p}@${digest}`);
}
