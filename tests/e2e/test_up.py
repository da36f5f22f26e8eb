"""`tessera up` end to end: one command from nothing to a deployment that
serves, the CLI acting on it, re-adoption of running workers by the next
`up`, and stopping that leaves no process behind."""

import json
import os
import signal
import urllib.request

import openai
import pytest
import yaml

from up_fixture import Up, descendants, running, wait_until

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "crds", "samples")


@pytest.fixture
def up(tmp_path):
    instance = Up(tmp_path / "state")
    yield instance
    instance.cleanup()


def chat(endpoint, content="Hello", stream=False):
    client = openai.OpenAI(base_url=endpoint + "/v1", api_key="unused", max_retries=0)
    if stream:
        chunks = client.chat.completions.create(
            model="llama-8b", messages=[{"role": "user", "content": content}], max_tokens=8,
            stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    answer = client.chat.completions.create(
        model="llama-8b", messages=[{"role": "user", "content": content}], max_tokens=8)
    return answer.choices[0].message.content


def test_foreground_up_serves_the_quickstart_and_ctrl_c_leaves_no_process(up):
    up.start_foreground()
    shown = up.read_until("Serving.")
    assert "modeldeployment default/llama-8b created (the built-in quickstart)" in shown
    for phase in ("prefill", "decode", "router", "ready"):
        assert phase in shown
    assert "Endpoint:" in shown and f"Dashboard: {up.api_url}/" in shown

    endpoint = up.endpoint()
    assert chat(endpoint)
    assert chat(endpoint, stream=True)
    overview = up.api("/api/v1/overview")
    status = overview["deployments"][0]["status"]
    assert {role: status[role]["ready"] for role in ("prefill", "decode", "router")} == \
        {"prefill": 1, "decode": 2, "router": 1}
    held = [p for gpu in overview["nodes"][0]["gpus"] for p in gpu["partitions"] if p["worker"]]
    assert len(held) == 3, "1 prefill and 2 decode workers hold a CPX partition each"
    # The controller's metrics, for a Prometheus, on the port after the agent's.
    with urllib.request.urlopen(f"http://127.0.0.1:{up.port + 2}/metrics", timeout=5) as reply:
        metrics = reply.read().decode()
    assert "tessera_controller_leader 1\n" in metrics
    assert ('tessera_controller_deployment_ready_replicas{namespace="default",'
            'deployment="llama-8b",role="decode"} 2\n') in metrics

    # Everything `up` runs is in its process tree while the agent lives:
    # the agent, the controller, three engines and a router.
    tree = set(descendants(up.foreground.pid)) - {up.foreground.pid}
    assert len(tree) == 6, tree
    assert set(up.worker_pids()) <= tree

    up.foreground.send_signal(signal.SIGINT)
    assert up.foreground.wait(timeout=60) == 0
    rest = up.foreground.stdout.read()
    assert "Draining 4 workers" in rest and "Stopped." in rest
    assert [pid for pid in tree if running(pid)] == []
    assert not os.path.exists(os.path.join(up.state_dir, "up.json"))


def test_a_second_up_readopts_running_workers_even_after_a_crash(up):
    first = up.up_detached()
    assert "Running in the background" in first.stdout
    pids = up.worker_pids()
    assert len(pids) == 4

    # While it runs, `up` again changes nothing.
    again = up.up_detached()
    assert "already running" in again.stdout
    assert up.worker_pids() == pids

    # tessera up, its agent and controller killed at once: the next `up`
    # starts new ones, and the agent adopts the workers that kept running.
    up.kill_control_plane()
    assert all(running(pid) for pid in pids)
    up.up_detached()
    assert up.worker_pids() == pids
    assert all(w["adopted"] for w in up.workers())
    assert chat(up.endpoint())

    record = up.instance()
    up.command("down")
    for pid in pids + [record["up"]["pid"], record["agent"]["pid"], record["controller"]["pid"]]:
        assert not running(pid), pid


def test_down_after_a_killed_up_stops_the_workers_it_left(up):
    up.up_detached()
    pids = up.worker_pids()
    up.kill_control_plane()
    result = up.command("down")
    assert "is gone; stopping what it left running" in result.stdout
    assert "Draining 4 workers" in result.stdout
    assert [pid for pid in pids if running(pid)] == []
    assert up.command("down").stdout.startswith("Nothing is running")


def test_the_cli_applies_scales_describes_and_deletes(up, tmp_path):
    up.up_detached()
    applied = up.command("apply", "-f", os.path.join(SAMPLES, "llama-3.1-8b-sim.yaml"))
    assert applied.stdout == "modeldeployment default/llama-8b-sim created\n"
    unchanged = up.command("apply", "-f", os.path.join(SAMPLES, "llama-3.1-8b-sim.yaml"))
    assert unchanged.stdout == "modeldeployment default/llama-8b-sim unchanged\n"
    wait_until(lambda: "2/2" in up.command("get", "deployments", "llama-8b-sim").stdout,
               what="the sample's two workers")

    table = up.command("get", "deployments").stdout
    assert "llama-8b " in table and "llama-8b-sim" in table
    listed = json.loads(up.command("get", "workers", "-o", "json").stdout)["items"]
    assert len(listed) == 7, "4 of the quickstart, 2 workers and a router of the sample"
    assert yaml.safe_load(up.command("get", "nodes", "-o", "yaml").stdout)["items"][0][
        "partitions"]["total"] == 64

    up.command("scale", "deployment", "llama-8b", "--role", "decode", "--replicas", "3")
    wait_until(lambda: "3/3" in up.command("get", "deployments", "llama-8b").stdout,
               what="a third decode worker")
    roles = up.command("get", "roles", "-n", "default").stdout
    assert "decode" in roles

    described = up.command("describe", "deployment", "llama-8b").stdout
    assert "Mode:" in described and "disaggregated" in described
    assert "WorkerCreated" in described and "Conditions:" in described

    decode = next(w["id"] for w in up.workers() if w["spec"]["role"] == "decode")
    assert "engine ready" in up.command("logs", decode, "--tail", "20").stdout

    # Bad input is refused whole, naming the field; nothing is written.
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
                   "metadata: {name: broken}\nspec:\n  model: {source: x}\n  engine: {kind: sim}\n"
                   "  worker: {replicas: many}\n")
    refused = up.command("apply", "-f", str(bad), check=False)
    assert refused.returncode == 2
    assert "bad.yaml" in refused.stderr and "spec.worker.replicas" in refused.stderr
    assert "broken" not in up.command("get", "deployments").stdout
    wrong_role = up.command("scale", "deployment", "llama-8b-sim", "--role", "decode",
                            "--replicas", "1", check=False)
    assert wrong_role.returncode == 2 and "has no role \"decode\"" in wrong_role.stderr
    unknown = up.command("get", "deployments", "nope", check=False)
    assert unknown.returncode == 1 and "not found" in unknown.stderr

    sample_workers = {w["pid"] for w in up.workers() if w["spec"]["deployment"] == "llama-8b-sim"}
    up.command("delete", "deployment", "llama-8b-sim")
    wait_until(lambda: not [w for w in up.workers() if w["spec"]["deployment"] == "llama-8b-sim"],
               what="the deleted deployment's workers to drain")
    assert [pid for pid in sample_workers if running(pid)] == []
    up.command("down")


def test_up_with_manifests_runs_those_instead_of_the_quickstart(up):
    shown = up.up_detached("-f", os.path.join(SAMPLES, "llama-3.1-8b-sim.yaml")).stdout
    assert "modeldeployment default/llama-8b-sim created\n" in shown
    assert "quickstart" not in shown
    names = [d["name"] for d in up.api("/api/v1/deployments")["items"]]
    assert names == ["llama-8b-sim"]
    assert up.command("endpoint").stdout.startswith("http://127.0.0.1:")
    up.command("down")


def test_a_manifest_that_does_not_parse_stops_up_before_anything_starts(up, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
                   "metadata: {name: x}\nspec: {model: {source: m}, engine: {kind: warp}}\n")
    result = up.command(*up.up_args("-d", "-f", str(bad)), check=False)
    assert result.returncode == 2
    assert "bad.yaml" in result.stderr and "spec.engine.kind" in result.stderr
    assert not os.path.exists(os.path.join(up.state_dir, "up.json"))


def test_commands_without_a_running_up_say_so(up):
    result = up.command("get", "deployments", check=False)
    assert result.returncode == 1
    assert "tessera up is not running in" in result.stderr
    assert up.command("down").stdout.startswith("Nothing is running")
