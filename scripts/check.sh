#!/bin/bash
# `npm test`'s static checks, side by side: tsc (types against the real SDKs) and eslint (typescript-eslint and
# Pulumi's rules). Both must pass; each prints its own findings.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
npx tsc --noEmit &
tsc_pid=$!
npx eslint .
eslint_status=$?
wait "$tsc_pid"
tsc_status=$?
exit $((tsc_status != 0 || eslint_status != 0))
