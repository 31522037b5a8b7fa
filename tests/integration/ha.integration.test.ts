/**
 * Opt-in, against real AWS: brings a throwaway copy of the dev stack up with the Automation API, waits until every
 * gateway is healthy in the load balancer, sends requests through it, stops one gateway and checks that requests
 * keep being served, and destroys everything at the end, also on failure.
 *
 * Runs only with API7_HA_INTEGRATION=1, the Pulumi CLI and the AWS CLI on PATH, AWS credentials, and
 * API7_HA_DATABASE_DSN, API7_HA_LICENSE_FILE (an API7 license) and API7_HA_ADMIN_PASSWORD set. With
 * API7_HA_GATEWAY_TOKEN set the gateways use it and start at once; without it they wait for the token the control
 * plane's bootstrap issues, so their health then depends on the control plane too. Otherwise it is reported
 * skipped, with the reason in its name. It costs real money while it runs (about 30 minutes of a dev stack).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readStackConfig, ROOT } from "../../tools/harness";

function whyNotRun(): string | undefined {
    if (process.env.API7_HA_INTEGRATION !== "1") return "set API7_HA_INTEGRATION=1 to run it against real AWS";
    if (spawnSync("pulumi", ["version"]).status !== 0) return "the Pulumi CLI is not on PATH";
    if (spawnSync("aws", ["--version"]).status !== 0) return "the AWS CLI is not on PATH";
    if (spawnSync("aws", ["sts", "get-caller-identity"]).status !== 0) return "no AWS credentials (aws sts get-caller-identity failed)";
    for (const variable of ["API7_HA_DATABASE_DSN", "API7_HA_LICENSE_FILE", "API7_HA_ADMIN_PASSWORD"]) {
        if (!process.env[variable]) return `${variable} is not set`;
    }
    return undefined;
}

function aws(...args: string[]): any {
    const r = spawnSync("aws", [...args, "--output", "json"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`aws ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, minutes: number, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + minutes * 60_000;
    while (Date.now() < deadline) {
        if (await check()) return;
        await sleep(15_000);
    }
    throw new Error(`timed out after ${minutes} min waiting for ${what}`);
}

function targetStates(targetGroupArn: string): Record<string, string> {
    const health = aws("elbv2", "describe-target-health", "--target-group-arn", targetGroupArn);
    return Object.fromEntries(health.TargetHealthDescriptions.map((d: any) => [d.Target.Id, d.TargetHealth.State]));
}

/** A request through the gateways' load balancer is served when the gateway answers (any status below 500). */
async function served(url: string): Promise<boolean> {
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        return res.status < 500;
    } catch {
        return false;
    }
}

const reason = whyNotRun();
const suite = reason ? describe.skip : describe;
// Jest names no test of a file it skips entirely, so say why here.
if (reason) console.info(`integration test skipped: ${reason}`);

suite(`real AWS: gateways stay reachable when one stops${reason ? ` (skipped: ${reason})` : ""}`, () => {
    test("up, all targets healthy, requests served, one gateway stopped, requests still served, destroy", async () => {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const stackName = `integration-${Date.now().toString(36)}`;
        const stack = await LocalWorkspace.createStack({ stackName, workDir: ROOT });
        const log = (text: string) => process.stdout.write(text);
        try {
            // dev's settings, leaf by leaf as `pulumi config set --path` sets them, plus fast detection so the test
            // does not wait out the seed's 30 s x 3; the secrets as keys of their own.
            const settings: Record<string, { value: string }> = {};
            const flatten = (prefix: string, value: unknown): void => {
                if (Array.isArray(value)) value.forEach((v, i) => flatten(`${prefix}[${i}]`, v));
                else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v);
                else settings[prefix] = { value: String(value) };
            };
            for (const [key, value] of Object.entries(readStackConfig("dev"))) flatten(key, value.startsWith("{") || value.startsWith("[") ? JSON.parse(value) : value);
            Object.assign(settings, {
                "api7-ha:dataPlane.healthCheck.intervalSeconds": { value: "5" },
                "api7-ha:dataPlane.healthCheck.timeoutSeconds": { value: "3" },
                "api7-ha:dataPlane.healthCheck.unhealthyThreshold": { value: "2" },
            });
            await stack.setAllConfig(settings, true);
            await stack.setAllConfig({
                "api7-ha:databaseDsn": { value: process.env.API7_HA_DATABASE_DSN!, secret: true },
                "api7-ha:license": { value: fs.readFileSync(process.env.API7_HA_LICENSE_FILE!, "utf8").trim(), secret: true },
                "api7-ha:adminPassword": { value: process.env.API7_HA_ADMIN_PASSWORD!, secret: true },
                ...(process.env.API7_HA_GATEWAY_TOKEN ? { "api7-ha:gatewayToken": { value: process.env.API7_HA_GATEWAY_TOKEN, secret: true } } : {}),
            });
            await stack.up({ onOutput: log });
            const outputs = await stack.outputs();
            const url = `${outputs.gatewayUrls.value.http}/`;
            const [tg] = outputs.gatewayTargetGroupArns.value as string[];
            const gateways = outputs.dataPlaneInstanceIds.value as string[];

            await until("every gateway healthy in the load balancer", 25, () => {
                const states = targetStates(tg);
                return gateways.every((id) => states[id] === "healthy");
            });
            for (let i = 0; i < 20; i++) expect(await served(url)).toBe(true);

            const [victim] = gateways;
            aws("ec2", "stop-instances", "--instance-ids", victim);
            await until(`${victim} out of rotation`, 10, () => targetStates(tg)[victim] !== "healthy");
            for (let i = 0; i < 30; i++) expect(await served(url)).toBe(true);
        } finally {
            await stack.destroy({ onOutput: log });
            await stack.workspace.removeStack(stackName);
            fs.rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
        }
    }, 90 * 60_000);
});
