"""tessera bench against tessera-engine-sim: the vLLM result block, agreement with the
server's own histograms, --expect, failures counted with reasons, datasets, sweeps."""

import json
import os
import signal
import struct
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import BIN_DIR, free_port

SANITIZED = os.environ.get("TESSERA_SANITIZE", "OFF") == "ON"
FIXTURES = os.path.join(os.path.dirname(__file__), "../fixtures")
ENGINE = ("--hardware", "mi300x:cpx", "--max-model-len", "4096")


def bench(engine_url, *flags, timeout=120):
    args = [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url", engine_url, "--no-progress",
            *flags]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def histogram_mean(engine, name):
    with urllib.request.urlopen(engine.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith(name + "_sum"):
            total += float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_count"):
            count += float(line.rsplit(" ", 1)[1])
    return total / count


def block_value(output, label):
    for line in output.splitlines():
        if line.startswith(label):
            return float(line[len(label):].split()[0])
    raise AssertionError(f"{label!r} not in:\n{output}")


def test_result_block_agrees_with_the_simulators_histograms(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "1.0")
    result_file = tmp_path / "result.json"
    run = bench(engine.base_url, "--model", "llama-3.1-8b", "--dataset-name", "random",
                "--random-input-len", "512", "--random-output-len", "48", "--num-prompts", "48",
                "--max-concurrency", "16", "--ignore-eos", "--metric-percentiles", "50,90,99",
                "--percentile-metrics", "ttft,tpot,itl,e2el", "--result-file", str(result_file))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for line in ("============ Serving Benchmark Result ============",
                 "Successful requests:                     48",
                 "Failed requests:                         0",
                 "Maximum request concurrency:             16",
                 "Total generated tokens:                  2304",
                 "---------------Time to First Token----------------",
                 "-----Time per Output Token (excl. 1st token)------",
                 "---------------Inter-token Latency----------------",
                 "----------------End-to-end Latency----------------",
                 "P90 ITL (ms):"):
        assert line in out, out

    result = json.loads(result_file.read_text())
    assert result["completed"] == 48 and result["failed"] == 0
    assert result["total_output_tokens"] == 48 * 48
    assert result["mean_ttft_ms"] == pytest.approx(block_value(out, "Mean TTFT (ms):"), abs=0.01)
    assert len(result["itls"]) == 48 and all(len(gaps) == 47 for gaps in result["itls"])
    for key in ("p50_ttft_ms", "p90_tpot_ms", "p99_itl_ms", "median_e2el_ms",
                "output_throughput", "request_throughput", "total_token_throughput"):
        assert key in result

    if SANITIZED:
        return  # sanitizer overhead distorts wall-clock timing; the figures are checked unsanitized
    server_ttft = histogram_mean(engine, "vllm:time_to_first_token_seconds") * 1000
    server_tpot = histogram_mean(engine, "vllm:request_time_per_output_token_seconds") * 1000
    client_ttft = block_value(out, "Mean TTFT (ms):")
    client_tpot = block_value(out, "Mean TPOT (ms):")
    assert client_ttft == pytest.approx(server_ttft, rel=0.05)
    assert client_tpot == pytest.approx(server_tpot, rel=0.05)


def test_requests_go_out_on_the_arrival_schedule(engine_sim, tmp_path):
    """At a fixed rate each request is sent when it is due, not when the
    schedule's last one is (which turned a rate into one burst)."""
    engine = engine_sim(*ENGINE, "--time-scale", "0.01")
    result_file = tmp_path / "result.json"
    completed = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "40",
                      "--random-input-len", "32", "--random-output-len", "4", "--ignore-eos",
                      "--request-rate", "40", "--seed", "5", "--result-file", str(result_file))
    assert completed.returncode == 0, completed.stderr
    with open(result_file) as f:
        result = json.load(f)
    starts = result["start_times"]
    # 40 requests at 40 per second: sent over about a second, in order,
    # each within a few milliseconds of being due.
    assert 0.5 < starts[-1] - starts[0] < 2.5, starts
    assert starts == sorted(starts)


