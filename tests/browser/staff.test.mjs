/*
 * staff.test.mjs — the staff pages (/console and /oncall) in a real browser, against
 * the real answer24-web and answer24-worker (routing, deadlines, alerts).
 *
 * What staff must be able to do (shared/domain.md): an expert goes on duty, sees a
 * question offered live, claims it, answers from an editable template, passes an
 * offer on, and picks a transfer target from a list; a supervisor sees queue health
 * and approves a crisis answer held for review; on-call sees a crisis alert arrive
 * live, acknowledges it in one action and resolves it. Question text is only ever
 * text; the pages pass axe-core (no serious or critical finding) and reflow at 360
 * and 320 px; no request leaves 127.0.0.1.
 *
 * One stack (Redis, answer24-web, answer24-worker, Chromium) serves every test of this
 * file, with accounts made by answer24ctl; each test has its own guarded browser
 * context (harness.mjs). Tests run in order and share the desk's state (who is on
 * duty, open alerts). Screenshots land in tests/browser/artifacts/<test>-<state>.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    fileStack, TEST_TIMEOUT, catalogue, HTML_LANG, LOCAL_HOST, waitFor, waitPageReady, assertNoHorizontalScroll,
} from './harness.mjs';

const EN = catalogue('en');
const ZH = catalogue('zh');
const KO = catalogue('ko');
const PASSWORD = 'browser-staff-test-password';

/** The desk: two experts, a supervisor and an on-call account. */
const USERS = {
    erin: { role: 'expert', categories: ['sleep', 'stress', 'other'], languages: ['en', 'ko'] },
    dan: { role: 'expert', categories: ['sleep'], languages: ['en'] },
    sam: { role: 'supervisor', categories: ['depression', 'anxiety', 'stress', 'sleep', 'family', 'disaster', 'other'], languages: ['ko', 'zh', 'en'] },
    olga: { role: 'oncall' },
};

const ORDINARY = 'I have trouble sleeping at night lately. What could help?';
const CRISIS = 'I want to kill myself';
const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const TEMPLATE = {
    id: 'en-sleep-welcome',
    body: {
        language: 'en', category: 'sleep', title: 'Sleep: first reply',
        text: 'Thank you for writing to answer24. Many people find that a regular time to get up helps sleep more than anything else.',
    },
};

const tokens = {};

const stack = fileStack({ worker: true }, async () => {
    for (const [name, u] of Object.entries(USERS)) {
        await stack.addUser(name, u.role, PASSWORD, { categories: u.categories, languages: u.languages });
    }
    for (const name of Object.keys(USERS)) tokens[name] = await stack.apiSignIn(name, PASSWORD);
    const r = await stack.api('PUT', `/api/v1/templates/${TEMPLATE.id}`, { token: tokens.sam, body: TEMPLATE.body });
    assert.ok(r.status === 201 || r.status === 200, `template: HTTP ${r.status} ${JSON.stringify(r.body)}`);
});

/* ------------------------------------------------------------------ helpers */

/** A citizen's question, through the API (with Connection: close, like every set-up call). */
async function ask(text, category = 'sleep', language = 'en') {
    const r = await stack.api('POST', '/api/v1/questions', { body: { text, category, language } });
    assert.equal(r.status, 201, `submit: ${JSON.stringify(r.body)}`);
    return r.body;
}

async function call(who, method, pathname, body) {
    return stack.api(method, pathname, { token: tokens[who], body });
}

