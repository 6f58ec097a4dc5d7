"""Integration tests of the promise figure and coverage ahead (issue 8, points 9 and 10),
on a real answer24-web, answer24-worker and answer24ctl in front of a private
redis-server (tests/integration/a24test.py).

- within_window_pct: with a "24-hour" window of a few seconds, some questions are
  answered in time, one late, one never, one withdrawn before its due time, and one is
  still inside its window; the figure counts every window that ended, answered or not.
- GET /api/v1/coverage/gaps and `answer24ctl rota gaps`: the gaps of the coming week
  from the rota in rota.timezone (Asia/Seoul).
- coverage_gap: two workers tick every second; the alert fires once,
  alerts.coverage_warning before a gap starts, and not before; once the rota covers the
  gap the system resolves it within a tick or two (a gap still there stays open), and a
  gap that comes back is raised again, once.
"""

import datetime
import json
import os
import sys
import time
import unittest
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

PASSWORD = "correct horse battery"
WINDOW_S = 5


ctl = a24test.ctl


def add_accounts(web, accounts):
    """Creates accounts with answer24ctl and signs each in; returns {username: token}."""
    return a24test.add_accounts(web, accounts, PASSWORD)


def start_worker(tc, stack, role="deadline"):
    w = a24workers.Worker(stack, role=role)

    def stop():
        if w.proc is not None and w.proc.poll() is None:
            tc.assertEqual(w.stop(), [], w.log())
    tc.addCleanup(stop)
    return w.start()


class PromiseFigureTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config={
            "deadlines": {"answer": f"{WINDOW_S}s", "green_channel": f"{WINDOW_S}s",
                          "crisis": f"{WINDOW_S}s"},
            "alerts": {"poll": "200ms"},
        })
        self.web = self.stack.web
        self.tokens = add_accounts(self.web, [("alice", "expert", "sleep", "en"),
                                              ("otto", "oncall", None, None)])
        self.assertEqual(self.call("alice", "PUT", "/api/v1/me/duty", {"on_duty": True}).status,
                         200)
        start_worker(self, self.stack)
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)

    def call(self, who, method, path, body=None):
        return self.web.request(method, path, body, {"Authorization": f"Bearer {self.tokens[who]}"})

    def submit(self):
        r = self.web.submit("I cannot sleep at night and I am tired.", "sleep", language="en")
        self.assertEqual(r.status, 201, r.body)
        return r.json["ticket"], r.json["access_code"], a24test.parse_time(r.json["due_at"])

    def answer(self, ticket):
        r = self.call("alice", "POST", f"/api/v1/tickets/{ticket}/claim")
        self.assertEqual(r.status, 200, r.body)
        r = self.call("alice", "POST", f"/api/v1/tickets/{ticket}/answer",
                      {"text": "Thank you for writing. Here is what may help."})
        self.assertEqual(r.status, 200, r.body)

    def stat(self, name):
        return int(self.resp.call("HGET", "a24:stats", name) or 0)

    def test_within_window_counts_late_and_never_answered(self):
        in_time = [self.submit()[0] for _ in range(2)]
        late, _, late_due = self.submit()
        never, _, _ = self.submit()
        gone, gone_code, _ = self.submit()
        for t in in_time:
            self.answer(t)
        self.assertEqual(self.web.withdraw(gone, gone_code).status, 204)
        # The engine counts the two unanswered windows as they end.
        a24test.wait_until(lambda: self.stat("window_ended") >= 4, WINDOW_S + 10, interval=0.1,
                           what="the missed windows counted")
        self.assertGreater(time.time(), late_due)
        self.answer(late)  # late: counted once, as missed
        fresh, _, fresh_due = self.submit()  # its window has not ended: not counted
        del never, fresh

        today = datetime.datetime.now(datetime.timezone.utc).date()
        span = f"from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=1)}"
        r = self.call("otto", "GET", f"/api/v1/stats?{span}")
        self.assertEqual(r.status, 200, r.body)
        totals = r.json["totals"]
        self.assertLess(time.time(), fresh_due, "the fresh question's window must still run")
        self.assertEqual(totals["window_ended"], 4, totals)
        self.assertEqual(totals["within_window"], 2, totals)
        self.assertAlmostEqual(totals["within_window_pct"], 50.0)
        # The answered-only figure stays, under its own name: 2 of the 3 answered.
        self.assertEqual(totals["answered"], 3)
        self.assertAlmostEqual(totals["answered_in_window_pct"], 200 / 3)
        m = self.web.metrics()
        self.assertEqual(m["answer24_windows_ended_total"], 4)
        self.assertEqual(m["answer24_windows_kept_total"], 2)
        ended = sum(d["window_ended"] for d in r.json["days"])
        self.assertEqual(ended, 4)
        for d in r.json["days"]:
            if d["window_ended"]:
                self.assertEqual(d["categories"]["sleep"]["window_ended"], d["window_ended"])

        p = ctl(self.web.config_path, "stats", "--from", str(today - datetime.timedelta(days=1)),
                "--to", str(today + datetime.timedelta(days=1)), "--format", "csv")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        header = lines[0].split(",")
        total = dict(zip(header, lines[-1].split(",")))
        self.assertEqual(total["date"], "total")
        self.assertEqual(total["window_ended"], "4")
        self.assertEqual(total["within_window"], "2")
        self.assertEqual(total["within_window_pct"], "50.0")
        p = ctl(self.web.config_path, "stats", "--format", "json",
                "--to", str(today + datetime.timedelta(days=1)))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertAlmostEqual(json.loads(p.stdout)["totals"]["within_window_pct"], 50.0)


