#!/bin/bash
# api7-run SERVICE [--render-only | --credentials-ready | --database-current | --probe | --watch | --pull]
# Runs one API7 container in the foreground for systemd (api7@SERVICE.service). The service's run spec and config
# template come from SSM Parameter Store at every start, and its secrets from SecureStrings, so no secret sits in
# user data or on disk outside tmpfs, and a config change needs only a restart or reload (see api7-apply).
set -euo pipefail
# The shared helpers (api7_*), where the user data writes them (API7_LIB_DIR: their directory, outside a host).
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

usage() {
  [[ $# -eq 0 ]] || echo "api7-run: $*" >&2
  echo "usage: api7-run SERVICE [--render-only | --credentials-ready | --database-current | --probe | --watch | --pull]" >&2
  exit 2
}

service="${1-}"
# Where rendered configs go (tmpfs), and what the host keeps across restarts (a gateway's instance id, its admin
# key: on disk, root only); overridable to run the script outside a host.
run_dir="${API7_RUN_DIR:-/run/api7}/${service}"
state_dir="${API7_STATE_DIR:-/var/lib/api7}/${service}"
poll="${API7_WAIT_POLL:-10}"

load_spec() {
  [[ -n "$service" ]] || usage "no service named"
  api7_read_host
  spec="$(api7_ssm_get "${prefix}/${service}.json")"
  # The spec in one jq call: container, image, config_path, config_parameter, generation; pending, what a
  # credential the control plane issues (the gateways') holds until it is written; the managed database's token
  # and secret; and the lists, as arrays of tab-separated items (secret_env, placeholders, state_placeholders,
  # state_files, env_vars) or plain items (docker_args, command).
  container="" image="" config_path="" config_parameter="" generation="" pending="" database_token="" mode=normal
  database_secret_arn="" registry_kind="" registry_host="" registry_region="" registry_user=""
  registry_password_parameter="" secret_env=() placeholders=() state_placeholders=() env_vars=() state_files=()
  docker_args=() command=() log_driver=journald log_opts=() outage_endpoints=() outage_timeout="" outage_config="" outage_env=()
  outage_placeholders=() outage_cert="" outage_key="" outage_ca="" outage_server="" outage_checks=""
  outage_target_groups=() outage_lock="" outage_ready_url="" metrics_namespace="" metric_dimensions="" health_url="" export_region=""
  export_config_bucket="" export_resource_bucket="" export_access_key="" export_secret_key=""
  api7_load '
    def pairs: to_entries | map("\(.key)\t\(.value)") | @sh;
    @sh "health_url=\(.healthUrl) container=\(.container) image=\(.image) config_path=\(.configPath) config_parameter=\(.configParameter) generation=\(.generation) pending=\(.pendingSecret // "") database_token=\(.database.token // "") database_secret_arn=\(.database.secretArn // "") registry_kind=\(.registry.kind // "anonymous") registry_host=\(.registry.registry // "") registry_region=\(.registry.region // "") registry_user=\(.registry.username // "") registry_password_parameter=\(.registry.passwordParameter // "")",
    "secret_env=(\(.secretEnv // {} | pairs))",
    "placeholders=(\(.placeholders // {} | pairs))",
    "state_placeholders=(\(.statePlaceholders // {} | pairs))",
    "env_vars=(\(.env // {} | pairs))",
    "state_files=(\(.stateFiles // [] | map("\(.name)\t\(.generate)\t\(.mount // "")") | @sh))",
    "docker_args=(\(.dockerArgs // [] | @sh))",
    @sh "log_driver=\(.logs.driver // "journald")", "log_opts=(\(.logs.options // {} | to_entries | map("\(.key)=\(.value)") | @sh))",
    "command=(\(.command // [] | @sh))",
    (.outage // empty | @sh "outage_timeout=\(.probeTimeoutSeconds) outage_config=\(.configParameter) outage_cert=\(.tls.cert // "") outage_key=\(.tls.key // "") outage_ca=\(.tls.ca // "") outage_server=\(.tls.serverName // "") outage_checks=\(.reconnectAfterChecks) outage_ready_url=\(.readyUrl) outage_lock=\(.lockParameter) metrics_namespace=\(.metrics.namespace) metric_dimensions=\(.metrics.dimensions | tojson) export_region=\(.export.region) export_config_bucket=\(.export.configBucket) export_resource_bucket=\(.export.resourceBucket) export_access_key=\(.export.accessKey // "") export_secret_key=\(.export.secretKey // "")",
      "outage_target_groups=(\(.targetGroupArns | @sh))",
      "outage_endpoints=(\(.endpoints | @sh))", "outage_env=(\(.env | pairs))",
      "outage_placeholders=(\(.placeholders | pairs))")' <<<"$spec"
}

# Whether the DP Managers answer as the gateway's startup needs them to: more than half of the endpoints return the
# etcd version document (JSON with "etcdcluster") to GET /version (apache/apisix apisix/cli/etcd.lua init_etcd
# @f519a0f0, which dies with "all etcd nodes are unavailable" otherwise; API7 publishes no gateway source, and the
# public fork that matches its docs does the same). Each endpoint is asked twice, a second apart, before it counts
# as not answering (one refused connection, a control-plane host being replaced, is not an outage). With mTLS, as
# the gateway connects: the client certificate, the CA, and the name in the DP Manager's certificate, the load
# balancer reached under it; the PEMs in a directory of this probe's own (the watch, a start and a rollout may
# probe at once), removed after.
control_plane_answers() {
  local url item answered=0 tls=() args target pems="" attempt
  if [[ -n "$outage_cert" ]]; then
    install -d -m 0700 "$run_dir"
    pems="$(mktemp -d "${run_dir}/probe.XXXXXX")"
    for item in "cert:${outage_cert}" "key:${outage_key}" "ca:${outage_ca}"; do
      api7_ssm_get "${item#*:}" >"${pems}/${item%%:*}" || { rm -rf "$pems"; return 1; }
    done
    tls=(--cert "${pems}/cert" --key "${pems}/key" --cacert "${pems}/ca")
  fi
  for url in "${outage_endpoints[@]}"; do
    target="$url" args=("${tls[@]}")
    if [[ -n "$outage_server" && "$url" =~ ^https://([^/:]+):([0-9]+)$ ]]; then
      args+=(--connect-to "${outage_server}:${BASH_REMATCH[2]}:${BASH_REMATCH[1]}:${BASH_REMATCH[2]}")
      target="https://${outage_server}:${BASH_REMATCH[2]}"
    fi
    for attempt in 1 2; do
      if curl -fsS --max-time "$outage_timeout" "${args[@]}" "${target}/version" 2>/dev/null |
        jq -e '.etcdcluster | type == "string"' >/dev/null 2>&1; then
        answered=$((answered + 1))
        break
      fi
      ((attempt == 2)) || sleep "${API7_PROBE_RETRY_SECONDS:-1}"
    done
  done
  [[ -z "$pems" ]] || rm -rf "$pems"
  ((answered * 2 > ${#outage_endpoints[@]}))
}

# The mode a gateway with an outage fallback starts in: normal while the DP Managers answer (or its credentials are
# not issued yet: no export exists before the control plane's first start, and the start waits for them), else
# standalone from the last export, said in the journal. Kept in the run directory for api7-apply and the watcher.
choose_mode() {
  mode=normal
  if [[ -f "${run_dir}/force-standalone" ]]; then
    echo "api7-run: ${service} did not come back connected and healthy; starting it standalone until the next return" >&2
    mode_standalone
  elif ((${#outage_endpoints[@]} > 0)) && credentials_issued && ! control_plane_answers; then
    if ! export_present; then
      echo "api7-run: no DP Manager answers at ${outage_endpoints[*]}, and no export can be read in s3://${export_config_bucket} and s3://${export_resource_bucket} to start ${service} standalone from; not starting it" >&2
      exit 1
    fi
    echo "api7-run: no DP Manager answers at ${outage_endpoints[*]} (GET /version, twice, ${outage_timeout} s each); starting ${service} standalone from the last export" >&2
    mode_standalone
  fi
  install -d -m 0700 "$run_dir"
  printf '%s\n' "$mode" >"${run_dir}/mode"
  # Each start's mode and time, across reboots: the last 50, read by the drill (npm run drill, --gateway). A history
  # that cannot be written (a full disk) is said, and the start goes on.
  if ((${#outage_endpoints[@]} > 0)); then
    record_mode || echo "api7-run: ${service}: cannot record the mode in ${state_dir}/modes" >&2
  fi
}

record_mode() {
  install -d -m 0700 "$state_dir" &&
    { tail -n 49 "${state_dir}/modes" 2>/dev/null || true; printf '%s %s\n' "$(date +%s)" "$mode"; } >"${state_dir}/modes.new" &&
    mv -f "${state_dir}/modes.new" "${state_dir}/modes"
}

# Whether the last export is there, an object in each bucket: API7 does not document what a gateway started
# standalone from no export does, and the worst (serving nothing while GET /status answers 200) is assumed. Listed
# with the reader's key when the stack uses one (from SSM into this call's environment, never an argument).
export_present() {
  local bucket key_id="" secret="" first
  if [[ -n "$export_access_key" ]]; then
    key_id="$(api7_ssm_get "$export_access_key")" && secret="$(api7_ssm_get "$export_secret_key")" || return 1
  fi
  for bucket in "$export_config_bucket" "$export_resource_bucket"; do
    if [[ -n "$key_id" ]]; then
      first="$(AWS_ACCESS_KEY_ID="$key_id" AWS_SECRET_ACCESS_KEY="$secret" first_object "$bucket")" || return 1
    else
      first="$(first_object "$bucket")" || return 1
    fi
    [[ -n "$first" && "$first" != None ]] || return 1
  done
}

first_object() { # BUCKET: the first key, or None
  aws s3api list-objects-v2 --region "$export_region" --bucket "$1" --max-items 1 --query 'Contents[0].Key' --output text
}

# The standalone config, environment and placeholders in place of the normal ones; no credentials, no state.
mode_standalone() {
  mode=standalone config_parameter="$outage_config" placeholders=("${outage_placeholders[@]}")
  env_vars=("${outage_env[@]}") secret_env=() state_placeholders=()
}

# Whether every secret the container gets is issued (none holds the pending marker); a secret that cannot be read
# fails the run.
credentials_issued() {
  local item value
  for item in "${secret_env[@]}"; do
    value="$(api7_ssm_get "${item#*$'\t'}")" || exit 1
    [[ -z "$pending" || "$value" != "$pending" ]] || return 1
  done
}

# --credentials-ready: exit 0 when every secret the container gets is issued, 3 while one is pending.
credentials_ready() {
  credentials_issued || exit 3
  exit 0
}

# After the CLI's own error (an AccessDeniedException names the action, not the secret).
database_secret_unreadable() {
  echo "api7-run: cannot read the database secret ${database_secret_arn} (RDS's master user secret)" >&2
  exit 1
}

# --database-current: exit 0 when the service started with the secret's current version (or has no managed
# database), 4 once RDS has rotated the password since (api7-apply --if-database-rotated restarts it then).
database_current() {
  [[ -n "$database_token" ]] || exit 0
  local current
  # The version id only: no password fetched for a check.
  current="$(aws secretsmanager get-secret-value --region "$region" --secret-id "$database_secret_arn" \
    --query VersionId --output text)" || database_secret_unreadable
  [[ -f "${run_dir}/database-secret-version" && "$(<"${run_dir}/database-secret-version")" == "$current" ]] || exit 4
  exit 0
}

# State files: created once, then reused at every start, so a restarted container keeps its identity.
make_state_files() {
  local item name kind file value file_mode tmp
  install -d -m 0700 "$state_dir"
  for item in "${state_files[@]}"; do
    IFS=$'\t' read -r name kind _ <<<"$item"
    file="${state_dir}/${name}"
    [[ -f "$file" && -s "$file" ]] && continue
    # An empty one (a disk that filled up) is made anew.
    [[ ! -f "$file" ]] || rm -f "$file"
    # An id is no secret and the container (maybe not root) must read it; a key is root's alone.
    case "$kind" in
      uuid) value="$(cat /proc/sys/kernel/random/uuid)" file_mode=0644 ;;
      key) value="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" file_mode=0600 ;;
      *) echo "api7-run: unknown kind of state file: ${kind}" >&2; exit 1 ;;
    esac
    # Written aside, then linked into place only if nothing is there yet (ln fails on an existing name), so two
    # starts at once keep one value and a crash never leaves a half-written one.
    tmp="$(mktemp "${file}.XXXXXX")"
    printf '%s\n' "$value" >"$tmp" || exit 1
    chmod "$file_mode" "$tmp" || exit 1
    ln "$tmp" "$file" 2>/dev/null || true
    rm -f "$tmp"
    [[ -f "$file" && -s "$file" ]] || { echo "api7-run: cannot create ${file}" >&2; exit 1; }
  done
}

# Placeholders become JSON strings, which YAML reads as double-quoted scalars.
substitute() {
  rendered="$(TEMPLATE="$rendered" TOKEN="$1" VALUE="$2" jq -rn 'env.TEMPLATE | split(env.TOKEN) | join(env.VALUE | tojson)')"
}

# The config, into tmpfs: the template from SSM with secrets from SSM, state from disk, and a managed database's DSN.
render_config() {
  local item value answer out
  rendered="$(api7_ssm_get "$config_parameter")"
  # Each value is assigned first: a failed command substitution in an argument would not stop the script (set -e).
  for item in "${placeholders[@]}"; do
    value="$(api7_ssm_get "${item#*$'\t'}")"
    substitute "${item%%$'\t'*}" "$value"
  done
  for item in "${state_placeholders[@]}"; do
    value="$(<"${state_dir}/${item#*$'\t'}")"
    substitute "${item%%$'\t'*}" "$value"
  done
  install -d -m 0700 "$run_dir"
  if [[ -n "$database_token" ]]; then
    # A managed database (database.kind managed): the DSN is built at every start from the endpoint in the spec and
    # the master user secret RDS keeps in Secrets Manager (JSON with `username` and `password`; RDS user guide,
    # rds-secrets-manager.html). The secret goes from the CLI's stdout to jq's stdin, never into an argument.
    answer="$(aws secretsmanager get-secret-value --region "$region" --secret-id "$database_secret_arn" \
      --query '{version: VersionId, secret: SecretString}' --output json)" || database_secret_unreadable
    # User and password percent-encoded (jq @uri): an RDS-generated password may hold characters a URL reserves.
    # One jq call renders the config with the DSN in place, as substitute does, and then the version this start
    # used (for --database-current) on the last line.
    out="$(SPEC="$spec" TEMPLATE="$rendered" jq -r '(env.SPEC | fromjson | .database) as $d
      | (.secret | try fromjson catch null) as $c
      | (if ($c | type) == "object" and ($c.username | type) == "string" and ($c.password | type) == "string"
         then "postgres://\($c.username | @uri):\($c.password | @uri)@\($d.host):\($d.port)/\($d.database)?sslmode=\($d.sslmode)"
         else error("the database secret is not JSON with a username and a password") end) as $dsn
      | (env.TEMPLATE | split($d.token) | join($dsn | tojson)), .version' <<<"$answer")"
    rendered="${out%$'\n'*}"
    printf '%s\n' "${out##*$'\n'}" >"${run_dir}/database-secret-version"
  fi
  config="${run_dir}/config.yaml"
  # Rewritten in place (same inode) so the bind mount of a running container sees the new content on reload.
  (umask 022 && printf '%s\n' "$rendered" >"$config")
}

start_container() {
  local item name mount parameter value polls instance_id
  local args=(--rm --name "$container" --network host --log-driver "$log_driver"
    --label "api7-ha.generation=${generation}" --label "api7-ha.mode=${mode}"
    -v "${config}:${config_path}:ro")
  # State files mounted read-write: APISIX writes apisix.uid when it finds none there (apisix/core/id.lua).
  for item in "${state_files[@]}"; do
    IFS=$'\t' read -r name _ mount <<<"$item"
    [[ -n "$mount" ]] || continue
    args+=(-v "${state_dir}/${name}:${mount}")
  done
  for item in "${env_vars[@]}"; do
    name="${item%%$'\t'*}"
    export "${name}=${item#*$'\t'}"
    args+=(-e "$name")
  done
  # Secret environment goes to docker by name only, never on a command line. A credential not issued yet is waited
  # for, with no container started: one started without it would fail and be restarted in a loop by systemd.
  for item in "${secret_env[@]}"; do
    name="${item%%$'\t'*}" parameter="${item#*$'\t'}"
    value="$(api7_ssm_get "$parameter")"
    polls=0
    while [[ -n "$pending" && "$value" == "$pending" ]]; do
      # Said once, then every 30 polls (5 minutes at the default 10 s).
      ((polls % 30 != 0)) || echo "api7-run: waiting for the control plane to issue ${parameter}" >&2
      sleep "$poll"
      polls=$((polls + 1))
      value="$(api7_ssm_get "$parameter")"
    done
    export "${name}=${value}"
    args+=(-e "$name")
  done

  # The log driver's options; `{instance_id}` is this host's (a stream per host and container). Without IMDS the
  # host name stands in, and the container starts all the same.
  if [[ "${log_opts[*]}" == *"{instance_id}"* ]]; then
    instance_id="$(api7_imds instance-id 2>/dev/null)" || instance_id="$(hostname)"
  fi
  for item in "${log_opts[@]}"; do
    args+=(--log-opt "${item//\{instance_id\}/${instance_id-}}")
  done

  registry_login
  pull_by_digest
  # The container's own output goes to its log driver and, through this unit, to the journal; not to the copy of
  # this script's lines the library keeps for the CloudWatch agent.
  api7_stderr_restore
  exec docker run "${args[@]}" "${docker_args[@]}" "$image" "${command[@]}"
}

# The registry login (images.source), kept in this service's tmpfs directory (DOCKER_CONFIG), never on disk. An
# ECR token lasts 12 hours (ECR user guide, registry_auth.html), so every start logs in again. A failed login is
# said and the start goes on: an image already on the host needs none, and a pull that does fails with the
# registry's own error (then systemd restarts the unit).
registry_login() {
  export DOCKER_CONFIG="${run_dir}/docker"
  install -d -m 0700 "$DOCKER_CONFIG"
  case "$registry_kind" in
    ecr)
      aws ecr get-login-password --region "$registry_region" \
        | docker login --username AWS --password-stdin "$registry_host" >/dev/null \
        || echo "api7-run: cannot log in to ${registry_host} (ECR); pulling without a login" >&2 ;;
    password)
      api7_ssm_get "$registry_password_parameter" \
        | docker login --username "$registry_user" --password-stdin "$registry_host" >/dev/null \
        || echo "api7-run: cannot log in to ${registry_host} as ${registry_user}; pulling without a login" >&2 ;;
    anonymous) ;;
    *) echo "api7-run: unknown registry login: ${registry_kind}" >&2; exit 1 ;;
  esac
}

# tag@digest (images.pinDigests): an empty ECR pull-through cache refuses a first pull by digest
# (aws/containers-roadmap#2837), so a failed one follows a pull by tag; the digest still decides.
pull_by_digest() {
  local untagged
  untagged="${image%@*}"
  if [[ "$image" == *@sha256:* && "${untagged##*/}" == *:* ]] && ! docker image inspect "$image" >/dev/null 2>&1; then
    if ! docker pull -q "$image" >/dev/null; then
      echo "api7-run: pulling ${untagged} first (digest pull failed)" >&2
      { docker pull -q "$untagged" && docker pull -q "$image"; } >/dev/null || { echo "api7-run: cannot pull ${image}" >&2; exit 1; }
    fi
    pulled=yes
  fi
}

# ControlPlaneReachable and Standalone (1 or 0) into CloudWatch, per host (when IMDS gave its id) and per group. A
# failed put is said; the check goes on.
publish() { # REACHABLE STANDALONE
  AWS_CLI_FILE_ENCODING=UTF-8 aws cloudwatch put-metric-data --region "$region" --namespace "$metrics_namespace" \
    --metric-data "$(jq -cn --arg id "$instance_id" --argjson d "$metric_dimensions" --argjson r "$1" --argjson s "$2" '
      def dims: to_entries | map({Name: .key, Value: .value});
      ((if $id == "" then [] else [$d + {InstanceId: $id}] end) + [$d]) | map(dims) | [.[] as $dim | {MetricName: "ControlPlaneReachable", Value: $r,
        Unit: "None", Dimensions: $dim}, {MetricName: "Standalone", Value: $s, Unit: "None", Dimensions: $dim}]')" ||
    echo "api7-run: ${service}: cannot publish its metrics to CloudWatch" >&2
}

# Waits up to 300 s (API7_SERVE_TIMEOUT) for the service to run in MODE and to answer: connected, GET /status/ready
# (its configuration loaded from the DP Manager; GET /status answers 200 for an empty gateway too), standalone, its
# health check. A start in the other mode fails at once.
serving() { # MODE
  local deadline=$((SECONDS + ${API7_SERVE_TIMEOUT:-300})) url="$health_url" running
  [[ "$1" != normal ]] || url="$outage_ready_url"
  while :; do
    running="$(cat "${run_dir}/mode" 2>/dev/null || true)"
    [[ -z "$running" || "$running" == "$1" ]] || return 1
    if [[ "$running" == "$1" ]] && curl -fsS -o /dev/null --max-time 2 "$url"; then return 0; fi
    ((SECONDS < deadline)) || return 1
    sleep "$poll"
  done
}

# --watch (api7-outage-watch@SERVICE.timer, every 30 s): one check of the DP Managers, published. A gateway started
# standalone returns to the control plane once they have answered reconnectAfterChecks checks in a row (twice as
# many after each failed return, up to 2 hours' worth): one gateway of the group at a time (the lock parameter, which
# only one put-parameter without --overwrite can create), out of its target groups first (drained), restarted
# connected, back in, and serving again before the lock is given back. One that does not come back connected and
# ready within 300 s is started standalone again. Target groups a return left are kept in the state directory and
# rejoined at every check until they are (a killed check, a reboot, an AWS error).
watch() {
  ((${#outage_endpoints[@]} > 0)) || exit 0
  local running answers=0 count needed failures
  # The instance's id, asked of IMDS once per boot (the run directory is tmpfs).
  instance_id="$(cat "${run_dir}/instance-id" 2>/dev/null || true)"
  if [[ -z "$instance_id" ]] && instance_id="$(api7_imds instance-id)"; then
    install -d -m 0700 "$run_dir"
    printf '%s\n' "$instance_id" >"${run_dir}/instance-id"
  fi
  rejoin || true
  running="$(cat "${run_dir}/mode" 2>/dev/null || echo none)"
  control_plane_answers && answers=1
  publish "$answers" "$([[ "$running" == standalone ]] && echo 1 || echo 0)"
  if [[ "$running" != standalone || "$answers" == 0 ]]; then
    rm -f "${run_dir}/answered"
    exit 0
  fi
  count=$(($(cat "${run_dir}/answered" 2>/dev/null || echo 0) + 1))
  printf '%s\n' "$count" >"${run_dir}/answered"
  failures="$(cat "${run_dir}/failed-returns" 2>/dev/null || echo 0)"
  needed=$((outage_checks << (failures < 5 ? failures : 5)))
  ((needed <= 240)) || needed=240
  ((count >= needed)) || exit 0
  reconnect "$count"
}

reconnect() { # CHECKS
  local tg state
  [[ -n "$instance_id" ]] || { echo "api7-run: ${service}: cannot read this instance's id (IMDS); not returning" >&2; exit 1; }
  api7_work="$(mktemp -d)"
  trap 'finish_return' EXIT
  take_lock
  # Not while api7-apply renders and reloads this service (config-templates/api7-apply.sh takes the same lock).
  exec 8>"${run_dir}/switch.lock"
  flock 8
  echo "api7-run: ${service}: the DP Manager answered $1 checks in a row; returning to the control plane, leaving the load balancer first" >&2
  install -d -m 0700 "$state_dir"
  for tg in "${outage_target_groups[@]}"; do
    # Recorded before it is left: a return killed after the call still rejoins it.
    printf '%s\n' "$tg" >>"${state_dir}/rejoin"
    aws elbv2 deregister-targets --region "$region" --target-group-arn "$tg" --targets "Id=${instance_id}"
  done
  # The waiter polls every 15 s, 40 times (botocore elbv2 waiters-2.json, TargetDeregistered); the deregistration
  # delay may be longer (up to 3600 s), so it is waited for again, 7 times at most. Whatever the waiter says, the
  # gateway restarts only once ELB reports the target `unused` in every group.
  for tg in "${outage_target_groups[@]}"; do
    for _ in 1 2 3 4 5 6 7; do
      aws elbv2 wait target-deregistered --region "$region" --target-group-arn "$tg" --targets "Id=${instance_id}" && break
    done
    state="$(aws elbv2 describe-target-health --region "$region" --target-group-arn "$tg" --targets "Id=${instance_id}" \
      --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)"
    [[ "$state" == unused ]] || { echo "api7-run: ${service}: still ${state} in ${tg}; not restarting" >&2; exit 1; }
  done
  rm -f "${run_dir}/answered" "${run_dir}/force-standalone"
  systemctl restart "api7@${service}.service"
  if serving normal; then
    rm -f "${run_dir}/failed-returns"
  else
    echo "api7-run: ${service}: not connected and ready after ${API7_SERVE_TIMEOUT:-300} s; back to standalone" >&2
    printf '%s\n' "$(($(cat "${run_dir}/failed-returns" 2>/dev/null || echo 0) + 1))" >"${run_dir}/failed-returns"
    touch "${run_dir}/force-standalone"
    systemctl restart "api7@${service}.service"
    serving standalone || echo "api7-run: ${service}: not healthy standalone either" >&2
  fi
  echo "api7-run: ${service}: back in the load balancer, $(cat "${run_dir}/mode")" >&2
}

# The group's lock, in this instance's name. Held by another: wait for the next check. Left by this instance (a
# reboot, a killed check), or older than a return lasts (the unit's 100 minutes): removed, taken at the next check.
take_lock() {
  local holder since
  if api7_ssm_put "$outage_lock" String "${instance_id}:$(date +%s)" 2>"${api7_work}/lock.err"; then
    lock_held=yes
    return
  fi
  if ! grep -q ParameterAlreadyExists "${api7_work}/lock.err"; then
    echo "api7-run: ${service}: cannot take the reconnect lock: $(cat "${api7_work}/lock.err")" >&2
    exit 1
  fi
  holder="$(api7_ssm_get "$outage_lock" 2>/dev/null || true)"
  since="${holder##*:}"
  if [[ "${holder%%:*}" == "$instance_id" ]] || { [[ "$since" =~ ^[0-9]+$ ]] && (($(date +%s) - since > 6600)); }; then
    echo "api7-run: ${service}: removing a reconnect lock left by ${holder%%:*}" >&2
    api7_ssm_delete "$outage_lock" || true
  else
    echo "api7-run: ${service}: another gateway (${holder%%:*}) is returning to the control plane; this one waits" >&2
  fi
  exit 0
}

# Registers this instance in the target groups a return left (${state_dir}/rejoin), then forgets them; not one
# Auto Scaling is terminating (IMDS autoscaling/target-lifecycle-state: Terminated, EC2 Auto Scaling user guide,
# retrieve-target-lifecycle-state-through-imds.html), which a stopped check would otherwise put back in rotation.
rejoin() {
  local tg failed=0
  rejoined=()
  [[ -s "${state_dir}/rejoin" && -n "$instance_id" ]] || return 0
  if [[ "$(api7_imds autoscaling/target-lifecycle-state 2>/dev/null || true)" == Terminated ]]; then
    rm -f "${state_dir}/rejoin"
    return 0
  fi
  while read -r tg; do
    if aws elbv2 register-targets --region "$region" --target-group-arn "$tg" --targets "Id=${instance_id}"; then
      rejoined+=("$tg")
    else
      failed=1
      echo "api7-run: ${service}: cannot rejoin ${tg}; trying again at the next check" >&2
    fi
  done < <(sort -u "${state_dir}/rejoin")
  ((failed == 0)) || return 1
  rm -f "${state_dir}/rejoin"
}

# A return's end, however it ends: back in its target groups, in service there (the waiter: 15 s polls, up to 10
# minutes) before the next gateway may leave, then the lock given back.
finish_return() {
  local tg
  rm -rf "$api7_work"
  rejoined=()
  rejoin || true
  if [[ "${lock_held:-}" == yes ]]; then
    for tg in "${rejoined[@]}"; do
      aws elbv2 wait target-in-service --region "$region" --target-group-arn "$tg" --targets "Id=${instance_id}" ||
        echo "api7-run: ${service}: not in service in ${tg} after 10 minutes" >&2
    done
    api7_ssm_delete "$outage_lock" || echo "api7-run: ${service}: cannot give back the reconnect lock" >&2
  fi
}

# The mode, by the number of arguments and the second one: anything else is refused before anything is read,
# rendered or started.
# --render-only renders for the mode the running container started in; --probe exits 0 when the DP Managers answer
# (or the service has none to probe), 5 when they do not.
case "$#:${2-}" in
  1:) load_spec; choose_mode; make_state_files; render_config; start_container ;;
  # --pull: the service's image on the host, nothing started (a warming host's first boot, api7-lifecycle).
  2:--pull)
    load_spec; registry_login; pulled=""; pull_by_digest
    [[ -n "$pulled" ]] || docker image inspect "$image" >/dev/null 2>&1 || docker pull -q "$image" >/dev/null ||
      { echo "api7-run: cannot pull ${image}" >&2; exit 1; } ;;
  2:--render-only)
    load_spec
    [[ "$(cat "${run_dir}/mode" 2>/dev/null)" != standalone ]] || mode_standalone
    make_state_files; render_config ;;
  2:--credentials-ready) load_spec; credentials_ready ;;
  2:--database-current) load_spec; database_current ;;
  2:--probe) load_spec; ((${#outage_endpoints[@]} == 0)) || control_plane_answers || exit 5 ;;
  2:--watch) load_spec; watch ;;
  2:*) usage "unknown mode: $2" ;;
  *) usage ;;
esac
