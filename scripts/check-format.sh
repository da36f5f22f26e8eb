#!/usr/bin/env bash
# Fails, listing the files, when any C++ source drifts from .clang-format.
# With --fix, rewrites them instead.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc')
if ((${#files[@]} == 0)); then
  exit 0
fi
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
drifted=()
for file in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
    drifted+=("$file")
  fi
done
if ((${#drifted[@]} > 0)); then
  echo "format: these files drift from .clang-format (run 'make format'):" >&2
  printf '  %s\n' "${drifted[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
