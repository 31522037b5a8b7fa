import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Where a component deploys, for the ARNs it writes: the provider's region, the caller's account, the partition. */
export interface Whereabouts {
    readonly region: pulumi.Output<string>;
    readonly account: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
}

/** Asked of the provider with `parent` as the invokes' parent (so they use the component's provider). */
export function whereabouts(parent: pulumi.Resource): Whereabouts {
    const opts = { parent };
    return {
        region: aws.getRegionOutput({}, opts).region,
        account: aws.getCallerIdentityOutput({}, opts).accountId,
        partition: aws.getPartitionOutput({}, opts).partition,
    };
}
