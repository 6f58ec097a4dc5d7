"""Observability: request ids that tie a person's report to a log line, and the
Prometheus rules and Grafana dashboard in deploy/ naming only series the programs
really export (so an alert rule can never silently watch nothing)."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

RULES = os.path.join(a24test.SOURCE_DIR, "deploy", "prometheus", "answer24.rules.yml")
DASHBOARD = os.path.join(a24test.SOURCE_DIR, "deploy", "grafana", "answer24.json")
SERIES = re.compile(r"\banswer24_[a-z0-9_]+")


def exported_names(text):
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, 1)[0])
    return names


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.metrics_port = a24test.free_port()
        cls.stack = a24test.start_stack(cls.addClassCleanup, config={
            "worker": {"metrics_listen": f"127.0.0.1:{cls.metrics_port}",
                       "metrics_refresh": "100ms"}})
        cls.worker = a24workers.Worker(cls.stack).start()
        cls.addClassCleanup(cls.worker.kill)

    def test_request_id_given_and_logged(self):
        """Every API answer carries X-Request-Id; the submission's log line carries the
        same id; a proxy's plain token is kept and anything else replaced."""
        web = self.stack.web
        r = web.submit("I have trouble sleeping since the move.", "sleep")
        self.assertEqual(r.status, 201, r.body)
        rid = r.headers.get("x-request-id")
        self.assertRegex(rid or "", r"^[0-9a-f]{16}$")
        lines = [e for e in web.log_events() if e.get("event") == "question_submitted"
                 and e.get("ticket") == r.json["ticket"]]
        self.assertEqual([e.get("request_id") for e in lines], [rid])
        kept = web.submit("Work stress keeps me awake.", "stress",
                          headers={"X-Request-Id": "proxy-7f3a.1"})
        self.assertEqual(kept.headers.get("x-request-id"), "proxy-7f3a.1")
        for bad in ("two words", "x" * 65, "<script>"):
            r = web.request("GET", "/api/v1/me", headers={"X-Request-Id": bad})
            self.assertEqual(r.status, 401)
            self.assertRegex(r.headers.get("x-request-id") or "", r"^[0-9a-f]{16}$", bad)
        # Two requests never share a generated id.
        a = web.request("GET", "/api/v1/me").headers.get("x-request-id")
        b = web.request("GET", "/api/v1/me").headers.get("x-request-id")
        self.assertNotEqual(a, b)

    def test_rules_and_dashboard_name_real_series(self):
        """Every answer24_* series the alert rules and the dashboard use is exported by
        the front end or the worker."""
        import http.client
        web_text = self.stack.web.request("GET", "/metrics").body.decode()

        def worker_text():
            conn = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=5)
            conn.request("GET", "/metrics")
            body = conn.getresponse().read().decode()
            conn.close()
            return body if "answer24_schedule_size" in body else None
        exported = exported_names(web_text) | exported_names(
            a24test.wait_until(worker_text, 10, what="the worker's figures"))
        self.assertIn("answer24_experts_on_duty", exported)
        self.assertIn("answer24_intake_refused_total", exported)
        with open(RULES) as f:
            rules = f.read()
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        self.assertGreaterEqual(len(re.findall(r"^\s+- alert: ", rules, re.M)), 5)
        exprs = "\n".join(re.findall(r"expr: (.*)", rules))
        exprs += "\n" + "\n".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
        used = set(SERIES.findall(exprs))
        self.assertTrue(used)
        base = {re.sub(r"_(bucket|sum|count)$", "", n) for n in exported}
        missing = sorted(n for n in used if n not in exported and n not in base
                         and re.sub(r"_(bucket|sum|count)$", "", n) not in base)
        self.assertEqual(missing, [], "series used by deploy/ but exported by no program")
        for rule in re.findall(r"runbook: \"docs/operations.md#([a-z0-9-]+)\"", rules):
            with open(os.path.join(a24test.SOURCE_DIR, "docs", "operations.md")) as f:
                anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
                           for h in re.findall(r"^#+ (.*)$", f.read(), re.M)}
            self.assertIn(rule, anchors, "a rule's runbook link has no section")


if __name__ == "__main__":
    unittest.main(verbosity=2)
