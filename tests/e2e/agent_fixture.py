"""A real tessera-agent process for the end-to-end suites."""

import json
import os
import random
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

from conftest import BIN_DIR, free_port, stop_process

TOKEN = "e2e-token-0123456789abcdef"

# Every agent runs deployments' routers: tessera-router, built beside it.
ROUTER_COMMAND = [os.path.join(BIN_DIR, "tessera-router")]

# Short periods so that restarts, backoff and drains happen in seconds.
FAST_CONFIG = """
engines:
  sim:
    kind: sim
    command: [{simulator}]
  sim-sglang:
    kind: sim
    flavor: sglang
    command: [{simulator}]
  tessera-router:
    kind: tessera-router
    command: {router}
supervision:
  readinessPeriod: 100ms
  livenessPeriod: 300ms
  probeTimeout: 300ms
  livenessFailureThreshold: 3
  startupTimeout: 20s
  backoffInitial: 400ms
  backoffMax: 3200ms
  spawnFloor: 200ms
  backoffResetAfter: 60s
  crashLoopThreshold: 3
  drainPollPeriod: 100ms
  killTimeout: 3s
  defaultGrace: 10s
ports: {first}-{last}
scrapePeriod: 300ms
scrapeTimeout: 250ms
"""


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def non_loopback_ipv4():
    """An IPv4 address of this machine outside 127/8, or None: what an
    agent in a cluster advertises (its pod IP), since a Service's endpoints
    may not be loopback addresses."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


class Agent:
    """tessera-agent with the sim GPU backend, started in `state_dir`."""

    def __init__(self, state_dir, topology="1xmi300x:cpx/nps4", port=None, config=None,
                 hostname="node-e2e", extra_args=(), preexec_fn=None, wrapper=(), tls=None,
                 env=None, advertise_host="127.0.0.1", listen_host="127.0.0.1"):
        self.state_dir = str(state_dir)
        self.port = port or free_port()
        # Where the agent (and its workers) listen and what it tells others
        # to reach them at; the tests themselves use 127.0.0.1.
        self.advertise_host = advertise_host
        self.listen_host = listen_host
        # tls: (certificate file, key file) to serve HTTPS with; the client
        # trusts that certificate alone.
        self.tls = tls
        self.ssl_context = ssl.create_default_context(cafile=tls[0]) if tls else None
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.topology = topology
        self.hostname = hostname
        self.extra_args = list(extra_args)
        self.preexec_fn = preexec_fn
        self.env = env
        # Argv before the agent's own, e.g. ["unshare", "-m", "--"].
        self.wrapper = list(wrapper)
        os.makedirs(self.state_dir, exist_ok=True)
        self.token_file = os.path.join(self.state_dir, "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.config_file = os.path.join(self.state_dir, "agent.yaml")
        if not os.path.exists(self.config_file):
            first = random.randrange(21000, 59000, 100)
            with open(self.config_file, "w") as f:
                f.write(config or FAST_CONFIG.format(
                    simulator=os.path.join(BIN_DIR, "tessera-engine-sim"), first=first,
                    last=first + 99, router=json.dumps(ROUTER_COMMAND)))
        self.log_path = os.path.join(self.state_dir, "agent.log")
        self.process = None
        self.start()

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [*self.wrapper, os.path.join(BIN_DIR, "tessera-agent"),
             "--listen", f"{self.listen_host}:{self.port}",
             "--gpu-backend", "sim", "--sim-topology", self.topology,
             "--state-dir", self.state_dir, "--token-file", self.token_file,
             "--config", self.config_file, "--hostname", self.hostname,
             "--advertise-host", self.advertise_host,
             *(["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else []),
             *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=self.preexec_fn, env=self.env)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"agent exited {self.process.returncode}:\n{self.log()}")
            try:
                if self.request("GET", "/readyz", raw=True)[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.05)
        raise AssertionError("agent never became ready:\n" + self.log())

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, body=None, token=TOKEN, raw=False, data=None,
                headers=None):
        request = urllib.request.Request(self.base_url + path, method=method)
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            request.data = data
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.ssl_context) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if raw:
            return status, text
        if status >= 400:
            raise ApiError(status, text)
        return json.loads(text) if text.startswith(("{", "[")) else text

    def put_worker(self, worker_id, spec):
        return self.request("PUT", f"/v1/workers/{worker_id}", spec)

    def worker(self, worker_id):
        return self.request("GET", f"/v1/workers/{worker_id}")

    def workers(self):
        return self.request("GET", "/v1/workers")["workers"]

    def wait_for(self, worker_id, predicate, timeout=30, what="condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.worker(worker_id)
            except ApiError as error:
                last = error
            if predicate(last):
                return last
            time.sleep(0.05)
        raise AssertionError(f"worker {worker_id}: {what} not reached; last: {last}\n"
                             + self.log()[-4000:])

    def wait_ready(self, worker_id, timeout=30):
        return self.wait_for(worker_id, lambda w: isinstance(w, dict) and w["state"] == "ready",
                             timeout, "ready")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        stop_process(self.process)

    def destroy(self):
        """Stops every worker, then the agent; kills leftovers by pid."""
        pids = []
        if self.process and self.process.poll() is None:
            try:
                for worker in self.workers():
                    if worker.get("pid"):
                        pids.append(worker["pid"])
                    self.request("DELETE", f"/v1/workers/{worker['id']}?graceSeconds=0",
                                 raw=True)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
        state_file = os.path.join(self.state_dir, "workers.json")
        if os.path.exists(state_file):
            with open(state_file) as f:
                pids += [w["pid"] for w in json.load(f)["workers"] if w.get("pid")]
        self.stop()
        for pid in set(pids):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def sim_spec(partitions=(0,), deployment="llama-8b", role="aggregated", extra_args=(),
             engine="sim", **engine_settings):
    engine_body = {"kind": engine, "model": "meta-llama/Llama-3.1-8B-Instruct",
                   "servedModelName": "llama-8b", "maxModelLen": 8192,
                   "extraArgs": list(extra_args)}
    engine_body.update(engine_settings)
    return {"deployment": deployment, "role": role, "partitions": list(partitions),
            "engine": engine_body}
