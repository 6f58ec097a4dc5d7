"""A compressed day: a "24-hour" desk run in about two minutes, then every rule of the
"Must never happen" list of ../shared/domain.md checked programmatically.

The day's durations come from the configuration (answer window 20 s, crisis window
8 s, offers 3 s, claims 8 s, crisis repeats 2 s, shifts checked every second, quiet
hours covering the whole day), never from sleeps tuned to one machine: the test waits
for events with generous timeouts. A real Redis, answer24-web and two answer24-worker
processes (all roles; one is killed with -9 mid-day), a webhook receiver that checks
every signature, staff made with answer24ctl.

The day: citizens ask in Korean, Chinese and English (ordinary questions, crises in
words, PHQ-9 item 9 without consent, a crisis beside a negative self-check), some
follow up with a crisis, one withdraws; experts per language go on and off duty (one
in the middle of a claim), a shift starts and ends through the rota with a claim
held, answers go out, crisis answers are approved by another supervisor (a
supervisor's own approval and an expert's lowering are refused), a transfer to an
expert off duty is refused, an expert raises a risk the screener did not see, on-call
acknowledges some crises and not others, some questions are left to breach, one
address is rate-limited with a crisis text, a snooper tries codes.

Then, rule by rule (the numbers of the list), with a message naming the rule:
 1. every risk-flagged ticket has an incident with a crisis step and an on-call
    webhook, and the response that flagged it (or the citizen's next read, for a risk
    raised by an expert) carried the crisis lines;
 2. crisis lines in every crisis response and every 429, in the request's language;
 3. no 1393 anywhere, every line shown is in the directory with a verified date;
 4. no score presented as a diagnosis, a negative screen never "no risk";
 5. every crisis answer released was approved by a supervisor who did not write it,
    and its reader sees the crisis lines;
 6. no citizen response carries another ticket's text or any internal note; wrong
    codes are 404; no text or code in a webhook or a log;
 7. no page text promises absolute confidentiality, anonymity or a rescue;
 8. every crisis incident repeats until acknowledged, none held by the quiet hours;
 9. every due time passed unanswered has a breach and a webhook; no claim stranded
    when its expert went off duty or off shift;
10. the PHQ-9 / GAD-7 texts unchanged, with their attribution, in every language.
It prints the day's figures (tickets, webhooks, changes) for docs/reliability.md.
"""

import collections
import json
import os
import re
import secrets
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24workers  # noqa: E402
from a24workers import a24test  # noqa: E402

CTL = os.path.join(a24test.BIN_DIR, "answer24ctl")
DATA = os.path.join(a24test.SOURCE_DIR, "proto", "data")
WEB = os.path.join(a24test.SOURCE_DIR, "service", "web")
PASSWORD = "compressed-day-password"

WINDOW_S, CRISIS_S = 20, 8
OFFER_S, LEASE_S = 3, 8
REPEAT_S, ACK_TIMEOUT_S = 2, 20
LATE_S = 4.0  # how late a step may fire on a loaded machine and still count as on time
WEBHOOK_GAP_S = 60  # one webhook a minute per ticket, apart from a new crisis (README)
AWAITING = ("queued", "offered", "claimed", "in_review")


def quiet_all_day():
    """Quiet hours from the current minute to the minute before it: the whole day but
    one minute, which is more than an hour away from now whenever the test runs."""
    now = datetime.now(timezone.utc)
    return now.strftime("%H:%M") + "-" + (now - timedelta(minutes=1)).strftime("%H:%M")


def day_config(hook_url):
    return {
        "http": {"trusted_proxies": ["127.0.0.1"]},
        "deadlines": {"answer": f"{WINDOW_S}s", "green_channel": f"{WINDOW_S}s",
                      "crisis": f"{CRISIS_S}s", "offer_timeout": f"{OFFER_S}s",
                      "claim_lease": f"{LEASE_S}s"},
        "escalation": [{"at": "25%", "notify": "experts"},
                       {"at": "50%", "notify": "oncall", "repeat": f"{REPEAT_S}s"},
                       {"at": "100%", "notify": "supervisor", "repeat": f"{REPEAT_S}s"}],
        "alerts": {"webhooks": [{"url": hook_url, "notify": ["oncall", "supervisor"]}],
                   "webhook_secret": a24workers.SECRET, "crisis_repeat": f"{REPEAT_S}s",
                   "ack_timeout": f"{ACK_TIMEOUT_S}s", "escalate_after": 3, "poll": "200ms",
                   "retry_max": "1s", "quiet_hours": quiet_all_day(),
                   "coverage_warning": "2h"},
        "rota": {"timezone": "UTC", "tick": "1s"},
        "limits": {"submissions_per_hour": 3, "crisis_submissions_per_hour": 1,
                   "code_checks_per_hour": 4, "intake_per_minute": 0},
    }


# Staff: (username, role, categories, languages). Nobody covers "disaster"; only lin
# (on the rota) covers Chinese depression, anxiety and family; only sam covers English
# depression and sleep; only supchen covers English "other"; kate is never on duty.
STAFF = [
    ("minji", "expert", "depression,anxiety,stress,sleep,family", "ko"),
    ("jiho", "expert", "depression,anxiety,stress,sleep,family", "ko"),
    ("wei", "expert", "stress,sleep,other", "zh"),
    ("lin", "expert", "depression,anxiety,family", "zh"),
    ("sam", "expert", "depression,anxiety,sleep,family,stress", "en"),
    ("alex", "expert", "family,stress", "en"),
    ("kate", "expert", "family", "en"),
    ("supkim", "supervisor", None, None),
    ("supchen", "supervisor", "other", "en"),
    ("lee", "oncall", None, None),
]
ON_DUTY_AT_START = ("minji", "jiho", "wei", "sam", "alex", "supkim", "supchen")
KO = ("minji", "jiho")

# The morning's questions: name -> (language, category, text, screens as a crisis,
# extra submit fields). Realistic wording; the screener's verdict is asserted at submit.
MORNING = {
    "A": ("ko", "sleep", "요즘 잠을 잘 못 자요. 새벽 세 시까지 뒤척이다가 겨우 잠들어요. 어떻게 하면 좋을까요?",
          False, {}),
    "B": ("zh", "stress", "最近工作压力很大，每天加班到很晚，回家以后也放松不下来。", False, {}),
    "C": ("en", "family", "My mother and I argue every time we talk on the phone. How can I set "
          "boundaries without hurting her?", False, {}),
    "D": ("ko", "depression", "더 이상 버틸 힘이 없어요. 오늘 밤에 다 끝내고 싶어요. 수면제도 모아 뒀어요.",
          True, {}),
    "E": ("zh", "depression", "我真的不想活了，遗书已经写好了。", True, {}),
    # PHQ-9 item 9 above 0 on its own, without consent to attach the scores.
    "F": ("en", "depression",
          "I've been feeling low and tired for weeks and I can't focus at work.", True,
          {"phq9_item9": 2}),
    # A negative self-check (consented, all zeros) beside a crisis text: still a crisis.
    "G": ("en", "depression", "kms honestly. nothing matters anymore", True,
          {"selfcheck": {"phq9": [0] * 9, "gad7": [0] * 7}}),
    "H": ("ko", "stress", "회사 일 때문에 스트레스를 많이 받아요. 팀장님이 매일 야단을 쳐요.", False, {}),
    "I": ("zh", "stress", "最近睡眠很差，晚上总是胡思乱想，白天上班也没精神。", False, {}),
    "J": ("en", "sleep", "I can't fall asleep before 4am and I'm exhausted at work.", False, {}),
    "K": ("en", "disaster", "After the floods last month I jump at every sound of rain. How do I "
          "calm down?", False, {}),
    "L": ("ko", "disaster", "지진 뉴스를 본 뒤로 불안해서 잠이 안 와요.", False, {}),
    "M": ("ko", "anxiety", "시험 때문에 밤새 불안하고 심장이 두근거려요.", False, {}),
    "N": ("zh", "family", "我和男朋友分手了，总是想起他，心里很难受。", False, {}),
    "O": ("en", "other", "I bought a rope today and I know which tree I'll use.", True, {}),
    "P": ("en", "stress", "I'm a nurse on night shifts and I keep replaying a patient's death in "
          "my head.", False, {"green_channel": True}),
    # The screener does not flag this one; the expert who reads it raises the risk.
    "Q": ("en", "sleep", "I keep thinking about my grandfather's old hunting rifle in the shed.",
          False, {}),
    "S": ("en", "stress", "this exam is killing me lol, any study tips?", False, {}),
}
FOLLOWUPS = {  # follow-ups that turn a ticket into a crisis
    "H": "사실은 요즘 죽고 싶다는 생각이 자꾸 들어요. 어젯밤에는 옥상에 올라갔었어요.",
    "I": "其实我自己也撑不下去了，真想一了百了。",
    "J": "Actually I am going to kill myself tonight. I have the pills ready.",
}
FLOOD_IP = "203.0.113.66"
FLOOD_ORDINARY = "부모님이 이혼하신다고 해요. 제가 뭘 할 수 있을까요?"
FLOOD_CRISIS = "오늘 밤 한강 다리에 가서 뛰어내릴 거예요."

