/*
 * console.js — the experts' and supervisors' console (/console).
 *
 * Signed out: the sign-in form. Signed in: the on/off-duty switch; the queues
 * "offered to me", "pool" and "mine" (and, for supervisors, "waiting for review" and
 * the queue-health panel from GET /api/v1/queue/summary), in the order the API gives
 * (crisis first, then the green channel, then by deadline); one ticket at a time in
 * the ticket view (#ticket=<id>) with its question, self-check, conversation, notes
 * and every move: claim, decline an offer, release, transfer (to a colleague picked
 * from GET /api/v1/staff: those who take the ticket's topic and language, on duty
 * first; a supervisor may also pick someone off duty or outside them, with a reason
 * for the override that the server audits), note, raise/lower risk, answer (with
 * templates), review.
 *
 * Live: the SSE stream's `ticket` events (one for every new question too) refresh the
 * lists they touch and the open ticket; a slow poll is the backstop for a dropped
 * stream. Drafts of answers are
 * kept per ticket in this page's memory only (never storage), so they survive a list
 * refresh, switching tickets and signing in again after an ended session.
 */
import { startStaffPage } from './staff-page.js';
import { attachCounter, textProblem } from './textfield.js';
import {
  t, el, clear, byId, announce, fieldError,
  api, ticketPath, signOut,
  errorText, statusLabel, categoryLabel, languageLabel, roleLabel, riskReasonLabel,
  selfcheckSummary, crisisFlag, flag, countdown, formatDateTime, formatShort, formatNumber,
  openEvents, renderLiveStatus, debounce, busy, TICKET_HTML_LANG,
  renderWho,
} from './staff.js';

const ROLES = ['expert', 'supervisor'];
/* States whose deadline is still running (shown as a countdown; not a rule of who may act). */
const AWAITING = new Set(['queued', 'offered', 'claimed', 'in_review']);

/**
 * True if the server lists `action` among the moves I may make on ticket `d` (its
 * "actions", computed from the state table and the role rules): the console never
 * restates those rules, it asks the ticket.
 */
function may(d, action) {
  return !!d && Array.isArray(d.actions) && d.actions.includes(action);
}
/* The longest override reason the server takes (POST .../transfer, override_reason). */
const OVERRIDE_MAX_CHARS = 500;
const LIST_POLL_MS = 60_000;
const HEALTH_POLL_MS = 60_000;
const STAFF_MAX_AGE_MS = 30_000;

const state = {
  session: null,
  supervisor: false,
  lists: { review: null, offered: null, pool: null, mine: null },
  listErrors: {},
  openId: null,
  ticket: null,
  ticketError: null,
  message: null, // {kind: 'ok'|'error', text}
  drafts: new Map(),
  templates: [],
  templatesFor: null,
  staff: null,     // GET /api/v1/staff rows (transfer targets)
  staffAt: 0,
  staffError: null,
  transferRefusal: null, // {name, code}: the server refused this colleague without an override
  onDuty: null,
  health: null,
  healthError: null,
  events: null,
  pollTimer: 0,
  healthTimer: 0,
  errors: {},   // field errors by key, re-worded on a language change
};

const LIST_IDS = ['review', 'offered', 'pool', 'mine'];
const answerText = byId('answer-text');
const updateAnswerCount = attachCounter(answerText, byId('answer-count'));
const transferReason = byId('transfer-reason');
const updateReasonCount = attachCounter(transferReason, byId('transfer-reason-count'), OVERRIDE_MAX_CHARS);

/* ------------------------------------------------------------------ helpers */

function me() {
  return state.session ? state.session.username : '';
}

function setFieldError(key, field, node, message) {
  state.errors[key] = message ? { field, node, message } : null;
  fieldError(field, node, typeof message === 'function' ? message() : message || '', t('errors.prefix'));
}

function renderFieldErrors() {
  for (const e of Object.values(state.errors)) {
    if (e) fieldError(e.field, e.node, typeof e.message === 'function' ? e.message() : e.message, t('errors.prefix'));
  }
}

function textErrorFn(code) {
  return () => t(code === 'text_empty' ? 'staff.errors.required' : `errors.${code}`);
}

/* The wording of a problem with the override reason (its own limit, not the 4000 of answers). */
function reasonErrorFn(code) {
  if (code === 'text_empty') return () => t('console.transfer.reasonRequired');
  if (code === 'text_too_long') return () => t('console.transfer.reasonTooLong', { max: OVERRIDE_MAX_CHARS });
  return textErrorFn(code);
}

