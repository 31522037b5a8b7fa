/**
 * `npm run drill -- <stack> <drill> [--requests N] [--interval-ms M]`: a failover drill on a deployed stack of either
 * target: stop a gateway, a dashboard, a DP Manager or the whole control plane, and see whether the service behind the
 * load balancer keeps answering. API7 documents a data plane failure as breaking service unless the data plane is
 * highly available, and a control plane failure as stopping configuration changes, not service requests
 * (https://docs.api7.ai/enterprise/3.2.16.3/high-availability/overview, "API7 High Availability Architecture").
 *
 * 1. The stack's outputs, from `pulumi stack output --json --show-secrets --stack <stack>`.
 * 2. A baseline: BASELINE_REQUESTS requests through the load balancer must all be answered, or nothing is stopped.
 * 3. The fault: docker target, `docker stop` of lab containers; aws target, `systemctl stop api7@<service>` on hosts
 *    of the right Auto Scaling group through SSM Run Command.
 * 4. The probe: a bounded number of requests through the load balancer while the fault lasts.
 * 5. The restore of everything the fault touched, whatever happened (a failed or partial fault injection, a
 *    failed probe, Ctrl-C): `docker start`, or `systemctl start api7@<service>` through SSM.
 *
 * Output, exit codes and what "service held" means: README, "Failover drills". This entry point reads the command
 * line and handles signals; beside it, args.ts is the command line, plan.ts turns the outputs into a fault and a
 * probe URL, aws.ts and results.ts are the pure decisions of the AWS fault and of the report, io.ts runs
 * processes and requests, faults.ts stops and restores, run.ts runs one drill from start to end.
 */
import { EXIT, parseDrillArgs, USAGE, type DrillArgs } from "./args";
import { errorMessage, runDrill, type DrillIo } from "./run";

/**
 * One Ctrl-C can arrive more than once: the terminal signals the whole foreground process group, and `npm run`
 * forwards its own copy to the script (npm's @npmcli/run-script lib/signal-manager.js, forwardedSignals SIGINT and
 * SIGTERM; tsx relays what it gets to its child). Signals this soon after the first are taken for the same one.
 */
const SIGNAL_REPEAT_MS = 1000;

async function main(argv: readonly string[]): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return EXIT.held;
    }
    let args: DrillArgs;
    try {
        args = parseDrillArgs(argv);
    } catch (e) {
        process.stderr.write(`error: ${errorMessage(e)}\n${USAGE}\n`);
        return EXIT.setup;
    }
    const controller = new AbortController();
    const io: DrillIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
    let firstSignalAt: number | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
        const now = performance.now();
        if (firstSignalAt === undefined) {
            firstSignalAt = now;
            io.err(
                io.restoreHint
                    ? `${sig}: stopping the drill and restoring first (again, a second later, to quit without restoring)`
                    : `${sig}: stopping the drill (nothing is stopped now)`,
            );
            controller.abort();
            return;
        }
        if (now - firstSignalAt < SIGNAL_REPEAT_MS) return;
        io.err(
            `${sig} again: quitting without restoring${io.restoreHint ? `; restore by hand: ${io.restoreHint()}` : ""}`,
        );
        process.exit(EXIT.interrupted);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        return await runDrill(args, io, controller.signal);
    } catch (e) {
        io.err(`error: ${errorMessage(e)}`);
        return EXIT.setup;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(e);
            process.exit(EXIT.setup);
        },
    );
}
