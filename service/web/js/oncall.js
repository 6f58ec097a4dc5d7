/*
 * oncall.js — the on-call dashboard (/oncall).
 *
 * Open incidents, one per ticket (or per subject for alerts about no ticket),
 * unacknowledged first, crises first among them, then oldest first: each with its
 * kind and level (the worst step so far), the crisis reason (a category of warning
 * sign), time left, who holds the ticket, its history (expandable) and a link to a
 * read-only view of the ticket (state, owner, due, timeline from the audit trail);
 * Acknowledge and Resolve are one click each. Alerts carry no question text, and
 * this page never asks for any (the view's API returns none). New incidents arrive on
 * the SSE stream (`event: alert`) and are announced at once (assertive region); a new
 * crisis also shows a browser notification and plays a tone once the person turned
 * them on (alarm.js). The tab title counts the incidents nobody has acknowledged. A
 * desk with no webhook configured (/readyz "warnings") shows a banner.
 *
 * The service figures come from GET /api/v1/stats (last 30 days) and are drawn as
 * inline SVG (staff-charts.js) with a data table each. "Open questions by time left"
 * comes from GET /api/v1/queue/summary (counts only, never a ticket or a text), which
 * on-call accounts and supervisors may read; it is fetched again on every alert, on
 * every ticket event a supervisor's stream carries, and once a minute.
 */
import { htmlLang } from './i18n.js';
import { startStaffPage } from './staff-page.js';
import { drawChart, dataTable } from './staff-charts.js';
import { enableAlarm, alarm, alarmEnabled, notificationPermission } from './alarm.js';
import {
  t, el, clear, byId, announce,
  api, signOut, errorText,
  categoryLabel, languageLabel, alertKindLabel, ageNode, formatShort, countdown, riskReasonLabel,
  formatHours, formatPercent, formatNumber, openEvents, renderLiveStatus, debounce, busy, fetchAll,
  renderWho,
} from './staff.js';

const ROLES = ['oncall', 'supervisor'];
const STATS_POLL_MS = 5 * 60_000;
const ALERT_POLL_MS = 60_000;
const OPEN_POLL_MS = 60_000;

const state = {
  session: null,
  supervisor: false,
  alerts: null,
  alertsError: null,
  message: null,
  stats: null,
  statsError: null,
  open: null,       // GET /api/v1/queue/summary
  openError: null,
  events: null,
  timers: [],
  known: new Set(), // alert ids seen, to announce only new ones
  crises: new Set(), // incidents known to be crises, to sound the alarm once per new one
  expanded: new Set(), // incidents whose history is open
  view: null,        // the read-only ticket view: {ticket, data, error}
  warnings: [],      // /readyz "warnings" (no_webhooks)
};

/* ------------------------------------------------------------------ alerts */

function urgentAnnounce(message) {
  const region = byId('announcer-urgent');
  region.textContent = '';
  setTimeout(() => {
    region.textContent = message;
  }, 100);
}

const isCrisis = (a) => a.crisis === true || a.kind === 'crisis' || a.kind === 'crisis_waiting';

function sortAlerts(list) {
  const rank = (a) => (a.state === 'open' || !a.acked ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b)
    || isCrisis(b) - isCrisis(a)
    || (Number(b.level) || 0) - (Number(a.level) || 0)
    || Date.parse(a.created_at) - Date.parse(b.created_at));
}

function kindIcon(kind) {
  // Glyphs every common font has (no emoji font needed); the kind is always written too.
  return { crisis: '⚠', crisis_waiting: '⚠', breach: '✖', late: '◔', no_expert: '⚑' }[kind] || '•';
}

/* The incident's history, oldest first, in an expandable block that stays open across
 * refreshes. */
function historyBlock(a) {
  const list = Array.isArray(a.history) ? a.history : [];
  const details = el('details', { class: 'alert-history', attrs: { 'data-key': `history:${a.id}` } });
  details.open = state.expanded.has(a.id);
  details.addEventListener('toggle', () => {
    if (details.open) state.expanded.add(a.id);
    else state.expanded.delete(a.id);
  });
  const ol = el('ol', { class: 'history-list' });
  for (const h of list) {
    ol.append(el('li', {},
      el('span', { class: 'meta', text: h.at ? formatShort(h.at) : '' }), ' ',
      el('strong', { text: alertKindLabel(h.kind) }), ' ',
      el('span', { text: `${h.event}${h.level ? ` · ${t('oncall.alerts.level', { level: h.level })}` : ''}${h.by ? ` · ${h.by}` : ''}` })));
  }
  details.append(el('summary', { text: t('oncall.alerts.history', { count: list.length }) }), ol);
  return details;
}

