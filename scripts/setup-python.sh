#!/usr/bin/env bash
# Creates (once per requirements version) the virtual environment the
# end-to-end suites run in, outside the clone so CI reuses it, and prints its
# path.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=tests/e2e/requirements.txt
key=$(sha256sum "$requirements" | cut -c1-12)
venv="${TESSERA_CACHE:-$HOME/.cache/tessera}/venv-$key"
if [[ ! -x "$venv/bin/pytest" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
fi
echo "$venv"
