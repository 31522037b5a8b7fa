/**
 * The Docker lab for API7 2.x (deploy.generation 2.x, deploy.target docker): the 2.x topology on one Docker engine, as
 * the 2.x AWS stack builds it (components/aws/stack-v2.ts) and from the same definitions: etcd.members etcd
 * containers with TLS between members and from clients (certificates issued by the program, with the container names
 * the members and clients dial), users and authentication set by the hosts' api7-etcd-auth (run by the program through
 * `docker exec`, as api7-etcd-admin runs it on a member), controlPlane.count dashboards on 9000 and, once
 * v2.clusterId is set, dataPlane.count gateways on 80/443, behind HAProxy with the 2.x stack's checks.
 *
 * API7's 2.x images are not on any registry: the lab runs them as loaded locally (`docker load` of API7's tarballs,
 * docs/api7-2x.md), looked up on the engine (docker.getRemoteImage reads "the local Docker image": kreuzwerker/
 * terraform-provider-docker internal/provider/data_source_docker_image.go @83c00e0b, which fails with "did not find
 * docker image" otherwise), and a missing one stops `pulumi up` before any container, saying what to load. etcd's
 * image is pulled as written (etcd.image).
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../config/settings";
import {
    clientCertificate,
    ETCD_DATA_DIR,
    ETCD_TLS,
    etcdMemberConfig,
    etcdMembers,
    memberCertificate,
    peerClientCertificate,
} from "../etcd";
import { CONTROL_PLANE_CHECK, CONTROL_PLANE_HEALTH } from "../listeners";
import { PORTS } from "../ports";
import { readTemplateFile } from "../templates";
import { dashboardV2Service, gatewayPrefix, gatewayV2Service, V2_TLS } from "../v2-services";
import { EtcdPki } from "../aws/etcd-pki";
import { ETCD_USERS } from "../aws/etcd-cluster";
import { HAPROXY_CONFIG_PATH } from "./haproxy";
import { haproxyV2Config } from "./haproxy-v2";
import { pinnedImage } from "./images";
import { derivedSecret, serviceContainer } from "./lab";

/** The 2.x lab's container names, for the drills (`npm run drill`) and `docker ps`. */
export interface LabV2Containers {
    readonly etcd: string[];
    readonly dashboards: string[];
    readonly gateways: string[];
    readonly loadBalancer: string;
}

/** How long the program waits for the etcd cluster to answer before it sets up its users: its first start. */
export const LAB_ETCD_AUTH_TRIES = 60;

/**
 * A locally loaded image's id; or, when the engine does not hold it, an error naming the setting and what to load,
 * logged, and a stop before any container that uses it (the provider's own message names the image only).
 */
/** What the lab says of a 2.x image the engine does not hold: the setting, the image, the provider's word, what to do. */
export function notLoadedMessage(setting: string, ref: string, failure: string): string {
    return (
        `${setting} = ${ref}: not loaded on this Docker engine${failure ? ` (${failure})` : ""}. API7's 2.x images ` +
        "come as tarballs: `docker load < <tarball>`, then `docker tag <the name it loaded> " +
        `${ref}\` (docs/api7-2x.md, "Images")`
    );
}

export function localImage(ref: string, setting: string, parent: pulumi.Resource): pulumi.Output<string> {
    const found = docker.getRemoteImage({ name: ref }, { parent }).then(
        (image) => ({ id: image.id }),
        (e: unknown) => ({ failure: e instanceof Error ? e.message : String(e) }),
    );
    return pulumi.output(found).apply((r) => {
        if ("id" in r) return r.id;
        void pulumi.log.error(notLoadedMessage(setting, ref, r.failure));
        throw new pulumi.RunError(
            `stopped before the lab's ${setting} containers: the image is not loaded, reported above`,
        );
    });
}

export class LabV2 extends pulumi.ComponentResource {
    public readonly containers: LabV2Containers;
    public readonly gatewayUrls: { readonly http: string; readonly https: string };
    public readonly dashboardUrl: string;

