#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd from the Go module
# proxy into a cache keyed by version, so only the first run on a machine pays for it.
#
#   test/cluster/build-k8s.sh            # prints the bin directory on its last line
#   IRONLB_K8S_CACHE=/somewhere ...      # cache root (default ~/.cache/ironlb/k8s)
#
# Why a module of our own (test/cluster/k8s): `go install pkg@version` refuses modules
# with replace directives, and k8s.io/kubernetes needs every staging module replaced.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/k8s"
k8s_version=$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$mod/go.mod")
etcd_version=$(awk '$1=="go.etcd.io/etcd/server/v3" && $2 ~ /^v/ {print $2; exit}' "$mod/go.mod")
cache_root=${IRONLB_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ironlb/k8s}
# The key covers the module files too, so editing them invalidates the cache.
key="$k8s_version-etcd$etcd_version-$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-12)"
bin="$cache_root/$key/bin"

# Never let Go fetch a toolchain: the machine's Go must satisfy k8s's `go 1.26.0`.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=mod -buildvcs=false"
export CGO_ENABLED=0

targets=(
  "etcd:go.etcd.io/etcd/server/v3"
  "kube-apiserver:k8s.io/kubernetes/cmd/kube-apiserver"
  "kube-controller-manager:k8s.io/kubernetes/cmd/kube-controller-manager"
  "kubectl:k8s.io/kubernetes/cmd/kubectl"
)

missing=()
for t in "${targets[@]}"; do
  [ -x "$bin/${t%%:*}" ] || missing+=("$t")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "k8s binaries cached: $bin" >&2
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "build-k8s: Go >= 1.26 is required to build the Kubernetes binaries (not found on PATH)" >&2
  exit 1
fi

mkdir -p "$bin.partial"
cd "$mod"
echo "build-k8s: downloading modules for Kubernetes $k8s_version (etcd $etcd_version)..." >&2
go mod download >&2

# Cosmetic stamping so `kubectl version` and the apiserver report the real version.
minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

i=0
start_all=$(date +%s)
for t in "${missing[@]}"; do
  i=$((i + 1))
  name=${t%%:*} pkg=${t#*:}
  echo "build-k8s: [$i/${#missing[@]}] building $name ($pkg)..." >&2
  start=$(date +%s)
  # A heartbeat so a multi-minute compile never looks hung in CI logs.
  ( while sleep 30; do echo "build-k8s:   ... still building $name ($(( $(date +%s) - start ))s)" >&2; done ) &
  beat=$!
  if ! go build -trimpath -ldflags "$ldflags" -o "$bin.partial/$name" "$pkg" >&2; then
    kill "$beat" 2>/dev/null || true
    echo "build-k8s: building $name failed" >&2
    exit 1
  fi
  kill "$beat" 2>/dev/null || true
  wait "$beat" 2>/dev/null || true
  echo "build-k8s:   $name built in $(( $(date +%s) - start ))s" >&2
done
mkdir -p "$bin"
mv "$bin.partial"/* "$bin"/
rmdir "$bin.partial"
echo "build-k8s: done in $(( $(date +%s) - start_all ))s" >&2
echo "$bin"
