"""A stand-in for `tessera up`'s HTTP endpoint: the dashboard's static files
from cli/up/dashboard/ and a fake of the JSON API of docs/up-api.md.

It exists so the dashboard's browser test runs before `tessera up` does; the
test against the real one swaps this fixture for the binary and keeps the
driver (tests/e2e/dashboard/check_dashboard.mjs), which reads only the page.

The fake shows one simulated node of two MI300X GPUs in CPX/NPS4 (eight
24 GiB partitions each) and two deployments: `default/llama-8b`
(aggregated, ready) and `serving/llama-70b-pd` (disaggregated, mid-rollout:
a decode worker starting, one backing off, an old one draining). Its metrics
clock moves with the wall clock, one point every 2 seconds, so charts grow
while the page watches; there are gaps (null) where no request finished.
"""

import json
import math
import os
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DASHBOARD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../cli/up/dashboard")
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8"}
GIB = 1024 ** 3
PERIOD_SECONDS = 2
# How far back the series reach when the fake starts: enough for lines from
# the first answer, short enough that the page sees them grow.
HISTORY_SECONDS = 120

# (id, namespace, deployment, role, partitions, state)
WORKERS = [
    ("default.llama-8b.worker-7c1e90ab-0", "default", "llama-8b", "worker", [0], "ready"),
    ("default.llama-8b.worker-7c1e90ab-1", "default", "llama-8b", "worker", [1], "ready"),
    ("default.llama-8b.router-7c1e90ab-0", "default", "llama-8b", "router", [], "ready"),
    ("serving.llama-70b-pd.prefill-3b4fd96e-0", "serving", "llama-70b-pd", "prefill",
     [8, 9, 10, 11], "ready"),
    ("serving.llama-70b-pd.decode-3b4fd96e-0", "serving", "llama-70b-pd", "decode", [12, 13], "ready"),
    ("serving.llama-70b-pd.decode-3b4fd96e-1", "serving", "llama-70b-pd", "decode", [2, 3], "starting"),
    ("serving.llama-70b-pd.decode-3b4fd96e-2", "serving", "llama-70b-pd", "decode", [4, 5], "backoff"),
    ("serving.llama-70b-pd.decode-0a9d22c1-1", "serving", "llama-70b-pd", "decode", [14, 15],
     "draining"),
    ("serving.llama-70b-pd.router-3b4fd96e-0", "serving", "llama-70b-pd", "router", [], "ready"),
]


