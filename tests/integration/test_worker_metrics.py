"""Worker /metrics: the figures that tell a stuck or slow desk, served by every worker
role on worker.metrics_listen (stream lag and pending entries, the deadline schedule,
webhook deliveries and failures), and refused cleanly when the address is bad."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402


def scrape(port):
    """GET /metrics of a worker as {series: value}."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    out = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return r.status, r.getheader("content-type"), out


class WorkerMetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hook = a24workers.HookReceiver().start()
        cls.addClassCleanup(cls.hook.stop)
        cls.metrics_port = a24test.free_port()
        cls.stack = a24test.start_stack(cls.addClassCleanup, config={
            "worker": {"metrics_listen": f"127.0.0.1:{cls.metrics_port}",
                       "metrics_refresh": "100ms"},
            "deadlines": {"answer": "1h", "crisis": "2s", "offer_timeout": "1h"},
            "alerts": {"webhooks": [{"url": cls.hook.url, "notify": ["oncall"]}],
                       "webhook_secret": "s3cret"},
        })
        cls.worker = a24workers.Worker(cls.stack).start()
        cls.addClassCleanup(cls.worker.kill)

    def test_metrics_figures(self):
        """Schedule size and overdue figure, group figures and webhook counters appear
        and follow what the desk does."""
        for _ in range(3):
            self.assertEqual(self.stack.web.submit("I feel low lately.", "depression").status, 201)
        r = self.stack.web.submit("I want to kill myself tonight", "depression")
        self.assertEqual(r.status, 201, r.body)

        def ready():
            status, ctype, m = scrape(self.metrics_port)
            return (m if status == 200 and m.get("answer24_worker_redis_up") == 1
                    and m.get("answer24_webhook_deliveries_total", 0) >= 1
                    and 'answer24_stream_pending{stream="intake",group="router"}' in m else None)
        m = a24test.wait_until(ready, 15, what="worker metrics with a delivered webhook")
        status, ctype, _ = scrape(self.metrics_port)
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertGreaterEqual(m["answer24_schedule_size"], 3)
        # The earliest step is a ladder step far ahead, or a crisis step just done.
        self.assertIn("answer24_schedule_earliest_overdue_seconds", m)
        self.assertLess(m["answer24_schedule_earliest_overdue_seconds"], 5)
        self.assertGreaterEqual(m["answer24_worker_figures_age_seconds"], 0)
        self.assertLess(m["answer24_worker_figures_age_seconds"], 5)
        self.assertEqual(m["answer24_webhook_failures_total"], 0)
        self.assertIn('answer24_stream_pending{stream="alerts",group="notifier"}', m)

    def test_webhook_failures_counted(self):
        """A receiver that fails is counted as failures, not deliveries."""
        _, _, before = scrape(self.metrics_port)
        self.hook.fail = True
        try:
            self.assertEqual(self.stack.web.submit("I will end my life, I have the pills",
                                                   "depression").status, 201)
            a24test.wait_until(
                lambda: scrape(self.metrics_port)[2].get("answer24_webhook_failures_total", 0)
                > before.get("answer24_webhook_failures_total", 0), 15, what="a counted failure")
        finally:
            self.hook.fail = False

    def test_unknown_path_404(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=5)
        conn.request("GET", "/tickets")
        self.assertEqual(conn.getresponse().status, 404)
        conn.close()


class WorkerMetricsListenTest(unittest.TestCase):
    def test_bad_listen_is_one_line(self):
        """A bad worker.metrics_listen is one line on stderr and a non-zero exit."""
        env = dict(os.environ, ANSWER24_WORKER_METRICS_LISTEN="nonsense")
        p = subprocess.run([os.path.join(a24test.BIN_DIR, "answer24-worker")],
                           env=env, capture_output=True, text=True, timeout=20)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ANSWER24_WORKER_METRICS_LISTEN", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
