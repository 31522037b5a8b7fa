#!/bin/bash
# `npm test`: the type and lint check (scripts/check.ts: the TypeScript compiler's diagnostics and eslint's typed rules
# over one program) beside the jest suite: the machine's cores are busy for the whole run instead of idling while one
# waits for the other. Each prints its own findings; both must pass.
# Arguments go to jest (e.g. `npm test -- tests/database.test.ts`).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# Node directly (tsx as a loader): npx costs a second of CPU per call (measured), on a machine whose cores are the
# limit. --single-threaded: V8 without its helper threads (concurrent compiling, parallel and concurrent GC); they
# earn nothing where three busy processes already share two cores, and cost CPU (measured: jest's workers about 14 %
# less CPU and 15 % less time; jest passes its own flags on to its workers, jest-worker 30 build/index.js execArgv).
node --single-threaded --import tsx scripts/check.ts >"${out}/check" 2>&1 &
check_pid=$!
# A larger young generation: the mock runtime allocates many short-lived promises, and with V8's default semi-space
# the workers spent a fifth of their time collecting them (measured: 50 s -> 40 s for the suite in one process).
node --single-threaded --max-semi-space-size=64 node_modules/.bin/jest "$@"
jest_status=$?
wait "$check_pid"
check_status=$?
echo "--- check (tsc + eslint) ---"
cat "${out}/check"
echo "npm test: jest exit ${jest_status}, check exit ${check_status}"
exit $((jest_status != 0 || check_status != 0))
