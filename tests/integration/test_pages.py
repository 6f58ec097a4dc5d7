"""Integration tests of the pages (service/pages.c, service/static.c) on a real
answer24-web (harness: a24test.py).

- The four pages are served whole: every include marker of service/web/*.html is
  replaced by its fragment from service/web/_partials with the page's values (head,
  crisis button and panel, language bar, no-JavaScript crisis lines, staff top bar,
  section heads, text boxes), no marker, placeholder or fragment comment is left, the
  tags balance, and the answer has the headers a file has (Content-Length, ETag,
  Last-Modified, no-cache, the security headers); HEAD has no body.
- The fragments themselves are never served.
- A page that cannot be built (a fragment missing, a value missing or unused, a
  malformed marker) stops the start with one line naming the file, never a broken page.
"""

import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a24test  # noqa: E402

WEB = os.path.join(a24test.SOURCE_DIR, "service", "web")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

# What each page must hold once its fragments are in, in this order.
CRISIS_BUTTON = ('id="crisis-toggle"', '<span lang="ko">도움이 필요하세요?</span>',
                 '<span lang="zh-Hans">需要帮助？</span>', '<span lang="en">Need help now?</span>')


def crisis_lines(ko, zh, en):
    """The no-JavaScript notice of a citizen page: its own first sentences, then the lines."""
    return (f'<p lang="ko">{ko} 지금 도움이 필요하면 자살예방상담전화 <a href="tel:109">109</a>(24시간), '
            '응급 <a href="tel:119">119</a>.</p>',
            f'<p lang="zh-Hans">{zh}需要立即帮助：全国心理援助热线 <a href="tel:12356">12356</a>，急救 '
            '<a href="tel:120">120</a>。</p>',
            f'<p lang="en">{en} Need help now? In Korea call <a href="tel:109">109</a>, in China '
            '<a href="tel:12356">12356</a>, elsewhere see '
            '<a href="https://findahelpline.com/">findahelpline.com</a>')


LANG_CHOICE = ('<span id="lang-label" class="langbar-label" data-i18n="app.languageLabel">'
               'Language</span>', '<ul id="lang-list" class="lang-list"></ul>')
HEAD = ('<html lang="en">', '<meta charset="utf-8">', '<meta name="robots" content="noindex">')


def refresh_head(section, key, title):
    return (f'<h2 id="{section}-title" data-i18n="{key}">{title}</h2>',
            f'id="{section}-refresh" class="btn btn-secondary btn-small" '
            'data-i18n="staff.refresh">Refresh</button>')


PAGES = {
    "/": HEAD + ("<title>answer24</title>", '<link rel="stylesheet" href="/app.css">',
                 'src="/js/citizen.js"', '<body>') + CRISIS_BUTTON + ('id="crisis-panel"',)
    + LANG_CHOICE + ('<main id="main" class="wrap"',)
    + crisis_lines("질문을 보내려면 자바스크립트가 필요해요.", "发送问题需要启用 JavaScript。",
                   "This page needs JavaScript to send a question.") + ('<label for="q-text" class="label" data-i18n="ask.textLabel">',
                      '<textarea id="q-text" rows="8" autocomplete="off" '
                      'aria-describedby="q-text-hint q-text-count"></textarea>',
                      '<p id="q-text-error" class="field-error" hidden></p>'),
    "/t/abc": HEAD + ("<title>answer24</title>", 'src="/js/return.js"') + CRISIS_BUTTON
    + LANG_CHOICE + crisis_lines("이 화면은 자바스크립트가 필요해요.", "本页面需要启用 JavaScript。",
                                 "This page needs JavaScript.")
    + ('<textarea id="followup-text" rows="5" autocomplete="off" '
       'aria-describedby="followup-hint followup-count"></textarea>',
       '<p id="followup-count" class="counter"></p>'),
    "/console": HEAD + ("<title>answer24 console</title>", 'href="/css/staff.css"',
                        'src="/js/console.js"', '<body class="staff">',
                        '<a class="brand" href="/console" '
                        'data-i18n-attr="aria-label:console.home">',
                        '<span class="brand-sub" data-i18n="console.brand">console</span>',
                        'id="who"', 'id="duty-toggle"', 'id="sign-out"') + LANG_CHOICE
    + ('<p id="live-status" class="live-status" hidden></p>',
       '<main id="main" class="wrap-wide"', '<p lang="ko">상담 콘솔은 자바스크립트가 필요합니다.</p>',
       '<p lang="en">The console needs JavaScript.</p>')
    + refresh_head("health", "console.health.title", "Queue health"),
    "/oncall": HEAD + ("<title>answer24 on-call</title>", 'src="/js/oncall.js"',
                       'src="/js/oncall-coverage.js"',
                       '<span class="brand-sub" data-i18n="oncall.brand">on-call</span>',
                       'id="who"', 'id="sign-out"') + LANG_CHOICE
    + ('<p id="live-status" class="live-status" hidden></p>',
       '<p lang="en">The on-call page needs JavaScript.</p>')
    + refresh_head("coverage", "oncall.coverage.title", "Coverage ahead")
    + refresh_head("stats", "oncall.stats.title", "Service figures"),
}


