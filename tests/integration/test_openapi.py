"""docs/openapi.yaml against the service (issue 12, point 7).

Python standard library only: the document is read by a small reader of the YAML
subset it is written in (see its header), never by PyYAML.

- Routes, both ways: the route tables of service/*.c (`{"GET", "/api/v1/tickets/*/claim",
  ...}`, a star is one path segment) and the paths and methods of the document
  (`{ticket}` is a star) must be the same set, apart from the routes the document lists
  under x-answer24-pending (contract Additions another branch is adding): those may be
  missing from the tables, and must be struck from the list once they are there.
- Every documented route answers on a running answer24-web, anonymously and signed in:
  never the router's "no such route" (the 404 body of a path that is certainly no
  route) nor 405; the status is one the document lists for that route, the body
  matches its schema, and an error's code is one the document lists for that route
  and status.
- A walk through the desk (ask, read, follow up, sign in, claim, note, release,
  transfer, answer, review, risk, templates, figures, coverage, events, alerts and their
  webhook, withdraw, sign out) checks every success body against its documented schema.
- Error codes: every code the document names appears as a string in the C sources
  (service/, proto/), apart from pending ones (which must be struck once they appear);
  every code the sources answer with a24_http_error or a24_error_set is in the
  document's ErrorCode.
"""

import glob
import http.client
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
import a24test  # noqa: E402
import a24workers  # noqa: E402

DOC_PATH = os.path.join(a24test.SOURCE_DIR, "docs", "openapi.yaml")
PASSWORD = "correct horse battery"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
NO_TICKET = "0000000000000000"  # the shape of a ticket id; no ticket has it


# ------------------------------------------------------------------ the YAML subset


class YamlSubsetError(ValueError):
    pass


_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$")


