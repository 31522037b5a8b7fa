/**
 * The host building block: a group of EC2 instances of one role (control plane, data plane, Prometheus) with their
 * IAM identity, their SSM parameters (run specs, configs, secrets) and the association that rolls config changes
 * out one host at a time.
 */
import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderUserData } from "./cloud-init";
import {
    AL2023_AMI_PARAMETER, checkAmiArchitecture, GROUP_TAG, groupTagValue, groupTargets, hostRoleName, instanceRefresh, launchTemplateOptions,
    launchTemplateUserData, maxHealthyPercentage, parameterPrefix, REGISTRY_PASSWORD_SECRET, secretParameterName, secretParameterOptions,
    waitForCapacitySeconds,
} from "./fleet";
import { registryPullStatements, type RegistryAccess } from "./images";
import type { Subnet } from "./network";
import { decryptOwnParameters, denyOutsideScope, PARAMETER_PATH_TAG, type ParameterScope } from "./parameter-access";
import { PENDING_SECRET } from "../placeholders";
import type { ServiceDefinition } from "../services";
import { renderYamlTemplate } from "../templates";

/** SSM Standard parameters hold 4 KB; larger values need the Advanced tier. */
const STANDARD_TIER_LIMIT = 4096;

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
    return pulumi.output(aws.ssm.getParameter({ name: AL2023_AMI_PARAMETER }, opts)).apply(({ insecureValue: resolved }) => {
        void pulumi.log.warn(`hosts.amiId is not pinned; using ${resolved}. Pin it so every preview and new host uses the same image: pulumi config set --path hosts.amiId ${resolved}`);
        return resolved;
    });
}

export type { ManagedDatabaseDsn, ServiceDefinition, StateFile } from "../services";

/** What every host group of a stack shares: image, subnets, registry, and the grace-period override. */
export interface HostPlacement {
    readonly ami: Ami;
    /** Private subnets, one per AZ: every group spans them all. */
    readonly subnets: readonly Subnet[];
    readonly registry: RegistryAccess;
    /** With a password login (images.username): the registryPassword secret. */
    readonly registryPassword?: pulumi.Input<string>;
    /** The reference hosts pull for an image named in the settings (images.source applied). */
    readonly image: (ref: string) => pulumi.Input<string>;
    /** hosts.healthCheckGraceSeconds; undefined: each role's boot budget. */
    readonly healthCheckGraceSeconds?: number;
    /** The stack's key for SecureStrings (components/aws/parameter-key.ts). */
    readonly parameterKeyArn: pulumi.Input<string>;
}

export interface HostGroupArgs {
    readonly project: string;
    readonly stack: string;
    /** Short role name, used in SSM paths, tags and names: `cp`, `dp`, `prometheus`. */
    readonly role: string;
    /** Desired (and minimum) number of hosts; the Auto Scaling group spreads them over the subnets' AZs. */
    readonly count: number;
    /** Target-tracking scaling between count and maxCount on average CPU; undefined keeps exactly count hosts. */
    readonly scaling?: { readonly maxCount: number; readonly targetCpuPercent: number };
    readonly instanceType: string;
    readonly ami: Ami;
    /** Root volume in GiB (gp3, encrypted). */
    readonly rootVolumeGiB: number;
    /** Private subnets, one per AZ. */
    readonly subnets: readonly Subnet[];
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /**
     * Target groups every host registers in. With any, the group uses ELB health checks (a host failing any of them
     * is replaced) and `pulumi up` waits, at creation, until count hosts are healthy in them.
     */
    readonly targetGroupArns?: readonly pulumi.Input<string>[];
    /** Seconds a new host has before failed health checks replace it (components/aws/boot-budget.ts). */
    readonly healthCheckGraceSeconds: number;
    /** Seconds after a new host is in service before the next refresh step or scaling decision counts it. */
    readonly warmupSeconds: number;
    /** Where images come from: the hosts' login and pull permissions (components/aws/images.ts). */
    readonly registry: RegistryAccess;
    /** With a password login: the registryPassword secret. */
    readonly registryPassword?: pulumi.Input<string>;
    readonly services: readonly ServiceDefinition[];
    /** The stack's KMS key: every SecureString of the group is encrypted with it, and the hosts decrypt only their own. */
    readonly parameterKeyArn: pulumi.Input<string>;
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
    /** Install the first-install bootstrap's script and unit (control-plane hosts). */
    readonly bootstrap?: boolean;
    /**
     * Secrets Manager secrets the hosts may read (GetSecretValue on exactly these ARNs): the managed database's
     * master user secret. Setting any also installs the timer that restarts services after a rotation.
     */
    readonly readableSecretArns?: readonly pulumi.Input<string>[];
    /** Created before the group's hosts (e.g. the gateways wait for the control plane's). */
    readonly dependsOn?: readonly pulumi.Resource[];
    readonly tags?: Record<string, string>;
}

