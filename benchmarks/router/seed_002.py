#!/usr/bin/env python3
"""Seed 002's acceptance figures through Tessera: SGLang prefill/decode with
cache-aware routing, Llama 3.3 70B at TP 8 on MI355X, 3,000 random prompts of
1,024 in / 1,024 out at range ratio 0.5, expected 21,000 output tok/s, mean
TTFT 34,500 ms, mean TPOT 50 ms.

Starts four agents (simulated nodes of 8 x MI355X) and a controller on a
directory of manifests, applies seed-002/llama-3.3-70b-pd.yaml (2 prefill +
2 decode workers of TP 8, one router), waits for status.endpoint, and runs
the seed's benchmark through the router with `tessera bench --expect`
against the seed's own expected_results. The simulator runs at --time-scale
(1.0 by default: faster scales let the simulator's and the client's CPU time
leak into the simulated figures on a two-core machine) and `tessera bench
--time-scale` reports simulated figures.

The seed's config says max_concurrency 64, which cannot give 21,000 tok/s at
a 50 ms TPOT: 64 streams at 50 ms a token are at most 1,280 tok/s. By
Little's law the run kept about 21,000 x 0.05 = 1,050 sequences decoding, and
with 3,000 requests averaging 34.5 + 1,023 x 0.05 = 85.7 s each over the
146 s that 3,072,000 output tokens take at 21,000 tok/s, about 1,760 in
flight on average: all 3,000 prompts sent at once (request rate inf, no
concurrency limit), which is what this script sends.

Usage: seed_002.py BIN_DIR [--time-scale 1.0] [--num-prompts 3000]
Run it with the Python environment of the end-to-end suites:
  $(scripts/setup-python.sh)/bin/python benchmarks/router/seed_002.py build/bin
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/e2e"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--time-scale", default="1.0")
    parser.add_argument("--num-prompts", default="3000")
    options = parser.parse_args()
    os.environ["TESSERA_BIN_DIR"] = os.path.abspath(options.bin_dir)
    import agent_fixture  # noqa: E402 - needs TESSERA_BIN_DIR
    from controller_fixture import Controller

    # The agents' `sim` engine behaves like SGLang, as the seed's engine is.
    config = agent_fixture.FAST_CONFIG.replace("  sim:\n    kind: sim\n",
                                               "  sim:\n    kind: sim\n    flavor: sglang\n")

    state = tempfile.mkdtemp(prefix="seed-002-")
    manifests = os.path.join(state, "manifests")
    os.makedirs(manifests)
    agents = []
    for i in range(4):
        first = 21000 + 100 * i
        agents.append(agent_fixture.Agent(
            os.path.join(state, f"node-{i}"), topology="8xmi355x:spx/nps1",
            hostname=f"node-{i}",
            config=config.format(simulator=os.path.join(agent_fixture.BIN_DIR, "tessera-engine-sim"),
                                 first=first, last=first + 99,
                                 router=json.dumps(agent_fixture.ROUTER_COMMAND))))
    args = ["--manifests", manifests]
    for agent in agents:
        args += ["--agent", f"{agent.hostname}={agent.base_url}"]
    controller = Controller(os.path.join(state, "controller"), args)
    try:
        with open(os.path.join(HERE, "seed-002", "llama-3.3-70b-pd.yaml")) as f:
            manifest = yaml.safe_load(f)
        manifest["spec"]["engine"]["extraArgs"] += ["--time-scale", options.time_scale]
        with open(os.path.join(manifests, "llama-70b.yaml"), "w") as f:
            yaml.safe_dump(manifest, f)
        endpoint = None
        deadline = time.monotonic() + 180
        status_path = os.path.join(manifests, "default.llama-70b.status.yaml")
        while time.monotonic() < deadline and not endpoint:
            if os.path.exists(status_path):
                with open(status_path) as f:
                    status = (yaml.safe_load(f) or {}).get("status") or {}
                ready = [c for c in status.get("conditions", []) if c.get("type") == "Ready"]
                if ready and ready[0].get("status") == "True":
                    endpoint = status.get("endpoint")
            time.sleep(0.5)
        if not endpoint:
            raise SystemExit("the deployment never became Ready with an endpoint; controller log:\n"
                             + controller.log()[-4000:])
        print(f"seed_002: {endpoint} serves llama-70b (2 prefill + 2 decode, TP 8, MI355X); "
              f"state in {state}", flush=True)
        expect = os.path.join(HERE, "seed-002", "sglang_disagg_pd_mi35x.json") + \
            "#benchmark_params.llama-70b.inference_tests.bench_serv_random"
        result = subprocess.run(
            [os.path.join(options.bin_dir, "tessera"), "bench", "--base-url", endpoint,
             # Tessera's router is an OpenAI endpoint: SGLang's client's
             # backend for one is sglang-oai.
             "--model", "llama-70b", "--backend", "sglang-oai", "--no-progress",
             "--dataset-name", "random", "--random-input-len", "1024",
             "--random-output-len", "1024", "--random-range-ratio", "0.5",
             "--num-prompts", options.num_prompts, "--request-rate", "inf", "--ignore-eos",
             "--time-scale", options.time_scale, "--expect", expect,
             "--result-file", os.path.join(state, "result.json")])
        sys.exit(result.returncode)
    finally:
        controller.stop()
        for agent in agents:
            agent.destroy()


if __name__ == "__main__":
    main()
