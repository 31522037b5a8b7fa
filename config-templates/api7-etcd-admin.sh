#!/bin/bash
# api7-etcd-admin auth|snapshot: runs api7-etcd-auth or api7-etcd-snapshot on an etcd member of the API7 2.x
# topology, as its units do (api7-etcd-auth.service after every start of etcd; api7-etcd-snapshot.timer): etcdctl is
# the one in the member's container (`docker exec`; the image has no shell: etcd-io/etcd Dockerfile-release.amd64
# @v3.5.33), with the member's certificate, and the passwords come from the group's SSM SecureStrings into the
# environment, never a command line. /etc/api7/etcd-admin.json (API7_ETC_DIR) says which; host.json the region.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

api7_read_host
container="" endpoint="" tls_ca="" tls_cert="" tls_key="" prefix="" gateway_prefix="" snapshot_url="" snapshot_file=""
root="" dashboard="" gateway=""
api7_load '@sh "container=\(.container) endpoint=\(.endpoint) tls_ca=\(.tls.ca) tls_cert=\(.tls.cert) tls_key=\(.tls.key)",
  @sh "prefix=\(.prefix) gateway_prefix=\(.gatewayPrefix) snapshot_url=\(.snapshotUrl) snapshot_file=\(.snapshotFile)",
  @sh "root=\(.passwords.root // "") dashboard=\(.passwords.dashboard // "") gateway=\(.passwords.gateway // "")"' \
  "${API7_ETC_DIR:-/etc/api7}/etcd-admin.json"

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
    export API7_ETCD_DASHBOARD_PASSWORD API7_ETCD_GATEWAY_PASSWORD API7_ETCD_PREFIX="$prefix"
    export API7_ETCD_GATEWAY_PREFIX="$gateway_prefix"
    exec "${sbin}/api7-etcd-auth"
    ;;
  snapshot)
    # The data volume is mounted at the same path on the host and in the container: one file name for both.
    export API7_ETCD_ENDPOINT="$endpoint" API7_ETCD_SNAPSHOT_FILE="$snapshot_file" API7_ETCD_SNAPSHOT_URL="$snapshot_url"
    exec "${sbin}/api7-etcd-snapshot"
    ;;
  *)
    echo "usage: api7-etcd-admin auth|snapshot" >&2
    exit 2
    ;;
esac
