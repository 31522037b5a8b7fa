/**
 * The stop and the restore of one fault: `docker stop`/`docker start` of lab containers, or `systemctl stop`/`start`
 * of API7 units on AWS hosts through SSM Run Command.
 */
import { SetupError, type Drill } from "./args";
import { chooseInstances, describeGroupArgs, sendCommandArgs } from "./aws";
import { commandFailure, runCommand } from "./io";
import type { FaultPlan } from "./plan";
import { describeTargets } from "./results";
import { failures, runOnHosts } from "./ssm";

/**
 * `docker stop`'s grace period before SIGKILL. `-t` is the short flag of `--time` in older CLIs and of `--timeout`
 * in current ones, where `--time` is deprecated (docker/cli cli/command/container/stop.go @f48c29c0:
 * `IntVarP(&opts.timeout, "timeout", "t", ...)`, `MarkDeprecated("time", "use --timeout instead")`;
 * docs/reference/commandline/container_stop.md @b00668d4), so `-t` works on both without a deprecation warning.
 */
const DOCKER_STOP_SECONDS = 10;
/** SSM Run Command: how long a systemctl stop or start may take in all. */
const SSM_DEADLINE_MS = 180_000;

/** The stop and start of one fault, on either target; `stop` records what it touched before touching it. */
export interface Fault {
    readonly touched: () => readonly string[];
    readonly description: () => string;
    stop(): Promise<void>;
    restore(): Promise<void>;
    readonly manualRestore: () => string;
}

export function dockerFault(plan: Extract<FaultPlan, { kind: "docker" }>): Fault {
    const touched: string[] = [];
    const description = () => touched.join(" ");
    return {
        touched: () => touched,
        description,
        async stop() {
            for (const name of plan.containers) {
                touched.push(name);
                // docker stop waits until the container has exited and prints its name
                // (docs/reference/commandline/container_stop.md @b00668d4).
                const args = ["stop", "-t", String(DOCKER_STOP_SECONDS), name];
                const r = await runCommand("docker", args);
                if (r.code !== 0) throw new SetupError(commandFailure(`docker ${args.join(" ")}`, r));
            }
        },
        async restore() {
            const failures: string[] = [];
            for (const name of touched) {
                // docker start of a running container does nothing and succeeds, so a container whose stop failed
                // half-way is started too (docs/reference/commandline/container_start.md @d32f0484).
                const args = ["start", name];
                const r = await runCommand("docker", args);
                if (r.code !== 0) failures.push(commandFailure(`docker ${args.join(" ")}`, r));
            }
            if (failures.length > 0) throw new Error(failures.join("; "));
        },
        manualRestore: () => touched.map((n) => `docker start ${n}`).join(" && "),
    };
}

/**
 * On a host, `docker stop` alone would not last: api7@.service has Restart=always and RestartSec=5, so systemd
 * starts the container again. `systemctl stop` does last: "the service will not be restarted if ... the service is
 * stopped with systemctl stop or an equivalent operation" (systemd/systemd man/systemd.service.xml @7910079d,
 * Restart=); the unit's ExecStop (docker stop --time 30) stops the container.
 */
export function awsFault(plan: Extract<FaultPlan, { kind: "aws" }>, stack: string, drill: Drill): Fault {
    let instances: string[] = [];
    const units = plan.units.join(" ");
    const description = () => describeTargets(plan, instances);
    const runOn = async (verb: "stop" | "start", ids: readonly string[]) => {
        const { commandId, ends } = await runOnHosts(
            plan.region,
            ids,
            `systemctl ${verb} ${units}`,
            `api7-ha drill ${drill} on ${stack}: ${verb} ${units}`,
            SSM_DEADLINE_MS,
        );
        const failed = failures(ids, ends);
        if (failed.length > 0)
            throw new SetupError(
                `systemctl ${verb} ${units} (SSM command ${commandId}) did not succeed: ${failed.join("; ")}`,
            );
    };
    return {
        touched: () => instances,
        description,
        async stop() {
            const args = describeGroupArgs(plan.group, plan.region);
            const described = await runCommand("aws", args);
            if (described.code !== 0)
                throw new SetupError(
                    commandFailure(`aws autoscaling describe-auto-scaling-groups (${plan.group})`, described),
                );
            // Recorded before sending: a command that fails on one host may still have stopped the unit on another.
            instances = chooseInstances(described.stdout, plan.group, plan.allHosts);
            await runOn("stop", instances);
        },
        async restore() {
            if (instances.length > 0) await runOn("start", instances);
        },
        manualRestore: () =>
            `aws ${sendCommandArgs(plan.region, instances, `systemctl start ${units}`, "restore")
                .map((a) => (/^[\w@./:=-]+$/.test(a) ? a : `'${a}'`))
                .join(" ")}`,
    };
}
