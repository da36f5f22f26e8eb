"""Abuse probes for any of Tessera's HTTP servers: what an attacker or a
careless client can do to a server it can reach, and the checks that the
server came through. The agent's suite (test_agent_abuse.py) and the engine
simulator's (test_engine_sim_abuse.py) run these against their server; a new
server gets its own suite by describing itself as a Target.

Every probe is followed by `assert_unharmed`: the health endpoint answers
within 100 ms on a fresh connection, the server's resident memory grew by
less than the bound, and the target's own check (for the agent: no worker
was killed or orphaned) holds.
"""

import os
import resource
import socket
import threading
import time

HEALTH_BUDGET_SECONDS = 0.100
RSS_GROWTH_BOUND = 64 << 20


def server_environment():
    """The environment to start a server under test with. AddressSanitizer
    keeps freed memory in a quarantine (256 MiB by default) before reusing
    it, which would count as growth; a small quarantine keeps resident memory
    close to what the server really holds, and LeakSanitizer still checks
    for leaks at exit."""
    environment = dict(os.environ)
    if environment.get("TESSERA_SANITIZE") == "ON":
        options = environment.get("ASAN_OPTIONS", "")
        environment["ASAN_OPTIONS"] = (options + ":" if options else "") + "quarantine_size_mb=4"
    return environment


def raise_own_descriptor_limit():
    """The probes hold a few thousand sockets at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 16384):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))


def limit_descriptors(count):
    """A preexec_fn that gives the started server `count` descriptors, as a
    service manager's default LimitNOFILE does."""
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))
    return apply


class Target:
    """A running server under test.

    `body_request` is (method, path) of a route that reads a JSON body;
    `token` is sent as a bearer token where a probe means to be authorised
    (None: the server has no authentication); `check_unharmed` raises when
    the server's own work was disturbed.
    """

    def __init__(self, port, pid, health_path, body_request, token=None,
                 check_unharmed=lambda: None, host="127.0.0.1"):
        self.host = host
        self.port = port
        self.pid = pid
        self.health_path = health_path
        self.body_method, self.body_path = body_request
        self.token = token
        self.check_unharmed = check_unharmed

    def connect(self, timeout=5.0):
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def head(self, method, path, extra="", authorised=True):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if authorised and self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        if extra:
            lines.append(extra.rstrip("\r\n"))
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError(f"no VmRSS for pid {self.pid}")


def read_response(sock, timeout=10.0):
    """(status, headers, body) of one response with Content-Length framing,
    or None when the connection closed first."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        body += chunk
    return status, headers, body


def health_seconds(target):
    """Seconds for GET health on a fresh connection; raises unless 200."""
    started = time.monotonic()
    with target.connect() as sock:
        sock.sendall(target.head("GET", target.health_path, "Connection: close",
                                 authorised=False))
        response = read_response(sock)
    elapsed = time.monotonic() - started
    assert response is not None, "the health endpoint closed the connection without answering"
    assert response[0] == 200, f"health answered {response[0]}: {response[2][:200]!r}"
    return elapsed


def assert_health_fast(target, what):
    """The best of three health checks within the budget: one slow answer
    on a busy machine is noise; a server that cannot answer at all is not."""
    times = [health_seconds(target) for _ in range(3)]
    assert min(times) < HEALTH_BUDGET_SECONDS, (
        f"after {what}: health took {[round(t * 1000, 1) for t in times]} ms")
    return min(times)


class PeakRss:
    """Samples the target's resident memory every 20 ms while in use."""

    def __init__(self, target):
        self.target = target
        self.baseline = target.rss_bytes()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.target.rss_bytes())
            except (OSError, AssertionError):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.target.rss_bytes())

    @property
    def growth(self):
        return self.peak - self.baseline


def assert_unharmed(target, rss, what):
    health = assert_health_fast(target, what)
    # Shown with pytest -s: the figures docs/agent.md records.
    print(f"\nabuse: {what}: health {health * 1000:.1f} ms, resident memory "
          f"{rss.baseline / 2**20:.1f} -> {rss.peak / 2**20:.1f} MiB")
    assert rss.growth < RSS_GROWTH_BOUND, (
        f"after {what}: resident memory grew {rss.growth >> 20} MiB "
        f"({rss.baseline >> 20} -> {rss.peak >> 20} MiB)")
    target.check_unharmed()


