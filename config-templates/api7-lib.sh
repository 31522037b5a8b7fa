# shellcheck shell=bash
# What the host scripts share, sourced from /usr/local/lib/api7/api7-lib.sh (written by the user data). Parameters
# are SSM's, or with API7_PARAMETER_DIR set (the Docker lab) files under it, with the same create-once semantics.

# Every line a host script writes to stderr goes, as before, to its caller (systemd's journal, SSM's command
# output), and also to ${API7_LOG_DIR}/host-<UTC date>.log, stamped and named, which the CloudWatch agent ships to the
# role's log group and removes once the next day's file exists (components/aws/log-agent.ts); files older than 14
# days go anyway (/etc/tmpfiles.d/api7.conf, for a host whose agent is not running). Once per process tree: a script
# another one runs writes through its parent's copy (API7_LOG_COPY off), and none when the caller discards stderr or
# the directory cannot be made. The copy never stops a script: a full disk or a closed journal loses lines, nothing
# else. api7_stderr_restore hands the caller's stderr back and lets the copy finish (at exit, and in api7-run before
# the container's own output takes stderr: that goes to the awslogs driver).
api7_log_dir="${API7_LOG_DIR:-/var/log/api7}" api7_stderr=""
if [[ "${API7_LOG_COPY:-on}" != off && ! /proc/self/fd/2 -ef /dev/null ]] &&
  install -d -m 0750 "$api7_log_dir" 2>/dev/null; then
  export API7_LOG_COPY=off
  # A coprocess: its input is this script's stderr; its output, empty, ends when it does (what restoring waits for,
  # without a process or a poll of its own).
  coproc API7_COPY {
    set +e
    trap '' PIPE
    name="${0##*/}"
    while IFS= read -r line || [[ -n "$line" ]]; do
      printf '%s\n' "$line" >&2
      TZ=UTC printf -v day '%(%F)T' -1
      { TZ=UTC printf '%(%Y-%m-%dT%H:%M:%SZ)T %s: %s\n' -1 "$name" "$line" >>"${api7_log_dir}/host-${day}.log"; } 2>/dev/null
    done
  }
  exec {api7_stderr}>&2 2>&"${API7_COPY[1]}"
  trap api7_stderr_restore EXIT
fi
api7_stderr_restore() {
  [[ -n "$api7_stderr" ]] || return 0
  local input="${API7_COPY[1]}" output="${API7_COPY[0]}"
  exec 2>&"$api7_stderr" {api7_stderr}>&- {input}>&-
  api7_stderr=""
  # The copy's output ends once it has written every line (at most a second: a child left running may still hold
  # this script's stderr).
  read -r -t 1 -u "$output" _ || true
  exec {output}<&-
}

# api7_load JQ_ARGS...: evaluates what `jq -r JQ_ARGS...` prints, assignments quoted by @sh (one jq start, tens of
# milliseconds, sets many variables). Assigned first: a failing jq inside eval's argument would go unnoticed.
api7_load() {
  local api7_assignments
  api7_assignments="$(jq -r "$@")" || return
  eval "$api7_assignments"
}

# api7_read_host: region, prefix, services, whether the host runs the first-install bootstrap and whether its group
# has a warm pool (true or false), and the group's launch lifecycle hook, from host.json (API7_ETC_DIR: its
# directory, outside a host).
# shellcheck disable=SC2034 # used by the scripts that source this file
api7_read_host() {
  region="" prefix="" services=() lifecycle_hook="" bootstrap=false warm_pool=false
  api7_load '@sh "region=\(.region) prefix=\(.parameterPrefix) lifecycle_hook=\(.lifecycleHook // "") bootstrap=\(.bootstrap // false) warm_pool=\(.warmPool // false)", "services=(\(.services // [] | @sh))"' \
    "${API7_ETC_DIR:-/etc/api7}/host.json"
}

# api7_ssm_get NAME. WithDecryption "is ignored for String and StringList parameter types"
# (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html). A failure is said with
# the parameter's name after the CLI's own error: SSM's ParameterNotFound carries no message, and a connection error
# names only the endpoint.
api7_ssm_get() {
  local status=0
  if [[ -n "${API7_PARAMETER_DIR:-}" ]]; then
    cat "${API7_PARAMETER_DIR}$1" || status=$?
  else
    aws ssm get-parameter --region "$region" --name "$1" --with-decryption --query Parameter.Value --output text ||
      status=$?
  fi
  ((status == 0)) || echo "api7: cannot read the SSM parameter $1 (exit ${status})" >&2
  return "$status"
}

# api7_ssm_put NAME TYPE VALUE [--overwrite]: the value read from a file (file://) in the caller's private directory
# api7_work, never an argument (visible in the process list); a SecureString under the KMS key api7_key_id, if set
# (without --key-id, PutParameter uses the account's aws/ssm key, even over a parameter under another key).
# The AWS CLI opens such a file as text in AWS_CLI_FILE_ENCODING, else the locale's encoding (aws/aws-cli v2
# awscli/paramfile.py get_file, awscli/compat.py compat_open and getpreferredencoding @73fb33bb): UTF-8 here,
# whatever the service's locale. Text mode reads a CR as a newline; no value put here holds one. Without --overwrite
# it fails with ParameterAlreadyExists on an existing one, as SSM's PutParameter does; the file store creates the
# file exclusively (noclobber) for the same guarantee.
api7_ssm_put() {
  local store="${API7_PARAMETER_DIR:-}" key=()
  if [[ -n "$store" ]]; then
    mkdir -p "$(dirname "${store}$1")"
    if [[ "${4:-}" == --overwrite ]]; then
      printf '%s' "$3" >"${store}$1.new" && mv -f "${store}$1.new" "${store}$1"
    else
      (set -o noclobber && printf '%s' "$3" >"${store}$1") 2>/dev/null || { echo "ParameterAlreadyExists: $1" >&2; return 1; }
    fi
    return
  fi
  [[ "$2" != SecureString || -z "${api7_key_id:-}" ]] || key=(--key-id "$api7_key_id")
  printf '%s' "$3" >"${api7_work:?api7_ssm_put needs api7_work}/value"
  AWS_CLI_FILE_ENCODING=UTF-8 aws ssm put-parameter --region "$region" --name "$1" --type "$2" \
    --value "file://${api7_work}/value" "${key[@]}" ${4:+"$4"} >/dev/null
}

api7_ssm_delete() { # NAME
  if [[ -n "${API7_PARAMETER_DIR:-}" ]]; then
    rm -f "${API7_PARAMETER_DIR}$1"
    return
  fi
  aws ssm delete-parameter --region "$region" --name "$1" >/dev/null 2>&1
}

# A value from the instance metadata service, IMDSv2 (a session token first, handed to curl on stdin, not in its
# arguments), at the endpoint the AWS CLI reads (AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254).
api7_imds() { # PATH under /latest/meta-data/
  local endpoint="${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254/}" token
  token="$(curl -fsS -X PUT --max-time 2 -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "${endpoint%/}/latest/api/token")" &&
    printf 'X-aws-ec2-metadata-token: %s\n' "$token" |
    curl -fsS --max-time 2 -H @- "${endpoint%/}/latest/meta-data/$1"
}
