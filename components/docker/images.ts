/**
 * Images for the Docker target, pulled by the engine (docker.RemoteImage). With images.pinDigests, each tag is
 * resolved to its digest at deploy time (docker.getRegistryImage, which asks the registry, not the engine) and the
 * image is pulled and run as <repository>@sha256:<digest>.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { digestPinned } from "../digests";

/** A function giving the image id to run for a reference, one RemoteImage per distinct reference. */
export function pinnedImage(
    parent: pulumi.Resource,
    pinDigests: boolean,
): (kind: string, ref: pulumi.Input<string>) => pulumi.Output<string> {
    const images = new Map<string, docker.RemoteImage>();
    return (kind, ref) => {
        if (typeof ref !== "string") throw new Error(`lab: the ${kind} image must be a reference from the settings`);
        let image = images.get(kind);
        if (image === undefined) {
            image = new docker.RemoteImage(
                `api7-lab-image-${kind}`,
                {
                    name: pinDigests ? digestPinned(ref, parent) : ref,
                    // Kept on `pulumi destroy`: a rerun reuses the layers.
                    keepLocally: true,
                },
                { parent },
            );
            images.set(kind, image);
        }
        return image.imageId;
    };
}