class PromiseWithoutEngineTest(PromiseFigureTest):
    """No deadline engine runs: a late answer and a withdrawal after the due time still
    count their window as ended (missed), once; a withdrawal before it never counts."""

    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config={
            "deadlines": {"answer": f"{WINDOW_S}s"}})
        self.web = self.stack.web
        self.tokens = add_accounts(self.web, [("alice", "expert", "sleep", "en")])
        self.assertEqual(self.call("alice", "PUT", "/api/v1/me/duty", {"on_duty": True}).status,
                         200)
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)

    def test_within_window_counts_late_and_never_answered(self):
        late, _, due = self.submit()
        gone_late, code_late, _ = self.submit()
        gone_early, code_early, _ = self.submit()
        self.assertEqual(self.web.withdraw(gone_early, code_early).status, 204)
        time.sleep(max(0.0, due - time.time()) + 0.5)
        self.assertEqual(self.stat("window_ended"), 0, "nothing counts the windows on its own")
        self.answer(late)
        self.assertEqual(self.web.withdraw(gone_late, code_late).status, 204)
        self.assertEqual(self.stat("window_ended"), 2)
        self.assertEqual(self.stat("within_window"), 0)


SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


class CoverageGapsTest(a24test.StackTestCase):
    STACK_CONFIG = {"rota": {"timezone": "Asia/Seoul"}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = add_accounts(cls.web, [
            ("kim", "expert", "depression", "ko"),
            ("ann", "expert", ",".join(["depression", "anxiety", "stress", "sleep", "family",
                                         "disaster", "other"]), "en,zh"),
            ("off", "expert", "anxiety", "ko"),
            ("otto", "oncall", None, None),
            ("sue", "supervisor", None, None),
        ])
        for user, rota in (("kim", "mon-fri 09:00-17:00"), ("ann", "mon-sun 00:00-24:00"),
                           ("off", "mon-sun 00:00-24:00")):
            p = ctl(cls.web.config_path, "rota", "set", user, rota)
            assert p.returncode == 0, p.stderr
        p = ctl(cls.web.config_path, "user", "disable", "off")  # a disabled account covers nothing
        assert p.returncode == 0, p.stderr

    def call(self, who, path):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.web.request("GET", path, None, headers)

    def check_report(self, report, days):
        frm, to = a24test.parse_time(report["from"]), a24test.parse_time(report["to"])
        self.assertAlmostEqual(to - frm, days * 86400, delta=1)
        self.assertEqual(report["timezone"], "Asia/Seoul")
        by = {}
        for g in report["gaps"]:
            by.setdefault(g["subject"], []).append(g)
            start, end = a24test.parse_time(g["start"]), a24test.parse_time(g["end"])
            self.assertAlmostEqual(g["hours"], (end - start) / 3600)
            local = datetime.datetime.fromtimestamp(start, SEOUL)
            self.assertEqual(g["start_local"], local.strftime("%a %Y-%m-%d %H:%M"))
        # Nobody for Korean anxiety (its only expert is disabled): one gap, the whole range.
        self.assertEqual(len(by["ko:anxiety"]), 1)
        self.assertLessEqual(a24test.parse_time(by["ko:anxiety"][0]["start"]), frm)
        self.assertAlmostEqual(a24test.parse_time(by["ko:anxiety"][0]["end"]), to, delta=1)
        # English and Chinese are covered day and night.
        self.assertFalse([s for s in by if s.startswith(("en:", "zh:"))], sorted(by))
        # Korean depression: outside Monday to Friday 09:00-17:00 Seoul time.
        for g in by["ko:depression"]:
            start, end = a24test.parse_time(g["start"]), a24test.parse_time(g["end"])
            ls, le = (datetime.datetime.fromtimestamp(x, SEOUL) for x in (start, end))
            if start > frm:
                self.assertEqual((ls.hour, ls.minute), (17, 0), g)
                self.assertLess(ls.weekday(), 5, g)
            if end < to - 60:
                self.assertEqual((le.hour, le.minute), (9, 0), g)
                self.assertLess(le.weekday(), 5, g)
        covered = days * 86400 - sum(a24test.parse_time(g["end"]) - a24test.parse_time(g["start"])
                                     for g in by["ko:depression"])
        self.assertLessEqual(covered, min(days, 5) * 8 * 3600 + 60)
        if days == 7:
            self.assertAlmostEqual(covered, 5 * 8 * 3600, delta=60)
            self.assertIn(len(by["ko:depression"]), (5, 6))
        return by

    def test_api_lists_the_gaps_of_the_week(self):
        r = self.call("otto", "/api/v1/coverage/gaps")
        self.assertEqual(r.status, 200, r.body)
        self.check_report(r.json, 7)
        r = self.call("sue", "/api/v1/coverage/gaps?days=2")
        self.assertEqual(r.status, 200, r.body)
        self.check_report(r.json, 2)

    def test_api_who_and_what(self):
        self.assertEqual(self.call(None, "/api/v1/coverage/gaps").status, 401)
        a24test.assert_error(self, self.call("kim", "/api/v1/coverage/gaps"), 403, "forbidden")
        for bad in ("0", "29", "x", ""):
            a24test.assert_error(self, self.call("otto", f"/api/v1/coverage/gaps?days={bad}"),
                                 400, "bad_days", "days")

    def test_ctl_rota_gaps(self):
        p = ctl(self.web.config_path, "rota", "gaps", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        by = self.check_report(json.loads(p.stdout), 7)
        p = ctl(self.web.config_path, "rota", "gaps", "--days", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(times in Asia/Seoul)", p.stdout)
        self.assertIn("ko:anxiety", p.stdout)
        self.assertNotIn("en:sleep", p.stdout)
        self.assertIn("ko:depression", by)
        p = ctl(self.web.config_path, "rota", "gaps", "--days", "99")
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage", p.stderr)


def on_shift_until(tc, stack, users, gap):
    """Gives each of `users` a shift from 3 hours before `gap` (a minute boundary) to it,
    and not again for a week, then starts two workers; returns a Redis connection."""
    begin = datetime.datetime.fromtimestamp(gap - 3 * 3600, datetime.timezone.utc)
    end = datetime.datetime.fromtimestamp(gap, datetime.timezone.utc)
    for user in users:
        p = ctl(stack.web.config_path, "rota", "set", user,
                f"{begin.strftime('%a').lower()} {begin:%H:%M}-{end:%H:%M}")
        tc.assertEqual(p.returncode, 0, p.stderr)
    resp = stack.resp()
    tc.addCleanup(resp.close)
    start_worker(tc, stack)
    start_worker(tc, stack)
    return resp


class CoverageAlertTest(unittest.TestCase):
    """lee covers English sleep until G, a minute boundary 30-90 s ahead, and not again for
    a week; coverage_warning puts the alert 12 s after the test starts."""

    def test_coverage_gap_fires_once_before_the_gap(self):
        now = time.time()
        gap = (int(now + 30) // 60 + 1) * 60
        warn_at = now + 12
        warning = int(gap - warn_at)
        stack = a24test.start_stack(self.addCleanup, config={
            "rota": {"timezone": "UTC", "tick": "1s"},
            "alerts": {"coverage_warning": f"{warning}s"},
        })
        add_accounts(stack.web, [("lee", "expert", "sleep", "en")])
        resp = on_shift_until(self, stack, ("lee",), gap)

        def coverage_alerts():
            return [a for a in a24workers.alerts(resp) if a["kind"] == "coverage_gap"]
        time.sleep(max(0.0, warn_at - 3 - time.time()))
        if time.time() < warn_at - 0.5:  # (a slow start may leave no time to look)
            self.assertEqual(coverage_alerts(), [], "no alert before coverage_warning")
        a24test.wait_until(lambda: coverage_alerts(), 15, interval=0.1, what="coverage_gap")
        raised = time.time()
        self.assertLess(raised, gap)
        self.assertGreater(raised, warn_at - 1.5)
        time.sleep(3)  # more ticks of both workers
        alerts = coverage_alerts()
        self.assertEqual(len(alerts), 1, alerts)  # once, and none for pairs nobody ever covers
        a = alerts[0]
        self.assertEqual((a["subject"], a["language"], a["category"]), ("coverage_gap:en:sleep", "en", "sleep"))
        self.assertEqual(int(a["gap_start"]), gap)
        self.assertEqual(a["ticket"], "")
        self.assertEqual(a["state"], "open")
        self.assertIsNotNone(resp.call("ZSCORE", "a24:alerts:open", a["id"]))
        events = resp.call("XRANGE", "a24:alerts", "-", "+")
        kinds = [dict(zip(e[1][::2], e[1][1::2])).get(b"kind") for e in events]
        self.assertEqual(kinds.count(b"coverage_gap"), 1)


class CoverageResolveTest(unittest.TestCase):
    """lee (English sleep) and kim (English anxiety) are on shift until G, a minute
    boundary 30-90 s ahead, and not again for a week; the alerts come 12 s after the
    test starts. Then max gets a shift over the whole week in English sleep: that gap is
    gone, and its alert is resolved by the system well before G; English anxiety's stays.
    Clearing max's rota brings the gap back: it is raised again, once."""

    def test_coverage_gap_resolved_when_the_rota_covers_it(self):
        now = time.time()
        gap = (int(now + 30) // 60 + 1) * 60
        warn_at = now + 12
        stack = a24test.start_stack(self.addCleanup, config={
            "rota": {"timezone": "UTC", "tick": "1s"},
            "alerts": {"coverage_warning": f"{int(gap - warn_at)}s"},
        })
        tokens = add_accounts(stack.web, [("lee", "expert", "sleep", "en"),
                                          ("kim", "expert", "anxiety", "en"),
                                          ("max", "expert", "sleep", "en"),
                                          ("otto", "oncall", None, None)])
        resp = on_shift_until(self, stack, ("lee", "kim"), gap)
        oncall = {"Authorization": f"Bearer {tokens['otto']}"}

        def incidents(subject):
            return [a for a in a24workers.alerts(resp) if a.get("subject") == subject]

        def listed_open():
            r = stack.web.request("GET", "/api/v1/alerts?state=open", None, oncall)
            self.assertEqual(r.status, 200, r.body)
            return {a.get("subject") for a in r.json["alerts"]}

        a24test.wait_until(lambda: incidents("coverage_gap:en:sleep") and
                           incidents("coverage_gap:en:anxiety"), 30, interval=0.1,
                           what="both coverage_gap alerts")
        self.assertEqual(listed_open(), {"coverage_gap:en:sleep", "coverage_gap:en:anxiety"})
        sleep_id = incidents("coverage_gap:en:sleep")[0]["id"]

        p = ctl(stack.web.config_path, "rota", "set", "max", "mon-sun 00:00-24:00")
        self.assertEqual(p.returncode, 0, p.stderr)
        covered = time.time()
        a24test.wait_until(lambda: incidents("coverage_gap:en:sleep")[0]["state"] == "resolved",
                           5, interval=0.1, what="the covered gap's alert resolved")
        self.assertLess(time.time() - covered, 4, "within a few ticks")
        self.assertLess(time.time(), gap, "resolved because it is covered, not because it ended")
        inc = incidents("coverage_gap:en:sleep")[0]
        self.assertEqual(inc["resolved_by"], "system")
        history = [json.loads(h) for h in resp.call("LRANGE", f"a24:alert:{sleep_id}:history",
                                                    "0", "-1")]
        self.assertEqual([(h["event"], h["by"]) for h in history][-1], ("resolved", "system"))
        time.sleep(2)  # more ticks of both workers
        self.assertEqual(listed_open(), {"coverage_gap:en:anxiety"})
        anxiety = incidents("coverage_gap:en:anxiety")
        self.assertEqual([a["state"] for a in anxiety], ["open"], "a gap still there stays")
        self.assertEqual(int(anxiety[0]["gap_start"]), gap)
        self.assertGreaterEqual(int(anxiety[0]["gap_end"]), gap + 6 * 86400, "its real end")

        p = ctl(stack.web.config_path, "rota", "clear", "max")
        self.assertEqual(p.returncode, 0, p.stderr)
        a24test.wait_until(lambda: len(incidents("coverage_gap:en:sleep")) == 2, 5, interval=0.1,
                           what="the gap back, raised again")
        time.sleep(2)
        sleep = incidents("coverage_gap:en:sleep")
        self.assertEqual([a["state"] for a in sleep], ["resolved", "open"], sleep)
        self.assertEqual(int(sleep[1]["gap_start"]), gap)
        self.assertEqual(listed_open(), {"coverage_gap:en:sleep", "coverage_gap:en:anxiety"})
        events = resp.call("XRANGE", "a24:alerts", "-", "+")
        raised = [e for e in events if dict(zip(e[1][::2], e[1][1::2])).get(b"event") == b"raised"]
        self.assertEqual(len(raised), 3)


if __name__ == "__main__":
    unittest.main()
