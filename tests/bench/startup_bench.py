"""startup_bench: how long each program takes to be of use with COUNT open tickets in
Redis. Run by startup.sh, which builds the Release programs and gives their folder.

  startup_bench.py BIN_DIR WORK_DIR COUNT

It starts redis-server from deploy/redis.conf in WORK_DIR, loads COUNT open tickets
through the submit function (store_bench.fill, the front end's own arguments), rewrites
the AOF, then measures, each from exec: Redis loading them back (restart until PING
answers), answer24-web until /readyz answers 200, answer24-worker until it logs
"started" with its Redis connections up, and answer24ctl ping. Prints one line
"STARTUP key=value ...".
"""

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchresp import Redis  # noqa: E402
import store_bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(pred, limit, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            if pred():
                return time.monotonic() - t0
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.005)
    raise SystemExit("startup_bench: %s did not happen within %ss" % (what, limit))


def redis_start(work, port):
    p = subprocess.Popen(["redis-server", os.path.join(ROOT, "deploy", "redis.conf"), "--port",
                          str(port), "--dir", work, "--daemonize", "no", "--maxmemory", "0",
                          "--logfile",
                          os.path.join(work, "redis.log")], stdin=subprocess.DEVNULL)
    return p


def main(bin_dir, work, count):
    port = free_port()
    red = redis_start(work, port)
    until(lambda: Redis(port).call("PING") == "PONG", 30, "redis-server starting")
    env = dict(os.environ, ANSWER24_REDIS_URL="redis://127.0.0.1:%d/0" % port,
               ANSWER24_SECRETS_KEY_FILE=os.path.join(work, "secret.key"),
               ANSWER24_HTTP_LISTEN="127.0.0.1:%d" % free_port(),
               ANSWER24_SCREENING_DATA_DIR=os.path.join(ROOT, "proto", "data"),
               ANSWER24_HTTP_STATIC_DIR=os.path.join(ROOT, "service", "web"))
    subprocess.run([os.path.join(bin_dir, "answer24ctl"), "scripts", "load"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    r = Redis(port, timeout=600)
    t0 = time.monotonic()
    texts = store_bench.fill(r, random.Random(3), count)
    load_s = time.monotonic() - t0
    r.call("BGREWRITEAOF")
    until(lambda: "aof_rewrite_in_progress:0" in Redis(port).call("INFO", "persistence")
          and "aof_rewrite_scheduled:0" in Redis(port).call("INFO", "persistence"), 600,
          "the AOF rewrite")
    used = r.used_memory()
    keys = r.call("DBSIZE")
    red.send_signal(signal.SIGTERM)
    red.wait(120)
    t0 = time.monotonic()
    red = redis_start(work, port)
    redis_s = until(lambda: Redis(port).call("PING") == "PONG", 600, "Redis loading the AOF")
    # PING answers -LOADING until the data is in: until() retries on the error.
    try:
        web_log = open(os.path.join(work, "web.log"), "wb")
        t0 = time.monotonic()
        web = subprocess.Popen([os.path.join(bin_dir, "answer24-web")], env=env,
                               stdout=web_log, stderr=web_log)
        url = "http://%s/readyz" % env["ANSWER24_HTTP_LISTEN"]
        web_s = until(lambda: urllib.request.urlopen(url, timeout=2).status == 200, 120,
                      "answer24-web ready")
        wlog_path = os.path.join(work, "worker.log")
        wlog = open(wlog_path, "wb")
        t0 = time.monotonic()
        worker = subprocess.Popen([os.path.join(bin_dir, "answer24-worker")], env=env,
                                  stdout=wlog, stderr=wlog)
        worker_s = until(lambda: open(wlog_path).read().count('"redis_connected"') >= 3 and
                         '"started"' in open(wlog_path).read(), 120, "answer24-worker started")
        t0 = time.monotonic()
        subprocess.run([os.path.join(bin_dir, "answer24ctl"), "ping"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        ctl_s = time.monotonic() - t0
        for p in (web, worker):
            p.send_signal(signal.SIGTERM)
            p.wait(30)
    finally:
        red.send_signal(signal.SIGTERM)
        red.wait(120)
    print("STARTUP tickets=%d keys=%d used_memory_mb=%.0f bytes_per_ticket=%.0f "
          "texts_per_ticket=%.0f beside_texts=%.0f load_s=%.1f redis_load_s=%.2f "
          "web_ready_s=%.3f worker_started_s=%.3f ctl_ping_s=%.3f" %
          (count, keys, used / 1e6, used / count, texts / count, (used - texts) / count, load_s,
           redis_s, web_s, worker_s, ctl_s))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