function showAppError(err) {
  const box = byId('app-error');
  clear(box);
  if (err) box.append(el('p', { class: 'notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(err)));
}

function setMessage(kind, text) {
  state.message = text ? { kind, text } : null;
  renderMessage();
  if (text) announce(typeof text === 'function' ? text() : text);
}

function renderMessage() {
  const box = byId('ticket-message');
  clear(box);
  const m = state.message;
  if (!m) return;
  const text = typeof m.text === 'function' ? m.text() : m.text;
  box.append(el('p', { class: `notice ${m.kind === 'error' ? 'notice-error' : 'notice-ok'}` },
    m.kind === 'error' ? el('span', { class: 'error-prefix', text: t('errors.prefix') }) : null,
    m.kind === 'error' ? ' ' : null, text));
}

/** Remembers which generated control has focus, to put it back after a re-render. */
function focusKey() {
  const a = document.activeElement;
  return a && a.dataset ? a.dataset.key || null : null;
}

function restoreFocus(key, fallback) {
  if (!key) return;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again) again.focus();
  else if (fallback && (!document.activeElement || document.activeElement === document.body)) fallback.focus();
}

/* -------------------------------------------------------------------- lists */

function ticketItem(item, list) {
  const li = el('li', { class: `ticket-item${item.crisis ? ' is-crisis' : ''}${item.ticket === state.openId ? ' is-open' : ''}` });
  const link = el('a', {
    class: 'ti-link',
    attrs: { href: `#ticket=${encodeURIComponent(item.ticket)}`, 'data-key': `${list}:${item.ticket}:open` },
  },
  el('span', { class: 'ti-topic', text: categoryLabel(item.category) }),
  el('span', { class: 'ti-sep', text: ' · ' }),
  el('span', { class: 'ti-lang', text: languageLabel(item.language) }),
  el('span', { class: 'visually-hidden', text: ` — ${t('console.ticket.title', { ticket: item.ticket })}` }));
  if (item.ticket === state.openId) link.setAttribute('aria-current', 'true');

  const head = el('div', { class: 'ti-head' }, link, countdown(item.due_at));
  const flags = el('div', { class: 'ti-flags' });
  if (item.crisis) flags.append(crisisFlag(item.risk_reason));
  if (item.green_channel) flags.append(flag(t('staff.greenChannel'), 'info', '★'));
  if (item.followups > 0) flags.append(flag(t('console.followups', { count: item.followups }), 'info', '↩'));
  if (list === 'mine' || list === 'review' || item.status === 'offered') {
    flags.append(flag(statusLabel(item.status), 'status'));
  }
  if (list === 'review' && item.owner) flags.append(flag(t('console.ticket.by', { name: item.owner }), 'status'));
  const sc = el('p', { class: 'ti-sc' }, el('span', { class: 'ti-sc-label', text: t('console.ticket.selfcheckShort') }), ' ', selfcheckSummary(item.selfcheck));
  li.append(head);
  if (flags.childNodes.length) li.append(flags);
  li.append(sc,
    el('p', { class: 'ti-id mono', text: item.ticket, attrs: { translate: 'no' } }));

  if ((list === 'offered' || list === 'pool') && may(item, 'claim')) {
    const named = { topic: categoryLabel(item.category), language: languageLabel(item.language) };
    const claim = el('button', {
      class: 'btn btn-primary btn-small',
      text: t('console.actions.claim'),
      attrs: { type: 'button', 'data-key': `${list}:${item.ticket}:claim`, 'aria-label': t('console.actions.claimNamed', named) },
    });
    claim.addEventListener('click', () => claimTicket(item.ticket, claim));
    const actions = el('p', { class: 'ti-actions' }, claim);
    if (may(item, 'decline')) {
      // Passing an offer on is one click too; the router offers it to the next expert.
      const decline = el('button', {
        class: 'btn btn-secondary btn-small',
        text: t('console.actions.decline'),
        attrs: { type: 'button', 'data-key': `${list}:${item.ticket}:decline`, 'aria-label': t('console.actions.declineNamed', named) },
      });
      decline.addEventListener('click', () => declineTicket(item.ticket, decline));
      actions.append(decline);
    }
    li.append(actions);
  }
  return li;
}

function renderList(name) {
  const ol = byId(`list-${name}`);
  const count = byId(`${name}-count`);
  // The pool also holds what is offered to me; that is listed under "offered" already.
  const items = name === 'pool' && state.lists.pool ? state.lists.pool.filter((x) => !x.offered_to_me) : state.lists[name];
  const key = focusKey();
  clear(ol);
  if (state.listErrors[name]) {
    ol.append(el('li', { class: 'ticket-empty notice notice-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.listErrors[name])));
  } else if (!items) {
    ol.append(el('li', { class: 'ticket-empty', text: t('staff.loading') }));
  } else if (items.length === 0) {
    ol.append(el('li', { class: 'ticket-empty', text: t(`console.lists.empty.${name}`) }));
  } else {
    for (const item of items) ol.append(ticketItem(item, name));
  }
  count.textContent = items ? t('console.lists.count', { count: items.length }) : '';
  if (key && key.startsWith(`${name}:`)) restoreFocus(key, byId(`${name}-title`));
}

function renderLists() {
  for (const name of LIST_IDS) {
    if (name === 'review' && !state.supervisor) continue;
    renderList(name);
  }
}

async function loadList(name) {
  try {
    const data = await api.get(`/api/v1/tickets?view=${name}&limit=200`);
    state.lists[name] = Array.isArray(data && data.tickets) ? data.tickets : [];
    state.listErrors[name] = null;
  } catch (err) {
    if (err && err.status === 401) return;
    state.listErrors[name] = err;
  }
  renderList(name);
}

function loadLists(names = LIST_IDS) {
  return Promise.all(names.filter((n) => n !== 'review' || state.supervisor).map(loadList));
}

/* ----------------------------------------------------------- queue health */

function renderHealth() {
  const box = byId('health-figures');
  const note = byId('health-note');
  clear(box);
  clear(note);
  const h = state.health;
  if (state.healthError) {
    // A failed refresh keeps the last figures on screen, under the error.
    note.append(el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.healthError), h ? ' ' : '');
  }
  if (!h) {
    if (!state.healthError) note.textContent = t('staff.loading');
    return;
  }
  const n = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  // A figure that needs attention says so with an icon and words, not by colour alone.
  const figure = (label, value, { extra = '', alert = false } = {}) => {
    box.append(el('div', { class: `figure${alert ? ' figure-alert' : ''}` },
      el('dt', { text: label }),
      el('dd', {},
        el('span', { class: 'figure-value' },
          alert ? el('span', { class: 'flag-icon', text: '⚠ ', attrs: { 'aria-hidden': 'true' } }) : null,
          formatNumber(n(value))),
        extra ? el('span', { class: 'figure-extra', text: extra }) : null)));
  };
  figure(t('console.health.waiting'), h.waiting);
  figure(t('console.health.claimed'), h.claimed, { extra: n(h.in_review) ? t('console.health.inReview', { count: n(h.in_review) }) : '' });
  figure(t('console.health.crises'), h.open_crises, { alert: n(h.open_crises) > 0 });
  figure(t('console.health.dueSoon'), h.due_within_4h);
  figure(t('console.health.overdueTitle'), h.overdue, { alert: n(h.overdue) > 0 });
  figure(t('console.health.onDuty'), h.experts_on_duty, {
    alert: n(h.experts_on_duty) === 0,
    extra: n(h.experts_on_duty) === 0 ? t('console.health.nobodyOnDuty') : '',
  });
  note.append(t('console.health.updated', { time: formatShort(h.at) }));
}

async function loadHealth() {
  if (!state.supervisor) return;
  try {
    const h = await api.get('/api/v1/queue/summary');
    state.health = h && typeof h === 'object' ? h : null;
    state.healthError = null;
  } catch (err) {
    if (err && err.status === 401) return;
    state.healthError = err;
  }
  renderHealth();
}

/* ------------------------------------------------------------- staff list */

/** GET /api/v1/staff (whom to transfer to), unless the copy is fresh enough. */
async function loadStaff({ force = false } = {}) {
  if (!force && state.staff && Date.now() - state.staffAt < STAFF_MAX_AGE_MS) return;
  try {
    const r = await api.get('/api/v1/staff');
    state.staff = Array.isArray(r && r.staff) ? r.staff : [];
    state.staffAt = Date.now();
    state.staffError = null;
  } catch (err) {
    if (err && err.status === 401) return;
    state.staffError = err;
  }
  const d = state.ticket;
  if (d && !byId('transfer-part').hidden) renderTransferOptions(d);
}

const refreshHealthSoon = debounce(loadHealth, 1000);

/* ------------------------------------------------------------------- duty */

function renderDuty() {
  const button = byId('duty-toggle');
  const on = state.onDuty === true;
  button.setAttribute('aria-checked', on ? 'true' : 'false');
  byId('duty-state').textContent = state.onDuty == null ? '…' : t(on ? 'console.duty.on' : 'console.duty.off');
  // Experts claim only while on duty (supervisors may claim at any time).
  byId('offduty-note').hidden = !(state.session && !state.supervisor && state.onDuty === false);
}

async function loadDuty() {
  try {
    const d = await api.get('/api/v1/me/duty');
    state.onDuty = !!(d && d.on_duty);
  } catch (err) {
    if (err && err.status === 401) return;
    state.onDuty = null;
  }
  renderDuty();
}

function heldCount() {
  const mine = (state.lists.mine || []).filter((x) => x.status === 'claimed' && x.claimed_by_me).length;
  const offered = (state.lists.offered || []).length;
  return mine + offered;
}

async function setDuty(on) {
  const button = byId('duty-toggle');
  await busy(button, async () => {
    try {
      const r = await api.put('/api/v1/me/duty', { on_duty: on });
      state.onDuty = !!(r && r.on_duty);
      renderDuty();
      const handed = r && r.handed_back ? r.handed_back : 0;
      announce(on ? t('console.duty.nowOn') : t('console.duty.nowOff', { count: handed }));
      showAppError(null);
      loadLists();
    } catch (err) {
      showAppError(err);
    }
  });
}

function onDutyToggle() {
  if (state.onDuty !== true) {
    setDuty(true);
    return;
  }
  const held = heldCount();
  if (held === 0) {
    setDuty(false);
    return;
  }
  const box = byId('duty-confirm');
  const text = byId('duty-confirm-text');
  text.textContent = t('console.duty.confirmText', { count: held });
  box.hidden = false;
  text.focus();
}

/* ---------------------------------------------------------------- ticket */

function ticketLang(d) {
  return TICKET_HTML_LANG[d.language] || null;
}

function metaRow(dl, label, ...value) {
  dl.append(el('div', {}, el('dt', { text: label }), el('dd', {}, ...value)));
}

function actionButton(key, label, cls, handler) {
  const b = el('button', { class: `btn ${cls}`, text: label, attrs: { type: 'button', 'data-key': `action:${key}` } });
  b.addEventListener('click', () => handler(b));
  return b;
}

function renderSelfcheck(box, sc) {
  clear(box);
  if (!sc || typeof sc !== 'object') {
    box.append(el('p', { class: 'meta', text: t('staff.selfcheck.none') }));
    return;
  }
  box.append(el('p', { class: 'strong', text: selfcheckSummary(sc) }));
  if (Number(sc.phq9_item9) > 0) {
    box.append(el('p', { class: 'notice notice-warn' }, el('span', { class: 'flag-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }), ' ', t('console.selfcheck.item9Warn', { value: sc.phq9_item9 })));
  }
  const items = (name, arr) => {
    if (!Array.isArray(arr)) return;
    const ol = el('ol', { class: 'sc-items', attrs: { 'aria-label': t('console.selfcheck.itemsOf', { name }) } });
    arr.forEach((v) => ol.append(el('li', { text: String(v) })));
    box.append(el('div', { class: 'sc-block' }, el('p', { class: 'meta', text: t('console.selfcheck.itemsOf', { name }) }), ol));
  };
  items('PHQ-9', sc.phq9);
  items('GAD-7', sc.gad7);
  box.append(el('p', { class: 'meta', text: t('console.selfcheck.notDiagnosis') }));
}

/** Fills list `ol` with an <li> made by `item` for each of `items`, or one line `emptyKey`. */
function fillList(ol, items, emptyKey, item) {
  clear(ol);
  if (!items.length) {
    ol.append(el('li', { class: 'meta', text: t(emptyKey) }));
    return;
  }
  for (const x of items) ol.append(item(x));
}

/** The head line of a message or a note: who wrote it, and when. */
function msgHead(who, at) {
  return el('p', { class: 'msg-head' }, el('strong', { text: who }), ' · ', el('time', { text: formatShort(at), attrs: { datetime: at } }));
}

function renderThread(d) {
  fillList(byId('ticket-thread'), Array.isArray(d.thread) ? d.thread : [], 'console.ticket.threadEmpty', (m) => {
    const who = m.from === 'expert' ? t('console.ticket.fromExpert') : t('console.ticket.fromCitizen');
    return el('li', { class: `msg msg-${m.from === 'expert' ? 'expert' : 'citizen'}` }, msgHead(who, m.at),
      el('div', { class: 'usertext', text: m.text == null ? t('console.ticket.textGone') : m.text, attrs: { lang: ticketLang(d) } }));
  });
}

function renderNotes(d) {
  fillList(byId('ticket-notes'), Array.isArray(d.notes) ? d.notes : [], 'console.notes.empty', (n) => el('li', { class: 'note' },
    msgHead(n.by || '', n.at),
    el('div', { class: 'usertext', text: n.text == null ? t('console.ticket.textGone') : n.text })));
}

function renderAudit(d) {
  const part = byId('audit-part');
  const ol = byId('ticket-audit');
  clear(ol);
  part.hidden = !Array.isArray(d.audit);
  if (part.hidden) return;
  for (const a of d.audit) {
    const ev = t(`console.audit.events.${a.event}`) === `console.audit.events.${a.event}` ? a.event : t(`console.audit.events.${a.event}`);
    const actor = t(`console.audit.actors.${a.actor}`) === `console.audit.actors.${a.actor}` ? a.actor : t(`console.audit.actors.${a.actor}`);
    let move = '';
    if (a.from !== a.to && a.to !== '-') move = a.from === '-' ? ` (→ ${statusLabel(a.to)})` : ` (${statusLabel(a.from)} → ${statusLabel(a.to)})`;
    ol.append(el('li', {},
      el('time', { text: formatShort(a.at), attrs: { datetime: a.at } }), ' · ',
      el('strong', { text: actor }), ' · ', ev, move,
      typeof a.reason === 'string' ? el('span', { class: 'audit-reason', text: ` — ${a.reason}` }) : null));
  }
}

function renderTicketActions(d) {
  const p = byId('ticket-actions');
  const key = focusKey();
  clear(p);
  if (may(d, 'claim')) {
    p.append(actionButton('claim', t('console.actions.claim'), 'btn-primary', (b) => claimTicket(d.ticket, b)));
  }
  if (may(d, 'decline')) {
    p.append(actionButton('decline', t('console.actions.decline'), 'btn-secondary', (b) => declineTicket(d.ticket, b)));
  }
  if (may(d, 'release')) {
    p.append(actionButton('release', t('console.actions.release'), 'btn-secondary', (b) => releaseTicket(d.ticket, b)));
  }
  p.append(actionButton('refresh', t('staff.refresh'), 'btn-secondary', (b) => busy(b, () => loadTicket(d.ticket))));
  if (key && key.startsWith('action:')) restoreFocus(key, byId('ticket-title'));
}

function renderTemplates() {
  const select = byId('template-select');
  const hint = byId('template-hint');
  const current = select.value;
  clear(select);
  select.append(el('option', { text: t('console.answer.templateNone'), attrs: { value: '' } }));
  for (const tpl of state.templates) select.append(el('option', { text: tpl.title || tpl.id, attrs: { value: tpl.id } }));
  if (state.templates.some((x) => x.id === current)) select.value = current;
  const d = state.ticket;
  hint.textContent = d ? t(state.templates.length ? 'console.answer.templateHint' : 'console.answer.templateEmpty', {
    count: state.templates.length, language: languageLabel(d.language), topic: categoryLabel(d.category),
  }) : '';
  byId('template-insert').hidden = state.templates.length === 0;
  select.disabled = state.templates.length === 0;
}

async function loadTemplates(d) {
  const key = `${d.language}/${d.category}`;
  if (state.templatesFor === key) return;
  state.templatesFor = key;
  state.templates = [];
  renderTemplates();
  try {
    const r = await api.get(`/api/v1/templates?language=${encodeURIComponent(d.language)}&category=${encodeURIComponent(d.category)}`);
    const list = Array.isArray(r && r.templates) ? r.templates : [];
    // Only this ticket's language and topic (the API filters; this is a second check).
    state.templates = list.filter((x) => (!x.language || x.language === d.language) && (!x.category || x.category === d.category));
  } catch (err) {
    state.templatesFor = null;
  }
  renderTemplates();
}

/** True if staff row `s` takes ticket `d`'s topic and language. */
function covers(s, d) {
  return Array.isArray(s.categories) && s.categories.includes(d.category)
    && Array.isArray(s.languages) && s.languages.includes(d.language);
}

/** A colleague's name as the lists show it: "Display (username)", or the username. */
function colleagueName(s) {
  return s.display_name && s.display_name !== s.username ? `${s.display_name} (${s.username})` : s.username;
}

/**
 * The colleagues `d` may be transferred to, as the server checks them (transfer.lua):
 * active experts and supervisors, neither its holder nor me (claiming is my own move),
 * on duty first, then by name. An expert sees only those on duty who take its topic and
 * language. A supervisor also sees those off duty or outside them: the server takes
 * them with an override reason (audited as transfer_override), which the form then
 * asks for (overrideNeed).
 */
function transferTargets(d) {
  if (!Array.isArray(state.staff)) return null;
  const name = (s) => s.display_name || s.username;
  return state.staff
    .filter((s) => !s.disabled && (s.role === 'expert' || s.role === 'supervisor') && s.username !== d.owner && s.username !== me()
      && (state.supervisor || (s.on_duty === true && covers(s, d))))
    .sort((a, b) => (b.on_duty === true) - (a.on_duty === true) || name(a).localeCompare(name(b)) || a.username.localeCompare(b.username));
}

function transferOption(s) {
  const who = colleagueName(s);
  const text = s.on_duty === true
    ? t(s.on_duty_since ? 'console.transfer.optionOnSince' : 'console.transfer.optionOn', { name: who, role: roleLabel(s.role), time: s.on_duty_since ? formatShort(s.on_duty_since) : '' })
    : t('console.transfer.optionOff', { name: who, role: roleLabel(s.role) });
  return el('option', { text, attrs: { value: s.username } });
}

function renderTransferOptions(d) {
  const select = byId('transfer-to');
  const hint = byId('transfer-to-hint');
  const current = select.value;
  const targets = transferTargets(d);
  const where = { topic: categoryLabel(d.category), language: languageLabel(d.language) };
  const fits = targets && targets.filter((s) => covers(s, d));
  const on = (fits || []).filter((s) => s.on_duty === true);
  const off = (fits || []).filter((s) => s.on_duty !== true);
  const others = (targets || []).filter((s) => !covers(s, d)); // supervisors only
  const groups = [
    { label: t('console.transfer.groupOn'), options: on.map(transferOption) },
    { label: t('console.transfer.groupOff'), options: off.map(transferOption) },
    { label: t('console.transfer.groupOther', where), options: others.map(transferOption) },
  ].filter((g) => g.options.length);
  // Rebuilt only when it changed: a live refresh must not close a list someone has open.
  const sig = JSON.stringify([t('console.transfer.choose'), groups.map((g) => [g.label, g.options.map((o) => [o.value, o.textContent])])]);
  if (select.dataset.sig !== sig) {
    select.dataset.sig = sig;
    clear(select);
    select.append(el('option', { text: t('console.transfer.choose'), attrs: { value: '' } }));
    for (const g of groups) select.append(el('optgroup', { attrs: { label: g.label } }, ...g.options));
    if (targets && targets.some((s) => s.username === current)) select.value = current;
  }
  renderTransferReason(d);
  if (!fits) {
    hint.textContent = state.staffError
      ? t('console.transfer.listFailed', { error: errorText(state.staffError) })
      : t('staff.loading');
    return;
  }
  hint.textContent = !fits.length ? t(others.length ? 'console.transfer.noneFitOverride' : 'console.transfer.noneFit', where)
    : t(on.length ? 'console.transfer.toHintSelect' : 'console.transfer.toHintSelectNoneOn', { count: fits.length, onDuty: on.length, ...where });
  if (fits.length && (off.length || others.length)) hint.textContent += ` ${t('console.transfer.overrideNote')}`;
}

/**
 * Why transferring `d` to `name` needs a supervisor's override reason: 'Off' (off
 * duty), 'Cover' (does not take its topic and language), 'Both', or null (no override,
 * or I am not a supervisor: experts never give one). The staff list tells before
 * sending; the server's refusal (state.transferRefusal) tells when the list was stale.
 */
function overrideNeed(d, name) {
  if (!state.supervisor || !d || !name) return null;
  const s = (state.staff || []).find((x) => x.username === name);
  const refused = state.transferRefusal && state.transferRefusal.name === name ? state.transferRefusal.code : null;
  const off = (!!s && s.on_duty !== true) || refused === 'target_off_duty';
  const out = (!!s && !covers(s, d)) || refused === 'target_not_covering';
  if (off && out) return 'Both';
  if (off || out) return off ? 'Off' : 'Cover';
  return null;
}

/** Shows the override reason field, with why it is needed, when the chosen colleague needs one. */
function renderTransferReason(d) {
  const name = byId('transfer-to').value;
  const need = overrideNeed(d, name);
  byId('transfer-reason-field').hidden = !need;
  if (!need) {
    setFieldError('transferReason', transferReason, byId('transfer-reason-error'), null);
    return;
  }
  const s = (state.staff || []).find((x) => x.username === name);
  byId('transfer-reason-hint').textContent = t(`console.transfer.reasonHint${need}`,
    { name: s ? colleagueName(s) : name, topic: categoryLabel(d.category), language: languageLabel(d.language), max: OVERRIDE_MAX_CHARS });
  updateReasonCount();
}

function renderTicket() {
  const view = byId('ticket-view');
  byId('ticket-placeholder').hidden = !!state.openId;
  if (!state.openId) {
    view.hidden = true;
    return;
  }
  view.hidden = false;
  const title = byId('ticket-title');
  title.textContent = t('console.ticket.title', { ticket: state.openId });
  renderMessage();
  const flags = byId('ticket-flags');
  const meta = byId('ticket-meta');
  clear(flags);
  clear(meta);
  const d = state.ticket;
  const parts = ['draft-part', 'answer-part', 'risk-part', 'transfer-part', 'audit-part'];
  if (!d) {
    for (const id of parts) byId(id).hidden = true;
    byId('ticket-actions').replaceChildren();
    byId('ticket-text').replaceChildren(el('p', {
      class: state.ticketError ? 'notice notice-error' : 'meta',
      text: state.ticketError ? errorText(state.ticketError) : t('staff.loading'),
    }));
    for (const id of ['ticket-selfcheck', 'ticket-thread', 'ticket-notes']) clear(byId(id));
    return;
  }

  if (d.crisis) flags.append(crisisFlag(d.risk_reason));
  else if (d.risk_reason === 'lowered') flags.append(flag(riskReasonLabel('lowered'), 'status'));
  if (d.green_channel) flags.append(flag(t('staff.greenChannel'), 'info', '★'));
  if (d.followups > 0) flags.append(flag(t('console.followups', { count: d.followups }), 'info', '↩'));

  metaRow(meta, t('console.ticket.status'), el('strong', { text: statusLabel(d.status) }));
  metaRow(meta, t('console.ticket.topic'), categoryLabel(d.category));
  metaRow(meta, t('console.ticket.language'), languageLabel(d.language));
  metaRow(meta, t('console.ticket.asked'), formatDateTime(d.created_at));
  if (AWAITING.has(d.status)) {
    metaRow(meta, t('console.ticket.due'), countdown(d.due_at), el('span', { class: 'meta', text: ` (${formatDateTime(d.due_at)})` }));
  } else if (d.answered_at) {
    metaRow(meta, t('console.ticket.answered'), formatDateTime(d.answered_at));
  }
  if (d.owner) {
    const who = d.owner === me() ? t('console.ticket.you') : d.owner;
    const until = d.lease_until ? t('console.ticket.leaseUntil', { time: formatShort(d.lease_until) })
      : d.offer_until ? t('console.ticket.offerUntil', { time: formatShort(d.offer_until) }) : '';
    const holderLabel = d.status === 'offered' ? 'console.ticket.offeredTo' : d.status === 'answered' || d.status === 'closed' ? 'console.ticket.answeredBy' : 'console.ticket.holder';
    metaRow(meta, t(holderLabel), who, until ? el('span', { class: 'meta', text: ` (${until})` }) : null);
  }

  renderTicketActions(d);

  const text = byId('ticket-text');
  clear(text);
  text.append(el('div', { class: 'usertext', text: d.text == null ? t('console.ticket.textGone') : d.text, attrs: { lang: ticketLang(d) } }));
  renderSelfcheck(byId('ticket-selfcheck'), d.selfcheck);
  renderThread(d);

  // The answer waiting for review (and the supervisor's decision).
  const draftPart = byId('draft-part');
  draftPart.hidden = !(d.draft && d.draft.text != null) && d.status !== 'in_review';
  if (!draftPart.hidden) {
    byId('draft-meta').textContent = d.draft && d.draft.submitted_at
      ? t('console.review.submitted', { name: d.owner || '', time: formatShort(d.draft.submitted_at) }) : '';
    const dt = byId('draft-text');
    dt.textContent = d.draft && d.draft.text != null ? d.draft.text : t('console.ticket.textGone');
    dt.setAttribute('lang', ticketLang(d) || '');
    // The author of an answer never approves it (the server leaves "approve" out).
    byId('review-controls').hidden = !(may(d, 'approve') || may(d, 'return'));
    byId('review-approve').hidden = !may(d, 'approve');
  }

  // The answer editor: only the claimer of a claimed ticket writes.
  const answerPart = byId('answer-part');
  const canAnswer = may(d, 'answer');
  answerPart.hidden = !canAnswer;
  if (canAnswer) {
    byId('answer-crisis-note').hidden = !d.crisis;
    byId('answer-second-field').hidden = !!d.crisis; /* a crisis answer is always reviewed */
    answerText.setAttribute('lang', ticketLang(d) || '');
    loadTemplates(d);
  } else {
    byId('answer-confirm').hidden = true;
  }

  renderNotes(d);

  const riskPart = byId('risk-part');
  // Anyone who may act raises a crisis; only a supervisor lowers one.
  riskPart.hidden = !may(d, d.crisis ? 'lower_risk' : 'raise_risk');
  if (!riskPart.hidden) {
    const current = byId('risk-current');
    clear(current);
    current.append(d.crisis ? crisisFlag(d.risk_reason) : flag(t('console.risk.normal'), 'status'));
    byId('risk-reason-label').textContent = t(d.crisis ? 'console.risk.lowerLabel' : 'console.risk.raiseLabel');
    byId('risk-hint').textContent = t(d.crisis ? 'console.risk.lowerHint' : 'console.risk.raiseHint');
    const b = byId('risk-submit');
    b.textContent = t(d.crisis ? 'console.risk.lower' : 'console.risk.raise');
    b.className = `btn ${d.crisis ? 'btn-secondary' : 'btn-danger'}`;
  }

  const transferPart = byId('transfer-part');
  transferPart.hidden = !may(d, 'transfer');
  if (!transferPart.hidden) {
    renderTransferOptions(d);
    loadStaff();
  }

  renderAudit(d);
  renderFieldErrors();
}

async function loadTicket(id, { focus = false } = {}) {
  try {
    const d = await api.get(ticketPath(id));
    if (state.openId !== id) return;
    state.ticket = d;
    state.ticketError = null;
  } catch (err) {
    if (err && err.status === 401) return;
    if (state.openId !== id) return;
    state.ticket = null;
    state.ticketError = err;
  }
  renderTicket();
  if (focus) byId('ticket-title').focus();
}

const reloadOpenTicket = debounce(() => {
  if (state.openId) loadTicket(state.openId);
}, 400);

function openFromHash({ focus = true } = {}) {
  const m = /^#ticket=([A-Za-z0-9_-]{1,64})$/.exec(window.location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (id === state.openId) {
    if (id && focus) byId('ticket-title').focus();
    return;
  }
  // Keep the draft of the ticket being left.
  if (state.openId) state.drafts.set(state.openId, answerText.value);
  Object.assign(state, { openId: id, ticket: null, ticketError: null, message: null, templatesFor: null, transferRefusal: null });
  for (const k of ['answer', 'note', 'risk', 'transferTo', 'transferReason', 'transferNote', 'review']) state.errors[k] = null;
  for (const [f, n] of [['answer-text', 'answer-error'], ['note-text', 'note-error'], ['risk-reason', 'risk-error'], ['transfer-to', 'transfer-to-error'], ['transfer-reason', 'transfer-reason-error'], ['transfer-note', 'transfer-note-error'], ['review-note', 'review-note-error']]) {
    fieldError(byId(f), byId(n), '', '');
  }
  answerText.value = id ? state.drafts.get(id) || '' : '';
  updateAnswerCount();
  byId('note-text').value = '';
  byId('risk-reason').value = '';
  byId('transfer-to').value = '';
  transferReason.value = '';
  byId('transfer-reason-field').hidden = true;
  updateReasonCount();
  byId('transfer-note').value = '';
  byId('review-note').value = '';
  byId('answer-confirm').hidden = true;
  renderLists();
  renderTicket();
  if (id) {
    if (focus) byId('ticket-title').focus();
    loadTicket(id, { focus: false });
  }
}

/* ------------------------------------------------------------------ moves */

function afterMove(id) {
  loadLists();
  if (state.supervisor) refreshHealthSoon();
  if (state.openId === id) loadTicket(id);
}

/**
 * Shows why a move on ticket `id` failed: beside the ticket when it is the open one,
 * else at the top of the page (and announced); the lists are reloaded either way.
 */
function moveFailed(id, err) {
  if (state.openId === id) setMessage('error', () => errorText(err));
  else {
    showAppError(err);
    announce(errorText(err));
  }
  loadLists();
}

async function claimTicket(id, button) {
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'claim'));
      if (state.openId !== id) {
        window.location.hash = `ticket=${encodeURIComponent(id)}`;
        openFromHash({ focus: true }); // now, so that the message below survives the hashchange
      }
      setMessage('ok', () => t('console.done.claimed'));
      afterMove(id);
    } catch (err) {
      moveFailed(id, err);
    }
  });
}

async function releaseTicket(id, button) {
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'release'));
      setMessage('ok', () => t('console.done.released'));
      afterMove(id);
    } catch (err) {
      setMessage('error', () => errorText(err));
      afterMove(id);
    }
  });
}

