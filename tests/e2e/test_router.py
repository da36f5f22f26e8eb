"""tessera-router in front of simulated workers: the official openai client through it,
prefill/decode hand-off, cache-aware routing, failures, membership and bad input."""

import os
import signal
import subprocess
import threading
import time

import openai
import pytest

from conftest import BIN_DIR, free_port
from router_fixture import RouterProcess, metric_total, request_json

SANITIZED = os.environ.get("TESSERA_SANITIZE", "OFF") != "OFF"
MODEL = "llama-3.1-8b"
# A tenth of real time keeps steps and transfers measurable and the suite quick.
WORKER = ("--hardware", "mi300x:cpx", "--max-model-len", "8192", "--time-scale", "0.1")
SGLANG = ("--flavor", "sglang", *WORKER)
TOKEN = "router-admin-token-0123456789"


@pytest.fixture
def routers(tmp_path):
    started = []

    def start(*flags, **kwargs):
        router = RouterProcess(*flags, model=MODEL,
                               log_path=str(tmp_path / f"router-{len(started)}.log"), **kwargs)
        started.append(router)
        return router

    yield start
    for router in started:
        router.stop()


def client(router, **kwargs):
    return openai.OpenAI(base_url=router.base_url + "/v1", api_key=kwargs.pop("api_key", "none"),
                         max_retries=0, **kwargs)


def stream_chat(router, content, max_tokens=8, **kwargs):
    chunks = client(router).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": content}], max_tokens=max_tokens,
        stream=True, extra_body={"ignore_eos": True}, **kwargs)
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def prefill_worker(engine_sim, *flags):
    bootstrap_port = free_port()
    engine = engine_sim(*SGLANG, "--disaggregation-mode", "prefill",
                        "--disaggregation-bootstrap-port", str(bootstrap_port), *flags)
    engine.bootstrap_port = bootstrap_port
    return engine


def pd_members(prefills, decodes):
    return ([{"url": p.base_url, "role": "prefill", "bootstrapPort": p.bootstrap_port}
             for p in prefills] + [{"url": d.base_url, "role": "decode"} for d in decodes])


def worker_requests(engine):
    return metric_total(engine.base_url, "vllm:request_success_total") + metric_total(
        engine.base_url, "sglang:num_requests_total")


def test_openai_client_streams_a_chat_completion_through_the_router(engine_sim, routers):
    workers = [engine_sim(*WORKER) for _ in range(2)]
    router = routers(*[flag for w in workers for flag in ("--worker", w.base_url)])
    router.wait_ready()
    assert [model.id for model in client(router).models.list()] == [MODEL]
    text = stream_chat(router, "Hello there", max_tokens=12)
    assert len(text.split()) == 12
    completion = client(router).completions.create(model=MODEL, prompt="Once upon a time",
                                                   max_tokens=5)
    assert completion.usage.completion_tokens == 5
    assert router.metric("tessera_router_client_requests_total", code="200") == 2
    assert router.metric("tessera_router_added_latency_seconds_count") == 2
    # The clients' time to first token, streamed and not, by endpoint.
    for endpoint in ("/v1/chat/completions", "/v1/completions"):
        assert router.metric("tessera_router_time_to_first_token_seconds_count",
                             endpoint=endpoint) == 1
    assert 0 < router.metric("tessera_router_time_to_first_token_seconds_sum") < 10


def test_sglang_prefill_decode_hand_off(engine_sim, routers):
    prefill = prefill_worker(engine_sim)
    decode = engine_sim(*SGLANG, "--disaggregation-mode", "decode")
    router = routers("--admin-token-file", write_token())
    router.put_workers(pd_members([prefill], [decode]), token=TOKEN)
    router.wait_ready()
    for _ in range(3):
        assert len(stream_chat(router, "A prompt for a disaggregated pair", max_tokens=6).split()) == 6
    # Both halves served each request, and the router timed both legs.
    assert router.metric("tessera_router_worker_requests_total", role="prefill",
                         outcome="success") == 3
    assert router.metric("tessera_router_worker_requests_total", role="decode",
                         outcome="success") == 3
    assert router.metric("tessera_router_handoff_duration_seconds_count", leg="prefill") == 3
    assert router.metric("tessera_router_handoff_duration_seconds_count",
                         leg="decode_first_byte") == 3
    assert router.metric("tessera_router_time_to_first_token_seconds_count") == 3


