#!/bin/bash
# api7-apply SERVICE...
# api7-apply --if-database-rotated [SERVICE...]
# Picks up new config from SSM on this host, one service at a time, and waits for each to be healthy. Run by the
# plane's SSM association, which targets one host at a time and stops at the first failure, so a bad config
# never reaches the second host.
# With --if-database-rotated (api7-db-rotation.timer, control plane with a managed database): restarts only the
# services that started with a database password RDS has rotated since, so they connect with the new one.
set -euo pipefail
# The shared helpers (api7_*), where the user data writes them (API7_LIB_DIR: their directory, outside a host).
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

# The mode: an option other than --if-database-rotated is refused, not taken for a service's name.
rotated_only=0
case "${1-}" in
  --if-database-rotated) rotated_only=1; shift ;;
  -*)
    echo "api7-apply: unknown option: $1" >&2
    echo "usage: api7-apply SERVICE... | api7-apply --if-database-rotated [SERVICE...]" >&2
    exit 2 ;;
esac

# The association also runs right after a host is created: let first boot finish installing everything.
cloud-init status --wait >/dev/null || true

# Where api7-run is, and where it keeps each service's mode (overridable to run this script outside a host).
sbin="${API7_SBIN_DIR:-/usr/local/sbin}"
run_root="${API7_RUN_DIR:-/run/api7}"
api7_read_host
# A host not in service (warm in the pool, or still at its first boot) runs no service: each reads its configuration
# when api7-lifecycle starts it. Nothing to apply, and nothing to wait for.
if ! "${sbin}/api7-lifecycle" --check 2>/dev/null; then
  echo "api7-apply: this host is not in service (api7-lifecycle): its services read their configuration when they start" >&2
  exit 0
fi
if ((rotated_only == 1 && $# == 0)); then
  set -- "${services[@]}"
fi

for service in "$@"; do
  spec="$(api7_ssm_get "${prefix}/${service}.json")"
  container="" generation="" url="" reload=() outage=""
  api7_load '@sh "container=\(.container) generation=\(.generation) url=\(.healthUrl // "") outage=\(.outage != null)",
    "reload=(\(.reloadCommand // [] | @sh))"' <<<"$spec"
  running="$(docker inspect --format '{{ index .Config.Labels "api7-ha.generation" }}' "$container" 2>/dev/null || true)"

  if ((rotated_only == 1)); then
    current=0
    "${sbin}/api7-run" "$service" --database-current || current=$?
    ((current == 0)) && continue
    ((current == 4)) || exit "$current"
    echo "api7-apply: the database password changed (RDS rotation); restarting ${service}" >&2
    running=""
  fi

  # A service whose credentials the control plane has not issued yet is left as it is: a restart would only make
  # it wait (and take down a gateway still serving with the credentials it has).
  ready=0
  "${sbin}/api7-run" "$service" --credentials-ready || ready=$?
  if ((ready == 3)); then
    echo "api7-apply: ${service} waits for credentials the control plane has not issued yet; left as it is" >&2
    continue
  fi
  ((ready == 0)) || exit "$ready"

  # Not while the watch returns this gateway to the control plane (config-templates/api7-run.sh reconnect holds
  # the same lock from before it leaves the load balancer until it is back).
  install -d -m 0700 "${run_root}/${service}"
  exec 8>"${run_root}/${service}/switch.lock"
  if ! flock -w "${API7_APPLY_LOCK_SECONDS:-60}" 8; then
    echo "api7-apply: ${service}: a return to the control plane is in progress; run the rollout again once it ends" >&2
    exit 1
  fi

  # A running gateway connected to the DP Manager (not standalone) is neither reloaded nor restarted while no DP
  # Manager answers: a reload re-reads a configuration it cannot reach and leaves the gateway empty behind a GET
  # /status that still answers 200, and a restart would trade the configuration it serves for the last export. The
  # rollout stops here (the association stops at the first failure) and is run again once the control plane is
  # back. One not running is started: api7-run starts it standalone.
  if [[ "$outage" == true && -n "$running" && "$(cat "${run_root}/${service}/mode" 2>/dev/null)" != standalone ]]; then
    answers=0
    "${sbin}/api7-run" "$service" --probe || answers=$?
    if ((answers == 5)); then
      echo "api7-apply: ${service}: deferred: no DP Manager answers, and a reload or restart now would leave the gateway without its configuration; run the rollout again once the control plane is back" >&2
      exit 1
    fi
    ((answers == 0)) || exit "$answers"
  fi

  if [[ "$running" == "$generation" && ${#reload[@]} -gt 0 ]]; then
    # Same image, environment and arguments: re-render and reload in place, keeping open connections.
    "${sbin}/api7-run" "$service" --render-only
    docker exec "$container" "${reload[@]}"
  else
    # Anything else about the container changed (image, environment, mode): start it anew.
    systemctl restart "api7@${service}.service"
  fi
  exec 8>&-

  [[ -n "$url" ]] || continue
  # A gateway still waiting for the credentials the control plane issues has nothing to check yet.

  for _ in $(seq 1 60); do
    # -k: the dashboard's own HTTPS listener (controlPlane.dashboardListener https) has no certificate for
    # 127.0.0.1; this only asks a local service whether it is up.
    if curl -fsSk -o /dev/null --max-time 2 "$url"; then
      continue 2
    fi
    sleep 5
  done
  echo "api7-apply: ${service} is not healthy at ${url} after 300 s" >&2
  exit 1
done