async function setDuty(who, on) {
    const r = await call(who, 'PUT', '/api/v1/me/duty', { on_duty: on });
    assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** The ticket as a supervisor sees it. */
async function ticketOf(id) {
    const r = await call('sam', 'GET', `/api/v1/tickets/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
}

async function switchLanguage(page, code) {
    await page.click(`#lang-list [data-lang="${code}"]`);
    await page.waitForFunction((l) => document.documentElement.lang === l, HTML_LANG[code]);
}

/** Signs in through the page's form and waits for the signed-in view. */
async function signIn(page, username) {
    await page.waitForSelector('#signin-view:not([hidden])');
    await page.fill('#signin-username', username);
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector('#app-view:not([hidden])');
    await page.waitForSelector('#live-status[data-state="live"]', { timeout: 10000 });
}

/** The list item of `ticket` in list `list` (offered, pool, mine, review). */
function listItem(page, list, ticket) {
    return page.locator(`#list-${list} li.ticket-item`, { has: page.locator(`.ti-id:text-is("${ticket}")`) });
}

/** The transfer list as {label, users} per group, in order. */
function transferGroups(page) {
    return page.$$eval('#transfer-to optgroup', (gs) => gs.map((g) => ({
        label: g.label, users: [...g.querySelectorAll('option')].map((o) => o.value),
    })));
}

/** Sends the transfer form, waits for `message` beside the ticket; returns the ticket as the API then has it. */
async function submitTransfer(page, ticket, message) {
    await page.click('#transfer-submit');
    await page.waitForFunction((m) => document.getElementById('ticket-message').textContent.includes(m), message);
    return ticketOf(ticket);
}

/** Opens the return page of a question in a new tab of the same context; returns the page. */
async function citizenPage(s, made) {
    const page = await s.context.newPage();
    await page.goto(`${s.base}/t/${made.ticket}#${made.access_code}`);
    await waitPageReady(page);
    await page.waitForSelector('#question-view:not([hidden])');
    return page;
}

/** Checks the current page state at 360 and 320 px (screenshots of the 320 px state), then restores the size. */
async function assertReflows(s, label) {
    const before = s.page.viewportSize();
    for (const width of [360, 320]) {
        await s.page.setViewportSize({ width, height: 720 });
        await s.page.waitForTimeout(150); // charts redraw on resize
        await assertNoHorizontalScroll(s.page, `${label} at ${width} px`);
    }
    await s.shot(`${label}_320`);
    await s.page.setViewportSize(before);
}

/* ------------------------------------------------------------------ signed out */

stack.test('console_and_oncall_signed_out_axe_reflow', { locale: 'en-US' }, async (s) => {
    const { page } = s;
    for (const where of ['console', 'oncall']) {
        await s.goto(`/${where}`);
        await page.waitForSelector('#signin-view:not([hidden])');
        assert.equal(await page.isHidden('#app-view'), true);
        await s.axe(`${where}_signed_out`);
        await s.shot(`${where}_signed_out`);
        await assertReflows(s, `${where}_signed_out`);
    }
    // A wrong password is explained next to the form, not by a dialog.
    s.allowConsole(/status of 401/, 'a wrong password is answered 401 on purpose');
    await page.fill('#signin-username', 'olga');
    await page.fill('#signin-password', 'not-the-password');
    await page.click('#signin-form button[type="submit"]');
    await page.waitForFunction((m) => document.getElementById('signin-error').textContent.includes(m), EN.staff.signin.bad);
    await s.axe('oncall_signin_error');
    await s.shot('oncall_signin_error');
});

/** Ends the session of `page` on the server, as a sign-out in another tab would. */
async function endPageSession(page) {
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('answer24.staff.session')).token);
    const r = await stack.api('DELETE', '/api/v1/session', { token });
    assert.ok(r.status === 200 || r.status === 204, `sign-out elsewhere: ${r.status} ${JSON.stringify(r.body)}`);
}

/* ------------------------------------------------- session life (staff-page.js) */

stack.test('staff_session_kept_ended_and_signed_out', { locale: 'en-US' }, async (s) => {
    // The life both staff pages share: a stored session survives a reload, a session
    // ended elsewhere shows the form with "ended" (on the next call, or at the reload's
    // /me check), and signing out shows it with "signed out" and forgets the session.
    const { page } = s;
    s.allowConsole(/status of 401/, 'the ended session is answered 401 on purpose');
    const formShows = async (key) => {
        await page.waitForSelector('#signin-view:not([hidden])');
        assert.equal(await page.isHidden('#app-view'), true);
        assert.equal(await page.isHidden('#staff-controls'), true);
        const text = await page.textContent('#signin-error');
        if (key) assert.ok(text.includes(key), `notice: ${text}`);
        else assert.equal(text, '', 'no notice');
    };

    await s.goto('/oncall');
    await signIn(page, 'olga');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title');
    await page.reload();
    await page.waitForSelector('#app-view:not([hidden])');
    assert.equal(await page.isHidden('#signin-view'), true, 'the stored session is still good');

    // Ended elsewhere, then the page's next call is refused.
    await endPageSession(page);
    await page.click('#alerts-refresh');
    await formShows(EN.staff.signin.ended);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'signin-username');

    // Ended elsewhere while the page was away: the reload's /me check says so.
    await signIn(page, 'olga');
    await endPageSession(page);
    await page.reload();
    await formShows(EN.staff.signin.ended);

    // Signing out on purpose.
    await signIn(page, 'olga');
    const gone = await page.evaluate(() => JSON.parse(sessionStorage.getItem('answer24.staff.session')).token);
    await page.click('#sign-out');
    await formShows(EN.staff.signin.signedOut);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('answer24.staff.session')), null);
    const r = await stack.api('GET', '/api/v1/me', { token: gone });
    assert.equal(r.status, 401, 'the server ended the session too');
    await page.reload();
    await formShows(null);
});

/* ------------------------------------------------------------------ (a) expert */

