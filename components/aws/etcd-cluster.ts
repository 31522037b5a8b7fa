/**
 * The API7 2.x etcd cluster on AWS (deploy.generation 2.x): one Auto Scaling group of one host per member, each in its
 * member's AZ, with the member's fixed network interface (its address in every configuration) and data volume, which a
 * replacement host takes over (config-templates/api7-etcd-member.sh; why: docs/api7-2x.md). Members are replaced
 * "terminate first", never refreshed by a template change, and rolled as one: a config change restarts one member at
 * a time, each waiting for its /health, which needs the quorum back (components/aws/host/rollout.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    ETCD_CONFIG_TEMPLATE,
    ETCD_TLS,
    etcdMemberConfigData,
    etcdMembers,
    memberCertificate,
    peerClientCertificate,
    type EtcdMember,
} from "../etcd";
import { PORTS } from "../ports";
import type { ServiceDefinition } from "../services";
import { gatewayPrefix } from "../v2-services";
import type { Settings } from "../config/settings";
import { GROUP_TAG, groupTagValue, parameterPrefix, secretParameterName } from "./fleet";
import { HostGroup, type HostPlacement } from "./host";
import { whereabouts, type Whereabouts } from "./whereabouts";
import { createRollout, sharedRolloutScope } from "./host/rollout";
import type { EtcdPki } from "./etcd-pki";
import {
    combineExtras,
    ETCD_ADMIN_SECRET,
    ETCD_AUTH_SCRIPT_SECRET,
    etcdAuthScript,
    ETCD_MOUNT,
    memberFiles,
    secretFiles,
    secretFilesDir,
    type EtcdAdminConfig,
} from "./v2-host-files";

/** The etcd users the program creates (config-templates/api7-etcd-auth.sh): the dashboards' and the gateways'. */
export const ETCD_USERS = Object.freeze({ dashboard: "api7-dashboard", gateway: "api7-gateway" });

/** The device name a member's data volume is attached as (on Nitro hosts it shows as an NVMe device instead). */
const DATA_DEVICE = "/dev/sdf";
const CONTAINER = "api7-etcd";
const CONFIG_PATH = "/etc/etcd/etcd.yaml";

export interface EtcdClusterArgs {
    readonly settings: Pick<Settings, "project" | "stack" | "hosts" | "etcd" | "v2">;
    /** The stack's placement; each member gets the subnet of its AZ only. */
    readonly placement: HostPlacement;
    /** The members' security group (components/aws/v2-security-groups.ts), on their hosts and their interfaces. */
    readonly securityGroupId: pulumi.Input<string>;
    readonly pki: EtcdPki;
    /** The snapshot bucket (components/aws/etcd-snapshots.ts). */
    readonly snapshotBucket: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
    readonly tags?: Record<string, string>;
}

export class EtcdCluster extends pulumi.ComponentResource {
    /** Each member's fixed address, in member order. */
    public readonly addresses: pulumi.Output<string>[];
    public readonly members: readonly EtcdMember[];
    /** One host group per member. */
    public readonly groups: HostGroup[];
    /** The one rollout across all members. */
    public readonly rolloutAssociationId: pulumi.Output<string>;
    /** The dashboards' and gateways' passwords (with etcd.auth), for their own groups' secrets. */
    public readonly passwords?: { readonly dashboard: pulumi.Output<string>; readonly gateway: pulumi.Output<string> };

    constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:etcd:Cluster", name, {}, opts);
        const { project, stack, etcd } = args.settings;
        const subnets = args.placement.subnets;
        const tags = args.tags ?? {};
        this.members = etcdMembers(etcd.members, subnets.length);
        const where = whereabouts(this);

        const interfaces = this.members.map(
            (m) =>
                new aws.ec2.NetworkInterface(
                    `${name}-${m.name}`,
                    {
                        subnetId: subnets[m.azIndex].id,
                        securityGroups: [args.securityGroupId],
                        description: `api7-ha ${stack} etcd member ${m.name}: its fixed address`,
                        tags: { ...tags, Name: `${project}-${stack}-${m.name}` },
                    },
                    // Its address is in every member's and client's configuration (a new one: a new cluster), and its
                    // volume holds its data: neither is deleted or replaced by a `pulumi up` or `pulumi destroy`
                    // that has not been told to (docs/api7-2x.md, "Destroying it").
                    { parent: this, protect: true },
                ),
        );
        this.addresses = interfaces.map((eni) => eni.privateIp);
        // The member's data, in its AZ, kept across its hosts (gp3, encrypted with the account's EBS key).
        const volumes = this.members.map(
            (m) =>
                new aws.ebs.Volume(
                    `${name}-${m.name}-data`,
                    {
                        availabilityZone: subnets[m.azIndex].availabilityZone,
                        size: etcd.dataVolumeGiB,
                        type: "gp3",
                        encrypted: true,
                        tags: { ...tags, Name: `${project}-${stack}-${m.name}-data` },
                    },
                    { parent: this, protect: true },
                ),
        );

