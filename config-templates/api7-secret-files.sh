#!/bin/bash
# api7-secret-files FILE: the files a container reads its secrets from (the API7 2.x hosts' etcd certificates, keys
# and CA), written from the group's SSM SecureStrings into a directory under /run (tmpfs: never on a volume),
# readable by root alone, before every start of the service (its unit's drop-in runs this as ExecStartPre), so a
# renewed certificate lands with the next restart, which the group's rollout makes. The containers read them as root:
# etcd's release image sets no user (etcd-io/etcd Dockerfile-release.amd64 @v3.5.33); that API7's 2.x images run as
# root is not confirmed (API7 publishes no 2.x source).
# FILE (JSON): {"dir": "<directory>", "files": {"<file name>": "<SSM parameter>"}, "fileMode": "0600",
# "dirMode": "0700"} (the modes optional, these their defaults); host.json gives the region. The directory's parent
# is root's alone (0700), so modes that let the container's other users read the files (APISIX's nginx workers run as
# nobody: apache/apisix issue 5597) open them to no one on the host.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../lib/api7 source-path=SCRIPTDIR source=api7-lib.sh
source "${API7_LIB_DIR:-/usr/local/lib/api7}/api7-lib.sh"

api7_read_host
dir="" files=() file_mode="" dir_mode=""
api7_load '@sh "dir=\(.dir) file_mode=\(.fileMode // "0600") dir_mode=\(.dirMode // "0700")",
  "files=(\(.files | to_entries | map("\(.key)\t\(.value)") | @sh))"' "${1:?usage: api7-secret-files FILE}"
install -d -m 0700 "${dir%/*}"
install -d -m "$dir_mode" "$dir"
for item in "${files[@]}"; do
  file="${item%%$'\t'*}" parameter="${item#*$'\t'}"
  # Aside, then renamed: a container restarted meanwhile reads the old file or the new one, never half of one.
  (umask 077 && api7_ssm_get "$parameter" >"${dir}/${file}.new") || { rm -f "${dir}/${file}.new"; exit 1; }
  chmod "$file_mode" "${dir}/${file}.new"
  mv -f "${dir}/${file}.new" "${dir}/${file}"
done
echo "api7-secret-files: ${#files[@]} files in ${dir}" >&2
