/**
 * The typed, frozen settings the components receive, built from validated configuration. Components never read
 * `pulumi.Config`; they get (a part of) this object. Its types are the schema's output (components/config/schema.ts):
 * a setting added to an area there reaches its area here, typed, with no edit in this file. What this file adds is
 * what the schema cannot say on its own: values derived from several settings (the AZ count, the export interval,
 * the database and gateway-credential variants), `""` and `0` read as "not set", and the secrets as Pulumi secrets.
 */
import { parseDsn, type DatabaseEngine } from "../database-dsn";
import type * as pulumi from "@pulumi/pulumi";
// The SDK's Output module alone, whose exports `pulumi.secret` and `pulumi.Output` are (@pulumi/pulumi 3.248.0
// index.js: `__export(require("./output"))`): settings are parsed by `npm run report` and by tests that need no
// Pulumi runtime, and the whole SDK takes five times as long to load (measured: 0.96 s against 0.19 s of CPU).
import { Output, secret as pulumiSecret } from "@pulumi/pulumi/output";
import { Netmask } from "netmask";
import { minimumIntervalSeconds } from "../schedule";
import { PORTS } from "../ports";
import type { ConfigValues } from "./schema";
import { nameFragment } from "./names";
import { defaultCachePrefix } from "../image-refs";

/** Read-only all the way down (the settings are deep-frozen); Pulumi outputs are left as they are. */
type Frozen<T> =
    T extends pulumi.Output<unknown>
        ? T
        : T extends readonly (infer E)[]
          ? readonly Frozen<E>[]
          : T extends object
            ? { readonly [K in keyof T]: Frozen<T[K]> }
            : T;

/** Keys whose empty value (`""`, or `0` where the schema says so) means "not set": undefined here when unset. */
type Unset<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] };

function unset<T extends object, K extends keyof T>(area: T, keys: readonly K[]): Unset<T, K> {
    const out = { ...area } as Record<PropertyKey, unknown>;
    for (const key of keys) out[key] = area[key] || undefined;
    return out as Unset<T, K>;
}

type Network = ConfigValues["network"];
type ControlPlane = ConfigValues["controlPlane"];
type Database = ConfigValues["database"];
type DataPlane = ConfigValues["dataPlane"];

export type NatGateways = Network["natGateways"];

/** Keys of the network area that are regrouped below (created VPC or brought, and the S3 endpoint). */
type RegroupedNetworkKey =
    | "cidr"
    | "existingVpcId"
    | "existingPrivateSubnetIds"
    | "existingPublicSubnetIds"
    | "s3EndpointAccess"
    | "s3EndpointBucketArns";

export type NetworkSettings = Frozen<
    Omit<Network, RegroupedNetworkKey> & {
        /** CIDR of the VPC the program creates; undefined with a bring-your-own VPC. */
        cidr?: Network["cidr"];
        /** Number of AZs hosts spread over (created VPC: network.availabilityZones; BYO: number of private subnets). */
        azCount: number;
        existing?: {
            vpcId: string;
            privateSubnetIds: Network["existingPrivateSubnetIds"];
            publicSubnetIds: Network["existingPublicSubnetIds"];
        };
        /** The S3 gateway endpoint's policy: restricted to known buckets (plus these), or AWS's full-access policy. */
        s3Endpoint: { access: Network["s3EndpointAccess"]; extraBucketArns: Network["s3EndpointBucketArns"] };
    }
>;

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

export type HealthCheckSettings = Frozen<DataPlane["healthCheck"]>;

/** The gateways' NLB, with the health check and deregistration delay of its target groups. */
export type DataPlaneLoadBalancerSettings = Frozen<
    Unset<DataPlane["loadBalancer"], "certificateArn"> & {
        healthCheck: DataPlane["healthCheck"];
        deregistrationDelaySeconds: DataPlane["deregistrationDelaySeconds"];
    }
>;