def test_expect_passes_and_fails(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "0.2")
    easy = tmp_path / "easy.json"
    easy.write_text(json.dumps({"expected_results": {"auto": {
        "output_throughput_per_sec": "10", "mean_ttft_ms": "60000", "mean_tpot_ms": "5000"}}}))
    hard = tmp_path / "hard.json"
    hard.write_text(json.dumps({"expected_results": {"auto": {
        "output_throughput_per_sec": "10000000", "mean_tpot_ms": "0.001"}}}))
    workload = ("--model", "llama-3.1-8b", "--random-input-len", "64", "--random-output-len", "8",
                "--num-prompts", "8", "--ignore-eos")

    passed = bench(engine.base_url, *workload, "--expect", str(easy))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASS: every expected figure was met" in passed.stdout

    failed = bench(engine.base_url, *workload, "--expect", str(hard))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL  output_throughput_per_sec" in failed.stdout
    assert "at least 10000000.00" in failed.stdout
    assert "FAIL: the result falls short" in failed.stdout


def counter_total(engine, name):
    with urllib.request.urlopen(engine.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") or line.startswith(name + " "))


def test_warmup_request_is_sent_first_and_left_out_of_the_figures(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "0.05")
    result_file = tmp_path / "result.json"
    run = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "8",
                "--random-input-len", "64", "--random-output-len", "8", "--ignore-eos",
                "--result-file", str(result_file))
    assert run.returncode == 0, run.stderr
    assert "Warm-up: 1 request with the first prompt, excluded from the figures" in run.stderr
    # The server answered nine requests; the result counts the eight measured.
    assert counter_total(engine, "vllm:request_success_total") == 9
    assert "Successful requests:                     8" in run.stdout
    result = json.loads(result_file.read_text())
    assert result["completed"] == 8 and len(result["ttfts"]) == 8
    assert result["total_output_tokens"] == 8 * 8

    skipped = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "8",
                    "--random-input-len", "64", "--random-output-len", "8", "--ignore-eos",
                    "--warmup-requests", "0")
    assert skipped.returncode == 0, skipped.stderr
    assert "Warm-up" not in skipped.stderr
    assert counter_total(engine, "vllm:request_success_total") == 9 + 8


def test_failed_warmup_stops_the_run_before_measuring():
    run = bench(f"http://127.0.0.1:{free_port()}", "--model", "m", "--num-prompts", "5",
                "--random-input-len", "8", "--random-output-len", "4")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "tessera bench: warm-up request failed: " in run.stderr
    assert "refused" in run.stderr and "so the benchmark was not run" in run.stderr
    assert "Serving Benchmark Result" not in run.stdout

    negative = bench("http://127.0.0.1:1", "--model", "m", "--warmup-requests", "-1")
    assert negative.returncode == 2
    assert "--warmup-requests: must be 0 (no warm-up) or more" in negative.stderr


def test_dead_endpoint_counts_every_request_as_failed():
    run = bench(f"http://127.0.0.1:{free_port()}", "--model", "m", "--num-prompts", "5",
                "--random-input-len", "8", "--random-output-len", "4", "--warmup-requests", "0")
    assert run.returncode == 0, run.stderr
    assert "Successful requests:                     0" in run.stdout
    assert "Failed requests:                         5" in run.stdout
    assert "5 × " in run.stdout and "refused" in run.stdout


def test_server_errors_are_counted_with_their_reason(engine_sim):
    engine = engine_sim(*ENGINE, "--time-scale", "0.05", "--error-rate", "0.5", "--seed", "3")
    run = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "40",
                "--random-input-len", "32", "--random-output-len", "4", "--warmup-requests", "0")
    assert run.returncode == 0, run.stderr
    failed = block_value(run.stdout, "Failed requests:")
    assert 8 <= failed <= 32
    assert block_value(run.stdout, "Successful requests:") == 40 - failed
    assert "injected failure (--error-rate)" in run.stdout
    assert "500" in run.stdout


def test_stream_cut_midway_is_a_failure(engine_sim):
    engine = engine_sim(*ENGINE, "--time-scale", "1.0")
    killer = threading.Timer(1.0, lambda: engine.process.send_signal(signal.SIGKILL))
    killer.start()
    try:
        run = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "4",
                    "--random-input-len", "32", "--random-output-len", "2000", "--ignore-eos",
                    "--warmup-requests", "0")
    finally:
        killer.cancel()
    assert run.returncode == 0, run.stderr
    assert "Failed requests:                         4" in run.stdout
    assert "Failed requests by reason:" in run.stdout


