/**
 * The host groups' rules that need no Pulumi runtime: names, tags, SSM targets, instance refresh preferences,
 * resource options, user data encoding and fingerprints. Kept apart from components/aws/host.ts (the HostGroup
 * component) so the tests and scripts that check them load neither SDK. Types only from the SDKs.
 */
import * as crypto from "crypto";
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { gzip } from "pako";
import { nameFragment } from "../config/names";

/** AWS's public pointer to the current x86_64 Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/**
 * Resource options of a secret parameter: an issued one ignores later changes of its value, so a `pulumi up` after
 * the bootstrap never puts the placeholder back over the credential; and of its key, since the provider updates a
 * parameter by putting its whole value again (PutParameter with Overwrite), which for an issued one would be the
 * placeholder. The bootstrap moves an issued credential to a new key itself (config-templates/api7-bootstrap.sh).
 */
export function secretParameterOptions(issued: boolean, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return issued ? { parent, ignoreChanges: ["value", "keyId"] } : { parent };
}

/** The image, if it is x86_64 (API7 publishes amd64 images only); otherwise an error naming hosts.amiId. */
export function checkAmiArchitecture<T extends { readonly id: string; readonly architecture: string }>(image: T): T {
    if (image.architecture !== "x86_64")
        throw new Error(
            `hosts.amiId ${image.id} is ${image.architecture}; hosts must be x86_64 (API7's images are amd64)`,
        );
    return image;
}

/**
 * Resource options of a host group's launch template. With an unpinned AMI, later AL2023 releases are ignored: a new
 * AMI must not roll every host on an unrelated `pulumi up`. Pin hosts.amiId to upgrade deliberately.
 */
export function launchTemplateOptions(
    pinnedAmi: boolean,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): pulumi.CustomResourceOptions {
    return pinnedAmi ? { parent, dependsOn } : { parent, dependsOn, ignoreChanges: ["imageId"] };
}

/**
 * The tag that names a host group on its instances (api7-ha-group = <project>-<stack>-<role>). SSM associations
 * target it: "If you create new nodes and assign the specified tag key and value to those nodes, the system
 * automatically applies the association, runs it immediately" (SSM user guide, State Manager targets and rate
 * controls), so hosts the Auto Scaling group launches later are targets too. No colon in the key: SSM's TargetKey
 * pattern admits one (botocore ssm service-2.json), but no document says how `tag:a:b` is split.
 */
export const GROUP_TAG = "api7-ha-group";

/**
 * The tag of hosts whose groups roll out as one (components/aws/host/rollout.ts sharedRolloutScope), valued as
 * GROUP_TAG is but with the role alone (e.g. api7-ha-prod-etcd for every member's group). No colon, as GROUP_TAG.
 */
export const ROLLOUT_TAG = "api7-ha-rollout";

/**
 * The launch lifecycle hook's name, in every host group (components/aws/host/warm-pool.ts); host.json tells the
 * hosts, which complete it themselves (config-templates/api7-lifecycle.sh).
 */
export const LAUNCH_HOOK_NAME = "api7-launch";

/** The value of GROUP_TAG for one host group. */
export function groupTagValue(project: string, stack: string, role: string): string {
    return `${project}-${stack}-${role}`;
}

/** SSM association targets: every instance of one host group, now and later (by GROUP_TAG). */
export function groupTargets(project: string, stack: string, role: string): aws.types.input.ssm.AssociationTarget[] {
    return [{ key: `tag:${GROUP_TAG}`, values: [groupTagValue(project, stack, role)] }];
}

/**
 * A host group's maximum size: the scaling ceiling, or one host above the desired count for launch-before-terminate
 * (AWS defines the maximum healthy percentage against the desired capacity and does not say whether a replacement
 * may exceed maxSize, so room is left). The warm-pool rule holds a pool to it (components/config/rules/planes.ts).
 */
export function groupMaxSize(count: number, scalingMaxCount?: number): number {
    return scalingMaxCount ?? count + 1;
}

/**
 * Instance refresh and instance maintenance: keep 100 % of the desired hosts healthy and launch at most one extra
 * host at a time, so each replacement is a new host passing its health checks before an old one leaves.
 * AWS: the maximum healthy percentage is 100-200 and at most 100 above the minimum; a value above 100 launches
 * before terminating (API_RefreshPreferences, API_InstanceMaintenancePolicy; asg-instance-refresh.md).
 */
export function maxHealthyPercentage(count: number): number {
    return Math.min(200, 100 + Math.ceil(100 / count));
}

/** The instance refresh every host group uses (see maxHealthyPercentage). */
export function instanceRefresh(
    count: number,
    warmupSeconds: number,
): aws.types.input.autoscaling.GroupInstanceRefresh {
    return {
        strategy: "Rolling",
        preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: maxHealthyPercentage(count),
            instanceWarmup: String(warmupSeconds),
            // A refresh started for nothing (the same template) replaces no host.
            skipMatching: true,
            // Off: through this provider a rollback returns to the new version, since it saves the group's new
            // template before starting the refresh (hashicorp/terraform-provider-aws#34189, see README: rolling back).
            autoRollback: false,
            scaleInProtectedInstances: "Refresh",
            standbyInstances: "Terminate",
        },
    };
}

/**
 * The fixed IAM role name of a host group, e.g. api7-ha-prod-cp-hosts. Fixed (not auto-named) so that bucket
 * policies can name the control plane's role without depending on it; unique per account and stack.
 */
export function hostRoleName(project: string, stack: string, role: string): string {
    return `${project}-${nameFragment(stack)}-${role}-hosts`;
}

/** The SSM path of one host group's parameters. */
export function parameterPrefix(project: string, stack: string, role: string): string {
    return `/${project}/${stack}/${role}`;
}

/** The SSM name of one secret of a host group. */
export function secretParameterName(project: string, stack: string, role: string, secret: string): string {
    return `${parameterPrefix(project, stack, role)}/secrets/${secret}`;
}

/** The SSM secret name of the registryPassword secret in every host group that logs in with it. */
export const REGISTRY_PASSWORD_SECRET = "registry-password";

/**
 * A launch template's user data: gzip-compressed, then base64 as the template requires ("The base64-encoded user
 * data", @pulumi/aws ec2/launchTemplate.d.ts). cloud-init uncompresses gzip user data before reading it
 * (canonical/cloud-init doc/rtd/explanation/format.rst, "Gzip compressed content"), which keeps every host's user
 * data under EC2's 16 KB (tests/aws-rules.ts holds the encoded text to it).
 */
export function launchTemplateUserData(cloudConfig: string): string {
    return Buffer.from(gzip(cloudConfig, { level: 9 })).toString("base64");
}

/**
 * How long `pulumi up` waits at creation for the hosts to be healthy: twice the grace period, at least the
 * provider's default of 10 minutes.
 */
export function waitForCapacitySeconds(graceSeconds: number): number {
    return Math.max(600, 2 * graceSeconds);
}

/** A short, stable fingerprint (16 hex digits of SHA-256): changes exactly when one of the parts does. */
export function digest(parts: readonly string[]): string {
    return crypto.createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);
}
