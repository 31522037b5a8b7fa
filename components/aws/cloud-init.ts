import { readTemplateFile, renderYamlTemplate } from "../templates";
import { LAUNCH_HOOK_NAME } from "./fleet";
import { LOG_AGENT_CTL, logAgentParameter } from "./log-agent";

/** A file cloud-init writes (its write_files entry), in clear. */
export interface HostFile {
    readonly path: string;
    readonly owner: "root:root";
    /** Octal, as a string. */
    readonly permissions: string;
    readonly content: string;
}

/**
 * What a host group adds to the common user data (the API7 2.x hosts: components/aws/v2-host-files.ts): files, and
 * commands run after the services are enabled and before api7-lifecycle starts them.
 */
export interface UserDataExtras {
    readonly files: readonly HostFile[];
    readonly commands: readonly (string | readonly string[])[];
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
    /** Services whose host checks the DP Manager every 30 s (api7-outage-watch@<service>.timer): the gateways. */
    readonly watchedServices?: readonly string[];
    /**
     * The group has a warm pool: its hosts wait for their lifecycle state however long IMDS takes to give it
     * (api7-lifecycle). Every group's hosts complete its launch lifecycle hook (components/aws/host/warm-pool.ts).
     */
    readonly warmPool?: boolean;
    /** The group's own files and commands. */
    readonly extras?: UserDataExtras;
}

/**
 * The shell files that land on hosts, by role in the cloud-config: the scripts, and the library each of them sources
 * from /usr/local/lib/api7/api7-lib.sh. Each is shellcheck'd in CI.
 */
export const HOST_SCRIPTS = Object.freeze({
    lib: "api7-lib.sh",
    run: "api7-run.sh",
    apply: "api7-apply.sh",
    bootstrap: "api7-bootstrap.sh",
    lifecycle: "api7-lifecycle.sh",
});

/**
 * A host script as it lands: its full-line comments and every line's indentation removed (its first line and
 * shellcheck's directives kept; config-templates/<file> of the same name is its source), so that the control plane's
 * scripts fit EC2's 16 KB of user data. The scripts hold no here-document, and no quoted string whose next line's indentation matters
 * (tests/host-scripts.test.ts); trailing comments and code stay as they are. The commented source is
 * config-templates/<file>; tests run and shellcheck the text hosts get.
 */
export function hostScript(file: string): string {
    // The first line is the shebang, or the library's `# shellcheck shell=bash`: both kept, first.
    const [first, ...rest] = readTemplateFile(file).split("\n");
    const code = rest
        .filter((line) => !/^\s*#/.test(line) || /^\s*# shellcheck /.test(line))
        .map((line) => line.trimStart());
    return [first, ...code].join("\n");
}

/**
 * A systemd unit as it lands: its full-line comments removed (systemd reads lines starting with # or ; as comments,
 * systemd.syntax(7)), for the same 16 KB; config-templates/<file> keeps them.
 */
export function hostUnit(file: string): string {
    const lines = readTemplateFile(file)
        .split("\n")
        .filter((line) => !/^\s*[#;]/.test(line));
    return lines.join("\n");
}

/**
 * A host's user data: `#cloud-config` that installs Docker and jq, writes the launcher scripts, the systemd unit
 * and host.json, and starts the services. It holds no secret and no service config (both come from SSM), so it
 * stays the same across config changes and only a bootstrap change replaces hosts.
 */
export function renderUserData(args: UserDataArgs): string {
    const hostJson =
        JSON.stringify(
            {
                region: args.region,
                parameterPrefix: args.parameterPrefix,
                services: args.services,
                bootstrap: args.bootstrap ?? false,
                lifecycleHook: LAUNCH_HOOK_NAME,
                warmPool: args.warmPool ?? false,
            },
            null,
            2,
        ) + "\n";
    const body = renderYamlTemplate("cloud-init.yaml", {
        hostJson,
        // The scripts in clear: the launch template gzips the whole user data (fleet.ts launchTemplateUserData), and
        // gzip finds what the scripts share. Compressing each one first (cloud-init's `gz+b64`) left the outer gzip
        // base64 to squeeze, and the control plane's user data 2.5 KB larger, over EC2's 16 KB (tests/aws-rules.ts).
        scripts: {
            lib: hostScript(HOST_SCRIPTS.lib),
            run: hostScript(HOST_SCRIPTS.run),
            apply: hostScript(HOST_SCRIPTS.apply),
            lifecycle: hostScript(HOST_SCRIPTS.lifecycle),
            unit: hostUnit("api7@.service"),
            lifecycleUnit: hostUnit("api7-lifecycle.service"),
        },
        extraFiles: [
            ...(args.bootstrap
                ? [
                      {
                          path: "/usr/local/sbin/api7-bootstrap",
                          owner: "root:root",
                          permissions: "0755",
                          content: hostScript(HOST_SCRIPTS.bootstrap),
                      },
                      {
                          path: "/etc/systemd/system/api7-bootstrap.service",
                          owner: "root:root",
                          permissions: "0644",
                          content: hostUnit("api7-bootstrap.service"),
                      },
                  ]
                : []),
            ...((args.watchedServices ?? []).length > 0
                ? ["api7-outage-watch@.service", "api7-outage-watch@.timer"].map((unit) => ({
                      path: `/etc/systemd/system/${unit}`,
                      owner: "root:root",
                      permissions: "0644",
                      content: hostUnit(unit),
                  }))
                : []),
            ...(args.databaseRotation
                ? ["api7-db-rotation.service", "api7-db-rotation.timer"].map((unit) => ({
                      path: `/etc/systemd/system/${unit}`,
                      owner: "root:root",
                      permissions: "0644",
                      content: hostUnit(unit),
                  }))
                : []),
            ...(args.extras?.files ?? []),
        ],
        // Enabled, for every later boot; started by api7-lifecycle once the host is headed for service (a warm-pool
        // host is not at its first boot). --no-block: it may wait long; cloud-init must not wait for it.
        startServices: [
            ...args.services.map((svc) => ["systemctl", "enable", `api7@${svc}.service`]),
            ...(args.bootstrap ? [["systemctl", "enable", "api7-bootstrap.service"]] : []),
            ...(args.databaseRotation ? [["systemctl", "enable", "--now", "api7-db-rotation.timer"]] : []),
            ...(args.watchedServices ?? []).map((svc) => [
                "systemctl",
                "enable",
                "--now",
                `api7-outage-watch@${svc}.timer`,
            ]),
            ...(args.extras?.commands ?? []),
            ["systemctl", "enable", "--now", "--no-block", "api7-lifecycle.service"],
            // Last, so that a failure leaves the services be (cloud-init's output says it; the host's logs then stay
            // on the host): the CloudWatch agent, from AL2023's own repository (amazonlinux/amazon-linux-2023 issue
            // 132: in it since 2022.0.20220728), with its configuration from the group's path
            // (components/aws/log-agent.ts), enabled (-s) for every later boot. A string: run by runcmd's shell.
            `dnf install -y amazon-cloudwatch-agent && ${LOG_AGENT_CTL} -a fetch-config -m ec2 -s -c ssm:${logAgentParameter(args.parameterPrefix)}`,
        ],
    });
    return `#cloud-config\n${body}`;
}
