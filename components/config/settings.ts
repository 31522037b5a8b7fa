/**
 * The typed, frozen settings the components receive, built from validated configuration. Components never read
 * `pulumi.Config`; they get (a part of) this object.
 */
import type * as pulumi from "@pulumi/pulumi";
// The SDK's Output module alone, whose exports `pulumi.secret` and `pulumi.Output` are (@pulumi/pulumi 3.248.0
// index.js: `__export(require("./output"))`): settings are parsed by `npm run report` and by tests that need no
// Pulumi runtime, and the whole SDK takes five times as long to load (measured: 0.96 s against 0.19 s of CPU).
import { Output, secret as pulumiSecret } from "@pulumi/pulumi/output";
import { Netmask } from "netmask";
import { minimumIntervalSeconds } from "../schedule";
import { PORTS } from "../ports";
import type { ConfigValues } from "./schema";
import { nameFragment } from "./rules";
import { defaultCachePrefix } from "../image-refs";

export type NatGateways = "single" | "perAz";

export interface NetworkSettings {
    /** CIDR of the VPC the program creates; undefined with a bring-your-own VPC. */
    readonly cidr?: string;
    /** Number of AZs hosts spread over (created VPC: network.availabilityZones; BYO: number of private subnets). */
    readonly azCount: number;
    readonly natGateways: NatGateways;
    readonly existing?: {
        readonly vpcId: string;
        readonly privateSubnetIds: readonly string[];
        readonly publicSubnetIds: readonly string[];
    };
    /** The S3 gateway endpoint's policy: restricted to known buckets (plus these), or AWS's full-access policy. */
    readonly s3Endpoint: { readonly access: "restricted" | "unrestricted"; readonly extraBucketArns: readonly string[] };
}

/**
 * How gateways authenticate to the DP Manager, and with what: credentials the stack brings, or none (`issued`):
 * the control plane's bootstrap issues them at first start into the gateways' SSM parameters.
 */
export type ControlPlaneAuth =
    | { readonly kind: "token"; readonly token?: pulumi.Output<string> }
    | {
          readonly kind: "mtls";
          readonly clientCert?: pulumi.Output<string>;
          readonly clientKey?: pulumi.Output<string>;
          readonly ca?: pulumi.Output<string>;
      };

/** True when the stack brings no gateway credentials, so the bootstrap issues them. */
export function credentialsIssued(auth: ControlPlaneAuth): boolean {
    return auth.kind === "token" ? auth.token === undefined : auth.clientCert === undefined;
}

export interface HealthCheckSettings {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
}

export interface DataPlaneLoadBalancerSettings {
    readonly internal: boolean;
    readonly clientCidrs: readonly string[];
    readonly httpPort: number;
    readonly httpsPort: number;
    /** passthrough: TCP to 9443; terminate: TLS at the NLB with certificateArn, plain HTTP to 9080. */
    readonly httpsMode: "passthrough" | "terminate";
    readonly certificateArn?: string;
    readonly healthCheck: HealthCheckSettings;
    readonly deregistrationDelaySeconds: number;
}

export interface FallbackSettings {
    readonly enabled: boolean;
    /** Explicit bucket names; undefined derives them from project, stack and account. */
    readonly configBucketName?: string;
    readonly resourceBucketName?: string;
    readonly kmsKeyArn?: string;
    readonly noncurrentVersionExpirationDays: number;
    readonly cronSpec: string;
    /** Shortest interval between two exports, in seconds (from cronSpec). */
    readonly exportIntervalSeconds: number;
    readonly credentials: "accessKeys" | "instanceRole";
    /** `pulumi destroy` empties the buckets; deletes are not reserved to the control plane. */
    readonly forceDestroy: boolean;
}

/** The managed database's settings (database.kind managed). */
export interface ManagedDatabaseSettings {
    readonly kind: "managed";
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    /** 0: no storage autoscaling. */
    readonly maxAllocatedStorageGiB: number;
    readonly multiAz: boolean;
    readonly backupRetentionDays: number;
    readonly deletionProtection: boolean;
    readonly finalSnapshot: boolean;
    /** Undefined: the program creates a key for the database. */
    readonly kmsKeyArn?: string;
}

/** A PostgreSQL the user runs (database.kind external). */
export interface ExternalDatabaseSettings {
    readonly kind: "external";
    readonly dsn: pulumi.Output<string>;
    /** The DSN's port (5432 when it names none), for the egress rule. */
    readonly port: number;
    /** Where the database is; empty means inside the VPC. */
    readonly cidrs: readonly string[];
}

