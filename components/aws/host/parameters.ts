/**
 * A host group's SSM parameters: its secrets (SecureStrings under <prefix>/secrets, read by the hosts at service
 * start) and, per service, its config (YAML) and run spec (JSON), plain text so `pulumi preview --diff` shows them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupName, type HostContext, type HostGroupArgs } from "./args";
import { REGISTRY_PASSWORD_SECRET, secretParameterName, secretParameterOptions } from "../fleet";
import { runSpec, runSpecRegistry, runSpecText } from "../run-spec";
import { PENDING_SECRET } from "../../placeholders";
import { renderYamlTemplate } from "../../templates";

/** SSM Standard parameters hold 4 KB; larger values need the Advanced tier. */
const STANDARD_TIER_LIMIT = 4096;

export interface HostSecrets {
    /** The SecureStrings, by secret name. */
    readonly parameters: Readonly<Record<string, aws.ssm.Parameter>>;
    /** The SSM name of a secret of the group; throws for a name the group has no secret for. */
    readonly path: (secret: string) => string;
}

/** The group's SecureStrings: the stack's secrets, the registry password, and the credentials another host issues. */
export function createSecrets(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    parametersPolicy: pulumi.Resource,
    parent: pulumi.ComponentResource,
): HostSecrets {
    const parameters: Record<string, aws.ssm.Parameter> = {};
    const issued = new Set(args.issuedSecrets ?? []);
    const registryPassword = args.placement.registryPassword;
    const values: [string, pulumi.Input<string>][] = [
        ...Object.entries(args.secrets ?? {}),
        ...(registryPassword !== undefined
            ? [[REGISTRY_PASSWORD_SECRET, registryPassword] as [string, pulumi.Input<string>]]
            : []),
        ...[...issued].map((n): [string, pulumi.Input<string>] => [n, PENDING_SECRET]),
    ];
    for (const [secretName, value] of values) {
        parameters[secretName] = new aws.ssm.Parameter(
            `${name}-secret-${secretName}`,
            {
                name: secretParameterName(args.project, args.stack, groupName(args), secretName),
                type: "SecureString",
                keyId: args.placement.parameterKeyArn,
                value: pulumi.secret(value),
                description: `api7-ha ${args.stack} ${groupName(args)}: ${secretName}${issued.has(secretName) ? " (issued by the control plane)" : ""}`,
                tags: context.tags,
            },
            { ...secretParameterOptions(issued.has(secretName), parent), dependsOn: [parametersPolicy] },
        );
    }
    const path = (secretName: string): string => {
        if (!parameters[secretName]) throw new Error(`${name}: service refers to unknown secret ${secretName}`);
        return `${context.prefix}/secrets/${secretName}`;
    };
    return { parameters, path };
}

export interface ServiceParameters {
    readonly parameters: readonly aws.ssm.Parameter[];
    /** The configs' and run specs' text, in order: the rollout's fingerprint. */
    readonly values: readonly pulumi.Output<string>[];
}

/** Per service, its rendered config and its run spec (components/aws/run-spec.ts). */
export function createServiceParameters(
    name: string,
    args: HostGroupArgs,
    context: HostContext,
    secrets: HostSecrets,
    logGroup: pulumi.Output<string>,
    parent: pulumi.ComponentResource,
): ServiceParameters {
    const { prefix, tags } = context;
    // How api7-run logs in before it starts a container (never part of the fingerprint: a new login alone restarts
    // nothing, a new image reference does).
    const registry = args.placement.registry.login.apply((login) =>
        runSpecRegistry(login, () => secrets.path(REGISTRY_PASSWORD_SECRET)),
    );
    const parameters: aws.ssm.Parameter[] = [];
    const values: pulumi.Output<string>[] = [];
    for (const svc of args.services) {
        const configParameter = `${prefix}/${svc.name}-config.yaml`;
        const config = pulumi.output(svc.configData).apply((data) => renderYamlTemplate(svc.configTemplate, data));
        values.push(config);
        parameters.push(
            new aws.ssm.Parameter(
                `${name}-${svc.name}-config`,
                {
                    name: configParameter,
                    type: "String",
                    // insecureValue: `value` is always marked secret by the provider, which would hide every config
                    // change behind [secret] in `pulumi preview --diff`. These hold no secret (placeholders only).
                    insecureValue: config,
                    tier: config.apply(tierFor),
                    description: `api7-ha ${args.stack} ${groupName(args)}: ${svc.name} config (${svc.configTemplate})`,
                    tags,
                },
                { parent },
            ),
        );
        // A gateway's standalone config, beside its normal one, for a start while the DP Manager does not answer.
        const outage = svc.outage;
        const outageConfigParameter = `${prefix}/${svc.name}-standalone-config.yaml`;
        if (outage) {
            const standalone = pulumi
                .output(outage.configData)
                .apply((data) => renderYamlTemplate(outage.configTemplate, data));
            values.push(standalone);
            parameters.push(
                new aws.ssm.Parameter(
                    `${name}-${svc.name}-standalone-config`,
                    {
                        name: outageConfigParameter,
                        type: "String",
                        insecureValue: standalone,
                        tier: standalone.apply(tierFor),
                        description: `api7-ha ${args.stack} ${groupName(args)}: ${svc.name} config while the control plane does not answer (${outage.configTemplate})`,
                        tags,
                    },
                    { parent },
                ),
            );
        }
        const resolvedOutage = outage
            ? pulumi
                  .all([outage.endpoints, outage.env, pulumi.all([...outage.targetGroupArns]), outage.buckets])
                  .apply(([endpoints, env, targetGroupArns, buckets]) => ({
                      endpoints,
                      buckets,
                      env,
                      targetGroupArns,
                      configParameter: outageConfigParameter,
                      lockParameter: outageLockParameter(prefix, svc.name),
                  }))
            : undefined;
        const spec = pulumi
            .all([svc.env ?? {}, svc.database, svc.image, registry, resolvedOutage, context.region, logGroup])
            .apply(([env, database, image, login, resolved, region, group]) =>
                runSpecText(
                    runSpec({
                        service: svc,
                        image,
                        env,
                        database,
                        configParameter,
                        registry: login,
                        logs: { region, group },
                        secretPath: secrets.path,
                        outage: resolved,
                    }),
                ),
            );
        values.push(spec);
        parameters.push(
            new aws.ssm.Parameter(
                `${name}-${svc.name}-spec`,
                {
                    name: `${prefix}/${svc.name}.json`,
                    type: "String",
                    insecureValue: spec,
                    tier: spec.apply(tierFor),
                    description: `api7-ha ${args.stack} ${groupName(args)}: how to run ${svc.name}`,
                    tags,
                },
                { parent },
            ),
        );
    }
    return { parameters, values };
}

/** The parameter the one gateway of a group returning to the control plane holds (never overwritten). */
export function outageLockParameter(prefix: string, service: string): string {
    return `${prefix}/${service}-reconnect-lock`;
}

function tierFor(value: string): string {
    return Buffer.byteLength(value, "utf8") > STANDARD_TIER_LIMIT ? "Advanced" : "Standard";
}