test('expert_claims_offer_inserts_template_edits_and_answers', { timeout: TEST_TIMEOUT }, async (t) => {
    await setDuty('dan', false);
    await stack.run(t, { locale: 'en-US', viewport: { width: 1280, height: 900 } }, async (s) => {
        const { page } = s;
        await s.goto('/console');
        await signIn(page, 'erin');
        assert.equal(await page.textContent('#page-title'), EN.console.title);
        assert.equal(await page.isHidden('#health'), true, 'queue health is for supervisors');

        // On duty by the switch.
        if (await page.getAttribute('#duty-toggle', 'aria-checked') !== 'true') {
            await page.click('#duty-toggle');
            await page.waitForSelector('#duty-toggle[aria-checked="true"]');
        }
        assert.equal(await page.isHidden('#offduty-note'), true);

        // A citizen asks; the router offers it to erin, the only expert on duty: it arrives live.
        const made = await ask(ORDINARY);
        const item = listItem(page, 'offered', made.ticket);
        await item.waitFor({ timeout: 10000 });
        const itemText = await item.innerText();
        assert.ok(itemText.includes(EN.categories.sleep) && itemText.includes('English'), `item: ${itemText}`);
        assert.ok(/left/.test(itemText), `a countdown in words: ${itemText}`);
        assert.equal(await item.locator('button').count(), 2, 'Claim and Decline');
        await s.shot('offered');

        // A colleague comes on duty meanwhile (the offer stays erin's): the transfer list ranks them first.
        await setDuty('dan', true);

        await item.getByRole('button', { name: /^Claim/ }).click();
        await page.waitForSelector('#answer-part:not([hidden])');
        await page.waitForFunction((m) => document.getElementById('ticket-message').textContent.includes(m), EN.console.done.claimed);
        assert.equal(await page.textContent('#ticket-text'), ORDINARY);
        await listItem(page, 'mine', made.ticket).waitFor();

        // Transfer: a list of colleagues on duty who take the topic and language (no free
        // text); an expert is never offered someone off duty, whom the server would refuse.
        assert.equal(await page.evaluate(() => document.getElementById('transfer-to').tagName), 'SELECT');
        await page.waitForFunction(() => document.querySelectorAll('#transfer-to optgroup').length > 0);
        const targets = await transferGroups(page);
        assert.deepEqual(targets, [
            { label: EN.console.transfer.groupOn, users: ['dan'] },
        ], 'on-duty colleagues only; sam (off duty), erin herself and olga (on-call) are not offered');

        // Template: insert, then edit before sending.
        await page.waitForSelector(`#template-select option[value="${TEMPLATE.id}"]`, { state: 'attached' });
        await page.selectOption('#template-select', TEMPLATE.id);
        await page.click('#template-insert');
        assert.equal(await page.inputValue('#answer-text'), TEMPLATE.body.text);
        assert.equal(await page.evaluate(() => document.activeElement.id), 'answer-text', 'focus goes to the answer');
        await page.keyboard.press('Control+End');
        const added = ' If it keeps you awake for weeks, please talk to a doctor.';
        await page.keyboard.type(added);
        const answer = TEMPLATE.body.text + added;
        assert.equal(await page.inputValue('#answer-text'), answer);
        await s.axe('ticket_claimed_answer_draft');
        await s.shot('answer_draft');
        await assertReflows(s, 'ticket_claimed');

        await page.click('#answer-send');
        await page.waitForSelector('#answer-confirm:not([hidden])');
        assert.equal(await page.textContent('#answer-confirm-text'), EN.console.answer.confirmText);
        await page.click('#answer-confirm-yes');
        await page.waitForFunction((m) => document.getElementById('ticket-message').textContent.includes(m), EN.console.done.answered);
        await page.waitForSelector('#answer-part', { state: 'hidden' });
        await s.shot('answered');

        // The citizen's return page shows the answer, exactly as edited.
        const citizen = await citizenPage(s, made);
        await citizen.waitForFunction((a) => document.getElementById('q-answer').innerText.includes(a), answer);
        await s.shot('citizen_sees_answer', citizen);
        await citizen.close();
    });
});

test('expert_declines_offer_router_passes_it_on', { timeout: TEST_TIMEOUT }, async (t) => {
    await setDuty('dan', false);
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto('/console');
        await signIn(page, 'erin');
        const made = await ask('Stress at work keeps me awake. Is that normal?', 'sleep');
        const item = listItem(page, 'offered', made.ticket);
        await item.waitFor({ timeout: 10000 });
        await setDuty('dan', true); // someone to pass it on to
        // In the ticket view too: Claim and Decline.
        await item.locator('a.ti-link').click();
        await page.waitForSelector('#ticket-actions [data-key="action:decline"]');
        await s.shot('offer_open');
        await page.click('#ticket-actions [data-key="action:decline"]');
        await page.waitForFunction((m) => document.getElementById('ticket-message').textContent.includes(m), EN.console.done.declined);
        await item.waitFor({ state: 'detached', timeout: 10000 });
        await waitFor(async () => {
            const d = await ticketOf(made.ticket);
            return d.status === 'offered' && d.owner === 'dan';
        }, { timeout: 10000, what: 'the router to offer the declined question to dan' });
        await s.shot('declined');
    });
    // dan's offer goes back to the router (and so to erin) when he leaves.
    await setDuty('dan', false);
});

