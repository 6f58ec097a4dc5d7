/*
 * harness.mjs — the shared harness of answer24's browser tests (node --test).
 *
 * Owns a throwaway stack: a private `redis-server` on a free 127.0.0.1 port (no
 * persistence), the real `answer24-web` from $A24_BIN_DIR with a generated YAML
 * configuration in a temporary directory, and Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser). Every browser context it opens is
 * guarded: a request to any host but 127.0.0.1 is aborted and fails the test, and so
 * do console errors, uncaught page errors and JavaScript dialogs, unless a test
 * allows a console pattern and says why.
 *
 * Must stay true: everything started is killed and every temporary directory removed,
 * on success, on failure, on SIGINT/SIGTERM and at process exit; answer24-web stops
 * with exit status 0 on SIGTERM and leaves no sanitizer report in its log (that is
 * checked when the stack stops).
 *
 * Typical use:
 *
 *   const stack = fileStack();                 // started before the file's tests, stopped after
 *   stack.test('ask_page', { locale: 'ko-KR' }, async (s) => {
 *     await s.goto('/');
 *     await s.shot('ask');
 *     await s.axe('ask');
 *   });                                        // guard checked here
 *
 * A test that needs more than one context, or work around it, calls
 * `stack.run(t, opts, body)` itself inside `test(name, { timeout: TEST_TIMEOUT }, ...)`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const SOURCE_DIR = process.env.A24_SOURCE_DIR || path.resolve(HERE, '..', '..');
export const BIN_DIR = process.env.A24_BIN_DIR || path.join(SOURCE_DIR, 'build-browser', 'bin');
/** Screenshots and axe reports; A24_ARTIFACTS_DIR moves them (for runs side by side: each run empties it). */
export const ARTIFACTS_DIR = process.env.A24_ARTIFACTS_DIR ? path.resolve(process.env.A24_ARTIFACTS_DIR) : path.join(HERE, 'artifacts');
export const CHROMIUM = process.env.A24_CHROMIUM || '/usr/bin/chromium';

/** The only host a page may talk to. */
export const LOCAL_HOST = '127.0.0.1';

/** One test's limit: generous for a loaded machine, far below ctest's. */
export const TEST_TIMEOUT = 90_000;

/** Same-origin path under which the harness serves axe-core (CSP allows 'self' scripts only). */
const AXE_PATH = '/__answer24_test__/axe.min.js';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    // Belt and braces under the request guard: no host name resolves at all, so even
    // a request the guard could not see (the browser's own) cannot leave the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'runtime error:', 'LeakSanitizer'];

/* ------------------------------------------------------------ catalogues */

/** The citizen pages' catalogue of `code` ("ko", "zh", "en"), parsed. */
export function catalogue(code) {
    return JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'service', 'web', 'i18n', `${code}.json`), 'utf8'));
}

/** The html lang each language code sets on the page. */
export const HTML_LANG = { ko: 'ko', zh: 'zh-Hans', en: 'en' };

/* ------------------------------------------------------------ small helpers */

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, LOCAL_HOST, () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value, or throws after `timeout` ms. */
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            const v = await fn();
            if (v) return v;
        } catch (err) {
            last = err;
        }
        if (Date.now() > end) {
            throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
        }
        await sleep(interval);
    }
}

/** A file-name-safe form of a test name. */
export function slug(name) {
    return String(name).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'test';
}

/** Sends a RESP PING to 127.0.0.1:`port`; resolves true on +PONG. */
function redisPing(port) {
    return new Promise((resolve) => {
        const sock = net.createConnection({ host: LOCAL_HOST, port });
        let buf = '';
        const done = (ok) => {
            sock.destroy();
            resolve(ok);
        };
        sock.setTimeout(1000, () => done(false));
        sock.on('error', () => done(false));
        sock.on('connect', () => sock.write('PING\r\n'));
        sock.on('data', (d) => {
            buf += d.toString();
            if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
        });
    });
}

/* ------------------------------------------------------------ processes */

/** Every process group and directory to clean up, even at an abrupt exit. */
const live = { procs: new Set(), dirs: new Set() };

function killGroup(proc, signal = 'SIGKILL') {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    try {
        process.kill(-proc.pid, signal);
    } catch (_) {
        try {
            proc.kill(signal);
        } catch (_) { /* gone */ }
    }
}

