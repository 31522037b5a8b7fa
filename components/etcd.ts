/**
 * The etcd cluster of the API7 2.x topology (deploy.generation 2.x; on AWS: components/aws/etcd-cluster.ts): its members, where each one runs, what a lost member or AZ costs, each member's
 * configuration and the certificates it needs.
 *
 * Raft needs a majority: "For a cluster with n members, quorum is (n/2)+1", and etcd's failure-tolerance table gives 3
 * members 1 failure and 5 members 2 (etcd FAQ, "What is failure tolerance?", https://etcd.io/docs/v3.5/faq/). So
 * members are spread over the AZs round-robin, and an AZ may hold no more members than the cluster can lose: 3
 * members over 2 AZs put 2 in one, whose loss leaves 1 of 3, below the quorum of 2.
 */

import { PORTS } from "./ports";
import { renderYamlTemplate } from "./templates";

/** One member: its name (etcd's --name, stable across replacements), its number and its AZ's index. */
export interface EtcdMember {
    readonly name: string;
    /** 1-based. */
    readonly index: number;
    /** Index into the stack's AZs (and their private subnets), round-robin. */
    readonly azIndex: number;
}

export function etcdMembers(count: number, azCount: number): EtcdMember[] {
    if (!Number.isInteger(count) || count < 1) throw new Error(`etcd: ${count} members; at least 1`);
    if (!Number.isInteger(azCount) || azCount < 1) throw new Error(`etcd: ${azCount} AZs; at least 1`);
    return Array.from({ length: count }, (_, i) => ({ name: `etcd-${i + 1}`, index: i + 1, azIndex: i % azCount }));
}

export interface QuorumFigures {
    readonly members: number;
    readonly quorum: number;
    /** Members that may be lost with the cluster still reading and writing. */
    readonly toleratedFailures: number;
    readonly azs: number;
    /** The most members any one AZ holds (round-robin placement). */
    readonly largestAzShare: number;
    /** Whether losing any one AZ leaves a quorum. */
    readonly survivesAzLoss: boolean;
}

export function quorumFigures(members: number, azs: number): QuorumFigures {
    const quorum = Math.floor(members / 2) + 1;
    const toleratedFailures = members - quorum;
    const placed = etcdMembers(members, Math.min(azs, members));
    const largestAzShare = Math.max(
        ...Array.from({ length: Math.min(azs, members) }, (_, az) => placed.filter((m) => m.azIndex === az).length),
    );
    return {
        members,
        quorum,
        toleratedFailures,
        azs,
        largestAzShare,
        survivesAzLoss: largestAzShare <= toleratedFailures,
    };
}

/** etcd's `--initial-cluster`: every member's name and peer URL, in member order. */
export function initialCluster(members: readonly EtcdMember[], peerUrl: (m: EtcdMember) => string): string {
    return members.map((m) => `${m.name}=${peerUrl(m)}`).join(",");
}

/** Where a member keeps its data: a directory on its own volume (config-templates/api7-etcd-member.sh mounts it). */
export const ETCD_DATA_DIR = "/var/lib/etcd/data";

/**
 * The member's TLS files, as the container sees them: its server certificate (client and peer ports), its peer
 * client certificate (what it presents when it dials another member), their keys, the CA.
 */
export const ETCD_TLS = Object.freeze({
    certFile: "/etc/etcd/tls/member.crt",
    keyFile: "/etc/etcd/tls/member.key",
    peerClientCertFile: "/etc/etcd/tls/peer-client.crt",
    peerClientKeyFile: "/etc/etcd/tls/peer-client.key",
    caFile: "/etc/etcd/tls/ca.crt",
});

export type EtcdTlsFiles = { readonly [K in keyof typeof ETCD_TLS]: string };

export interface EtcdMemberConfigArgs {
    readonly member: EtcdMember;
    readonly members: readonly EtcdMember[];
    /** Each member's fixed address, by member index - 1. */
    readonly addresses: readonly string[];
    /** Where the member binds its three ports: 0.0.0.0 on a host of its own; its address where members share one. */
    readonly bindHost: string;
    /** etcd's --initial-cluster-token: the stack's, so that two stacks' members never join each other. */
    readonly clusterToken: string;
    readonly dataDir?: string;
    readonly tls?: EtcdTlsFiles;
    readonly ports?: { readonly client: number; readonly peer: number; readonly metrics: number };
}

