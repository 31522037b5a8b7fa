/**
 * API7's database when the stack does not bring one (database.kind managed): Amazon RDS for PostgreSQL in the
 * private subnets, reachable only from the control-plane security group, encrypted with KMS, TLS forced, the master
 * password created and kept by RDS in Secrets Manager. The control-plane hosts build the DSN at every start from the
 * endpoint (plain, in the run spec) and that secret (read on the host, never in user data or a plain parameter).
 *
 * Sources (read for this file):
 * - RDS API reference, CreateDBInstance (botocore data/rds/2014-10-31/service-2.json, botocore 1.43.11):
 *   ManageMasterUserPassword cannot go with MasterUserPassword; without MasterUserSecretKmsKeyId the secret is under
 *   the aws/secretsmanager key (so the hosts need no KMS permission to read it); DBInstanceIdentifier is 1 to 63
 *   letters, digits or hyphens, a letter first, no "--", no trailing hyphen; the PostgreSQL master user name is
 *   1 to 16 characters.
 * - RDS user guide, "Password management with Amazon RDS and AWS Secrets Manager"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html): rotation every 7 days by
 *   default, the password changed in place. The secret's JSON keys `username` and `password` are what AWS's own
 *   examples and third-party clients read; no AWS page states the layout, so the hosts fail closed (no DSN, a logged
 *   error) on a secret without them.
 * - RDS user guide, "Using SSL with a PostgreSQL DB instance"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html): `rds.force_ssl`
 *   defaults to 1 from PostgreSQL 15 and can be changed only in a custom parameter group; it is set here anyway so
 *   no engine version or later edit of the default turns it off. Whether it is static or dynamic on RDS PostgreSQL
 *   is not documented; `pending-reboot` is accepted for both (`immediate` is refused for a static parameter), and a
 *   group attached at creation applies from the first boot.
 * - @pulumi/aws 7.48.0 rds/instance.d.ts (terraform-provider-aws `aws_db_instance`): `masterUserSecrets[0].secretArn`;
 *   `finalSnapshotIdentifier` required unless `skipFinalSnapshot`. Performance Insights: AWS moved its console to
 *   CloudWatch Database Insights (end of life announced for 31 July 2026) and kept the API and retention; the provider
 *   still takes `performanceInsightsEnabled`. Should RDS refuse it after that date, `pulumi up` fails on the instance
 *   with RDS's error rather than deploying it silently without.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ManagedDatabaseSettings } from "../config/settings";
import { databaseIdentifier, finalSnapshotIdentifier, instanceSettings, MANAGED_DATABASE } from "./rds";

/** What the control-plane hosts need to build the DSN: nothing here is secret. */
export interface DatabaseEndpoint {
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly database: string;
    /** The RDS-managed secret holding `username` and `password` (JSON). */
    readonly secretArn: pulumi.Output<string>;
}

export interface ManagedDatabaseArgs {
    readonly project: string;
    readonly stack: string;
    readonly settings: ManagedDatabaseSettings;
    /** Private subnets (two or more AZs, as RDS requires for a subnet group). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The database's own group, open to the control plane only (components/aws/security-groups.ts). */
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly tags?: Record<string, string>;
}

/** Amazon RDS for PostgreSQL for API7 (database.kind managed). */
export class ManagedDatabase extends pulumi.ComponentResource {
    public readonly endpoint: DatabaseEndpoint;
    public readonly identifier: pulumi.Output<string>;

    constructor(name: string, args: ManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:ManagedDatabase", name, {}, opts);
        const s = args.settings;
        const tags = { ...(args.tags ?? {}), "api7-ha:stack": args.stack, "api7-ha:role": "db" };
        const identifier = databaseIdentifier(args.project, args.stack);

        // Storage, snapshots and Performance Insights under one key: the user's, or one for this database.
        let kmsKeyArn: pulumi.Output<string>;
        if (s.kmsKeyArn) {
            kmsKeyArn = pulumi.output(s.kmsKeyArn);
        } else {
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `api7-ha ${args.stack}: API7 database (RDS storage, snapshots, Performance Insights)`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    tags,
                    // With a final snapshot kept, the key that encrypts it is kept too (`pulumi destroy` leaves it).
                },
                { parent: this, retainOnDelete: s.finalSnapshot },
            );
            new aws.kms.Alias(
                `${name}-key-alias`,
                { name: `alias/${identifier}-database`, targetKeyId: key.keyId },
                { parent: this },
            );
            kmsKeyArn = key.arn;
        }

        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            {
                subnetIds: args.subnetIds,
                description: `api7-ha ${args.stack}: private subnets of the API7 database`,
                tags,
            },
            { parent: this },
        );

        // rds.force_ssl = 1: the server refuses connections without TLS, whatever a client asks for.
        const parameters = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                family: `postgres${s.engineVersion}`,
                description: `api7-ha ${args.stack}: API7 database, TLS required`,
                parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
                tags,
                // Kept when replaced (a new engineVersion means a new family): the instance switches to the new group
                // only in its maintenance window (applyImmediately is off), and RDS refuses to delete a group still
                // attached (InvalidDBParameterGroupState). README says to delete the old one after the upgrade.
            },
            { parent: this, retainOnDelete: true },
        );

        const instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                ...instanceSettings(s),
                identifier,
                kmsKeyId: kmsKeyArn,
                performanceInsightsKmsKeyId: kmsKeyArn,
                // The groups' ids are their names (terraform-provider-aws sets d.SetId(name) for both).
                dbSubnetGroupName: subnetGroup.id,
                parameterGroupName: parameters.id,
                vpcSecurityGroupIds: [args.securityGroup.id],
                finalSnapshotIdentifier: s.finalSnapshot
                    ? args.securityGroup.id.apply((id) => finalSnapshotIdentifier(identifier, id))
                    : undefined,
                tags,
            },
            { parent: this },
        );

        this.identifier = instance.identifier;
        this.endpoint = {
            host: instance.address,
            port: instance.port,
            database: MANAGED_DATABASE.name,
            secretArn: instance.masterUserSecrets.apply((secrets) => {
                const arn = secrets?.[0]?.secretArn;
                if (!arn) throw new Error(`${name}: RDS reported no master user secret (manageMasterUserPassword)`);
                return arn;
            }),
        };
        this.registerOutputs({
            identifier: this.identifier,
            host: this.endpoint.host,
            secretArn: this.endpoint.secretArn,
        });
    }
}