test('expert_transfers_claim_to_colleague_from_list', { timeout: TEST_TIMEOUT }, async (t) => {
    await setDuty('erin', true);
    await setDuty('dan', true); // a transfer goes only to someone on duty (transfer.lua)
    const made = await ask('I wake up at 4 every morning and cannot fall asleep again.', 'sleep');
    const r = await call('erin', 'POST', `/api/v1/tickets/${made.ticket}/claim`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'erin');
        await page.waitForSelector('#transfer-part:not([hidden])');
        await page.waitForSelector('#transfer-to option[value="dan"]', { state: 'attached' });
        // Nothing chosen: the error is next to the list, not a dialog.
        await page.fill('#transfer-note', 'Prefers short practical advice.');
        await page.click('#transfer-submit');
        await page.waitForSelector('#transfer-to-error:not([hidden])');
        assert.ok((await page.textContent('#transfer-to-error')).includes(EN.console.transfer.chooseRequired));
        assert.equal(await page.getAttribute('#transfer-to', 'aria-invalid'), 'true');
        await s.shot('transfer_choose');
        await page.selectOption('#transfer-to', 'dan');
        const d = await submitTransfer(page, made.ticket, EN.console.done.transferred.replace('{name}', 'dan'));
        assert.equal(d.status, 'claimed');
        assert.equal(d.owner, 'dan');
        assert.deepEqual(d.notes.map((n) => [n.by, n.text]), [['erin', 'Prefers short practical advice.']]);
        await s.shot('transferred');
    });
    await setDuty('dan', false);
});

/* ------------------------------------------------------- transfer override */

const HTTP_STATUS_LOG = (status) => new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

/** A question in English (sleep unless said) that erin holds; nobody else is on duty, so nobody else is offered it. */
async function heldByErin(text, category = 'sleep') {
    await setDuty('sam', false);
    await setDuty('dan', false);
    await setDuty('erin', true);
    const made = await ask(text, category);
    const r = await call('erin', 'POST', `/api/v1/tickets/${made.ticket}/claim`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return made;
}

/** Counts the page's POSTs to .../transfer (the body of each, parsed). */
function watchTransfers(page) {
    const sent = [];
    page.on('request', (req) => {
        if (req.method() === 'POST' && /\/transfer$/.test(new URL(req.url()).pathname)) sent.push(req.postDataJSON());
    });
    return sent;
}

/**
 * Lets `page` read GET /api/v1/staff until freeze() is called, then keeps answering it
 * with the last copy read: the live update of a duty change is late, as it may be.
 */
async function staleStaffList(page) {
    let last = null;
    let frozen = false;
    await page.route((url) => url.pathname === '/api/v1/staff', async (route) => {
        if (frozen && last) return route.fulfill({ status: 200, contentType: 'application/json', body: last });
        const response = await route.fetch();
        last = await response.text();
        return route.fulfill({ response, body: last });
    });
    return { freeze: () => { frozen = true; } };
}

test('supervisor_transfers_to_off_duty_expert_with_override_reason', { timeout: TEST_TIMEOUT }, async (t) => {
    const made = await heldByErin('Since the move I sleep three hours a night at most.');
    const REASON = 'Dan knows this person from an earlier question; he starts his shift in an hour.';
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        const sent = watchTransfers(page);
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'sam');
        await page.waitForSelector('#transfer-part:not([hidden])');
        await page.waitForSelector('#transfer-to option[value="dan"]', { state: 'attached' });
        const targets = await transferGroups(page);
        assert.deepEqual(targets, [{ label: EN.console.transfer.groupOff, users: ['dan'] }],
            'a supervisor is offered dan, who is off duty; erin holds it, sam is himself');
        assert.equal(await page.isHidden('#transfer-reason-field'), true, 'no reason until someone needs one');

        // Choosing dan asks for a reason, and says it is audited.
        await page.selectOption('#transfer-to', 'dan');
        await page.waitForSelector('#transfer-reason-field:not([hidden])');
        const hint = await page.textContent('#transfer-reason-hint');
        assert.equal(hint, EN.console.transfer.reasonHintOff.replace('{name}', 'dan').replace('{max}', '500'));
        assert.equal(await page.getAttribute('#transfer-reason', 'aria-required'), 'true');

        // An empty reason is refused on the page: a field error, focus on the field, no request.
        await page.fill('#transfer-note', 'Please pick this up when your shift starts.');
        await page.click('#transfer-submit');
        await page.waitForSelector('#transfer-reason-error:not([hidden])');
        assert.ok((await page.textContent('#transfer-reason-error')).includes(EN.console.transfer.reasonRequired));
        assert.equal(await page.getAttribute('#transfer-reason', 'aria-invalid'), 'true');
        assert.ok((await page.getAttribute('#transfer-reason', 'aria-describedby')).split(' ').includes('transfer-reason-error'));
        assert.equal(await page.evaluate(() => document.activeElement.id), 'transfer-reason');
        assert.equal(sent.length, 0, 'nothing is sent without a reason');
        await s.axe('transfer_override_reason_required');
        await s.shot('transfer_override_reason_required');

        await page.fill('#transfer-reason', REASON);
        const d = await submitTransfer(page, made.ticket, EN.console.done.transferredOverride.replace('{name}', 'dan'));
        assert.deepEqual(sent, [{ to: 'dan', note: 'Please pick this up when your shift starts.', override_reason: REASON }]);
        assert.equal(d.status, 'claimed');
        assert.equal(d.owner, 'dan');
        const line = d.audit.find((a) => a.event === 'transfer_override');
        assert.ok(line, `audit: ${JSON.stringify(d.audit)}`);
        assert.equal(line.actor, 'sam');
        assert.equal(line.reason, REASON);
        // The history on the page names the override and its reason.
        await page.waitForFunction((x) => document.getElementById('ticket-audit').textContent.includes(x),
            `${EN.console.audit.events.transfer_override} — ${REASON}`);
        await s.shot('transferred_override');
    });
});

