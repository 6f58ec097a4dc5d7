"""Integration tests of the citizen API and the operator endpoints, row by row of the
contract's citizen table, on a real answer24-web in front of a private redis-server
(tests/integration/a24test.py):

- POST /api/v1/questions: the 201 body (ticket, access code, status, due_at, crisis,
  resources, return path; at most 2 KiB in every language), the security headers,
  keep-alive; PHQ-9 item 9 on its own; the QR code endpoint;
- follow-ups screened: a crisis follow-up makes the ticket a crisis (flag, reason, due
  time, an on-call alert from the deadline engine, crisis first in the queues);
- limits: every 429 carries crisis lines, the crisis allowance, the intake budget, the
  failed-check limit that never refuses the right code, trusted proxies;
- questions sent together (one submit call): each its own ticket, reply and limit;
- GET /api/v1/questions/{ticket} with the code: the round trip of the text, code
  spellings, the uniform 404 for a wrong ticket or code, 401 without a code;
- follow-ups and withdrawal, and the 409s after withdrawal;
- answer windows: ordinary, green channel, crisis (word lists in three languages and
  PHQ-9 item 9), and windows taken from the configuration;
- /healthz, /readyz, /metrics, /api/v1/crisis-lines;
- the pages: /, /t/{ticket}, and the JSON 404 of an unknown path.
"""

import os
import re
import sys
import json
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

TICKET_RE = re.compile(r"^[0-9a-z]{16}$")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_RE = re.compile(r"^[%s]{4}(-[%s]{4}){6}$" % (CROCKFORD, CROCKFORD))
HOUR = 3600.0

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

# Harmless texts that the crisis screening must leave alone.
MULTILINGUAL = "잠이 안 와요. 我睡不着。 I can't sleep 😢🌙 — «ça va» ok?"


parse_time = a24test.parse_time
assert_error = a24test.assert_error