function checkText(key, field, node, { required = true, max = undefined, errorFn = textErrorFn } = {}) {
  const value = field.value;
  if (!required && !value.trim()) {
    setFieldError(key, field, node, null);
    return true;
  }
  const problem = textProblem(value, max);
  setFieldError(key, field, node, problem ? errorFn(problem) : null);
  if (problem) field.focus();
  return !problem;
}

async function addNote(button) {
  const id = state.openId;
  const field = byId('note-text');
  if (!id || !checkText('note', field, byId('note-error'))) return;
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'notes'), { text: field.value });
      field.value = '';
      setMessage('ok', () => t('console.done.noted'));
      loadTicket(id);
    } catch (err) {
      setFieldError('note', field, byId('note-error'), () => errorText(err));
    }
  });
}

async function changeRisk(button) {
  const id = state.openId;
  const d = state.ticket;
  const field = byId('risk-reason');
  if (!id || !d || !checkText('risk', field, byId('risk-error'))) return;
  const level = d.crisis ? 'normal' : 'crisis';
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'risk'), { level, reason: field.value });
      field.value = '';
      setMessage('ok', () => t(level === 'crisis' ? 'console.done.raised' : 'console.done.lowered'));
      afterMove(id);
    } catch (err) {
      setFieldError('risk', field, byId('risk-error'), () => errorText(err));
      if (err && err.status === 409) afterMove(id);
    }
  });
}

