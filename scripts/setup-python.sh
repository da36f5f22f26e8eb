#!/usr/bin/env bash
# Creates (once per requirements version) the virtual environment the
# end-to-end suites and the checks run in, outside the clone so CI reuses it,
# and prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
# The end-to-end suites' clients, and the tools the checks run.
requirements=(tests/e2e/requirements.txt scripts/tools-requirements.txt)
key=$(cat "${requirements[@]}" | sha256sum | cut -c1-12)
venv="${TESSERA_CACHE:-$HOME/.cache/tessera}/venv-$key"
if [[ ! -x "$venv/bin/pytest" || ! -x "$venv/bin/clang-tidy" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]/#/-r}" >&2
fi
echo "$venv"
