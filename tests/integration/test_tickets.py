"""Integration tests of the staff ticket API: duty, the queues, the staff view of a
ticket, claim / release / answer / review / notes / transfer / risk, and the answer
templates, on a real answer24-web in front of a private redis-server
(tests/integration/a24test.py).

No worker runs: routing and deadlines are not under test here, so nothing offers,
expires or escalates behind a test's back. Where a test needs an offer it makes one in
Redis the way the router would (state, owner and indexes together).

Accounts (created once with answer24ctl):
    alice, bob  experts for sleep, anxiety, stress / en, ko
    carol       expert for family / zh (never covers the tests' tickets)
    dan         expert for sleep / en (the duty tests)
    erik        expert for sleep, stress / en, never on duty (transfer targets)
    dora        expert for sleep, stress / en, disabled at the start
    sue, sam    supervisors (no categories: supervisors see and may claim everything);
                off duty unless a test puts sam on duty for a moment
    otto        on-call
Every text a test writes is remembered; the last test checks none reached the log.
"""

import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "correct horse battery"
ACCOUNTS = [
    ("alice", "expert", "sleep,anxiety,stress", "en,ko"),
    ("bob", "expert", "sleep,anxiety,stress", "en,ko"),
    ("carol", "expert", "family", "zh"),
    ("dan", "expert", "sleep", "en"),
    ("erik", "expert", "sleep,stress", "en"),
    ("dora", "expert", "sleep,stress", "en"),
    ("sue", "supervisor", None, None),
    ("sam", "supervisor", None, None),
    ("otto", "oncall", None, None),
]
ITEM_KEYS = {"ticket", "status", "category", "language", "due_at", "created_at", "crisis",
             "risk_reason", "green_channel", "owner", "offered_to_me", "claimed_by_me",
             "seconds_left", "selfcheck", "followups", "actions"}
TEXTS = []  # every text written; none may appear in the front end's log


def secret_text(label):
    """A distinctive text for a question, answer or note, remembered for the log check."""
    text = f"{label} {len(TEXTS):04d} zqx{os.getpid()}"
    TEXTS.append(text)
    return text


