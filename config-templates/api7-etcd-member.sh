#!/bin/bash
# api7-etcd-member: makes this host the etcd member its group stands for, before etcd starts (the member's unit runs
# it first, at every start). A member is its fixed network interface (its address, in every other member's
# --initial-cluster and in the clients' configurations) and its data volume, both in its AZ and kept when a host is
# replaced: the new host takes them over and etcd, finding its data, rejoins as the same member ("The command line
# parameters starting with --initial-cluster will be ignored on subsequent runs of etcd", etcd-io/website
# content/en/docs/v3.5/op-guide/clustering.md). No membership change on a replacement, so none while a member is
# down, when a member add would raise the quorum (op-guide/runtime-configuration.md).
#
# 1. The interface and the volume: attached here, once the host they were on has let them go; both detach as it
#    terminates. A wait, not a forced detach: a host that still holds them may still run etcd on them. So a member's
#    group must replace a host by "terminate and launch", never "launch before terminating", where the old host
#    leaves only once the new one is in service, which it cannot be without them (docs/api7-2x.md; Auto Scaling's
#    policies: https://docs.aws.amazon.com/autoscaling/ec2/userguide/
#    instance-maintenance-policy-overview-and-considerations.html).
# 2. The volume's device (NVMe on Nitro: /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<volume id without the
#    dash>, EC2 user guide nvme-ebs-volumes.html), an XFS file system made on it only when it has none (a new member),
#    mounted where etcd keeps its data.
# The member's TLS files come from api7-secret-files, which its unit runs next. /etc/api7/etcd-member.json
# (API7_ETC_DIR) says which interface and volume; host.json the region.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

api7_read_host
eni="" volume="" device="" mount_point=""
api7_load '@sh "eni=\(.networkInterfaceId) volume=\(.volumeId) device=\(.device) mount_point=\(.mount)"' \
  "${API7_ETC_DIR:-/etc/api7}/etcd-member.json"
poll="${API7_ETCD_MEMBER_POLL:-5}"
# One wait for both, within the launch hook's timeout: the etcd role's heartbeat is twice its boot budget, 540 s, of
# which about 180 s go before this runs (components/aws/boot-budget.ts, tests/etcd.test.ts), then 240 s here and 60 s
# for the device, and the start of etcd after.
wait_seconds="${API7_ETCD_MEMBER_WAIT:-240}"
deadline=$((SECONDS + wait_seconds))
id="$(api7_imds instance-id)" || { echo "api7-etcd-member: cannot read this instance's id (IMDS)" >&2; exit 1; }

# take WHAT DESCRIBE ATTACH: polls DESCRIBE ("<state> <instance or None>") until WHAT is attached here, running
# ATTACH whenever it is free; gives up at the deadline (wait_seconds for both), naming the instance that holds it.
take() {
  local what="$1" describe="$2" attach="$3" state holder
  while :; do
    # A failed describe (throttled, a network blip) leaves both empty: the wait goes on.
    read -r state holder < <("$describe") || true
    case "$state/$holder" in
      in-use/"$id" | attached/"$id") return 0 ;;
      available/*) "$attach" >/dev/null || true ;;
    esac
    if ((SECONDS >= deadline)); then
      echo "api7-etcd-member: ${what} is still ${state} on ${holder} after ${wait_seconds} s; it stays there" >&2
      return 1
    fi
    sleep "$poll"
  done
}

eni_state() {
  aws ec2 describe-network-interfaces --region "$region" --network-interface-ids "$eni" \
    --query 'NetworkInterfaces[0].[Status, Attachment.InstanceId]' --output text
}
eni_attach() {
  aws ec2 attach-network-interface --region "$region" --network-interface-id "$eni" --instance-id "$id" \
    --device-index 1
}
# A volume is in-use from its attachment's start; this host has it once the attachment itself is `attached`.
volume_state() {
  local state holder attachment
  read -r state holder attachment < <(aws ec2 describe-volumes --region "$region" --volume-ids "$volume" \
    --query 'Volumes[0].[State, Attachments[0].InstanceId, Attachments[0].State]' --output text) || true
  if [[ "$state" == in-use && "$holder" == "$id" && "$attachment" != attached ]]; then state="$attachment"; holder=""; fi
  echo "$state $holder"
}
volume_attach() {
  aws ec2 attach-volume --region "$region" --volume-id "$volume" --instance-id "$id" --device "$device"
}

take "network interface ${eni}" eni_state eni_attach
take "volume ${volume}" volume_state volume_attach
echo "api7-etcd-member: ${eni} and ${volume} attached to ${id}" >&2

dev_dir="${API7_DEV_DIR:-/dev}" device_wait="${API7_ETCD_DEVICE_WAIT:-60}"
nvme="${dev_dir}/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume//-/}"
for ((i = 0; ; i++)); do
  if [[ -e "$nvme" ]]; then dev="$nvme"; break; fi
  if [[ -e "${dev_dir}/${device#/dev/}" ]]; then dev="${dev_dir}/${device#/dev/}"; break; fi
  if ((i >= device_wait)); then
    echo "api7-etcd-member: no device for ${volume} (${nvme} or ${device}) ${device_wait} s after it was attached" >&2
    exit 1
  fi
  sleep 1
done
# No file system: a new volume. At the cluster's first boot, a new member: XFS is made, and the member's marker
# (<prefix>/member-volume: "<interface> <volume>", an SSM String this host writes) records that this interface's
# member has had data. A volume without a file system for an interface that has had data is a member that lost its
# data: etcd must not start it empty under its old identity (it has forgotten its votes and its log); it rejoins by
# `member remove` and `member add` (etcd-io/website content/en/docs/v3.5/op-guide/runtime-configuration.md), by hand
# (docs/api7-2x.md). So the start fails here, saying so. A stack destroyed and created again has new interfaces: its
# members start as new ones.
marker="${prefix}/member-volume"
if [[ -z "$(blkid -o value -s TYPE "$dev" || true)" ]]; then
  had="$(api7_ssm_get "$marker" 2>/dev/null || true)"
  if [[ "${had%% *}" == "$eni" ]]; then
    echo "api7-etcd-member: ${volume} has no file system, but this member had data on ${had#* }: it lost its data" \
      "and must rejoin by etcdctl member remove and member add (docs/api7-2x.md); etcd is not started" >&2
    exit 1
  fi
  echo "api7-etcd-member: ${volume} has no file system: a new member, making XFS" >&2
  mkfs.xfs -q "$dev"
  api7_work="$(mktemp -d)"
  api7_ssm_put "$marker" String "${eni} ${volume}" --overwrite ||
    echo "api7-etcd-member: could not record ${marker}: a lost volume of this member will not be told from a new one" >&2
  rm -rf "$api7_work"
fi
install -d -m 0700 "$mount_point"
mountpoint -q "$mount_point" || mount "$dev" "$mount_point"
# A volume made larger (etcd.dataVolumeGiB; EBS grows it in place): the file system follows, mounted (xfs_growfs(8)).
xfs_growfs -d "$mount_point" >/dev/null || echo "api7-etcd-member: could not grow the file system on ${volume}" >&2
echo "api7-etcd-member: ${volume} mounted at ${mount_point}" >&2
