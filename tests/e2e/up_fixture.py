"""`tessera up` in a temporary state directory, on ports of its own, and what
the tests ask of it: its commands, its API, and the processes it runs."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from conftest import BIN_DIR

TESSERA = os.path.join(BIN_DIR, "tessera")


def free_port_run():
    """A port p with p + 1 and p + 2 free too: tessera up's API, its agent and
    its controller's metrics."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port > 65533:
                continue
            try:
                for offset in (1, 2):
                    with socket.socket() as other:
                        other.bind(("127.0.0.1", port + offset))
            except OSError:
                continue
            return port
    raise AssertionError("no three adjacent free ports")


def process_state(pid):
    """The state letter of /proc/<pid>/stat, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def running(pid):
    """Alive and not a zombie (an exited process its parent has not reaped
    is not running anything)."""
    return process_state(pid) not in (None, "Z", "X")


def descendants(root):
    """`root` and every process below it in the process tree."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def wait_until(predicate, timeout=60, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Up:
    """One state directory and the commands that act on it."""

    def __init__(self, state_dir):
        self.state_dir = str(state_dir)
        self.port = free_port_run()
        self.api_url = f"http://127.0.0.1:{self.port}"
        self.foreground = None

    def command(self, *args, check=True, timeout=120):
        """Runs `tessera ARGS --state-dir DIR` and returns the completed process."""
        result = subprocess.run([TESSERA, *args, "--state-dir", self.state_dir],
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"tessera {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}\n{self.logs()}")
        return result

    def up_args(self, *args):
        return ["up", "--listen", f"127.0.0.1:{self.port}", *args]

    def up_detached(self, *args):
        return self.command(*self.up_args("-d", *args))

    def start_foreground(self, *args):
        """`tessera up` in the foreground, its output read line by line."""
        self.foreground = subprocess.Popen(
            [TESSERA, *self.up_args(*args), "--state-dir", self.state_dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self.foreground

    def read_until(self, marker, timeout=90):
        """The foreground's output up to and including the line with `marker`."""
        lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.foreground.stdout.readline()
            if not line:
                raise AssertionError("tessera up exited:\n" + "".join(lines) + self.logs())
            lines.append(line)
            if marker in line:
                return "".join(lines)
        raise AssertionError(f"no {marker!r} in:\n" + "".join(lines))

    def api(self, path):
        with urllib.request.urlopen(self.api_url + path, timeout=10) as response:
            return json.load(response)

    def instance(self):
        with open(os.path.join(self.state_dir, "up.json")) as record:
            return json.load(record)

    def workers(self):
        return self.api("/api/v1/workers")["items"]

    def worker_pids(self):
        return sorted(w["pid"] for w in self.workers() if w.get("pid"))

    def endpoint(self, name="llama-8b"):
        return self.command("endpoint", name).stdout.strip()

    def logs(self):
        text = ""
        logs = os.path.join(self.state_dir, "logs")
        for name in ("up.log", "controller.log", "agent.log"):
            path = os.path.join(logs, name)
            if os.path.exists(path):
                with open(path) as log:
                    text += f"\n--- {name} (last lines)\n" + "".join(log.readlines()[-30:])
        return text

    def kill_control_plane(self):
        """SIGKILL for tessera up, its agent and its controller, as a crash
        or an OOM kill would; the workers stay."""
        record = self.instance()
        for name in ("up", "agent", "controller"):
            pid = record[name]["pid"]
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(running(record[n]["pid"]) for n in ("up", "agent", "controller")),
                   timeout=10, what="the control plane to die")

    def cleanup(self):
        """Whatever a failed test left running."""
        if self.foreground is not None and self.foreground.poll() is None:
            self.foreground.send_signal(signal.SIGINT)
            try:
                self.foreground.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.foreground.kill()
        if os.path.exists(os.path.join(self.state_dir, "up.json")):
            self.command("down", check=False, timeout=120)
