"""Issue 21's last acceptance item: a ModelDeployment of TP 2 × PP 4 and one
with a speculative draft model, placed and launched on simulated workers
through the directory store, report through `tessera bench` figures that
follow the performance model's formulas (docs/engine-simulator.md). Its
timing checks are the point, so it runs in the optimised tree (the
controller's suite, which it borrows from, runs on the sanitized one)."""

import math
import os
import subprocess
import urllib.request

import pytest

from conftest import BIN_DIR
from controller_fixture import dump, managed_workers, model_deployment, wait_until
from test_controller_directory import ready, serving_deployments, start_cluster, write

SANITIZED = os.environ.get("TESSERA_SANITIZE", "OFF") == "ON"
TIME_SCALE = "0.1"  # the simulator lives 0.1 s per simulated second; bench divides it out


@pytest.fixture
def cluster(tmp_path):
    """Two agents of 2 × MI300X in CPX/NPS4 (16 partitions each)."""
    c = start_cluster(tmp_path)
    yield c
    c.stop()


def bench(worker, *flags):
    args = [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url", worker["url"],
            "--model", worker["spec"]["deployment"], "--no-progress", "--dataset-name", "random",
            "--random-range-ratio", "0", "--ignore-eos", "--max-concurrency", "1",
            "--warmup-requests", "0", "--time-scale", TIME_SCALE, *flags]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def block_value(output, label):
    for line in output.splitlines():
        if line.startswith(label):
            return float(line[len(label):].split()[0])
    raise AssertionError(f"{label!r} not in:\n{output}")


