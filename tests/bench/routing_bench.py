#!/usr/bin/env python3
"""routing_bench.py: the load and the measurements of tests/bench/routing.sh (stdlib only).

    duty     --http-port P --users FILE
             Signs every "<username> <password>" line of FILE in (POST /api/v1/session)
             and puts the expert on duty (PUT /api/v1/me/duty), four at a time; a
             sign-in answered 503 is tried again (up to 5 times) and listed. Prints one
             JSON object; exits non-zero if any of them failed.
    collect  --port P --out FILE --stop FILE
             Follows the live event stream a24:events from its first entry with XREAD
             (its own connection, BLOCK 200 COUNT 1000), because the stream is capped at
             about 10 000 entries (_lib.lua live()). Writes "<type> <ticket> <owner>
             <at> <id>" for each event about a ticket to --out. When the --stop file
             appears it reads on until the stream has nothing more, then prints one JSON
             object (events by type, the largest gap between Redis' clock and an
             "offered" event when read).
    generate --http-port P --rate R --duration S --conns C --out FILE
             Open loop: request i is due at T0 + i/R, whatever happened before; C
             keep-alive connections in threads, the next free one sending the next
             request at its due time. Each request POSTs a question (category, language, text, green channel
             and self-check vary; no risk phrase, so no crisis). Writes "<i> <ticket>"
             for every 201 to --out and prints one JSON object: counts by status, the
             achieved rate, the 201 latency measured from the request's due time
             (corrected for coordinated omission) and from its actual send, and how late
             sends were.
    drain    --port P --timeout S
             Waits until the router's consumer group on a24:intake has nothing pending
             and nothing unread (XINFO GROUPS: pending 0, lag 0). Prints one JSON object.
    report   --port P --tickets FILE --events FILE --experts FILE
             Joins the 201 tickets with their "offered" events: latency = the event's
             "at" - the ticket hash's "created" (both Redis TIME, ms). Cross-checks each
             against the ticket's audit trail ("<ms> router offer queued offered"), and
             counts tickets never offered, offered twice, and the offers per expert
             (events, and a24:load); where submit.lua emits a "queued" event, checks that
             its "at" is the ticket's "created". Prints one JSON object.

Only 127.0.0.1.
"""
import http.client
import json
import os
import re
import socket
import sys
import threading
import time

from benchresp import Redis, RespError, pct, run_commands  # noqa: E402,F401

CATEGORIES = ["depression", "anxiety", "stress", "sleep", "family", "disaster", "other"]
LANGUAGES = ["ko", "zh", "en"]
EVENTS = "a24:events"
INTAKE = "a24:intake"

# Texts per language, none of them a risk phrase of proto/data/risk/*.txt (the plain
# "none" lines of proto/data/screening_examples.tsv and post.lua's English sentences;
# no idioms of the "…to death" kind, so screening has nothing to weigh).
TEXTS = {
    "ko": [
        "요즘 잠을 잘 못 자요. 상담 받아보고 싶어요.",
        "시험 때문에 스트레스가 많아요",
        "친구랑 싸워서 속상해요",
        "회사를 그만두고 싶어요",
        "불안해서 심장이 자꾸 두근거려요",
    ],
    "zh": [
        "我最近睡不好，总是很焦虑",
        "考试压力很大，怎么办",
        "和男朋友吵架了，心里很难受",
        "我想换工作",
    ],
    "en": [
        "For about %d weeks I have been waking up at 4am and cannot fall asleep again.",
        "Since the move %d months ago I feel tense most evenings and my chest feels tight.",
        "My manager changed %d times this year and I worry all the time about my job.",
        "My teenage son and I argue %d times a week now and I do not know how to reach him.",
    ],
}
EN_MORE = [
    " During the day I am tired, I forget small things at work and I snap at people I love.",
    " I still go to work and see friends, but everything takes much more effort than before.",
    " I tried less coffee, a walk after dinner and no phone in bed, and it helped only a bit.",
]


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat) - 1, 2)}


def fmt_ms(v):
    return None if v is None else round(v, 2)


# ------------------------------------------------------------------ duty

def http_json(conn, method, path, doc=None, token=None):
    headers = {}
    body = None
    if doc is not None:
        body = json.dumps(doc).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return resp.status, parsed


