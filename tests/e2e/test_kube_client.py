"""Tessera's Kubernetes client (kube/) against a real etcd + kube-apiserver.

The C++ suite tests/integration/kube/ (built as kube_integration_tests) does
the work; this module starts the control plane, hands the binary both
kubeconfigs, and checks with the real kubectl what the client wrote.
"""

import json
import os
import re
import subprocess

import pytest

from conftest import BIN_DIR
from kube_fixture import kube_control_plane  # noqa: F401 - a pytest fixture

BINARY = os.path.join(BIN_DIR, "kube_integration_tests")
NAMESPACE = "kube-client-it"


def run_suite(kube, gtest_filter):
    # The client's requests that time out leave cpprest's completion queued
    # on its pool as the binary exits, as in its unit tests; fast unwinding
    # keeps the client's timing but cannot name the frame (see
    # tests/sanitizers/cpprest_lsan_fast_unwind.supp).
    env = dict(os.environ,
               TESSERA_TEST_KUBECONFIG=kube.token_kubeconfig,
               TESSERA_TEST_CERT_KUBECONFIG=kube.cert_kubeconfig,
               LSAN_OPTIONS="suppressions=" + os.path.join(
                   os.path.dirname(__file__), "..", "sanitizers", "cpprest_lsan_fast_unwind.supp"))
    env.pop("KUBECONFIG", None)
    result = subprocess.run([BINARY, f"--gtest_filter={gtest_filter}"], env=env,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    print(output[-20000:])
    assert result.returncode == 0, output[-20000:]
    assert "[  SKIPPED ]" not in result.stdout, "the control plane was not passed on"
    assert re.search(r"\[  PASSED  \] [1-9]", result.stdout), result.stdout
    return result.stdout


@pytest.mark.parametrize("suite", [
    "KubeClientIntegrationTest.*:KubeClientTimeoutTest.*",
    "InformerIntegrationTest.*",
    "LeaderElectionIntegrationTest.*",
])
def test_suite(kube_control_plane, suite):
    run_suite(kube_control_plane, suite)


def test_recorded_events_are_what_kubectl_sees(kube_control_plane):
    kube = kube_control_plane
    output = run_suite(kube, "EventRecorderIntegrationTest.*")
    match = re.search(r"recorded event ([^/\s]+)/(\S+)", output)
    assert match, output
    namespace, name = match.groups()
    event = json.loads(kube.kubectl("get", "events.events.k8s.io", name, "-n", namespace,
                                    "-o", "json").stdout)
    assert event["reason"] == "Unschedulable"
    assert event["series"]["count"] == 3
    assert event["regarding"]["kind"] == "Gadget"
    # The core/v1 view kubectl describe uses shows the same event.
    listed = kube.kubectl("get", "events", "-n", namespace,
                          "--field-selector", f"involvedObject.name={event['regarding']['name']}",
                          "-o", "json").stdout
    reasons = [item["reason"] for item in json.loads(listed)["items"]]
    assert "Unschedulable" in reasons and "Placed" in reasons, reasons
