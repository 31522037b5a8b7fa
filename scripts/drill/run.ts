/**
 * One drill from start to end: the outputs, the baseline, the fault, the probe, and the restore of whatever the
 * fault touched.
 */
import { BASELINE_REQUESTS, EXIT, SetupError, type DrillArgs } from "./args";
import { awsFault, dockerFault } from "./faults";
import { awsGatewayStep, dockerGatewayStep, type GatewayStep } from "./gateway";
import { commandFailure, probe, runCommand } from "./io";
import { faultPlan, gatewayPlan, parseStackOutputs, probeUrl } from "./plan";
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
    const url = probeUrl(args.drill, outputs);
    const gateway = args.gateway === undefined ? undefined : gatewayPlan(args.gateway, outputs);
    const step: GatewayStep | undefined =
        gateway === undefined
            ? undefined
            : gateway.kind === "docker"
              ? dockerGatewayStep(gateway)
              : awsGatewayStep(gateway, args.stack);
    io.out(`drill: ${args.drill}  stack: ${args.stack}  target: ${outputs.target}`);

    const baseline = await probe(url, BASELINE_REQUESTS, args.intervalMs, signal);
    const answered = baseline.answers.filter((a) => a.ok).length;
    const lastFailure = baseline.answers.filter((a) => !a.ok).at(-1);
    io.out(
        `baseline: ${answered} of ${baseline.answers.length} answered${lastFailure ? ` (${url}: ${lastFailure.detail})` : ""}`,
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
            io.out(`probe: ${url} (${args.requests} requests, every ${args.intervalMs} ms${more})`);
            stepRan = step !== undefined;
            const acting = step?.run(signal);
            const run = await probe(url, args.requests, args.intervalMs, signal, acting);
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

export function errorMessage(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
