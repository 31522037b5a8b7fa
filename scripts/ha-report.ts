/**
 * `npm run report -- <stack>`: what the stack's settings mean for availability, from the same settings object the
 * program uses. Secrets are not needed (nor read): required secret keys get stand-in values. An AWS stack gets the
 * AWS figures (load balancers, Auto Scaling groups, RDS); the Docker lab (deploy.target docker) gets its own.
 */
import { renderEtcdReport } from "./etcd-report";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseSettings } from "../components/config/load";
import { PROJECT, SECRETS, SECRET_NAMES } from "../components/config/schema";
import type { HealthCheckSettings, Settings } from "../components/config/settings";
import {
    bootSeconds,
    bootSteps,
    detectionSeconds,
    healthySeconds,
    worstCaseAfterCheck,
    type BootStep,
} from "../components/aws/boot-budget";
import { ECR_ENDPOINT_SERVICES } from "../components/image-refs";
import { CONTROL_PLANE_CHECK, type Check } from "../components/listeners";
import { outageFigures, outageRows, type OutageFigures } from "./report-outage";
import { warmPoolFigures, warmPoolRows, type WarmPoolFigures } from "./report-warm-pool";
import { checkTimeoutSeconds } from "../components/docker/haproxy";
import { readStackConfig, ROOT } from "./stack-file";
import { HOURS_PER_MONTH, PRICES } from "./prices";
import { longestIntervalSeconds } from "../components/schedule";
import { AssumptionError, costLines, parseAssumptions, renderCost, type Assumptions } from "./report-cost";
import { runProgram, type StackName } from "../tools/harness";

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
    /** From a host's death to its replacement serving, per tier (gateways, control plane). */
    readonly replacement: Readonly<Record<string, ReplacementFigures>>;
    /** The same from the warm pool, per tier that has one. */
    readonly warmPools: Readonly<Record<string, WarmPoolFigures>>;
    /** Monthly cost of the ECR interface endpoints (images.ecrEndpoints), when there are any. */
    readonly ecrEndpointsMonthlyUsd?: number;
    /** What gateways do through a control-plane outage, when they can (fallback on, dataPlane.mode normal). */
    readonly outage?: OutageFigures;
}

/** How long an Auto Scaling group takes to bring a tier back to full capacity after one host dies. */
export interface ReplacementFigures {
    /** The load balancer marks the host unhealthy: unhealthy threshold x interval + timeout. */
    readonly detectionSeconds: number;
    /** Launch, install, pull and start, step by step (components/aws/boot-budget.ts: estimates). */
    readonly boot: readonly BootStep[];
    /** The new host passes the load balancer's checks: healthy threshold x interval. */
    readonly healthySeconds: number;
    /** detection + boot + healthy. */
    readonly expectedSeconds: number;
    /** detection + the boot before the services + the grace period: the longest before the group judges the new host. */
    readonly worstCaseSeconds: number;
}

/**
 * Interface endpoints are billed for each hour an endpoint is provisioned in each AZ, plus a price per GB processed,
 * which is not counted here (the cost part of the report counts it): the price table's us-east-1 rate.
 */
export const INTERFACE_ENDPOINT_USD_PER_AZ_HOUR = PRICES.endpointAzHour.usd;

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
    return db.multiAz
        ? { kind: "managed", failover: MULTI_AZ_FAILOVER, survivesAzLoss: true }
        : { kind: "managed", survivesAzLoss: false };
}

