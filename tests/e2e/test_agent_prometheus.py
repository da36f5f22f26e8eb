"""A real Prometheus server scrapes tessera-agent: GPU gauges, worker
lifecycle and the engines' relabelled serving metrics come back from PromQL."""

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import openai
import pytest

from agent_fixture import TOKEN, Agent, sim_spec
from conftest import free_port

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None,
                                reason="prometheus (Debian package) missing; run scripts/setup.sh")


@pytest.fixture
def agent(tmp_path):
    started = Agent(tmp_path / "agent")
    yield started
    started.destroy()


@pytest.fixture
def prometheus(tmp_path, agent):
    port = free_port()
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: tessera-agent
    authorization:
      credentials_file: {token_file}
    static_configs:
      - targets: ["127.0.0.1:{agent.port}"]
""")
    process = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "w"))
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)


def query(prometheus, promql):
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())["data"]["result"]
    except OSError:
        return []


def wait_for_series(prometheus, promql, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = query(prometheus, promql)
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"no series for {promql}")


def test_prometheus_scrapes_gpu_worker_and_engine_metrics(agent, prometheus):
    agent.put_worker("llama-0", sim_spec(partitions=[0]))
    agent.put_worker("llama-1", sim_spec(partitions=[5], engine="sim-sglang", role="aggregated"))
    worker = agent.wait_ready("llama-0")
    agent.wait_ready("llama-1")
    client = openai.OpenAI(base_url=worker["url"] + "/v1", api_key="unused", max_retries=0)
    for _ in range(3):
        client.completions.create(model="llama-8b", prompt="Hello", max_tokens=4)

    # The exposition itself is valid for Prometheus's own checker.
    body = agent.request("GET", "/metrics")
    if shutil.which("promtool"):
        check = subprocess.run(["promtool", "check", "metrics"], input=body,
                               capture_output=True, text=True)
        assert "error" not in (check.stdout + check.stderr).lower(), check.stdout + check.stderr

    up = wait_for_series(prometheus, 'up{job="tessera-agent"} == 1')
    assert up

    vram = wait_for_series(prometheus, 'gpu_used_vram{gpu_id="0"} > 0')
    labels = vram[0]["metric"]
    assert labels["hostname"] == "node-e2e"
    assert labels["gpu_compute_partition_type"] == "CPX"
    assert labels["gpu_memory_partition_type"] == "NPS4"
    assert labels["gpu_partition_id"] == "0"
    assert float(vram[0]["value"][1]) > 20_000  # MiB: 0.9 of a 24 GB partition
    free = wait_for_series(prometheus, 'gpu_used_vram{gpu_id="3"}')
    assert float(free[0]["value"][1]) == 0

    state = wait_for_series(prometheus,
                            'tessera_worker_state{worker="llama-0",state="ready"} == 1')
    assert state[0]["metric"]["deployment"] == "llama-8b"

    requests = wait_for_series(
        prometheus, 'vllm:request_success_total{worker="llama-0",deployment="llama-8b",'
                    'role="aggregated",partition="0"} >= 3')
    # The engine's own model_name label is kept beside the agent's.
    assert requests[0]["metric"]["model_name"] == "llama-8b"
    assert requests[0]["metric"]["job"] == "tessera-agent"
    # The deployment's namespace and the node, so dashboards filter engine
    # series as they filter the agent's own.
    assert requests[0]["metric"]["namespace"] == "default"
    assert requests[0]["metric"]["hostname"] == state[0]["metric"]["hostname"]
    assert state[0]["metric"]["namespace"] == "default"
    sglang = wait_for_series(prometheus, 'sglang:num_running_reqs{worker="llama-1",partition="5"}')
    assert sglang
