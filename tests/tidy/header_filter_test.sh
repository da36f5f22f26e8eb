#!/usr/bin/env bash
# Fails unless clang-tidy, run with the repository's .clang-tidy on a source
# of the tree, reports a finding in a header of the tree: the check that
# HeaderFilterRegex matches the paths clang-tidy sees (absolute ones).
# Usage: tests/tidy/header_filter_test.sh CLANG_TIDY
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
clang_tidy=$1
output=$("$clang_tidy" --quiet "$root/tests/tidy/header_filter_check.cc" -- -std=c++20 -I"$root" 2>&1 || true)
if ! grep -q "tests/tidy/base/deliberate_finding.h:.*google-explicit-constructor" <<<"$output"; then
  echo "header filter: clang-tidy did not report the finding in tests/tidy/base/deliberate_finding.h;" >&2
  echo "HeaderFilterRegex in .clang-tidy no longer matches the project's headers. Output:" >&2
  echo "$output" >&2
  exit 1
fi
echo "header filter: headers of the tree are checked"
