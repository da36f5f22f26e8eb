"""The Grafana dashboards of helm/tessera/dashboards: their JSON checked as
Grafana reads it, and every panel's and variable's PromQL run against a real
Prometheus that scrapes a running Tessera — a controller, an agent with
simulated GPUs, vLLM- and SGLang-flavoured simulated workers and their
routers under `tessera bench` load — the way the chart's ServiceMonitors do.

Why not `tessera up`: it writes its agent's engine allow-list itself, with the
simulator in vLLM's flavor only, and a manifest picks an allow-list entry by
engine kind; so the agent here is started with an allow-list in which the
`sglang` entry is the simulator in SGLang's flavor."""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from agent_fixture import ROUTER_COMMAND, Agent
from conftest import BIN_DIR, free_port, stop_process
from controller_fixture import FAST_FLAGS, Controller

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DASHBOARD_DIR = os.path.join(ROOT, "helm", "tessera", "dashboards")
NAMES = ("tessera-fleet", "tessera-deployment", "tessera-workers")
RULES = os.path.abspath(os.path.join(ROOT, "helm", "tessera", "rules", "tessera.rules.yaml"))
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
FILTER_VARIABLES = ("namespace", "deployment", "node")

# What Grafana would put for its own variables with a 1 s scrape interval:
# $__rate_interval is at least four scrape intervals.
BUILT_INS = {"__rate_interval": "8s", "__interval": "2s", "__range": "10m"}

# The label filters each family must carry, by the labels it has.
REQUIRED_FILTERS = (
    (re.compile(r"^(vllm:|sglang:|tessera_worker_|tessera_router_)"),
     ('namespace=~"$namespace"', 'deployment=~"$deployment"', 'hostname=~"$node"')),
    (re.compile(r"^tessera_controller_deployment_"),
     ('namespace=~"$namespace"', 'deployment=~"$deployment"')),
    (re.compile(r"^(gpu_|tessera_agent_)"), ('hostname=~"$node"',)),
    (re.compile(r"^(tessera_controller_agent_|up$)"), ('node=~"$node"',)),
)

NODE = "node-a"
VLLM = ("default", "llama-8b")
SGLANG = ("team-b", "llama-8b-sglang")

# The allow-list entry a manifest's `engine.kind: sglang` picks is the
# simulator showing SGLang's metrics, answering 5 % of requests with a 500 so
# that the routers' retry and error series exist (a simulator flag, which a
# manifest's extraArgs for SGLang may not carry); probes relaxed for two busy
# cores.
AGENT_CONFIG = """
engines:
  sim: {{kind: sim, command: [{simulator}]}}
  sglang: {{kind: sim, flavor: sglang, command: [{simulator}, --error-rate, "0.05"]}}
  tessera-router: {{kind: tessera-router, command: {router}}}
supervision:
  readinessPeriod: 200ms
  livenessPeriod: 1s
  probeTimeout: 2s
  startupTimeout: 60s
  backoffInitial: 200ms
  backoffMax: 2s
ports: {first}-{last}
scrapePeriod: 300ms
scrapeTimeout: 250ms
"""

MANIFESTS = {
    # The built-in quickstart of `tessera up`.
    VLLM: {"model": {"source": "meta-llama/Llama-3.1-8B-Instruct"},
           "engine": {"kind": "sim", "kvCacheDtype": "fp8", "maxModelLen": 8192},
           "mode": "disaggregated", "prefill": {"replicas": 1}, "decode": {"replicas": 2},
           "router": {"replicas": 1, "policy": "cache_aware"}},
    # Aggregated SGLang, on the agent's erring simulator (above).
    SGLANG: {"model": {"source": "meta-llama/Llama-3.1-8B-Instruct"},
             "engine": {"kind": "sglang", "maxModelLen": 8192},
             "worker": {"replicas": 2}, "router": {"replicas": 1}},
}


def load(name):
    with open(os.path.join(DASHBOARD_DIR, name + ".json")) as f:
        return json.load(f)


