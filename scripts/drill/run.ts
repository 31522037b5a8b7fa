/**
 * One drill from start to end: the outputs, the baseline, the fault, the probe, and the restore of whatever the
 * fault touched.
 */
import { BASELINE_REQUESTS, EXIT, SetupError, type DrillArgs } from "./args";
import { awsFault, dockerFault } from "./faults";
import { awsGatewayStep, dockerGatewayStep, type GatewayStep } from "./gateway";
import { commandFailure, getOf, probe, runCommand, type Send } from "./io";
import { DRILL_UPSTREAM_ID, etcdThroughDashboard } from "./dashboard-v2";
import { faultPlan, gatewayPlan, parseStackOutputs, probeTarget, type ProbeTarget } from "./plan";
import { renderResult, renderSummary, summarize } from "./results";

export interface DrillIo {
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    /** Set while a fault may be in place: what to run by hand if the runner quits before it restores. */
    restoreHint?: () => string;
}

/** Reads the outputs, runs the drill, restores; returns the exit code (README, "Failover drills"). */
export async function runDrill(args: DrillArgs, io: DrillIo, signal: AbortSignal): Promise<number> {
    const outputsArgs = ["stack", "output", "--json", "--show-secrets", "--stack", args.stack];
    const outputsRun = await runCommand("pulumi", outputsArgs);
    if (outputsRun.code !== 0) throw new SetupError(commandFailure(`pulumi ${outputsArgs.join(" ")}`, outputsRun));
    const outputs = parseStackOutputs(args.stack, outputsRun.stdout);
    const plan = faultPlan(args.drill, outputs);
    const target = probeTarget(args.drill, outputs);
    const gateway = args.gateway === undefined ? undefined : gatewayPlan(args.gateway, outputs);
    const step: GatewayStep | undefined =
        gateway === undefined
            ? undefined
            : gateway.kind === "docker"
              ? dockerGatewayStep(gateway)
              : awsGatewayStep(gateway, args.stack);
    io.out(`drill: ${args.drill}  stack: ${args.stack}  target: ${outputs.target}`);
    const { send, shown, cleanUp } = await prober(target, args.stack);

    const baseline = await probe(send, BASELINE_REQUESTS, args.intervalMs, signal);
    const answered = baseline.answers.filter((a) => a.ok).length;
    const lastFailure = baseline.answers.filter((a) => !a.ok).at(-1);
    io.out(
        `baseline: ${answered} of ${baseline.answers.length} answered${lastFailure ? ` (${shown}: ${lastFailure.detail})` : ""}`,
    );
    if (signal.aborted) {
        io.out("result: interrupted, nothing stopped");
        return EXIT.interrupted;
    }
    if (answered < BASELINE_REQUESTS) {
        io.out("result: not healthy before the drill, nothing stopped");
        return EXIT.setup;
    }
    // What the gateway step acts on is found before anything is stopped.
    try {
        await step?.prepare();
    } catch (e) {
        io.out(`gateway: FAILED: ${errorMessage(e)}`);
        io.out("result: the gateway step cannot act, nothing stopped");
        return EXIT.setup;
    }

    const fault = plan.kind === "docker" ? dockerFault(plan) : awsFault(plan, args.stack, args.drill);
    io.restoreHint = () => (fault.touched().length > 0 ? fault.manualRestore() : "nothing was stopped yet");
    let code: number;
    let result: string;
    const faultStartS = Math.floor(Date.now() / 1000);
    let stepRan = false;
    try {
        await fault.stop();
        if (signal.aborted) {
            code = EXIT.interrupted;
            result = "result: interrupted";
        } else {
            io.out(`fault: stopped ${fault.description()}`);
            const more = step ? ", and until the gateway step ends" : "";
            io.out(`probe: ${shown} (${args.requests} requests, every ${args.intervalMs} ms${more})`);
            stepRan = step !== undefined;
            const acting = step?.run(signal);
            const run = await probe(send, args.requests, args.intervalMs, signal, acting);
            const stepEnd = acting ? await settle(acting, signal) : undefined;
            if (stepEnd) io.out(stepEnd.line);
            const summary = summarize(run.answers, run.endMs);
            io.out(renderSummary(summary));
            if (signal.aborted) {
                code = EXIT.interrupted;
                result = "result: interrupted";
            } else if (stepEnd?.failed) {
                code = EXIT.setup;
                result = "result: the gateway step failed, nothing judged";
            } else if (stepEnd?.notServing !== undefined) {
                code = EXIT.notHeld;
                const traffic =
                    summary.failed === 0
                        ? "service held"
                        : `service NOT held (${summary.failed} of ${summary.sent} failed)`;
                result = `result: ${traffic}, and the gateway did NOT serve during the outage (${stepEnd.notServing})`;
            } else {
                code = summary.failed === 0 ? EXIT.held : EXIT.notHeld;
                result = renderResult(summary);
            }
        }
    } catch (e) {
        io.out(`fault: FAILED: ${errorMessage(e)}`);
        code = EXIT.setup;
        result = "result: fault injection failed, nothing probed";
    }
    // Whatever happened above: everything the fault touched is started again.
    if (fault.touched().length > 0) {
        try {
            await fault.restore();
            io.out(`restored: ${fault.description()}`);
        } catch (e) {
            io.out(`restore: FAILED: ${errorMessage(e)}; restore by hand: ${fault.manualRestore()}`);
            code = EXIT.restoreFailed;
        }
    }
    io.restoreHint = undefined;
    if (cleanUp) {
        // What the probe wrote is removed; left behind, it changes no traffic (no route uses it).
        try {
            await cleanUp.run();
            io.out(`cleaned up: ${cleanUp.what}`);
        } catch (e) {
            io.out(`clean-up: FAILED: ${errorMessage(e)}; delete ${cleanUp.what} in the dashboard`);
        }
    }
    if (step && stepRan) {
        try {
            // No wait for returns when the control plane could not be started again.
            await step.report(faultStartS, code !== EXIT.restoreFailed, signal, io.out);
        } catch (e) {
            io.out(`standalone: unknown (${errorMessage(e)})`);
        }
    }
    io.out(result);
    return code;
}

