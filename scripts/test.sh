#!/bin/bash
# `npm test`: tsc (types against the real SDKs), eslint (typescript-eslint and Pulumi's rules) and the jest suite,
# all three side by side: the machine's cores are busy for the whole run instead of idling while one waits for
# another (`npm test` stays under a minute on two cores). Each prints its own findings; all three must pass.
# Arguments go to jest (e.g. `npm test -- tests/database.test.ts`).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# Incremental: tsc keeps what it learnt in node_modules/.cache (not in git) and rechecks only what changed since, and
# what depends on it; a fresh clone checks everything.
npx tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/api7-ha/tsc.tsbuildinfo >"${out}/tsc" 2>&1 &
tsc_pid=$!
npx eslint . >"${out}/eslint" 2>&1 &
eslint_pid=$!
npx jest "$@"
jest_status=$?
wait "$tsc_pid"
tsc_status=$?
wait "$eslint_pid"
eslint_status=$?
for check in tsc eslint; do
  if [[ -s "${out}/${check}" ]]; then
    echo "--- ${check} ---"
    cat "${out}/${check}"
  fi
done
echo "npm test: jest exit ${jest_status}, tsc exit ${tsc_status}, eslint exit ${eslint_status}"
exit $((jest_status != 0 || tsc_status != 0 || eslint_status != 0))
