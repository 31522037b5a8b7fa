#!/usr/bin/env bash
# api7-etcd-auth: the API7 2.x etcd cluster's users and roles, and authentication on (etcd.auth). Run on a member
# once the cluster answers; safe to run again and on every member at once: what exists is left as it is, what a
# change of the gateways' cluster needs is granted, and the passwords are set again (a rotated secret takes effect).
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

# Authentication on: root logs in. Off: a request names no user (with a user, etcd answers "authentication is not
# enabled"). Neither: root's password is not this one, or the cluster does not answer (etcdctl says which).
unset ETCDCTL_USER
if status="$(ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}" ctl auth status 2>&1)" &&
  grep -q '^Authentication Status: true' <<<"$status"; then
  export ETCDCTL_USER="root:${API7_ETCD_ROOT_PASSWORD}"
elif ! status="$(ctl auth status 2>&1)" || ! grep -q '^Authentication Status: false' <<<"$status"; then
  echo "api7-etcd-auth: authentication is on and root's password is not the stack's, or etcd does not answer:" \
    "$status" >&2
  exit 1
fi

# user_set NAME PASSWORD: adds the user, or sets its password when it exists.
user_set() {
  if ctl user get "$1" >/dev/null 2>&1; then
    printf '%s\n' "$2" | ctl user passwd "$1" --interactive=false >/dev/null
  else
    printf '%s\n' "$2" | ctl user add "$1" --interactive=false >/dev/null
  fi
}

# role_set NAME [PREFIX]: the role, with readwrite on PREFIX and everything under it (none without one).
role_set() {
  ctl role get "$1" >/dev/null 2>&1 || ctl role add "$1" >/dev/null
  if [[ -n "${2:-}" ]]; then
    ctl role grant-permission "$1" readwrite "$2" --prefix >/dev/null
  fi
}

user_set root "$API7_ETCD_ROOT_PASSWORD"
ctl user grant-role root root >/dev/null 2>&1 || true
role_set api7-dashboard "$API7_ETCD_PREFIX"
role_set api7-gateway "$gateway_prefix"
user_set api7-dashboard "$API7_ETCD_DASHBOARD_PASSWORD"
user_set api7-gateway "$API7_ETCD_GATEWAY_PASSWORD"
ctl user grant-role api7-dashboard api7-dashboard >/dev/null
ctl user grant-role api7-gateway api7-gateway >/dev/null

if [[ -z "${ETCDCTL_USER:-}" ]]; then
  ctl auth enable >/dev/null
  echo "api7-etcd-auth: authentication enabled" >&2
fi
echo "api7-etcd-auth: users root, api7-dashboard (${API7_ETCD_PREFIX}), api7-gateway (${gateway_prefix:-no keys yet}) in place" >&2
