#!/bin/bash
# api7-run SERVICE [--render-only | --credentials-ready]
# Runs one API7 container in the foreground for systemd (api7@SERVICE.service). The service's run spec and config
# template come from SSM Parameter Store at every start, and its secrets from SecureStrings, so no secret sits in
# user data or on disk outside tmpfs, and a config change needs only a restart or reload (see api7-apply).
set -euo pipefail

service="${1:?usage: api7-run SERVICE [--render-only | --credentials-ready]}"
mode="${2:-run}"
# Where host.json lives and where rendered configs go (tmpfs); overridable to run the script outside a host.
etc_dir="${API7_ETC_DIR:-/etc/api7}"
run_root="${API7_RUN_DIR:-/run/api7}"
# What the host keeps across restarts (a gateway's instance id, its admin key): on disk, root only.
state_root="${API7_STATE_DIR:-/var/lib/api7}"
host="${etc_dir}/host.json"
# Assigned first, then eval'd: a failing jq inside eval's argument would go unnoticed.
vars="$(jq -r '@sh "region=\(.region) prefix=\(.parameterPrefix)"' "$host")"
region="" prefix=""
eval "$vars"

ssm() {
  aws ssm get-parameter --region "$region" --name "$1" --with-decryption \
    --query Parameter.Value --output text
}

spec="$(ssm "${prefix}/${service}.json")"
# The spec's fields in one jq call (shell-quoted by @sh): container, image, config_path, config_parameter,
# generation, and pending, what a credential the control plane issues (the gateways') holds until it is written.
vars="$(jq -r '@sh "container=\(.container) image=\(.image) config_path=\(.configPath) config_parameter=\(.configParameter) generation=\(.generation) pending=\(.pendingSecret // "")"' <<<"$spec")"
container="" image="" config_path="" config_parameter="" generation="" pending=""
eval "$vars"
poll="${API7_WAIT_POLL:-10}"

# --credentials-ready: exit 0 when every secret the container gets is issued, 3 while one is pending.
if [[ "$mode" == "--credentials-ready" ]]; then
  while IFS= read -r parameter; do
    [[ -n "$parameter" ]] || continue
    value="$(ssm "$parameter")"
    [[ -z "$pending" || "$value" != "$pending" ]] || exit 3
  done < <(jq -r '.secretEnv // {} | .[]' <<<"$spec")
  exit 0
fi

# State files: created once, then reused at every start, so a restarted container keeps its identity.
state_dir="${state_root}/${service}"
install -d -m 0700 "$state_dir"
while IFS=$'\t' read -r name kind; do
  [[ -n "$name" ]] || continue
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
done < <(jq -r '.stateFiles // [] | .[] | [.name, .generate] | @tsv' <<<"$spec")

rendered="$(ssm "$config_parameter")"
# Placeholders become JSON strings, which YAML reads as double-quoted scalars: secrets from SSM, state from disk.
substitute() {
  rendered="$(TEMPLATE="$rendered" TOKEN="$1" VALUE="$2" jq -rn 'env.TEMPLATE | split(env.TOKEN) | join(env.VALUE | tojson)')"
}
# Each value is assigned first: a failed command substitution in an argument would not stop the script (set -e).
while IFS=$'\t' read -r token parameter; do
  [[ -n "$token" ]] || continue
  value="$(ssm "$parameter")"
  substitute "$token" "$value"
done < <(jq -r '.placeholders // {} | to_entries[] | [.key, .value] | @tsv' <<<"$spec")
while IFS=$'\t' read -r token name; do
  [[ -n "$token" ]] || continue
  value="$(<"${state_dir}/${name}")"
  substitute "$token" "$value"
done < <(jq -r '.statePlaceholders // {} | to_entries[] | [.key, .value] | @tsv' <<<"$spec")

run_dir="${run_root}/${service}"
install -d -m 0700 "$run_dir"
config="${run_dir}/config.yaml"
# Rewritten in place (same inode) so the bind mount of a running container sees the new content on reload.
(umask 022 && printf '%s\n' "$rendered" >"$config")
[[ "$mode" == "--render-only" ]] && exit 0

args=(--rm --name "$container" --network host --log-driver journald
  --label "api7-ha.generation=${generation}"
  -v "${config}:${config_path}:ro")
# State files mounted read-write: APISIX writes apisix.uid when it finds none there (apisix/core/id.lua).
while IFS=$'\t' read -r name mount; do
  [[ -n "$name" ]] || continue
  args+=(-v "${state_dir}/${name}:${mount}")
done < <(jq -r '.stateFiles // [] | .[] | select(.mount) | [.name, .mount] | @tsv' <<<"$spec")
while IFS=$'\t' read -r name value; do
  [[ -n "$name" ]] || continue
  export "${name}=${value}"
  args+=(-e "$name")
done < <(jq -r '.env // {} | to_entries[] | [.key, .value] | @tsv' <<<"$spec")
# Secret environment goes to docker by name only, never on a command line. A credential not issued yet is waited
# for, with no container started: one started without it would fail and be restarted in a loop by systemd.
while IFS=$'\t' read -r name parameter; do
  [[ -n "$name" ]] || continue
  value="$(ssm "$parameter")"
  polls=0
  while [[ -n "$pending" && "$value" == "$pending" ]]; do
    # Said once, then every 30 polls (5 minutes at the default 10 s).
    ((polls % 30 != 0)) || echo "api7-run: waiting for the control plane to issue ${parameter}" >&2
    sleep "$poll"
    polls=$((polls + 1))
    value="$(ssm "$parameter")"
  done
  export "${name}=${value}"
  args+=(-e "$name")
done < <(jq -r '.secretEnv // {} | to_entries[] | [.key, .value] | @tsv' <<<"$spec")
mapfile -t extra < <(jq -r '.dockerArgs // [] | .[]' <<<"$spec")
mapfile -t command < <(jq -r '.command // [] | .[]' <<<"$spec")

exec docker run "${args[@]}" "${extra[@]}" "$image" "${command[@]}"