def test_hung_server_times_out_as_failures(engine_sim):
    engine = engine_sim(*ENGINE, "--hang-after", "1s")
    time.sleep(1.5)  # the engine stops answering one second after it became ready
    started = time.monotonic()
    run = bench(engine.base_url, "--model", "llama-3.1-8b", "--num-prompts", "3",
                "--random-input-len", "8", "--random-output-len", "4", "--request-timeout", "2s",
                "--warmup-requests", "0")
    assert time.monotonic() - started < 30
    assert run.returncode == 0, run.stderr
    assert "Failed requests:                         3" in run.stdout
    assert "3 × POST" in run.stdout and "no complete response within total_timeout 2s" in run.stdout


def test_sharegpt_chat_run(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "0.05")
    result_file = tmp_path / "chat.json"
    run = bench(engine.base_url, "--backend", "openai-chat", "--dataset-name", "sharegpt",
                "--dataset-path", os.path.join(FIXTURES, "sharegpt/sharegpt_small.json"),
                "--num-prompts", "20", "--request-rate", "50", "--burstiness", "0.5",
                "--result-file", str(result_file))
    assert run.returncode == 0, run.stderr
    assert "Successful requests:                     20" in run.stdout
    assert "Request rate configured (RPS):           50.00" in run.stdout
    result = json.loads(result_file.read_text())
    assert result["model_id"] == "llama-3.1-8b"  # asked the server
    assert result["endpoint"] == "/v1/chat/completions"
    # The server's usage counts the chat template's tokens too.
    assert all(n > 4 for n in result["input_lens"])


def test_malformed_dataset_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"conversations": "not a list"}]')
    run = bench("http://127.0.0.1:1", "--model", "m", "--dataset-name", "sharegpt",
                "--dataset-path", str(bad))
    assert run.returncode == 2
    assert "entry 0: conversations: must be a list" in run.stderr


def test_sweep_prints_one_table_and_a_png_chart(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "0.1")
    chart = tmp_path / "sweep.png"
    run = bench(engine.base_url, "--model", "llama-3.1-8b", "--random-input-len", "128",
                "--random-output-len", "16", "--num-prompts", "16", "--ignore-eos",
                "--sweep-concurrency", "1,4,16", "--sweep-chart", str(chart))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Serving Benchmark Result") == 3
    table = run.stdout[run.stdout.index("concurrency  completed"):]
    rows = [line.split() for line in table.splitlines()[1:4]]
    assert [row[0] for row in rows] == ["1", "4", "16"]
    throughputs = [float(row[4]) for row in rows]
    assert throughputs[0] < throughputs[1] < throughputs[2]
    png = chart.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 640 and height >= 360


SGLANG_KEYS = [
    "backend", "dataset_name", "request_rate", "max_concurrency", "sharegpt_output_len",
    "random_input_len", "random_output_len", "random_range_ratio", "duration", "completed",
    "total_input_tokens", "total_output_tokens", "total_output_tokens_retokenized",
    "request_throughput", "input_throughput", "output_throughput", "mean_e2e_latency_ms",
    "median_e2e_latency_ms", "std_e2e_latency_ms", "p99_e2e_latency_ms", "mean_ttft_ms",
    "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms", "mean_tpot_ms", "median_tpot_ms",
    "std_tpot_ms", "p99_tpot_ms", "mean_itl_ms", "median_itl_ms", "std_itl_ms", "p95_itl_ms",
    "p99_itl_ms", "concurrency", "accept_length"]


