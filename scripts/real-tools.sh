#!/usr/bin/env bash
# The real tools `npm run test:real` runs (tests/real/), built from their sources at pinned versions, into .real/bin:
#   pulumi   the Pulumi CLI, from its Go module github.com/pulumi/pulumi/pkg/v3 (cmd/pulumi) at the version
#            tools/real/go.mod pins (a `tool` directive, Go 1.24+; go.sum holds every module's hash). Pulumi's own
#            pkg/go.mod replaces github.com/atotto/clipboard with a fork; a build outside its repository needs the
#            same line, which tools/real/go.mod has.
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
  exit 0
fi
echo "real-tools: building pulumi $version from its Go module"
# The CLI reports the version the linker writes into it (sdk/go/common/version/version.go, `var Version string`).
go build -C tools/real -mod=readonly \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
echo "real-tools: pulumi $("$bin/pulumi" version)"