test('supervisor_sees_colleagues_outside_topic_with_override_reason_hint', { timeout: TEST_TIMEOUT }, async (t) => {
    // dan takes only sleep: for a stress question he is listed apart, and only to a supervisor.
    const made = await heldByErin('Deadlines at work make my chest tight every evening.', 'stress');
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'sam');
        await page.waitForSelector('#transfer-to option[value="dan"]', { state: 'attached' });
        const where = (x) => x.replace('{topic}', EN.categories.stress).replace('{language}', 'English');
        const targets = await transferGroups(page);
        assert.deepEqual(targets, [{ label: where(EN.console.transfer.groupOther), users: ['dan'] }]);
        assert.equal(await page.textContent('#transfer-to-hint'), where(EN.console.transfer.noneFitOverride));
        await page.selectOption('#transfer-to', 'dan');
        await page.waitForSelector('#transfer-reason-field:not([hidden])');
        assert.equal(await page.textContent('#transfer-reason-hint'),
            where(EN.console.transfer.reasonHintBoth).replace('{name}', 'dan').replace('{max}', '500'));
        await page.selectOption('#transfer-to', '');
        await page.waitForSelector('#transfer-reason-field', { state: 'hidden' });
    });
});

test('supervisor_refused_off_duty_target_gives_reason_expert_never_sees_it', { timeout: TEST_TIMEOUT }, async (t) => {
    const made = await heldByErin('I fall asleep at my desk every afternoon.');
    await setDuty('dan', true);
    // An expert picks dan on duty; he leaves before the form is sent: the refusal is
    // the colleague field's error, and an expert is never asked for an override reason.
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        s.allowConsole(HTTP_STATUS_LOG(409), 'dan goes off duty between choosing and sending: 409 target_off_duty');
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'erin');
        await page.waitForSelector('#transfer-to option[value="dan"]', { state: 'attached' });
        await page.selectOption('#transfer-to', 'dan');
        await page.fill('#transfer-note', 'Short practical advice, please.');
        assert.equal(await page.isHidden('#transfer-reason-field'), true);
        await setDuty('dan', false);
        await page.click('#transfer-submit');
        await page.waitForSelector('#transfer-to-error:not([hidden])');
        assert.ok((await page.textContent('#transfer-to-error')).includes(EN.staff.errors.target_off_duty));
        assert.equal(await page.isHidden('#transfer-reason-field'), true, 'experts never see the override reason');
        assert.equal((await ticketOf(made.ticket)).owner, 'erin');
    });
    // A supervisor in the same spot is offered the override instead of a dead end (in Korean).
    await setDuty('dan', true);
    await stack.run(t, { locale: 'ko-KR' }, async (s) => {
        const { page } = s;
        s.allowConsole(HTTP_STATUS_LOG(409), 'dan goes off duty between choosing and sending: 409 target_off_duty');
        const sent = watchTransfers(page);
        const staff = await staleStaffList(page);
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'sam');
        await page.waitForFunction(() => document.documentElement.lang === 'ko');
        await page.waitForSelector('#transfer-to option[value="dan"]', { state: 'attached' });
        await page.selectOption('#transfer-to', 'dan');
        assert.equal(await page.isHidden('#transfer-reason-field'), true, 'dan is on duty: no override needed');
        await page.fill('#transfer-note', 'Short practical advice, please.');
        staff.freeze();
        await setDuty('dan', false);
        await page.click('#transfer-submit');
        await page.waitForSelector('#transfer-reason-field:not([hidden])');
        await page.waitForSelector('#transfer-reason-error:not([hidden])');
        assert.ok((await page.textContent('#transfer-reason-error')).includes(KO.console.transfer.refusedOff.replace('{name}', 'dan')));
        assert.equal(await page.getAttribute('#transfer-reason', 'aria-invalid'), 'true');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'transfer-reason');
        assert.equal(await page.isHidden('#transfer-to-error'), true);
        assert.equal(sent.length, 1);
        assert.equal(sent[0].override_reason, undefined, 'the first try carried no override');
        await s.axe('transfer_override_refused_ko');
        await s.shot('transfer_override_refused_ko');
        await page.fill('#transfer-reason', '담당 분야가 같고 곧 근무를 다시 시작합니다.');
        const d = await submitTransfer(page, made.ticket, KO.console.done.transferredOverride.replace('{name}', 'dan'));
        assert.equal(d.owner, 'dan');
        assert.ok(d.audit.some((a) => a.event === 'transfer_override' && a.actor === 'sam'), JSON.stringify(d.audit));
    });
});

