#!/usr/bin/env python3
"""Time from `kubectl apply` of a replica change to the agent receiving the
PUT that starts the new worker.

Starts a real etcd + kube-apiserver (tests/e2e/kube_fixture.py), one
tessera-agent (8 x MI300X in CPX/NPS4, publishing its GPUNode) and
tessera-controller, applies a ModelDeployment, then raises its replicas by
one with `kubectl apply` N times. For each change it reads, from the agent's
log, when the agent created the worker (the PUT's arrival, to the
millisecond), and prints the latency measured from just before kubectl
started and from when kubectl returned (the API write done).

Usage: benchmarks/controller/apply_to_put.py BIN_DIR [--changes N]
"""

import argparse
import datetime
import json
import os
import re
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/e2e"))


def percentile(values, fraction):
    ordered = sorted(values)
    index = fraction * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def created_times(log_text):
    """worker id -> when the agent logged its creation (epoch seconds)."""
    times = {}
    for line in log_text.splitlines():
        if 'msg="worker created"' not in line:
            continue
        stamp = re.search(r"ts=(\S+)", line).group(1)
        worker = re.search(r"worker=(\S+)", line).group(1)
        times[worker] = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    os.environ["TESSERA_BIN_DIR"] = os.path.abspath(args.bin_dir)
    import conftest  # noqa: E402 - reads TESSERA_BIN_DIR
    conftest.BIN_DIR = os.environ["TESSERA_BIN_DIR"]
    import agent_fixture
    import controller_fixture
    agent_fixture.BIN_DIR = controller_fixture.BIN_DIR = conftest.BIN_DIR
    from kube_fixture import REPO_ROOT, KubeControlPlane, kube_bin_dir

    work = tempfile.mkdtemp(prefix="apply-to-put-")
    kube = KubeControlPlane(kube_bin_dir(), os.path.join(work, "kube"))
    agent = controller = None
    try:
        kube.kubectl("apply", "-f", os.path.join(REPO_ROOT, "crds"))
        kube.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                     "crd/modeldeployments.serving.tessera.io",
                     "crd/modeldeploymentroles.serving.tessera.io",
                     "crd/gpunodes.serving.tessera.io")
        agent = agent_fixture.Agent(os.path.join(work, "agent"), topology="8xmi300x:cpx/nps4",
                                    hostname="bench-node",
                                    extra_args=["--kubeconfig", kube.token_kubeconfig])
        controller = controller_fixture.Controller(
            os.path.join(work, "controller"),
            ["--kubeconfig", kube.token_kubeconfig, "--namespace", "default"])

        def apply(replicas):
            body = controller_fixture.model_deployment("bench", replicas=replicas)
            kube.kubectl("apply", "-f", "-", input=json.dumps(body))

        def worker_count():
            return len(created_times(agent.log()))

        apply(1)
        controller_fixture.wait_until(lambda: worker_count() == 1, timeout=60,
                                      what="the first worker")
        from_start, from_write, kubectl = [], [], []
        for change in range(args.changes):
            replicas = change + 2
            before = time.time()
            apply(replicas)
            written = time.time()
            controller_fixture.wait_until(lambda: worker_count() == replicas, timeout=30,
                                          what=f"worker {replicas}")
            created = max(created_times(agent.log()).values())
            from_start.append((created - before) * 1000)
            from_write.append((created - written) * 1000)
            kubectl.append((written - before) * 1000)
            time.sleep(0.2)
        print(f"{args.changes} replica changes with kubectl apply "
              f"(controller poll period 300 ms, event-driven):")
        for name, values in (("kubectl start -> agent PUT", from_start),
                             ("kubectl returned -> agent PUT", from_write),
                             ("kubectl apply itself", kubectl)):
            print(f"  {name:30s} p50 {percentile(values, 0.5):6.1f} ms   "
                  f"p90 {percentile(values, 0.9):6.1f} ms   max {max(values):6.1f} ms   "
                  f"mean {statistics.mean(values):6.1f} ms")
    finally:
        if controller:
            controller.stop()
        if agent:
            agent.destroy()
        kube.stop()


if __name__ == "__main__":
    main()