class TicketsTest(a24test.StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = a24test.add_accounts(cls.web, ACCOUNTS, PASSWORD)
        p = subprocess.run([CTL, "--config", cls.web.config_path, "user", "disable", "dora"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        # Experts claim only on duty (dan's duty is the duty tests' own business).
        for username in ("alice", "bob", "carol"):
            r = cls.web.request("PUT", "/api/v1/me/duty", {"on_duty": True},
                                {"Authorization": f"Bearer {cls.tokens[username]}"})
            assert r.status == 200, r.body

    # ---------------------------------------------------------------- helpers

    def call(self, who, method, path, body=None, conn=None):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.web.request(method, path, body, headers, conn=conn)

    def submit(self, category="sleep", language="en", **fields):
        text = secret_text("question")
        r = self.web.submit(text, category, language=language, **fields)
        self.assertEqual(r.status, 201, r.body)
        return r.json["ticket"], r.json["access_code"], text

    def queue(self, who, view, **params):
        """Every ticket of a view, following next_cursor to the end."""
        items, cursor = [], None
        for _ in range(1000):
            q = f"/api/v1/tickets?view={view}&limit={params.get('limit', 1000)}"
            if cursor:
                q += f"&cursor={cursor}"
            r = self.call(who, "GET", q)
            self.assertEqual(r.status, 200, r.body)
            items += r.json["tickets"]
            cursor = r.json["next_cursor"]
            if cursor is None:
                return items
        self.fail("next_cursor never ended")

    def ids(self, who, view):
        return [t["ticket"] for t in self.queue(who, view)]

    def act(self, who, ticket, what, body=None):
        return self.call(who, "POST", f"/api/v1/tickets/{ticket}/{what}", body)

    def refused(self, who, ticket, what, body, status, code):
        """Asserts that `who`'s `what` on `ticket` (with `body`) is refused with `status`
        and the error `code`."""
        r = self.act(who, ticket, what, body)
        self.assertEqual((r.status, r.error_code), (status, code), r.body)

    def view(self, who, ticket):
        return self.call(who, "GET", f"/api/v1/tickets/{ticket}")

    def audit_events(self, ticket):
        r = self.view("sue", ticket)
        self.assertEqual(r.status, 200, r.body)
        return [(a["actor"], a["event"], a["from"], a["to"]) for a in r.json["audit"]]

    def offer(self, ticket, user):
        """Offers `ticket` to `user` as the router would: state, owner, indexes, load."""
        with self.stack.resp() as redis:
            t = redis.hgetall(f"a24:t:{ticket}")
            score = redis.call("ZSCORE", "a24:open", ticket)
            redis.call("HSET", f"a24:t:{ticket}", "state", "offered", "owner", user,
                       "offer_until", int(time.time() * 1000) + 900000)
            redis.call("ZADD", f"a24:offers:{user}", score, ticket)
            redis.call("ZADD", "a24:pool:%s:%s" % (t[b"category"].decode(),
                                                  t[b"language"].decode()), score, ticket)
            redis.call("HINCRBY", "a24:load", user, 1)

    # ---------------------------------------------------------------- duty

    def test_duty_claim_needs_duty(self):
        t = self.submit()[0]
        self.call("dan", "PUT", "/api/v1/me/duty", {"on_duty": False})
        r = self.act("dan", t, "claim")
        self.assertEqual((r.status, r.error_code), (409, "off_duty"))

    def test_duty_on_and_off_hands_back_claims(self):
        r = self.call("dan", "PUT", "/api/v1/me/duty", {"on_duty": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {"on_duty": True, "handed_back": 0})
        r = self.call("dan", "GET", "/api/v1/me/duty")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json["on_duty"])
        self.assertIsNotNone(r.json["since"])
        with self.stack.resp() as redis:
            self.assertEqual(redis.call("SISMEMBER", "a24:duty:sleep:en", "dan"), 1)
            self.assertEqual(redis.call("SISMEMBER", "a24:onduty", "dan"), 1)

        held = [self.submit()[0] for _ in range(2)]
        for t in held:
            self.assertEqual(self.act("dan", t, "claim").status, 200)
        self.assertEqual(sorted(self.ids("dan", "mine")), sorted(held))

        r = self.call("dan", "PUT", "/api/v1/me/duty", {"on_duty": False})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {"on_duty": False, "handed_back": 2})
        self.assertEqual(self.ids("dan", "mine"), [])
        pool = {t["ticket"]: t for t in self.queue("dan", "pool")}
        for t in held:
            self.assertEqual(pool[t]["status"], "queued")
            self.assertIsNone(pool[t]["owner"])
            self.assertIn(("dan", "handback_duty", "claimed", "queued"), self.audit_events(t))
        with self.stack.resp() as redis:
            self.assertEqual(redis.call("SISMEMBER", "a24:duty:sleep:en", "dan"), 0)
        self.assertFalse(self.call("dan", "GET", "/api/v1/me/duty").json["on_duty"])

    def test_duty_validation_and_roles(self):
        for body, code in [({}, "missing_field"), ({"on_duty": "yes"}, "wrong_type"),
                           ({"on_duty": True, "x": 1}, "unknown_field")]:
            r = self.call("dan", "PUT", "/api/v1/me/duty", body)
            self.assertEqual((r.status, r.error_code), (400, code), r.body)
        self.assertEqual(self.call("otto", "PUT", "/api/v1/me/duty", {"on_duty": True}).status,
                         403)
        self.assertEqual(self.call(None, "PUT", "/api/v1/me/duty", {"on_duty": True}).status,
                         401)
        r = self.call("sue", "PUT", "/api/v1/me/duty", {"on_duty": True})
        self.assertEqual(r.status, 200, r.body)
        self.call("sue", "PUT", "/api/v1/me/duty", {"on_duty": False})

    # ---------------------------------------------------------------- pool and claim

    def test_pool_claim_and_conflict(self):
        self.assertEqual(self.call("alice", "PUT", "/api/v1/me/duty", {"on_duty": True}).status,
                         200)
        ticket, _, _ = self.submit("sleep", "en")
        pool = {t["ticket"]: t for t in self.queue("alice", "pool")}
        self.assertIn(ticket, pool)
        item = pool[ticket]
        self.assertTrue(ITEM_KEYS <= set(item), item)
        self.assertEqual((item["status"], item["category"], item["language"], item["crisis"],
                          item["owner"], item["offered_to_me"], item["claimed_by_me"],
                          item["followups"], item["selfcheck"]),
                         ("queued", "sleep", "en", False, None, False, False, 0, None))
        self.assertTrue(80000 < item["seconds_left"] <= 86400, item)
        self.assertNotIn(ticket, self.ids("carol", "pool"))  # family / zh only

        r = self.act("alice", ticket, "claim")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "claimed")
        self.assertEqual(r.json["owner"], "alice")
        self.assertTrue(r.json["lease_until"].endswith("Z"))
        self.refused("bob", ticket, "claim", None, 409, "conflict")
        self.refused("alice", ticket, "claim", None, 409, "conflict")

        mine = {t["ticket"]: t for t in self.queue("alice", "mine")}
        self.assertTrue(mine[ticket]["claimed_by_me"])
        self.assertEqual(mine[ticket]["status"], "claimed")
        self.assertIn("lease_until", mine[ticket])
        self.assertNotIn(ticket, self.ids("bob", "pool"))
        self.assertNotIn(ticket, self.ids("bob", "mine"))

    def test_claim_outside_categories_is_forbidden(self):
        ticket, _, _ = self.submit("sleep", "en")
        self.refused("carol", ticket, "claim", None, 403, "forbidden")
        self.refused("alice", "0000000000000000", "claim", None, 404, "not_found")
        r = self.act("alice", "not-a-ticket", "claim")
        self.assertEqual(r.status, 404, r.body)

    def test_claim_race_exactly_one_wins(self):
        tickets = [self.submit("anxiety", "ko")[0] for _ in range(100)]
        conns = {u: self.web.connection() for u in ("alice", "bob")}
        self.addCleanup(lambda: [c.close() for c in conns.values()])
        for ticket in tickets:
            barrier = threading.Barrier(2)
            results = {}

            def claim(user, ticket=ticket, barrier=barrier, results=results):
                barrier.wait()
                results[user] = self.act_on(conns[user], user, ticket)

            a24test.in_parallel(claim, conns, timeout=30)
            statuses = sorted(r.status for r in results.values())
            self.assertEqual(statuses, [200, 409], {u: r.body for u, r in results.items()})
            winner = next(u for u, r in results.items() if r.status == 200)
            loser = next(u for u, r in results.items() if r.status == 409)
            self.assertEqual(results[loser].error_code, "conflict")
            with self.stack.resp() as redis:
                self.assertEqual(redis.call("HGET", f"a24:t:{ticket}", "owner").decode(), winner)
                self.assertEqual(redis.call("ZSCORE", f"a24:mine:{loser}", ticket), None)
            events = [e for e in self.audit_events(ticket) if e[1] == "claim"]
            self.assertEqual(len(events), 1, events)

    def act_on(self, conn, user, ticket):
        return self.web.request("POST", f"/api/v1/tickets/{ticket}/claim", None,
                                {"Authorization": f"Bearer {self.tokens[user]}"}, conn=conn)

    def test_release_returns_to_pool(self):
        ticket, _, _ = self.submit("stress", "ko")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        self.refused("bob", ticket, "release", None, 403, "forbidden")
        r = self.act("alice", ticket, "release")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "queued")
        pool = {t["ticket"]: t for t in self.queue("bob", "pool")}
        self.assertEqual(pool[ticket]["status"], "queued")
        self.assertNotIn(ticket, self.ids("alice", "mine"))
        self.refused("alice", ticket, "release", None, 409, "invalid_state")
        self.assertEqual(self.act("bob", ticket, "claim").status, 200)
        # A supervisor may release anyone's claim.
        self.assertEqual(self.act("sue", ticket, "release").status, 200)

    def test_offered_view_and_claim_from_offer(self):
        ticket, _, _ = self.submit("sleep", "ko")
        self.offer(ticket, "bob")
        offered = {t["ticket"]: t for t in self.queue("bob", "offered")}
        self.assertTrue(offered[ticket]["offered_to_me"])
        self.assertEqual(offered[ticket]["status"], "offered")
        self.assertIn("offer_until", offered[ticket])
        self.assertNotIn(ticket, self.ids("alice", "offered"))
        pool = {t["ticket"]: t for t in self.queue("alice", "pool")}
        self.assertFalse(pool[ticket]["offered_to_me"])
        r = self.act("bob", ticket, "claim")
        self.assertEqual(r.status, 200, r.body)
        self.assertNotIn(ticket, self.ids("bob", "offered"))
        self.assertIn(ticket, self.ids("bob", "mine"))

    # ---------------------------------------------------------------- answer

    def test_answer_by_claimer_reaches_citizen(self):
        ticket, code, question = self.submit("sleep", "en")
        answer = secret_text("answer")
        r = self.act("alice", ticket, "answer", {"text": answer})
        self.assertEqual((r.status, r.error_code), (403, "forbidden"), r.body)  # not claimed
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        self.refused("bob", ticket, "answer", {"text": answer}, 403, "forbidden")
        for body, code_ in [({}, "missing_field"), ({"text": "  "}, "text_empty"),
                            ({"text": "x" * 4001}, "text_too_long")]:
            r = self.act("alice", ticket, "answer", body)
            self.assertEqual((r.status, r.error_code), (400, code_), r.body)

        r = self.act("alice", ticket, "answer", {"text": answer})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "answered")
        self.assertIsNotNone(r.json["answered_at"])

        c = self.web.read(ticket, code)
        self.assertEqual(c.status, 200, c.body)
        self.assertEqual(c.json["status"], "answered")
        self.assertEqual(c.json["answer"]["text"], answer)

        v = self.view("alice", ticket)
        self.assertEqual(v.status, 200, v.body)
        self.assertEqual(v.json["text"], question)
        self.assertEqual([(m["from"], m["text"]) for m in v.json["thread"]],
                         [("expert", answer)])
        self.assertNotIn("audit", v.json)  # supervisors only
        self.assertNotIn(ticket, self.ids("alice", "mine"))
        self.refused("alice", ticket, "answer", {"text": answer}, 409, "invalid_state")
        with self.stack.resp() as redis:
            raw = b"".join(redis.call("LRANGE", f"a24:t:{ticket}:msgs", 0, -1))
            self.assertNotIn(answer.encode(), raw)  # sealed at rest

    def test_second_opinion_holds_an_ordinary_answer_for_review(self):
        ticket, code, _ = self.submit("sleep", "en")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        self.refused("alice", ticket, "answer", {"text": "x", "second_opinion": "yes"},
                     400, "wrong_type")
        r = self.act("alice", ticket, "answer", {"text": secret_text("draft"),
                                                 "second_opinion": True})
        self.assertEqual((r.status, r.json["status"]), (200, "in_review"), r.body)
        self.assertIsNone(self.web.read(ticket, code).json["answer"])
        self.assertIn(ticket, self.ids("sue", "review"))
        self.assertEqual(self.act("sue", ticket, "review", {"decision": "approve"}).status, 200)
        self.assertEqual(self.web.read(ticket, code).json["status"], "answered")

    def test_crisis_answer_waits_for_review(self):
        ticket, code, _ = self.submit("sleep", "en",
                                      selfcheck={"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1]})
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        first = secret_text("crisis answer")
        r = self.act("alice", ticket, "answer", {"text": first})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "in_review")
        self.assertIsNone(r.json["answered_at"])
        c = self.web.read(ticket, code).json
        self.assertEqual(c["status"], "in_review")
        self.assertIsNone(c["answer"])
        self.assertNotIn(first, str(c))

        self.assertIn(ticket, self.ids("sue", "review"))
        r = self.call("alice", "GET", "/api/v1/tickets?view=review")
        self.assertEqual((r.status, r.error_code), (403, "forbidden"), r.body)
        self.refused("alice", ticket, "review", {"decision": "approve"}, 403, "forbidden")
        v = self.view("sue", ticket).json
        self.assertEqual(v["draft"]["text"], first)

        note = secret_text("review note")
        self.refused("sue", ticket, "review", {"decision": "maybe"}, 400, "bad_decision")
        r = self.act("sue", ticket, "review", {"decision": "return", "note": note})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "claimed")
        self.assertNotIn(ticket, self.ids("sue", "review"))
        v = self.view("alice", ticket).json
        self.assertEqual(v["status"], "claimed")
        self.assertIn(note, [n["text"] for n in v["notes"]])
        self.assertIsNone(self.web.read(ticket, code).json["answer"])

        second = secret_text("crisis answer, revised")
        r = self.act("alice", ticket, "answer", {"text": second})
        self.assertEqual(r.json["status"], "in_review", r.body)
        approval = secret_text("approval note")
        r = self.act("sue", ticket, "review", {"decision": "approve", "note": approval})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "answered")
        self.assertIn(("sue", approval),
                      [(n["by"], n["text"]) for n in self.view("alice", ticket).json["notes"]])
        c = self.web.read(ticket, code).json
        self.assertEqual(c["status"], "answered")
        self.assertEqual(c["answer"]["text"], second)
        self.assertNotIn(first, str(c))
        self.refused("sue", ticket, "review", {"decision": "approve"}, 409, "invalid_state")
        events = [e[1] for e in self.audit_events(ticket)]
        self.assertEqual(events.count("submit_review"), 2, events)
        self.assertIn("return", events)
        self.assertIn("approve", events)

    # ---------------------------------------------------------------- notes, transfer, risk

    def test_notes_never_reach_the_citizen(self):
        ticket, code, _ = self.submit("anxiety", "en")
        note = secret_text("internal note")
        r = self.act("bob", ticket, "notes", {"text": note})
        self.assertEqual(r.status, 201, r.body)
        self.assertIn("at", r.json)
        self.refused("carol", ticket, "notes", {"text": note}, 403, "forbidden")
        self.assertEqual(self.act("bob", ticket, "claim").status, 200)
        answer = secret_text("answer after note")
        self.assertEqual(self.act("bob", ticket, "answer", {"text": answer}).status, 200)
        v = self.view("bob", ticket).json
        self.assertEqual([(n["by"], n["text"]) for n in v["notes"]], [("bob", note)])
        c = self.web.read(ticket, code)
        self.assertEqual(c.status, 200)
        self.assertNotIn(note.encode(), c.body)
        self.assertNotIn(b"notes", c.body)
        with self.stack.resp() as redis:
            raw = b"".join(redis.call("LRANGE", f"a24:t:{ticket}:notes", 0, -1))
            self.assertNotIn(note.encode(), raw)

    def test_transfer_to_named_expert(self):
        ticket, _, _ = self.submit("stress", "en")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        note = secret_text("handover note")
        self.refused("alice", ticket, "transfer", {"to": "carol", "note": note},
                     409, "target_not_covering")
        self.refused("alice", ticket, "transfer", {"to": "otto", "note": note}, 400, "bad_target")
        self.refused("alice", ticket, "transfer", {"to": "nobody", "note": note},
                     400, "bad_target")
        self.refused("alice", ticket, "transfer", {"to": "bob"}, 400, "missing_field")
        self.refused("bob", ticket, "transfer", {"to": "bob", "note": note}, 403, "forbidden")

        r = self.act("alice", ticket, "transfer", {"to": "bob", "note": note})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json["status"], r.json["owner"]), ("claimed", "bob"))
        self.assertIn(ticket, self.ids("bob", "mine"))
        self.assertNotIn(ticket, self.ids("alice", "mine"))
        v = self.view("bob", ticket).json
        self.assertEqual(v["owner"], "bob")
        self.assertTrue(v["claimed_by_me"])
        self.assertIn(("alice", note), [(n["by"], n["text"]) for n in v["notes"]])
        self.assertIn(("alice", "transfer", "claimed", "claimed"), self.audit_events(ticket))
        # A supervisor reassigns anyone's ticket, queued ones too.
        other, _, _ = self.submit("stress", "en")
        r = self.act("sue", other, "transfer", {"to": "alice", "note": note})
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(other, self.ids("alice", "mine"))

    def test_risk_raise_and_lower(self):
        ticket, code, _ = self.submit("sleep", "en")
        before = self.view("alice", ticket).json
        self.assertFalse(before["crisis"])
        reason = secret_text("risk reason")
        self.refused("alice", ticket, "risk", {"level": "severe", "reason": reason},
                     400, "bad_level")
        self.refused("alice", ticket, "risk", {"level": "crisis"}, 400, "missing_field")
        self.refused("carol", ticket, "risk", {"level": "crisis", "reason": reason},
                     403, "forbidden")

        r = self.act("alice", ticket, "risk", {"level": "crisis", "reason": reason})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json["crisis"])
        self.assertLess(r.json["due_at"], before["due_at"])
        v = self.view("alice", ticket).json
        self.assertTrue(v["crisis"])
        self.assertEqual(v["risk_reason"], "expert")
        self.assertLessEqual(v["seconds_left"], 3600)
        self.assertIn(reason, [n["text"] for n in v["notes"]])
        self.assertTrue(self.web.read(ticket, code).json["crisis"])
        pool = self.ids("alice", "pool")
        crisis_ids = [t["ticket"] for t in self.queue("alice", "pool") if t["crisis"]]
        self.assertEqual(pool[:len(crisis_ids)], crisis_ids)  # crises lead the queue
        self.assertIn(ticket, crisis_ids)
        self.assertIn(("alice", "risk_raise", "queued", "queued"), self.audit_events(ticket))
        # A raised ticket's answer goes to review.
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        r = self.act("alice", ticket, "answer", {"text": secret_text("answer")})
        self.assertEqual(r.json["status"], "in_review", r.body)

        # Only a supervisor lowers a crisis, with a reason kept in the audit trail.
        other, _, _ = self.submit("sleep", "en")
        self.act("alice", other, "risk", {"level": "crisis", "reason": reason})
        self.assertNotIn("lower_risk", self.view("alice", other).json["actions"])
        self.refused("alice", other, "risk", {"level": "normal", "reason": reason},
                     403, "supervisor_required")
        self.assertTrue(self.view("alice", other).json["crisis"])
        self.assertIn("lower_risk", self.view("sue", other).json["actions"])
        r = self.act("sue", other, "risk", {"level": "normal"})
        self.assertEqual((r.status, r.error_code, r.json["error"].get("field")),
                         (400, "missing_field", "reason"), r.body)
        why = secret_text("lowered because")
        r = self.act("sue", other, "risk", {"level": "normal", "reason": why})
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json["crisis"])
        v = self.view("sue", other).json
        self.assertFalse(v["crisis"])
        self.assertEqual(v["risk_reason"], "lowered")
        lowered = [a for a in v["audit"] if a["event"] == "risk_lower"]
        self.assertEqual([(a["actor"], a["reason"]) for a in lowered], [("sue", why)])
        with self.stack.resp() as redis:
            trail = b"".join(redis.call("LRANGE", f"a24:t:{other}:audit", 0, -1))
        self.assertNotIn(why.encode(), trail)  # the reason is sealed, never in the line

    # ---------------------------------------------------------------- the crisis review

    def alerts_about(self, ticket, kind):
        """Alerts of `kind` about `ticket`, each {"state": ..., ...} as stored."""
        out = []
        with self.stack.resp() as redis:
            for key in redis.scan("a24:alert:*"):
                key = key.decode() if isinstance(key, bytes) else key
                if not key.split(":")[-1].isdigit():
                    continue  # an incident's history list, not an alert
                h = redis.hgetall(key)
                if h.get(b"ticket") == ticket.encode() and h.get(b"kind") == kind.encode():
                    out.append({k.decode(): v.decode() for k, v in h.items()})
        return out

    def duty(self, who, on):
        r = self.call(who, "PUT", "/api/v1/me/duty", {"on_duty": on})
        self.assertEqual(r.status, 200, r.body)

    def crisis_ticket(self):
        ticket, code, _ = self.submit("sleep", "en",
                                      selfcheck={"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 2]})
        self.assertTrue(self.view("sue", ticket).json["crisis"])
        return ticket, code

    def test_author_never_approves_own_crisis_answer(self):
        # A supervisor claims and answers a crisis ticket: the answer waits for review
        # (supervisors' answers too), they may not approve it, and on-call is told.
        ticket, code = self.crisis_ticket()
        self.assertEqual(self.act("sue", ticket, "claim").status, 200)
        r = self.act("sue", ticket, "answer", {"text": secret_text("supervisor answer")})
        self.assertEqual((r.status, r.json["status"]), (200, "in_review"), r.body)
        self.assertNotIn("approve", self.view("sue", ticket).json["actions"])
        self.assertIn("approve", self.view("sam", ticket).json["actions"])
        self.refused("sue", ticket, "review", {"decision": "approve"}, 403, "own_answer")
        self.refused("sue", ticket, "review", {"decision": "approve", "note": "self approved"},
                     403, "own_answer")
        notes = [n["text"] for n in self.view("sue", ticket).json["notes"]]
        self.assertNotIn("self approved", notes)  # a refused approval leaves no note
        self.assertIsNone(self.web.read(ticket, code).json["answer"])
        waiting = self.alerts_about(ticket, "review_waiting")
        self.assertEqual(len(waiting), 1, waiting)
        self.assertEqual((waiting[0]["state"], waiting[0]["notify"]), ("open", "oncall"))
        # Another supervisor approves; the alert is done with.
        r = self.act("sam", ticket, "review", {"decision": "approve"})
        self.assertEqual((r.status, r.json["status"]), (200, "answered"), r.body)
        self.assertEqual(self.alerts_about(ticket, "review_waiting")[0]["state"], "resolved")
        self.assertIn(("sam", "approve", "in_review", "answered"), self.audit_events(ticket))

    def test_crisis_answer_alerts_when_no_other_supervisor_is_on_duty(self):
        # Nobody to review on duty: the answer waits and on-call hears of it.
        ticket, _ = self.crisis_ticket()
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        r = self.act("alice", ticket, "answer", {"text": secret_text("expert answer")})
        self.assertEqual(r.json["status"], "in_review", r.body)
        self.assertEqual(len(self.alerts_about(ticket, "review_waiting")), 1)
        # A return resolves it; the next answer, with a supervisor on duty, raises none.
        r = self.act("sam", ticket, "review", {"decision": "return"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.alerts_about(ticket, "review_waiting")[0]["state"], "resolved")
        self.duty("sam", True)
        try:
            r = self.act("alice", ticket, "answer", {"text": secret_text("expert answer 2")})
            self.assertEqual(r.json["status"], "in_review", r.body)
            self.assertEqual(len(self.alerts_about(ticket, "review_waiting")), 1)
            # The author is the only supervisor on duty: it waits, and on-call is told.
            other, _ = self.crisis_ticket()
            self.assertEqual(self.act("sam", other, "claim").status, 200)
            r = self.act("sam", other, "answer", {"text": secret_text("sam answer")})
            self.assertEqual(r.json["status"], "in_review", r.body)
            self.assertEqual(len(self.alerts_about(other, "review_waiting")), 1)
            self.refused("sam", other, "review", {"decision": "approve"}, 403, "own_answer")
        finally:
            self.duty("sam", False)

    def test_crisis_raised_after_claim_still_goes_to_review(self):
        ticket, code, _ = self.submit("sleep", "en")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        r = self.act("alice", ticket, "risk", {"level": "crisis", "reason": "plan named"})
        self.assertEqual(r.status, 200, r.body)
        r = self.act("alice", ticket, "answer", {"text": secret_text("answer")})
        self.assertEqual(r.json["status"], "in_review", r.body)
        self.assertIsNone(self.web.read(ticket, code).json["answer"])

    # ---------------------------------------------------------------- transfer targets

    def test_transfer_only_to_someone_who_can_act(self):
        ticket, _, _ = self.submit("stress", "en")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        note = secret_text("handover")
        cases = [("erik", "target_off_duty"), ("dora", "target_disabled"),
                 ("carol", "target_not_covering")]
        for to, code in cases:
            r = self.act("alice", ticket, "transfer", {"to": to, "note": note})
            self.assertEqual((r.status, r.error_code, r.json["error"].get("field")),
                             (409, code, "to"), (to, r.body))
        # An expert may not override; nothing moved.
        r = self.act("alice", ticket, "transfer",
                     {"to": "erik", "note": note, "override_reason": "covering"})
        self.assertEqual((r.status, r.error_code), (403, "override_forbidden"), r.body)
        self.assertEqual(self.view("alice", ticket).json["owner"], "alice")
        # A supervisor may, for a named reason (audited); never to a disabled account.
        r = self.act("sue", ticket, "transfer",
                     {"to": "dora", "note": note, "override_reason": "she knows the case"})
        self.assertEqual((r.status, r.error_code), (409, "target_disabled"), r.body)
        why = secret_text("erik starts in five minutes")
        r = self.act("sue", ticket, "transfer",
                     {"to": "erik", "note": note, "override_reason": why})
        self.assertEqual((r.status, r.json["owner"]), (200, "erik"), r.body)
        audit = self.view("sue", ticket).json["audit"]
        over = [(a["actor"], a["reason"]) for a in audit if a["event"] == "transfer_override"]
        self.assertEqual(over, [("sue", why)])
        with self.stack.resp() as redis:
            trail = b"".join(redis.call("LRANGE", f"a24:t:{ticket}:audit", 0, -1))
        self.assertNotIn(why.encode(), trail)
        # Both rules at once (off duty and not covering) are overridden together.
        other, _, _ = self.submit("anxiety", "en")
        self.refused("sue", other, "transfer", {"to": "erik", "note": note},
                     409, "target_off_duty")
        r = self.act("sue", other, "transfer",
                     {"to": "erik", "note": note, "override_reason": "only one awake"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.view("sue", other).json["owner"], "erik")
        self.assertIn("transfer_override", [e[1] for e in self.audit_events(other)])

    # ---------------------------------------------------------------- actions

    def test_actions_follow_state_and_role(self):
        ticket, _, _ = self.submit("sleep", "en")
        pool = {t["ticket"]: t for t in self.queue("alice", "pool")}
        self.assertEqual(set(pool[ticket]["actions"]), {"claim", "note", "raise_risk"})
        self.assertEqual(self.view("carol", ticket).status, 404)
        self.assertEqual(set(self.view("sue", ticket).json["actions"]),
                         {"claim", "transfer", "note", "raise_risk"})
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        self.assertEqual(set(self.view("alice", ticket).json["actions"]),
                         {"release", "answer", "transfer", "note", "raise_risk"})
        self.assertEqual(set(self.view("bob", ticket).json["actions"]), {"note", "raise_risk"})
        self.assertEqual(set(self.view("sue", ticket).json["actions"]),
                         {"release", "transfer", "note", "raise_risk"})
        self.assertEqual(self.act("alice", ticket, "answer",
                                  {"text": secret_text("a")}).status, 200)
        self.assertEqual(self.view("alice", ticket).json["actions"], ["note"])
        # Every action listed is one the API accepts (checked for the moves above).

    # ---------------------------------------------------------------- follow-up

    def test_followup_after_answer_reopens(self):
        ticket, code, _ = self.submit("anxiety", "ko")
        self.assertEqual(self.act("alice", ticket, "claim").status, 200)
        answer = secret_text("answer")
        self.assertEqual(self.act("alice", ticket, "answer", {"text": answer}).status, 200)
        self.assertNotIn(ticket, self.ids("alice", "pool"))
        more = secret_text("follow-up")
        r = self.web.followup(ticket, code, more)
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json["status"], "queued")
        pool = {t["ticket"]: t for t in self.queue("bob", "pool")}
        self.assertEqual(pool[ticket]["status"], "queued")
        self.assertEqual(pool[ticket]["followups"], 1)
        v = self.view("bob", ticket).json
        self.assertEqual([(m["from"], m["text"]) for m in v["thread"]],
                         [("expert", answer), ("citizen", more)])
        self.assertIn(("citizen", "reopen", "answered", "queued"), self.audit_events(ticket))

    # ---------------------------------------------------------------- reading

    def test_view_access(self):
        ticket, _, question = self.submit("sleep", "en", selfcheck={
            "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0], "gad7": [2, 2, 2, 2, 2, 2, 2]})
        r = self.view("carol", ticket)
        self.assertEqual((r.status, r.error_code), (404, "not_found"), r.body)
        self.assertEqual(self.view("otto", ticket).status, 403)
        self.assertEqual(self.view(None, ticket).status, 401)
        self.assertEqual(self.view("alice", "zzzzzzzzzzzzzzzz").status, 404)
        r = self.view("alice", ticket)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["text"], question)
        self.assertEqual(r.json["selfcheck"], {
            "phq9_total": 8, "phq9_band": "mild", "phq9_item9": 0, "gad7_total": 14,
            "gad7_band": "moderate", "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0],
            "gad7": [2, 2, 2, 2, 2, 2, 2]})
        self.assertIsNone(r.json["draft"])
        self.assertNotIn("code", r.json)
        pool = {t["ticket"]: t for t in self.queue("alice", "pool")}
        self.assertEqual(pool[ticket]["selfcheck"], {
            "phq9_total": 8, "phq9_band": "mild", "phq9_item9": 0, "gad7_total": 14,
            "gad7_band": "moderate"})
        # Whoever holds a ticket may read it even outside their categories.
        self.offer(ticket, "carol")
        self.assertEqual(self.view("carol", ticket).status, 200)
        s = self.view("sue", ticket)
        self.assertEqual(s.status, 200, s.body)
        self.assertEqual(s.json["audit"][0]["event"], "submit")

    def test_roles_and_query_validation(self):
        for path in ["/api/v1/tickets?view=pool", "/api/v1/templates"]:
            r = self.call("otto", "GET", path)
            self.assertEqual((r.status, r.error_code), (403, "forbidden"), r.body)
            self.assertEqual(self.call(None, "GET", path).status, 401)
        ticket, _, _ = self.submit()
        for what in ("claim", "release"):
            self.assertEqual(self.act("otto", ticket, what).status, 403)
        r = self.call("alice", "GET", "/api/v1/tickets?view=all")
        self.assertEqual((r.status, r.error_code), (403, "forbidden"), r.body)
        self.assertIn(ticket, self.ids("sue", "all"))
        self.assertIn(ticket, self.ids("sue", "pool"))  # a supervisor's pool is everything
        cases = [("view=everything", "bad_view"), ("view=pool&limit=0", "bad_limit"),
                 ("view=pool&limit=1001", "bad_limit"), ("view=pool&limit=ten", "bad_limit"),
                 ("view=pool&limit=", "bad_limit"), ("view=pool&cursor=xyz", "bad_cursor"),
                 ("view=pool&cursor=12_short", "bad_cursor"),
                 ("view=pool&cursor=%zz", "bad_cursor")]
        for query, code in cases:
            r = self.call("alice", "GET", f"/api/v1/tickets?{query}")
            self.assertEqual((r.status, r.error_code), (400, code), (query, r.body))
        r = self.call("alice", "GET", "/api/v1/tickets")  # the pool by default
        self.assertEqual(r.status, 200, r.body)

    def test_paging_walks_every_ticket_once_in_urgency_order(self):
        for _ in range(3):
            self.submit("stress", "ko", selfcheck={"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 2]})
            self.submit("stress", "ko", green_channel=True)
            self.submit("stress", "ko")
        walked = self.queue("sue", "all", limit=4)
        ids = [t["ticket"] for t in walked]
        self.assertEqual(len(ids), len(set(ids)))
        with self.stack.resp() as redis:
            expected = [x.decode() for x in redis.call("ZRANGE", "a24:open", 0, -1)]
        self.assertEqual(ids, expected)
        rank = [0 if t["crisis"] else 1 if t["green_channel"] else 2 for t in walked]
        self.assertEqual(rank, sorted(rank))
        first = self.call("sue", "GET", "/api/v1/tickets?view=all&limit=1")
        self.assertEqual(len(first.json["tickets"]), 1)
        self.assertIsNotNone(first.json["next_cursor"])

    def test_paging_through_equal_scores(self):
        # Five tickets forced onto one score in their pool: pages of two still show each
        # exactly once, in id order, as Redis orders equal scores.
        tied = sorted(self.submit("other", "zh")[0] for _ in range(5))
        with self.stack.resp() as redis:
            for t in tied:
                redis.call("ZADD", "a24:pool:other:zh", "XX", 12345, t)
        walked = [t["ticket"] for t in self.queue("sue", "pool", limit=2)]
        self.assertEqual(len(walked), len(set(walked)))
        self.assertEqual([t for t in walked if t in tied], tied)
        start = walked.index(tied[0])
        self.assertEqual(walked[start:start + 5], tied)

    def test_audit_trail_lists_every_transition(self):
        ticket, code, _ = self.submit("sleep", "en")
        self.act("alice", ticket, "claim")
        self.act("alice", ticket, "release")
        self.act("bob", ticket, "claim")
        self.act("bob", ticket, "notes", {"text": secret_text("note")})
        self.act("bob", ticket, "answer", {"text": secret_text("answer")})
        self.web.followup(ticket, code, secret_text("follow-up"))
        self.assertEqual(self.audit_events(ticket), [
            ("citizen", "submit", "-", "queued"),
            ("alice", "claim", "queued", "claimed"),
            ("alice", "release", "claimed", "queued"),
            ("bob", "claim", "queued", "claimed"),
            ("bob", "note", "claimed", "claimed"),
            ("bob", "answer", "claimed", "answered"),
            ("citizen", "followup", "answered", "answered"),
            ("citizen", "reopen", "answered", "queued"),
        ])

    # ---------------------------------------------------------------- templates

    def test_templates(self):
        body = {"language": "ko", "category": "sleep", "title": "Sleep hygiene",
                "text": "Keep a regular wake-up time."}
        r = self.call("alice", "PUT", "/api/v1/templates/sleep-1", body)
        self.assertEqual((r.status, r.error_code), (403, "forbidden"), r.body)
        r = self.call("sue", "PUT", "/api/v1/templates/sleep-1", body)
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json["updated_by"], "sue")
        r = self.call("sue", "PUT", "/api/v1/templates/sleep-1", dict(body, title="Sleep"))
        self.assertEqual(r.status, 200, r.body)
        self.call("sue", "PUT", "/api/v1/templates/worry-1",
                  dict(body, category="anxiety", title="Worry time"))
        r = self.call("alice", "GET", "/api/v1/templates?language=ko&category=sleep")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([(t["id"], t["title"], t["text"]) for t in r.json["templates"]],
                         [("sleep-1", "Sleep", body["text"])])
        r = self.call("alice", "GET", "/api/v1/templates?language=ko")
        self.assertEqual([t["id"] for t in r.json["templates"]], ["sleep-1", "worry-1"])
        # Moving a template to another pair moves it between the indexes.
        self.call("sue", "PUT", "/api/v1/templates/sleep-1", dict(body, language="en"))
        r = self.call("alice", "GET", "/api/v1/templates?language=ko&category=sleep")
        self.assertEqual(r.json["templates"], [])
        for query, code in [("language=fr", "unknown_language"),
                            ("category=joy", "unknown_category")]:
            r = self.call("alice", "GET", f"/api/v1/templates?{query}")
            self.assertEqual((r.status, r.error_code), (400, code), r.body)
        for bad, code in [(dict(body, language="fr"), "unknown_language"),
                          (dict(body, title=""), "text_empty"),
                          (dict(body, title="t" * 201), "text_too_long"),
                          ({k: v for k, v in body.items() if k != "text"}, "missing_field"),
                          (dict(body, extra=1), "unknown_field")]:
            r = self.call("sue", "PUT", "/api/v1/templates/x", bad)
            self.assertEqual((r.status, r.error_code), (400, code), r.body)
        r = self.call("sue", "PUT", "/api/v1/templates/Bad%20Id", body)
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(self.call("alice", "DELETE", "/api/v1/templates/worry-1").status, 403)
        self.assertEqual(self.call("sue", "DELETE", "/api/v1/templates/worry-1").status, 204)
        self.assertEqual(self.call("sue", "DELETE", "/api/v1/templates/worry-1").status, 404)
        r = self.call("alice", "GET", "/api/v1/templates")
        self.assertEqual([t["id"] for t in r.json["templates"]], ["sleep-1"])

    # ---------------------------------------------------------------- last

    def test_zz_no_text_in_the_log(self):
        log = self.web.log()
        self.assertTrue(TEXTS)
        for text in TEXTS:
            self.assertNotIn(text, log)


if __name__ == "__main__":
    unittest.main(verbosity=2)
