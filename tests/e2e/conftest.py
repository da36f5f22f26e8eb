"""Fixtures that run Tessera's real binaries for the end-to-end suites."""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

BIN_DIR = os.environ.get("TESSERA_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/bin"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url, timeout=2.0):
    """The status of GET url, or None when nothing accepts the connection."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return None


def stop_process(process, timeout=10):
    """SIGTERM, then SIGKILL if `process` has not exited within `timeout`
    seconds; nothing when it is None or has exited."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EngineSim:
    """A running tessera-engine-sim process."""

    def __init__(self, *flags, model="llama-3.1-8b", wait_ready=True):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        args = [os.path.join(BIN_DIR, "tessera-engine-sim"), "--model", model,
                "--port", str(self.port), *flags]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        if wait_ready:
            self.wait_for_status(200)

    def wait_for_status(self, status, deadline_seconds=20.0):
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if http_status(self.base_url + "/health") == status:
                return
            if self.process.poll() is not None:
                raise AssertionError(f"engine exited {self.process.returncode}: {self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"/health never returned {status}")

    def output(self):
        if self.process.poll() is None:
            return ""
        return self.process.stdout.read()

    def stop(self):
        stop_process(self.process)


@pytest.fixture
def engine_sim():
    """Starts engines on demand and stops them after the test."""
    started = []

    def start(*flags, **kwargs):
        engine = EngineSim(*flags, **kwargs)
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


@pytest.fixture(scope="session")
def real_tokenizers():
    """The directory scripts/setup-tokenizers.sh fills with the real
    tokenizer files of Llama 3, Qwen 2.5 and DeepSeek V3 (one subdirectory
    each), fetched once and cached outside the clone."""
    setup = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "setup-tokenizers.sh")
    return subprocess.run([setup], check=True, capture_output=True, text=True).stdout.strip()
