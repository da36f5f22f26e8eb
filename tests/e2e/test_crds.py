"""The CustomResourceDefinitions in crds/ on a real kube-apiserver: they are
established, every sample is accepted and defaulted, invalid manifests are
rejected with messages naming the field, the status and scale subresources
work, and the controller's own parser agrees with the API server on what is
valid."""

import copy
import glob
import json
import os
import subprocess
import time

import pytest
import yaml

from conftest import BIN_DIR
from kube_fixture import REPO_ROOT, kube_control_plane  # noqa: F401 - a pytest fixture

CRD_DIR = os.path.join(REPO_ROOT, "crds")
SAMPLES = {os.path.basename(path): path
           for path in sorted(glob.glob(os.path.join(CRD_DIR, "samples", "*.yaml")))}
NAMESPACE = "tessera-crds"
API = "/apis/serving.tessera.io/v1alpha1"
CRD_NAMES = ["modeldeployments.serving.tessera.io", "modeldeploymentroles.serving.tessera.io",
             "gpunodes.serving.tessera.io"]


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def schema_of(crd):
    (version,) = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


@pytest.fixture(scope="module")
def kube(kube_control_plane):
    """The control plane with the CRDs established, served, and a namespace."""
    kube = kube_control_plane
    kube.kubectl("apply", "-f", CRD_DIR)
    kube.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                 *[f"crd/{name}" for name in CRD_NAMES])
    kube.kubectl("apply", "-f", "-", input=json.dumps(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}))
    # Established comes a moment before discovery lists the new resources,
    # which kubectl needs to map the short names.
    deadline = time.monotonic() + 15
    while True:
        listed = kube.kubectl("get", "md,mdr,gpun", "-A", check=False)
        if listed.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert listed.returncode == 0, listed.stderr
    return kube


def kubectl_json(kube, *args):
    return json.loads(kube.kubectl(*args, "-o", "json").stdout)


def apply(kube, body, *flags, check=True):
    return kube.kubectl("apply", "-n", NAMESPACE, *flags, "-f", "-", input=json.dumps(body),
                        check=check)


def deployment(name, **spec):
    """The sim sample, renamed, with `spec` merged over its spec."""
    body = load(SAMPLES["llama-3.1-8b-sim.yaml"])
    body["metadata"] = {"name": name}
    body["spec"].update(copy.deepcopy(spec))
    return body


def header(output):
    return output.splitlines()[0].split()


def row(output, name):
    for line in output.splitlines()[1:]:
        if line.split()[0] == name:
            return line.split()
    raise AssertionError(f"{name} not listed:\n{output}")


# --- the CRDs themselves --------------------------------------------------------


def test_crds_are_established_and_structural(kube):
    for name in CRD_NAMES:
        conditions = {c["type"]: c for c in
                      kubectl_json(kube, "get", "crd", name)["status"]["conditions"]}
        assert conditions["Established"]["status"] == "True", conditions
        assert conditions["NamesAccepted"]["status"] == "True", conditions
        assert "NonStructuralSchema" not in conditions, conditions
    resources = kube.kubectl("api-resources", "--api-group=serving.tessera.io", "-o", "wide").stdout
    assert row(resources, "modeldeployments")[1:5] == [
        "md", "serving.tessera.io/v1alpha1", "true", "ModelDeployment"]
    assert row(resources, "modeldeploymentroles")[1:5] == [
        "mdr", "serving.tessera.io/v1alpha1", "true", "ModelDeploymentRole"]
    assert row(resources, "gpunodes")[1:5] == ["gpun", "serving.tessera.io/v1alpha1", "false",
                                               "GPUNode"]


def test_every_field_has_a_description_and_nothing_preserves_unknown_fields():
    def walk(schema, path, missing):
        assert "x-kubernetes-preserve-unknown-fields" not in schema, path
        for key, child in schema.get("properties", {}).items():
            if "description" not in child and key not in ("apiVersion", "kind", "metadata"):
                missing.append(path + "." + key)
            walk(child, path + "." + key, missing)
        if "items" in schema:
            walk(schema["items"], path + "[]", missing)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], path + "{}", missing)

    for path in sorted(glob.glob(os.path.join(CRD_DIR, "*.yaml"))):
        missing = []
        walk(schema_of(load(path)), "", missing)
        assert not missing, f"{os.path.basename(path)}: no description for {missing}"


