/**
 * The image every host launches from: hosts.amiId when the stack pins it, otherwise the current Amazon Linux 2023
 * x86_64 AMI from AWS's public SSM parameter; either way checked to be x86_64 and read for its root device.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AL2023_AMI_PARAMETER, checkAmiArchitecture } from "./fleet";

export interface Ami {
    /** The id, once the image is known to be x86_64. */
    readonly id: pulumi.Output<string>;
    /** True when the stack pins the id; false when it was resolved from AL2023_AMI_PARAMETER. */
    readonly pinned: boolean;
    /**
     * The image's root device: the launch template maps the root volume under it (a mapping under another name
     * would add a second volume and leave the root at the AMI's size).
     */
    readonly rootDeviceName: pulumi.Output<string>;
}

/** The pinned AMI, or the current AL2023 x86_64 AMI from AWS's public SSM parameter. */
export function resolveAmi(amiId: string | undefined, opts?: pulumi.InvokeOptions): Ami {
    const id = amiId ? pulumi.output(amiId) : resolveAl2023(opts);
    // Looked up by id (a filter the provider accepts without owners). API7 publishes amd64 images only.
    const image = aws.ec2.getAmiOutput({ filters: [{ name: "image-id", values: [id] }] }, opts);
    const checked = image.apply(checkAmiArchitecture);
    return { id: checked.id, pinned: !!amiId, rootDeviceName: checked.rootDeviceName };
}

function resolveAl2023(opts?: pulumi.InvokeOptions): pulumi.Output<string> {
    // The provider marks the parameter's `value` secret, and the Output form of an invoke makes its whole result
    // secret when any field is (@pulumi/pulumi runtime/invoke.ts invokeOutput), so even `insecureValue` would show
    // as [secret] in every preview. The plain invoke drops that marking ("ignore secrets for plain invoke",
    // invoke.ts `invoke`), and `insecureValue` is the field the provider offers in clear. A public AMI id is no secret.
    return pulumi
        .output(aws.ssm.getParameter({ name: AL2023_AMI_PARAMETER }, opts))
        .apply(({ insecureValue: resolved }) => {
            void pulumi.log.warn(
                `hosts.amiId is not pinned; using ${resolved}. Pin it so every preview and new host uses the ` +
                    `same image: pulumi config set --path hosts.amiId ${resolved}`,
            );
            return resolved;
        });
}