/*
 * The server refused transfer target `name` (err): a supervisor may still override an
 * off-duty or not-covering refusal, so the reason field opens with what happened
 * instead of a dead end; anything else about `to` stays the colleague field's error.
 */
function transferRefused(d, name, err) {
  const to = byId('transfer-to');
  const overridable = err.code === 'target_off_duty' || err.code === 'target_not_covering';
  loadStaff({ force: true }); // who may take it has changed since the list was read
  if (!state.supervisor || !overridable) {
    setFieldError('transferTo', to, byId('transfer-to-error'), () => errorText(err));
    to.focus();
    return;
  }
  state.transferRefusal = { name, code: err.code };
  setFieldError('transferTo', to, byId('transfer-to-error'), null);
  renderTransferReason(d);
  const s = (state.staff || []).find((x) => x.username === name);
  const who = s ? colleagueName(s) : name;
  setFieldError('transferReason', transferReason, byId('transfer-reason-error'),
    () => t(err.code === 'target_off_duty' ? 'console.transfer.refusedOff' : 'console.transfer.refusedCover', { name: who }));
  transferReason.focus();
}

async function transfer(button) {
  const id = state.openId;
  const d = state.ticket;
  const to = byId('transfer-to');
  const note = byId('transfer-note');
  if (!id || !d) return;
  const name = to.value;
  setFieldError('transferTo', to, byId('transfer-to-error'), name ? null : () => t('console.transfer.chooseRequired'));
  if (!name) {
    to.focus();
    return;
  }
  const need = overrideNeed(d, name);
  if (need && !checkText('transferReason', transferReason, byId('transfer-reason-error'),
    { max: OVERRIDE_MAX_CHARS, errorFn: reasonErrorFn })) return;
  if (!checkText('transferNote', note, byId('transfer-note-error'))) return;
  const body = { to: name, note: note.value };
  if (need) body.override_reason = transferReason.value;
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'transfer'), body);
      to.value = '';
      note.value = '';
      transferReason.value = '';
      state.transferRefusal = null;
      renderTransferReason(d);
      setMessage('ok', () => t(need ? 'console.done.transferredOverride' : 'console.done.transferred', { name }));
      afterMove(id);
    } catch (err) {
      if (err && err.field === 'to') {
        transferRefused(state.ticket || d, name, err);
      } else if (err && err.field === 'override_reason') {
        setFieldError('transferReason', transferReason, byId('transfer-reason-error'),
          ['text_empty', 'text_too_long'].includes(err.code) ? reasonErrorFn(err.code) : () => errorText(err));
        transferReason.focus();
      } else {
        setMessage('error', () => errorText(err));
        afterMove(id);
      }
    }
  });
}

