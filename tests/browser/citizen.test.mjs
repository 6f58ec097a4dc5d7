/*
 * citizen.test.mjs — the citizen pages (/ and /t/<ticket>#<code>) in a real browser.
 *
 * What a citizen must be able to do (shared/domain.md): ask in Korean, Chinese or
 * English and get a code and a QR image; see the crisis panel in their language for
 * crisis text and whenever a submission fails, without losing the draft; switch
 * language without losing the draft; come back with the link, follow up, withdraw;
 * do all of it by keyboard; read the pages at 320 px without horizontal scrolling;
 * and never have a request leave 127.0.0.1 or their own text run as markup.
 *
 * One stack (Redis, answer24-web, Chromium) serves every test of this file; each test
 * has its own guarded browser context (harness.mjs). Tests are named
 * <area>_<behaviour>; screenshots land in tests/browser/artifacts/<test>-<state>.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    fileStack, TEST_TIMEOUT, catalogue, HTML_LANG, CROCKFORD, LOCAL_HOST, textOf, isShown, waitPageReady,
    assertNoHorizontalScroll,
} from './harness.mjs';

const CAT = { ko: catalogue('ko'), zh: catalogue('zh'), en: catalogue('en') };
const LOCALES = { ko: 'ko-KR', zh: 'zh-CN', en: 'en-US' };

/** Ordinary questions (no risk phrase) and crisis texts, per language. */
const ORDINARY = {
    ko: '요즘 밤에 잠이 잘 오지 않아요. 어떻게 하면 좋을까요?',
    zh: '最近晚上总是睡不好，有什么办法吗？',
    en: 'I have trouble sleeping at night lately. What could help?',
};
const CRISIS = { ko: '죽고 싶어요', zh: '我想自杀', en: 'I want to kill myself' };

/** The numbers each language's crisis panel must offer as tel: links. */
const MUST_CALL = { ko: ['109'], zh: ['12356'], en: ['109', '12356'] };

const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';

/** Chrome logs every non-2xx fetch as a console error; tests that cause one on purpose allow it. */
const HTTP_STATUS_LOG = (status) => new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

const stack = fileStack();

/* ------------------------------------------------------------------ helpers */

async function switchLanguage(page, code) {
    await page.click(`#lang-list [data-lang="${code}"]`);
    await page.waitForFunction((l) => document.documentElement.lang === l
        && document.querySelector(`#lang-list [data-lang="${({ ko: 'ko', 'zh-Hans': 'zh', en: 'en' })[l]}"]`).getAttribute('aria-pressed') === 'true',
    HTML_LANG[code]);
}

async function fillQuestion(page, text, category) {
    await page.fill('#q-text', text);
    await page.selectOption('#q-category', category);
}

/** Clicks "Send" and waits for the result view. Returns the POST request. */
async function submitAndWait(page) {
    const request = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/questions');
    await page.click('#q-submit');
    await page.waitForSelector('#result-view:not([hidden])');
    return request;
}

/** Every access code the suite saw, to check that none reaches a log or a URL. */
const CODES_SEEN = new Set();

