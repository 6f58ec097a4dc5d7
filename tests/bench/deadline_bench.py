#!/usr/bin/env python3
"""deadline_bench.py: the Redis side of tests/bench/deadline.sh (stdlib only).

    load  --port P --count N --lead-ms L --spread-ms S --ids FILE
          Creates N queued tickets the way proto/scripts/submit.lua leaves them for the
          deadline engine (the hash fields deadline_fire.lua and _lib.lua's ticket_load
          read, and one a24:schedule entry each), due uniformly over [T0+L, T0+L+S) in
          Redis' own clock (T0 = Redis TIME when loading starts; S = 0: all at T0+L).
          Measures used_memory before, after the schedule entries alone, and after the
          hashes. Writes "<id> <due ms>" lines to FILE and prints one JSON object.
    wait  --port P --until-ms T
          Polls ZCARD a24:schedule until it is 0 or Redis' clock passes T; prints JSON.
    check --port P --ids FILE [--start-ms T]
          Reads every alert hash a24:alert:1..a24:alerts:seq and matches it to the
          tickets in FILE: fired, doubled, missed, lateness (alert created minus the
          step's due ms) percentiles, throughput (steps fired per second from the
          first due step, or from T if later, to the last alert). Prints one JSON
          object.

Only 127.0.0.1. One raw RESP connection, pipelined.
"""
import json
import random
import sys
import time

from benchresp import Redis, RespError, pct, run_commands  # noqa: E402,F401

CATEGORIES = ["depression", "anxiety", "stress", "sleep", "family", "disaster", "other"]
LANGUAGES = ["ko", "zh", "en"]
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"  # proto/secret.c: lower-case Crockford
SCHEDULE = "a24:schedule"


def ticket_id(rng):
    return "".join(rng.choice(CROCKFORD) for _ in range(16))


def cmd_load(a):
    r = Redis(a.port)
    if r.call("EXISTS", SCHEDULE):
        sys.exit("deadline_bench: a24:schedule is not empty; use a fresh Redis")
    rng = random.Random(a.seed)
    mem0 = r.used_memory()
    t0 = r.now_ms()
    ids, seen = [], set()
    while len(ids) < a.count:
        i = ticket_id(rng)
        if i not in seen:
            seen.add(i)
            ids.append(i)
    due = [t0 + a.lead_ms + (int(rng.random() * a.spread_ms) if a.spread_ms > 0 else 0)
           for _ in ids]

    # The schedule entries first, alone, to measure what one entry costs.
    cmds = []
    for k in range(0, a.count, 500):
        args = ["ZADD", SCHEDULE]
        for i, d in zip(ids[k:k + 500], due[k:k + 500]):
            args += [d, i]
        cmds.append(args)
    r.pipeline(cmds, chunk=50)
    mem1 = r.used_memory()

    # Then the hashes, with the fields submit.lua writes that the engine reads (created
    # is the load time and window = due - created, so the single 100% step is at due).
    # Left out: code, q, sc, risk (the sealed texts and the code hash), the audit list,
    # the intake stream entry and the open/pool indexes: the engine never reads them.
    cmds = []
    for i, d in zip(ids, due):
        cmds.append(["HSET", "a24:t:" + i, "state", "queued",
                     "category", rng.choice(CATEGORIES), "language", rng.choice(LANGUAGES),
                     "crisis", 0, "green", 0, "created", t0, "due", d, "window", d - t0,
                     "step", 0, "step_at", d, "attempt", 0, "followups", 0])
    r.pipeline(cmds)
    mem2 = r.used_memory()
    t1 = r.now_ms()
    zset_usage = r.call("MEMORY", "USAGE", SCHEDULE, "SAMPLES", "0")
    sample = rng.sample(ids, 200)
    hash_usage = sum(r.call("MEMORY", "USAGE", "a24:t:" + i) for i in sample) / len(sample)
    card = r.call("ZCARD", SCHEDULE)
    with open(a.ids, "w") as f:
        for i, d in zip(ids, due):
            f.write("%s %d\n" % (i, d))
    print(json.dumps({
        "count": a.count, "scheduled": card, "t0": t0, "loaded_at": t1,
        "first_due": min(due), "last_due": max(due),
        "load_ms": t1 - t0, "lead_left_ms": min(due) - t1,
        "mem_before": mem0, "mem_zadd": mem1, "mem_full": mem2,
        "bytes_zadd": (mem1 - mem0) / a.count, "bytes_full": (mem2 - mem0) / a.count,
        "bytes_hash": (mem2 - mem1) / a.count,
        "memory_usage_zset_per_entry": zset_usage / a.count,
        "memory_usage_hash_avg": hash_usage,
        "hash_encoding": r.call("OBJECT", "ENCODING", "a24:t:" + ids[0]),
        "zset_encoding": r.call("OBJECT", "ENCODING", SCHEDULE),
    }))


