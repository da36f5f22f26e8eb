"""tessera-router as the end-to-end suites run it, and helpers to read it."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

from conftest import BIN_DIR, free_port, http_status, stop_process


def metric_total(base_url, name, **labels):
    """The sum of every sample of `name` whose labels include `labels`."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not (line.startswith(name + "{") or line.startswith(name + " ")):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def request_json(method, url, body=None, token=None, timeout=10):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload)
        except ValueError:
            return error.code, payload.decode(errors="replace")


class RouterProcess:
    """A running tessera-router."""

    def __init__(self, *flags, model="llama-3.1-8b", port=None, log_path=None, wait=True):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.flags = flags
        self.model = model
        self.log_path = log_path
        self.process = None
        self.start(wait)

    def start(self, wait=True):
        log = open(self.log_path, "a") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [os.path.join(BIN_DIR, "tessera-router"), "--served-model-name", self.model,
             "--port", str(self.port), *self.flags],
            stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_serving()

    def wait_serving(self, deadline_seconds=20):
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if http_status(self.base_url + "/health") == 200:
                return
            assert self.process.poll() is None, f"router exited {self.process.returncode}"
            time.sleep(0.02)
        raise AssertionError("the router never served /health")

    def wait_ready(self, deadline_seconds=20):
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if http_status(self.base_url + "/readiness") == 200:
                return
            time.sleep(0.02)
        raise AssertionError("the router never became ready")

    def put_workers(self, workers, token=None):
        status, body = request_json("PUT", self.base_url + "/admin/workers", {"workers": workers},
                                    token=token)
        assert status == 200, body
        return body["workers"]

    def workers(self, token=None):
        status, body = request_json("GET", self.base_url + "/admin/workers", token=token)
        assert status == 200, body
        return body["workers"]

    def metric(self, name, **labels):
        return metric_total(self.base_url, name, **labels)

    def stop(self):
        stop_process(self.process)