/* ------------------------------------------------------------------ (b) review */

test('crisis_answer_reviewed_and_approved_by_supervisor', { timeout: TEST_TIMEOUT }, async (t) => {
    await setDuty('erin', true);
    const made = await ask(CRISIS, 'sleep');
    assert.equal(made.crisis, true);
    let r = await call('erin', 'POST', `/api/v1/tickets/${made.ticket}/claim`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const answer = 'Thank you for telling us. You matter, and you do not have to face this alone.';
    r = await call('erin', 'POST', `/api/v1/tickets/${made.ticket}/answer`, { text: answer });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'in_review', 'a crisis answer waits for review');
    assert.equal((await stack.apiGet(made.ticket, made.access_code)).body.answer, null, 'not released before review');

    await stack.run(t, { locale: 'en-US', viewport: { width: 1280, height: 900 } }, async (s) => {
        const { page } = s;
        await s.goto('/console');
        await signIn(page, 'sam');
        assert.equal(await page.textContent('#page-title'), EN.console.titleSupervisor);

        // Queue health from /api/v1/queue/summary: six figures in words.
        await page.waitForFunction(() => document.querySelectorAll('#health-figures .figure').length === 6);
        const health = await page.$$eval('#health-figures .figure', (fs) => fs.map((f) => f.querySelector('dt').textContent));
        assert.deepEqual(health, [EN.console.health.waiting, EN.console.health.claimed, EN.console.health.crises,
            EN.console.health.dueSoon, EN.console.health.overdueTitle, EN.console.health.onDuty]);

        const item = listItem(page, 'review', made.ticket);
        await item.waitFor();
        assert.ok((await item.innerText()).includes('Crisis'), 'the crisis flag is in words');

        // A new question reaches the supervisor's pool live (the "queued" event).
        const later = await ask('How much sleep does a teenager need?', 'sleep');
        await listItem(page, 'pool', later.ticket).waitFor({ timeout: 10000 });

        await item.locator('a.ti-link').click();
        await page.waitForSelector('#review-controls:not([hidden])');
        assert.equal(await page.textContent('#draft-text'), answer);
        await s.axe('supervisor_review');
        await s.shot('supervisor_review');

        await page.click('#review-approve');
        await page.waitForFunction((m) => document.getElementById('ticket-message').textContent.includes(m), EN.console.done.approved);
        await item.waitFor({ state: 'detached' });
        await s.shot('approved');

        const citizen = await citizenPage(s, made);
        await citizen.waitForFunction((a) => document.getElementById('q-answer').innerText.includes(a), answer);
        await s.shot('citizen_sees_reviewed_answer', citizen);
        await citizen.close();

        await page.emulateMedia({ colorScheme: 'dark' });
        await s.axe('supervisor_dark');
        await s.shot('supervisor_dark');
    });
});

test('console_offers_only_the_moves_the_server_allows', { timeout: TEST_TIMEOUT }, async (t) => {
    // The console asks the ticket's "actions" instead of restating rules: the author of
    // a crisis answer is offered no approval, and an expert is offered no lowering.
    const made = await ask(CRISIS, 'sleep');
    let r = await call('sam', 'POST', `/api/v1/tickets/${made.ticket}/claim`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('sam', 'POST', `/api/v1/tickets/${made.ticket}/answer`, { text: 'You are not alone; we are here.' });
    assert.equal(r.body.status, 'in_review', 'a supervisor\'s crisis answer waits for review too');
    const other = await ask(CRISIS, 'sleep');
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'sam');
        await page.waitForSelector('#review-controls:not([hidden])');
        assert.equal(await page.isVisible('#review-approve'), false, 'the author is never offered approval');
        assert.equal(await page.isVisible('#review-return'), true);
        await s.shot('author_review');
    });
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto(`/console#ticket=${other.ticket}`);
        await signIn(page, 'erin');
        await page.waitForFunction((x) => document.getElementById('ticket-text').textContent === x, CRISIS);
        assert.equal(await page.isVisible('#risk-part'), false, 'only a supervisor lowers a crisis');
    });
});

