/*
 * coverage.test.mjs — the on-call dashboard's headline promise figure and its coverage
 * ahead (js/oncall-coverage.js), in a real browser against the real answer24-web.
 *
 * The headline is within_window_pct (every question whose window ended, answered or
 * not), not the answered-only share; the coverage list shows the pairs nobody on the
 * rota covers in the coming week, in the rota's zone; neither breaks the page's
 * accessibility (axe) nor its reflow at 320 px.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileStack, catalogue } from './harness.mjs';

const EN = catalogue('en');
const PASSWORD = 'browser-coverage-test-password';

const stack = fileStack({ worker: false }, async () => {
    await stack.addUser('olga', 'oncall', PASSWORD);
    await stack.addUser('erin', 'expert', PASSWORD, { categories: ['sleep'], languages: ['en'] });
    const r = await stack.ctl(['rota', 'set', 'erin', 'mon-fri 09:00-17:00']);
    assert.equal(r.code, 0, r.stderr);
    // Today's figures as the scripts leave them: 4 windows ended, 3 kept; 2 answers, both
    // in time (the answered-only share would say 100 %).
    const day = String(Math.floor(Date.now() / 86400000));
    execFileSync('redis-cli', ['-p', String(stack.redis.port), 'HSET', `a24:day:${day}`,
        'submitted', '4', 'answered', '2', 'in_window', '2', 'window_ended', '4', 'within_window', '3']);
});

stack.test('oncall_headline_is_within_window_and_gaps_are_listed', { locale: 'en-US', viewport: { width: 1280, height: 900 } }, async (s) => {
    const { page } = s;
    await s.goto('/oncall');
    await page.waitForSelector('#signin-view:not([hidden])');
    await page.fill('#signin-username', 'olga');
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector('#app-view:not([hidden])');

    await page.waitForSelector('#promise-headline .promise-value');
    assert.equal((await page.textContent('#promise-headline .promise-value')).trim(), '75%');
    const detail = await page.textContent('#promise-headline .promise-detail');
    assert.ok(detail.includes('3') && detail.includes('4'), detail);

    await page.waitForSelector('#coverage-list li.coverage-gap');
    const subjects = await page.$$eval('#coverage-list li.coverage-gap', (li) => li.map((x) => x.dataset.subject));
    // Pairs nobody covers all week share one line; erin's weekday shifts leave gaps of their own.
    const never = await page.getAttribute('#coverage-list li.coverage-never', 'data-subject');
    assert.ok(never.split(' ').includes('ko:depression'), never);
    assert.ok(!never.split(' ').includes('en:sleep'), never);
    assert.ok(subjects.filter((x) => x === 'en:sleep').length >= 2, subjects.join(' '));
    assert.ok((await page.textContent('#coverage-list li.coverage-never')).includes(EN.oncall.coverage.never));
    assert.ok((await page.textContent('#coverage-meta')).includes('UTC'));
    await s.axe('oncall_coverage');
    await s.shot('oncall_coverage');
    await page.setViewportSize({ width: 320, height: 720 });
    const wide = await page.evaluate(() => document.scrollingElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, 'no horizontal scroll at 320 px');
});
