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
