/**
 * The managed database's names and instance settings, which follow from the stack's settings alone and need no
 * Pulumi runtime (components/aws/database.ts creates the instance from them; sources are cited there). Types only from
 * the SDK.
 */
import type * as aws from "@pulumi/aws";
import { nameFragment } from "../config/names";
import type { ManagedDatabaseSettings } from "../config/settings";
import { PORTS } from "../ports";

/** The database API7 uses, and its owner, on the managed instance (API7's own examples name both api7ee). */
export const MANAGED_DATABASE = { name: "api7ee", username: "api7ee" } as const;

/**
 * The RDS instance identifier of a stack: 1 to 63 letters, digits or hyphens, starting with a letter, no two
 * hyphens in a row and none at the end (RDS API reference, CreateDBInstance, DBInstanceIdentifier).
 */
export function databaseIdentifier(project: string, stack: string): string {
    return `${project}-${nameFragment(stack)}`
        .replace(/-{2,}/g, "-")
        .replace(/-+$/, "")
        .slice(0, 63)
        .replace(/-+$/, "");
}

/**
 * The final snapshot's name. RDS refuses a name an existing snapshot has, so it carries the database security
 * group's id: stable for the life of the database, new when a destroyed stack is created again.
 */
export function finalSnapshotIdentifier(identifier: string, securityGroupId: string): string {
    return `${identifier}-final-${securityGroupId}`.replace(/-{2,}/g, "-").slice(0, 255);
}

/** The settings of the instance that follow from the stack's settings alone (tested without the engine). */
export function instanceSettings(
    s: ManagedDatabaseSettings,
): Pick<
    aws.rds.InstanceArgs,
    | "engine"
    | "engineVersion"
    | "instanceClass"
    | "allocatedStorage"
    | "maxAllocatedStorage"
    | "storageType"
    | "storageEncrypted"
    | "multiAz"
    | "publiclyAccessible"
    | "backupRetentionPeriod"
    | "deletionProtection"
    | "skipFinalSnapshot"
    | "copyTagsToSnapshot"
    | "manageMasterUserPassword"
    | "performanceInsightsEnabled"
    | "performanceInsightsRetentionPeriod"
    | "autoMinorVersionUpgrade"
    | "dbName"
    | "username"
    | "port"
    | "iamDatabaseAuthenticationEnabled"
    | "allowMajorVersionUpgrade"
> {
    return {
        engine: "postgres",
        // A major version only: RDS picks its newest minor and upgrades minors in the maintenance window.
        engineVersion: s.engineVersion,
        autoMinorVersionUpgrade: true,
        // A changed database.engineVersion upgrades in place (RDS needs this flag for a major version).
        allowMajorVersionUpgrade: true,
        instanceClass: s.instanceClass,
        allocatedStorage: s.allocatedStorageGiB,
        maxAllocatedStorage: s.maxAllocatedStorageGiB,
        storageType: "gp3",
        storageEncrypted: true,
        multiAz: s.multiAz,
        publiclyAccessible: false,
        backupRetentionPeriod: s.backupRetentionDays,
        deletionProtection: s.deletionProtection,
        skipFinalSnapshot: !s.finalSnapshot,
        copyTagsToSnapshot: true,
        manageMasterUserPassword: true,
        performanceInsightsEnabled: true,
        // 7 days is Performance Insights' free retention.
        performanceInsightsRetentionPeriod: 7,
        dbName: MANAGED_DATABASE.name,
        username: MANAGED_DATABASE.username,
        port: PORTS.postgres,
        iamDatabaseAuthenticationEnabled: false,
    };
}
