"""Prefill/decode disaggregation: a simulated SGLang PD pair behind the real sglang-router,
and vLLM's two-step protocol (NixlConnector) driven as vLLM's toy proxy drives it."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import openai
import pytest

from conftest import free_port, http_status, stop_process

# SGLang workers; a tenth of real time keeps transfers and steps measurable.
WORKER = ("--flavor", "sglang", "--hardware", "mi300x:cpx", "--max-model-len", "8192",
          "--time-scale", "0.1")
# llama-3.1-8b at TP 1 with a bf16 cache: 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes.
KV_BYTES_PER_TOKEN = 131072


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def post_json(url, body, timeout=30):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def metric(engine, name):
    with urllib.request.urlopen(engine.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def prefill_worker(engine_sim, *flags):
    bootstrap_port = free_port()
    engine = engine_sim(*WORKER, "--disaggregation-mode", "prefill",
                        "--disaggregation-bootstrap-port", str(bootstrap_port), *flags)
    engine.bootstrap_url = f"http://127.0.0.1:{bootstrap_port}"
    engine.bootstrap_port = bootstrap_port
    return engine


class Router:
    """python -m sglang_router.launch_router --pd-disaggregation, as users start it."""

    def __init__(self, prefill, decode, log_path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sglang_router.launch_router", "--pd-disaggregation",
             "--prefill", prefill.base_url, str(prefill.bootstrap_port),
             "--decode", decode.base_url,
             "--policy", "round_robin",
             "--host", "127.0.0.1", "--port", str(self.port),
             "--prometheus-port", str(free_port()),
             "--worker-startup-check-interval", "1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = log_path

    def wait_ready(self, deadline_seconds=60):
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if http_status(self.base_url + "/readiness") == 200:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("router never became ready:\n" + open(self.log_path).read())

    def stop(self):
        stop_process(self.process)
        self.log.close()


@pytest.fixture
def pd_deployment(engine_sim, tmp_path):
    prefill = prefill_worker(engine_sim)
    decode = engine_sim(*WORKER, "--disaggregation-mode", "decode")
    router = Router(prefill, decode, str(tmp_path / "router.log"))
    try:
        router.wait_ready()
        yield prefill, decode, router
    finally:
        router.stop()


def test_openai_client_through_the_pd_router(pd_deployment):
    prefill, decode, router = pd_deployment
    client = openai.OpenAI(base_url=router.base_url + "/v1", api_key="unused", max_retries=0)

    reply = client.chat.completions.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Say hello"}], max_tokens=12)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 12
    assert len(reply.choices[0].message.content.split()) == 12

    stream = client.completions.create(model="llama-3.1-8b", prompt="Once upon a time " * 40,
                                       max_tokens=20, stream=True, extra_body={"ignore_eos": True})
    pieces = [chunk.choices[0].text for chunk in stream if chunk.choices]
    assert len("".join(pieces).split()) == 20

    stream = client.chat.completions.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Count to ten"}],
        max_tokens=8, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[-1].usage.completion_tokens == 8

    # The prefill worker computed every prompt and one token each; the decode
    # worker produced the rest without computing any prompt.
    assert metric(prefill, "sglang:prompt_tokens_total") > 160
    assert metric(prefill, "sglang:prompt_tokens_total") == metric(decode, "sglang:prompt_tokens_total")
    assert metric(prefill, "sglang:generation_tokens_total") == 3
    assert metric(decode, "sglang:generation_tokens_total") == 12 + 20 + 8


def test_concurrent_requests_through_the_pd_router(pd_deployment):
    _, _, router = pd_deployment
    client = openai.OpenAI(base_url=router.base_url + "/v1", api_key="unused", max_retries=0)
    results = []

    def one(index):
        reply = client.completions.create(model="llama-3.1-8b", prompt=f"request {index} " * 50,
                                          max_tokens=16, extra_body={"ignore_eos": True})
        results.append(reply.usage.completion_tokens)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [16] * 24


def test_transfer_takes_kv_bytes_over_the_link_bandwidth(engine_sim):
    prefill = prefill_worker(engine_sim, "--disaggregation-transfer-bandwidth", "10GB/s")
    assert http_status(prefill.bootstrap_url + "/health") == 200
    assert get_json(prefill.bootstrap_url +
                    "/route?engine_rank=-1&target_dp_group=-1&target_pp_rank=-1")[1] == {
        "prefill_attn_tp_size": 1, "prefill_dp_size": 1, "prefill_pp_size": 1}

    prompt = "word " * 3000
    body = {"model": "llama-3.1-8b", "prompt": prompt, "max_tokens": 50,
            "bootstrap_host": "127.0.0.1", "bootstrap_port": prefill.bootstrap_port,
            "bootstrap_room": 2**63 - 5}
    answer = {}
    worker = threading.Thread(target=lambda: answer.update(
        zip(("status", "body"), post_json(prefill.base_url + "/v1/completions", body))))
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive(), "the prefill worker answered before the KV left"

    # The decode end of the link is slower: 4 GB/s wins.
    status, handoff = get_json(prefill.bootstrap_url + f"/tessera/kv/{2**63 - 5}?bandwidth=4000000000")
    worker.join(timeout=10)
    assert status == 200
    assert handoff["prompt_tokens"] == answer["body"]["usage"]["prompt_tokens"]
    assert handoff["kv_bytes"] == handoff["prompt_tokens"] * KV_BYTES_PER_TOKEN
    assert handoff["transfer_seconds"] == pytest.approx(handoff["kv_bytes"] / 4e9, rel=0.05)
    assert answer["status"] == 200
    assert answer["body"]["usage"]["completion_tokens"] == 1
    assert answer["body"]["choices"][0]["text"].strip() == handoff["first_token"].strip()


def test_unpaired_prefill_times_out_with_a_clear_error(engine_sim):
    prefill = prefill_worker(engine_sim, "--disaggregation-timeout", "3s")
    status, body = post_json(prefill.base_url + "/v1/completions", {
        "model": "llama-3.1-8b", "prompt": "hello", "max_tokens": 4,
        "bootstrap_host": "127.0.0.1", "bootstrap_port": prefill.bootstrap_port,
        "bootstrap_room": 11})
    assert status == 500
    assert "no decode worker asked for the KV of bootstrap_room 11 within 3s" in \
        body["error"]["message"]


def test_decode_without_reachable_prefill_fails_the_request(engine_sim):
    decode = engine_sim(*WORKER, "--disaggregation-mode", "decode")
    dead_port = free_port()
    status, body = post_json(decode.base_url + "/v1/completions", {
        "model": "llama-3.1-8b", "prompt": "hello", "max_tokens": 4,
        "bootstrap_host": "127.0.0.1", "bootstrap_port": dead_port, "bootstrap_room": 3})
    assert status == 500
    assert f"127.0.0.1:{dead_port}" in body["error"]["message"]

    status, body = post_json(decode.base_url + "/v1/completions",
                             {"model": "llama-3.1-8b", "prompt": "hello", "max_tokens": 4})
    assert status == 400
    assert body["error"]["param"] == "bootstrap_room"
    # The engine survives both.
    assert http_status(decode.base_url + "/health") == 200


# vLLM's two-step protocol (NixlConnector), driven by hand as vLLM's
# toy_proxy_server.py drives it: the prefill request, then the decode request
# with the kv_transfer_params the prefill worker answered.

VLLM_WORKER = ("--flavor", "vllm", "--hardware", "mi300x:cpx", "--max-model-len", "8192")
NIXL = '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'
TOY_PROXY_PREFILL_PARAMS = {"do_remote_decode": True, "do_remote_prefill": False,
                            "remote_engine_id": None, "remote_block_ids": None,
                            "remote_host": None, "remote_port": None}


def nixl_worker(engine_sim, *flags, time_scale=0.1):
    side_channel_port = free_port()
    engine = engine_sim(*VLLM_WORKER, "--time-scale", str(time_scale), "--kv-transfer-config", NIXL,
                        "--kv-side-channel-port", str(side_channel_port), *flags)
    engine.side_channel_port = side_channel_port
    return engine


def prefill_step(worker, path, body):
    """What vLLM's toy proxy sends the prefill worker: one token, not streamed."""
    request = dict(body, kv_transfer_params=TOY_PROXY_PREFILL_PARAMS, stream=False, max_tokens=1)
    if "max_completion_tokens" in request:
        request["max_completion_tokens"] = 1
    request.pop("stream_options", None)
    return post_json(worker.base_url + path, request)


