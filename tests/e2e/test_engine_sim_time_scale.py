"""--time-scale changes only the wall clock: scaled back, the figures match."""

import os
import re
import urllib.request

import openai
import pytest

SANITIZED = os.environ.get("TESSERA_SANITIZE", "OFF") == "ON"

# (prompt words, output tokens): prefill and decode of different sizes.
REQUESTS = [(40, 24), (400, 8), (1200, 16), (5, 32)]


def run_requests(engine, chunk_per_token=True):
    """Streams each request to its end before sending the next, and returns
    the engine's own mean TTFT, ITL and end-to-end latency.

    One request at a time, so that no figure depends on when the client's
    requests happen to reach the engine: a concurrent wave is batched by
    arrival, and on a busy machine a millisecond of client jitter is ten
    simulated milliseconds at --time-scale 0.1."""
    api = openai.OpenAI(base_url=engine.base_url + "/v1", api_key="unused", max_retries=0)
    for index, (words, output_tokens) in enumerate(REQUESTS):
        stream = api.completions.create(model="llama-3.1-8b", prompt=f"request {index} " + "word " * words,
                                        max_tokens=output_tokens, stream=True,
                                        extra_body={"ignore_eos": True})
        texts = [chunk.choices[0].text for chunk in stream if chunk.choices]
        # Each output token is a word; a chunk carries one token, or several
        # sampled together (a speculative step, a multi-step run's burst).
        assert len("".join(texts).split()) == output_tokens
        if chunk_per_token:
            assert len(texts) == output_tokens
        else:
            assert len(texts) < output_tokens
    with urllib.request.urlopen(engine.base_url + "/metrics", timeout=5) as response:
        metrics = response.read().decode()

    def mean(name):
        total = float(re.search(rf"^{name}_sum{{[^}}]*}} (\S+)", metrics, re.M).group(1))
        count = float(re.search(rf"^{name}_count{{[^}}]*}} (\S+)", metrics, re.M).group(1))
        return total / count

    return {"ttft": mean("vllm:time_to_first_token_seconds"),
            "itl": mean("vllm:inter_token_latency_seconds"),
            "e2e": mean("vllm:e2e_request_latency_seconds")}


@pytest.mark.skipif(SANITIZED, reason="sanitizer overhead distorts wall-clock timing")
@pytest.mark.parametrize("engine_flags", [
    (),
    # vLLM V0 multi-step: runs of steps, tokens streamed each step or held
    # to the run's end.
    ("--num-scheduler-steps", "8"),
    ("--num-scheduler-steps", "8", "--multi-step-stream-outputs", "false"),
    # Speculative decoding with a draft model.
    ("--speculative-model", "llama-3.1-8b", "--num-speculative-tokens", "3"),
    # Pipeline parallelism: vLLM V0's virtual engines, batches in flight
    # through the stages.
    ("--pipeline-parallel-size", "4"),
], ids=["single-step", "multi-step", "multi-step-bursts", "speculative", "pipeline-parallel"])
def test_time_scale_preserves_simulated_figures(engine_sim, engine_flags):
    flags = ("--hardware", "mi300x:cpx", "--max-model-len", "4096", "--no-enable-prefix-caching",
             *engine_flags)
    chunk_per_token = "false" not in engine_flags and "--speculative-model" not in engine_flags
    real_time = run_requests(engine_sim(*flags, "--time-scale", "1.0"), chunk_per_token)
    fast = run_requests(engine_sim(*flags, "--time-scale", "0.1"), chunk_per_token)
    print("time-scale 1.0:", real_time, "\ntime-scale 0.1:", fast)
    # Every stamp is on the simulated timeline, so only float rounding differs.
    for figure, value in real_time.items():
        assert fast[figure] == pytest.approx(value, rel=1e-9), (figure, real_time, fast)
