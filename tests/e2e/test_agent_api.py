"""Bad input on every route of the agent's API gets a 4xx naming the problem,
and never disturbs a running worker."""

import json
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from agent_fixture import Agent, sim_spec


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    started = Agent(tmp_path_factory.mktemp("agent-api"))
    started.put_worker("holder", sim_spec(partitions=[3]))
    started.wait_ready("holder")
    yield started
    started.destroy()


def error_of(agent, method, path, body=None, data=None, **kwargs):
    status, text = agent.request(method, path, body=body, data=data, raw=True, **kwargs)
    return status, json.loads(text)["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/workers", "/v1/node", "/v1/sd", "/metrics",
                                  "/v1/workers/holder", "/v1/workers/holder/logs"])
def test_every_route_but_the_health_checks_needs_the_token(agent, path):
    status, message = error_of(agent, "GET", path, token=None)
    assert status == 401 and "missing bearer token" in message
    status, message = error_of(agent, "GET", path, token="wrong-token-0123456789")
    assert status == 401 and message == "invalid bearer token"


def test_health_checks_are_open_so_kubelet_probes_need_no_secret(agent):
    assert agent.request("GET", "/healthz", token=None, raw=True) == (200, "ok\n")
    assert agent.request("GET", "/readyz", token=None, raw=True) == (200, "ok\n")


def test_a_401_names_the_scheme(agent):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(agent.base_url + "/v1/workers", timeout=10)
    assert refused.value.code == 401
    assert refused.value.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("body, status, expected", [
    (b"{not json", 400, "body: not valid JSON"),
    (b"[1, 2]", 400, "body: must be a JSON object"),
    (json.dumps({"role": "aggregated"}).encode(), 400, "deployment: is required"),
    (json.dumps(sim_spec() | {"deployment": 7}).encode(), 400,
     "deployment: must be a string, got number 7"),
    (json.dumps(sim_spec() | {"replicas": 2}).encode(), 400, "replicas: unknown field"),
    (json.dumps(sim_spec() | {"role": "both"}).encode(), 400,
     'role: unknown role "both"; expected aggregated, prefill, decode or router'),
    (json.dumps(sim_spec(partitions=[])).encode(), 400, "partitions: must be a non-empty list"),
    (json.dumps(sim_spec(partitions=["0"])).encode(), 400,
     "partitions[0]: must be a partition index"),
    (json.dumps(sim_spec(partitions=[1, 1])).encode(), 400, "partition 1 is listed twice"),
    (json.dumps(sim_spec(partitions=[99])).encode(), 400,
     "partitions[0]: partition 99 does not exist on this node (it has 8, numbered 0-7)"),
    (json.dumps(sim_spec(engine="trtllm")).encode(), 400,
     'engine.kind: "trtllm" is not in this agent\'s engine allow-list (sim, sim-sglang, tessera-router)'),
    (json.dumps(sim_spec(maxModelLen="8k")).encode(), 400,
     'engine.maxModelLen: must be an integer, got string "8k"'),
    (json.dumps(sim_spec(tensorParallelSize=2)).encode(), 400,
     "engine.tensorParallelSize: must equal the number of partitions (1), got 2"),
    (json.dumps(sim_spec(gpuMemoryUtilization=1.5)).encode(), 400,
     "engine.gpuMemoryUtilization: must be between 0.01 and 1.0, got 1.5"),
    (json.dumps(sim_spec(kvCacheDtype="int3")).encode(), 400,
     'engine.kvCacheDtype: tessera-engine-sim has no KV-cache dtype "int3"'),
    (json.dumps(sim_spec(env={"HIP_VISIBLE_DEVICES": "0"})).encode(), 400,
     "engine.env.HIP_VISIBLE_DEVICES: is set by the agent"),
    (json.dumps(sim_spec(env={"LD_PRELOAD": "/tmp/x.so"})).encode(), 400,
     "engine.env.LD_PRELOAD: names code or a place code is loaded from"),
    (json.dumps(sim_spec(extraArgs="--seed 1")).encode(), 400,
     "engine.extraArgs: must be a list of strings"),
    (json.dumps(sim_spec(partitions=[3])).encode(), 409,
     'partitions: partition 3 is held by worker "holder" (ready)'),
])
def test_bad_worker_specs_are_rejected_with_the_field_named(agent, body, status, expected):
    got_status, message = error_of(agent, "PUT", "/v1/workers/new-worker", data=body)
    assert got_status == status
    assert expected in message
    assert agent.worker("holder")["state"] == "ready"
    assert all(w["id"] == "holder" for w in agent.workers())


