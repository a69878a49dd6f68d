#!/usr/bin/env bash
# Builds helm from the Go module proxy into a cache keyed by version, like build-k8s.sh
# does for the Kubernetes binaries: only the first run on a machine pays for it.
#
#   test/cluster/build-helm.sh            # prints the helm binary's path on its last line
#   IRONLB_HELM_CACHE=/somewhere ...      # cache root (default ~/.cache/ironlb/helm)
#
# helm's module has no replace directives, so `go install pkg@version` builds it as is.
set -euo pipefail

helm_version=v4.3.2
cache_root=${IRONLB_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ironlb/helm}
bin="$cache_root/$helm_version/bin"

if [ -x "$bin/helm" ]; then
  echo "helm cached: $bin/helm" >&2
  echo "$bin/helm"
  exit 0
fi
[ -d /usr/local/go/bin ] && export PATH="/usr/local/go/bin:$PATH"
if ! command -v go >/dev/null; then
  echo "build-helm: Go >= 1.26 is required to build helm (not found on PATH)" >&2
  exit 1
fi

# Never let Go fetch a toolchain: the machine's Go must satisfy helm's `go` line.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
mkdir -p "$bin.partial"
start=$(date +%s)
echo "build-helm: building helm $helm_version (helm.sh/helm/v4/cmd/helm; ~3 min cold on 2 cores)..." >&2
# A heartbeat so a multi-minute compile never looks hung in CI logs.
( while sleep 30; do echo "build-helm:   ... still building helm ($(( $(date +%s) - start ))s)" >&2; done ) &
beat=$!
trap 'kill "$beat" 2>/dev/null || true' EXIT
# Stamps the version `helm version` reports (helm's Makefile sets the same variable).
if ! GOBIN="$bin.partial" go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version" \
  "helm.sh/helm/v4/cmd/helm@$helm_version" >&2; then
  echo "build-helm: building helm failed" >&2
  exit 1
fi
mkdir -p "$bin"
mv "$bin.partial/helm" "$bin/helm"
rmdir "$bin.partial"
echo "build-helm: done in $(( $(date +%s) - start ))s" >&2
echo "$bin/helm"