def nixl_worker(engine_sim):
    return engine_sim(*WORKER, "--kv-transfer-config",
                      '{"kv_connector":"NixlConnector","kv_role":"kv_both"}',
                      "--kv-side-channel-port", str(free_port()))


def test_vllm_two_step_hand_off(engine_sim, routers):
    prefill, decode = nixl_worker(engine_sim), nixl_worker(engine_sim)
    router = routers("--pd-protocol", "vllm", "--prefill", prefill.base_url, "--decode",
                     decode.base_url)
    router.wait_ready()
    assert len(stream_chat(router, "A prompt handed from prefill to decode", max_tokens=9).split()) == 9
    completion = client(router).completions.create(model=MODEL, prompt="two steps", max_tokens=4)
    assert completion.usage.completion_tokens == 4
    # The decode worker pulled the prompt's KV instead of computing it.
    assert metric_total(decode.base_url, "vllm:nixl_xfer_time_seconds_count") == 2
    assert metric_total(prefill.base_url, "vllm:prompt_tokens_total") > 0
    assert router.metric("tessera_router_handoff_duration_seconds_count", leg="prefill") == 2


def test_vllm_prefill_without_a_kv_connector_is_a_clear_error(engine_sim, routers):
    prefill, decode = engine_sim(*WORKER), nixl_worker(engine_sim)
    router = routers("--pd-protocol", "vllm", "--prefill", prefill.base_url, "--decode",
                     decode.base_url)
    router.wait_ready()
    with pytest.raises(openai.APIStatusError) as raised:
        client(router).completions.create(model=MODEL, prompt="x", max_tokens=4)
    assert raised.value.status_code == 502
    assert "carries no kv_transfer_params" in str(raised.value)


def write_token(path=None):
    path = path or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"router-token-{os.getpid()}")
    with open(path, "w") as token_file:
        token_file.write(TOKEN + "\n")
    return path


def bench_shared_prefix(router):
    args = [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url", router.base_url,
            "--model", MODEL, "--no-progress", "--dataset-name", "generated-shared-prefix",
            "--gsp-num-groups", "16", "--gsp-prompts-per-group", "8",
            "--gsp-system-prompt-len", "1024", "--gsp-question-len", "32",
            "--gsp-output-len", "4", "--max-concurrency", "8", "--seed", "3"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        if line.startswith("Mean TTFT (ms):"):
            return float(line.split(":")[1])
    raise AssertionError(result.stdout)


def test_cache_aware_beats_round_robin_on_shared_prefixes(engine_sim, routers):
    outcome = {}
    for policy in ("round_robin", "cache_aware"):
        # Real time: a prefill a cache hit saves (about 0.2 s for 1,024 tokens
        # on a CPX partition) then outweighs any scheduling noise of a busy
        # or sanitized build.
        workers = [engine_sim(*WORKER[:-2], "--seed", str(i)) for i in range(4)]
        router = routers("--policy", policy, *[f for w in workers for f in ("--worker", w.base_url)])
        router.wait_ready()
        mean_ttft = bench_shared_prefix(router)
        queries = sum(metric_total(w.base_url, "vllm:prefix_cache_queries_total") for w in workers)
        hits = sum(metric_total(w.base_url, "vllm:prefix_cache_hits_total") for w in workers)
        outcome[policy] = (hits / queries, mean_ttft)
        print(f"{policy}: prefix-cache hit rate {hits / queries:.1%}, mean TTFT {mean_ttft:.1f} ms")
        for worker in workers:
            worker.stop()
    assert outcome["cache_aware"][0] > outcome["round_robin"][0]
    assert outcome["cache_aware"][1] < outcome["round_robin"][1]


def test_killing_a_decode_worker_mid_benchmark(engine_sim, routers):
    prefill = prefill_worker(engine_sim)
    decodes = [engine_sim(*SGLANG, "--disaggregation-mode", "decode") for _ in range(2)]
    router = routers("--policy", "round_robin", "--prefill", f"{prefill.base_url},{prefill.bootstrap_port}",
                     *[f for d in decodes for f in ("--decode", d.base_url)])
    router.wait_ready()
    results = []
    lock = threading.Lock()

    def one(index):
        started = time.monotonic()
        try:
            text = stream_chat(router, f"request {index}", max_tokens=1000, timeout=60)
            outcome = ("ok", len(text.split()))
        except openai.APIError as error:
            outcome = ("error", str(error))
        with lock:
            results.append((*outcome, time.monotonic() - started))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
    for index, thread in enumerate(threads):
        thread.start()
        if index == 11:
            time.sleep(0.3)  # the first twelve are streaming
            decodes[0].process.send_signal(signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if r[0] == "error"]
    succeeded = [r for r in results if r[0] == "ok"]
    # Requests streaming on the killed worker end with an error; every other
    # request, including those routed to it after it died, succeeds in full.
    assert errors, "no stream was cut"
    assert all(words == 1000 for _, words, _ in succeeded)
    assert len(succeeded) + len(errors) == 24
    assert len(errors) <= 6  # at most the killed worker's share of the first twelve
    # The router counted exactly what the clients saw.
    assert router.metric("tessera_router_client_requests_total", code="200") == len(succeeded)
    assert router.metric("tessera_router_client_requests_total", code="502") == len(errors)
    workers = {w["url"]: w for w in router.workers()}
    assert workers[decodes[0].base_url]["healthy"] is False


def test_a_client_that_leaves_cancels_the_worker_request(engine_sim, routers):
    worker = engine_sim(*WORKER)
    router = routers("--worker", worker.base_url)
    router.wait_ready()
    stream = client(router).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "a long answer"}], max_tokens=5000,
        stream=True, extra_body={"ignore_eos": True})
    for _ in range(5):
        next(stream)
    assert metric_total(worker.base_url, "vllm:num_requests_running") == 1
    stream.close()
    deadline = time.monotonic() + 2
    while metric_total(worker.base_url, "vllm:num_requests_running") > 0:
        assert time.monotonic() < deadline, "the worker kept generating for a client that left"
        time.sleep(0.02)
    assert router.metric("tessera_router_client_requests_total", code="499") == 1
    assert router.metric("tessera_router_worker_requests_total", outcome="cancelled") == 1


