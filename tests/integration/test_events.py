"""Live updates and figures: the Server-Sent Events stream (authenticated by the
session cookie, as EventSource needs, or the Bearer header) carries ticket events to
the experts they concern and alert events to on-call, never a question text; /metrics
counts answers in its histogram; `answer24ctl stats` and GET /api/v1/stats agree.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "events-test-password"


class Stream:
    """Reads an event stream in a thread, collecting (event, data) pairs."""

    def __init__(self, port, headers):
        self.events, self.lock = [], threading.Lock()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/api/v1/events", headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("content-type")
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event, data = None, None
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    return
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and event is not None:
                    with self.lock:
                        self.events.append((event, data))
                    event, data = None, None
        except (OSError, ValueError, AttributeError):
            return

    def close(self):
        self.conn.close()

    def seen(self, pred):
        with self.lock:
            return [d for e, d in self.events if pred(e, d)]


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = a24test.start_stack(cls.addClassCleanup, config={
            "deadlines": {"crisis": "1h"}})
        cls.web = cls.stack.web
        cls.worker = a24workers.Worker(cls.stack, role="all")
        cls.addClassCleanup(lambda: cls.worker.stop())
        cls.worker.start()
        cls.cookies, cls.auth = {}, {}
        for name, role, cats in [("erin", "expert", "sleep"), ("fay", "expert", "family"),
                                 ("owen", "oncall", None)]:
            args = ["user", "add", "--username", name, "--role", role]
            if cats:
                args += ["--categories", cats, "--languages", "en"]
            p = subprocess.run([CTL, "--config", cls.web.config_path, *args, "--password-stdin"],
                               input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, p.stderr
            r = cls.web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
            cookie = r.headers.get("set-cookie", "")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
            cls.cookies[name] = {"Cookie": cookie.split(";")[0]}
            cls.auth[name] = {"Authorization": "Bearer " + r.json["token"]}

    def stream(self, headers):
        s = Stream(self.web.port, headers)
        self.addCleanup(s.close)
        return s

    def test_events_need_a_session(self):
        s = self.stream({})
        self.assertEqual(s.status, 401)
        s = self.stream({"Cookie": "a24_session=" + "x" * 43})
        self.assertEqual(s.status, 401)

    def test_events_reach_the_experts_and_oncall_they_concern(self):
        erin = self.stream(self.cookies["erin"])
        fay = self.stream(self.cookies["fay"])
        owen = self.stream(self.auth["owen"])
        self.assertEqual(erin.status, 200)
        self.assertTrue(erin.content_type.startswith("text/event-stream"))
        time.sleep(0.5)
        self.assertEqual(self.web.request("PUT", "/api/v1/me/duty", {"on_duty": True},
                                          self.auth["erin"]).status, 200)
        secret = "EVENT-STREAM-SECRET I want to kill myself"
        r = self.web.submit(secret, "sleep")
        t = r.json["ticket"]
        a24test.wait_until(lambda: erin.seen(lambda e, d: e == "ticket" and d["ticket"] == t
                                             and d["type"] == "offered"), 10,
                           what="the offer on erin's stream")
        a24test.wait_until(lambda: owen.seen(lambda e, d: e == "alert" and d["ticket"] == t
                                             and d["kind"] == "crisis"), 10,
                           what="the crisis alert on on-call's stream")
        time.sleep(0.5)
        self.assertEqual(fay.seen(lambda e, d: d.get("ticket") == t), [],
                         "an expert of another category saw the ticket")
        self.assertEqual(owen.seen(lambda e, d: e == "ticket"), [], "on-call got ticket events")
        for s in (erin, owen):
            self.assertNotIn("EVENT-STREAM-SECRET", json.dumps(s.events))

    def test_events_metrics_and_stats_count_an_answer(self):
        before = self.web.metrics()
        self.assertEqual(self.web.request("PUT", "/api/v1/me/duty", {"on_duty": True},
                                          self.auth["erin"]).status, 200)
        t = self.web.submit("a plain question about sleep", "sleep").json["ticket"]
        r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, self.auth["erin"])
        self.assertEqual(r.status, 200, r.body)
        r = self.web.request("POST", f"/api/v1/tickets/{t}/answer", {"text": "Try this."},
                             self.auth["erin"])
        self.assertEqual(r.status, 200, r.body)
        after = self.web.metrics()
        self.assertEqual(after["answer24_tickets_answered_total"],
                         before["answer24_tickets_answered_total"] + 1)
        self.assertEqual(after['answer24_answer_seconds_bucket{le="900"}'],
                         before['answer24_answer_seconds_bucket{le="900"}'] + 1)
        self.assertEqual(after["answer24_answer_seconds_count"],
                         before["answer24_answer_seconds_count"] + 1)
        api = self.web.request("GET", "/api/v1/stats", headers=self.auth["owen"]).json
        p = subprocess.run([CTL, "--config", self.web.config_path, "stats", "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["totals"], api["totals"])
        self.assertGreaterEqual(api["totals"]["answered"], 1)
        self.assertEqual(api["totals"]["answered_in_window_pct"], 100.0)
        p = subprocess.run([CTL, "--config", self.web.config_path, "stats", "--format", "csv"],
                           capture_output=True, text=True, timeout=60)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("date,category,submitted,answered"))
        self.assertTrue(lines[-1].startswith("total,all,"))
        self.assertIn(",sleep,", p.stdout)
        r = self.web.request("GET", "/api/v1/stats?from=2026-13-01", headers=self.auth["owen"])
        self.assertEqual((r.status, r.error_code), (400, "bad_date"))


if __name__ == "__main__":
    unittest.main()
