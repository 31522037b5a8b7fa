/**
 * Config rollout: when any parameter of a host group changes, restart or reload each service, one host at a time,
 * waiting for health; the first failure stops the rollout (maxErrors 0). Hosts are targeted by a tag, so hosts
 * launched later get the association too: a group's own tag (GROUP_TAG), or, for groups that must roll as one (the
 * etcd members: restarting two at once loses the quorum), a tag they share (ROLLOUT_TAG).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, type HostGroupArgs } from "./args";
import { digest, groupTargets, groupTagValue, ROLLOUT_TAG } from "../fleet";

/** Which hosts one association rolls, under which name, and the services it restarts there. */
export interface RolloutScope {
    readonly associationName: string;
    readonly targets: aws.types.input.ssm.AssociationTarget[];
    readonly serviceNames: readonly string[];
    /** What the association runs on each host; default `/usr/local/sbin/api7-apply <services>`. */
    readonly command?: string;
}

/** What a rollout's command fingerprints: see createRollout. */
export interface RolloutFingerprint {
    readonly plainValues: readonly pulumi.Output<string>[];
    readonly secretVersions: readonly pulumi.Output<string>[];
}

/** A group's own rollout: its hosts, by its group tag. */
export function groupRolloutScope(args: HostGroupArgs): RolloutScope {
    return {
        associationName: `${args.project}-${args.stack}-${groupName(args)}-rollout`,
        targets: groupTargets(args.project, args.stack, groupName(args)),
        serviceNames: args.services.map((s) => s.name),
    };
}

/** One rollout across every group of a role whose hosts carry ROLLOUT_TAG (HostGroupArgs.rollout `shared`). */
export function sharedRolloutScope(
    project: string,
    stack: string,
    role: string,
    serviceNames: readonly string[],
): RolloutScope {
    return {
        associationName: `${project}-${stack}-${role}-rollout`,
        targets: [{ key: `tag:${ROLLOUT_TAG}`, values: [groupTagValue(project, stack, role)] }],
        serviceNames,
    };
}

/**
 * The State Manager association. Its command carries a fingerprint of `plainValues` (the configs and run specs,
 * known at preview, so the plan shows the rollout) and of `secretVersions` (a secret's value would make the whole
 * command secret).
 */
export function createRollout(
    name: string,
    scope: RolloutScope,
    fingerprinted: RolloutFingerprint,
    dependsOn: readonly pulumi.Resource[],
    parent: pulumi.Resource,
): aws.ssm.Association {
    const fingerprint = pulumi.all([...fingerprinted.plainValues, ...fingerprinted.secretVersions]);
    return new aws.ssm.Association(
        `${name}-rollout`,
        {
            name: "AWS-RunShellScript",
            associationName: scope.associationName,
            targets: scope.targets,
            parameters: {
                commands: fingerprint.apply(
                    (v) =>
                        `${scope.command ?? `/usr/local/sbin/api7-apply ${scope.serviceNames.join(" ")}`} # parameters ${digest(v)}`,
                ),
            },
            maxConcurrency: "1",
            maxErrors: "0",
            complianceSeverity: "HIGH",
        },
        { parent, dependsOn: [...dependsOn] },
    );
}