async function declineTicket(id, button) {
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'decline'));
      if (state.openId === id) setMessage('ok', () => t('console.done.declined'));
      else announce(t('console.done.declined'));
      afterMove(id);
    } catch (err) {
      moveFailed(id, err);
    }
  });
}

function insertTemplate() {
  const select = byId('template-select');
  const tpl = state.templates.find((x) => x.id === select.value);
  if (!tpl) {
    select.focus();
    return;
  }
  const text = String(tpl.text || '');
  const v = answerText.value;
  if (!v.trim()) {
    answerText.value = text;
    answerText.setSelectionRange(text.length, text.length);
  } else {
    const at = typeof answerText.selectionStart === 'number' ? answerText.selectionStart : v.length;
    const before = v.slice(0, at);
    const after = v.slice(at);
    const sepBefore = before && !before.endsWith('\n\n') ? (before.endsWith('\n') ? '\n' : '\n\n') : '';
    const sepAfter = after && !after.startsWith('\n') ? '\n\n' : '';
    answerText.value = before + sepBefore + text + sepAfter + after;
    const caret = (before + sepBefore + text).length;
    answerText.setSelectionRange(caret, caret);
  }
  state.drafts.set(state.openId, answerText.value);
  updateAnswerCount();
  answerText.focus();
  announce(t('console.answer.inserted'));
}

