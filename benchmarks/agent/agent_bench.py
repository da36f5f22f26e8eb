#!/usr/bin/env python3
"""Speed and memory of tessera-agent on a full MI300X node.

Starts the real agent with the sim GPU backend as 8 x MI300X in CPX/NPS4 (64
partitions), puts one tessera-engine-sim worker on every partition, and
measures:

  - /metrics scrape latency (GPU gauges, worker lifecycle and the 64 engines'
    merged metrics) over many sequential scrapes on one keep-alive connection,
    asking for gzip as Prometheus does, and again without it; the time is to
    the last byte received (decompressing is the scraper's work, as parsing
    is), and one compressed body is checked to decompress to the plain one;
  - the agent's resident memory with 64 workers;
  - crash -> respawn decision: SIGKILL a worker, and read from the agent's log
    when it noticed the exit and scheduled the restart.

Usage: benchmarks/agent/agent_bench.py BIN_DIR [--scrapes N] [--crashes N]
"""

import argparse
import datetime
import gzip
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/e2e"))
os.environ.setdefault("TESSERA_BIN_DIR", "build/bin")


def percentile(values, fraction):
    ordered = sorted(values)
    index = fraction * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def log_time(line):
    stamp = re.search(r"ts=(\S+)", line).group(1)
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--scrapes", type=int, default=2000)
    parser.add_argument("--crashes", type=int, default=20)
    args = parser.parse_args()
    os.environ["TESSERA_BIN_DIR"] = os.path.abspath(args.bin_dir)
    import agent_fixture  # noqa: E402 - needs TESSERA_BIN_DIR
    from agent_fixture import Agent, sim_spec

    agent_fixture.BIN_DIR = os.path.abspath(args.bin_dir)
    state = tempfile.mkdtemp(prefix="agent-bench-")
    config = agent_fixture.FAST_CONFIG.format(
        simulator=os.path.join(agent_fixture.BIN_DIR, "tessera-engine-sim"), first=40000,
        last=40199, router=json.dumps(agent_fixture.ROUTER_COMMAND)).replace("scrapePeriod: 300ms", "scrapePeriod: 2s").replace(
        "scrapeTimeout: 250ms", "scrapeTimeout: 1s").replace("livenessPeriod: 300ms",
                                                             "livenessPeriod: 5s")
    agent = Agent(state, topology="8xmi300x:cpx/nps4", config=config)
    try:
        started = time.monotonic()
        for partition in range(64):
            agent.put_worker(f"w-{partition:02d}", sim_spec(partitions=[partition],
                                                              deployment=f"d-{partition % 4}"))
        for partition in range(64):
            agent.wait_ready(f"w-{partition:02d}", timeout=120)
        all_ready = time.monotonic() - started
        time.sleep(3)  # every engine scraped at least once

        connection = http.client.HTTPConnection("127.0.0.1", agent.port)

        def scrape(encoding):
            headers = {"Authorization": f"Bearer {agent_fixture.TOKEN}"}
            if encoding:
                headers["Accept-Encoding"] = encoding
            latencies = []
            body = b""
            for _ in range(args.scrapes):
                begin = time.perf_counter()
                connection.request("GET", "/metrics", headers=headers)
                response = connection.getresponse()
                body = response.read()
                latencies.append((time.perf_counter() - begin) * 1000)
                assert response.status == 200
                assert (response.getheader("Content-Encoding") == "gzip") == bool(encoding)
            return latencies, body

        latencies, compressed = scrape("gzip")
        plain_latencies, body = scrape(None)
        # The last compressed and plain bodies may straddle an engine scrape
        # round; their structure, not their values, must agree.
        unzipped = gzip.decompress(compressed).decode()
        text = body.decode()
        assert [line.split(" ")[0] for line in unzipped.splitlines()] == \
            [line.split(" ")[0] for line in text.splitlines()], "gzip body differs"
        samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        engine_samples = sum(1 for line in text.splitlines() if line.startswith("vllm:"))
        rss, peak = rss_mib(agent.process.pid)

        reactions = []
        for crash in range(args.crashes):
            worker_id = f"w-{crash % 64:02d}"
            worker = agent.wait_ready(worker_id, timeout=60)
            offset = os.path.getsize(agent.log_path)
            killed_at = time.time()
            os.killpg(worker["pid"], signal.SIGKILL)
            deadline = time.monotonic() + 10
            decided = None
            while decided is None and time.monotonic() < deadline:
                with open(agent.log_path) as f:
                    f.seek(offset)
                    for line in f:
                        if f"worker={worker_id}" in line and "to=backoff" in line:
                            decided = log_time(line)
                time.sleep(0.01)
            assert decided is not None, f"no restart decision for {worker_id}"
            reactions.append(max(0.0, decided - killed_at) * 1000)

        print(f"tessera-agent, 8 x MI300X CPX/NPS4 = 64 partitions, 64 tessera-engine-sim workers")
        print(f"  all 64 workers ready after        {all_ready:8.1f} s")
        print(f"  /metrics body                      {len(body) / 1024:8.1f} KiB, {samples} samples "
              f"({engine_samples} from engines); gzip {len(compressed) / 1024:.1f} KiB")
        for name, values in (("gzip (as Prometheus asks)", latencies),
                             ("identity", plain_latencies)):
            print(f"  /metrics {name:26s} over {args.scrapes} scrapes: "
                  f"p50 {percentile(values, 0.5):.2f} ms, p90 {percentile(values, 0.9):.2f} ms, "
                  f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms")
        print(f"  agent RSS                          {rss:8.1f} MiB (peak {peak:.1f} MiB)")
        print(f"  crash -> restart decision over {args.crashes} SIGKILLs: "
              f"p50 {statistics.median(reactions):.1f} ms, max {max(reactions):.1f} ms "
              f"(log timestamps have 1 ms resolution)")
        print(json.dumps({"all_ready_s": all_ready, "metrics_p50_ms": percentile(latencies, 0.5),
                          "metrics_p99_ms": percentile(latencies, 0.99),
                          "metrics_identity_p50_ms": percentile(plain_latencies, 0.5),
                          "metrics_identity_p99_ms": percentile(plain_latencies, 0.99),
                          "metrics_bytes": len(body), "metrics_gzip_bytes": len(compressed),
                          "rss_mib": rss, "peak_rss_mib": peak,
                          "respawn_decision_p50_ms": statistics.median(reactions),
                          "respawn_decision_max_ms": max(reactions)}))
    finally:
        agent.destroy()


if __name__ == "__main__":
    main()
