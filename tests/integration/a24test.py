"""a24test: the shared harness of answer24's integration and fault tests.

Python 3 standard library only. It starts a throwaway `redis-server` (from PATH) on a
free port in a private temporary directory, and the real `answer24-web` from
$A24_BIN_DIR on another free port with a generated YAML configuration; it talks RESP
to Redis over a raw socket (no redis-py) and HTTP/1.1 to the front end.

Everything started is registered for cleanup before it starts, so processes are
killed (by process group) and temporary directories removed even when a test fails.
Stopping the front end checks what the contract promises: SIGTERM makes it exit 0
within 10 s, and its stderr carries no AddressSanitizer, LeakSanitizer or UBSan
report (the log is printed when it does).

Typical use:

    class SubmitTest(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.stack = a24test.start_stack(cls.addClassCleanup)

        def test_submit(self):
            r = self.stack.web.submit("hello", "sleep")
            self.assertEqual(r.status, 201, r.body)
"""

import copy
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import NamedTuple

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("A24_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BIN_DIR = os.environ.get("A24_BIN_DIR") or os.path.join(SOURCE_DIR, "build", "bin")
FIXTURES_DIR = os.path.join(SOURCE_DIR, "tests", "fixtures")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")
STOP_TIMEOUT = 10.0

# Limits are off by default so that tests may submit freely from one address;
# the rate-limit tests turn them on.
DEFAULT_CONFIG = {
    "http": {
        "static_dir": os.path.join(SOURCE_DIR, "service", "web"),
    },
    "screening": {
        "data_dir": os.path.join(SOURCE_DIR, "proto", "data"),
    },
    "limits": {
        "submissions_per_hour": 0,
        "code_checks_per_hour": 0,
        "intake_per_minute": 0,
    },
    "redis": {
        "reconnect_min": "50ms",
        "reconnect_max": "500ms",
    },
}


# ------------------------------------------------------------------ small helpers


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls `predicate` until it returns a true value (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last_exc = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}"
                               + (f" (last error: {last_exc!r})" if last_exc else ""))
        time.sleep(interval)


def in_parallel(target, args, timeout=None):
    """Runs target(a) for every a of `args`, each in a thread of its own, waits for them
    all (each at most `timeout` seconds when given) and returns the seconds it took. A
    failure (an assertion or any error) in any thread fails the caller: it is re-raised
    here, never only printed by the thread."""
    errors = []

    def run(a):
        try:
            target(a)
        except BaseException as e:  # noqa: BLE001 - handed to the caller below
            errors.append(e)
    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(a,)) for a in args]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
    took = time.monotonic() - started
    if errors:
        raise AssertionError("%d of %d parallel calls failed; the first: %r"
                             % (len(errors), len(threads), errors[0])) from errors[0]
    return took


def kill_group(proc, sig=signal.SIGKILL):
    """Sends `sig` to the process group `proc` leads (it was started in a new session)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        proc.send_signal(sig)


def reap(proc, timeout=5.0):
    """Kills `proc`'s group if it still runs and waits for it."""
    if proc is None:
        return
    kill_group(proc, signal.SIGKILL)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass


def to_yaml(value, indent=0):
    """A tiny YAML emitter for the configuration: mappings, lists and scalars.

    Strings are written double-quoted (JSON escaping is valid YAML), numbers and
    booleans plain.
    """
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, (dict, list)):
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(v, indent + 1))
            else:
                lines.append(f"{pad}{key}: {yaml_scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                first = True
                for key, v in item.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    first = False
                    if isinstance(v, (dict, list)):
                        lines.append(f"{lead}{key}:")
                        lines.append(to_yaml(v, indent + 2))
                    else:
                        lines.append(f"{lead}{key}: {yaml_scalar(v)}")
            else:
                lines.append(f"{pad}- {yaml_scalar(item)}")
    else:
        lines.append(pad + yaml_scalar(value))
    return "\n".join(lines)


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))


def deep_merge(base, extra):
    """A copy of `base` with `extra` laid over it (mappings merge; anything else replaces)."""
    out = copy.deepcopy(base)
    for key, v in (extra or {}).items():
        if isinstance(v, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], v)
        else:
            out[key] = copy.deepcopy(v)
    return out


