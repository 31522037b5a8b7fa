/**
 * The host building block: a group of EC2 instances of one role (control plane, data plane, Prometheus) with their
 * IAM identity, their SSM parameters (run specs, configs, secrets) and the association that rolls config changes
 * out one host at a time.
 */
import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderUserData } from "./cloud-init";
import type { Subnet } from "./network";
import { nameFragment } from "./config/rules";
import { renderYamlTemplate, type TemplateData } from "./templates";

/** AWS's public pointer to the current x86_64 Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** What an issued secret holds until the control plane's bootstrap writes it (api7-run waits while it does). */
export const PENDING_SECRET = "pending: issued by the control plane at its first start";

/**
 * Resource options of a secret parameter: an issued one ignores later changes of its value, so a `pulumi up` after
 * the bootstrap never puts the placeholder back over the credential.
 */
export function secretParameterOptions(issued: boolean, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return issued ? { parent, ignoreChanges: ["value"] } : { parent };
}

/** SSM Standard parameters hold 4 KB; larger values need the Advanced tier. */
const STANDARD_TIER_LIMIT = 4096;

export interface Ami {
    readonly id: pulumi.Output<string>;
    /** True when the stack pins the id; false when it was resolved from AL2023_AMI_PARAMETER. */
    readonly pinned: boolean;
}

/** The pinned AMI, or the current AL2023 x86_64 AMI from AWS's public SSM parameter. */
export function resolveAmi(amiId: string | undefined, opts?: pulumi.InvokeOptions): Ami {
    if (amiId) return { id: pulumi.output(amiId), pinned: true };
    // The provider marks the parameter's `value` secret, and the Output form of an invoke makes its whole result
    // secret when any field is (@pulumi/pulumi runtime/invoke.ts invokeOutput), so even `insecureValue` would show
    // as [secret] in every preview. The plain invoke drops that marking ("ignore secrets for plain invoke",
    // invoke.ts `invoke`), and `insecureValue` is the field the provider offers in clear. A public AMI id is no secret.
    const id = pulumi.output(aws.ssm.getParameter({ name: AL2023_AMI_PARAMETER }, opts)).apply(({ insecureValue: resolved }) => {
        void pulumi.log.warn(`hosts.amiId is not pinned; using ${resolved}. Pin it so every preview and new host uses the same image: pulumi config set --path hosts.amiId ${resolved}`);
        return resolved;
    });
    return { id, pinned: false };
}

/**
 * Resource options of a host instance. With an unpinned AMI, later AL2023 releases are ignored: a new AMI must
 * not replace every host on an unrelated `pulumi up`. Pin hosts.amiId to upgrade deliberately.
 */
