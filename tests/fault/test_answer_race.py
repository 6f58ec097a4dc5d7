"""An answer racing the deadline, a thousand times: every one of 1 000 tickets is
answered by its expert through the API while the deadline engine fires the 100 % step
around the same moment. Each ticket must end with exactly one outcome: answered before
the step (no breach alert, ever) or breached before the answer (the alert older than
the answer). Answered and escalated afterwards: 0.
"""

import os
import random
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "race-test-password"
N = 1000
THREADS = 4
WINDOW_S = 12


class AnswerRaceTest(unittest.TestCase):
    def test_answer_racing_the_deadline_has_one_outcome(self):
        stack = a24test.start_stack(self.addCleanup, config={
            "deadlines": {"answer": f"{WINDOW_S}s"},
            "escalation": [{"at": "100%", "notify": "supervisor"}],
            "alerts": {"poll": "100ms"},
        })
        web, resp = stack.web, stack.resp()
        self.addCleanup(resp.close)
        worker = a24workers.Worker(stack, role="deadline")
        self.addCleanup(lambda: self.assertEqual(worker.stop(), [], worker.log()))
        worker.start()

        tokens = []
        for i in range(THREADS):
            name = f"racer{i}"
            p = subprocess.run([CTL, "--config", web.config_path, "user", "add", "--username", name,
                                "--role", "expert", "--categories", "sleep", "--languages", "en",
                                "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            r = web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
            auth = {"Authorization": "Bearer " + r.json["token"]}
            self.assertEqual(web.request("PUT", "/api/v1/me/duty", {"on_duty": True}, auth).status, 200)
            tokens.append(auth)

        # Submit and claim everything first (well inside the window)...
        mine = [[] for _ in range(THREADS)]

        def submit_and_claim(k):
            conn = web.connection()
            for i in range(N // THREADS):
                r = web.request("POST", "/api/v1/questions",
                                {"text": f"race {k} {i}", "category": "sleep"}, conn=conn)
                assert r.status == 201, r.body
                t = r.json["ticket"]
                c = web.request("POST", f"/api/v1/tickets/{t}/claim", {}, tokens[k], conn=conn)
                assert c.status == 200, c.body
                mine[k].append(t)
            conn.close()

        prepared = a24test.in_parallel(submit_and_claim, range(THREADS))
        self.assertLess(prepared, WINDOW_S - 2, "the machine is too slow to set up the race")

        # ...then answer each one around its own deadline.
        dues = {t: int(resp.hgetall(f"a24:t:{t}")[b"due"]) / 1000 for k in mine for t in k}
        results = {}
        rng = random.Random(24)
        # Wide enough that both outcomes happen even when a request takes a while here.
        offsets = {t: rng.uniform(-1.5, 0.5) for t in dues}

        def answer(k):
            conn = web.connection()
            for t in mine[k]:
                wait = dues[t] + offsets[t] - time.time()
                if wait > 0:
                    time.sleep(wait)
                r = web.request("POST", f"/api/v1/tickets/{t}/answer", {"text": "An answer."},
                                tokens[k], conn=conn)
                results[t] = r.status
            conn.close()

        a24test.in_parallel(answer, range(THREADS))
        self.assertEqual(sorted(set(results.values())), [200], "every answer accepted")
        time.sleep(1.0)  # let any step that was due fire

        # The breach step's time, from the history of the ticket's incident.
        breaches = {}
        for a in a24workers.alerts(resp):
            for h in a24workers.history(resp, a["id"]):
                if h["kind"] == "breach" and h["event"] in ("raised", "escalated", "noted"):
                    breaches[a["ticket"]] = h["at"]
        before = after = 0
        for k in range(THREADS):
            for t in mine[k]:
                tk = a24workers.ticket(resp, t)
                answered_at, due = int(tk["answered_at"]), int(tk["due"])
                self.assertEqual(tk["state"], b"answered")
                if t in breaches:
                    self.assertLessEqual(int(breaches[t]), answered_at,
                                         f"{t}: escalated after it was answered")
                    after += 1
                else:
                    self.assertLessEqual(answered_at, due + 1000,
                                         f"{t}: answered late but never escalated")
                    self.assertNotIn(b"breached", tk, f"{t}: breach recorded without an alert")
                    before += 1
        print(f"answered before the step: {before}, breached first: {after}, "
              f"answered and escalated: 0", file=sys.stderr)
        self.assertEqual(before + after, N)
        self.assertGreater(before, 0, "the race never went the answer's way")
        self.assertGreater(after, 0, "the race never went the deadline's way")


if __name__ == "__main__":
    unittest.main()