def test_sglang_backend_prints_sglangs_block_and_writes_its_keys(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--flavor", "sglang", "--time-scale", "0.05")
    result_file = tmp_path / "result.json"
    easy = tmp_path / "easy.json"
    easy.write_text(json.dumps({"expected_results": {"auto": {
        "output_throughput_per_sec": "1", "mean_ttft_ms": "600000"}}}))
    run = bench(engine.base_url, "--backend", "sglang", "--model", "llama-3.1-8b",
                "--num-prompts", "40", "--random-input-len", "64", "--random-output-len", "16",
                "--random-range-ratio", "0.5", "--ignore-eos", "--max-concurrency", "8",
                "--result-file", str(result_file), "--expect", str(easy))
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    for line in ("============ Serving Benchmark Result ============",
                 "Backend:                                 sglang",
                 "Traffic request rate:                    inf",
                 "Max reqeuest concurrency:                8",
                 "Successful requests:                     40",
                 "Input token throughput (tok/s):",
                 "Concurrency:",
                 "----------------End-to-End Latency----------------",
                 "Mean E2E Latency (ms):",
                 "---------------Inter-Token Latency----------------",
                 "P95 ITL (ms):", "Max ITL (ms):"):
        assert line in out, out
    assert "Failed requests:" not in out and "Peak output" not in out
    assert "PASS: every expected figure was met" in out

    result = json.loads(result_file.read_text())
    assert list(result)[:len(SGLANG_KEYS)] == SGLANG_KEYS
    assert result["backend"] == "sglang" and result["completed"] == 40
    assert result["random_range_ratio"] == 0.5
    assert result["accept_length"] is None  # the simulator does not speculate
    assert result["mean_e2e_latency_ms"] == pytest.approx(
        block_value(out, "Mean E2E Latency (ms):"), abs=0.01)
    assert result["concurrency"] == pytest.approx(block_value(out, "Concurrency:"), abs=0.01)
    # SGLang's range: lengths from [len * r, len], not vLLM's [len(1 - r), len(1 + r)].
    assert all(16 <= n <= 64 for n in result["input_lens"]), result["input_lens"]
    assert all(8 <= n <= 16 for n in result["output_lens"]), result["output_lens"]
    assert min(result["output_lens"]) < 12


def test_sglang_backends_speak_generate_and_openai_and_ignore_eos_as_sglangs_client(
        engine_sim, tmp_path):
    # A model that stops after 2 tokens on average unless told to ignore EOS.
    engine = engine_sim(*ENGINE, "--time-scale", "0.05", "--mean-output-len", "2")
    result_file = tmp_path / "result.json"
    common = ("--model", "llama-3.1-8b", "--num-prompts", "12", "--random-input-len", "32",
              "--random-output-len", "24", "--random-range-ratio", "1", "--warmup-requests", "0",
              "--result-file", str(result_file))
    # sglang sends SGLang's native /generate, which a vLLM server does not have.
    run = bench(engine.base_url, "--backend", "sglang", *common)
    assert run.returncode == 0, run.stderr
    result = json.loads(result_file.read_text())
    assert result["completed"] == 0 and result["failed"] == 12
    assert all("404" in error for error in result["errors"]), result["errors"]
    # sglang-oai sends OpenAI completions, asking for the whole length by default.
    run = bench(engine.base_url, "--backend", "sglang-oai", *common)
    assert run.returncode == 0, run.stderr
    result = json.loads(result_file.read_text())
    assert result["backend"] == "sglang-oai" and result["completed"] == 12
    assert result["output_lens"] == [24] * 12
    run = bench(engine.base_url, "--backend", "sglang-oai", "--disable-ignore-eos", *common)
    assert run.returncode == 0, run.stderr
    assert min(json.loads(result_file.read_text())["output_lens"]) < 24
    # vLLM's backends keep vLLM's default.
    run = bench(engine.base_url, "--backend", "vllm", *common)
    assert min(json.loads(result_file.read_text())["output_lens"]) < 24
    run = bench(engine.base_url, "--backend", "sglang", "--endpoint", "/v1/completions", *common)
    assert run.returncode == 2
    assert "--endpoint: /v1/completions does not go with --backend sglang" in run.stderr


def test_vllm_backend_writes_the_older_goodput_spelling_too(engine_sim, tmp_path):
    engine = engine_sim(*ENGINE, "--time-scale", "0.05")
    result_file = tmp_path / "result.json"
    run = bench(engine.base_url, "--backend", "vllm", "--model", "llama-3.1-8b",
                "--num-prompts", "8", "--random-input-len", "32", "--random-output-len", "4",
                "--goodput", "ttft:600000", "--result-file", str(result_file))
    assert run.returncode == 0, run.stderr
    result = json.loads(result_file.read_text())
    assert result["request_goodput"] == result["request_goodput:"] > 0
    assert "Request goodput (req/s):" in run.stdout
