/**
 * What a host's logs need besides their resources (components/aws/host/logs.ts creates those): the role's group,
 * where the host keeps its scripts' lines, and the CloudWatch agent's configuration and command. Loads no SDK: the
 * user data is rendered from it.
 */

/** The tag a host role names its log group with (policy/host-logs.ts checks it writes to no other). */
export const LOG_GROUP_TAG = "api7-ha:log-group";

/** The log group of a role: /<project>/<stack>/<role>. */
export function logGroupName(project: string, stack: string, role: string): string {
    return `/${project}/${stack}/${role}`;
}

/**
 * Where on a host the scripts' lines are kept for the agent (api7-lib.sh writes host-<UTC date>.log there), and
 * cloud-init's output log (AL2023's cloud.cfg sends every stage's output to it).
 */
export const HOST_LOG_DIR = "/var/log/api7";
const CLOUD_INIT_OUTPUT_LOG = "/var/log/cloud-init-output.log";

/**
 * The CloudWatch agent's configuration (its `logs` section: the agent's configuration file reference,
 * CloudWatch-Agent-Configuration-File-Details.html, awsdocs/amazon-cloudwatch-user-guide @cc40332f): the host
 * scripts' daily files, each removed once shipped and followed by the next day's (auto_removal: "The agent only
 * removes complete files from logs that create multiple files, such as logs that create separate files for each
 * date"), and cloud-init's output, into the role's group, one stream per host and source. Run as root (the agent's
 * default without run_as_user, internal/util/user/userutil.go DetectRunAsUser), so it reads the root-only directory.
 * Each file is read from its beginning (the translator's default from_beginning true,
 * translator/translate/logs/logs_collected/files/collect_list/ruleFromBeginning.go), and the agent keeps how far it
 * read (plugins/inputs/logfile/logfile.go, its state files; both aws/amazon-cloudwatch-agent @ab55b8da), so lines
 * written while CloudWatch Logs does not answer are shipped once it does.
 */
export function hostLogAgentConfig(group: string): string {
    return JSON.stringify({
        agent: {},
        logs: {
            force_flush_interval: 15,
            logs_collected: {
                files: {
                    collect_list: [
                        {
                            file_path: `${HOST_LOG_DIR}/host-*.log`,
                            log_group_name: group,
                            log_stream_name: "{instance_id}/host-scripts",
                            auto_removal: true,
                        },
                        {
                            file_path: CLOUD_INIT_OUTPUT_LOG,
                            log_group_name: group,
                            log_stream_name: "{instance_id}/cloud-init",
                        },
                    ],
                },
            },
        },
    });
}

/**
 * The agent's control script, as its package installs it, and the command that loads a configuration from SSM and
 * starts the agent (CloudWatch user guide, install-CloudWatch-Agent-on-EC2-Instance-fleet.html: `-a fetch-config -m
 * ec2 -s -c ssm:<parameter>`; awsdocs/amazon-cloudwatch-user-guide @cc40332f).
 */
export const LOG_AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";

/** The agent's configuration parameter, under the group's path (the hosts read that path only). */
export function logAgentParameter(prefix: string): string {
    return `${prefix}/cloudwatch-agent.json`;
}