function cleanupSync() {
    for (const proc of live.procs) killGroup(proc);
    live.procs.clear();
    for (const dir of live.dirs) {
        try {
            fs.rmSync(dir, { recursive: true, force: true });
        } catch (_) { /* best effort */ }
    }
    live.dirs.clear();
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
        cleanupSync();
        process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
}

/** Starts `argv` in its own process group with stdout+stderr to `logFile`. */
function startProcess(argv, logFile, env = {}) {
    const fd = fs.openSync(logFile, 'a');
    const proc = spawn(argv[0], argv.slice(1), {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: { ...process.env, ...env },
    });
    fs.closeSync(fd);
    live.procs.add(proc);
    proc.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
        live.procs.delete(proc);
        resolve({ code, signal });
    }));
    proc.on('error', () => { /* reported through `exited` or the wait that follows */ });
    return proc;
}

/** Sends `signal`, waits up to `timeout` ms, then SIGKILL. Resolves {code, signal, killed}. */
async function stopProcess(proc, signal = 'SIGTERM', timeout = 10000) {
    if (!proc) return { code: null, signal: null, killed: false };
    if (proc.exitCode !== null || proc.signalCode !== null) {
        return { code: proc.exitCode, signal: proc.signalCode, killed: false };
    }
    try {
        process.kill(proc.pid, signal);
    } catch (_) { /* already gone */ }
    const timer = sleep(timeout).then(() => 'timeout');
    const r = await Promise.race([proc.exited, timer]);
    if (r === 'timeout') {
        killGroup(proc);
        const after = await proc.exited;
        return { ...after, killed: true };
    }
    killGroup(proc); // anything the process left in its group
    return { ...r, killed: false };
}

/* ------------------------------------------------------------ Redis */

class Redis {
    constructor(dir, port) {
        this.dir = dir;
        this.port = port;
        this.proc = null;
        this.log = path.join(dir, 'redis.log');
    }

    get url() {
        return `redis://${LOCAL_HOST}:${this.port}/0`;
    }