/** How an Auto Scaling group balances count hosts over n AZs ("evenly", ASG user guide, AZ rebalancing). */
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
    if (settings.prometheus.enabled && settings.prometheus.placement === "dedicated")
        hostsPerAz.prometheus = spread(1, azs);
    const replacement = {
        gateways: replacementFigures("dp", hc, settings.hosts.healthCheckGraceSeconds),
        "control plane": replacementFigures("cp", CONTROL_PLANE_CHECK, settings.hosts.healthCheckGraceSeconds),
    };
    const warm = {
        gateways: warmPoolFigures(settings, "dp", replacement.gateways),
        "control plane": warmPoolFigures(settings, "cp", replacement["control plane"]),
    };
    return {
        detectionSeconds: detectionSeconds(hc),
        rejoinSeconds: healthySeconds(hc),
        drainSeconds: lb.deregistrationDelaySeconds,
        healthyThreshold: hc.healthyThreshold,
        hostsPerAz,
        fallbackExport: settings.fallback.enabled
            ? `${settings.fallback.cronSpec} (at most ${longestIntervalSeconds(settings.fallback.cronSpec)} s between exports)`
            : undefined,
        database: databaseFigures(settings.database),
        replacement,
        warmPools: Object.fromEntries(
            Object.entries(warm).filter((e): e is [string, WarmPoolFigures] => e[1] !== undefined),
        ),
        ecrEndpointsMonthlyUsd: settings.images.ecrEndpoints
            ? ECR_ENDPOINT_SERVICES.length * azs * INTERFACE_ENDPOINT_USD_PER_AZ_HOUR * HOURS_PER_MONTH
            : undefined,
        outage: settings.fallback.enabled && settings.dataPlane.mode === "normal" ? outageFigures(settings) : undefined,
    };
}

export function replacementFigures(
    role: "cp" | "dp",
    hc: HealthCheckSettings,
    graceOverride?: number,
): ReplacementFigures {
    const detection = detectionSeconds(hc);
    const healthy = healthySeconds(hc);
    return {
        detectionSeconds: detection,
        boot: bootSteps(role),
        healthySeconds: healthy,
        expectedSeconds: detection + bootSeconds(role) + healthy,
        worstCaseSeconds: worstCaseAfterCheck(role, hc, graceOverride),
    };
}

/** A well-formed stand-in for a secret the report does not need (stack files hold only ciphertext). */
function standIn(key: string): string {
    if (/Dsn$/.test(key)) return "postgres://report:unused@db.invalid:5432/api7ee";
    if (/^gateway(ClientCert|ClientKey|Ca)$/.test(key))
        return "-----BEGIN CERTIFICATE-----\nunused\n-----END CERTIFICATE-----";
    return "unused-by-the-report-stand-in";
}

/** The stacks this project has: one Pulumi.<stack>.yaml each. */
function stackNames(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A stack with no stack file: what `npm run report` says instead of a stack trace. */
export class UnknownStackError extends Error {}

/** The stack's settings as the program would build them, with stand-ins for its secrets. */
export function stackSettings(stack: string): Settings {
    if (!fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))) {
        throw new UnknownStackError(
            `no stack "${stack}": there is no Pulumi.${stack}.yaml (stacks here: ${stackNames().join(", ")})`,
        );
    }
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(readStackConfig(stack))) {
        if (key.startsWith(`${PROJECT}:`)) values[key.slice(PROJECT.length + 1)] = value;
    }
    const required = SECRET_NAMES.filter((name) => SECRETS[name].required);
    for (const name of required) values[name] = standIn(name);
    // The Docker Hub credentials secret an ECR cache needs is the user's to create; no figure depends on it.
    const images = JSON.parse(values.images ?? "{}") as Record<string, unknown>;
    if (images.source === "ecrPullThroughCache" && !images.dockerHubSecretArn) {
        values.images = JSON.stringify({
            ...images,
            dockerHubSecretArn:
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/report-stand-in",
        });
    }
    return parseSettings({ values, secretKeys: new Set(required) }, stack);
}

