#!/usr/bin/env python3
"""Checks that every library target links what it includes, and only that.

    scripts/check-layering.py BUILD_DIR

A target's files are its sources (from BUILD_DIR/compile_commands.json) and
the headers beside them that belong to it (x/y.h goes with x/y.cc; a header
without a source goes with its folder's one target). Each `#include
"dir/file.h"` of ours names the target that owns that header. Two findings:

  - missing: a target includes a header of a target it does not link, even
    indirectly: it builds only because something else links that target;
  - unused: a target links one of ours of which none of its files include
    anything: the dependency is stale, and widens what rebuilds and links.

The link graph comes from `cmake --graphviz`. Exits 1 on any finding.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#include "([a-z0-9_]+/[^"]+\.h)"')
OBJECT_DIR = re.compile(r"CMakeFiles/(tessera_[a-z0-9_]+)\.dir/")
EDGE = re.compile(r"//\s*(\S+)\s*->\s*(\S+)")
# Targets that wrap third-party libraries: their headers are <...>, not ours.
THIRD_PARTY_WRAPPERS = {"tessera_cpprest"}


def source_targets(build_dir):
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as file:
        commands = json.load(file)
    targets = {}
    for entry in commands:
        match = OBJECT_DIR.search(entry.get("output", "") or entry["command"])
        path = os.path.relpath(entry["file"], ROOT)
        if match and not path.startswith(".."):
            targets[path] = match.group(1)
    return targets


def link_graph(build_dir):
    with tempfile.TemporaryDirectory() as scratch:
        dot = os.path.join(scratch, "deps.dot")
        subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, f"--graphviz={dot}"], check=True,
                       stdout=subprocess.DEVNULL)
        edges = collections.defaultdict(set)
        with open(dot, encoding="utf-8") as file:
            for line in file:
                match = EDGE.search(line)
                if match:
                    edges[match.group(1)].add(match.group(2))
    return edges


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build_dir = os.path.abspath(sys.argv[1])
    sources = source_targets(build_dir)
    edges = link_graph(build_dir)
    folder_targets = collections.defaultdict(set)
    for path, target in sources.items():
        folder_targets[os.path.dirname(path)].add(target)

    def owner(header):
        source = header[:-2] + ".cc"
        if source in sources:
            return sources[source]
        owners = folder_targets.get(os.path.dirname(header), set())
        return next(iter(owners)) if len(owners) == 1 else None

    def reachable(target):
        seen, stack = set(), [target]
        while stack:
            for dependency in edges.get(stack.pop(), ()):
                if dependency not in seen:
                    seen.add(dependency)
                    stack.append(dependency)
        return seen

    files = collections.defaultdict(set)
    for path, target in sources.items():
        files[target].add(path)
        folder = os.path.dirname(path)
        for name in os.listdir(os.path.join(ROOT, folder)):
            header = os.path.join(folder, name)
            if name.endswith(".h") and owner(header) == target:
                files[target].add(header)

    findings = []
    for target in sorted(files):
        used = set()
        for path in sorted(files[target]):
            with open(os.path.join(ROOT, path), encoding="utf-8") as file:
                for line in file:
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    other = owner(match.group(1))
                    if other is None or other == target:
                        continue
                    used.add(other)
                    if other not in reachable(target):
                        findings.append(f"missing: {target} includes {match.group(1)} ({other}) "
                                        f"in {path} but does not link {other}")
        direct = {d for d in edges.get(target, ()) if d.startswith("tessera_")}
        for stale in sorted(direct - used - THIRD_PARTY_WRAPPERS):
            findings.append(f"unused: {target} links {stale} but includes nothing of it")
    for finding in findings:
        print(finding)
    print(f"layering: {len(files)} targets, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
