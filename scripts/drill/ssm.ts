/**
 * One shell command on hosts through SSM Run Command, waited for: send-command, then get-command-invocation per host
 * until each ends (scripts/drill/aws.ts reads the answers).
 */
import { SetupError } from "./args";
import { invocationArgs, invocationState, parseCommandId, sendCommandArgs, type InvocationState } from "./aws";
import { commandFailure, runCommand, sleep } from "./io";

/** How often get-command-invocation is asked. */
const SSM_POLL_MS = 1000;

export type Ended = Exclude<InvocationState, { kind: "waiting" }>;

/**
 * Sends `command` to `ids` and waits for every host's end, at most `deadlineMs` (then: failed, "still <status>").
 * A send that fails is a SetupError; the hosts' ends are returned in the order of `ids`.
 */
export async function runOnHosts(
    region: string,
    ids: readonly string[],
    command: string,
    comment: string,
    deadlineMs: number,
): Promise<{ readonly commandId: string; readonly ends: Ended[] }> {
    const sent = await runCommand("aws", sendCommandArgs(region, ids, command, comment));
    if (sent.code !== 0) throw new SetupError(commandFailure(`aws ssm send-command (${comment})`, sent));
    const commandId = parseCommandId(sent.stdout);
    const ends = await Promise.all(ids.map((id) => waitForInvocation(region, commandId, id, deadlineMs)));
    return { commandId, ends };
}

/** Polls until a terminal status. Not cut short by Ctrl-C: a command is seen through, so the drill knows where it stands. */
async function waitForInvocation(
    region: string,
    commandId: string,
    instanceId: string,
    deadlineMs: number,
): Promise<Ended> {
    const deadline = performance.now() + deadlineMs;
    for (;;) {
        const state = invocationState(await runCommand("aws", invocationArgs(region, commandId, instanceId)));
        if (state.kind !== "waiting") return state;
        if (performance.now() + SSM_POLL_MS > deadline)
            return { kind: "failed", status: `still ${state.status} after ${deadlineMs / 1000} s`, detail: "" };
        await sleep(SSM_POLL_MS);
    }
}

/** "i-1: Failed (detail)" for each host that did not succeed. */
export function failures(ids: readonly string[], ends: readonly Ended[]): string[] {
    return ends.flatMap((e, i) =>
        e.kind === "success" ? [] : [`${ids[i]}: ${e.status}${e.detail ? ` (${e.detail})` : ""}`],
    );
}
