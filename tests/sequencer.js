// Jest's own order (the slowest first when it knows the times, else the largest files first), with the type and lint
// check (tests/check.test.ts) before everything: it is the longest single item, and started last it would leave one
// worker alone at the end.
const Sequencer = require("@jest/test-sequencer").default;

const FIRST = "check.test.ts";

module.exports = class CheckFirst extends Sequencer {
    async sort(tests) {
        const sorted = await super.sort(tests);
        return [...sorted.filter((t) => t.path.endsWith(`/${FIRST}`)), ...sorted.filter((t) => !t.path.endsWith(`/${FIRST}`))];
    }
};
