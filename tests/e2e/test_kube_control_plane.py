"""The Kubernetes control plane the controller's suites run against works as a
real one: CRDs are served, both kubeconfigs authenticate, CEL rules are enforced."""

import json
import time

from kube_fixture import CLIENT_CERT_USER, kube_control_plane  # noqa: F401 - a pytest fixture

WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.tessera.io
spec:
  group: test.tessera.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [replicas, maxReplicas]
            properties:
              replicas: {type: integer, minimum: 0}
              maxReplicas: {type: integer, minimum: 0}
            x-kubernetes-validations:
            - rule: self.replicas <= self.maxReplicas
              message: replicas must not exceed maxReplicas
          status:
            type: object
            properties:
              ready: {type: integer}
"""


def widget(name, replicas, max_replicas):
    return json.dumps({"apiVersion": "test.tessera.io/v1", "kind": "Widget",
                       "metadata": {"name": name, "namespace": "default"},
                       "spec": {"replicas": replicas, "maxReplicas": max_replicas}})


def test_crd_with_cel_rule_is_served_and_enforced(kube_control_plane):
    kube = kube_control_plane
    print(f"control plane started in {kube.startup_seconds:.2f} s")
    kube.kubectl("apply", "-f", "-", input=WIDGET_CRD)
    kube.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                 "crd/widgets.test.tessera.io")

    # Established is set before discovery serves the new resource, which
    # kubectl needs to map the kind; retry briefly like a controller would.
    deadline = time.monotonic() + 15
    while True:
        created = kube.kubectl("create", "-f", "-", input=widget("by-token", 1, 3), check=False)
        if created.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert created.returncode == 0, created.stderr
    kube.kubectl("create", "-f", "-", input=widget("by-cert", 2, 2),
                 kubeconfig=kube.cert_kubeconfig)

    # The client certificate really authenticates as its CN, not the token user.
    whoami = json.loads(kube.kubectl("auth", "whoami", "-o", "json",
                                     kubeconfig=kube.cert_kubeconfig).stdout)
    assert whoami["status"]["userInfo"]["username"] == CLIENT_CERT_USER
    assert "system:masters" in whoami["status"]["userInfo"]["groups"]

    names = kube.kubectl("get", "widgets", "-n", "default", "-o",
                         "jsonpath={.items[*].metadata.name}").stdout.split()
    assert sorted(names) == ["by-cert", "by-token"]

    # The status subresource: status written through /status, spec untouched.
    kube.kubectl("patch", "widget", "by-token", "-n", "default", "--subresource=status",
                 "--type=merge", "-p", '{"status": {"ready": 1}}')
    ready = kube.kubectl("get", "widget", "by-token", "-n", "default", "-o",
                         "jsonpath={.status.ready}").stdout
    assert ready == "1"

    rejected = kube.kubectl("create", "-f", "-", input=widget("too-many", 5, 3), check=False)
    assert rejected.returncode != 0
    assert "replicas must not exceed maxReplicas" in rejected.stderr, rejected.stderr
    assert "spec" in rejected.stderr, rejected.stderr
