"""Fault tests of answer24-web against a private redis-server that dies, comes back and
is inspected on disk (harness: tests/integration/a24test.py):

- durability: with appendfsync always, every question answered 201 survives kill -9 of
  Redis, and its access code still opens it once Redis is back, without restarting the
  front end (also with submissions in flight while Redis dies);
- Redis down: submit and read answer 503 "unavailable" with Retry-After, /readyz 503,
  /healthz 200; when Redis returns, everything works again without a restart;
- privacy at rest: question and follow-up texts, access codes and the client address
  appear in no Redis value, no key, no file of Redis' data directory (before and after
  an AOF rewrite) and no line of the front end's log;
- rate limits: the 4th submission over limits.submissions_per_hour is 429 with
  Retry-After and crisis lines; after limits.code_checks_per_hour wrong codes a wrong code
  is 429, and the right code still works.
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import a24test  # noqa: E402

# Production reconnection back-off: Redis' return must be noticed within 10 s with it.
PRODUCTION_RECONNECT = {"redis": {"reconnect_min": "100ms", "reconnect_max": "5s"}}


def wait_ready(tc, web, timeout=10.0):
    """Polls /readyz until 200; fails the test after `timeout` seconds."""
    try:
        a24test.wait_until(lambda: web.request("GET", "/readyz", timeout=2).status == 200,
                           timeout, interval=0.1, what="/readyz after Redis came back")
    except TimeoutError as e:
        tc.fail(str(e))


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config=PRODUCTION_RECONNECT)
        self.web, self.redis = self.stack.web, self.stack.redis

    def assert_all_there(self, accepted):
        with self.stack.resp() as redis:
            for ticket, _code, _text in accepted:
                self.assertEqual(redis.call("HGET", f"a24:t:{ticket}", "state"), b"queued",
                                 ticket)
        for ticket, code, text in accepted:
            r = self.web.read(ticket, code)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json["text"], text)

    def test_accepted_questions_survive_kill_9(self):
        accepted = []
        for i in range(50):
            text = f"Durable question {i} 내구성 {i}"
            r = self.web.submit(text, "stress", language="ko")
            self.assertEqual(r.status, 201, r.body)
            accepted.append((r.json["ticket"], r.json["access_code"], text))
        self.redis.kill()  # right after the last 201
        self.redis.start()
        wait_ready(self, self.web)
        self.assert_all_there(accepted)
        with self.stack.resp() as redis:
            self.assertEqual(int(redis.call("HGET", "a24:stats", "submitted")), 50)

    def test_questions_in_flight_when_redis_dies(self):
        accepted, refused, stop = [], [], threading.Event()

        def submitter():
            i = 0
            while not stop.is_set():
                i += 1
                text = f"In flight {i}"
                try:
                    r = self.web.submit(text, "sleep")
                except OSError:
                    continue
                if r.status == 201:
                    accepted.append((r.json["ticket"], r.json["access_code"], text))
                else:
                    refused.append(r)

        t = threading.Thread(target=submitter)
        t.start()
        try:
            a24test.wait_until(lambda: len(accepted) >= 20, 20, what="20 submissions")
            self.redis.kill()
            time.sleep(0.3)
            self.redis.start()
            wait_ready(self, self.web)
            time.sleep(0.2)
        finally:
            stop.set()
            t.join(30)
        for r in refused:
            a24test.assert_error(self, r, 503, "unavailable")
        self.assertTrue(refused, "no submission was refused while Redis was down")
        self.assert_all_there(accepted)


class KillLedgerTest(unittest.TestCase):
    """The ledger for docs/reliability.md: four clients submit without pause while Redis
    (with a password, as deploy/start.sh runs it) is killed with -9 three times.
    Every 201 is an acknowledgement; after the last restart each acknowledged question
    must be in Redis and open with its code. Acknowledged lost must be 0."""

    KILLS = 3
    CLIENTS = 4

    def test_ledger(self):
        password = "ledger-password"
        stack = a24test.Stack(config=PRODUCTION_RECONNECT,
                              redis_args=["--requirepass", password])
        stack.redis.auth = (password,)
        stack.web.config["redis"]["url"] = f"redis://:{password}@127.0.0.1:{stack.redis.port}/0"
        self.addCleanup(stack.close)
        stack.start()
        web, redis = stack.web, stack.redis
        accepted, refused, errors, stop = [], [], [], threading.Event()
        lock = threading.Lock()

        def submitter(n):
            i = 0
            while not stop.is_set():
                i += 1
                text = f"Ledger {n}-{i}"
                try:
                    r = web.submit(text, "stress")
                except OSError as e:
                    with lock:
                        errors.append(e)
                    continue
                with lock:
                    if r.status == 201:
                        accepted.append((r.json["ticket"], r.json["access_code"], text))
                    else:
                        refused.append(r)

        threads = [threading.Thread(target=submitter, args=(n,)) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        started = time.monotonic()
        try:
            for k in range(self.KILLS):
                goal = len(accepted) + 50
                a24test.wait_until(lambda g=goal: len(accepted) >= g, 30, what="submissions")
                redis.kill()
                time.sleep(0.3)
                redis.start()
                wait_ready(self, web)
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        elapsed = time.monotonic() - started
        lost = []
        with stack.resp() as r:
            for ticket, _code, _text in accepted:
                if r.call("HGET", f"a24:t:{ticket}", "state") is None:
                    lost.append(ticket)
            stored = int(r.call("HGET", "a24:stats", "submitted"))
        unreadable = [t for t, code, text in accepted
                      if t not in lost and web.read(t, code).json.get("text") != text]
        for r in refused:
            a24test.assert_error(self, r, 503, "unavailable")
        print(f"\nledger: {self.KILLS} kill -9 of Redis in {elapsed:.1f}s, {self.CLIENTS} clients: "
              f"acknowledged {len(accepted)}, acknowledged lost {len(lost)}, "
              f"unreadable {len(unreadable)}, refused 503 {len(refused)}, "
              f"connection errors {len(errors)}, submitted counter {stored}")
        self.assertEqual(lost, [])
        self.assertEqual(unreadable, [])
        self.assertGreaterEqual(stored, len(accepted))


class RedisDownTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config=PRODUCTION_RECONNECT)
        self.web, self.redis = self.stack.web, self.stack.redis

    def test_redis_down_then_back(self):
        ok = self.web.submit("Before the outage.", "sleep")
        self.assertEqual(ok.status, 201, ok.body)
        self.redis.kill()

        r = self.web.submit("During the outage.", "sleep")
        a24test.assert_error(self, r, 503, "unavailable")
        self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
        r = self.web.read(ok.json["ticket"], ok.json["access_code"])
        a24test.assert_error(self, r, 503, "unavailable")
        self.assertIn("retry-after", r.headers)
        r = self.web.followup(ok.json["ticket"], ok.json["access_code"], "Hello?")
        a24test.assert_error(self, r, 503, "unavailable")
        self.assertEqual(self.web.request("GET", "/readyz").status, 503)
        self.assertEqual(self.web.request("GET", "/healthz").status, 200)
        metrics = self.web.metrics()
        self.assertEqual(metrics["answer24_redis_up"], 0)
        self.assertNotIn("answer24_tickets_submitted_total", metrics)

        time.sleep(1.5)  # let the reconnection back-off grow a little
        self.redis.start()
        wait_ready(self, self.web)
        r = self.web.submit("After the outage.", "sleep")
        self.assertEqual(r.status, 201, r.body)
        r = self.web.read(ok.json["ticket"], ok.json["access_code"])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["text"], "Before the outage.")
        with self.stack.resp() as redis:
            self.assertEqual(int(redis.call("HGET", "a24:stats", "submitted")), 2)

    def test_redis_down_at_start(self):
        # The front end starts without Redis, stays alive, and becomes ready later.
        self.redis.kill()
        web = a24test.WebServer(self.stack.tmp, self.redis.port, config=PRODUCTION_RECONNECT,
                                name="web-early")
        self.addCleanup(web.kill)
        web.start(wait_ready=False)
        self.assertEqual(web.request("GET", "/readyz").status, 503)
        a24test.assert_error(self, web.submit(), 503, "unavailable")
        self.redis.start()
        wait_ready(self, web)
        self.assertEqual(web.submit().status, 201)
        self.assertEqual(web.stop(), [])


class PrivacyTest(unittest.TestCase):
    MARKER = "PLAINTEXT-MARKER-한국어-测试"
    FOLLOWUP = "FOLLOWUP-MARKER-후속-追问"

    def setUp(self):
        # Uncompressed RDB encoding, so that DUMP and the AOF's RDB preamble would show
        # a plaintext if one were stored.
        self.stack = a24test.start_stack(self.addCleanup,
                                         redis_args=["--rdbcompression", "no"])
        self.web, self.redis = self.stack.web, self.stack.redis

    def forbidden(self, codes):
        """Byte strings that must appear nowhere at rest."""
        out = {self.MARKER.encode(), b"PLAINTEXT-MARKER", self.FOLLOWUP.encode(),
               b"FOLLOWUP-MARKER", "한국어-测试".encode(), b"127.0.0.1"}
        for code in codes:
            plain = code.replace("-", "")
            out |= {code.encode(), plain.encode(), plain.lower().encode()}
        return out

    def redis_corpus(self):
        """(what, bytes) of every key name, every DUMP and every value read by type."""
        items = []
        with self.stack.resp() as redis:
            for key in redis.scan("*"):
                items.append((f"key {key!r}", key))
                items.append((f"DUMP {key!r}", redis.call("DUMP", key) or b""))
                kind = redis.call("TYPE", key)
                if kind == "string":
                    value = [redis.call("GET", key)]
                elif kind == "hash":
                    value = redis.call("HGETALL", key)
                elif kind == "list":
                    value = redis.call("LRANGE", key, 0, -1)
                elif kind == "set":
                    value = redis.call("SMEMBERS", key)
                elif kind == "zset":
                    value = redis.call("ZRANGE", key, 0, -1, "WITHSCORES")
                elif kind == "stream":
                    value = [repr(e).encode() for e in redis.call("XRANGE", key, "-", "+")]
                else:
                    value = []
                items.append((f"{kind} {key!r}", b"\x00".join(value)))
        return items

    def file_corpus(self):
        items = []
        for path in self.redis.files():
            with open(path, "rb") as f:
                items.append((path, f.read()))
        return items

    def assert_absent(self, corpus, forbidden):
        for what, data in corpus:
            for needle in forbidden:
                self.assertNotIn(needle, data, f"{needle!r} found in {what}")

    def test_nothing_readable_at_rest(self):
        codes = []
        r = self.web.submit(f"{self.MARKER} one", "depression", language="ko",
                            selfcheck={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0]})
        self.assertEqual(r.status, 201, r.body)
        first = r.json
        codes.append(first["access_code"])
        r = self.web.request("POST", "/api/v1/questions",
                             {"text": f"{self.MARKER} two", "category": "anxiety",
                              "language": "zh"},
                             {"Idempotency-Key": "privacy-test-key-1"})
        self.assertEqual(r.status, 201, r.body)
        second = r.json
        codes.append(second["access_code"])
        r = self.web.submit(f"{self.MARKER} three", "family")
        self.assertEqual(r.status, 201, r.body)
        third = r.json
        codes.append(third["access_code"])

        self.assertEqual(self.web.followup(first["ticket"], first["access_code"],
                                           self.FOLLOWUP).status, 201)
        self.assertEqual(self.web.followup(third["ticket"], third["access_code"],
                                           self.FOLLOWUP).status, 201)
        self.assertEqual(self.web.withdraw(third["ticket"], third["access_code"]).status, 204)
        self.assertEqual(self.web.read(first["ticket"], second["access_code"]).status, 404)
        self.assertEqual(self.web.read(second["ticket"], second["access_code"]).status, 200)

        forbidden = self.forbidden(codes)
        self.assert_absent(self.redis_corpus(), forbidden)
        self.assert_absent(self.file_corpus(), forbidden)

        with self.stack.resp() as redis:
            redis.call("BGREWRITEAOF")

            def rewritten():
                info = redis.call("INFO", "persistence").decode()
                return ("aof_rewrite_in_progress:0" in info
                        and "aof_rewrite_scheduled:0" in info)

            a24test.wait_until(rewritten, 20, interval=0.1, what="the AOF rewrite")
        self.assertTrue(self.file_corpus())
        self.assert_absent(self.file_corpus(), forbidden)
        self.assert_absent(self.redis_corpus(), forbidden)

        # The log: no text, no code, and the address only where it names the listener.
        log = self.web.log_bytes()
        for needle in forbidden - {b"127.0.0.1"}:
            self.assertNotIn(needle, log, f"{needle!r} found in the log")
        for line in log.decode("utf-8", errors="replace").splitlines():
            if "127.0.0.1" in line:
                self.assertIn('"event":"listening"', line, line)


class RateLimitTest(unittest.TestCase):
    def test_submissions_per_hour(self):
        stack = a24test.start_stack(self.addCleanup,
                                    config={"limits": {"submissions_per_hour": 3}})
        for i in range(3):
            r = stack.web.submit(f"Question {i}", "sleep")
            self.assertEqual(r.status, 201, r.body)
        r = stack.web.submit("One too many", "sleep")
        self.assertEqual((r.status, r.json["error"]["code"]), (429, "rate_limited"), r.body)
        self.assertTrue(r.json["resources"])  # the limit never hides help
        retry = int(r.headers["retry-after"])
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, 3600)
        with stack.resp() as redis:
            self.assertEqual(int(redis.call("HGET", "a24:stats", "submitted")), 3)
        # Refused submissions do not extend the window or count further.
        r = stack.web.submit("Still too many", "sleep")
        self.assertEqual((r.status, r.json["error"]["code"]), (429, "rate_limited"), r.body)

    def test_code_checks_per_hour(self):
        stack = a24test.start_stack(self.addCleanup,
                                    config={"limits": {"code_checks_per_hour": 3}})
        r = stack.web.submit("Guess my code", "sleep")
        self.assertEqual(r.status, 201, r.body)
        ticket, code = r.json["ticket"], r.json["access_code"]
        other = stack.web.submit("Another one", "sleep").json
        self.assertEqual(stack.web.read(ticket, code).status, 200)  # right codes don't count
        for _ in range(3):
            a24test.assert_error(self, stack.web.read(ticket, other["access_code"]), 404,
                                 "not_found")
        # Past the limit a wrong code is refused (with crisis lines); the right one never is.
        r = stack.web.read(ticket, other["access_code"])
        self.assertEqual(r.status, 429, r.body)
        self.assertEqual(r.json["error"]["code"], "rate_limited")
        self.assertTrue(r.json["resources"])
        retry = int(r.headers["retry-after"])
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, 3600)
        self.assertEqual(stack.web.read(ticket, code).status, 200)
        self.assertEqual(stack.web.followup(ticket, code, "hi").status, 201)
        with stack.resp() as redis:
            self.assertEqual(redis.call("HGET", f"a24:t:{ticket}", "state"), b"queued")


if __name__ == "__main__":
    unittest.main()
