/**
 * The deploy-time half of the instance-type check (components/instance-types.ts). Each distinct type is asked of AWS
 * once, however many host groups use it: a type the offline table does not know is described
 * (aws.ec2.getInstanceType, EC2 DescribeInstanceTypes) and held to the same rule, so a new x86_64 type (c8i.large,
 * m7i-flex.large) needs no change to the program; and every type, listed or not, must be offered in each of the
 * stack's AZs (aws.ec2.getInstanceTypeOfferings, DescribeInstanceTypeOfferings), since each group's Auto Scaling group
 * spreads its hosts over all of them. Invokes run in preview too, so `pulumi preview` fails as `pulumi up` would.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Ami } from "./ami";
import {
    awsFailureMessage,
    describedInstanceTypeProblem,
    hibernationProblem,
    instanceTypeMessage,
    isKnownInstanceType,
    offeringProblem,
} from "../instance-types";

/** A host group's instance type and its config key, as `pulumi config set --path` takes it (dataPlane.instanceType). */
export type InstanceTypeSetting = readonly [key: string, type: string];

/** What AWS answered for one type: the AZs that offer it, or the message of why it cannot be used. */
type Answer = { readonly offeredIn: readonly string[] } | { readonly failure: string };

const failureOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Asks AWS about one type, for the config keys that use it. Never rejects: a refusal becomes the message. */
async function askAws(type: string, keys: readonly string[]): Promise<Answer> {
    if (!isKnownInstanceType(type)) {
        let described: aws.ec2.GetInstanceTypeResult;
        try {
            described = await aws.ec2.getInstanceType({ instanceType: type });
        } catch (err) {
            return { failure: awsFailureMessage(keys, type, "DescribeInstanceTypes", failureOf(err)) };
        }
        const problem = describedInstanceTypeProblem(described);
        if (problem) return { failure: instanceTypeMessage(keys, type, problem) };
    }
    try {
        // @pulumi/aws 7.48 ec2/getInstanceTypeOfferings.d.ts: locationType "availability-zone" lists AZ names in
        // `locations`, one per offering that matches the filters.
        const offerings = await aws.ec2.getInstanceTypeOfferings({
            locationType: "availability-zone",
            filters: [{ name: "instance-type", values: [type] }],
        });
        return { offeredIn: offerings.locations };
    } catch (err) {
        return { failure: awsFailureMessage(keys, type, "DescribeInstanceTypeOfferings", failureOf(err)) };
    }
}

/** The types in use, each with every config key that names it, in the order the settings list them. */
function usesByType(settings: readonly InstanceTypeSetting[]): Map<string, string[]> {
    const uses = new Map<string, string[]>();
    for (const [key, type] of settings) uses.set(type, [...(uses.get(type) ?? []), key]);
    return uses;
}

/**
 * The hosts' image, released once every host group's instance type is known to run an API7 host in every one of
 * `availabilityZones`: each launch template pairs the two, so none is created with a type that cannot serve. A
 * failure is logged once per type, as the first error the user reads, naming each key that uses the type; the image
 * then fails with a short error that points at it. (An error raised inside an Output reaches the user through every
 * resource that waits on it, its message prefixed with `error serializing property "imageId"` by each one:
 * @pulumi/pulumi 3.248 runtime/rpc.js serializeFilteredProperties; the language host logs that one error once,
 * cmd/run/run.js uncaughtHandler. So the clear message goes through pulumi.log.error, before it.)
 */
export function withInstanceTypesChecked(
    ami: Ami,
    settings: readonly InstanceTypeSetting[],
    availabilityZones: pulumi.Input<string[]>,
    hibernating: readonly HibernatingPool[] = [],
): Ami {
    const checks = [...usesByType(settings)].map(([type, keys]) =>
        pulumi.all([askAws(type, keys), availabilityZones]).apply(([answer, zones]) => {
            if ("failure" in answer) return answer.failure;
            const problem = offeringProblem(zones, answer.offeredIn);
            return problem && instanceTypeMessage(keys, type, problem);
        }),
    );
    checks.push(...hibernating.map((pool) => pulumi.output(askHibernation(pool))));
    const id = pulumi.all([ami.id, pulumi.all(checks)]).apply(([imageId, failures]) => {
        const failed = failures.filter((f): f is string => f !== undefined);
        if (failed.length === 0) return imageId;
        for (const message of failed) void pulumi.log.error(message);
        throw new pulumi.RunError(
            `stopped before the hosts: ${failed.length === 1 ? "an instance type" : `${failed.length} instance types`} failed the check reported above`,
        );
    });
    return { ...ami, id };
}

/** A warm pool kept Hibernated: its state's key, its group's type setting, and the root volume. */
export interface HibernatingPool {
    readonly stateKey: string;
    readonly type: InstanceTypeSetting;
    readonly rootVolumeGiB: number;
}

/** Whether AWS hibernates the pool's type (any type: the offline table does not say), as a message naming the key. */
async function askHibernation(pool: HibernatingPool): Promise<string | undefined> {
    const [key, type] = pool.type;
    let described: aws.ec2.GetInstanceTypeResult;
    try {
        described = await aws.ec2.getInstanceType({ instanceType: type });
    } catch (err) {
        return awsFailureMessage([key], type, "DescribeInstanceTypes", failureOf(err));
    }
    const problem = hibernationProblem(described, pool.rootVolumeGiB);
    return (
        problem &&
        `${pool.stateKey} = "Hibernated": ${key} ${type} ${problem}; keep the warm pool Stopped or choose another type`
    );
}
