#!/usr/bin/env bash
# The compiler launcher of every build tree: runs one compile through ccache
# so that a fresh clone, anywhere on the machine, reuses what another clone
# compiled (docs/ci.md).
#
# Usage: scripts/compile-launcher.sh SOURCE_DIR COMPILER ARGS...
#
# ccache hashes paths under SOURCE_DIR relative to it, but only in the
# options it knows to take paths. CMake passes the precompiled header of
# the Clang trees through -Xclang (-include-pch, -include), as absolute paths
# in the build directory, which ccache hashes as they are: every clone
# would miss. Ninja compiles from the build directory, so those paths are
# made relative to it here; the compiler resolves them the same way.
set -euo pipefail
source_dir=$1
shift
build_prefix="$PWD/"
arguments=()
for argument in "$@"; do
  if [[ $argument == "$build_prefix"* ]]; then
    argument=${argument#"$build_prefix"}
  fi
  arguments+=("$argument")
done
export CCACHE_BASEDIR="$source_dir" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=20G
# What ccache needs to cache the users of a precompiled header: it hashes
# the PCH itself, which is newer than the build's start and carries the
# macros it was made with.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
exec ccache "${arguments[@]}"
