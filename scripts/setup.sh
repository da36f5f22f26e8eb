#!/usr/bin/env bash
# Installs everything Tessera needs to build and test on Debian 12.
# Idempotent: when every package is present it touches nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  clang-format clang-14 libclang-rt-14-dev
  libcpprest-dev libssl-dev libboost-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libcli11-dev libpcre2-dev libicu-dev
  prometheus-cpp-dev librocm-smi-dev
  libgtest-dev libgmock-dev zlib1g-dev
  python3 python3-venv
  prometheus
  chromium nodejs
)
# The dashboard's browser test runs on Node; NodeSource's nodejs carries npm,
# Debian's does not.
if ! command -v npm >/dev/null; then
  packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# kube-apiserver, etcd and kubectl for the controller's end-to-end suites,
# and helm (with the Prometheus Operator's CRDs) for the chart's, built from
# their Go modules once and cached outside the clone; the
# project's Python environment; playwright-core for the dashboard's browser
# test, which drives the chromium above; the real tokenizers of Llama 3, Qwen
# and DeepSeek for the tokenizer's and the benchmark clients' suites; and
# vLLM's and SGLang's own benchmark clients, pinned, for the parity suite.
setup_tools() {
  "$(dirname "$0")/setup-kube.sh" >/dev/null
  "$(dirname "$0")/setup-helm.sh" >/dev/null
  "$(dirname "$0")/setup-python.sh" >/dev/null
  "$(dirname "$0")/setup-browser.sh" >/dev/null
  "$(dirname "$0")/setup-tokenizers.sh" >/dev/null
  "$(dirname "$0")/setup-engine-clients.sh" >/dev/null
}

if ((${#missing[@]} == 0)); then
  setup_tools
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian starts the Prometheus service it installs; the tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  "${sudo_cmd[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
setup_tools
