#!/bin/bash
# api7-bootstrap
# First-install setup of API7 on a control-plane host, against the local dashboard, with API7's Admin API: waits
# for GET /healthz, changes the initial admin password (admin/admin) to the stack's, uploads the license, finds
# (or creates) the gateway group, sets the address the dashboard shows gateways, and issues the gateways'
# credentials into the data plane's SSM SecureStrings. Idempotent: a second run changes nothing. Safe with two
# control-plane hosts starting together: one takes a lock (an SSM parameter created without overwrite), the other
# waits for it to finish and then verifies. Never prints or passes a secret on a command line.
#
# API calls as API7 documents them for 3.2.14.6-3.2.16 (api7/docs.apiseven.com enterprise_versioned_docs/
# version-3.2.14.6/reference/admin-api.json @faf96f0e; api7/adc libs/backend-api7/e2e/support/global-setup.ts
# @fed76ee6, run against 3.2.16.7): POST /api/login sets a session cookie; PUT /api/password {old_password,
# new_password}; PUT /api/license {data}; GET/POST /api/gateway_groups; POST
# /api/gateway_groups/{id}/instance_token; POST /api/gateway_groups/{id}/dp_client_certificates {};
# PUT /api/system_settings {control_plane_address}. Responses are {value: ...}, {list: [...]}, errors {error_msg}.
set -euo pipefail

etc_dir="${API7_ETC_DIR:-/etc/api7}"
host="${etc_dir}/host.json"
region="" prefix=""
eval "$(jq -r '@sh "region=\(.region) prefix=\(.parameterPrefix)"' "$host")"
timeout="${API7_BOOTSTRAP_TIMEOUT:-900}"
poll="${API7_BOOTSTRAP_POLL:-5}"

work="$(mktemp -d)"
chmod 0700 "$work"
trap 'rm -rf "$work"' EXIT

die() {
  echo "api7-bootstrap: $*" >&2
  exit 1
}
say() { echo "api7-bootstrap: $*"; }

ssm_get() {
  aws ssm get-parameter --region "$region" --name "$1" --with-decryption --query Parameter.Value --output text
}
# put-parameter from a file, so the value is never an argument (visible in the process list).
ssm_put() { # name type value [--overwrite]
  jq -n --arg n "$1" --arg t "$2" --arg v "$3" '{Name: $n, Type: $t, Value: $v}' >"${work}/put.json"
  aws ssm put-parameter --region "$region" --cli-input-json "file://${work}/put.json" ${4:+"$4"} >/dev/null
}

