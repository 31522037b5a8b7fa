#!/bin/bash
# api7-etcd-admin auth|snapshot|healthy|rollout: runs api7-etcd-auth or api7-etcd-snapshot, checks every member, or
# applies a rollout, on an etcd member of the API7 2.x
# topology, as its units do (api7-etcd-auth.service after every start of etcd; api7-etcd-snapshot.timer): etcdctl is
# the one in the member's container (`docker exec`; the image has no shell: etcd-io/etcd Dockerfile-release.amd64
# @v3.5.33), with the member's certificate, and the passwords come from the group's SSM SecureStrings into the
# environment, never a command line. What it needs (the member's endpoint and certificate, the prefixes, the bucket, the
# passwords' parameters) is the group's SSM parameter <prefix>/secrets/etcd-admin (JSON, components/aws/
# v2-host-files.ts EtcdAdminConfig), read at every run: a change of it, rolled out by the members' rollout, takes
# effect at the next one. host.json gives the region and the prefix.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

api7_read_host
container="" endpoint="" tls_ca="" tls_cert="" tls_key="" etcd_prefix="" gateway_prefix="" snapshot_url="" snapshot_file=""
root="" dashboard="" gateway=""
config="$(api7_ssm_get "${prefix}/secrets/etcd-admin")"
api7_load '@sh "container=\(.container) endpoint=\(.endpoint) tls_ca=\(.tls.ca) tls_cert=\(.tls.cert) tls_key=\(.tls.key)",
  @sh "etcd_prefix=\(.prefix) gateway_prefix=\(.gatewayPrefix) snapshot_url=\(.snapshotUrl) snapshot_file=\(.snapshotFile)",
  @sh "root=\(.passwords.root // "") dashboard=\(.passwords.dashboard // "") gateway=\(.passwords.gateway // "")"' \
  <<<"$config"

export ETCDCTL_ENDPOINTS="$endpoint" ETCDCTL_CACERT="$tls_ca" ETCDCTL_CERT="$tls_cert" ETCDCTL_KEY="$tls_key"
# ETCDCTL_USER is set by the scripts themselves, and passed by name only.
export API7_ETCDCTL="docker exec -i -e ETCDCTL_USER -e ETCDCTL_ENDPOINTS -e ETCDCTL_CACERT -e ETCDCTL_CERT -e ETCDCTL_KEY ${container} etcdctl"
# Without etcd.auth there are no passwords: no user to log in as.
if [[ -n "$root" ]]; then API7_ETCD_ROOT_PASSWORD="$(api7_ssm_get "$root")"; export API7_ETCD_ROOT_PASSWORD; fi
sbin="${API7_SBIN_DIR:-/usr/local/sbin}"
case "${1:-}" in
  auth)
    API7_ETCD_DASHBOARD_PASSWORD="$(api7_ssm_get "$dashboard")"
    API7_ETCD_GATEWAY_PASSWORD="$(api7_ssm_get "$gateway")"
    export API7_ETCD_DASHBOARD_PASSWORD API7_ETCD_GATEWAY_PASSWORD API7_ETCD_PREFIX="$etcd_prefix"
    export API7_ETCD_GATEWAY_PREFIX="$gateway_prefix"
    # The script itself is the group's parameter too (components/aws/v2-host-files.ts ETCD_AUTH_SCRIPT_SECRET).
    script="$(api7_ssm_get "${prefix}/secrets/api7-etcd-auth")"
    exec bash -c "$script" api7-etcd-auth
    ;;
  snapshot)
    # The data volume is mounted at the same path on the host and in the container: one file name for both.
    export API7_ETCD_ENDPOINT="$endpoint" API7_ETCD_SNAPSHOT_FILE="$snapshot_file" API7_ETCD_SNAPSHOT_URL="$snapshot_url"
    exec "${sbin}/api7-etcd-snapshot"
    ;;
  rollout)
    # The members' rollout, one member at a time (components/aws/etcd-cluster.ts): a member whose etcd runs is
    # restarted (api7-apply) only while every member answers, so a rollout during an outage stops here, and is run
    # again once they do, instead of taking a second member down with the quorum. A host not yet in service, or whose
    # etcd is not running, has nothing to take down: api7-apply as it is.
    cloud-init status --wait >/dev/null 2>&1 || true
    if "${sbin}/api7-lifecycle" --check 2>/dev/null &&
      [[ "$(docker inspect --format '{{.State.Running}}' "$container" 2>/dev/null)" == true ]]; then
      "$0" healthy || {
        echo "api7-etcd-admin: not every etcd member answers; this one is not restarted (run the rollout again once they do)" >&2
        exit 1
      }
    fi
    exec "${sbin}/api7-apply" etcd
    ;;
  healthy)
    # Every member answers (`endpoint health --cluster`: each member of the member list, at its client URL): the
    # members' rollout restarts a member only then, so a rollout during an outage stops instead of taking a second
    # member down with the quorum (its command: components/aws/etcd-cluster.ts).
    read -r -a ctl <<<"$API7_ETCDCTL"
    [[ -z "${API7_ETCD_ROOT_PASSWORD:-}" ]] || export ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}"
    exec "${ctl[@]}" endpoint health --cluster
    ;;
  *)
    echo "usage: api7-etcd-admin auth|snapshot|healthy|rollout" >&2
    exit 2
    ;;
esac
