"""Workers and the deadline engine killed and stopped during a steady load, with ledgers.

Three clients submit questions without pause, three experts are on duty (through the
API), two of them keep claiming tickets offered to the first (so claims race offers and
each other), and the windows are compressed: a 10 s answer window, offers that run out
after 2 s, claims after 3 s, a ladder at 30 %, 60 % and 100 %. Meanwhile:

- (a) an all-roles worker is killed with -9 while a second one runs (stopped first until
  Redis has handed its router a batch of intake entries, so that the kill surely leaves
  entries pending with a dead consumer, taken over after 30 s of idleness);
- (b) an all-roles worker is stopped (SIGSTOP) past every offer and lease it could hold,
  seen stopped in /proc, then continued (SIGCONT), while a second one runs;
- (c) the deadline engine (a worker with --role deadline) is killed with -9 while steps
  are due, and started again.

A monitor reads Redis ten times a second in one script (an atomic snapshot) and the
ledgers are computed from Redis, the audit trails and the incident histories after the
load, once the intake is drained and every step has fallen due:

- never routed: a ticket that was never offered, or that is `queued` while no intake
  entry for it is waiting for a router (neither past the group's last delivered id nor
  pending with a consumer, dead or alive). Such a ticket would wait for nobody.
- offered twice: a ticket in two of the `a24:offers:*` / `a24:mine:*` sets at once, a
  set member whose ticket is not in that state with that owner, or an audit trail whose
  moves do not chain (a move from a state the previous move did not leave it in, or an
  `offer` of a ticket that was not queued).
- missed steps: a ladder step whose time has passed (Redis' clock) that is not in the
  ticket's incident history or in its audit trail; early steps: one recorded before its
  time.
- doubled steps: a step recorded twice in either.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
PASSWORD = "worker-faults-password"
WINDOW_MS = 10000
OFFER_MS, LEASE_MS = 2000, 3000
LADDER = [(300, "experts"), (600, "oncall"), (1000, "supervisor")]  # permille, notify
CLIENTS = 3
EXPERTS = ("ann", "ben", "cho")

CONFIG = {
    "deadlines": {"answer": f"{WINDOW_MS}ms", "green_channel": f"{WINDOW_MS}ms",
                  "crisis": f"{WINDOW_MS}ms", "offer_timeout": f"{OFFER_MS}ms",
                  "claim_lease": f"{LEASE_MS}ms"},
    "escalation": [{"at": f"{p / 10:g}%", "notify": n} for p, n in LADDER],
    "alerts": {"poll": "500ms", "ack_timeout": "1h", "crisis_repeat": "1h"},
}

# One atomic look at the offers, the claims and the intake (Redis runs a script alone).
# Returns {snapshot owners seen twice, members whose ticket disagrees, queued tickets
# with no intake entry waiting for a router, tickets in flight}.
SNAPSHOT_LUA = r"""
local function field(kv, name)
  for i = 1, #kv, 2 do if kv[i] == name then return kv[i + 1] end end
