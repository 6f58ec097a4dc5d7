"""The stream reader (proto/stream.c) under the router and the notifier: a stream deleted
under a running worker (its consumer group gone with it: NOGROUP) is created again and
reading resumes, so a question still gets offered and a crisis still reaches the
webhook; and the router trims the intake stream below what its group still needs,
never an entry still pending.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402
from test_routing import RoutingHelpers  # noqa: E402


class StreamTest(RoutingHelpers, unittest.TestCase):
    def setUp(self):
        self.hook = a24workers.HookReceiver().start()
        self.addCleanup(self.hook.stop)
        self.stack = a24test.start_stack(self.addCleanup, config={
            "deadlines": {"offer_timeout": "1h", "answer": "1h", "crisis": "1h"},
            "alerts": {"poll": "200ms", "retry_max": "1s",
                       "webhooks": [{"url": self.hook.url, "notify": ["oncall", "supervisor"]}],
                       "webhook_secret": a24workers.SECRET},
        })
        self.web = self.stack.web
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)
        self.tokens = {}

    def groups(self, stream):
        return [dict(zip(g[::2], g[1::2])) for g in self.resp.call("XINFO", "GROUPS", stream)]

    def test_streams_deleted_under_the_worker_come_back(self):
        self.expert("ann", cats="sleep", langs="en")
        w = self.worker(role="all")
        first = self.submit()
        self.assertEqual(self.wait_state(first, "offered")[1], "ann")
        a24test.wait_until(lambda: self.groups("a24:alerts"), 10, what="the notifier's group")
        # Both streams go, and their groups with them.
        self.resp.call("DEL", "a24:intake", "a24:alerts")
        time.sleep(0.5)
        second = self.submit()
        self.assertEqual(self.wait_state(second, "offered", timeout=15)[1], "ann")
        self.assertEqual([g[b"name"] for g in self.groups("a24:intake")], [b"router"])
        r = self.web.submit("I want to kill myself tonight", "stress")
        self.assertTrue(r.json["crisis"])
        a24test.wait_until(lambda: any(b["alert"]["ticket"] == r.json["ticket"]
                                       for b in self.hook.bodies()), 15,
                           what="the crisis webhook after the alert stream came back")
        self.assertEqual([g[b"name"] for g in self.groups("a24:alerts")], [b"notifier"])
        self.assertEqual(w.stop(), [], w.log())

    def test_streams_router_trims_the_intake_below_what_is_pending(self):
        # 300 intake entries; with nobody on duty the router finds each one waiting.
        conn = self.web.connection()
        for i in range(300):
            r = self.web.request("POST", "/api/v1/questions",
                                 {"text": f"trim {i}", "category": "sleep"}, conn=conn)
            self.assertEqual(r.status, 201, r.body)
        conn.close()
        # The group starts halfway (the entries before it are not its own), and its first
        # entry stays pending in a consumer that never acknowledges it.
        ids = [e[0] for e in self.resp.call("XRANGE", "a24:intake", "-", "+")]
        self.assertEqual(len(ids), 300)
        self.resp.call("XGROUP", "CREATE", "a24:intake", "router", ids[148])
        held = self.resp.call("XREADGROUP", "GROUP", "router", "gone-1", "COUNT", 1,
                              "STREAMS", "a24:intake", ">")[0][1][0][0]
        self.assertEqual(held, ids[149])
        self.worker(role="router")

        def trimmed():
            g = self.groups("a24:intake")[0]
            return int(g[b"pending"]) == 1 and int(self.resp.call("XLEN", "a24:intake")) < 300
        # Trimming runs with the takeover, every 10 s; the held entry is idle for less
        # than the 30 s a takeover waits, so it stays pending and in the stream.
        a24test.wait_until(trimmed, 25, interval=0.5, what="the intake trimmed")
        self.assertEqual(len(self.resp.call("XRANGE", "a24:intake", held, held)), 1,
                         "a pending entry was trimmed")


if __name__ == "__main__":
    unittest.main()
