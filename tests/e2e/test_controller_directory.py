"""tessera-controller with the directory store (the embedded default)
driving real agents and real simulator workers."""

import json
import os
import signal
import time
import urllib.error
import urllib.request

import openai
import pytest
import yaml

from agent_fixture import FAST_CONFIG, ROUTER_COMMAND, TOKEN
from conftest import BIN_DIR, free_port
from controller_fixture import (FAST_FLAGS, Agent, Controller, condition, dump, kill_node, live,
                                managed_workers, model_deployment, wait_until)


def start_cluster(tmp_path, names=("node-a", "node-b"), topology="2xmi300x:cpx/nps4",
                  flags=FAST_FLAGS, agent_config=None):
    """Agents of `topology` (configured by `agent_config`, the agent
    fixture's default when None) and a controller reading manifests from
    tmp_path/manifests."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    agents = [Agent(tmp_path / name, topology=topology, hostname=name, config=agent_config)
              for name in names]
    metrics_port = free_port()
    args = ["--manifests", str(manifests), "--metrics-listen", f"127.0.0.1:{metrics_port}"]
    for agent in agents:
        args += ["--agent", f"{agent.hostname}={agent.base_url}"]
    controller = Controller(tmp_path / "controller", args, flags=flags)

    class Cluster:
        pass

    c = Cluster()
    c.manifests, c.agents, c.controller = manifests, agents, controller

    def status(name, namespace="default"):
        path = manifests / f"{namespace}.{name}.status.yaml"
        if not path.exists():
            return None
        with open(path) as f:
            return yaml.safe_load(f).get("status")

    def diagnostics():
        return "controller log:\n" + controller.log()[-6000:]

    def stop():
        controller.stop()
        for agent in agents:
            agent.destroy()

    def metrics():
        """The controller's /metrics as {series: value}."""
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            lines = response.read().decode().splitlines()
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                for line in lines if line and not line.startswith("#")}

    c.status, c.diagnostics, c.stop, c.metrics = status, diagnostics, stop, metrics
    return c


@pytest.fixture
def cluster(tmp_path):
    """Two agents of 2 × MI300X in CPX/NPS4 (16 partitions each)."""
    c = start_cluster(tmp_path)
    yield c
    c.stop()


def write(path, body):
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(body)
    os.replace(tmp, path)


def ready(cluster, name, role="worker", count=None):
    status = cluster.status(name)
    if not status or condition(status, "Ready").get("status") != "True":
        return None
    if count is not None and status.get(role, {}).get("ready") != count:
        return None
    return status


def test_places_scales_rolls_out_and_deletes(cluster):
    manifest = cluster.manifests / "llama.yaml"
    write(manifest, dump(model_deployment("llama", replicas=2)))
    status = wait_until(lambda: ready(cluster, "llama", count=2), what="2 ready workers",
                        diagnostics=cluster.diagnostics)
    assert status["observedGeneration"] == 1
    assert status["worker"] == {"desired": 2, "replicas": 2, "ready": 2, "updated": 2,
                                "summary": "2/2"}
    workers = managed_workers(cluster.agents, "llama")
    assert sorted(w["node"] for w in workers) == ["node-a", "node-b"], "spread across nodes"
    assert {w["name"] for w in status["workers"]} == {w["id"] for w in workers}

    # A real OpenAI client against a worker the controller started.
    client = openai.OpenAI(base_url=workers[0]["url"] + "/v1", api_key="unused")
    reply = client.completions.create(model="llama", prompt="hello", max_tokens=4)
    assert reply.usage.completion_tokens == 4

    # Scale up by editing the manifest.
    write(manifest, dump(model_deployment("llama", replicas=3)))
    status = wait_until(lambda: ready(cluster, "llama", count=3), what="3 ready workers",
                        diagnostics=cluster.diagnostics)
    assert status["observedGeneration"] == 2
    before = {w["id"] for w in managed_workers(cluster.agents, "llama")}
    assert len(before) == 3
    series = 'namespace="default",deployment="llama",role="aggregated"'
    scraped = cluster.metrics()
    assert scraped[f"tessera_controller_deployment_replicas{{{series}}}"] == 3
    assert scraped[f"tessera_controller_deployment_ready_replicas{{{series}}}"] == 3
    assert scraped["tessera_controller_leader"] == 1
    assert scraped['tessera_controller_agent_up{node="node-a"}'] == 1

    # Roll out a spec change: with maxSurge 1 and maxUnavailable 0, three
    # ready workers at every moment and never more than four.
    write(manifest, dump(model_deployment("llama", replicas=3, max_model_len=4096)))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = live(managed_workers(cluster.agents, "llama"))
        ready_count = sum(1 for w in workers if w["state"] == "ready")
        assert ready_count >= 3, f"only {ready_count} ready during the rollout"
        assert len(workers) <= 4
        updated = [w for w in workers if w["spec"]["engine"].get("maxModelLen") == 4096]
        if len(workers) == 3 and len(updated) == 3 and ready_count == 3:
            break
        # Scrapes while passes run: the metrics server's thread reads the
        # store and the fleet beside the reconciler (this suite runs under
        # ThreadSanitizer too).
        assert cluster.metrics()["tessera_controller_leader"] == 1
        time.sleep(0.05)
    else:
        raise AssertionError("rollout did not finish\n" + cluster.diagnostics())
    after = {w["id"] for w in live(managed_workers(cluster.agents, "llama"))}
    assert not before & after, "every worker was replaced"
    wait_until(lambda: ready(cluster, "llama", count=3) and
               ready(cluster, "llama")["worker"]["updated"] == 3,
               what="status after the rollout", diagnostics=cluster.diagnostics)

    # Deleting the manifest drains and removes every worker.
    os.remove(manifest)
    wait_until(lambda: not managed_workers(cluster.agents, "llama"), what="workers removed",
               diagnostics=cluster.diagnostics)
    wait_until(lambda: cluster.status("llama") is None, what="status file removed")