export type DatabaseSettings = ManagedDatabaseSettings | ExternalDatabaseSettings;

/** Where hosts pull images from (images.*). */
export interface ImagesSettings {
    readonly source: "dockerHub" | "ecrPullThroughCache" | "registry";
    /** ecrPullThroughCache: the Docker Hub credentials secret ECR uses. */
    readonly dockerHubSecretArn: string;
    /** ecrPullThroughCache: the cache rule's repository prefix (images.cachePrefix, default api7-ha-<stack>). */
    readonly cachePrefix: string;
    /** registry: host[/path]. */
    readonly registry: string;
    /** docker login user (Docker Hub or a registry outside ECR); empty: anonymous. */
    readonly username: string;
    /** The registryPassword secret, with username. */
    readonly password?: pulumi.Output<string>;
    readonly ecrEndpoints: boolean;
    /** Run every image by the digest its tag has at deploy time (docker.getRegistryImage). */
    readonly pinDigests: boolean;
}

/** The Docker lab (deploy.target docker). */
export interface LabSettings {
    readonly bindAddress: string;
    readonly httpPort: number;
    readonly httpsPort: number;
    readonly dashboardPort: number;
    readonly loadBalancerImage: string;
    readonly postgresImage: string;
}

/** Target-tracking scaling of the gateways (dataPlane.autoscaling). */
export interface GatewayAutoscalingSettings {
    readonly enabled: boolean;
    readonly maxCount: number;
    readonly targetCpuPercent: number;
}

export interface Settings {
    readonly project: string;
    readonly stack: string;
    /** Where the stack runs (deploy.target): AWS, or the Docker lab. */
    readonly target: "aws" | "docker";
    readonly lab: LabSettings;
    readonly network: NetworkSettings;
    readonly access: {
        readonly adminCidrs: readonly string[];
    };
    readonly loadBalancers: {
        readonly deletionProtection: boolean;
    };
    readonly fallback: FallbackSettings;
    readonly prometheus: {
        readonly enabled: boolean;
        readonly placement: "dedicated" | "controlPlane";
        readonly image: string;
        readonly instanceType: string;
    };
    readonly hosts: {
        /** Pinned AMI, or undefined to resolve Amazon Linux 2023 from AWS's public SSM parameter. */
        readonly amiId?: string;
        readonly rootVolumeGiB: number;
        /** The Auto Scaling groups' grace period; undefined: each role's first-boot budget. */
        readonly healthCheckGraceSeconds?: number;
    };
    readonly images: ImagesSettings;
    readonly controlPlane: {
        readonly count: number;
        readonly instanceType: string;
        readonly dashboardImage: string;
        readonly dpManagerImage: string;
        /** The dashboard listener served behind the ALB: HTTP 7080 or its own HTTPS 7443. */
        readonly dashboardListener: "http" | "https";
        readonly loadBalancer: {
            readonly internal: boolean;
            /** HTTPS on 443 with this certificate; HTTP on 7080 without. */
            readonly certificateArn?: string;
        };
        /** What the bootstrap sets in the dashboard at first start. */
        readonly license: pulumi.Output<string>;
        readonly adminPassword: pulumi.Output<string>;
    };
    readonly database: DatabaseSettings;
    readonly dataPlane: {
        readonly count: number;
        readonly instanceType: string;
        readonly gatewayImage: string;
        readonly gatewayGroupId: string;
        /** The group's name in the dashboard, and whether the bootstrap may create it. */
        readonly gatewayGroupName: string;
        readonly createGatewayGroup: boolean;
        readonly upstreamCidrs: readonly string[];
        readonly auth: ControlPlaneAuth;
        /** The name gateways verify in the DP Manager's certificate (mTLS). */
        readonly controlPlaneSni: string;
        readonly loadBalancer: DataPlaneLoadBalancerSettings;
        /** normal: connected to the control plane; standalone: serving the last S3 export. */
        readonly mode: "normal" | "standalone";
        readonly autoscaling: GatewayAutoscalingSettings;
    };
}

