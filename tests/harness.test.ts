/** The harness itself: what it adds to Pulumi's mock runtime must work, or every other test proves less. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyDocumentJson } from "../tools/policy-document";
import { ProgramError, runProgram, type EvaluationStore } from "../tools/harness";

/** tests/evaluations.js and tests/sequencer.js, as jest loads them (plain JavaScript). */
const { Evaluations } = require("./evaluations") as { Evaluations: new (dir?: string) => EvaluationStore };
const { checkFirst } = require("./sequencer") as { checkFirst: (tests: { path: string }[]) => { path: string }[] };

test("a duplicate (type, name) fails the evaluation, as a duplicate URN fails a deployment", async () => {
    const error = await runProgram({ stack: "dev", program: "tests/fixtures/duplicate-urn.ts" }).catch(
        (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProgramError);
    expect((error as ProgramError).message).toBe(
        "duplicate resource (type, name), which the engine rejects as a duplicate URN: aws:ec2/vpc:Vpc::dup",
    );
});

test("getPolicyDocument statements become the provider's JSON shape", () => {
    const json = policyDocumentJson({
        statements: [
            { sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"] },
            {
                effect: "Deny",
                principals: [{ type: "*", identifiers: ["*"] }],
                actions: ["s3:*"],
                resources: ["x"],
                conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
            },
        ],
    });
    expect(JSON.parse(json)).toEqual({
        Version: "2012-10-17",
        Statement: [
            { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"] },
            {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: "x",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
});

test("an evaluation one worker stores is found by another worker of the run, and only under the same options", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-evaluations-test-"));
    try {
        const [one, other] = [new Evaluations(dir), new Evaluations(dir)];
        expect(other.get('{"stack":"prod"}')).toBeUndefined();
        one.set('{"stack":"prod"}', '{"ok":1}');
        expect(other.get('{"stack":"prod"}')).toBe('{"ok":1}');
        expect(other.get('{"stack":"dev"}')).toBeUndefined();
        // Nothing is left half-written beside the stored one.
        expect(fs.readdirSync(dir)).toHaveLength(1);
        // Without a directory (a run without tests/global-setup.js): this worker's memory only.
        const alone = new Evaluations(undefined);
        alone.set('{"stack":"prod"}', '{"ok":2}');
        expect([alone.get('{"stack":"prod"}'), new Evaluations(undefined).get('{"stack":"prod"}')]).toEqual([
            '{"ok":2}',
            undefined,
        ]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("jest runs the type and lint check first, and everything else in its own order", () => {
    const order = [
        "/r/tests/host-scripts.test.ts",
        "/r/tests/bootstrap.test.ts",
        "/r/tests/check.test.ts",
        "/r/tests/x-check.test.ts",
        "/r/tests/config.test.ts",
    ];
    expect(checkFirst(order.map((p) => ({ path: p }))).map((t) => path.basename(t.path))).toEqual([
        "check.test.ts",
        "host-scripts.test.ts",
        "bootstrap.test.ts",
        "x-check.test.ts",
        "config.test.ts",
    ]);
});