export function hostInstanceOptions(ami: Ami, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return ami.pinned ? { parent } : { parent, ignoreChanges: ["ami"] };
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

/**
 * A value a host creates once and keeps across restarts and config changes (under /var/lib/api7/<service>/), e.g. a
 * gateway's instance id. Never in SSM: it belongs to the host, and a replaced host gets a new one.
 */
export interface StateFile {
    /** File name in the service's state directory. */
    readonly name: string;
    /** How api7-run creates it when missing: a random UUID, or 32 random hex characters (a key). */
    readonly generate: "uuid" | "key";
    /** Where it is bind-mounted in the container, if at all. */
    readonly mount?: string;
}

/** One containerised service on every host of a group (a systemd unit api7@<name>.service). */
export interface ServiceDefinition {
    /** Unit instance name and SSM parameter stem, e.g. `dashboard`. */
    readonly name: string;
    /** Container name, e.g. `api7-dashboard`. */
    readonly container: string;
    /** Pinned image reference. */
    readonly image: string;
    /** Template in config-templates/ rendered into the service's config file. */
    readonly configTemplate: string;
    /** Data for the template; may hold outputs (addresses of other resources), never secret values. */
    readonly configData: pulumi.Input<TemplateData>;
    /** Where the rendered config is mounted inside the container. */
    readonly configPath: string;
    /** Placeholder token in the rendered config -> name of a secret of this group, substituted on the host. */
    readonly placeholders?: Readonly<Record<string, string>>;
    /** Values this host creates once (see StateFile). */
    readonly stateFiles?: readonly StateFile[];
    /** Placeholder token in the rendered config -> name of a state file, substituted on the host. */
    readonly statePlaceholders?: Readonly<Record<string, string>>;
    /** Plain environment for the container. */
    readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Environment variable -> name of a secret of this group. */
    readonly secretEnv?: Readonly<Record<string, string>>;
    /** Extra `docker run` arguments (volumes, user). */
    readonly dockerArgs?: readonly string[];
    /** Arguments after the image (the container's command), e.g. Prometheus's flags. */
    readonly command?: readonly string[];
    /**
     * A managed database whose DSN api7-run builds on the host, at every start, from this endpoint and the
     * RDS-managed secret, and substitutes for `token` in the rendered config.
     */
    readonly database?: pulumi.Input<ManagedDatabaseDsn>;
    /** Polled after a restart or reload; a rollout stops unless it answers 2xx within 300 s. */
    readonly healthUrl: string;
    /** Command run in the container to apply new config without a restart (same image only). */
    readonly reloadCommand?: readonly string[];
}

/** How api7-run builds a managed database's DSN (nothing here is secret; the password stays in Secrets Manager). */
export interface ManagedDatabaseDsn {
    readonly token: string;
    readonly secretArn: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    /** libpq's sslmode: `require` (TLS, as the server's rds.force_ssl demands). */
    readonly sslmode: "require";
}

export interface HostGroupArgs {
    readonly project: string;
    readonly stack: string;
    /** Short role name, used in SSM paths, tags and names: `cp`, `dp`, `prometheus`. */
    readonly role: string;
    /** Number of hosts; host i goes to subnets[i % subnets.length] (round-robin over the AZs). */
    readonly count: number;
    readonly instanceType: string;
    readonly ami: Ami;
    /** Root volume in GiB (gp3, encrypted). */
    readonly rootVolumeGiB: number;
    /** Private subnets, one per AZ. */
    readonly subnets: readonly Subnet[];
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    readonly services: readonly ServiceDefinition[];
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
    readonly tags?: Record<string, string>;
}

/** A group of identical hosts running the same containers. */
export class HostGroup extends pulumi.ComponentResource {
    public readonly instanceIds: pulumi.Output<string[]>;
    public readonly privateIps: pulumi.Output<string[]>;
    public readonly availabilityZones: pulumi.Output<string[]>;
    /** The hosts' IAM role: other components attach their own scoped policies to it. */
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly parameterPrefix: string;
    /** The instances, for target-group attachments. */
    public readonly instances: readonly aws.ec2.Instance[];
    /** name@version of each secret parameter: changes when a secret does (never its value). */
    public readonly secretVersions: pulumi.Output<string>[];

    constructor(name: string, args: HostGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:HostGroup", name, {}, opts);
        if (args.subnets.length === 0) throw new Error(`${name}: no subnets to place hosts in`);
        // Stack and role tags: Prometheus finds the gateways by them.
        const tags = { ...(args.tags ?? {}), "api7-ha:stack": args.stack, "api7-ha:role": args.role };
        const prefix = parameterPrefix(args.project, args.stack, args.role);
        this.parameterPrefix = prefix;
        const invokeOpts = { parent: this };
        const region = aws.getRegionOutput({}, invokeOpts).region;
        const account = aws.getCallerIdentityOutput({}, invokeOpts).accountId;
        const partition = aws.getPartitionOutput({}, invokeOpts).partition;

        // Secrets: SecureStrings under <prefix>/secrets, read by the hosts at service start.
        const secretParams: Record<string, aws.ssm.Parameter> = {};
        const issued = new Set(args.issuedSecrets ?? []);
        const secretValues: [string, pulumi.Input<string>][] = [
            ...Object.entries(args.secrets ?? {}),
            ...[...issued].map((n): [string, pulumi.Input<string>] => [n, PENDING_SECRET]),
        ];
        for (const [secretName, value] of secretValues) {
            secretParams[secretName] = new aws.ssm.Parameter(`${name}-secret-${secretName}`, {
                name: secretParameterName(args.project, args.stack, args.role, secretName),
                type: "SecureString",
                value: pulumi.secret(value),
                description: `api7-ha ${args.stack} ${args.role}: ${secretName}${issued.has(secretName) ? " (issued by the control plane)" : ""}`,
                tags,
            }, secretParameterOptions(issued.has(secretName), this));
        }
        const secretPath = (secretName: string): string => {
            if (!secretParams[secretName]) throw new Error(`${name}: service refers to unknown secret ${secretName}`);
            return `${prefix}/secrets/${secretName}`;
        };

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
            const spec = pulumi.all([svc.env ?? {}, svc.database]).apply(([env, database]) => {
                const run = {
                    container: svc.container,
                    image: svc.image,
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

        // Identity: SSM for operations (Session Manager, Run Command) and read access to its own parameters only.
        const role = new aws.iam.Role(`${name}-role`, {
            name: hostRoleName(args.project, args.stack, args.role),
            assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
                statements: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
            }, invokeOpts).json,
            description: `api7-ha ${args.stack} ${args.role} hosts`,
            tags,
        }, { parent: this });
        new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-parameters`, {
            role: role.name,
            policy: aws.iam.getPolicyDocumentOutput({
                statements: [{
                    sid: "ReadOwnParameters",
                    actions: ["ssm:GetParameter"],
                    resources: [pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:parameter${prefix}/*`],
                }],
            }, invokeOpts).json,
        }, { parent: this });
        const readable = args.readableSecretArns ?? [];
        if (readable.length > 0) {
            new aws.iam.RolePolicy(`${name}-secrets`, {
                role: role.name,
                policy: aws.iam.getPolicyDocumentOutput({
                    // With the secret under Secrets Manager's own key (aws/secretsmanager), no KMS statement is needed.
                    statements: [{ sid: "ReadDatabaseSecret", actions: ["secretsmanager:GetSecretValue"], resources: [...readable] }],
                }, invokeOpts).json,
            }, { parent: this });
        }
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent: this });

        const serviceNames = args.services.map((s) => s.name);
        const userData = region.apply((r) => renderUserData({ region: r, parameterPrefix: prefix, services: serviceNames, bootstrap: args.bootstrap, databaseRotation: readable.length > 0 }));

        const instances: aws.ec2.Instance[] = [];
        for (let i = 0; i < args.count; i++) {
            const subnet = args.subnets[i % args.subnets.length];
            instances.push(new aws.ec2.Instance(`${name}-${i}`, {
                ami: args.ami.id,
                instanceType: args.instanceType,
                subnetId: subnet.id,
                vpcSecurityGroupIds: [...args.securityGroupIds],
                iamInstanceProfile: profile.name,
                associatePublicIpAddress: false,
                monitoring: true,
                ebsOptimized: true,
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    // Containers sit one network hop behind the host: a limit of 1 would cut them off from IMDS.
                    httpPutResponseHopLimit: 2,
                },
                rootBlockDevice: {
                    volumeType: "gp3",
                    volumeSize: args.rootVolumeGiB,
                    encrypted: true,
                    deleteOnTermination: true,
                    tags: { ...tags, Name: `${name}-${i}` },
                },
                userData,
                // User data is bootstrap only (configs live in SSM), and cloud-init applies it once: a changed
                // bootstrap needs a fresh host, so replace rather than silently stop/start with stale files.
                userDataReplaceOnChange: true,
                tags: { ...tags, Name: `${name}-${i}` },
            }, { ...hostInstanceOptions(args.ami, this), dependsOn: [...configParams, ...Object.values(secretParams)] }));
        }
        this.instances = instances;

        // Config rollout: when any parameter of this group changes, restart or reload each service, one host at
        // a time, waiting for health; the first failure stops the rollout (maxErrors 0). The command carries a
        // fingerprint of the plain configs and run specs (known at preview, so the plan shows the rollout) and of
        // the secrets' versions (a secret's value would make the whole command secret).
        this.secretVersions = Object.values(secretParams).map((p) => pulumi.interpolate`${p.name}@${p.version}`);
        const fingerprint = pulumi.all([...plainValues, ...this.secretVersions]);
        new aws.ssm.Association(`${name}-rollout`, {
            name: "AWS-RunShellScript",
            associationName: `${args.project}-${args.stack}-${args.role}-rollout`,
            targets: [{ key: "InstanceIds", values: instances.map((inst) => inst.id) }],
            parameters: {
                commands: fingerprint.apply((v) => `/usr/local/sbin/api7-apply ${serviceNames.join(" ")} # parameters ${digest(v)}`),
            },
            maxConcurrency: "1",
            maxErrors: "0",
            complianceSeverity: "HIGH",
        }, { parent: this });

        this.instanceIds = pulumi.all(instances.map((inst) => inst.id));
        this.privateIps = pulumi.all(instances.map((inst) => inst.privateIp));
        this.availabilityZones = pulumi.all(instances.map((inst) => inst.availabilityZone));
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.registerOutputs({
            instanceIds: this.instanceIds,
            privateIps: this.privateIps,
            availabilityZones: this.availabilityZones,
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
