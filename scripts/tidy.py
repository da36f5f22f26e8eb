#!/usr/bin/env python3
"""clang-tidy over Tessera's sources, remembering what it found clean.

Usage: scripts/tidy.py BUILD_DIR [SOURCE_REGEX]

The clang-tidy is the one pinned in scripts/tools-requirements.txt, from the
project's Python environment (scripts/setup-python.sh), unless CLANG_TIDY
names another.

A translation unit is skipped when neither it nor any header it includes,
nor its compile command, nor .clang-tidy, nor clang-tidy itself has changed
since it last passed: the headers come from the build's dependency log
(ninja -t deps), so a file not built yet is always checked. Passes are kept
in ~/.cache/tessera/tidy (TESSERA_CACHE overrides ~/.cache/tessera) under
keys that name paths relative to the checkout, so a fresh clone anywhere on
the same machine checks only what differs. Findings are printed per file
and make the exit status 1.
"""

import concurrent.futures
import functools
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time

# Passes not seen for this long are forgotten (every header change makes new ones).
CACHE_DAYS = 30


@functools.lru_cache(maxsize=None)
def file_digest(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return "missing"


def object_dependencies(build_dir):
    """Maps each object file (relative to build_dir) to its inputs' paths."""
    output = subprocess.run(["ninja", "-C", build_dir, "-t", "deps"], capture_output=True, text=True,
                            check=True).stdout
    dependencies, current = {}, None
    for line in output.splitlines():
        if not line.startswith(" ") and ": #deps" in line:
            current = None
            if line.endswith("(VALID)"):
                current = dependencies.setdefault(line.split(":", 1)[0], [])
        elif current is not None and line.strip():
            current.append(os.path.normpath(os.path.join(build_dir, line.strip())))
    return dependencies


def unit_key(entry, dependencies, config_digest, source_root):
    """The cache key of one compile_commands entry, or None if its headers are
    unknown. Paths inside the checkout count relative to it, so clones in
    other places share keys."""
    arguments = shlex.split(entry["command"])
    if "-o" not in arguments:
        return None
    inputs = dependencies.get(arguments[arguments.index("-o") + 1])
    if not inputs:
        return None

    def portable(text):
        return text.replace(source_root, "<source>")

    digest = hashlib.sha256(config_digest.encode())
    digest.update(portable(entry["command"]).encode())
    for path in sorted(set(inputs) | {entry["file"]}, key=portable):
        digest.update(f"{portable(path)}\0{file_digest(path)}\0".encode())
    return digest.hexdigest()


def clang_tidy_binary(source_root):
    if os.environ.get("CLANG_TIDY"):
        return os.environ["CLANG_TIDY"]
    venv = subprocess.run([os.path.join(source_root, "scripts", "setup-python.sh")],
                          capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(venv, "bin", "clang-tidy")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build_dir = os.path.abspath(sys.argv[1])
    source_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    clang_tidy = clang_tidy_binary(source_root)
    pattern = re.compile(sys.argv[2] if len(sys.argv) == 3 else "^" + re.escape(source_root) + "/")
    cache_dir = os.path.join(os.environ.get("TESSERA_CACHE", os.path.expanduser("~/.cache/tessera")),
                             "tidy")
    os.makedirs(cache_dir, exist_ok=True)
    for name in os.listdir(cache_dir):
        marker = os.path.join(cache_dir, name)
        if time.time() - os.path.getmtime(marker) > CACHE_DAYS * 86400:
            os.remove(marker)

    version = subprocess.run([clang_tidy, "--version"], capture_output=True, text=True,
                             check=True).stdout
    config_digest = version + file_digest(os.path.join(source_root, ".clang-tidy"))
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = [entry for entry in json.load(f) if pattern.search(entry["file"])]
    dependencies = object_dependencies(build_dir)

    pending = []
    for entry in entries:
        key = unit_key(entry, dependencies, config_digest, source_root)
        marker = os.path.join(cache_dir, key) if key else None
        if marker and os.path.exists(marker):
            os.utime(marker)
        else:
            pending.append((entry["file"], key))
    print(f"tidy: {len(entries)} files, {len(entries) - len(pending)} unchanged since they passed, "
          f"checking {len(pending)}", flush=True)

    def check(item):
        path, key = item
        result = subprocess.run([clang_tidy, "-p", build_dir, "--quiet", path], capture_output=True,
                                text=True)
        if result.returncode == 0 and key is not None:
            open(os.path.join(cache_dir, key), "w").close()
        return path, result

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for path, result in pool.map(check, pending):
            if result.returncode != 0:
                failed += 1
                print(f"tidy: {os.path.relpath(path, source_root)}\n{result.stdout}{result.stderr}",
                      flush=True)
    if failed:
        print(f"tidy: {failed} of {len(pending)} files have findings", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
