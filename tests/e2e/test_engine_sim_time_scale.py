"""--time-scale changes only the wall clock: scaled back, the figures match."""

import os
import re
import selectors
import socket
import urllib.request

import pytest

SANITIZED = os.environ.get("TESSERA_SANITIZE", "OFF") == "ON"


def run_wave(engine, requests=32, output_tokens=48):
    """Sends one wave of streaming requests as close together as a client can
    (connections opened first, then every request written in a tight loop) so
    that the client's own wall-clock time does not distort a scaled clock, and
    reads every stream to its end."""
    host, port = "127.0.0.1", engine.port
    connections = [socket.create_connection((host, port)) for _ in range(requests)]
    payloads = []
    for index in range(requests):
        body = ('{"model":"llama-3.1-8b","stream":true,"max_tokens":%d,"ignore_eos":true,'
                '"prompt":"request %d %s"}' % (output_tokens, index, "word " * 200)).encode()
        payloads.append(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
                        % len(body) + body)
    for connection, payload in zip(connections, payloads):
        connection.sendall(payload)
    selector = selectors.DefaultSelector()
    for connection in connections:
        selector.register(connection, selectors.EVENT_READ)
    open_streams = len(connections)
    received = {connection: b"" for connection in connections}
    while open_streams:
        for key, _ in selector.select(timeout=30):
            data = key.fileobj.recv(65536)
            if data:
                received[key.fileobj] += data
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                open_streams -= 1
    for data in received.values():
        assert b"data: [DONE]" in data
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
def test_time_scale_preserves_simulated_figures(engine_sim):
    flags = ("--hardware", "mi300x:cpx", "--max-model-len", "4096", "--no-enable-prefix-caching")
    real_time = run_wave(engine_sim(*flags, "--time-scale", "1.0"))
    fast = run_wave(engine_sim(*flags, "--time-scale", "0.1"))
    print("time-scale 1.0:", real_time, "\ntime-scale 0.1:", fast)
    for figure, value in real_time.items():
        assert fast[figure] == pytest.approx(value, rel=0.05), (figure, real_time, fast)
