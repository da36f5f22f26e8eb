"""tessera-agent end to end: the real agent (sim GPU backend) supervising real
tessera-engine-sim workers, driven through its REST API and the official
OpenAI client."""

import os
import signal
import threading
import time

import openai
import pytest

from agent_fixture import Agent, ApiError, sim_spec


@pytest.fixture
def agent(tmp_path):
    started = Agent(tmp_path / "agent")
    yield started
    started.destroy()


def client_for(worker):
    return openai.OpenAI(base_url=worker["url"] + "/v1", api_key="unused", max_retries=0)


def test_worker_starts_serves_and_repeat_put_is_a_no_op(agent):
    created = agent.put_worker("llama-0", sim_spec(partitions=[2]))
    assert created["state"] in ("pending", "starting")
    worker = agent.wait_ready("llama-0")
    assert worker["pid"] > 0 and worker["restarts"] == 0 and worker["startupSeconds"] > 0

    completion = client_for(worker).completions.create(model="llama-8b", prompt="Hello",
                                                       max_tokens=8)
    assert completion.usage.completion_tokens >= 1

    again = agent.put_worker("llama-0", sim_spec(partitions=[2]))
    assert again["pid"] == worker["pid"] and again["state"] == "ready"

    node = agent.request("GET", "/v1/node")
    assert node["gpuBackend"] == "sim" and node["partitions"] == {"total": 8, "free": 7}
    held = [p for gpu in node["gpus"] for p in gpu["partitions"] if p["worker"]]
    assert [(p["index"], p["worker"]) for p in held] == [(2, "llama-0")]

    # The engine was pinned to partition 2 and told to model a CPX partition.
    logs = agent.request("GET", "/v1/workers/llama-0/logs?tail=50")
    assert "engine ready" in logs
    with open(f"/proc/{worker['pid']}/environ", "rb") as f:
        environment = dict(entry.split(b"=", 1) for entry in f.read().split(b"\0") if b"=" in entry)
    assert environment[b"HIP_VISIBLE_DEVICES"] == b"2"
    with open(f"/proc/{worker['pid']}/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    assert b"mi300x:cpx/nps4" in argv

    sd = agent.request("GET", "/v1/sd")
    assert sd == [{"targets": [worker["url"].removeprefix("http://")],
                   "labels": {"worker": "llama-0", "deployment": "llama-8b",
                              "namespace": "default", "role": "aggregated", "partition": "2",
                              "hostname": "node-e2e"}}]


def test_crashing_engine_restarts_with_growing_backoff_and_reports_crash_loop(agent):
    agent.put_worker("crashy", sim_spec(extra_args=["--fail-after", "0.2s"]))
    starts = []
    deadline = time.monotonic() + 40
    worker = None
    while time.monotonic() < deadline:
        worker = agent.worker("crashy")
        if worker["pid"] and (not starts or starts[-1][1] != worker["pid"]):
            starts.append((time.monotonic(), worker["pid"]))
        if worker["crashLoop"] and len(starts) >= 4:
            break
        time.sleep(0.02)
    assert worker["crashLoop"], worker
    assert worker["restarts"] >= 3
    assert worker["lastExitCode"] == 1
    assert "engine exited: exit code 1" in worker["lastFailure"]
    # The engine's last words, without the logs API.
    assert any("injected failure: the engine dies" in line for line in worker["lastOutput"]), \
        worker["lastOutput"]
    assert len(worker["lastOutput"]) <= 5
    # Each run lasts about the same (start-up + 0.2 s + 0.5 s of dying), so
    # the growth of the gaps between starts is the backoff doubling.
    gaps = [b[0] - a[0] for a, b in zip(starts, starts[1:])]
    assert gaps[2] - gaps[1] > 0.25 and gaps[1] - gaps[0] > 0.1, gaps

    metrics = agent.request("GET", "/metrics")
    assert 'tessera_worker_crash_loop{deployment="llama-8b",hostname="node-e2e"' in metrics


def test_hung_engine_is_killed_by_liveness_probes_and_restarted(agent):
    agent.put_worker("hangs", sim_spec(extra_args=["--hang-after", "0.5s"]))
    first = agent.wait_ready("hangs")
    restarted = agent.wait_for("hangs", lambda w: w["restarts"] >= 1, 20, "a restart")
    assert "liveness probe failed 3 time(s)" in restarted["lastFailure"]
    assert restarted["lastExit"] == "killed by signal 9"
    assert restarted["pid"] != first["pid"]


def test_drain_lets_in_flight_requests_finish_then_stops(agent):
    agent.put_worker("drainer", sim_spec())
    worker = agent.wait_ready("drainer")
    client = client_for(worker)
    results = []

    def stream():
        chunks = client.completions.create(model="llama-8b", prompt="Tell me a long story",
                                           max_tokens=150, stream=True,
                                           extra_body={"ignore_eos": True})
        results.append(sum(1 for chunk in chunks if chunk.choices and chunk.choices[0].text))

    threads = [threading.Thread(target=stream) for _ in range(3)]
    for thread in threads:
        thread.start()
    agent.wait_for("drainer", lambda w: w.get("inFlightRequests", 0) >= 3, 10, "load")
    deleted = agent.request("DELETE", "/v1/workers/drainer?graceSeconds=60")
    assert deleted["state"] == "draining"
    # While draining, the worker is out of service discovery.
    assert agent.request("GET", "/v1/sd") == []
    for thread in threads:
        thread.join(timeout=60)
    assert results == [150, 150, 150]
    agent.wait_for("drainer", lambda w: isinstance(w, ApiError) and w.status == 404, 15,
                   "removal")
    assert not os.path.exists(f"/proc/{worker['pid']}/cmdline") or \
        open(f"/proc/{worker['pid']}/stat").read().split(") ")[1][0] in "ZX"


def test_changed_spec_replaces_the_worker(agent):
    agent.put_worker("rolling", sim_spec(partitions=[0]))
    first = agent.wait_ready("rolling")
    replaced = agent.put_worker("rolling", sim_spec(partitions=[0], maxModelLen=4096))
    assert replaced["replacing"] is True
    second = agent.wait_for("rolling", lambda w: w["state"] == "ready" and w["pid"] != first["pid"],
                            30, "replacement ready")
    assert second["spec"]["engine"]["maxModelLen"] == 4096


def test_agent_killed_under_load_readopts_every_worker(agent):
    ids = ["keep-0", "keep-1", "keep-2"]
    for index, worker_id in enumerate(ids):
        engine = "sim-sglang" if index == 2 else "sim"
        agent.put_worker(worker_id, sim_spec(partitions=[index], engine=engine,
                                             extra_args=["--time-scale", "0.2"]))
    before = {worker_id: agent.wait_ready(worker_id) for worker_id in ids}

    stop = threading.Event()
    failures, successes = [], []

    def load(worker):
        client = client_for(worker)
        while not stop.is_set():
            try:
                client.completions.create(model="llama-8b", prompt="hi", max_tokens=32)
                successes.append(1)
            except Exception as error:  # noqa: BLE001 - every failure is recorded
                failures.append(repr(error))

    threads = [threading.Thread(target=load, args=(w,)) for w in before.values()]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    agent.kill9()
    time.sleep(1.0)
    agent.start()
    after = {worker_id: agent.wait_ready(worker_id) for worker_id in ids}
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(successes) > 10
    for worker_id in ids:
        assert after[worker_id]["pid"] == before[worker_id]["pid"]
        assert after[worker_id]["restarts"] == 0
        assert after[worker_id]["adopted"] is True
        assert after[worker_id]["port"] == before[worker_id]["port"]
    assert "adopted running worker" in agent.log()

    # An adopted worker is still supervised: killing it gets it restarted.
    os.killpg(after["keep-1"]["pid"], signal.SIGKILL)
    restarted = agent.wait_for("keep-1", lambda w: w["restarts"] == 1 and w["state"] == "ready",
                               20, "restart after kill")
    assert restarted["pid"] != after["keep-1"]["pid"]
    assert restarted["lastExit"] == "exited (adopted; exit status unknown)"


def test_worker_that_died_while_the_agent_was_down_is_restarted(agent):
    agent.put_worker("orphan", sim_spec())
    worker = agent.wait_ready("orphan")
    agent.kill9()
    os.killpg(worker["pid"], signal.SIGKILL)
    time.sleep(0.2)
    agent.start()
    restarted = agent.wait_ready("orphan")
    assert restarted["pid"] != worker["pid"] and restarted["restarts"] == 1