class CitizenApiTest(a24test.StackTestCase):
    def submit_ok(self, text="I cannot sleep at night.", category="sleep", **fields):
        before = time.time()
        r = self.web.submit(text, category, **fields)
        after = time.time()
        self.assertEqual(r.status, 201, r.body)
        created = parse_time(r.json["created_at"])
        self.assertGreaterEqual(created, before - 5)
        self.assertLessEqual(created, after + 5)
        return r.json

    def assert_window(self, body, seconds):
        due = parse_time(body["due_at"]) - parse_time(body["created_at"])
        self.assertAlmostEqual(due, seconds, delta=2, msg=body["due_at"])

    def assert_security_headers(self, r):
        self.assertIn("content-security-policy", r.headers)
        self.assertIn("default-src", r.headers["content-security-policy"])
        for name, value in SECURITY_HEADERS.items():
            self.assertEqual(r.headers.get(name), value, name)

    # ---------------------------------------------------------------- submit

    def test_submit_returns_ticket_code_and_resources(self):
        r = self.web.submit("I cannot sleep at night.", "sleep")
        self.assertEqual(r.status, 201, r.body)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        self.assert_security_headers(r)
        b = r.json
        self.assertRegex(b["ticket"], TICKET_RE)
        self.assertRegex(b["access_code"], CODE_RE)
        self.assertEqual(b["status"], "queued")
        self.assertIs(b["crisis"], False)
        now = time.time()
        self.assertAlmostEqual(parse_time(b["created_at"]), now, delta=5)
        self.assertAlmostEqual(parse_time(b["due_at"]), now + 24 * HOUR, delta=5)
        self.assert_window(b, 24 * HOUR)
        self.assertIsInstance(b["resources"], list)
        self.assertTrue(b["resources"])
        for line in b["resources"]:
            self.assertIsInstance(line.get("number"), str, line)
            self.assertTrue(line["number"])
        self.assertEqual(b["return_path"], f"/t/{b['ticket']}#{b['access_code']}")
        # Nothing on the submit path that need not be there: no picture.
        self.assertEqual(set(b), {"ticket", "access_code", "status", "due_at", "created_at",
                                  "crisis", "resources", "return_path"})
        self.assertLessEqual(len(r.body), 2048)

    def test_submit_tickets_and_codes_are_distinct(self):
        seen = [self.submit_ok() for _ in range(5)]
        self.assertEqual(len({b["ticket"] for b in seen}), 5)
        self.assertEqual(len({b["access_code"] for b in seen}), 5)

    def test_submit_keeps_the_connection_alive(self):
        conn = self.web.connection()
        try:
            body = {"text": "Two questions on one connection.", "category": "stress"}
            r1 = self.web.request("POST", "/api/v1/questions", body, conn=conn)
            self.assertEqual(r1.status, 201, r1.body)
            self.assertNotEqual(r1.headers.get("connection", "").lower(), "close")
            sock = conn.sock
            self.assertIsNotNone(sock)
            r2 = self.web.read(r1.json["ticket"], r1.json["access_code"], conn=conn)
            self.assertEqual(r2.status, 200, r2.body)
            self.assertIs(conn.sock, sock, "the server closed the keep-alive connection")
        finally:
            conn.close()

    def test_submit_with_every_category_and_language(self):
        for category in ("depression", "anxiety", "stress", "sleep", "family", "disaster",
                         "other"):
            for language in ("ko", "zh", "en"):
                b = self.submit_ok("A calm question about my week.", category,
                                   language=language)
                self.assertIs(b["crisis"], False)

    def test_submit_accepts_a_full_selfcheck(self):
        b = self.submit_ok("Feeling low lately.", "depression",
                           selfcheck={"phq9": [1, 2, 0, 1, 3, 0, 1, 2, 0],
                                      "gad7": [0, 1, 2, 3, 0, 1, 2]})
        self.assertIs(b["crisis"], False)

    # ---------------------------------------------------------------- read back

    def test_read_returns_the_question(self):
        b = self.submit_ok(MULTILINGUAL, "anxiety", language="ko")
        r = self.web.read(b["ticket"], b["access_code"])
        self.assertEqual(r.status, 200, r.body)
        self.assert_security_headers(r)
        t = r.json
        self.assertEqual(t["ticket"], b["ticket"])
        self.assertEqual(t["status"], "queued")
        self.assertEqual(t["category"], "anxiety")
        self.assertEqual(t["text"], MULTILINGUAL)
        self.assertEqual(t["created_at"], b["created_at"])
        self.assertEqual(t["due_at"], b["due_at"])
        self.assertIsNone(t["answer"])
        self.assertEqual(t["followups"], [])
        self.assertNotIn("access_code", t)

    def test_read_accepts_code_spellings(self):
        b = self.submit_ok()
        code = b["access_code"]
        for spelling in (code.lower(), code.replace("-", ""), code.replace("-", " "),
                         code.replace("-", "").lower(), f"  {code}  "):
            r = self.web.read(b["ticket"], spelling)
            self.assertEqual(r.status, 200, f"{spelling!r}: {r.body!r}")

    def test_read_wrong_ticket_or_code_is_the_same_404(self):
        b = self.submit_ok()
        other = self.submit_ok()
        wrong_code = self.web.read(b["ticket"], other["access_code"])
        unknown = self.web.read("0000000000000000", b["access_code"])
        garbage = self.web.read(b["ticket"], "not-a-code")
        malformed = self.web.read("NOT_A_TICKET", b["access_code"])
        for r in (wrong_code, unknown, garbage, malformed):
            assert_error(self, r, 404, "not_found")
        self.assertEqual(wrong_code.body, unknown.body)
        self.assertEqual(wrong_code.body, garbage.body)
        self.assertEqual(wrong_code.body, malformed.body)

    def test_read_without_code_is_401(self):
        b = self.submit_ok()
        r = self.web.request("GET", f"/api/v1/questions/{b['ticket']}")
        assert_error(self, r, 401, "code_required")
        r = self.web.request("GET", f"/api/v1/questions/{b['ticket']}",
                             headers={"Authorization": f"Basic {b['access_code']}"})
        assert_error(self, r, 401, "code_required")

    # ---------------------------------------------------------------- follow-up, withdraw

    def test_followup_then_withdraw(self):
        b = self.submit_ok("First question.", "family")
        t, code = b["ticket"], b["access_code"]
        r = self.web.followup(t, code, "And one more thing 🙏")
        self.assertEqual(r.status, 201, r.body)
        r = self.web.read(t, code)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([f["text"] for f in r.json["followups"]], ["And one more thing 🙏"])
        parse_time(r.json["followups"][0]["created_at"])

        r = self.web.withdraw(t, code)
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.body, b"")
        r = self.web.read(t, code)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "withdrawn")
        self.assertIsNone(r.json["text"])
        self.assertEqual(r.json["followups"], [])

        # The texts are gone from Redis, not just hidden.
        with self.stack.resp() as redis:
            fields = redis.hgetall(f"a24:t:{t}")
            self.assertEqual(fields[b"state"], b"withdrawn")
            self.assertNotIn(b"q", fields)
            self.assertEqual(redis.call("EXISTS", f"a24:t:{t}:msgs"), 0)

        assert_error(self, self.web.followup(t, code, "Too late."), 409, "ticket_closed")
        assert_error(self, self.web.withdraw(t, code), 409, "ticket_closed")

    def test_withdraw_closes_the_open_ticket(self):
        b = self.submit_ok()
        before = self.web.metrics()
        self.assertEqual(self.web.withdraw(b["ticket"], b["access_code"]).status, 204)
        after = self.web.metrics()
        self.assertEqual(after["answer24_open_tickets"], before["answer24_open_tickets"] - 1)

    def test_followups_are_bounded(self):
        b = self.submit_ok()
        for i in range(20):
            r = self.web.followup(b["ticket"], b["access_code"], f"Follow-up {i}")
            self.assertEqual(r.status, 201, r.body)
        r = self.web.followup(b["ticket"], b["access_code"], "One too many")
        assert_error(self, r, 409, "too_many_followups")
        r = self.web.read(b["ticket"], b["access_code"])
        self.assertEqual([f["text"] for f in r.json["followups"]],
                         [f"Follow-up {i}" for i in range(20)])

    def test_followup_and_withdraw_need_the_code(self):
        b = self.submit_ok()
        other = self.submit_ok()
        t = b["ticket"]
        assert_error(self, self.web.followup(t, other["access_code"], "hi"), 404, "not_found")
        assert_error(self, self.web.withdraw(t, other["access_code"]), 404, "not_found")
        r = self.web.request("DELETE", f"/api/v1/questions/{t}")
        assert_error(self, r, 401, "code_required")
        r = self.web.request("POST", f"/api/v1/questions/{t}/followups", {"text": "hi"})
        assert_error(self, r, 401, "code_required")
        # Nothing happened to the ticket.
        r = self.web.read(t, b["access_code"])
        self.assertEqual(r.json["status"], "queued")
        self.assertEqual(r.json["followups"], [])

    # ---------------------------------------------------------------- windows and crisis

    def test_green_channel_window_is_12h(self):
        b = self.submit_ok("I work night shifts at the hospital.", "stress", green_channel=True)
        self.assertIs(b["crisis"], False)
        self.assert_window(b, 12 * HOUR)
        b = self.submit_ok("Not a front-line worker.", "stress", green_channel=False)
        self.assert_window(b, 24 * HOUR)

    def test_crisis_text_en(self):
        b = self.submit_ok("I want to kill myself", "depression", language="en")
        self.assertIs(b["crisis"], True)
        self.assert_window(b, 1 * HOUR)
        self.assertTrue(b["resources"])

    def test_crisis_text_ko_gets_korean_lines(self):
        b = self.submit_ok("죽고 싶어요", "depression", language="ko")
        self.assertIs(b["crisis"], True)
        self.assert_window(b, 1 * HOUR)
        numbers = [line["number"] for line in b["resources"]]
        self.assertIn("109", numbers)
        # The retired Korean number must never be shown, anywhere in the answer.
        self.assertNotIn("1393", str(b["resources"]))

    def test_crisis_text_zh_gets_chinese_lines(self):
        b = self.submit_ok("我想自杀", "depression", language="zh")
        self.assertIs(b["crisis"], True)
        self.assert_window(b, 1 * HOUR)
        self.assertIn("12356", [line["number"] for line in b["resources"]])

    def test_crisis_from_phq9_item_9(self):
        b = self.submit_ok("I feel a bit tired these days.", "depression",
                           selfcheck={"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1]})
        self.assertIs(b["crisis"], True)
        self.assert_window(b, 1 * HOUR)
        b = self.submit_ok("I feel a bit tired these days.", "depression",
                           selfcheck={"phq9": [3, 3, 3, 3, 3, 3, 3, 3, 0]})
        self.assertIs(b["crisis"], False)

    def test_crisis_beats_green_channel(self):
        b = self.submit_ok("I want to kill myself", "stress", green_channel=True)
        self.assertIs(b["crisis"], True)
        self.assert_window(b, 1 * HOUR)

    # ---------------------------------------------------------------- operations

    def test_healthz_and_readyz(self):
        for path in ("/healthz", "/readyz"):
            r = self.web.request("GET", path)
            self.assertEqual(r.status, 200, r.body)
            self.assertIsInstance(r.json, dict)

    def test_metrics(self):
        r = self.web.request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain"))
        text = r.body.decode()
        for name in ("answer24_tickets_submitted_total", "answer24_tickets_answered_total",
                     "answer24_escalations_total", "answer24_open_tickets"):
            self.assertRegex(text, rf"(?m)^{name} \d+$")
        self.assertIn("# TYPE answer24_answer_seconds histogram", text)
        self.assertRegex(text, r'(?m)^answer24_answer_seconds_bucket\{le="\+Inf"\} \d+$')
        self.assertRegex(text, r"(?m)^answer24_answer_seconds_sum \d+")
        self.assertRegex(text, r"(?m)^answer24_answer_seconds_count \d+")

        before = self.web.metrics()
        self.submit_ok()
        after = self.web.metrics()
        self.assertEqual(after["answer24_tickets_submitted_total"],
                         before["answer24_tickets_submitted_total"] + 1)
        self.assertEqual(after["answer24_open_tickets"], before["answer24_open_tickets"] + 1)

    def test_crisis_lines(self):
        for language, number in (("zh", "12356"), ("ko", "109"), ("en", None)):
            r = self.web.request("GET", f"/api/v1/crisis-lines?language={language}")
            self.assertEqual(r.status, 200, r.body)
            lines = r.json["lines"]
            self.assertTrue(lines)
            self.assertTrue(all(line.get("number") for line in lines))
            if number:
                self.assertIn(number, [line["number"] for line in lines])
            self.assertNotIn("1393", r.body.decode())

    def test_crisis_lines_query_parameter_anywhere(self):
        # The parameter may stand anywhere in the query, and must match exactly.
        r = self.web.request("GET", "/api/v1/crisis-lines?x=1&language=zh")
        self.assertEqual(r.json["language"], "zh")
        r = self.web.request("GET", "/api/v1/crisis-lines?language=zhx")
        self.assertEqual((r.status, r.error_code), (400, "unknown_language"))

    # ---------------------------------------------------------------- pages

    def test_page_root(self):
        r = self.web.request("GET", "/")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/html"), r.headers)
        self.assertIn("content-security-policy", r.headers)
        self.assertEqual(r.headers.get("x-content-type-options"), "nosniff")
        self.assertIn(b"<html", r.body.lower())

    def test_page_return(self):
        r = self.web.request("GET", "/t/abc")
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertTrue(r.headers["content-type"].startswith("text/html"), r.headers)
        self.assertIn("content-security-policy", r.headers)

    def test_unknown_path_is_json_404(self):
        for path in ("/no-such-page", "/api/v1/no-such-thing", "/api/v2/questions"):
            assert_error(self, self.web.request("GET", path), 404, "not_found")


class ConfiguredDeadlinesTest(a24test.StackTestCase):
    """Answer windows come from the configuration, not from constants."""

    STACK_CONFIG = {"deadlines": {"answer": "90s", "green_channel": "60s", "crisis": "30s"}}

    def window(self, **fields):
        r = self.web.submit(**fields)
        self.assertEqual(r.status, 201, r.body)
        return parse_time(r.json["due_at"]) - parse_time(r.json["created_at"])

    def test_deadlines_from_configuration(self):
        self.assertAlmostEqual(self.window(text="Short window please."), 90, delta=1)
        self.assertAlmostEqual(self.window(text="Night shift nurse.", green_channel=True), 60,
                               delta=1)
        self.assertAlmostEqual(self.window(text="I want to kill myself"), 30, delta=1)


class PurgeTest(unittest.TestCase):
    """Withdrawn (and answered) tickets are forgotten once privacy.retention has passed."""

    def test_purge_forgets_withdrawn_tickets_after_retention(self):
        import subprocess
        stack = a24test.start_stack(self.addCleanup, config={"privacy": {"retention": "1s"}})
        r = stack.web.submit("to be withdrawn and forgotten", "sleep")
        t, code = r.json["ticket"], r.json["access_code"]
        kept = stack.web.submit("still waiting", "sleep").json["ticket"]
        self.assertEqual(stack.web.withdraw(t, code).status, 204)
        time.sleep(1.2)
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24ctl"), "--config",
                            stack.web.config_path, "purge"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("purged 1 tickets", p.stdout)
        with stack.resp() as resp:
            self.assertEqual(resp.call("EXISTS", f"a24:t:{t}", f"a24:t:{t}:audit"), 0)
            self.assertEqual(resp.call("EXISTS", f"a24:t:{kept}"), 1)
        self.assertEqual(stack.web.read(t, code).status, 404)


class ScriptsTest(unittest.TestCase):
    """Every embedded Lua script compiles in the Redis we run (answer24ctl scripts load)."""

    def test_scripts_all_load(self):
        import subprocess
        stack = a24test.start_stack(self.addCleanup)
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24ctl"), "--config",
                            stack.web.config_path, "scripts", "load"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[-1], r"^library answer24 version [0-9a-f]{40}$")
        names = [line.split()[0] for line in lines[:-1]]
        scripts = sorted(f[:-4] for f in os.listdir(os.path.join(a24test.SOURCE_DIR, "proto", "scripts"))
                         if f.endswith(".lua") and not f.startswith("_"))
        self.assertEqual(sorted(names), scripts)
        for line in lines[:-1]:
            self.assertEqual(line.split()[1], "a24_" + line.split()[0])
        # Redis lists exactly those functions (and the version), from one library.
        with stack.resp() as resp:
            libs = resp.call("FUNCTION", "LIST")
        self.assertEqual(len(libs), 1)
        lib = dict(zip(libs[0][::2], libs[0][1::2]))
        fns = sorted(dict(zip(f[::2], f[1::2]))[b"name"].decode() for f in lib[b"functions"])
        self.assertEqual(fns, sorted(["a24_" + n for n in scripts] + ["a24_version"]))

    def test_library_reloaded_when_flushed_or_replaced(self):
        """A Redis that lost the library (FUNCTION FLUSH) or holds another version gets
        this program's again, and no question is refused meanwhile."""
        stack = a24test.start_stack(self.addCleanup)
        self.assertEqual(stack.web.submit("before the flush").status, 201)
        with stack.resp() as resp:
            version = resp.call("FCALL_RO", "a24_version", "0")
            self.assertRegex(version.decode(), r"^[0-9a-f]{40}$")
            resp.call("FUNCTION", "FLUSH")
        # The call finds no function, loads the library and is sent again, once.
        r = stack.web.submit("after the flush")
        self.assertEqual(r.status, 201, r.body)
        with stack.resp() as resp:
            self.assertEqual(resp.call("FCALL_RO", "a24_version", "0"), version)
            # An older library: a reconnecting program replaces it before any call.
            resp.call("FUNCTION", "LOAD", "REPLACE",
                      "#!lua name=answer24\nredis.register_function{function_name='a24_version', "
                      "callback=function() return 'old' end, flags={'no-writes'}}")
            resp.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        deadline = time.time() + 10
        while time.time() < deadline:
            with stack.resp() as resp:
                if resp.call("FCALL_RO", "a24_version", "0") == version:
                    break
            time.sleep(0.05)
        with stack.resp() as resp:
            self.assertEqual(resp.call("FCALL_RO", "a24_version", "0"), version)
        r = stack.web.submit("after the reconnect")
        self.assertEqual(r.status, 201, r.body)
        with stack.resp() as resp:
            self.assertEqual(resp.call("HGET", "a24:stats", "submitted"), b"3")

CRISIS_TEXTS = {"en": "I want to kill myself", "ko": "죽고 싶어요", "zh": "我想自杀"}
FOLLOWUP_CRISIS = "I am going to kill myself tonight. I have the pills ready."
LINE_OF = {"ko": "109", "zh": "12356"}  # a number only that language's lines carry
with open(os.path.join(a24test.SOURCE_DIR, "proto", "data", "crisis_lines.json")) as _f:
    DIRECTORY = json.load(_f)


class SubmitShapeTest(a24test.StackTestCase):
    """The 201 stays small in every language, crisis or not; the QR code is drawn on request."""

    STACK_CONFIG = {"http": {"public_url": "https://desk.example.org"}}

    def test_201_at_most_2_kib_in_every_language(self):
        for language, crisis_text in CRISIS_TEXTS.items():
            for text, crisis in (("I cannot sleep at night.", False), (crisis_text, True)):
                r = self.web.submit(text, "depression", language=language, green_channel=True,
                                    selfcheck={"phq9": [1] * 9, "gad7": [2] * 7})
                self.assertEqual(r.status, 201, r.body)
                self.assertIs(r.json["crisis"], True)  # item 9 = 1 flags, whatever the text
                self.assertLessEqual(len(r.body), 2048, (language, crisis, len(r.body)))
                r = self.web.submit(text, "depression", language=language)
                self.assertEqual(r.json["crisis"], crisis, (language, text))
                self.assertLessEqual(len(r.body), 2048, (language, crisis, len(r.body)))
                if language in LINE_OF:
                    self.assertIn(LINE_OF[language], [x["number"] for x in r.json["resources"]])

    def test_qr_endpoint(self):
        b = self.web.submit("Draw my code.", "sleep").json
        path = f"/api/v1/questions/{b['ticket']}/qr"
        r = self.web.request("GET", path, headers={"Authorization": f"Bearer {b['access_code']}"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers["content-type"], "image/svg+xml")
        self.assertTrue(r.body.startswith(b"<svg "), r.body[:40])
        self.assertIn(b"<path", r.body)
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        # Same 404 rules as a read: wrong code, unknown ticket; 401 without a code.
        other = self.web.submit("Someone else.", "sleep").json
        for p, code in ((path, other["access_code"]),
                        ("/api/v1/questions/0000000000000000/qr", b["access_code"])):
            assert_error(self, self.web.request("GET", p, headers={
                "Authorization": f"Bearer {code}"}), 404, "not_found")
        assert_error(self, self.web.request("GET", path), 401, "code_required")

    def test_qr_encodes_the_public_url_and_the_code_as_given_out(self):
        b = self.web.submit("Draw my code twice.", "sleep").json
        path = f"/api/v1/questions/{b['ticket']}/qr"

        def qr(code, host=None):
            headers = {"Authorization": f"Bearer {code}"}
            if host:
                headers["Host"] = host
            r = self.web.request("GET", path, headers=headers)
            self.assertEqual(r.status, 200, r.body)
            return r.body
        first = qr(b["access_code"])
        # Any accepted spelling of the code draws the link with the code as given out,
        # and with http.public_url set the request's Host plays no part.
        self.assertEqual(qr(b["access_code"].lower().replace("-", " ")), first)
        self.assertEqual(qr(b["access_code"], host="evil.example"), first)
        # Without http.public_url the origin is the request's.
        stack = a24test.start_stack(self.addCleanup)
        c = stack.web.submit("Draw mine.", "sleep").json
        p = f"/api/v1/questions/{c['ticket']}/qr"
        auth = {"Authorization": f"Bearer {c['access_code']}"}
        one = stack.web.request("GET", p, headers=dict(auth, Host="a.example")).body
        two = stack.web.request("GET", p, headers=dict(auth, Host="b.example")).body
        self.assertTrue(one.startswith(b"<svg") and two.startswith(b"<svg"))
        self.assertNotEqual(one, two)

    def test_qr_link_spells_the_code_as_given_out(self):
        # The QR code is the return link with the code exactly as the 201 gave it out
        # (upper case, dashed), whatever spelling the request used.
        b = self.web.submit("Draw the link I was given.", "sleep").json
        want = qr_modules(f"https://desk.example.org/t/{b['ticket']}#{b['access_code']}")
        for code in (b["access_code"], b["access_code"].lower()):
            r = self.web.request("GET", f"/api/v1/questions/{b['ticket']}/qr",
                                 headers={"Authorization": f"Bearer {code}"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(svg_modules(r.body), want, code)

    def test_phq9_item9_alone_flags_and_stores_no_score(self):
        r = self.web.submit("I feel a bit tired these days.", "depression", phq9_item9=2)
        self.assertEqual(r.status, 201, r.body)
        self.assertIs(r.json["crisis"], True)
        with self.stack.resp() as resp:
            h = resp.hgetall(f"a24:t:{r.json['ticket']}")
        self.assertEqual(h[b"crisis"], b"1")
        self.assertEqual(h[b"risk"], b"phq9_item9")
        self.assertNotIn(b"sc", h)  # no self-check stored without consent
        self.assertFalse([k for k in h if b"phq" in k or b"item" in k], h.keys())
        r = self.web.submit("I feel a bit tired these days.", "depression", phq9_item9=0)
        self.assertIs(r.json["crisis"], False)
        # Item 9 alone beside consented scores whose item 9 is 0: still flagged.
        r = self.web.submit("I feel a bit tired these days.", "depression", phq9_item9=1,
                            selfcheck={"phq9": [0] * 9})
        self.assertIs(r.json["crisis"], True)


class FollowupCrisisTest(a24test.StackTestCase):
    """A follow-up that screens as a crisis makes the ticket a crisis at once."""

    STACK_CONFIG = {"deadlines": {"answer": "24h", "crisis": "1h"}, "alerts": {"poll": "200ms"}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = a24workers.Worker(cls.stack, role="deadline").start()
        cls.addClassCleanup(cls.worker.kill)

    def test_crisis_followup_flips_the_ticket(self):
        b = self.web.submit("I have trouble at work.", "stress", language="ko").json
        calm = self.web.submit("I have trouble at home.", "stress", language="ko").json
        self.assertIs(b["crisis"], False)
        t, code = b["ticket"], b["access_code"]
        r = self.web.followup(t, code, "Thank you, it is a little better today.")
        self.assertEqual(r.status, 201, r.body)
        self.assertIs(r.json["crisis"], False)
        before = time.time()
        r = self.web.followup(t, code, FOLLOWUP_CRISIS)
        self.assertEqual(r.status, 201, r.body)
        self.assertIs(r.json["crisis"], True)
        self.assertIn("109", [x["number"] for x in r.json["resources"]])  # the ticket's language
        self.assertAlmostEqual(parse_time(r.json["due_at"]), before + HOUR, delta=5)
        read = self.web.read(t, code)
        self.assertIs(read.json["crisis"], True)
        self.assertEqual(read.json["due_at"], r.json["due_at"])
        with self.stack.resp() as resp:
            h = resp.hgetall(f"a24:t:{t}")
            self.assertEqual(h[b"crisis"], b"1")
            # The category of warning sign, never the text.
            self.assertIn(h[b"risk"], (b"means", b"plan", b"intent"))
            # Crisis first: ahead of an older ordinary ticket in the open list and its pool.
            self.assertLess(float(resp.call("ZSCORE", "a24:open", t)),
                            float(resp.call("ZSCORE", "a24:open", calm["ticket"])))
            self.assertLess(float(resp.call("ZSCORE", "a24:pool:stress:ko", t)),
                            float(resp.call("ZSCORE", "a24:pool:stress:ko", calm["ticket"])))
            audit = [x.decode() for x in resp.call("LRANGE", f"a24:t:{t}:audit", 0, -1)]
            self.assertTrue([x for x in audit if " crisis_followup " in x], audit)

            def crisis_alert():
                return [a for a in a24workers.alerts(resp)
                        if a["ticket"] == t and a["kind"] == "crisis"]
            alerts = a24test.wait_until(crisis_alert, 10, what="the crisis alert")
        self.assertEqual(len(alerts), 1)
        self.assertIn("oncall", alerts[0]["notify"])
        # A later follow-up keeps the flag and moves nothing.
        r = self.web.followup(t, code, "Still here.")
        self.assertIs(r.json["crisis"], True)
        self.assertEqual(r.json["due_at"], read.json["due_at"])

    def test_crisis_followup_never_moves_the_deadline_later(self):
        b = self.web.submit("Short question.", "sleep", language="en").json
        with self.stack.resp() as resp:
            # A due time sooner than the crisis window stays.
            soon = int(resp.call("HGET", f"a24:t:{b['ticket']}", "created")) + 60_000
            resp.call("HSET", f"a24:t:{b['ticket']}", "due", soon, "window", 60_000)
        r = self.web.followup(b["ticket"], b["access_code"], FOLLOWUP_CRISIS)
        self.assertIs(r.json["crisis"], True)
        self.assertAlmostEqual(parse_time(r.json["due_at"]), soon / 1000, delta=1)


class FollowupCrisisHeldTest(unittest.TestCase):
    """A crisis follow-up on a claimed or answered ticket keeps every index and load right."""

    @classmethod
    def setUpClass(cls):
        import subprocess
        cls.stack = a24test.start_stack(cls.addClassCleanup)
        cls.web = cls.stack.web
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24ctl"), "--config",
                            cls.web.config_path, "user", "add", "--username", "erin", "--role",
                            "expert", "--categories", "stress", "--languages", "en",
                            "--password-stdin"], input="a long enough password 1\n",
                           capture_output=True, text=True, timeout=60, env=env)
        assert p.returncode == 0, p.stderr
        r = cls.web.request("POST", "/api/v1/session",
                            {"username": "erin", "password": "a long enough password 1"})
        assert r.status == 200, r.body
        cls.auth = {"Authorization": f"Bearer {r.json['token']}"}
        r = cls.web.request("PUT", "/api/v1/me/duty", {"on_duty": True}, cls.auth)
        assert r.status == 200, r.body

    def act(self, ticket, what, body=None):
        return self.web.request("POST", f"/api/v1/tickets/{ticket}/{what}", body, self.auth)

    def crisis_load(self):
        with self.stack.resp() as resp:
            return int(resp.call("HGET", "a24:crisisload", "erin") or 0)

    def test_claimed_ticket_counts_in_the_crisis_load(self):
        b = self.web.submit("Work is hard.", "stress", language="en").json
        self.assertEqual(self.act(b["ticket"], "claim").status, 200)
        before = self.crisis_load()
        r = self.web.followup(b["ticket"], b["access_code"], FOLLOWUP_CRISIS)
        self.assertEqual((r.json["status"], r.json["crisis"]), ("claimed", True), r.body)
        self.assertEqual(self.crisis_load(), before + 1)
        with self.stack.resp() as resp:
            self.assertLess(float(resp.call("ZSCORE", "a24:mine:erin", b["ticket"])), 0)
        self.assertEqual(self.act(b["ticket"], "release").status, 200)
        self.assertEqual(self.crisis_load(), before)

    def test_answered_ticket_reopens_as_a_crisis(self):
        b = self.web.submit("Work is hard again.", "stress", language="en").json
        self.assertEqual(self.act(b["ticket"], "claim").status, 200)
        self.assertEqual(self.act(b["ticket"], "answer", {"text": "Take care."}).status, 200)
        before = time.time()
        r = self.web.followup(b["ticket"], b["access_code"], FOLLOWUP_CRISIS)
        self.assertEqual((r.json["status"], r.json["crisis"]), ("queued", True), r.body)
        self.assertAlmostEqual(parse_time(r.json["due_at"]), before + HOUR, delta=5)
        with self.stack.resp() as resp:
            h = resp.hgetall(f"a24:t:{b['ticket']}")
            self.assertEqual((h[b"crisis"], h[b"crisis_alert"]), (b"1", b"pending"))
            self.assertLess(float(resp.call("ZSCORE", "a24:pool:stress:en", b["ticket"])), 0)
            entries = resp.call("XREVRANGE", "a24:intake", "+", "-", "COUNT", 1)
            fields = entries[0][1]
            self.assertEqual(dict(zip(fields[::2], fields[1::2]))[b"crisis"], b"1")


class LimitsTest(unittest.TestCase):
    """Limits never hide help: every 429 carries crisis lines; crises get an allowance."""

    def test_submission_limit_and_crisis_allowance(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {
            "submissions_per_hour": 2, "crisis_submissions_per_hour": 1}})
        for i in range(2):
            self.assertEqual(stack.web.submit(f"Question {i}", "sleep").status, 201)
        r = stack.web.submit("One too many", "sleep", language="zh")
        assert_limited(self, r, "zh")
        r = stack.web.submit(CRISIS_TEXTS["ko"], "depression", language="ko")
        self.assertEqual(r.status, 201, r.body)  # a crisis past the limit: the allowance
        self.assertIs(r.json["crisis"], True)
        r = stack.web.submit(CRISIS_TEXTS["ko"], "depression", language="ko")
        assert_limited(self, r, "ko")  # the allowance is small: one address cannot flood
        with stack.resp() as resp:
            self.assertEqual(int(resp.call("HGET", "a24:stats", "submitted")), 3)

    def test_intake_budget(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {
            "intake_per_minute": 2}})
        for i in range(2):
            self.assertEqual(stack.web.submit(f"Question {i}", "sleep").status, 201)
        r = stack.web.submit("Over the desk's budget", "sleep", language="ko")
        assert_limited(self, r, "ko")
        self.assertLessEqual(int(r.headers["retry-after"]), 60)
        r = stack.web.submit(CRISIS_TEXTS["en"], "depression")
        self.assertEqual(r.status, 201, r.body)  # a crisis always passes the budget

    def test_right_code_succeeds_past_the_failed_check_limit(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {
            "code_checks_per_hour": 3}})
        b = stack.web.submit("Guess my code", "sleep", language="zh").json
        other = stack.web.submit("Another one", "sleep").json
        t, code = b["ticket"], b["access_code"]
        for _ in range(3):
            assert_error(self, stack.web.read(t, other["access_code"]), 404, "not_found")
        r = stack.web.request("GET", f"/api/v1/questions/{t}", headers={
            "Authorization": f"Bearer {other['access_code']}", "Accept-Language": "zh-CN,en;q=0.5"})
        assert_limited(self, r, "zh")
        r = stack.web.read(t, other["access_code"])  # no language known: English and a note
        assert_limited(self, r, "en")
        self.assertIn("language=ko", r.json["note"])
        # Every citizen route past the limit: the crisis lines too (issue 8.6).
        assert_limited(self, stack.web.followup(t, other["access_code"], "Let me in."), "en")
        assert_limited(self, stack.web.withdraw(t, other["access_code"]), "en")
        assert_limited(self, stack.web.request("GET", f"/api/v1/questions/{t}/qr", headers={
            "Authorization": f"Bearer {other['access_code']}"}), "en")
        self.assertEqual(stack.web.read(t, code).status, 200)
        self.assertEqual(stack.web.followup(t, code, "Still me.").status, 201)
        r = stack.web.request("GET", f"/api/v1/questions/{t}/qr",
                              headers={"Authorization": f"Bearer {code}"})
        self.assertEqual(r.status, 200)
        self.assertEqual(stack.web.withdraw(t, code).status, 204)


    def test_wrong_code_past_the_limit_is_counted(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {
            "code_checks_per_hour": 2}})
        b = stack.web.submit("Count my guesses", "sleep").json
        other = stack.web.submit("Another one", "sleep").json
        name = "answer24_code_check_failures_total"
        for _ in range(2):
            assert_error(self, stack.web.read(b["ticket"], other["access_code"]), 404, "not_found")
        before = stack.web.metrics()[name]
        self.assertEqual(before, 2)
        assert_limited(self, stack.web.read(b["ticket"], other["access_code"]), "en")
        assert_limited(self, stack.web.withdraw(b["ticket"], other["access_code"]), "en")
        self.assertEqual(stack.web.metrics()[name], before + 2)
        self.assertEqual(stack.web.read(b["ticket"], b["access_code"]).status, 200)
        self.assertEqual(stack.web.metrics()[name], before + 2)


