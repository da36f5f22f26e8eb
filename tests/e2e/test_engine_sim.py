"""tessera-engine-sim against the official OpenAI client, promtool and bad input."""

import json
import shutil
import subprocess
import time
import urllib.request

import openai
import pytest

from conftest import http_status

FAST = ("--hardware", "mi300x:cpx", "--max-model-len", "4096", "--time-scale", "0.05")


def client(engine):
    return openai.OpenAI(base_url=engine.base_url + "/v1", api_key="unused", max_retries=0)


def post(engine, path, body: bytes, content_type="application/json"):
    request = urllib.request.Request(engine.base_url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_chat_completion(engine_sim):
    engine = engine_sim(*FAST)
    reply = client(engine).chat.completions.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Say hello"}], max_tokens=12)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 12
    assert reply.usage.prompt_tokens > 2
    assert len(reply.choices[0].message.content.split()) == 12


def test_streaming_chat_with_usage(engine_sim):
    engine = engine_sim(*FAST)
    stream = client(engine).chat.completions.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Count"}], max_tokens=20,
        stream=True, stream_options={"include_usage": True})
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
    assert finish == "length"
    assert len(pieces) == 20
    assert usage.completion_tokens == 20


def test_completion_and_streaming_completion(engine_sim):
    engine = engine_sim(*FAST)
    api = client(engine)
    reply = api.completions.create(model="llama-3.1-8b", prompt="The capital of France is",
                                   max_tokens=5)
    # The stand-in tokenizer: "The", " capi", "tal", " of", " Fran", "ce", " is".
    assert reply.usage.prompt_tokens == 7
    assert reply.usage.completion_tokens == 5
    texts = [chunk.choices[0].text for chunk in
             api.completions.create(model="llama-3.1-8b", prompt="x", max_tokens=7, stream=True)
             if chunk.choices]
    assert len(texts) == 7


def test_stop_string_ends_output(engine_sim):
    engine = engine_sim(*FAST, "--seed", "3")
    api = client(engine)
    text = api.completions.create(model="llama-3.1-8b", prompt="x", max_tokens=40).choices[0].text
    stop = text.split()[5]
    engine2 = engine_sim(*FAST, "--seed", "3")
    reply = client(engine2).completions.create(model="llama-3.1-8b", prompt="x", max_tokens=40,
                                               stop=[" " + stop])
    assert reply.choices[0].finish_reason == "stop"
    assert (" " + stop) not in reply.choices[0].text
    assert text.startswith(reply.choices[0].text)


def test_models_lists_served_names(engine_sim):
    engine = engine_sim(*FAST, "--served-model-name", "tiny", "alias")
    models = [model.id for model in client(engine).models.list()]
    assert models == ["tiny", "alias"]


def test_unknown_model_is_404(engine_sim):
    engine = engine_sim(*FAST)
    with pytest.raises(openai.NotFoundError) as error:
        client(engine).completions.create(model="gpt-9", prompt="x", max_tokens=1)
    assert "gpt-9" in str(error.value)


@pytest.mark.parametrize("body,param", [
    (b'{"model": "llama-3.1-8b", "prompt": ', "body"),
    (b'[1, 2]', "body"),
    (b'{"model": "llama-3.1-8b", "prompt": 7}', "prompt"),
    (b'{"model": "llama-3.1-8b", "prompt": "x", "max_tokens": "many"}', "max_tokens"),
    (b'{"model": "llama-3.1-8b", "prompt": "x", "max_tokens": 100000}', "max_tokens"),
    (b'{"model": "llama-3.1-8b", "prompt": "x", "stream": "yes"}', "stream"),
    (b'{"model": "llama-3.1-8b", "prompt": "x", "temperature": -1}', "temperature"),
])
def test_bad_requests_get_openai_errors(engine_sim, body, param):
    engine = engine_sim(*FAST)
    status, payload = post(engine, "/v1/completions", body)
    assert status == 400
    error = json.loads(payload)["error"]
    assert error["code"] == 400
    assert error["param"] == param
    assert error["message"]


def test_oversize_body_is_413_and_engine_survives(engine_sim):
    engine = engine_sim(*FAST)
    status, _ = post(engine, "/v1/completions", b'{"prompt":"' + b"a" * (17 << 20) + b'"}')
    assert status == 413
    assert http_status(engine.base_url + "/health") == 200


