/**
 * The first-install bootstrap of API7 (config-templates/api7-bootstrap.sh), run on the control-plane hosts: by its
 * own systemd unit after the dashboard starts (a new or replaced host), and by this component's SSM association,
 * one host at a time, whenever what it sets changes (its spec, the license, the admin password). It sets the admin
 * password, uploads the license, finds the gateway group, sets the address the dashboard gives gateways, and
 * issues the gateways' credentials into their SSM parameters, which the control plane's role may write and nothing
 * else may.
 */
import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupTargets, parameterPrefix } from "./fleet";
import { KMS_ENCRYPT_ACTIONS, PARAMETER_ARN_CONTEXT } from "./parameter-access";
import { dashboardTarget } from "../ports";
import { whereabouts } from "./whereabouts";

/**
 * The bootstrap's lock (held by one run at a time) and record (what the last successful run did): created and
 * written by the script, never by Pulumi.
 */
export function bootstrapParameters(
    project: string,
    stack: string,
): { readonly lock: string; readonly record: string } {
    const prefix = parameterPrefix(project, stack, "cp");
    return { lock: `${prefix}/bootstrap-lock`, record: `${prefix}/bootstrap-record` };
}

/** What api7-bootstrap reads from <cp prefix>/bootstrap.json. */
export interface BootstrapSpec {
    readonly dashboardUrl: string;
    readonly gatewayGroup: { readonly name: string; readonly shortId: string; readonly create: boolean };
    readonly controlPlaneAddress: readonly string[];
    readonly credentials: {
        readonly kind: "token" | "mtls";
        /** False when the stack brings the gateways' credentials. */
        readonly issue: boolean;
        readonly parameters: Readonly<Record<string, string>>;
        /** The value an unissued credential parameter holds. */
        readonly pending: string;
    };
    readonly licenseParameter: string;
    readonly passwordParameter: string;
    /**
     * The KMS key the credentials are put with (the stack's parameter key). Absent in the Docker lab, whose
     * parameters are files. PutParameter without a key id uses the account's aws/ssm key, even over a parameter
     * under another key (AWS KMS developer guide, services-parameter-store: "If you omit it, Parameter Store uses the
     * AWS managed key ... even if you used a different KMS key").
     */
    readonly parameterKeyId?: string;
    readonly lockParameter: string;
    readonly recordParameter: string;
}

export interface BootstrapArgs {
    readonly project: string;
    readonly stack: string;
    /** The dashboard listener the hosts serve (controlPlane.dashboardListener): the script calls it on loopback. */
    readonly dashboardListener: "http" | "https";
    readonly gatewayGroup: BootstrapSpec["gatewayGroup"];
    /** The DP Manager URL gateways use (its load balancer), shown by the dashboard. */
    readonly controlPlaneAddress: pulumi.Input<string>;
    readonly credentials: BootstrapSpec["credentials"];
    /** The stack's parameter key: issued credentials are encrypted with it. */
    readonly parameterKeyArn: pulumi.Input<string>;
    readonly licenseParameter: string;
    readonly passwordParameter: string;
    /** The control-plane hosts' role (its name) and Auto Scaling group (the association waits for it). */
    readonly controlPlaneRoleName: pulumi.Input<string>;
    readonly controlPlaneGroup: pulumi.Resource;
    /** Name@version of each secret the script reads: a new version runs it again. */
    readonly secretVersions: readonly pulumi.Input<string>[];
    readonly tags?: Record<string, string>;
}

/** The bootstrap's spec parameter, its permissions and its association. */
export class Bootstrap extends pulumi.ComponentResource {
    /** The spec, as the hosts read it. */
    public readonly spec: pulumi.Output<string>;