class SubmitMemoryTest(unittest.TestCase):
    """The 201 of a question holds the access code: once it is sent, the front end keeps
    no copy of the code in its memory."""

    def test_code_is_wiped_after_the_201(self):
        stack = a24test.start_stack(self.addCleanup)
        for text in ("Wipe my code.", "Wipe mine too."):
            r = stack.web.submit(text, "sleep")
            self.assertEqual(r.status, 201, r.body)
            code = r.json["access_code"].encode()
            # The request is done once its response is written; poll for its memory.
            a24test.wait_until(lambda: code not in process_memory(stack.web.proc.pid), 5,
                               interval=0.2, what="the code gone from the front end's memory")


class ProxyTest(unittest.TestCase):
    """The client behind proxies: the right-most X-Forwarded-For address not trusted."""

    def submit_from(self, web, xff):
        return web.submit("From behind a proxy", "sleep", headers={"X-Forwarded-For": xff})

    def test_right_most_untrusted_address_is_the_client(self):
        stack = a24test.start_stack(self.addCleanup, config={
            "http": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]},
            "limits": {"submissions_per_hour": 1}})
        web = stack.web
        self.assertEqual(self.submit_from(web, "203.0.113.5").status, 201)
        assert_limited(self, self.submit_from(web, "203.0.113.5"), "en")
        self.assertEqual(self.submit_from(web, "198.51.100.7").status, 201)
        # The left part is the client's own writing: spoofing it changes nothing.
        assert_limited(self, self.submit_from(web, "192.0.2.1, 198.51.100.7"), "en")
        # Trusted proxies in the chain are walked past, from the right.
        self.assertEqual(self.submit_from(web, "198.51.100.20, 10.1.2.3").status, 201)
        assert_limited(self, self.submit_from(web, "1.1.1.1, 198.51.100.20, 10.9.9.9"), "en")
        # IPv6 clients too, and several headers read as one list.
        self.assertEqual(self.submit_from(web, "2001:db8::1").status, 201)
        assert_limited(self, web.request("POST", "/api/v1/questions",
                                         {"text": "again", "category": "sleep"},
                                         {"X-Forwarded-For": "2001:db8::1"}), "en")
        self.assertNotIn("no_trusted_proxy", web.log())

    def test_without_trusted_proxies_the_peer_is_the_client(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {"submissions_per_hour": 1}})
        self.assertEqual(self.submit_from(stack.web, "203.0.113.5").status, 201)
        assert_limited(self, self.submit_from(stack.web, "198.51.100.7"), "en")
        warnings = [e for e in stack.web.log_events() if e.get("event") == "no_trusted_proxy"]
        self.assertEqual(len(warnings), 1, stack.web.log())


