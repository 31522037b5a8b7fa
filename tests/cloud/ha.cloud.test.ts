/**
 * Against real AWS, run on purpose with `npm run test:cloud` (never by `npm test`: jest.config.js leaves tests/cloud
 * out): brings a throwaway copy of the dev stack up with the Automation API, waits until every gateway is healthy
 * in the load balancer, sends requests through it, stops one gateway and checks that requests keep being served,
 * and destroys everything at the end, also on failure.
 *
 * Needs the Pulumi CLI and the AWS CLI on PATH, AWS credentials, and API7_HA_LICENSE_FILE (an API7 license) and
 * API7_HA_ADMIN_PASSWORD set; it fails, naming what is missing, without them. dev's database is managed: the
 * program creates it. With API7_HA_GATEWAY_TOKEN set the gateways use it and start at once; without it they wait
 * for the token the control plane's bootstrap issues, so their health then depends on the control plane too. It
 * costs real money while it runs (about 30 minutes of a dev stack). tests/integration/deploys.test.ts evaluates
 * the same settings under the mocks on every `npm test`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { awsStackOutputs } from "../../components/outputs";
import { readStackConfig, ROOT } from "../../tools/harness";
import { aws, gatewayHosts, targetStates } from "../integration/aws";
import { FAST_DETECTION, secretsOf } from "../integration/cloud-settings";

function whyNotRun(): string | undefined {
    if (spawnSync("pulumi", ["version"]).status !== 0) return "the Pulumi CLI is not on PATH";
    if (spawnSync("aws", ["--version"]).status !== 0) return "the AWS CLI is not on PATH";
    if (spawnSync("aws", ["sts", "get-caller-identity"]).status !== 0)
        return "no AWS credentials (aws sts get-caller-identity failed)";
    for (const variable of ["API7_HA_LICENSE_FILE", "API7_HA_ADMIN_PASSWORD"]) {
        if (!process.env[variable]) return `${variable} is not set`;
    }
    return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 15 s until it holds; a check that throws (see gatewayHosts) ends the wait at once. */
async function until(what: string, minutes: number, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + minutes * 60_000;
    while (Date.now() < deadline) {
        if (await check()) return;
        await sleep(15_000);
    }
    throw new Error(`timed out after ${minutes} min waiting for ${what}`);
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

describe("real AWS: gateways stay reachable when one stops", () => {
    // Run on purpose (npm run test:cloud): what it needs and lacks fails it, naming the missing piece.
    beforeAll(() => {
        const reason = whyNotRun();
        if (reason) throw new Error(`cannot run against real AWS: ${reason}`);
    });

    test(
        "up, all targets healthy, requests served, one gateway stopped, requests still served, destroy",
        async () => {
            const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
            const stackName = `integration-${Date.now().toString(36)}`;
            const stack = await LocalWorkspace.createStack({ stackName, workDir: ROOT });
            const log = (text: string) => process.stdout.write(text);
            try {
                // dev's settings, leaf by leaf as `pulumi config set --path` sets them, plus fast detection.
                const settings: Record<string, { value: string }> = {};
                const flatten = (prefix: string, value: unknown): void => {
                    if (Array.isArray(value)) value.forEach((v, i) => flatten(`${prefix}[${i}]`, v));
                    else if (value !== null && typeof value === "object")
                        for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v);
                    else settings[prefix] = { value: String(value) };
                };
                for (const [key, value] of Object.entries(readStackConfig("dev")))
                    flatten(key, value.startsWith("{") || value.startsWith("[") ? JSON.parse(value) : value);
                for (const [key, value] of Object.entries(FAST_DETECTION))
                    settings[`api7-ha:${key}`] = { value: String(value) };
                await stack.setAllConfig(settings, true);
                const secrets = secretsOf({
                    license: fs.readFileSync(process.env.API7_HA_LICENSE_FILE!, "utf8").trim(),
                    adminPassword: process.env.API7_HA_ADMIN_PASSWORD!,
                    gatewayToken: process.env.API7_HA_GATEWAY_TOKEN,
                });
                await stack.setAllConfig(
                    Object.fromEntries(
                        Object.entries(secrets).map(([key, value]) => [`api7-ha:${key}`, { value, secret: true }]),
                    ),
                );
                await stack.up({ onOutput: log });
                // `stack.outputs()` maps each output to {value, secret}; the values are what the schema describes.
                const outputs = awsStackOutputs.parse(
                    Object.fromEntries(
                        Object.entries(await stack.outputs()).map(([key, output]) => [key, output.value]),
                    ),
                );
                const url = `${outputs.gatewayUrls.http}/`;
                const [tg] = outputs.gatewayTargetGroupArns;

                let gateways: string[] = [];
                await until("every gateway healthy in the load balancer", 25, () => {
                    gateways = gatewayHosts(outputs);
                    const states = targetStates(tg, outputs.region);
                    return gateways.length >= 2 && gateways.every((id) => states[id] === "healthy");
                });
                for (let i = 0; i < 20; i++) expect(await served(url)).toBe(true);

                const [victim] = gateways;
                aws(["ec2", "stop-instances", "--instance-ids", victim, "--region", outputs.region]);
                await until(
                    `${victim} out of rotation`,
                    10,
                    () => targetStates(tg, outputs.region)[victim] !== "healthy",
                );
                for (let i = 0; i < 30; i++) expect(await served(url)).toBe(true);
            } finally {
                await stack.destroy({ onOutput: log });
                await stack.workspace.removeStack(stackName);
                fs.rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
            }
        },
        90 * 60_000,
    );
});
