"""The alerting rules of the Helm chart (helm/tessera/rules) through promtool,
and what they promise the on-call engineer: a severity and annotations on
every alert, a runbook section in docs/alerts.md behind every runbook_url,
unit tests that see each alert fire and stay quiet, and SLO thresholds that
are bucket boundaries of both engines' histograms."""

import glob
import os
import re
import shutil
import subprocess

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "../.."))
RULES_DIR = os.path.join(ROOT, "helm/tessera/rules")
RULE_FILE = os.path.join(RULES_DIR, "tessera.rules.yaml")
TEST_FILES = sorted(glob.glob(os.path.join(RULES_DIR, "tests/*.yaml")))
ALERTS_DOC = os.path.join(ROOT, "docs/alerts.md")
RUNBOOK_BASE = "https://github.com/tessera-project/tessera/blob/main/docs/alerts.md#"


def promtool():
    path = shutil.which("promtool")
    assert path, "promtool not found: install Debian's prometheus package (scripts/setup.sh)"
    return path


def rules():
    with open(RULE_FILE, encoding="utf-8") as file:
        return [rule for group in yaml.safe_load(file)["groups"] for rule in group["rules"]]


def alerts():
    return [rule for rule in rules() if "alert" in rule]


def unit_tests():
    for path in TEST_FILES:
        with open(path, encoding="utf-8") as file:
            for case in yaml.safe_load(file)["tests"]:
                yield os.path.basename(path), case


def test_promtool_checks_the_rule_file():
    result = subprocess.run([promtool(), "check", "rules", RULE_FILE], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_pass():
    assert TEST_FILES, "no promtool tests in helm/tessera/rules/tests"
    result = subprocess.run([promtool(), "test", "rules", *TEST_FILES], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_file_is_plain_prometheus_not_a_helm_template():
    with open(RULE_FILE, encoding="utf-8") as file:
        text = file.read()
    # Prometheus's own templating ({{ $labels.x }}, {{ $value }}) is fine;
    # Helm's ({{ .Values.x }}, {{- ... }}, {{ include ... }}) is not.
    assert not re.search(r"\{\{-?\s*(\.|include|template|if|range|-)", text)


def test_every_alert_has_severity_and_annotations():
    for rule in alerts():
        name = rule["alert"]
        assert rule.get("labels", {}).get("severity") in ("critical", "warning"), name
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key), f"{name}: no {key}"
        assert annotations["runbook_url"] == RUNBOOK_BASE + name.lower(), name


def test_every_recording_rule_sits_in_a_group_without_alerts():
    with open(RULE_FILE, encoding="utf-8") as file:
        for group in yaml.safe_load(file)["groups"]:
            kinds = {"alert" if "alert" in rule else "record" for rule in group["rules"]}
            assert len(kinds) == 1, f"group {group['name']} mixes recording and alerting rules"


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    anchor = heading.strip().lower()
    anchor = re.sub(r"[^\w\- ]", "", anchor)
    return anchor.replace(" ", "-")


def test_every_alert_has_a_section_in_docs_and_its_runbook_anchor_exists():
    with open(ALERTS_DOC, encoding="utf-8") as file:
        headings = [line.lstrip("#") for line in file if re.match(r"#{1,6} ", line)]
    anchors = {github_anchor(heading) for heading in headings}
    for rule in alerts():
        name = rule["alert"]
        assert name in {heading.strip() for heading in headings}, \
            f"docs/alerts.md has no section titled {name}"
        anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor in anchors, f"{name}: docs/alerts.md has no anchor #{anchor}"


def test_every_alert_is_seen_firing_and_quiet_by_the_unit_tests():
    firing, quiet = set(), set()
    for _, case in unit_tests():
        for check in case.get("alert_rule_test", []):
            name = check["alertname"]
            if check.get("exp_alerts"):
                firing.update((name, alert["exp_labels"]["severity"]) for alert in check["exp_alerts"])
            else:
                quiet.add(name)
    for rule in alerts():
        name, severity = rule["alert"], rule["labels"]["severity"]
        assert (name, severity) in firing, f"no test sees {name} ({severity}) fire"
        assert name in quiet, f"no test sees {name} stay quiet"


def simulator_buckets(constant):
    """A bucket list of tessera-engine-sim, which copies vLLM's and SGLang's."""
    with open(os.path.join(ROOT, "engine/simulator/engine_metrics.cc"), encoding="utf-8") as file:
        source = file.read()
    match = re.search(constant + r"\s*=\s*std::to_array<double>\(\s*\{([^}]*)\}", source)
    assert match, f"{constant} not found in engine/simulator/engine_metrics.cc"
    return {float(value) for value in match.group(1).split(",")}


def slo_thresholds(family):
    """The `le` values the recording rules count as within the SLO."""
    values = set()
    for rule in rules():
        if "record" in rule and family in rule["expr"] and "_bucket" in rule["expr"]:
            match = re.search(r'le=~?"([^"]+)"', rule["expr"])
            for alternative in match.group(1).replace("\\\\", "\\").split("|"):
                values.add(float(alternative.replace("\\.", ".")))
    return values


def test_slo_thresholds_are_bucket_boundaries_of_both_engines():
    for family, vllm, sglang in (
        ("time_to_first_token_seconds", "kVllmTtft", "kSglangTtft"),
        ("inter_token_latency_seconds", "kVllmItl", "kSglangItl"),
    ):
        thresholds = slo_thresholds(family)
        assert len(thresholds) == 1, f"{family}: thresholds {thresholds}"
        assert thresholds <= simulator_buckets(vllm), f"{family}: {thresholds} not a vLLM bucket"
        assert thresholds <= simulator_buckets(sglang), f"{family}: {thresholds} not an SGLang bucket"
