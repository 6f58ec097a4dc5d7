"""Incidents and their webhooks, with the answer window compressed to seconds: one
open alert per ticket that changes kind and level through the ladder, an
acknowledgement that covers it until something worse (a breach after an acknowledged
late re-opens it; an equal step does not), resolution by the system when the ticket
is answered or withdrawn; webhooks at most one a minute per ticket apart from a new
crisis, coalesced to the latest state and signed (t=..,v1=..); the on-call view of a
ticket carries no text; a desk without webhooks says so, and webhooks without a secret
are refused at start.
"""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "incident-test-password"
WINDOW_MS = 8000
LADDER = [  # permille, notify, repeat
    (250, "experts", None),
    (500, "oncall", "1s"),
    (1000, "supervisor", None),
]


def config(hook_url=None, window_ms=WINDOW_MS, **extra):
    return a24workers.ladder_config(
        window_ms, LADDER,
        {"ack_timeout": "60s", "escalate_after": 2, "poll": "200ms", "retry_max": "1s",
         "crisis_repeat": "30s"},
        hook_url, ("experts", "oncall", "supervisor"), extra)


class Desk:
    """A stack, a worker (all roles) and signed-in staff."""

    def __init__(self, tc, cfg):
        self.tc = tc
        self.stack = a24test.start_stack(tc.addCleanup, config=cfg)
        self.web = self.stack.web
        self.resp = self.stack.resp()
        tc.addCleanup(self.resp.close)
        self.worker = a24workers.Worker(self.stack, role="all")
        tc.addCleanup(lambda: tc.assertEqual(self.worker.stop(), [], self.worker.log()))
        self.worker.start()

    def login(self, name, role, **kw):
        args = [CTL, "--config", self.web.config_path, "user", "add", "--username", name,
                "--role", role, "--password-stdin"]
        for k, v in kw.items():
            args += [f"--{k}", v]
        p = subprocess.run(args, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.tc.assertEqual(p.returncode, 0, p.stderr)
        r = self.web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
        self.tc.assertEqual(r.status, 200, r.body)
        return {"Authorization": "Bearer " + r.json["token"]}

    def open_list(self, auth):
        r = self.web.request("GET", "/api/v1/alerts?state=open", headers=auth)
        self.tc.assertEqual(r.status, 200, r.body)
        return r.json["alerts"]

    def entry(self, auth, ticket):
        mine = [a for a in self.open_list(auth) if a["ticket"] == ticket]
        self.tc.assertLessEqual(len(mine), 1, "one open entry per ticket")
        return mine[0] if mine else None


class IncidentTest(unittest.TestCase):
    def test_incident_one_per_ticket_escalates_and_ack_covers_until_breach(self):
        desk = Desk(self, config())
        oncall = desk.login("oc", "oncall")
        # An expert on duty who never claims: offered, so no no_expert step.
        expert = desk.login("ex", "expert", categories="sleep", languages="en")
        r = desk.web.request("PUT", "/api/v1/me/duty", {"on_duty": True}, expert)
        self.assertEqual(r.status, 200, r.body)
        a = desk.web.submit("a first question", "sleep").json["ticket"]
        b = desk.web.submit("a second question", "sleep").json["ticket"]
        # Step 1 (25%, experts): one incident each, kind late, level 1.
        a24test.wait_until(lambda: desk.entry(oncall, a) and desk.entry(oncall, b), 10,
                           what="both incidents")
        self.assertEqual(desk.entry(oncall, a)["holder"], "ex")
        ea = desk.entry(oncall, a)
        for field in ("id", "ticket", "kind", "level", "created_at", "acked", "reason",
                      "time_left_ms", "due_at", "holder", "updated_at", "history"):
            self.assertIn(field, ea)
        self.assertEqual((ea["kind"], ea["level"], ea["acked"]), ("late", 1, False))
        self.assertGreater(ea["time_left_ms"], 0)
        # Acknowledge a's incident at level 1: the equal step 2 (50%, late) does not re-alert.
        r = desk.web.request("POST", f"/api/v1/alerts/{ea['id']}/ack", headers=oncall)
        self.assertEqual(r.status, 200, r.body)
        a24test.wait_until(lambda: desk.entry(oncall, b)["level"] >= 2, 10, what="step 2")
        time.sleep(0.5)
        ea = desk.entry(oncall, a)
        self.assertTrue(ea["acked"], "an equal step after an ack does not re-alert")
        self.assertEqual(ea["kind"], "late")
        self.assertIn("noted", [h["event"] for h in ea["history"]])
        # The breach (100%) is worse: re-opened, unacknowledged, kind breach.
        a24test.wait_until(lambda: desk.entry(oncall, a)["kind"] == "breach", 10, what="breach")
        ea = desk.entry(oncall, a)
        self.assertFalse(ea["acked"], "a breach after an acknowledged late re-opens it")
        self.assertLess(ea["time_left_ms"], 0)
        kinds = [(h["event"], h["kind"]) for h in ea["history"]]
        self.assertEqual(kinds[0], ("raised", "late"))
        self.assertIn(("acked", "late"), kinds)
        self.assertEqual(kinds[-1], ("escalated", "breach"))
        self.assertEqual(len([x for x in desk.open_list(oncall) if x["ticket"] in (a, b)]), 2)
        self.assertEqual(len(a24workers.alerts(desk.resp)), 2, "one incident per ticket")
        # Withdrawn: resolved by the system.
        r = desk.web.submit("a third question", "sleep")
        t, code = r.json["ticket"], r.json["access_code"]
        a24test.wait_until(lambda: desk.entry(oncall, t) is not None, 10, what="third incident")
        self.assertEqual(desk.web.withdraw(t, code).status, 204)
        self.assertIsNone(desk.entry(oncall, t))
        inc = a24workers.incident(desk.resp, t)[-1]
        self.assertEqual((inc["state"], inc["resolved_by"]), ("resolved", "system"))

    def test_incident_webhooks_coalesced_signed_and_counted(self):
        """The compressed run: 7 tickets (2 crises), one minute and a little more."""
        hook = a24workers.HookReceiver().start()
        self.addCleanup(hook.stop)
        desk = Desk(self, config(hook.url, window_ms=4000,
                                 alerts={"ack_timeout": "2s"}))
        texts = ["question about sleep"] * 5 + ["I want to kill myself"] * 2
        t0 = time.time()
        tickets = [desk.web.submit(f"{x} {i}", "sleep").json["ticket"] for i, x in enumerate(texts)]
        crises = set(tickets[5:])
        time.sleep(max(0, 60 - (time.time() - t0)))
        in_minute = len(hook.deliveries)
        a24test.wait_until(lambda: all(sum(1 for d in hook.deliveries
                                           if d[2]["alert"]["ticket"] == t) >= 2 for t in tickets),
                           15, what="the coalesced second message of each ticket")
        print(f"webhooks in the first 60 s: {in_minute}; after the minute: "
              f"{len(hook.deliveries)}", file=sys.stderr)
        self.assertLessEqual(in_minute, 2 * len(tickets))
        self.assertEqual(hook.bad_signatures, 0)
        for t in tickets:
            mine = [d for d in hook.deliveries if d[2]["alert"]["ticket"] == t]
            for prev, nxt in zip(mine, mine[1:]):
                self.assertGreaterEqual(nxt[0] - prev[0], 59.0, f"ticket {t}: two in a minute")
            first, second = mine[0][2], mine[1][2]
            # Nobody is on duty: a crisis opens as crisis (or crisis_waiting, whichever
            # of the engine and the router comes first), any other as no_expert.
            self.assertIn(first["alert"]["kind"],
                          ("crisis", "crisis_waiting") if t in crises else ("no_expert",))
            # The message at the minute's end carries the latest state: the breach.
            self.assertEqual(second["alert"]["kind"], "breach")
            self.assertEqual(second["event"], "update")
            for _, _, body in mine:
                self.assertEqual(set(body["alert"]) - {"subject"},
                                 {"id", "ticket", "kind", "level", "created_at", "reason",
                                  "time_left", "time_left_ms", "due_at", "holder"})
                self.assertNotIn("kill myself", str(body))
                self.assertNotIn("\n", body["text"])
            if t in crises:
                self.assertIsNotNone(first["alert"]["reason"])

    def test_incident_oncall_ticket_view_has_no_text(self):
        desk = Desk(self, config(window_ms=60000))
        oncall = desk.login("oc", "oncall")
        expert = desk.login("ex", "expert", categories="sleep", languages="en")
        r = desk.web.submit("I want to kill myself, secret words", "sleep")
        t = r.json["ticket"]
        desk.web.followup(t, r.json["access_code"], "more private words")
        v = desk.web.request("GET", f"/api/v1/oncall/tickets/{t}", headers=oncall)
        self.assertEqual(v.status, 200, v.body)
        for field in ("state", "category", "language", "crisis", "reason", "holder", "due_at",
                      "time_left_ms", "timeline"):
            self.assertIn(field, v.json)
        self.assertTrue(v.json["crisis"])
        self.assertTrue(any(e["event"] == "submit" for e in v.json["timeline"]))
        self.assertNotIn("secret words", v.body.decode())
        self.assertNotIn("private words", v.body.decode())
        for k in ("text", "question", "thread", "followups", "notes", "answer"):
            self.assertNotIn(k, v.json)
        self.assertEqual(desk.web.request("GET", f"/api/v1/oncall/tickets/{t}",
                                          headers=expert).status, 403)
        self.assertEqual(desk.web.request("GET", "/api/v1/oncall/tickets/nosuch",
                                          headers=oncall).status, 404)
        self.assertEqual(desk.web.request("GET", f"/api/v1/oncall/tickets/{t}").status, 401)

    def test_incident_no_webhooks_said_loudly(self):
        desk = Desk(self, config())
        r = desk.web.request("GET", "/readyz")
        self.assertEqual(r.json["warnings"], ["no_webhooks"])
        self.assertTrue(any(e.get("event") == "no_webhooks" for e in desk.web.log_events()))
        a24test.wait_until(lambda: any(e.get("event") == "no_webhooks"
                                       for e in desk.worker.log_events()), 5,
                           what="the worker's warning")

    def test_incident_webhooks_without_secret_refused_at_start(self):
        hook = "http://127.0.0.1:9/hook"
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="a24test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        web = a24test.WebServer(tmp, a24test.free_port(), config={"alerts": {"webhooks": [
            {"url": hook, "notify": ["oncall"]}]}})
        with open(web.config_path, "w") as f:
            f.write(a24test.to_yaml(web.config) + "\n")
        for binary in ("answer24-web", "answer24-worker"):
            with self.subTest(binary=binary):
                p = subprocess.run([os.path.join(a24test.BIN_DIR, binary), "--config",
                                    web.config_path], capture_output=True, text=True, timeout=20)
                self.assertNotEqual(p.returncode, 0)
                lines = p.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertIn("webhook_secret", lines[0])
        stack = a24test.start_stack(self.addCleanup, config={"alerts": {
            "webhooks": [{"url": hook, "notify": ["oncall"]}], "webhook_unsigned": True}})
        self.assertEqual(stack.web.request("GET", "/readyz").json["warnings"], [])


