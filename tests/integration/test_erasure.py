"""Erasure that reaches the disk (issue 9.3), against a real Redis with AOF and the real
front end and worker (harness: a24test.py, workers: ../fault/a24workers.py).

Withdrawing a question deletes its sealed texts from Redis' memory at once, but the
AOF files keep every write until Redis rewrites them. withdraw.lua and purge.lua mark
the need (a24:erase:pending); the worker's eraser starts BGREWRITEAOF within
privacy.erase_after, at most one per window. The tests read the sealed bytes straight
from Redis, check that the AOF directory holds them (so the search can find them), and
after the withdrawal wait for them to be gone from every file, while a ticket that was
not withdrawn stays. Redis runs with rdbcompression off here so that the rewritten
base file stores strings as they are and a search of the files is a fair test.
"""

import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

WINDOW = 1.0  # privacy.erase_after in these tests, seconds


def files_holding(redis, needle):
    """The files of Redis' data directory whose bytes contain `needle`."""
    out = []
    for path in redis.files():
        with open(path, "rb") as f:
            if needle in f.read():
                out.append(os.path.basename(path))
    return out


class ErasureTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(
            self.addCleanup, config={"privacy": {"erase_after": f"{int(WINDOW)}s"}},
            redis_args=["--rdbcompression", "no", "--aof-use-rdb-preamble", "yes"])
        self.web, self.redis = self.stack.web, self.stack.redis
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)

    def start_worker(self):
        worker = a24workers.Worker(self.stack, role="deadline")
        self.addCleanup(worker.kill)
        return worker.start()

    def submit(self, text):
        r = self.web.submit(text, "family")
        self.assertEqual(r.status, 201, r.body)
        sealed = self.resp.call("HGET", f"a24:t:{r.json['ticket']}", "q")
        self.assertIsInstance(sealed, bytes)
        self.assertGreater(len(sealed), 40)
        return r.json["ticket"], r.json["access_code"], sealed

    def rewrites_started(self, worker):
        return [e for e in worker.log_events() if e.get("event") == "aof_rewrite_started"]

    def test_withdrawn_text_leaves_the_aof_files(self):
        worker = self.start_worker()
        kept_ticket, _kept_code, kept = self.submit("A question that stays.")
        ticket, code, sealed = self.submit("A question taken back, to be erased from disk.")
        self.assertTrue(files_holding(self.redis, sealed), "the search must find it first")
        self.assertTrue(files_holding(self.redis, kept))

        r = self.web.withdraw(ticket, code)
        self.assertEqual(r.status, 204, r.body)
        withdrawn_at = time.monotonic()
        a24test.wait_until(lambda: not files_holding(self.redis, sealed), WINDOW + 10,
                           interval=0.05, what="the sealed text to leave the AOF files")
        took = time.monotonic() - withdrawn_at
        print(f"\nsealed text gone from the AOF files {took:.2f}s after the withdrawal "
              f"(privacy.erase_after {WINDOW:.0f}s)")
        self.assertLess(took, WINDOW + 5)
        # Only the erasure was undone: the other ticket is still there, in memory and on disk.
        self.assertEqual(self.resp.call("HGET", f"a24:t:{kept_ticket}", "q"), kept)
        self.assertTrue(files_holding(self.redis, kept))
        self.assertIsNone(self.resp.call("HGET", f"a24:t:{ticket}", "q"))
        self.assertIsNone(self.resp.call("GET", "a24:erase:pending"))
        self.assertIsNotNone(self.resp.call("GET", "a24:erase:last"))
        a24test.wait_until(lambda: any(e.get("event") == "aof_rewrite_done"
                                       for e in worker.log_events()), 5, what="aof_rewrite_done")
        self.assertEqual(len(self.rewrites_started(worker)), 1)
        self.assertEqual(worker.stop(), [])

    def test_rewrites_are_batched(self):
        worker = self.start_worker()
        first = self.submit("First question taken back.")
        self.assertEqual(self.web.withdraw(first[0], first[1]).status, 204)
        a24test.wait_until(lambda: self.rewrites_started(worker), WINDOW + 5,
                           what="the first rewrite")
        # More withdrawals right after: one more rewrite for all of them, a window later.
        later = [self.submit(f"Taken back later {i}.") for i in range(3)]
        for ticket, code, _ in later:
            self.assertEqual(self.web.withdraw(ticket, code).status, 204)
        for _, _, sealed in later:
            a24test.wait_until(lambda s=sealed: not files_holding(self.redis, s), WINDOW + 10,
                               what="the later texts to leave the AOF files")
        time.sleep(WINDOW * 1.5)
        started = self.rewrites_started(worker)
        self.assertEqual(len(started), 2, started)
        gap = a24test.parse_time(started[1]["ts"]) - a24test.parse_time(started[0]["ts"])
        self.assertGreaterEqual(gap, WINDOW - 0.01, "at most one rewrite per window")
        self.assertEqual(worker.stop(), [])

    def test_purge_marks_the_need(self):
        stack = self.stack
        ticket, code, _ = self.submit("Withdrawn, then purged.")
        self.assertEqual(self.web.withdraw(ticket, code).status, 204)
        self.resp.call("DEL", "a24:erase:pending")  # no worker runs: clear the withdrawal's mark
        cfg = a24test.deep_merge(stack.web.config, {"privacy": {"retention": "1s"}})
        path = os.path.join(stack.tmp, "purge.yaml")
        with open(path, "w") as f:
            f.write(a24test.to_yaml(cfg) + "\n")
        time.sleep(1.1)
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24ctl"), "--config", path,
                            "purge"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("purged 1 tickets", p.stdout)
        self.assertIsNotNone(self.resp.call("GET", "a24:erase:pending"))