# --- samples and defaults ------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_sample_is_accepted(kube, sample):
    body = load(SAMPLES[sample])
    dry_run = kube.kubectl("apply", "-n", NAMESPACE, "--dry-run=server", "-f", SAMPLES[sample])
    assert "(server dry run)" in dry_run.stdout, dry_run.stdout
    kube.kubectl("apply", "-n", NAMESPACE, "-f", SAMPLES[sample])
    stored = kubectl_json(kube, "get", "md", body["metadata"]["name"], "-n", NAMESPACE)
    # Everything the sample says is kept: no field was pruned.
    for key, value in body["spec"].items():
        if isinstance(value, dict):
            assert stored["spec"][key] | value == stored["spec"][key], key
        else:
            assert stored["spec"][key] == value, key


def test_defaults_are_applied(kube):
    kube.kubectl("apply", "-n", NAMESPACE, "-f", SAMPLES["llama-3.1-8b-sim.yaml"])
    spec = kubectl_json(kube, "get", "md", "llama-8b-sim", "-n", NAMESPACE)["spec"]
    assert spec["mode"] == "aggregated"
    assert spec["worker"] == {"replicas": 2, "tensorParallelSize": 1, "pipelineParallelSize": 1}
    assert spec["engine"]["concurrency"] == 1
    assert spec["placement"] == {"spread": True}
    assert spec["rollout"] == {"maxSurge": 1, "maxUnavailable": 0, "drainGraceSeconds": 30,
                               "progressDeadlineSeconds": 600}
    # One cache-aware router; the hand-off protocol follows the engine, in the controller.
    assert spec["router"] == {"replicas": 1, "policy": "cache_aware"}
    # What has no default stays unset, for Tessera and the engine to decide.
    assert "gpuMemoryUtilization" not in spec["engine"]
    assert "kvCacheDtype" not in spec["engine"]

    # An architecture gets its dtype default; explicit values win over defaults.
    apply(kube, deployment("defaults-explicit", model={
        "source": "/models/custom", "architecture": {
            "parameters": 8030261248, "layers": 32, "hiddenSize": 4096, "attentionHeads": 32,
            "kvHeads": 8}}, rollout={"maxSurge": 0, "maxUnavailable": 1}))
    spec = kubectl_json(kube, "get", "md", "defaults-explicit", "-n", NAMESPACE)["spec"]
    assert spec["model"]["architecture"]["dtype"] == "bfloat16"
    assert spec["rollout"] == {"maxSurge": 0, "maxUnavailable": 1, "drainGraceSeconds": 30,
                               "progressDeadlineSeconds": 600}


def test_kubectl_get_prints_the_columns(kube):
    kube.kubectl("apply", "-n", NAMESPACE, "-f", SAMPLES["llama-3.3-70b-disaggregated.yaml"])
    listed = kube.kubectl("get", "md", "-n", NAMESPACE).stdout
    assert header(listed) == ["NAME", "MODE", "READY", "WORKERS", "PREFILL", "DECODE", "ROUTER",
                              "AGE"]
    assert row(listed, "llama-70b")[1] == "disaggregated"
    wide = kube.kubectl("get", "md", "llama-70b", "-n", NAMESPACE, "-o", "wide").stdout
    assert header(wide) == ["NAME", "MODE", "READY", "WORKERS", "PREFILL", "DECODE", "ROUTER",
                            "ENGINE", "SOURCE", "ENDPOINT", "AGE"]
    # Empty columns (no status yet) vanish from a split row; ENGINE and SOURCE end it.
    assert row(wide, "llama-70b")[-3:-1] == ["sglang", "meta-llama/Llama-3.3-70B-Instruct"]


# --- invalid manifests -----------------------------------------------------------


def mutate_spec(**changes):
    def mutate(body):
        for key, value in changes.items():
            if value is None:
                body["spec"].pop(key, None)
            else:
                body["spec"][key] = value
    return mutate


def mutate_engine(**changes):
    def mutate(body):
        body["spec"]["engine"].update(changes)
    return mutate


def rename(name):
    def mutate(body):
        body["metadata"]["name"] = name
    return mutate