def test_two_step_protocol_with_the_openai_client(engine_sim):
    prefill = nixl_worker(engine_sim)
    decode = nixl_worker(engine_sim)
    body = {"model": "llama-3.1-8b", "prompt": "word " * 3000, "max_tokens": 20,
            "ignore_eos": True}
    status, answer = prefill_step(prefill, "/v1/completions", body)
    assert status == 200, answer
    assert answer["usage"]["completion_tokens"] == 1
    prompt_tokens = answer["usage"]["prompt_tokens"]
    params = answer["kv_transfer_params"]
    assert params["do_remote_prefill"] is True and params["do_remote_decode"] is False
    assert len(params["remote_block_ids"]) == -(-prompt_tokens // 16)
    assert params["remote_engine_id"] and params["remote_request_id"] == answer["id"]
    assert (params["remote_host"], params["remote_port"]) == ("127.0.0.1",
                                                              prefill.side_channel_port)
    assert params["tp_size"] == 1
    # The blocks wait, allocated, for the decode worker.
    assert metric(prefill, "vllm:kv_cache_usage_perc") > 0

    client = openai.OpenAI(base_url=decode.base_url + "/v1", api_key="unused", max_retries=0)
    stream = client.completions.create(model="llama-3.1-8b", prompt=body["prompt"], max_tokens=20,
                                       stream=True, extra_body={"ignore_eos": True,
                                                                "kv_transfer_params": params})
    pieces = [chunk.choices[0].text for chunk in stream if chunk.choices]
    assert len("".join(pieces).split()) == 20

    # Read once, then freed on the prefill worker.
    assert metric(prefill, "vllm:kv_cache_usage_perc") == 0
    assert metric(decode, "vllm:nixl_bytes_transferred_count") == 1
    assert metric(decode, "vllm:nixl_bytes_transferred_sum") == prompt_tokens * KV_BYTES_PER_TOKEN
    # The decode worker computed the last prompt token, as vLLM's does to
    # sample, and then 19 more tokens: none of the prompt before it.
    assert metric(decode, "vllm:iteration_tokens_total_sum") == 20

    # Chat goes the same way, with max_completion_tokens.
    chat = {"model": "llama-3.1-8b", "messages": [{"role": "user", "content": "Count to ten"}],
            "max_completion_tokens": 8, "stream": True, "stream_options": {"include_usage": True}}
    status, answer = prefill_step(prefill, "/v1/chat/completions", chat)
    assert status == 200, answer
    stream = client.chat.completions.create(
        model="llama-3.1-8b", messages=chat["messages"], max_completion_tokens=8, stream=True,
        stream_options={"include_usage": True},
        extra_body={"kv_transfer_params": answer["kv_transfer_params"]})
    assert list(stream)[-1].usage.completion_tokens == 8
    assert metric(prefill, "vllm:kv_cache_usage_perc") == 0


def test_transfer_time_and_decode_ttft_follow_the_model(engine_sim):
    # In real time: the few milliseconds of the HTTP hops would count ten
    # times over at --time-scale 0.1 and blur a TTFT of a tenth of a second.
    # The decode end of the link is the slower one: 4 GB/s wins.
    prefill = nixl_worker(engine_sim, "--disaggregation-transfer-bandwidth", "10GB/s",
                          time_scale=1.0)
    decode = nixl_worker(engine_sim, "--disaggregation-transfer-bandwidth", "4GB/s",
                         time_scale=1.0)
    body = {"model": "llama-3.1-8b", "prompt": "word " * 3000, "max_tokens": 4,
            "ignore_eos": True}
    status, answer = prefill_step(prefill, "/v1/completions", body)
    assert status == 200, answer
    kv_bytes = answer["usage"]["prompt_tokens"] * KV_BYTES_PER_TOKEN
    prompt_compute = metric(prefill, "vllm:time_to_first_token_seconds_sum")

    started = time.monotonic()
    status, reply = post_json(decode.base_url + "/v1/completions",
                              dict(body, kv_transfer_params=answer["kv_transfer_params"]))
    wall = time.monotonic() - started
    assert status == 200, reply
    assert reply["usage"]["completion_tokens"] == 4
    transfer = metric(decode, "vllm:nixl_xfer_time_seconds_sum")
    assert transfer == pytest.approx(kv_bytes / 4e9, rel=0.05)
    assert wall >= transfer
    # Time to first token on the decode worker: the transfer and one step
    # for the last prompt token, not the prompt's compute.
    ttft = metric(decode, "vllm:time_to_first_token_seconds_sum")
    assert transfer <= ttft < transfer + 0.25 * prompt_compute
    assert prompt_compute > 3 * (ttft - transfer)


def test_unknown_expired_and_unreachable_blocks_fail_quickly(engine_sim):
    prefill = nixl_worker(engine_sim, "--kv-abort-request-timeout", "2s")
    decode = nixl_worker(engine_sim)
    body = {"model": "llama-3.1-8b", "prompt": "hello " * 100, "max_tokens": 4}
    status, answer = prefill_step(prefill, "/v1/completions", body)
    assert status == 200, answer
    params = answer["kv_transfer_params"]
    time.sleep(0.6)  # 6 simulated seconds: past the 2 s the blocks are held
    assert metric(prefill, "vllm:nixl_num_kv_expired_reqs_total") == 1
    assert metric(prefill, "vllm:kv_cache_usage_perc") == 0

    def decode_with(kv_transfer_params):
        started = time.monotonic()
        status, reply = post_json(decode.base_url + "/v1/completions",
                                  dict(body, kv_transfer_params=kv_transfer_params), timeout=10)
        assert time.monotonic() - started < 2
        return status, reply["error"]

    status, error = decode_with(params)
    assert status == 500
    assert f"side channel 127.0.0.1:{prefill.side_channel_port}" in error["message"]
    assert "expired unread after 2s (VLLM_NIXL_ABORT_REQUEST_TIMEOUT)" in error["message"]

    status, error = decode_with(dict(params, remote_request_id="cmpl-404"))
    assert status == 500
    assert "no KV blocks are held for request cmpl-404" in error["message"]

    dead_port = free_port()
    status, error = decode_with(dict(params, remote_port=dead_port))
    assert status == 500
    assert f"127.0.0.1:{dead_port}" in error["message"]

    # A stream has sent its head already: the error is its last event.
    client = openai.OpenAI(base_url=decode.base_url + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.APIError, match="no KV blocks are held"):
        list(client.completions.create(model="llama-3.1-8b", prompt=body["prompt"], max_tokens=4,
                                       stream=True, extra_body={"kv_transfer_params": params}))

    status, error = decode_with(dict(params, remote_block_ids="7"))
    assert status == 400
    assert error["param"] == "kv_transfer_params.remote_block_ids"
    assert metric(decode, "vllm:nixl_num_failed_transfers_total") == 4
    assert http_status(decode.base_url + "/health") == 200


def test_decode_client_that_leaves_frees_the_prefill_blocks(engine_sim):
    # 393 MB over 10 MB/s: 39 simulated seconds, 3.9 s of wall time, so the
    # client surely leaves mid-transfer.
    prefill = nixl_worker(engine_sim, "--disaggregation-transfer-bandwidth", "10MB/s")
    decode = nixl_worker(engine_sim)
    body = {"model": "llama-3.1-8b", "prompt": "word " * 3000, "max_tokens": 50}
    status, answer = prefill_step(prefill, "/v1/completions", body)
    assert status == 200, answer

    connection = http.client.HTTPConnection("127.0.0.1", decode.port, timeout=5)
    connection.request("POST", "/v1/completions", json.dumps(
        dict(body, stream=True, kv_transfer_params=answer["kv_transfer_params"])),
        {"Content-Type": "application/json"})
    assert connection.getresponse().status == 200  # the stream's head, sent at once
    connection.close()

    deadline = time.monotonic() + 2
    while metric(prefill, "vllm:kv_cache_usage_perc") > 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert metric(prefill, "vllm:kv_cache_usage_perc") == 0
    assert metric(decode, "vllm:num_requests_running") == 0
    assert metric(decode, "vllm:kv_cache_usage_perc") == 0
    status, reply = post_json(decode.base_url + "/v1/completions",
                              dict(body, kv_transfer_params=answer["kv_transfer_params"]))
    assert status == 500
    assert "has read them (or gave up reading) already" in reply["error"]["message"]