def cmd_wait(a):
    r = Redis(a.port)
    while True:
        left = r.call("ZCARD", SCHEDULE)
        now = r.now_ms()
        if left == 0 or now >= a.until_ms:
            print(json.dumps({"left": left, "at": now}))
            return
        time.sleep(0.1)


def cmd_check(a):
    r = Redis(a.port)
    due = {}
    with open(a.ids) as f:
        for line in f:
            i, d = line.split()
            due[i] = int(d)
    min_due = min(due.values())
    seq = int(r.call("GET", "a24:alerts:seq") or 0)
    replies = r.pipeline([["HMGET", "a24:alert:%d" % n, "ticket", "created", "kind", "level"]
                          for n in range(1, seq + 1)])
    per_ticket = {}
    stray, kinds, created_all = 0, {}, []
    lateness = []
    worst = {}  # second of due time (from the first due step) -> its largest lateness
    for ticket, created, kind, level in replies:
        kinds[kind] = kinds.get(kind, 0) + 1
        if ticket not in due:
            stray += 1
            continue
        per_ticket[ticket] = per_ticket.get(ticket, 0) + 1
        if per_ticket[ticket] == 1:
            c = int(created)
            created_all.append(c)
            lateness.append(c - due[ticket])
            sec = (due[ticket] - min_due) // 1000
            worst[sec] = max(worst.get(sec, 0), c - due[ticket])
    doubled = sum(n - 1 for n in per_ticket.values() if n > 1)
    missed = len(due) - len(per_ticket)
    lateness.sort()
    # The tickets as the engine left them: step 1 and breached, off the schedule.
    steps = r.pipeline([["HMGET", "a24:t:" + i, "step", "breached"] for i in due])
    not_stepped = sum(1 for s, b in steps if s != "1" or b is None)
    first_due = min(due.values())
    # From the first due step, or from the engine's start when all were due before it.
    begin = max(first_due, a.start_ms or 0)
    last = max(created_all) if created_all else begin
    span = max(1, last - begin)
    stats = r.call("HGETALL", "a24:stats")
    stats = dict(zip(stats[::2], stats[1::2]))
    early = sum(1 for x in lateness if x < 0)
    print(json.dumps({
        "tickets": len(due), "alerts": seq, "fired": len(per_ticket), "doubled": doubled,
        "missed": missed, "stray_alerts": stray, "kinds": kinds, "early": early,
        "not_stepped": not_stepped, "schedule_left": r.call("ZCARD", SCHEDULE),
        "stats_breaches": int(stats.get("breaches", 0)),
        "stats_alerts_breach": int(stats.get("alerts_breach", 0)),
        "p50": pct(lateness, 50), "p90": pct(lateness, 90), "p99": pct(lateness, 99),
        "p999": pct(lateness, 99.9), "max": lateness[-1] if lateness else None,
        "mean": round(sum(lateness) / len(lateness), 2) if lateness else None,
        "min": lateness[0] if lateness else None,
        "first_due": first_due, "last_alert": last, "span_ms": span,
        "throughput": round(len(per_ticket) * 1000 / span),
        # Whether lateness is spread evenly or comes in episodes (stalls).
        "seconds_over_100ms": sum(1 for v in worst.values() if v > 100),
        "seconds_total": len(worst),
        "worst_seconds": " ".join("%ds:%dms" % (k, v) for k, v in
                                  sorted(worst.items(), key=lambda kv: -kv[1])[:3]),
    }))


def main():
    run_commands(__doc__, {
        "load": (cmd_load, {"--port": int, "--count": 100000, "--lead-ms": 10000,
                            "--spread-ms": 60000, "--seed": 24, "--ids": str}),
        "wait": (cmd_wait, {"--port": int, "--until-ms": int}),
        "check": (cmd_check, {"--port": int, "--ids": str, "--start-ms": (
            0, "Redis time the engines started (throughput of a backlog)")}),
    })


if __name__ == "__main__":
    main()
