"""A real tessera-controller process, and the agents it drives, for the
end-to-end suites."""

import json
import os
import signal
import subprocess
import time

import yaml

from agent_fixture import TOKEN, Agent, ApiError
from conftest import BIN_DIR, stop_process

# Short periods so that node loss and rollouts happen in seconds.
FAST_FLAGS = ["--poll-period", "300ms", "--node-lost-timeout", "3s", "--agent-timeout", "2s"]


class Controller:
    """tessera-controller with its log in `state_dir`."""

    def __init__(self, state_dir, args, name="controller", flags=FAST_FLAGS):
        self.state_dir = str(state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        self.args = list(args)
        self.flags = list(flags)
        self.log_path = os.path.join(self.state_dir, f"{name}.log")
        self.token_file = os.path.join(self.state_dir, "agent-token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.process = None
        self.start()

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [os.path.join(BIN_DIR, "tessera-controller"), "--agent-token-file", self.token_file,
             *self.flags, *self.args],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        time.sleep(0.1)
        if self.process.poll() is not None:
            raise AssertionError(f"controller exited {self.process.returncode}:\n{self.log()}")

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        stop_process(self.process)


def managed_workers(agents, deployment=None):
    """Every worker the controller manages on the reachable `agents`."""
    workers = []
    for agent in agents:
        try:
            for worker in agent.workers():
                spec = worker["spec"]
                if spec.get("managedBy") != "tessera-controller":
                    continue
                if deployment and spec["deployment"] != deployment:
                    continue
                worker["node"] = agent.hostname
                workers.append(worker)
        except (ApiError, OSError):
            pass
    return workers


def wait_until(predicate, timeout=40, what="condition", diagnostics=lambda: ""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in {timeout}s\n{diagnostics()}")


def condition(status, kind):
    for entry in (status or {}).get("conditions", []):
        if entry["type"] == kind:
            return entry
    return {}


def live(workers):
    return [w for w in workers if w["state"] not in ("draining", "stopping", "stopped")]


def kill_node(agent):
    """The node dies: the agent and every engine it started are SIGKILLed."""
    pids = [w["pid"] for w in agent.workers() if w.get("pid")]
    agent.kill9()
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def model_deployment(name, namespace="default", replicas=2, max_model_len=8192,
                     disaggregated=False, prefill=1, decode=1, tensor_parallel_size=1, routers=0,
                     **spec):
    """A simulated deployment; without routers unless asked, so that the
    suites about workers count workers only."""
    body = {
        "apiVersion": "serving.tessera.io/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "model": {"source": "meta-llama/Llama-3.1-8B-Instruct"},
            "engine": {"kind": "sim", "maxModelLen": max_model_len},
            "router": {"replicas": routers},
        },
    }
    if disaggregated:
        body["spec"]["mode"] = "disaggregated"
        body["spec"]["prefill"] = {"replicas": prefill, "tensorParallelSize": tensor_parallel_size}
        body["spec"]["decode"] = {"replicas": decode, "tensorParallelSize": tensor_parallel_size}
    else:
        body["spec"]["worker"] = {"replicas": replicas, "tensorParallelSize": tensor_parallel_size}
    body["spec"].update(spec)
    return body


def dump(body):
    return yaml.safe_dump(body, sort_keys=False)


def json_dump(body):
    return json.dumps(body)


__all__ = ["Agent", "Controller", "condition", "dump", "kill_node", "live", "managed_workers",
           "model_deployment", "wait_until"]