def drop_source(body):
    del body["spec"]["model"]["source"]


# (case, change to the sim sample, the field both the API server and the
# controller's parser must name, what the API server must say)
INVALID = [
    ("disaggregated-without-decode",
     mutate_spec(mode="disaggregated", worker=None, prefill={"replicas": 1}), "spec.decode",
     ["spec: Required value: spec.prefill and spec.decode are required when mode is "
      "disaggregated"]),
    ("aggregated-with-prefill", mutate_spec(prefill={"replicas": 1}), "spec.prefill",
     ["spec.prefill: Forbidden: spec.prefill is only allowed when mode is disaggregated"]),
    ("aggregated-without-worker", mutate_spec(worker=None), "spec.worker",
     ["spec.worker: Required value: spec.worker is required when mode is aggregated"]),
    ("disaggregated-with-worker",
     mutate_spec(mode="disaggregated", prefill={"replicas": 1}, decode={"replicas": 1}),
     "spec.worker", ["spec.worker: Forbidden: spec.worker is not allowed when mode is "
                     "disaggregated"]),
    ("unknown-mode", mutate_spec(mode="pipelined"), "spec.mode",
     ['spec.mode: Unsupported value: "pipelined"']),
    ("replicas-negative", mutate_spec(worker={"replicas": -1}), "spec.worker.replicas",
     ["spec.worker.replicas: Invalid value: -1", "greater than or equal to 0"]),
    ("tensor-parallel-not-power-of-two",
     mutate_spec(worker={"replicas": 1, "tensorParallelSize": 6}),
     "spec.worker.tensorParallelSize",
     ["spec.worker.tensorParallelSize: Invalid value: 6: spec.worker.tensorParallelSize must "
      "be a power of two"]),
    ("tensor-parallel-too-large",
     mutate_spec(worker={"replicas": 1, "tensorParallelSize": 128}),
     "spec.worker.tensorParallelSize",
     ["spec.worker.tensorParallelSize: Invalid value: 128", "less than or equal to 64"]),
    ("gpu-memory-utilization-zero", mutate_engine(gpuMemoryUtilization=0),
     "spec.engine.gpuMemoryUtilization",
     ["spec.engine.gpuMemoryUtilization: Invalid value: 0", "should be greater than 0"]),
    ("gpu-memory-utilization-above-one", mutate_engine(gpuMemoryUtilization=1.5),
     "spec.engine.gpuMemoryUtilization",
     ["spec.engine.gpuMemoryUtilization: Invalid value: 1.5", "less than or equal to 1"]),
    ("unknown-engine-kind", mutate_engine(kind="tgi"), "spec.engine.kind",
     ['spec.engine.kind: Unsupported value: "tgi": supported values: "vllm", "sglang", "sim"']),
    ("kv-cache-dtype-int4", mutate_engine(kvCacheDtype="int4"), "spec.engine.kvCacheDtype",
     ['spec.engine.kvCacheDtype: Unsupported value: "int4"']),
    ("max-model-len-zero", mutate_engine(maxModelLen=0), "spec.engine.maxModelLen",
     ["spec.engine.maxModelLen: Invalid value: 0"]),
    ("env-hip-visible-devices", mutate_engine(env={"HIP_VISIBLE_DEVICES": "0"}),
     "spec.engine.env.HIP_VISIBLE_DEVICES",
     ["spec.engine.env: Forbidden: spec.engine.env.HIP_VISIBLE_DEVICES is set by the agent "
      "from the worker's partitions"]),
    ("env-not-a-variable-name", mutate_engine(env={"NCCL-DEBUG": "WARN"}), "spec.engine.env",
     ["spec.engine.env: Invalid value", "spec.engine.env.NCCL-DEBUG: not an engine environment "
      "variable name"]),
    ("env-ld-preload", mutate_engine(env={"LD_PRELOAD": "/tmp/x.so"}), "spec.engine.env.LD_PRELOAD",
     ["spec.engine.env: Forbidden: spec.engine.env.LD_PRELOAD names code or a place code is "
      "loaded from"]),
    ("env-hsa-tools-lib", mutate_engine(env={"HSA_TOOLS_LIB": "/tmp/x.so"}),
     "spec.engine.env.HSA_TOOLS_LIB", ["spec.engine.env.HSA_TOOLS_LIB names code"]),
    ("env-pythonstartup", mutate_engine(env={"PYTHONSTARTUP": "/tmp/x.py"}),
     "spec.engine.env.PYTHONSTARTUP",
     ["spec.engine.env: Forbidden: spec.engine.env.PYTHONSTARTUP is not an engine setting"]),
    ("rollout-max-surge-and-unavailable-zero",
     mutate_spec(rollout={"maxSurge": 0, "maxUnavailable": 0}), "spec.rollout",
     ["spec.rollout: Invalid value", "spec.rollout.maxSurge and spec.rollout.maxUnavailable "
      "cannot both be 0"]),
    ("missing-model-source", drop_source, "spec.model.source",
     ["spec.model.source: Required value"]),
    ("name-longer-than-63", rename("a" * 64), "metadata.name",
     ["metadata.name: Invalid value: metadata.name must be at most 63 characters"]),
    ("name-not-a-dns-label", rename("llama-3.1-8b"), "metadata.name",
     ["metadata.name: Invalid value: metadata.name must be a DNS label"]),
    ("compute-partition-unknown",
     mutate_spec(placement={"computePartition": "xpx"}), "spec.placement.computePartition",
     ['spec.placement.computePartition: Unsupported value: "xpx"']),
    ("unknown-field", mutate_spec(autoscaling={"enabled": True}), "spec.autoscaling",
     ['unknown field "spec.autoscaling"']),
    ("router-replicas-negative", mutate_spec(router={"replicas": -1}), "spec.router.replicas",
     ["spec.router.replicas: Invalid value: -1", "greater than or equal to 0"]),
    ("router-policy-unknown", mutate_spec(router={"policy": "random"}), "spec.router.policy",
     ['spec.router.policy: Unsupported value: "random"']),
    ("router-prefill-policy-in-aggregated-mode",
     mutate_spec(router={"prefillPolicy": "least_load"}), "spec.router",
     ["spec.router: Forbidden: spec.router.prefillPolicy and spec.router.decodePolicy are only "
      "allowed when mode is disaggregated"]),
    ("router-pd-protocol-unknown", mutate_spec(router={"pdProtocol": "nixl"}),
     "spec.router.pdProtocol", ['spec.router.pdProtocol: Unsupported value: "nixl"']),
    ("pipeline-parallel-zero", mutate_spec(worker={"replicas": 1, "pipelineParallelSize": 0}),
     "spec.worker.pipelineParallelSize",
     ["spec.worker.pipelineParallelSize: Invalid value: 0", "greater than or equal to 1"]),
    ("tensor-times-pipeline-above-64",
     mutate_spec(worker={"replicas": 1, "tensorParallelSize": 16, "pipelineParallelSize": 8}),
     "spec.worker.pipelineParallelSize",
     ["spec.worker.pipelineParallelSize: tensorParallelSize × pipelineParallelSize is the "
      "partitions a worker holds, at most 64"]),
    ("model-dtype-int4", mutate_spec(model={"source": "m", "dtype": "int4"}), "spec.model.dtype",
     ['spec.model.dtype: Unsupported value: "int4"']),
    ("speculative-method-unknown",
     mutate_engine(kind="vllm", speculative={"method": "medusa", "numSpeculativeTokens": 3}),
     "spec.engine.speculative.method", ['spec.engine.speculative.method: Unsupported value: '
                                        '"medusa"']),
    ("speculative-draft-without-model",
     mutate_engine(kind="vllm", speculative={"method": "draft", "numSpeculativeTokens": 3}),
     "spec.engine.speculative.draftModel",
     ["spec.engine.speculative.draftModel: Required value: spec.engine.speculative.draftModel: "
      "is required for method draft and eagle"]),
    ("speculative-eagle-without-model",
     mutate_engine(kind="sglang", speculative={"method": "eagle", "numSpeculativeTokens": 3}),
     "spec.engine.speculative.draftModel",
     ["spec.engine.speculative.draftModel: is required for method draft and eagle"]),
    ("speculative-ngram-with-model",
     mutate_engine(kind="vllm", speculative={"method": "ngram", "draftModel": "x",
                                             "numSpeculativeTokens": 3}),
     "spec.engine.speculative.draftModel",
     ["spec.engine.speculative.draftModel: method ngram proposes tokens from the prompt and uses "
      "no draft model"]),
    ("speculative-without-tokens", mutate_engine(kind="vllm", speculative={"method": "ngram"}),
     "spec.engine.speculative.numSpeculativeTokens",
     ["spec.engine.speculative.numSpeculativeTokens: Required value"]),
    ("speculative-too-many-tokens",
     mutate_engine(kind="vllm", speculative={"method": "ngram", "numSpeculativeTokens": 17}),
     "spec.engine.speculative.numSpeculativeTokens",
     ["spec.engine.speculative.numSpeculativeTokens: Invalid value: 17"]),
    ("draft-tensor-parallel-not-the-workers",
     lambda body: (mutate_engine(kind="vllm", speculative={
         "method": "draft", "draftModel": "x", "numSpeculativeTokens": 3,
         "draftTensorParallelSize": 2})(body),
                   mutate_spec(worker={"replicas": 1, "tensorParallelSize": 4})(body)),
     "spec.engine.speculative.draftTensorParallelSize",
     ["spec.engine.speculative.draftTensorParallelSize: must be 1 or the tensorParallelSize of "
      "every role"]),
    ("draft-tensor-parallel-with-sglang",
     mutate_engine(kind="sglang", speculative={"method": "eagle", "draftModel": "x",
                                               "numSpeculativeTokens": 3,
                                               "draftTensorParallelSize": 1}),
     "spec.engine.speculative.draftTensorParallelSize",
     ["spec.engine.speculative.draftTensorParallelSize: SGLang runs the draft model at the "
      "worker's tensorParallelSize; remove it for kind sglang"]),
    ("scheduler-steps-with-speculative",
     mutate_engine(kind="vllm", numSchedulerSteps=12,
                   speculative={"method": "ngram", "numSpeculativeTokens": 5}),
     "spec.engine.numSchedulerSteps",
     ["spec.engine.numSchedulerSteps: Forbidden: spec.engine.numSchedulerSteps: multi-step "
      "scheduling (above 1) cannot be combined with spec.engine.speculative (vLLM refuses it)"]),
    ("speculative-with-pipeline-stages",
     lambda body: (mutate_engine(kind="vllm", speculative={
         "method": "ngram", "numSpeculativeTokens": 5})(body),
                   mutate_spec(worker={"replicas": 1, "tensorParallelSize": 2,
                                       "pipelineParallelSize": 4})(body)),
     "spec.engine.speculative",
     ["spec.engine.speculative: Forbidden: spec.engine.speculative: speculative decoding cannot "
      "be combined with pipelineParallelSize above 1"]),
    ("scheduler-steps-with-sglang", mutate_engine(kind="sglang", numSchedulerSteps=1),
     "spec.engine.numSchedulerSteps",
     ["spec.engine.numSchedulerSteps: SGLang has no multi-step scheduling; remove it for kind "
      "sglang"]),
    ("scheduler-steps-too-many", mutate_engine(kind="vllm", numSchedulerSteps=65),
     "spec.engine.numSchedulerSteps", ["spec.engine.numSchedulerSteps: Invalid value: 65"]),
    ("batched-tokens-zero", mutate_engine(maxNumBatchedTokens=0),
     "spec.engine.maxNumBatchedTokens", ["spec.engine.maxNumBatchedTokens: Invalid value: 0"]),
    ("extra-arg-off-the-allow-list",
     mutate_engine(kind="vllm", extraArgs=["--seed", "1", "--trust-remote-code"]),
     "spec.engine.extraArgs",
     ["spec.engine.extraArgs: Forbidden: spec.engine.extraArgs: --trust-remote-code is not on "
      "vllm's extraArgs allow-list (docs/resources.md#extra-engine-arguments)"]),
    ("extra-arg-sglang-name-on-vllm", mutate_engine(kind="vllm", extraArgs=["--random-seed=1"]),
     "spec.engine.extraArgs", ["is not on vllm's extraArgs allow-list"]),
    ("extra-arg-set-by-tessera",
     mutate_engine(kind="vllm", extraArgs=["--tensor-parallel-size", "8"]),
     "spec.engine.extraArgs",
     ["spec.engine.extraArgs: --tensor-parallel-size is set by Tessera from"]),
    ("extra-arg-sim-hardware", mutate_engine(extraArgs=["--hardware", "mi355x"]),
     "spec.engine.extraArgs", ["spec.engine.extraArgs: --hardware is set by Tessera from"]),
    ("extra-arg-sglang-pp-size", mutate_engine(kind="sglang", extraArgs=["--pp-size", "2"]),
     "spec.engine.extraArgs", ["spec.engine.extraArgs: --pp-size is set by Tessera from"]),
    ("extra-arg-positional", mutate_engine(extraArgs=["other-model"]), "spec.engine.extraArgs[0]",
     ['spec.engine.extraArgs[0]: "other-model" is not a flag and follows none']),
    ("extra-arg-short-option", mutate_engine(kind="vllm", extraArgs=["--seed", "1", "-tp", "8"]),
     "spec.engine.extraArgs", ['short option "-tp" is not accepted']),
    ("extra-arg-too-long", mutate_engine(extraArgs=["--seed", "1" * 300]),
     "spec.engine.extraArgs", ["spec.engine.extraArgs[1]: Too long"]),
    ("router-vllm-protocol-with-sim-engine", mutate_spec(router={"pdProtocol": "vllm"}),
     "spec.router.pdProtocol",
     ["spec.router.pdProtocol: Invalid value", "spec.router.pdProtocol must match the engine"]),
]


