#!/bin/bash
# api7-lab-bootstrap: the Docker lab's first-install bootstrap, run by Pulumi (a @pulumi/command local.Command) on
# the machine running `pulumi up`. It runs the hosts' own api7-bootstrap (given as API7_BOOTSTRAP_SCRIPT) against
# the lab's dashboard, with its parameters in a private temporary directory instead of SSM, and prints the gateways'
# token (issued by the dashboard, or the stack's gatewayToken) on stdout, its only output there; the bootstrap's
# own messages go to stderr. Secrets arrive in the environment, never as arguments.
# Environment: API7_LAB_PREFIX (parameter prefix), API7_LAB_SPEC (bootstrap.json), API7_LAB_LICENSE,
# API7_LAB_ADMIN_PASSWORD, API7_LAB_TOKEN (the stack's gatewayToken, or empty), API7_BOOTSTRAP_SCRIPT, API7_LIB_SCRIPT
# (the library the hosts' scripts source), API7_BOOTSTRAP_TIMEOUT (seconds to wait for the dashboard).
set -euo pipefail
umask 077
store="$(mktemp -d)"
trap 'rm -rf "$store"' EXIT
mkdir -p "${store}/etc" "${store}/run" "${store}/lib"
# The hosts' library, where the bootstrap (API7_LIB_DIR) and this script source it; its parameter functions use the
# files under the store (API7_PARAMETER_DIR).
printf '%s' "$API7_LIB_SCRIPT" >"${store}/lib/api7-lib.sh"
export API7_PARAMETER_DIR="$store"
# shellcheck source-path=SCRIPTDIR source=api7-lib.sh
source "${store}/lib/api7-lib.sh"
spec="$API7_LAB_SPEC"
license_parameter="" password_parameter="" token_parameter="" pending=""
api7_load '@sh "license_parameter=\(.licenseParameter) password_parameter=\(.passwordParameter) token_parameter=\(.credentials.parameters.token) pending=\(.credentials.pending)"' <<<"$spec"
P="$API7_LAB_PREFIX" jq -n '{region: "lab", parameterPrefix: env.P}' >"${store}/etc/host.json"
api7_ssm_put "${API7_LAB_PREFIX}/bootstrap.json" String "$spec"
api7_ssm_put "$license_parameter" SecureString "$API7_LAB_LICENSE"
api7_ssm_put "$password_parameter" SecureString "$API7_LAB_ADMIN_PASSWORD"
api7_ssm_put "$token_parameter" SecureString "${API7_LAB_TOKEN:-$pending}"
API7_LIB_DIR="${store}/lib" API7_ETC_DIR="${store}/etc" API7_RUN_DIR="${store}/run" API7_HOST_NAME=lab \
  API7_BOOTSTRAP_POLL="${API7_BOOTSTRAP_POLL:-2}" bash -c "$API7_BOOTSTRAP_SCRIPT" api7-bootstrap >&2
token="$(api7_ssm_get "$token_parameter")"
[[ -n "$token" && "$token" != "$pending" ]] || { echo "api7-lab-bootstrap: no gateway token was issued" >&2; exit 1; }
printf '%s' "$token"