/**
 * The gateway step's end: its line and why it did not serve; a step that could not act (a setup failure: nothing
 * judged); or, on Ctrl-C, not waited for (the command goes on on the host, the drill restores at once).
 */
async function settle(
    acting: Promise<{ readonly line: string; readonly notServing?: string }>,
    signal: AbortSignal,
): Promise<{ readonly line: string; readonly notServing?: string; readonly failed?: true }> {
    const interrupted = new Promise<undefined>((resolve) => {
        if (signal.aborted) resolve(undefined);
        signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    try {
        const done = await Promise.race([acting, interrupted]);
        return done ?? { line: "gateway: interrupted before it served again (a command sent goes on on the host)" };
    } catch (e) {
        return { line: `gateway: FAILED: ${errorMessage(e)}`, failed: true };
    }
}

/**
 * One probe request, as shown in the report, and what to remove afterwards: a GET, or (the etcd drill) a write and a
 * read through the 2.x dashboard, logged in with the stack's adminPassword as `pulumi config get --json` prints it
 * ({value, secret}, the value decrypted: pulumi/pulumi pkg/cmd/pulumi/config/config.go getConfig @1b594989).
 */
async function prober(
    target: ProbeTarget,
    stack: string,
): Promise<{ send: Send; shown: string; cleanUp?: { what: string; run: () => Promise<void> } }> {
    if (target.kind === "get") return { send: getOf(target.url), shown: target.url };
    const configArgs = ["config", "get", "adminPassword", "--json", "--stack", stack];
    const got = await runCommand("pulumi", configArgs);
    if (got.code !== 0) throw new SetupError(commandFailure(`pulumi ${configArgs.join(" ")}`, got));
    let password: unknown;
    try {
        password = (JSON.parse(got.stdout) as { value?: unknown }).value;
    } catch {
        password = undefined;
    }
    if (typeof password !== "string") throw new SetupError(`pulumi ${configArgs.join(" ")}: no value printed`);
    const etcd = await etcdThroughDashboard(target.dashboardUrl, password);
    return {
        send: () => etcd.round(),
        shown: `etcd through ${target.dashboardUrl} (write and read of upstream ${DRILL_UPSTREAM_ID})`,
        cleanUp: { what: `upstream ${DRILL_UPSTREAM_ID}`, run: () => etcd.cleanUp() },
    };
}

export function errorMessage(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
