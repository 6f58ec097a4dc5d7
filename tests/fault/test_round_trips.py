"""What the worker's periodic reads cost in round trips to Redis, watched with MONITOR:
a shift tick reads every rota in one call (rota_cover.lua, which the coverage look-ahead
shares) and sends the coverage ahead in one more (coverage_alert.lua raises the new gaps
and resolves the gone ones, however many gaps there are), and the router's trim of the
intake stream is one call (stream_trim.lua looks its group up itself). Commands a script runs show in MONITOR as "lua", not as a client.
"""

import os
import socket
import sys
import time
import unittest
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from a24workers import a24test  # noqa: E402
from test_routing import PASSWORD, RoutingHelpers  # noqa: E402


class RoundTripTest(RoutingHelpers, unittest.TestCase):
    def setUp(self):
        config = {"rota": {"timezone": "UTC", "tick": "500ms"}}
        self.stack = a24test.start_stack(self.addCleanup, config=config)
        self.web = self.stack.web

    def watch(self, seconds, until=None):
        """The commands clients (not scripts) sent in the next `seconds`, or until
        `until(commands)` holds, as lists of lowercase words."""
        mon = self.stack.resp()
        self.addCleanup(mon.close)
        self.assertEqual(mon.call("MONITOR"), "OK")
        mon.sock.settimeout(0.5)
        seen, end = [], time.monotonic() + seconds
        while time.monotonic() < end and not (until and until(seen)):
            try:
                line = mon.read_reply()
            except (socket.timeout, TimeoutError):
                continue
            source, _, words = line.partition("] ")
            if " lua" not in source:
                seen.append([w.strip('"').lower() for w in words.split(" ")])
        return seen

    def test_round_trips_one_read_of_the_rotas_a_tick(self):
        p = self.ctl("user", "add", "--username", "ann", "--role", "expert", "--categories",
                     "sleep", "--languages", "en", "--password-stdin", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        day = datetime.now(timezone.utc).strftime("%a").lower()
        p = self.ctl("rota", "set", "ann", f"{day} 00:00-23:59")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.worker(role="deadline")
        seen = self.watch(10, until=lambda s: sum(c[:2] == ["fcall", "a24_rota_cover"]
                                                  for c in s) >= 4)
        reads = [c for c in seen if "a24:rota" in c or "a24_rota_cover" in c]
        self.assertGreaterEqual(len(reads), 4, seen)
        self.assertTrue(all(c[:2] == ["fcall", "a24_rota_cover"] for c in reads), reads)
        # One coverage call after each read (the last may still be on its way), whatever
        # the number of gaps: every pair but English sleep is a gap here.
        covers = [c for c in seen if "a24_coverage_alert" in c]
        self.assertIn(len(covers), (len(reads) - 1, len(reads)), seen)
        self.assertTrue(all(c[:2] == ["fcall", "a24_coverage_alert"] for c in covers), covers)
        self.assertGreater(len(covers[0]), 8, "the gaps travel in the one call")
        with self.stack.resp() as redis:
            a24test.wait_until(lambda: redis.call("SISMEMBER", "a24:onduty", "ann") == 1, 10,
                               what="the shift start")

    def test_round_trips_one_call_a_trim(self):
        for i in range(5):
            self.submit()
        self.worker(role="router")
        # Trimming runs with the takeover, every 10 s.
        seen = self.watch(25, until=lambda s: any(c[:2] == ["fcall", "a24_stream_trim"]
                                                  for c in s))
        self.assertTrue(any(c[:2] == ["fcall", "a24_stream_trim"] for c in seen), seen)
        self.assertFalse([c for c in seen if c[:2] == ["xinfo", "groups"]], seen)


if __name__ == "__main__":
    unittest.main()