/** Builds the settings from a validated configuration (rules.ts guarantees the secrets the auth needs are set). */
export function buildSettings(c: ConfigValues, project: string, stack: string): Settings {
    const { network: net, controlPlane: cp, dataPlane: dp, fallback: fb, database: db } = c;
    const byo = net.existingVpcId !== "";
    const secret = (v: string | undefined) => pulumiSecret(v ?? "");
    const optionalSecret = (v: string | undefined) => (v === undefined ? undefined : pulumiSecret(v));
    const settings: Settings = {
        project,
        stack,
        target: c.deploy.target,
        lab: { ...c.lab },
        network: {
            cidr: byo ? undefined : new Netmask(net.cidr).toString(),
            azCount: byo ? net.existingPrivateSubnetIds.length : net.availabilityZones,
            natGateways: net.natGateways,
            existing: byo
                ? { vpcId: net.existingVpcId, privateSubnetIds: net.existingPrivateSubnetIds, publicSubnetIds: net.existingPublicSubnetIds }
                : undefined,
            s3Endpoint: { access: net.s3EndpointAccess, extraBucketArns: net.s3EndpointBucketArns },
        },
        access: { adminCidrs: c.access.adminCidrs },
        loadBalancers: { deletionProtection: c.loadBalancers.deletionProtection },
        fallback: {
            enabled: fb.enabled,
            configBucketName: fb.configBucketName || undefined,
            resourceBucketName: fb.resourceBucketName || undefined,
            kmsKeyArn: fb.kmsKeyArn || undefined,
            noncurrentVersionExpirationDays: fb.noncurrentVersionExpirationDays,
            cronSpec: fb.cronSpec,
            exportIntervalSeconds: minimumIntervalSeconds(fb.cronSpec),
            credentials: fb.credentials,
            forceDestroy: fb.forceDestroy,
        },
        prometheus: { ...c.prometheus },
        hosts: {
            amiId: c.hosts.amiId || undefined,
            rootVolumeGiB: c.hosts.rootVolumeGiB,
            healthCheckGraceSeconds: c.hosts.healthCheckGraceSeconds || undefined,
        },
        images: {
            source: c.images.source,
            dockerHubSecretArn: c.images.dockerHubSecretArn,
            cachePrefix: c.images.cachePrefix || defaultCachePrefix(project, nameFragment(stack)),
            registry: c.images.registry,
            username: c.images.username,
            password: optionalSecret(c.registryPassword),
            ecrEndpoints: c.images.ecrEndpoints,
            pinDigests: c.images.pinDigests,
        },
        controlPlane: {
            count: cp.count,
            instanceType: cp.instanceType,
            dashboardImage: cp.dashboardImage,
            dpManagerImage: cp.dpManagerImage,
            dashboardListener: cp.dashboardListener,
            loadBalancer: { internal: cp.loadBalancer.internal, certificateArn: cp.loadBalancer.certificateArn || undefined },
            license: secret(c.license),
            adminPassword: secret(c.adminPassword),
        },
        database: db.kind === "external"
            ? {
                  kind: "external",
                  dsn: secret(c.databaseDsn),
                  port: Number(new URL(c.databaseDsn ?? "postgres://db").port || PORTS.postgres),
                  cidrs: db.externalCidrs,
              }
            : {
                  kind: "managed",
                  engineVersion: db.engineVersion,
                  instanceClass: db.instanceClass,
                  allocatedStorageGiB: db.allocatedStorageGiB,
                  maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
                  multiAz: db.multiAz,
                  backupRetentionDays: db.backupRetentionDays,
                  deletionProtection: db.deletionProtection,
                  finalSnapshot: db.finalSnapshot,
                  kmsKeyArn: db.kmsKeyArn || undefined,
              },
        dataPlane: {
            count: dp.count,
            instanceType: dp.instanceType,
            gatewayImage: dp.gatewayImage,
            gatewayGroupId: dp.gatewayGroupId,
            gatewayGroupName: dp.gatewayGroupName,
            createGatewayGroup: dp.createGatewayGroup,
            upstreamCidrs: dp.upstreamCidrs,
            controlPlaneSni: dp.controlPlaneSni,
            loadBalancer: {
                ...dp.loadBalancer,
                certificateArn: dp.loadBalancer.certificateArn || undefined,
                healthCheck: { ...dp.healthCheck },
                deregistrationDelaySeconds: dp.deregistrationDelaySeconds,
            },
            mode: dp.mode,
            autoscaling: { ...dp.autoscaling },
            auth: dp.controlPlaneAuth === "token"
                ? { kind: "token", token: optionalSecret(c.gatewayToken) }
                : { kind: "mtls", clientCert: optionalSecret(c.gatewayClientCert), clientKey: optionalSecret(c.gatewayClientKey), ca: optionalSecret(c.gatewayCa) },
        },
    };
    return deepFreeze(settings);
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}