def test_disaggregated_scale_and_node_loss(cluster):
    manifest = cluster.manifests / "pd.yaml"
    body = model_deployment("pd", disaggregated=True, prefill=1, decode=1,
                            tensor_parallel_size=2)
    write(manifest, dump(body))
    wait_until(lambda: ready(cluster, "pd", "decode", 1), what="prefill and decode ready",
               diagnostics=cluster.diagnostics)
    for worker in managed_workers(cluster.agents, "pd"):
        partitions = worker["spec"]["partitions"]
        assert len(partitions) == 2 and partitions[0] // 8 == partitions[1] // 8, \
            "a tensor-parallel group stays on one GPU"
        if worker["spec"]["role"] == "prefill":
            assert worker.get("bootstrapPort"), "prefill workers get a KV bootstrap port"

    # Scale the decode role alone.
    body["spec"]["decode"]["replicas"] = 3
    write(manifest, dump(body))
    status = wait_until(lambda: ready(cluster, "pd", "decode", 3), what="3 decode workers",
                        diagnostics=cluster.diagnostics)
    assert status["prefill"]["ready"] == 1

    # The node holding most workers dies; its workers move to the survivor.
    workers = managed_workers(cluster.agents, "pd")
    by_node = {a.hostname: sum(1 for w in workers if w["node"] == a.hostname)
               for a in cluster.agents}
    victim = max(cluster.agents, key=lambda a: by_node[a.hostname])
    survivor = next(a for a in cluster.agents if a is not victim)
    kill_node(victim)
    status = wait_until(
        lambda: (s := cluster.status("pd")) and condition(s, "Degraded").get("reason") == "NodeLost"
        and s, what="NodeLost", diagnostics=cluster.diagnostics)
    assert victim.hostname in condition(status, "Degraded")["message"]
    wait_until(lambda: len([w for w in live(managed_workers([survivor], "pd"))
                            if w["state"] == "ready"]) == 4,
               what="every worker running on the survivor", diagnostics=cluster.diagnostics)
    status = wait_until(lambda: ready(cluster, "pd", "decode", 3), what="ready again",
                        diagnostics=cluster.diagnostics)
    lost = [w for w in status["workers"] if w["node"] == victim.hostname]
    assert lost and all(w["state"] == "unknown" for w in lost)


def processes(cluster):
    """Each of llama's workers: its spec, engine process and the agent's
    restarts of it."""
    return {w["id"]: (w["spec"], w["pid"], w["restarts"])
            for w in managed_workers(cluster.agents, "llama")}


def assert_unchurned(before, after):
    """The same workers with the same specs, and the same engine processes
    unless the agent itself restarted one: under a sanitizer on two busy
    cores an engine can miss the fixture's 300 ms liveness probes, which is
    the agent's doing, not the controller's."""
    assert after.keys() == before.keys()
    for worker, (spec, pid, restarts) in before.items():
        assert after[worker][0] == spec, worker
        if after[worker][2] == restarts:
            assert after[worker][1] == pid, worker