    constructor(name: string, args: { readonly settings: Settings }, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:lab:LabV2", name, {}, opts);
        const parent = { parent: this };
        const s = args.settings;
        const lab = s.lab;
        const prefix = `${s.project}-${s.stack}`;
        const cname = (n: string) => `${prefix}-${n}`;
        const network = new docker.Network(`${name}-network`, { name: prefix, driver: "bridge" }, parent);
        const attach = (alias: string) => [{ name: network.name, aliases: [alias] }];
        const pulled = pinnedImage(this, s.images.pinDigests);
        const pki = new EtcdPki(`${name}-etcd-pki`, { stack: s.stack }, parent);
        const etcdAuth = s.etcd.auth;

        // etcd: each member by its container name, which its certificate names (memberCertificate: a DNS name).
        const members = etcdMembers(s.etcd.members, s.etcd.members);
        const addresses = members.map((m) => m.name);
        const etcdContainers = members.map((m) => {
            const server = pki.issue(`${name}-${m.name}`, memberCertificate(m, m.name));
            const peer = pki.issue(`${name}-${m.name}-peer`, peerClientCertificate(m));
            const config = etcdMemberConfig({
                member: m,
                members,
                addresses,
                bindHost: "0.0.0.0",
                clusterToken: `${prefix}-etcd`,
            });
            const data = new docker.Volume(`${name}-${m.name}-data`, { name: cname(`${m.name}-data`) }, parent);
            return new docker.Container(
                `${name}-${m.name}`,
                {
                    name: cname(m.name),
                    hostname: m.name,
                    image: pulled("etcd", s.etcd.image),
                    uploads: pulumi.secret(
                        pulumi
                            .all([pki.caPem, server.certPem, server.keyPem, peer.certPem, peer.keyPem])
                            .apply(([ca, cert, key, peerCert, peerKey]) => [
                                { file: "/etc/etcd/etcd.yaml", content: config },
                                { file: ETCD_TLS.caFile, content: ca },
                                { file: ETCD_TLS.certFile, content: cert },
                                { file: ETCD_TLS.keyFile, content: key },
                                { file: ETCD_TLS.peerClientCertFile, content: peerCert },
                                { file: ETCD_TLS.peerClientKeyFile, content: peerKey },
                            ]),
                    ),
                    command: ["/usr/local/bin/etcd", "--config-file", "/etc/etcd/etcd.yaml"],
                    volumes: [
                        {
                            volumeName: data.name,
                            containerPath: ETCD_DATA_DIR.slice(0, ETCD_DATA_DIR.lastIndexOf("/")),
                        },
                    ],
                    networksAdvanced: attach(m.name),
                    // No healthcheck: etcd's image has no shell or HTTP client (etcd-io/etcd Dockerfile-release.amd64
                    // @v3.5.33, distroless); the auth step below waits for the cluster instead.
                    restart: "unless-stopped",
                },
                parent,
            );
        });

        // Users, roles and authentication: the hosts' script, through the first member's etcdctl.
        const passwords = etcdAuth
            ? {
                  root: derivedSecret(s.controlPlane.adminPassword, "etcd-root").apply((p) => p.slice(0, 32)),
                  dashboard: derivedSecret(s.controlPlane.adminPassword, "etcd-dashboard").apply((p) => p.slice(0, 32)),
                  gateway: derivedSecret(s.controlPlane.adminPassword, "etcd-gateway").apply((p) => p.slice(0, 32)),
              }
            : undefined;
        const gatewayKeys = s.v2.clusterId ? gatewayPrefix(s.v2.clusterId) : "";
        const auth =
            passwords &&
            new command.local.Command(
                `${name}-etcd-auth`,
                {
                    interpreter: ["/bin/bash", "-c"],
                    // Until the cluster answers (its members start together; a quorum forms once two run).
                    create:
                        `for i in $(seq ${LAB_ETCD_AUTH_TRIES}); do bash -c "$API7_ETCD_AUTH_SCRIPT" api7-etcd-auth && exit 0; ` +
                        "sleep 2; done; exit 1",
                    environment: {
                        API7_ETCD_AUTH_SCRIPT: readTemplateFile("api7-etcd-auth.sh"),
                        API7_ETCDCTL:
                            "docker exec -i -e ETCDCTL_USER -e ETCDCTL_ENDPOINTS -e ETCDCTL_CACERT -e ETCDCTL_CERT " +
                            `-e ETCDCTL_KEY ${cname(members[0].name)} etcdctl`,
                        ETCDCTL_ENDPOINTS: `https://${members[0].name}:${PORTS.etcdClient}`,
                        ETCDCTL_CACERT: ETCD_TLS.caFile,
                        ETCDCTL_CERT: ETCD_TLS.certFile,
                        ETCDCTL_KEY: ETCD_TLS.keyFile,
                        API7_ETCD_ROOT_PASSWORD: passwords.root,
                        API7_ETCD_DASHBOARD_PASSWORD: passwords.dashboard,
                        API7_ETCD_GATEWAY_PASSWORD: passwords.gateway,
                        API7_ETCD_PREFIX: "/api7",
                        API7_ETCD_GATEWAY_PREFIX: gatewayKeys,
                    },
                    // Run again when what it sets changes (an update runs `create` again without `update`).
                    triggers: [gatewayKeys, ...etcdContainers.map((c) => c.id)],
                    logging: command.types.enums.local.Logging.Stderr,
                },
                { parent: this, dependsOn: etcdContainers },
            );

        // Dashboards and gateways: the 2.x definitions the hosts run, from the locally loaded images.
        const health = {
            intervalSeconds: CONTROL_PLANE_HEALTH.interval,
            timeoutSeconds: CONTROL_PLANE_HEALTH.timeout,
            unhealthyThreshold: CONTROL_PLANE_HEALTH.unhealthyThreshold,
            startPeriodSeconds: 60,
        };
        const local = (kind: string, ref: pulumi.Input<string>) => {
            if (typeof ref !== "string")
                throw new Error(`lab: the ${kind} image must be a reference from the settings`);
            return localImage(ref, kind === "dashboard" ? "v2.dashboardImage" : "v2.gatewayImage", this);
        };
        const tlsFiles = (client: "dashboard" | "gateway") => {
            const cert = pki.issue(`${name}-etcd-client-${client}`, clientCertificate(ETCD_USERS[client]));
            return {
                [V2_TLS[client].certFile]: cert.certPem,
                [V2_TLS[client].keyFile]: cert.keyPem,
                [V2_TLS[client].caFile]: pki.caPem,
            };
        };
        const dependsOn = [...etcdContainers, ...(auth ? [auth] : [])];
        const subnet = network.ipamConfigs.apply((c) => c?.[0]?.subnet ?? "");
        // Nodes cp-<n>, their dashboards cp-<n>-dashboard (serviceContainer's names, as the 3.x lab's).
        const cpNodes = range(s.controlPlane.count).map((i) => `cp-${i}`);
        const dashboards = cpNodes.map((n) => `${n}-dashboard`);
        const dashboardFiles = tlsFiles("dashboard");
        for (const node of cpNodes)
            serviceContainer(
                this,
                name,
                node,
                dashboardV2Service({
                    image: s.v2.dashboardImage,
                    etcdAddresses: addresses,
                    // The lab's network (its load balancer) and loopback.
                    allowList: subnet.apply((cidr) => [...(cidr ? [cidr] : []), "127.0.0.1"]),
                    etcdAuth,
                }),
                {
                    image: local,
                    attach,
                    cname,
                    health,
                    secrets: {
                        "jwt-secret": derivedSecret(s.controlPlane.adminPassword, "dashboard-jwt"),
                        "admin-password": s.controlPlane.adminPassword,
                        ...(passwords ? { "etcd-password": passwords.dashboard } : {}),
                    },
                    files: dashboardFiles,
                    dependsOn,
                },
            );
        const gateways = s.v2.clusterId ? range(s.dataPlane.count).map((i) => `gateway-${i}`) : [];
        const gatewayFiles = gateways.length > 0 ? tlsFiles("gateway") : {};
        for (const node of gateways)
            serviceContainer(
                this,
                name,
                node,
                gatewayV2Service({
                    image: s.v2.gatewayImage,
                    etcdAddresses: addresses,
                    clusterId: s.v2.clusterId,
                    etcdAuth,
                }),
                {
                    image: local,
                    attach,
                    cname,
                    health: { ...health, intervalSeconds: s.dataPlane.loadBalancer.healthCheck.intervalSeconds },
                    secrets: passwords ? { "etcd-password": passwords.gateway } : {},
                    files: gatewayFiles,
                    dependsOn,
                },
            );

        new docker.Container(
            `${name}-lb`,
            {
                name: cname("lb"),
                image: pulled("haproxy", lab.loadBalancerImage),
                uploads: [
                    {
                        file: HAPROXY_CONFIG_PATH,
                        content: haproxyV2Config({
                            gateways,
                            dashboards,
                            gatewayCheck: s.dataPlane.loadBalancer.healthCheck,
                            dashboardCheck: CONTROL_PLANE_CHECK,
                        }),
                    },
                ],
                networksAdvanced: attach("lb"),
                ports: [
                    { internal: PORTS.gatewayV2Http, external: lab.httpPort, ip: lab.bindAddress },
                    { internal: PORTS.gatewayV2Https, external: lab.httpsPort, ip: lab.bindAddress },
                    { internal: PORTS.dashboardV2, external: lab.dashboardPort, ip: lab.bindAddress },
                ],
                restart: "unless-stopped",
            },
            parent,
        );

        const host = lab.bindAddress === "0.0.0.0" ? "127.0.0.1" : lab.bindAddress;
        this.gatewayUrls = { http: `http://${host}:${lab.httpPort}`, https: `https://${host}:${lab.httpsPort}` };
        this.dashboardUrl = `http://${host}:${lab.dashboardPort}`;
        this.containers = {
            etcd: members.map((m) => cname(m.name)),
            dashboards: dashboards.map(cname),
            gateways: gateways.map(cname),
            loadBalancer: cname("lb"),
        };
        this.registerOutputs({ containers: this.containers, dashboardUrl: this.dashboardUrl });
    }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