/** Reads the result view: the code as shown (groups), the return link, the ticket. */
async function readResult(page) {
    const groups = await page.locator('#result-code .code-group').allTextContents();
    const link = await page.getAttribute('#result-link', 'href');
    const m = /\/t\/([^#]+)#(.+)$/.exec(link || '');
    CODES_SEEN.add(groups.join(''));
    return { groups, code: groups.join(''), link, ticket: m && m[1], linkCode: m && m[2] };
}

/** POST from node for set-up; the code is remembered like the page's. */
async function apiSubmit(body) {
    const made = await stack.apiSubmit(body);
    CODES_SEEN.add(made.access_code.replace(/-/g, '').toUpperCase());
    return made;
}

/** All tel: numbers linked inside `selector`. */
async function telNumbers(page, selector) {
    return page.locator(`${selector} a[href^="tel:"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(4)));
}

async function waitAnnounced(page, text) {
    await page.waitForFunction((t) => document.getElementById('announcer').textContent === t, text);
}

/* ------------------------------------------------------------------ (a) asking */

for (const code of ['ko', 'zh', 'en']) {
    test(`ask_by_switcher_${code}`, { timeout: TEST_TIMEOUT }, async (t) => {
        await stack.run(t, { locale: 'en-US' }, async (s) => {
            const { page } = s;
            const cat = CAT[code];
            await s.goto('/');
            if (code !== 'en') await switchLanguage(page, code);
            assert.equal(await page.getAttribute('html', 'lang'), HTML_LANG[code]);
            assert.equal(await textOf(page, '#ask-view h1'), cat.ask.title);
            assert.equal(await textOf(page, 'label[for="q-text"]'), cat.ask.textLabel);
            // The privacy notes say what is kept and that this is not an emergency service.
            assert.equal(await textOf(page, '.privacy li.strong'), cat.privacy.notEmergency);

            await fillQuestion(page, ORDINARY[code], 'sleep');
            await s.shot('filled');
            const request = await submitAndWait(page);
            const sent = request.postDataJSON();
            assert.equal(sent.language, code, 'the question is sent with the page language');
            assert.equal(sent.text, ORDINARY[code]);
            assert.equal(sent.category, 'sleep');
            assert.match(request.headers()['idempotency-key'] || '', /^[0-9a-f-]{36}$/);

            // Code: 28 Crockford characters in groups of 4, and the same code in the link.
            const result = await readResult(page);
            assert.equal(result.groups.length, 7, `groups: ${result.groups}`);
            for (const g of result.groups) assert.match(g, /^[0-9A-HJKMNP-TV-Z]{4}$/);
            assert.equal(result.code.length, 28);
            assert.match(result.code, CROCKFORD);
            assert.ok(result.ticket, `return link ${result.link}`);
            assert.equal(result.linkCode.replace(/-/g, '').toUpperCase(), result.code);
            assert.ok(result.link.startsWith(`${s.base}/t/`), result.link);

            // QR image: fetched after the result (never drawn at submit), shown as a
            // data: URL that decodes and has the catalogue's alt text.
            await page.waitForSelector('#result-qr-figure:not([hidden])');
            const qr = await page.$eval('#result-qr', (img) => ({
                src: img.getAttribute('src') || '', alt: img.alt, ok: img.complete && img.naturalWidth > 0,
            }));
            assert.match(qr.src, /^data:image\/(svg\+xml|png);base64,/);
            assert.ok(qr.ok, 'QR image decoded');
            assert.equal(qr.alt, cat.result.qrAlt);

            // Submission announced through the polite live region; focus on the result heading.
            assert.equal(await page.getAttribute('#announcer', 'aria-live'), 'polite');
            assert.equal(await page.getAttribute('#announcer', 'role'), 'status');
            await waitAnnounced(page, cat.ask.submitted);
            assert.equal(await page.evaluate(() => document.activeElement.id), 'result-title');
            assert.equal(await textOf(page, '#result-title'), cat.result.title);
            // Latest answer time shown in local time; the code-lost warning is there.
            assert.ok((await textOf(page, '#result-due')).length > 5, 'due time shown');
            assert.equal(await textOf(page, '#result-view .warning.strong'), cat.result.lost);
            // An ordinary question opens no crisis box.
            assert.equal(await isShown(page, '#result-crisis'), false);
            assert.equal(await isShown(page, '#crisis-panel'), false);
            await s.shot('result');
        });
    });
}

test('ask_default_language_from_navigator', { timeout: TEST_TIMEOUT }, async (t) => {
    for (const [code, locale] of [...Object.entries(LOCALES), ['en', 'fr-FR']]) {
        await stack.run(t, { locale }, async (s) => {
            await s.goto('/');
            const { page } = s;
            assert.equal(await page.evaluate(() => navigator.language), locale);
            assert.equal(await page.getAttribute('html', 'lang'), HTML_LANG[code], `locale ${locale}`);
            assert.equal(await page.getAttribute(`#lang-list [data-lang="${code}"]`, 'aria-pressed'), 'true');
            assert.equal(await textOf(page, '#ask-view h1'), CAT[code].ask.title);
            assert.equal(await textOf(page, '#q-submit'), CAT[code].ask.submit);
            if (locale === 'ko-KR') await s.shot(code);
        });
    }
});

/* ------------------------------------------------------------------ (b) crisis text */