function alertItem(a) {
  const acked = a.acked === true || a.state === 'acked';
  const li = el('li', { class: `alert-item kind-${a.kind || 'other'}${acked ? ' is-acked' : ''}`, attrs: { 'aria-labelledby': `alert-${a.id}-title` } });
  const title = el('h3', { class: 'alert-title', attrs: { id: `alert-${a.id}-title` } },
    el('span', { class: `flag ${isCrisis(a) ? 'flag-crisis' : 'flag-warn'}` },
      el('span', { class: 'flag-icon', text: kindIcon(a.kind), attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: alertKindLabel(a.kind) })),
    ' ',
    el('span', { class: 'alert-level', text: t('oncall.alerts.level', { level: a.level ?? 0 }) }));
  const dl = el('dl', { class: 'meta-list alert-meta' });
  const row = (label, ...value) => dl.append(el('div', {}, el('dt', { text: label }), el('dd', {}, ...value)));
  row(t('oncall.alerts.raised'), ageNode(a.created_at), el('span', { class: 'meta', text: ` (${formatShort(a.created_at)})` }));
  row(t('console.ticket.language'), a.language ? languageLabel(a.language) : '—');
  row(t('console.ticket.topic'), a.category ? categoryLabel(a.category) : '—');
  if (a.ticket) {
    const link = el('a', { class: 'mono', text: a.ticket, attrs: { href: `#view=${encodeURIComponent(a.ticket)}`, translate: 'no', 'data-key': `view:${a.ticket}`, 'aria-label': t('oncall.alerts.view', { ticket: a.ticket }) } });
    link.addEventListener('click', (e) => {
      e.preventDefault();
      openView(a.ticket);
    });
    row(t('oncall.alerts.ticket'), link);
  } else {
    row(t('oncall.alerts.subject'), el('span', { class: 'mono', text: a.subject || '—', attrs: { translate: 'no' } }));
  }
  if (a.reason || isCrisis(a)) row(t('oncall.alerts.reason'), a.reason ? riskReasonLabel(a.reason) : t('oncall.alerts.crisisFlag'));
  if (a.due_at) row(t('oncall.alerts.timeLeft'), countdown(a.due_at));
  if (a.ticket) row(t('oncall.alerts.holder'), a.holder ? el('span', { text: a.holder, attrs: { translate: 'no' } }) : t('oncall.alerts.nobody'));
  row(t('oncall.alerts.state'), acked
    ? t('oncall.alerts.ackedBy', { name: a.acked_by || '?', time: a.acked_at ? formatShort(a.acked_at) : '' })
    : el('strong', { text: t('oncall.alerts.notAcked') }));
  if (a.repeats > 0) row(t('oncall.alerts.repeats'), formatNumber(a.repeats));

  const actions = el('p', { class: 'actions' });
  if (!acked) {
    const ack = el('button', { class: 'btn btn-primary', text: t('oncall.alerts.ack'), attrs: { type: 'button', 'data-key': `ack:${a.id}` } });
    ack.setAttribute('aria-describedby', `alert-${a.id}-title`);
    ack.addEventListener('click', () => update(a, 'ack', ack));
    actions.append(ack);
  }
  const resolve = el('button', { class: 'btn btn-secondary', text: t('oncall.alerts.resolve'), attrs: { type: 'button', 'data-key': `resolve:${a.id}` } });
  resolve.setAttribute('aria-describedby', `alert-${a.id}-title`);
  resolve.addEventListener('click', () => update(a, 'resolve', resolve));
  actions.append(resolve);
  li.append(title, dl, historyBlock(a), actions);
  return li;
}

function renderMessage() {
  const box = byId('alerts-message');
  clear(box);
  const m = state.message;
  if (!m) return;
  box.append(el('p', { class: `notice ${m.kind === 'error' ? 'notice-error' : 'notice-ok'}` },
    m.kind === 'error' ? el('span', { class: 'error-prefix', text: t('errors.prefix') }) : null,
    m.kind === 'error' ? ' ' : null, m.text()));
}