/**
 * The IAM statements of a host group's own policy: read its SSM parameters and decrypt them with the stack's key,
 * touch no other parameter whatever else allows it (parameter-access.ts), and pull its images when they are in ECR.
 */
export function hostPolicyStatements(
    scope: Pick<ParameterScope, "prefix" | "shared">,
    arn: (name: string) => pulumi.Input<string>,
    parameterKeyArn: pulumi.Input<string>,
    registry: Pick<RegistryAccess, "ecrRepositoryArns" | "pullThroughCache">,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    return [
        { sid: "ReadOwnParameters", actions: ["ssm:GetParameter"], resources: [arn(`${scope.prefix}/*`)] },
        decryptOwnParameters(scope, parameterKeyArn, arn),
        denyOutsideScope(scope, arn),
        ...registryPullStatements(registry),
    ];
}

/**
 * A group of identical hosts running the same containers: an Auto Scaling group over the private subnets of every
 * AZ, launched from a launch template, replaced when unhealthy, and rolled one host at a time when the template
 * changes.
 */
export class HostGroup extends pulumi.ComponentResource {
    public readonly autoScalingGroupName: pulumi.Output<string>;
    public readonly autoScalingGroupArn: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;
    /** The hosts' IAM role: other components attach their own scoped policies to it. */
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly parameterPrefix: string;
    /** The Auto Scaling group, for dependencies (`pulumi up` waits for its hosts at creation). */
    public readonly group: aws.autoscaling.Group;
    /** name@version of each secret parameter: changes when a secret does (never its value). */
    public readonly secretVersions: pulumi.Output<string>[];