def open_connections(target, count, first_bytes=b""):
    """`count` connections, each having sent `first_bytes`; connections the
    server has already closed to make room are included (closed)."""
    sockets = []
    for _ in range(count):
        try:
            sock = target.connect()
            if first_bytes:
                sock.sendall(first_bytes)
            sockets.append(sock)
        except OSError:
            # Refused or reset while the server makes room: what it may do.
            pass
    return sockets


def close_all(sockets):
    for sock in sockets:
        try:
            sock.close()
        except OSError:
            pass


def stream_until_answered(target, head, pieces):
    """Sends `head`, then the byte strings `pieces` yields, until the
    server answers or stops reading; returns (status, bytes of `pieces`
    sent). The server must answer: a 4xx, not a silent hang."""
    sent = [0]
    with target.connect(timeout=30) as sock:
        sock.sendall(head)
        done = threading.Event()

        def send():
            try:
                for piece in pieces:
                    if done.is_set():
                        return
                    sock.sendall(piece)
                    sent[0] += len(piece)
            except OSError:
                pass  # the server answered and closed: expected

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        response = read_response(sock, timeout=30)
        done.set()
        sender.join(timeout=30)
    assert response is not None, "the server closed the connection without answering"
    return response[0], sent[0]


def chunked_pieces(total_bytes, chunk_bytes=1 << 20):
    chunk = b"x" * chunk_bytes
    framed = f"{chunk_bytes:x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(total_bytes // chunk_bytes):
        yield framed
    yield b"0\r\n\r\n"


def header_pieces(total_bytes, piece_bytes=1 << 20):
    piece = b"a" * piece_bytes
    for _ in range(total_bytes // piece_bytes):
        yield piece
    yield b"\r\n\r\n"


# --- the probes ---------------------------------------------------------------


def probe_idle_connections(target, count=1000, hold_seconds=1.0):
    """Connections that send nothing, held for `hold_seconds` (long enough
    for whatever the server does periodically, e.g. the agent's liveness
    probes, to run while they are held)."""
    with PeakRss(target) as rss:
        held = open_connections(target, count)
        try:
            time.sleep(hold_seconds)
            assert_health_fast(target, f"{count} idle connections (while held)")
            target.check_unharmed()
        finally:
            close_all(held)
    assert_unharmed(target, rss, f"{count} idle connections")


def probe_half_sent_requests(target, count=1000, hold_seconds=1.0):
    """Requests whose headers arrived and whose body never finishes."""
    head = target.head(target.body_method, target.body_path,
                       "Content-Type: application/json\r\nContent-Length: 4096")
    with PeakRss(target) as rss:
        held = open_connections(target, count, head + b'{"partial": "')
        try:
            time.sleep(hold_seconds)
            assert_health_fast(target, f"{count} half-sent requests (while held)")
            target.check_unharmed()
        finally:
            close_all(held)
    assert_unharmed(target, rss, f"{count} half-sent requests")


def probe_huge_chunked_body(target, total_bytes=200 << 20, authorised=False):
    head = target.head(target.body_method, target.body_path,
                       "Content-Type: application/json\r\nTransfer-Encoding: chunked",
                       authorised=authorised)
    with PeakRss(target) as rss:
        status, sent = stream_until_answered(target, head, chunked_pieces(total_bytes))
    expected = 401 if target.token and not authorised else 413
    assert status == expected, f"a {total_bytes >> 20} MiB chunked body got {status}"
    assert_unharmed(target, rss, f"a {total_bytes >> 20} MiB chunked body")
    return sent


def probe_huge_header(target, total_bytes=300 << 20):
    head = (f"GET {target.health_path} HTTP/1.1\r\nHost: {target.host}\r\n"
            f"Authorization: Bearer ").encode()
    with PeakRss(target) as rss:
        status, sent = stream_until_answered(target, head, header_pieces(total_bytes))
    assert status == 431, f"a {total_bytes >> 20} MiB header got {status}"
    assert_unharmed(target, rss, f"a {total_bytes >> 20} MiB header")
    return sent


def probe_deep_nesting(target, depth=100_000):
    body = b"[" * depth + b"]" * depth
    head = target.head(target.body_method, target.body_path,
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}")
    with PeakRss(target) as rss:
        with target.connect() as sock:
            sock.sendall(head + body)
            response = read_response(sock)
    assert response is not None, "the server closed the connection on a deep body"
    assert response[0] == 400, f"a body nested {depth} deep got {response[0]}"
    assert b"nested deeper than" in response[2], response[2][:300]
    assert_unharmed(target, rss, f"a body nested {depth} deep")
