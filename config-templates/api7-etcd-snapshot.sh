#!/usr/bin/env bash
# api7-etcd-snapshot: a snapshot of the API7 2.x etcd cluster into the stack's snapshot bucket, taken by the member
# that is the leader when the timer fires on every member; the others leave it to the leader. So one snapshot per
# interval while a quorum stands, from whichever member leads; none without a quorum (no leader), which the
# bucket's freshness alarm reports.
#
# `etcdctl snapshot save` takes one endpoint and writes the v3 key space ("etcd v3 provides snapshot and restore
# ... without v3 key data loss", etcd-io/website content/en/docs/v3.5/op-guide/recovery.md); API7 2.x keeps its
# configuration in v3 (APISIX 2.x reads etcd through v3). docs/api7-2x.md tracks the restore procedure.
#
# Environment:
#   API7_ETCDCTL                 the etcdctl command (word-split), as for api7-etcd-auth
#   ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY   as etcdctl reads them
#   API7_ETCD_ENDPOINT           this member's client URL
#   API7_ETCD_ROOT_PASSWORD      root's (a snapshot needs it once authentication is on); unset without etcd.auth
#   API7_ETCD_SNAPSHOT_FILE      where etcdctl writes the snapshot; API7_ETCD_SNAPSHOT_HOST_FILE: the same file
#                                where this script reads it (they differ when etcdctl runs in the etcd container)
#   API7_ETCD_SNAPSHOT_URL       s3://<bucket>/<prefix>: the object is <prefix><UTC time>-<member id>.db
set -euo pipefail

: "${API7_ETCD_ENDPOINT:?}" "${API7_ETCD_SNAPSHOT_FILE:?}" "${API7_ETCD_SNAPSHOT_URL:?}"
host_file="${API7_ETCD_SNAPSHOT_HOST_FILE:-$API7_ETCD_SNAPSHOT_FILE}"
read -r -a etcdctl <<<"${API7_ETCDCTL:-etcdctl}"
# Without etcd.auth there is no root password, and no user is needed.
unset ETCDCTL_USER
[[ -z "${API7_ETCD_ROOT_PASSWORD:-}" ]] || export ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}"
unset ETCDCTL_ENDPOINTS
ctl() { "${etcdctl[@]}" --endpoints "$API7_ETCD_ENDPOINT" "$@"; }

# `endpoint status -w fields`: one `"Name" : value` line per field, the ids as exact integers (etcdctl/ctlv3/command/
# printer_fields.go EndpointStatus and hdr @v3.5.33): this member's id and its leader's.
fields="$(ctl endpoint status -w fields)"
member="$(sed -n 's/^"MemberID" : //p' <<<"$fields")"
leader="$(sed -n 's/^"Leader" : //p' <<<"$fields")"
is_leader=false
[[ -n "$member" && "$member" == "$leader" ]] && is_leader=true
if [[ "$is_leader" != true ]]; then
  echo "api7-etcd-snapshot: member ${member} is not the leader; the leader takes the snapshot" >&2
  exit 0
fi

trap 'rm -f "$host_file"' EXIT
ctl snapshot save "$API7_ETCD_SNAPSHOT_FILE" >/dev/null
TZ=UTC printf -v now '%(%Y%m%dT%H%M%SZ)T' -1
object="${API7_ETCD_SNAPSHOT_URL}${now}-${member}.db"
aws s3 cp --only-show-errors "$host_file" "$object"
echo "api7-etcd-snapshot: ${object} ($(stat -c %s "$host_file") bytes)" >&2