def invalid_manifest(case, mutate):
    body = deployment(case)
    mutate(body)
    return body


@pytest.mark.parametrize("case,mutate,field,messages", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_manifest_is_rejected(kube, case, mutate, field, messages):
    body = invalid_manifest(case, mutate)
    rejected = apply(kube, body, check=False)
    assert rejected.returncode != 0, f"{case} was accepted: {rejected.stdout}"
    for message in messages:
        assert message in rejected.stderr, rejected.stderr
    assert field in rejected.stderr, rejected.stderr
    if case != "unknown-field":  # kubectl quotes the whole patch for strict-decoding errors
        assert len(rejected.stderr) < 600, rejected.stderr


def test_controller_parser_agrees_with_the_api_server(kube, tmp_path):
    """The directory store's parser (the one the controller uses for objects
    from the API server too) accepts every sample as the API server stored
    it, defaults and all, and rejects every invalid manifest naming the same
    field as the API server did."""
    controller = os.path.join(BIN_DIR, "tessera-controller")
    if not os.path.exists(controller):
        pytest.skip(f"{controller} is not built")
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    for sample in SAMPLES:
        name = load(SAMPLES[sample])["metadata"]["name"]
        kube.kubectl("apply", "-n", NAMESPACE, "-f", SAMPLES[sample])
        stored = kubectl_json(kube, "get", "md", name, "-n", NAMESPACE)
        (manifests / f"stored-{sample}.json").write_text(json.dumps(stored))
    for case, mutate, _, _ in INVALID:
        (manifests / f"invalid-{case}.json").write_text(json.dumps(invalid_manifest(case, mutate)))
    (tmp_path / "token").write_text("parity-token\n")
    log_path = tmp_path / "controller.log"
    with open(log_path, "w") as log:
        # No agent answers: only the manifests are read.
        process = subprocess.Popen(
            [controller, "--manifests", str(manifests), "--agent", "none=http://127.0.0.1:1",
             "--agent-token-file", str(tmp_path / "token"), "--poll-period", "200ms",
             "--agent-timeout", "200ms"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            errors = [line for line in log_path.read_text().splitlines()
                      if "manifest not read" in line]
            missing = [case for case, *_ in INVALID
                       if not any(f"invalid-{case}.json:" in line for line in errors)]
            if not missing or time.monotonic() > deadline or process.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert not missing, f"the controller accepted {missing}:\n{log_path.read_text()}"
    for case, _, field, _ in INVALID:
        line = next(line for line in errors if f"invalid-{case}.json:" in line)
        assert field in line, line
    assert not [line for line in errors if "stored-" in line], errors


# --- status subresource and generation -------------------------------------------


def test_status_subresource_and_generation(kube):
    name = "status-test"
    apply(kube, deployment(name))
    get = lambda: kubectl_json(kube, "get", "md", name, "-n", NAMESPACE)  # noqa: E731
    assert get()["metadata"]["generation"] == 1

    status = {
        "observedGeneration": 1,
        "worker": {"desired": 2, "replicas": 2, "ready": 1, "updated": 2, "summary": "1/2"},
        "workers": [{"name": f"{NAMESPACE}.{name}.worker-1a2b3c4d-0", "role": "worker",
                     "node": "node-a", "partitions": [0], "url": "http://node-a:20000",
                     "state": "ready", "ready": True, "updated": True}],
        "conditions": [{"type": "Ready", "status": "False", "reason": "WorkersNotReady",
                        "message": "worker: 1 of 2 ready", "observedGeneration": 1,
                        "lastTransitionTime": "2026-01-02T03:04:05Z"}],
    }
    kube.kubectl("patch", "md", name, "-n", NAMESPACE, "--subresource=status", "--type=merge",
                 "-p", json.dumps({"status": status}))
    stored = get()
    assert stored["status"] == status
    assert stored["metadata"]["generation"] == 1, "a status change bumped the generation"
    assert row(kube.kubectl("get", "md", name, "-n", NAMESPACE).stdout, name)[1:4] == [
        "aggregated", "False", "1/2"]

    # The main resource ignores status; spec changes bump the generation.
    kube.kubectl("patch", "md", name, "-n", NAMESPACE, "--type=merge",
                 "-p", json.dumps({"status": {"observedGeneration": 9}}))
    assert get()["status"]["observedGeneration"] == 1
    kube.kubectl("patch", "md", name, "-n", NAMESPACE, "--type=merge",
                 "-p", json.dumps({"spec": {"worker": {"replicas": 3}}}))
    stored = get()
    assert stored["metadata"]["generation"] == 2
    assert stored["status"] == status

    # Conditions have the metav1.Condition shape.
    bad = kube.kubectl("patch", "md", name, "-n", NAMESPACE, "--subresource=status",
                       "--type=merge", "-p", json.dumps({"status": {"conditions": [
                           {**status["conditions"][0], "status": "Maybe"}]}}), check=False)
    assert bad.returncode != 0
    assert 'status.conditions[0].status: Unsupported value: "Maybe"' in bad.stderr, bad.stderr


# --- ModelDeploymentRole and /scale ------------------------------------------------


def role(name, deployment_name, role_name, replicas=1):
    return {"apiVersion": "serving.tessera.io/v1alpha1", "kind": "ModelDeploymentRole",
            "metadata": {"name": name},
            "spec": {"deployment": deployment_name, "role": role_name, "replicas": replicas}}


def test_role_scale_subresource(kube):
    name = "llama-70b-decode"
    apply(kube, role(name, "llama-70b", "decode"))
    selector = "serving.tessera.io/deployment=llama-70b,serving.tessera.io/role=decode"
    kube.kubectl("patch", "mdr", name, "-n", NAMESPACE, "--subresource=status", "--type=merge",
                 "-p", json.dumps({"status": {"replicas": 1, "readyReplicas": 1,
                                              "selector": selector}}))

    kube.kubectl("scale", "mdr", name, "-n", NAMESPACE, "--replicas=3")
    assert kube.kubectl("get", "mdr", name, "-n", NAMESPACE, "-o",
                        "jsonpath={.spec.replicas}").stdout == "3"
    status, scale = kube.request("GET", f"{API}/namespaces/{NAMESPACE}/modeldeploymentroles/"
                                        f"{name}/scale")
    assert status == 200, scale
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1", scale
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"] == {"replicas": 1, "selector": selector}

    listed = kube.kubectl("get", "mdr", "-n", NAMESPACE).stdout
    assert header(listed) == ["NAME", "DEPLOYMENT", "ROLE", "DESIRED", "READY", "AGE"]
    assert row(listed, name)[1:5] == ["llama-70b", "decode", "3", "1"]


@pytest.mark.parametrize("case,body,messages", [
    ("name-not-deployment-role", role("llama-70b-decoder", "llama-70b", "decode"),
     ["metadata.name: Invalid value: metadata.name must be <spec.deployment>-<spec.role>"]),
    ("role-unknown", role("llama-70b-aggregated", "llama-70b", "aggregated"),
     ['spec.role: Unsupported value: "aggregated"']),
    ("replicas-negative", role("llama-70b-prefill", "llama-70b", "prefill", replicas=-1),
     ["spec.replicas: Invalid value: -1"]),
], ids=["name-not-deployment-role", "role-unknown", "replicas-negative"])
def test_invalid_role_is_rejected(kube, case, body, messages):
    rejected = apply(kube, body, check=False)
    assert rejected.returncode != 0, f"{case} was accepted"
    for message in messages:
        assert message in rejected.stderr, rejected.stderr


def test_role_identity_is_immutable(kube):
    apply(kube, role("immutable-worker", "immutable", "worker"))
    changed = kube.kubectl("patch", "mdr", "immutable-worker", "-n", NAMESPACE, "--type=merge",
                           "-p", json.dumps({"spec": {"deployment": "other"}}), check=False)
    assert changed.returncode != 0
    assert "spec.deployment: Invalid value: \"other\": spec.deployment is immutable" in \
        changed.stderr, changed.stderr


# --- GPUNode -----------------------------------------------------------------------


def test_gpunode_is_cluster_scoped_with_a_status_subresource(kube):
    name = "crd-node-a"
    node = {"apiVersion": "serving.tessera.io/v1alpha1", "kind": "GPUNode",
            "metadata": {"name": name, "labels": {"tessera.io/pool": "mi300x"}},
            "spec": {"agentEndpoint": "https://10.0.0.5:8470"}}
    kube.kubectl("apply", "-f", "-", input=json.dumps(node))
    status, stored = kube.request("GET", f"{API}/gpunodes/{name}")
    assert status == 200, stored
    assert "namespace" not in stored["metadata"]

    partition = {"index": 0, "vramTotalBytes": 25769803776, "computeUnits": 38,
                 "worker": "serving.llama-8b.worker-1a2b3c4d-0"}
    free = {"index": 1, "vramTotalBytes": 25769803776, "computeUnits": 38, "worker": None}
    status = {
        "hostname": name, "gpuBackend": "sim", "heartbeatTime": "2026-01-02T03:04:05Z",
        "partitions": {"total": 2, "free": 1},
        "gpus": [{"index": 0, "product": "mi300x", "pciBusId": "0000:03:00.0",
                  "computePartition": "cpx", "memoryPartition": "nps4",
                  "partitions": [partition, free]}],
        "conditions": [{"type": "Ready", "status": "True", "reason": "AgentHeartbeat",
                        "message": "", "lastTransitionTime": "2026-01-02T03:04:05Z"}],
    }
    # A JSON patch, which keeps the free partition's explicit null worker (a
    # merge patch would read null as "delete").
    kube.kubectl("patch", "gpun", name, "--subresource=status", "--type=json",
                 "-p", json.dumps([{"op": "add", "path": "/status", "value": status}]))
    stored = kubectl_json(kube, "get", "gpun", name)
    assert stored["status"] == status
    assert stored["metadata"]["generation"] == 1

    listed = kube.kubectl("get", "gpun").stdout
    assert header(listed) == ["NAME", "ENDPOINT", "PARTITIONS", "FREE", "READY", "AGE"]
    assert row(listed, name)[1:5] == ["https://10.0.0.5:8470", "2", "1", "True"]

    bad_time = kube.kubectl("patch", "gpun", name, "--subresource=status", "--type=merge",
                            "-p", json.dumps({"status": {"heartbeatTime": "yesterday"}}),
                            check=False)
    assert bad_time.returncode != 0
    assert "status.heartbeatTime: Invalid value: \"yesterday\"" in bad_time.stderr, \
        bad_time.stderr
    bad_endpoint = kube.kubectl("apply", "-f", "-", check=False, input=json.dumps(
        {**node, "metadata": {"name": "crd-node-b"}, "spec": {"agentEndpoint": "10.0.0.6:8470"}}))
    assert bad_endpoint.returncode != 0
    assert "spec.agentEndpoint: Invalid value: \"10.0.0.6:8470\"" in bad_endpoint.stderr, \
        bad_endpoint.stderr