def cmd_duty(a):
    users = []
    with open(a.users) as f:
        for line in f:
            if line.strip():
                u, pw = line.split(None, 1)
                users.append((u, pw.strip()))
    lock = threading.Lock()
    failures = []
    retried = []
    on = []

    def one(u, pw):
        conn = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=30)
        try:
            # A 503 here is the front end's request timeout running out while Argon2id
            # waits for the CPU (a busy machine), not Redis: retried, and counted.
            for attempt in range(5):
                st, doc = http_json(conn, "POST", "/api/v1/session", {"username": u, "password": pw})
                if st != 503:
                    break
                with lock:
                    retried.append("%s: %s" % (u, (doc or {}).get("error", {}).get("code")))
                time.sleep(1)
            if st != 200 or not doc or "token" not in doc:
                return "%s: sign-in %s %s" % (u, st, doc)
            st, doc2 = http_json(conn, "PUT", "/api/v1/me/duty", {"on_duty": True}, doc["token"])
            if st != 200 or not doc2 or doc2.get("on_duty") is not True:
                return "%s: duty %s %s" % (u, st, doc2)
            return None
        except (OSError, http.client.HTTPException) as e:
            return "%s: %s" % (u, e)
        finally:
            conn.close()

    queue = list(users)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                u, pw = queue.pop()
            err = one(u, pw)
            with lock:
                (failures.append(err) if err else on.append(u))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"on_duty": len(on), "failures": failures, "sign_in_503": retried}))
    sys.exit(1 if failures else 0)


# ------------------------------------------------------------------ collect

def cmd_collect(a):
    r = Redis(a.port, timeout=None)
    last = "0-0"
    by_type = {}
    offered = 0
    max_read_lag = 0  # ms between an offered event's "at" and the collector reading it
    reads = 0
    out = open(a.out, "w", buffering=1 << 16)
    stopping = False
    while True:
        if not stopping and os.path.exists(a.stop):
            stopping = True
        if stopping:
            reply = r.call("XREAD", "COUNT", 1000, "STREAMS", EVENTS, last)
        else:
            reply = r.call("XREAD", "COUNT", 1000, "BLOCK", 200, "STREAMS", EVENTS, last)
        if not reply:
            if stopping:
                break
            continue
        reads += 1
        now = r.now_ms()
        for eid, flat in reply[0][1]:
            last = eid
            f = pairs(flat)
            kind = f.get("type", "?")
            by_type[kind] = by_type.get(kind, 0) + 1
            if kind == "offered":
                offered += 1
                at = int(f.get("at", "0"))
                max_read_lag = max(max_read_lag, now - at)
            if "ticket" in f:
                out.write("%s %s %s %s %s\n" % (kind, f["ticket"], f.get("owner") or "-",
                                                f.get("at", "0"), eid))
    out.close()
    print(json.dumps({"events_by_type": by_type, "offered_events": offered, "reads": reads,
                      "max_read_lag_ms": max_read_lag, "xlen_at_end": r.call("XLEN", EVENTS)}))


# ------------------------------------------------------------------ generate

