"""benchresp: what the benchmark scripts share: a small RESP client for a private
redis-server on 127.0.0.1 (standard library only), the percentile they report, and the
command line of a helper with subcommands."""

import argparse
import socket
import time


class RespError(Exception):
    pass


class Redis:
    """A minimal RESP2 client: enough for pipelined commands and their replies."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rf = self.sock.makefile("rb", buffering=1 << 20)

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.rf.readline()
        if not line:
            raise RespError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rf.read(n + 2)
            return data[:-2].decode("utf-8", "replace")
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read() for _ in range(n)]
        raise RespError("bad reply %r" % line)

    def call(self, *args):
        self.sock.sendall(self.encode(args))
        r = self.read()
        if isinstance(r, RespError):
            raise r
        return r

    def pipeline(self, commands, chunk=2000):
        """Sends commands in chunks, reading each chunk's replies; raises on any error."""
        replies = []
        for i in range(0, len(commands), chunk):
            part = commands[i:i + chunk]
            self.sock.sendall(b"".join(self.encode(c) for c in part))
            for _ in part:
                r = self.read()
                if isinstance(r, RespError):
                    raise r
                replies.append(r)
        return replies

    def now_ms(self):
        s, us = self.call("TIME")
        return int(s) * 1000 + int(us) // 1000

    def used_memory(self):
        """used_memory less the AOF buffer and the clients' buffers (this loader's
        pipelined query buffer would otherwise count as data), after a short pause in
        which appendfsync everysec writes the AOF buffer out."""
        time.sleep(0.1)
        fields = {}
        for line in self.call("INFO", "memory").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k] = v
        return (int(fields["used_memory"]) - int(fields.get("mem_aof_buffer", 0)) -
                int(fields.get("mem_clients_normal", 0)))


def pct(sorted_vals, p):
    """Nearest-rank percentile."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, -(-p * len(sorted_vals) // 100) - 1))
    return sorted_vals[int(k)]


def run_commands(doc, commands):
    """The main of a helper with subcommands (`doc`'s first line describes it).
    `commands` maps each subcommand to (function, options); an option maps its flag to a
    type (the option is required), to a default (of the option's type), or to such a
    type or default and a help text. Calls the function chosen with the parsed arguments."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, (_, options) in commands.items():
        s = sub.add_parser(name)
        for flag, spec in options.items():
            spec, help_text = spec if isinstance(spec, tuple) else (spec, None)
            if isinstance(spec, type):
                s.add_argument(flag, type=spec, required=True, help=help_text)
            else:
                s.add_argument(flag, type=type(spec), default=spec, help=help_text)
    a = p.parse_args()
    commands[a.cmd][0](a)