def test_a_worker_that_leaves_the_membership_drains(engine_sim, routers):
    leaving, staying = engine_sim(*WORKER), engine_sim(*WORKER)
    router = routers("--policy", "round_robin")
    router.put_workers([{"url": leaving.base_url, "role": "aggregated"}])
    router.wait_ready()
    words = []
    streaming = threading.Thread(
        target=lambda: words.append(len(stream_chat(router, "in flight", max_tokens=600).split())))
    streaming.start()
    time.sleep(0.3)
    router.put_workers([{"url": staying.base_url, "role": "aggregated"}])
    state = {w["url"]: w for w in router.workers()}
    assert state[leaving.base_url]["draining"] is True
    assert state[leaving.base_url]["inFlight"] == 1
    # New requests go to the worker that stays; the one in flight finishes.
    assert stream_chat(router, "after the change", max_tokens=4)
    streaming.join(timeout=30)
    assert words == [600]
    assert [w["url"] for w in router.workers()] == [staying.base_url]
    assert metric_total(leaving.base_url, "vllm:request_success_total") == 1


def test_a_dead_worker_is_out_of_rotation_within_a_second(engine_sim, routers):
    workers = [engine_sim(*WORKER) for _ in range(2)]
    router = routers(*[f for w in workers for f in ("--worker", w.base_url)])
    router.wait_ready()
    workers[0].process.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    while True:
        state = {w["url"]: w for w in router.workers()}[workers[0].base_url]
        if not state["healthy"]:
            break
        assert time.monotonic() - killed < 1.0, state
        time.sleep(0.02)
    print(f"out of rotation {1000 * (time.monotonic() - killed):.0f} ms after SIGKILL")
    for _ in range(4):
        assert stream_chat(router, "still served")


def test_a_hand_off_that_cannot_complete_fails_within_its_deadline(engine_sim, routers):
    # The prefill worker stops answering: the decode worker waits for KV that
    # never comes, as real engines stuck in bootstrapping do.
    prefill = prefill_worker(engine_sim, "--hang-after", "0.5s")
    decode = engine_sim(*SGLANG, "--disaggregation-mode", "decode")
    router = routers("--first-byte-timeout", "1s", "--max-retries", "0", "--prefill",
                     f"{prefill.base_url},{prefill.bootstrap_port}", "--decode", decode.base_url,
                     "--health-check-interval", "60s")
    router.wait_ready()
    time.sleep(0.6)
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as raised:
        stream_chat(router, "never prefilled")
    elapsed = time.monotonic() - started
    assert raised.value.status_code == 504
    assert "did not answer the prefill within 1s" in str(raised.value)
    assert elapsed < 3.0
    assert router.metric("tessera_router_worker_requests_total", role="prefill",
                         outcome="timeout") == 1