function renderAlerts() {
  const ol = byId('alert-list');
  const active = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  clear(ol);
  const count = byId('alerts-count');
  if (state.alertsError) {
    ol.append(el('li', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.alertsError)));
  } else if (!state.alerts) {
    ol.append(el('li', { class: 'meta', text: t('staff.loading') }));
  } else if (!state.alerts.length) {
    ol.append(el('li', { class: 'alert-empty notice notice-ok', text: t('oncall.alerts.none') }));
  } else {
    for (const a of sortAlerts(state.alerts)) ol.append(alertItem(a));
  }
  const unacked = (state.alerts || []).filter((a) => !(a.acked === true || a.state === 'acked')).length;
  count.textContent = state.alerts ? t('oncall.alerts.count', { count: state.alerts.length, unacked }) : '';
  document.title = unacked > 0 ? `(${unacked}) ${t('oncall.pageTitle')}` : t('oncall.pageTitle');
  renderMessage();
  if (active) {
    const again = document.querySelector(`[data-key="${CSS.escape(active)}"]`);
    if (again) again.focus();
    else if (document.activeElement === document.body) byId('alerts-title').focus();
  }
}

async function loadAlerts({ announceNew = false } = {}) {
  try {
    const { items } = await fetchAll('/api/v1/alerts?state=open&limit=200', 'alerts', { maxPages: 5 });
    if (announceNew) {
      const fresh = items.filter((a) => !state.known.has(a.id));
      for (const a of fresh) {
        urgentAnnounce(t('oncall.live.new', {
          kind: alertKindLabel(a.kind), language: a.language ? languageLabel(a.language) : '—', topic: a.category ? categoryLabel(a.category) : '—',
        }));
      }
      // A new crisis (a new incident, or one that became a crisis): notification and tone.
      for (const a of items.filter((x) => isCrisis(x) && !x.acked && !state.crises.has(x.id))) {
        alarm(t('oncall.alerts.notifyTitle'), `${alertKindLabel(a.kind)} · ${a.language ? languageLabel(a.language) : '—'} · ${a.ticket || a.subject || ''}`, `a24-alert-${a.id}`);
      }
    }
    state.known = new Set(items.map((a) => a.id));
    state.crises = new Set(items.filter(isCrisis).map((a) => a.id));
    state.alerts = items;
    state.alertsError = null;
  } catch (err) {
    if (err && err.status === 401) return;
    state.alertsError = err;
  }
  renderAlerts();
}