    constructor(name: string, args: BootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:Bootstrap", name, {}, opts);
        const parent = { parent: this };
        const prefix = parameterPrefix(args.project, args.stack, "cp");
        const { lock, record } = bootstrapParameters(args.project, args.stack);
        const target = dashboardTarget(args.dashboardListener);

        this.spec = pulumi.all([args.controlPlaneAddress, args.parameterKeyArn]).apply(([address, parameterKeyId]) =>
            JSON.stringify(
                {
                    dashboardUrl: `${target.protocol.toLowerCase()}://127.0.0.1:${target.port}`,
                    gatewayGroup: args.gatewayGroup,
                    controlPlaneAddress: [address],
                    credentials: args.credentials,
                    licenseParameter: args.licenseParameter,
                    passwordParameter: args.passwordParameter,
                    parameterKeyId,
                    lockParameter: lock,
                    recordParameter: record,
                } satisfies BootstrapSpec,
                null,
                2,
            ),
        );
        const specParameter = new aws.ssm.Parameter(
            `${name}-spec`,
            {
                name: `${prefix}/bootstrap.json`,
                type: "String",
                // Plain, so `pulumi preview --diff` shows it; it names parameters, never their values.
                insecureValue: this.spec,
                description: `api7-ha ${args.stack} cp: what the first-install bootstrap sets`,
                tags: args.tags,
            },
            parent,
        );

        // The control plane may write exactly the gateways' credential parameters (when it issues them) and its own
        // lock and record; it reads them back to verify. Nothing else: the hosts' own policy denies every other
        // parameter (host/identity.ts hostPolicyStatements). SSM encrypts and decrypts with the caller's permissions:
        // "To encrypt a standard secure string parameter value, the user needs kms:Encrypt permission. To encrypt an
        // advanced secure string parameter value, the user needs kms:GenerateDataKey permission" (AWS KMS developer
        // guide, services-parameter-store), each scoped here to those parameters by their encryption context.
        const invokeOpts = { parent: this };
        const { region, account, partition } = whereabouts(this);
        const arn = (parameter: string) =>
            pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:parameter${parameter}`;
        const statements: aws.types.input.iam.GetPolicyDocumentStatementArgs[] = [
            {
                sid: "BootstrapLockAndRecord",
                actions: ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
                resources: [arn(lock), arn(record)],
            },
        ];
        if (args.credentials.issue) {
            statements.push(
                {
                    sid: "IssueGatewayCredentials",
                    actions: ["ssm:GetParameter", "ssm:PutParameter"],
                    resources: Object.values(args.credentials.parameters).map(arn),
                },
                {
                    sid: "EncryptGatewayCredentials",
                    actions: ["kms:Decrypt", ...KMS_ENCRYPT_ACTIONS],
                    resources: [args.parameterKeyArn],
                    conditions: [
                        {
                            test: "StringLike",
                            variable: PARAMETER_ARN_CONTEXT,
                            values: Object.values(args.credentials.parameters).map(arn),
                        },
                    ],
                },
            );
        }
        const permissions = new aws.iam.RolePolicy(
            `${name}-permissions`,
            {
                role: args.controlPlaneRoleName,
                policy: aws.iam.getPolicyDocumentOutput({ statements }, invokeOpts).json,
            },
            parent,
        );

        // Runs again, one host at a time, when the spec or a secret it reads changes (the command's fingerprint).
        const fingerprint = pulumi
            .all([this.spec, ...args.secretVersions])
            .apply((parts) => crypto.createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16));
        new aws.ssm.Association(
            `${name}-run`,
            {
                name: "AWS-RunShellScript",
                associationName: `${args.project}-${args.stack}-cp-bootstrap`,
                // Every control-plane host, including those the group launches later (by their group tag).
                targets: groupTargets(args.project, args.stack, "cp"),
                // A new host's first boot installs the script: wait for it, as api7-apply does.
                parameters: {
                    commands: fingerprint.apply(
                        (f) =>
                            `cloud-init status --wait >/dev/null || true; /usr/local/sbin/api7-bootstrap # spec ${f}`,
                    ),
                },
                maxConcurrency: "1",
                maxErrors: "0",
                complianceSeverity: "HIGH",
            },
            { parent: this, dependsOn: [specParameter, permissions, args.controlPlaneGroup] },
        );

        this.registerOutputs({ spec: this.spec });
    }
}