export function renderReport(stack: string, f: HaFigures): string {
    const lines = [
        `HA report for stack "${stack}"`,
        "",
        "| figure | value | from |",
        "|---|---|---|",
        `| dead gateway leaves rotation (worst case) | ${f.detectionSeconds} s | unhealthy threshold x interval ` +
            `+ timeout |`,
        `| recovered gateway rejoins | ${f.rejoinSeconds} s | healthy threshold (${f.healthyThreshold}) x interval |`,
        `| draining gateway keeps connections | ${f.drainSeconds} s | deregistration delay |`,
        ...Object.entries(f.hostsPerAz).map(
            ([tier, perAz]) =>
                `| ${tier} hosts per AZ | ${perAz.join(" / ")} | its Auto Scaling group, balanced over ` +
                `${perAz.length} AZs |`,
        ),
        ...Object.entries(f.replacement).flatMap(([tier, r]) => [
            `| ${tier}: a dead host is replaced, back to full capacity (expected) | ${r.expectedSeconds} s | detection ${r.detectionSeconds} s + ${r.boot.map((b) => `${b.step} ${b.seconds} s`).join(" + ")} + healthy ${r.healthySeconds} s (boot steps are estimates: components/aws/boot-budget.ts); plus the group's reaction to the failed check, which AWS does not quantify |`,
            `| ${tier}: back to full capacity (worst case before the group judges the new host) | ` +
                `${r.worstCaseSeconds} s | detection + the boot steps before the services start (then the host ` +
                "completes its launch hook) + grace period |",
            ...(f.warmPools[tier] ? warmPoolRows(tier, f.warmPools[tier]) : []),
        ]),
        ...(f.ecrEndpointsMonthlyUsd !== undefined
            ? [
                  `| ECR interface endpoints | about $${f.ecrEndpointsMonthlyUsd.toFixed(2)} a month | 2 ` +
                      `endpoints x AZs x $${INTERFACE_ENDPOINT_USD_PER_AZ_HOUR}/h (us-east-1, unconfirmed) + ` +
                      `$0.01/GB |`,
              ]
            : []),
        `| fallback export interval | ${f.fallbackExport ?? "no export (fallback.enabled is false)"} | ` +
            `fallback.cronSpec |`,
        ...(f.outage ? outageRows(f.outage) : []),
        ...databaseRows(f.database),
    ];
    return lines.join("\n");
}

function databaseRows(db: DatabaseFigures): string[] {
    if (db.kind === "external") {
        return [
            "| database failover | not known: an external database (database.kind external) | yours |",
            "| database tier survives an AZ loss | not known | yours |",
        ];
    }
    return [
        `| database failover (RDS Multi-AZ) | ${db.failover ?? "none: no standby (database.multiAz false)"} | ` +
            `${db.failover ? "AWS: Multi-AZ failover typically completes in 60-120 s" : "database.multiAz"} |`,
        `| database tier survives an AZ loss | ` +
            `${db.survivesAzLoss ? "yes: the standby in another AZ takes over" : "no: the only instance is in one AZ; the control plane stops until it is back or restored"} ` +
            `| database.multiAz |`,
    ];
}

/** What the Docker lab does when a part fails: HAProxy's checks, Docker's restart policy, one engine. */
export interface LabFigures {
    readonly gatewayCheck: Check;
    readonly controlPlaneCheck: Check;
    /** HAProxy's `timeout check`, shared by every backend. */
    readonly checkTimeoutSeconds: number;
    readonly gateways: number;
    readonly controlPlaneNodes: number;
    readonly prometheus: boolean;
    /** The lab's database engine, as the report names it. */
    readonly database: "PostgreSQL" | "MySQL";
}

export function labFigures(settings: Settings): LabFigures {
    const checks = {
        gatewayCheck: settings.dataPlane.loadBalancer.healthCheck,
        controlPlaneCheck: CONTROL_PLANE_CHECK,
    };
    return {
        ...checks,
        checkTimeoutSeconds: checkTimeoutSeconds(checks),
        gateways: settings.dataPlane.count,
        controlPlaneNodes: settings.controlPlane.count,
        prometheus: settings.prometheus.enabled,
        database: settings.lab.database === "mysql" ? "MySQL" : "PostgreSQL",
    };
}

/**
 * HAProxy checks a server every `inter` and marks it down after `fall` failed checks in a row, up again after `rise`
 * (HAProxy 2.6 configuration manual, 5.2; a check waits at most `timeout check` for the answer, 4.2): a server that
 * dies just after a check is down fall x inter + timeout check later at worst.
 */
