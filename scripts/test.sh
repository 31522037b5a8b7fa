#!/bin/bash
# `npm test`: the jest suite, which includes the type and lint check (tests/check.test.ts runs scripts/check.ts, the
# TypeScript compiler's diagnostics and eslint's typed rules over one program, first, in one of jest's two worker
# slots). Arguments go to jest (e.g. `npm test -- tests/database.test.ts`, which then skips the check: `npm run
# check` runs it alone).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# Node directly: npx costs a second of CPU per call (measured), on a machine whose cores are the limit.
# --single-threaded: V8 without its helper threads (concurrent compiling, parallel and concurrent GC); they earn
# nothing where every core is already busy, and cost CPU (measured: jest's workers about 14 % less CPU and 15 % less
# time; jest passes its own flags on to its workers, jest-worker 30 build/index.js execArgv).
# A larger young generation: the mock runtime allocates many short-lived promises, and with V8's default semi-space
# the workers spent a fifth of their time collecting them (measured: 50 s -> 40 s for the suite in one process).
exec node --single-threaded --max-semi-space-size=64 node_modules/.bin/jest "$@"