class KeyRotationTest(unittest.TestCase):
    """answer24ctl keys rotate: new texts seal under a new key at once, old ones still
    open; once retention has passed and no ticket needs it, the old key goes, and a
    backup holding texts it sealed no longer opens."""

    def ctl(self, config_path, *args):
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24ctl"), "--config",
                            config_path, *args], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_rotate_then_drop(self):
        stack = a24test.start_stack(self.addCleanup, config={"privacy": {"retention": "2s"}})
        web, cfg = stack.web, stack.web.config_path
        resp = stack.resp()
        self.addCleanup(resp.close)
        old = web.submit("Sealed before any rotation.", "sleep").json
        backup = resp.call("DUMP", f"a24:t:{old['ticket']}")  # a backup taken now

        self.assertIn("key 1 seals new texts", self.ctl(cfg, "keys", "rotate"))
        ring = stack.web.config["secrets"]["key_file"] + ".ring"
        self.assertEqual(os.stat(ring).st_mode & 0o777, 0o600)
        time.sleep(1.1)  # running programs look at the ring once a second
        new = web.submit("Sealed under the rotated key.", "sleep").json
        sealed = resp.call("HGET", f"a24:t:{new['ticket']}", "q")
        self.assertEqual((sealed[0], sealed[1], sealed[5]), (0xA2, 0x4B, 1))  # key id 1
        self.assertEqual(web.read(old["ticket"], old["access_code"]).json["text"],
                         "Sealed before any rotation.")
        self.assertEqual(web.read(new["ticket"], new["access_code"]).json["text"],
                         "Sealed under the rotated key.")
        listing = self.ctl(cfg, "keys", "list")
        self.assertIn("seals", listing)
        self.assertIn("opens old texts", listing)

        # Past retention, but the old ticket still lives: key 0 stays.
        time.sleep(2.1)
        self.assertNotIn("retired", self.ctl(cfg, "keys", "rotate"))
        # Both forgotten (withdrawn, then purged, retention later): key 0 retires and
        # key 1 goes; key 2, which seals, stays.
        for t in (old, new):
            self.assertEqual(web.withdraw(t["ticket"], t["access_code"]).status, 204)
        time.sleep(2.1)
        out = self.ctl(cfg, "purge")
        self.assertIn("purged 2 tickets", out)
        self.assertIn("retired key 0", out)
        self.assertIn("dropped key 1", out)
        listing = self.ctl(cfg, "keys", "list").splitlines()
        self.assertEqual([line.split()[0] for line in listing[1:]], ["0", "2"], listing)
        self.assertIn("retired", listing[1])
        self.assertTrue(listing[2].endswith("seals"), listing)

        # The old backup comes back: its text no longer opens.
        time.sleep(1.1)
        resp.call("RESTORE", f"a24:t:{old['ticket']}", 0, backup)
        r = web.read(old["ticket"], old["access_code"])
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNone(r.json["text"])
        self.assertTrue(any(e.get("event") == "unseal_failed" for e in web.log_events()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
