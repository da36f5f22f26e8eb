#!/usr/bin/env bash
# The foundation issue's acceptance commands, run against the built binary.
set -euo pipefail
tessera=$1

fit() {
  local model=$1 dtype=$2
  set +e
  "$tessera" fit --model "$model" --dtype "$dtype" --max-model-len 4096 --concurrency 1 \
    --gpu mi300x --partition cpx -o json
  echo "exit=$?" >&2
  set -e
}

check() {
  local model=$1 dtype=$2 kv=$3 fits=$4 exit_code=$5
  local out err
  err=$(mktemp)
  out=$(fit "$model" "$dtype" 2>"$err")
  grep -qx "exit=$exit_code" "$err" || { echo "FAIL $model: $(cat "$err")"; exit 1; }
  python3 - "$out" "$kv" "$fits" <<'PY'
import json, sys
report = json.loads(sys.argv[1])
want_kv, want_fits = int(sys.argv[2]), sys.argv[3] == "true"
assert report["kv_bytes_per_token"] == want_kv, report["kv_bytes_per_token"]
assert report["fits"] is want_fits, report["fits"]
PY
  echo "ok   $model: kv_bytes_per_token=$kv fits=$fits"
  rm -f "$err"
}

check llama-2-7b float16 524288 true 0
check llama-2-13b float16 819200 false 1
check llama-3.1-8b bfloat16 131072 true 0

# Issue 21: seed 001's speculative configuration, Llama-3.1-70B with a
# Llama-3.1-8B draft proposing 5 tokens, TP 8 on MI300X; the draft's memory is
# shown on its own. Then seed 001's -tp 2 -pp 4 with FP8 weights.
out=$("$tessera" fit --model meta-llama/Llama-3.1-70B-Instruct \
  --speculative-model meta-llama/Llama-3.1-8B-Instruct --num-speculative-tokens 5 \
  --tensor-parallel-size 8 --gpu mi300x -o json)
python3 - "$out" <<'PY'
import json, sys
report = json.loads(sys.argv[1])
tp8 = report["requested"]
assert report["fits"] is True
assert report["draft"]["model"] == "llama-3.1-8b", report["draft"]
assert report["draft"]["weights_bytes"] == 16060522496, report["draft"]
assert tp8["draft_weights_bytes"] == 2007565312, tp8
assert tp8["target_weights_bytes"] == 17638426624, tp8
assert tp8["draft_kv_bytes_per_token"] == 16384, tp8
assert tp8["target_kv_bytes_per_token"] == 40960, tp8
assert tp8["max_sequences"] == 21, tp8
PY
"$tessera" fit --model meta-llama/Llama-3.1-70B-Instruct \
  --speculative-model meta-llama/Llama-3.1-8B-Instruct --num-speculative-tokens 5 \
  --tensor-parallel-size 8 --gpu mi300x | grep -q "^Draft      llama-3.1-8b: 8.03 B parameters"
echo "ok   llama-3.1-70b + llama-3.1-8b draft at TP 8: draft 1.87 GiB weights and 16,384 KV bytes/token per partition"

out=$("$tessera" fit --model llama-3.1-70b --dtype fp8 --tp 2 --pp 4 --max-model-len 8192 \
  --concurrency 128 --gpu mi300x -o json)
python3 - "$out" <<'PY'
import json, sys
report = json.loads(sys.argv[1])
assert report["partitions"] == 8, report["partitions"]
assert report["requested"]["layers"] == 20, report["requested"]
assert report["requested"]["kv_bytes_per_token"] == 40960, report["requested"]
assert report["fits"] is True
PY
echo "ok   llama-3.1-70b fp8 at TP 2 × PP 4: 20 layers a stage"
