#!/bin/bash
# api7-lifecycle [--check]
# Starts this host's API7 services once EC2 Auto Scaling has it headed for service (api7-lifecycle.service, at every
# boot). Where a host is headed is IMDS's autoscaling/target-lifecycle-state: InService, or Warmed:Stopped,
# Warmed:Running, Warmed:Hibernated for a host launched into the group's warm pool, Terminated... (EC2 Auto Scaling
# user guide, retrieving-target-lifecycle-state-through-imds.md). A warming host pulls its images and completes the
# launch lifecycle hook, so Auto Scaling stops it only once its first boot is done, and starts no service: a warming
# gateway never registers with the dashboard, a warming control-plane host never runs migrations or the bootstrap.
# Headed for service, it marks the host in service (/run/api7/in-service, tmpfs: gone at the next boot), starts
# the services and completes the hook again, as Auto Scaling waits for it then too (warm-pool-instance-lifecycle.md).
# Each API7 unit's ExecCondition runs `api7-lifecycle --check`: exit 1 without the mark, and systemd skips the start
# without counting a failure or restarting (systemd.service(5), ExecCondition=).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

run_root="${API7_RUN_DIR:-/run/api7}"
sbin="${API7_SBIN_DIR:-/usr/local/sbin}"
if [[ "${1-}" == --check && $# -eq 1 ]]; then
  [[ -e "${run_root}/in-service" ]] && exit 0
  echo "api7-lifecycle: not started: this host is not headed for service yet (journalctl -u api7-lifecycle)" >&2
  exit 1
fi
[[ $# -eq 0 ]] || { echo "usage: api7-lifecycle [--check]" >&2; exit 2; }
api7_read_host
poll="${API7_LIFECYCLE_POLL:-5}"

# The hook's completion (CONTINUE, or ABANDON) for this instance, in its group (asked of Auto Scaling: its name is
# Pulumi's). None pending (a group whose hook came after this host's launch, a second completion) is said, not an
# error.
complete_hook() { # [RESULT]
  local id group out result="${1:-CONTINUE}"
  id="$(api7_imds instance-id)" || { echo "api7-lifecycle: cannot read this instance's id (IMDS)" >&2; return 1; }
  group="$(aws autoscaling describe-auto-scaling-instances --region "$region" --instance-ids "$id" \
    --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)" || return 1
  if ! out="$(aws autoscaling complete-lifecycle-action --region "$region" --lifecycle-hook-name "$lifecycle_hook" \
    --auto-scaling-group-name "$group" --instance-id "$id" --lifecycle-action-result "$result" 2>&1)"; then
    if [[ "$out" == *"No active Lifecycle Action"* ]]; then
      echo "api7-lifecycle: no lifecycle action pending for ${id} in ${group}" >&2
      return 0
    fi
    echo "api7-lifecycle: cannot complete ${lifecycle_hook} for ${id} in ${group}: ${out}" >&2
    return 1
  fi
  echo "api7-lifecycle: completed ${lifecycle_hook} (${result}) for ${id} in ${group}" >&2
}

# Every service's image, pulled side by side.
prepare() {
  local svc pids=() failed=0
  for svc in "${services[@]}"; do
    "${sbin}/api7-run" "$svc" --pull & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}

# A step tried again after a failure: 5 s (API7_LIFECYCLE_POLL), doubling to a minute; given up after 30 minutes
# (API7_LIFECYCLE_GIVE_UP), longer than any hook's timeout, which by then has decided the launch.
retry() { # WHAT COMMAND...
  local what="$1" delay="$poll" deadline=$((SECONDS + ${API7_LIFECYCLE_GIVE_UP:-1800}))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || { echo "api7-lifecycle: giving up: ${what}" >&2; return 1; }
    sleep "$delay"
    delay="$(awk -v d="$delay" 'BEGIN { d *= 2; print (d > 60 ? 60 : d) }')"
  done
}

# Where Auto Scaling has this host headed. Before the host's first transition IMDS answers 404: waited for. A group
# without a warm pool starts its services after 60 s (API7_LIFECYCLE_WAIT) without an answer (a host that cannot read
# IMDS would otherwise never serve); one with a warm pool keeps waiting (a warming host must not start them), and the
# hook's timeout abandons a launching host that never learns.
started=$SECONDS pulled="" completed=""
while :; do
  state="$(api7_imds autoscaling/target-lifecycle-state 2>/dev/null || true)"
  case "$state" in
    InService) break ;;
    Terminated | Warmed:Terminated | Detached)
      echo "api7-lifecycle: headed for ${state}: starting nothing" >&2
      exit 0 ;;
    Warmed:*)
      if [[ -z "$pulled" ]]; then
        echo "api7-lifecycle: warming (${state}): pulling the images; no service starts until the host is headed for service" >&2
        retry "pulling the images" prepare || exit 1
        pulled=yes
      fi
      if [[ -z "$completed" ]]; then
        retry "completing ${lifecycle_hook}" complete_hook || exit 1
        completed=yes
      fi ;;
    "")
      if [[ "$warm_pool" != true ]] && ((SECONDS - started >= ${API7_LIFECYCLE_WAIT:-60})); then
        echo "api7-lifecycle: IMDS gives no target lifecycle state after $((SECONDS - started)) s; starting the services" >&2
        break
      fi ;;
    *) echo "api7-lifecycle: headed for ${state}; starting the services" >&2; break ;;
  esac
  sleep "$poll"
done

# A cold launch pulls its images side by side too, before the first service starts (a warm one has them, unless an
# image changed since it warmed).
[[ -n "$pulled" ]] || prepare || echo "api7-lifecycle: a pull failed; each service pulls what it misses as it starts" >&2
install -d -m 0755 "$run_root"
touch "${run_root}/in-service"
echo "api7-lifecycle: headed for service; starting ${services[*]}" >&2
failed=""
for svc in "${services[@]}"; do systemctl start "api7@${svc}.service" || failed="${failed} ${svc}"; done
# The control plane's first-install bootstrap waits for the dashboard: not waited for here.
[[ "$bootstrap" != true ]] || systemctl start --no-block api7-bootstrap.service || failed="${failed} bootstrap"
if [[ -n "$failed" ]]; then
  # A host whose services do not start is not put in service: Auto Scaling terminates it and launches another.
  echo "api7-lifecycle: could not start${failed}; abandoning this launch" >&2
  complete_hook ABANDON || true
  exit 1
fi
retry "completing ${lifecycle_hook}" complete_hook