/** The fallback area; bucket names and the KMS key undefined when unset (derived from project, stack and account). */
export type FallbackSettings = Frozen<
    Unset<ConfigValues["fallback"], "configBucketName" | "resourceBucketName" | "kmsKeyArn"> & {
        /** Shortest interval between two exports, in seconds (from cronSpec). */
        exportIntervalSeconds: number;
    }
>;

/** The managed database's settings (database.kind managed); kmsKeyArn undefined: the program creates a key. */
export type ManagedDatabaseSettings = Frozen<
    Unset<Omit<Database, "kind" | "externalCidrs">, "kmsKeyArn"> & { kind: "managed" }
>;

/** A database the user runs (database.kind external): PostgreSQL, MySQL 5.7 or OceanBase. */
export interface ExternalDatabaseSettings {
    readonly kind: "external";
    readonly dsn: pulumi.Output<string>;
    /** From the DSN's scheme: `mysql` for MySQL and OceanBase alike (API7 tells them apart itself). */
    readonly engine: DatabaseEngine;
    /** The DSN's port (5432 or 3306 when it names none), for the egress rule. */
    readonly port: number;
    /** Where the database is (database.externalCidrs); empty means inside the VPC. */
    readonly cidrs: Frozen<Database["externalCidrs"]>;
}

export type DatabaseSettings = ManagedDatabaseSettings | ExternalDatabaseSettings;

/** Where hosts pull images from (images.*); cachePrefix filled in (default api7-ha-<stack>). */
export type ImagesSettings = Frozen<ConfigValues["images"]> & {
    /** The registryPassword secret, with username. */
    readonly password?: pulumi.Output<string>;
};

/** The Docker lab (deploy.target docker). */
export type LabSettings = Frozen<ConfigValues["lab"]>;

/** Target-tracking scaling of the gateways (dataPlane.autoscaling). */
export type GatewayAutoscalingSettings = Frozen<DataPlane["autoscaling"]>;

export interface Settings {
    readonly project: string;
    readonly stack: string;
    /** Where the stack runs (deploy.target): AWS, or the Docker lab. */
    readonly target: ConfigValues["deploy"]["target"];
    /** Which API7 topology (deploy.generation): 3.x, or 2.x with its etcd cluster. */
    readonly generation: ConfigValues["deploy"]["generation"];
    /** The etcd cluster of the 2.x topology (etcd.*). */
    readonly etcd: Frozen<ConfigValues["etcd"]>;
    /** The 2.x dashboard's and gateways' images and the gateways' cluster (v2.*). */
    readonly v2: Frozen<ConfigValues["v2"]>;
    readonly lab: LabSettings;
    readonly network: NetworkSettings;
    readonly access: Frozen<ConfigValues["access"]>;
    readonly loadBalancers: Frozen<ConfigValues["loadBalancers"]>;
    readonly fallback: FallbackSettings;
    readonly prometheus: Frozen<ConfigValues["prometheus"]>;
    readonly alarms: Frozen<ConfigValues["alarms"]>;
    readonly logs: Frozen<ConfigValues["logs"]>;
    /** amiId undefined: resolved from AWS's public SSM parameter; healthCheckGraceSeconds undefined: each role's first-boot budget. */
    readonly hosts: Frozen<Unset<ConfigValues["hosts"], "amiId" | "healthCheckGraceSeconds">>;
    readonly images: ImagesSettings;
    readonly controlPlane: Frozen<
        Omit<ControlPlane, "loadBalancer"> & { loadBalancer: Unset<ControlPlane["loadBalancer"], "certificateArn"> }
    > & {
        /** What the bootstrap sets in the dashboard at first start. */
        readonly license: pulumi.Output<string>;
        readonly adminPassword: pulumi.Output<string>;
    };
    readonly database: DatabaseSettings;
    readonly dataPlane: Frozen<
        Omit<DataPlane, "loadBalancer" | "healthCheck" | "deregistrationDelaySeconds" | "controlPlaneAuth">
    > & {
        readonly loadBalancer: DataPlaneLoadBalancerSettings;
        /** dataPlane.controlPlaneAuth with the credentials the stack brings. */
        readonly auth: ControlPlaneAuth;
    };
}

