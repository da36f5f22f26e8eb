#!/usr/bin/env bash
# Builds (once per version pair) the Kubernetes control plane the controller's
# end-to-end tests run against — kube-apiserver, kubectl and etcd — from their
# published Go modules, outside the clone so CI reuses it, and prints the path
# of the bin directory. Progress goes to stderr; stdout is only that path.
#
# Why from source: the machines reach package registries only. Debian 12 has
# no kube-apiserver at all, and its kubectl (1.20) and etcd (3.4) predate CEL
# validation rules; the Go module proxy serves current Kubernetes and etcd.
set -euo pipefail

# Kubernetes 1.37 tests itself against etcd 3.7 (hack/lib/etcd.sh); this is
# that minor's newest patch. Both need Go >= 1.26.0.
K8S_VERSION=1.37.2
ETCD_VERSION=3.7.3

root="${TESSERA_CACHE:-$HOME/.cache/tessera}"
dest="$root/kube-$K8S_VERSION-etcd-$ETCD_VERSION"
bin="$dest/bin"
binaries=(kube-apiserver kubectl etcd)

complete() {
  local name
  for name in "${binaries[@]}"; do
    [[ -x "$bin/$name" ]] || return 1
  done
}

if complete; then
  echo "$bin"
  exit 0
fi

log() { echo "setup-kube: $*" >&2; }
# go get names every module it downloads and adds (hundreds for Kubernetes);
# keep only what else it says.
go_get() { go get "$@" 2>&1 | { grep -v -E '^go: (downloading|added|upgraded|downgraded) ' || true; } >&2; }

command -v go >/dev/null || { log "needs Go >= 1.26 (go is not on PATH)"; exit 1; }

# Parallel callers (pytest-xdist workers, two suites) wait for one build
# instead of each compiling the apiserver.
mkdir -p "$root"
exec 9>"$root/.kube-build.lock"
flock 9
if complete; then
  echo "$bin"
  exit 0
fi

# Module and build caches of our own, kept when a build is interrupted so the
# next run resumes, and deleted after success: together they are gigabytes
# that nothing else uses. -modcacherw makes the module cache deletable.
work="$root/kube-build"
export GOMODCACHE="$work/mod" GOCACHE="$work/cache"
export GOFLAGS="${GOFLAGS:-} -modcacherw"
# Never fetch a different toolchain behind the caller's back; an old go fails
# with its own clear "requires go >= ..." message.
export GOTOOLCHAIN=local
# Static binaries like the upstream release builds, and no C compiler needed.
export CGO_ENABLED=0
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"

k8s_tag="v$K8S_VERSION"
IFS=. read -r k8s_major k8s_minor k8s_patch <<<"$K8S_VERSION"
staging_version="v0.$k8s_minor.$k8s_patch"
stage="$dest/bin.partial"
rm -rf "$stage"
mkdir -p "$stage"
start=$SECONDS

# --- kube-apiserver and kubectl -------------------------------------------
# k8s.io/kubernetes cannot be built with `go install pkg@version`: its go.mod
# requires its staging modules (k8s.io/api, k8s.io/client-go, ...) at v0.0.0
# and replaces them with ./staging paths that the module zip lacks. A wrapper
# module replaces each with its published v0.<minor>.<patch> instead. The list
# comes from the chosen release's own go.mod, so a version bump cannot miss a
# newly split-out staging module.
log "kubernetes $k8s_tag: downloading modules"
kube_mod="$work/kube-$K8S_VERSION"
mkdir -p "$kube_mod"
cd "$kube_mod"
rm -f go.mod go.sum
go mod init tessera.local/kube-build >/dev/null 2>&1
kubernetes_gomod=$(go mod download -json "k8s.io/kubernetes@$k8s_tag" |
  sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
kubernetes_info=${kubernetes_gomod%.mod}.info
mapfile -t staging < <(sed -n 's#^\t\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$kubernetes_gomod")
((${#staging[@]} > 0)) || { log "no staging modules found in $kubernetes_gomod"; exit 1; }
{
  echo "module tessera.local/kube-build"
  echo
  # The same language version and GODEBUG defaults Kubernetes builds with.
  grep -E '^(go|godebug) ' "$kubernetes_gomod"
  echo
  echo "require k8s.io/kubernetes $k8s_tag"
  echo
  echo "replace ("
  for module in "${staging[@]}"; do
    printf '\t%s => %s %s\n' "$module" "$module" "$staging_version"
  done
  echo ")"
} >go.mod
go_get "k8s.io/kubernetes/cmd/kube-apiserver@$k8s_tag" "k8s.io/kubernetes/cmd/kubectl@$k8s_tag"

# What hack/lib/version.sh stamps, so `kubectl version` and the apiserver's
# /version report the release instead of v0.0.0-master. The build date is the
# tag's publication time, which keeps rebuilds identical.
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$kubernetes_info")
ldflags="-s -w"
for package in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $package.gitVersion=$k8s_tag -X $package.gitMajor=$k8s_major"
  ldflags+=" -X $package.gitMinor=$k8s_minor -X $package.gitTreeState=clean"
  ldflags+=" -X $package.buildDate=$build_date"
done
log "kubernetes $k8s_tag: building kube-apiserver and kubectl"
# The release build's tags: notest drops test-only code paths, grpcnotrace
# lets the linker drop x/net/trace.
go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$ldflags" -o "$stage/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl

# --- etcd -----------------------------------------------------------------
# etcd's main package is the root of go.etcd.io/etcd/server/v3. Its go.mod
# has replace directives (so no `go install pkg@version` either) and it gets
# a module of its own, because sharing one with Kubernetes would let minimum
# version selection move etcd's dependencies to Kubernetes's choices.
log "etcd v$ETCD_VERSION: downloading modules and building"
etcd_mod="$work/etcd-$ETCD_VERSION"
mkdir -p "$etcd_mod"
cd "$etcd_mod"
rm -f go.mod go.sum
go mod init tessera.local/etcd-build >/dev/null 2>&1
go_get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
go build -trimpath -ldflags="-s -w" -o "$stage/etcd" go.etcd.io/etcd/server/v3

# --- install ----------------------------------------------------------------
# One rename publishes all three binaries: an interrupted run leaves only
# bin.partial, which the next run discards.
rm -rf "$bin"
mv -T "$stage" "$bin"
log "built in $((SECONDS - start)) s; removing the Go caches"
rm -rf "$work"
echo "$bin"