function askSend() {
  if (!state.openId || !state.ticket) return;
  if (!checkText('answer', answerText, byId('answer-error'))) return;
  const text = byId('answer-confirm-text');
  const review = state.ticket.crisis || byId('answer-second').checked;
  text.textContent = t(review ? 'console.answer.confirmReview' : 'console.answer.confirmText');
  byId('answer-confirm').hidden = false;
  text.focus();
}

async function sendAnswer(button) {
  const id = state.openId;
  if (!id) return;
  await busy(button, async () => {
    try {
      const second = !state.ticket.crisis && byId('answer-second').checked;
      const r = await api.post(ticketPath(id, 'answer'), { text: answerText.value, second_opinion: second });
      byId('answer-second').checked = false;
      state.drafts.delete(id);
      answerText.value = '';
      updateAnswerCount();
      byId('answer-confirm').hidden = true;
      setMessage('ok', () => t(r && r.status === 'in_review' ? 'console.done.inReview' : 'console.done.answered'));
      byId('ticket-title').focus();
      afterMove(id);
    } catch (err) {
      byId('answer-confirm').hidden = true;
      setFieldError('answer', answerText, byId('answer-error'), () => errorText(err));
      answerText.focus();
    }
  });
}

async function review(decision, button) {
  const id = state.openId;
  const note = byId('review-note');
  if (!id) return;
  if (!checkText('review', note, byId('review-note-error'), { required: decision === 'return' })) return;
  const body = { decision };
  if (note.value.trim()) body.note = note.value;
  await busy(button, async () => {
    try {
      await api.post(ticketPath(id, 'review'), body);
      note.value = '';
      setMessage('ok', () => t(decision === 'approve' ? 'console.done.approved' : 'console.done.returned'));
      byId('ticket-title').focus();
      afterMove(id);
    } catch (err) {
      setMessage('error', () => errorText(err));
      afterMove(id);
    }
  });
}

