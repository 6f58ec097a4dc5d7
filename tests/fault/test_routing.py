"""Routing and shifts with the real router: offers go to an on-duty expert of the
category and language, fewest open first and round robin on ties; an offer not claimed
in time moves on to the next expert; an expired claim returns the ticket; nobody on duty
raises a no_expert alert; a crisis that cannot be offered (nobody of its language and
category on duty, or everyone at the crisis cap) raises crisis_waiting until a claim;
a rota starts and ends shifts (handing claims back); and a
router killed with -9 during a burst of 1 000 questions loses none: every ticket ends
offered or in the pool, none offered to two experts at once.
"""

import os
import subprocess
import sys
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "routing-test-password"


class RoutingHelpers:
    """Workers, experts and ticket states for a test case with self.stack, self.web,
    self.resp and self.tokens."""

    def worker(self, role="all"):
        w = a24workers.Worker(self.stack, role=role)
        self.addCleanup(lambda: w.proc.poll() is not None or self.assertEqual(w.stop(), [], w.log()))
        return w.start()

    def ctl(self, *args, stdin=None):
        return subprocess.run([CTL, "--config", self.web.config_path, *args], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def expert(self, name, cats="sleep", langs="en", duty=True):
        p = self.ctl("user", "add", "--username", name, "--role", "expert", "--categories", cats,
                     "--languages", langs, "--password-stdin", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)
        self.tokens[name] = {"Authorization": "Bearer " + r.json["token"]}
        if duty:
            self.duty(name, True)

    def duty(self, name, on):
        r = self.web.request("PUT", "/api/v1/me/duty", {"on_duty": on}, self.tokens[name])
        self.assertEqual(r.status, 200, r.body)
        return r.json

    def state(self, ticket):
        t = a24workers.ticket(self.resp, ticket)
        return t["state"].decode(), (t.get("owner") or b"").decode()

    def wait_state(self, ticket, want, timeout=10):
        a24test.wait_until(lambda: self.state(ticket)[0] == want, timeout,
                           what=f"ticket {ticket} {want}")
        return self.state(ticket)

    def submit(self, category="sleep", **kw):
        r = self.web.submit(f"routing question {time.time()}", category, **kw)
        self.assertEqual(r.status, 201, r.body)
        return r.json["ticket"]


class RoutingTest(RoutingHelpers, unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config={
            "deadlines": {"offer_timeout": "1500ms", "claim_lease": "1500ms", "answer": "1h"},
            "rota": {"timezone": "UTC", "tick": "500ms"},
            "alerts": {"poll": "200ms"},
        })
        self.web = self.stack.web
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)
        self.tokens = {}

    def test_routing_offer_round_robin_and_timeout_moves_on(self):
        self.expert("ann")
        self.expert("ben")
        self.expert("cho", cats="family", langs="zh")  # never a candidate here
        self.worker()
        first = self.submit()
        _, owner1 = self.wait_state(first, "offered")
        second = self.submit()
        _, owner2 = self.wait_state(second, "offered")
        self.assertEqual({owner1, owner2}, {"ann", "ben"}, "fewest open first, then round robin")
        # Nobody claims: the offer times out and goes to the other expert.
        a24test.wait_until(lambda: self.state(first)[1] not in ("", owner1), 10,
                           what="the offer moving on")
        self.assertEqual(self.state(first), ("offered", owner2))
        audit = [x.decode() for x in self.resp.call("LRANGE", f"a24:t:{first}:audit", 0, -1)]
        self.assertTrue(any(" offer_timeout offered queued" in a for a in audit), audit)

    def test_routing_decline_passes_the_offer_on(self):
        self.expert("ann")
        self.expert("ben")
        self.worker()
        t = self.submit()
        _, first = self.wait_state(t, "offered")
        other = "ben" if first == "ann" else "ann"
        r = self.web.request("POST", f"/api/v1/tickets/{t}/decline", {}, self.tokens[other])
        self.assertEqual(r.status, 403, "only the one it is offered to may decline")
        r = self.web.request("POST", f"/api/v1/tickets/{t}/decline", {}, self.tokens[first])
        self.assertEqual(r.status, 200, r.body)
        a24test.wait_until(lambda: self.state(t) == ("offered", other), 10,
                           what="the offer passed to the other expert")

    def test_routing_queue_summary_for_supervisors_and_oncall(self):
        self.expert("ann")
        p = self.ctl("user", "add", "--username", "olga", "--role", "oncall", "--password-stdin",
                     stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.web.request("POST", "/api/v1/session", {"username": "olga", "password": PASSWORD})
        olga = {"Authorization": "Bearer " + r.json["token"]}
        self.submit()
        self.web.submit("I want to kill myself", "sleep")
        r = self.web.request("GET", "/api/v1/queue/summary", headers=olga)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["waiting"], 2)
        self.assertEqual(r.json["open_crises"], 1)
        self.assertEqual(r.json["experts_on_duty"], 1)
        self.assertEqual(r.json["due_within_4h"], 2)  # windows of 1 h here
        self.assertEqual(sum(r.json["open_by_time_left"].values()), 2)
        self.assertNotIn("kill", r.body.decode())
        r = self.web.request("GET", "/api/v1/queue/summary", headers=self.tokens["ann"])
        self.assertEqual(r.status, 403)
        staff = self.web.request("GET", "/api/v1/staff", headers=self.tokens["ann"]).json["staff"]
        self.assertTrue([s for s in staff if s["username"] == "ann"][0]["on_duty"])

    def test_routing_expired_claim_returns_to_pool(self):
        self.expert("ann")
        self.worker()
        t = self.submit()
        self.wait_state(t, "offered")
        r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, self.tokens["ann"])
        self.assertEqual(r.status, 200, r.body)
        # The lease (1.5 s) runs out: back to the queue, and offered again.
        a24test.wait_until(lambda: any(" lease_expiry claimed queued" in x.decode()
                                       for x in self.resp.call("LRANGE", f"a24:t:{t}:audit", 0, -1)),
                           10, what="the lease expiry")
        self.assertIn(self.state(t)[0], ("queued", "offered"))

    def test_routing_no_expert_on_duty_alerts(self):
        self.expert("ann", duty=False)
        self.worker()
        t = self.submit(category="disaster")
        a24test.wait_until(lambda: any(a["kind"] == "no_expert" and a["ticket"] == t
                                       for a in a24workers.alerts(self.resp)), 10,
                           what="the no_expert alert")
        self.assertEqual(self.state(t)[0], "queued")
        # Someone able to take it comes on duty: it is offered, and the alert resolves.
        self.expert("dee", cats="disaster")
        self.wait_state(t, "offered")
        alert = [a for a in a24workers.alerts(self.resp) if a["kind"] == "no_expert"][0]
        self.assertEqual(alert["state"], "resolved")

    def test_routing_rota_starts_and_ends_shifts(self):
        self.expert("ann", duty=False)
        now = datetime.now(timezone.utc)
        day = now.strftime("%a").lower()
        start = (now - timedelta(minutes=5)).strftime("%H:%M")
        end = (now + timedelta(minutes=5)).strftime("%H:%M")
        if now.hour == 23 and now.minute >= 54 or now.hour == 0 and now.minute < 6:
            self.skipTest("too close to midnight for a same-day shift")
        p = self.ctl("rota", "set", "ann", f"{day} {start}-{end}")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.worker()
        a24test.wait_until(lambda: self.resp.call("SISMEMBER", "a24:onduty", "ann") == 1, 10,
                           what="the shift start")
        t = self.submit()
        self.wait_state(t, "offered")
        r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, self.tokens["ann"])
        self.assertEqual(r.status, 200, r.body)
        # The shift ends (a rota without the current minute): the claim is handed back.
        past = (now - timedelta(minutes=30)).strftime("%H:%M")
        p = self.ctl("rota", "set", "ann", f"{day} {past}-{start}")
        self.assertEqual(p.returncode, 0, p.stderr)
        a24test.wait_until(lambda: self.resp.call("SISMEMBER", "a24:onduty", "ann") == 0, 10,
                           what="the shift end")
        audit = [x.decode() for x in self.resp.call("LRANGE", f"a24:t:{t}:audit", 0, -1)]
        self.assertTrue(any("handback_shift_end claimed queued" in a for a in audit), audit)
        p = self.ctl("rota", "show", "ann")
        self.assertIn(day, p.stdout)
        self.assertEqual(self.ctl("rota", "set", "nobody", "mon 09:00-10:00").returncode, 1)
        self.assertEqual(self.ctl("rota", "set", "ann", "someday 9-5").returncode, 2)

    def test_routing_kill9_router_during_burst_loses_nothing(self):
        for name in ("ann", "ben", "cho", "dee", "eve"):
            self.expert(name, cats="sleep,stress", langs="en,ko")
        killed = self.worker(role="router")
        self.worker(role="router")
        tickets, lock = [], threading.Lock()

        def burst(n):
            conn = self.web.connection()
            for i in range(n):
                r = self.web.request("POST", "/api/v1/questions",
                                     {"text": f"burst {i}", "category": "sleep"}, conn=conn)
                assert r.status == 201, r.body
                with lock:
                    tickets.append(r.json["ticket"])
            conn.close()

        threads = [threading.Thread(target=burst, args=(250,)) for _ in range(4)]
        for th in threads:
            th.start()
        a24test.wait_until(lambda: len(tickets) >= 300, 60, what="the burst under way")
        killed.kill9()
        for th in threads:
            th.join()
        self.assertEqual(len(tickets), 1000)

        def settled():
            pending = self.resp.call("XPENDING", "a24:intake", "router")
            return int(pending[0]) == 0

        # The dead router's pending entries are taken over (after 30 s of idleness).
        a24test.wait_until(settled, 90, interval=0.5, what="no intake entry left pending")
        offers = {}
        for key in self.resp.scan("a24:offers:*"):
            for t in self.resp.call("ZRANGE", key, 0, -1):
                offers.setdefault(t.decode(), []).append(key.decode())
        doubled = [t for t, keys in offers.items() if len(keys) > 1]
        self.assertEqual(doubled, [], "a ticket offered to two experts at once")
        states = {}
        for t in tickets:
            st, owner = self.state(t)
            states[st] = states.get(st, 0) + 1
            self.assertIn(st, ("offered", "queued"), t)
            if st == "offered":
                self.assertEqual(offers.get(t), [f"a24:offers:{owner}"])
            else:
                self.assertIsNotNone(self.resp.call("ZSCORE", "a24:pool:sleep:en", t))
        self.assertEqual(sum(states.values()), 1000)