def panels(board):
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row's


def targets(board):
    return [(panel, target) for panel in panels(board) for target in panel.get("targets", [])]


def variables(board):
    return board["templating"]["list"]


def grafana_regex_escape(value):
    """What Grafana's Prometheus data source does to a value of a multi-value
    variable before it puts it in a regex matcher."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda match: "\\\\" + match.group(0), value)


def interpolate(text, values, escape=True):
    """`text` with $name and ${name} replaced as Grafana would: the filter
    variables by `values` (None: All, i.e. the allValue `.*`), escaped for
    a regex unless they are one already."""
    def replace(match):
        name = match.group(1) or match.group(2)
        if name in BUILT_INS:
            return BUILT_INS[name]
        if name in FILTER_VARIABLES:
            value = values.get(name)
            if value is None:
                return ".*"
            return grafana_regex_escape(value) if escape else value
        raise AssertionError(f"unknown variable ${name} in {text}")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, text)


# --- The JSON, as Grafana reads it --------------------------------------------


def overlaps(a, b):
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and
            a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def datasources(node, path="$"):
    """Every `datasource` value in the JSON, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                yield path, value
            yield from datasources(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from datasources(value, f"{path}[{index}]")


@pytest.mark.parametrize("name", NAMES)
def test_dashboard_json_is_what_grafana_imports(name):
    board = load(name)
    assert board["schemaVersion"] == 39
    assert board["uid"] == name and board["title"]
    assert "__inputs" not in board, "a datasource to pick at import is the variable's job"

    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {sorted(ids)}"
    placed = []
    for panel in panels(board):
        pos = panel["gridPos"]
        assert pos["w"] > 0 and pos["h"] > 0 and pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel
        for other in placed:
            assert not overlaps(pos, other["gridPos"]), (panel["title"], other["title"])
        placed.append(panel)
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']}: no unit"
        assert panel["targets"], f"{panel['title']}: no query"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, (panel["title"], target["refId"])

    # No data source uid written in: every reference goes through the
    # variable, except Grafana's own annotations.
    for path, value in datasources(board):
        if value == {"type": "grafana", "uid": "-- Grafana --"} and ".annotations." in path:
            continue
        assert value == DATASOURCE, f"{path}: {value}"

    names = [variable["name"] for variable in variables(board)]
    assert names == ["datasource", *FILTER_VARIABLES]
    source = variables(board)[0]
    assert (source["type"], source["query"]) == ("datasource", "prometheus")
    for variable in variables(board)[1:]:
        assert variable["type"] == "query" and variable["datasource"] == DATASOURCE
        assert variable["query"]["query"].startswith("label_values(")
        assert variable["includeAll"] and variable["multi"] and variable["allValue"] == ".*"

    # Every variable is used, and every query filters by the variables its
    # families' labels allow, over $__rate_interval (or the whole range).
    text = json.dumps([target["expr"] for _, target in targets(board)] +
                      [variable["query"]["query"] for variable in variables(board)[1:]])
    for variable in FILTER_VARIABLES:
        assert f"${variable}" in text, f"${variable} unused"
    for panel, target in targets(board):
        expr = target["expr"]
        where = f"{panel['title']} {target['refId']}: {expr}"
        for window in re.findall(r"\[([^\]]*)\]", expr):
            assert window in ("$__rate_interval", "$__range"), where
        selectors = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr)
        assert selectors, where
        for family, matchers in selectors:
            for pattern, required in REQUIRED_FILTERS:
                if pattern.search(family):
                    for matcher in required:
                        assert matcher in matchers, f"{where}: {family} lacks {matcher}"