/** Builds the settings from a validated configuration (rules.ts guarantees the secrets the auth needs are set). */
export function buildSettings(c: ConfigValues, project: string, stack: string): Settings {
    const secret = (v: string | undefined) => pulumiSecret(v ?? "");
    const optionalSecret = (v: string | undefined) => (v === undefined ? undefined : pulumiSecret(v));
    const settings: Settings = {
        project,
        stack,
        target: c.deploy.target,
        generation: c.deploy.generation,
        etcd: c.etcd,
        v2: c.v2,
        lab: c.lab,
        network: network(c.network),
        access: c.access,
        loadBalancers: c.loadBalancers,
        fallback: {
            ...unset(c.fallback, ["configBucketName", "resourceBucketName", "kmsKeyArn"]),
            exportIntervalSeconds: minimumIntervalSeconds(c.fallback.cronSpec),
        },
        prometheus: c.prometheus,
        alarms: c.alarms,
        logs: c.logs,
        hosts: unset(c.hosts, ["amiId", "healthCheckGraceSeconds"]),
        images: {
            ...c.images,
            cachePrefix: c.images.cachePrefix || defaultCachePrefix(project, nameFragment(stack)),
            password: optionalSecret(c.registryPassword),
        },
        controlPlane: {
            ...c.controlPlane,
            loadBalancer: unset(c.controlPlane.loadBalancer, ["certificateArn"]),
            license: secret(c.license),
            adminPassword: secret(c.adminPassword),
        },
        database: database(c),
        dataPlane: dataPlane(c, optionalSecret),
    };
    return deepFreeze(settings);
}

function network(net: Network): NetworkSettings {
    const {
        cidr,
        existingVpcId,
        existingPrivateSubnetIds,
        existingPublicSubnetIds,
        s3EndpointAccess,
        s3EndpointBucketArns,
        ...rest
    } = net;
    const byo = existingVpcId !== "";
    return {
        ...rest,
        cidr: byo ? undefined : new Netmask(cidr).toString(),
        azCount: byo ? existingPrivateSubnetIds.length : net.availabilityZones,
        existing: byo
            ? {
                  vpcId: existingVpcId,
                  privateSubnetIds: existingPrivateSubnetIds,
                  publicSubnetIds: existingPublicSubnetIds,
              }
            : undefined,
        s3Endpoint: { access: s3EndpointAccess, extraBucketArns: s3EndpointBucketArns },
    };
}

/** The brought database's engine and port, from its DSN (already checked: components/database-dsn.ts). */
function engineAndPort(dsn: string | undefined): { engine: DatabaseEngine; port: number } {
    const parsed = parseDsn(dsn ?? "");
    return "problem" in parsed ? { engine: "postgresql", port: PORTS.postgres } : parsed;
}

function database(c: ConfigValues): DatabaseSettings {
    const { kind, externalCidrs, ...managed } = c.database;
    if (kind === "external") {
        return {
            kind,
            dsn: pulumiSecret(c.databaseDsn ?? ""),
            ...engineAndPort(c.databaseDsn),
            cidrs: externalCidrs,
        };
    }
    return { kind, ...unset(managed, ["kmsKeyArn"]) };
}

function dataPlane(
    c: ConfigValues,
    optionalSecret: (v: string | undefined) => pulumi.Output<string> | undefined,
): Settings["dataPlane"] {
    const { loadBalancer, healthCheck, deregistrationDelaySeconds, controlPlaneAuth, ...rest } = c.dataPlane;
    return {
        ...rest,
        loadBalancer: { ...unset(loadBalancer, ["certificateArn"]), healthCheck, deregistrationDelaySeconds },
        auth:
            controlPlaneAuth === "token"
                ? { kind: "token", token: optionalSecret(c.gatewayToken) }
                : {
                      kind: "mtls",
                      clientCert: optionalSecret(c.gatewayClientCert),
                      clientKey: optionalSecret(c.gatewayClientKey),
                      ca: optionalSecret(c.gatewayCa),
                  },
    };
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}