class CauseOverTest(unittest.TestCase):
    """Incidents about no ticket end with their cause: a coverage gap's incident when the
    gap ends (acknowledged or not) or a shift tick's newer view of the rota no longer has
    it (several workers' views arriving out of order included), a guessing storm's when the storm has been quiet for
    its window; resolved incidents are forgotten after privacy.retention. The scripts
    are called as the worker's shift tick and the front end's sign-in call them, with
    short gaps and a short storm window."""

    def desk(self):
        # No shift tick (coverage_warning 0): the test calls coverage_alert.lua itself.
        return Desk(self, config(privacy={"retention": "2s"}, alerts={"coverage_warning": "0s"}))

    def cover(self, desk, *gaps):
        """Calls coverage_alert.lua as a shift tick would, with `gaps` as (subject, start,
        end); returns its reply {raised ids, resolved ids}."""
        seconds, micros = desk.resp.call("TIME")
        stamp = int(seconds) * 1000 + int(micros) // 1000
        args = [str(x) for g in gaps for x in g]
        return desk.resp.call("FCALL", "a24_coverage_alert", "0", "oncall+supervisor", str(stamp),
                              str(int(time.time()) - 60), "1", *args)

    def tick(self, desk, now, stamp, *gaps):
        """A shift tick whose view of the rota was read `stamp` ms after Redis' time now,
        looking back from `now` - 60 s: coverage_alert.lua's reply."""
        seconds, micros = desk.resp.call("TIME")
        base = int(seconds) * 1000 + int(micros) // 1000
        return desk.resp.call("FCALL", "a24_coverage_alert", "0", "oncall+supervisor",
                              str(base + stamp), str(now - 60), "1",
                              *[str(x) for g in gaps for x in g])

    def wait_resolved(self, desk, alert_id, within):
        def state():
            return desk.resp.call("HGET", f"a24:alert:{alert_id}", "state")
        a24test.wait_until(lambda: state() in (b"resolved", "resolved"), within,
                           interval=0.1, what=f"incident {alert_id} resolved")
        inc = {a["id"]: a for a in a24workers.alerts(desk.resp)}[str(alert_id)]
        self.assertEqual(inc["resolved_by"], "system")
        self.assertIsNone(desk.resp.call("ZSCORE", "a24:alerts:open", str(alert_id)))
        self.assertIsNone(desk.resp.call("ZSCORE", "a24:schedule", f"c:{alert_id}"))
        return inc

    def test_coverage_gap_resolved_when_the_gap_ends(self):
        desk = self.desk()
        oncall = desk.login("oc", "oncall")
        now = time.time()
        ends = [int(now) + 3, int(now) + 4]
        r = self.cover(desk, ("en:sleep", int(now), ends[0]), ("ko:stress", int(now), ends[1]))
        ids = [int(i) for i in r[0]]
        self.assertEqual((len(ids), r[1]), (2, []), r)
        # One of them acknowledged: an acknowledgement does not keep it open either.
        r = desk.web.request("POST", f"/api/v1/alerts/{ids[0]}/ack", headers=oncall)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len([a for a in desk.open_list(oncall) if a.get("subject", "")
                              .startswith("coverage_gap:")]), 2)
        for alert_id, end in zip(ids, ends):
            inc = self.wait_resolved(desk, alert_id, 15)
            self.assertGreaterEqual(int(inc["resolved_at"]), end * 1000, "not before the gap ends")
            listed = desk.web.request("GET", "/api/v1/alerts?state=all", headers=oncall).json
            entry = [a for a in listed["alerts"] if str(a["id"]) == str(alert_id)][0]
            self.assertEqual(entry["state"], "resolved")
            self.assertNotIn("refire", [h["event"] for h in entry["history"]])
        self.assertEqual([a for a in desk.open_list(oncall)
                          if a.get("subject", "").startswith("coverage_gap:")], [])
        # Alerts about no ticket are not escalations of a ticket's wait.
        self.assertIn(desk.resp.call("HGET", "a24:stats", "escalations"), (None, b"0"))
        self.assertEqual(desk.resp.call("HGET", "a24:stats", "alerts_coverage_gap"), b"2")

    def test_coverage_gap_views_out_of_order(self):
        """Two workers' ticks, their reads of the rota and their calls interleaved: a view
        read before the newest that saw a gap never resolves its alert, one read before
        the view that found the gap gone never raises it again; a newer one does each."""
        desk = self.desk()
        now = int(time.time())
        gap, other = ("en:sleep", now + 60, now + 3600), ("ko:stress", now + 60, now + 3600)

        def tick(stamp, *gaps):
            return self.tick(desk, now, stamp, *gaps)
        r = tick(0, gap, other)
        first, second = (int(i) for i in r[0])
        self.assertEqual(tick(-50), [[], []], "an older view that lacks the gaps")
        self.assertEqual(tick(50, gap)[1], [str(second).encode()], "a newer one: ko:stress gone")
        self.assertEqual(tick(-100, gap, other), [[], []], "an older view does not raise it again")
        marker = desk.resp.call("GET", f"a24:coverage:raised:ko:stress:{now + 60}")
        self.assertTrue(marker.startswith(b"gone:"), marker)
        r = tick(100, gap, other)
        self.assertEqual(r[1], [])
        self.assertEqual(len(r[0]), 1, "the gap came back: raised again, once")
        self.assertEqual(tick(150, gap, other), [[], []])
        # A gap that shrank keeps its alert, with the new times.
        self.assertEqual(tick(200, ("en:sleep", now + 120, now + 600), other), [[], []])
        inc = {a["id"]: a for a in a24workers.alerts(desk.resp)}[str(first)]
        self.assertEqual((inc["state"], inc["gap_start"], inc["gap_end"]),
                         ("open", str(now + 120), str(now + 600)))
        self.assertEqual(int(desk.resp.call("ZSCORE", "a24:schedule", f"c:{first}")),
                         (now + 600) * 1000)
        states = [a["state"] for a in a24workers.alerts(desk.resp)]
        self.assertEqual(states, ["open", "resolved", "open"])

    def test_coverage_gap_two_gaps_of_one_pair(self):
        """Two gaps of one pair within the warning make one incident, with the first
        gap's times; the later one covered keeps it, the first one covered resolves it and
        raises the later one, as an incident of its own."""
        desk = self.desk()
        now = int(time.time())
        early, late = ("en:sleep", now + 60, now + 600), ("en:sleep", now + 1200, now + 1800)

        def tick(stamp, *gaps):
            return self.tick(desk, now, stamp, *gaps)

        def gap_of(alert_id):
            inc = {a["id"]: a for a in a24workers.alerts(desk.resp)}[str(alert_id)]
            return inc["state"], int(inc["gap_start"]), int(inc["gap_end"])
        r = tick(0, early, late)
        self.assertEqual((len(r[0]), r[1]), (1, []), r)
        first = int(r[0][0])
        self.assertEqual(gap_of(first), ("open", now + 60, now + 600))
        self.assertEqual(tick(50, early), [[], []], "the later gap covered")
        self.assertEqual(gap_of(first), ("open", now + 60, now + 600))
        r = tick(100, late)
        self.assertEqual(r[1], [str(first).encode()], "the first gap covered")
        self.assertEqual(len(r[0]), 1, r)
        second = int(r[0][0])
        self.assertNotEqual(second, first)
        self.assertEqual(gap_of(second), ("open", now + 1200, now + 1800))
        self.assertEqual(tick(150, late), [[], []])

    def test_security_alert_resolved_when_the_storm_is_quiet(self):
        desk = self.desk()
        desk.login("ted", "expert", categories="sleep", languages="en")
        fail = "a24:loginfail:%s:%s"
        keys = [fail % ("account", "ted/tag1"), fail % ("client", "tag1"), fail % ("storm", "ted"),
                fail % ("storm_clients", "ted"), fail % ("storm_alerted", "ted"), "a24:user:ted"]
        # One failure is a storm here (failures 1, clients 1) and the window is 1.5 s.
        argv = ["5", "10", "100", "1000", "60000", "ted", "tag1", "1", "1", "1500"]
        started = time.time()
        r = desk.resp.call("FCALL", "a24_session_fail", "6", *keys, *argv)
        self.assertEqual(r[2], b"1", "a security alert was raised")
        sec = [a for a in a24workers.alerts(desk.resp) if a["kind"] == "security"]
        self.assertEqual(len(sec), 1, sec)
        self.assertEqual(sec[0]["state"], "open")
        # Another failure within the window keeps the storm (and its alert) going.
        time.sleep(1.0)
        r = desk.resp.call("FCALL", "a24_session_fail", "6", *keys, *argv)
        self.assertEqual(r[2], b"0", "no second alert during one storm")
        last_failure = time.time()
        inc = self.wait_resolved(desk, sec[0]["id"], 15)
        self.assertGreaterEqual(int(inc["resolved_at"]) / 1000, last_failure + 1.5 - 0.3,
                                "resolved only once the storm has been quiet for its window")
        self.assertLess(time.time() - started, 15)

    def test_resolved_incidents_forgotten_after_retention(self):
        desk = self.desk()
        now = int(time.time())
        alert_id = int(self.cover(desk, ("zh:family", now, now + 1))[0][0])
        self.wait_resolved(desk, alert_id, 15)
        self.assertTrue(desk.resp.call("EXISTS", f"a24:alert:{alert_id}:history"))
        time.sleep(2.2)  # privacy.retention is 2 s
        p = subprocess.run([CTL, "--config", desk.web.config_path, "purge"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("purged 0 tickets and 1 resolved incidents", p.stdout)
        for k in (f"a24:alert:{alert_id}", f"a24:alert:{alert_id}:history"):
            self.assertFalse(desk.resp.call("EXISTS", k), k)
        self.assertIsNone(desk.resp.call("ZSCORE", "a24:alerts:done", str(alert_id)))

    def test_list_of_all_pages_past_forgotten_incidents(self):
        """A page of GET /api/v1/alerts?state=all whose incidents were all forgotten still
        leads on to the older ones kept (an incident open longer than the retention)."""
        desk = self.desk()
        oncall = desk.login("oc", "oncall")
        now = int(time.time())
        kept, gone = (int(i) for i in self.cover(desk, ("en:sleep", now, now + 3600),
                                                  ("ko:stress", now, now + 1))[0])
        self.wait_resolved(desk, gone, 15)
        time.sleep(2.2)  # privacy.retention is 2 s
        p = subprocess.run([CTL, "--config", desk.web.config_path, "purge"], capture_output=True,
                           text=True, timeout=60)
        self.assertIn("purged 0 tickets and 1 resolved incidents", p.stdout, p.stderr)
        seen, path = [], "/api/v1/alerts?state=all&limit=1"
        for _ in range(5):
            r = desk.web.request("GET", path, headers=oncall)
            self.assertEqual(r.status, 200, r.body)
            seen += [int(a["id"]) for a in r.json["alerts"]]
            if r.json["next_cursor"] is None:
                break
            path = f"/api/v1/alerts?state=all&limit=1&cursor={r.json['next_cursor']}"
        self.assertEqual(seen, [kept])


if __name__ == "__main__":
    unittest.main()