class TogetherTest(unittest.TestCase):
    """Questions that arrive together go to Redis in one submit call (service/intake.c);
    each still gets its own ticket, its own reply and its own share of the limits."""

    def burst(self, web, bodies):
        """Sends `bodies` at once, one connection each; the answers in the same order."""
        results, barrier = [None] * len(bodies), threading.Barrier(len(bodies))

        def worker(i):
            conn = web.connection()
            try:
                conn.connect()
                barrier.wait(10)
                results[i] = web.request("POST", "/api/v1/questions", bodies[i], conn=conn)
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertTrue(all(r is not None for r in results), results)
        return results

    def test_each_question_gets_its_own_ticket(self):
        stack = a24test.start_stack(self.addCleanup)
        bodies = [{"text": CRISIS_TEXTS["en"] if i % 4 == 0 else f"Question number {i}.",
                   "category": "sleep", "green_channel": i % 3 == 0} for i in range(12)]
        results = self.burst(stack.web, bodies)
        for body, r in zip(bodies, results):
            self.assertEqual(r.status, 201, r.body)
            self.assertIs(r.json["crisis"], body["text"] == CRISIS_TEXTS["en"])
            back = stack.web.read(r.json["ticket"], r.json["access_code"])
            self.assertEqual(back.status, 200, back.body)
            self.assertEqual(back.json["text"], body["text"])
            self.assertEqual(back.json["green_channel"], body["green_channel"])
        self.assertEqual(len({r.json["ticket"] for r in results}), 12)
        with stack.resp() as resp:
            self.assertEqual(int(resp.call("HGET", "a24:stats", "submitted")), 12)
            self.assertEqual(int(resp.call("HGET", "a24:stats", "crises")), 3)
            self.assertEqual(int(resp.call("HGET", "a24:stats", "open")), 12)
            self.assertEqual(resp.call("ZCARD", "a24:schedule"), 12)
            self.assertEqual(resp.call("ZCARD", "a24:open"), 12)
            self.assertEqual(resp.call("XLEN", "a24:intake"), 12)

    def test_limits_count_each_question(self):
        stack = a24test.start_stack(self.addCleanup, config={"limits": {
            "submissions_per_hour": 5, "crisis_submissions_per_hour": 1}})
        bodies = [{"text": f"Together {i}.", "category": "stress"} for i in range(12)]
        results = self.burst(stack.web, bodies)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201] * 5 + [429] * 7, [r.body for r in results])
        for r in results:
            if r.status == 429:
                assert_limited(self, r, "en")
        with stack.resp() as resp:
            self.assertEqual(int(resp.call("HGET", "a24:stats", "submitted")), 5)
            self.assertEqual(resp.call("XLEN", "a24:intake"), 5)


