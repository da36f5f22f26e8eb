#!/usr/bin/env python3
"""A stand-in for tessera-router's control surface, for the end-to-end suites
of a tree built without the router: the argv, /health, /readiness, /metrics
and the admin API of its contract (docs/agent.md, "Routers"), and no data
path. The agent fixture runs it only when build/bin/tessera-router is absent;
the tests that need requests routed skip then.

  stub_router.py --host H --port P --served-model-name NAME [--policy P]
      [--prefill-policy P] [--decode-policy P] [--pd-protocol sglang|vllm]
      [--admin-token-file PATH]
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POLICIES = ["round_robin", "least_load", "cache_aware"]
ROLES = ["aggregated", "prefill", "decode"]


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"tessera-router: {message}\n")
        sys.exit(2)


def main():
    parser = ArgumentParser(prog="tessera-router")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--served-model-name", required=True)
    parser.add_argument("--policy", choices=POLICIES, default="cache_aware")
    parser.add_argument("--prefill-policy", choices=POLICIES)
    parser.add_argument("--decode-policy", choices=POLICIES)
    parser.add_argument("--pd-protocol", choices=["sglang", "vllm"], default="sglang")
    parser.add_argument("--admin-token-file")
    args = parser.parse_args()
    token = None
    if args.admin_token_file:
        with open(args.admin_token_file) as f:
            token = f.read().strip()
    lock = threading.Lock()
    members = []
    puts = [0]

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body):
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self):
            if token is None or self.headers.get("Authorization") == f"Bearer {token}":
                return True
            self.reply(401, {"error": {"message": "a bearer token is required"}})
            return False

        def answer(self):
            with lock:
                return {"workers": [dict(member, healthy=True, inFlight=0, draining=False)
                                    for member in members]}

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, {"status": "ok"})
            elif self.path == "/readiness":
                with lock:
                    roles = {member["role"] for member in members}
                ready = "aggregated" in roles or {"prefill", "decode"} <= roles
                self.reply(200 if ready else 503, {"ready": ready})
            elif self.path == "/metrics":
                with lock:
                    self.reply(200, f"tessera_router_membership_updates_total {puts[0]}\n")
            elif self.path == "/admin/workers":
                if self.authorized():
                    self.reply(200, self.answer())
            else:
                self.reply(404, {"error": {"message": "not found"}})

        def do_PUT(self):
            if self.path != "/admin/workers":
                self.reply(404, {"error": {"message": "not found"}})
                return
            if not self.authorized():
                return
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length))
                workers = body["workers"]
                for i, worker in enumerate(workers):
                    if not isinstance(worker.get("url"), str):
                        raise ValueError(f"workers[{i}].url: is required")
                    if worker.get("role") not in ROLES:
                        raise ValueError(f"workers[{i}].role: must be one of {ROLES}")
            except (ValueError, KeyError, TypeError) as error:
                self.reply(400, {"error": {"message": str(error)}})
                return
            with lock:
                members[:] = workers
                puts[0] += 1
            self.reply(200, self.answer())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