for (const code of ['ko', 'zh', 'en']) {
    test(`crisis_text_opens_panel_${code}`, { timeout: TEST_TIMEOUT }, async (t) => {
        await stack.run(t, { locale: LOCALES[code] }, async (s) => {
            const { page } = s;
            const cat = CAT[code];
            await s.goto('/');
            assert.equal(await page.getAttribute('html', 'lang'), HTML_LANG[code]);
            await fillQuestion(page, CRISIS[code], 'depression');
            await submitAndWait(page);

            // The panel opened by itself, in the page language, and so did the result's crisis box.
            await page.waitForSelector('#crisis-panel:not([hidden])');
            assert.equal(await page.getAttribute('#crisis-toggle', 'aria-expanded'), 'true');
            assert.equal(await textOf(page, '#crisis-title'), cat.crisis.title);
            assert.equal(await textOf(page, '#crisis-panel .crisis-note'), cat.crisis.notEmergency);
            assert.ok(await isShown(page, '#result-crisis'), 'result crisis box shown');
            assert.equal(await textOf(page, '#result-crisis h2'), cat.result.crisisTitle);

            // Wait for the operator's directory (API) to replace the catalogue copy, then check numbers.
            const panelTels = await telNumbers(page, '#crisis-panel');
            const resultTels = await telNumbers(page, '#result-crisis');
            for (const n of MUST_CALL[code]) {
                assert.ok(panelTels.includes(n), `panel offers tel:${n} (has ${panelTels})`);
                assert.ok(resultTels.includes(n), `result box offers tel:${n} (has ${resultTels})`);
            }
            const panelText = await page.innerText('#crisis-panel');
            for (const n of MUST_CALL[code]) assert.ok(panelText.includes(n), `panel text shows ${n}`);

            // The retired Korean number is never shown or linked, in any language.
            const everywhere = await page.evaluate(() => {
                const clone = document.body.cloneNode(true);
                for (const n of clone.querySelectorAll('#result-code, #result-link, #result-qr')) n.remove();
                return clone.textContent + [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')).join(' ');
            });
            assert.ok(!everywhere.includes('1393'), 'the retired number 1393 appears on the page');

            // Lines in another language than the page's are marked with their lang (never unmarked English).
            const unmarked = await page.$$eval('#crisis-panel .crisis-line', (lis, pageLang) => lis
                .filter((li) => li.lang && li.lang !== pageLang).length, HTML_LANG[code]);
            assert.equal(unmarked, 0, 'crisis lines are in the page language');
            await waitAnnounced(page, cat.ask.submitted);
            await s.shot('result');
        });
    });
}

/* ------------------------------------------------------------------ (c) failures */

stack.test('crisis_panel_on_failed_submission_keeps_draft', { locale: 'ko-KR' }, async (s) => {
    const { page } = s;
    const cat = CAT.ko;
    s.allowConsole(/Failed to load resource: net::ERR_FAILED/, 'the test cuts the network under the POST on purpose');
    s.allowConsole(HTTP_STATUS_LOG(502), 'the test answers the POST with a proxy-style 502 on purpose');
    await s.goto('/');
    await fillQuestion(page, ORDINARY.ko, 'stress');
    await page.check('#q-green');

    // 1. The network fails under the POST.
    const keys = [];
    page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/api/v1/questions')) keys.push(r.headers()['idempotency-key']);
    });
    await page.route('**/api/v1/questions', (route) => route.abort('failed'));
    await page.click('#q-submit');
    await page.waitForSelector('#crisis-panel:not([hidden])');
    await page.waitForSelector('#form-error .crisis-inline');
    assert.ok((await page.innerText('#form-error')).includes(cat.errors.network), 'network error worded in Korean');
    assert.ok((await telNumbers(page, '#form-error')).includes('109'), 'lines next to the error offer 109');
    assert.ok((await telNumbers(page, '#crisis-panel')).includes('109'), 'panel offers 109');
    assert.equal(await textOf(page, '#crisis-title'), cat.crisis.title);
    // The draft is all still there.
    assert.equal(await page.inputValue('#q-text'), ORDINARY.ko);
    assert.equal(await page.inputValue('#q-category'), 'stress');
    assert.equal(await page.isChecked('#q-green'), true);
    assert.equal(await isShown(page, '#result-view'), false);
    await s.shot('network_failed');

    // 2. A proxy answers 502 with an HTML page: the panel opens again.
    await page.click('#crisis-close');
    assert.equal(await isShown(page, '#crisis-panel'), false);
    await page.unroute('**/api/v1/questions');
    await page.route('**/api/v1/questions', (route) => route.fulfill({
        status: 502, contentType: 'text/html', body: '<html><body>Bad gateway</body></html>',
    }));
    await page.click('#q-submit');
    await page.waitForSelector('#crisis-panel:not([hidden])');
    await page.waitForFunction((m) => document.getElementById('form-error').innerText.includes(m), cat.errors.unavailable);
    assert.equal(await page.inputValue('#q-text'), ORDINARY.ko);

    // 3. The service is back: the same draft goes through, with the same Idempotency-Key.
    await page.unroute('**/api/v1/questions');
    await submitAndWait(page);
    assert.equal(keys.length, 3, `three attempts seen: ${keys}`);
    assert.ok(keys.every((k) => k && k === keys[0]), `one Idempotency-Key for the same draft: ${keys}`);
    assert.equal((await readResult(page)).code.length, 28);
});

stack.test('crisis_panel_when_redis_down_keeps_draft', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    const cat = CAT.zh;
    s.allowConsole(HTTP_STATUS_LOG(503), 'Redis is stopped on purpose: the API answers 503');
    await s.goto('/');
    await switchLanguage(page, 'zh');
    await fillQuestion(page, ORDINARY.zh, 'anxiety');
    await stack.stopRedis();
    try {
        const response = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/questions'));
        await page.click('#q-submit');
        assert.equal((await response).status(), 503, 'the API says 503 when Redis is down');
        await page.waitForSelector('#crisis-panel:not([hidden])');
        await page.waitForSelector('#form-error .crisis-inline');
        assert.equal(await textOf(page, '#crisis-title'), cat.crisis.title);
        assert.ok((await telNumbers(page, '#crisis-panel')).includes('12356'), 'panel offers 12356');
        assert.ok((await telNumbers(page, '#form-error')).includes('12356'), 'lines next to the error offer 12356');
        const errText = await page.innerText('#form-error');
        assert.ok(errText.includes(cat.errors.prefix), `error says ${cat.errors.prefix}: ${errText}`);
        assert.equal(await page.inputValue('#q-text'), ORDINARY.zh);
        assert.equal(await page.inputValue('#q-category'), 'anxiety');
        await s.shot('redis_down');
    } finally {
        await stack.startRedis();
    }
    await submitAndWait(page);
    assert.equal((await readResult(page)).code.length, 28);
});