@pytest.mark.parametrize("method, path, status, expected", [
    ("GET", "/v1/workers/nobody", 404, 'no worker "nobody" on this node'),
    ("DELETE", "/v1/workers/nobody", 404, 'no worker "nobody" on this node'),
    ("GET", "/v1/workers/Bad%20Id", 400, 'worker id "Bad Id": use lower-case letters'),
    ("DELETE", "/v1/workers/holder?graceSeconds=soon", 400,
     'graceSeconds: must be an integer from 0 to 86400, got "soon"'),
    ("GET", "/v1/workers/holder/logs?tail=-1", 400, "tail: must be an integer from 1"),
    ("POST", "/v1/workers/holder", 400, "use GET, PUT or DELETE"),
    ("GET", "/v2/anything", 404, "no route GET /v2/anything"),
])
def test_bad_requests_on_other_routes(agent, method, path, status, expected):
    got_status, message = error_of(agent, method, path)
    assert got_status == status
    assert expected in message
    assert agent.worker("holder")["state"] == "ready"


def test_oversized_body_is_refused(agent):
    status, message = error_of(agent, "PUT", "/v1/workers/big", data=b"{" + b" " * (2 << 20) + b"}")
    assert status == 413 and "request body exceeds the limit of 1 MiB" in message


def test_metrics_are_gzipped_for_scrapers_that_ask(agent):
    import gzip
    import time
    import urllib.request
    from agent_fixture import TOKEN

    def fetch(encoding):
        request = urllib.request.Request(agent.base_url + "/metrics")
        request.add_header("Authorization", f"Bearer {TOKEN}")
        if encoding:
            request.add_header("Accept-Encoding", encoding)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("Content-Encoding"), response.read()

    # Wait until the engine's metrics are merged in.
    deadline = time.monotonic() + 10
    while b"vllm:" not in fetch(None)[1] and time.monotonic() < deadline:
        time.sleep(0.1)
    encoding, body = fetch("gzip")
    assert encoding == "gzip"
    text = gzip.decompress(body).decode()  # two members: the agent's and the engines'
    assert "gpu_gfx_activity{" in text and 'vllm:num_requests_running{' in text
    assert 'worker="holder"' in text
    plain_encoding, plain = fetch("gzip;q=0, identity")
    assert plain_encoding is None
    families = lambda body: sorted({line.split()[2] for line in body.splitlines()  # noqa: E731
                                    if line.startswith("# TYPE")})
    assert families(text) == families(plain.decode())


def self_signed_certificate(directory):
    certificate, key = str(directory / "tls.crt"), str(directory / "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate],
                   check=True, capture_output=True)
    return certificate, key


def test_api_over_tls(tmp_path):
    """--tls-cert and --tls-key serve the same API over HTTPS; the health
    checks stay open and the rest needs the token, as over plain HTTP."""
    agent = Agent(tmp_path / "agent", tls=self_signed_certificate(tmp_path))
    try:
        assert agent.base_url.startswith("https://")
        assert agent.request("GET", "/healthz", token=None, raw=True) == (200, "ok\n")
        assert agent.request("GET", "/v1/workers", token=None, raw=True)[0] == 401
        agent.put_worker("tls-0", sim_spec(partitions=[1]))
        assert agent.wait_ready("tls-0")["pid"] > 0
        # Plain HTTP on the TLS port gets no answer, not the API.
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{agent.port}/healthz", timeout=5)
        # A client that does not trust the certificate is refused.
        with pytest.raises(urllib.error.URLError) as untrusted:
            urllib.request.urlopen(agent.base_url + "/healthz", timeout=5,
                                   context=ssl.create_default_context())
        assert "CERTIFICATE_VERIFY_FAILED" in str(untrusted.value)
    finally:
        agent.destroy()


def test_a_wait_for_the_workers_to_change_is_held_until_they_do(agent):
    version = agent.request("GET", "/v1/workers")["resourceVersion"]
    started = time.monotonic()
    unchanged = agent.request("GET", f"/v1/workers?after={version}&timeoutSeconds=1")
    assert unchanged["resourceVersion"] == version
    assert time.monotonic() - started >= 0.9, "held until its timeout"

    answer = {}

    def wait():
        answer["list"] = agent.request("GET", f"/v1/workers?after={version}&timeoutSeconds=20")
        answer["at"] = time.monotonic()

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.5)
    changed_at = time.monotonic()
    agent.put_worker("waited-for", sim_spec(partitions=[5]))
    waiter.join(15)
    assert answer["list"]["resourceVersion"] != version
    assert "waited-for" in [worker["id"] for worker in answer["list"]["workers"]]
    assert answer["at"] - changed_at < 5, "answered when the workers changed, not at the timeout"
    agent.request("DELETE", "/v1/workers/waited-for?graceSeconds=0")

    status, message = error_of(agent, "GET", "/v1/workers?after=1-0&timeoutSeconds=301")
    assert status == 400 and "timeoutSeconds: must be an integer from 1 to 300" in message
