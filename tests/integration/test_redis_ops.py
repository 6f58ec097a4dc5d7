"""Redis in a real deployment (issue 9.6), against the real programs
(harness: a24test.py, workers: ../fault/a24workers.py):

- a Redis with an ACL user and the default user off: answer24-web signs in with the
  password in redis.url (redis://user:password@...), answer24-worker and answer24ctl
  with redis.password_file and redis.username; after Redis restarts they sign in again;
- a Redis with requirepass: redis://:password@host:port/db;
- a wrong password: /readyz 503 (/healthz 200), one `redis_auth_failed` log line that
  does not carry the password, and answer24ctl exits 2 with one line;
- redis.memory_alert: past the share of maxmemory the worker raises exactly one alert
  of kind redis_memory (ticket '') per crossing, in the usual alert shape.
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

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "t0p-s3cret:with@odd/chars"
URL_PASSWORD = "t0p-s3cret%3Awith%40odd%2Fchars"  # the same, escaped for a URL


def ctl(config_path, *args):
    return subprocess.run([CTL, "--config", config_path, *args], capture_output=True,
                          text=True, timeout=30)


def acl_stack(test, url_auth):
    """A stack whose Redis has user answer24 (PASSWORD) and the default user off."""
    stack = a24test.Stack(config={"redis": {"url": "placeholder"}})
    acl = os.path.join(stack.tmp, "users.acl")
    with open(acl, "w") as f:
        f.write("user default off\n")
        f.write(f"user answer24 on >{PASSWORD} ~* &* +@all\n")
    stack.redis.extra_args = ["--aclfile", acl]
    stack.redis.auth = ("answer24", PASSWORD)
    stack.web.config["redis"]["url"] = f"redis://{url_auth}@127.0.0.1:{stack.redis.port}/0"
    test.addCleanup(stack.close)
    return stack


class AclUserTest(unittest.TestCase):
    def setUp(self):
        self.stack = acl_stack(self, f"answer24:{URL_PASSWORD}")
        self.stack.start()
        self.web = self.stack.web

    def test_every_program_signs_in(self):
        r = self.web.submit("Signed in to Redis with a password.", "stress")
        self.assertEqual(r.status, 201, r.body)
        # Without the password nobody gets in.
        with a24test.Resp(self.stack.redis.port) as anonymous:
            with self.assertRaises(a24test.RespError):
                anonymous.call("GET", "a24:stats")

        # The worker and answer24ctl read the password from a file, the user from the key.
        pwfile = os.path.join(self.stack.tmp, "redis.password")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(pwfile, 0o600)
        worker = a24workers.Worker(self.stack, role="deadline")
        worker.config = a24test.deep_merge(self.web.config, {"redis": {
            "url": f"redis://127.0.0.1:{self.stack.redis.port}/0",
            "password_file": pwfile, "username": "answer24"}})
        self.addCleanup(worker.kill)
        worker.start()
        p = ctl(worker.config_path, "ping")
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "ok"), p.stderr)

        # Redis restarts: both sign in again on their own.
        self.stack.redis.kill()
        self.stack.redis.start()
        a24test.wait_until(lambda: self.web.request("GET", "/readyz").status == 200, 15,
                           what="/readyz after Redis came back")
        a24test.wait_until(lambda: sum(e.get("event") == "redis_connected"
                                       for e in worker.log_events()) >= 2, 15,
                           what="the worker's second sign-in")
        self.assertEqual(self.web.submit("After the restart.", "stress").status, 201)
        for text in (self.web.log(), worker.log()):
            self.assertNotIn(PASSWORD, text)
            self.assertNotIn(URL_PASSWORD, text)
        self.assertEqual(worker.stop(), [])


class RequirePassTest(unittest.TestCase):
    def test_url_with_password_only(self):
        stack = a24test.Stack(redis_args=["--requirepass", PASSWORD])
        stack.redis.auth = (PASSWORD,)
        stack.web.config["redis"]["url"] = (
            f"redis://:{URL_PASSWORD}@127.0.0.1:{stack.redis.port}/0")
        self.addCleanup(stack.close)
        stack.start()
        self.assertEqual(stack.web.submit("requirepass", "sleep").status, 201)
        p = ctl(stack.web.config_path, "ping")
        self.assertEqual(p.returncode, 0, p.stderr)


class WrongPasswordTest(unittest.TestCase):
    def test_refused_clearly(self):
        stack = acl_stack(self, "answer24:not-the-password")
        stack.redis.start()
        stack.web.start(wait_ready=False)
        a24test.wait_until(lambda: any(e.get("event") == "redis_auth_failed"
                                       for e in stack.web.log_events()), 10,
                           what="redis_auth_failed in the log")
        self.assertEqual(stack.web.request("GET", "/healthz").status, 200)
        r = stack.web.request("GET", "/readyz")
        a24test.assert_error(self, r, 503, "unavailable")
        a24test.assert_error(self, stack.web.submit("no", "sleep"), 503, "unavailable")
        self.assertNotIn("not-the-password", stack.web.log())
        failed = [e for e in stack.web.log_events() if e.get("event") == "redis_auth_failed"]
        self.assertIn("WRONGPASS", failed[0]["error"])

        p = ctl(stack.web.config_path, "ping")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("refused the password", p.stderr)
        self.assertNotIn("not-the-password", p.stderr)


class MemoryAlertTest(unittest.TestCase):
    def test_one_alert_per_crossing(self):
        stack = a24test.start_stack(self.addCleanup, config={
            "redis": {"memory_check": "100ms", "memory_alert": "80%"}})
        worker = a24workers.Worker(stack, role="deadline")
        self.addCleanup(worker.kill)
        worker.start()
        resp = stack.resp()
        self.addCleanup(resp.close)

        def memory_alerts():
            return [a for a in a24workers.alerts(resp) if a["kind"] == "redis_memory"]

        def used():
            info = resp.call("INFO", "memory").decode()
            return int(info.split("used_memory:")[1].split("\r\n")[0])

        resp.call("CONFIG", "SET", "maxmemory", str(256 * 1024 * 1024))
        time.sleep(0.5)
        self.assertEqual(memory_alerts(), [])

        # Past 80% of the cap (but not at it: writes still go through).
        resp.call("CONFIG", "SET", "maxmemory", str(int(used() / 0.85)))
        a24test.wait_until(memory_alerts, 5, what="a redis_memory alert")
        time.sleep(0.6)  # several more checks: still the one alert
        alerts = memory_alerts()
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        self.assertEqual((a["ticket"], a["state"], a["notify"]), ("", "open", "oncall"))
        self.assertIn(a["id"].encode(), resp.call("ZRANGE", "a24:alerts:open", 0, -1))
        events = resp.call("XRANGE", "a24:alerts", "-", "+")
        raised = [e for e in events if b"redis_memory" in e[1] and b"raised" in e[1]]
        self.assertEqual(len(raised), 1)

        # Back under, then over again: a new crossing, a new alert.
        resp.call("CONFIG", "SET", "maxmemory", str(256 * 1024 * 1024))
        a24test.wait_until(lambda: resp.call("EXISTS", "a24:redis:memalert") == 0, 5,
                           what="the crossing to end")
        resp.call("CONFIG", "SET", "maxmemory", str(int(used() / 0.85)))
        a24test.wait_until(lambda: len(memory_alerts()) == 2, 5, what="a second alert")
        resp.call("CONFIG", "SET", "maxmemory", "0")
        self.assertEqual(worker.stop(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