def parse_time(text):
    """An RFC 3339 timestamp in UTC ("...Z" or "+00:00") as seconds since the epoch."""
    if not (text.endswith("Z") or text.endswith("+00:00")):
        raise AssertionError(f"{text!r} is not an RFC 3339 time in UTC")
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def assert_error(tc, r, status, code, field=None):
    """Asserts on TestCase `tc` that Response `r` is the contract's error: `status`,
    Content-Type application/json, and a body of exactly {"error": {"code", "message",
    "field"?}} with the given `code` (and `field`, when given)."""
    tc.assertEqual(r.status, status, r.body)
    tc.assertTrue(r.headers.get("content-type", "").startswith("application/json"),
                  r.headers)
    tc.assertIsInstance(r.json, dict, r.body)
    tc.assertEqual(set(r.json), {"error"}, r.body)
    err = r.json["error"]
    tc.assertIsInstance(err, dict, r.body)
    tc.assertLessEqual(set(err), {"code", "message", "field"}, r.body)
    tc.assertEqual(err.get("code"), code, r.body)
    tc.assertIsInstance(err.get("message"), str, r.body)
    tc.assertTrue(err["message"], r.body)
    if "field" in err:
        tc.assertIsInstance(err["field"], str, r.body)
    if field is not None:
        tc.assertEqual(err.get("field"), field, r.body)


# ------------------------------------------------------------------ RESP


class RespError(Exception):
    """An error reply from Redis (-ERR ...)."""


