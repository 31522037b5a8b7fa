// Jest's Node environment plus two things. First: When the program fails inside an apply (as it should on a bad
// bring-your-own subnet), every resource waiting on that value rejects too, unhandled, after the harness has
// already reported the failure. Those echoes are absorbed here, on the real process (a test file only sees a copy
// of `process`); any other unhandled rejection still crashes the run. Second, a per-worker cache of evaluations.
const { TestEnvironment } = require("jest-environment-node");

const reported = new Set();
process.on("unhandledRejection", (reason) => {
    // Duck-typed: the error was made in the test's realm, so it is no `instanceof` this realm's Error.
    const message = reason && typeof reason === "object" ? reason.message : undefined;
    // The SDK may wrap it ("error serializing property ...: <message>").
    if (typeof message === "string" && [...reported].some((m) => message.includes(m))) return;
    throw reason;
});

// Evaluations of the program, by their options, shared by the test files this worker runs (as JSON: each file
// has its own realm). The same stack evaluated by seven test files costs one evaluation.
const evaluations = new Map();

module.exports = class Api7Environment extends TestEnvironment {
    constructor(config, context) {
        super(config, context);
        this.global.__api7ReportedProgramError = (message) => reported.add(message);
        this.global.__api7Evaluations = evaluations;
    }
};
