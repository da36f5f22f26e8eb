"""The agent's admin API under abuse, with the agent's descriptor limit at
1,024 (a common service default): parallel writes, idle and half-sent
connections, huge bodies and headers, deep nesting. After each, /healthz
answers within 100 ms, memory stayed bounded and no worker was killed or
orphaned. Then the agent's own hardening: signals that cannot be sent are
retried, a partition never holds two workers, a spec cannot name code to
load, a bootstrap port in use is refused, workers listen where the agent
does."""

import concurrent.futures
import json
import os
import socket
import subprocess
import time

import pytest

import abuse
from agent_fixture import TOKEN, Agent, sim_spec

HOLDERS = {"holder-a": [0], "holder-b": [9], "holder-c": [17]}


def children_of(pid):
    """Pids of the processes whose parent is `pid`."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    abuse.raise_own_descriptor_limit()
    started = Agent(tmp_path_factory.mktemp("agent-abuse"), topology="8xmi300x:cpx/nps4",
                    preexec_fn=abuse.limit_descriptors(1024), env=abuse.server_environment())
    for worker_id, partitions in HOLDERS.items():
        started.put_worker(worker_id, sim_spec(partitions=partitions))
    for worker_id in HOLDERS:
        started.wait_ready(worker_id)
    yield started
    started.destroy()


@pytest.fixture(scope="module")
def target(agent):
    before = {w["id"]: (w["pid"], w["restarts"]) for w in agent.workers()}

    def unharmed():
        workers = {w["id"]: w for w in agent.workers()}
        for worker_id, (pid, restarts) in before.items():
            worker = workers.get(worker_id)
            assert worker is not None, f"worker {worker_id} is gone"
            assert worker["state"] == "ready", f"{worker_id}: {worker['state']} {worker}"
            assert (worker["pid"], worker["restarts"]) == (pid, restarts), (
                f"{worker_id} was restarted: {worker}")
        strays = set(children_of(agent.process.pid)) - {w["pid"] for w in workers.values()}
        def describe(pid):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    return stat.read()[:80]
            except OSError:
                return "gone"
        assert not strays, ("processes the agent started and does not list: "
                            + str({pid: describe(pid) for pid in strays}))

    return abuse.Target(agent.port, agent.process.pid, "/healthz", ("PUT", "/v1/workers/abuse"),
                        token=TOKEN, check_unharmed=unharmed)


def test_descriptor_limit_is_1024(agent):
    with open(f"/proc/{agent.process.pid}/limits") as limits:
        line = next(line for line in limits if line.startswith("Max open files"))
    assert line.split()[3:5] == ["1024", "1024"]


def test_parallel_puts_and_deletes_are_all_answered(agent, target):
    held = {partition for partitions in HOLDERS.values() for partition in partitions}
    free = [partition for partition in range(64) if partition not in held]

    def put(index):
        return agent.request("PUT", f"/v1/workers/storm-{index}",
                             sim_spec(partitions=[free[index]]), raw=True)[0]

    def delete(index):
        return agent.request("DELETE", f"/v1/workers/storm-{index}?graceSeconds=0", raw=True)[0]

    with abuse.PeakRss(target) as rss:
        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            futures = [pool.submit(put, i) for i in range(50)]
            futures += [pool.submit(delete, i) for i in range(50)]
            statuses = [future.result(timeout=60) for future in futures]
    assert len(statuses) == 100
    assert set(statuses) <= {200, 201, 202, 404}, statuses
    for worker in agent.workers():
        if worker["id"].startswith("storm-"):
            agent.request("DELETE", f"/v1/workers/{worker['id']}?graceSeconds=0", raw=True)
    deadline = time.monotonic() + 30
    while any(w["id"].startswith("storm-") for w in agent.workers()):
        assert time.monotonic() < deadline, agent.workers()
        time.sleep(0.1)
    abuse.assert_unharmed(target, rss, "100 parallel PUT/DELETE")


def test_three_half_sent_bodies_do_not_wedge_the_api(agent, target):
    """Three connections that sent headers and part of a body, then a
    fourth request: the old listener's four threads all blocked reading."""
    head = target.head("PUT", "/v1/workers/half", "Content-Length: 1000")
    held = abuse.open_connections(target, 3, head + b'{"deployment": ')
    try:
        assert agent.request("GET", "/v1/workers")["workers"]
        abuse.assert_health_fast(target, "three half-sent bodies")
    finally:
        abuse.close_all(held)


# Held for 2 s: the liveness probes (every 300 ms, 3 failures to kill)
# run while the agent holds its descriptors, and must not kill anything.
def test_idle_connections(target):
    abuse.probe_idle_connections(target, 1100, hold_seconds=2.0)


def test_half_sent_requests(target):
    abuse.probe_half_sent_requests(target, 1000, hold_seconds=2.0)


def test_huge_chunked_body_without_a_token_is_refused_at_its_headers(target):
    sent = abuse.probe_huge_chunked_body(target, 200 << 20, authorised=False)
    assert sent < 200 << 20, "the whole body was sent: the 401 came after it"


def test_huge_chunked_body_with_the_token_is_cut_off_at_the_limit(target):
    abuse.probe_huge_chunked_body(target, 200 << 20, authorised=True)


def test_huge_header(target):
    abuse.probe_huge_header(target, 300 << 20)


def test_deep_nesting(target):
    abuse.probe_deep_nesting(target, 100_000)


