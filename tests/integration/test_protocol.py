"""Integration tests of the front end's protocol and connection defences (issue 9, points
4 and 5), on a real answer24-web in front of a private redis-server (a24test.py).

- Connections: the open-file limit is raised to the hard one; connections are capped
  globally and per client address; near the cap the connection idle the longest is
  closed to make room, never one that is busy; at `ulimit -n 1024` a probe keeps
  succeeding beside 1 500 idle and 300 slow-header connections.
- Protocol: cleartext HTTP/2 is off unless http.h2c is on; a request whose body framing
  is ambiguous (Content-Length twice, or with Transfer-Encoding) is answered 400 and its
  connection closed, so a request hidden in its body is never served; with an https
  public origin the session cookie is Secure and every answer carries HSTS; IPv6
  listen addresses work and a bad one is a one-line error.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24test  # noqa: E402

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS_FRAME_TYPE = 4


def host_address():
    """A non-loopback address of this host (the per-client cap exempts loopback), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def is_closed(sock, timeout):
    """True if the server closes `sock` (without a word) within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def responses_in(data):
    """The status codes of the HTTP/1.1 responses in `data`, in order."""
    return [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


def probe(port, path="/healthz", host="127.0.0.1", timeout=3.0):
    """GET `path` on a new connection; returns (status, seconds taken)."""
    start = time.monotonic()
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status, time.monotonic() - start
    finally:
        c.close()


class LimitedWeb(a24test.WebServer):
    """answer24-web started under `prlimit --nofile=N:N` (soft and hard)."""

    def __init__(self, *args, nofile=1024, **kwargs):
        super().__init__(*args, **kwargs)
        self.nofile = nofile

    @property
    def binary(self):
        path = os.path.join(self.workdir, f"{self.name}-limited.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nexec prlimit --nofile=%d:%d %s \"$@\"\n"
                    % (self.nofile, self.nofile, super().binary))
        os.chmod(path, 0o755)
        return path


class ListenWeb(a24test.WebServer):
    """answer24-web listening on `listen` ("{port}" stands for its port); the helpers
    connect to `host`."""

    def __init__(self, *args, listen="127.0.0.1:{port}", host="127.0.0.1", **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.config["http"]["listen"] = listen.format(port=self.port)

    def connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


def stack_with(add_cleanup, web_class=a24test.WebServer, config=None, **web_kwargs):
    """A Stack whose front end is a `web_class`, started."""
    stack = a24test.Stack(config=config)
    stack.web = web_class(stack.tmp, stack.redis.port, config=config, **web_kwargs)
    add_cleanup(stack.close)
    return stack.start()


class ProtocolTest(a24test.StackTestCase):
    """The protocol cases, on one default stack."""

    def raw_until_closed(self, data, timeout=5):
        """Sends `data` without half-closing, and returns what came back until the server
        closed (fails if it kept the connection open)."""
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                except socket.timeout:
                    self.fail("the connection was kept open: %r" % b"".join(chunks))
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    # ---------------------------------------------------------------- HTTP/2 cleartext

    def test_h2c_off_by_default(self):
        data = self.web.raw(HTTP2_PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00", timeout=3)
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:80])
        r = self.web.request("GET", "/healthz",
                             headers={"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c",
                                      "HTTP2-Settings": "AAMAAABkAARAAAAAAAIAAAAA"})
        self.assertEqual(r.status, 200)

    # ---------------------------------------------------------------- framing

    def smuggle(self, framing, body):
        """A POST whose framing headers are `framing` and body `body`, with a whole
        question submission hidden behind it."""
        question = json.dumps({"text": "Smuggled question, must never be stored.",
                               "category": "sleep"}).encode()
        hidden = (b"POST /api/v1/questions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nContent-Length: %d\r\n\r\n%s" % (len(question), question))
        head = (b"POST /api/v1/questions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n" + framing + b"\r\n")
        return head + body + hidden

    def assert_refused_and_closed(self, framing, body):
        """The smuggle() of `framing` and `body` is refused with 400 ambiguous_framing,
        the connection closed, and neither question stored."""
        before = self.submitted()
        out = self.raw_until_closed(self.smuggle(framing, body))
        self.assertEqual(responses_in(out), [400], out[:300])
        self.assertIn(b"connection: close", out.lower())
        self.assertIn(b'"code":"ambiguous_framing"', out)
        self.assertEqual(self.submitted(), before)

    def test_content_length_with_transfer_encoding(self):
        self.assert_refused_and_closed(
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")
        self.assert_refused_and_closed(
            b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n")

    def test_conflicting_content_lengths(self):
        self.assert_refused_and_closed(
            b"Content-Length: 0\r\nContent-Length: 300\r\n", b"")

    def test_duplicate_content_lengths(self):
        self.assert_refused_and_closed(
            b"Content-Length: 2\r\nContent-Length: 2\r\n", b"{}")

    def test_duplicate_transfer_encodings(self):
        self.assert_refused_and_closed(
            b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")

    def test_pages_refuse_ambiguous_framing_too(self):
        out = self.raw_until_closed(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                                    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(responses_in(out), [400], out[:300])

    def test_single_framing_still_works(self):
        before = self.submitted()
        body = json.dumps({"text": "A chunked question about sleep.", "category": "sleep"})
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body.encode())
        out = self.web.raw(b"POST /api/v1/questions HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                           b"Connection: close\r\n\r\n" + chunked)
        self.assertEqual(responses_in(out), [201], out[:300])
        # Pipelined, each with one Content-Length: both served on one connection.
        req = (b"POST /api/v1/questions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
               b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body.encode()))
        out = self.web.raw(req + req.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n"))
        self.assertEqual(responses_in(out), [201, 201], out[:300])
        self.assertEqual(self.submitted(), before + 3)

    # ---------------------------------------------------------------- cookies, HSTS

    def test_no_hsts_without_https_origin(self):
        r = self.web.request("GET", "/healthz")
        self.assertIsNone(r.headers.get("strict-transport-security"))


class HttpsOriginTest(a24test.StackTestCase):
    """http.public_url is https: Secure session cookie and HSTS everywhere."""

    STACK_CONFIG = {"http": {"public_url": "https://desk.example.org"}}

    def test_hsts_on_api_and_pages(self):
        for path in ("/healthz", "/api/v1/nothing-here", "/", "/console"):
            r = self.web.request("GET", path)
            self.assertEqual(r.headers.get("strict-transport-security"), "max-age=31536000",
                             path)

    def test_session_cookie_secure(self):
        a24test.add_user(self.web.config_path, "sec-kim", "expert", "sec-password-1")
        r = self.web.request("POST", "/api/v1/session",
                             {"username": "sec-kim", "password": "sec-password-1"})
        self.assertEqual(r.status, 200, r.body)
        cookie = r.headers.get("set-cookie")
        self.assertIsNotNone(cookie)
        self.assertIn("; Secure", cookie)
        self.assertIn("HttpOnly", cookie)
        token = r.json["token"]
        r = self.web.request("DELETE", "/api/v1/session",
                             headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 204)
        self.assertIn("; Secure", r.headers.get("set-cookie"))


class H2cOnTest(a24test.StackTestCase):
    """http.h2c: true brings cleartext HTTP/2 back (prior knowledge)."""

    STACK_CONFIG = {"http": {"h2c": True}}

    def test_prior_knowledge(self):
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=5) as s:
            s.sendall(HTTP2_PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            head = b""
            while len(head) < 9:
                chunk = s.recv(9 - len(head))
                self.assertTrue(chunk, "closed before a frame")
                head += chunk
        self.assertEqual(head[3], SETTINGS_FRAME_TYPE, head)


class ListenTest(unittest.TestCase):
    """IPv6 listen addresses, and bad ones."""

    def test_ipv6_loopback(self):
        stack = stack_with(self.addCleanup, ListenWeb, listen="[::1]:{port}", host="::1")
        self.assertEqual(stack.web.request("GET", "/healthz").status, 200)

    def test_ipv6_any(self):
        # "[::]" takes both families.
        stack = stack_with(self.addCleanup, ListenWeb, listen="[::]:{port}", host="::1")
        self.assertEqual(stack.web.request("GET", "/healthz").status, 200)
        self.assertEqual(probe(stack.web.port, host="127.0.0.1")[0], 200)

    def test_bad_listen_addresses(self):
        stack = a24test.Stack()
        self.addCleanup(stack.close)
        stack.redis.start()
        for listen in ("[::1:8125", "[fe80::zz]:8125", "localhost:8125", "256.1.1.1:8125",
                       "[::1]:70000", "192.0.2.77:8125"):
            web = a24test.WebServer(stack.tmp, stack.redis.port, name="bad",
                                    config={"http": {"listen": listen}})
            with open(web.config_path, "w") as f:
                f.write(a24test.to_yaml(web.config) + "\n")
            p = subprocess.run([web.binary, "--config", web.config_path], capture_output=True,
                               text=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertNotEqual(p.returncode, 0, listen)
            self.assertGreater(p.returncode, 0, f"{listen}: killed by a signal\n{p.stderr}")
            errors = [line for line in p.stderr.splitlines() if not line.startswith("{")]
            self.assertEqual(len(errors), 1, f"{listen}: {p.stderr}")
            self.assertNotIn("Assertion", p.stderr)
            for marker in a24test.SANITIZER_MARKERS:
                self.assertNotIn(marker, p.stderr)


class ConnectionCapTest(unittest.TestCase):
    """Small explicit caps, to see which connection goes."""

    def capped_stack(self):
        """A stack of its own capped at 16 connections, once the connections of its
        start-up checks are gone."""
        stack = stack_with(self.addCleanup, config={"http": {"max_connections": 16}})
        time.sleep(0.3)
        return stack

    def test_oldest_idle_closed_first_busy_kept(self):
        port = self.capped_stack().web.port
        socks = []
        try:
            # One keep-alive connection that made a request: used most recently.
            used = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            used.request("GET", "/healthz")
            used.getresponse().read()
            for _ in range(14):
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                time.sleep(0.01)
            time.sleep(0.2)
            used.request("GET", "/healthz")  # touches it again: now the newest
            used.getresponse().read()
            # 15 open: the cap (16) nears, so a new connection closes the idle one used
            # least recently (socks[0], not `used` although it is older).
            self.assertEqual(probe(port)[0], 200)
            self.assertTrue(is_closed(socks[0], 3))
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            time.sleep(0.2)
            self.assertEqual(probe(port)[0], 200)
            self.assertTrue(is_closed(socks[1], 3))
            self.assertFalse(is_closed(socks[2], 0.3))
            used.request("GET", "/healthz")
            self.assertEqual(used.getresponse().status, 200)
            used.close()
        finally:
            for s in socks:
                s.close()

    def test_busy_connections_never_closed(self):
        stack = self.capped_stack()
        port = stack.web.port
        slow = []
        try:
            for _ in range(16):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the head never ends
                slow.append(s)
            time.sleep(0.3)
            # Nothing idle to close: the newcomer is refused at once, unanswered.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
                self.assertTrue(is_closed(extra, 3))
            for s in slow:
                s.sendall(b"Connection: close\r\n\r\n")
                s.settimeout(5)
                self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200"))
        finally:
            for s in slow:
                s.close()
        self.assertEqual(probe(port)[0], 200)
        self.assertIn('"connections_shed"', stack.web.log())

    def test_event_streams_never_closed(self):
        stack = stack_with(self.addCleanup, config={"http": {"max_connections": 16}})
        port = stack.web.port
        a24test.add_user(stack.web.config_path, "sse-kim", "oncall", "sse-password-1")
        r = stack.web.request("POST", "/api/v1/session",
                              {"username": "sse-kim", "password": "sse-password-1"})
        self.assertEqual(r.status, 200, r.body)
        time.sleep(0.3)
        stream = socket.create_connection(("127.0.0.1", port), timeout=5)
        socks = []
        try:
            stream.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                           + r.json["token"].encode() + b"\r\n\r\n")
            head = stream.recv(65536)
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:200])
            # The stream is now the oldest connection, and waits for events.
            for _ in range(14):
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            time.sleep(0.3)
            self.assertEqual(probe(port)[0], 200)  # makes room: closes one idle connection
            self.assertTrue(is_closed(socks[0], 3))
            self.assertFalse(is_closed(stream, 0.5))
        finally:
            stream.close()
            for s in socks:
                s.close()

    def test_per_client_cap(self):
        addr = host_address()
        if addr is None:
            self.skipTest("no non-loopback address on this host")
        stack = stack_with(self.addCleanup, ListenWeb, listen="0.0.0.0:{port}",
                           config={"http": {"max_connections_per_client": 4}})
        port = stack.web.port
        held = [socket.create_connection((addr, port), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.2)
            with socket.create_connection((addr, port), timeout=5) as fifth:
                self.assertTrue(is_closed(fifth, 3))
            for s in held:
                self.assertFalse(is_closed(s, 0.1))
            # Loopback (the local proxy) is never capped per client.
            self.assertEqual(probe(port)[0], 200)
            held.pop().close()
            time.sleep(0.2)
            self.assertEqual(probe(port, host=addr)[0], 200)
        finally:
            for s in held:
                s.close()


class FloodTest(unittest.TestCase):
    """Issue 9.4: at ulimit -n 1024, 1 500 idle and 300 slow connections beside a probe."""

    IDLE = 1500
    SLOW = 300

    def test_probe_beside_idle_and_slow(self):
        stack = stack_with(self.addCleanup, LimitedWeb, nofile=1024,
                           config={"http": {"idle_timeout": "60s"}})
        web = stack.web
        log = web.log()
        self.assertIn('"soft":1024', log.replace(" ", ""))
        self.assertIn('"hard":1024', log.replace(" ", ""))
        socks = []
        try:
            for _ in range(self.IDLE):
                socks.append(socket.create_connection(("127.0.0.1", web.port), timeout=10))
            for _ in range(self.SLOW):
                s = socket.create_connection(("127.0.0.1", web.port), timeout=10)
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                except OSError:
                    pass  # refused at once: that is allowed
                socks.append(s)
            # The flood is in place once the server has taken the listen backlog.
            time.sleep(0.5)
            times = []
            for _ in range(5):
                status, took = probe(web.port, timeout=5)
                self.assertEqual(status, 200)
                times.append(took)
                time.sleep(0.2)
            self.assertLess(max(times), 2.0, times)
            sys.stderr.write("probe seconds beside %d idle + %d slow at nofile 1024: %s\n"
                             % (self.IDLE, self.SLOW, ", ".join("%.3f" % t for t in times)))
        finally:
            for s in socks:
                s.close()
        self.assertEqual(probe(web.port)[0], 200)
        self.assertEqual(web.stop(), [])
        web.proc = None  # stopped, and checked: the stack's cleanup has nothing left to stop
        for line in web.log().splitlines():
            if '"stopped"' in line:
                sys.stderr.write(line + "\n")


if __name__ == "__main__":
    unittest.main()