end
local seen, twice, wrong = {}, 0, 0
for _, spec in ipairs({{'a24:offers:', {offered = true}},
                       {'a24:mine:', {claimed = true, in_review = true}}}) do
  for _, k in ipairs(redis.call('KEYS', spec[1] .. '*')) do
    local user = string.sub(k, #spec[1] + 1)
    for _, t in ipairs(redis.call('ZRANGE', k, 0, -1)) do
      if seen[t] then twice = twice + 1 end
      seen[t] = true
      local h = redis.call('HMGET', 'a24:t:' .. t, 'state', 'owner')
      if not spec[2][h[1] or ''] or h[2] ~= user then wrong = wrong + 1 end
    end
  end
end
local flight, last = {}, nil
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', 'a24:intake')
if ok then
  for _, g in ipairs(groups) do
    if field(g, 'name') == 'router' then last = field(g, 'last-delivered-id') end
  end
end
local from = last and ('(' .. last) or '-'
if redis.call('EXISTS', 'a24:intake') == 1 then
  for _, e in ipairs(redis.call('XRANGE', 'a24:intake', from, '+')) do
    flight[field(e[2], 'ticket')] = true
  end
end
if last then
  for _, p in ipairs(redis.call('XPENDING', 'a24:intake', 'router', '-', '+', 1000000)) do
    local e = redis.call('XRANGE', 'a24:intake', p[1], p[1])[1]
    if e then flight[field(e[2], 'ticket')] = true end
  end
end
local stranded, in_flight = {}, 0
for _ in pairs(flight) do in_flight = in_flight + 1 end
for _, k in ipairs(redis.call('KEYS', 'a24:pool:*')) do
  for _, t in ipairs(redis.call('ZRANGE', k, 0, -1)) do
    if redis.call('HGET', 'a24:t:' .. t, 'state') == 'queued' and not flight[t] then
      stranded[#stranded + 1] = t
    end
  end
end
return {twice, wrong, stranded, in_flight}
"""


def proc_state(pid):
    """The state letter of /proc/<pid>/stat (R, S, T for stopped, ...)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


class WorkerFaultTest(unittest.TestCase):
    def setUp(self):
        self.stack = a24test.start_stack(self.addCleanup, config=CONFIG)
        self.web = self.stack.web
        self.resp = self.stack.resp()
        self.addCleanup(self.resp.close)
        self.tokens = {}
        for name in EXPERTS:
            self.expert(name)
        self.tickets, self.refused, self.lock = [], [], threading.Lock()
        self.claims = {"ok": 0, "lost": 0, "failed": 0}
        self.snap = {"taken": 0, "twice": 0, "wrong": 0, "stranded": set(), "max_in_flight": 0}
        self.stop_load = threading.Event()
        self.stop_monitor = threading.Event()
        self.threads = []

    # -- the stack

    def worker(self, role="all"):
        w = a24workers.Worker(self.stack, role=role)
        self.addCleanup(self._stop_worker, w)
        return w.start(timeout=20)

    def _stop_worker(self, w):
        if w.proc is not None and w.proc.poll() is None:
            w.proc.send_signal(signal.SIGCONT)  # in case a failed test left it stopped
            self.assertEqual(w.stop(), [], w.log())

    def expert(self, name):
        p = subprocess.run([CTL, "--config", self.web.config_path, "user", "add", "--username",
                            name, "--role", "expert", "--categories", "sleep", "--languages",
                            "en", "--password-stdin"], input=PASSWORD + "\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.web.request("POST", "/api/v1/session", {"username": name, "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)
        self.tokens[name] = {"Authorization": "Bearer " + r.json["token"]}
        r = self.web.request("PUT", "/api/v1/me/duty", {"on_duty": True}, self.tokens[name])
        self.assertEqual(r.status, 200, r.body)

    # -- the load

    def start_load(self):
        for i in range(CLIENTS):
            self.threads.append(threading.Thread(target=self._client, args=(i,), daemon=True))
        for name in ("ann", "ben"):  # both take what is offered to ann
            self.threads.append(threading.Thread(target=self._claimer, args=(name,), daemon=True))
        monitor = threading.Thread(target=self._monitor, daemon=True)
        for th in self.threads + [monitor]:
            th.start()
        self.monitor = monitor
        self.addCleanup(self._end_threads)

    def _end_threads(self):
        self.stop_load.set()
        self.stop_monitor.set()
        for th in self.threads + [self.monitor]:
            th.join(30)

    def _client(self, n):
        conn, i = self.web.connection(), 0
        while not self.stop_load.is_set():
            i += 1
            try:
                r = self.web.request("POST", "/api/v1/questions",
                                     {"text": f"client {n} question {i}", "category": "sleep"},
                                     conn=conn)
            except OSError:
                conn.close()
                conn = self.web.connection()
                continue
            with self.lock:
                (self.tickets.append(r.json["ticket"]) if r.status == 201
                 else self.refused.append(r.status))
            self.stop_load.wait(0.05)
        conn.close()

    def _claimer(self, name):
        resp = self.stack.resp()
        try:
            while not self.stop_load.wait(0.25):
                offered = resp.call("ZRANGE", "a24:offers:ann", 0, 0)
                if not offered:
                    continue
                t = offered[0].decode()
                r = self.web.request("POST", f"/api/v1/tickets/{t}/claim", {}, self.tokens[name])
                with self.lock:
                    kind = "ok" if r.status == 200 else "failed" if r.status >= 500 else "lost"
                    self.claims[kind] += 1
        finally:
            resp.close()

    def _monitor(self):
        resp = self.stack.resp()
        try:
            while not self.stop_monitor.wait(0.1):
                self.snapshot(resp)
        finally:
            resp.close()

    def snapshot(self, resp):
        twice, wrong, stranded, in_flight = resp.call("EVAL", SNAPSHOT_LUA, 0)
        with self.lock:
            self.snap["taken"] += 1
            self.snap["twice"] += twice
            self.snap["wrong"] += wrong
            self.snap["stranded"].update(t.decode() for t in stranded)
            self.snap["max_in_flight"] = max(self.snap["max_in_flight"], in_flight)
        return twice, wrong, stranded, in_flight

    def submitted(self):
        with self.lock:
            return len(self.tickets)

    def wait_more(self, n, what):
        """Waits for n more acknowledged submissions (the load goes on meanwhile)."""
        target = self.submitted() + n
        a24test.wait_until(lambda: self.submitted() >= target, 60, what=what)

    def redis_ms(self):
        sec, usec = self.resp.call("TIME")
        return int(sec) * 1000 + int(usec) // 1000

    def audit(self, t):
        return [x.decode().split(" ") for x in self.resp.call("LRANGE", f"a24:t:{t}:audit", 0, -1)]

    # -- the ledgers

    def settle(self):
        """Ends the load, then waits until the intake is drained with nothing stranded
        and every ticket's last step has fallen due and been taken (a dead router's
        entries are taken over after 30 s of idleness, looked for every 10 s)."""
        self.stop_load.set()
        for th in self.threads:
            th.join(30)

        def drained():
            twice, wrong, stranded, in_flight = self.snapshot(self.resp)
            return in_flight == 0 and not stranded
        a24test.wait_until(drained, 90, interval=0.5, what="the intake drained")
        last_due = max(int(a24workers.ticket(self.resp, t)["due"])
                       for t in self.tickets[-CLIENTS:])
        a24test.wait_until(lambda: self.redis_ms() > last_due, 30, interval=0.2,
                           what="every window over")
        try:
            a24test.wait_until(lambda: self.ledgers()["missed steps"] == 0, 30, interval=0.5,
                               what="every due step taken")
        except TimeoutError:
            pass  # the ledger below shows what is missing
        self.stop_monitor.set()
        self.monitor.join(30)

    def ledgers(self):
        now = self.redis_ms()
        with self.lock:
            tickets = list(self.tickets)
        incidents = {}
        for a in a24workers.alerts(self.resp):
            incidents.setdefault(a.get("ticket"), []).append(a)
        led = {"tickets": len(tickets), "never offered": 0, "stranded": 0,
               "audit breaks": 0, "offers": 0, "missed steps": 0, "early steps": 0,
               "doubled steps": 0, "steps due": 0, "other incidents": 0}
        for t in tickets:
            tk = a24workers.ticket(self.resp, t)
            lines = self.audit(t)
            prev = None
            for line in lines:
                _, _, event, frm, to = line
                if event == "offer":
                    led["offers"] += 1
                    if frm != "queued":
                        led["audit breaks"] += 1
                if prev is not None and frm != prev:
                    led["audit breaks"] += 1
                prev = to
            if not any(line[2] in ("offer", "claim") for line in lines):
                led["never offered"] += 1
            # Steps: incident history (levels) and the audit trail (alert_late/breach).
            mine = incidents.get(t, [])
            levels = []
            for a in mine:
                for h in a24workers.history(self.resp, a["id"]):
                    if h["kind"] in ("late", "breach") and h["event"] in ("raised", "escalated",
                                                                         "noted"):
                        levels.append((int(h["level"]), int(h["at"])))
                    elif h["kind"] not in ("late", "breach"):
                        led["other incidents"] += 1
            audited = [line for line in lines if line[2] in ("alert_late", "alert_breach")]
            if tk["state"] not in (b"queued", b"offered", b"claimed", b"in_review"):
                continue
            start = int(tk["due"]) - int(tk["window"])
            for i, (permille, _) in enumerate(LADDER, start=1):
                at = start + int(tk["window"]) * permille // 1000
                got = [x for x in levels if x[0] == i]
                in_audit = [x for x in audited
                            if x[2] == ("alert_breach" if permille >= 1000 else "alert_late")]
                if at <= now:
                    led["steps due"] += 1
                    if not got:
                        led["missed steps"] += 1
                led["early steps"] += sum(1 for x in got if x[1] < at)
                led["doubled steps"] += max(0, len(got) - 1)
            late_audits = sum(1 for x in audited if x[2] == "alert_late")
            due_lates = sum(1 for p, _ in LADDER[:-1] if start + int(tk["window"]) * p // 1000 <= now)
            breach_due = start + int(tk["window"]) <= now
            led["doubled steps"] += max(0, late_audits - 2)
            led["doubled steps"] += max(0, sum(1 for x in audited if x[2] == "alert_breach") - 1)
            led["missed steps"] += max(0, due_lates - late_audits) + (
                1 if breach_due and not any(x[2] == "alert_breach" for x in audited) else 0)
        twice, wrong, stranded, _ = self.snapshot(self.resp)
        led["stranded"] = len(stranded)
        with self.lock:
            led["snapshots"] = self.snap["taken"]
            led["owned twice in a snapshot"] = self.snap["twice"]
            led["set member disagreeing"] = self.snap["wrong"]
            led["stranded in a snapshot"] = len(self.snap["stranded"])
            led["most intake entries in flight"] = self.snap["max_in_flight"]
            led["claims won"] = self.claims["ok"]
            led["claims lost"] = self.claims["lost"]
            led["claims failed"] = self.claims["failed"]
            led["refused"] = len(self.refused)
        return led

    def check(self, name, extra=None):
        led = self.ledgers()
        led.update(extra or {})
        sys.stderr.write(f"\n{name} ledger: " + ", ".join(f"{k} {v}" for k, v in led.items())
                         + "\n")
        never_routed = led["never offered"] + led["stranded"] + led["stranded in a snapshot"]
        offered_twice = (led["owned twice in a snapshot"] + led["set member disagreeing"]
                         + led["audit breaks"])
        sys.stderr.write(f"{name}: never routed {never_routed}, offered twice {offered_twice}, "
                         f"missed steps {led['missed steps']}, doubled steps "
                         f"{led['doubled steps']}\n")
        self.assertGreater(led["tickets"], 50, led)
        self.assertGreater(led["snapshots"], 20, led)
        self.assertEqual(led["refused"], 0, led)
        self.assertEqual(led["claims failed"], 0, led)
        self.assertGreater(led["claims won"], 0, led)
        self.assertEqual(never_routed, 0, led)
        self.assertEqual(offered_twice, 0, led)
        self.assertEqual(led["missed steps"], 0, led)
        self.assertEqual(led["early steps"], 0, led)
        self.assertEqual(led["doubled steps"], 0, led)
        self.assertEqual(led["other incidents"], 0, led)
        self.assertEqual(led["steps due"], led["tickets"] * len(LADDER), led)
        return led

    # -- the faults

    def pending_of(self, w):
        """Intake entries delivered to worker `w`'s router and not acknowledged."""
        summary = self.resp.call("XPENDING", "a24:intake", "router")
        mine = f"{socket.gethostname()}-{w.proc.pid}".encode()
        return sum(int(n) for name, n in (summary[3] or []) if name == mine)

    def stop_one_of_two_under_load(self, stopped_when, timeout, what):
        """Starts two all-roles workers and the load; once the load is under way, stops
        the first (SIGSTOP) and waits up to `timeout` s until `stopped_when(it)` holds
        (`what` names it). Returns that worker."""
        stopped = self.worker()
        self.worker()
        self.start_load()
        self.wait_more(60, "the load under way")
        stopped.proc.send_signal(signal.SIGSTOP)
        a24test.wait_until(lambda: stopped_when(stopped), timeout, what=what)
        return stopped

    def test_worker_kill9_while_another_runs(self):
        # So that the kill leaves intake entries behind for sure: the worker is stopped
        # first, until Redis has handed its waiting XREADGROUP a batch it cannot route.
        killed = self.stop_one_of_two_under_load(lambda w: self.pending_of(w) > 0, 30,
                                                 "entries left pending")
        pending = self.pending_of(killed)
        killed.kill9()
        killed_at = time.monotonic()
        self.wait_more(60, "the load after the kill")
        self.settle()
        self.check("kill -9 worker", {"left pending by the kill": pending,
                                      "settled after the kill s":
                                      round(time.monotonic() - killed_at, 1)})

    def test_worker_stopped_past_its_offers_and_leases(self):
        stopped = self.stop_one_of_two_under_load(lambda w: proc_state(w.proc.pid) == "T", 10,
                                                  "the worker stopped")
        seen_stopped = time.monotonic()
        since = self.redis_ms()
        # Stopped past anything it could hold: every offer and lease taken before the
        # stop has run out, and the other worker has returned some of them to the pool.
        a24test.wait_until(lambda: time.monotonic() - seen_stopped > (OFFER_MS + LEASE_MS) / 1000 + 1,
                           30, interval=0.1, what="the offers and leases of the stop")

        def timeouts_since():
            return sum(1 for t in self.tickets[:] for line in self.audit(t)
                       if line[2] in ("offer_timeout", "lease_expiry") and int(line[0]) > since)
        a24test.wait_until(timeouts_since, 30, interval=0.5, what="offers run out meanwhile")
        self.assertEqual(proc_state(stopped.proc.pid), "T", "still stopped")
        stopped_for = time.monotonic() - seen_stopped
        timed_out = timeouts_since()
        stopped.proc.send_signal(signal.SIGCONT)
        a24test.wait_until(lambda: proc_state(stopped.proc.pid) != "T", 10, what="continued")
        self.wait_more(60, "the load after the stop")
        self.settle()
        self.assertIsNone(stopped.proc.poll(), "the stopped worker lives on")
        self.check("SIGSTOP worker", {"stopped s": round(stopped_for, 1),
                                      "offers and leases run out while stopped": timed_out})

    def test_deadline_engine_kill9_and_restart(self):
        self.worker(role="router")
        engine = self.worker(role="deadline")
        self.start_load()
        a24test.wait_until(lambda: int(self.resp.call("GET", "a24:alerts:seq") or 0) > 0, 30,
                           what="the first ladder step")
        engine.kill9()
        down_from = time.monotonic()

        def due_now():
            return len(self.resp.call("ZRANGEBYSCORE", "a24:schedule", "-inf", self.redis_ms()))
        # Down while steps, offers and leases fall due: seen in the schedule, by time.
        a24test.wait_until(lambda: due_now() >= 10 and time.monotonic() - down_from > 1.5, 30,
                           interval=0.1, what="steps due with no engine")
        due_at_restart = due_now()
        down_for = time.monotonic() - down_from
        self.worker(role="deadline")
        self.wait_more(60, "the load after the restart")
        self.settle()
        self.check("kill -9 deadline engine", {"down s": round(down_for, 1),
                                               "due at the restart": due_at_restart})


if __name__ == "__main__":
    unittest.main()
