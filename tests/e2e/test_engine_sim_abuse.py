"""The engine simulator's OpenAI server under the same abuse as the agent's
API (see abuse.py), with its descriptor limit at 1,024: afterwards /health
answers within 100 ms, memory stayed bounded, and it still completes."""

import json
import os
import subprocess
import urllib.request

import pytest

import abuse
from conftest import BIN_DIR, EngineSim, free_port, stop_process


@pytest.fixture(scope="module")
def engine():
    abuse.raise_own_descriptor_limit()
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(BIN_DIR, "tessera-engine-sim"), "--model", "llama-3.1-8b",
         "--max-model-len", "4096", "--port", str(port), "--time-scale", "0.01"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=abuse.limit_descriptors(1024), env=abuse.server_environment())
    started = EngineSim.__new__(EngineSim)
    started.port, started.base_url, started.process = port, f"http://127.0.0.1:{port}", process
    started.wait_for_status(200)
    yield started
    stop_process(process)


@pytest.fixture(scope="module")
def target(engine):
    def completes():
        request = urllib.request.Request(
            engine.base_url + "/v1/completions", method="POST",
            data=json.dumps({"prompt": "still here", "max_tokens": 4}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["usage"]["completion_tokens"] >= 1

    return abuse.Target(engine.port, engine.process.pid, "/health", ("POST", "/v1/completions"),
                        check_unharmed=completes)


def test_idle_connections(target):
    abuse.probe_idle_connections(target, 1100)


def test_half_sent_requests(target):
    abuse.probe_half_sent_requests(target, 1000)


def test_huge_chunked_body(target):
    sent = abuse.probe_huge_chunked_body(target, 200 << 20)
    assert sent < 200 << 20, "the whole body was read before the 413"


def test_huge_header(target):
    abuse.probe_huge_header(target, 300 << 20)


def test_deep_nesting(target):
    abuse.probe_deep_nesting(target, 100_000)


def test_prompt_of_token_ids_is_served(engine):
    """vLLM takes a prompt given as token ids; so does the simulator."""
    request = urllib.request.Request(
        engine.base_url + "/v1/completions", method="POST",
        data=json.dumps({"prompt": [1, 2, 3, 4, 5], "max_tokens": 2}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["usage"]["prompt_tokens"] == 5
