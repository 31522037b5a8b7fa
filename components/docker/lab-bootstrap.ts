/**
 * The lab's first-install bootstrap: the hosts' own api7-bootstrap (config-templates/api7-bootstrap.sh), run by a
 * @pulumi/command local.Command on the machine running `pulumi up` (config-templates/api7-lab-bootstrap.sh), against
 * the lab's dashboard through its load balancer. It sets the admin password, uploads the license, finds (or creates)
 * the gateway group, sets the DP Manager address, and issues the gateways' token, which it prints: the command's
 * stdout, a secret output, becomes the gateway containers' API7_CONTROL_PLANE_TOKEN, so the lab comes up in one
 * `pulumi up`. It runs again when its spec, the license or the admin password changes (a new token follows, and
 * the gateways are replaced with it).
 *
 * Needs bash, curl and jq where `pulumi up` runs (README, Try it locally).
 *
 * The token must not reach the display: the provider streams what it logs to `pulumi up`'s progress display as it
 * runs (pulumi/pulumi-command provider/pkg/provider/util/util.go LogOutput, InfoStatus, @010bd8e0), and says "If there
 * might be secrets in the output, you can disable logging here and mark the outputs as secret via
 * 'additionalSecretOutputs'" (provider/pkg/provider/local/base.go, same commit; @pulumi/command 1.2.1
 * local/command.d.ts `logging`). So only stderr, the bootstrap's progress messages (never a secret: tested), is
 * logged, and stdout is a secret output.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { BootstrapSpec } from "../aws/bootstrap";
import { parameterPrefix, secretParameterName } from "../aws/fleet";
import { PENDING_SECRET } from "../placeholders";
import { readTemplateFile } from "../templates";

export interface LabBootstrapArgs {
    readonly project: string;
    readonly stack: string;
    /** The dashboard as the machine running `pulumi up` reaches it (the lab's load balancer). */
    readonly dashboardUrl: string;
    /** The DP Manager address the dashboard gives gateways (the load balancer on the lab's network). */
    readonly controlPlaneAddress: string;
    readonly gatewayGroup: BootstrapSpec["gatewayGroup"];
    readonly license: pulumi.Input<string>;
    readonly adminPassword: pulumi.Input<string>;
    /** The stack's gatewayToken: kept, nothing issued. */
    readonly broughtToken?: pulumi.Input<string>;
}

/** How long the bootstrap waits for the dashboard: the first start pulls images and migrates the database. */
export const LAB_BOOTSTRAP_TIMEOUT_SECONDS = 600;

/** The bootstrap spec the lab's run reads, in the hosts' format (components/aws/bootstrap.ts BootstrapSpec). */
export function labBootstrapSpec(
    args: Pick<LabBootstrapArgs, "project" | "stack" | "dashboardUrl" | "controlPlaneAddress" | "gatewayGroup">,
    issue: boolean,
): BootstrapSpec {
    const prefix = parameterPrefix(args.project, args.stack, "cp");
    return {
        dashboardUrl: args.dashboardUrl,
        gatewayGroup: args.gatewayGroup,
        controlPlaneAddress: [args.controlPlaneAddress],
        credentials: {
            kind: "token",
            issue,
            parameters: { token: secretParameterName(args.project, args.stack, "dp", "control-plane-token") },
            pending: PENDING_SECRET,
        },
        licenseParameter: secretParameterName(args.project, args.stack, "cp", "license"),
        passwordParameter: secretParameterName(args.project, args.stack, "cp", "admin-password"),
        lockParameter: `${prefix}/bootstrap-lock`,
        recordParameter: `${prefix}/bootstrap-record`,
    };
}

export class LabBootstrap extends pulumi.ComponentResource {
    /** The gateways' token (secret). */
    public readonly token: pulumi.Output<string>;
    /** Whether the token was issued by the dashboard (false: the stack's gatewayToken). */
    public readonly issued: pulumi.Output<boolean>;

    constructor(name: string, args: LabBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:lab:Bootstrap", name, {}, opts);
        const issue = args.broughtToken === undefined;
        const spec = JSON.stringify(labBootstrapSpec(args, issue), null, 2);
        const run = new command.local.Command(
            `${name}-run`,
            {
                interpreter: ["/bin/bash", "-c"],
                create: readTemplateFile("api7-lab-bootstrap.sh"),
                environment: {
                    API7_LAB_PREFIX: parameterPrefix(args.project, args.stack, "cp"),
                    API7_LAB_SPEC: spec,
                    API7_LAB_LICENSE: pulumi.secret(args.license),
                    API7_LAB_ADMIN_PASSWORD: pulumi.secret(args.adminPassword),
                    API7_LAB_TOKEN: pulumi.secret(args.broughtToken ?? ""),
                    API7_BOOTSTRAP_SCRIPT: readTemplateFile("api7-bootstrap.sh"),
                    // The library the hosts' scripts source (components/aws/cloud-init.ts writes it on hosts).
                    API7_LIB_SCRIPT: readTemplateFile("api7-lib.sh"),
                    API7_BOOTSTRAP_TIMEOUT: String(LAB_BOOTSTRAP_TIMEOUT_SECONDS),
                    // It runs on the operator's machine: no copy of its lines there (config-templates/api7-lib.sh).
                    API7_LOG_COPY: "off",
                },
                // A change to what it sets runs it again (an update runs `create` again when no `update` is given).
                triggers: [spec],
                logging: command.types.enums.local.Logging.Stderr,
            },
            { parent: this, additionalSecretOutputs: ["stdout"] },
        );
        this.token = pulumi.secret(run.stdout);
        this.issued = pulumi.output(issue);
        this.registerOutputs({ issued: this.issued });
    }
}