def rfc3339(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def wave(t, period, low, high, phase=0.0):
    return low + (high - low) * (0.5 + 0.5 * math.sin(2 * math.pi * t / period + phase))


class FakeUpApi:
    """Serves the dashboard and the fake API on 127.0.0.1 in a thread.

    `api_status`, when set to an HTTP status, makes every /api/ request fail
    with it, as an unreachable or broken `tessera up` would."""

    def __init__(self):
        self.started = time.time()
        self.api_status = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP ---------------------------------------------------------------

    def handle(self, request):
        parts = urlsplit(request.path)
        path = parts.path
        if path.startswith("/api/"):
            if self.api_status is not None:
                return self.send(request, self.api_status, "application/json",
                                 json.dumps({"error": "tessera up is stopping"}))
            if path == "/api/v1/overview":
                return self.send(request, 200, "application/json", json.dumps(self.overview()))
            if path == "/api/v1/metrics":
                query = parse_qs(parts.query)
                seconds = min(int(query.get("seconds", ["900"])[0]), 900)
                return self.send(request, 200, "application/json", json.dumps(self.metrics(seconds)))
            return self.send(request, 404, "application/json",
                             json.dumps({"error": f"no such endpoint {path}"}))
        name = "index.html" if path == "/" else path.lstrip("/")
        extension = os.path.splitext(name)[1]
        file = os.path.join(DASHBOARD_DIR, name)
        if "/" in name or extension not in CONTENT_TYPES or not os.path.isfile(file):
            return self.send(request, 404, "text/plain", "not found")
        with open(file, "rb") as handle:
            return self.send(request, 200, CONTENT_TYPES[extension], handle.read())

    @staticmethod
    def send(request, status, content_type, body):
        data = body if isinstance(body, bytes) else body.encode()
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    # --- the API's objects ----------------------------------------------------

    def agent_worker(self, worker_id, namespace, deployment, role, partitions, state):
        body = {
            "id": worker_id,
            "spec": {"deployment": deployment, "namespace": namespace, "role": role,
                     "partitions": partitions,
                     "engine": {"kind": "sim", "model": "meta-llama/Llama-3.1-8B-Instruct",
                                "tensorParallelSize": max(len(partitions), 1)}},
            "state": state,
            "stateSince": rfc3339(self.started - 60),
            "ready": state == "ready",
            "port": 20000 + abs(hash(worker_id)) % 1000,
            "url": f"http://127.0.0.1:{20000 + abs(hash(worker_id)) % 1000}",
            "restarts": 3 if state == "backoff" else 0,
            "crashLoop": False,
            "adopted": False,
            "replacing": False,
            "metricDialect": "vllm",
        }
        if state == "backoff":
            body["reason"] = "exited with code 1; restarting in 8 s"
        return body

    def node(self, now):
        holders = {}
        for worker_id, _, _, _, partitions, _ in WORKERS:
            for partition in partitions:
                holders[partition] = worker_id
        gpus = []
        for gpu_index in range(2):
            partitions = []
            for index_in_gpu in range(8):
                index = gpu_index * 8 + index_in_gpu
                holder = holders.get(index)
                used = 0.4 * GIB
                if holder:
                    used = wave(now + index * 7, 90, 17.5 * GIB, 21.0 * GIB)
                partitions.append({"index": index, "indexInGpu": index_in_gpu,
                                   "vramTotalBytes": 24 * GIB, "computeUnits": 38,
                                   "worker": holder, "vramUsedBytes": int(used),
                                   "busyPercent": 60 if holder else 0})
            gpus.append({"index": gpu_index, "product": "mi300x", "name": "AMD Instinct MI300X",
                         "pciBusId": f"0000:{0x11 + gpu_index:02x}:00.0", "uniqueId": "",
                         "numaNode": gpu_index, "computePartition": "cpx",
                         "memoryPartition": "nps4", "vramTotalBytes": 192 * GIB,
                         "computeUnits": 304,
                         "vramUsedBytes": sum(p["vramUsedBytes"] for p in partitions),
                         "partitions": partitions})
        return {"hostname": "node-a", "gpuBackend": "sim", "labels": {},
                "partitions": {"total": 16, "free": 16 - len(holders)}, "gpus": gpus}

    def deployment(self, namespace, name):
        workers = [w for w in WORKERS if w[1] == namespace and w[2] == name]
        status_workers = [{"name": w[0], "role": w[3], "node": "node-a", "partitions": w[4],
                           "url": "http://127.0.0.1:20001", "state": w[5],
                           "ready": w[5] == "ready", "updated": "0a9d22c1" not in w[0]}
                          for w in workers]

        def role(role_name, desired):
            members = [w for w in workers if w[3] == role_name and w[5] != "draining"]
            ready = sum(1 for w in members if w[5] == "ready")
            return {"desired": desired, "replicas": len(members), "ready": ready,
                    "updated": len(members), "summary": f"{ready}/{desired}"}

        transition = rfc3339(self.started - 300)
        if name == "llama-8b":
            spec = {"model": {"source": "meta-llama/Llama-3.1-8B-Instruct"},
                    "engine": {"kind": "sim", "maxModelLen": 8192}, "worker": {"replicas": 2}}
            status = {"observedGeneration": 1, "endpoint": "http://127.0.0.1:20007",
                      "worker": role("worker", 2), "router": role("router", 1),
                      "conditions": [
                          {"type": "Ready", "status": "True", "reason": "AllReady",
                           "message": "", "lastTransitionTime": transition},
                          {"type": "Progressing", "status": "True", "reason": "Complete",
                           "message": "", "lastTransitionTime": transition}]}
        else:
            spec = {"model": {"source": "meta-llama/Llama-3.3-70B-Instruct",
                              "servedName": "llama-70b"},
                    "engine": {"kind": "sim", "maxModelLen": 8192},
                    "mode": "disaggregated",
                    "prefill": {"replicas": 1, "tensorParallelSize": 4},
                    "decode": {"replicas": 3, "tensorParallelSize": 2}}
            status = {"observedGeneration": 2, "endpoint": "http://127.0.0.1:20011",
                      "prefill": role("prefill", 1), "decode": role("decode", 3),
                      "router": role("router", 1),
                      "conditions": [
                          {"type": "Ready", "status": "False", "reason": "WorkersNotReady",
                           "message": "decode: 1 of 3 ready", "lastTransitionTime": transition},
                          {"type": "Progressing", "status": "True", "reason": "RollingOut",
                           "message": "decode: replacing 1 worker",
                           "lastTransitionTime": transition}]}
        status["workers"] = status_workers
        return {"namespace": namespace, "name": name, "generation": status["observedGeneration"],
                "manifest": f"/root/.local/state/tessera/manifests/{name}.yaml",
                "spec": spec, "status": status}

    def events(self):
        start = self.started
        rows = [
            (-290, "default/llama-8b", "Normal", "WorkerCreated",
             "started default.llama-8b.worker-7c1e90ab-0 on node-a (partitions 0)", 1),
            (-289, "default/llama-8b", "Normal", "WorkerCreated",
             "started default.llama-8b.worker-7c1e90ab-1 on node-a (partitions 1)", 1),
            (-240, "default/llama-8b", "Normal", "RouterReady",
             "router default.llama-8b.router-7c1e90ab-0 ready at http://127.0.0.1:20007", 1),
            (-120, "serving/llama-70b-pd", "Normal", "ScalingUp", "decode: starting 2 workers", 1),
            (-60, "serving/llama-70b-pd", "Warning", "WorkerBackoff",
             "serving.llama-70b-pd.decode-3b4fd96e-2 exited with code 1; restarting in 8 s", 4),
            (-30, "serving/llama-70b-pd", "Normal", "WorkerDraining",
             "draining serving.llama-70b-pd.decode-0a9d22c1-1 (grace 30 s)", 1),
        ]
        return [{"deployment": d, "type": t, "reason": r, "message": m, "count": c,
                 "firstTime": rfc3339(start + offset - (c - 1) * 10),
                 "lastTime": rfc3339(start + offset)} for offset, d, t, r, m, c in rows]

    def overview(self):
        now = time.time()
        deployments = [self.deployment("default", "llama-8b"),
                       self.deployment("serving", "llama-70b-pd")]
        return {"stateDir": "/root/.local/state/tessera", "startedAt": rfc3339(self.started),
                "apiUrl": self.url, "nodes": [self.node(now)], "deployments": deployments,
                "workers": [self.agent_worker(*w) for w in WORKERS], "events": self.events()}

    # --- the series -------------------------------------------------------------

    def metrics(self, seconds):
        now = time.time()
        first = max(self.started - HISTORY_SECONDS, now - seconds)
        times = [float(t) for t in range(int(math.ceil(first / PERIOD_SECONDS)) * PERIOD_SECONDS,
                                         int(now) + 1, PERIOD_SECONDS)]
        return {"periodSeconds": PERIOD_SECONDS, "windowSeconds": 10,
                "deployments": {"default/llama-8b": self.series(times, 0.0, aggregated=True),
                                "serving/llama-70b-pd": self.series(times, 1.3, aggregated=False)}}

    def series(self, times, phase, aggregated):
        # No requests finished in the first 20 seconds of history, and none
        # for 10 seconds later on: the page must draw those as gaps.
        def idle(t):
            age = t - (self.started - HISTORY_SECONDS)
            return age < 20 or 60 <= age < 70

        def values(low, high, period, shift=0.0):
            return [None if idle(t) else round(wave(t, period, low, high, phase + shift), 4)
                    for t in times]

        def percentiles(base, spread):
            return {"p50": values(base, base * 1.2, 47),
                    "p90": values(base * 1.4, base * 1.8, 47, 0.3),
                    "p99": values(base * 2.0, base * spread, 47, 0.6)}

        requests = [0.0 if idle(t) else round(wave(t, 60, 8, 14, phase), 2) for t in times]
        errors = [0.0 if idle(t) else (0.4 if int(t) % 50 < 6 else 0.0) for t in times]
        if aggregated:
            kv_cache = {"worker": [round(wave(t, 80, 0.05, 0.35, phase), 3) for t in times]}
            replicas = {"worker": [2 for _ in times], "router": [1 for _ in times]}
        else:
            kv_cache = {"prefill": [round(wave(t, 80, 0.02, 0.12, phase), 3) for t in times],
                        "decode": [round(wave(t, 80, 0.2, 0.55, phase + 1), 3) for t in times]}
            replicas = {"prefill": [1 for _ in times],
                        "decode": [2 if t < self.started - 40 else 1 for t in times],
                        "router": [1 for _ in times]}
        tpot = percentiles(0.018, 3.0)
        return {"time": times, "requestsPerSecond": requests, "errorsPerSecond": errors,
                "ttftSeconds": percentiles(0.21, 3.5), "tpotSeconds": tpot,
                "itlSeconds": percentiles(0.017, 3.2), "kvCacheUsage": kv_cache,
                "replicas": replicas}