        const passwords = etcd.auth
            ? {
                  root: args.pki.password(`${name}-root`),
                  dashboard: args.pki.password(`${name}-dashboard`),
                  gateway: args.pki.password(`${name}-gateway`),
              }
            : undefined;
        this.passwords = passwords && { dashboard: passwords.dashboard, gateway: passwords.gateway };

        const configData = (m: EtcdMember) =>
            pulumi.all(this.addresses).apply((addresses) =>
                etcdMemberConfigData({
                    member: m,
                    members: this.members,
                    addresses,
                    // Its own host: every address, the member's interface's and the host's own (etcdctl on loopback).
                    bindHost: "0.0.0.0",
                    // The stack's: two stacks' members never join each other.
                    clusterToken: `${project}-${stack}-etcd`,
                }),
            );

        this.groups = this.members.map((m, i) => {
            const server = args.pki.issue(
                `${name}-${m.name}`,
                this.addresses[i].apply((ip) => memberCertificate(m, ip)),
            );
            const peerClient = args.pki.issue(`${name}-${m.name}-peer`, peerClientCertificate(m));
            const secret = (s: string) => secretParameterName(project, stack, m.name, s);
            const tlsSecrets: Record<string, [file: string, value: pulumi.Input<string>]> = {
                "tls-ca": [baseName(ETCD_TLS.caFile), args.pki.caPem],
                "tls-member-crt": [baseName(ETCD_TLS.certFile), server.certPem],
                "tls-member-key": [baseName(ETCD_TLS.keyFile), server.keyPem],
                "tls-peer-client-crt": [baseName(ETCD_TLS.peerClientCertFile), peerClient.certPem],
                "tls-peer-client-key": [baseName(ETCD_TLS.peerClientKeyFile), peerClient.keyPem],
            };
            const service: ServiceDefinition = {
                name: "etcd",
                container: CONTAINER,
                // As written: etcd's own registry, whatever images.source says (etcd.image).
                image: etcd.image,
                configTemplate: ETCD_CONFIG_TEMPLATE,
                configData: configData(m),
                configPath: CONFIG_PATH,
                dockerArgs: [
                    "-v",
                    `${ETCD_MOUNT}:${ETCD_MOUNT}`,
                    "-v",
                    `${secretFilesDir("etcd")}:${dirName(ETCD_TLS.caFile)}:ro`,
                ],
                // The image's only command is etcd, with no entrypoint (etcd-io/etcd Dockerfile-release.amd64 @v3.5.33).
                command: ["/usr/local/bin/etcd", "--config-file", CONFIG_PATH],
                // Needs the quorum: a rollout restarting this member waits until it has rejoined.
                healthUrl: `http://127.0.0.1:${PORTS.etcdMetrics}/health`,
            };
            const extras = pulumi.all([interfaces[i].id, volumes[i].id]).apply(([eniId, volumeId]) =>
                combineExtras(
                    memberFiles({
                        networkInterfaceId: eniId,
                        volumeId,
                        device: DATA_DEVICE,
                        auth: passwords !== undefined,
                        snapshotIntervalMinutes: etcd.snapshotIntervalMinutes,
                    }),
                    secretFiles(
                        "etcd",
                        Object.fromEntries(Object.entries(tlsSecrets).map(([s, [file]]) => [file, secret(s)])),
                    ),
                ),
            );
            const admin = pulumi.all([this.addresses[i], args.snapshotBucket.name]).apply(([ip, bucket]) =>
                JSON.stringify({
                    container: CONTAINER,
                    endpoint: `https://${ip}:${PORTS.etcdClient}`,
                    tls: { ca: ETCD_TLS.caFile, cert: ETCD_TLS.certFile, key: ETCD_TLS.keyFile },
                    prefix: "/api7",
                    gatewayPrefix: args.settings.v2.clusterId ? gatewayPrefix(args.settings.v2.clusterId) : "",
                    snapshotUrl: `s3://${bucket}/etcd/`,
                    snapshotFile: `${ETCD_MOUNT}/snapshot.db`,
                    passwords: passwords && {
                        root: secret("root-password"),
                        dashboard: secret("dashboard-password"),
                        gateway: secret("gateway-password"),
                    },
                } satisfies EtcdAdminConfig),
            );
            return new HostGroup(
                `${name}-${m.name}`,
                {
                    project,
                    stack,
                    role: "etcd",
                    member: m.name,
                    count: 1,
                    instanceType: etcd.instanceType,
                    rootVolumeGiB: args.settings.hosts.rootVolumeGiB,
                    placement: { ...args.placement, subnets: [subnets[m.azIndex]] },
                    securityGroupIds: [args.securityGroupId],
                    // No load balancer: EC2 status checks alone replace a member (etcd's /health fails on every member
                    // without a quorum, and would replace them all).
                    healthyAfterSeconds: 0,
                    services: [service],
                    secrets: {
                        ...Object.fromEntries(Object.entries(tlsSecrets).map(([s, [, value]]) => [s, value])),
                        [ETCD_ADMIN_SECRET]: admin,
                        ...(passwords
                            ? {
                                  [ETCD_AUTH_SCRIPT_SECRET]: etcdAuthScript(),
                                  "root-password": passwords.root,
                                  "dashboard-password": passwords.dashboard,
                                  "gateway-password": passwords.gateway,
                              }
                            : {}),
                    },
                    replacement: "terminateFirst",
                    rollout: "shared",
                    userDataExtras: extras,
                    permissions: memberPermissions(
                        interfaces[i],
                        volumes[i],
                        args.snapshotBucket.arn,
                        project,
                        stack,
                        m,
                        where,
                    ),
                    tags,
                },
                { parent: this },
            );
        });

