/**
 * What the API7 2.x hosts add to the common user data (components/aws/cloud-init.ts UserDataExtras), as files and
 * systemd drop-ins beside api7@.service, so that the 3.x hosts' user data stays as it is:
 * - every 2.x service reads its etcd certificate, key and CA as files (api7-secret-files, before each start);
 * - an etcd member first takes over its network interface and volume (api7-etcd-member), then, after each start of
 *   etcd, sets up users and authentication (api7-etcd-auth.service), and saves snapshots on a timer
 *   (api7-etcd-snapshot.timer), both through api7-etcd-admin.
 */
import { hostScript, hostUnit, type HostFile, type UserDataExtras } from "./cloud-init";

const file = (path: string, permissions: string, content: string): HostFile => ({
    path,
    owner: "root:root",
    permissions,
    content,
});
const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
const unitFile = (name: string, content: string) => file(`/etc/systemd/system/${name}`, "0644", content);

/**
 * A drop-in for one service's unit (systemd.unit(5): "<unit>.d/*.conf" beside it, read after it): ExecStartPre= lines
 * add to the unit's, in order, after its own; ExecStartPost= runs once the main process has started.
 */
function dropIn(service: string, name: string, lines: readonly string[]): HostFile {
    return unitFile(`api7@${service}.service.d/${name}.conf`, ["[Service]", ...lines, ""].join("\n"));
}

/** Where a service's secret files are on its host: tmpfs, by service. */
export function secretFilesDir(service: string): string {
    return `/run/api7/secret-files/${service}`;
}

/**
 * The files `service` reads its secrets from: file name -> SSM parameter, written before each start; root's alone, or
 * `readable` by the container's other users (their directory's parent stays root's: config-templates/
 * api7-secret-files.sh).
 */
export function secretFiles(
    service: string,
    files: Readonly<Record<string, string>>,
    readable = false,
): UserDataExtras {
    for (const name of Object.keys(files))
        if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`secret file "${name}" of ${service}: not a file name`);
    const config = `/etc/api7/secret-files-${service}.json`;
    return {
        files: [
            file("/usr/local/sbin/api7-secret-files", "0755", hostScript("api7-secret-files.sh")),
            file(
                config,
                "0644",
                json({
                    dir: secretFilesDir(service),
                    files,
                    ...(readable ? { fileMode: "0644", dirMode: "0755" } : {}),
                }),
            ),
            dropIn(service, "10-secret-files", [`ExecStartPre=/usr/local/sbin/api7-secret-files ${config}`]),
        ],
        commands: [],
    };
}

/** Where a member's data volume is mounted, on the host and in its container alike. */
export const ETCD_MOUNT = "/var/lib/etcd";

/** The secret of a member's group that holds its etcd-admin configuration (EtcdAdminConfig, as JSON). */
export const ETCD_ADMIN_SECRET = "etcd-admin";

/**
 * The secret that holds api7-etcd-auth (as hostScript lays it out), which api7-etcd-admin runs from there: out of the
 * user data, which EC2 holds to 16 KB (tests/aws-rules.ts) and a member's would exceed with it, and rolled out with
 * the members' rollout when it changes, where a script in the user data would wait for a member's replacement.
 */
export const ETCD_AUTH_SCRIPT_SECRET = "api7-etcd-auth";

/** The script ETCD_AUTH_SCRIPT_SECRET holds. */
export function etcdAuthScript(): string {
    return hostScript("api7-etcd-auth.sh");
}

/**
 * What api7-etcd-admin reads (config-templates/api7-etcd-admin.sh): kept in an SSM parameter of the member's group,
 * not in the user data, so that a change (v2.clusterId, the bucket) is rolled out by the members' rollout, whose
 * restart of etcd runs api7-etcd-auth again.
 */
export interface EtcdAdminConfig {
    /** The member's container, its client URL, its certificate's files inside the container. */
    readonly container: string;
    readonly endpoint: string;
    readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
    /** The dashboards' prefix (/api7) and the gateways' (/api7/<cluster id>, empty before v2.clusterId). */
    readonly prefix: string;
    readonly gatewayPrefix: string;
    /** s3://<bucket>/etcd/ */
    readonly snapshotUrl: string;
    /** Where etcdctl writes a snapshot: on the data volume, the same path on the host and in the container. */
    readonly snapshotFile: string;
    /** SSM parameters of the passwords; undefined without etcd.auth. */
    readonly passwords?: { readonly root: string; readonly dashboard: string; readonly gateway: string };
}

export interface MemberFilesArgs {
    readonly networkInterfaceId: string;
    readonly volumeId: string;
    /** The device name the volume is attached as (NVMe hosts name it otherwise: api7-etcd-member finds it). */
    readonly device: string;
    /** etcd.auth: install api7-etcd-auth and run it after each start of etcd. */
    readonly auth: boolean;
    readonly snapshotIntervalMinutes: number;
}

/** An etcd member's files and commands (the `etcd` service's host): see the module's comment. */
export function memberFiles(a: MemberFilesArgs): UserDataExtras {
    const auth = a.auth;
    return {
        files: [
            file("/usr/local/sbin/api7-etcd-member", "0755", hostScript("api7-etcd-member.sh")),
            file(
                "/etc/api7/etcd-member.json",
                "0644",
                json({
                    networkInterfaceId: a.networkInterfaceId,
                    volumeId: a.volumeId,
                    device: a.device,
                    mount: ETCD_MOUNT,
                }),
            ),
            file("/usr/local/sbin/api7-etcd-admin", "0755", hostScript("api7-etcd-admin.sh")),
            file("/usr/local/sbin/api7-etcd-snapshot", "0755", hostScript("api7-etcd-snapshot.sh")),
            // Before the secret files' drop-in (10-): the interface and the volume first, so that a host that waits
            // for them does not hold a fresh copy of the member's certificate meanwhile.
            dropIn("etcd", "05-member", [
                "ExecStartPre=/usr/local/sbin/api7-etcd-member",
                ...(auth ? ["ExecStartPost=/usr/bin/systemctl start --no-block api7-etcd-auth.service"] : []),
            ]),
            ...(auth ? [unitFile("api7-etcd-auth.service", hostUnit("api7-etcd-auth.service"))] : []),
            unitFile("api7-etcd-snapshot.service", hostUnit("api7-etcd-snapshot.service")),
            unitFile(
                "api7-etcd-snapshot.timer",
                hostUnit("api7-etcd-snapshot.timer").replaceAll("@MINUTES@", String(a.snapshotIntervalMinutes)),
            ),
        ],
        commands: [["systemctl", "enable", "--now", "api7-etcd-snapshot.timer"]],
    };
}

/** Several extras in one: their files and commands in order. */
export function combineExtras(...extras: readonly UserDataExtras[]): UserDataExtras {
    return { files: extras.flatMap((e) => e.files), commands: extras.flatMap((e) => e.commands) };
}