/* ------------------------------------------------------------------ (c) on-call */

stack.test('oncall_sees_crisis_alert_live_acknowledges_and_resolves', { locale: 'en-US', viewport: { width: 1280, height: 900 } }, async (s) => {
    const { page } = s;
    await s.goto('/oncall');
    await signIn(page, 'olga');
    await page.waitForSelector('#alert-list li');
    // The open-questions chart comes from the queue summary: on-call sees it now.
    await page.waitForSelector('#chart-open svg');
    assert.ok(!(await page.textContent('#chart-open-note')).includes(EN.oncall.charts.open.needsSupervisor));
    await page.waitForSelector('#chart-window svg, #chart-window .chart-empty');
    // No webhook is configured in this stack: the dashboard says so.
    await page.waitForSelector('#oncall-banner:not([hidden])');
    assert.ok((await page.textContent('#oncall-banner')).includes(EN.oncall.alerts.noWebhooks));
    // Crisis notifications and sound, after the person asks for them.
    await page.context().grantPermissions(['notifications']);
    await page.click('#notify-enable');
    await waitFor(async () => (await page.textContent('#notify-status')) === EN.oncall.alerts.notifyActive, { what: 'notifications on' });

    // A crisis question arrives while the page is open: the alert shows up live.
    const made = await ask(CRISIS, 'stress', 'ko');
    const alert = page.locator('#alert-list li.alert-item', { has: page.locator(`a[href="#view=${made.ticket}"]`) });
    await alert.waitFor({ timeout: 15000 });
    const text = await alert.innerText();
    assert.ok(text.includes(EN.staff.alertKinds.crisis), text);
    assert.ok(text.includes('Korean') && text.includes(EN.categories.stress), `language and topic: ${text}`);
    assert.ok(text.includes(EN.oncall.alerts.notAcked), text);
    assert.ok(!(await page.innerText('body')).includes(CRISIS), 'no question text on the on-call page');
    await page.waitForFunction(() => document.getElementById('announcer-urgent').textContent.length > 0);
    await page.waitForFunction(() => (window.__a24Chimes || 0) > 0, null, { timeout: 5000 });
    // One entry per ticket, its history expandable.
    assert.equal(await page.locator(`#alert-list a[href="#view=${made.ticket}"]`).count(), 1);
    await alert.locator('details.alert-history summary').click();
    assert.ok((await alert.locator('.history-list li').count()) >= 1);
    // The ticket link opens a read-only view: state, owner, timeline, never the text.
    await alert.locator(`a[href="#view=${made.ticket}"]`).click();
    await page.waitForSelector('#ticket-view:not([hidden]) .history-list li');
    const view = await page.innerText('#ticket-view');
    assert.ok(view.includes(EN.oncall.alerts.viewTimeline) && view.includes('submit'), view);
    assert.ok(!view.includes(CRISIS), 'no question text in the on-call view');
    await s.axe('oncall_ticket_view');
    await s.shot('oncall_ticket_view');
    await page.click('#ticket-view-close');
    assert.match(await page.title(), /^\(\d+\) /, 'the tab title counts unacknowledged alerts');
    await s.axe('alert_open');
    await s.shot('alert_open');
    await assertReflows(s, 'oncall_alert_and_charts');

    // One action acknowledges: it says who, and the button is gone.
    await alert.getByRole('button', { name: EN.oncall.alerts.ack }).click();
    const ackedBy = EN.oncall.alerts.ackedBy.replace(/\{name\}.*$/, 'olga'); // "Acknowledged by olga"
    await waitFor(async () => (await alert.innerText()).includes(ackedBy), { what: 'the alert to say who acknowledged it' });
    assert.equal(await alert.getByRole('button', { name: EN.oncall.alerts.ack }).count(), 0);
    const a = (await call('olga', 'GET', '/api/v1/alerts?state=open')).body.alerts.find((x) => x.ticket === made.ticket);
    assert.ok(['crisis', 'crisis_waiting'].includes(a.kind), a.kind);
    assert.equal(a.state, 'acked');
    assert.equal(a.acked_by, 'olga');
    await s.shot('alert_acked');

    await alert.getByRole('button', { name: EN.oncall.alerts.resolve }).click();
    await alert.waitFor({ state: 'detached' });
    const open = (await call('olga', 'GET', '/api/v1/alerts?state=open')).body.alerts;
    assert.ok(!open.some((x) => x.id === a.id), 'resolved alerts leave the open list');
    await s.shot('alert_resolved');

    await switchLanguage(page, 'zh');
    assert.equal(await page.textContent('#chart-open-title'), ZH.oncall.charts.open.title);
    await page.emulateMedia({ colorScheme: 'dark' });
    await s.axe('oncall_dark_zh');
    await s.shot('oncall_dark_zh');
});

