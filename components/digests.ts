/**
 * images.pinDigests: an image tag resolved to the digest it has at deploy time, so that a tag re-pushed upstream
 * cannot silently change a fleet and a new digest shows in `pulumi preview --diff`.
 *
 * docker.getRegistryImage (@pulumi/docker 5.2, kreuzwerker/terraform-provider-docker data source
 * docker_registry_image) asks the image's registry for the tag's manifest and returns its `sha256Digest`; it needs
 * no Docker engine (as its docs describe it; not confirmed from the provider's source here). That for a
 * multi-platform image it is the image index's digest, which every platform pulls by, is NOT CONFIRMED.
 * A reference that already carries a digest is used as written.
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
export function pinnedReference(pulled: pulumi.Input<string>, digestOf: string, pin: boolean, parent?: pulumi.Resource): pulumi.Output<string> {
    if (!pin || digestOf.includes("@")) return pulumi.output(pulled);
    return pulumi.all([pulled, docker.getRegistryImageOutput({ name: digestOf }, { parent }).sha256Digest]).apply(([p, digest]) => `${p}@${digest}`);
}