def test_worker_replaced_onto_a_partition_keeps_it(agent):
    """A worker moving to a new partition holds it from the moment it is
    asked to move, while its old process still drains: nobody else may be
    placed there meanwhile."""
    import openai
    worker = agent.put_worker("mover", sim_spec(partitions=[40]))
    worker = agent.wait_ready("mover")
    client = openai.OpenAI(base_url=worker["url"] + "/v1", api_key="unused", max_retries=0)
    # A stream in flight keeps the old process draining for its length.
    stream = client.completions.create(model="llama-8b", prompt="drain me", max_tokens=100,
                                       stream=True, extra_body={"ignore_eos": True})
    next(iter(stream))
    moved = agent.put_worker("mover", sim_spec(partitions=[41]))
    assert moved["replacing"] is True and moved["state"] == "draining", moved
    status, text = agent.request("PUT", "/v1/workers/intruder", sim_spec(partitions=[41]),
                                 raw=True)
    message = json.loads(text)["error"]["message"]
    assert status == 409, message
    assert 'partition 41 is held by worker "mover"' in message and "moving onto it" in message
    node = agent.request("GET", "/v1/node")
    holders = {p["index"]: p["worker"] for gpu in node["gpus"] for p in gpu["partitions"]}
    assert holders[40] == "mover" and holders[41] == "mover"
    assert sum(1 for _ in stream) > 0, "the drained stream ran to its end"
    agent.wait_ready("mover")
    agent.request("DELETE", "/v1/workers/mover?graceSeconds=0")
    agent.wait_for("mover", lambda w: not isinstance(w, dict), what="gone")


def test_bootstrap_port_in_use_is_refused(agent):
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen()
    taken = listener.getsockname()[1]
    try:
        status, text = agent.request(
            "PUT", "/v1/workers/prefill-x",
            sim_spec(partitions=[50], role="prefill", engine="sim-sglang") | {"bootstrapPort": taken},
            raw=True)
        message = json.loads(text)["error"]["message"]
        assert status == 409 and f"bootstrapPort: port {taken} is in use on this node" in message, \
            message
        status, text = agent.request(
            "PUT", "/v1/workers/prefill-y",
            sim_spec(partitions=[51], role="prefill", engine="sim-sglang") |
            {"bootstrapPort": agent.port}, raw=True)
        assert status == 409 and "is the agent's own" in json.loads(text)["error"]["message"], text
    finally:
        listener.close()
    assert all(not w["id"].startswith("prefill-") for w in agent.workers())


def test_workers_listen_where_the_agent_does(agent):
    """The agent serves loopback here, so its workers must too."""
    worker = agent.worker("holder-a")
    with open(f"/proc/{worker['pid']}/cmdline", "rb") as cmdline:
        argv = cmdline.read().split(b"\0")
    assert argv[argv.index(b"--host") + 1] == b"127.0.0.1"


def test_replacing_a_worker_that_never_started(tmp_path):
    """A worker whose engine cannot start, then given a spec that can: the
    replacement used to read the worker it had just erased (found by the
    admin request fuzzer; AddressSanitizer aborts the agent on it, which
    the sanitizer run of this suite would show)."""
    from agent_fixture import FAST_CONFIG, BIN_DIR, ROUTER_COMMAND
    first = 31000 + os.getpid() % 200 * 100
    config = FAST_CONFIG.format(simulator=os.path.join(BIN_DIR, "tessera-engine-sim"),
                                first=first, last=first + 99, router=json.dumps(ROUTER_COMMAND))
    config = config.replace("engines:\n", "engines:\n  broken:\n    kind: sim\n"
                            "    command: [/nonexistent/tessera-engine]\n", 1)
    agent = Agent(tmp_path / "agent", config=config)
    try:
        agent.put_worker("phoenix", sim_spec(partitions=[1], engine="broken"))
        agent.wait_for("phoenix", lambda w: w["state"] == "failed", what="failed")
        agent.put_worker("phoenix", sim_spec(partitions=[1]))
        assert agent.wait_ready("phoenix")["pid"] > 0
        assert agent.process.poll() is None
    finally:
        agent.destroy()


def mask_stat(agent_pid, worker_pid):
    """Makes /proc/<worker>/stat unreadable in the agent's mount namespace,
    the way container runtimes mask /proc files."""
    subprocess.run(["nsenter", "-t", str(agent_pid), "-m", "mount", "--bind", "/dev/null",
                    f"/proc/{worker_pid}/stat"], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a mount namespace")
def test_kill_is_sent_even_when_the_process_status_cannot_be_read(tmp_path):
    """The agent used to read /proc/<pid>/stat to tell its worker from a
    stranger with the same pid; when that failed it recorded the kill as
    sent, and the worker stayed "stopping" forever with its partition."""
    agent = Agent(tmp_path / "agent", wrapper=["unshare", "-m", "--propagation", "private", "--"])
    try:
        agent.put_worker("masked", sim_spec(partitions=[2]))
        worker = agent.wait_ready("masked")
        mask_stat(agent.process.pid, worker["pid"])
        agent.request("DELETE", "/v1/workers/masked?graceSeconds=0")
        agent.wait_for("masked", lambda w: not isinstance(w, dict), timeout=10, what="gone")
        assert not os.path.exists(f"/proc/{worker['pid']}/cmdline") or \
            open(f"/proc/{worker['pid']}/stat").read().split()[2] == "Z"
    finally:
        agent.destroy()


def test_agent_answers_abuse_and_still_serves_its_workers(agent):
    """The engines were never disturbed: they answer completions."""
    import openai
    worker = agent.worker("holder-b")
    client = openai.OpenAI(base_url=worker["url"] + "/v1", api_key="unused", max_retries=0)
    completion = client.completions.create(model="llama-8b", prompt="still here", max_tokens=4)
    assert completion.usage.completion_tokens >= 1
    assert json.loads(json.dumps(agent.request("GET", "/v1/node")))["partitions"]["total"] == 64
