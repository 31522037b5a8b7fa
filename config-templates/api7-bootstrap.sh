#!/bin/bash
# api7-bootstrap
# First-install setup of API7 on a control-plane host, against the local dashboard, with API7's Admin API: waits
# for GET /healthz, changes the initial admin password (admin/admin) to the stack's, uploads the license, finds
# (or creates) the gateway group, sets the address the dashboard shows gateways, and issues the gateways'
# credentials into the data plane's SSM SecureStrings. Idempotent: a second run changes nothing. One run at a time
# across the control plane: runs on one host queue on a flock, hosts on a lock parameter only one put-parameter
# (without overwrite) can create. No secret is ever printed or passed to a program as an argument. Credentials are
# put under the stack's KMS key (parameterKeyId); ones issued under another key are put again under it.
#
# Exit status: 0 done; 1 failed, worth retrying (the unit restarts); 2 failed until the configuration changes
# (wrong password, rejected license, no such gateway group): the unit does not retry (RestartPreventExitStatus).
#
# API calls as API7 documents them for 3.2.14.6-3.2.16 (api7/docs.apiseven.com enterprise_versioned_docs/
# version-3.2.14.6/reference/admin-api.json @faf96f0e; api7/adc libs/backend-api7/e2e/support/global-setup.ts
# @fed76ee6, run against 3.2.16.7): POST /api/login sets a session cookie; PUT /api/password {old_password,
# new_password}; PUT /api/license {data}; GET/POST /api/gateway_groups; POST
# /api/gateway_groups/{id}/instance_token; POST /api/gateway_groups/{id}/dp_client_certificates {};
# PUT /api/system_settings {control_plane_address}. Responses are {value: ...}, {list: [...]}, errors {error_msg}.
set -euo pipefail
# Any other failure (an AWS call, a tool) exits 1, worth retrying: set -e alone exits with the command's own status,
# and an AWS CLI usage error's 2 (https://docs.aws.amazon.com/cli/latest/topic/return-codes.html) would read as 2 above.
set -E
trap 'exit 1' ERR
# The shared helpers (api7_*), where the user data writes them (API7_LIB_DIR: their directory, outside a host).
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"
(($# == 0)) || { echo "usage: api7-bootstrap" >&2; exit 2; }

run_dir="${API7_RUN_DIR:-/run/api7}"
me="${API7_HOST_NAME:-$(hostname)}"
timeout="${API7_BOOTSTRAP_TIMEOUT:-900}"
poll="${API7_BOOTSTRAP_POLL:-5}"

die() { echo "api7-bootstrap: $*" >&2; exit 1; }
fatal() { echo "api7-bootstrap: $*" >&2; exit 2; }
say() { echo "api7-bootstrap: $*"; }

api7_read_host

# Private: request and response bodies, and the value api7_ssm_put puts.
work="$(mktemp -d)"
chmod 0700 "$work"
api7_work="$work"
lock_token=""
lock_parameter=""
# A stopped run (systemctl stop, a timeout, a reboot) also frees what it holds.
trap 'exit 143' TERM INT HUP
on_exit() {
  if [[ -n "$lock_token" ]]; then
    local holder
    holder="$(api7_ssm_get "$lock_parameter" 2>/dev/null || true)"
    [[ "$holder" != "$lock_token" ]] || api7_ssm_delete "$lock_parameter" || true
  fi
  rm -rf "$work"
  # In place of the library's own exit trap, which this one replaces: the copy of stderr finishes.
  api7_stderr_restore
}
trap on_exit EXIT

spec="$(api7_ssm_get "${prefix}/bootstrap.json")"
base="" record_parameter="" license_parameter="" password_parameter="" group_name="" group_create=""
expected_short_id="" address="" issue="" pending="" kind="" token_parameter="" key_parameter="" ca_parameter=""
cert_parameter="" credential_parameters=() api7_key_id="" address_body="" group_body=""
api7_load '@sh "base=\(.dashboardUrl) lock_parameter=\(.lockParameter) record_parameter=\(.recordParameter)
  license_parameter=\(.licenseParameter) password_parameter=\(.passwordParameter) group_name=\(.gatewayGroup.name)
  group_create=\(.gatewayGroup.create) expected_short_id=\(.gatewayGroup.shortId)
  address=\(.controlPlaneAddress | tojson) issue=\(.credentials.issue) pending=\(.credentials.pending)
  kind=\(.credentials.kind) token_parameter=\(.credentials.parameters.token)
  key_parameter=\(.credentials.parameters.key) ca_parameter=\(.credentials.parameters.ca)
  cert_parameter=\(.credentials.parameters.cert) credential_parameters=(\([.credentials.parameters[]?]))
  api7_key_id=\(.parameterKeyId // "")
  address_body=\({control_plane_address: .controlPlaneAddress} | tojson) group_body=\({name: .gatewayGroup.name} | tojson)"' <<<"$spec"

# One HTTP call to the dashboard: sets $status and $body. Bodies go through files (emptied, not removed: no process
# per call); the session in a cookie jar.
call() { # method path [json]
  local args=(-sS -k -o "${work}/body" -w '%{http_code}' -X "$1" -b "${work}/cookies" -c "${work}/cookies"
    -H 'Content-Type: application/json' --max-time 30)
  if [[ $# -ge 3 ]]; then
    printf '%s' "$3" >"${work}/request"
    args+=(--data-binary "@${work}/request")
  fi
  : >"${work}/body"
  status="$(curl "${args[@]}" "${base}$2")" || status=000
  body="$(<"${work}/body")"
  : >"${work}/request"
}
wait_healthy() {
  local waited=0
  until call GET /healthz && [[ "$status" == 2* ]]; do
    ((waited < timeout)) || die "the dashboard is not healthy at ${base}/healthz after ${timeout} s"
    sleep "$poll"
    waited=$((waited + poll))
  done
}
# A call that meets a dashboard going away (the config rollout restarts it) waits for it and is made once more.
api() {
  call "$@"
  if [[ "$status" == 000 || "$status" == 5* ]]; then
    wait_healthy
    call "$@"
  fi
}
error_of() { jq -r '.error_msg // .message // empty' <<<"$body" 2>/dev/null || true; }
expect_ok() { # what
  [[ "$status" == 2* ]] || die "$1 failed: HTTP ${status}${body:+: $(error_of)}"
}

# 1. The dashboard answers.
wait_healthy

# 2. One run at a time: on this host, a flock; across hosts, the lock parameter. While this host holds the flock, a
# lock parameter in this host's name can only be left by a run that died; one older than the timeout, too.
install -d -m 0755 "$run_dir"
exec 9>"${run_dir}/bootstrap.lock"
flock 9
lock_token="${me}:$(date +%s):${RANDOM}${RANDOM}"
waited=0
until api7_ssm_put "$lock_parameter" String "$lock_token" 2>"${work}/put.err"; do
  grep -q ParameterAlreadyExists "${work}/put.err" || die "cannot take the bootstrap lock: $(cat "${work}/put.err")"
  holder="$(api7_ssm_get "$lock_parameter" 2>/dev/null || true)"
  since="${holder#*:}"
  since="${since%%:*}"
  if [[ "$holder" == "${me}:"* ]] || { [[ "$since" =~ ^[0-9]+$ ]] && (($(date +%s) - since > timeout)); }; then
    say "removing a bootstrap lock left by ${holder%%:*}"
    [[ "$(api7_ssm_get "$lock_parameter" 2>/dev/null || true)" != "$holder" ]] ||
      api7_ssm_delete "$lock_parameter" || true
    continue
  fi
  ((waited < timeout)) || die "another control-plane host (${holder%%:*}) has held the bootstrap lock for ${timeout} s"
  sleep "$poll"
  waited=$((waited + poll))
done

# What the last successful run did ("done:<license digest>", then " key:<key id>" once credentials are under the
# stack's key), if any.
record="$(api7_ssm_get "$record_parameter" 2>/dev/null || true)"
recorded_key=""
[[ "$record" != *" key:"* ]] || recorded_key="${record##* key:}"
record="${record%% key:*}"
license="$(api7_ssm_get "$license_parameter")"
license_sum="$(printf '%s' "$license" | sha256sum)"
license_sum="${license_sum:0:16}"
password="$(api7_ssm_get "$password_parameter")"
# The request bodies that carry a secret, all from one jq call (each jq start costs tens of milliseconds), the
# secrets passed in its environment, never as arguments.
login_body="" password_body="" license_body=""
P="$password" L="$license" api7_load -n '@sh "login_body=\({username: "admin", password: env.P} | tojson)
  password_body=\({old_password: "admin", new_password: env.P} | tojson) license_body=\({data: env.L} | tojson)"'
initial_login_body='{"username":"admin","password":"admin"}'

# 3. Log in with the stack's password; on a fresh install, with the initial admin/admin, and change it first.
api POST /api/login "$login_body"
if [[ "$status" != 2* ]]; then
  api POST /api/login "$initial_login_body"
  [[ "$status" == 2* ]] || fatal "the dashboard accepts neither the stack's adminPassword nor the initial admin password; to change the password after the first install, change it in the dashboard first, then in the stack"
  api PUT /api/password "$password_body"
  expect_ok "changing the initial admin password"
  say "changed the initial admin password"
  api POST /api/login "$login_body"
  expect_ok "logging in with the new admin password"
fi

# 4. The license: uploaded when the dashboard has none, or when the stack's differs from the one last uploaded.
api GET /api/license
installed="$(jq -r '.value.customer // empty' <<<"$body" 2>/dev/null || true)"
if [[ "$status" != 2* || -z "$installed" || "$record" != "done:${license_sum}" ]]; then
  api PUT /api/license "$license_body"
  [[ "$status" != 4* ]] || fatal "the dashboard rejected the license: HTTP ${status}: $(error_of)"
  expect_ok "uploading the license"
  say "uploaded the license"
fi

# 5. The gateway group, by name; created when the stack asks for it.
api GET /api/gateway_groups
expect_ok "listing gateway groups"
# 3.2.x names the short id in config.control_plane_key_prefix (/gateway_groups/<short id>); newer ones in short_id.
# One jq finds the group and reads its ids (found=false: no such group).
group_ids='@sh "found=true group_id=\(.id) short_id=\(.short_id // (.config.control_plane_key_prefix // "" | split("/") | last))"'
found="" group_id="" short_id=""
api7_load --arg n "$group_name" "([.list[]? | select(.name == \$n)][0] // empty | ${group_ids}) // \"found=false\"" <<<"$body"
if [[ "$found" != true ]]; then
  [[ "$group_create" == true ]] || fatal "the dashboard has no gateway group named ${group_name}"
  api POST /api/gateway_groups "$group_body"
  expect_ok "creating the gateway group ${group_name}"
  api7_load ".value | ${group_ids}" <<<"$body"
  say "created the gateway group ${group_name}"
fi
[[ "$short_id" == "$expected_short_id" ]] ||
  fatal "the gateway group ${group_name} has short id ${short_id}, but the gateways use ${expected_short_id}; set dataPlane.gatewayGroupId ${short_id}"

# 6. The address the dashboard gives gateways: the DP Manager's load balancer.
api GET /api/system_settings
if [[ "$status" != 2* || "$(jq -c '.value.control_plane_address // []' <<<"$body")" != "$address" ]]; then
  api PUT /api/system_settings "$address_body"
  expect_ok "setting the control-plane address"
  say "set the control-plane address to ${address}"
fi

# 7. The gateways' credentials, into the parameters they wait on. Issued when any of them is still pending (all of
# them, so that a certificate and its key always match), and kept once issued.
if [[ "$issue" == true ]]; then
  missing=no
  for parameter in "${credential_parameters[@]}"; do
    current="$(api7_ssm_get "$parameter")"
    [[ "$current" != "$pending" ]] || missing=yes
  done
  if [[ "$missing" == yes ]]; then
    if [[ "$kind" == token ]]; then
      api POST "/api/gateway_groups/${group_id}/instance_token"
      expect_ok "issuing the gateway token"
      token="$(jq -r 'if (.value | type) == "object" then .value.token_plain_text else .value end' <<<"$body")"
      [[ -n "$token" && "$token" != null ]] || die "issuing the gateway token: no token in the answer"
      api7_ssm_put "$token_parameter" SecureString "$token" --overwrite
    else
      api POST "/api/gateway_groups/${group_id}/dp_client_certificates" '{}'
      expect_ok "issuing the gateways' client certificate"
      jq -e '.value.certificate and .value.private_key and .value.ca_certificate' <<<"$body" >/dev/null ||
        die "issuing the gateways' client certificate: the answer lacks the certificate, its key or the CA"
      for field in "private_key:${key_parameter}" "ca_certificate:${ca_parameter}" "certificate:${cert_parameter}"; do
        value="$(jq -r --arg f "${field%%:*}" '.value[$f]' <<<"$body")"
        api7_ssm_put "${field#*:}" SecureString "$value" --overwrite
      done
    fi
    say "issued the gateways' ${kind} credentials"
  elif [[ "$recorded_key" != "$api7_key_id" ]]; then
    # Issued under another key (before the stack had its own): the same values, put again under the stack's key.
    for parameter in "${credential_parameters[@]}"; do
      # Read first: set -e does not see a failure inside a substitution that is an argument.
      value="$(api7_ssm_get "$parameter")"
      api7_ssm_put "$parameter" SecureString "$value" --overwrite
    done
    say "put the gateways' ${kind} credentials under the stack's key"
  fi
fi

api7_ssm_put "$record_parameter" String "done:${license_sum}${api7_key_id:+ key:${api7_key_id}}" --overwrite
say "API7 is set up"
