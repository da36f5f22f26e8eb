#!/usr/bin/env bash
# Installs (once per version) playwright-core, the library the dashboard's
# browser test drives Chromium with, outside the clone so CI reuses it, and
# prints the path of its node_modules directory. Progress goes to stderr;
# stdout is only that path.
#
# The browser is Debian's chromium, which setup.sh installs with apt:
# playwright's own browser downloads come from a CDN these machines cannot
# reach, so they are never fetched (playwright-core has no install script and
# downloads nothing by itself).
set -euo pipefail

PLAYWRIGHT_CORE_VERSION=1.64.1

root="${TESSERA_CACHE:-$HOME/.cache/tessera}"
dest="$root/playwright-core-$PLAYWRIGHT_CORE_VERSION"
modules="$dest/node_modules"

complete() { [[ -f "$modules/playwright-core/package.json" ]]; }

if complete; then
  echo "$modules"
  exit 0
fi

log() { echo "setup-browser: $*" >&2; }
command -v npm >/dev/null || { log "needs npm (Node.js 18 or newer) on PATH"; exit 1; }

# Parallel callers wait for one install instead of racing in one directory.
mkdir -p "$root"
exec 9>"$root/.playwright-core.lock"
flock 9
if complete; then
  echo "$modules"
  exit 0
fi

# An interrupted install leaves only the .partial directory, which the next
# run discards; one rename publishes a complete one.
stage="$dest.partial"
rm -rf "$stage"
mkdir -p "$stage"
log "installing playwright-core $PLAYWRIGHT_CORE_VERSION from npm"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$stage" --ignore-scripts --no-audit \
  --no-fund --no-update-notifier --save-exact "playwright-core@$PLAYWRIGHT_CORE_VERSION" >&2
rm -rf "$dest"
mv -T "$stage" "$dest"
echo "$modules"