def assert_limited(tc, r, language):
    """`r` is the citizen's 429: Retry-After, the error, and the crisis lines of `language`."""
    tc.assertEqual(r.status, 429, r.body)
    tc.assertGreaterEqual(int(r.headers["retry-after"]), 1)
    tc.assertEqual(r.json["error"]["code"], "rate_limited", r.body)
    lines = r.json["resources"]
    tc.assertTrue(lines, r.body)
    tc.assertEqual(lines, DIRECTORY[language])
    tc.assertNotIn("1393", json.dumps(lines))


def svg_modules(svg):
    """The dark modules of a QR code drawn by qr.c: each run "M<x> <y>h<n>v1h-<n>z"."""
    dark = set()
    for x, y, n in re.findall(rb"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        dark.update((int(x) + i, int(y)) for i in range(int(n)))
    return dark


def qr_modules(text):
    """The dark modules libqrencode gives `text` with qr.c's settings (any version, level
    M, 8-bit, case-sensitive), placed inside the same four-module border."""
    import ctypes

    class QRcode(ctypes.Structure):
        _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int),
                    ("data", ctypes.POINTER(ctypes.c_ubyte))]

    lib = ctypes.CDLL("libqrencode.so.4")
    lib.QRcode_encodeString.restype = ctypes.POINTER(QRcode)
    lib.QRcode_encodeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int, ctypes.c_int]
    qr = lib.QRcode_encodeString(text.encode(), 0, 1, 2, 1)  # QR_ECLEVEL_M, QR_MODE_8
    w = qr.contents.width
    dark = {(x + 4, y + 4) for y in range(w) for x in range(w)
            if qr.contents.data[y * w + x] & 1}
    lib.QRcode_free(qr)
    return dark


def process_memory(pid):
    """The bytes of every writable mapping of process `pid` (up to 1 GiB each)."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw"):
                continue
            start, end = (int(a, 16) for a in fields[0].split("-"))
            if end - start > 1 << 30:  # the sanitizer's shadow: reserved, not data
                continue
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


if __name__ == "__main__":
    unittest.main()
