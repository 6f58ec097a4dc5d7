"""Guessed access codes: many wrong guesses against real tickets, through the real
front end, with the failed-check limit on (limits.code_checks_per_hour) and off.

Each guess is a random 140-bit code in the access-code format (28 Crockford base-32
characters in groups of four, as proto/secret.c writes them), sent as
`GET /api/v1/questions/<ticket>` with `Authorization: Bearer <guess>` for one of the
real tickets in turn. Requests are pipelined on a few keep-alive connections (raw
sockets) to be fast. Asserted: 0 hits (no 200), every answer 404 (limit off) or, past
the limit, 429 with Retry-After and the crisis lines; the right codes still open their
tickets afterwards.

The number of guesses per run is A24_GUESSES (default 100 000; half with the limit on,
half with it off); `A24_GUESSES=1000000 python3 tests/fault/test_guessed_codes.py` is
the run docs/reliability.md records.
"""

import base64
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import a24test  # noqa: E402

GUESSES = int(os.environ.get("A24_GUESSES", "100000"))
TICKETS = 20
CONNECTIONS = 4
BATCH = 200  # requests in flight per connection
LIMIT = 120  # the default limits.code_checks_per_hour

# RFC 4648 base 32 to Crockford's alphabet (the access code's, in capitals).
TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                               b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def guesses(n):
    """n random codes: 140 random bits each, written as XXXX-XXXX-...-XXXX."""
    out = []
    for _ in range(n):
        chars = base64.b32encode(os.urandom(18))[:28].translate(TO_CROCKFORD).decode()
        out.append("-".join(chars[i:i + 4] for i in range(0, 28, 4)))
    return out


def canonical(code):
    """The code as proto/secret.c compares it (a24_secret_code_canonical)."""
    c = code.replace("-", "").replace(" ", "").lower()
    return c.replace("i", "1").replace("l", "1").replace("o", "0")


class Pipeline:
    """One keep-alive connection: sends requests in batches and reads the responses
    (Content-Length bodies), counting statuses and keeping each distinct body."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(262144)
            if not chunk:
                raise ConnectionError("the front end closed a keep-alive connection")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get(b"content-length", b"0"))
        while len(rest) < n:
            chunk = self.sock.recv(262144)
            if not chunk:
                raise ConnectionError("the front end closed in the middle of a body")
            rest += chunk
        self.buf = rest[n:]
        return status, headers, rest[:n]

    def run(self, requests, seen):
        """Sends `requests` (bytes each), BATCH at a time; fills `seen`:
        {status: count} and {(status, body, retry-after present): count}."""
        for i in range(0, len(requests), BATCH):
            part = requests[i:i + BATCH]
            self.sock.sendall(b"".join(part))
            for _ in part:
                status, headers, body = self._response()
                seen["status"][status] = seen["status"].get(status, 0) + 1
                key = (status, body, b"retry-after" in headers)
                seen["bodies"][key] = seen["bodies"].get(key, 0) + 1


def request(ticket, code):
    return (f"GET /api/v1/questions/{ticket} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {code}\r\n\r\n").encode()


class GuessedCodesTest(unittest.TestCase):
    def attack(self, limit, n):
        stack = a24test.start_stack(self.addCleanup,
                                    config={"limits": {"code_checks_per_hour": limit}})
        real = []
        for i in range(TICKETS):
            r = stack.web.submit(f"A question to guess at {i}", "sleep")
            self.assertEqual(r.status, 201, r.body)
            real.append((r.json["ticket"], r.json["access_code"]))
        codes = {canonical(c) for _, c in real}
        wrong = [g for g in guesses(n) if canonical(g) not in codes]
        self.assertEqual(len(wrong), n, "a random guess was a real code")
        requests = [request(real[i % TICKETS][0], g) for i, g in enumerate(wrong)]
        per = (len(requests) + CONNECTIONS - 1) // CONNECTIONS
        results = [{"status": {}, "bodies": {}} for _ in range(CONNECTIONS)]
        errors = []

        def one(k):
            p = Pipeline(stack.web.port)
            try:
                p.run(requests[k * per:(k + 1) * per], results[k])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                p.close()

        took = a24test.in_parallel(one, range(CONNECTIONS))
        self.assertEqual(errors, [])
        status, bodies = {}, {}
        for res in results:
            for k, v in res["status"].items():
                status[k] = status.get(k, 0) + v
            for k, v in res["bodies"].items():
                bodies[k] = bodies.get(k, 0) + v
        sys.stderr.write(f"\nlimit {limit}: {n} guesses on {TICKETS} tickets in {took:.1f} s "
                         f"({n / took:.0f}/s): {dict(sorted(status.items()))}, hits "
                         f"{status.get(200, 0)}\n")
        self.assertEqual(sum(status.values()), n)
        self.assertEqual(status.get(200, 0), 0, "a guessed code opened a ticket")
        for (st, body, retry_after), _count in bodies.items():
            doc = json.loads(body)
            if st == 404:
                self.assertEqual(doc["error"]["code"], "not_found", body)
            else:
                self.assertEqual(st, 429, body)
                self.assertEqual(doc["error"]["code"], "rate_limited", body)
                self.assertTrue(doc["resources"], body)
                self.assertTrue(retry_after, "429 without Retry-After")
        # The right codes still open their tickets, and a guess still fails.
        for ticket, code in real:
            self.assertEqual(stack.web.read(ticket, code).status, 200)
        self.assertIn(stack.web.read(real[0][0], wrong[0]).status,
                      (429,) if limit else (404,))
        return status

    def test_guesses_with_the_failed_check_limit(self):
        status = self.attack(LIMIT, GUESSES // 2)
        # At most the limit, plus what was in flight when it was reached (a check and
        # its failure count are two scripts), answered 404; every other guess 429.
        self.assertGreaterEqual(status[404], LIMIT)
        self.assertLessEqual(status[404], LIMIT + CONNECTIONS * BATCH)
        self.assertEqual(status[404] + status[429], GUESSES // 2)

    def test_guesses_without_the_limit(self):
        status = self.attack(0, GUESSES - GUESSES // 2)
        self.assertEqual(status, {404: GUESSES - GUESSES // 2})


if __name__ == "__main__":
    unittest.main()
