"""The `tessera up` dashboard in a real browser (headless Chromium driven by
tests/e2e/dashboard/check_dashboard.mjs): served by a real `tessera up`
running the quickstart under benchmark load, and, for what a healthy
quickstart never shows (workers starting, backing off, draining; several
nodes and deployments; the API going away), against the recorded shapes of
fake_up_api.py.

The screenshot of the live page goes to $TESSERA_DASHBOARD_SCREENSHOT when
set, else to the test's temporary directory; its path is printed (-s).
docs/images/dashboard.png is one."""

import os
import shutil
import subprocess
import time

import pytest

from fake_up_api import FakeUpApi
from up_fixture import TESSERA, Up

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "dashboard", "check_dashboard.mjs")
SETUP_BROWSER = os.path.join(HERE, "..", "..", "scripts", "setup-browser.sh")


@pytest.fixture(scope="module")
def browser_environment():
    """The driver's environment: playwright-core from the Tessera cache
    (installed by scripts/setup.sh) and Debian's chromium."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH; run scripts/setup.sh")
    chromium = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        pytest.fail(f"no browser at {chromium}; run scripts/setup.sh")
    modules = subprocess.run([SETUP_BROWSER], check=True, capture_output=True,
                             text=True).stdout.strip()
    return {**os.environ, "TESSERA_PLAYWRIGHT_CORE_MODULES": modules,
            "TESSERA_CHROMIUM": chromium}


@pytest.fixture
def up_api():
    api = FakeUpApi()
    yield api
    api.stop()


def run_driver(environment, url, screenshot, *flags):
    result = subprocess.run(["node", DRIVER, url, str(screenshot), *flags], env=environment,
                            capture_output=True, text=True, timeout=180)
    print(result.stdout + result.stderr)
    return result


def test_dashboard_of_a_running_up_shows_the_quickstart_and_live_charts(browser_environment,
                                                                         tmp_path):
    screenshot = os.environ.get("TESSERA_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png"
    up = Up(tmp_path / "state")
    try:
        up.up_detached()
        # Load for the charts to draw: requests, TTFT, TPOT, ITL, KV cache.
        load = subprocess.Popen(
            [TESSERA, "bench", "--base-url", up.endpoint(), "--num-prompts", "400",
             "--request-rate", "8", "--random-input-len", "512", "--random-output-len", "64"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A longer history for a screenshot worth showing (docs/images/).
        time.sleep(float(os.environ.get("TESSERA_DASHBOARD_SETTLE_SECONDS", "0")))
        try:
            # The page polls every 2 s and a chart needs two points of data.
            result = run_driver(browser_environment, up.api_url + "/", screenshot,
                                "--expect-deployment", "default/llama-8b",
                                "--expect-partitions", "3",
                                "--live-charts", "requests,ttft,tpot,itl,kv-cache,replicas")
        finally:
            load.kill()
            load.wait()
        assert result.returncode == 0, result.stderr
        assert os.path.getsize(screenshot) > 10_000
    finally:
        up.cleanup()


def test_dashboard_draws_every_worker_state_across_nodes(browser_environment, up_api, tmp_path):
    screenshot = tmp_path / "states.png"
    # serving/llama-70b-pd holds 4 prefill partitions and 2 + 2 + 2 decode
    # ones (ready, starting, backing off) plus 2 of a draining old decode.
    result = run_driver(browser_environment, up_api.url + "/", screenshot,
                        "--expect-deployment", "serving/llama-70b-pd", "--expect-partitions", "12")
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(screenshot) > 10_000


def test_dashboard_fails_when_the_deployment_is_missing(browser_environment, up_api, tmp_path):
    result = run_driver(browser_environment, up_api.url + "/", tmp_path / "missing.png",
                        "--expect-deployment", "default/absent", "--timeout-seconds", "5")
    assert result.returncode == 1
    assert "no row for deployment default/absent" in result.stderr


def test_dashboard_says_when_the_api_is_unreachable(browser_environment, up_api, tmp_path):
    up_api.api_status = 503
    result = run_driver(browser_environment, up_api.url + "/", tmp_path / "unreachable.png",
                        "--expect-unreachable", "--timeout-seconds", "20")
    assert result.returncode == 0, result.stderr
    assert "tessera up is stopping" in result.stdout
