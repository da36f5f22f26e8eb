#!/usr/bin/env bash
# The main job until the embedded default (`tessera up`) lands: size the
# seed scenarios with `tessera fit`, the most complete flow that exists today.
set -euo pipefail
build_dir=${1:-build}
tessera="$build_dir/bin/tessera"

scenario() {
  local title=$1
  shift
  printf '\n=== %s\n$ tessera %s\n\n' "$title" "$*"
  # Exit status 1 means "does not fit at the requested TP", which is an answer.
  "$tessera" "$@" || [[ $? -eq 1 ]]
}

scenario "Llama-2-7B FP16 on one MI300X CPX partition (fits)" \
  fit --model llama-2-7b --dtype float16 --max-model-len 4096 --gpu mi300x --partition cpx
scenario "Llama-2-13B FP16 on one MI300X CPX partition (does not fit)" \
  fit --model llama-2-13b --dtype float16 --max-model-len 4096 --gpu mi300x --partition cpx
scenario "Llama-3.1-8B with FP8 KV cache, 64 sequences of 4096 tokens per CPX partition" \
  fit --model llama-3.1-8b --kv-cache-dtype fp8 --max-model-len 4096 --concurrency 64 \
  --gpu mi300x --partition cpx
scenario "Llama-3.1-70B BF16 on 8 whole MI300X at TP 8, utilization 0.96" \
  fit --model meta-llama/Llama-3.1-70B-Instruct --gpu mi300x --tensor-parallel-size 8 \
  --gpu-memory-utilization 0.96 --max-model-len 8192 --concurrency 128
scenario "Llama-3.1-70B with FP8 KV cache on CPX partitions, 64 × 4096 tokens" \
  fit --model llama-3.1-70b --gpu mi300x --partition cpx --kv-cache-dtype fp8 \
  --max-model-len 4096 --concurrency 64
