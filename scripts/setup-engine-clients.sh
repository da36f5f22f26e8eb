#!/usr/bin/env bash
# Creates (once per set of pins) the environment the engine clients' parity
# test runs vLLM's and SGLang's own benchmark clients in, outside the clone
# so CI reuses it, and prints its path. It holds:
#
#   bin/python          a venv with tests/e2e/engine_clients/requirements.txt
#                       and SGLang's wheel installed without its dependencies
#                       (bench_serving needs none of the server's)
#   vllm-benchmarks/    benchmark_serving.py and the files it imports, taken
#                       unchanged from vLLM's sdist
#
# vLLM's benchmark files import a few vllm modules (LoRA and multimodal types,
# the tokenizer helper); tests/e2e/engine_clients/vllm_stub stands in for
# them at run time. Progress goes to stderr; stdout is only the path.
set -euo pipefail
cd "$(dirname "$0")/.."

VLLM_VERSION=0.8.5
SGLANG_VERSION=0.4.6
# `pip download --no-binary :all: vllm` fetches the sdist and then fails to
# prepare its metadata (the build needs torch), so the sdist is fetched from
# PyPI's file host by its address and checked against PyPI's digest.
VLLM_SDIST_URL=https://files.pythonhosted.org/packages/5c/37/7846c244e6637c15f6d5ed6d3f572eedd02ed8ab80aec8c3eb228f35b23c/vllm-0.8.5.tar.gz
VLLM_SDIST_SHA256=c7e04d1046304397b4580334038b558fe491af155fdea508224f140172cf9a82
# What benchmark_serving.py imports from its own directory.
vllm_files=(benchmark_serving.py backend_request_func.py benchmark_dataset.py benchmark_utils.py)

requirements=tests/e2e/engine_clients/requirements.txt
key=$({ cat "$requirements"; echo "$VLLM_VERSION $VLLM_SDIST_SHA256 $SGLANG_VERSION ${vllm_files[*]}"; } |
      sha256sum | cut -c1-12)
root="${TESSERA_CACHE:-$HOME/.cache/tessera}"
dest="$root/engine-clients-$key"

complete() {
  [[ -x "$dest/bin/python" && -f "$dest/vllm-benchmarks/benchmark_serving.py" &&
     -f "$dest/.complete" ]]
}

if complete; then
  echo "$dest"
  exit 0
fi

log() { echo "setup-engine-clients: $*" >&2; }

# Parallel callers wait for one install instead of racing in one directory.
mkdir -p "$root"
exec 9>"$root/.engine-clients.lock"
flock 9
if complete; then
  echo "$dest"
  exit 0
fi

# An interrupted install leaves only the .partial directory, which the next
# run discards; one rename publishes a complete one. Everything below runs
# `python -m`, never a script's shebang, so the venv works once renamed.
stage="$dest.partial"
rm -rf "$stage"
log "creating the environment in $dest"
python3 -m venv "$stage" >&2
"$stage/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
log "installing sglang $SGLANG_VERSION without its dependencies"
"$stage/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
  "sglang==$SGLANG_VERSION" >&2

log "fetching vllm $VLLM_VERSION's sdist for its benchmark files"
"$stage/bin/python" - "$VLLM_SDIST_URL" "$VLLM_SDIST_SHA256" "$stage/vllm-benchmarks" \
  "${vllm_files[@]}" <<'PYTHON'
import hashlib
import io
import os
import sys
import tarfile
import urllib.request

url, digest, out_dir, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with urllib.request.urlopen(url, timeout=300) as response:
    data = response.read()
if hashlib.sha256(data).hexdigest() != digest:
    sys.exit(f"{url}: sha256 is not {digest}")
os.makedirs(out_dir)
with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as sdist:
    prefix = sdist.getnames()[0].split("/")[0] + "/benchmarks/"
    for name in names:
        member = sdist.extractfile(prefix + name)
        with open(os.path.join(out_dir, name), "wb") as out:
            out.write(member.read())
PYTHON
touch "$stage/.complete"
rm -rf "$dest"
mv -T "$stage" "$dest"
echo "$dest"