LINE_NUMBER = {"ko": "109", "zh": "12356"}
DIAGNOSIS_WORDS = re.compile(r"diagnos|진단|诊断|診斷", re.I)


def marker(kind):
    """A unique word planted in a text, to find it wherever it must not be."""
    return f"zq{kind}{secrets.token_hex(4)}"


def digits(s):
    return re.sub(r"\D+", "", str(s or ""))


class Day:
    """The desk of the day and everything the test saw: citizen and staff responses."""

    def __init__(self, tc):
        self.tc = tc
        self.hook = a24workers.HookReceiver().start()
        tc.addCleanup(self.hook.stop)
        self.stack = a24test.start_stack(tc.addCleanup, config=day_config(self.hook.url))
        self.web = self.stack.web
        self.resp = self.stack.resp()
        tc.addCleanup(self.resp.close)
        self.workers = []
        for name in ("worker-a", "worker-b"):
            w = a24workers.Worker(self.stack, role="all", name=name)
            tc.addCleanup(self._stop_worker, w)
            self.workers.append(w.start())
        self.tokens = {}
        self.tickets = {}  # name -> record
        self.citizen = []  # every citizen response: {ticket, what, lang, resp}
        self.staff = []  # every staff response
        self.secret_markers = set()  # notes, review notes, risk reasons: never to a citizen
        self.next_ip = 10

    def _stop_worker(self, w):
        if w.proc is not None and w.proc.poll() is None:
            self.tc.assertEqual(w.stop(), [], w.log())

    # ---------------------------------------------------------------- staff

    def ctl(self, *args, stdin=None):
        p = subprocess.run([CTL, "--config", self.web.config_path, *args], input=stdin,
                           capture_output=True, text=True, timeout=60)
        self.tc.assertEqual(p.returncode, 0, f"answer24ctl {' '.join(args)}: {p.stderr}")
        return p

    def hire(self):
        for name, role, cats, langs in STAFF:
            args = ["user", "add", "--username", name, "--role", role, "--password-stdin"]
            if cats:
                args += ["--categories", cats, "--languages", langs]
            self.ctl(*args, stdin=PASSWORD + "\n")
            r = self.web.request("POST", "/api/v1/session", {"username": name,
                                                             "password": PASSWORD})
            self.tc.assertEqual(r.status, 200, r.body)
            self.tokens[name] = {"Authorization": "Bearer " + r.json["token"]}

    def staff_request(self, who, method, path, body=None):
        r = self.web.request(method, path, body, self.tokens[who])
        self.staff.append({"who": who, "path": path, "resp": r})
        return r

    def duty(self, who, on):
        r = self.staff_request(who, "PUT", "/api/v1/me/duty", {"on_duty": on})
        self.tc.assertEqual(r.status, 200, r.body)

    def act(self, who, name, verb, body=None):
        return self.staff_request(who, "POST", f"/api/v1/tickets/{self.id(name)}/{verb}",
                                  body if body is not None else {})

    def on_duty(self, who):
        return self.resp.call("SISMEMBER", "a24:onduty", who) == 1

    # ---------------------------------------------------------------- citizens

    def ip(self):
        self.next_ip += 1
        return f"198.51.100.{self.next_ip}"

    def citizen_request(self, method, path, body=None, ip=None, code=None, ticket=None,
                        what="", lang=None, headers=None):
        h = {"X-Forwarded-For": ip or self.ip()}
        if code:
            h["Authorization"] = f"Bearer {code}"
        h.update(headers or {})
        r = self.web.request(method, path, body, h)
        self.citizen.append({"ticket": ticket, "what": what, "lang": lang, "resp": r,
                             "at": time.time()})
        return r

    def submit(self, name, lang, category, text, crisis, ip=None, **fields):
        m = marker("q")
        body = dict({"text": f"{text} ({m})", "category": category, "language": lang}, **fields)
        ip = ip or self.ip()
        sent = time.time()
        r = self.citizen_request("POST", "/api/v1/questions", body, ip=ip, ticket=name,
                                 what="submit", lang=lang)
        self.tc.assertEqual(r.status, 201, f"{name}: {r.body}")
        self.tc.assertIs(r.json["crisis"], crisis, f"{name}: screened {r.json['crisis']}, "
                         f"expected {crisis}: {text!r}")
        self.tickets[name] = {"name": name, "id": r.json["ticket"], "code": r.json["access_code"],
                              "lang": lang, "category": category, "ip": ip, "markers": {m},
                              "flagged_at": sent if crisis else None,
                              "flagged_by": "submit" if crisis else None,
                              "flag_resp": r if crisis else None}
        return self.tickets[name]

    def followup(self, name, text):
        t = self.tickets[name]
        m = marker("f")
        t["markers"].add(m)
        sent = time.time()
        r = self.citizen_request("POST", f"/api/v1/questions/{t['id']}/followups",
                                 {"text": f"{text} ({m})"}, ip=t["ip"], code=t["code"],
                                 ticket=name, what="followup", lang=t["lang"])
        self.tc.assertEqual(r.status, 201, f"{name}: {r.body}")
        if r.json.get("crisis") and t["flagged_at"] is None:
            t.update(flagged_at=sent, flagged_by="followup", flag_resp=r)
        return r

    def read(self, name, what="read"):
        t = self.tickets[name]
        return self.citizen_request("GET", f"/api/v1/questions/{t['id']}", ip=t["ip"],
                                    code=t["code"], ticket=name, what=what, lang=t["lang"])

    def id(self, name):
        return self.tickets[name]["id"]

    # ---------------------------------------------------------------- Redis views

    def state(self, name):
        t = a24workers.ticket(self.resp, self.id(name))
        return t["state"].decode(), (t.get("owner") or b"").decode()

    def audit(self, name):
        return [x.decode().split(" ") for x in
                self.resp.call("LRANGE", f"a24:t:{self.id(name)}:audit", 0, -1)]

    def incidents(self, name):
        return a24workers.incident(self.resp, self.id(name))

    def history(self, name):
        out = []
        for a in self.incidents(name):
            out += [dict(h, alert=a["id"]) for h in a24workers.history(self.resp, a["id"])]
        return out

    def stream(self):
        """Every entry of the alert stream as (entry id, fields dict)."""
        out = []
        for eid, flat in self.resp.call("XRANGE", "a24:alerts", "-", "+"):
            f = {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}
            out.append((eid.decode(), f))
        return out

    def webhooks(self, name=None):
        with self.hook.lock:
            got = list(self.hook.deliveries)
        if name is None:
            return got
        return [d for d in got if d[2]["alert"].get("ticket") == self.id(name)]

    # ---------------------------------------------------------------- moves

    def take(self, name, candidates, timeout=40):
        """One of `candidates` holds ticket `name`: it is theirs already, or the one it
        is offered to claims it, or any of them from the pool; returns who."""
        began = time.monotonic()
        deadline, last, seen = began + timeout, None, []
        while time.monotonic() < deadline:
            st, owner = self.state(name)
            if (st, owner) not in seen:
                seen.append((st, owner))
            if st == "claimed" and owner in candidates:
                return owner  # already theirs (claimed before, or transferred to them)
            tries = [owner] if st == "offered" and owner in candidates else \
                [c for c in candidates if self.on_duty(c)] if st == "queued" else []
            for who in tries:
                r = self.act(who, name, "claim")
                if r.status == 200:
                    if time.monotonic() - began > 3:
                        print(f"({name} took {time.monotonic() - began:.1f} s to reach "
                              f"{who}; seen {seen}, last refusal {last})", file=sys.stderr)
                    return who
                last = (st, owner, r.status, r.error_code)
            time.sleep(0.1)
        self.tc.fail(f"ticket {name} never reached any of {candidates}: {self.state(name)}, "
                     f"last refusal {last}")

    def hold(self, name, candidates, at_least_ms=3000):
        """One of `candidates` claims ticket `name` with at least `at_least_ms` of lease
        left (a lease never runs past the on-call step, so a claim just before it is a
        short one: then let it run out and claim again, with a whole lease); returns who."""
        for _ in range(3):
            who = self.take(name, candidates)
            left = int(a24workers.ticket(self.resp, self.id(name))["lease_until"]) - \
                int(self.resp.call("TIME")[0]) * 1000
            if left >= at_least_ms:
                return who
            a24test.wait_until(lambda: self.state(name) != ("claimed", who), 20,
                               what=f"{name}'s short lease over")
        self.tc.fail(f"{candidates} could not hold {name}")

    def answer(self, name, candidates, timeout=40):
        """Claims and answers ticket `name` (claiming again if the lease ran out in
        between); returns (author, resulting status)."""
        t = self.tickets[name]
        m = marker("a")
        t["markers"].add(m)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            who = self.take(name, candidates, timeout=max(1, deadline - time.monotonic()))
            r = self.act(who, name, "answer", {"text": f"Thank you for writing. ({m})"})
            if r.status == 200:
                return who, r.json["status"]
        self.tc.fail(f"ticket {name} could not be answered: {self.state(name)}")

    def approve(self, name, supervisor):
        m = marker("n")
        self.secret_markers.add(m)
        r = self.act(supervisor, name, "review", {"decision": "approve",
                                                  "note": f"reviewed, fine ({m})"})
        self.tc.assertEqual((r.status, (r.json or {}).get("status")), (200, "answered"), r.body)

    def alert_entry(self, oncall, name):
        r = self.staff_request(oncall, "GET", "/api/v1/alerts?state=open")
        self.tc.assertEqual(r.status, 200, r.body)
        mine = [a for a in r.json["alerts"] if a["ticket"] == self.id(name)]
        self.tc.assertLessEqual(len(mine), 1, "one open entry per ticket")
        return mine[0] if mine else None

    def ack(self, oncall, name):
        entry = a24test.wait_until(lambda: self.alert_entry(oncall, name), 20,
                                   what=f"the incident of {name}")
        r = self.staff_request(oncall, "POST", f"/api/v1/alerts/{entry['id']}/ack")
        self.tc.assertEqual(r.status, 200, r.body)
        self.tickets[name]["acked"] = (entry["id"], time.time())

    def rota(self, who, start, end):
        """A shift from `start` to `end` (datetimes, UTC; the day of `start`)."""
        self.ctl("rota", "set", who, f"{start.strftime('%a').lower()} "
                 f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}")


