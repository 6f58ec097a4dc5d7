"""Live updates and figures: the Server-Sent Events stream (authenticated by the
session cookie, as EventSource needs, or the Bearer header) carries ticket events to
the experts they concern and alert events to on-call, never a question text; a stream
ends within seconds of its session (sign-out, a disabled account), and an account holds
at most http.max_streams_per_account of them; /metrics
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
        self.ended = threading.Event()  # set when the server ends the stream
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
                    self.ended.set()
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


class EventsTest(a24test.StackTestCase):
    STACK_CONFIG = {"deadlines": {"crisis": "1h"}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = a24workers.Worker(cls.stack, role="all")
        cls.addClassCleanup(lambda: cls.worker.stop())
        cls.worker.start()
        cls.cookies, cls.auth = {}, {}
        for name, role, cats in [("erin", "expert", "sleep"), ("fay", "expert", "family"),
                                 ("owen", "oncall", None)]:
            a24test.add_user(cls.web.config_path, name, role, PASSWORD, cats, "en" if cats else None)
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

    # ---------------------------------------------------------------- streams and sessions

    def account(self, name, cats="sleep"):
        p = subprocess.run([CTL, "--config", self.web.config_path, "user", "add", "--username",
                            name, "--role", "expert", "--categories", cats, "--languages", "en",
                            "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def sign_in(self, name):
        r = self.web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)
        return {"Authorization": "Bearer " + r.json["token"]}, \
            {"Cookie": r.headers["set-cookie"].split(";")[0]}

    def on_duty(self, name):
        with self.stack.resp() as redis:
            return (redis.call("HGET", f"a24:user:{name}", "on_duty"),
                    redis.call("SISMEMBER", "a24:onduty", name))

    def test_disabled_account_stream_closes_and_goes_off_duty(self):
        self.account("gil", "family")
        auth, cookie = self.sign_in("gil")
        self.assertEqual(self.web.request("PUT", "/api/v1/me/duty", {"on_duty": True},
                                          auth).status, 200)
        t = self.web.submit("a question about my family", "family").json["ticket"]
        r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, auth)
        self.assertEqual(r.status, 200, r.body)
        s = self.stream(cookie)
        self.assertEqual(s.status, 200)
        time.sleep(0.3)
        started = time.monotonic()
        p = subprocess.run([CTL, "--config", self.web.config_path, "user", "disable", "gil"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(s.ended.wait(10), "the disabled account's stream stayed open")
        self.assertLess(time.monotonic() - started, 10)
        # Off duty with the usual hand-back: the claim went back to the queue.
        self.assertEqual(self.on_duty("gil"), (b"0", 0))
        with self.stack.resp() as redis:
            self.assertNotEqual(redis.call("HGET", f"a24:t:{t}", "owner"), b"gil")
            self.assertEqual(redis.call("ZSCORE", "a24:mine:gil", t), None)
            trail = [x.decode() for x in redis.call("LRANGE", f"a24:t:{t}:audit", 0, -1)]
        self.assertTrue(any(" handback_disabled claimed queued" in x for x in trail), trail)
        self.assertEqual(self.stream(cookie).status, 401)

    def test_sign_out_closes_that_sessions_stream(self):
        self.account("hal")
        auth_a, cookie_a = self.sign_in("hal")
        auth_b, cookie_b = self.sign_in("hal")
        self.assertEqual(self.web.request("PUT", "/api/v1/me/duty", {"on_duty": True},
                                          auth_a).status, 200)
        a, b = self.stream(cookie_a), self.stream(cookie_b)
        self.assertEqual((a.status, b.status), (200, 200))
        time.sleep(0.3)
        self.assertEqual(self.web.request("DELETE", "/api/v1/session", headers=auth_a).status,
                         204)
        self.assertTrue(a.ended.wait(10), "the signed-out session's stream stayed open")
        self.assertFalse(b.ended.is_set(), "another session's stream was closed")
        self.assertEqual(self.on_duty("hal"), (b"1", 1))  # another session is still live
        # The last session ends: off duty, and its stream closes too.
        self.assertEqual(self.web.request("DELETE", "/api/v1/session", headers=auth_b).status,
                         204)
        self.assertTrue(b.ended.wait(10), "the last session's stream stayed open")
        self.assertEqual(self.on_duty("hal"), (b"0", 0))

    def test_password_change_closes_streams(self):
        self.account("ike")
        auth, cookie = self.sign_in("ike")
        s = self.stream(auth)
        self.assertEqual(s.status, 200)
        time.sleep(0.3)
        p = subprocess.run([CTL, "--config", self.web.config_path, "user", "passwd", "ike",
                            "--password-stdin"], input="a-new-password-9\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(s.ended.wait(10), "the stream outlived the password change")

    def test_streams_per_account_are_capped(self):
        self.account("jo")
        auth, _ = self.sign_in("jo")
        streams = [self.stream(auth) for _ in range(8)]  # http.max_streams_per_account
        self.assertEqual([x.status for x in streams], [200] * 8)
        extra = Stream(self.web.port, auth)
        self.addCleanup(extra.close)
        self.assertEqual(extra.status, 429)
        body = json.loads(extra.resp.read())
        self.assertEqual(body["error"]["code"], "too_many_streams")
        self.assertIsNotNone(extra.resp.getheader("retry-after"))
        # The cap is per account: another account still gets its stream.
        self.assertEqual(self.stream(self.auth["owen"]).status, 200)

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