    constructor(name: string, args: HostGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:HostGroup", name, {}, opts);
        if (args.subnets.length === 0) throw new Error(`${name}: no subnets to place hosts in`);
        // Stack, role and group tags: Prometheus finds the gateways by the first two, SSM associations by the group.
        const tags = {
            ...(args.tags ?? {}),
            "api7-ha:stack": args.stack,
            "api7-ha:role": args.role,
            [GROUP_TAG]: groupTagValue(args.project, args.stack, args.role),
        };
        const prefix = parameterPrefix(args.project, args.stack, args.role);
        this.parameterPrefix = prefix;
        const invokeOpts = { parent: this };
        const region = aws.getRegionOutput({}, invokeOpts).region;
        const account = aws.getCallerIdentityOutput({}, invokeOpts).accountId;
        const partition = aws.getPartitionOutput({}, invokeOpts).partition;

        // Identity: SSM for operations (Session Manager, Run Command), its own parameters only (an explicit deny
        // outside them: the managed policy alone would allow reading every parameter in the account), and the image
        // pulls its registry needs.
        const role = new aws.iam.Role(`${name}-role`, {
            name: hostRoleName(args.project, args.stack, args.role),
            assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
                statements: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
            }, invokeOpts).json,
            description: `api7-ha ${args.stack} ${args.role} hosts`,
            tags: { ...tags, [PARAMETER_PATH_TAG]: prefix },
        }, { parent: this });
        const policies: pulumi.Resource[] = [];
        policies.push(new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        }, { parent: this }));
        // Before the SecureStrings: a host must be allowed to decrypt a secret by the time it is put under the key.
        const parametersPolicy = new aws.iam.RolePolicy(`${name}-parameters`, {
            role: role.name,
            policy: aws.iam.getPolicyDocumentOutput({
                statements: hostPolicyStatements(
                    { prefix, shared: args.sharedParameters },
                    (parameter) => pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:parameter${parameter}`,
                    args.parameterKeyArn,
                    args.registry,
                ),
            }, invokeOpts).json,
        }, { parent: this });
        policies.push(parametersPolicy);
        const readable = args.readableSecretArns ?? [];
        if (readable.length > 0) {
            policies.push(new aws.iam.RolePolicy(`${name}-secrets`, {
                role: role.name,
                policy: aws.iam.getPolicyDocumentOutput({
                    // With the secret under Secrets Manager's own key (aws/secretsmanager), no KMS statement is needed.
                    statements: [{ sid: "ReadDatabaseSecret", actions: ["secretsmanager:GetSecretValue"], resources: [...readable] }],
                }, invokeOpts).json,
            }, { parent: this }));
        }
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent: this });

        // Secrets: SecureStrings under <prefix>/secrets, read by the hosts at service start.
        const secretParams: Record<string, aws.ssm.Parameter> = {};
        const issued = new Set(args.issuedSecrets ?? []);
        const secretValues: [string, pulumi.Input<string>][] = [
            ...Object.entries(args.secrets ?? {}),
            ...(args.registryPassword !== undefined ? [[REGISTRY_PASSWORD_SECRET, args.registryPassword] as [string, pulumi.Input<string>]] : []),
            ...[...issued].map((n): [string, pulumi.Input<string>] => [n, PENDING_SECRET]),
        ];
        for (const [secretName, value] of secretValues) {
            secretParams[secretName] = new aws.ssm.Parameter(`${name}-secret-${secretName}`, {
                name: secretParameterName(args.project, args.stack, args.role, secretName),
                type: "SecureString",
                keyId: args.parameterKeyArn,
                value: pulumi.secret(value),
                description: `api7-ha ${args.stack} ${args.role}: ${secretName}${issued.has(secretName) ? " (issued by the control plane)" : ""}`,
                tags,
            }, { ...secretParameterOptions(issued.has(secretName), this), dependsOn: [parametersPolicy] });
        }
        const secretPath = (secretName: string): string => {
            if (!secretParams[secretName]) throw new Error(`${name}: service refers to unknown secret ${secretName}`);
            return `${prefix}/secrets/${secretName}`;
        };
        // How api7-run logs in before it starts a container (never part of the fingerprint: a new login alone
        // restarts nothing, a new image reference does).
        const registryLogin = args.registry.login.apply((login) => (login.kind === "password" ? { ...login, passwordParameter: secretPath(REGISTRY_PASSWORD_SECRET) } : login));

        // Per service: its config (YAML) and run spec (JSON), plain text so `pulumi preview --diff` shows them.
        const configParams: aws.ssm.Parameter[] = [];
        const plainValues: pulumi.Output<string>[] = [];
        for (const svc of args.services) {
            const configParameter = `${prefix}/${svc.name}-config.yaml`;
            const config = pulumi.output(svc.configData).apply((data) => renderYamlTemplate(svc.configTemplate, data));
            plainValues.push(config);
            configParams.push(new aws.ssm.Parameter(`${name}-${svc.name}-config`, {
                name: configParameter,
                type: "String",
                // insecureValue: `value` is always marked secret by the provider, which would hide every config
                // change behind [secret] in `pulumi preview --diff`. These hold no secret (placeholders only).
                insecureValue: config,
                tier: config.apply(tierFor),
                description: `api7-ha ${args.stack} ${args.role}: ${svc.name} config (${svc.configTemplate})`,
                tags,
            }, { parent: this }));
            const spec = pulumi.all([svc.env ?? {}, svc.database, svc.image, registryLogin]).apply(([env, database, image, registry]) => {
                const run = {
                    container: svc.container,
                    image,
                    configPath: svc.configPath,
                    env,
                    secretEnv: mapValues(svc.secretEnv ?? {}, secretPath),
                    dockerArgs: svc.dockerArgs ?? [],
                    command: svc.command ?? [],
                    stateFiles: svc.stateFiles ?? [],
                    // In the fingerprint: a new database (endpoint or secret) restarts the service.
                    ...(database ? { database } : {}),
                };
                return JSON.stringify({
                    ...run,
                    // How the container runs, fingerprinted: api7-apply restarts when it differs from the running
                    // container's label and reloads in place when only the config changed.
                    generation: digest([JSON.stringify(run)]),
                    configParameter,
                    placeholders: mapValues(svc.placeholders ?? {}, secretPath),
                    statePlaceholders: svc.statePlaceholders ?? {},
                    pendingSecret: PENDING_SECRET,
                    healthUrl: svc.healthUrl,
                    reloadCommand: svc.reloadCommand ?? [],
                    registry,
                }, null, 2);
            });
            plainValues.push(spec);
            configParams.push(new aws.ssm.Parameter(`${name}-${svc.name}-spec`, {
                name: `${prefix}/${svc.name}.json`,
                type: "String",
                insecureValue: spec,
                tier: spec.apply(tierFor),
                description: `api7-ha ${args.stack} ${args.role}: how to run ${svc.name}`,
                tags,
            }, { parent: this }));
        }


        const serviceNames = args.services.map((s) => s.name);
        const userData = region.apply((r) => launchTemplateUserData(renderUserData({ region: r, parameterPrefix: prefix, services: serviceNames, bootstrap: args.bootstrap, databaseRotation: readable.length > 0 })));

        // Provider default tags do not reach what an Auto Scaling group launches (@pulumi/aws autoscaling/group.d.ts),
        // so the template tags instances and volumes with them as well.
        const defaultTags = aws.getDefaultTagsOutput({}, invokeOpts).tags;
        const launchTags = defaultTags.apply((d) => ({ ...d, ...tags, Name: `${args.project}-${args.stack}-${args.role}` }));

        const template = new aws.ec2.LaunchTemplate(`${name}-template`, {
            description: `api7-ha ${args.stack} ${args.role} hosts`,
            imageId: args.ami.id,
            instanceType: args.instanceType,
            iamInstanceProfile: { arn: profile.arn },
            ebsOptimized: "true",
            monitoring: { enabled: true },
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // Containers sit one network hop behind the host: a limit of 1 would cut them off from IMDS.
                httpPutResponseHopLimit: 2,
            },
            // The group supplies the subnets; the template the security groups and no public address.
            networkInterfaces: [{
                deviceIndex: 0,
                associatePublicIpAddress: "false",
                deleteOnTermination: "true",
                securityGroups: [...args.securityGroupIds],
            }],
            blockDeviceMappings: [{
                deviceName: args.ami.rootDeviceName,
                ebs: { volumeType: "gp3", volumeSize: args.rootVolumeGiB, encrypted: "true", deleteOnTermination: "true" },
            }],
            userData,
            tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: launchTags })),
            updateDefaultVersion: true,
            tags,
        }, launchTemplateOptions(args.ami.pinned, this, [...configParams, ...Object.values(secretParams), ...policies, ...args.registry.dependencies]));

        const targetGroupArns = [...(args.targetGroupArns ?? [])];
        const loadBalanced = targetGroupArns.length > 0;
        // One host above the desired count for launch-before-terminate: AWS defines the maximum healthy percentage
        // against the desired capacity and does not say whether a replacement may exceed maxSize, so leave room.
        const max = args.scaling ? args.scaling.maxCount : args.count + 1;
        const group = new aws.autoscaling.Group(`${name}-group`, {
            vpcZoneIdentifiers: args.subnets.map((s) => s.id),
            minSize: args.count,
            maxSize: max,
            // With scaling, the policy owns the desired capacity; a fixed value would undo it at every `pulumi up`.
            desiredCapacity: args.scaling ? undefined : args.count,
            // A numbered version, so a template change is a change of the group and starts an instance refresh
            // ("$Latest" never changes; @pulumi/aws autoscaling/group.d.ts, instanceRefresh).
            launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
            healthCheckType: loadBalanced ? "ELB" : "EC2",
            healthCheckGracePeriod: args.healthCheckGraceSeconds,
            defaultInstanceWarmup: args.warmupSeconds,
            targetGroupArns,
            // Creation waits until count hosts are healthy in every target group (updates do not: see README).
            minElbCapacity: loadBalanced ? args.count : undefined,
            waitForCapacityTimeout: `${waitForCapacitySeconds(args.healthCheckGraceSeconds)}s`,
            // Every replacement, not only refreshes: launch first, terminate once the new host is healthy.
            instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: maxHealthyPercentage(args.count) },
            instanceRefresh: instanceRefresh(args.count, args.warmupSeconds),
            enabledMetrics: ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances"],
            tags: Object.entries({ ...tags, Name: `${args.project}-${args.stack}-${args.role}` }).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
        }, { parent: this, dependsOn: [...(args.dependsOn ?? [])] });
        this.group = group;

        if (args.scaling) {
            new aws.autoscaling.Policy(`${name}-cpu`, {
                autoscalingGroupName: group.name,
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                    targetValue: args.scaling.targetCpuPercent,
                },
            }, { parent: this });
        }

        // Config rollout: when any parameter of this group changes, restart or reload each service, one host at
        // a time, waiting for health; the first failure stops the rollout (maxErrors 0). Hosts are targeted by
        // their group tag, so hosts launched later get the association too. The command carries a fingerprint of
        // the plain configs and run specs (known at preview, so the plan shows the rollout) and of the secrets'
        // versions (a secret's value would make the whole command secret).
        this.secretVersions = Object.values(secretParams).map((p) => pulumi.interpolate`${p.name}@${p.version}`);
        const fingerprint = pulumi.all([...plainValues, ...this.secretVersions]);
        new aws.ssm.Association(`${name}-rollout`, {
            name: "AWS-RunShellScript",
            associationName: `${args.project}-${args.stack}-${args.role}-rollout`,
            targets: groupTargets(args.project, args.stack, args.role),
            parameters: {
                commands: fingerprint.apply((v) => `/usr/local/sbin/api7-apply ${serviceNames.join(" ")} # parameters ${digest(v)}`),
            },
            maxConcurrency: "1",
            maxErrors: "0",
            complianceSeverity: "HIGH",
        }, { parent: this, dependsOn: [group] });

        this.autoScalingGroupName = group.name;
        this.autoScalingGroupArn = group.arn;
        this.launchTemplateId = template.id;
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.registerOutputs({
            autoScalingGroupName: this.autoScalingGroupName,
            autoScalingGroupArn: this.autoScalingGroupArn,
            launchTemplateId: this.launchTemplateId,
            roleName: this.roleName,
            roleArn: this.roleArn,
        });
    }
}


function tierFor(value: string): string {
    return Buffer.byteLength(value, "utf8") > STANDARD_TIER_LIMIT ? "Advanced" : "Standard";
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, fn: (v: T) => U): Record<string, U> {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

/** A short, stable fingerprint of the parameter versions: changes exactly when one of them does. */
function digest(parts: readonly string[]): string {
    return crypto.createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);
}
