"""store_bench: what Redis itself spends on tickets, driven through the submit function
(FCALL a24_submit, as answer24-web calls it) without the front end. Run by store.sh.

  memory PORT COUNT          COUNT open tickets: Redis memory per ticket, with and
                             beside its texts, and where it goes (MEMORY USAGE)
  rewrite PORT COUNT RATE S  COUNT tickets already stored, then S seconds of RATE
                             submissions a second, one at a time; BGREWRITEAOF after a
                             second: the latency of every call before, during and after
                             the rewrite, and Redis' own view (fork time, delayed fsyncs)

The arguments are as long as the front end's: a 16-character id, a sealed question of
360-430 bytes plus the 40-byte seal, a sealed GAD-7 self-check on every third ticket, a
32-byte code hash. Prints one line "STORE key=value ..." that store.sh reads.
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchresp import Redis, pct  # noqa: E402

SEAL = 40
# submit.lua's shared keys, then each question's five (see its header).
SHARED_KEYS = ["a24:intake", "a24:schedule", "a24:stats", "a24:rate:intake:desk"]
TICKET_KEYS = ["a24:t:%s", "a24:t:%s:audit", "a24:idem:none", "a24:rate:submit:-",
               "a24:rate:crisis:-"]
# idempotency ttl, rate limit (none), rate window, crisis allowance, budget (none),
# budget window; then the number of questions.
SHARED_ARGS = [86400000, 0, 3600000, 0, 0, 60000]
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CATEGORIES = ["sleep", "anxiety", "stress", "family", "depression", "other"]


def submit(rng, n):
    """One FCALL a24_submit of one question, as the front end makes it when a question
    comes alone; returns (command, text bytes)."""
    tid = "".join(rng.choice(ALPHABET) for _ in range(16))
    q = os.urandom(rng.randint(360, 430) + SEAL)
    sc = os.urandom(30 + SEAL) if n % 3 == 0 else b""
    keys = SHARED_KEYS + [k % tid if "%s" in k else k for k in TICKET_KEYS]
    args = SHARED_ARGS + [1, tid, CATEGORIES[n % len(CATEGORIES)], "en", "0", "none",
                          "1" if n % 10 == 0 else "0", 86400000, 250, os.urandom(32), q, sc,
                          "0", os.urandom(32), os.urandom(60)]
    return ["FCALL", "a24_submit", len(keys)] + keys + args, len(q) + len(sc)


def fill(r, rng, count, start=0):
    texts = 0
    batch = []
    for n in range(start, start + count):
        cmd, t = submit(rng, n)
        texts += t
        batch.append(cmd)
        if len(batch) == 1000:
            r.pipeline(batch)
            batch = []
    if batch:
        r.pipeline(batch)
    return texts


def usage(r, key):
    v = r.call("MEMORY", "USAGE", key, "SAMPLES", "0")
    return v or 0


def memory(port, count):
    r = Redis(port, timeout=120)
    rng = random.Random(1)
    before = r.used_memory()
    texts = fill(r, rng, count)
    after = r.used_memory()
    per = (after - before) / count
    text_per = texts / count
    # Where it goes: a sample of tickets' own keys, and the shared indexes per ticket.
    ids = r.call("ZRANGE", "a24:schedule", 0, 999)
    h = sum(usage(r, "a24:t:%s" % i) for i in ids) / len(ids)
    a = sum(usage(r, "a24:t:%s:audit" % i) for i in ids) / len(ids)
    shared = {k: usage(r, k) / count for k in
              ["a24:schedule", "a24:open", "a24:intake", "a24:events", "a24:pool:sleep:en"]}
    pools = sum(usage(r, "a24:pool:%s:en" % c) for c in CATEGORIES) / count
    enc = r.call("OBJECT", "ENCODING", "a24:t:%s" % ids[0])
    print("STORE tickets=%d per_ticket=%.0f texts=%.0f beside_texts=%.0f hash=%.0f "
          "audit=%.0f schedule=%.0f open=%.0f pools=%.0f intake=%.0f events=%.0f "
          "hash_encoding=%s keys=%d" %
          (count, per, text_per, per - text_per, h, a, shared["a24:schedule"],
           shared["a24:open"], pools, shared["a24:intake"], shared["a24:events"], enc,
           r.call("DBSIZE")))


def info(r, section):
    out = {}
    for line in r.call("INFO", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def rewrite(port, count, rate, seconds):
    r = Redis(port, timeout=120)
    watch = Redis(port, timeout=120)
    rng = random.Random(2)
    fill(r, rng, count)
    lat = {"before": [], "during": [], "after": []}
    phase, started, n = "before", None, count
    t0 = time.monotonic()
    next_at = t0
    rewrite_s = 0.0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += 1.0 / rate
        if phase == "before" and now - t0 >= 1.0:
            watch.call("BGREWRITEAOF")
            phase, started = "during", time.monotonic()
        cmd, _ = submit(rng, n)
        n += 1
        s = time.monotonic()
        r.call(*cmd)
        lat[phase].append((time.monotonic() - s) * 1000)
        if phase == "during" and n % 25 == 0:
            if info(watch, "persistence").get("aof_rewrite_in_progress") == "0":
                phase, rewrite_s = "after", time.monotonic() - started
    p = info(watch, "persistence")
    st = info(watch, "stats")
    parts = []
    for k in ("before", "during", "after"):
        v = sorted(lat[k])
        parts.append("%s_n=%d %s_p99_ms=%.1f %s_max_ms=%.1f" %
                     (k, len(v), k, pct(v, 99) or 0, k, v[-1] if v else 0))
    print("STORE rewrite_s=%.1f done=%s %s fork_ms=%.1f delayed_fsync=%s aof_base_mb=%.1f" %
          (rewrite_s, "yes" if phase == "after" else "no", " ".join(parts),
           int(st.get("latest_fork_usec", 0)) / 1000, p.get("aof_delayed_fsync", "?"),
           int(p.get("aof_base_size", 0)) / 1e6))


if __name__ == "__main__":
    if sys.argv[1] == "memory":
        memory(int(sys.argv[2]), int(sys.argv[3]))
    else:
        rewrite(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
