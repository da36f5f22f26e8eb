#!/usr/bin/env bash
# Builds (once per version) helm from its Go module, outside the clone so CI
# reuses it, and caches beside it the Prometheus Operator's CRDs
# (ServiceMonitor, PodMonitor, PrometheusRule) that the chart's tests install.
# Prints the path of the bin directory holding helm; with
# --prometheus-operator-crds, the directory holding those CRDs instead.
# Progress goes to stderr; stdout is only that path.
#
# Why from source: the machines reach package registries only, and Debian 12
# packages no helm; the Go module proxy serves it.
set -euo pipefail

HELM_VERSION=4.3.2
# The newest release of the operator's root module the proxy serves (the
# v0.95.x of pkg/apis/monitoring are not served for the root module). The
# monitoring.coreos.com/v1 kinds the chart uses are stable across these.
PROMETHEUS_OPERATOR_VERSION=0.85.0

root="${TESSERA_CACHE:-$HOME/.cache/tessera}"
dest="$root/helm-$HELM_VERSION"
bin="$dest/bin"
crds="$dest/prometheus-operator-crds-v$PROMETHEUS_OPERATOR_VERSION"
crd_files=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml
  monitoring.coreos.com_prometheusrules.yaml)

print=$bin
if [[ "${1:-}" == "--prometheus-operator-crds" ]]; then
  print=$crds
elif (($# > 0)); then
  echo "usage: $0 [--prometheus-operator-crds]" >&2
  exit 2
fi

complete() {
  local name
  [[ -x "$bin/helm" ]] || return 1
  for name in "${crd_files[@]}"; do
    [[ -s "$crds/$name" ]] || return 1
  done
}

if complete; then
  echo "$print"
  exit 0
fi

log() { echo "setup-helm: $*" >&2; }
# go names every module it downloads (over a hundred for helm); keep only
# what else it says.
quiet_go() {
  "$@" 2>&1 | { grep -v -E '^go: (downloading|added|upgraded|downgraded) ' || true; } >&2
}

command -v go >/dev/null || { log "needs Go >= 1.26 (go is not on PATH)"; exit 1; }

# Parallel callers wait for one build.
mkdir -p "$root"
exec 9>"$root/.helm-build.lock"
flock 9
if complete; then
  echo "$print"
  exit 0
fi

# Module and build caches of our own, kept when a build is interrupted so the
# next run resumes, and deleted after success. -modcacherw makes the module
# cache deletable.
work="$root/helm-build"
export GOMODCACHE="$work/mod" GOCACHE="$work/cache"
export GOFLAGS="${GOFLAGS:-} -modcacherw"
export GOTOOLCHAIN=local
# A static binary like the release's, and no C compiler needed.
export CGO_ENABLED=0
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
start=$SECONDS

# --- helm -------------------------------------------------------------------
# helm.sh/helm/v4's go.mod has no replace directives, so `go install
# pkg@version` builds it as released. The version is stamped as its Makefile
# does for a tag, so `helm version` reports v4.3.2 instead of v4.3; the
# commit is not in the module and stays empty.
if [[ ! -x "$bin/helm" ]]; then
  log "helm v$HELM_VERSION: downloading modules and building"
  stage="$dest/bin.partial"
  rm -rf "$stage"
  mkdir -p "$stage"
  version_package=helm.sh/helm/v4/internal/version
  ldflags="-s -w -X $version_package.version=v$HELM_VERSION -X $version_package.metadata="
  ldflags+=" -X $version_package.gitTreeState=clean"
  GOBIN="$stage" quiet_go go install -trimpath -ldflags="$ldflags" \
    "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION"
  rm -rf "$bin"
  mv -T "$stage" "$bin"
fi

# --- the Prometheus Operator's CRDs -----------------------------------------
# The operator's module zip carries its generated CRDs; only the three kinds
# the chart renders are kept.
log "prometheus-operator v$PROMETHEUS_OPERATOR_VERSION: downloading its CRDs"
module_dir=$(cd "$root" && go mod download -json \
  "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION" |
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -n "$module_dir" ]] || { log "the module has no Dir (see go's error above)"; exit 1; }
stage="$crds.partial"
rm -rf "$stage"
mkdir -p "$stage"
for name in "${crd_files[@]}"; do
  cp "$module_dir/example/prometheus-operator-crd/$name" "$stage/"
done
rm -rf "$crds"
mv -T "$stage" "$crds"

log "done in $((SECONDS - start)) s; removing the Go caches"
rm -rf "$work"
echo "$print"
