"""Integration tests of Idempotency-Key on POST /api/v1/questions, on a real answer24-web
in front of a private redis-server (tests/integration/a24test.py):

- the same key with the same body gives back the same ticket and the same access code,
  stores one ticket and counts one submission;
- the same key with another body is 409 idempotency_conflict and stores nothing;
- ten concurrent requests with one key make one ticket;
- different keys, or no key, make different tickets.
"""

import hashlib
import json
import os
import sys
import threading
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24test  # noqa: E402

PATH = "/api/v1/questions"


class IdempotencyTest(a24test.StackTestCase):
    def post(self, body, key):
        return self.web.request("POST", PATH, body,
                                {"Content-Type": "application/json", "Idempotency-Key": key})

    def tickets(self):
        """The ticket ids in Redis: keys a24:t:<id> without a further ':' part."""
        with self.stack.resp() as redis:
            return {k[len(b"a24:t:"):].decode() for k in redis.scan("a24:t:*")
                    if b":" not in k[len(b"a24:t:"):]}

    def test_same_key_same_body_replays(self):
        key = str(uuid.uuid4())
        body = json.dumps({"text": "Replay me, 한국어 😀", "category": "stress",
                           "language": "ko"}, ensure_ascii=False).encode()
        tickets_before, submitted_before = self.tickets(), self.submitted()
        first = self.post(body, key)
        self.assertEqual(first.status, 201, first.body)
        second = self.post(body, key)
        self.assertEqual(second.status, 201, second.body)
        for field in ("ticket", "access_code", "status", "created_at", "due_at", "crisis",
                      "return_path"):
            self.assertEqual(second.json[field], first.json[field], field)
        self.assertEqual(self.tickets() - tickets_before, {first.json["ticket"]})
        self.assertEqual(self.submitted(), submitted_before + 1)
        # The replayed code is the real one.
        r = self.web.read(second.json["ticket"], second.json["access_code"])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["text"], "Replay me, 한국어 😀")

    def test_replay_keeps_the_crisis_outcome(self):
        key = str(uuid.uuid4())
        body = {"text": "I want to kill myself", "category": "depression"}
        first = self.post(body, key)
        second = self.post(body, key)
        self.assertEqual(first.status, 201, first.body)
        self.assertEqual(second.status, 201, second.body)
        self.assertIs(first.json["crisis"], True)
        self.assertIs(second.json["crisis"], True)
        self.assertEqual(second.json["due_at"], first.json["due_at"])

    def test_same_key_other_body_conflicts(self):
        key = str(uuid.uuid4())
        first = self.post({"text": "The first body.", "category": "sleep"}, key)
        self.assertEqual(first.status, 201, first.body)
        tickets_before, submitted_before = self.tickets(), self.submitted()
        for other in ({"text": "Another body.", "category": "sleep"},
                      {"text": "The first body.", "category": "stress"},
                      {"text": "The first body.", "category": "sleep", "green_channel": True}):
            r = self.post(other, key)
            a24test.assert_error(self, r, 409, "idempotency_conflict")
            self.assertNotIn(first.json["access_code"], r.body.decode())
        self.assertEqual(self.tickets(), tickets_before)
        self.assertEqual(self.submitted(), submitted_before)

    def test_concurrent_same_key_makes_one_ticket(self):
        key = str(uuid.uuid4())
        body = json.dumps({"text": "Ten at once.", "category": "anxiety"}).encode()
        tickets_before, submitted_before = self.tickets(), self.submitted()
        results, barrier = [None] * 10, threading.Barrier(10)

        def worker(i):
            conn = self.web.connection()
            try:
                conn.connect()
                barrier.wait(10)
                results[i] = self.web.request(
                    "POST", PATH, body,
                    {"Content-Type": "application/json", "Idempotency-Key": key}, conn=conn)
            finally:
                conn.close()

        a24test.in_parallel(worker, range(10), timeout=30)
        self.assertTrue(all(r is not None for r in results), results)
        for r in results:
            self.assertEqual(r.status, 201, r.body)
        self.assertEqual(len({r.json["ticket"] for r in results}), 1)
        self.assertEqual(len({r.json["access_code"] for r in results}), 1)
        self.assertEqual(self.tickets() - tickets_before, {results[0].json["ticket"]})
        self.assertEqual(self.submitted(), submitted_before + 1)

    def test_different_keys_make_different_tickets(self):
        body = {"text": "Same text, new key.", "category": "other"}
        a = self.post(body, str(uuid.uuid4()))
        b = self.post(body, str(uuid.uuid4()))
        c = self.web.request("POST", PATH, body)
        d = self.web.request("POST", PATH, body)
        for r in (a, b, c, d):
            self.assertEqual(r.status, 201, r.body)
        self.assertEqual(len({r.json["ticket"] for r in (a, b, c, d)}), 4)

    def test_key_is_not_stored_in_clear(self):
        key = "idem-" + uuid.uuid4().hex
        r = self.post({"text": "Where is my key?", "category": "other"}, key)
        self.assertEqual(r.status, 201, r.body)
        with self.stack.resp() as redis:
            keys = redis.scan("*")
            self.assertFalse([k for k in keys if key.encode() in k])
            for k, dump in redis.dump_all().items():
                self.assertNotIn(key.encode(), dump, k)

    def test_body_digest_is_keyed(self):
        # The record keeps a keyed hash of the body: a guessed text cannot be confirmed
        # by hashing it (BLAKE2b without the key is what an unkeyed record would hold).
        key = "idem-" + uuid.uuid4().hex
        raw = json.dumps({"text": "A text someone might guess.", "category": "other"}).encode()
        r = self.web.request("POST", PATH, raw,
                             {"Content-Type": "application/json", "Idempotency-Key": key})
        self.assertEqual(r.status, 201, r.body)
        with self.stack.resp() as redis:
            records = [redis.hgetall(k) for k in redis.scan("a24:idem:*")]
        mine = [h for h in records if h.get(b"ticket") == r.json["ticket"].encode()]
        self.assertEqual(len(mine), 1)
        digest = mine[0][b"digest"]
        self.assertEqual(len(digest), 32)
        for size in (32, 64):
            self.assertNotIn(hashlib.blake2b(raw, digest_size=size).digest()[:32], (digest,))
        self.assertNotEqual(digest, hashlib.sha256(raw).digest())
        # And it still tells bodies apart: the same key with another body conflicts.
        other = self.web.request("POST", PATH, raw.replace(b"guess", b"write"),
                                 {"Content-Type": "application/json", "Idempotency-Key": key})
        a24test.assert_error(self, other, 409, "idempotency_conflict")


if __name__ == "__main__":
    unittest.main()