/* ------------------------------------------------------------------ (d) XSS */

test('xss_question_shown_as_text_in_console', { timeout: TEST_TIMEOUT }, async (t) => {
    const made = await ask(XSS, 'other');
    await stack.run(t, { locale: 'en-US' }, async (s) => {
        const { page } = s;
        await s.goto(`/console#ticket=${made.ticket}`);
        await signIn(page, 'sam');
        await page.waitForFunction((x) => document.getElementById('ticket-text').textContent === x, XSS);
        await page.waitForTimeout(300); // give an onerror handler every chance to fire
        const seen = await page.evaluate(() => ({
            shown: document.getElementById('ticket-text').innerText,
            children: document.querySelectorAll('#ticket-text .usertext *').length,
            imgX: document.querySelectorAll('img[src="x"]').length,
            scripts: [...document.scripts].map((sc) => sc.getAttribute('src')),
        }));
        assert.ok(seen.shown.includes('<img src=x onerror=alert(1)>'), 'the literal markup is visible text');
        assert.equal(seen.children, 0, 'no element was made from the text');
        assert.equal(seen.imgX, 0);
        assert.deepEqual(seen.scripts, ['/js/console.js']);
        assert.deepEqual(s.guard.dialogs, [], 'no dialog fired');
        await s.shot('ticket');
        // The same view in Korean: the question keeps its own lang, the page is Korean.
        await switchLanguage(page, 'ko');
        assert.ok((await page.textContent('#live-status')).includes(KO.staff.live.live), 'the live status follows the language');
        assert.equal(await page.getAttribute('#ticket-text .usertext', 'lang'), 'en');
        assert.equal(await page.textContent('#ticket-text'), XSS);
        await s.axe('ticket_ko');
        await s.shot('ticket_ko');
    });
});

stack.test('console_keeps_the_answer_draft_over_an_ended_session_not_a_sign_out', { locale: 'en-US' }, async (s) => {
    // The "session ended" notice promises the unsent drafts stay; signing out on purpose drops them.
    const { page } = s;
    s.allowConsole(/status of 401/, 'the ended session is answered 401 on purpose');
    const made = await heldByErin('I wake at four every morning and cannot sleep again.');
    await s.goto(`/console#ticket=${made.ticket}`);
    await signIn(page, 'erin');
    await page.waitForSelector('#answer-part:not([hidden])');
    const draft = 'Try keeping the same hours every day, weekends too.';
    await page.fill('#answer-text', draft);
    await endPageSession(page);
    await page.fill('#note-text', 'Asked twice before.');
    await page.click('#note-add');
    await page.waitForFunction((m) => document.getElementById('signin-error').textContent.includes(m), EN.staff.signin.ended);
    await signIn(page, 'erin');
    await page.waitForSelector('#answer-part:not([hidden])');
    assert.equal(await page.inputValue('#answer-text'), draft, 'the draft survived the ended session');
    await page.click('#sign-out');
    await page.waitForSelector('#signin-view:not([hidden])');
    await signIn(page, 'erin');
    await page.waitForSelector('#answer-part:not([hidden])');
    assert.equal(await page.inputValue('#answer-text'), '', 'signing out dropped the draft');
});

/* ------------------------------------------------------------------ (g) nothing leaves 127.0.0.1 */

test('no_request_leaves_localhost', { timeout: TEST_TIMEOUT }, async () => {
    // Runs last: every test before it went through the same guard.
    assert.ok(stack.requestCount > 50, `the guard saw the traffic (${stack.requestCount} requests)`);
    const hosts = new Set(stack.allRequests.map((u) => {
        const x = new URL(u);
        return x.protocol === 'data:' || x.protocol === 'blob:' ? x.protocol : x.host;
    }));
    hosts.delete('data:');
    hosts.delete('blob:');
    assert.deepEqual([...hosts], [`${LOCAL_HOST}:${stack.web.port}`]);
    assert.deepEqual(stack.allExternal, [], 'no request of any test left 127.0.0.1');
    // No question text in either program's log.
    const logs = stack.web.logText() + stack.worker.logText();
    for (const text of [ORDINARY, CRISIS, XSS]) assert.ok(!logs.includes(text), `question text in a log: ${text}`);
});
