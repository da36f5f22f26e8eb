#!/usr/bin/env python3
"""tessera-router against the direct path and against sglang-router, on loopback.

The same simulated workers, the same load from `tessera bench` (streaming
completions at a fixed Poisson request rate), one run per path:

  aggregated, one worker at --direct-rate:
                           direct to the worker | tessera-router | sglang-router
  aggregated, two workers at --rate:
                           tessera-router | sglang-router
  disaggregated (SGLang bootstrap), one prefill + one decode worker at --direct-rate:
                           tessera-router | sglang-router
  saturation, two aggregated workers, a fixed concurrency and no rate limit:
                           tessera-router | sglang-router

For each run it prints what `tessera bench` measured (throughput, TTFT and
end-to-end percentiles, failures), the router process's CPU seconds per 1,000
requests (utime + stime from /proc), and for tessera-router its own
`tessera_router_added_latency_seconds` percentiles. The router's added latency
on the client's side is the TTFT difference with the direct run.

The workers are tessera-engine-sim at a tiny time scale, so that the engines
cost little and the routers' own cost shows.

Usage: router_bench.py BIN_DIR [--rate 2000] [--direct-rate 1000] [--seconds 10]
                              [--concurrency 256] [--only aggregated|rate|disaggregated|saturation]
Run it with the Python environment of the end-to-end suites (sglang-router):
  $(scripts/setup-python.sh)/bin/python benchmarks/router/router_bench.py build/bin
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/e2e"))

MODEL = "llama-3.1-8b"
WORKER = ("--hardware", "mi300x:cpx", "--max-model-len", "4096", "--time-scale", "0.0001",
          "--max-num-seqs", "1024")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OUTPUT_LEN = 16


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, deadline_seconds=60):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except Exception:  # noqa: BLE001 - anything but 200 means not yet
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never answered 200")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Process:
    def __init__(self, args, log):
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_worker(bin_dir, log, *flags):
    port = free_port()
    worker = Process([os.path.join(bin_dir, "tessera-engine-sim"), "--model", MODEL, "--port",
                      str(port), *WORKER, *flags], log)
    worker.url = f"http://127.0.0.1:{port}"
    wait_http(worker.url + "/health")
    return worker


def start_tessera_router(bin_dir, log, members):
    port = free_port()
    flags = []
    for role, url, bootstrap in members:
        flags += ["--worker" if role == "aggregated" else f"--{role}",
                  f"{url},{bootstrap}" if bootstrap else url]
    router = Process([os.path.join(bin_dir, "tessera-router"), "--served-model-name", MODEL,
                      "--port", str(port), "--policy", "round_robin", *flags], log)
    router.url = f"http://127.0.0.1:{port}"
    wait_http(router.url + "/readiness")
    return router


def start_sglang_router(log, members):
    port = free_port()
    args = [sys.executable, "-m", "sglang_router.launch_router", "--host", "127.0.0.1", "--port",
            str(port), "--policy", "round_robin", "--prometheus-port", str(free_port()),
            "--log-level", "warn"]
    if any(role != "aggregated" for role, _, _ in members):
        args.append("--pd-disaggregation")
        for role, url, bootstrap in members:
            args += [f"--{role}", url] + ([str(bootstrap)] if bootstrap else [])
    else:
        args += ["--worker-urls", *[url for _, url, _ in members]]
    router = Process(args, log)
    router.url = f"http://127.0.0.1:{port}"
    wait_http(router.url + "/readiness")
    return router


def bench(bin_dir, url, args, result_file):
    command = [os.path.join(bin_dir, "tessera"), "bench", "--base-url", url, "--model", MODEL,
               "--no-progress", "--dataset-name", "random", "--random-input-len", "128",
               "--random-output-len", str(OUTPUT_LEN), "--ignore-eos", "--seed", "1",
               "--percentile-metrics", "ttft,e2el", "--metric-percentiles", "50,99",
               "--result-file", result_file, *args]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"tessera bench failed: {completed.stderr}")
    with open(result_file) as result:
        return json.load(result)


def histogram_percentile(text, name, fraction):
    buckets = []
    for line in text.splitlines():
        if line.startswith(name + "_bucket"):
            bound = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if bound == "+Inf" else float(bound),
                            float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0
    if total == 0:
        return float("nan")
    previous_bound, previous_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= fraction * total:
            if bound == float("inf"):
                return previous_bound
            share = (fraction * total - previous_count) / max(count - previous_count, 1e-9)
            return previous_bound + share * (bound - previous_bound)
        previous_bound, previous_count = bound, count
    return previous_bound


def run(label, bin_dir, url, router, bench_args, workdir):
    before = cpu_seconds(router.process.pid) if router else 0.0
    result_file = os.path.join(workdir, f"{len(os.listdir(workdir))}-{label}.json")
    result = bench(bin_dir, url, bench_args, result_file)
    row = {
        "path": label,
        "completed": result["completed"],
        "failed": result.get("failed", 0),
        "req/s": result["request_throughput"],
        "ttft p50": result["median_ttft_ms"],
        "ttft p99": result["p99_ttft_ms"],
        "e2el p99": result["p99_e2el_ms"],
    }
    if router:
        row["cpu s/1k req"] = (cpu_seconds(router.process.pid) - before) * 1000 / max(
            result["completed"] + result.get("failed", 0), 1)
        try:
            with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
                text = response.read().decode()
            if "tessera_router_added_latency_seconds" in text:
                row["own p50 ms"] = 1000 * histogram_percentile(
                    text, "tessera_router_added_latency_seconds", 0.5)
                row["own p99 ms"] = 1000 * histogram_percentile(
                    text, "tessera_router_added_latency_seconds", 0.99)
        except OSError:
            pass
    return row


def compare_routers(bin_dir, log, members, bench_args, workdir):
    """The same load through tessera-router, then sglang-router, in front of `members`."""
    rows = []
    for name, start in (("tessera-router", lambda: start_tessera_router(bin_dir, log, members)),
                        ("sglang-router", lambda: start_sglang_router(log, members))):
        router = start()
        rows.append(run(name, bin_dir, router.url, router, bench_args, workdir))
        router.stop()
    return rows


def print_table(title, rows):
    columns = ["path", "completed", "failed", "req/s", "ttft p50", "ttft p99", "e2el p99",
               "cpu s/1k req", "own p50 ms", "own p99 ms"]
    print(f"\n{title}")
    print(" | ".join(columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column, "")
            cells.append(f"{value:.3f}" if isinstance(value, float) else str(value))
        print(" | ".join(cells))
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--rate", type=float, default=2000,
                        help="request rate of the two-worker run")
    parser.add_argument("--direct-rate", type=float, default=1000,
                        help="request rate of the one-worker and disaggregated runs")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--output-len", type=int, default=16)
    parser.add_argument("--only", choices=["aggregated", "rate", "disaggregated", "saturation"])
    options = parser.parse_args()
    global OUTPUT_LEN  # noqa: PLW0603 - one setting for every run
    OUTPUT_LEN = options.output_len
    bin_dir = os.path.abspath(options.bin_dir)
    prompts = str(int(options.rate * options.seconds))
    rated = ["--num-prompts", prompts, "--request-rate", str(options.rate)]
    direct_rated = ["--num-prompts", str(int(options.direct_rate * options.seconds)),
                    "--request-rate", str(options.direct_rate)]
    saturating = ["--num-prompts", prompts, "--request-rate", "inf", "--max-concurrency",
                  str(options.concurrency)]
    workdir = tempfile.mkdtemp(prefix="router-bench-")
    log = open(os.path.join(workdir, "processes.log"), "w")
    print(f"router_bench: rate {options.rate:g} req/s, {prompts} prompts per run, "
          f"128 in / {OUTPUT_LEN} out tokens, streamed; logs in {workdir}")

    if options.only in (None, "aggregated"):
        # One worker at a rate it sustains alone, so that the direct path is
        # the baseline: the router's added latency is the TTFT difference.
        worker = start_worker(bin_dir, log)
        members = [("aggregated", worker.url, None)]
        rows = [run("direct", bin_dir, worker.url, None, direct_rated, workdir)]
        rows += compare_routers(bin_dir, log, members, direct_rated, workdir)
        worker.stop()
        print_table(f"aggregated, one worker, {options.direct_rate:g} req/s", rows)

    if options.only in (None, "rate"):
        workers = [start_worker(bin_dir, log) for _ in range(2)]
        members = [("aggregated", w.url, None) for w in workers]
        rows = compare_routers(bin_dir, log, members, rated, workdir)
        for worker in workers:
            worker.stop()
        print_table(f"aggregated, two workers, {options.rate:g} req/s", rows)

    if options.only in (None, "disaggregated"):
        bootstrap = free_port()
        # The hand-off timeout is simulated time: at this time scale SGLang's
        # 300 s would be 30 ms of wall time.
        patience = ("--disaggregation-timeout", "1000000s")
        prefill = start_worker(bin_dir, log, "--flavor", "sglang", "--disaggregation-mode",
                               "prefill", "--disaggregation-bootstrap-port", str(bootstrap), *patience)
        decode = start_worker(bin_dir, log, "--flavor", "sglang", "--disaggregation-mode", "decode",
                              *patience)
        members = [("prefill", prefill.url, bootstrap), ("decode", decode.url, None)]
        rows = compare_routers(bin_dir, log, members, direct_rated, workdir)
        prefill.stop()
        decode.stop()
        print_table("disaggregated (SGLang bootstrap), one prefill + one decode, "
                    f"{options.direct_rate:g} req/s", rows)

    if options.only in (None, "saturation"):
        workers = [start_worker(bin_dir, log) for _ in range(2)]
        members = [("aggregated", w.url, None) for w in workers]
        rows = compare_routers(bin_dir, log, members, saturating, workdir)
        for worker in workers:
            worker.stop()
        print_table(f"saturation, two workers, concurrency {options.concurrency}", rows)


if __name__ == "__main__":
    main()