/* ------------------------------------------------------------------ (d) language switch */

stack.test('selfcheck_item9_sent_without_consent_opens_crisis_panel', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    await s.goto('/');
    await fillQuestion(page, ORDINARY.en, 'depression');
    await page.click('#selfcheck summary');
    assert.equal(await isShown(page, '#crisis-panel'), false, 'panel closed before item 9');
    await page.check('#sc-phq9-9-0');
    assert.equal(await isShown(page, '#crisis-panel'), false, 'item 9 = 0 opens nothing');
    await page.check('#sc-phq9-9-2');
    // The panel opens at once, before anything is sent, and help shows under item 9.
    await page.waitForSelector('#crisis-panel:not([hidden])');
    await page.waitForSelector('#sc-item9-help');
    assert.equal(await page.isChecked('#selfcheck-consent'), false);
    const request = await submitAndWait(page);
    const sent = request.postDataJSON();
    // Item 9 goes without consent; the scores do not.
    assert.equal(sent.phq9_item9, 2);
    assert.equal(sent.selfcheck, undefined);
    await page.waitForSelector('#result-crisis:not([hidden])');
    assert.ok(await isShown(page, '#crisis-panel'), 'panel stays open on the crisis result');
    await s.shot('item9_result');
});

stack.test('language_switch_keeps_draft', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    await s.goto('/');
    const draft = 'Line one of my draft.\nLine two: 한국어 和中文 mixed in.';
    await page.fill('#q-text', draft);
    await page.check('#q-green');
    // Send without a topic: the error sits next to the field (and the panel opens).
    await page.click('#q-submit');
    await page.waitForSelector('#q-category-error:not([hidden])');
    assert.ok((await textOf(page, '#q-category-error')).includes(CAT.en.errors.category_required));
    assert.equal(await page.getAttribute('#q-category', 'aria-invalid'), 'true');
    await page.click('#crisis-close');

    // Korean: the draft, the tick and the error (re-worded) stay.
    await switchLanguage(page, 'ko');
    assert.equal(await page.inputValue('#q-text'), draft);
    assert.equal(await page.isChecked('#q-green'), true);
    assert.equal(await textOf(page, 'label[for="q-text"]'), CAT.ko.ask.textLabel);
    assert.ok((await textOf(page, '#q-category-error')).includes(CAT.ko.errors.category_required), 'error re-worded in Korean');
    assert.ok((await textOf(page, '#q-text-count')).length > 0, 'counter shown');
    await s.shot('ko_with_error');

    // Choose a topic, then Chinese and back to English: nothing is lost.
    await page.selectOption('#q-category', 'family');
    await switchLanguage(page, 'zh');
    assert.equal(await page.inputValue('#q-text'), draft);
    assert.equal(await page.inputValue('#q-category'), 'family');
    assert.equal(await page.isChecked('#q-green'), true);
    assert.equal(await page.$eval('#q-category', (sel) => sel.selectedOptions[0].textContent), CAT.zh.categories.family);
    assert.equal(await isShown(page, '#q-category-error'), false);
    await switchLanguage(page, 'en');
    assert.equal(await page.inputValue('#q-text'), draft);
    assert.equal(await page.inputValue('#q-category'), 'family');
    assert.equal(await page.isChecked('#q-green'), true);
    assert.equal(await page.$eval('#q-category', (sel) => sel.selectedOptions[0].textContent), CAT.en.categories.family);
    // The draft is never written to storage: only the language code is.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!stored.includes('Line one'), `draft found in web storage: ${stored}`);
    await s.shot('en_kept');
});

/* ------------------------------------------------------------------ (e) coming back */

