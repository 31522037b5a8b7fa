import { readTemplateFile, renderYamlTemplate } from "./templates";

export interface UserDataArgs {
    /** AWS region the host reads its SSM parameters from. */
    readonly region: string;
    /** SSM path holding this host group's run specs, configs and secrets, e.g. /api7-ha/prod/cp. */
    readonly parameterPrefix: string;
    /** Services (api7@<name>.service instances) the host runs, started in this order. */
    readonly services: readonly string[];
}

/** The shell scripts that land on every host, by role in the cloud-config. Each is shellcheck'd in CI. */
export const HOST_SCRIPTS = Object.freeze({ run: "api7-run.sh", apply: "api7-apply.sh" });

/**
 * A host's user data: `#cloud-config` that installs Docker and jq, writes the launcher scripts, the systemd unit
 * and host.json, and starts the services. It holds no secret and no service config (both come from SSM), so it
 * stays the same across config changes and only a bootstrap change replaces hosts.
 */
export function renderUserData(args: UserDataArgs): string {
    const hostJson = JSON.stringify({ region: args.region, parameterPrefix: args.parameterPrefix, services: args.services }, null, 2) + "\n";
    const body = renderYamlTemplate("cloud-init.yaml", {
        hostJson,
        scripts: {
            run: readTemplateFile(HOST_SCRIPTS.run),
            apply: readTemplateFile(HOST_SCRIPTS.apply),
            unit: readTemplateFile("api7@.service"),
        },
        startServices: args.services.map((svc) => ["systemctl", "enable", "--now", `api7@${svc}.service`]),
    });
    return `#cloud-config\n${body}`;
}

