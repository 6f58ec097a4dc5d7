"""Integration tests of staff accounts and sessions: answer24ctl's `user` commands, and
POST/DELETE /api/v1/session, GET /api/v1/me and GET /api/v1/staff on a real
answer24-web in front of a private redis-server (tests/integration/a24test.py).

Every test uses its own accounts and its own client address (X-Forwarded-For, with
http.trust_proxy on), so the sign-in throttle of one test never reaches another. The
guessing-storm tests connect from loopback addresses of their own (127.0.0.2, ...)
without X-Forwarded-For, so they hold whatever the proxy rules become.
"""

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_client = [0]


def new_client():
    """A fresh client address for one test, so throttle windows never overlap."""
    _client[0] += 1
    return f"198.51.100.{_client[0]}"


class SessionsTest(a24test.StackTestCase):
    STACK_CONFIG = {"http": {"trust_proxy": True}}

    # ---------------------------------------------------------------- helpers

    def ctl(self, *args, password=None):
        """Runs answer24ctl with the front end's configuration; the password, if any, is
        the first line of stdin."""
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        p = subprocess.run([CTL, "--config", self.web.config_path, *args],
                           input=(password + "\n") if password is not None else "",
                           capture_output=True, text=True, timeout=60, env=env)
        for marker in a24test.SANITIZER_MARKERS:
            self.assertNotIn(marker, p.stderr, p.stderr)
        return p

    def add_user(self, username, role, password, *extra):
        p = self.ctl("user", "add", "--username", username, "--role", role, *extra,
                     "--password-stdin", password=password)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def login(self, username, password, client):
        return self.web.request("POST", "/api/v1/session",
                                {"username": username, "password": password},
                                {"X-Forwarded-For": client})

    def token_of(self, username, password, client):
        r = self.login(username, password, client)
        self.assertEqual(r.status, 200, r.body)
        return r.json["token"]

    def get(self, path, token=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return self.web.request("GET", path, headers=h)

    def assert_unauthorized(self, r):
        self.assertEqual(r.status, 401, r.body)
        self.assertEqual(r.error_code, "unauthorized")
        self.assertIn("bearer", r.headers.get("www-authenticate", "").lower())

    # ---------------------------------------------------------------- answer24ctl

    def test_ctl_user_add_list(self):
        # The contract's command line, word for word.
        p = self.ctl("user", "add", "--username", "ctl-kim", "--role", "expert",
                     "--categories", "depression,anxiety", "--languages", "ko,en",
                     "--password-stdin", password="kim-password-1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.add_user("ctl-sup", "supervisor", "sup-password-1", "--display-name", "Dr. Park")

        p = self.ctl("user", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split(),
                         ["USERNAME", "ROLE", "CATEGORIES", "LANGUAGES", "DISABLED"])
        row = next(line.split() for line in lines if line.startswith("ctl-kim "))
        self.assertEqual(row, ["ctl-kim", "expert", "depression,anxiety", "ko,en", "no"])

        p = self.ctl("user", "list", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        users = {u["username"]: u for u in json.loads(p.stdout)["users"]}
        self.assertEqual(users["ctl-kim"]["categories"], ["depression", "anxiety"])
        self.assertEqual(users["ctl-kim"]["languages"], ["ko", "en"])
        self.assertEqual(users["ctl-sup"]["display_name"], "Dr. Park")
        self.assertFalse(users["ctl-kim"]["disabled"])
        self.assertNotIn("pw", users["ctl-kim"])
        self.assertNotIn("argon2", p.stdout)

        # Stored as the account hash, with an Argon2id hash of at least INTERACTIVE cost.
        with self.stack.resp() as r:
            h = r.hgetall("a24:user:ctl-kim")
            self.assertEqual(h[b"role"], b"expert")
            self.assertEqual(h[b"categories"], b"depression,anxiety")
            self.assertEqual(h[b"languages"], b"ko,en")
            self.assertEqual(h[b"disabled"], b"0")
            self.assertRegex(h[b"pw"].decode(), r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$")
            m, t = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+)", h[b"pw"].decode()).groups()
            self.assertGreaterEqual(int(m), 65536)
            self.assertGreaterEqual(int(t), 2)
            self.assertNotIn(b"kim-password-1", h[b"pw"])
            self.assertEqual(r.call("SISMEMBER", "a24:users", "ctl-kim"), 1)
            audit = [a.decode() for a in r.call("LRANGE", "a24:audit:admin", 0, -1)]
        self.assertTrue(any(re.fullmatch(r"\d{13} cli user_add ctl-kim", a) for a in audit),
                        audit)

    def test_ctl_refusals(self):
        self.add_user("ctl-dup", "oncall", "dup-password-1")
        p = self.ctl("user", "add", "--username", "ctl-dup", "--role", "expert",
                     "--password-stdin", password="another-password")
        self.assertEqual(p.returncode, 1)
        self.assertIn("already exists", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        with self.stack.resp() as r:
            self.assertEqual(r.hgetall("a24:user:ctl-dup")[b"role"], b"oncall")

        usage = [
            (["--username", "x1", "--role", "boss", "--password-stdin"], "long-password-1"),
            (["--username", "X1", "--role", "expert", "--password-stdin"], "long-password-1"),
            (["--username", "x1", "--role", "expert", "--categories", "all",
              "--password-stdin"], "long-password-1"),
            (["--username", "x1", "--role", "expert", "--languages", "ko,jp",
              "--password-stdin"], "long-password-1"),
            (["--username", "x1", "--role", "expert", "--password-stdin"], "short"),
            (["--username", "x1", "--role", "expert"], "long-password-1"),
            (["--username", "x1", "--role", "expert", "--password", "x",
              "--password-stdin"], "long-password-1"),
        ]
        for args, pw in usage:
            p = self.ctl("user", "add", *args, password=pw)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertTrue(p.stderr.startswith("answer24ctl: "), p.stderr)
        with self.stack.resp() as r:
            self.assertEqual(r.call("EXISTS", "a24:user:x1"), 0)

        for args in (["disable", "nobody-here"], ["enable", "nobody-here"]):
            p = self.ctl("user", *args)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("no user", p.stderr)
        p = self.ctl("user", "frobnicate")
        self.assertEqual(p.returncode, 2)
        p = self.ctl("--help")
        self.assertEqual(p.returncode, 0)
        for word in ("user add", "user list", "user disable", "user enable", "user passwd",
                     "ping", "--password-stdin"):
            self.assertIn(word, p.stdout)
        p = self.ctl("ping")
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "ok"))

    # ---------------------------------------------------------------- sign-in

    def test_login_and_me(self):
        client = new_client()
        self.add_user("me-kim", "expert", "me-password-1", "--categories", "sleep,stress",
                      "--languages", "zh", "--display-name", "Dr. Kim")
        r = self.login("me-kim", "me-password-1", client)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        body = r.json
        self.assertRegex(body["token"], TOKEN_RE)
        self.assertEqual(body["role"], "expert")
        self.assertEqual(body["username"], "me-kim")
        self.assertEqual(body["display_name"], "Dr. Kim")
        self.assertRegex(body["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

        cookie = r.headers.get("set-cookie", "")
        self.assertTrue(cookie.startswith(f"a24_session={body['token']};"), cookie)
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/api/v1/events", "Max-Age=604800"):
            self.assertIn(attr, cookie)

        r = self.get("/api/v1/me", body["token"])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["username"], "me-kim")
        self.assertEqual(r.json["role"], "expert")
        self.assertEqual(r.json["categories"], ["stress", "sleep"])
        self.assertEqual(r.json["languages"], ["zh"])
        self.assertEqual(r.json["display_name"], "Dr. Kim")

        # Upper case is the same name; usernames are lower case.
        r = self.login("ME-KIM", "me-password-1", client)
        self.assertEqual(r.status, 200, r.body)

    def test_new_token_every_login(self):
        client = new_client()
        self.add_user("tok-kim", "expert", "tok-password-1")
        tokens = [self.token_of("tok-kim", "tok-password-1", client) for _ in range(3)]
        self.assertEqual(len(set(tokens)), 3)
        for t in tokens:
            self.assertEqual(self.get("/api/v1/me", t).status, 200)

    def test_bad_credentials_identical(self):
        client = new_client()
        self.add_user("bc-kim", "expert", "bc-password-1")
        self.add_user("bc-off", "expert", "bc-password-2")
        self.assertEqual(self.ctl("user", "disable", "bc-off").returncode, 0)
        cases = {
            "wrong password": ("bc-kim", "bc-password-X"),
            "unknown user": ("bc-nobody", "bc-password-1"),
            "disabled user": ("bc-off", "bc-password-2"),
            "invalid name": ("bc kim!", "bc-password-1"),
        }
        answers, times = {}, {}
        for what, (u, pw) in cases.items():
            times[what] = []
            for _ in range(3):
                t0 = time.monotonic()
                r = self.login(u, pw, new_client())
                times[what].append(time.monotonic() - t0)
                answers.setdefault(what, set()).add((r.status, r.body))
        everything = set().union(*answers.values())
        self.assertEqual(len(everything), 1, answers)
        status, body = everything.pop()
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["error"]["code"], "bad_credentials")
        # Every failure pays for one Argon2id check: none is markedly quicker.
        slowest = max(statistics.median(v) for v in times.values())
        for what, v in times.items():
            self.assertGreater(statistics.median(v), 0.3 * slowest, (what, times))
        self.assertEqual(self.login("bc-kim", "bc-password-1", client).status, 200)

    def test_bad_bodies(self):
        client = new_client()
        r = self.web.request("POST", "/api/v1/session", {"username": "x"},
                             {"X-Forwarded-For": client})
        self.assertEqual((r.status, r.error_code), (400, "missing_field"))
        r = self.web.request("POST", "/api/v1/session", {"username": "x", "password": 5},
                             {"X-Forwarded-For": client})
        self.assertEqual((r.status, r.error_code), (400, "wrong_type"))
        r = self.web.request("POST", "/api/v1/session", "username=x&password=y",
                             {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415)
        r = self.web.request("GET", "/api/v1/session")
        self.assertEqual(r.status, 405)

    # ---------------------------------------------------------------- the staff check

    def test_unauthorized_shapes(self):
        self.assert_unauthorized(self.get("/api/v1/me"))
        self.assert_unauthorized(self.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}))
        # An access code is never a token, whether as shown or canonical.
        r = self.web.submit("I cannot sleep at night.", "sleep")
        self.assertEqual(r.status, 201, r.body)
        code = r.json["access_code"]
        self.assert_unauthorized(self.get("/api/v1/me", code))
        self.assert_unauthorized(self.get("/api/v1/me", code.replace("-", "")))
        # A well-formed token that names no session, and near-misses of a real one.
        client = new_client()
        self.add_user("un-kim", "expert", "un-password-1")
        token = self.token_of("un-kim", "un-password-1", client)
        self.assert_unauthorized(self.get("/api/v1/me", "A" * 43))
        self.assert_unauthorized(self.get("/api/v1/me", token[:-1]))
        self.assert_unauthorized(self.get("/api/v1/me", token + "A"))
        self.assert_unauthorized(self.get("/api/v1/me", token.upper()))
        self.assertEqual(self.get("/api/v1/me", token).status, 200)
        # The cookie is for the event stream only: /api/v1/me does not take it.
        self.assert_unauthorized(self.get("/api/v1/me",
                                          headers={"Cookie": f"a24_session={token}"}))

    def test_roles(self):
        client = new_client()
        self.add_user("ro-oncall", "oncall", "ro-password-1")
        self.add_user("ro-expert", "expert", "ro-password-2")
        self.add_user("ro-sup", "supervisor", "ro-password-3")
        self.add_user("ro-admin", "admin", "ro-password-4")
        tokens = {u: self.token_of(u, pw, client) for u, pw in [
            ("ro-oncall", "ro-password-1"), ("ro-expert", "ro-password-2"),
            ("ro-sup", "ro-password-3"), ("ro-admin", "ro-password-4")]}
        r = self.get("/api/v1/staff", tokens["ro-oncall"])
        self.assertEqual((r.status, r.error_code), (403, "forbidden"))
        # Experts read the list too: it is whom they can transfer a ticket to.
        for u in ("ro-sup", "ro-admin", "ro-expert"):
            r = self.get("/api/v1/staff", tokens[u])
            self.assertEqual(r.status, 200, r.body)
            names = {s["username"]: s for s in r.json["staff"]}
            self.assertEqual(names["ro-oncall"]["role"], "oncall")
            self.assertNotIn("pw", names["ro-oncall"])
            self.assertNotIn(b"argon2", r.body)
        for u, t in tokens.items():
            r = self.get("/api/v1/me", t)
            self.assertEqual((r.status, r.json["username"]), (200, u))
        self.assert_unauthorized(self.get("/api/v1/staff"))

        # A changed role counts at the next request, without signing in again.
        with self.stack.resp() as r:
            r.call("HSET", "a24:user:ro-oncall", "role", "supervisor")
        self.assertEqual(self.get("/api/v1/staff", tokens["ro-oncall"]).status, 200)
        self.assertEqual(self.get("/api/v1/me", tokens["ro-oncall"]).json["role"], "supervisor")
        with self.stack.resp() as r:
            r.call("HSET", "a24:user:ro-oncall", "role", "oncall")
        self.assertEqual(self.get("/api/v1/staff", tokens["ro-oncall"]).status, 403)

    # ---------------------------------------------------------------- ending sessions

    def test_logout(self):
        client = new_client()
        self.add_user("lo-kim", "expert", "lo-password-1")
        token = self.token_of("lo-kim", "lo-password-1", client)
        other = self.token_of("lo-kim", "lo-password-1", client)
        r = self.web.request("DELETE", "/api/v1/session",
                             headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 204, r.body)
        self.assertIn("Max-Age=0", r.headers.get("set-cookie", ""))
        self.assert_unauthorized(self.get("/api/v1/me", token))
        r = self.web.request("DELETE", "/api/v1/session",
                             headers={"Authorization": f"Bearer {token}"})
        self.assert_unauthorized(r)
        self.assert_unauthorized(self.web.request("DELETE", "/api/v1/session"))
        self.assertEqual(self.get("/api/v1/me", other).status, 200)  # only that session

    def test_disable_and_enable(self):
        client = new_client()
        self.add_user("dis-kim", "expert", "dis-password-1")
        tokens = [self.token_of("dis-kim", "dis-password-1", client) for _ in range(2)]
        p = self.ctl("user", "disable", "dis-kim")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2 sessions ended", p.stdout)
        for t in tokens:
            self.assert_unauthorized(self.get("/api/v1/me", t))
        r = self.login("dis-kim", "dis-password-1", client)
        self.assertEqual((r.status, r.error_code), (401, "bad_credentials"))
        p = self.ctl("user", "list", "--format", "json")
        self.assertTrue({u["username"]: u for u in json.loads(p.stdout)["users"]}
                        ["dis-kim"]["disabled"])

        # Even a session that escaped the purge dies with the account's flag.
        p = self.ctl("user", "enable", "dis-kim")
        self.assertEqual(p.returncode, 0, p.stderr)
        token = self.token_of("dis-kim", "dis-password-1", new_client())
        with self.stack.resp() as r:
            r.call("HSET", "a24:user:dis-kim", "disabled", "1")
        self.assert_unauthorized(self.get("/api/v1/me", token))
        with self.stack.resp() as r:
            r.call("HSET", "a24:user:dis-kim", "disabled", "0")
            audit = [a.decode().split(" ", 1)[1] for a in
                     r.call("LRANGE", "a24:audit:admin", 0, -1)]
        self.assertIn("cli user_disable dis-kim", audit)
        self.assertIn("cli user_enable dis-kim", audit)

    def test_passwd(self):
        client = new_client()
        self.add_user("pw-kim", "expert", "pw-password-1")
        token = self.token_of("pw-kim", "pw-password-1", client)
        p = self.ctl("user", "passwd", "pw-kim", "--password-stdin", password="pw-password-2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 session ended", p.stdout)
        self.assert_unauthorized(self.get("/api/v1/me", token))
        self.assertEqual(self.login("pw-kim", "pw-password-1", client).status, 401)
        self.assertEqual(self.login("pw-kim", "pw-password-2", client).status, 200)
        self.assertEqual(self.ctl("user", "passwd", "pw-kim", "--password-stdin",
                                  password="short").returncode, 2)
        self.assertEqual(self.ctl("user", "passwd", "nobody-here", "--password-stdin",
                                  password="pw-password-3").returncode, 1)
        with self.stack.resp() as r:
            audit = [a.decode().split(" ", 1)[1] for a in
                     r.call("LRANGE", "a24:audit:admin", 0, -1)]
        self.assertIn("cli user_passwd pw-kim", audit)

    # ---------------------------------------------------------------- throttling

    def test_account_throttle(self):
        # The account from one client: a short, doubling delay for that client alone.
        self.add_user("thr-kim", "expert", "thr-password-1")
        client = new_client()
        for i in range(5):
            r = self.login("thr-kim", "wrong-password", client)
            self.assertEqual(r.status, 401, (i, r.body))
        r = self.login("thr-kim", "thr-password-1", client)
        self.assertEqual((r.status, r.error_code), (429, "rate_limited"), r.body)
        wait = int(r.headers["retry-after"])
        self.assertTrue(1 <= wait <= 900, wait)
        # Another client is not delayed by those guesses: the right password works there.
        self.assertEqual(self.login("thr-kim", "thr-password-1", new_client()).status, 200)
        # A short delay, never a lock: after it the right password works here too.
        time.sleep(wait + 0.2)
        r = self.login("thr-kim", "thr-password-1", client)
        self.assertEqual(r.status, 200, r.body)
        with self.stack.resp() as redis:
            self.assertEqual(redis.scan("a24:loginfail:user:*"), [])  # no per-account key

    def peer_login(self, address, username, password):
        """Signs in over a connection from `address` (a loopback address of its own):
        the peer address is the client, with no X-Forwarded-For at all."""
        conn = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=30,
                                          source_address=(address, 0))
        try:
            return self.web.request("POST", "/api/v1/session",
                                    {"username": username, "password": password}, conn=conn)
        finally:
            conn.close()

    def security_alerts(self, subject):
        with self.stack.resp() as redis:
            out = []
            for key in redis.scan("a24:alert:*"):
                key = key.decode() if isinstance(key, bytes) else key
                if not key.split(":")[-1].isdigit():
                    continue  # an incident's history list, not an alert
                h = redis.hgetall(key)
                if (h.get(b"kind") == b"security"
                        and h.get(b"subject") == ("security:" + subject).encode()):
                    out.append({k.decode(): v.decode() for k, v in h.items()})
            return out

    def test_guessing_storm_never_locks_the_owner_out(self):
        self.add_user("storm-kim", "expert", "storm-password-1")
        # 50 wrong passwords from ten other client addresses (127.0.0.2 .. .11), five
        # each: every one is checked and refused (401), none is throttled.
        for n in range(50):
            r = self.peer_login(f"127.0.0.{2 + n % 10}", "storm-kim", f"guess-{n}")
            self.assertEqual((r.status, r.error_code), (401, "bad_credentials"), (n, r.body))
        # The owner, from their own address, signs in at once.
        r = self.peer_login("127.0.0.40", "storm-kim", "storm-password-1")
        self.assertEqual(r.status, 200, r.body)
        # One security alert to supervisors for the storm, not one per guess; no text.
        alerts = self.security_alerts("storm-kim")
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        self.assertEqual((a["notify"], a["state"], a["reason"]),
                         ("supervisor", "open", "password_guessing"))
        self.assertGreaterEqual(int(a["failures"]), 20)
        self.assertGreaterEqual(int(a["clients"]), 3)
        self.assertNotIn("guess-", str(a))  # no password tried
        self.assertNotIn("127.0.0", str(a))
        # A sixth guess from one of those addresses is delayed for that address only.
        r = self.peer_login("127.0.0.2", "storm-kim", "guess-again")
        self.assertEqual((r.status, r.error_code), (429, "rate_limited"), r.body)
        self.assertEqual(self.peer_login("127.0.0.41", "storm-kim", "storm-password-1").status,
                         200)
        self.assertEqual(len(self.security_alerts("storm-kim")), 1)
        self.assertIn("security_alert_raised", [e.get("event") for e in self.web.log_events()])

    def test_few_clients_raise_no_storm(self):
        # Many failures from one or two clients are a throttle's business, not an alert.
        self.add_user("calm-kim", "expert", "calm-password-1")
        for n in range(10):
            r = self.peer_login(f"127.0.1.{1 + n % 2}", "calm-kim", f"typo-{n}")
            self.assertIn(r.status, (401, 429), r.body)
        self.assertEqual(self.security_alerts("calm-kim"), [])

    def test_client_throttle(self):
        self.add_user("thc-kim", "expert", "thc-password-1")
        client = new_client()
        for i in range(10):  # different unknown names, one client
            r = self.login(f"thc-guess-{i}", "wrong-password", client)
            self.assertEqual(r.status, 401, (i, r.body))
        r = self.login("thc-kim", "thc-password-1", client)
        self.assertEqual(r.status, 429, r.body)
        self.assertIn("retry-after", r.headers)
        # The account itself is not locked: another client signs in at once.
        self.assertEqual(self.login("thc-kim", "thc-password-1", new_client()).status, 200)

    # ---------------------------------------------------------------- what is stored

    def test_token_only_hashed(self):
        client = new_client()
        self.add_user("st-kim", "expert", "st-password-1")
        r = self.login("st-kim", "st-password-1", client)
        token = r.json["token"]
        self.assertEqual(self.get("/api/v1/me", token).status, 200)
        with self.stack.resp() as redis:
            dump = redis.dump_all()
            for key, value in dump.items():
                self.assertNotIn(token.encode(), key)
                self.assertNotIn(token.encode(), value or b"", key)
                self.assertNotIn(b"st-password-1", value or b"", key)
            sessions = [k for k in redis.scan("a24:session:*")
                        if redis.hgetall(k).get(b"username") == b"st-kim"]
            self.assertEqual(len(sessions), 1)
            key = sessions[0]
            self.assertRegex(key.decode(), r"^a24:session:[0-9a-f]{64}$")
            h = redis.hgetall(key)
            self.assertEqual(set(h), {b"username", b"role", b"created", b"absolute_expiry"})
            self.assertEqual(h[b"role"], b"expert")
            week = 7 * 24 * 3600 * 1000
            self.assertEqual(int(h[b"absolute_expiry"]) - int(h[b"created"]), week)
            pttl = redis.call("PTTL", key)
            self.assertTrue(0 < pttl <= 12 * 3600 * 1000, pttl)
            self.assertEqual(redis.call("SMEMBERS", "a24:user:st-kim:sessions"),
                             [key.decode().rsplit(":", 1)[1].encode()])

            # The idle expiry slides on use...
            redis.call("PEXPIRE", key, 5000)
            self.assertEqual(self.get("/api/v1/me", token).status, 200)
            self.assertGreater(redis.call("PTTL", key), 11 * 3600 * 1000)
            # ...but never past the absolute expiry, and a session past it is gone.
            now = int(time.time() * 1000)
            redis.call("HSET", key, "absolute_expiry", now + 60000)
            self.assertEqual(self.get("/api/v1/me", token).status, 200)
            self.assertLessEqual(redis.call("PTTL", key), 60000)
            redis.call("HSET", key, "absolute_expiry", now - 1)
            self.assert_unauthorized(self.get("/api/v1/me", token))
            self.assertEqual(redis.call("EXISTS", key), 0)

        log = self.web.log()
        self.assertNotIn(token, log)
        self.assertNotIn("st-password-1", log)
        events = [e.get("event") for e in self.web.log_events()]
        self.assertIn("staff_signed_in", events)


if __name__ == "__main__":
    unittest.main(verbosity=2)
