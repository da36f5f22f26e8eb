"""The Helm chart (helm/tessera) with the real helm, built from its Go module
by scripts/setup-helm.sh, and a real kube-apiserver: lint, render with the
default values and with a values file that sets every value, reject bad
values naming the field, apply what it renders with server-side apply (the
monitoring objects validated by the Prometheus Operator's own CRDs), check
the RBAC it grants with `kubectl auth can-i` and by running the real agent
and controller with its arguments as its ServiceAccounts, install and
upgrade it with helm itself, run the agent container's watchdog as PID 1 of
a PID namespace, and keep its CRDs and values reference current."""

import base64
import concurrent.futures
import filecmp
import glob
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from agent_fixture import non_loopback_ipv4
from conftest import BIN_DIR, stop_process
from kube_fixture import REPO_ROOT, free_ports, kube_control_plane  # noqa: F401 - a fixture

CHART = os.path.join(REPO_ROOT, "helm", "tessera")
ALL_OPTIONS = os.path.join(REPO_ROOT, "tests", "fixtures", "helm", "all-options.yaml")
SETUP_HELM = os.path.join(REPO_ROOT, "scripts", "setup-helm.sh")
NAMESPACE = "tessera-system"
# The all-options release, in a namespace of its own on the same API server.
OPTIONS_NAMESPACE = "tessera-options"
# What a cluster with the Prometheus Operator serves; the chart asks for
# each kind it renders.
MONITORING_APIS = ["--api-versions", "monitoring.coreos.com/v1/ServiceMonitor",
                   "--api-versions", "monitoring.coreos.com/v1/PrometheusRule"]


