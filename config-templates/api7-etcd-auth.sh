#!/usr/bin/env bash
# api7-etcd-auth: the API7 2.x etcd cluster's users and roles, and authentication on (etcd.auth). Run on a member
# once the cluster answers; safe to run again, and on several members at once: what another run created first is
# taken as it is, and a run that another one's `auth enable` overtakes stops and succeeds when run again (as root). The dashboards' and gateways' passwords are set again at every run (a rotated secret takes
# effect); root's must stay as it is (a run with another one stops, see below), and the gateways' permission
# follows the cluster id: a grant for another prefix is revoked.
#
# etcd's RBAC (etcd-io/website content/en/docs/v3.5/op-guide/authentication/rbac.md): "The root user ... must be
# created before activating authentication"; `etcdctl user add <name> --interactive=false` reads the password from
# stdin; `role grant-permission <role> readwrite <key> <range end>` or `--prefix`; `auth enable`. Once it is on,
# every request needs a user, root's included.
#
# Environment:
#   API7_ETCDCTL          the etcdctl command (word-split: e.g. `docker exec -i -e ETCDCTL_USER api7-etcd etcdctl`)
#   ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY   as etcdctl reads them (its flags' environment form)
#   API7_ETCD_ROOT_PASSWORD, API7_ETCD_DASHBOARD_PASSWORD, API7_ETCD_GATEWAY_PASSWORD
#   API7_ETCD_PREFIX      the dashboards' key prefix (/api7: the dashboards manage every cluster under it)
#   API7_ETCD_GATEWAY_PREFIX   the gateways' (/api7/<cluster id>); empty: the gateway user gets no permission yet
# Passwords never reach a command line: etcdctl reads new ones from stdin, and the login from ETCDCTL_USER. They may
# hold any character but a blank (below).
set -euo pipefail

: "${API7_ETCD_ROOT_PASSWORD:?}" "${API7_ETCD_DASHBOARD_PASSWORD:?}" "${API7_ETCD_GATEWAY_PASSWORD:?}"
: "${API7_ETCD_PREFIX:?}"
gateway_prefix="${API7_ETCD_GATEWAY_PREFIX:-}"
# etcdctl reads a new password with fmt.Scanf("%s"), which stops at the first blank (etcdctl/ctlv3/command/
# user_command.go @v3.5.33): a password with one would be cut short, silently. The program's hold none.
for pw in "$API7_ETCD_ROOT_PASSWORD" "$API7_ETCD_DASHBOARD_PASSWORD" "$API7_ETCD_GATEWAY_PASSWORD"; do
  if [[ "$pw" =~ [[:space:]] ]]; then
    echo "api7-etcd-auth: a password holds a blank, which etcdctl would cut off; nothing changed" >&2
    exit 1
  fi
done
read -r -a etcdctl <<<"${API7_ETCDCTL:-etcdctl}"

ctl() { "${etcdctl[@]}" "$@"; }

# Authentication on: root logs in and `auth status` says true. Off: `auth status` without a user says false. Neither:
# root's password is not this one, or the cluster does not answer (etcdctl says which).
unset ETCDCTL_USER
if status="$(ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}" ctl auth status 2>&1)" &&
  grep -q '^Authentication Status: true' <<<"$status"; then
  export ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}"
elif ! status="$(ctl auth status 2>&1)" || ! grep -q '^Authentication Status: false' <<<"$status"; then
  echo "api7-etcd-auth: authentication is on and root's password is not the stack's, or etcd does not answer:" \
    "$status" >&2
  exit 1
fi

# tolerate_existing COMMAND...: COMMAND, where "already exists" or "already granted" (another run was first) is
# success; any other failure is said and ends the script.
tolerate_existing() {
  local out
  out="$("$@" 2>&1)" && return 0
  [[ "$out" == *"already exists"* || "$out" == *"already granted"* ]] && return 0
  printf '%s\n' "$out" >&2
  return 1
}

# user_set NAME PASSWORD: the user, with this password. Once authentication is on, the password is changed only when
# NAME cannot log in with it: every change of a password or a grant moves etcd's auth revision, which invalidates
# every client's token (server/auth/store.go UserChangePassword, RoleGrantPermission: commitRevision @v3.5.33), and
# this runs after every start of etcd. A failed login says "invalid user ID or password"; any other failure (no
# quorum) leaves the password as it is, and the commands below fail in turn.
user_set() {
  local out
  printf '%s\n' "$2" | tolerate_existing ctl user add "$1" --interactive=false
  if [[ -n "${ETCDCTL_USER:-}" ]]; then
    out="$(ETCDCTL_USER="$1:$2" ctl auth status 2>&1)" && return 0
    [[ "$out" == *"invalid user ID or password"* ]] || return 0
  fi
  printf '%s\n' "$2" | ctl user passwd "$1" --interactive=false >/dev/null
}

# role_set NAME [PREFIX]: the role, with readwrite on every key that starts with PREFIX and on no other prefix;
# granted only when missing (a grant moves the auth revision, as above). No slash appended: APISIX 2.x reads its whole
# prefix as one range from the prefix itself (apisix/core/config_etcd.lua init, readdir(etcd_cli, prefix) @2.15.3),
# which a grant of PREFIX/ does not cover, and etcd refuses a range its grants do not cover. So the gateways'
# grant also covers a cluster whose id starts with theirs (API7's 2.x ids are of one length: not confirmed).
role_set() {
  local want="${2:-}" have granted=false
  want="${want%/}"
  tolerate_existing ctl role add "$1"
  # `role get` lists each prefix permission as "[<key>, <range end>) (prefix <key>)" (etcdctl/ctlv3/command/
  # printer_simple.go RoleGet @v3.5.33), once under KV Read and once under KV Write.
  while read -r have; do
    if [[ -n "$want" && "$have" == "$want" ]]; then granted=true; continue; fi
    ctl role revoke-permission "$1" "$have" --prefix >/dev/null
  done < <(ctl role get "$1" | sed -n 's/.*(prefix \(.*\))$/\1/p' | sort -u)
  [[ -z "$want" || "$granted" == true ]] || ctl role grant-permission "$1" readwrite "$want" --prefix >/dev/null
}

user_set root "$API7_ETCD_ROOT_PASSWORD"
tolerate_existing ctl user grant-role root root
role_set api7-dashboard "$API7_ETCD_PREFIX"
role_set api7-gateway "$gateway_prefix"
user_set api7-dashboard "$API7_ETCD_DASHBOARD_PASSWORD"
user_set api7-gateway "$API7_ETCD_GATEWAY_PASSWORD"
tolerate_existing ctl user grant-role api7-dashboard api7-dashboard
tolerate_existing ctl user grant-role api7-gateway api7-gateway

if [[ -z "${ETCDCTL_USER:-}" ]]; then
  # Another run may have turned it on meanwhile: then root sees it on.
  if ! ctl auth enable >/dev/null 2>&1 &&
    ! ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}" ctl auth status 2>/dev/null | grep -q '^Authentication Status: true'; then
    echo "api7-etcd-auth: authentication could not be enabled" >&2
    exit 1
  fi
  echo "api7-etcd-auth: authentication enabled" >&2
fi
gateway_keys="no keys yet"
[[ -z "$gateway_prefix" ]] || gateway_keys="${gateway_prefix%/}*"
echo "api7-etcd-auth: users root, api7-dashboard (${API7_ETCD_PREFIX%/}*), api7-gateway (${gateway_keys}) in place" >&2