def question(i):
    lang = LANGUAGES[i % 3]
    cat = CATEGORIES[(i // 3) % len(CATEGORIES)]
    texts = TEXTS[lang]
    t = texts[(i // 21) % len(texts)]
    if lang == "en":
        t = (t % (2 + i % 7)) + EN_MORE[(i // 5) % len(EN_MORE)]
    t += " (%d)" % i
    doc = {"text": t, "category": cat, "language": lang, "green_channel": i % 10 == 0}
    if i % 4 == 1:
        doc["selfcheck"] = {"gad7": [i % 4, 1, 2, 1, 0, (i // 4) % 4, 1]}
    return json.dumps(doc, ensure_ascii=False).encode()


TICKET_RE = re.compile(rb'"ticket"\s*:\s*"([^"]+)"')


def cmd_generate(a):
    total = int(a.rate * a.duration)
    bodies = [question(i) for i in range(total)]  # built up front: no work on the clock
    headers = {"Content-Type": "application/json"}
    results = [None] * total  # (status, due, sent, done, ticket)
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(a.conns + 1)
    t0_box = [0.0]

    def connect():
        c = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=10)
        c.connect()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    next_i = [0]

    def worker(k):
        conn = connect()
        start.wait()
        t0 = t0_box[0]
        while True:
            # Whichever connection is free takes the next request, so one slow answer
            # holds up only its own connection; a request is sent late only when all
            # connections are busy (the server is behind) or the generator itself was
            # off the CPU ("own lateness": sent - max(due, when a connection was free)).
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= total:
                break
            taken = time.monotonic()
            due = t0 + i / a.rate
            d = due - taken
            if d > 0:
                time.sleep(d)
            sent = time.monotonic()
            try:
                conn.request("POST", "/api/v1/questions", body=bodies[i], headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                done = time.monotonic()
                ticket = None
                if resp.status == 201:
                    m = TICKET_RE.search(data)
                    ticket = m.group(1).decode() if m else None
                results[i] = (resp.status, due, sent, done, ticket, taken)
                if resp.will_close:
                    conn.close()
                    conn = connect()
            except (OSError, http.client.HTTPException) as e:
                results[i] = ("error", due, sent, time.monotonic(), None, taken)
                with lock:
                    errors.append("%d: %s" % (i, e))
                try:
                    conn.close()
                    conn = connect()
                except OSError:
                    pass
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(a.conns)]
    for t in threads:
        t.start()
    t0_box[0] = time.monotonic() + 0.2
    start.wait()
    for t in threads:
        t.join(timeout=a.duration + 60)
    hung = sum(1 for t in threads if t.is_alive())

    by_status = {}
    lat_due, lat_sent, send_late, own_late = [], [], [], []
    first_sent = last_sent = None
    created = 0
    with open(a.out, "w") as out:
        for i, r in enumerate(results):
            if r is None:
                by_status["not_sent"] = by_status.get("not_sent", 0) + 1
                continue
            st, due, sent, done, ticket, taken = r
            own_late.append((sent - max(due, taken)) * 1000)
            by_status[str(st)] = by_status.get(str(st), 0) + 1
            first_sent = sent if first_sent is None else min(first_sent, sent)
            last_sent = sent if last_sent is None else max(last_sent, sent)
            send_late.append((sent - due) * 1000)
            if st == 201:
                lat_due.append((done - due) * 1000)
                lat_sent.append((done - sent) * 1000)
                if ticket:
                    created += 1
                    out.write("%d %s\n" % (i, ticket))
    # The seconds of the schedule in which sends were most behind (due time from T0).
    worst = {}
    for r in results:
        if r is not None:
            sec = int(r[1] - t0_box[0])
            worst[sec] = max(worst.get(sec, 0), (r[2] - r[1]) * 1000)
    worst_seconds = sorted(((v, k) for k, v in worst.items() if v > 10), reverse=True)[:5]
    lat_due.sort()
    lat_sent.sort()
    send_late.sort()
    own_late.sort()
    span = (last_sent - first_sent) if first_sent is not None else 0
    n201 = by_status.get("201", 0)
    print(json.dumps({
        "scheduled": total, "rate_target": a.rate, "conns": a.conns, "by_status": by_status,
        "created": n201, "tickets_parsed": created, "errors": errors[:10], "hung_threads": hung,
        "send_span_s": round(span, 3),
        # requests 0..n-1 were sent over n-1 intervals
        "achieved_rate": round((total - 1) / span, 1) if span > 0 else None,
        "achieved_rate_201": round(n201 / (span + 1 / a.rate), 1) if span > 0 else None,
        "lat_p50": fmt_ms(pct(lat_due, 50)), "lat_p99": fmt_ms(pct(lat_due, 99)),
        "lat_p999": fmt_ms(pct(lat_due, 99.9)), "lat_max": fmt_ms(lat_due[-1] if lat_due else None),
        "svc_p50": fmt_ms(pct(lat_sent, 50)), "svc_p99": fmt_ms(pct(lat_sent, 99)),
        "svc_max": fmt_ms(lat_sent[-1] if lat_sent else None),
        "send_late_p50": fmt_ms(pct(send_late, 50)), "send_late_p99": fmt_ms(pct(send_late, 99)),
        "send_late_max": fmt_ms(send_late[-1] if send_late else None),
        "sends_over_10ms_late": sum(1 for x in send_late if x > 10),
        "own_late_p99": fmt_ms(pct(own_late, 99)), "own_late_max": fmt_ms(own_late[-1] if own_late else None),
        "worst_send_seconds": ["%ds:%.0fms" % (k, v) for v, k in sorted(worst_seconds, key=lambda x: x[1])],
        "cpu_s": round(time.process_time(), 2),
    }))


# ------------------------------------------------------------------ drain

def cmd_drain(a):
    r = Redis(a.port)
    t0 = time.monotonic()
    info = {}
    while True:
        groups = r.call("XINFO", "GROUPS", INTAKE)
        info = {}
        for g in groups:
            d = pairs(g)
            if d.get("name") == "router":
                info = d
        if info and int(info.get("pending", 1)) == 0 and info.get("lag") == 0:
            break
        if time.monotonic() - t0 > a.timeout:
            break
        time.sleep(0.1)
    drained = bool(info) and int(info.get("pending", 1)) == 0 and info.get("lag") == 0
    print(json.dumps({"drained": drained, "waited_ms": round((time.monotonic() - t0) * 1000),
                      "pending": info.get("pending"), "lag": info.get("lag")}))


# ------------------------------------------------------------------ report

def cmd_report(a):
    r = Redis(a.port)
    tickets = []
    with open(a.tickets) as f:
        for line in f:
            i, t = line.split()
            tickets.append((int(i), t))
    experts = []
    with open(a.experts) as f:
        for line in f:
            if line.strip():
                experts.append(line.split()[0])
    offers = {}  # ticket -> [(at, owner)]
    queued_at = {}  # ticket -> at of its "queued" event (submit.lua, when it has one)
    other_events = {}
    offers_by_owner = {}
    with open(a.events) as f:
        for line in f:
            kind, t, owner, at, _eid = line.split()
            if kind == "offered":
                offers.setdefault(t, []).append((int(at), owner))
                offers_by_owner[owner] = offers_by_owner.get(owner, 0) + 1
            elif kind == "queued":
                queued_at[t] = int(at)
            else:
                other_events[kind] = other_events.get(kind, 0) + 1

    ids = [t for _, t in tickets]
    hashes = r.pipeline([("HMGET", "a24:t:" + t, "created", "state", "owner", "crisis")
                         for t in ids])
    audits = r.pipeline([("LRANGE", "a24:t:%s:audit" % t, 0, -1) for t in ids])

    lat, rows = [], []
    never, twice, audit_mismatch, not_offered_state, crisis, missing_hash = [], 0, 0, 0, 0, 0
    owner_mismatch = queued_seen = queued_mismatch = 0
    offered_not_in_events = []
    for (i, t), h, au in zip(tickets, hashes, audits):
        created, state, owner, cr = h
        if created is None:
            missing_hash += 1
            continue
        created = int(created)
        if t in queued_at:
            queued_seen += 1
            if queued_at[t] != created:
                queued_mismatch += 1
        if cr == "1":
            crisis += 1
        if state != "offered":
            not_offered_state += 1
        audit_offer = [int(x.split()[0]) for x in au if x.split()[2:3] == ["offer"]]
        ev = offers.get(t)
        if not ev:
            if audit_offer:
                offered_not_in_events.append(t)
            else:
                never.append(t)
            continue
        if len(ev) > 1:
            twice += 1
        at, who = ev[0]
        if not audit_offer or audit_offer[0] != at:
            audit_mismatch += 1
        if who != owner:
            owner_mismatch += 1
        lat.append(at - created)
        rows.append((created, at - created))

    lat.sort()
    rows_c0 = min(c for c, _ in rows) if rows else 0
    # Latency over time: by the second of the run in which the ticket was created.
    per_window = []
    if rows:
        c0 = min(c for c, _ in rows)
        c1 = max(c for c, _ in rows)
        win = 10000
        for w0 in range(c0, c1 + 1, win):
            v = sorted(l for c, l in rows if w0 <= c < w0 + win)
            if v:
                per_window.append({"from_s": (w0 - c0) // 1000, "n": len(v), "p50": pct(v, 50),
                                   "p99": pct(v, 99), "max": v[-1]})
        created_span_ms = c1 - c0
    else:
        created_span_ms = 0
    # Accepted per second (Redis' clock): the steadiness of the load Redis saw.
    per_sec = {}
    for c, _ in rows:
        per_sec[c // 1000] = per_sec.get(c // 1000, 0) + 1
    secs = sorted(per_sec)
    inner = [per_sec[s] for s in secs[1:-1]] or [0]  # first and last seconds are partial
    # Seconds (from the first ticket's created) with a slow offer or few acceptances.
    sec_max = {}
    for c, l in rows:
        k = (c - rows_c0) // 1000 if rows else 0
        sec_max[k] = max(sec_max.get(k, 0), l)
    uneven = []
    for k in sorted(sec_max):
        if sec_max[k] > 100:
            uneven.append("%ds:max %dms" % (k, sec_max[k]))
    low = ["%ds:%d" % (s - secs[0], per_sec[s]) for s in secs[1:-1]
           if per_sec[s] < 0.9 * len(rows) * 1000 / max(1, created_span_ms)]

    load = pairs(r.call("HGETALL", "a24:load"))
    per_expert = [offers_by_owner.get(e, 0) for e in experts]
    load_vals = [int(load.get(e, 0)) for e in experts]
    strangers = sorted(set(offers_by_owner) - set(experts))
    intake_groups = [pairs(g) for g in r.call("XINFO", "GROUPS", INTAKE)]
    print(json.dumps({
        "tickets": len(tickets), "missing_hash": missing_hash, "crisis": crisis,
        "offered": len(lat), "never_offered": len(never), "never_offered_sample": never[:5],
        "offered_without_event": len(offered_not_in_events),
        "offered_without_event_sample": offered_not_in_events[:5],
        "queued_events": queued_seen, "queued_at_not_created": queued_mismatch,
        "other_ticket_events": other_events,
        "offered_twice": twice, "state_not_offered": not_offered_state,
        "audit_mismatch": audit_mismatch, "owner_mismatch": owner_mismatch,
        "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "p999": pct(lat, 99.9),
        "max": lat[-1] if lat else None, "min": lat[0] if lat else None,
        "mean": round(sum(lat) / len(lat), 2) if lat else None,
        "over_100ms": sum(1 for x in lat if x > 100), "over_1s": sum(1 for x in lat if x > 1000),
        "windows": per_window,
        "created_span_ms": created_span_ms,
        "redis_rate": round((len(rows) - 1) * 1000 / created_span_ms, 1) if created_span_ms else None,
        "accepted_per_s_min": min(inner), "accepted_per_s_max": max(inner),
        "created_first_ms": rows_c0, "slow_offer_seconds": uneven[:10],
        "low_acceptance_seconds": low[:10],
        "experts": len(experts), "experts_with_offers": sum(1 for x in per_expert if x > 0),
        "offers_per_expert_min": min(per_expert) if per_expert else None,
        "offers_per_expert_max": max(per_expert) if per_expert else None,
        "load_min": min(load_vals) if load_vals else None,
        "load_max": max(load_vals) if load_vals else None,
        "offers_to_strangers": strangers[:5],
        "intake_groups": [{k: g.get(k) for k in ("name", "consumers", "pending", "lag")}
                          for g in intake_groups],
        "intake_len": r.call("XLEN", INTAKE),
        "stats": pairs(r.call("HGETALL", "a24:stats")),
        "alerts": r.call("GET", "a24:alerts:seq") or "0",
    }))


def main():
    run_commands(__doc__, {
        "duty": (cmd_duty, {"--http-port": int, "--users": str}),
        "collect": (cmd_collect, {"--port": int, "--out": str, "--stop": str}),
        "generate": (cmd_generate, {"--http-port": int, "--rate": 500.0, "--duration": 60.0,
                                    "--conns": 32, "--out": str}),
        "drain": (cmd_drain, {"--port": int, "--timeout": 30.0}),
        "report": (cmd_report, {"--port": int, "--tickets": str, "--events": str,
                                "--experts": str}),
    })


if __name__ == "__main__":
    main()