    /** Starts redis-server (again, on the same port) and waits for PONG. */
    async start() {
        this.proc = startProcess(['redis-server', '--port', String(this.port), '--bind', LOCAL_HOST,
            '--save', '', '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'yes'], this.log);
        await waitFor(async () => {
            if (this.proc.exitCode !== null) throw new Error(`redis-server exited: ${fs.readFileSync(this.log, 'utf8').slice(-500)}`);
            return redisPing(this.port);
        }, { timeout: 10000, what: 'redis-server to answer PING' });
    }

    /** Stops redis-server (its data is gone: no persistence). */
    async stop() {
        const p = this.proc;
        this.proc = null;
        await stopProcess(p, 'SIGKILL', 5000);
    }
}

/* ------------------------------------------------------------ answer24-web */

function yamlString(s) {
    return JSON.stringify(String(s));
}

/**
 * An answer24 program (`name` in BIN_DIR) run under the sanitizers with a configuration
 * file, logging to `logFile`; its stop is held to the contract: SIGTERM makes it exit 0
 * within 10 s, with no sanitizer report in its log.
 */
class Program {
    constructor(name, logFile, config) {
        this.name = name;
        this.proc = null;
        this.log = logFile;
        this.config = config;
        this.binary = path.join(BIN_DIR, name);
    }

    logText() {
        try {
            return fs.readFileSync(this.log, 'utf8');
        } catch (_) {
            return '';
        }
    }

    spawn() {
        if (!fs.existsSync(this.binary)) {
            throw new Error(`${this.binary} does not exist: build it first (cmake --build <dir>) or set A24_BIN_DIR`);
        }
        this.proc = startProcess([this.binary, '--config', this.config], this.log, {
            ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0',
            UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
        });
    }

    /** Throws (with the log's tail) if the program has exited. */
    assertRunning() {
        if (this.proc && this.proc.exitCode !== null) {
            throw new Error(`${this.name} exited with ${this.proc.exitCode}: ${this.logText().slice(-1500)}`);
        }
    }

    /** SIGTERM; returns a list of problems (exit status, sanitizer reports), empty if clean. */
    async stop() {
        const p = this.proc;
        this.proc = null;
        if (!p) return [];
        const r = await stopProcess(p, 'SIGTERM', 10000);
        const problems = [];
        if (r.killed) problems.push(`${this.name} did not exit within 10 s of SIGTERM`);
        else if (r.code !== 0) problems.push(`${this.name} exited with ${r.code ?? r.signal} after SIGTERM`);
        const log = this.logText();
        if (SANITIZER_MARKERS.some((m) => log.includes(m))) problems.push(`${this.name} log has a sanitizer report`);
        if (problems.length) {
            // stdout is block-buffered into the log and lost at an abort: quote stderr's lines of note first.
            const notable = log.split('\n').filter((l) => /Assertion|AddressSanitizer|LeakSanitizer|runtime error:|answer24-(web|worker):/.test(l));
            if (notable.length) problems.push(`--- lines of note ---\n${notable.slice(0, 20).join('\n')}`);
            problems.push(`--- ${this.name} log (tail) ---\n${log.slice(-2000)}`);
        }
        return problems;
    }
}

class Web extends Program {
    constructor(dir, port, redisUrl) {
        super('answer24-web', path.join(dir, 'web.log'), path.join(dir, 'answer24.yaml'));
        this.dir = dir;
        this.port = port;
        fs.writeFileSync(this.config, [
            '# written by tests/browser/harness.mjs',
            'http:',
            `  listen: ${yamlString(`${LOCAL_HOST}:${port}`)}`,
            `  static_dir: ${yamlString(path.join(SOURCE_DIR, 'service', 'web'))}`,
            'redis:',
            `  url: ${yamlString(redisUrl)}`,
            '  reconnect_min: "50ms"',
            '  reconnect_max: "500ms"',
            'secrets:',
            `  key_file: ${yamlString(path.join(dir, 'secret.key'))}`,
            'screening:',
            `  data_dir: ${yamlString(path.join(SOURCE_DIR, 'proto', 'data'))}`,
            'limits:',
            '  submissions_per_hour: 0',
            '  code_checks_per_hour: 0',
            '  intake_per_minute: 0',
            '',
        ].join('\n'));
    }

    get base() {
        return `http://${LOCAL_HOST}:${this.port}`;
    }

    async start() {
        this.spawn();
        await this.waitReady(20000);
    }

    /** Waits until GET /readyz answers 200. */
    async waitReady(timeout = 10000) {
        await waitFor(async () => {
            this.assertRunning();
            const r = await fetch(`${this.base}/readyz`).catch(() => null);
            return r && r.status === 200;
        }, { timeout, what: 'answer24-web /readyz to answer 200' });
    }
}

/* ------------------------------------------------------------ answer24-worker (optional) */

/**
 * The real `answer24-worker` (router, deadline engine and notifier in one process) with
 * the front end's configuration file, for tests that need routing and alerts. Started
 * only when fileStack({ worker: true }) asks; held to the same clean stop as the web.
 */
class Worker extends Program {
    constructor(dir, config) {
        super('answer24-worker', path.join(dir, 'worker.log'), config);
        this.dir = dir;
    }

    async start() {
        this.spawn();
        // It logs JSON lines straight to stderr (unbuffered): wait for its Redis connection.
        await waitFor(() => {
            this.assertRunning();
            return this.logText().includes('"redis_connected"');
        }, { timeout: 20000, what: 'answer24-worker to connect to Redis' });
    }
}

/* ------------------------------------------------------------ the guard */

/**
 * Watches one browser context: every request (recorded; off-host ones aborted and
 * counted as violations), console errors, page errors and dialogs.
 */
class Guard {
    constructor(stack, testName) {
        this.stack = stack;
        this.testName = testName;
        this.requests = [];      // every URL requested
        this.external = [];      // {url, why}
        this.consoleErrors = []; // {text, url, allowed}
        this.pageErrors = [];    // strings
        this.dialogs = [];       // {type, message}
        this.allowed = [];       // {re, why}
        this.seenExternal = new WeakSet();
    }

    /** Is `url` one a page may fetch? (http to 127.0.0.1 at the stack's port, data:, blob:, about:) */
    static isLocal(url, port) {
        let u;
        try {
            u = new URL(url);
        } catch (_) {
            return false;
        }
        if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
        return (u.protocol === 'http:' || u.protocol === 'ws:') && u.hostname === LOCAL_HOST && Number(u.port) === port;
    }

    async attach(context) {
        const port = this.stack.web.port;
        await context.route('**/*', async (route) => {
            const url = route.request().url();
            if (Guard.isLocal(url, port)) {
                await route.continue();
            } else {
                this.recordExternal(route.request(), 'aborted by the guard');
                await route.abort('blockedbyclient');
            }
        });
        context.on('request', (req) => {
            const url = req.url();
            this.requests.push(url);
            this.stack.allRequests.push(url);
            this.stack.requestCount += 1;
            if (!Guard.isLocal(url, port)) this.recordExternal(req, 'seen');
        });
        context.on('page', (page) => this.watchPage(page));
    }

    /** Records an off-host request once (the request event and the route both see it). */
    recordExternal(request, why) {
        if (this.seenExternal.has(request)) return;
        this.seenExternal.add(request);
        this.external.push({ url: request.url(), why });
        this.stack.allExternal.push({ test: this.testName, url: request.url() });
    }

    watchPage(page) {
        page.on('console', (msg) => {
            if (msg.type() !== 'error') return;
            const text = msg.text();
            const loc = msg.location();
            const allowed = this.allowed.find((a) => a.re.test(text));
            this.consoleErrors.push({ text, url: loc && loc.url, allowed: allowed ? allowed.why : null });
        });
        page.on('pageerror', (err) => this.pageErrors.push(String(err && err.stack ? err.stack : err)));
        page.on('dialog', async (dialog) => {
            const type = dialog.type();
            if (type === 'beforeunload') {
                // The ask page protects an unsent draft; leaving is the test's choice.
                this.dialogs.push({ type, message: dialog.message(), expected: true });
                await dialog.accept().catch(() => {});
                return;
            }
            this.dialogs.push({ type, message: dialog.message(), expected: false });
            await dialog.dismiss().catch(() => {});
        });
    }

    /** Lets console errors matching `re` pass, for the reason `why`. */
    allowConsole(re, why) {
        if (!why) throw new Error('allowConsole needs a reason');
        this.allowed.push({ re, why });
        for (const e of this.consoleErrors) {
            if (!e.allowed && re.test(e.text)) e.allowed = why;
        }
    }

    /** Forgets recorded off-host requests matching `re` (only for the guard's own self-test). */
    forgetExternal(re) {
        const keep = (e) => !re.test(e.url);
        const before = this.external.length;
        this.external = this.external.filter(keep);
        this.stack.allExternal = this.stack.allExternal.filter((e) => e.test !== this.testName || keep(e));
        return before - this.external.length;
    }

    /** The list of violations (strings), empty if the context behaved. */
    problems() {
        const out = [];
        for (const e of this.external) out.push(`request left ${LOCAL_HOST}: ${e.url} (${e.why})`);
        for (const e of this.consoleErrors) if (!e.allowed) out.push(`console error: ${e.text}${e.url ? ` at ${e.url}` : ''}`);
        for (const e of this.pageErrors) out.push(`page error: ${e}`);
        for (const d of this.dialogs) if (!d.expected) out.push(`dialog (${d.type}): ${d.message}`);
        return out;
    }
}

/* ------------------------------------------------------------ a test's session */

/** One test's browser context and page, with the helpers tests use. */
class Session {
    constructor(stack, name, context, page, guard) {
        this.stack = stack;
        this.name = name;
        this.context = context;
        this.page = page;
        this.guard = guard;
        this.base = stack.base;
        this.shots = [];
        this.notes = []; // findings that do not fail the test (minor/moderate axe results), for t.diagnostic
    }

    /** Opens `pathname` (relative to the stack) and waits until the page's text is loaded. */
    async goto(pathname, { ready = true } = {}) {
        await this.page.goto(new URL(pathname, this.base).href, { waitUntil: 'load' });
        if (ready) await waitPageReady(this.page);
    }

    /** Saves a full-page screenshot as artifacts/<test>[-<state>].png. */
    async shot(state = '', page = this.page) {
        fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
        const file = path.join(ARTIFACTS_DIR, `${slug(this.name)}${state ? `-${slug(state)}` : ''}.png`);
        // From the top, so that the sticky bar is drawn where it belongs in a full-page image.
        const at = await page.evaluate(() => {
            const xy = [window.scrollX, window.scrollY];
            window.scrollTo(0, 0);
            return xy;
        });
        await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
        await page.evaluate(([x, y]) => window.scrollTo(x, y), at);
        this.shots.push(file);
        return file;
    }

    /** Lets console errors matching `re` pass, for the reason `why`. */
    allowConsole(re, why) {
        this.guard.allowConsole(re, why);
    }

    /**
     * Runs axe-core on the current page state (served from the page's own origin, so
     * the page's CSP is not weakened). Fails on serious or critical violations; writes
     * every violation to artifacts/<test>-<state>-axe.json.
     */
    async axe(state = '', { page = this.page, options = {} } = {}) {
        if (!page.__a24AxeRouted) {
            await page.route(`**${AXE_PATH}`, (route) => route.fulfill({
                status: 200, contentType: 'text/javascript; charset=utf-8', body: AXE_SOURCE,
            }));
            page.__a24AxeRouted = true;
        }
        const loaded = await page.evaluate(() => typeof window.axe === 'object');
        if (!loaded) await page.addScriptTag({ url: AXE_PATH });
        // From the top: otherwise axe counts whatever the sticky bar happens to cover at the
        // current scroll position as obscured targets (the keyboard test covers focus under the bar).
        const results = await page.evaluate(async (opts) => {
            const at = [window.scrollX, window.scrollY];
            window.scrollTo(0, 0);
            // target-size (WCAG 2.5.8, 24 x 24 px) is off in axe by default; the pages promise it.
            const r = await window.axe.run(document, {
                resultTypes: ['violations'], ...opts,
                rules: { 'target-size': { enabled: true }, ...(opts.rules || {}) },
            });
            window.scrollTo(at[0], at[1]);
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html.slice(0, 300) })),
            }));
        }, options);
        fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
        fs.writeFileSync(path.join(ARTIFACTS_DIR, `${slug(this.name)}${state ? `-${slug(state)}` : ''}-axe.json`),
            JSON.stringify(results, null, 2));
        const bad = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        for (const v of results) {
            if (!bad.includes(v)) this.notes.push(`axe (${state || 'page'}) [${v.impact}] ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
        if (bad.length) {
            const text = bad.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `      ${n.target.join(' ')}: ${n.summary.replace(/\n/g, ' | ')}`).join('\n')}`).join('\n');
            throw new Error(`axe-core (${state || 'page'}): ${bad.length} serious/critical violation(s):\n${text}`);
        }
        return results;
    }
}

