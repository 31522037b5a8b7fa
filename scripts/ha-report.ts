/**
 * `npm run report -- <stack>`: what the stack's settings mean for availability, from the same settings object the
 * program uses. Secrets are not needed (nor read): required secret keys get stand-in values.
 */
import { parseSettings } from "../components/config/load";
import { PROJECT, SECRETS, SECRET_NAMES } from "../components/config/schema";
import type { Settings } from "../components/config/settings";
import { readStackConfig } from "./stack-file";

export interface HaFigures {
    /** Worst case for a dead gateway to leave rotation: unhealthy threshold x interval + timeout. */
    readonly detectionSeconds: number;
    /** Time for a recovered gateway to rejoin: healthy threshold x interval. */
    readonly rejoinSeconds: number;
    /** Connections of a gateway leaving rotation are kept this long (deregistration delay). */
    readonly drainSeconds: number;
    readonly healthyThreshold: number;
    /** Hosts per tier per AZ index (AZ 1, AZ 2, ...). */
    readonly hostsPerAz: Readonly<Record<string, readonly number[]>>;
    /** The fallback export interval, when the stack says. */
    readonly fallbackExport?: string;
    readonly database: DatabaseFigures;
}

/** What the database tier does when its host or its AZ fails. */
export interface DatabaseFigures {
    readonly kind: "managed" | "external";
    /** Multi-AZ failover time as AWS documents it; undefined without a standby (or for a database we do not run). */
    readonly failover?: string;
    /** Whether the database tier keeps working when one AZ is lost; undefined when the program cannot know. */
    readonly survivesAzLoss?: boolean;
}

/**
 * "Failover times are typically 60–120 seconds." (RDS user guide, Multi-AZ DB instance deployments, failover process:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html#Concepts.MultiAZ.Failover).
 * The endpoint's DNS name then points at the former standby, so clients reconnect.
 */
export const MULTI_AZ_FAILOVER = "60-120 s";

export function databaseFigures(db: Settings["database"]): DatabaseFigures {
    if (db.kind === "external") return { kind: "external" };
    return db.multiAz ? { kind: "managed", failover: MULTI_AZ_FAILOVER, survivesAzLoss: true } : { kind: "managed", survivesAzLoss: false };
}

/** Round-robin placement: host i goes to AZ i mod n. */
export function spread(count: number, azs: number): number[] {
    return Array.from({ length: azs }, (_, az) => Math.floor(count / azs) + (az < count % azs ? 1 : 0));
}

export function haFigures(settings: Settings): HaFigures {
    const lb = settings.dataPlane.loadBalancer;
    const hc = lb.healthCheck;
    const azs = settings.network.azCount;
    const hostsPerAz: Record<string, number[]> = {
        "control plane": spread(settings.controlPlane.count, azs),
        "data plane": spread(settings.dataPlane.count, azs),
    };
    if (settings.prometheus.enabled && settings.prometheus.placement === "dedicated") hostsPerAz.prometheus = spread(1, azs);
    return {
        detectionSeconds: hc.unhealthyThreshold * hc.intervalSeconds + hc.timeoutSeconds,
        rejoinSeconds: hc.healthyThreshold * hc.intervalSeconds,
        drainSeconds: lb.deregistrationDelaySeconds,
        healthyThreshold: hc.healthyThreshold,
        hostsPerAz,
        fallbackExport: settings.fallback.enabled
            ? `${settings.fallback.cronSpec} (at most ${settings.fallback.exportIntervalSeconds} s between exports)`
            : undefined,
        database: databaseFigures(settings.database),
    };
}

/** A well-formed stand-in for a secret the report does not need (stack files hold only ciphertext). */
function standIn(key: string): string {
    if (/Dsn$/.test(key)) return "postgres://report:unused@db.invalid:5432/api7ee";
    if (/^gateway(ClientCert|ClientKey|Ca)$/.test(key)) return "-----BEGIN CERTIFICATE-----\nunused\n-----END CERTIFICATE-----";
    return "unused-by-the-report-stand-in";
}

/** The stack's settings as the program would build them, with stand-ins for its secrets. */
export function stackSettings(stack: string): Settings {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(readStackConfig(stack))) {
        if (key.startsWith(`${PROJECT}:`)) values[key.slice(PROJECT.length + 1)] = value;
    }
    const required = SECRET_NAMES.filter((name) => SECRETS[name].required);
    for (const name of required) values[name] = standIn(name);
    // The Docker Hub credentials secret an ECR cache needs is the user's to create; no figure depends on it.
    const images = JSON.parse(values.images ?? "{}") as Record<string, unknown>;
    if (images.source === "ecrPullThroughCache" && !images.dockerHubSecretArn) {
        values.images = JSON.stringify({ ...images, dockerHubSecretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/report-stand-in" });
    }
    return parseSettings({ values, secretKeys: new Set(required) }, stack);
}

export function renderReport(stack: string, f: HaFigures): string {
    const lines = [
        `HA report for stack "${stack}"`,
        "",
        "| figure | value | from |",
        "|---|---|---|",
        `| dead gateway leaves rotation (worst case) | ${f.detectionSeconds} s | unhealthy threshold x interval + timeout |`,
        `| recovered gateway rejoins | ${f.rejoinSeconds} s | healthy threshold (${f.healthyThreshold}) x interval |`,
        `| draining gateway keeps connections | ${f.drainSeconds} s | deregistration delay |`,
        ...Object.entries(f.hostsPerAz).map(([tier, perAz]) => `| ${tier} hosts per AZ | ${perAz.join(" / ")} | round-robin over ${perAz.length} AZs |`),
        `| fallback export interval | ${f.fallbackExport ?? "no export (fallback.enabled is false)"} | fallback.cronSpec |`,
        ...databaseRows(f.database),
    ];
    return lines.join("\n");
}

function databaseRows(db: DatabaseFigures): string[] {
    if (db.kind === "external") {
        return ["| database failover | not known: an external database (database.kind external) | yours |", "| database tier survives an AZ loss | not known | yours |"];
    }
    return [
        `| database failover (RDS Multi-AZ) | ${db.failover ?? "none: no standby (database.multiAz false)"} | ${db.failover ? "AWS: Multi-AZ failover typically completes in 60-120 s" : "database.multiAz"} |`,
        `| database tier survives an AZ loss | ${db.survivesAzLoss ? "yes: the standby in another AZ takes over" : "no: the only instance is in one AZ; the control plane stops until it is back or restored"} | database.multiAz |`,
    ];
}

if (require.main === module) {
    const stack = process.argv[2];
    if (!stack) {
        console.error("usage: npm run report -- <stack>");
        process.exit(64);
    }
    console.log(renderReport(stack, haFigures(stackSettings(stack))));
}
