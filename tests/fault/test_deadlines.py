"""The deadline engine, the escalation ladder and alert delivery, with the answer
window compressed to seconds (the configuration's durations, not sleeps tuned to one
machine): each step fires once, in order, never early and less than a second late, as
a change of the ticket's one incident (its history);
acknowledging stops the repeats and the acknowledgement timeout brings an alert back;
an engine killed with -9 loses nothing and two engines double nothing; a webhook
receiver that is down gets the alert once it is back; a crisis reaches the webhook
within a second.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

WINDOW_MS = 4000
LADDER = [  # permille, notify, repeat
    (250, "experts", None),
    (500, "oncall", "1s"),
    (1000, "supervisor", None),
]


def config(hook_url=None, **extra):
    return a24workers.ladder_config(
        WINDOW_MS, LADDER,
        {"ack_timeout": "2s", "escalate_after": 2, "poll": "500ms", "retry_max": "1s",
         "crisis_repeat": "30s"},
        hook_url, ("oncall", "supervisor"), extra)


def ladder_alerts(resp, ticket):
    """The ticket's ladder steps (late/breach) from its incident's history, with
    "step" and "created" named as the tests read them."""
    return [dict(h, step=h["level"], created=h["at"]) for h in a24workers.steps(resp, ticket)]


# A crisis incident's kind: crisis, or crisis_waiting when nobody can be offered it.
CRISIS_KINDS = ("crisis", "crisis_waiting")

class LadderTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config=config())
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)

    def start_worker(self, role="deadline"):
        w = a24workers.Worker(self.stack, role=role)
        self.addCleanup(self._stop, w)
        return w.start()

    def _stop(self, w):
        if w.proc is not None and w.proc.poll() is None:
            problems = w.stop()
            self.assertEqual(problems, [], w.log())

    def submit_many(self, n):
        tickets = []
        for i in range(n):
            r = self.stack.web.submit(f"question {i} about sleep", "sleep")
            self.assertEqual(r.status, 201, r.body)
            tickets.append(r.json["ticket"])
        return tickets

    def wait_all_fired(self, tickets, timeout=20):
        def done():
            al = a24workers.alerts(self.resp)
            return all(len(ladder_alerts(self.resp, t)) == len(LADDER) for t in tickets)
        a24test.wait_until(done, timeout, interval=0.2, what="every ladder step")

    def check_ladder(self, tickets):
        """Each step once, in order, never early, late by less than a second."""
        al = a24workers.alerts(self.resp)
        lateness = []
        for t in tickets:
            tk = a24workers.ticket(self.resp, t)
            start = int(tk["due"]) - int(tk["window"])
            mine = ladder_alerts(self.resp, t)
            self.assertEqual([int(a["step"]) for a in mine], list(range(1, len(LADDER) + 1)),
                             f"ticket {t}: each step exactly once")
            previous = 0
            for a, (permille, notify, _) in zip(mine, LADDER):
                expected = start + WINDOW_MS * permille // 1000
                created = int(a["created"])
                self.assertGreaterEqual(created, expected, f"step {permille} fired early")
                self.assertGreaterEqual(created, previous, "steps out of order")
                self.assertIn(notify, a["notify"])
                previous = created
                lateness.append(created - expected)
            self.assertEqual(a["kind"], "breach")
            self.assertEqual(len([x for x in al if x["ticket"] == t]), 1,
                             "one incident per ticket")
        self.assertLess(max(lateness), 1000, f"late by {max(lateness)} ms")
        return lateness

    def test_deadline_each_step_once_in_order_never_early(self):
        self.start_worker()
        tickets = self.submit_many(5)
        self.wait_all_fired(tickets)
        self.check_ladder(tickets)
        stats = self.resp.hgetall("a24:stats")
        self.assertEqual(int(stats[b"breaches"]), 5)

    def test_deadline_withdrawing_cancels_pending_steps(self):
        self.start_worker()
        r = self.stack.web.submit("to be withdrawn", "sleep")
        t, code = r.json["ticket"], r.json["access_code"]
        self.assertEqual(self.stack.web.withdraw(t, code).status, 204)
        time.sleep(WINDOW_MS / 1000 + 1)
        self.assertEqual(ladder_alerts(self.resp, t), [])
        self.assertIsNone(self.resp.call("ZSCORE", "a24:schedule", t))

    def test_deadline_kill9_engine_misses_nothing(self):
        w = self.start_worker()
        tickets = self.submit_many(30)
        time.sleep(1.2)  # the first step (25%) is due for some
        w.kill9()
        time.sleep(1.5)  # steps fall due while no engine runs
        self.start_worker()
        self.wait_all_fired(tickets)
        self.check_ladder_allow_downtime(tickets)

    def check_ladder_allow_downtime(self, tickets):
        """Missed 0, doubled 0, never early (lateness may include the downtime)."""
        al = a24workers.alerts(self.resp)
        for t in tickets:
            mine = ladder_alerts(self.resp, t)
            self.assertEqual([int(a["step"]) for a in mine], [1, 2, 3], f"ticket {t}")
            tk = a24workers.ticket(self.resp, t)
            start = int(tk["due"]) - int(tk["window"])
            for a, (permille, _, _) in zip(mine, LADDER):
                self.assertGreaterEqual(int(a["created"]), start + WINDOW_MS * permille // 1000)

    def test_deadline_two_engines_double_nothing(self):
        self.start_worker()
        self.start_worker()
        tickets = self.submit_many(60)
        self.wait_all_fired(tickets)
        self.check_ladder(tickets)
        kinds = sum(len(ladder_alerts(self.resp, t)) for t in tickets)
        self.assertEqual(kinds, 60 * len(LADDER), "doubled steps")
        self.assertEqual(len(a24workers.alerts(self.resp)), 60, "one incident per ticket")


class QuietHoursTest(unittest.TestCase):
    """Quiet hours hold a reminder to experts alone, never a crisis, an on-call step or
    a breach; a held reminder made moot by a more urgent step is skipped."""

    def quiet_now(self):
        from datetime import datetime, timedelta, timezone
        now = datetime.now(timezone.utc)
        return ((now - timedelta(hours=1)).strftime("%H:%M") + "-" +
                (now + timedelta(hours=1)).strftime("%H:%M"))

    def start(self, cfg):
        cfg = a24test.deep_merge(cfg, {"rota": {"timezone": "UTC"},
                                       "alerts": {"quiet_hours": self.quiet_now(), "poll": "200ms"}})
        stack = a24test.start_stack(self.addCleanup, config=cfg)
        resp = stack.resp()
        self.addCleanup(resp.close)
        w = a24workers.Worker(stack, role="deadline")
        self.addCleanup(lambda: self.assertEqual(w.stop(), [], w.log()))
        w.start()
        return stack, resp

    def test_quiet_hours_skip_a_moot_reminder_but_never_hold_urgent_steps(self):
        stack, resp = self.start(config())
        t = stack.web.submit("a question at night", "sleep").json["ticket"]
        c = stack.web.submit("I want to kill myself", "sleep").json["ticket"]
        a24test.wait_until(lambda: len(ladder_alerts(resp, t)) >= 2, 15, what="the urgent steps")
        mine = ladder_alerts(resp, t)
        self.assertEqual([int(a["step"]) for a in mine], [2, 3], "on-call and breach fire")
        audit = [x.decode() for x in resp.call("LRANGE", f"a24:t:{t}:audit", 0, -1)]
        self.assertTrue(any(" quiet_skip " in x for x in audit), audit)
        kinds = {h["kind"] for a in a24workers.incident(resp, c)
                 for h in a24workers.history(resp, a["id"])}
        self.assertIn("crisis", kinds, "a crisis is never held")

    def test_quiet_hours_hold_a_reminder_until_morning(self):
        stack, resp = self.start({"deadlines": {"answer": "6h"},
                                  "escalation": [{"at": "0%", "notify": "experts"}]})
        t = stack.web.submit("a question at night", "sleep").json["ticket"]
        time.sleep(1.5)
        self.assertEqual(ladder_alerts(resp, t), [], "held, not raised")
        held_until = float(resp.call("ZSCORE", "a24:schedule", t)) / 1000
        self.assertAlmostEqual(held_until, time.time() + 3600, delta=90,
                               msg="waits for the end of the quiet hours")


class AlertTest(unittest.TestCase):
    def setUp(self):
        self.hook = a24workers.HookReceiver().start()
        self.addCleanup(self.hook.stop)
        self.stack = a24test.start_stack(self.addCleanup, config=config(self.hook.url))
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)
        self.worker = a24workers.Worker(self.stack, role="all")
        self.addCleanup(lambda: self.assertEqual(self.worker.stop(), [], self.worker.log()))
        self.worker.start()

    def login_oncall(self):
        a24test.add_user(self.stack.web.config_path, "oncall1", "oncall", "oncall-password-1")
        r = self.stack.web.request("POST", "/api/v1/session",
                                   {"username": "oncall1", "password": "oncall-password-1"})
        self.assertEqual(r.status, 200, r.body)
        return {"Authorization": "Bearer " + r.json["token"]}

    def test_alert_crisis_reaches_webhook_within_a_second(self):
        # Nobody is on duty here, so the router may find the crisis unofferable first:
        # the incident then opens as crisis_waiting (worse than crisis), at once either way.
        sent = time.time()
        r = self.stack.web.submit("I want to kill myself", "other")
        self.assertTrue(r.json["crisis"])
        a24test.wait_until(lambda: any(b["alert"]["kind"] in CRISIS_KINDS for b in self.hook.bodies()),
                           5, what="the crisis webhook")
        arrived = next(d[0] for d in self.hook.deliveries if d[2]["alert"]["kind"] in CRISIS_KINDS)
        self.assertLess(arrived - sent, 1.0)
        body = next(b for b in self.hook.bodies() if b["alert"]["kind"] in CRISIS_KINDS)
        self.assertEqual(body["alert"]["ticket"], r.json["ticket"])
        self.assertNotIn("kill myself", str(body), "question text in a webhook")
        headers = next(d[1] for d in self.hook.deliveries if d[2]["alert"]["kind"] in CRISIS_KINDS)
        self.assertTrue(headers.get("Idempotency-Key", "").startswith("alert-"))
        self.assertEqual(self.hook.bad_signatures, 0, "every delivery carries a valid signature")
        self.assertRegex(headers.get("X-Answer24-Signature", ""), r"^t=\d+,v1=[0-9a-f]{64}$")

    def test_alert_ack_stops_repeats_and_ack_timeout_refires(self):
        auth = self.login_oncall()
        r = self.stack.web.submit("a question that will go late", "sleep")
        t = r.json["ticket"]

        def incident():
            got = a24workers.incident(self.resp, t)
            return got[-1] if got else None
        a24test.wait_until(lambda: incident() is not None and int(incident()["level"]) >= 2, 10,
                           what="the on-call step")
        a = incident()
        # Unacknowledged, it repeats every second and goes up a level after two repeats.
        a24test.wait_until(lambda: int(incident()["seq"]) >= 2, 5, what="two repeats")
        self.assertIn("supervisor", incident()["notify"])
        # Repeats are kept in Redis but sent at most once a minute per ticket.
        mine = [d for d in self.hook.deliveries if d[2]["alert"]["ticket"] == t]
        self.assertLessEqual(len(mine), 1, [d[2]["event"] for d in mine])

        r = self.stack.web.request("POST", f"/api/v1/alerts/{a['id']}/ack", headers=auth)
        self.assertEqual(r.status, 200, r.body)
        seq_at_ack = int(incident()["seq"])
        time.sleep(1.2)  # repeats are every second: none may come while acknowledged
        self.assertEqual(int(incident()["seq"]), seq_at_ack)
        listed = self.stack.web.request("GET", "/api/v1/alerts?state=open", headers=auth).json
        mine = [x for x in listed["alerts"] if x["ticket"] == t]
        self.assertEqual(len(mine), 1, "one open entry per ticket")
        # The breach (100%) after an acknowledged late is new and worse: it re-opens the
        # incident unacknowledged, or, once past ack_timeout (2 s), it comes back anyway.
        a24test.wait_until(lambda: incident()["state"] == "open", 6, what="re-opened")
        events = [h["event"] for h in a24workers.history(self.resp, a["id"])]
        self.assertIn("acked", events)
        self.assertTrue({"refire", "escalated"} & set(events[events.index("acked"):]), events)
        r = self.stack.web.request("POST", f"/api/v1/alerts/{a['id']}/resolve", headers=auth)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(incident()["state"], "resolved")
        self.assertEqual(self.hook.bad_signatures, 0)

    def test_alert_webhook_down_then_back_is_delivered(self):
        self.hook.fail = True
        r = self.stack.web.submit("I want to end my life", "other")
        self.assertTrue(r.json["crisis"])
        time.sleep(2.5)  # several failed attempts
        self.assertEqual(self.hook.bodies(), [])
        self.hook.fail = False
        a24test.wait_until(lambda: any(b["alert"]["kind"] in CRISIS_KINDS for b in self.hook.bodies()),
                           10, what="delivery after the receiver came back")
        self.assertTrue(any(e.get("event") == "webhook_failed" for e in self.worker.log_events()))

    def test_alert_roles(self):
        r = self.stack.web.request("GET", "/api/v1/alerts")
        self.assertEqual(r.status, 401)
        auth = self.login_oncall()
        r = self.stack.web.request("GET", "/api/v1/alerts?state=bogus", headers=auth)
        self.assertEqual((r.status, r.error_code), (400, "bad_state"))
        r = self.stack.web.request("POST", "/api/v1/alerts/999999/ack", headers=auth)
        self.assertEqual(r.status, 404)


if __name__ == "__main__":
    unittest.main()