async function update(a, what, button) {
  await busy(button, async () => {
    try {
      await api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/${what}`);
      state.message = { kind: 'ok', text: () => t(what === 'ack' ? 'oncall.done.acked' : 'oncall.done.resolved', { kind: alertKindLabel(a.kind), ticket: a.ticket || '' }) };
      announce(state.message.text());
    } catch (err) {
      state.message = { kind: 'error', text: () => errorText(err) };
      announce(state.message.text());
    }
    await loadAlerts();
    if (what === 'resolve' || !document.querySelector(`[data-key="${CSS.escape(`${what}:${a.id}`)}"]`)) {
      const next = document.querySelector(`[data-key="resolve:${CSS.escape(String(a.id))}"]`) || byId('alerts-title');
      next.focus();
    }
  });
}

/* ------------------------------------------- read-only view of one ticket */

async function openView(ticket) {
  state.view = { ticket, data: null, error: null };
  renderView();
  byId('ticket-view').hidden = false;
  byId('ticket-view-title').focus();
  try {
    state.view.data = await api.get(`/api/v1/oncall/tickets/${encodeURIComponent(ticket)}`);
  } catch (err) {
    if (err && err.status === 401) return;
    state.view.error = err;
  }
  if (state.view && state.view.ticket === ticket) renderView();
}

function closeView() {
  const ticket = state.view && state.view.ticket;
  state.view = null;
  byId('ticket-view').hidden = true;
  const back = ticket && document.querySelector(`[data-key="view:${CSS.escape(ticket)}"]`);
  (back || byId('alerts-title')).focus();
}

function renderView() {
  const body = byId('ticket-view-body');
  clear(body);
  const v = state.view;
  if (!v) return;
  byId('ticket-view-title').textContent = t('oncall.alerts.view', { ticket: v.ticket });
  if (v.error) {
    body.append(el('p', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(v.error)));
    return;
  }
  const d = v.data;
  if (!d) {
    body.append(el('p', { class: 'meta', text: t('staff.loading') }));
    return;
  }
  const dl = el('dl', { class: 'meta-list' });
  const row = (label, ...value) => dl.append(el('div', {}, el('dt', { text: label }), el('dd', {}, ...value)));
  row(t('oncall.alerts.viewState'), d.state || '—', d.crisis ? ' · ' : '', d.crisis ? t('oncall.alerts.crisisFlag') : '');
  if (d.reason) row(t('oncall.alerts.reason'), riskReasonLabel(d.reason));
  row(t('console.ticket.language'), d.language ? languageLabel(d.language) : '—');
  row(t('console.ticket.topic'), d.category ? categoryLabel(d.category) : '—');
  row(t('oncall.alerts.holder'), d.holder || t('oncall.alerts.nobody'));
  row(t('oncall.alerts.viewCreated'), d.created_at ? formatShort(d.created_at) : '—');
  row(t('oncall.alerts.viewDue'), d.due_at ? formatShort(d.due_at) : '—', d.time_left_ms != null && d.due_at ? ' ' : '', d.time_left_ms != null && d.due_at ? countdown(d.due_at) : '');
  const ol = el('ol', { class: 'history-list' });
  for (const e of Array.isArray(d.timeline) ? d.timeline : []) {
    ol.append(el('li', {}, el('span', { class: 'meta', text: e.at ? formatShort(e.at) : '' }), ' ',
      el('strong', { text: e.event }), ` · ${e.actor}${e.from && e.from !== '-' ? ` · ${e.from} → ${e.to}` : ''}`));
  }
  body.append(dl, el('h4', { text: t('oncall.alerts.viewTimeline') }), ol,
    el('p', { class: 'hint', text: t('oncall.alerts.viewNoText') }));
}

/* ------------------------------------------- banner and crisis notifications */

async function loadWarnings() {
  try {
    const r = await fetch('/readyz', { cache: 'no-store' });
    const body = await r.json();
    state.warnings = Array.isArray(body.warnings) ? body.warnings : [];
  } catch (_) {
    state.warnings = [];
  }
  renderBanner();
}

function renderBanner() {
  const box = byId('oncall-banner');
  clear(box);
  box.hidden = !state.warnings.includes('no_webhooks');
  if (!box.hidden) {
    box.append(el('p', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', t('oncall.alerts.noWebhooks')));
  }
}

function renderNotify() {
  const button = byId('notify-enable');
  const status = byId('notify-status');
  const perm = notificationPermission();
  button.textContent = t('oncall.alerts.notifyOn');
  button.hidden = alarmEnabled() && perm !== 'default';
  status.textContent = !alarmEnabled() ? t('oncall.alerts.notifyOnHint')
    : perm === 'granted' ? t('oncall.alerts.notifyActive') : t('oncall.alerts.notifyDenied');
}

/* ------------------------------------------------------------------- stats */

function dayLabel(date) {
  const d = new Date(`${date}T00:00:00Z`);
  try {
    return new Intl.DateTimeFormat(htmlLang(), { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(d);
  } catch (_) {
    return date.slice(5);
  }
}

function dayLong(date) {
  const d = new Date(`${date}T00:00:00Z`);
  try {
    return new Intl.DateTimeFormat(htmlLang(), { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);
  } catch (_) {
    return date;
  }
}

/**
 * Every day from `from` to `to`: the API lists only days that have figures, so a
 * quiet day becomes an empty one (nothing asked, no percentage, no times).
 */
function fillDays(report) {
  const given = new Map((Array.isArray(report.days) ? report.days : []).map((d) => [d.date, d]));
  const start = Date.parse(`${report.from}T00:00:00Z`);
  const end = Date.parse(`${report.to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start || end - start > 400 * 86400000) return [...given.values()];
  const out = [];
  for (let ms = start; ms <= end; ms += 86400000) {
    const date = new Date(ms).toISOString().slice(0, 10);
    out.push(given.get(date) || {
      date, submitted: 0, answered: 0, answered_in_window: 0, answered_in_window_pct: null,
      answer_seconds_p50: null, answer_seconds_p90: null, breaches: 0, crises: 0,
    });
  }
  return out;
}

const num = (v) => (v == null || !Number.isFinite(Number(v)) ? null : Number(v));

function legend(node, entries) {
  clear(node);
  for (const e of entries) node.append(el('span', { class: `legend-item ${e.cls}` }, el('span', { class: 'legend-swatch', attrs: { 'aria-hidden': 'true' } }), ' ', e.text));
}

/**
 * Draws chart `name` (#chart-<name>) from `spec`, its legend `items` into
 * #chart-<name>-legend and the same figures as a table (`head`, `rows`) titled like the
 * chart into #chart-<name>-table.
 */
function dayChart(name, spec, items, head, rows) {
  drawChart(byId(`chart-${name}`), spec);
  legend(byId(`chart-${name}-legend`), items);
  byId(`chart-${name}-table`).replaceChildren(dataTable(spec.title, head, rows));
}

function renderStats() {
  const err = byId('stats-error');
  clear(err);
  const totals = byId('stats-totals');
  clear(totals);
  if (state.statsError) {
    err.append(el('p', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.statsError)));
  }
  const s = state.stats;
  if (!s) {
    byId('stats-range').textContent = state.statsError ? '' : t('staff.loading');
    return;
  }
  byId('stats-range').textContent = t('oncall.stats.range', { from: dayLong(s.from), to: dayLong(s.to) });
  const tot = s.totals || {};
  const fig = (label, value) => totals.append(el('div', { class: 'figure' }, el('dt', { text: label }), el('dd', {}, el('span', { class: 'figure-value', text: value }))));
  fig(t('oncall.stats.inWindow'), formatPercent(num(tot.answered_in_window_pct)));
  fig(t('oncall.stats.p50'), formatHours(num(tot.answer_seconds_p50)));
  fig(t('oncall.stats.p90'), formatHours(num(tot.answer_seconds_p90)));
  fig(t('oncall.stats.breaches'), formatNumber(tot.breaches ?? 0));
  fig(t('oncall.stats.crises'), formatNumber(tot.crises ?? 0));
  fig(t('oncall.stats.answered'), t('oncall.stats.answeredOf', { answered: formatNumber(tot.answered ?? 0), submitted: formatNumber(tot.submitted ?? 0) }));

  const days = fillDays(s);
  const labels = days.map((d) => dayLabel(d.date));
  const noData = t('staff.noData');

  // 1. Answered within the window, % per day.
  const pct = days.map((d) => num(d.answered_in_window_pct));
  const withPct = pct.filter((v) => v != null);
  dayChart('window', {
    kind: 'bar',
    title: t('oncall.charts.window.title'),
    desc: withPct.length
      ? t('oncall.charts.window.desc', { days: days.length, min: formatPercent(Math.min(...withPct)), max: formatPercent(Math.max(...withPct)), total: formatPercent(num(tot.answered_in_window_pct)) })
      : t('oncall.charts.noAnswers'),
    labels,
    series: [{ name: t('oncall.charts.window.series'), values: pct, cls: 'series-a' }],
    yMax: 100,
    yFormat: (v) => formatPercent(v),
    empty: days.length ? null : t('oncall.charts.noDays'),
  }, [{ cls: 'series-a', text: t('oncall.charts.window.legend') }],
    [t('oncall.charts.day'), t('oncall.charts.window.series'), t('oncall.stats.answered'), t('oncall.charts.submitted')],
    days.map((d) => [dayLong(d.date), pct[days.indexOf(d)] == null ? noData : formatPercent(d.answered_in_window_pct), formatNumber(d.answered ?? 0), formatNumber(d.submitted ?? 0)]));

  // 2. Time to answer, p50 and p90 per day, in the unit that fits the longest of them
  // (answers within minutes would all read "0 h" on an axis in hours).
  const longest = Math.max(0, ...days.flatMap((d) => [num(d.answer_seconds_p50), num(d.answer_seconds_p90)]).filter((v) => v != null));
  const unit = longest >= 2 * 3600 ? { div: 3600, key: 'staff.hoursShort', name: 'n' }
    : longest >= 120 ? { div: 60, key: 'staff.duration.m', name: 'm' }
      : { div: 1, key: 'staff.duration.s', name: 's' };
  const p50 = days.map((d) => (num(d.answer_seconds_p50) == null ? null : d.answer_seconds_p50 / unit.div));
  const p90 = days.map((d) => (num(d.answer_seconds_p90) == null ? null : d.answer_seconds_p90 / unit.div));
  const hoursFmt = (v) => t(unit.key, { [unit.name]: formatNumber(Number(v.toPrecision(3))) });
  dayChart('times', {
    kind: 'line',
    title: t('oncall.charts.times.title'),
    desc: t('oncall.charts.times.desc', { p50: formatHours(num(tot.answer_seconds_p50)), p90: formatHours(num(tot.answer_seconds_p90)) }),
    labels,
    series: [
      { name: 'p50', values: p50, cls: 'series-a', style: 'solid', marker: 'circle' },
      { name: 'p90', values: p90, cls: 'series-b', style: 'dashed', marker: 'square' },
    ],
    yFormat: hoursFmt,
    empty: days.length ? null : t('oncall.charts.noDays'),
  }, [
    { cls: 'series-a legend-line', text: t('oncall.charts.times.p50') },
    { cls: 'series-b legend-dashed', text: t('oncall.charts.times.p90') },
  ],
    [t('oncall.charts.day'), t('oncall.stats.p50'), t('oncall.stats.p90')],
    days.map((d) => [dayLong(d.date), formatHours(num(d.answer_seconds_p50)), formatHours(num(d.answer_seconds_p90))]));

  // 3. Breaches and crises per day.
  const breaches = days.map((d) => num(d.breaches) ?? 0);
  const crises = days.map((d) => num(d.crises) ?? 0);
  dayChart('breaches', {
    kind: 'bar',
    title: t('oncall.charts.breaches.title'),
    desc: t('oncall.charts.breaches.desc', { breaches: formatNumber(tot.breaches ?? 0), crises: formatNumber(tot.crises ?? 0), days: days.length }),
    labels,
    series: [
      { name: t('oncall.stats.breaches'), values: breaches, cls: 'series-c' },
      { name: t('oncall.stats.crises'), values: crises, cls: 'series-d', style: 'hatched' },
    ],
    yFormat: (v) => formatNumber(v),
    empty: days.length ? null : t('oncall.charts.noDays'),
  }, [
    { cls: 'series-c', text: t('oncall.charts.breaches.legendBreaches') },
    { cls: 'series-d legend-hatched', text: t('oncall.charts.breaches.legendCrises') },
  ],
    [t('oncall.charts.day'), t('oncall.stats.breaches'), t('oncall.stats.crises')],
    days.map((d, i) => [dayLong(d.date), formatNumber(breaches[i]), formatNumber(crises[i])]));
}

/**
 * GETs `path` into state[key] (a failure into state[key + 'Error'], the last answer kept),
 * then calls `render`. A 401 renders nothing: the sign-in form is shown instead.
 */
async function loadInto(key, path, render) {
  try {
    state[key] = await api.get(path);
    state[`${key}Error`] = null;
  } catch (err) {
    if (err && err.status === 401) return;
    state[`${key}Error`] = err;
  }
  render();
}

function loadStats() {
  return loadInto('stats', '/api/v1/stats', renderStats);
}

/* ------------------------------------------------- open tickets by time left */

/** The summary's buckets (open_by_time_left), most urgent first. */
const BUCKETS = [
  { key: 'overdue', api: 'overdue', cls: 'series-c' },
  { key: 'h1', api: 'under_1h', cls: 'series-c' },
  { key: 'h4', api: '1h_to_4h', cls: 'series-b' },
  { key: 'h12', api: '4h_to_12h', cls: 'series-a' },
  { key: 'h24', api: '12h_to_24h', cls: 'series-a' },
  { key: 'more', api: 'over_24h', cls: 'series-a' },
];

function renderOpen() {
  const host = byId('chart-open');
  const note = byId('chart-open-note');
  const details = byId('chart-open-details');
  const s = state.open;
  clear(note);
  if (state.openError) {
    // A failed refresh keeps the last figures on screen, under the error.
    note.append(el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.openError), s ? ' ' : '');
  }
  if (!s) {
    if (!state.openError) note.textContent = t('staff.loading');
    else clear(host);
    details.hidden = true;
    return;
  }
  details.hidden = false;
  const by = s.open_by_time_left && typeof s.open_by_time_left === 'object' ? s.open_by_time_left : {};
  const count = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  const rows = BUCKETS.map((b) => ({ label: t(`oncall.charts.open.buckets.${b.key}`), value: count(by[b.api]), cls: b.cls }));
  const total = rows.reduce((sum, r) => sum + r.value, 0);
  note.append(`${t('oncall.charts.open.note', { total: formatNumber(total), crises: formatNumber(count(s.open_crises)), time: formatShort(s.at) })} ${
    t('oncall.charts.open.onDuty', { count: count(s.experts_on_duty) })}`);
  drawChart(host, {
    kind: 'rows',
    title: t('oncall.charts.open.title'),
    desc: rows.map((r) => `${r.label}: ${formatNumber(r.value)}`).join('; '),
    rows,
    valueFormat: (v) => formatNumber(v),
    empty: total ? null : t('oncall.charts.open.none'),
  });
  byId('chart-open-table').replaceChildren(dataTable(t('oncall.charts.open.title'),
    [t('oncall.charts.open.bucket'), t('oncall.charts.open.count')],
    rows.map((r) => [r.label, formatNumber(r.value)])));
}

function loadOpen() {
  return loadInto('open', '/api/v1/queue/summary', renderOpen);
}

/* ------------------------------------------------------------------- live */

const reloadAlerts = debounce(() => loadAlerts({ announceNew: true }), 300);
const reloadOpen = debounce(loadOpen, 500);

function startLive() {
  stopLive();
  const status = byId('live-status');
  status.hidden = false;
  state.events = openEvents({
    alert: () => {
      reloadAlerts();
      reloadOpen();
    },
    ticket: () => reloadOpen(), // supervisors' streams carry ticket events; on-call's do not
    status: (s) => {
      renderLiveStatus(status, s);
      if (s === 'live') reloadAlerts(); // catch up on anything missed while away
    },
  });
  state.timers.push(setInterval(() => {
    if (!document.hidden) loadStats();
  }, STATS_POLL_MS));
  state.timers.push(setInterval(() => loadAlerts({ announceNew: true }), ALERT_POLL_MS));
  state.timers.push(setInterval(() => {
    if (!document.hidden) loadOpen(); // time moves tickets between buckets, and on-call hears of no ticket events
  }, OPEN_POLL_MS));
}

function stopLive() {
  if (state.events) state.events.close();
  state.events = null;
  for (const id of state.timers) clearInterval(id);
  state.timers = [];
  byId('live-status').hidden = true;
}

/* ------------------------- signed in/out (staff-page.js switches the views) */

function showPage(s) {
  state.session = s;
  state.supervisor = s.role === 'supervisor';
  renderWho(state.session);
  renderAlerts();
  renderStats();
  renderOpen();
  renderNotify();
  loadWarnings();
  loadAlerts();
  loadStats();
  loadOpen();
  startLive();
}

function forgetPage() {
  stopLive();
  state.session = null;
  state.alerts = null;
  state.stats = null;
  state.open = null;
  state.message = null;
  state.known = new Set();
  state.crises = new Set();
  state.view = null;
  byId('ticket-view').hidden = true;
  document.title = t('oncall.pageTitle');
}

function wire() {
  byId('sign-out').addEventListener('click', async () => {
    await signOut();
    staffPage.showSignedOut('staff.signin.signedOut');
  });
  byId('alerts-refresh').addEventListener('click', (e) => busy(e.currentTarget, () => loadAlerts()));
  byId('notify-enable').addEventListener('click', async () => {
    await enableAlarm();
    renderNotify();
    byId('notify-status').focus();
  });
  byId('ticket-view-close').addEventListener('click', closeView);
  byId('ticket-view').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeView();
  });
  byId('stats-refresh').addEventListener('click', (e) => busy(e.currentTarget, () => Promise.all([loadStats(), loadOpen()])));
}

function reword() {
  renderWho(state.session);
  renderAlerts();
  renderStats();
  renderOpen();
  renderBanner();
  renderNotify();
  renderView();
}

const staffPage = startStaffPage({
  roles: ROLES,
  titleKey: 'oncall.pageTitle',
  wrongRoleKey: 'oncall.wrongRole',
  wire,
  signedIn: showPage,
  signedOut: forgetPage,
  reword,
});