/* ---------------------------------------------------------------- live */

const pendingLists = new Set();
const flushLists = debounce(() => {
  const names = [...pendingLists];
  pendingLists.clear();
  loadLists(names);
}, 500);

function inList(name, id) {
  return (state.lists[name] || []).some((x) => x.ticket === id);
}

function onTicketEvent(ev) {
  if (ev.type === 'duty') {
    // Supervisors hear of duty changes: the transfer list's "on duty" marks are stale.
    state.staffAt = 0;
    if (state.ticket && !byId('transfer-part').hidden) loadStaff();
    if (state.supervisor) refreshHealthSoon();
    return;
  }
  const id = ev.ticket;
  const mineNow = ev.owner === me() || ev.to === me() || ev.previous === me() || ev.prefer === me();
  if (mineNow || inList('offered', id)) pendingLists.add('offered');
  if (mineNow || inList('mine', id)) pendingLists.add('mine');
  if (ev.state === 'queued' || ev.state === 'offered' || inList('pool', id)) pendingLists.add('pool');
  if (state.supervisor && (ev.state === 'in_review' || inList('review', id))) pendingLists.add('review');
  if (pendingLists.size) flushLists();
  if (state.supervisor) refreshHealthSoon();
  if (id && id === state.openId) reloadOpenTicket();
  if (ev.type === 'offered' && ev.to === me()) announce(t('console.live.offered'));
  if (ev.type === 'transferred' && ev.owner === me() && ev.by !== me()) announce(t('console.live.transferredToYou'));
  if (ev.type === 'returned' && ev.owner === me()) announce(t('console.live.returned'));
}

