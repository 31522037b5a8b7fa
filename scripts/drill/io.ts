/**
 * Processes, sockets and the clock: running a CLI, sending one probe request, pacing the probe.
 */
import { spawn } from "child_process";
import * as http from "http";
import * as https from "https";
import { REQUEST_TIMEOUT_MS } from "./args";
import type { ProbeAnswer } from "./results";

export interface CommandResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs a CLI without a shell. `detached` puts it in its own process group: a Ctrl-C in the terminal then reaches
 * only the drill runner, which finishes the step, restores, and exits, instead of killing a restore half-way.
 */
export function runCommand(command: string, args: readonly string[]): Promise<CommandResult> {
    return new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("error", (e: NodeJS.ErrnoException) => {
            resolve({ code: 127, stdout, stderr: e.code === "ENOENT" ? `${command}: not found on PATH` : e.message });
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** "<what was run>: exit <code>: <first lines of stderr>". */
export function commandFailure(shown: string, r: CommandResult): string {
    return `${shown}: exit ${r.code ?? "signal"}${r.stderr.trim() ? `: ${firstLines(r.stderr)}` : ""}`;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
        if (ms <= 0 || signal?.aborted) return resolve();
        const timer = setTimeout(done, ms);
        function done() {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        }
        signal?.addEventListener("abort", done, { once: true });
    });

/**
 * One request on a connection of its own (agent: false), so the load balancer picks a backend for each request
 * instead of reusing one kept-alive connection to the same backend. A response with a status below 500 counts as
 * answered: a gateway with no matching route answers 404, which is still the gateway answering; 5xx (the load
 * balancer's 502/503 with no backend, a gateway's upstream errors) and no response at all count as failed.
 * TLS certificates are not checked (rejectUnauthorized: false): the lab's dashboard has a self-signed certificate
 * and an ALB's certificate names a domain, not the load balancer's DNS name; the drill tests availability, not
 * identity. (Node's global fetch has no per-request switch for that; the https module does.)
 */
function probeOnce(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    return new Promise((resolve) => {
        const target = new URL(url);
        const mod = target.protocol === "https:" ? https : http;
        let settled = false;
        const finish = (ok: boolean, detail: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ ok, detail });
        };
        const req = mod.request(
            target,
            { method: "GET", agent: false, rejectUnauthorized: false, headers: { "User-Agent": "api7-ha-drill" } },
            (res) => {
                const status = res.statusCode ?? 0;
                res.on("error", () => undefined);
                res.resume();
                finish(status > 0 && status < 500, `status ${status}`);
                req.destroy();
            },
        );
        const timer = setTimeout(() => {
            finish(false, "timeout");
            req.destroy();
        }, timeoutMs);
        req.on("error", (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
        req.end();
    });
}

/**
 * `count` requests, request i starting at i x intervalMs after the start (or when request i-1 ends, if later); with
 * `until`, more for as long as it has not settled.
 */
export async function probe(
    send: Send,
    count: number,
    intervalMs: number,
    signal: AbortSignal,
    until?: Promise<unknown>,
): Promise<{ answers: ProbeAnswer[]; endMs: number }> {
    const start = performance.now();
    const answers: ProbeAnswer[] = [];
    let settled = until === undefined;
    void until?.then(
        () => (settled = true),
        () => (settled = true),
    );
    for (let i = 0; (i < count || !settled) && !signal.aborted; i++) {
        await sleep(start + i * intervalMs - performance.now(), signal);
        if (signal.aborted) break;
        const r = await send();
        answers.push({ ...r, atMs: performance.now() - start });
    }
    return { answers, endMs: performance.now() - start };
}

/** One probe request: answered (ok) or not, and what happened. */
export type Send = () => Promise<{ ok: boolean; detail: string }>;

/** A GET of `url` as one probe request (probeOnce). */
export const getOf =
    (url: string): Send =>
    () =>
        probeOnce(url, REQUEST_TIMEOUT_MS);

/** Up to three non-blank lines of a command's output, joined, for a one-line report. */
export function firstLines(text: string): string {
    const lines = text
        .trim()
        .split("\n")
        .filter((l) => l.trim() !== "");
    return lines.slice(0, 3).join(" / ");
}