def engine_metrics(worker):
    """The worker's /metrics summed over labels: {name: value}."""
    with urllib.request.urlopen(worker["url"] + "/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    totals = {}
    for line in lines:
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            name = series.split("{", 1)[0]
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def server_mean_tpot_ms(metrics):
    """The simulator's own mean TPOT, in simulated time."""
    name = "vllm:request_time_per_output_token_seconds"
    return metrics[name + "_sum"] / metrics[name + "_count"] * 1000


def test_pipeline_parallel_and_speculative_deployments_bench_by_the_formulas(cluster):
    """Issue 21: the two deployments report through `tessera bench` (one
    request at a time, so each decode step is a batch of one) figures that
    follow docs/engine-simulator.md's formulas."""
    pipeline, speculative = serving_deployments(cluster, extra_args=("--time-scale", TIME_SCALE))
    # The pipeline's baseline: the same model and engine at TP 2 with no stages.
    write(cluster.manifests / "tensor.yaml", dump(model_deployment(
        "tensor", replicas=1, tensor_parallel_size=2,
        engine={"kind": "sim", "maxModelLen": 8192, "maxNumBatchedTokens": 4096,
                "extraArgs": ["--max-num-seqs", "64", "--time-scale", TIME_SCALE]})))
    wait_until(lambda: ready(cluster, "tensor", count=1), what="tensor ready",
               diagnostics=cluster.diagnostics)
    (tensor,) = managed_workers(cluster.agents, "tensor")

    # --- TP 2 × PP 4 against TP 2 ---
    requests, input_len, output_len = 16, 128, 32
    client_tpot, server_tpot = {}, {}
    for worker in (pipeline, tensor):
        out = bench(worker, "--num-prompts", str(requests), "--random-input-len", str(input_len),
                    "--random-output-len", str(output_len))
        assert block_value(out, "Successful requests:") == requests, out
        assert block_value(out, "Total generated tokens:") == requests * output_len, out
        name = worker["spec"]["deployment"]
        client_tpot[name] = block_value(out, "Mean TPOT (ms):")
        server_tpot[name] = server_mean_tpot_ms(engine_metrics(worker))
    # With one micro-batch in flight a decode step is host + Σ stage_s +
    # (P − 1) × transfer. One token's decode is memory-bound in every stage
    # (at TP 2 on CPX partitions, 8 GFLOP a rank take ≈ 0.2 ms at 0.30 of the
    # peak, 8 GB of weights a rank ≈ 17 ms at 0.70 of HBM), so Σ max(compute_s,
    # memory_s) is TP 2's memory term (weights and KV split by layer), Σ
    # comm_s its comm and Σ layers_s × per-layer its launches: Σ stage_s is
    # TP 2's step less the host's share, and a step of the pipeline is TP 2's
    # plus three transfers. A transfer of one token's hidden state (4,096 ×
    # 2 B) at TP 2 on MI300X (all-reduce latency 28 µs, interconnect
    # efficiency 0.55, peer link 64 GB/s, link 448 GB/s):
    #   28 µs + 2 × 4096 × 2 B ÷ 2 ÷ (64 GB/s × 0.55)
    #   + 28 µs + ½ × 2 × 4096 × 2 B ÷ (448 GB/s × 0.55)  = 56.266 µs.
    # The simulator's histograms are in simulated time, free of wall-clock
    # jitter, so the difference holds to float rounding; 0.5% is far below
    # one all-reduce latency (28 µs of 169).
    hidden_bytes = 4096 * 2
    transfer_ms = (28e-6 + hidden_bytes / (64e9 * 0.55)
                   + 28e-6 + hidden_bytes / (448e9 * 0.55)) * 1000
    assert server_tpot["pipeline"] - server_tpot["tensor"] == pytest.approx(3 * transfer_ms,
                                                                            rel=0.005), server_tpot

    # --- speculative decoding: a 1B draft proposing k = 5 ---
    requests, output_len = 32, 64
    out = bench(speculative, "--num-prompts", str(requests), "--random-input-len", str(input_len),
                "--random-output-len", str(output_len))
    assert block_value(out, "Successful requests:") == requests, out
    assert block_value(out, "Total generated tokens:") == requests * output_len, out
    metrics = engine_metrics(speculative)
    draft = metrics["vllm:spec_decode_num_draft_tokens_total"]
    accepted = metrics["vllm:spec_decode_num_accepted_tokens_total"]
    emitted = metrics["vllm:spec_decode_num_emitted_tokens_total"]
    k, alpha = 5, 0.7  # numSpeculativeTokens; the simulator's default acceptance rate
    steps = draft / k
    # A request's first token is its prefill's, which proposes nothing; one
    # request at a time, no decode shares a step with a prefill.
    assert emitted == requests * (output_len - 1)
    # The gauges as the docs define them.
    assert metrics["vllm:spec_decode_draft_acceptance_rate"] == pytest.approx(accepted / draft)
    assert metrics["vllm:spec_decode_efficiency"] == pytest.approx(
        emitted / (draft / k * (k + 1)))
    # Each of the k guesses is accepted with probability α; as vLLM's
    # sampler, the accepted counter counts every accepted guess, so the
    # acceptance rate, accepted ÷ draft, reads α (standard error
    # sqrt(α(1 − α) ÷ draft)). A sequence keeps the guesses up to the first
    # rejected, E = Σ_{j=1..k} α^j = 1.9412 a step (standard deviation
    # 1.819), and emits E + 1 = (1 − α^(k+1)) ÷ (1 − α) = 2.9412. The last
    # step of a request may emit past the output length, which the emitted
    # counter leaves out: at most k of its tokens per request. Tolerances:
    # four standard errors over the run's steps (≈ 690).
    assert accepted / draft == pytest.approx(alpha, abs=4 * math.sqrt(alpha * (1 - alpha) / draft))
    expected_kept = sum(alpha**j for j in range(1, k + 1))
    spread = math.sqrt(sum(j * j * alpha**j * (1 - alpha) for j in range(k)) + k * k * alpha**k
                       - expected_kept**2)
    standard_error = spread / math.sqrt(steps)
    assert emitted / steps == pytest.approx((1 - alpha**(k + 1)) / (1 - alpha),
                                            abs=4 * standard_error + requests * k / steps)

    print(f"TPOT ms (tessera bench, simulator): {client_tpot} {server_tpot}; "
          f"speculative: {block_value(out, 'Mean TPOT (ms):')} "
          f"{server_mean_tpot_ms(metrics):.3f}, ITL {block_value(out, 'Mean ITL (ms):')}; "
          f"draft {draft:.0f} accepted {accepted:.0f} emitted {emitted:.0f}")
    if SANITIZED:
        return  # sanitizer overhead distorts wall-clock timing; the figures are checked unsanitized
    # tessera bench times in wall clock, divided by --time-scale.
    for name in ("pipeline", "tensor"):
        assert client_tpot[name] == pytest.approx(server_tpot[name], rel=0.05), name
    speculative_tpot = block_value(out, "Mean TPOT (ms):")
    assert speculative_tpot == pytest.approx(server_mean_tpot_ms(metrics), rel=0.05)
    # A step's tokens reach the client as one chunk, so an inter-token gap is
    # a step and TPOT a step over the tokens it emitted: their ratio is the
    # run's emitted tokens per step.
    assert block_value(out, "Mean ITL (ms):") / speculative_tpot == pytest.approx(
        emitted / steps, rel=0.05)