class CompressedDayTest(unittest.TestCase):
    maxDiff = None

    def test_compressed_day_never_does_what_must_never_happen(self):
        started = time.monotonic()
        day = self.day = Day(self)
        day.hire()
        for who in ON_DUTY_AT_START:
            day.duty(who, True)
        self.t0 = time.time()
        self.morning()
        print(f"morning over at T+{time.time() - self.t0:.1f} s", file=sys.stderr)
        self.midday()
        print(f"midday over at T+{time.time() - self.t0:.1f} s", file=sys.stderr)
        self.afternoon()
        print(f"afternoon over at T+{time.time() - self.t0:.1f} s", file=sys.stderr)
        self.evening()
        print(f"evening over at T+{time.time() - self.t0:.1f} s", file=sys.stderr)
        self.check_rules()
        self.figures(time.monotonic() - started)

    # ================================================================ the day

    def morning(self):
        day = self.day
        for name, (lang, cat, text, crisis, extra) in MORNING.items():
            day.submit(name, lang, cat, text, crisis, **extra)
        self.assertIn("phq9_item9", (a24workers.ticket(day.resp, day.id("F")).get("risk") or b"")
                      .decode(), "PHQ-9 item 9 without consent flags, with that reason")
        # On-call takes the Korean crisis at once.
        day.ack("lee", "D")
        who, status = day.answer("D", KO)
        self.assertEqual(status, "in_review", "a crisis answer waits for review")
        day.approve("D", "supkim")
        # An expert goes off duty in the middle of a claim: handed back, offered on.
        holder = day.hold("M", KO)
        other = [x for x in KO if x != holder][0]
        day.duty(holder, False)
        st, owner = day.state("M")
        self.assertTrue(st == "queued" or (st == "offered" and owner != holder),
                        f"rule 9: a claim stranded with {holder} off duty: {st} {owner}")
        self.assertIn([holder, "handback_duty", "claimed", "queued"],
                      [a[1:] for a in day.audit("M")])
        self.assertEqual(day.answer("M", [other])[1], "answered")
        day.duty(holder, True)
        self.handed_back = {"M": (holder, "handback_duty")}
        # The Chinese crisis waits (nobody of it on duty): crisis_waiting, at once.
        a24test.wait_until(lambda: any(h["kind"] == "crisis_waiting" for h in day.history("E")),
                           OFFER_S + 10, what="crisis_waiting for E")
        # lin's shift starts through the rota, driven by the worker.
        now = datetime.now(timezone.utc)
        day.rota("lin", now - timedelta(minutes=30), now + timedelta(minutes=30))
        a24test.wait_until(lambda: day.on_duty("lin"), 20, what="lin's shift start")
        a24test.wait_until(lambda: any(a.get("kind") == "coverage_gap" and
                                       a.get("language") == "zh"
                                       for a in a24workers.alerts(day.resp)), 20,
                           what="a coverage_gap alert for the end of lin's shift")
        self.assertEqual(day.answer("E", ["lin"])[1], "in_review")
        day.approve("E", "supkim")
        # lin holds N when the shift ends (the rota changed under it): handed back.
        day.hold("N", ["lin"])
        day.rota("lin", now - timedelta(minutes=60), now - timedelta(minutes=30))
        a24test.wait_until(lambda: not day.on_duty("lin"), 20, what="lin's shift end")
        self.assertIn(["lin", "handback_shift_end", "claimed", "queued"],
                      [a[1:] for a in day.audit("N")], "rule 9: the shift end hands back")
        st, owner = day.state("N")
        self.assertTrue(st == "queued" or (st == "offered" and owner != "lin"),
                        f"rule 9: N stranded with lin off shift: {st} {owner}")
        self.handed_back["N"] = ("lin", "handback_shift_end")

    def midday(self):
        day = self.day
        # Ordinary answers.
        self.assertEqual(day.answer("A", KO)[1], "answered")
        self.assertEqual(day.answer("B", ["wei"])[1], "answered")
        self.assertEqual(day.answer("P", ["sam", "alex"])[1], "answered")
        # A note travels with a transfer; a transfer to someone off duty is refused.
        holder = day.hold("C", ["sam", "alex"])
        other = "alex" if holder == "sam" else "sam"
        note = marker("n")
        day.secret_markers.add(note)
        r = day.act(holder, "C", "notes", {"text": f"Mother lives abroad; be gentle ({note})"})
        self.assertEqual(r.status, 201, r.body)
        tnote = marker("n")
        day.secret_markers.add(tnote)
        r = day.act(holder, "C", "transfer", {"to": "kate", "note": f"family case ({tnote})"})
        self.assertEqual((r.status, r.error_code), (409, "target_off_duty"), r.body)
        r = day.act(holder, "C", "transfer", {"to": other, "note": f"family case ({tnote})"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(day.answer("C", [other])[1], "answered")
        # PHQ-9 item 9: an expert may not lower the crisis, nor approve.
        day.take("F", ["sam"])
        why = marker("n")
        day.secret_markers.add(why)
        r = day.act("sam", "F", "risk", {"level": "normal", "reason": f"seems fine ({why})"})
        self.assertEqual((r.status, r.error_code), (403, "supervisor_required"), r.body)
        self.assertEqual(day.answer("F", ["sam"])[1], "in_review")
        self.assertEqual(day.act("sam", "F", "review", {"decision": "approve"}).status, 403)
        day.approve("F", "supkim")
        # A supervisor's own crisis answer: never self-approved.
        self.assertEqual(day.answer("O", ["supchen"])[1], "in_review")
        r = day.act("supchen", "O", "review", {"decision": "approve"})
        self.assertEqual((r.status, r.error_code), (403, "own_answer"), r.body)
        day.approve("O", "supkim")
        # The expert sees a risk the screener did not: raised, the citizen sees the lines.
        day.take("Q", ["sam"])
        why = marker("n")
        day.secret_markers.add(why)
        raised = time.time()
        r = day.act("sam", "Q", "risk", {"level": "crisis", "reason": f"mentions a rifle ({why})"})
        self.assertEqual(r.status, 200, r.body)
        day.tickets["Q"].update(flagged_at=raised, flagged_by="expert",
                                flag_resp=day.read("Q", what="read after raise"))
        self.assertEqual(day.answer("Q", ["sam"])[1], "in_review")
        day.approve("Q", "supkim")
        # A withdrawal.
        s = day.tickets["S"]
        r = day.citizen_request("DELETE", f"/api/v1/questions/{s['id']}", ip=s["ip"],
                                code=s["code"], ticket="S", what="withdraw", lang="en")
        self.assertEqual(r.status, 204, r.body)
        r = day.read("S", what="read after withdraw")
        self.assertEqual((r.status, r.json["status"]), (200, "withdrawn"), r.body)
        for m in s["markers"]:
            self.assertNotIn(m, r.body.decode(), "a withdrawn question's text is gone")
        s["withdrawn"] = True

    def afternoon(self):
        day = self.day
        # The crises so far have been told (so that their timing says nothing of the
        # takeover below); then, in the middle of a burst of questions, a worker dies
        # with -9 (its router, engine and notifier at once).
        a24test.wait_until(lambda: not self.undelivered(), 20, what="the morning's webhooks")
        for i in range(3):  # one address, up to its limit
            day.submit(f"R{i}", "ko", "family", FLOOD_ORDINARY, False, ip=FLOOD_IP)
        day.workers[1].kill9()
        # Follow-ups that turn into crises.
        for name, text in FOLLOWUPS.items():
            r = day.followup(name, text)
            self.assertIs(r.json["crisis"], True, f"{name}'s follow-up screens as a crisis")
        # The same address past its limit: a crisis within the allowance passes, beyond
        # it a 429.
        r = day.citizen_request("POST", "/api/v1/questions", {
            "text": "我想问一下，和父母沟通有什么好方法？", "category": "family", "language": "zh"},
            ip=FLOOD_IP, what="submit over the limit", lang="zh")
        self.assertEqual(r.status, 429, r.body)
        day.submit("R3", "ko", "depression", FLOOD_CRISIS, True, ip=FLOOD_IP)
        r = day.citizen_request("POST", "/api/v1/questions", {
            "text": FLOOD_CRISIS, "category": "depression", "language": "ko"},
            ip=FLOOD_IP, what="crisis over the allowance", lang="ko")
        self.assertEqual(r.status, 429, "the crisis allowance is small: one address cannot "
                         "flood on-call")
        # A snooper tries codes: the same 404 for a wrong code and another ticket's code.
        snoop = day.ip()
        a, c = day.tickets["A"], day.tickets["C"]
        for code in (c["code"], "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789", a["code"].lower(),
                     "0" * len(a["code"])):
            r = day.citizen_request("GET", f"/api/v1/questions/{a['id']}", ip=snoop, code=code,
                                    ticket="A", what="snoop", lang="en")
            if code == a["code"].lower():  # the right code, in lower case: not a failure
                self.assertEqual(r.status, 200, r.body)
                continue
            a24test.assert_error(self, r, 404, "not_found")
        for i in range(2):
            r = day.citizen_request("GET", f"/api/v1/questions/{a['id']}", ip=snoop,
                                    code=c["code"], ticket="A", what="snoop", lang="zh",
                                    headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        self.assertEqual(r.status, 429, "wrong codes past the limit")
        r = day.citizen_request("DELETE", f"/api/v1/questions/{c['id']}", ip=day.ip(),
                                code=a["code"], what="withdraw with another's code", lang="en")
        a24test.assert_error(self, r, 404, "not_found")
        # The Korean follow-up crisis is answered and reviewed; J is acknowledged only.
        self.assertEqual(day.answer("H", KO)[1], "in_review")
        day.approve("H", "supkim")
        a24test.wait_until(lambda: any(d[2]["alert"]["reason"] for d in day.webhooks("J")), 20,
                           what="J's crisis webhook")
        day.ack("lee", "J")

    def evening(self):
        """Waits for the day to settle: every window over, the acknowledged crisis
        back after its timeout, a minute's repeat of the unacknowledged one, the dead
        worker's intake and alerts taken over and delivered."""
        day = self.day
        dues = {n: int(a24workers.ticket(day.resp, t["id"])[("due")]) / 1000
                for n, t in day.tickets.items() if not t.get("withdrawn")}
        a24test.wait_until(lambda: time.time() > max(dues.values()) + LATE_S, 60,
                           interval=0.5, what="every window over")

        unsettled = []

        def settled():
            unsettled[:] = [
                ("intake pending", day.resp.call("XPENDING", "a24:intake", "router")[:2]),
                ("alerts pending", day.resp.call("XPENDING", "a24:alerts", "notifier")[:2]),
                ("undelivered", self.undelivered()), ("breaches unheard", self.breaches_unheard())]
            return not any(v[0] if k.endswith("pending") else v for k, v in unsettled)

        try:
            a24test.wait_until(settled, 150, interval=0.5, what="the day to settle")
        except TimeoutError:
            self.fail("the dead worker's entries were not all taken over and delivered, or a "
                      f"breach was never heard of: {unsettled}")
        g = day.webhooks("G")
        a24test.wait_until(lambda: len(day.webhooks("G")) >= 2, 90, interval=0.5,
                           what="the unacknowledged crisis G's webhook a minute on"
                                f" (had {len(g)})")
        # J's breach re-opens its acknowledged crisis (something worse), unless on-call
        # acknowledged after the breach already; acknowledged after it, and resolved by
        # nobody, it comes back after the timeout.
        j = day.tickets["J"]["acked"][0]
        hist = a24workers.history(day.resp, j)
        breach = [h["at"] for h in hist if h["kind"] == "breach"]
        self.assertTrue(breach, "J's window is over: its breach is in its history")
        if not any(h["event"] == "acked" and h["at"] >= breach[0] for h in hist):
            a24test.wait_until(lambda: day.incidents("J")[-1]["state"] == "open", 30,
                               what="J's incident re-opened by its breach")
            day.ack("lee", "J")
        acked_id, acked_at = day.tickets["J"]["acked"]
        a24test.wait_until(lambda: any(h["event"] == "refire" for h in
                                       a24workers.history(day.resp, acked_id)),
                           ACK_TIMEOUT_S + 30, interval=0.5, what="J's acknowledged incident back")
        self.checked_at = time.time()
        for name, t in day.tickets.items():  # the citizens come back
            r = day.read(name, what="final read")
            self.assertEqual(r.status, 200, r.body)

    def undelivered(self):
        """Stream entries marked to send, for our receiver's audiences, not delivered."""
        keys = {d[1].get("Idempotency-Key") for d in self.day.webhooks()}
        out = []
        for eid, f in self.day.stream():
            if f["send"] == "1" and ("oncall" in f["notify"] or "supervisor" in f["notify"]):
                if f"alert-{f['id']}-{eid}" not in keys:
                    out.append(eid)
        return out

    def breach_heard_by(self, name):
        """When a webhook must have told of ticket `name`'s breach: at its due time, or
        when the webhook minute of the message before it ended (README), also when the
        ticket was answered meanwhile (an incident that ends still sends the change it
        held); None if it never breached or was withdrawn."""
        day = self.day
        h = a24workers.ticket(day.resp, day.id(name))
        if not h.get("breached") or h["state"] == b"withdrawn":
            return None  # withdrawn: the incident is over, like an answered ticket's
        breached = int(h["breached"]) / 1000
        sent = sorted(d[0] for d in day.webhooks(name) if d[0] < breached + 0.5)
        due_by = max([breached] + [x + WEBHOOK_GAP_S for x in sent[-1:]])
        return due_by

    def breaches_unheard(self):
        day = self.day
        out = []
        for name in day.tickets:
            if self.breach_heard_by(name) is not None and not any(
                    d[2]["alert"]["kind"] == "breach" for d in day.webhooks(name)):
                out.append(name)
        return out

    # ================================================================ the rules

    def check_rules(self):
        self.rule1_flagged_ticket_alerted_and_shown_lines()
        self.rule2_lines_in_every_crisis_response_and_429()
        self.rule3_no_obsolete_or_unverified_number()
        self.rule4_no_diagnosis_no_no_risk()
        self.rule5_crisis_answers_reviewed_by_another()
        self.rule6_nobody_reads_anothers_question()
        self.rule7_no_absolute_promise()
        self.rule8_crisis_alerts_repeat_until_acked_never_quiet()
        self.rule9_no_silent_deadline_no_stranded_claim()
        self.rule10_instruments_unchanged_with_attribution()

    def directory(self):
        with open(os.path.join(DATA, "crisis_lines.json"), encoding="utf-8") as f:
            return json.load(f)

    def assert_lines(self, body, lang, rule, what):
        """`body` carries the crisis lines of `lang` (never English-only for ko/zh)."""
        lines = body.get("resources") if isinstance(body, dict) else None
        self.assertTrue(lines, f"rule {rule}: {what} carries no crisis lines: {body}")
        numbers = [line.get("number") for line in lines]
        if lang in LINE_NUMBER:
            self.assertIn(LINE_NUMBER[lang], numbers,
                          f"rule {rule}: {what} in {lang} lacks {LINE_NUMBER[lang]}: {numbers}")
        self.assertEqual([line.get("number") for line in self.directory()[lang]], numbers,
                         f"rule {rule}: {what}: the lines are not those of {lang}")

    def rule1_flagged_ticket_alerted_and_shown_lines(self):
        day = self.day
        flagged = {n for n, t in day.tickets.items()
                   if a24workers.ticket(day.resp, t["id"]).get("crisis") == b"1"}
        expected = {n for n, t in day.tickets.items() if t["flagged_at"]}
        self.assertEqual(flagged, expected, "rule 1: the flagged tickets are those the day "
                         "flagged (screened, item 9, follow-up, expert)")
        self.assertGreaterEqual(len(flagged), 10)
        for name in sorted(flagged):
            t = day.tickets[name]
            hist = day.history(name)
            crisis_steps = [h for h in hist if h["kind"] in ("crisis", "crisis_waiting")
                            and h["event"] in ("raised", "escalated", "noted")]
            self.assertTrue(crisis_steps, f"rule 1: {name} flagged without a crisis step in its"
                            f" incident: {hist}")
            incident = [a for a in day.incidents(name) if a.get("crisis") == "1"]
            self.assertTrue(incident and "oncall" in incident[0]["notify"],
                            f"rule 1: {name}'s crisis incident does not reach on-call")
            step_at = min(h["at"] for h in crisis_steps) / 1000
            self.assertLess(step_at - t["flagged_at"], LATE_S,
                            f"rule 1: {name}'s crisis step came {step_at - t['flagged_at']:.1f} s"
                            " after it was flagged")
            hooks = [d for d in day.webhooks(name) if d[0] >= t["flagged_at"] - 1
                     and d[2]["alert"]["reason"] and "oncall" in d[2]["notify"]]
            self.assertTrue(hooks, f"rule 1: no on-call webhook for {name}'s crisis")
            self.assertLess(hooks[0][0] - t["flagged_at"], 10,
                            f"rule 1: {name}'s crisis webhook took "
                            f"{hooks[0][0] - t['flagged_at']:.1f} s")
            r = t["flag_resp"]
            self.assertIs(r.json.get("crisis"), True,
                          f"rule 1: the response that flagged {name} ({t['flagged_by']}) does "
                          "not say crisis")
            self.assert_lines(r.json, t["lang"], 1, f"{name}'s {t['flagged_by']} response")

    def rule2_lines_in_every_crisis_response_and_429(self):
        seen_429 = 0
        for c in self.day.citizen:
            r = c["resp"]
            if r.status == 429:
                seen_429 += 1
                self.assertTrue(r.headers.get("retry-after"), "rule 2: a 429 without Retry-After")
                self.assert_lines(r.json, c["lang"], 2, f"the 429 of {c['what']}")
            elif isinstance(r.json, dict) and r.json.get("crisis") is True:
                self.assert_lines(r.json, c["lang"], 2, f"{c['ticket']}'s {c['what']}")
        self.assertGreaterEqual(seen_429, 3, "rule 2: the day had its 429s")

    def rule3_no_obsolete_or_unverified_number(self):
        day = self.day
        bodies = [c["resp"].body for c in day.citizen] + [s["resp"].body for s in day.staff]
        bodies += [json.dumps(d[2]).encode() for d in day.webhooks()]
        for path in ("/", "/console", "/oncall", f"/t/{day.id('A')}",
                     "/i18n/ko.json", "/i18n/zh.json", "/i18n/en.json"):
            r = day.web.request("GET", path)
            self.assertEqual(r.status, 200, path)
            bodies.append(r.body)
        for lang in ("ko", "zh", "en"):
            r = day.web.request("GET", f"/api/v1/crisis-lines?language={lang}")
            bodies.append(r.body)
            self.assert_lines({"resources": r.json["lines"]}, lang, 3, f"crisis-lines {lang}")
        with open(os.path.join(DATA, "crisis_lines.json"), "rb") as f:
            bodies.append(f.read())
        for b in bodies:
            self.assertNotIn(b"1393", b, f"rule 3: the retired number in {b[:200]!r}")
        # Every line shown (in any response, or in a page catalogue) is in the directory
        # with a verified date that is a real, past day.
        directory = self.directory()
        known = {}
        for lang in ("ko", "zh", "en"):
            for e in directory[lang]:
                v = e.get("verified", "")
                self.assertRegex(v, r"^\d{4}-\d{2}-\d{2}$", f"rule 3: {e['number']} unverified")
                self.assertLessEqual(datetime.strptime(v, "%Y-%m-%d").date(),
                                     datetime.now(timezone.utc).date())
                for k in ("number", "tel", "sms", "url"):
                    if e.get(k):
                        known[digits(e[k]) or e[k]] = v
        shown = []
        for c in day.citizen:
            if isinstance(c["resp"].json, dict):
                shown += c["resp"].json.get("resources") or []
        self.assertTrue(shown)
        for line in shown:
            self.assertIn(digits(line.get("number")) or line.get("number"), known,
                          f"rule 3: {line} is not in the directory")
        for lang in ("ko", "zh", "en"):
            for group in self.catalogue(lang)["crisis"]["groups"]:
                for line in group["lines"]:
                    for v in (line.get("number"), (line.get("also") or {}).get("number")):
                        if v:
                            self.assertIn(digits(v) or v, known, f"rule 3: the {lang} page "
                                          f"shows {v}, which the directory does not verify")

    def catalogue(self, lang):
        with open(os.path.join(WEB, "i18n", f"{lang}.json"), encoding="utf-8") as f:
            return json.load(f)

    def citizen_strings(self, lang):
        """Every string a citizen page shows in `lang`: the catalogue without the staff
        pages' sections, plus the static text of the citizen pages."""
        cat = self.catalogue(lang)
        out = []

        def walk(v, path):
            if isinstance(v, str):
                out.append((path, v))
            elif isinstance(v, dict):
                for k, x in v.items():
                    if not k.startswith("_"):
                        walk(x, f"{path}.{k}")
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    walk(x, f"{path}[{i}]")
        for k, v in cat.items():
            if k not in ("_meta", "staff", "console", "oncall"):
                walk(v, f"{lang}:{k}")
        return out

    def rule4_no_diagnosis_no_no_risk(self):
        day = self.day
        for c in day.citizen:
            self.assertIsNone(DIAGNOSIS_WORDS.search(c["resp"].body.decode("utf-8", "replace")),
                              f"rule 4: a citizen response speaks of a diagnosis: {c['what']}")
        for s in day.staff:  # staff see band words, never a diagnosis either
            self.assertIsNone(DIAGNOSIS_WORDS.search(s["resp"].body.decode("utf-8", "replace")),
                              f"rule 4: a staff response speaks of a diagnosis: {s['path']}")
        # The negative self-check beside a crisis text did not lower it (G), and the
        # staff view shows G as a crisis with its band words.
        self.assertEqual(a24workers.ticket(day.resp, day.id("G"))["crisis"], b"1",
                         "rule 4: a negative screen treated as no risk")
        r = day.staff_request("supkim", "GET", f"/api/v1/tickets/{day.id('G')}")
        self.assertEqual((r.json["crisis"], r.json["selfcheck"]["phq9_band"]), (True, "minimal"))
        not_diagnosis = {"en": "not a diagnosis", "ko": "진단이 아니", "zh": "不是诊断"}
        no_risk = {"en": re.compile(r"\bno risk\b|\bnot at risk\b|\byou are (fine|safe)\b", re.I),
                   "ko": re.compile(r"위험(이|은)? 없|괜찮다는 뜻이에요|정상입니다"),
                   "zh": re.compile(r"没有风险|无风险|你很安全|一切正常")}
        for lang in ("en", "ko", "zh"):
            sc = self.catalogue(lang)["selfcheck"]
            self.assertIn(not_diagnosis[lang], sc["notDiagnosis"],
                          f"rule 4: the {lang} self-check result does not say it is not a "
                          "diagnosis")
            self.assertIn("{band}", sc["result"], f"rule 4: {lang} results are band words")
            self.assertTrue(sc["lowNote"], f"rule 4: no note that a low score is not 'fine' "
                            f"({lang})")
            for path, s in self.citizen_strings(lang):
                self.assertIsNone(no_risk[lang].search(s), f"rule 4: {path} says no risk: {s}")
                if "notDiagnosis" not in path:
                    self.assertIsNone(DIAGNOSIS_WORDS.search(s),
                                      f"rule 4: {path} speaks of a diagnosis: {s}")

    def rule5_crisis_answers_reviewed_by_another(self):
        day = self.day
        roles = {name: role for name, role, _, _ in STAFF}
        reviewed = 0
        for name, t in day.tickets.items():
            if t.get("withdrawn"):
                continue
            audit = day.audit(name)
            answered = [a for a in audit if a[4] == "answered" and a[3] != "answered"]
            flagged = a24workers.ticket(day.resp, t["id"]).get("crisis") == b"1"
            if not answered or not flagged:
                continue
            # The crisis flag came before the answer here (every crisis of the day was
            # flagged while it waited): the answer must have gone through review.
            self.assertEqual(answered[-1][2], "approve",
                             f"rule 5: {name}'s crisis answer released without review: {audit}")
            approver = answered[-1][1]
            author = [a for a in audit if a[2] == "submit_review"][-1][1]
            self.assertEqual(roles.get(approver), "supervisor",
                             f"rule 5: {name} approved by {approver}, not a supervisor")
            self.assertNotEqual(approver, author, f"rule 5: {name} approved by its author")
            final = [c for c in day.citizen if c["ticket"] == name and c["what"] == "final read"]
            body = final[-1]["resp"].json
            self.assertTrue(body["answer"], f"rule 5: {name}'s reader sees no answer")
            self.assertIs(body["crisis"], True, f"rule 5: {name}'s answer without its crisis flag")
            self.assert_lines(body, t["lang"], 5, f"{name}'s answered crisis")
            reviewed += 1
        self.assertGreaterEqual(reviewed, 6, "rule 5: the day's crisis answers")
        self.assertIn("review_waiting", [h["kind"] for h in day.history("O")],
                      "rule 5: a supervisor's own crisis answer tells on-call it waits")

    def rule6_nobody_reads_anothers_question(self):
        day = self.day
        own = {n: t["markers"] for n, t in day.tickets.items()}
        everything = set().union(*own.values()) | day.secret_markers
        codes = {t["code"] for t in day.tickets.values()}
        for c in day.citizen:
            body = c["resp"].body.decode("utf-8", "replace")
            for m in re.findall(r"zq[a-z][0-9a-f]{8}", body):
                whose = "an internal note" if m in day.secret_markers else "another ticket's text"
                self.assertIn(m, own.get(c["ticket"], set()),
                              f"rule 6: {c['ticket']}'s {c['what']} shows {whose}")
            for code in codes - {day.tickets.get(c["ticket"], {}).get("code")}:
                self.assertNotIn(code, body, "rule 6: a response shows another's access code")
        # Nothing anyone wrote, and no access code, in a webhook or a log.
        leaks = [json.dumps(d[2], ensure_ascii=False) for d in day.webhooks()]
        leaks += [day.web.log()] + [w.log() for w in day.workers]
        for text in leaks:
            for m in everything:
                self.assertNotIn(m, text, "rule 6: a text in a webhook or a log")
            for code in codes:
                self.assertNotIn(code, text, "rule 6: an access code in a webhook or a log")
        for name in ("D", "G"):
            r = day.staff_request("lee", "GET", f"/api/v1/oncall/tickets/{day.id(name)}")
            self.assertEqual(r.status, 200, r.body)
            for m in everything:
                self.assertNotIn(m, r.body.decode(), "rule 6: a text in on-call's view")

    # Promises that must never be made, and how each language says "cannot" beside them.
    PROMISES = {
        "en": re.compile(r"100\s?%|complete(ly)? (secre|confiden|anonym|private)|total(ly)? "
                         r"(secre|confiden|anonym)|perfect(ly)? (secre|confiden|anonym)|fully "
                         r"anonym|absolute(ly)? (secre|confiden|anonym)|guarantee|we will call|"
                         r"we'll call|we will contact you|we'll contact you|we will (send|find) "
                         r"(someone|you)|someone will come|we will save|never be (shared|seen)",
                         re.I),
        "ko": re.compile(r"100\s?%|완전(한|히)? ?(비밀|익명)|절대(로)? ?(비밀|익명)|보장|"
                         r"전화(를)? ?(드릴|걸어 드릴)|연락(을)? ?드릴|찾아가|구해 ?드릴|보내 ?드릴"),
        "zh": re.compile(r"100\s?%|绝对(保密|匿名)|完全(保密|匿名)|(保证|担保)[^，。]{0,8}(保密|匿名|"
                         r"安全|隐私|不会)|我们(保证|承诺)|我们会(打电话|联系你|派人|救)|派人|"
                         r"会有人(来|去)"),
    }
    CANNOT = {
        "en": re.compile(r"\b(cannot|can't|can not|no (online )?service can|not)\b", re.I),
        "ko": re.compile(r"수(는|도)? 없|못 ?해|않아요|아니에요"),
        "zh": re.compile(r"无法|不能|不会|没有办法"),
    }

    def rule7_no_absolute_promise(self):
        day = self.day
        checked = 0
        for lang in ("en", "ko", "zh"):
            strings = self.citizen_strings(lang)
            for page in ("/", f"/t/{day.id('A')}"):  # the pages as served, fragments expanded
                body = day.web.request("GET", page).body.decode("utf-8")
                text = re.sub(r"<[^>]+>", " ", body)
                strings += [(f"{page}", line.strip()) for line in text.splitlines() if line.strip()]
            for path, s in strings:
                for sentence in re.split(r"(?<=[.!?。！？])\s*|다\. |요\. ", s):
                    found = self.PROMISES[lang].search(sentence)
                    if found is None and lang != "en":  # English text on the page too
                        found = self.PROMISES["en"].search(sentence)
                    if found:
                        self.assertTrue(self.CANNOT[lang].search(sentence) or
                                        self.CANNOT["en"].search(sentence),
                                        f"rule 7: {path} promises {found.group(0)!r}: {sentence}")
                        checked += 1
            # The page does state the limits, in every language.
            limits = self.catalogue(lang)["privacy"]["limits"]
            self.assertTrue(self.CANNOT[lang].search(limits), f"rule 7: {lang} limits: {limits}")
        self.assertGreaterEqual(checked, 3, "rule 7: the disclaimers were seen and are negated")
        for c in day.citizen:
            body = c["resp"].body.decode("utf-8", "replace")
            for lang in ("en", "ko", "zh"):
                found = self.PROMISES[lang].search(body)
                self.assertTrue(found is None or self.CANNOT[lang].search(body),
                                f"rule 7: a response promises {found and found.group(0)!r}")

    def rule8_crisis_alerts_repeat_until_acked_never_quiet(self):
        day = self.day
        stream = day.stream()
        quiet = [n for n in day.tickets if any(a[2] == "quiet_skip" for a in day.audit(n))]
        self.assertTrue(quiet, "rule 8: the quiet hours were in force (a reminder to experts was"
                               " skipped)")
        checked_minute = 0
        for name, t in sorted(day.tickets.items()):
            if not t["flagged_at"]:
                continue
            for inc in day.incidents(name):
                if inc.get("crisis") != "1":
                    continue
                hist = a24workers.history(day.resp, inc["id"])
                crisis_at = min([h["at"] for h in hist if h["kind"] in ("crisis", "crisis_waiting")]
                                or [int(inc["created"])]) / 1000
                ends = [h["at"] / 1000 for h in hist if h["event"] in ("acked", "resolved")]
                end = min([e for e in ends if e >= crisis_at] or [self.checked_at])
                repeats = [int(f["at"]) / 1000 for _, f in stream
                           if f["id"] == inc["id"] and f["event"] in ("repeat", "refire")]
                marks = [crisis_at] + [x for x in repeats if crisis_at <= x <= end] + [end]
                gaps = [b - a for a, b in zip(marks, marks[1:])]
                self.assertLessEqual(max(gaps), REPEAT_S + LATE_S,
                                     f"rule 8: {name}'s crisis incident {inc['id']} went "
                                     f"{max(gaps):.1f} s without a repeat before anyone "
                                     f"acknowledged it")
                # After an acknowledgement: quiet until the acknowledgement runs out, then back.
                for h in [h for h in hist if h["event"] == "acked"]:
                    at = h["at"] / 1000
                    reopened = [x["at"] / 1000 for x in hist if x["at"] / 1000 > at
                                and x["event"] in ("escalated", "refire")]
                    until = min(reopened + [at + ACK_TIMEOUT_S - 0.5])
                    early = [x for x in repeats if at < x < until]
                    self.assertEqual(early, [], f"rule 8: {name} repeated while acknowledged")
                # The webhooks: the crisis at once (quiet hours or not), then once a minute
                # while nobody acknowledges it.
                hooks = sorted(d[0] for d in day.webhooks(name) if d[2]["alert"]["id"] == inc["id"])
                self.assertTrue(hooks, f"rule 8: {name}'s crisis incident never sent")
                first = [x for x in hooks if x >= crisis_at - 0.5]
                self.assertTrue(first and first[0] - crisis_at < 10,
                                f"rule 8: {name}'s crisis webhook held back: {first[:1]} vs "
                                f"{crisis_at}")
                nxt = [x for x in hooks if x > first[0] + 1]
                if nxt and nxt[0] <= end + 1:
                    self.assertLess(nxt[0] - first[0], WEBHOOK_GAP_S + 10,
                                    f"rule 8: {name}'s crisis repeated to on-call only after "
                                    f"{nxt[0] - first[0]:.0f} s")
                    checked_minute += 1
                else:
                    self.assertLess(end - first[0], WEBHOOK_GAP_S + 10,
                                    f"rule 8: {name}'s unacknowledged crisis sent once and never "
                                    "again in over a minute")
        self.assertGreaterEqual(checked_minute, 1, "rule 8: a crisis stayed unacknowledged for a "
                                                   "minute (G) and was heard of again")
        refires = [h for h in a24workers.history(day.resp, day.tickets["J"]["acked"][0])
                   if h["event"] == "refire"]
        self.assertTrue(refires, "rule 8: an acknowledged, unresolved crisis came back")

    def rule9_no_silent_deadline_no_stranded_claim(self):
        day = self.day
        breached = 0
        stream = day.stream()
        dashboard_only = self.dashboard_only = []
        for name, t in sorted(day.tickets.items()):
            if t.get("withdrawn"):
                continue
            h = a24workers.ticket(day.resp, t["id"])
            due = int(h["due"]) / 1000
            state = h["state"].decode()
            answered_at = int(h["answered_at"]) / 1000 if h.get("answered_at") else None
            missed = (state in AWAITING and due < self.checked_at - LATE_S) or \
                (answered_at is not None and answered_at > due + LATE_S)
            if not missed:
                continue
            breaches = [x for x in day.history(name) if x["kind"] == "breach"
                        and x["event"] in ("raised", "escalated", "noted")]
            self.assertTrue(breaches, f"rule 9: {name}'s due time passed silently ({state})")
            self.assertLess(breaches[0]["at"] / 1000 - due, LATE_S,
                            f"rule 9: {name}'s breach came late")
            self.assertGreaterEqual(breaches[0]["at"] / 1000, due - 0.05,
                                    f"rule 9: {name}'s breach came early")
            # Told by webhook once the minute rule lets it go, no later (answered or not).
            told = [f for _, f in stream if f["ticket"] == t["id"] and f["kind"] == "breach"]
            self.assertTrue(told, f"rule 9: {name}'s breach never reached the dashboard feed")
            heard_by = self.breach_heard_by(name)
            if heard_by is None:
                dashboard_only.append(name)
            else:
                hooks = [d for d in day.webhooks(name) if d[2]["alert"]["kind"] == "breach"]
                self.assertTrue(hooks, f"rule 9: no webhook told of {name}'s breach")
                self.assertLess(hooks[0][0], heard_by + 10,
                                f"rule 9: {name}'s breach webhook held back")
            breached += 1
        self.assertGreaterEqual(breached, 6, "rule 9: the day left questions to breach")
        self.breached = breached
        # The promise figure counts them: every missed window ended outside it.
        r = day.staff_request("lee", "GET", "/api/v1/stats")
        self.assertEqual(r.status, 200, r.body)
        totals = r.json["totals"]
        self.assertGreaterEqual(totals["window_ended"] - totals["within_window"], breached,
                                f"rule 9: missed windows left out of the figures: {totals}")
        self.assertLess(totals["within_window_pct"], 100.0, totals)
        self.within_window = (totals["within_window"], totals["window_ended"],
                              totals["within_window_pct"])
        # No claim or offer with anyone off duty, now.
        onduty = {x.decode() for x in day.resp.call("SMEMBERS", "a24:onduty")}
        for name, t in day.tickets.items():
            if t.get("withdrawn"):
                continue
            state, owner = day.state(name)
            if state in ("offered", "claimed"):
                self.assertIn(owner, onduty, f"rule 9: {name} {state} by {owner}, off duty")
        for name, (who, event) in self.handed_back.items():
            audit = day.audit(name)
            at = [i for i, a in enumerate(audit) if a[2] == event][0]
            later = [a for a in audit[at + 1:] if a[2] in ("offer", "claim", "route")]
            self.assertTrue(all(a[1] != who for a in later if a[2] == "claim"),
                            f"rule 9: {name} went back to {who} while off duty")

    def rule10_instruments_unchanged_with_attribution(self):
        with open(os.path.join(a24test.FIXTURES_DIR, "instruments_checked.json"),
                  encoding="utf-8") as f:
            checked = json.load(f)
        english = self.catalogue("en")["instruments"]
        served = {lang: self.day.web.request("GET", f"/i18n/{lang}.json").json
                  for lang in ("ko", "zh", "en")}
        for lang in ("ko", "zh", "en"):
            block = self.catalogue(lang)["instruments"]
            self.assertEqual(served[lang]["instruments"], block,
                             f"rule 10: the {lang} catalogue served is not the file")
            official = bool(block.get("lang")) and isinstance(block.get("attribution"), str)
            if official:
                self.assertIn(lang, checked, f"rule 10: {lang} has questionnaire texts nobody "
                              "checked against the official form (tests/fixtures/"
                              "instruments_checked.json)")
                shown = block
            else:
                # No official translation: the page shows the English text, marked
                # lang="en", with a note saying why; never a translation of its own.
                self.assertTrue(all(v is None for v in block["phq9"]["items"] +
                                    block["gad7"]["items"]),
                                f"rule 10: {lang} has items without an official text's lang")
                self.assertTrue(self.catalogue(lang)["selfcheck"]["translationNote"],
                                f"rule 10: {lang} shows English items without saying why")
                shown = english
            want = checked["en"] if not official else checked[lang]
            for key in ("lang", "attribution"):
                self.assertEqual(shown[key], want[key], f"rule 10: {lang} {key} changed")
            for inst in ("phq9", "gad7"):
                for key in ("stem", "items", "options"):
                    self.assertEqual(shown[inst][key], want[inst][key],
                                     f"rule 10: the {lang} page's {inst} {key} differ from the "
                                     "checked official text")
            self.assertIn("Pfizer", shown["attribution"],
                          f"rule 10: the {lang} page's attribution is missing")
        self.assertIn('id="selfcheck-attribution"', self.day.web.request("GET", "/").body.decode(),
                      "rule 10: the page has no place for the attribution")

    # ================================================================ figures

    def figures(self, elapsed):
        day = self.day
        hooks = day.webhooks()
        keys = collections.Counter(d[1].get("Idempotency-Key") for d in hooks)
        per_ticket = collections.Counter(d[2]["alert"].get("ticket") or "-" for d in hooks)
        by_ticket = collections.defaultdict(list)
        for d in hooks:
            if d[2]["alert"].get("ticket"):
                by_ticket[d[2]["alert"]["ticket"]].append(d[0])
        most = 0
        for times in by_ticket.values():
            times.sort()
            for i, x in enumerate(times):
                most = max(most, sum(1 for y in times[i:] if y - x < WEBHOOK_GAP_S))
        stream = day.stream()
        changes = sum(1 for _, f in stream if f["event"] in ("raised", "escalated", "repeat",
                                                             "refire"))
        span = (self.checked_at - self.t0) / 60
        tickets = len([t for t in day.tickets.values()])
        crises = len([t for t in day.tickets.values() if t["flagged_at"]])
        self.assertEqual(day.hook.bad_signatures, 0, "every webhook signed")
        # One message a minute per ticket, apart from a new crisis (decided when the
        # change is made: a delivery taken over from the dead worker may arrive late).
        for name, t in day.tickets.items():
            urgent = {h["at"] for h in day.history(name)
                      if h["kind"] == "crisis" and h["event"] in ("raised", "escalated")}
            sent = sorted(int(f["at"]) for _, f in stream
                          if f["ticket"] == t["id"] and f["send"] == "1")
            for a, b in zip(sent, sent[1:]):
                self.assertTrue(b - a >= WEBHOOK_GAP_S * 1000 - 50 or b in urgent,
                                f"{name}: two webhooks {b - a} ms apart")
        print(f"\ncompressed day: {tickets} tickets ({crises} crises), {span:.1f} min of day, "
              f"{elapsed:.0f} s in all; webhooks {len(hooks)} ({len(keys)} distinct, "
              f"{len(hooks) - len(keys)} delivered again after the worker was killed), "
              f"{len(hooks) / span:.1f} a minute, at most {most} for one ticket in any 60 s; "
              f"changes on the alert stream that people must hear of (raised, escalated, "
              f"repeat, refire): {changes}; tickets with webhooks {len(by_ticket)}, "
              f"about no ticket {per_ticket.get('-', 0)}; breaches {self.breached} "
              f"({len(self.dashboard_only)} answered within the webhook minute, told to the "
              f"dashboard only: {sorted(self.dashboard_only)}); within window "
              f"{self.within_window[0]}/{self.within_window[1]} "
              f"({self.within_window[2]:.1f} %)", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