def load_check_chart():
    spec = importlib.util.spec_from_file_location(
        "check_chart", os.path.join(REPO_ROOT, "scripts", "check-chart.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Helm:
    """The cached helm binary, with its own config and cache directories."""

    def __init__(self, bin_dir, home, kubeconfig=None):
        self.path = os.path.join(bin_dir, "helm")
        self.env = dict(os.environ, HELM_CACHE_HOME=os.path.join(home, "cache"),
                        HELM_CONFIG_HOME=os.path.join(home, "config"),
                        HELM_DATA_HOME=os.path.join(home, "data"))
        self.env.pop("KUBECONFIG", None)
        if kubeconfig:
            self.env["KUBECONFIG"] = kubeconfig

    def run(self, *args, check=True):
        result = subprocess.run([self.path, *args], capture_output=True, text=True,
                                env=self.env, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def template(self, *args, namespace=NAMESPACE, release="tessera"):
        """The rendered manifests as (text, list of objects)."""
        text = self.run("template", release, CHART, "-n", namespace, *args).stdout
        return text, [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="module")
def helm(tmp_path_factory):
    bin_dir = subprocess.run([SETUP_HELM], check=True, stdout=subprocess.PIPE,
                             text=True).stdout.strip()
    return Helm(bin_dir, str(tmp_path_factory.mktemp("helm-home")))


@pytest.fixture(scope="module")
def default_render(helm):
    return helm.template()


@pytest.fixture(scope="module")
def options_render(helm):
    return helm.template("-f", ALL_OPTIONS, *MONITORING_APIS, namespace=OPTIONS_NAMESPACE)


def find(objects, kind, name=None):
    found = [o for o in objects if o["kind"] == kind
             and (name is None or o["metadata"]["name"] == name)]
    names = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert found, f"no {kind} {name or ''} in {names}"
    return found if name is None else found[0]


def kinds(objects):
    return sorted({o["kind"] for o in objects})


def container(workload, name):
    spec = workload["spec"]["template"]["spec"]
    return next(c for c in spec.get("containers", []) + spec.get("initContainers", [])
                if c["name"] == name)


# --- lint and render ----------------------------------------------------------


@pytest.mark.parametrize("values", [[], ["-f", ALL_OPTIONS]], ids=["default", "all-options"])
def test_lint_strict(helm, values):
    result = helm.run("lint", "--strict", CHART, *values)
    assert "0 chart(s) failed" in result.stdout, result.stdout


def test_default_render(default_render):
    _, objects = default_render
    assert kinds(objects) == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet",
                              "Deployment", "PodDisruptionBudget", "Role", "RoleBinding",
                              "Secret", "Service", "ServiceAccount"]
    # No Prometheus Operator among the API versions: no monitoring objects.
    assert not [o for o in objects if o["apiVersion"].startswith("monitoring.coreos.com")]
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "tessera", obj["metadata"]["name"]
        assert labels["app.kubernetes.io/instance"] == "tessera"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["helm.sh/chart"] == "tessera-0.1.0"

    controller = find(objects, "Deployment", "tessera-controller")
    assert controller["spec"]["replicas"] == 2
    main = container(controller, "controller")
    args = main["args"]
    for arg in ["--agent-token-file=/etc/tessera/agent-token/token", "--metrics-listen=:8080",
                "--leader-elect", f"--lease-namespace={NAMESPACE}", "--identity=$(POD_NAME)"]:
        assert arg in args
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert main["securityContext"] == {"allowPrivilegeEscalation": False,
                                       "readOnlyRootFilesystem": True,
                                       "capabilities": {"drop": ["ALL"]}}
    pod = controller["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}

    (agent_set,) = find(objects, "DaemonSet")
    pod = agent_set["spec"]["template"]["spec"]
    agent = container(agent_set, "agent")
    assert agent["image"] == "rocm/vllm:rocm7.0.0_vllm_0.11.1_20251024"
    assert agent["command"] == ["/bin/sh", "/etc/tessera/agent/watchdog.sh",
                                "/tessera/bin/tessera-agent"]
    for arg in ["--in-cluster", "--node-name=$(NODE_NAME)", "--advertise-host=$(POD_IP)",
                "--token-file=/etc/tessera/agent-token/token", "--gpu-backend=rocm-smi",
                "--state-dir=/var/lib/tessera-agent", "--config=/etc/tessera/agent/agent.yaml"]:
        assert arg in agent["args"]
    env = {e["name"]: e for e in agent["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert agent["securityContext"]["privileged"] is True
    assert not any(pod.get(key) for key in ("hostPID", "hostIPC", "hostNetwork"))
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["kfd"]["hostPath"] == {"path": "/dev/kfd", "type": "CharDevice"}
    assert volumes["dri"]["hostPath"] == {"path": "/dev/dri", "type": "Directory"}
    assert volumes["state"]["hostPath"]["path"] == "/var/lib/tessera-agent"
    assert volumes["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "16Gi"}
    assert pod["nodeSelector"] == {"feature.node.kubernetes.io/amd-gpu": "true"}
    assert agent_set["spec"]["updateStrategy"] == {"type": "OnDelete"}
    install = container(agent_set, "install-tessera")
    assert install["image"] == "ghcr.io/tessera-project/tessera:0.1.0"

    config = find(objects, "ConfigMap", "tessera-agent")
    assert yaml.safe_load(config["data"]["agent.yaml"])["engines"] == {
        "vllm": {"kind": "vllm", "command": ["vllm"]}}
    with open(os.path.join(CHART, "files", "agent-watchdog.sh")) as f:
        assert config["data"]["watchdog.sh"] == f.read()

    secret = find(objects, "Secret", "tessera-agent-token")
    assert re.fullmatch(r"[A-Za-z0-9]{48}", base64.b64decode(secret["data"]["token"]).decode())
    service = find(objects, "Service", "tessera-agent")
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["ports"] == [{"name": "http", "port": 8470, "targetPort": "http",
                                         "protocol": "TCP"}]
    assert find(objects, "Service", "tessera-controller")["spec"]["ports"][0]["name"] == "metrics"


def test_all_options_render(options_render):
    _, objects = options_render
    assert "ServiceMonitor" in kinds(objects) and "PrometheusRule" in kinds(objects)
    for obj in objects:
        assert obj["metadata"]["name"].startswith("tessera-"), obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["team"] == "serving"
    assert sorted(o["metadata"]["name"] for o in find(objects, "ServiceAccount")) == \
        ["tessera-agent-sa", "tessera-controller-sa"]

    controller = find(objects, "Deployment", "tessera-all-controller")
    args = container(controller, "controller")["args"]
    assert "--namespace=serving" in args and "--poll-period=3s" in args
    assert "--metrics-listen=:9090" in args
    assert "--agent-ca-file=/etc/ssl/certs/ca-certificates.crt" in args
    assert find(objects, "PodDisruptionBudget")[0]["spec"]["minAvailable"] == 2

    daemonsets = {d["metadata"]["name"]: d for d in find(objects, "DaemonSet")}
    assert sorted(daemonsets) == ["tessera-all-agent-sglang", "tessera-all-agent-vllm"]
    vllm, sglang = daemonsets["tessera-all-agent-vllm"], daemonsets["tessera-all-agent-sglang"]
    # The vllm pool inherits agent.* and overrides only what it names; a
    # false in a pool overrides a true (and the reverse).
    vllm_agent = container(vllm, "agent")
    assert vllm_agent["command"][0] == "/bin/sh"
    assert vllm_agent["resources"]["limits"] == {"memory": "200Gi", "amd.com/gpu": 2}
    assert vllm_agent["securityContext"]["privileged"] is False
    assert vllm_agent["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert vllm_agent["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert vllm["spec"]["template"]["spec"]["nodeSelector"] == {
        "example.com/gpu": "mi300x", "example.com/engine": "vllm"}
    assert vllm["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert vllm["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                              "rollingUpdate": {"maxUnavailable": "10%"}}
    sglang_agent = container(sglang, "agent")
    assert sglang_agent["image"] == "lmsysorg/sglang:v0.4.5-rocm630"
    assert sglang_agent["securityContext"]["privileged"] is True
    assert "--listen=0.0.0.0:8472" in sglang_agent["args"]
    assert "--label=tessera.io/pool=sglang" in sglang_agent["args"]
    config = yaml.safe_load(find(objects, "ConfigMap", "tessera-all-agent-sglang")
                            ["data"]["agent.yaml"])
    # A pool's engines replace the base's: vLLM is not in the SGLang image.
    assert list(config["engines"]) == ["sglang"]
    assert config["supervision"]["killTimeout"] == "20s"

    monitors = {m["metadata"]["name"]: m for m in find(objects, "ServiceMonitor")}
    agent_endpoint = monitors["tessera-all-agent"]["spec"]["endpoints"][0]
    assert agent_endpoint["port"] == "http" and agent_endpoint["honorLabels"] is True
    assert agent_endpoint["bearerTokenSecret"] == {"name": "tessera-all-agent-token",
                                                   "key": "token"}
    assert {"targetLabel": "job", "replacement": "tessera-agent"} in agent_endpoint["relabelings"]
    assert {"sourceLabels": ["__meta_kubernetes_pod_node_name"],
            "targetLabel": "node"} in agent_endpoint["relabelings"]
    controller_endpoint = monitors["tessera-all-controller"]["spec"]["endpoints"][0]
    assert controller_endpoint["port"] == "metrics" and controller_endpoint["honorLabels"]
    assert controller_endpoint["relabelings"] == [{"targetLabel": "job",
                                                   "replacement": "tessera-controller"}]
    assert monitors["tessera-all-agent"]["metadata"]["labels"]["release"] == \
        "kube-prometheus-stack"

    secret = find(objects, "Secret", "tessera-all-agent-token")
    assert base64.b64decode(secret["data"]["token"]).decode() == \
        "all-options-token-0123456789abcdef"


def test_prometheus_rule(helm, options_render):
    with open(os.path.join(CHART, "rules", "tessera.rules.yaml")) as f:
        file_groups = yaml.safe_load(f)["groups"]
    alerts = [rule["alert"] for group in file_groups for rule in group["rules"] if "alert" in rule]
    assert alerts, "the rule file has no alert"
    _, objects = options_render
    (rule,) = find(objects, "PrometheusRule")
    groups = rule["spec"]["groups"]
    assert groups[-1]["name"] == "site-extra" and groups[-1]["limit"] == 100
    for group in groups[:-1]:
        for each in group["rules"]:
            assert each.get("alert") != "TesseraDeploymentNotReady"
            assert each["labels"]["team"] == "serving"
            if "alert" in each:
                # The rule's own severity wins over additionalRuleLabels.
                assert each["labels"]["severity"] in ("critical", "warning")

    # Disabling one alert drops it alone; a group left empty is dropped, and
    # a PrometheusRule left without groups.
    _, objects = helm.template(*MONITORING_APIS,
                               "--set", f"prometheusRule.disabledAlerts={{{alerts[0]}}}")
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    if set(alerts) == {alerts[0]} and not [r for g in file_groups for r in g["rules"]
                                           if "record" in r]:
        assert not rules
        return
    (rule,) = rules
    rendered = [r.get("alert") for g in rule["spec"]["groups"] for r in g["rules"]]
    # A name covers every rule of that name (a page and a ticket).
    assert alerts[0] not in rendered
    assert set(alerts) - {alerts[0]} <= set(rendered)
    assert all(group["rules"] for group in rule["spec"]["groups"])


def test_dashboards(default_render, options_render):
    files = sorted(glob.glob(os.path.join(CHART, "dashboards", "*.json")))
    assert files
    for (_, objects), label, value, namespace in (
            (default_render, "grafana_dashboard", "1", NAMESPACE),
            (options_render, "grafana_dashboard_tessera", "yes", "monitoring")):
        maps = [m for m in find(objects, "ConfigMap") if label in m["metadata"]["labels"]]
        assert len(maps) == len(files)
        for path in files:
            name = os.path.basename(path)
            (found,) = [m for m in maps if name in m["data"]]
            assert found["metadata"]["labels"][label] == value
            assert found["metadata"]["namespace"] == namespace
            with open(path) as f:
                assert json.loads(found["data"][name]) == json.load(f)
    folders = {m["metadata"].get("annotations", {}).get("grafana_folder")
               for m in find(options_render[1], "ConfigMap")
               if "grafana_dashboard_tessera" in m["metadata"]["labels"]}
    assert folders == {"Tessera"}


def test_token_choices(helm):
    _, objects = helm.template("--set", "agent.existingSecret=my-token")
    assert not [o for o in objects if o["kind"] == "Secret"]
    controller = find(objects, "Deployment", "tessera-controller")
    volumes = controller["spec"]["template"]["spec"]["volumes"]
    assert {"name": "agent-token", "secret": {"secretName": "my-token", "defaultMode": 0o440}} \
        in volumes
    (agent_set,) = find(objects, "DaemonSet")
    assert any(v.get("secret", {}).get("secretName") == "my-token"
               for v in agent_set["spec"]["template"]["spec"]["volumes"])


def test_all_options_sets_every_value():
    check_chart = load_check_chart()
    with open(os.path.join(CHART, "values.schema.json")) as f:
        schema = json.load(f)
    with open(ALL_OPTIONS) as f:
        options = yaml.safe_load(f)

    def present(values, key):
        head, _, rest = key.partition(".")
        if head.endswith("[]"):
            items = values.get(head[:-2]) if isinstance(values, dict) else None
            if not rest:
                return bool(items)
            return bool(items) and any(present(item, rest) for item in items)
        if head == "<name>":
            return any(present(entry, rest) for entry in values.values())
        if not isinstance(values, dict) or head not in values:
            return False
        return present(values[head], rest) if rest else True

    missing = [key for key, *_ in check_chart.rows(schema, {})
               if key != "global" and not present(options, key)]
    assert not missing, f"{ALL_OPTIONS} does not set {missing}"


# --- values the schema rejects ---------------------------------------------


@pytest.mark.parametrize("setting, field", [
    ("agent.gpuAccess=host", "/agent/gpuAccess"),
    ("controller.pollPeriod=2 seconds", "/controller/pollPeriod"),
    ("controller.replica=3", "replica"),
    ("agent.config.engines.trt.kind=trt", "/agent/config/engines/trt/kind"),
    ("agent.token=short", "/agent/token"),
    ("controller.leaderElection=false", "/controller/replicas"),
    ("agent.nodeSelector.gpu=a b", "/agent/nodeSelector/gpu"),
    ("agent.pools[0].name=Bad_Name", "/agent/pools/0/name"),
], ids=lambda value: value.split("=")[0])
def test_bad_values_are_rejected(helm, setting, field):
    result = helm.run("template", "tessera", CHART, "--set", setting, check=False)
    assert result.returncode != 0, f"{setting} was accepted"
    assert field in result.stderr, result.stderr


# --- the repository's copies ------------------------------------------------


def test_chart_crds_are_the_repository_crds():
    source = sorted(os.path.basename(p)
                    for p in glob.glob(os.path.join(REPO_ROOT, "crds", "*.yaml")))
    copies = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CHART, "crds", "*.yaml")))
    assert copies == source
    for name in source:
        assert filecmp.cmp(os.path.join(REPO_ROOT, "crds", name),
                           os.path.join(CHART, "crds", name), shallow=False), name


def test_values_reference_and_version_are_current():
    result = subprocess.run([os.path.join(REPO_ROOT, "scripts", "check-chart.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- on a real API server ---------------------------------------------------


@pytest.fixture(scope="module")
def kube(kube_control_plane):
    """The control plane with the chart's CRDs (as helm installs them) and the
    namespaces the two renders use."""
    kube = kube_control_plane
    kube.kubectl("apply", "--server-side", "-f", os.path.join(CHART, "crds"))
    for namespace in (NAMESPACE, OPTIONS_NAMESPACE, "monitoring", "serving"):
        kube.kubectl("create", "namespace", namespace, check=False)
    return kube


def server_side_apply(kube, text, field_manager):
    result = kube.kubectl("apply", "--server-side", f"--field-manager={field_manager}",
                          "-f", "-", input=text)
    return result.stdout


@pytest.fixture(scope="module")
def default_applied(kube, default_render):
    text, objects = default_render
    return server_side_apply(kube, text, "chart-default"), objects


@pytest.fixture(scope="module")
def options_applied(kube, helm):
    # Rendered as on a cluster without the Prometheus Operator.
    text, objects = helm.template("-f", ALL_OPTIONS, namespace=OPTIONS_NAMESPACE)
    return server_side_apply(kube, text, "chart-options"), objects


def test_default_render_applies(default_applied):
    out, objects = default_applied
    assert out.count("serverside-applied") == len(objects), out


def test_all_options_without_prometheus_operator_applies(options_applied):
    out, objects = options_applied
    # The monitors and rules are left out, and the rest is accepted.
    assert not [o for o in objects if o["apiVersion"].startswith("monitoring.coreos.com")]
    assert out.count("serverside-applied") == len(objects), out


def test_helm_sees_whether_the_operator_is_served(kube, helm, tmp_path, request):
    """helm itself against the API server: without the Prometheus Operator's
    CRDs the monitors are left out; with them, installed; an upgrade keeps
    the generated token."""
    assert kube.kubectl("get", "crd", "servicemonitors.monitoring.coreos.com",
                        check=False).returncode != 0, "run this before the operator's CRDs"
    live = Helm(os.path.dirname(helm.path), str(tmp_path), kubeconfig=kube.kubeconfig)
    namespace = "tessera-helm"
    install = ["install", "helm-test", CHART, "-n", namespace, "--create-namespace",
               "--skip-crds", "--set", "dashboards.enabled=false"]
    dry_run = live.run(*install, "--dry-run=server").stdout
    kinds_rendered = set(re.findall(r"^kind: (\w+)$", dry_run, re.M))
    assert "DaemonSet" in kinds_rendered
    assert not kinds_rendered & {"ServiceMonitor", "PrometheusRule"}, kinds_rendered

    request.getfixturevalue("prometheus_operator")
    live.run(*install)

    def token():
        secret = json.loads(kube.kubectl("get", "secret", "-n", namespace,
                                         "helm-test-tessera-agent-token", "-o", "json").stdout)
        return base64.b64decode(secret["data"]["token"]).decode()

    first = token()
    assert re.fullmatch(r"[A-Za-z0-9]{48}", first)
    live.run("upgrade", "helm-test", CHART, "-n", namespace, "--reuse-values",
             "--set", "controller.pollPeriod=3s")
    assert token() == first
    names = kube.kubectl("get", "servicemonitors,prometheusrules", "-n", namespace,
                         "-o", "name").stdout.split()
    assert sorted(names) == ["prometheusrule.monitoring.coreos.com/helm-test-tessera",
                             "servicemonitor.monitoring.coreos.com/helm-test-tessera-agent",
                             "servicemonitor.monitoring.coreos.com/helm-test-tessera-controller"]
    live.run("uninstall", "helm-test", "-n", namespace)


@pytest.fixture(scope="module")
def prometheus_operator(kube):
    crds = subprocess.run([SETUP_HELM, "--prometheus-operator-crds"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()
    kube.kubectl("apply", "--server-side", "-f", crds)
    kube.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                 "crd/servicemonitors.monitoring.coreos.com",
                 "crd/prometheusrules.monitoring.coreos.com")
    deadline = time.monotonic() + 15
    while kube.kubectl("get", "servicemonitors,prometheusrules", "-A",
                       check=False).returncode != 0:
        assert time.monotonic() < deadline, "the monitoring kinds are not served"
        time.sleep(0.1)
    return kube


def test_all_options_with_prometheus_operator_applies(prometheus_operator, options_render):
    text, objects = options_render
    out = server_side_apply(prometheus_operator, text, "chart-options")
    assert out.count("serverside-applied") == len(objects), out
    # Validated against the operator's schemas on the way in; read back.
    monitor = json.loads(prometheus_operator.kubectl(
        "get", "servicemonitor", "-n", OPTIONS_NAMESPACE, "tessera-all-agent",
        "-o", "json").stdout)
    assert monitor["spec"]["endpoints"][0]["bearerTokenSecret"]["key"] == "token"


def test_the_operator_schema_rejects_a_broken_monitor(prometheus_operator, options_render):
    # The apply above is checked: a field the operator's CRD does not know fails.
    (monitor,) = [o for o in options_render[1] if o["kind"] == "ServiceMonitor"
                  and o["metadata"]["name"] == "tessera-all-controller"]
    broken = json.loads(json.dumps(monitor))
    broken["spec"]["endpoints"][0]["honourLabels"] = True
    result = prometheus_operator.kubectl("apply", "--server-side", "-f", "-",
                                         input=json.dumps(broken), check=False)
    assert result.returncode != 0 and "honourLabels" in result.stderr, result.stderr


CONTROLLER_ALLOWED = [
    *[(verb, f"{resource}.serving.tessera.io", "serving")
      for resource in ("modeldeployments", "modeldeploymentroles")
      for verb in ("get", "list", "watch", "create", "update", "patch", "delete")],
    *[(verb, f"{resource}.serving.tessera.io/status", "serving")
      for resource in ("modeldeployments", "modeldeploymentroles") for verb in ("update", "patch")],
    *[(verb, f"gpunodes.serving.tessera.io{sub}", None)
      for sub in ("", "/status") for verb in ("get", "list", "watch", "update", "patch")],
    *[(verb, "events.events.k8s.io", "serving") for verb in ("create", "patch")],
    *[(verb, "leases.coordination.k8s.io", NAMESPACE) for verb in ("get", "create", "update")],
    *[(verb, "services", "serving")
      for verb in ("get", "list", "watch", "create", "patch", "delete")],
    *[(verb, "endpointslices.discovery.k8s.io", "serving")
      for verb in ("get", "list", "watch", "create", "update", "delete")],
]
CONTROLLER_DENIED = [
    ("get", "secrets", NAMESPACE), ("list", "secrets", "serving"),
    ("create", "pods/exec", "serving"),
    ("create", "pods", "serving"), ("delete", "gpunodes.serving.tessera.io", None),
    ("create", "gpunodes.serving.tessera.io", None), ("update", "services", "serving"),
    ("get", "leases.coordination.k8s.io", "kube-system"),
    ("delete", "leases.coordination.k8s.io", NAMESPACE),
    ("create", "clusterroles.rbac.authorization.k8s.io", None), ("delete", "namespaces", None),
]
AGENT_ALLOWED = [
    ("get", "gpunodes.serving.tessera.io", None), ("create", "gpunodes.serving.tessera.io", None),
    ("update", "gpunodes.serving.tessera.io", None),
    ("update", "gpunodes.serving.tessera.io/status", None),
]
AGENT_DENIED = [
    ("list", "gpunodes.serving.tessera.io", None), ("delete", "gpunodes.serving.tessera.io", None),
    ("patch", "gpunodes.serving.tessera.io", None),
    ("get", "modeldeployments.serving.tessera.io", "serving"), ("get", "secrets", NAMESPACE),
    ("create", "pods/exec", NAMESPACE), ("get", "leases.coordination.k8s.io", NAMESPACE),
    ("create", "events.events.k8s.io", "serving"), ("list", "nodes", None),
]


def can_i(kube, account, verb, resource, namespace):
    # kubectl reads "pods/exec" as the pod named exec: a subresource is a flag.
    resource, _, subresource = resource.partition("/")
    args = ["auth", "can-i", verb, resource, "--as", f"system:serviceaccount:{account}"]
    args += ["--subresource", subresource] if subresource else []
    args += ["-n", namespace] if namespace else []
    result = kube.kubectl(*args, check=False)
    return result.stdout.strip()


OPTIONS_CONTROLLER_ALLOWED = [check for check in CONTROLLER_ALLOWED if "leases" not in check[1]] + [
    (verb, "leases.coordination.k8s.io", OPTIONS_NAMESPACE) for verb in ("get", "create", "update")]


@pytest.mark.parametrize("account, allowed, denied", [
    (f"{NAMESPACE}:tessera-controller", CONTROLLER_ALLOWED, CONTROLLER_DENIED),
    (f"{NAMESPACE}:tessera-agent", AGENT_ALLOWED, AGENT_DENIED),
    (f"{OPTIONS_NAMESPACE}:tessera-controller-sa", OPTIONS_CONTROLLER_ALLOWED,
     [("get", "leases.coordination.k8s.io", NAMESPACE)]),
    (f"{OPTIONS_NAMESPACE}:tessera-agent-sa", AGENT_ALLOWED, AGENT_DENIED),
], ids=["controller", "agent", "all-options-controller", "all-options-agent"])
def test_rbac_with_kubectl_auth_can_i(kube, default_applied, options_applied, account, allowed,
                                      denied):
    checks = [(check, "yes") for check in allowed] + [(check, "no") for check in denied]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda item: can_i(kube, account, *item[0]), checks))
    wrong = [(check, answer) for (check, want), answer in zip(checks, answers) if answer != want]
    assert not wrong, f"{account}: (verb, resource, namespace) answered otherwise: {wrong}"


# --- the agent container's PID 1 --------------------------------------------

WATCHDOG = os.path.join(CHART, "files", "agent-watchdog.sh")
# Stands in for tessera-agent: starts an "engine" in its own session once,
# and on later starts reports whether that engine is still alive; crashes
# (SIGKILL to itself) when asked to, exits on SIGTERM leaving the engine be.
FAKE_AGENT = r"""
import os, signal, subprocess, sys, time
state = sys.argv[1]
if len(sys.argv) > 2:
    sys.exit(int(sys.argv[2]))
with open(f"{state}/agents", "a") as f:
    f.write(f"{os.getpid()}\n")
engine = f"{state}/engine"
if os.path.exists(engine):
    with open(engine) as f:
        pid = int(f.read())
    with open(f"{state}/adopted", "a") as f:
        f.write(f"{pid} {os.path.exists(f'/proc/{pid}')}\n")
else:
    child = subprocess.Popen(
        ["sh", "-c", f"trap 'echo stopped > {state}/engine-stopped; exit 0' TERM; "
                     "while :; do sleep 0.1; done"], start_new_session=True)
    with open(engine + ".tmp", "w") as f:
        f.write(str(child.pid))
    os.rename(engine + ".tmp", engine)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    if os.path.exists(f"{state}/crash"):
        os.remove(f"{state}/crash")
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
"""


def wait_until(predicate, what, timeout=10):
    """`what` names the condition; a callable is called for it on failure."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: " + (what() if callable(what) else what))
        time.sleep(0.05)


def lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def start_in_pid_namespace(tmp_path, *agent_args):
    """The watchdog as PID 1 of a new PID namespace (as in the container),
    running the fake agent; returns the unshare process."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a PID namespace")
    fake = tmp_path / "fake_agent.py"
    fake.write_text(FAKE_AGENT)
    return subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                             "/bin/sh", WATCHDOG, "python3", str(fake), str(tmp_path),
                             *agent_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_watchdog_keeps_engines_through_an_agent_crash_and_stops_them_with_the_pod(tmp_path):
    unshare = start_in_pid_namespace(tmp_path)
    try:
        wait_until(lambda: os.path.exists(tmp_path / "engine"), "the engine started")
        (tmp_path / "crash").touch()
        wait_until(lambda: len(lines(tmp_path / "agents")) == 2, "the agent started again")
        with open(tmp_path / "engine") as f:
            engine = f.read()
        assert lines(tmp_path / "adopted") == [f"{engine} True"]

        # The kubelet's SIGTERM goes to PID 1, unshare's child.
        (init,) = open(f"/proc/{unshare.pid}/task/{unshare.pid}/children").read().split()
        os.kill(int(init), 15)
        output, _ = unshare.communicate(timeout=10)
        assert unshare.returncode == 0, output
        assert lines(tmp_path / "engine-stopped") == ["stopped"], output
        assert len(lines(tmp_path / "agents")) == 2, output
    finally:
        if unshare.poll() is None:
            unshare.kill()
            unshare.wait()


def test_watchdog_gives_up_on_an_agent_that_cannot_start(tmp_path):
    unshare = start_in_pid_namespace(tmp_path, "3")
    try:
        output, _ = unshare.communicate(timeout=20)
    finally:
        if unshare.poll() is None:
            unshare.kill()
    assert unshare.returncode == 3, output
    assert output.count("starting it again") == 4, output
    assert "5 times in a row; giving up" in output


# --- the real binaries with the chart's arguments and RBAC -----------------


def service_account_kubeconfig(kube, account, path):
    """A kubeconfig that authenticates as the chart's ServiceAccount, as the
    pod's projected token would."""
    namespace, name = account.split(":")
    token = kube.kubectl("create", "token", name, "-n", namespace, "--duration=1h").stdout.strip()
    with open(kube.ca_file, "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "sa",
                   "clusters": [{"name": "c", "cluster": {"server": kube.url,
                                                          "certificate-authority-data": ca}}],
                   "users": [{"name": name, "user": {"token": token}}],
                   "contexts": [{"name": "sa", "context": {"cluster": "c", "user": name,
                                                           "namespace": namespace}}]}, f)
    return str(path)


def pod_args(args, replacements, pod_ip):
    """A container's args with the kubelet's $(VAR) expansion and the pod's
    paths replaced by the test's."""
    out = []
    for arg in args:
        flag, equals, value = arg.partition("=")
        if flag in replacements:
            replacement = replacements[flag]
            if replacement is not None:
                out.append(f"{flag}={replacement}" if equals else replacement)
            continue
        for name, value_of in (("$(NODE_NAME)", "chart-node"), ("$(POD_IP)", pod_ip),
                               ("$(POD_NAME)", "tessera-controller-0")):
            arg = arg.replace(name, value_of)
        out.append(arg)
    return out


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def test_agent_and_controller_serve_a_deployment_with_the_charts_arguments_and_rbac(
        kube, default_applied, tmp_path):
    """tessera-agent and tessera-controller started with the arguments the
    chart gives them (paths and the GPU backend swapped for the test's), as
    the chart's ServiceAccounts: the agent publishes its GPUNode, the
    controller leads, places a deployment, writes its status, events, router
    Service and EndpointSlice, and drains it on deletion. What `kubectl auth
    can-i` shows granted is here shown to be enough."""
    for binary in ("tessera-agent", "tessera-controller", "tessera-engine-sim", "tessera-router"):
        if not os.path.exists(os.path.join(BIN_DIR, binary)):
            pytest.skip(f"no {binary} in {BIN_DIR}")
    _, objects = default_applied
    token = base64.b64decode(find(objects, "Secret", "tessera-agent-token")["data"]["token"])
    token_file = tmp_path / "agent-token"
    token_file.write_bytes(token)
    config = yaml.safe_load(find(objects, "ConfigMap", "tessera-agent")["data"]["agent.yaml"])
    # The engine image's vLLM is not here: the simulator stands in.
    config["engines"]["sim"] = {"kind": "sim",
                                "command": [os.path.join(BIN_DIR, "tessera-engine-sim")]}
    first = random.randrange(21000, 59000, 100)
    config["ports"] = f"{first}-{first + 99}"
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(config))
    agent_port, metrics_port = free_ports(2)
    # A Service's endpoints may not be loopback addresses; the agent listens
    # on every address, as in the chart.
    pod_ip = non_loopback_ipv4()
    if pod_ip is None:
        pytest.skip("no non-loopback IPv4 address for the agent to advertise")
    (agent_set,) = find(objects, "DaemonSet")
    agent_args = pod_args(container(agent_set, "agent")["args"], {
        "--listen": f"0.0.0.0:{agent_port}",
        "--config": tmp_path / "agent.yaml",
        "--gpu-backend": "sim",
        "--state-dir": tmp_path / "state",
        "--token-file": token_file,
        "--in-cluster": "--kubeconfig=" + service_account_kubeconfig(
            kube, f"{NAMESPACE}:tessera-agent", tmp_path / "agent-kubeconfig"),
    }, pod_ip)
    controller_args = pod_args(
        container(find(objects, "Deployment", "tessera-controller"), "controller")["args"], {
            "--agent-token-file": token_file,
            "--metrics-listen": f"127.0.0.1:{metrics_port}",
        }, pod_ip)
    controller_args.append("--kubeconfig=" + service_account_kubeconfig(
        kube, f"{NAMESPACE}:tessera-controller", tmp_path / "controller-kubeconfig"))

    processes = []
    sample = os.path.join(REPO_ROOT, "crds", "samples", "llama-3.1-8b-sim.yaml")
    try:
        for name, args in (("agent", agent_args), ("controller", controller_args)):
            with open(tmp_path / f"{name}.log", "w") as log:
                processes.append(subprocess.Popen(
                    [os.path.join(BIN_DIR, f"tessera-{name}"), *args], stdout=log,
                    stderr=subprocess.STDOUT))

        def logs():
            return "\n".join(f"--- {name}\n" + (tmp_path / f"{name}.log").read_text()[-3000:]
                             for name in ("agent", "controller"))

        wait_until(lambda: kube.kubectl("get", "gpunode", "chart-node", check=False)
                   .returncode == 0, lambda: "the agent's GPUNode:\n" + logs(), timeout=20)
        wait_until(lambda: http_ok(f"http://127.0.0.1:{metrics_port}/healthz"),
                   lambda: "the controller's /healthz:\n" + logs())
        kube.kubectl("apply", "-n", "serving", "-f", sample)
        ready = kube.kubectl("wait", "-n", "serving", "--for=condition=Ready", "md/llama-8b-sim",
                             "--timeout=60s", check=False)
        assert ready.returncode == 0, ready.stderr + logs()
        lease = json.loads(kube.kubectl("get", "lease", "-n", NAMESPACE, "tessera-controller",
                                        "-o", "json").stdout)
        assert lease["spec"]["holderIdentity"] == "tessera-controller-0"
        kube.kubectl("get", "service", "-n", "serving", "llama-8b-sim")
        wait_until(lambda: kube.kubectl("get", "endpointslices", "-n", "serving", "-l",
                                        "kubernetes.io/service-name=llama-8b-sim", "-o",
                                        "name").stdout.strip(),
                   lambda: "the router's EndpointSlice:\n" + logs())
        events = kube.kubectl("get", "events.events.k8s.io", "-n", "serving", "-o",
                              "jsonpath={.items[*].reason}").stdout.split()
        assert "WorkerCreated" in events, events
        node = json.loads(kube.kubectl("get", "gpunode", "chart-node", "-o", "json").stdout)
        assert node["spec"]["agentEndpoint"] == f"http://{pod_ip}:{agent_port}"

        kube.kubectl("delete", "-n", "serving", "md/llama-8b-sim", "--timeout=60s")
        assert "Forbidden" not in logs() and "forbidden" not in logs(), logs()
    finally:
        kube.kubectl("delete", "-n", "serving", "md/llama-8b-sim", "--ignore-not-found",
                     "--wait=false", check=False)
        for process in reversed(processes):
            stop_process(process)
        state = tmp_path / "state" / "workers.json"
        if state.exists():
            for worker in json.loads(state.read_text())["workers"]:
                try:
                    os.killpg(worker["pid"], signal.SIGKILL)
                except (KeyError, ProcessLookupError, PermissionError):
                    pass
