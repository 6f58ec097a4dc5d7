/*
 * oncall-coverage.js — two parts of the on-call dashboard (oncall.html):
 *
 * - the headline promise figure: within_window_pct from GET /api/v1/stats, questions
 *   answered within their window over every question whose window ended in the range,
 *   answered or not (the answered-only share stays among the figures oncall.js draws);
 * - coverage ahead: GET /api/v1/coverage/gaps, the stretches of the coming week in which
 *   no expert on the rota covers a language and category, in the rota's time zone.
 *
 * It runs beside oncall.js and does not depend on it: it loads when the signed-in view
 * (#app-view) is shown, again every few minutes and on the figures' Refresh button,
 * and clears itself when the view is hidden (signed out). No question text is ever
 * involved: gaps are pairs and times.
 */
import { t, el, clear, byId, api, currentSession, errorText, categoryLabel, languageLabel, formatPercent, formatNumber } from './staff.js';
import { onLanguageChange } from './i18n.js';

const ROLES = ['oncall', 'supervisor'];
const POLL_MS = 5 * 60_000;
const SHOWN_GAPS = 60; // more are summarised in one line

const state = { stats: null, statsError: null, gaps: null, gapsError: null, timer: null };

function errorNode(err) {
  return el('p', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(err));
}

function renderHeadline() {
  const node = byId('promise-headline');
  if (!node) return;
  clear(node);
  if (state.statsError) {
    node.append(errorNode(state.statsError));
    return;
  }
  const tot = state.stats && state.stats.totals;
  if (!tot) return;
  const ended = Number(tot.window_ended ?? 0);
  node.append(
    el('span', { class: 'promise-value figure-value', text: formatPercent(tot.within_window_pct) }),
    el('span', { class: 'promise-label', text: t('oncall.promise.label') }),
    el('span', { class: 'promise-detail meta', text: ended > 0
      ? t('oncall.promise.detail', { within: formatNumber(tot.within_window ?? 0), ended: formatNumber(ended) })
      : t('oncall.promise.none') }),
  );
}

function gapRow(g) {
  return el('li', { class: 'coverage-gap', attrs: { 'data-subject': g.subject } },
    el('span', { class: 'coverage-pair', text: t('oncall.coverage.pair', { language: languageLabel(g.language), category: categoryLabel(g.category) }) }),
    ' ',
    el('span', { class: 'coverage-when', text: t('oncall.coverage.when', { start: g.start_local, end: g.end_local, hours: formatNumber(Math.round(g.hours * 10) / 10) }) }));
}

function renderGaps() {
  const list = byId('coverage-list');
  const meta = byId('coverage-meta');
  const err = byId('coverage-error');
  if (!list || !meta || !err) return;
  clear(list);
  clear(err);
  meta.textContent = '';
  if (state.gapsError) {
    err.append(errorNode(state.gapsError));
    return;
  }
  const r = state.gaps;
  if (!r) return;
  const gaps = Array.isArray(r.gaps) ? r.gaps : [];
  meta.textContent = gaps.length
    ? t('oncall.coverage.count', { n: formatNumber(gaps.length), zone: r.timezone })
    : t('oncall.coverage.none', { zone: r.timezone });
  // A pair nobody on the rota covers at all is one line, not a week-long entry each.
  const from = Date.parse(r.from), to = Date.parse(r.to);
  const whole = (g) => Date.parse(g.start) <= from + 60_000 && Date.parse(g.end) >= to - 60_000;
  const never = gaps.filter(whole), some = gaps.filter((g) => !whole(g));
  if (never.length) {
    const pairs = never.map((g) => t('oncall.coverage.pair', { language: languageLabel(g.language), category: categoryLabel(g.category) }));
    list.append(el('li', { class: 'coverage-gap coverage-never', attrs: { 'data-subject': never.map((g) => g.subject).join(' ') } },
      el('span', { class: 'coverage-pair', text: t('oncall.coverage.never') }), ' ', pairs.join(', ')));
  }
  for (const g of some.slice(0, SHOWN_GAPS)) list.append(gapRow(g));
  if (some.length > SHOWN_GAPS) list.append(el('li', { class: 'meta', text: t('oncall.coverage.more', { n: formatNumber(some.length - SHOWN_GAPS) }) }));
}

async function load() {
  const s = currentSession();
  if (!s || !ROLES.includes(s.role)) return;
  const [stats, gaps] = await Promise.allSettled([api.get('/api/v1/stats'), api.get('/api/v1/coverage/gaps?days=7')]);
  state.stats = stats.status === 'fulfilled' ? stats.value : state.stats;
  state.statsError = stats.status === 'rejected' ? stats.reason : null;
  state.gaps = gaps.status === 'fulfilled' ? gaps.value : state.gaps;
  state.gapsError = gaps.status === 'rejected' ? gaps.reason : null;
  renderHeadline();
  renderGaps();
}

function reset() {
  state.stats = state.gaps = state.statsError = state.gapsError = null;
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  renderHeadline();
  renderGaps();
}

/* The signed-in view was shown or hidden (oncall.js toggles its hidden attribute). */
function onView() {
  const view = byId('app-view');
  if (!view) return;
  if (view.hidden) {
    reset();
  } else if (!state.timer) {
    state.timer = setInterval(() => { load().catch(() => {}); }, POLL_MS);
    load().catch(() => {});
  }
}

function wire() {
  const view = byId('app-view');
  if (!view) return;
  new MutationObserver(onView).observe(view, { attributes: true, attributeFilter: ['hidden'] });
  for (const id of ['stats-refresh', 'coverage-refresh']) {
    const b = byId(id);
    if (b) b.addEventListener('click', () => { load().catch(() => {}); });
  }
  onLanguageChange(() => { renderHeadline(); renderGaps(); });
  onView();
}

wire();
