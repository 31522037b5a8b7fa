/**
 * The deploy-time half of the instance-type check (components/instance-types.ts): a type the offline table does not
 * know is looked up with aws.ec2.getInstanceType (EC2 DescribeInstanceTypes) and held to the same rule, so a new
 * x86_64 type (c8i.large, m7i-flex.large) needs no change to the program, while an arm64 or too small one fails
 * `pulumi preview` and `pulumi up` with the message the offline check gives. Invokes run in preview too.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Ami } from "./ami";
import { describedInstanceTypeProblem, instanceTypeMessage, isKnownInstanceType } from "../instance-types";

/** A host group's instance type and its config key, as `pulumi config set --path` takes it (dataPlane.instanceType). */
export type InstanceTypeSetting = readonly [key: string, type: string];

/** One type the table does not know, asked of AWS: resolves when it can run an API7 host, fails naming key and type. */
function checkWithAws([key, type]: InstanceTypeSetting): pulumi.Output<string> {
    const described = aws.ec2.getInstanceType({ instanceType: type }).catch((err: unknown) => {
        // DescribeInstanceTypes answers InvalidInstanceType for a type the region does not offer; other failures
        // (credentials, throttling) end here too, so the message says what failed and passes on AWS's reason.
        const why = err instanceof Error ? err.message : String(err);
        throw new pulumi.RunError(instanceTypeMessage(key, type, `could not be described by AWS (ec2:DescribeInstanceTypes)${why ? `: ${why}` : ""}`));
    });
    return pulumi.output(described).apply((d) => {
        const problem = describedInstanceTypeProblem(d);
        if (problem) throw new pulumi.RunError(instanceTypeMessage(key, type, problem));
        return type;
    });
}

/**
 * The hosts' image, released once every host group's instance type is known to run an API7 host: each launch
 * template pairs the two, so none is created with a type that cannot run API7, and the stack's hostAmiId output
 * carries the failure. Types the table knows passed the offline check and are not asked of AWS; with none other,
 * the image is returned as it is.
 */
export function withInstanceTypesChecked(ami: Ami, settings: readonly InstanceTypeSetting[]): Ami {
    const checks = settings.filter(([, type]) => !isKnownInstanceType(type)).map(checkWithAws);
    if (checks.length === 0) return ami;
    return { ...ami, id: pulumi.all([ami.id, ...checks]).apply(([id]) => id) };
}