spec="$(ssm_get "${prefix}/bootstrap.json")"
# The spec's fields in one jq call (shell-quoted by @sh).
base="" state_parameter="" license_parameter="" password_parameter="" group_name="" group_create="" expected_short_id=""
address="" issue="" pending="" kind="" first="" token_parameter=""
eval "$(jq -r '@sh "base=\(.dashboardUrl) state_parameter=\(.stateParameter) license_parameter=\(.licenseParameter)
  password_parameter=\(.passwordParameter) group_name=\(.gatewayGroup.name) group_create=\(.gatewayGroup.create)
  expected_short_id=\(.gatewayGroup.shortId) address=\(.controlPlaneAddress | tojson) issue=\(.credentials.issue)
  pending=\(.credentials.pending) kind=\(.credentials.kind) first=\(.credentials.parameters | to_entries[0].value)
  token_parameter=\(.credentials.parameters.token // "")"' <<<"$spec")"

# One HTTP call to the dashboard: sets $status and $body. The body goes in a file; the session in a cookie jar.
call() { # method path [json]
  local args=(-sS -k -o "${work}/body" -w '%{http_code}' -X "$1" -b "${work}/cookies" -c "${work}/cookies"
    -H 'Content-Type: application/json' --max-time 30)
  if [[ $# -ge 3 ]]; then
    printf '%s' "$3" >"${work}/request"
    args+=(--data-binary "@${work}/request")
  fi
  status="$(curl "${args[@]}" "${base}$2" || echo 000)"
  body="$(cat "${work}/body" 2>/dev/null || true)"
  rm -f "${work}/request"
}
error_of() { jq -r '.error_msg // .message // empty' <<<"$body" 2>/dev/null || true; }
expect_ok() { # what
  [[ "$status" == 2* ]] || die "$1 failed: HTTP ${status}${body:+: $(error_of)}"
}

# 1. The dashboard answers.
waited=0
until call GET /healthz && [[ "$status" == 2* ]]; do
  ((waited < timeout)) || die "the dashboard is not healthy at ${base}/healthz after ${timeout} s"
  sleep "$poll"
  waited=$((waited + poll))
done

# 2. One host at a time: the lock is a parameter only one put-parameter (without overwrite) can create. Its value
# says who runs ("running:<host>:<since>") or what was done last ("done:<license digest>").
me="$(hostname)"
license="$(ssm_get "$license_parameter")"
license_sum="$(printf '%s' "$license" | sha256sum | cut -c1-16)"
previous=""
take_lock() { ssm_put "$state_parameter" String "running:${me}:$(date +%s)" "$@"; }
if ! take_lock 2>"${work}/put.err"; then
  grep -q ParameterAlreadyExists "${work}/put.err" || die "cannot take the bootstrap lock: $(cat "${work}/put.err")"
  waited=0
  while previous="$(ssm_get "$state_parameter")" && [[ "$previous" == running:* ]]; do
    if (($(date +%s) - ${previous##*:} > timeout)); then
      say "taking over the lock of ${previous#running:} (older than ${timeout} s)"
      break
    fi
    ((waited < timeout)) || die "another control-plane host's bootstrap (${previous#running:}) did not finish in ${timeout} s"
    sleep "$poll"
    waited=$((waited + poll))
  done
  # Done before (or stale): this run checks everything again and records what it did.
  take_lock --overwrite
fi
# On failure the lock is freed, so that the next start (systemd restarts the unit) tries again.
on_exit() {
  local code=$?
  ((code == 0)) || aws ssm delete-parameter --region "$region" --name "$state_parameter" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap on_exit EXIT

# 3. Log in with the stack's password; on a fresh install, with the initial admin/admin, and change it first.
password="$(ssm_get "$password_parameter")"
login() { call POST /api/login "$(jq -n --arg p "$1" '{username: "admin", password: $p}')"; }
login "$password"
if [[ "$status" != 2* ]]; then
  login admin
  [[ "$status" == 2* ]] || die "the dashboard accepts neither the stack's adminPassword nor the initial admin password; set adminPassword to the dashboard's current one"
  call PUT /api/password "$(jq -n --arg p "$password" '{old_password: "admin", new_password: $p}')"
  expect_ok "changing the initial admin password"
  say "changed the initial admin password"
  login "$password"
  expect_ok "logging in with the new admin password"
fi

# 4. The license: uploaded when the dashboard has none, or when the stack's differs from the one last uploaded.
call GET /api/license
installed="$(jq -r '.value.customer // empty' <<<"$body" 2>/dev/null || true)"
if [[ "$status" != 2* || -z "$installed" || "$previous" != "done:${license_sum}" ]]; then
  call PUT /api/license "$(jq -n --arg d "$license" '{data: $d}')"
  expect_ok "uploading the license (the dashboard rejected it)"
  say "uploaded the license"
fi

# 5. The gateway group, by name; created when the stack asks for it.
call GET /api/gateway_groups
expect_ok "listing gateway groups"
group="$(jq -c --arg n "$group_name" '[.list[]? | select(.name == $n)][0] // empty' <<<"$body")"
if [[ -z "$group" ]]; then
  [[ "$group_create" == true ]] || die "the dashboard has no gateway group named ${group_name}"
  call POST /api/gateway_groups "$(jq -n --arg n "$group_name" '{name: $n}')"
  expect_ok "creating the gateway group ${group_name}"
  group="$(jq -c '.value' <<<"$body")"
  say "created the gateway group ${group_name}"
fi
group_id="$(jq -r .id <<<"$group")"
# 3.2.x names the short id in config.control_plane_key_prefix (/gateway_groups/<short id>); newer ones in short_id.
short_id="$(jq -r '.short_id // (.config.control_plane_key_prefix // "" | split("/") | last)' <<<"$group")"
[[ "$short_id" == "$expected_short_id" ]] ||
  die "the gateway group ${group_name} has short id ${short_id}, but the gateways use ${expected_short_id}; set dataPlane.gatewayGroupId ${short_id}"

# 6. The address the dashboard gives gateways: the DP Manager's load balancer.
call GET /api/system_settings
if [[ "$status" != 2* || "$(jq -c '.value.control_plane_address // []' <<<"$body")" != "$address" ]]; then
  call PUT /api/system_settings "$(jq -n --argjson a "$address" '{control_plane_address: $a}')"
  expect_ok "setting the control-plane address"
  say "set the control-plane address to ${address}"
fi

# 7. The gateways' credentials, into the parameters they wait on; issued once (a stored value is kept).
if [[ "$issue" == true ]]; then
  if [[ "$(ssm_get "$first")" == "$pending" ]]; then
    if [[ "$kind" == token ]]; then
      call POST "/api/gateway_groups/${group_id}/instance_token"
      expect_ok "issuing the gateway token"
      token="$(jq -r 'if (.value | type) == "object" then .value.token_plain_text else .value end' <<<"$body")"
      [[ -n "$token" && "$token" != null ]] || die "issuing the gateway token: no token in the answer"
      ssm_put "$token_parameter" SecureString "$token" --overwrite
    else
      call POST "/api/gateway_groups/${group_id}/dp_client_certificates" '{}'
      expect_ok "issuing the gateways' client certificate"
      for field in certificate:cert private_key:key ca_certificate:ca; do
        value="$(jq -r --arg f "${field%%:*}" '.value[$f] // empty' <<<"$body")"
        [[ -n "$value" ]] || die "issuing the gateways' client certificate: no ${field%%:*} in the answer"
        ssm_put "$(jq -r --arg k "${field##*:}" '.credentials.parameters[$k]' <<<"$spec")" SecureString "$value" --overwrite
      done
    fi
    say "issued the gateways' ${kind} credentials"
  fi
fi

ssm_put "$state_parameter" String "done:${license_sum}" --overwrite
say "API7 is set up"
