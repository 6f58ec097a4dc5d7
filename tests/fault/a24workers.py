"""a24workers: answer24-worker processes and a webhook receiver for the fault tests.

Builds on the shared harness (tests/integration/a24test.py): a Worker runs the real
`answer24-worker` with the same generated configuration as the front end beside it;
a HookReceiver is a small HTTP server on 127.0.0.1 that records every delivery with
the time it arrived, and can be told to fail.
"""

import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import a24test  # noqa: E402


class Worker(a24test.WebServer):
    """answer24-worker with a role, sharing a stack's configuration file."""

    def __init__(self, stack, role="all", name=None):
        super().__init__(stack.tmp, stack.redis.port, config=stack.web.config,
                         name=name or f"worker-{role}-{a24test.free_port()}")
        self.config = stack.web.config
        self.role = role

    @property
    def binary(self):
        return os.path.join(a24test.BIN_DIR, "answer24-worker")

    def start(self, wait_ready=True, timeout=10.0):
        with open(self.config_path, "w") as f:
            f.write(a24test.to_yaml(self.config) + "\n")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.update(self.env)
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "--config", self.config_path, "--role", self.role],
                                     stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, env=env, start_new_session=True)
        a24test.wait_until(lambda: any(e.get("event") == "redis_connected" for e in self.log_events()),
                           timeout, what="the worker's Redis connection")
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)
        self._log_file.close()
        self._log_file = None


SECRET = "test-webhook-secret"
TOLERANCE_S = 300  # what the README tells receivers


def signature_ok(header, body, secret=SECRET, now=None):
    """Verifies X-Answer24-Signature as a receiver must: t=<unix s>,v1=<hex HMAC-SHA256
    of "<t>.<body>">, with t within the tolerance."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    if abs((now or time.time()) - int(parts["t"])) > TOLERANCE_S:
        return False
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


class HookReceiver:
    """Records webhook deliveries: (arrival time, headers, parsed body); counts those
    whose signature does not verify (bad_signatures)."""

    def __init__(self, port=None):
        self.port = port or a24test.free_port()
        self.deliveries = []
        self.bad_signatures = 0
        self.fail = False
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if receiver.fail:
                    self.send_response(503)
                else:
                    with receiver.lock:
                        if not signature_ok(self.headers.get("X-Answer24-Signature"), body):
                            receiver.bad_signatures += 1
                        receiver.deliveries.append((time.time(), dict(self.headers),
                                                    json.loads(body)))
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def bodies(self):
        with self.lock:
            return [d[2] for d in self.deliveries]


def ladder_config(window_ms, ladder, alerts, hook_url=None, hook_notify=("oncall", "supervisor"),
                  extra=None):
    """A configuration for the deadline engine: every window `window_ms` long, the
    escalation `ladder` as (permille, notify, repeat or None) rows, the `alerts`
    settings and, with `hook_url`, one signed webhook for the roles `hook_notify`;
    `extra` is merged over the result."""
    c = {
        "deadlines": {"answer": f"{window_ms}ms", "green_channel": f"{window_ms}ms",
                      "crisis": f"{window_ms}ms"},
        "escalation": [dict({"at": f"{p / 10:g}%", "notify": n}, **({"repeat": r} if r else {}))
                       for p, n, r in ladder],
        "alerts": dict(alerts),
    }
    if hook_url:
        c["alerts"]["webhooks"] = [{"url": hook_url, "notify": list(hook_notify)}]
        c["alerts"]["webhook_secret"] = SECRET
    return a24test.deep_merge(c, extra or {})

def alerts(resp):
    """Every alert in Redis as a dict (fields decoded)."""
    out = []
    last = int(resp.call("GET", "a24:alerts:seq") or 0)
    for i in range(1, last + 1):
        h = resp.hgetall(f"a24:alert:{i}")
        if h:
            out.append({k.decode() if isinstance(k, bytes) else k:
                        v.decode() if isinstance(v, bytes) else v for k, v in h.items()})
    return out


def history(resp, alert_id):
    """An incident's history: its changes as dicts, oldest first."""
    return [json.loads(x) for x in resp.call("LRANGE", f"a24:alert:{alert_id}:history", 0, -1)]


def incident(resp, ticket_id):
    """The incidents of one ticket (one at a time is open), oldest first."""
    return [a for a in alerts(resp) if a.get("ticket") == ticket_id]


def steps(resp, ticket_id, kinds=("late", "breach")):
    """The ladder steps recorded in a ticket's incidents: history entries of those kinds
    that were raised (not acks, repeats or step-downs), oldest first."""
    out = []
    for a in incident(resp, ticket_id):
        out += [dict(h, notify=a["notify"]) for h in history(resp, a["id"])
                if h["kind"] in kinds and h["event"] in ("raised", "escalated", "noted")]
    return out


def ticket(resp, ticket_id):
    h = resp.hgetall(f"a24:t:{ticket_id}")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in h.items()}
