"""tessera bench's own speed, side by side with a Python asyncio/aiohttp client doing what
vLLM's benchmark_serving does, in one run against one tessera-engine-sim.

    benchmarks/bench_client/compare.py BIN_DIR [--streams 4000] [--output-len 256] [--tokenizer DIR]

The simulator runs pinned to CPU 0 at a time scale that asks for far more tokens per
second than one core can stream, so it streams as fast as it can; each client runs pinned
to CPU 1 with the same workload (streams requests in flight, output-len tokens each,
ignore_eos). For each client the table gives what it received, its own CPU seconds
(user + system, from the kernel's accounting of the child), CPU seconds per 1,000
streamed tokens, and the streamed tokens one fully used client core would sustain at
that cost. The last line is the ratio of the two CPU costs. See docs/bench.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE_FLAGS = ["--model", "llama-3.1-8b", "--hardware", "mi355x", "--kv-cache-dtype", "fp8",
                "--max-model-len", "512", "--max-num-seqs", "8192",
                "--max-num-batched-tokens", "65536", "--no-enable-prefix-caching",
                "--mean-output-len", "0"]
PROMPT_TOKENS = 16


def pinned(cpu):
    return lambda: os.sched_setaffinity(0, {cpu})


def cpu_seconds_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_client(args):
    """Runs a client to completion; returns (stdout, wall seconds)."""
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=pinned(1))
    stdout, stderr = process.communicate()
    wall = time.monotonic() - started
    if process.returncode != 0:
        sys.exit(f"{args[0]} failed ({process.returncode}): {stderr[-2000:]}")
    return stdout, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--streams", type=int, default=4000)
    parser.add_argument("--output-len", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2, help="requests per stream")
    parser.add_argument("--time-scale", type=float, default=0.001)
    parser.add_argument("--tokenizer", help="a model's tokenizer for the simulator and tessera "
                        "bench (scripts/setup-tokenizers.sh has Llama 3's); default: the stand-in")
    options = parser.parse_args()
    tokenizer = ["--tokenizer", options.tokenizer] if options.tokenizer else []
    num_prompts = options.streams * options.rounds

    port = 18123
    engine = subprocess.Popen(
        [os.path.join(options.bin_dir, "tessera-engine-sim"), *ENGINE_FLAGS, "--port", str(port),
         "--time-scale", str(options.time_scale), *tokenizer],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pinned(0))
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base_url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        rows = []
        with tempfile.TemporaryDirectory() as scratch:
            result_file = os.path.join(scratch, "result.json")
            prompt_file = os.path.join(scratch, "prompt.txt")
            with open(prompt_file, "w") as prompt:
                prompt.write(" ".join(["tok"] * PROMPT_TOKENS))
            clients = [
                ("tessera bench", [os.path.join(options.bin_dir, "tessera"), "bench",
                                   "--base-url", base_url, "--model", "llama-3.1-8b",
                                   "--random-input-len", str(PROMPT_TOKENS),
                                   "--random-output-len", str(options.output_len),
                                   "--num-prompts", str(num_prompts),
                                   "--max-concurrency", str(options.streams), "--ignore-eos",
                                   "--no-progress", "--result-file", result_file, *tokenizer]),
                ("python aiohttp", [sys.executable, os.path.join(HERE, "aiohttp_client.py"),
                                    base_url, "llama-3.1-8b", str(num_prompts),
                                    str(options.streams), str(options.output_len), prompt_file]),
            ]
            for name, args in clients:
                engine_cpu = cpu_seconds_of(engine.pid)
                children = os.times()
                stdout, wall = run_client(args)
                after = os.times()
                cpu = (after.children_user - children.children_user) + \
                      (after.children_system - children.children_system)
                engine_cpu = cpu_seconds_of(engine.pid) - engine_cpu
                if name == "tessera bench":
                    result = json.load(open(result_file))
                    completed, failed = result["completed"], result["failed"]
                    tokens = result["total_output_tokens"]
                else:
                    summary = json.loads(stdout)
                    completed, failed, tokens = (summary["completed"], summary["failed"],
                                                 summary["tokens"])
                rows.append((name, completed, failed, tokens, wall, cpu, engine_cpu))
    finally:
        engine.terminate()
        engine.wait()

    print(f"{options.streams} concurrent streams, {num_prompts} requests of "
          f"{options.output_len} tokens; simulator on CPU 0, client on CPU 1\n")
    header = ("client", "completed", "failed", "tokens", "wall s", "tok/s", "client CPU s",
              "CPU s / 1k tok", "client core busy", "tok/s per client core", "simulator busy")
    print("  ".join(f"{h:>14}" for h in header))
    costs = {}
    for name, completed, failed, tokens, wall, cpu, engine_cpu in rows:
        per_thousand = cpu / tokens * 1000 if tokens else float("nan")
        costs[name] = per_thousand
        cells = (name, completed, failed, tokens, f"{wall:.1f}", f"{tokens / wall:,.0f}",
                 f"{cpu:.2f}", f"{per_thousand:.4f}", f"{cpu / wall:.0%}",
                 f"{tokens / cpu:,.0f}" if cpu else "-", f"{engine_cpu / wall:.0%}")
        print("  ".join(f"{str(c):>14}" for c in cells))
    print(f"\nCPU per 1,000 streamed tokens, python aiohttp / tessera bench: "
          f"{costs['python aiohttp'] / costs['tessera bench']:.1f}x")


if __name__ == "__main__":
    main()