/** One member's etcd configuration file (config-templates/etcd.yaml): TLS on the client and peer ports. */
export function etcdMemberConfig(a: EtcdMemberConfigArgs): string {
    return renderYamlTemplate(ETCD_CONFIG_TEMPLATE, etcdMemberConfigData(a));
}

export const ETCD_CONFIG_TEMPLATE = "etcd.yaml";

/** What config-templates/etcd.yaml is rendered from, for a member (etcdMemberConfig). */
export function etcdMemberConfigData(a: EtcdMemberConfigArgs) {
    const ports = a.ports ?? { client: PORTS.etcdClient, peer: PORTS.etcdPeer, metrics: PORTS.etcdMetrics };
    const own = a.addresses[a.member.index - 1];
    if (own === undefined) throw new Error(`etcd: no address for ${a.member.name}`);
    return {
        name: a.member.name,
        dataDir: a.dataDir ?? ETCD_DATA_DIR,
        listenClientUrls: `https://${a.bindHost}:${ports.client}`,
        advertiseClientUrl: `https://${own}:${ports.client}`,
        listenPeerUrl: `https://${a.bindHost}:${ports.peer}`,
        advertisePeerUrl: `https://${own}:${ports.peer}`,
        listenMetricsUrl: `http://${a.bindHost}:${ports.metrics}`,
        initialCluster: initialCluster(a.members, (m) => `https://${a.addresses[m.index - 1]}:${ports.peer}`),
        clusterToken: a.clusterToken,
        tls: a.tls ?? ETCD_TLS,
    };
}

/** What a certificate is issued for (@pulumi/tls LocallySignedCert's allowedUses names), and to whom. */
export interface CertificateRequest {
    readonly commonName: string;
    readonly ipAddresses: readonly string[];
    /** Host names (the lab's members are container names on its network); none on AWS. */
    readonly dnsNames?: readonly string[];
    readonly uses: readonly ("digital_signature" | "key_encipherment" | "server_auth" | "client_auth")[];
}

/**
 * A member's server certificate, for its client and peer ports: its own address only, which clients and peers dial
 * and check it against. Client use too: etcd's own HTTP gateway on the client port dials that port with it when
 * client-cert-auth is on (found by running it: without client use, the gateway's dial fails with "bad certificate").
 */
export function memberCertificate(member: EtcdMember, address: string): CertificateRequest {
    const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
    return {
        commonName: member.name,
        ipAddresses: ip ? [address] : [],
        ...(ip ? {} : { dnsNames: [address] }),
        uses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    };
}

/**
 * What a member presents when it dials another member: client use and no address. etcd checks a peer's client
 * certificate against the connection's source address when it names any: "if peer cert contains any IP addresses in
 * Subject Alternative Name (SAN) field, server authenticates a peer only when the remote IP address matches"
 * (etcd-io/website content/en/docs/v3.5/op-guide/security.md), and accepts one that names none (checkCertSAN,
 * client/pkg/transport/listener_tls.go @v3.5.33). A host dials from its own primary address, not the member's fixed
 * one, so the member's server certificate would be refused there; this one, given as peer-transport-security's
 * client-cert-file (server/embed/config.go securityConfig), is not. Peers are still held to the stack's CA.
 */
export function peerClientCertificate(member: EtcdMember): CertificateRequest {
    return { commonName: member.name, ipAddresses: [], uses: ["digital_signature", "key_encipherment", "client_auth"] };
}

/**
 * A client's certificate (a dashboard's or a gateway's): client use only. Without a password, etcd takes a client
 * certificate's CN as the user (client-cert-auth; etcd-io/website op-guide/authentication/rbac.md), so the CN is the
 * client's own user name: the certificate alone gives it no more than its password does.
 */
export function clientCertificate(user: string): CertificateRequest {
    return { commonName: user, ipAddresses: [], uses: ["digital_signature", "key_encipherment", "client_auth"] };
}