def test_unknown_route_and_method(engine_sim):
    engine = engine_sim(*FAST)
    assert http_status(engine.base_url + "/v2/nothing") == 404
    assert http_status(engine.base_url + "/v1/completions") == 405


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_promtool_accepts_metrics(engine_sim):
    for flavor in ("vllm", "sglang"):
        engine = engine_sim(*FAST, "--flavor", flavor)
        client(engine).completions.create(model="llama-3.1-8b", prompt="hello world", max_tokens=4)
        with urllib.request.urlopen(engine.base_url + "/metrics", timeout=5) as response:
            text = response.read()
        assert (b"vllm:time_to_first_token_seconds_count" in text) == (flavor == "vllm")
        assert (b"sglang:num_running_reqs" in text) == (flavor == "sglang")
        check = subprocess.run(["promtool", "check", "metrics"], input=text.decode(), capture_output=True,
                               text=True)
        # Exit 1 is a parse error; 3 lists lint findings. The engines' own names
        # contain ':' and vLLM names a histogram vllm:iteration_tokens_total, so
        # those two findings are the engines' and expected; any other is ours.
        assert check.returncode in (0, 3), check.stderr
        for finding in check.stderr.splitlines():
            assert (finding.endswith("metric names should not contain ':'")
                    or finding == 'vllm:iteration_tokens_total non-counter metrics should not '
                                  'have "_total" suffix'), finding


def test_vllm_refuses_connections_until_loaded(engine_sim):
    engine = engine_sim(*FAST, "--load-time", "20s", wait_ready=False)  # 1 s of wall time
    time.sleep(0.3)
    assert http_status(engine.base_url + "/health") is None
    engine.wait_for_status(200)


def test_sglang_answers_503_while_loading(engine_sim):
    engine = engine_sim(*FAST, "--flavor", "sglang", "--load-time", "20s", wait_ready=False)
    engine.wait_for_status(503)
    assert http_status(engine.base_url + "/health_generate") == 503
    engine.wait_for_status(200)
    assert http_status(engine.base_url + "/health_generate") == 200


def test_fail_after_kills_the_engine(engine_sim):
    engine = engine_sim(*FAST, "--fail-after", "10s")  # half a second of wall time
    deadline = time.monotonic() + 10
    while engine.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.process.returncode == 1


def test_error_rate_one_fails_every_request(engine_sim):
    engine = engine_sim(*FAST, "--error-rate", "1")
    with pytest.raises(openai.InternalServerError):
        client(engine).completions.create(model="llama-3.1-8b", prompt="x", max_tokens=1)


def test_bad_flags_exit_2_naming_the_flag(engine_sim):
    import os
    from conftest import BIN_DIR
    for flags, text in [(["--model", "nope"], "--model"),
                        (["--model", "llama-3.1-8b", "--hardware", "mi250"], "--hardware"),
                        (["--model", "llama-3.1-8b", "--time-scale", "-1"], "--time-scale"),
                        (["--model", "llama-3.1-8b", "--load-time", "5 parsecs"], "--load-time")]:
        result = subprocess.run([os.path.join(BIN_DIR, "tessera-engine-sim"), *flags],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 2, result.stderr
        assert text in result.stderr


def test_model_that_does_not_fit_exits_with_the_arithmetic():
    import os
    from conftest import BIN_DIR
    result = subprocess.run([os.path.join(BIN_DIR, "tessera-engine-sim"), "--model", "llama-3.1-70b",
                             "--hardware", "mi300x:cpx"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert "exceed" in result.stderr


def test_engine_flags_are_modelled_noted_warned_or_refused(engine_sim):
    import os
    from conftest import BIN_DIR
    # A flag neither vLLM nor SGLang has stops start-up, named.
    result = subprocess.run([os.path.join(BIN_DIR, "tessera-engine-sim"), "--model",
                             "llama-3.1-8b", *FAST, "--pipeline-paralel-size", "4"],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 2, result.stderr
    assert "--pipeline-paralel-size: not a flag of vLLM or SGLang" in result.stderr
    # A real engine command line runs: what is not simulated is named in a
    # warning, what does not change timing in a note, and the rest is modelled.
    engine = engine_sim(*FAST, "--pipeline-parallel-size", "4", "--trust-remote-code",
                        "--disable-log-requests", "--swap-space", "16", "--enforce-eager",
                        "--quantization", "fp8", "--num-scheduler-steps", "4")
    answer = client(engine).completions.create(model="llama-3.1-8b", prompt="hello",
                                               max_tokens=8)
    assert answer.usage.completion_tokens == 8
    engine.stop()
    output = engine.output()
    # Pipeline parallelism is modelled (vLLM V0's virtual engines): no warning.
    assert 'flag="--pipeline-parallel-size' not in output
    assert 'msg="accepted but not simulated" flag=--enforce-eager' in output
    assert "--trust-remote-code --disable-log-requests --swap-space 16" in output
    assert "--quantization" not in output
