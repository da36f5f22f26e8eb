"""How long each failure takes to be seen and handled, with the controller's
and the agents' default settings, against a real etcd and kube-apiserver.

Two agents (2 x MI300X in CPX/NPS4 each, publishing GPUNodes) and
tessera-controller with no flag but the ones that name the cluster (poll
every 2 s, a node lost after 30 s of silence, waits for worker changes held
30 s, leader election with a 15 s lease). A deployment of 2 simulated
workers, one per node, goes through each failure in turn; every step prints
what the controller did, the conditions and events a user saw, and the
time it took. docs/controller.md ("Failures") holds the figures.

Run: tests/e2e/run.sh build/bin $PWD/benchmarks/controller/failure_timings.py -s
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/e2e"))

from controller_fixture import (Controller, condition, live, managed_workers,  # noqa: E402
                                model_deployment)
from test_controller_kube import Cluster  # noqa: E402
from test_controller_kube import kube  # noqa: E402,F401 - a pytest fixture
from kube_fixture import kube_control_plane  # noqa: E402,F401 - a pytest fixture

FIGURES = []


def report(failure, seconds, what):
    FIGURES.append((failure, seconds, what))
    print(f"\n{failure}: {seconds:.1f} s - {what}", flush=True)


def watch(cluster, name, until, timeout, poll=0.1):
    """Polls the deployment's status until `until(status)`; returns the time
    taken and every distinct (Ready, Degraded) pair seen on the way."""
    started = time.monotonic()
    seen = []
    while time.monotonic() - started < timeout:
        status = cluster.status(name) or {}
        pair = (f"Ready={condition(status, 'Ready').get('status')} "
                f"{condition(status, 'Ready').get('reason', '')}",
                f"Degraded={condition(status, 'Degraded').get('status')} "
                f"{condition(status, 'Degraded').get('reason', '')}")
        if not seen or seen[-1] != pair:
            seen.append(pair)
        if until(status):
            return time.monotonic() - started, seen
        time.sleep(poll)
    raise AssertionError(f"{name}: not reached in {timeout} s; seen {seen}\n"
                         + cluster.diagnostics())


def ready_count(count):
    return lambda s: (condition(s, "Ready").get("status") == "True"
                      and s.get("worker", {}).get("ready") == count)


def events(cluster, name):
    """The events about deployment `name`, oldest first."""
    items = json.loads(cluster.kube.kubectl(
        "get", "events.events.k8s.io", "-n", cluster.namespace, "-o", "json").stdout)["items"]
    return sorted((e for e in items if e["regarding"]["name"] == name),
                  key=lambda e: e["metadata"]["creationTimestamp"])


def new_reasons(cluster, name, before):
    """The reasons of the events about `name` beyond the first `before`."""
    return [e["reason"] for e in events(cluster, name)[before:]]


def controller_with_defaults(cluster, name, *extra):
    """A controller with no flag but those naming the cluster."""
    controller = Controller(cluster.tmp_path / name,
                            ["--kubeconfig", cluster.kube.token_kubeconfig, "--namespace",
                             cluster.namespace, "--lease-namespace", cluster.namespace, *extra],
                            name=name, flags=[])
    cluster.controllers.append(controller)
    return controller


def test_failure_timings(kube, tmp_path):  # noqa: F811 - the fixture
    cluster = Cluster(kube, tmp_path, "failures", ["ft-a", "ft-b"])
    try:
        controller = controller_with_defaults(cluster, "controller")
        cluster.apply(model_deployment("ft", namespace=cluster.namespace, replicas=2))
        watch(cluster, "ft", ready_count(2), 60)
        by_node = {a.hostname: a for a in cluster.agents}

        # A worker's engine crashes: the agent restarts it.
        victim = live(managed_workers([by_node["ft-a"]], "ft"))[0]
        before = len(events(cluster, "ft"))
        os.kill(victim["pid"], signal.SIGKILL)
        took, seen = watch(cluster, "ft", lambda s: ready_count(2)(s) and any(
            w["id"] == victim["id"] and w["restarts"] > victim["restarts"] and w["state"] == "ready"
            for w in managed_workers([by_node["ft-a"]], "ft")), 60)
        report("worker crash", took, f"restarted in place by its agent; seen {seen}; "
               f"events {new_reasons(cluster, 'ft', before)}")

        # A worker that crashes at every start: backed off by its agent,
        # Degraded CrashLoop with the engine's last lines.
        crashing = model_deployment("ft-crash", namespace=cluster.namespace, replicas=1)
        crashing["spec"]["engine"]["extraArgs"] = ["--fail-after", "0.2s"]
        cluster.apply(crashing)
        took, seen = watch(cluster, "ft-crash",
                           lambda s: condition(s, "Degraded").get("reason") == "CrashLoop", 120)
        report("crash loop", took, f"Degraded CrashLoop, message "
               f"{condition(cluster.status('ft-crash'), 'Degraded').get('message')!r}")
        cluster.kube.kubectl("delete", "-n", cluster.namespace, "md", "ft-crash", "--wait=false")

        # The agent restarts (its engines keep running and are re-adopted).
        pids = {w["id"]: w["pid"] for w in managed_workers(cluster.agents, "ft")}
        before = len(events(cluster, "ft"))
        agent = by_node["ft-a"]
        agent.kill9()
        restarted = time.monotonic()
        agent.start()
        took, seen = watch(cluster, "ft", lambda s: ready_count(2)(s) and all(
            w["adopted"] for w in managed_workers([agent], "ft")), 60)
        after = {w["id"]: w["pid"] for w in managed_workers(cluster.agents, "ft")}
        assert after == pids, (pids, after)
        report("agent restart", time.monotonic() - restarted,
               f"workers re-adopted, none moved; seen {seen}; events "
               f"{new_reasons(cluster, 'ft', before)}")

        # A node lost: its agent stops answering (killed; its engines keep
        # running). After the lost-node timeout its worker is replaced.
        away, home = by_node["ft-b"], by_node["ft-a"]
        before = len(events(cluster, "ft"))
        away.kill9()
        took, seen = watch(cluster, "ft", lambda s: ready_count(2)(s) and len(
            [w for w in live(managed_workers([home], "ft")) if w["state"] == "ready"]) == 2, 120)
        report("node loss", took, f"replaced on ft-a once silent for 30 s; seen {seen}; "
               f"events {new_reasons(cluster, 'ft', before)}")

        # The node comes back with its old worker re-adopted: the
        # replacement stays, the returning worker is drained.
        replacements = {w["id"] for w in live(managed_workers([home], "ft"))}
        before = len(events(cluster, "ft"))
        away.start()
        returned = time.monotonic()
        while live(managed_workers([away], "ft")):
            time.sleep(0.05)
        took = time.monotonic() - returned
        assert {w["id"] for w in live(managed_workers([home], "ft"))} == replacements
        report("node return", took, f"its worker drained, the replacement kept; events "
               f"{new_reasons(cluster, 'ft', before)}")

        # The GPUNode deleted while its agent runs: nothing moves; the agent
        # publishes it again.
        before_workers = {(w["id"], w["pid"]) for w in managed_workers(cluster.agents, "ft")}
        deleted = time.monotonic()
        cluster.kube.kubectl("delete", "gpun", "ft-a")
        while cluster.kube.kubectl("get", "gpun", "ft-a", check=False).returncode != 0:
            time.sleep(0.1)
        took = time.monotonic() - deleted
        assert {(w["id"], w["pid"]) for w in managed_workers(cluster.agents, "ft")} == \
            before_workers
        report("GPUNode deleted", took, "no worker moved; the agent published it again")

        # The controller SIGKILLed and restarted with its own identity.
        leading = controller.log().count("leading: reconciling")
        controller.kill9()
        killed = time.monotonic()
        controller.start()
        while controller.log().count("leading: reconciling") == leading:
            time.sleep(0.05)
        report("controller restart", time.monotonic() - killed,
               "takes its own lease back (seen unrenewed 5 s), no worker touched")

        # Leader loss: a second replica takes over once the lease expires.
        standby = controller_with_defaults(cluster, "standby", "--identity", "standby")
        time.sleep(3)
        controller.kill9()
        killed = time.monotonic()
        while standby.log().count("leading: reconciling") == 0:
            time.sleep(0.05)
        report("leader loss", time.monotonic() - killed,
               "the standby replica leads once the 15 s lease has expired")
        cluster.apply(model_deployment("ft", namespace=cluster.namespace, replicas=3))
        took, _ = watch(cluster, "ft", ready_count(3), 60)
        report("scale after leader loss", took, "the new leader acts on a change")
    finally:
        cluster.close()
        print("\n| failure | seconds | |\n|---|---|---|")
        for failure, seconds, what in FIGURES:
            print(f"| {failure} | {seconds:.1f} | {what} |")
