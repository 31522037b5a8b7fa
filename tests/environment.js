// Jest's Node environment, plus the program's evaluator running natively in this worker.
//
// Tests evaluate index.ts under Pulumi's mock runtime many times. Inside jest's VM every test file would load the
// SDKs anew and run them at a fraction of native speed, so tests/evaluate.ts is loaded here, once per worker,
// through tsx's require hook, and tests reach it as globalThis.__api7Evaluate (JSON in, JSON out). Evaluations of
// the same options are shared by the test files of the worker (globalThis.__api7Evaluations).
//
// When a program fails inside an apply (as it should on a bad bring-your-own subnet), every resource waiting on
// that value rejects too, unhandled, after the failure was reported. Those echoes are absorbed here; any other
// unhandled rejection still crashes the run.
const path = require("path");
const { TestEnvironment } = require("jest-environment-node");

const reported = new Set();
process.on("unhandledRejection", (reason) => {
    const message = reason && typeof reason === "object" ? reason.message : undefined;
    // The SDK may wrap it ("error serializing property ...: <message>").
    if (typeof message === "string" && [...reported].some((m) => message.includes(m))) return;
    throw reason;
});

let evaluator;
function evaluate(optionsJson) {
    if (!evaluator) {
        require("tsx/cjs/api").register();
        evaluator = require(path.join(__dirname, "evaluate.ts"));
    }
    return evaluator.evaluateJson(optionsJson, (message) => reported.add(message));
}

const evaluations = new Map();

module.exports = class Api7Environment extends TestEnvironment {
    constructor(config, context) {
        super(config, context);
        this.global.__api7Evaluate = evaluate;
        this.global.__api7Evaluations = evaluations;
    }
};
