#!/usr/bin/env bash
# Runs the end-to-end suites with the project's Python environment.
# Usage: tests/e2e/run.sh BIN_DIR [pytest args...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export TESSERA_BIN_DIR=$(cd "$1" && pwd)
shift
venv=$("$here/../../scripts/setup-python.sh")
cd "$here"
exec "$venv/bin/pytest" -q -p no:cacheprovider "$@"
