// Jest's own order (the slowest first when it knows the times, else the largest files first), with the type and lint
// check (tests/check.test.ts) before everything: it is the longest single item, and started last it would leave one
// worker alone at the end. checkFirst is tested in tests/harness.test.ts.
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const FIRST = "check.test.ts";

/** `tests` in the same order, but the check's file first. */
function checkFirst(tests) {
    const first = (t) => path.basename(t.path) === FIRST;
    return [...tests.filter(first), ...tests.filter((t) => !first(t))];
}

class CheckFirst extends Sequencer {
    async sort(tests) {
        return checkFirst(await super.sort(tests));
    }
}

module.exports = CheckFirst;
module.exports.checkFirst = checkFirst;