def test_restart_churns_nothing_and_bad_manifests_keep_workers(cluster):
    manifest = cluster.manifests / "llama.yaml"
    write(manifest, dump(model_deployment("llama", replicas=2)))
    wait_until(lambda: ready(cluster, "llama", count=2), what="2 ready workers",
               diagnostics=cluster.diagnostics)
    before = processes(cluster)

    cluster.controller.kill9()
    cluster.controller.start()
    time.sleep(2)  # several poll periods of the new controller
    assert_unchurned(before, processes(cluster))
    assert "worker created" not in cluster.controller.log().split("controller running")[-1]

    # A manifest that no longer parses keeps the last good spec running.
    write(manifest, "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
                    "metadata: {name: llama}\nspec: [unclosed\n")
    status = wait_until(
        lambda: (s := cluster.status("llama")) and condition(s, "Degraded").get("reason")
        == "InvalidSpec" and s, what="InvalidSpec", diagnostics=cluster.diagnostics)
    assert "llama.yaml" in condition(status, "Degraded")["message"]
    assert_unchurned(before, processes(cluster))

    # A valid manifest the controller cannot place says why.
    write(cluster.manifests / "big.yaml", dump({
        **model_deployment("big", replicas=1),
        "spec": {"model": {"source": "llama-3.1-405b"}, "engine": {"kind": "sim",
                 "maxModelLen": 8192}, "worker": {"replicas": 1, "tensorParallelSize": 8}}}))
    status = wait_until(lambda: (s := cluster.status("big")) and condition(s, "Unschedulable")
                        .get("status") == "True" and s, what="Unschedulable",
                        diagnostics=cluster.diagnostics)
    unschedulable = condition(status, "Unschedulable")
    assert unschedulable["reason"] == "ModelTooLarge", unschedulable
    assert "needs 8 partitions of ≥" in unschedulable["message"]
    assert "fits at tensorParallelSize" in unschedulable["message"] or \
        "largest partition" in unschedulable["message"]


def test_worker_changes_reach_the_controller_as_they_happen(tmp_path):
    """With the agents polled once a minute, placing 4 workers and rolling
    all 4 out one at a time (maxSurge 1) still finish in seconds: each agent
    tells the controller of every change of its workers. (With
    --agent-change-wait 0s, polls only, the 4 workers are not even seen
    ready within 30 s.)"""
    slow_polls = [flag if flag != "300ms" else "60s" for flag in FAST_FLAGS]
    c = start_cluster(tmp_path, names=["node-a"], topology="1xmi300x:cpx/nps4", flags=slow_polls)
    try:
        time.sleep(1)  # past the first poll: from here on, polls are a minute apart
        manifest = c.manifests / "llama.yaml"
        started = time.monotonic()
        write(manifest, dump(model_deployment("llama", replicas=4)))
        wait_until(lambda: ready(c, "llama", count=4), timeout=30, what="4 ready workers",
                   diagnostics=c.diagnostics)
        placed = time.monotonic() - started

        def rolled_out():
            status = ready(c, "llama", count=4)
            return status and status["worker"]["updated"] == 4 and \
                status["observedGeneration"] == 2

        started = time.monotonic()
        write(manifest, dump(model_deployment("llama", replicas=4, max_model_len=4096)))
        wait_until(rolled_out, timeout=30, what="4 updated ready workers",
                   diagnostics=c.diagnostics)
        rolled_out = time.monotonic() - started
        print(f"\n4 workers placed and ready in {placed:.2f} s; rolled out in {rolled_out:.2f} s "
              "(agents polled every 60 s)")
        assert len(live(managed_workers(c.agents, "llama"))) == 4
    finally:
        c.stop()


def router_members(router_url, token=TOKEN):
    """What a router routes to, from its admin API."""
    request = urllib.request.Request(router_url + "/admin/workers",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=2) as reply:
        return json.load(reply)["workers"]