def test_bad_requests_are_answered_by_the_router_and_never_reach_a_worker(engine_sim, routers):
    worker = engine_sim(*WORKER)
    router = routers("--worker", worker.base_url, "--max-body-size", "64KiB")
    router.wait_ready()
    url = router.base_url + "/v1/chat/completions"
    cases = [
        (b'{"model": "llama-3.1-8b", "messages": [', 400, "not valid JSON"),
        ({"messages": [{"role": "user", "content": "x"}]}, 400, "model: is required"),
        ({"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}, 404,
         "The model `gpt-4` does not exist."),
        ({"model": MODEL, "messages": "hello"}, 400, "messages"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "x" * 70000}]}, 413, ""),
    ]
    for body, status, message in cases:
        code, answer = request_json("POST", url, body)
        assert code == status, answer
        assert answer["error"]["code"] == status
        assert message in answer["error"]["message"]
    with pytest.raises(openai.NotFoundError):
        client(router).chat.completions.create(model="gpt-4", messages=[{"role": "user",
                                                                         "content": "x"}])
    assert worker_requests(worker) == 0
    assert router.metric("tessera_router_worker_requests_total") == 0
    # No answer of theirs counts as a first token.
    assert router.metric("tessera_router_time_to_first_token_seconds_count") == 0


def test_api_keys_and_the_admin_token(engine_sim, routers, tmp_path):
    worker = engine_sim(*WORKER)
    keys = tmp_path / "keys"
    keys.write_text("client-key-0123456789abcdef\n")
    router = routers("--api-key-file", str(keys), "--admin-token-file",
                     write_token(str(tmp_path / "admin")), "--worker", worker.base_url)
    router.wait_ready()
    with pytest.raises(openai.AuthenticationError):
        client(router, api_key="wrong-key").models.list()
    assert stream_chat_with_key(router, "client-key-0123456789abcdef")
    assert request_json("GET", router.base_url + "/admin/workers")[0] == 401
    assert request_json("GET", router.base_url + "/admin/workers",
                        token="client-key-0123456789abcdef")[0] == 401
    assert len(router.workers(token=TOKEN)) == 1
    status, answer = request_json("PUT", router.base_url + "/admin/workers",
                                  {"workers": [{"url": "ftp://x", "role": "decode"}]}, token=TOKEN)
    assert status == 400
    assert answer["error"]["message"].startswith("workers[0].url:")
    assert len(router.workers(token=TOKEN)) == 1  # a bad PUT changes nothing
    # A rotated token is followed without a restart (the file is read again
    # at most once a second when a token matches none).
    (tmp_path / "admin").write_text("rotated-admin-token-0123456789\n")
    time.sleep(1.1)
    assert len(router.workers(token="rotated-admin-token-0123456789")) == 1
    assert request_json("GET", router.base_url + "/admin/workers", token=TOKEN)[0] == 401


def stream_chat_with_key(router, key):
    chunks = client(router, api_key=key).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=3, stream=True)
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_membership_changes_and_a_router_restart_lose_no_request(engine_sim, routers):
    old = [engine_sim(*WORKER) for _ in range(2)]
    new = [engine_sim(*WORKER) for _ in range(2)]
    router = routers()
    router.put_workers([{"url": w.base_url, "role": "aggregated"} for w in old])
    router.wait_ready()
    stop = threading.Event()
    failures = []
    done = [0]

    def load():
        while not stop.is_set():
            try:
                stream_chat(router, "under load", max_tokens=20, timeout=30)
                done[0] += 1
            except openai.APIConnectionError:
                time.sleep(0.01)  # the router is restarting: nothing was sent
            except openai.APIError as error:
                failures.append(str(error))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    # Replace every worker: the old ones drain, their requests finish.
    router.put_workers([{"url": w.base_url, "role": "aggregated"} for w in new])
    time.sleep(0.5)
    assert {w["url"] for w in router.workers()} <= {w.base_url for w in old + new}
    # Restart the router: SIGTERM lets requests in progress finish; the new
    # process starts empty, holds what arrives until a membership comes, as
    # the controller's next pass would send.
    router.process.send_signal(signal.SIGTERM)
    router.process.wait(timeout=30)
    router.start()
    time.sleep(0.3)
    router.put_workers([{"url": w.base_url, "role": "aggregated"} for w in new])
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert done[0] > 20
    assert {w["url"] for w in router.workers()} == {w.base_url for w in new}