stack.test('return_by_link_followup_withdraw', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    const cat = CAT.en;
    s.allowConsole(HTTP_STATUS_LOG(404), 'after withdrawal the code no longer opens the question: 404 by design');
    await s.goto('/');
    const question = 'Return test: I feel tense before exams. How can I calm down?';
    await fillQuestion(page, question, 'anxiety');
    await submitAndWait(page);
    const { link, ticket, code } = await readResult(page);

    await page.goto(link);
    await waitPageReady(page);
    await page.waitForSelector('#question-view:not([hidden])');
    assert.equal(page.url(), `${s.base}/t/${ticket}`, 'the code is removed from the address bar');
    assert.ok(await isShown(page, '#address-note'));
    assert.equal(await textOf(page, '#q-status'), cat.status.queued);
    assert.equal(await textOf(page, '#q-status-explain'), cat.status.explain.queued);
    assert.equal(await page.$eval('#q-text', (n) => n.textContent), question);
    assert.ok((await textOf(page, '#q-due')).length > 5, 'deadline shown');
    assert.equal(await textOf(page, '#q-answer'), cat.return.noAnswer);
    assert.ok((await textOf(page, '#q-ticket')).includes(ticket));
    assert.ok(await isShown(page, '#followup-form'));
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!storage.includes(code), 'the code is never put in web storage');
    await s.shot('question');

    // A follow-up.
    const followup = 'Follow-up: it is worse at night.';
    await page.fill('#followup-text', followup);
    await page.click('#followup-send');
    await page.waitForSelector('#followups-card:not([hidden])');
    await page.waitForFunction((f) => [...document.querySelectorAll('#q-followups li .usertext')].some((n) => n.textContent === f), followup);
    await waitAnnounced(page, cat.return.followupSent);
    assert.equal(await page.inputValue('#followup-text'), '', 'the box is emptied after sending');
    const api = await stack.apiGet(ticket, code);
    assert.equal(api.status, 200);
    assert.equal(api.body.followups.length, 1);
    await s.shot('followup');

    // Withdraw: asks first; "no" keeps it; "yes" deletes.
    await page.click('#withdraw-start');
    await page.waitForSelector('#withdraw-confirm:not([hidden])');
    assert.equal(await page.getAttribute('#withdraw-start', 'aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'withdraw-confirm-text');
    assert.equal(await textOf(page, '#withdraw-confirm-text'), cat.return.withdrawConfirmText);
    await s.shot('withdraw_confirm');
    await page.click('#withdraw-no');
    assert.equal(await isShown(page, '#withdraw-confirm'), false);
    assert.equal((await stack.apiGet(ticket, code)).status, 200, '"no" keeps the question');
    await page.click('#withdraw-start');
    await page.click('#withdraw-yes');
    await page.waitForSelector('#withdrawn-view:not([hidden])');
    assert.equal(await textOf(page, '#withdrawn-text'), cat.return.withdrawn);
    assert.equal(await isShown(page, '#question-view'), false);
    await waitAnnounced(page, cat.return.withdrawn);
    assert.ok(!(await page.innerText('body')).includes(question), 'the question text left the page');
    await s.shot('withdrawn');

    // The texts are gone from the server too.
    const after = await stack.apiGet(ticket, code);
    if (after.status === 200) {
        assert.equal(after.body.status, 'withdrawn');
        assert.ok(!after.body.text, 'a withdrawn question has no text');
    } else {
        assert.equal(after.status, 404);
    }
    // Opening the link again shows no text and says why.
    await page.goto(link);
    await waitPageReady(page);
    await page.waitForFunction(() => !document.getElementById('enter-view').hidden || !document.getElementById('question-view').hidden);
    assert.ok(!(await page.innerText('body')).includes(question));
    if (await isShown(page, '#enter-view')) {
        assert.ok((await textOf(page, '#enter-code-error')).includes(cat.errors.not_found));
    } else {
        assert.equal(await textOf(page, '#q-status'), cat.status.withdrawn);
    }
    await s.shot('reopened');
});

stack.test('return_by_typed_code_ignores_case_and_spaces', { locale: 'zh-CN' }, async (s) => {
    const { page } = s;
    const cat = CAT.zh;
    s.allowConsole(HTTP_STATUS_LOG(404), 'a wrong code is answered 404 on purpose');
    const made = await apiSubmit({ text: ORDINARY.zh, category: 'sleep', language: 'zh' });
    await s.goto(`/t/${made.ticket}`);
    await page.waitForSelector('#enter-view:not([hidden])');
    assert.equal(await isShown(page, '#enter-ticket-field'), false, 'the ticket is known from the address');
    assert.ok((await textOf(page, '#enter-ticket-known')).includes(made.ticket));
    // A wrong (but well-formed) code: the same 404 as any other, worded next to the field.
    const wrong = made.access_code.slice(0, -1) + (made.access_code.endsWith('0') ? '1' : '0');
    await page.fill('#enter-code', wrong);
    await page.press('#enter-code', 'Enter');
    await page.waitForSelector('#enter-code-error:not([hidden])');
    assert.ok((await textOf(page, '#enter-code-error')).includes(cat.errors.not_found));
    await s.shot('wrong_code');
    // The real code, typed in lower case with spaces between groups.
    const typed = made.access_code.toLowerCase().replace(/(.{4})/g, '$1 ').trim();
    await page.fill('#enter-code', typed);
    await page.press('#enter-code', 'Enter');
    await page.waitForSelector('#question-view:not([hidden])');
    assert.equal(await textOf(page, '#q-status'), cat.status.queued);
    assert.equal(await page.$eval('#q-text', (n) => n.textContent), ORDINARY.zh);
    assert.equal(await page.inputValue('#enter-code'), '', 'the code does not stay on screen');
    await s.shot('opened');
});

