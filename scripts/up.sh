#!/usr/bin/env bash
# `make up`: Tessera's main job on this machine. Starts `tessera up` in the
# background (the built-in quickstart: Llama 3.1 8B, 1 prefill + 2 decode
# workers behind a cache-aware router; simulated GPUs when the machine has
# none), sends it a short benchmark, and prints where everything is.
set -euo pipefail
build_dir=${1:-build}
tessera="$build_dir/bin/tessera"

"$tessera" up -d
endpoint=$("$tessera" endpoint)

printf '\n=== A short benchmark against %s\n\n' "$endpoint"
"$tessera" bench --base-url "$endpoint" --num-prompts 120 --request-rate 8 \
  --random-input-len 512 --random-output-len 64 --percentile-metrics ttft,tpot,itl,e2el \
  --metric-percentiles 50,99

printf '\n=== Tessera is serving\n\n'
"$tessera" status
cat <<EOT

Call it:    curl -s $endpoint/v1/chat/completions -H 'Content-Type: application/json' \\
              -d '{"model": "llama-8b", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 32}'
Watch it:   the dashboard above, or $tessera get workers
Stop it:    make down
EOT