def test_dashboards_hold_only_fields_of_grafanas_schema():
    """Read by Grafana's published dashboard schema (grafana-foundation-sdk,
    Apache-2.0) and written back: a field it does not know would be lost."""
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()
    # Fields every Grafana export has that the schema leaves out.
    unmodelled = {"builtIn", "definition"}

    def lost(original, back, path):
        if isinstance(original, dict):
            for key, value in original.items():
                if key not in back:
                    if key not in unmodelled:
                        yield f"{path}.{key}"
                else:
                    yield from lost(value, back[key], f"{path}.{key}")
        elif isinstance(original, list):
            assert len(original) == len(back), path
            for index, (value, other) in enumerate(zip(original, back)):
                yield from lost(value, other, f"{path}[{index}]")

    for name in NAMES:
        board = load(name)
        back = json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))
        assert list(lost(board, back, name)) == []


# --- Every query against a real Prometheus ----------------------------------


class Stack:
    """An agent, a controller on a manifests directory, the two deployments
    under load, and Prometheus scraping the agent and the controller."""

    def __init__(self, root):
        self.root = root
        self.manifests = root / "manifests"
        self.agent = self.controller = self.prometheus = None
        self.benches = []
        self.metrics_port = free_port()
        self.url = None

    def start(self):
        self.manifests.mkdir()
        for (namespace, name), spec in MANIFESTS.items():
            (self.manifests / f"{namespace}.{name}.yaml").write_text(yaml.safe_dump({
                "apiVersion": "serving.tessera.io/v1alpha1", "kind": "ModelDeployment",
                "metadata": {"name": name, "namespace": namespace}, "spec": spec}))
        first = random.randrange(21000, 59000, 100)
        self.agent = Agent(self.root / "agent", topology="1xmi300x:cpx/nps4", hostname=NODE,
                           config=AGENT_CONFIG.format(
                               simulator=os.path.join(BIN_DIR, "tessera-engine-sim"),
                               router=json.dumps(ROUTER_COMMAND), first=first, last=first + 99))
        args = ["--manifests", str(self.manifests), "--agent", f"{NODE}={self.agent.base_url}",
                "--metrics-listen", f"127.0.0.1:{self.metrics_port}"]
        self.controller = Controller(self.root / "controller", args, flags=FAST_FLAGS)
        self.start_prometheus()
        endpoints = {key: self.wait_ready(key) for key in MANIFESTS}
        for (_, name), endpoint in endpoints.items():
            # Bounded: 8 requests/s for at most 75 s; stopped at the end.
            log = open(self.root / f"bench-{name}.log", "w")
            self.benches.append(subprocess.Popen(
                [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url", endpoint,
                 "--model", name, "--dataset-name", "random", "--random-input-len", "256",
                 "--random-output-len", "16", "--num-prompts", "600", "--request-rate", "8",
                 "--max-concurrency", "8", "--request-timeout", "30s", "--no-progress"],
                stdout=log, stderr=subprocess.STDOUT))
            log.close()
        self.stop_one_sglang_engine()
        self.wait_for_load()

    def start_prometheus(self):
        port = free_port()
        config = self.root / "prometheus.yml"
        # As the chart's ServiceMonitors: honor_labels, so the workers'
        # namespace beats the agent pod's, and the pod's labels on the target.
        jobs = [{"job_name": "tessera-agent", "honor_labels": True,
                 "authorization": {"credentials_file": self.agent.token_file},
                 "static_configs": [{"targets": [self.agent.base_url.split("//")[1]],
                                     "labels": {"namespace": "tessera-system",
                                                "pod": "tessera-agent-7xk2p", "node": NODE}}]},
                {"job_name": "tessera-controller", "honor_labels": True,
                 "static_configs": [{"targets": [f"127.0.0.1:{self.metrics_port}"],
                                     "labels": {"namespace": "tessera-system",
                                                "pod": "tessera-controller-5b7d9-q4m2z"}}]}]
        # The chart's alerting and recording rules too, evaluated on the same
        # series: they must load, and evaluate without errors.
        config.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s",
                                                     "scrape_timeout": "1s",
                                                     "evaluation_interval": "1s"},
                                          "rule_files": [RULES],
                                          "scrape_configs": jobs}))
        with open(self.root / "prometheus.log", "w") as log:
            self.prometheus = subprocess.Popen(
                ["prometheus", f"--config.file={config}",
                 f"--storage.tsdb.path={self.root / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=log)
        self.url = f"http://127.0.0.1:{port}"

    def status(self, key):
        namespace, name = key
        path = self.manifests / f"{namespace}.{name}.status.yaml"
        if not path.exists():
            return None
        with open(path) as f:
            return (yaml.safe_load(f) or {}).get("status")

    def wait_ready(self, key, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(key) or {}
            ready = any(c["type"] == "Ready" and c["status"] == "True"
                        for c in status.get("conditions", []))
            if ready and status.get("endpoint"):
                return status["endpoint"]
            time.sleep(0.2)
        raise AssertionError(f"{key} not ready in {timeout} s: {self.status(key)}\n"
                             + self.controller.log()[-4000:])

    def stop_one_sglang_engine(self):
        """One engine stopped behind the agent's back (it exits 0 on
        SIGTERM): the agent restarts it, so the restart and exit-code series
        have a worker to show."""
        engines = [w for w in self.agent.workers()
                   if w["spec"]["engine"]["kind"] == "sglang" and w.get("pid")]
        os.kill(engines[0]["pid"], signal.SIGTERM)

    def wait_for_load(self, timeout=45):
        """Until Prometheus has both routers' answers within one rate window
        and the stopped engine's exit: every panel has something to show."""
        window = BUILT_INS["__rate_interval"]
        loaded = (f"count(sum by (deployment) (rate(tessera_router_client_requests_total"
                  f'{{code="200"}}[{window}])) > 0) == {len(MANIFESTS)}')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(loaded)[0] and self.query("tessera_worker_last_exit_code")[0]:
                return
            time.sleep(0.3)
        raise AssertionError(f"no load seen by Prometheus in {timeout} s; logs: {self.root}")

    def query(self, promql):
        """(series, None), or (None, Prometheus's error) for a bad query."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.load(response)["data"]["result"], None
        except urllib.error.HTTPError as error:
            return None, json.load(error).get("error", error.reason)
        except OSError:
            return [], None  # not listening yet

    def label_values(self, label, selector):
        url = (f"{self.url}/api/v1/label/{label}/values?" +
               urllib.parse.urlencode({"match[]": selector}))
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.load(response)["data"]
        except OSError:
            return []

    def stop(self):
        for bench in self.benches:
            stop_process(bench)
        if self.controller:
            self.controller.stop()
        if self.agent:
            self.agent.destroy()
        stop_process(self.prometheus)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if shutil.which("prometheus") is None:
        pytest.fail("prometheus (Debian's package) is missing: run scripts/setup.sh")
    running = Stack(tmp_path_factory.mktemp("grafana"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def every_query():
    return [(name, panel["title"], target["refId"], target["expr"])
            for name in NAMES for panel, target in targets(load(name))]


def has_data(series):
    """A series with a number: a quantile over a window in which nothing
    was observed is NaN."""
    return any(entry["value"][1] != "NaN" for entry in series or [])


def run_until_data(stack, queries, timeout):
    """Runs each query until it returns data; returns what failed: those
    Prometheus refused, and those still without data at the deadline."""
    failed, pending = [], list(queries)
    deadline = time.monotonic() + timeout
    while pending:
        still = []
        for where, promql in pending:
            series, error = stack.query(promql)
            if error:
                failed.append(f"{where}: does not parse ({error}): {promql}")
            elif not has_data(series):
                still.append((where, promql))
        pending = still
        if pending and time.monotonic() > deadline:
            failed += [f"{where}: no data: {promql}" for where, promql in pending]
            break
        if pending:
            time.sleep(0.5)
    return failed


def explain(failed, stack):
    text = "\n".join(failed)
    for bench in stack.benches:
        if bench.poll() is not None:
            text += f"\n\n{' '.join(bench.args[:4])} exited {bench.returncode}"
    return text + f"\n\nLogs: {stack.root}"


def test_every_panel_query_returns_data_with_all_selected(stack):
    queries = [(f"{name} / {title} / {ref}", interpolate(expr, {}))
               for name, title, ref, expr in every_query()]
    failed = run_until_data(stack, queries, timeout=20)
    assert not failed, explain(failed, stack)


def test_every_panel_query_returns_data_with_both_deployments_picked(stack):
    """Several values picked: Grafana writes them as (a|b)."""
    picked = {"namespace": f"({VLLM[0]}|{SGLANG[0]})",
              "deployment": f"({VLLM[1]}|{SGLANG[1]})", "node": NODE}
    queries = [(f"{name} / {title} / {ref}", interpolate(expr, picked, escape=False))
               for name, title, ref, expr in every_query()]
    failed = run_until_data(stack, queries, timeout=20)
    assert not failed, explain(failed, stack)


def test_every_panel_query_returns_data_for_one_deployment_alone(stack):
    """One deployment, its namespace and the node picked: each query has
    data for the deployment whose workers make it (the SGLang one for
    SGLang's families, and for the errors and the restart it alone has),
    and none of the other's."""
    failed = []
    for name, title, ref, expr in every_query():
        where = f"{name} / {title} / {ref}"
        found = False
        for namespace, deployment in (VLLM, SGLANG):
            series, error = stack.query(interpolate(
                expr, {"namespace": namespace, "deployment": deployment, "node": NODE}))
            if error:
                failed.append(f"{where}: does not parse ({error}): {expr}")
                break
            found = found or has_data(series)
            # A deployment's series; the GPUs' namespace is the agent pod's.
            others = [labels for labels in (entry["metric"] for entry in series)
                      if "deployment" in labels and
                      (labels["deployment"], labels.get("namespace")) != (deployment, namespace)]
            if others:
                failed.append(f"{where}: {namespace}/{deployment} picked, got {others[0]}")
        else:
            if not found:
                failed.append(f"{where}: no data for {VLLM} nor {SGLANG} alone: {expr}")
    assert not failed, explain(failed, stack)


def test_the_charts_rules_evaluate_on_tessera_series(stack):
    """The rule file the chart's PrometheusRule carries, on a real Prometheus:
    every group loads and evaluates without error, and the SLO recording
    rules produce error ratios for both engines' deployments."""
    with urllib.request.urlopen(f"{stack.url}/api/v1/rules", timeout=10) as response:
        groups = json.load(response)["data"]["groups"]
    with open(RULES) as f:
        expected = {group["name"] for group in yaml.safe_load(f)["groups"]}
    assert {group["name"] for group in groups} == expected
    deadline = time.monotonic() + 20
    while True:
        with urllib.request.urlopen(f"{stack.url}/api/v1/rules", timeout=10) as response:
            rules = [rule for group in json.load(response)["data"]["groups"]
                     for rule in group["rules"]]
        unhealthy = [(rule["name"], rule.get("lastError")) for rule in rules
                     if rule["health"] != "ok"]
        ratios = {}
        for name in ("tessera:ttft_slo_errors:ratio_rate5m", "tessera:itl_slo_errors:ratio_rate5m"):
            series, _ = stack.query(name)
            ratios[name] = {(s["metric"].get("namespace"), s["metric"].get("deployment"))
                            for s in series or []}
        if not unhealthy and all(found >= {VLLM, SGLANG} for found in ratios.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"unhealthy rules: {unhealthy}; SLO ratios for: {ratios}")
        time.sleep(0.5)


def test_every_variable_query_returns_values(stack):
    failed = []
    for name in NAMES:
        for variable in variables(load(name))[1:]:
            query = variable["query"]["query"]
            selector, label = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query).groups()
            values = stack.label_values(label, interpolate(selector, {}))
            expected = {"namespace": {VLLM[0], SGLANG[0]},
                        "deployment": {VLLM[1], SGLANG[1]}, "node": {NODE}}[variable["name"]]
            if not expected <= set(values):
                failed.append(f"{name} / ${variable['name']}: {query} gave {values}, "
                              f"expected {sorted(expected)}")
    assert not failed, explain(failed, stack)