class Resp:
    """A minimal blocking RESP2 client: commands out as arrays of bulk strings, replies
    parsed into str (simple strings), int, bytes (bulk, binary safe), None (nil) and
    lists. An error reply raises RespError."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0, auth=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        if auth:  # (password,) or (username, password): AUTH before anything else
            self.call("AUTH", *auth)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def call(self, *args):
        """Sends one command and returns its parsed reply."""
        self.sock.sendall(self.encode(args))
        return self.read_reply()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            items = []
            for _ in range(n):
                try:
                    items.append(self.read_reply())
                except RespError as e:  # an error inside an array (EXEC) is a value
                    items.append(e)
            return items
        raise ValueError(f"cannot parse RESP line {line!r}")

    # -- conveniences

    def scan(self, pattern="*"):
        """Every key matching `pattern` (SCAN, so safe on a live server), as bytes."""
        keys, cursor = [], b"0"
        while True:
            cursor, batch = self.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
            keys.extend(batch)
            if cursor == b"0":
                return keys

    def hgetall(self, key):
        flat = self.call("HGETALL", key)
        return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}

    def dump_all(self):
        """{key: DUMP bytes} for every key."""
        return {k: self.call("DUMP", k) for k in self.scan("*")}


# ------------------------------------------------------------------ Redis


class RedisServer:
    """A private redis-server on 127.0.0.1 with AOF (appendfsync always by default)."""

    def __init__(self, workdir, port=None, appendfsync="always", extra_args=(), auth=None):
        self.auth = auth  # for a Redis with a password: (password,) or (username, password)
        self.dir = os.path.join(workdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.appendfsync = appendfsync
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(workdir, "redis.log")

    def argv(self):
        return ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "yes", "--appendfsync", self.appendfsync,
                "--dir", self.dir, "--logfile", self.log_path,
                "--daemonize", "no"] + self.extra_args

    def start(self, timeout=10.0):
        """Starts (or restarts on the same port and directory) and waits for PING."""
        assert self.proc is None or self.proc.poll() is not None, "redis already running"
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)

        def pong():
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n"
                                   + self.log())
            with Resp(self.port, timeout=1.0, auth=self.auth) as r:
                return r.call("PING") == "PONG"

        wait_until(pong, timeout, what=f"redis-server on port {self.port}")
        return self

    def client(self, timeout=5.0):
        return Resp(self.port, timeout=timeout, auth=self.auth)

    def call(self, *args):
        """One command on a fresh connection."""
        with self.client() as r:
            return r.call(*args)

    def kill(self):
        """kill -9: no chance to flush anything it has not already written."""
        if self.proc is not None and self.proc.poll() is None:
            kill_group(self.proc, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        """A clean stop (SIGTERM), falling back to SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        kill_group(self.proc, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            reap(self.proc)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def files(self):
        """Every regular file under the data directory (the AOF and its manifest)."""
        out = []
        for root, _dirs, names in os.walk(self.dir):
            out.extend(os.path.join(root, n) for n in names)
        return sorted(out)


# ------------------------------------------------------------------ HTTP


class Response(NamedTuple):
    status: int
    headers: dict  # lower-case names; repeated headers joined with ", "
    body: bytes
    json: object  # the parsed body when it is JSON, else None

    @property
    def error_code(self):
        try:
            return self.json["error"]["code"]
        except (TypeError, KeyError):
            return None


def make_response(status, header_items, body):
    headers = {}
    for name, value in header_items:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    parsed = None
    if body and "json" in headers.get("content-type", ""):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    return Response(status, headers, body, parsed)


def parse_raw_response(data):
    """Splits one raw HTTP/1.1 response (bytes) into a Response (Content-Length bodies)."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    items = [tuple(p.strip() for p in line.split(":", 1)) for line in lines[1:] if ":" in line]
    r = make_response(status, items, b"")
    n = int(r.headers.get("content-length", len(rest)))
    return make_response(status, items, rest[:n])


class WebServer:
    """answer24-web on a free port, with its configuration and its stderr log in `workdir`."""

    def __init__(self, workdir, redis_port, config=None, env=None, name="web"):
        self.workdir = workdir
        self.name = name
        self.port = free_port()
        self.config = deep_merge(DEFAULT_CONFIG, {
            "http": {"listen": f"127.0.0.1:{self.port}"},
            "redis": {"url": f"redis://127.0.0.1:{redis_port}/0"},
            "secrets": {"key_file": os.path.join(workdir, "secret.key")},
        })
        self.config = deep_merge(self.config, config)
        self.env = dict(env or {})
        self.config_path = os.path.join(workdir, f"{name}.yaml")
        self.log_path = os.path.join(workdir, f"{name}.stderr")
        self.proc = None
        self._log_file = None

    @property
    def binary(self):
        return os.path.join(BIN_DIR, "answer24-web")

    def start(self, wait_ready=True, timeout=10.0):
        with open(self.config_path, "w") as f:
            f.write(to_yaml(self.config) + "\n")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        env.update(self.env)
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, env=env, start_new_session=True)

        def up(path):
            if self.proc.poll() is not None:
                raise RuntimeError(f"answer24-web exited with {self.proc.returncode}:\n"
                                   + self.log())
            return self.request("GET", path, timeout=2).status == 200

        wait_until(lambda: up("/healthz"), timeout, what="/healthz")
        if wait_ready:
            wait_until(lambda: up("/readyz"), timeout, what="/readyz")
        return self

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def log_bytes(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def log_events(self):
        """The JSON lines of the log, parsed (other lines skipped)."""
        events = []
        for line in self.log().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events

    def sanitizer_reports(self):
        text = self.log()
        return [m for m in SANITIZER_MARKERS if m in text]

    def stop(self):
        """SIGTERM; returns a list of problems (empty when it stopped as it should)."""
        if self.proc is None:
            return []
        problems = []
        if self.proc.poll() is not None:
            problems.append(f"answer24-web had already exited with {self.proc.returncode}")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(STOP_TIMEOUT)
                if rc != 0:
                    problems.append(f"answer24-web exited with {rc} on SIGTERM")
            except subprocess.TimeoutExpired:
                problems.append(f"answer24-web did not exit within {STOP_TIMEOUT}s of SIGTERM")
        reap(self.proc)
        for marker in self.sanitizer_reports():
            problems.append(f"answer24-web's stderr has a sanitizer report ({marker!r})")
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return problems

    def kill(self):
        reap(self.proc)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # -- HTTP

    def connection(self, timeout=10):
        """A keep-alive HTTP/1.1 connection; close it when done."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, timeout=10):
        """One request. `body` may be bytes, str, or a dict/list (sent as JSON with
        Content-Type application/json unless headers say otherwise). With `conn` the
        request goes on that connection and it stays open."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        elif isinstance(body, str):
            body = body.encode()
        own = conn is None
        c = self.connection(timeout) if own else conn
        try:
            c.request(method, path, body=body, headers=headers)
            resp = c.getresponse()
            data = resp.read()
            return make_response(resp.status, resp.getheaders(), data)
        finally:
            if own:
                c.close()

    def raw(self, data, timeout=10):
        """Sends raw bytes and returns everything the server sent back until it closed
        the connection or went quiet for `timeout` seconds."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    def raw_request(self, data, timeout=10):
        """raw() parsed into a Response."""
        return parse_raw_response(self.raw(data, timeout))

    # -- the citizen API

    def submit(self, text="I cannot sleep at night.", category="sleep", headers=None, **fields):
        body = {"text": text, "category": category}
        body.update(fields)
        return self.request("POST", "/api/v1/questions", body, headers)

    def read(self, ticket, code, conn=None):
        return self.request("GET", f"/api/v1/questions/{ticket}",
                            headers={"Authorization": f"Bearer {code}"}, conn=conn)

    def followup(self, ticket, code, text):
        return self.request("POST", f"/api/v1/questions/{ticket}/followups", {"text": text},
                            {"Authorization": f"Bearer {code}"})

    def withdraw(self, ticket, code):
        return self.request("DELETE", f"/api/v1/questions/{ticket}",
                            headers={"Authorization": f"Bearer {code}"})

    def metrics(self):
        """/metrics as {series: value}, e.g. {'answer24_open_tickets': 3.0}."""
        r = self.request("GET", "/metrics")
        out = {}
        for line in r.body.decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out


# ------------------------------------------------------------------ the whole stack


class Stack:
    """A temporary directory, a Redis in it and an answer24-web in front of it."""

    def __init__(self, config=None, env=None, appendfsync="always", redis_args=()):
        self.tmp = tempfile.mkdtemp(prefix="a24test-")
        self.redis = RedisServer(self.tmp, appendfsync=appendfsync, extra_args=redis_args)
        self.web = WebServer(self.tmp, self.redis.port, config=config, env=env)

    def start(self):
        self.redis.start()
        self.web.start()
        return self

    def resp(self):
        return self.redis.client()

    def submitted(self):
        """The desk-wide count of accepted questions (a24:stats "submitted")."""
        with self.resp() as redis:
            return int(redis.call("HGET", "a24:stats", "submitted") or 0)

    def close(self):
        """Stops the front end (checking it stopped cleanly), kills Redis, removes the
        directory; raises AssertionError afterwards if the front end misbehaved."""
        problems = []
        try:
            problems = self.web.stop()
        finally:
            self.web.kill()
            reap(self.redis.proc)
            if problems:
                sys.stderr.write("\n---- answer24-web stderr (%s) ----\n%s\n---- end ----\n"
                                 % (self.web.log_path, self.web.log()))
            shutil.rmtree(self.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("; ".join(problems))


def start_stack(add_cleanup, **kwargs):
    """Creates and starts a Stack, registering its cleanup with `add_cleanup` (a test's
    addCleanup or a class's addClassCleanup) before anything starts."""
    stack = Stack(**kwargs)
    add_cleanup(stack.close)
    return stack.start()



# ------------------------------------------------------------------ accounts


def ctl(config_path, *args, stdin=None):
    """Runs answer24ctl with the configuration file `config_path` and `args`; returns the
    CompletedProcess (text output captured)."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    return subprocess.run([os.path.join(BIN_DIR, "answer24ctl"), "--config", config_path, *args],
                          input=stdin, capture_output=True, text=True, timeout=60, env=env)


def add_user(config_path, username, role, password, categories=None, languages=None):
    """Adds one account with `answer24ctl user add` (the password on stdin); raises
    AssertionError with answer24ctl's stderr when it fails."""
    args = ["user", "add", "--username", username, "--role", role]
    if categories:
        args += ["--categories", categories]
    if languages:
        args += ["--languages", languages]
    p = ctl(config_path, *args, "--password-stdin", stdin=password + "\n")
    if p.returncode != 0:
        raise AssertionError(f"answer24ctl user add {username}: exit {p.returncode}: {p.stderr}")


def add_accounts(web, accounts, password):
    """Adds each (username, role, categories, languages) of `accounts` and signs it in
    on `web`; returns {username: token}. Raises AssertionError when either fails."""
    tokens = {}
    for username, role, cats, langs in accounts:
        add_user(web.config_path, username, role, password, cats, langs)
        r = web.request("POST", "/api/v1/session", {"username": username, "password": password})
        if r.status != 200:
            raise AssertionError(f"sign-in of {username}: {r.status} {r.body!r}")
        tokens[username] = r.json["token"]
    return tokens

class StackTestCase(unittest.TestCase):
    """Tests on one stack for the whole class: `stack` and its `web`, started with the
    class's STACK_CONFIG (over the defaults) and stopped after the class."""

    STACK_CONFIG = None

    @classmethod
    def setUpClass(cls):
        cls.stack = start_stack(cls.addClassCleanup, config=cls.STACK_CONFIG)
        cls.web = cls.stack.web

    def submitted(self):
        """The desk-wide count of accepted questions."""
        return self.stack.submitted()