def test_routers_are_fed_the_ready_workers_and_published_as_the_endpoint(cluster):
    manifest = cluster.manifests / "pd.yaml"
    write(manifest, dump(model_deployment("pd", disaggregated=True, prefill=1, decode=1,
                                          routers=1)))
    status = wait_until(lambda: (s := ready(cluster, "pd", "router", 1)) and s.get("endpoint")
                        and s, what="a ready router as the endpoint",
                        diagnostics=cluster.diagnostics)
    assert status["router"] == {"desired": 1, "replicas": 1, "ready": 1, "updated": 1,
                                "summary": "1/1"}
    workers = managed_workers(cluster.agents, "pd")
    routers = [w for w in workers if w["spec"]["role"] == "router"]
    assert len(routers) == 1 and routers[0]["spec"]["partitions"] == []
    router = routers[0]
    assert status["endpoint"] == router["url"]
    engines = {w["spec"]["role"]: w for w in workers if w["spec"]["role"] != "router"}
    # The router was started with the agent's token as its admin token: the
    # controller's token is what it takes, and nothing else.
    with pytest.raises(urllib.error.HTTPError) as refused:
        router_members(router["url"], token="not-the-token")
    assert refused.value.code == 401
    members = {m["role"]: m for m in router_members(router["url"])}
    assert set(members) == {"prefill", "decode"}
    assert members["prefill"]["url"] == engines["prefill"]["url"]
    assert members["prefill"]["bootstrapPort"] == engines["prefill"]["bootstrapPort"]
    assert members["decode"]["url"] == engines["decode"]["url"]
    assert "bootstrapPort" not in members["decode"]

    # A router restarted by its agent starts empty and is told again.
    os.kill(router["pid"], signal.SIGKILL)
    wait_until(lambda: any(w["spec"]["role"] == "router" and w.get("pid")
                           and w["pid"] != router["pid"] and w["state"] == "ready"
                           for w in managed_workers(cluster.agents, "pd")),
               what="the router restarted", diagnostics=cluster.diagnostics)
    wait_until(lambda: len(router_members(router["url"])) == 2, what="the router told again",
               diagnostics=cluster.diagnostics)

    # A changed routing policy replaces the router; the workers stay.
    body = model_deployment("pd", disaggregated=True, prefill=1, decode=1, routers=1)
    body["spec"]["router"]["decodePolicy"] = "round_robin"
    write(manifest, dump(body))
    status = wait_until(
        lambda: (s := ready(cluster, "pd", "router", 1)) and s["observedGeneration"] == 2
        and s["router"]["updated"] == 1 and s, what="the router replaced",
        diagnostics=cluster.diagnostics)
    replaced = [w for w in live(managed_workers(cluster.agents, "pd"))
                if w["spec"]["role"] == "router"]
    assert len(replaced) == 1 and replaced[0]["id"] != router["id"]
    assert "--decode-policy" in replaced[0]["spec"]["engine"]["extraArgs"]
    assert status["endpoint"] == replaced[0]["url"]
    assert {w["id"] for w in live(managed_workers(cluster.agents, "pd"))
            if w["spec"]["role"] != "router"} == {w["id"] for w in engines.values()}


def test_an_openai_client_streams_a_chat_through_the_endpoint(cluster):
    write(cluster.manifests / "pd.yaml",
          dump(model_deployment("pd", disaggregated=True, prefill=1, decode=1, routers=1)))
    status = wait_until(lambda: (s := ready(cluster, "pd", "router", 1)) and s.get("endpoint")
                        and s, what="a ready router as the endpoint",
                        diagnostics=cluster.diagnostics)
    client = openai.OpenAI(base_url=status["endpoint"] + "/v1", api_key="unused")
    stream = client.chat.completions.create(
        model="pd", messages=[{"role": "user", "content": "Say hello."}], max_tokens=8,
        stream=True)
    chunks = [chunk for chunk in stream]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert len(chunks) > 1, "streamed, not one answer"
    assert text


# --- issue 21: pipeline parallelism, speculative decoding, engine flags ----------


def engine_argv(worker):
    """The argv the agent launched a worker's engine with."""
    with open(f"/proc/{worker['pid']}/cmdline", "rb") as f:
        return f.read().decode().split("\0")[:-1]


def flag(argv, name):
    """The value after `name` in `argv`."""
    assert name in argv, f"{name} not in {argv}"
    return argv[argv.index(name) + 1]


def serving_deployments(cluster, extra_args=()):
    """Seed 001's shapes on the simulator: Llama 3.1 8B as TP 2 × PP 4 with a
    chunked-prefill budget and an allowed extra flag, and one with a 1B draft
    model proposing 5 tokens and FP8 weights quantized on load. `extra_args`
    go to both engines, after their own."""
    write(cluster.manifests / "pipeline.yaml", dump(model_deployment(
        "pipeline", replicas=1, worker={"replicas": 1, "tensorParallelSize": 2,
                                        "pipelineParallelSize": 4},
        engine={"kind": "sim", "maxModelLen": 8192, "maxNumBatchedTokens": 4096,
                "extraArgs": ["--max-num-seqs", "64", *extra_args]})))
    speculative_engine = {
        "kind": "sim", "maxModelLen": 8192,
        "speculative": {"method": "draft", "draftModel": "meta-llama/Llama-3.2-1B-Instruct",
                        "numSpeculativeTokens": 5}}
    if extra_args:
        speculative_engine["extraArgs"] = list(extra_args)
    write(cluster.manifests / "speculative.yaml", dump(model_deployment(
        "speculative", replicas=1,
        model={"source": "meta-llama/Llama-3.1-8B-Instruct", "dtype": "fp8"},
        engine=speculative_engine)))
    for name in ("pipeline", "speculative"):
        wait_until(lambda name=name: ready(cluster, name, count=1), what=f"{name} ready",
                   diagnostics=cluster.diagnostics)
    (pipeline,) = managed_workers(cluster.agents, "pipeline")
    (speculative,) = managed_workers(cluster.agents, "speculative")
    return pipeline, speculative


