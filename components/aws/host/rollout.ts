/**
 * Config rollout: when any parameter of a host group changes, restart or reload each service, one host at a time,
 * waiting for health; the first failure stops the rollout (maxErrors 0). Hosts are targeted by their group tag, so
 * hosts launched later get the association too.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { HostGroupArgs } from "./args";
import { digest, groupTargets } from "../fleet";

/**
 * The group's State Manager association. Its command carries a fingerprint of `plainValues` (the configs and run
 * specs, known at preview, so the plan shows the rollout) and of `secretVersions` (a secret's value would make the
 * whole command secret).
 */
export function createRollout(
    name: string,
    args: HostGroupArgs,
    fingerprinted: {
        readonly plainValues: readonly pulumi.Output<string>[];
        readonly secretVersions: readonly pulumi.Output<string>[];
    },
    group: aws.autoscaling.Group,
    parent: pulumi.ComponentResource,
): aws.ssm.Association {
    const serviceNames = args.services.map((s) => s.name);
    const fingerprint = pulumi.all([...fingerprinted.plainValues, ...fingerprinted.secretVersions]);
    return new aws.ssm.Association(
        `${name}-rollout`,
        {
            name: "AWS-RunShellScript",
            associationName: `${args.project}-${args.stack}-${args.role}-rollout`,
            targets: groupTargets(args.project, args.stack, args.role),
            parameters: {
                commands: fingerprint.apply(
                    (v) => `/usr/local/sbin/api7-apply ${serviceNames.join(" ")} # parameters ${digest(v)}`,
                ),
            },
            maxConcurrency: "1",
            maxErrors: "0",
            complianceSeverity: "HIGH",
        },
        { parent, dependsOn: [group] },
    );
}
