import { gzip } from "pako";
import { readTemplateFile, renderYamlTemplate } from "../templates";

/**
 * gzip, then base64: cloud-init's `gz+b64` write_files encoding. With pako, pinned in the lockfile, rather than
 * Node's zlib, whose output may change with the Node version: changed bytes would replace every host
 * (userDataReplaceOnChange). pako writes no name and a zero time in the header.
 */
export function gzipBase64(text: string): string {
    return Buffer.from(gzip(text, { level: 9 })).toString("base64");
}

export interface UserDataArgs {
    /** AWS region the host reads its SSM parameters from. */
    readonly region: string;
    /** SSM path holding this host group's run specs, configs and secrets, e.g. /api7-ha/prod/cp. */
    readonly parameterPrefix: string;
    /** Services (api7@<name>.service instances) the host runs, started in this order. */
    readonly services: readonly string[];
    /** Install and start the first-install bootstrap (control-plane hosts). */
    readonly bootstrap?: boolean;
    /** Install the timer that restarts services after RDS rotates the database password (managed database). */
    readonly databaseRotation?: boolean;
}

/** The shell scripts that land on every host, by role in the cloud-config. Each is shellcheck'd in CI. */
export const HOST_SCRIPTS = Object.freeze({ run: "api7-run.sh", apply: "api7-apply.sh", bootstrap: "api7-bootstrap.sh" });

/**
 * A host's user data: `#cloud-config` that installs Docker and jq, writes the launcher scripts, the systemd unit
 * and host.json, and starts the services. It holds no secret and no service config (both come from SSM), so it
 * stays the same across config changes and only a bootstrap change replaces hosts.
 */
export function renderUserData(args: UserDataArgs): string {
    const hostJson = JSON.stringify({ region: args.region, parameterPrefix: args.parameterPrefix, services: args.services }, null, 2) + "\n";
    const body = renderYamlTemplate("cloud-init.yaml", {
        hostJson,
        // The scripts are compressed: in clear, control-plane user data passes EC2's 16 KB limit (tests/aws-rules.ts).
        // cloud-init decodes `gz+b64` (cc_write_files); `npm run synth` shows them decoded for review.
        scripts: {
            run: gzipBase64(readTemplateFile(HOST_SCRIPTS.run)),
            apply: gzipBase64(readTemplateFile(HOST_SCRIPTS.apply)),
            unit: readTemplateFile("api7@.service"),
        },
        extraFiles: [
            ...(args.bootstrap
                ? [
                      { path: "/usr/local/sbin/api7-bootstrap", owner: "root:root", permissions: "0755", encoding: "gz+b64", content: gzipBase64(readTemplateFile(HOST_SCRIPTS.bootstrap)) },
                      { path: "/etc/systemd/system/api7-bootstrap.service", owner: "root:root", permissions: "0644", encoding: "gz+b64", content: gzipBase64(readTemplateFile("api7-bootstrap.service")) },
                  ]
                : []),
            ...(args.databaseRotation
                // Compressed like the scripts: in clear they push control-plane user data past 16 KB.
                ? ["api7-db-rotation.service", "api7-db-rotation.timer"].map((unit) => ({ path: `/etc/systemd/system/${unit}`, owner: "root:root", permissions: "0644", encoding: "gz+b64", content: gzipBase64(readTemplateFile(unit)) }))
                : []),
        ],
        startServices: [
            ...args.services.map((svc) => ["systemctl", "enable", "--now", `api7@${svc}.service`]),
            // --no-block: the bootstrap waits for the dashboard; cloud-init must not wait for it.
            ...(args.bootstrap ? [["systemctl", "enable", "--now", "--no-block", "api7-bootstrap.service"]] : []),
            ...(args.databaseRotation ? [["systemctl", "enable", "--now", "api7-db-rotation.timer"]] : []),
        ],
    });
    return `#cloud-config\n${body}`;
}

