/** The harness itself: what it adds to Pulumi's mock runtime must work, or every other test proves less. */
import { policyDocumentJson } from "./policy-document";
import { ProgramError, runProgram } from "./harness";

test("a duplicate (type, name) fails the evaluation, as a duplicate URN fails a deployment", async () => {
    const error = await runProgram({ stack: "dev", program: "tests/fixtures/duplicate-urn.ts" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProgramError);
    expect((error as ProgramError).message).toBe("duplicate resource (type, name), which the engine rejects as a duplicate URN: aws:ec2/vpc:Vpc::dup");
});

test("getPolicyDocument statements become the provider's JSON shape", () => {
    const json = policyDocumentJson({
        statements: [
            { sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"] },
            { effect: "Deny", principals: [{ type: "*", identifiers: ["*"] }], actions: ["s3:*"], resources: ["x"], conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] },
        ],
    });
    expect(JSON.parse(json)).toEqual({
        Version: "2012-10-17",
        Statement: [
            { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"] },
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "x", Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ],
    });
});