class TagBalance(html.parser.HTMLParser):
    """Collects the tags that close nothing or stay open."""

    def __init__(self):
        super().__init__()
        self.open, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()


class ServedPagesTest(a24test.StackTestCase):

    def test_pages_hold_their_fragments_in_order(self):
        fragments = sorted(os.listdir(os.path.join(WEB, "_partials")))
        self.assertGreaterEqual(len(fragments), 5, fragments)
        for path, wanted in PAGES.items():
            with self.subTest(path):
                r = self.web.request("GET", path)
                self.assertEqual(r.status, 200)
                body = r.body.decode("utf-8")
                at = 0
                for piece in wanted:
                    found = body.find(piece, at)
                    self.assertGreaterEqual(found, 0, f"{path}: {piece!r} missing or out of order")
                    at = found + len(piece)
                self.assertNotIn("<!--#", body)
                self.assertIsNone(re.search(r"\{\{[a-z]+\}\}", body))
                for name in fragments:  # their opening comments stay behind
                    self.assertNotIn(f"{name} —", body)
                check = TagBalance()
                check.feed(body)
                self.assertEqual((check.problems, check.open), ([], []), path)

    def test_pages_have_the_headers_of_a_file(self):
        for path in PAGES:
            with self.subTest(path):
                r = self.web.request("GET", path)
                self.assertEqual(int(r.headers["content-length"]), len(r.body))
                self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
                self.assertEqual(r.headers["cache-control"], "no-cache")
                self.assertRegex(r.headers["etag"], r'^"[0-9a-f]{8}-[0-9a-f]+"$')
                self.assertRegex(r.headers["last-modified"], r" GMT$")
                self.assertIn("content-security-policy", r.headers)
                self.assertEqual(r.headers.get("x-frame-options"), "DENY")
                head = a24test.parse_raw_response(self.web.raw(
                    f"HEAD {path} HTTP/1.1\r\nHost: a24\r\nConnection: close\r\n\r\n".encode()))
                self.assertEqual((head.status, head.body), (200, b""))
                self.assertEqual(head.headers["content-length"], r.headers["content-length"])
                self.assertEqual(head.headers["etag"], r.headers["etag"])

    def test_pages_answer_conditional_requests(self):
        for path in PAGES:
            with self.subTest(path):
                r = self.web.request("GET", path)
                etag, modified = r.headers["etag"], r.headers["last-modified"]
                same = self.web.request("GET", path, headers={"If-None-Match": etag})
                self.assertEqual((same.status, same.body), (304, b""))
                self.assertEqual(same.headers["etag"], etag)
                self.assertEqual(same.headers.get("x-frame-options"), "DENY")
                since = self.web.request("GET", path, headers={"If-Modified-Since": modified})
                self.assertEqual((since.status, since.body), (304, b""))
                other = self.web.request("GET", path, headers={
                    "If-None-Match": '"00000000-0"', "If-Modified-Since": modified})
                self.assertEqual((other.status, other.body), (200, r.body))
                old = self.web.request("GET", path, headers={
                    "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
                self.assertEqual((old.status, old.body), (200, r.body))
        # A 304 has no body and keeps the connection: the requests after it are answered.
        etag = self.web.request("GET", "/").headers["etag"]
        fresh = f"GET / HTTP/1.1\r\nHost: a24\r\nIf-None-Match: {etag}\r\n\r\n".encode()
        out = self.web.raw(fresh + fresh + b"GET /console HTTP/1.1\r\nHost: a24\r\n"
                           b"Connection: close\r\n\r\n")
        self.assertEqual((out.count(b"HTTP/1.1 304 "), out.count(b"HTTP/1.1 200 ")), (2, 1))

    def test_page_files_by_name_are_expanded_too(self):
        for name, path in (("index.html", "/"), ("return.html", "/t/x"),
                           ("console.html", "/console"), ("oncall.html", "/oncall/")):
            with self.subTest(name):
                self.assertEqual(self.web.request("GET", f"/{name}").body,
                                 self.web.request("GET", path).body)

    def test_fragments_are_never_served(self):
        for path in ("/_partials/head.html", "/_partials/", "/_partials/citizen-top.html",
                     "/js/../_partials/head.html", "/%5fpartials/head.html"):
            with self.subTest(path):
                a24test.assert_error(self, self.web.request("GET", path), 404, "not_found")


class BrokenPagesTest(unittest.TestCase):
    """A copy of service/web, broken one way at a time: the start fails, saying where."""

    def start_with(self, break_it):
        tmp = tempfile.mkdtemp(prefix="a24pages-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        web_dir = os.path.join(tmp, "web")
        shutil.copytree(WEB, web_dir)
        break_it(web_dir)
        web = a24test.WebServer(tmp, a24test.free_port(), config={"http": {"static_dir": web_dir}})
        with open(web.config_path, "w") as f:
            f.write(a24test.to_yaml(web.config) + "\n")
        p = subprocess.run([web.binary, "--config", web.config_path], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertGreater(p.returncode, 0, p.stderr)
        for marker in a24test.SANITIZER_MARKERS + ("Assertion",):
            self.assertNotIn(marker, p.stderr)
        errors = [line for line in p.stderr.splitlines() if not line.startswith("{")]
        self.assertEqual(len(errors), 1, p.stderr)
        return errors[0]

    @staticmethod
    def edit(path, old, new):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert old in text, (path, old)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def test_missing_fragment(self):
        error = self.start_with(lambda d: os.remove(os.path.join(d, "_partials",
                                                                 "lang-choice.html")))
        self.assertRegex(error, r"citizen-top\.html:\d+: cannot read .*_partials/lang-choice\.html")

    def test_missing_value(self):
        error = self.start_with(lambda d: self.edit(os.path.join(d, "console.html"),
                                                    'brand="console"', 'brnd="console"'))
        self.assertRegex(error, r"console\.html:\d+: staff-top\.html needs brand=")

    def test_unused_value(self):
        error = self.start_with(lambda d: self.edit(os.path.join(d, "oncall.html"),
                                                    'page="oncall"', 'page="oncall" colour="red"'))
        self.assertRegex(error, r"oncall\.html:\d+: staff-top\.html has no \{\{colour\}\}")

    def test_malformed_marker(self):
        error = self.start_with(lambda d: self.edit(os.path.join(d, "return.html"),
                                                    '<!--#include "citizen-top.html"',
                                                    '<!--#include citizen-top.html'))
        self.assertRegex(error, r"return\.html:\d+: not a marker of the form")


if __name__ == "__main__":
    unittest.main()