def _plain(text, where):
    """A plain scalar's value (YAML core schema: null, booleans, numbers, strings)."""
    if text == "" or text[0] in "&*!|>%@`" or text.startswith("- "):
        raise YamlSubsetError(f"{where}: unsupported plain scalar {text!r}")
    if text in ("null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _quoted(s, i, where):
    """The quoted scalar starting at s[i] and the index after it."""
    q = s[i]
    j = i + 1
    out = []
    while j < len(s):
        c = s[j]
        if q == "'" and c == "'":
            if j + 1 < len(s) and s[j + 1] == "'":
                out.append("'")
                j += 2
                continue
            return "".join(out), j + 1
        if q == '"' and c == "\\":
            out.append(s[j:j + 2])
            j += 2
            continue
        if q == '"' and c == '"':
            return json.loads('"' + "".join(out) + '"'), j + 1
        out.append(c)
        j += 1
    raise YamlSubsetError(f"{where}: unterminated quoted scalar")


def _flow(s, i, where):
    """The flow node (collection or scalar) at s[i] and the index after it."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise YamlSubsetError(f"{where}: a value is missing")
    c = s[i]
    if c in "[{":
        close = "]" if c == "[" else "}"
        out = [] if c == "[" else {}
        i += 1
        while True:
            while i < len(s) and s[i] == " ":
                i += 1
            if i < len(s) and s[i] == close:
                return out, i + 1
            if c == "[":
                v, i = _flow(s, i, where)
                out.append(v)
            else:
                k, i = _flow_scalar(s, i, where, key=True)
                if i >= len(s) or s[i] != ":":
                    raise YamlSubsetError(f"{where}: ':' expected after key {k!r}")
                v, i = _flow(s, i + 1, where)
                if k in out:
                    raise YamlSubsetError(f"{where}: duplicate key {k!r}")
                out[k] = v
            while i < len(s) and s[i] == " ":
                i += 1
            if i < len(s) and s[i] == ",":
                i += 1
            elif i < len(s) and s[i] == close:
                return out, i + 1
            else:
                raise YamlSubsetError(f"{where}: ',' or {close!r} expected")
    return _flow_scalar(s, i, where)


def _flow_scalar(s, i, where, key=False):
    while i < len(s) and s[i] == " ":
        i += 1
    if i < len(s) and s[i] in "'\"":
        return _quoted(s, i, where)
    j = i
    while j < len(s) and s[j] not in ",[]{}":
        if s[j] == ":" and (j + 1 == len(s) or s[j + 1] in " ,]}"):
            if key:
                break
            raise YamlSubsetError(f"{where}: quote the scalar holding ': ' ({s[i:]!r})")
        j += 1
    return _plain(s[i:j].strip(), where), j


def _strip_comment(text):
    """Drops a comment: '#' at the start or after a space (never inside a value here)."""
    if text.startswith("#"):
        return ""
    k = text.find(" #")
    return (text[:k] if k >= 0 else text).rstrip()


def _split_key(content, where):
    """(key, rest) of a block mapping entry 'key: rest', or None if it is not one."""
    if content[:1] in "'\"":
        k, i = _quoted(content, 0, where)
        if content[i:i + 1] != ":" or content[i + 1:i + 2] not in ("", " "):
            return None
        return k, content[i + 1:]
    if content[:1] in "[{":
        return None
    m = re.match(r"^([^:]+?):(?: (.*)|$)", content)
    if m is None:
        return None
    return _plain(m.group(1), where), m.group(2) or ""


class _Reader:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.pos = 0
        self.replaced = {}

    def line(self, i):
        return self.replaced.get(i, self.lines[i])

    def peek(self):
        """(index, indent, content) of the next line that holds something, or None."""
        i = self.pos
        while i < len(self.lines):
            raw = self.line(i)
            content = _strip_comment(raw.strip())
            if content:
                if "\t" in raw[:len(raw) - len(raw.lstrip())]:
                    raise YamlSubsetError(f"line {i + 1}: a tab in the indentation")
                return i, len(raw) - len(raw.lstrip(" ")), content
            i += 1
        return None

    def block(self, indent):
        nxt = self.peek()
        if nxt is None or nxt[1] < indent:
            return None
        if nxt[2] == "-" or nxt[2].startswith("- "):
            return self.sequence(nxt[1])
        return self.mapping(nxt[1])

    def entries(self, indent):
        """(index, indent, content, where) of each next line of the block at `indent`,
        until a line less indented or the end (the caller moves self.pos on)."""
        while True:
            nxt = self.peek()
            if nxt is None or nxt[1] < indent:
                return
            i, ind, content = nxt
            yield i, ind, content, f"line {i + 1}"

    def mapping(self, indent):
        out = {}
        for i, ind, content, where in self.entries(indent):
            if ind > indent:
                raise YamlSubsetError(f"{where}: unexpected indentation")
            kv = _split_key(content, where)
            if kv is None:
                raise YamlSubsetError(f"{where}: 'key: value' expected, not {content!r}")
            key, rest = kv
            if key in out:
                raise YamlSubsetError(f"{where}: duplicate key {key!r}")
            self.pos = i + 1
            out[key] = self.value(rest, ind, where)
        return out

    def sequence(self, indent):
        out = []
        for i, ind, content, where in self.entries(indent):
            if ind > indent or not (content == "-" or content.startswith("- ")):
                raise YamlSubsetError(f"{where}: '- item' expected")
            item = content[1:].strip()
            if item and item[0] not in "[{'\"" and _split_key(item, where) is not None:
                # "- key: value": a mapping whose keys line up after the dash.
                self.replaced[i] = " " * (ind + 2) + item
                self.pos = i
                out.append(self.mapping(ind + 2))
            else:
                self.pos = i + 1
                out.append(self.value(item, ind, where))
        return out

    def value(self, rest, indent, where):
        rest = _strip_comment(rest.strip())
        if rest == "":
            nxt = self.peek()
            if nxt is None or nxt[1] <= indent:
                return None
            return self.block(nxt[1])
        if rest in ("|", "|-"):
            return self.literal(indent, keep_last=rest == "|")
        if rest[0] in "[{'\"":
            v, j = _flow(rest, 0, where)
            if rest[j:].strip():
                raise YamlSubsetError(f"{where}: text after a value: {rest[j:]!r}")
            return v
        return _plain(rest, where)

    def literal(self, indent, keep_last):
        """A '|' block scalar: the lines indented deeper than `indent`."""
        lines = []
        block_indent = None
        i = self.pos
        while i < len(self.lines):
            raw = self.lines[i]
            if raw.strip() == "":
                lines.append("")
                i += 1
                continue
            ind = len(raw) - len(raw.lstrip(" "))
            if ind <= indent:
                break
            if block_indent is None:
                block_indent = ind
            if ind < block_indent:
                raise YamlSubsetError(f"line {i + 1}: less indented than its block scalar")
            lines.append(raw[block_indent:])
            i += 1
        self.pos = i
        while lines and lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + ("\n" if keep_last and lines else "")


def load_yaml(text):
    """The document `text`, written in the subset this reader knows."""
    r = _Reader(text)
    doc = r.block(0)
    if r.peek() is not None:
        raise YamlSubsetError(f"line {r.peek()[0] + 1}: not read (indentation?)")
    return doc


# ------------------------------------------------------------------ the document


def resolve(doc, node):
    """Follows $ref (a local JSON pointer) until the node is no reference."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise AssertionError(f"only local references are used: {ref}")
        target = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise AssertionError(f"{ref} does not resolve")
            target = target[part]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = dict(target, **extra) if extra and isinstance(target, dict) else target
        seen += 1
        if seen > 20:
            raise AssertionError(f"{ref}: a reference loop")
    return node


def pattern_of(path):
    """A documented path as a route pattern: each {parameter} is one segment, '*'."""
    return re.sub(r"\{[^{}/]+\}", "*", path)


def operations(doc):
    """{(METHOD, pattern): (path, operation)} of the document."""
    out = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                out[(method.upper(), pattern_of(path))] = (path, op)
    return out


def response_of(doc, op, status):
    """The operation's response for `status` (resolved), or None if not documented."""
    r = op.get("responses", {}).get(str(status))
    return resolve(doc, r) if r is not None else None


def error_codes_of(doc, response):
    """The error codes a response lists in its examples."""
    codes = set()
    for media in (response.get("content") or {}).values():
        for ex in (media.get("examples") or {}).values():
            value = resolve(doc, ex).get("value")
            if isinstance(value, dict) and isinstance(value.get("error"), dict):
                codes.add(value["error"].get("code"))
    return codes


def all_example_codes(doc):
    """Every error code any example of the document names."""
    codes = set()

    def walk(node):
        if isinstance(node, dict):
            err = node.get("value", {}).get("error") if isinstance(node.get("value"),
                                                                    dict) else None
            if isinstance(err, dict) and "code" in err:
                codes.add(err["code"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return codes


# ------------------------------------------------------------------ JSON Schema (a subset)

_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def schema_errors(doc, schema, value, where="$"):
    """What is wrong with `value` against `schema` (the keywords the document uses)."""
    schema = resolve(doc, schema)
    errs = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [f"{where}: {value!r} is not of type {types}"]
    if "const" in schema and value != schema["const"]:
        errs.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} is not one of {schema['enum']}")
    for sub in schema.get("allOf", []):
        errs += schema_errors(doc, sub, value, where)
    if "anyOf" in schema and all(schema_errors(doc, s, value, where) for s in schema["anyOf"]):
        errs.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema:
        n = sum(1 for s in schema["oneOf"] if not schema_errors(doc, s, value, where))
        if n != 1:
            errs.append(f"{where}: matches {n} of oneOf")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errs.append(f"{where}: required member {name!r} is missing")
        for name, v in value.items():
            if name in props:
                errs += schema_errors(doc, props[name], v, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                errs.append(f"{where}: member {name!r} is not documented")
            elif isinstance(schema.get("additionalProperties"), dict):
                errs += schema_errors(doc, schema["additionalProperties"], v, f"{where}.{name}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems",
                                                                             len(value)):
            errs.append(f"{where}: {len(value)} items")
        if "items" in schema:
            for k, v in enumerate(value):
                errs += schema_errors(doc, schema["items"], v, f"{where}[{k}]")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength",
                                                                              len(value)):
            errs.append(f"{where}: length {len(value)}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errs.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date-time":
            try:
                a24test.parse_time(value)
            except (AssertionError, ValueError) as e:
                errs.append(f"{where}: {e}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errs.append(f"{where}: {value} > {schema['maximum']}")
    return errs


# ------------------------------------------------------------------ the sources


def route_tables():
    """{(METHOD, pattern): "service/file.c"} from the route tables of service/*.c."""
    out = {}
    entry = re.compile(r'\{\s*"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)"\s*,\s*"(/[^"]*)"')
    for path in sorted(glob.glob(os.path.join(a24test.SOURCE_DIR, "service", "*.c"))):
        with open(path, encoding="utf-8") as f:
            for m in entry.finditer(f.read()):
                out[(m.group(1), m.group(2))] = os.path.relpath(path, a24test.SOURCE_DIR)
    return out


def c_sources():
    """The text of every C file under service/ and proto/."""
    text = []
    for d in ("service", "proto"):
        for path in sorted(glob.glob(os.path.join(a24test.SOURCE_DIR, d, "*.[ch]"))):
            with open(path, encoding="utf-8") as f:
                text.append(f.read())
    return "\n".join(text)


def answered_codes(source):
    """The codes the sources answer with a24_http_error / a24_error_set or pack by hand."""
    calls = re.findall(r'(?:a24_http_error|a24_error_set)\(\s*\w+\s*,\s*\d{3}\s*,\s*"([a-z_]+)"',
                       source)
    packed = re.findall(r'"error",\s*"code",\s*"([a-z_]+)"', source)
    return set(calls) | set(packed)


def load_doc():
    with open(DOC_PATH, encoding="utf-8") as f:
        return load_yaml(f.read())


def pending(doc):
    p = doc.get("x-answer24-pending") or {}
    routes = set()
    for r in p.get("routes") or []:
        method, path = r.split(" ", 1)
        routes.add((method.upper(), pattern_of(path.strip())))
    return routes, set(p.get("error_codes") or [])


# ------------------------------------------------------------------ tests without a service


class DocumentCase(unittest.TestCase):
    """Tests that read docs/openapi.yaml: `doc`, its `ops` and the service's route `tables`."""

    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()
        cls.ops = operations(cls.doc)
        cls.tables = route_tables()


class DocumentTest(DocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pending_routes, cls.pending_codes = pending(cls.doc)

    def test_reader_knows_the_document(self):
        self.assertTrue(str(self.doc["openapi"]).startswith("3.1."), self.doc.get("openapi"))
        self.assertGreater(len(self.ops), 30)
        # A few values the reader must get exactly (keys, flow collections, quoting).
        op = self.ops[("POST", "/api/v1/tickets/*/claim")][1]
        self.assertEqual(op["security"], [{"staffToken": []}])
        self.assertEqual(op["x-roles"], ["expert", "supervisor"])
        self.assertIn("200", op["responses"])
        cat = self.doc["components"]["schemas"]["Category"]["enum"]
        self.assertEqual(cat, ["depression", "anxiety", "stress", "sleep", "family", "disaster",
                               "other"])
        self.assertEqual(self.doc["components"]["schemas"]["Language"]["enum"], ["ko", "zh", "en"])
        self.assertEqual(resolve(self.doc, {"$ref": "#/components/examples/code_required"})
                         ["value"]["error"]["message"],
                         'Send the access code as "Authorization: Bearer <code>".')

    def test_every_reference_resolves(self):
        def walk(node, where):
            if isinstance(node, dict):
                if "$ref" in node:
                    try:
                        resolve(self.doc, node)
                    except AssertionError as e:
                        self.fail(f"{where}: {e}")
                for k, v in node.items():
                    walk(v, f"{where}/{k}")
            elif isinstance(node, list):
                for k, v in enumerate(node):
                    walk(v, f"{where}/{k}")
        walk(self.doc, "#")

    def test_route_tables_were_found(self):
        self.assertIn(("POST", "/api/v1/tickets/*/claim"), self.tables)
        self.assertIn(("GET", "/healthz"), self.tables)

    def test_every_documented_route_is_in_a_route_table(self):
        missing = sorted(k for k in self.ops if k not in self.tables
                         and k not in self.pending_routes)
        self.assertEqual(missing, [], "\n".join(
            f"{m} {self.ops[(m, p)][0]} is in docs/openapi.yaml but in no route table of "
            f"service/*.c (a pending Addition belongs in x-answer24-pending.routes)"
            for m, p in missing))

    def test_pending_routes_are_struck_once_merged(self):
        merged = sorted(k for k in self.pending_routes if k in self.tables)
        self.assertEqual(merged, [], "\n".join(
            f"{m} {p} is in the route table of {self.tables[(m, p)]} now: strike it from "
            f"x-answer24-pending.routes in docs/openapi.yaml" for m, p in merged))
        undocumented = sorted(k for k in self.pending_routes if k not in self.ops)
        self.assertEqual(undocumented, [], "pending routes that the document does not describe")

    def test_every_route_of_the_service_is_documented(self):
        missing = sorted(k for k in self.tables if k not in self.ops)
        self.assertEqual(missing, [], "\n".join(
            f"{m} {p} (route table of {self.tables[(m, p)]}) is not in docs/openapi.yaml"
            for m, p in missing))

    def test_error_codes_are_in_the_sources(self):
        source = c_sources()
        enum = set(self.doc["components"]["schemas"]["ErrorCode"]["enum"])
        named = all_example_codes(self.doc) | enum
        absent = sorted(c for c in named if f'"{c}"' not in source and c not in self.pending_codes)
        self.assertEqual(absent, [], "error codes in docs/openapi.yaml that no C source of "
                         "service/ or proto/ holds (a pending Addition belongs in "
                         "x-answer24-pending.error_codes): " + ", ".join(absent))
        merged = sorted(c for c in self.pending_codes if f'"{c}"' in source)
        self.assertEqual(merged, [], "error codes in the sources now: strike them from "
                         "x-answer24-pending.error_codes in docs/openapi.yaml: " + ", ".join(merged))
        self.assertEqual(sorted(all_example_codes(self.doc) - enum), [],
                         "example codes missing from components.schemas.ErrorCode")
        undocumented = sorted(answered_codes(source) - enum)
        self.assertEqual(undocumented, [], "error codes the service answers that "
                         "docs/openapi.yaml does not name: " + ", ".join(undocumented))


# ------------------------------------------------------------------ tests against the service


class ServiceTest(DocumentCase):
    """The document against a running answer24-web (one stack for the class)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hook = a24workers.HookReceiver().start()
        cls.addClassCleanup(cls.hook.stop)
        cls.stack = a24test.start_stack(cls.addClassCleanup, config={"alerts": {
            "webhooks": [{"url": cls.hook.url, "notify": ["oncall", "supervisor"]}],
            "webhook_secret": "a webhook secret for the openapi test"}})
        cls.web = cls.stack.web
        for user, role, cats, langs in [("sue", "supervisor", None, None),
                                        ("sam", "supervisor", None, None),
                                        ("eve", "expert", "sleep", "en"),
                                        ("otto", "oncall", None, None),
                                        ("ada", "admin", None, None)]:
            a24test.add_user(cls.web.config_path, user, role, PASSWORD, cats, langs)

    # ---------------------------------------------------------------- helpers

    def sign_in(self, user):
        r = self.web.request("POST", "/api/v1/session", {"username": user, "password": PASSWORD})
        self.check("POST", "/api/v1/session", r, 200)
        return r.json["token"]

    def call(self, token, method, path, body=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return self.web.request(method, path, body, h)

    def staff(self, token, method, path, expect, body=None):
        """check() of `method` `path` called with `token` (and `body`); returns the body."""
        return self.check(method, path, self.call(token, method, path, body), expect)

    def check(self, method, path, r, expect=None):
        """Asserts `r` (to `method` `path`) is documented: status, media type, body
        schema, and for an error its code. Returns the body."""
        key = (method, self.pattern(path))
        self.assertTrue(key in self.ops, f"{method} {path} matches no documented route")
        _, op = self.ops[key]
        what = f"{method} {path} answered {r.status} {r.body[:300]!r}"
        if expect is not None:
            self.assertEqual(r.status, expect, what)
        response = response_of(self.doc, op, r.status)
        self.assertIsNotNone(response, f"{what}: status {r.status} is not documented")
        content = response.get("content") or {}
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        if not content:
            self.assertEqual(r.body, b"", f"{what}: documented without a body")
            return None
        self.assertIn(ctype, content, f"{what}: content type {ctype!r} is not documented")
        schema = content[ctype].get("schema")
        if ctype == "application/json":
            errs = schema_errors(self.doc, schema, r.json)
            self.assertEqual(errs, [], f"{what}: the body does not match its schema")
            if r.status >= 400:
                codes = error_codes_of(self.doc, response)
                self.assertIn(r.error_code, codes,
                              f"{what}: code {r.error_code!r} is not documented for {r.status}")
            return r.json
        return r.body

    def pattern(self, path):
        """The documented route pattern that `path` (its query left out) is an instance of."""
        path = path.split("?", 1)[0]
        for (_, pat) in self.ops:
            if re.fullmatch(pat.replace("*", "[^/]+"), path):
                return pat
        return path

    def sample_path(self, doc_path):
        """A documented path with its parameters filled in with values that name nothing."""
        fill = {"ticket": NO_TICKET, "id": "999999"}
        if doc_path.startswith("/api/v1/templates/"):
            fill["id"] = "no-such-template"
        return re.sub(r"\{([^{}/]+)\}", lambda m: fill.get(m.group(1), "x"), doc_path)

    def probe(self, method, path, token=None):
        """One request without a body; an event stream is read up to its headers."""
        conn = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=10)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            items = resp.getheaders()
            stream = "text/event-stream" in (resp.getheader("content-type") or "")
            body = resp.read(len(b": connected")) if stream else resp.read()
            return a24test.make_response(resp.status, items, b"" if stream else body), body
        finally:
            conn.close()

    # ---------------------------------------------------------------- every route answers

    def test_every_documented_route_answers(self):
        """Each route in the document and the tables, anonymously and as a supervisor,
        an on-call person and an admin: never the router's answer, always a documented
        status, body and code; 403 exactly for the roles outside the route's x-roles."""
        nothing, _ = self.probe("GET", "/api/v1/no-such-route-for-sure")
        a24test.assert_error(self, nothing, 404, "not_found")
        who = [(None, None)] + [(role, self.sign_in(user)) for role, user in
                                 (("supervisor", "sam"), ("oncall", "otto"), ("admin", "ada"))]
        live = sorted(((m, p), v) for (m, p), v in self.ops.items() if (m, p) in self.tables)
        self.assertGreater(len(live), 30)
        # Signing out ends the sessions the signed-in probes use: it goes last.
        live.sort(key=lambda kv: kv[0] == ("DELETE", "/api/v1/session"))
        for (method, _), (doc_path, op) in live:
            path = self.sample_path(doc_path)
            for role, token in who:
                with self.subTest(method=method, path=path, role=role):
                    r, raw = self.probe(method, path, token)
                    routerish = r.status == 405 or (r.status == 404 and r.body == nothing.body)
                    self.assertFalse(routerish, f"{method} {path} is documented but answered "
                                     f"as no route: {r.status} {r.body!r}")
                    self.check(method, path, r)
                    if r.headers.get("content-type", "").startswith("text/event-stream"):
                        self.assertTrue(raw.startswith(b": connected"), raw)
                    if role is not None and "x-roles" in op:
                        self.assertEqual(r.status == 403, role not in op["x-roles"],
                                         f"{method} {path} as {role} answered {r.status} "
                                         f"{r.body!r}; x-roles says {op['x-roles']}")

    def test_a_path_outside_the_document_is_no_route(self):
        r, _ = self.probe("GET", "/api/v1/tickets/x/y/z")
        a24test.assert_error(self, r, 404, "not_found")
        r, _ = self.probe("PATCH", "/api/v1/questions")
        a24test.assert_error(self, r, 405, "method_not_allowed")
        self.assertIn("POST", r.headers.get("allow", ""))

    # ---------------------------------------------------------------- the bodies as produced

    def test_a_walk_through_the_desk_matches_the_schemas(self):
        web = self.web
        # Citizens.
        r = web.submit("I cannot sleep at night and I worry about work.", "sleep", language="en",
                       selfcheck={"phq9": [1, 1, 0, 0, 1, 0, 0, 1, 0], "gad7": [1] * 7},
                       headers={"Idempotency-Key": "walk-1"})
        q = self.check("POST", "/api/v1/questions", r, 201)
        ticket, code = q["ticket"], q["access_code"]
        again = web.submit("I cannot sleep at night and I worry about work.", "sleep",
                           language="en", selfcheck={"phq9": [1, 1, 0, 0, 1, 0, 0, 1, 0],
                                                     "gad7": [1] * 7},
                           headers={"Idempotency-Key": "walk-1"})
        self.assertEqual(self.check("POST", "/api/v1/questions", again, 201)["ticket"], ticket)
        self.check("POST", "/api/v1/questions",
                   web.submit("Same key, another body.", "sleep",
                              headers={"Idempotency-Key": "walk-1"}), 409)
        self.check("POST", "/api/v1/questions", web.submit("", "sleep"), 400)
        self.check("POST", "/api/v1/questions", web.submit("x", "dreams"), 400)
        self.check("GET", f"/api/v1/questions/{ticket}", web.read(ticket, code), 200)
        self.check("GET", f"/api/v1/questions/{ticket}", web.read(ticket, "wrong-code"), 404)
        if ("GET", "/api/v1/questions/*/qr") in self.tables:
            qr = self.check("GET", f"/api/v1/questions/{ticket}/qr",
                            web.request("GET", f"/api/v1/questions/{ticket}/qr",
                                        headers={"Authorization": f"Bearer {code}"}), 200)
            self.assertIn(b"<svg", qr)
        self.check("POST", f"/api/v1/questions/{ticket}/followups",
                   web.followup(ticket, code, "It got worse this week."), 201)
        self.check("GET", "/api/v1/crisis-lines?language=ko",
                   web.request("GET", "/api/v1/crisis-lines?language=ko"), 200)
        self.check("GET", "/api/v1/crisis-lines?language=fr",
                   web.request("GET", "/api/v1/crisis-lines?language=fr"), 400)

        # Staff: session, duty, queues.
        r = web.request("POST", "/api/v1/session", {"username": "sue", "password": PASSWORD})
        sue = self.check("POST", "/api/v1/session", r, 200)["token"]
        cookie = r.headers.get("set-cookie", "").split(";")[0]
        self.assertTrue(cookie.startswith("a24_session="), r.headers)
        self.check("POST", "/api/v1/session",
                   web.request("POST", "/api/v1/session", {"username": "sue", "password": "no"}),
                   401)
        sam, eve = self.sign_in("sam"), self.sign_in("eve")
        self.staff(sue, "GET", "/api/v1/me", 200)
        self.staff(sue, "GET", "/api/v1/staff", 200)
        self.staff(eve, "PUT", "/api/v1/me/duty", 200, {"on_duty": True})
        self.staff(eve, "GET", "/api/v1/me/duty", 200)
        self.staff(sue, "GET", "/api/v1/tickets?view=all&limit=5", 200)
        self.staff(eve, "GET", "/api/v1/tickets?view=all", 403)
        self.staff(eve, "GET", "/api/v1/tickets?view=pool", 200)

        # Moves on the ticket.
        base = f"/api/v1/tickets/{ticket}"
        self.staff(sue, "POST", f"{base}/claim", 200)
        self.staff(sam, "POST", f"{base}/claim", 409)
        self.staff(sue, "POST", f"{base}/notes", 201, {"text": "Asked about work."})
        self.staff(sue, "POST", f"{base}/release", 200)
        self.staff(sue, "POST", f"{base}/claim", 200)
        self.staff(sue, "POST", f"{base}/transfer", 200, {"to": "eve", "note": "Yours."})
        self.staff(eve, "POST", f"{base}/answer", 200,
                   {"text": "Thank you for writing.", "second_opinion": True})
        self.staff(sue, "GET", base, 200)
        self.staff(eve, "GET", base, 200)
        self.staff(sam, "POST", f"{base}/review", 400, {"decision": "maybe"})
        self.staff(sam, "POST", f"{base}/review", 200, {"decision": "approve"})
        self.staff(eve, "POST", f"{base}/answer", 409, {"text": "Again."})
        self.check("GET", f"/api/v1/questions/{ticket}", web.read(ticket, code), 200)

        other = self.check("POST", "/api/v1/questions", web.submit("I sleep badly.", "sleep"),
                           201)["ticket"]
        base = f"/api/v1/tickets/{other}"
        self.staff(sue, "POST", f"{base}/claim", 200)
        self.staff(sue, "POST", f"{base}/risk", 200,
                   {"level": "crisis", "reason": "Said they gave things away."})
        self.staff(sue, "POST", f"{base}/risk", 200,
                   {"level": "normal", "reason": "Talked it through by phone."})
        self.staff(sue, "POST", f"{base}/answer", 200, {"text": "Here is what helps."})

        # Templates.
        tpl = {"language": "en", "category": "sleep", "title": "Sleep hygiene",
               "text": "A few things that help many people sleep."}
        self.staff(sue, "PUT", "/api/v1/templates/sleep-1", 201, tpl)
        self.staff(sue, "PUT", "/api/v1/templates/sleep-1", 200, tpl)
        self.staff(eve, "GET", "/api/v1/templates?language=en&category=sleep", 200)
        self.staff(sue, "DELETE", "/api/v1/templates/sleep-1", 204)

        # Figures, queue health, coverage.
        self.staff(sue, "GET", "/api/v1/stats", 200)
        self.staff(sue, "GET", "/api/v1/stats?from=x", 400)
        self.staff(sue, "GET", "/api/v1/queue/summary", 200)
        self.staff(sue, "GET", "/api/v1/coverage/gaps?days=3", 200)
        self.staff(sue, "GET", "/api/v1/coverage/gaps?days=99", 400)

        # The event stream with the session cookie alone.
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
        try:
            conn.request("GET", "/api/v1/events", headers={"Cookie": cookie})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertTrue(resp.getheader("content-type", "").startswith("text/event-stream"))
            self.assertTrue(resp.read(12).startswith(b": connected"))
        finally:
            conn.close()

        # Alerts: the router finds nobody for a family question and raises one, and the
        # notifier delivers it.
        worker = a24workers.Worker(self.stack, role="all")
        self.addCleanup(worker.kill)
        worker.start()
        self.check("POST", "/api/v1/questions",
                   web.submit("My family is falling apart.", "family"), 201)

        def listed():
            r = self.call(sue, "GET", "/api/v1/alerts?state=open")
            return r if r.status == 200 and r.json["alerts"] else None

        r = a24test.wait_until(listed, 10, what="an open alert")
        first = self.check("GET", "/api/v1/alerts", r, 200)["alerts"][0]
        alert = first["id"]
        if ("GET", "/api/v1/oncall/tickets/*") in self.tables and first["ticket"]:
            otto = self.sign_in("otto")
            brief = f"/api/v1/oncall/tickets/{first['ticket']}"
            self.staff(otto, "GET", brief, 200)
        ack = f"/api/v1/alerts/{alert}/ack"
        self.staff(sue, "POST", ack, 200)
        self.staff(sue, "POST", ack, 409)
        resolve_path = f"/api/v1/alerts/{alert}/resolve"
        self.staff(sue, "POST", resolve_path, 200)
        self.staff(sue, "GET", "/api/v1/alerts?state=all", 200)
        a24test.wait_until(lambda: self.hook.deliveries, 10, what="a webhook delivery")
        _, headers, body = self.hook.deliveries[0]
        hook_op = self.doc["webhooks"]["alert"]["post"]
        schema = hook_op["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(schema_errors(self.doc, schema, body), [], body)
        headers = {k.lower(): v for k, v in headers.items()}
        for p in hook_op["parameters"]:
            if p["in"] == "header" and p.get("required"):
                self.assertIn(p["name"].lower(), headers, headers)
        self.assertIn("x-answer24-signature", headers, headers)
        self.assertEqual(worker.stop(), [], worker.log())

        # Withdraw, operations, sign out.
        w = self.check("POST", "/api/v1/questions", web.submit("Never mind.", "stress"), 201)
        self.check("DELETE", f"/api/v1/questions/{w['ticket']}",
                   web.withdraw(w["ticket"], w["access_code"]), 204)
        self.check("DELETE", f"/api/v1/questions/{w['ticket']}",
                   web.withdraw(w["ticket"], w["access_code"]), 409)
        self.check("GET", "/healthz", web.request("GET", "/healthz"), 200)
        self.check("GET", "/readyz", web.request("GET", "/readyz"), 200)
        self.check("GET", "/metrics", web.request("GET", "/metrics"), 200)
        self.staff(sue, "DELETE", "/api/v1/session", 204)
        self.staff(sue, "GET", "/api/v1/me", 401)


class RateLimitTest(unittest.TestCase):
    """A citizen's 429 as documented: Retry-After and the error shape (with resources
    once the citizen work is merged)."""

    def test_429_of_a_wrong_code(self):
        doc = load_doc()
        ops = operations(doc)
        stack = a24test.start_stack(self.addCleanup,
                                    config={"limits": {"code_checks_per_hour": 1}})
        r = stack.web.submit("I cannot sleep.", "sleep")
        self.assertEqual(r.status, 201, r.body)
        ticket = r.json["ticket"]
        for _ in range(5):
            r = stack.web.read(ticket, "wrong-code")
            if r.status == 429:
                break
        self.assertEqual(r.status, 429, r.body)
        self.assertGreaterEqual(int(r.headers.get("retry-after", "0")), 1, r.headers)
        response = response_of(doc, ops[("GET", "/api/v1/questions/*")][1], 429)
        schema = response["content"]["application/json"]["schema"]
        self.assertEqual(schema_errors(doc, schema, r.json), [], r.body)
        self.assertIn(r.error_code, error_codes_of(doc, response))


if __name__ == "__main__":
    unittest.main(verbosity=2)
