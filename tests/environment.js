// Jest's Node environment, plus the program's evaluator running natively in this worker.
//
// Tests evaluate index.ts under Pulumi's mock runtime many times. Inside jest's VM every test file would load the
// SDKs anew and run them at a fraction of native speed, so tools/evaluate.ts is loaded here, once per worker,
// through tsx's require hook, and tests reach it as globalThis.__api7Evaluate (JSON in, JSON out). Successful
// evaluations of the same options are shared (globalThis.__api7Evaluations): by the test files of the worker in
// memory, and by the run's other workers as files in the directory tests/global-setup.js makes for the run.
//
// When a program fails inside an apply (as it should on a bad bring-your-own subnet), every resource waiting on
// that value rejects too, unhandled, after the failure was reported. Those echoes are absorbed here; any other
// unhandled rejection still crashes the run.
const path = require("path");
const { TestEnvironment } = require("jest-environment-node");
const { Evaluations } = require("./evaluations");

const reported = new Set();
process.on("unhandledRejection", (reason) => {
    const message = reason && typeof reason === "object" ? reason.message : undefined;
    // The SDK may wrap it ("error serializing property ...: <message>"), and the reported failure may itself be a
    // wrapped echo of the original, so either may contain the other. An echo can fire just before the failure is
    // reported (both settle in the same turn), so an unknown one is judged again a moment later.
    const known = () =>
        typeof message === "string" &&
        message !== "" &&
        [...reported].some((m) => message.includes(m) || m.includes(message));
    if (known()) return;
    setTimeout(() => {
        if (!known()) throw reason;
    }, 50);
});

// Every AsyncLocalStorage a test file creates is disabled when the file ends. Node 20 keeps each enabled one in a
// process-wide list and, for every promise created afterwards, calls each one's _propagate (nodejs/node v20.20.2
// lib/async_hooks.js, storageList and the init hook; disable() takes it off the list). jest-circus makes one per test
// file (jest-circus 30.5.2 build/jestAdapterInit.js, testExecutionContext), as does the SDK where a file loads it
// (@pulumi/pulumi 3.248.0 runtime/state.js): left enabled, a worker's later files paid for all its earlier ones on
// the mock runtime's many promises (measured in one process over the suite: 3.4 s in _propagate, and twice the GC).
// The SDK the evaluator loads once per worker serves every file, so its own is left alone.
const asyncHooks = require("async_hooks");
const NativeAsyncLocalStorage = asyncHooks.AsyncLocalStorage;
let created = [];
let loadingEvaluator = false;
asyncHooks.AsyncLocalStorage = class extends NativeAsyncLocalStorage {
    constructor(...args) {
        super(...args);
        if (!loadingEvaluator) created.push(this);
    }
};

let evaluator;
function evaluate(optionsJson) {
    if (!evaluator) {
        loadingEvaluator = true;
        try {
            require("tsx/cjs/api").register();
            evaluator = require(path.join(__dirname, "..", "tools", "evaluate.ts"));
        } finally {
            loadingEvaluator = false;
        }
    }
    // Jest puts its source-mapping formatter on this realm's Error (for its own internals); the SDK takes a stack
    // trace for every resource and promise, and through that formatter those cost seconds per run. The program's
    // errors reach tests as messages, so V8's own formatting serves. Jest sets its formatter again for each file.
    Error.prepareStackTrace = undefined;
    return evaluator.evaluateJson(optionsJson, (message) => reported.add(message));
}

const evaluations = new Evaluations(process.env.API7_EVALUATION_DIR);

module.exports = class Api7Environment extends TestEnvironment {
    constructor(config, context) {
        super(config, context);
        this.global.__api7Evaluate = evaluate;
        this.global.__api7Evaluations = evaluations;
    }

    async teardown() {
        for (const storage of created) storage.disable();
        created = [];
        await super.teardown();
    }
};