        this.rolloutAssociationId = createRollout(
            name,
            // Through api7-etcd-admin: a member whose etcd runs is restarted only while every member answers.
            {
                ...sharedRolloutScope(project, stack, "etcd", ["etcd"]),
                command: "/usr/local/sbin/api7-etcd-admin rollout",
            },
            {
                plainValues: this.groups.flatMap((g) => g.rolloutFingerprint.plainValues),
                secretVersions: this.groups.flatMap((g) => g.rolloutFingerprint.secretVersions),
            },
            this.groups.map((g) => g.group),
            this,
        ).associationId;
        this.registerOutputs({ addresses: this.addresses });
    }
}

const baseName = (file: string) => file.slice(file.lastIndexOf("/") + 1);
const dirName = (file: string) => file.slice(0, file.lastIndexOf("/"));

/**
 * What a member's hosts may do beyond every host's: attach its own interface and volume, to an instance of its own
 * group only (EC2's AttachNetworkInterface and AttachVolume authorize both the attached resource and the instance;
 * ec2:ResourceTag on the instance: Service Authorization Reference, Amazon EC2), see both (the Describe calls take no
 * resource), and write snapshots under etcd/ in the snapshot bucket.
 */
function memberPermissions(
    eni: aws.ec2.NetworkInterface,
    volume: aws.ebs.Volume,
    bucketArn: pulumi.Input<string>,
    project: string,
    stack: string,
    member: EtcdMember,
    where: Whereabouts,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    const actions = ["ec2:AttachNetworkInterface", "ec2:AttachVolume"];
    return [
        { sid: "AttachOwnInterfaceAndVolume", actions, resources: [eni.arn, volume.arn] },
        {
            sid: "ToOwnInstances",
            actions,
            resources: [pulumi.interpolate`arn:${where.partition}:ec2:${where.region}:${where.account}:instance/*`],
            conditions: [
                {
                    test: "StringEquals",
                    variable: `ec2:ResourceTag/${GROUP_TAG}`,
                    values: [groupTagValue(project, stack, member.name)],
                },
            ],
        },
        {
            sid: "SeeInterfacesAndVolumes",
            actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVolumes"],
            resources: ["*"],
        },
        { sid: "WriteSnapshots", actions: ["s3:PutObject"], resources: [pulumi.interpolate`${bucketArn}/etcd/*`] },
        // The member's marker (config-templates/api7-etcd-member.sh): which interface has had data, on which volume.
        {
            sid: "RecordMemberVolume",
            actions: ["ssm:PutParameter"],
            resources: [
                pulumi.interpolate`arn:${where.partition}:ssm:${where.region}:${where.account}:parameter${parameterPrefix(project, stack, member.name)}/member-volume`,
            ],
        },
    ];
}