export function renderLabReport(stack: string, f: LabFigures): string {
    const down = (c: Check) =>
        `${c.unhealthyThreshold * c.intervalSeconds + f.checkTimeoutSeconds} s | fall (${c.unhealthyThreshold}) ` +
        `x inter (${c.intervalSeconds} s) + timeout check (${f.checkTimeoutSeconds} s)`;
    const gw = f.gatewayCheck;
    return [
        `HA report for stack "${stack}" (the Docker lab)`,
        "",
        "| figure | value | from |",
        "|---|---|---|",
        `| dead gateway leaves HAProxy's rotation (worst case) | ${down(gw)} |`,
        `| recovered gateway rejoins | ${gw.healthyThreshold * gw.intervalSeconds} s | rise ` +
            `(${gw.healthyThreshold}) x inter (${gw.intervalSeconds} s) |`,
        `| dead control-plane node leaves rotation (worst case) | ${down(f.controlPlaneCheck)} |`,
        `| containers | ${f.gateways} gateways, ${f.controlPlaneNodes} control-plane nodes (dashboard + DP ` +
            `Manager each), 1 HAProxy, 1 ${f.database}${f.prometheus ? ", 1 Prometheus" : ""} |`,
        "| survives the loss of its machine | no: every container runs on one Docker engine |",
        // docker/docs start-containers-automatically.md: restart policies start a container again when it exits;
        // `unless-stopped` leaves one stopped by hand stopped (components/docker/lab.ts). An unhealthy one that keeps
        // running is left as it is: restarting on unhealthy is an open request (moby/moby issues 28400, 49161).
        "| a container that exits | Docker starts it again (restart: unless-stopped); one stopped with `docker stop` " +
            "stays stopped until `docker start` or the next `pulumi up` |",
        "| an unhealthy container | reported by its Docker healthcheck, not restarted: restart policies act when a " +
            "container exits |",
        "| load balancer | one HAProxy container, no standby: while it is down or restarting, nothing reaches the " +
            "gateways or the dashboard |",
        `| database | one ${f.database} container, its data on a Docker volume: no standby, no failover |`,
        "| fallback export | none: the lab runs no fallback export |",
    ].join("\n");
}

/** The report for a stack: API7 2.x's etcd figures, the lab's for deploy.target docker, the AWS figures otherwise. */
export function stackReport(stack: string): string {
    const settings = stackSettings(stack);
    if (settings.generation === "2.x") return renderEtcdReport(stack, settings);
    return settings.target === "docker"
        ? renderLabReport(stack, labFigures(settings))
        : renderReport(stack, haFigures(settings));
}

/**
 * How `npm run report` ends on an error it expects (sysexits.h): 66 EX_NOINPUT for a stack with no stack file, 65
 * EX_DATAERR for a stack file the program refuses (each problem named by its config key, as `pulumi up` names it).
 * Anything else is a bug and keeps its stack trace.
 */
export function reportFailure(err: unknown): { readonly code: number; readonly message: string } | undefined {
    if (err instanceof UnknownStackError) return { code: 66, message: `npm run report: ${err.message}` };
    if (err instanceof ConfigError) return { code: 65, message: `npm run report: ${err.message}` };
    if (err instanceof AssumptionError) return { code: 64, message: `npm run report: ${err.message}` };
    return undefined;
}

/** The cost part of the report, for an AWS stack: from the resources the program declares for it. */
export async function stackCost(stack: string, assumptions: Assumptions): Promise<string | undefined> {
    const settings = stackSettings(stack);
    if (settings.target === "docker" || settings.generation === "2.x") return undefined;
    const run = await runProgram({ stack: stack as StackName });
    const region = String(readStackConfig(stack)["aws:region"] ?? "us-east-1");
    return renderCost(region, costLines(run.resources, assumptions), assumptions);
}

if (require.main === module) {
    const [stack, ...rest] = process.argv.slice(2);
    if (!stack) {
        console.error("usage: npm run report -- <stack> [--assume name=value,...]");
        process.exit(64); // EX_USAGE
    }
    void (async () => {
        try {
            const assumptions = parseAssumptions(rest);
            console.log(stackReport(stack));
            const cost = await stackCost(stack, assumptions);
            if (cost) console.log(`\n${cost}`);
        } catch (err) {
            const failure = reportFailure(err);
            if (!failure) throw err;
            console.error(failure.message);
            process.exit(failure.code);
        }
    })();
}
