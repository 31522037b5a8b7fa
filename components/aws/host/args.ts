/**
 * What a host group is built from (HostGroupArgs) and its validation, and what its steps share once it is under way
 * (HostContext). Types only from the SDK.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { Ami } from "../ami";
import type { HostRole } from "../boot-budget";
import type { RegistryAccess } from "../images";
import type { Subnet } from "../network";
import type { ServiceDefinition } from "../../services";
import type { HostLogsSettings } from "./logs";
import type { UserDataExtras } from "../cloud-init";

/** What every host group of a stack shares: image, subnets, registry, the parameters' key, the grace-period override. */
export interface HostPlacement {
    readonly ami: Ami;
    /** Private subnets, one per AZ: every group spans them all. At least one. */
    readonly subnets: readonly Subnet[];
    /** Where images come from: the hosts' login and pull permissions (components/aws/images.ts). */
    readonly registry: RegistryAccess;
    /** With a password login (images.username): the registryPassword secret, stored in every group that pulls. */
    readonly registryPassword?: pulumi.Input<string>;
    /** The reference hosts pull for an image named in the settings (images.source applied). */
    readonly image: (ref: string) => pulumi.Input<string>;
    /** hosts.healthCheckGraceSeconds; undefined: each role's boot budget (components/aws/boot-budget.ts). */
    readonly healthCheckGraceSeconds?: number;
    /**
     * The stack's key for SecureStrings (components/aws/parameter-key.ts): every secret of a group is encrypted with
     * it, and the group's hosts decrypt only their own.
     */
    readonly parameterKeyArn: pulumi.Input<string>;
    /** logs.retentionDays and logs.kmsKeyArn: every group's log group (components/aws/host/logs.ts). */
    readonly logs: HostLogsSettings;
}

export interface WarmPoolArgs {
    readonly size: number;
    readonly state: "Stopped" | "Hibernated" | "Running";
}

export interface HostGroupArgs {
    /** The Pulumi project: the first part of every name, tag value and SSM path of the group. */
    readonly project: string;
    /** The stack: the second part of them. */
    readonly stack: string;
    /** The role, used in SSM paths, tags and names (`cp`, `dp`, `prometheus`), and whose boot budget sizes the grace period. */
    readonly role: HostRole;
    /**
     * One of several groups of the role (an etcd member's, e.g. `etcd-1`): its name in SSM paths, IAM, log and tag
     * names instead of the role's (groupName). The role tag stays the role's.
     */
    readonly member?: string;
    /**
     * How a host is replaced. `launchFirst` (default): a new host passes its checks before the old one leaves, and a
     * template change starts an instance refresh. `terminateFirst`, for a host that holds what its replacement needs
     * (an etcd member's network interface and volume): the old host leaves first (minimum healthy 0 %, maximum 100
     * %), and a template change starts no refresh (members are replaced one at a time: docs/api7-2x.md).
     */
    readonly replacement?: "launchFirst" | "terminateFirst";
    /**
     * `own` (default): the group's own rollout association. `shared`: none; the hosts carry ROLLOUT_TAG for one
     * association across several groups (createRollout), and the group exposes what it fingerprints.
     */
    readonly rollout?: "own" | "shared";
    /** More files and first-boot commands in the user data (components/aws/cloud-init.ts UserDataExtras). */
    readonly userDataExtras?: pulumi.Input<UserDataExtras>;
    /** More permissions of the hosts' role, in place before a host boots (e.g. an etcd member's attach rights). */
    readonly permissions?: readonly aws.types.input.iam.GetPolicyDocumentStatementArgs[];
    /** Desired (and minimum) number of hosts, at least 1; the Auto Scaling group spreads them over the subnets' AZs. */
    readonly count: number;
    /** Target-tracking scaling between count and maxCount on average CPU; undefined keeps exactly count hosts. */
    readonly scaling?: { readonly maxCount: number; readonly targetCpuPercent: number };
    /**
     * A warm pool (EC2 Auto Scaling): `size` hosts that ran their first boot and wait `state` (Stopped, Hibernated,
     * Running) to replace one that leaves (components/aws/host/warm-pool.ts). Undefined: none.
     */
    readonly warmPool?: WarmPoolArgs;
    /** EC2 instance type of every host (x86_64: API7 publishes amd64 images only). */
    readonly instanceType: string;
    /** Root volume in GiB (gp3, encrypted). */
    readonly rootVolumeGiB: number;
    /** The stack's AMI, subnets, registry and parameter key, shared by every group. */
    readonly placement: HostPlacement;
    /** Security groups of every host's network interface. */
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /**
     * Target groups every host registers in. With any, the group uses ELB health checks (a host failing any of them
     * is replaced) and `pulumi up` waits, at creation, until count hosts are healthy in them.
     */
    readonly targetGroupArns?: readonly pulumi.Input<string>[];
    /**
     * Seconds the target groups take to find a serving host healthy (healthy threshold x interval): the grace period
     * is the role's boot budget plus these, unless placement.healthCheckGraceSeconds replaces it.
     */
    readonly healthyAfterSeconds: number;
    /** The containers every host runs, one systemd unit each; each has a config and a run spec parameter. */
    readonly services: readonly ServiceDefinition[];
    /**
     * Parameters outside the group's path its hosts read and write (the control plane issues the gateways'
     * credentials). Their permissions come from whoever needs them; every other parameter is denied.
     */
    readonly sharedParameters?: readonly string[];
    /** Secret values by name, stored as SSM SecureStrings under <prefix>/secrets/<name>. */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Secrets another host writes (the control plane's bootstrap issues the gateways' credentials): created as
     * SecureStrings holding PENDING_SECRET, and never overwritten by `pulumi up` afterwards. A service reading one
     * waits at start until it is issued.
     */
    readonly issuedSecrets?: readonly string[];
    /** Install the first-install bootstrap's script and unit (control-plane hosts). Default false. */
    readonly bootstrap?: boolean;
    /**
     * Secrets Manager secrets the hosts may read (GetSecretValue on exactly these ARNs): the managed database's
     * master user secret. Setting any also installs the timer that restarts services after a rotation.
     */
    readonly readableSecretArns?: readonly pulumi.Input<string>[];
    /** Created before the group's hosts (e.g. the gateways wait for the control plane's). */
    readonly dependsOn?: readonly pulumi.Resource[];
    /** Extra tags on every child that takes tags; the stack, role and group tags are added (and win). */
    readonly tags?: Record<string, string>;
}

/** What the steps of one host group share: its tags, its SSM path, and where it is (region, account, partition). */
export interface HostContext {
    /** Stack, role and group tags on every child that takes tags. */
    readonly tags: Readonly<Record<string, string>>;
    /** The group's SSM path (fleet.ts parameterPrefix). */
    readonly prefix: string;
    readonly region: pulumi.Output<string>;
    readonly account: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    /** Options of the group's invokes: parented to the group. */
    readonly invokeOpts: pulumi.InvokeOptions;
}

/** The group's name in SSM paths, IAM, log and tag names: the member's, else the role's. */
export function groupName(args: { readonly role: HostRole; readonly member?: string }): string {
    return args.member ?? args.role;
}

/** Refuses a group no host could be placed in; the message names the group, the value and the rule. */
export function validateHostGroupArgs(
    name: string,
    args: { readonly count: number; readonly placement: { readonly subnets: readonly unknown[] } },
): void {
    if (args.placement.subnets.length === 0) throw new Error(`${name}: no subnets to place hosts in`);
    if (!Number.isInteger(args.count) || args.count < 1)
        throw new Error(`${name}: count = ${args.count}; a host group needs a whole number of hosts, at least 1`);
}
