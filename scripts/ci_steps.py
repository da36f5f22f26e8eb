#!/usr/bin/env python3
"""Runs `make STEP` for each step given, in order, stopping at the first that
fails, and ends with a table of each step's wall time: printed, and written
to BUILD_DIR/ci-times.txt (BUILD_DIR from the environment, default build).

Usage: scripts/ci_steps.py STEP...

`make test` runs the whole pipeline through this, so every CI log ends with
where the time went; docs/ci.md keeps the cold and warm figures.
"""

import os
import subprocess
import sys
import time


def format_seconds(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def table(rows, total):
    width = max(len("step"), *(len(step) for step, _, _ in rows))
    lines = [f"{'step':<{width}}  {'wall':>7}  result"]
    for step, seconds, result in rows:
        lines.append(f"{step:<{width}}  {format_seconds(seconds):>7}  {result}")
    lines.append(f"{'total':<{width}}  {format_seconds(total):>7}")
    return "\n".join(lines) + "\n"


def main():
    steps = sys.argv[1:]
    if not steps:
        sys.exit(__doc__)
    build_dir = os.environ.get("BUILD_DIR", "build")
    make = os.environ.get("MAKE", "make")
    rows = []
    started = time.monotonic()
    status = 0
    for step in steps:
        print(f"==> {step}", flush=True)
        step_started = time.monotonic()
        result = subprocess.run([make, "--no-print-directory", step], check=False)
        rows.append((step, time.monotonic() - step_started,
                     "ok" if result.returncode == 0 else f"FAILED ({result.returncode})"))
        if result.returncode != 0:
            status = result.returncode
            break
    for step in steps[len(rows):]:
        rows.append((step, 0.0, "not run"))
    report = table(rows, time.monotonic() - started)
    print("\n" + report, end="", flush=True)
    os.makedirs(build_dir, exist_ok=True)
    with open(os.path.join(build_dir, "ci-times.txt"), "w") as out:
        out.write(report)
    return status


if __name__ == "__main__":
    sys.exit(main())
