#!/usr/bin/env bash
# The real tools `npm run test:real` runs (tests/real/), built from their sources at pinned versions, into .real/bin:
#   pulumi   the Pulumi CLI, from its Go module github.com/pulumi/pulumi/pkg/v3 (cmd/pulumi) at the version
#            tools/real/go.mod pins (a `tool` directive, Go 1.24+; go.sum holds every module's hash). Pulumi's own
#            pkg/go.mod replaces github.com/atotto/clipboard with a fork; a build outside its repository needs the
#            same line, which tools/real/go.mod has.
#   ec2-metadata-mock  AWS's instance metadata service mock (IMDSv2), from its Go module
#            github.com/aws/amazon-ec2-metadata-mock at the version tools/real/imds/go.mod pins (a module of its own,
#            so its dependencies never move the Pulumi CLI's).
#   moto     AWS's APIs emulated (moto[server]), into the virtualenv .real/venv from tools/real/requirements.txt, every
#            package pinned with its hashes (pip-compile --generate-hashes from requirements.in).
#   etcd     etcd, etcdctl and etcdutl at tools/real/etcd/go.mod's version (below).
#   aws      the AWS CLI v2 hosts run (Amazon Linux 2023 ships v2): Debian's awscli package, /usr/bin/aws.
# A build is skipped when .real/bin/pulumi already reports the pinned version. Go's module and build caches make a
# second build on the same machine quick; the first takes about 6 minutes on 2 cores (measured 2026-12-07).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
  echo "real-tools: Go is not installed (https://go.dev/doc/install); the real-tool tier builds the Pulumi CLI with it" >&2
  exit 1
fi

version="$(go -C tools/real list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)"
bin="$PWD/.real/bin"
mkdir -p "$bin"
if [[ -x "$bin/pulumi" && "$("$bin/pulumi" version 2>/dev/null)" == "$version" ]]; then
  echo "real-tools: pulumi $version (built before)"
else
  echo "real-tools: building pulumi $version from its Go module"
  # The CLI reports the version the linker writes into it (sdk/go/common/version/version.go, `var Version string`).
  go build -C tools/real -mod=readonly \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
fi
echo "real-tools: pulumi $("$bin/pulumi" version)"

imds_version="$(go -C tools/real/imds list -m -f '{{.Version}}' github.com/aws/amazon-ec2-metadata-mock)"
if [[ "$("$bin/ec2-metadata-mock" --version 2>/dev/null)" != "$imds_version" ]]; then
  echo "real-tools: building ec2-metadata-mock $imds_version from its Go module"
  go build -C tools/real/imds -mod=readonly -o "$bin/ec2-metadata-mock" \
    github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock
fi
echo "real-tools: ec2-metadata-mock $("$bin/ec2-metadata-mock" --version)"

# etcd, etcdctl and etcdutl (the 2.x topology's etcd cluster, tests/real/etcd.test.ts) at the release the default
# etcd.image runs, from their Go modules (tools/real/etcd/go.mod, `tool` directives; a module of its own: etcd's
# modules carry replace directives, so `go install pkg@version` refuses them). Go's module selection resolves their
# dependencies, so these are not byte for byte etcd's release builds.
etcd_version="$(go -C tools/real/etcd list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
if [[ "$("$bin/etcd" --version 2>/dev/null | head -1)" != "etcd Version: ${etcd_version#v}" ]]; then
  echo "real-tools: building etcd $etcd_version from its Go modules"
  for m in server etcdctl etcdutl; do
    out="$m"; [[ $m == server ]] && out=etcd
    go build -C tools/real/etcd -mod=readonly -o "$bin/$out" "go.etcd.io/etcd/$m/v3"
  done
fi
echo "real-tools: $("$bin/etcd" --version | head -1)"

# Debian packages, installed where missing (through env: sudo resets the environment).
apt_install() {
  local sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  echo "real-tools: installing $*"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2\.' || apt_install awscli
echo "real-tools: $(/usr/bin/aws --version)"
# Debian's python3 makes a virtualenv only with python3-venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3 python3-venv

venv="$PWD/.real/venv"
if ! cmp -s tools/real/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  echo "real-tools: installing moto into .real/venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --require-hashes -r tools/real/requirements.txt
  cp tools/real/requirements.txt "$venv/requirements.txt"
fi
echo "real-tools: moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)')"
