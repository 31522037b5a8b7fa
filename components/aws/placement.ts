/**
 * What every host group of a stack shares (HostPlacement), for both generations: the AMI, the private subnets of every
 * AZ, the registry, the parameters' key, the logs. The AMI is released once each group's instance type is known to
 * run API7 and to be offered in every AZ of the stack (types the offline table does not know are also described by
 * AWS). The AZs of existing subnets are taken as looked up, before the network's own check that they are distinct,
 * which reports its failure itself.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../config/settings";
import { resolveAmi } from "./ami";
import type { HostPlacement } from "./host";
import type { ImageRegistry } from "./images";
import { withInstanceTypesChecked } from "./instance-type";
import type { Network } from "./network";

/**
 * The stack's placement, its instance types checked: `types` names each group's setting and type (controlPlane's and
 * dataPlane's, and the stack's others); a Hibernated warm pool's type is checked for hibernation too.
 */
export function hostPlacement(
    settings: Settings,
    network: Network,
    images: ImageRegistry,
    parameterKeyArn: pulumi.Input<string>,
    types: readonly (readonly [string, string])[],
): HostPlacement {
    const hostAzs = settings.network.existing
        ? pulumi.all(network.privateSubnets.map((s) => s.availabilityZone))
        : network.availabilityZones;
    const ami = withInstanceTypesChecked(
        resolveAmi(settings.hosts.amiId),
        types,
        hostAzs,
        (["controlPlane", "dataPlane"] as const)
            .filter((k) => settings[k].warmPool.size > 0 && settings[k].warmPool.state === "Hibernated")
            .map((k) => ({
                stateKey: `${k}.warmPool.state`,
                type: [`${k}.instanceType`, settings[k].instanceType] as const,
                rootVolumeGiB: settings.hosts.rootVolumeGiB,
            })),
    );
    return {
        ami,
        subnets: network.privateSubnets,
        registry: images.access,
        registryPassword: settings.images.password,
        image: (ref) => images.reference(ref),
        healthCheckGraceSeconds: settings.hosts.healthCheckGraceSeconds,
        parameterKeyArn,
        logs: {
            retentionDays: settings.logs.retentionDays,
            kmsKeyArn: settings.logs.kmsKeyArn || undefined,
        },
    };
}