/* ------------------------------------------------------------------ (f) keyboard */

/** What has focus, with what a sighted keyboard user would see of it. */
async function focusInfo(page) {
    return page.evaluate(() => {
        const a = document.activeElement;
        const style = getComputedStyle(a);
        const rect = a.getBoundingClientRect();
        const bar = document.getElementById('topbar');
        const barRect = bar.getBoundingClientRect();
        const sticky = getComputedStyle(bar).position === 'sticky';
        return {
            id: a.id, tag: a.tagName.toLowerCase(), cls: a.className || '', text: (a.textContent || '').trim().slice(0, 40),
            ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
            focusVisible: a.matches(':focus-visible'),
            inBar: bar.contains(a),
            // WCAG 2.4.11: the sticky bar must not cover the focused element (its centre is the test).
            obscured: sticky && !bar.contains(a) && (() => {
                const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
                const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
                const top = document.elementFromPoint(x, y);
                return Boolean(top && bar.contains(top));
            })(),
            underBar: sticky && !bar.contains(a) && rect.top < barRect.bottom - 1 && rect.bottom > barRect.top,
            onScreen: rect.right > 0 && rect.bottom > 0 && rect.left < innerWidth && rect.top < innerHeight,
        };
    });
}

/** Tab (or Shift+Tab) until `pred(info)` holds; every stop must show a visible, unobscured ring. */
async function tabTo(page, pred, { back = false, max = 40, visited = [] } = {}) {
    for (let i = 0; i < max; i += 1) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        const f = await focusInfo(page);
        visited.push(f.id || `${f.tag}.${f.cls}`);
        assert.ok(f.ring && f.focusVisible, `no visible focus ring on ${f.tag}#${f.id}.${f.cls}`);
        assert.ok(!f.obscured, `focused ${f.tag}#${f.id} is hidden under the sticky top bar`);
        assert.ok(f.onScreen, `focused ${f.tag}#${f.id} is off screen`);
        if (pred(f)) return f;
    }
    throw new Error(`focus never reached the target; visited: ${visited.join(' > ')}`);
}

stack.test('keyboard_only_citizen_path', { locale: 'en-US', viewport: { width: 800, height: 700 } }, async (s, t) => {
    const { page, context } = s;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.base });
    await s.goto('/');
    const visited = [];

    // First stop: the skip link, shown when focused.
    const skip = await tabTo(page, () => true, { visited });
    assert.match(skip.cls, /skip-link/);
    // "Need help now?" opens with Enter (focus to its heading) and closes with Escape.
    await tabTo(page, (f) => f.id === 'crisis-toggle', { visited });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#crisis-panel:not([hidden])');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'crisis-title');
    await s.shot('crisis_open');
    await page.keyboard.press('Escape');
    assert.equal(await isShown(page, '#crisis-panel'), false);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'crisis-toggle');
    // Language by keyboard: Space on 한국어, then Enter on English.
    await tabTo(page, (f) => f.text === '한국어', { visited });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.documentElement.lang === 'ko');
    await tabTo(page, (f) => f.text.endsWith('English'), { visited });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    // Back to the skip link with Shift+Tab, then into <main>.
    await tabTo(page, (f) => /skip-link/.test(f.cls), { back: true, visited });
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');

    // Write, choose a topic, tick, skip the self-check, send.
    await tabTo(page, (f) => f.id === 'q-text', { visited });
    const text = 'Typed by keyboard only.\nSecond line.';
    await page.keyboard.type(text);
    await tabTo(page, (f) => f.id === 'q-category', { visited });
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#q-category'), 'stress');
    await tabTo(page, (f) => f.id === 'q-green', { visited });
    await page.keyboard.press('Space');
    assert.equal(await page.isChecked('#q-green'), true);
    const backOnTopic = await tabTo(page, () => true, { back: true, visited });
    assert.equal(backOnTopic.id, 'q-category', 'Shift+Tab from the tick goes back to the topic');
    await tabTo(page, (f) => f.id === 'q-green', { visited });
    await tabTo(page, (f) => f.tag === 'summary', { visited });
    await page.keyboard.press('Enter');
    assert.equal(await page.$eval('#selfcheck', (d) => d.open), true, 'Enter opens the self-check');
    await tabTo(page, (f) => f.id === 'selfcheck-skip', { visited });
    await page.keyboard.press('Enter');
    assert.equal(await page.$eval('#selfcheck', (d) => d.open), false, 'one key press skips the self-check');
    assert.equal((await focusInfo(page)).tag, 'summary');
    await tabTo(page, (f) => f.id === 'q-submit', { visited });
    await s.shot('before_send');
    const request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/questions'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result-view:not([hidden])');
    const sent = (await request).postDataJSON();
    assert.deepEqual({ text: sent.text, category: sent.category, green: sent.green_channel, selfcheck: sent.selfcheck },
        { text, category: 'stress', green: true, selfcheck: undefined });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'result-title');
    await waitAnnounced(page, CAT.en.ask.submitted);

    // Copy the code with Space.
    await tabTo(page, (f) => f.id === 'copy-code', { visited });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('copy-code-status').textContent !== '');
    const { code } = await readResult(page);
    assert.equal(await textOf(page, '#copy-code-status'), CAT.en.result.copied);
    assert.equal((await page.evaluate(() => navigator.clipboard.readText())).replace(/[\s-]/g, ''), code);
    await s.shot('result');
    t.diagnostic(`focus order: ${visited.join(' > ')}`);
});