/** Waits until a citizen page has loaded its catalogue (a language button is pressed). */
export async function waitPageReady(page) {
    await page.waitForSelector('#lang-list [aria-pressed="true"]', { state: 'attached', timeout: 10000 });
    await page.waitForFunction(() => {
        const h1 = document.querySelector('h1:not([hidden])');
        return h1 && h1.textContent.trim().length > 0;
    }, null, { timeout: 10000 });
}

/* ------------------------------------------------------------ the stack */

class Stack {
    constructor(options = {}) {
        this.options = options;
        this.dir = null;
        this.redis = null;
        this.web = null;
        this.worker = null;
        this.browser = null;
        this.allExternal = []; // {test, url} across every session
        this.requestCount = 0;
        this.allRequests = []; // every URL any page requested
        this.contexts = new Set();
    }

    get base() {
        return this.web.base;
    }

    async start() {
        // Screenshots and axe reports of an earlier run would mislead: start empty.
        await fsp.rm(ARTIFACTS_DIR, { recursive: true, force: true });
        await fsp.mkdir(ARTIFACTS_DIR, { recursive: true });
        this.dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'a24-browser-'));
        live.dirs.add(this.dir);
        this.redis = new Redis(this.dir, await freePort());
        await this.redis.start();
        this.web = new Web(this.dir, await freePort(), this.redis.url);
        await this.web.start();
        if (this.options.worker) {
            this.worker = new Worker(this.dir, this.web.config);
            await this.worker.start();
        }
        if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
        this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
        return this;
    }

    /** A guarded browser context and its first page. `opts`: Playwright context options. */
    async session(name, opts = {}) {
        const context = await this.browser.newContext({
            locale: 'en-US',
            timezoneId: 'Asia/Seoul',
            viewport: { width: 1024, height: 800 },
            colorScheme: 'light',
            reducedMotion: 'reduce',
            serviceWorkers: 'block',
            ...opts,
        });
        this.contexts.add(context);
        const guard = new Guard(this, name);
        await guard.attach(context);
        context.setDefaultTimeout(15000);
        const page = await context.newPage();
        return new Session(this, name, context, page, guard);
    }

    /**
     * Runs `body(session)` in a fresh guarded context for the node:test context `t`.
     * On failure a screenshot `<test>-failure.png` is kept; the context is always
     * closed; the guard's findings fail the test.
     */
    async run(t, opts, body) {
        const name = t.name;
        const s = await this.session(name, opts);
        let failure = null;
        try {
            await body(s);
        } catch (err) {
            failure = err;
            await s.shot('failure').catch(() => {});
        }
        for (const note of new Set(s.notes)) t.diagnostic(note);
        const problems = s.guard.problems();
        await s.context.close().catch(() => {});
        this.contexts.delete(s.context);
        if (failure) {
            if (problems.length) failure.message += `\nguard also saw:\n  ${problems.join('\n  ')}`;
            throw failure;
        }
        if (problems.length) throw new Error(`guard: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
        return s;
    }

    /**
     * Registers the node:test test `name` (TEST_TIMEOUT) that runs `body(session, t)` in
     * a fresh guarded context with `opts` (run()).
     */
    test(name, opts, body) {
        test(name, { timeout: TEST_TIMEOUT }, (t) => this.run(t, opts, (s) => body(s, t)));
    }

    /** POST /api/v1/questions from node (no browser), for setting up a test. */
    async apiSubmit(body) {
        const r = await fetch(`${this.base}/api/v1/questions`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
        const data = await r.json().catch(() => null);
        if (r.status !== 201) throw new Error(`submit: HTTP ${r.status} ${JSON.stringify(data)}`);
        return data;
    }

    /** GET /api/v1/questions/{ticket} with the code: {status, body}. */
    async apiGet(ticket, code) {
        const r = await fetch(`${this.base}/api/v1/questions/${encodeURIComponent(ticket)}`, {
            headers: { Authorization: `Bearer ${code}` },
        });
        return { status: r.status, body: await r.json().catch(() => null) };
    }

    /**
     * Runs `answer24ctl --config <the stack's config> ...args`, with `stdin` written to
     * its standard input. Resolves {code, stdout, stderr}.
     */
    ctl(args, { stdin = '' } = {}) {
        const binary = path.join(BIN_DIR, 'answer24ctl');
        return new Promise((resolve, reject) => {
            const proc = spawn(binary, ['--config', this.web.config, ...args], {
                stdio: ['pipe', 'pipe', 'pipe'],
                env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' },
            });
            let stdout = '';
            let stderr = '';
            proc.stdout.on('data', (d) => { stdout += d; });
            proc.stderr.on('data', (d) => { stderr += d; });
            proc.on('error', reject);
            proc.on('close', (code) => resolve({ code, stdout, stderr }));
            proc.stdin.end(stdin);
        });
    }

    /**
     * Creates a staff account with answer24ctl (`role`: expert, supervisor, oncall,
     * admin; `categories` and `languages` as arrays or comma lists). Throws on failure.
     */
    async addUser(username, role, password, { categories, languages } = {}) {
        const args = ['user', 'add', '--username', username, '--role', role];
        const list = (v) => (Array.isArray(v) ? v.join(',') : String(v));
        if (categories) args.push('--categories', list(categories));
        if (languages) args.push('--languages', list(languages));
        args.push('--password-stdin');
        const r = await this.ctl(args, { stdin: `${password}\n` });
        if (r.code !== 0) throw new Error(`answer24ctl user add ${username}: exit ${r.code}: ${r.stderr.trim()}`);
    }

    /**
     * One JSON API call from node (no browser), for setting up a test: {status, body}.
     * `token`: a staff session token sent as Bearer.
     */
    async api(method, pathname, { token, body } = {}) {
        // Connection: close, so that no idle keep-alive connection of node's is still open
        // when answer24-web is stopped (it would wait for it, and report it).
        const headers = { Accept: 'application/json', Connection: 'close' };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        if (token) headers.Authorization = `Bearer ${token}`;
        const r = await fetch(`${this.base}${pathname}`, {
            method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await r.text();
        let data = null;
        try {
            data = text ? JSON.parse(text) : null;
        } catch (_) {
            data = text;
        }
        return { status: r.status, body: data };
    }

    /** POST /api/v1/session from node: the session token (throws unless 200). */
    async apiSignIn(username, password) {
        const r = await this.api('POST', '/api/v1/session', { body: { username, password } });
        if (r.status !== 200) throw new Error(`sign in ${username}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.token;
    }

    /** Stops Redis (data gone) and waits until /readyz says so. */
    async stopRedis() {
        await this.redis.stop();
        await waitFor(async () => {
            const r = await fetch(`${this.base}/readyz`).catch(() => null);
            return r && r.status !== 200;
        }, { timeout: 10000, what: '/readyz to report Redis down' });
    }

    /** Starts Redis again on the same port and waits until answer24-web is ready. */
    async startRedis() {
        await this.redis.start();
        try {
            await this.web.waitReady(10000);
        } catch (err) {
            // Leave a working stack for the tests that follow, then report the failure.
            const log = this.web.logText().slice(-1500);
            await stopProcess(this.web.proc, 'SIGKILL', 5000);
            this.web.proc = null;
            await this.web.start();
            throw new Error(`answer24-web did not become ready within 10 s after Redis came back `
                + `(restarted it so that later tests can run): ${err.message}\n--- log (tail) ---\n${log}`);
        }
    }

    /** Stops everything; throws if answer24-web did not stop cleanly. Safe to call twice. */
    async stop() {
        const problems = [];
        for (const c of this.contexts) await c.close().catch(() => {});
        this.contexts.clear();
        if (this.browser) {
            await this.browser.close().catch(() => {});
            this.browser = null;
        }
        if (this.worker) problems.push(...await this.worker.stop());
        if (this.web) problems.push(...await this.web.stop());
        if (this.redis) await this.redis.stop();
        if (this.dir) {
            await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => {});
            live.dirs.delete(this.dir);
            this.dir = null;
        }
        if (problems.length) throw new Error(problems.join('\n'));
    }
}

/**
 * The stack (Redis, answer24-web, Chromium) of one test file: started in node:test's
 * before() (then `setup(stack)`, for the accounts and data the file's tests share) and
 * stopped in after(), which also cleans up after a failed start. It registers tests
 * (`stack.test`) at once. `options.worker`: also start answer24-worker (routing,
 * deadlines, alerts).
 */
export function fileStack(options = {}, setup = null) {
    const stack = new Stack(options);
    before(async () => {
        await stack.start();
        if (setup) await setup(stack);
    });
    after(() => stack.stop());
    return stack;
}

/* ------------------------------------------------------------ page helpers */

/** Crockford base32, as access codes are written. */
/**
 * The checks of WCAG 1.4.10 at the current width: nothing wider than the viewport
 * (inside a scrolling region, a wide data table, only the region itself must fit).
 */
export async function assertNoHorizontalScroll(page, label) {
    const r = await page.evaluate(() => {
        const iw = window.innerWidth;
        const sw = document.scrollingElement.scrollWidth;
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            const style = getComputedStyle(el);
            if (style.display === 'none' || style.visibility === 'hidden') continue;
            const rect = el.getBoundingClientRect();
            if (rect.width === 0 || rect.height === 0 || rect.right <= 0) continue; // off-screen on purpose (skip link)
            if (el.closest('.visually-hidden')) continue;
            // Inside a scrolling region (a wide data table) is fine: the region itself must fit.
            const scroller = el.parentElement && el.parentElement.closest('.table-scroll');
            if (scroller) continue;
            if (rect.right > iw + 1) {
                const id = el.id ? `#${el.id}` : '';
                const cls = el.className && typeof el.className === 'string' ? `.${el.className.split(/\s+/).join('.')}` : '';
                wide.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(rect.right)}`);
            }
        }
        return { iw, sw, wide: wide.slice(0, 8) };
    });
    assert.ok(r.sw <= r.iw, `${label}: horizontal scrolling, scrollWidth ${r.sw} > innerWidth ${r.iw}; wide: ${r.wide.join(', ')}`);
    assert.deepEqual(r.wide, [], `${label}: elements wider than the ${r.iw} px viewport (clipped or overflowing)`);
}

export const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

/** Reads the visible text of `selector` (trimmed), or '' if absent. */
export async function textOf(page, selector) {
    const loc = page.locator(selector);
    if (await loc.count() === 0) return '';
    return (await loc.first().textContent() || '').trim();
}

/** True if `selector` is present and not hidden (by the hidden attribute or CSS). */
export async function isShown(page, selector) {
    return page.locator(selector).first().isVisible();
}
