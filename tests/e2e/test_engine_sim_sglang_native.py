"""SGLang's native API on the simulator's SGLang flavor: POST /generate (text and input_ids,
streamed and not, bad input) and /get_server_info's internal state, read over plain HTTP
as SGLang's own clients read them; and /generate through sglang-router's PD path."""

import json
import urllib.request

import pytest

from test_engine_sim_disaggregation import WORKER, Router, metric, prefill_worker

FAST = ("--flavor", "sglang", "--hardware", "mi300x:cpx", "--max-model-len", "4096",
        "--time-scale", "0.05")


class Reply:
    def __init__(self, status_code, headers, content):
        self.status_code = status_code
        self.headers = headers
        self.text = content.decode()

    def json(self):
        return json.loads(self.text)


def post(url, content: bytes, timeout=30):
    request = urllib.request.Request(url, data=content, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def generate(base_url, body, timeout=30):
    return post(base_url + "/generate", json.dumps(body).encode(), timeout)


def stream_generate(base_url, body, timeout=30):
    """The data: events of a streamed /generate, parsed, and whether [DONE] ended them."""
    events, done = [], False
    request = urllib.request.Request(
        base_url + "/generate", data=json.dumps({**body, "stream": True}).encode(),
        method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for raw_line in response:
            line = raw_line.decode().strip()
            if not line:
                continue
            assert line.startswith("data: ")
            assert not done, "an event after [DONE]"
            payload = line[len("data: "):]
            if payload == "[DONE]":
                done = True
            else:
                events.append(json.loads(payload))
    return events, done


def test_generate_text_whole(engine_sim):
    engine = engine_sim(*FAST)
    reply = generate(engine.base_url, {
        "text": "The capital of France is",
        "sampling_params": {"max_new_tokens": 12, "temperature": 0, "ignore_eos": True}})
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"text", "meta_info"}
    meta = body["meta_info"]
    assert len(meta["id"]) == 32 and int(meta["id"], 16) >= 0
    assert meta["finish_reason"] == {"type": "length", "length": 12}
    # Counted as the OpenAI endpoint counts the same prompt.
    completion = post(engine.base_url + "/v1/completions", json.dumps(
        {"prompt": "The capital of France is", "max_tokens": 1}).encode()).json()
    assert meta["prompt_tokens"] == completion["usage"]["prompt_tokens"] > 0
    assert meta["completion_tokens"] == 12
    assert meta["cached_tokens"] == 0
    assert meta["e2e_latency"] > 0
    assert len(body["text"].split()) == 12


def test_generate_input_ids_streamed(engine_sim):
    engine = engine_sim(*FAST)
    events, done = stream_generate(engine.base_url, {
        "input_ids": list(range(1, 101)), "rid": "my-request",
        "sampling_params": {"max_new_tokens": 16, "ignore_eos": True}})
    assert done
    assert len(events) == 16
    for index, event in enumerate(events):
        meta = event["meta_info"]
        assert meta["id"] == "my-request"
        assert meta["prompt_tokens"] == 100
        assert meta["completion_tokens"] == index + 1
        # Each event carries the whole text so far, as SGLang's does.
        assert len(event["text"].split()) == index + 1
        if index:
            assert event["text"].startswith(events[index - 1]["text"])
        last = index == len(events) - 1
        assert (meta["finish_reason"] is None) != last
        assert ("e2e_latency" in meta) == last
    assert events[-1]["meta_info"]["finish_reason"] == {"type": "length", "length": 16}


def test_generate_batch_of_one_and_cached_tokens(engine_sim):
    engine = engine_sim(*FAST)
    prompt = "shared prefix " * 100
    first = generate(engine.base_url, {"text": [prompt], "sampling_params": {"max_new_tokens": 4}})
    assert first.status_code == 200
    assert isinstance(first.json(), list) and len(first.json()) == 1
    events, done = stream_generate(engine.base_url, {
        "text": [prompt], "sampling_params": {"max_new_tokens": 4, "ignore_eos": True}})
    assert done and all(event["index"] == 0 for event in events)
    # The second request finds the first's prompt in the prefix cache.
    assert events[-1]["meta_info"]["cached_tokens"] >= 192


def test_generate_stop_string_and_default_length(engine_sim):
    engine = engine_sim(*FAST, "--mean-output-len", "0")
    whole = generate(engine.base_url, {"text": "Hello"}).json()
    # SGLang's default max_new_tokens.
    assert whole["meta_info"]["completion_tokens"] == 128
    stop = whole["text"].split()[3]
    stopped = generate(engine.base_url, {"text": "Hello", "sampling_params": {"stop": [stop]}})
    meta = stopped.json()["meta_info"]
    assert meta["finish_reason"] == {"type": "stop", "matched": stop}
    assert stop not in stopped.json()["text"]


@pytest.mark.parametrize("body,status,needle", [
    ({"sampling_params": {"max_new_tokens": 4}}, 400,
     "Either text, input_ids or input_embeds should be provided."),
    ({"input_ids": []}, 400, "input_ids cannot be empty."),
    ({"text": "a", "sampling_params": {"temperature": -1.0}}, 400,
     "temperature must be non-negative, got -1.0."),
    ({"text": "a", "sampling_params": {"max_new_tokens": -2}}, 400,
     "max_new_tokens must be at least 0, got -2."),
    ({"text": "a", "sampling_params": {"max_new_tokens": 5000}}, 400,
     "Requested token count exceeds the model's maximum context length of 4096 tokens"),
    ({"input_ids": [7] * 4096}, 400,
     "The input (4096 tokens) is longer than the model's context length (4096 tokens)."),
    ({"text": ["a", "b"]}, 400, "a batch of 2 prompts is not supported"),
    ({"text": 5}, 422, "text"),
    ({"text": "a", "sampling_params": "hot"}, 422, "sampling_params"),
    ({"text": "a", "stream": "yes"}, 422, "stream"),
    ([1, 2], 422, "body"),
])
def test_generate_bad_input_answered_as_sglang_does(engine_sim, body, status, needle):
    engine = engine_sim(*FAST)
    reply = generate(engine.base_url, body)
    assert reply.status_code == status
    if status == 400:
        assert set(reply.json()) == {"error"}
        assert needle in reply.json()["error"]["message"]
        # Streamed, SGLang has begun its answer: the error is an event before [DONE].
        events, done = stream_generate(engine.base_url, body)
        assert done and len(events) == 1
        assert needle in events[0]["error"]["message"]
    else:
        detail = reply.json()["detail"]
        assert detail[0]["loc"][-1] == needle
    raw = post(engine.base_url + "/generate", b'{"text": ')
    assert raw.status_code == 422
    assert generate(engine.base_url, {"text": "still serving"}).status_code == 200


def test_generate_is_sglang_only(engine_sim):
    engine = engine_sim("--hardware", "mi300x:cpx", "--max-model-len", "4096")
    assert generate(engine.base_url, {"text": "a"}).status_code == 404


def test_server_info_internal_states(engine_sim):
    engine = engine_sim(*FAST)
    info = get_json(engine.base_url + "/get_server_info")
    assert info["internal_states"][0]["last_gen_throughput"] == 0
    assert "avg_spec_accept_length" not in info["internal_states"][0]
    generate(engine.base_url, {"text": "warm", "sampling_params": {"max_new_tokens": 90,
                                                                   "ignore_eos": True}})
    info = get_json(engine.base_url + "/get_server_info")
    state = info["internal_states"][0]
    # One sequence decoding: a token per step, so the throughput is one over the step time.
    assert 10 < state["last_gen_throughput"] < 1000
    # SGLang 0.4.6 spreads the same state over the top level, where its bench_serving reads it.
    assert info["last_gen_throughput"] == state["last_gen_throughput"]
    assert info["max_total_num_tokens"] > 0 and info["max_req_input_len"] == 4090
    assert get_json(engine.base_url + "/server_info")["internal_states"]


def test_generate_through_the_pd_router(engine_sim, tmp_path):
    prefill = prefill_worker(engine_sim)
    decode = engine_sim(*WORKER, "--disaggregation-mode", "decode")
    router = Router(prefill, decode, str(tmp_path / "router.log"))
    try:
        router.wait_ready()
        reply = generate(router.base_url, {
            "text": "Once upon a time " * 40,
            "sampling_params": {"max_new_tokens": 10, "ignore_eos": True}})
        assert reply.status_code == 200, reply.text
        assert reply.json()["meta_info"]["completion_tokens"] == 10
        assert reply.json()["meta_info"]["finish_reason"] == {"type": "length", "length": 10}
        events, done = stream_generate(router.base_url, {
            "input_ids": list(range(1, 201)),
            "sampling_params": {"max_new_tokens": 6, "ignore_eos": True}})
        assert done and len(events) == 6
        assert events[-1]["meta_info"]["completion_tokens"] == 6
        # The prefill worker computed both prompts and one token each; the decode
        # worker produced the rest.
        prompts = reply.json()["meta_info"]["prompt_tokens"] + 200
        assert metric(prefill, "sglang:prompt_tokens_total") == prompts
        assert metric(decode, "sglang:prompt_tokens_total") == prompts
        assert metric(prefill, "sglang:generation_tokens_total") == 2
        assert metric(decode, "sglang:generation_tokens_total") == 16
    finally:
        router.stop()


def test_generate_failed_transfer_ends_with_an_abort(engine_sim):
    decode = engine_sim(*WORKER, "--disaggregation-mode", "decode")
    body = {"text": "hi", "bootstrap_host": "127.0.0.1", "bootstrap_port": 1, "bootstrap_room": 5}
    # SGLang answers failures other than refusals as an output that ends in an abort.
    reply = generate(decode.base_url, body)
    assert reply.status_code == 200
    finish = reply.json()["meta_info"]["finish_reason"]
    assert finish["type"] == "abort" and finish["status_code"] == 500
    assert "127.0.0.1:1" in finish["message"]
    events, done = stream_generate(decode.base_url, {**body, "bootstrap_room": 6})
    assert done and events[-1]["meta_info"]["finish_reason"]["type"] == "abort"
    # Without the router's bootstrap fields a decode worker refuses, naming the field.
    events, done = stream_generate(decode.base_url, {"text": "hi"})
    assert done and "bootstrap_room" in events[0]["error"]["message"]
