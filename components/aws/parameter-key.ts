/**
 * The stack's own KMS key for its SSM SecureStrings. Under the AWS managed key aws/ssm, "all users within the
 * customer account have access to the default AWS managed key" and its policy cannot be changed (Systems Manager user
 * guide, sysman-paramstore-access); under this key, its policy lets each host role decrypt only its own group's
 * parameters (parameter-access.ts parameterKeyPolicyStatements). Rotated yearly by KMS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parameterKeyPolicyStatements, type ParameterScope } from "./parameter-access";
import { nameFragment } from "../config/names";
import { whereabouts } from "./whereabouts";

export interface ParameterKeyArgs {
    readonly project: string;
    readonly stack: string;
    /** Every host group's role and what it may touch. */
    readonly scopes: readonly ParameterScope[];
    readonly tags?: Record<string, string>;
}

export class ParameterKey extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: ParameterKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:security:ParameterKey", name, {}, opts);
        const invokeOpts = { parent: this };
        const { region, account, partition } = whereabouts(this);
        const statements = pulumi.all([partition, region, account]).apply(([p, r, a]) =>
            parameterKeyPolicyStatements(args.scopes, {
                partition: p,
                account: a,
                arnPrefix: `arn:${p}:ssm:${r}:${a}:parameter`,
            }),
        );
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `api7-ha ${args.stack}: SSM SecureStrings of the hosts`,
                enableKeyRotation: true,
                // The longest window KMS allows: a key deleted by mistake can be restored for 30 days.
                deletionWindowInDays: 30,
                policy: aws.iam.getPolicyDocumentOutput({ statements }, invokeOpts).json,
                tags: { ...(args.tags ?? {}), "api7-ha:stack": args.stack },
                // Every SecureString of the stack is under it, and a key pending deletion decrypts nothing: a change
                // that replaced or removed it must not take the parameters with it. `pulumi destroy` leaves it too
                // (README: destroying a stack).
            },
            { parent: this, retainOnDelete: true },
        );
        new aws.kms.Alias(
            `${name}-alias`,
            { name: `alias/${args.project}-${nameFragment(args.stack)}-parameters`, targetKeyId: key.keyId },
            { parent: this },
        );
        this.arn = key.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
