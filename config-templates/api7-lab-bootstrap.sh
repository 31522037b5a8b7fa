#!/bin/bash
# api7-lab-bootstrap: the Docker lab's first-install bootstrap, run by Pulumi (a @pulumi/command local.Command) on
# the machine running `pulumi up`. It runs the hosts' own api7-bootstrap (given as API7_BOOTSTRAP_SCRIPT) against
# the lab's dashboard, with its parameters in a private temporary directory instead of SSM, and prints the gateways'
# token (issued by the dashboard, or the stack's gatewayToken) on stdout, its only output there; the bootstrap's
# own messages go to stderr. Secrets arrive in the environment, never as arguments.
# Environment: API7_LAB_PREFIX (parameter prefix), API7_LAB_SPEC (bootstrap.json), API7_LAB_LICENSE,
# API7_LAB_ADMIN_PASSWORD, API7_LAB_TOKEN (the stack's gatewayToken, or empty), API7_BOOTSTRAP_SCRIPT,
# API7_BOOTSTRAP_TIMEOUT (seconds to wait for the dashboard).
set -euo pipefail
umask 077
store="$(mktemp -d)"
trap 'rm -rf "$store"' EXIT
put() { # name value
  mkdir -p "$(dirname "${store}$1")"
  printf '%s' "$2" >"${store}$1"
}
spec="$API7_LAB_SPEC"
vars="$(jq -r '@sh "license_parameter=\(.licenseParameter) password_parameter=\(.passwordParameter) token_parameter=\(.credentials.parameters.token) pending=\(.credentials.pending)"' <<<"$spec")"
license_parameter="" password_parameter="" token_parameter="" pending=""
eval "$vars"
mkdir -p "${store}/etc" "${store}/run"
P="$API7_LAB_PREFIX" jq -n '{region: "lab", parameterPrefix: env.P}' >"${store}/etc/host.json"
put "${API7_LAB_PREFIX}/bootstrap.json" "$spec"
put "$license_parameter" "$API7_LAB_LICENSE"
put "$password_parameter" "$API7_LAB_ADMIN_PASSWORD"
put "$token_parameter" "${API7_LAB_TOKEN:-$pending}"
API7_PARAMETER_DIR="$store" API7_ETC_DIR="${store}/etc" API7_RUN_DIR="${store}/run" API7_HOST_NAME=lab \
  API7_BOOTSTRAP_POLL="${API7_BOOTSTRAP_POLL:-2}" bash -c "$API7_BOOTSTRAP_SCRIPT" api7-bootstrap >&2
token="$(<"${store}${token_parameter}")"
[[ -n "$token" && "$token" != "$pending" ]] || { echo "api7-lab-bootstrap: no gateway token was issued" >&2; exit 1; }
printf '%s' "$token"