def test_pipeline_parallel_and_speculative_workers_are_placed_and_launched(cluster):
    pipeline, speculative = serving_deployments(cluster)

    # TP 2 × PP 4: eight partitions, one whole CPX MI300X.
    partitions = pipeline["spec"]["partitions"]
    assert len(partitions) == 8, pipeline
    assert len({p // 8 for p in partitions}) == 1, f"{partitions} span GPUs"
    engine = pipeline["spec"]["engine"]
    assert (engine["tensorParallelSize"], engine["pipelineParallelSize"]) == (2, 4), engine
    status = cluster.status("pipeline")
    assert sorted(status["workers"][0]["partitions"]) == sorted(partitions)
    argv = engine_argv(pipeline)
    assert flag(argv, "--tensor-parallel-size") == "2"
    assert flag(argv, "--pipeline-parallel-size") == "4"
    assert flag(argv, "--max-num-batched-tokens") == "4096"
    assert argv[-2:] == ["--max-num-seqs", "64"], "extraArgs come last"
    assert "--speculative-config" not in argv and "--quantization" not in argv

    # The draft model reaches the simulator in vLLM V1's spelling (the agent's
    # sim entry gives no version), the FP8 weights as --quantization.
    assert len(speculative["spec"]["partitions"]) == 1
    argv = engine_argv(speculative)
    assert flag(argv, "--quantization") == "fp8"
    assert json.loads(flag(argv, "--speculative-config")) == {
        "method": "draft_model", "model": "meta-llama/Llama-3.2-1B-Instruct",
        "num_speculative_tokens": 5}
    assert "--pipeline-parallel-size" not in argv

    # The workers serve.
    for worker in (pipeline, speculative):
        client = openai.OpenAI(base_url=worker["url"] + "/v1", api_key="unused")
        reply = client.completions.create(model=worker["spec"]["deployment"], prompt="hello",
                                          max_tokens=4)
        assert reply.usage.completion_tokens == 4


def test_an_engine_entry_of_a_0_6_era_release_gets_its_spellings(tmp_path):
    config = FAST_CONFIG.format(simulator=os.path.join(BIN_DIR, "tessera-engine-sim"),
                                first=21000, last=21099, router=json.dumps(ROUTER_COMMAND))
    config = config.replace("  sim:\n    kind: sim\n",
                            "  sim:\n    kind: sim\n    version: 0.6.6.post1\n", 1)
    assert "version: 0.6.6" in config
    cluster = start_cluster(tmp_path, names=("node-a",), agent_config=config)
    try:
        _, speculative = serving_deployments(cluster)
        argv = engine_argv(speculative)
        assert flag(argv, "--speculative-model") == "meta-llama/Llama-3.2-1B-Instruct"
        assert flag(argv, "--num-speculative-tokens") == "5"
        assert "--speculative-config" not in argv
    finally:
        cluster.stop()


def test_extra_args_off_the_allow_list_keep_the_last_good_spec(cluster):
    manifest = cluster.manifests / "llama.yaml"
    write(manifest, dump(model_deployment("llama", replicas=1)))
    wait_until(lambda: ready(cluster, "llama", count=1), what="1 ready worker",
               diagnostics=cluster.diagnostics)
    before = processes(cluster)
    write(manifest, dump(model_deployment(
        "llama", replicas=1, engine={"kind": "sim", "maxModelLen": 8192,
                                     "extraArgs": ["--seed", "1", "--trust-remote-code"]})))
    status = wait_until(
        lambda: (s := cluster.status("llama")) and condition(s, "Degraded").get("reason")
        == "InvalidSpec" and s, what="InvalidSpec", diagnostics=cluster.diagnostics)
    assert ("spec.engine.extraArgs[2]: --trust-remote-code is not on sim's extraArgs allow-list "
            "(docs/resources.md#extra-engine-arguments)") in condition(status, "Degraded")["message"]
    assert_unchurned(before, processes(cluster))