function startLive() {
  stopLive();
  const status = byId('live-status');
  status.hidden = false;
  state.events = openEvents({
    ticket: onTicketEvent,
    status: (s) => renderLiveStatus(status, s),
  });
  // Every change is announced on the stream (a new question too); the poll is the
  // backstop for a stream that dropped events while it reconnected.
  state.pollTimer = setInterval(() => {
    if (!document.hidden) loadLists(['pool', 'offered', 'mine']);
  }, LIST_POLL_MS);
  if (state.supervisor) {
    state.healthTimer = setInterval(() => {
      if (!document.hidden) loadHealth();
    }, HEALTH_POLL_MS);
  }
}

function stopLive() {
  if (state.events) state.events.close();
  state.events = null;
  clearInterval(state.pollTimer);
  clearInterval(state.healthTimer);
  byId('live-status').hidden = true;
}

/* ------------------------- signed in/out (staff-page.js switches the views) */

function showPage(s) {
  state.session = s;
  state.supervisor = s.role === 'supervisor';
  byId('health').hidden = !state.supervisor;
  byId('review-section').hidden = !state.supervisor;
  byId('page-title').textContent = t(state.supervisor ? 'console.titleSupervisor' : 'console.title');
  renderWho(state.session);
  renderDuty();
  renderLists();
  loadDuty();
  loadLists();
  if (state.supervisor) loadHealth();
  startLive();
  openFromHash({ focus: false });
  if (state.openId) loadTicket(state.openId);
}

function forgetPage() {
  stopLive();
  state.session = null;
  state.lists = { review: null, offered: null, pool: null, mine: null };
  state.ticket = null;
  state.health = null;
  state.staff = null;
  state.staffAt = 0;
  state.staffError = null;
  state.transferRefusal = null;
  byId('page-title').textContent = t('console.title');
}

/* ------------------------------------------------------------------ start */

function wire() {
  byId('duty-toggle').addEventListener('click', onDutyToggle);
  byId('duty-confirm-yes').addEventListener('click', () => {
    byId('duty-confirm').hidden = true;
    setDuty(false);
    byId('duty-toggle').focus();
  });
  byId('duty-confirm-no').addEventListener('click', () => {
    byId('duty-confirm').hidden = true;
    byId('duty-toggle').focus();
  });
  byId('sign-out').addEventListener('click', async () => {
    if (state.openId) state.drafts.set(state.openId, answerText.value);
    await signOut();
    state.drafts.clear(); // signing out on purpose: nothing of the work stays in the page
    answerText.value = '';
    staffPage.showSignedOut('staff.signin.signedOut');
  });
  byId('health-refresh').addEventListener('click', (e) => busy(e.currentTarget, loadHealth));
  byId('ticket-back').addEventListener('click', (e) => {
    e.preventDefault();
    const key = state.openId;
    history.replaceState(null, '', window.location.pathname + window.location.search);
    openFromHash({ focus: false });
    const link = key && document.querySelector(`.ti-link[href="#ticket=${CSS.escape(encodeURIComponent(key))}"]`);
    (link || byId('offered-title')).focus();
  });
  byId('note-add').addEventListener('click', (e) => addNote(e.currentTarget));
  byId('risk-submit').addEventListener('click', (e) => changeRisk(e.currentTarget));
  byId('transfer-submit').addEventListener('click', (e) => transfer(e.currentTarget));
  byId('transfer-to').addEventListener('change', () => {
    if (state.ticket) renderTransferReason(state.ticket);
  });
  byId('template-insert').addEventListener('click', insertTemplate);
  byId('answer-send').addEventListener('click', askSend);
  byId('answer-confirm-yes').addEventListener('click', (e) => sendAnswer(e.currentTarget));
  byId('answer-confirm-no').addEventListener('click', () => {
    byId('answer-confirm').hidden = true;
    answerText.focus();
  });
  byId('review-approve').addEventListener('click', (e) => review('approve', e.currentTarget));
  byId('review-return').addEventListener('click', (e) => review('return', e.currentTarget));
  answerText.addEventListener('input', () => {
    if (state.openId) state.drafts.set(state.openId, answerText.value);
    byId('answer-confirm').hidden = true;
  });
  for (const name of LIST_IDS) byId(`${name}-title`).setAttribute('tabindex', '-1');
  window.addEventListener('hashchange', () => openFromHash({ focus: true }));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !byId('answer-confirm').hidden) {
      byId('answer-confirm').hidden = true;
      answerText.focus();
    }
  });
}

function reword() {
  byId('page-title').textContent = t(state.supervisor ? 'console.titleSupervisor' : 'console.title');
  renderWho(state.session);
  renderDuty();
  renderLists();
  renderTicket();
  renderTemplates();
  if (state.supervisor) renderHealth();
}

const staffPage = startStaffPage({
  roles: ROLES,
  titleKey: 'console.pageTitle',
  wrongRoleKey: 'console.wrongRole',
  wire,
  signedIn: showPage,
  signedOut: forgetPage,
  reword,
  reworded: renderFieldErrors,
  failed: showAppError,
});