/* ------------------------------------------------------------------ (g) reflow */

const REFLOW_WIDTHS = [360, 320];

/** Checks the current page state at each width of REFLOW_WIDTHS (ends at 320 px). */
async function assertReflows(page, label) {
    for (const width of REFLOW_WIDTHS) {
        await page.setViewportSize({ width, height: 640 });
        await assertNoHorizontalScroll(page, `${label} at ${width} px`);
    }
}

stack.test('reflow_no_horizontal_scroll_360_and_320px', { locale: 'en-US', viewport: { width: 360, height: 640 } }, async (s) => {
    const { page } = s;
    await s.goto('/');
    await assertReflows(page, 'ask page');
    await s.shot('ask_320');
    await page.click('#crisis-toggle');
    await page.waitForSelector('#crisis-panel:not([hidden])');
    await assertReflows(page, 'crisis panel (en)');
    for (const code of ['ko', 'zh']) {
        await switchLanguage(page, code);
        await assertReflows(page, `crisis panel (${code})`);
        await s.shot(`crisis_${code}_320`);
    }
    await switchLanguage(page, 'en');
    await page.click('#crisis-close');
    await page.click('#selfcheck summary');
    await page.check('#sc-phq9-9-1');
    await page.click('#q-submit');
    await page.waitForSelector('#q-text-error:not([hidden])');
    await assertReflows(page, 'validation errors, self-check open');
    await page.click('#selfcheck-skip');
    // A long unbroken token must wrap, not widen the page.
    const question = `Reflow test ${'x'.repeat(150)} https://example.invalid/${'a'.repeat(120)}`;
    await fillQuestion(page, question, 'other');
    await submitAndWait(page);
    await assertReflows(page, 'result (code, link, QR)');
    await s.shot('result_320');
    const { link } = await readResult(page);
    await page.goto(link);
    await waitPageReady(page);
    await page.waitForSelector('#question-view:not([hidden])');
    await page.fill('#followup-text', 'y'.repeat(200));
    await page.click('#followup-send');
    await page.waitForSelector('#followups-card:not([hidden])');
    await page.click('#withdraw-start');
    await assertReflows(page, 'return page');
    await s.shot('return_320');
    await s.goto(link.replace(/#.*$/, ''));
    await page.waitForSelector('#enter-view:not([hidden])');
    await assertReflows(page, 'enter code');
});

/* ------------------------------------------------------------------ (h) accessibility */

test('axe_ask_page', { timeout: TEST_TIMEOUT }, async (t) => {
    // One state holds most of the page at once: the crisis panel open (a failed send
    // opens it), field errors, the self-check open with the help under PHQ-9 item 9.
    // That state in every language, then the crisis result; both also in dark mode.
    await stack.run(t, { locale: 'en-US', colorScheme: 'light' }, async (s) => {
        const { page } = s;
        await s.goto('/');
        await page.click('#selfcheck summary');
        await page.check('#sc-phq9-9-1'); // item 9 above 0
        await page.click('#q-submit');
        await page.waitForSelector('#q-text-error:not([hidden])');
        await page.waitForSelector('#crisis-panel:not([hidden])');
        await page.waitForSelector('#sc-item9-help');
        await s.axe('light_everything_open');
        await s.shot('light_everything_open');
        for (const code of ['ko', 'zh']) {
            await switchLanguage(page, code);
            await s.axe(`light_everything_open_${code}`);
        }
        await switchLanguage(page, 'en');
        await page.emulateMedia({ colorScheme: 'dark' });
        await s.axe('dark_everything_open');
        await s.shot('dark_everything_open');
        await page.click('#selfcheck-skip');
        await fillQuestion(page, CRISIS.en, 'other');
        await submitAndWait(page);
        await s.axe('dark_result_crisis');
        await s.shot('dark_result_crisis');
        await page.emulateMedia({ colorScheme: 'light' });
        await s.axe('light_result_crisis');
        await s.shot('light_result_crisis');
    });
});

stack.test('axe_return_page', { locale: 'ko-KR', colorScheme: 'light' }, async (s) => {
    const { page } = s;
    s.allowConsole(HTTP_STATUS_LOG(404), 'a wrong code is answered 404 on purpose');
    const made = await apiSubmit({ text: CRISIS.ko, category: 'depression', language: 'ko' });
    await s.goto(`/t/${made.ticket}#${made.access_code}`);
    await page.waitForSelector('#question-view:not([hidden])');
    await page.fill('#followup-text', '추가 질문입니다.');
    await page.click('#followup-send');
    await page.waitForSelector('#followups-card:not([hidden])');
    await page.click('#withdraw-start');
    await s.axe('light_question');
    await s.shot('light_question');
    await page.emulateMedia({ colorScheme: 'dark' });
    await s.axe('dark_question');
    await s.shot('dark_question');
    await page.emulateMedia({ colorScheme: 'light' });
    await s.goto(`/t/${made.ticket}`);
    await page.waitForSelector('#enter-view:not([hidden])');
    await page.fill('#enter-code', 'ABCD');
    await page.press('#enter-code', 'Enter');
    await page.waitForSelector('#enter-code-error:not([hidden])');
    await s.axe('light_enter_error');
    await s.shot('light_enter_error');
});

/* ------------------------------------------------------------------ (j) XSS */

stack.test('xss_question_shown_as_text', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    await s.goto('/');
    await fillQuestion(page, XSS, 'other');
    await submitAndWait(page);
    const { link } = await readResult(page);
    await page.goto(link);
    await waitPageReady(page);
    await page.waitForSelector('#question-view:not([hidden])');
    await page.fill('#followup-text', XSS);
    await page.click('#followup-send');
    await page.waitForSelector('#followups-card:not([hidden])');
    await page.waitForTimeout(300); // give an onerror handler every chance to fire
    const seen = await page.evaluate(() => ({
        text: document.getElementById('q-text').textContent,
        shown: document.getElementById('q-text').innerText,
        children: document.querySelectorAll('#q-text *, #q-followups .usertext *').length,
        imgX: document.querySelectorAll('img[src="x"]').length,
        scripts: [...document.scripts].map((sc) => sc.getAttribute('src')),
        followup: document.querySelector('#q-followups .usertext').textContent,
    }));
    assert.equal(seen.text, XSS, 'the question is shown exactly as written');
    assert.ok(seen.shown.includes('<img src=x onerror=alert(1)>'), 'the literal markup is visible text');
    assert.equal(seen.children, 0, 'no element was made from the text');
    assert.equal(seen.imgX, 0);
    assert.deepEqual(seen.scripts, ['/js/return.js']);
    assert.equal(seen.followup, XSS);
    assert.deepEqual(s.guard.dialogs, [], 'no dialog fired');
    await s.shot('return');
});

/* ------------------------------------------------------------------ (i) nothing leaves 127.0.0.1 */

test('no_request_leaves_localhost', { timeout: TEST_TIMEOUT }, async (t) => {
    // Runs last: every test before it went through the same guard.
    let ownRequests = 0;
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        s.allowConsole(/net::ERR_BLOCKED_BY_CLIENT/, 'the guard self-test below blocks a navigation on purpose');
        await s.goto('/');
        await page.click('#crisis-toggle');
        // The whole citizen path once, so that this test stands alone too.
        await fillQuestion(page, ORDINARY.en, 'other');
        await submitAndWait(page);
        const { link } = await readResult(page);
        await page.goto(link);
        await waitPageReady(page);
        await page.waitForSelector('#question-view:not([hidden])');
        const hosts = new Set(s.guard.requests.map((u) => new URL(u).host));
        assert.deepEqual([...hosts], [`${LOCAL_HOST}:${stack.web.port}`], 'this page talked to 127.0.0.1 only');
        // The guard works: a navigation elsewhere is stopped and recorded.
        await assert.rejects(page.goto('http://example.com/'));
        assert.equal(s.guard.forgetExternal(/^http:\/\/example\.com\//), 1, 'the guard caught the off-host request');
        ownRequests = s.guard.requests.length;
    });
    assert.ok(ownRequests > 5 && stack.requestCount >= ownRequests, `the guard saw the traffic (${ownRequests} here, ${stack.requestCount} in all)`);
    assert.deepEqual(stack.allExternal, [], 'no request of any test left 127.0.0.1');
    // The access code travels only in the Authorization header: never in a URL the
    // browser requested (the fragment stays in the browser), never in the server's log.
    assert.ok(CODES_SEEN.size >= 1, `codes seen: ${CODES_SEEN.size}`);
    const urls = stack.allRequests.map((u) => u.toUpperCase().replace(/-/g, ''));
    const log = stack.web.logText().toUpperCase().replace(/-/g, ''); // what has been flushed so far
    for (const code of CODES_SEEN) {
        assert.ok(!urls.some((u) => u.includes(code)), `access code ${code} appears in a requested URL`);
        assert.ok(!log.includes(code), `access code ${code} appears in the answer24-web log`);
    }
    const rawLog = stack.web.logText();
    for (const text of [...Object.values(CRISIS), ...Object.values(ORDINARY), XSS]) {
        assert.ok(!rawLog.includes(text), `question text in the answer24-web log: ${text}`);
    }
});
