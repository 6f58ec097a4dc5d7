"""summarize: the headline figures of tests/bench/run-all's logs as one Markdown table.

  summarize.py DIR      DIR is build-bench/run-all (intake.log, routing.log, ...)

Reads only what the benchmarks print for people (their tables and KEY=value lines);
a benchmark whose log is missing is left out, one that printed no figure says so.
"""

import os
import re
import sys


def read(d, name):
    try:
        with open(os.path.join(d, name + ".log"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def keyvals(text, tag):
    m = re.search(r"^%s (.*)$" % tag, text or "", re.M)
    return dict(kv.split("=", 1) for kv in m.group(1).split()) if m else None


def intake(text):
    rows = {}
    for line in text.splitlines():
        c = cells(line) if line.startswith("| ") else []
        if c and re.match(r"(answer24|peer|baseline)-\d+$", c[0]):
            rows[c[0]] = c
    rounds = [cells(l) for l in text.splitlines() if re.match(r"^\| \d+ \| [\d.]+ \|", l)]
    if not rounds:
        return [("intake", "no figures printed (see the log)")]
    ratios = ", ".join(r[1] for r in rounds)
    a24 = [rows[k] for k in sorted(rows) if k.startswith("answer24")]
    peer = [rows[k] for k in sorted(rows) if k.startswith("peer")]
    base = [rows[k] for k in sorted(rows) if k.startswith("baseline")]
    return [
        ("intake, questions a second (answer24 / peer / h2o ceiling), per round",
         "; ".join("%s / %s / %s" % (a[1], p[1], b[1]) for a, p, b in zip(a24, peer, base))),
        ("intake, answer24 ÷ peer, per round (target ≥ 3)", ratios),
        ("intake, answer24 p99 per round (target < 10 ms)", ", ".join(a[3] for a in a24)),
        ("Redis CPU per ticket, µs (target ≤ 60)", ", ".join(a[6] for a in a24)),
        ("front-end CPU per question, µs (peer)", "%s (%s)" % (", ".join(a[8] for a in a24),
                                                               ", ".join(p[8] for p in peer))),
    ]


def routing(text):
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| questions (201)") and i + 2 < len(lines):
            c = cells(lines[i + 2])
            return [("submit → offered at 500/s: p50, p99 (target p99 < 20 ms); never offered",
                     "%s, %s; %s" % (c[4], c[6], c[3]))]
    return [("submit → offered", "no figures printed (see the log)")]


def deadline(text):
    out = []
    for line in text.splitlines():
        c = cells(line) if line.startswith("| spread-") or line.startswith("| burst-") else []
        if c and c[0].startswith("spread"):
            out.append(("deadline %s (%s engine(s)): lateness p99, missed, doubled (target p99 < "
                        "250 ms, 0 missed)" % (c[0], c[1]), "%s, %s, %s" % (c[7], c[5], c[4])))
    return out or [("deadline", "no figures printed (see the log)")]


def main(d):
    rows = []
    for name, fn in (("intake", intake), ("routing", routing), ("deadline", deadline)):
        text = read(d, name)
        if text is not None:
            rows += fn(text)
    store = keyvals(read(d, "memory"), "STORE")
    if store:
        rows.append(("Redis memory per open ticket beside its texts, %s tickets (target ≤ 1 KiB)"
                     % store["tickets"], "%s B (hash %s, audit %s, schedule %s, open %s, pools %s,"
                     " intake entry %s until the router trims it)" %
                     (store["beside_texts"], store["hash"], store["audit"], store["schedule"],
                      store["open"], store["pools"], store["intake"])))
    up = keyvals(read(d, "startup"), "STARTUP")
    if up:
        rows.append(("%s open tickets: Redis memory per ticket, with texts / beside them" %
                     up["tickets"], "%s B / %s B" % (up["bytes_per_ticket"],
                                                    up.get("beside_texts", "-"))))
        rows.append(("start-up with %s open tickets: Redis loading its AOF, answer24-web ready, "
                     "answer24-worker started, answer24ctl ping" % up["tickets"],
                     "%s s, %s s, %s s, %s s" % (up["redis_load_s"], up["web_ready_s"],
                                                 up["worker_started_s"], up["ctl_ping_s"])))
    print("| figure | measured |\n| --- | --- |")
    for k, v in rows:
        print("| %s | %s |" % (k, v))


if __name__ == "__main__":
    main(sys.argv[1])