class CrisisWaitingTest(RoutingHelpers, unittest.TestCase):
    """A crisis never waits silently: crisis_waiting within offer_timeout, repeating
    like a crisis, until someone claims the ticket (then it steps down to crisis)."""

    setUp_config = {
        "deadlines": {"offer_timeout": "2s", "answer": "1h", "crisis": "1h"},
        "routing": {"crisis_cap": 1},
        "alerts": {"poll": "200ms", "crisis_repeat": "1s"},
    }

    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config=self.setUp_config)
        self.web = self.stack.web
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)
        self.tokens = {}

    def crisis(self, category="sleep"):
        r = self.web.submit("I want to kill myself tonight", category)
        self.assertEqual(r.status, 201, r.body)
        self.assertTrue(r.json["crisis"])
        return r.json["ticket"], time.time()

    def incident(self, t):
        got = a24workers.incident(self.resp, t)
        return got[-1] if got else {}

    def test_crisis_waiting_nobody_on_duty_until_claimed(self):
        self.expert("ann", duty=False)
        self.worker()
        t, sent = self.crisis()
        a24test.wait_until(lambda: self.incident(t).get("kind") == "crisis_waiting", 2.5,
                           what="crisis_waiting within offer_timeout")
        self.assertLess(time.time() - sent, 2.5)
        inc = self.incident(t)
        self.assertEqual(len(a24workers.incident(self.resp, t)), 1, "one incident")
        # It repeats like a crisis alert (crisis_repeat 1 s) while nobody acknowledges.
        a24test.wait_until(lambda: int(self.incident(t)["seq"]) >= 2, 5, what="repeats")
        # Someone comes on duty: offered, still waiting until a claim.
        self.duty("ann", True)
        self.wait_state(t, "offered")
        self.assertEqual(self.incident(t)["kind"], "crisis_waiting")
        r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, self.tokens["ann"])
        self.assertEqual(r.status, 200, r.body)
        a24test.wait_until(lambda: self.incident(t)["kind"] == "crisis", 3, what="step down")
        self.assertEqual(self.incident(t)["id"], inc["id"])
        events = [h["event"] for h in a24workers.history(self.resp, inc["id"])]
        self.assertIn("stepped_down", events)

    def test_crisis_waiting_when_everyone_is_at_the_crisis_cap(self):
        self.expert("ann")
        self.worker()
        first, _ = self.crisis()
        self.wait_state(first, "offered")
        self.assertNotIn("crisis_waiting",
                         a24workers.incident(self.resp, first)[-1].get("active", ""))
        second, sent = self.crisis()
        a24test.wait_until(lambda: self.incident(second).get("kind") == "crisis_waiting", 2.5,
                           what="crisis_waiting at the cap")
        self.assertEqual(self.state(second)[0], "queued")
        audit = [x.decode() for x in self.resp.call("LRANGE", f"a24:t:{second}:audit", 0, -1)]
        self.assertTrue(any(" crisis_waiting " in x for x in audit), audit)


if __name__ == "__main__":
    unittest.main()
