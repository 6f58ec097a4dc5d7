/*
 * return.js — the return page (/t/<ticket>#<code>): status, deadline, the question,
 * the answer, follow-ups and withdrawal.
 *
 * The ticket comes from the path, the code from the URL fragment (or a form). The
 * fragment is read once and then removed from the address bar and the history
 * entry; the code lives only in this module's memory (never localStorage or
 * sessionStorage) and leaves the browser only in the Authorization header.
 *
 * While the question is not answered the page polls: every 30 s at first, slower
 * (×1.5, up to 5 min) while nothing changes, back to 30 s after a change, longer
 * after errors (×2, up to 10 min, at least Retry-After), paused while the tab is
 * hidden, stopped once answered, closed or withdrawn.
 */
import { initShell } from './shell.js';
import { t, raw, formatDateTime, formatTime, onLanguageChange } from './i18n.js';
import { getQuestion, postFollowup, withdrawQuestion, newIdempotencyKey, ApiError } from './api.js';
import { openCrisisPanel, mountLines } from './crisis.js';
import { el, clear, byId, announce, fieldError } from './dom.js';
import { attachCounter, textProblem } from './textfield.js';
import {
  normalizeCode, isPlausibleCode, normalizeTicket, isPlausibleTicket,
  ticketFromPath, codeFromFragment, parsePastedLink,
} from './code.js';

const POLL_BASE_MS = 30_000;
const POLL_IDLE_MAX_MS = 5 * 60_000;
const POLL_ERROR_MAX_MS = 10 * 60_000;
const FINAL = new Set(['answered', 'closed', 'withdrawn']);
const NO_FOLLOWUP = new Set(['closed', 'withdrawn']);
const TEXT_CODES = new Set(['text_empty', 'text_too_long', 'control_characters', 'surrogate', 'invalid_utf8', 'payload_too_large']);

/** Everything the page knows; the code is here and nowhere else. */
const state = {
  ticket: null,
  code: null,
  data: null,        // the last 200 body
  lastChecked: null, // Date
  timer: 0,
  delay: POLL_BASE_MS,     // the next wait
  idleDelay: POLL_BASE_MS, // the wait while nothing changes (grows ×1.5)
  polling: false,
  inflight: false,
  pausedHidden: false,
  codeFromAddress: false,
  followupAttempt: null, // {text, key}
  followupError: null,   // {code, message, field}
  enterErrors: { ticket: null, code: null },
  loadError: null,
  withdrawError: null,
};

const baseTitle = document.title;

/* ----------------------------------------------------------------- helpers */

/** Catalogue wording for an error, else the server's message, else a generic line. */
function errorText(entry) {
  if (!entry) return '';
  const key = `errors.${entry.code}`;
  const text = t(key, entry.vars);
  return text !== key ? text : (entry.message || t('errors.unknown'));
}

function entryFor(err) {
  const e = err instanceof ApiError ? err : new ApiError({ code: 'unknown' });
  const entry = { code: e.code, message: e.serverMessage, field: e.field, resources: e.resources };
  if (e.code === 'rate_limited') entry.vars = { minutes: Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60)) };
  return entry;
}

/** A status word (falls back to the raw status for one the catalogue lacks). */
function statusWord(status) {
  return typeof raw(`status.${status}`) === 'string' ? t(`status.${status}`) : t('status.unknown', { status });
}

function show(id, visible) {
  byId(id).hidden = !visible;
}

/** Removes the code from the address bar and from this history entry. */
function stripFragment() {
  try {
    history.replaceState(history.state, '', window.location.pathname + window.location.search);
  } catch (_) {
    window.location.hash = '';
  }
}

/* ----------------------------------------------------------- entering a code */

function renderEnterErrors() {
  const prefix = t('errors.prefix');
  fieldError(byId('enter-ticket'), byId('enter-ticket-error'), errorText(state.enterErrors.ticket), prefix);
  fieldError(byId('enter-code'), byId('enter-code-error'), errorText(state.enterErrors.code), prefix);
}

/** Shows the form; the ticket field only when the address named no ticket. */
function showEnter() {
  stopPolling();
  show('loading', false);
  show('question-view', false);
  show('enter-view', true);
  const known = byId('enter-ticket-known');
  if (state.ticket) {
    known.textContent = t('return.forQuestion', { ticket: state.ticket });
    known.hidden = false;
    show('enter-ticket-field', false);
  } else {
    known.hidden = true;
    show('enter-ticket-field', true);
  }
  renderEnterErrors();
}

function onEnter(event) {
  event.preventDefault();
  const ticketInput = byId('enter-ticket');
  const codeInput = byId('enter-code');
  state.enterErrors = { ticket: null, code: null };

  let ticket = state.ticket;
  let code = normalizeCode(codeInput.value);
  if (!byId('enter-ticket-field').hidden) {
    const pasted = parsePastedLink(ticketInput.value);
    ticket = pasted.ticket;
    if (!code && pasted.code) code = pasted.code;
    if (!ticket) state.enterErrors.ticket = { code: 'ticket_required' };
    else if (!isPlausibleTicket(normalizeTicket(ticket))) state.enterErrors.ticket = { code: 'ticket_invalid' };
  }
  if (!code) state.enterErrors.code = { code: 'code_required' };
  else if (!isPlausibleCode(code)) state.enterErrors.code = { code: 'code_invalid' };

  renderEnterErrors();
  if (state.enterErrors.ticket) {
    ticketInput.focus();
    return;
  }
  if (state.enterErrors.code) {
    codeInput.focus();
    return;
  }
  state.ticket = ticket;
  state.code = code;
  codeInput.value = ''; // the code stays in memory, not on screen
  ticketInput.value = '';
  state.codeFromAddress = false;
  load({ first: true });
}

/* ----------------------------------------------------------------- loading */

function stopPolling() {
  clearTimeout(state.timer);
  state.polling = false;
  state.pausedHidden = false;
}

function schedule(ms) {
  clearTimeout(state.timer);
  state.polling = true;
  state.timer = setTimeout(() => load({}), ms);
}

/** A digest of what the person would see change. */
function digest(data) {
  if (!data) return '';
  return JSON.stringify([data.status, data.due_at, data.answer && data.answer.text,
    Array.isArray(data.followups) ? data.followups.length : 0]);
}

/** The code no longer opens the question (wrong, withdrawn elsewhere, or purged). */
function lostAccess() {
  state.code = null;
  state.data = null;
  state.enterErrors = { ticket: null, code: { code: 'not_found' } };
  showEnter();
  byId('enter-code').focus();
}

/**
 * Fetches the question. `first`: show a loading line and move focus to the result;
 * `manual`: "Check now" (polling restarts at 30 s).
 */
async function load({ first = false, manual = false } = {}) {
  if (!state.ticket || !state.code || state.inflight) return;
  if (!first && !manual && document.hidden) {
    state.pausedHidden = true; // visibilitychange resumes
    return;
  }
  state.inflight = true;
  clearTimeout(state.timer);
  if (first) {
    show('enter-view', false);
    show('loading', true);
  }
  try {
    const data = await getQuestion(state.ticket, state.code);
    const before = state.data;
    const changed = digest(before) !== digest(data);
    state.data = data;
    state.lastChecked = new Date();
    state.loadError = null;
    renderLoadError();
    renderQuestion();
    if (first) {
      show('loading', false);
      show('question-view', true);
      byId('page-title').focus();
    } else if (before && !(before.answer && before.answer.text) && data.answer && data.answer.text) {
      announce(t('return.answerArrived'));
    }
    if (FINAL.has(data.status)) {
      stopPolling();
    } else {
      state.idleDelay = changed || manual || first ? POLL_BASE_MS : Math.min(state.idleDelay * 1.5, POLL_IDLE_MAX_MS);
      state.delay = state.idleDelay; // a success ends any error backoff
      schedule(state.delay);
    }
  } catch (err) {
    show('loading', false);
    if (err instanceof ApiError && err.status === 404) {
      lostAccess();
    } else {
      const entry = entryFor(err);
      const floor = err instanceof ApiError && err.retryAfter ? err.retryAfter * 1000 : 0;
      state.delay = Math.max(floor, Math.min(state.delay * 2, POLL_ERROR_MAX_MS));
      if (!state.data) {
        // Nothing to show yet: say why, offer a retry, and the crisis lines.
        state.loadError = entry;
        renderLoadError();
        openCrisisPanel();
      }
      schedule(state.delay);
    }
  } finally {
    state.inflight = false;
  }
}

function renderLoadError() {
  const box = byId('load-error');
  box.hidden = !state.loadError;
  if (!state.loadError) return;
  byId('load-error-text').textContent = `${t('errors.prefix')} ${errorText(state.loadError)}`;
  const lines = byId('load-error-lines');
  clear(lines);
  const list = el('div');
  lines.append(el('p', { class: 'crisis-inline-title', text: t('crisis.afterError') }), list);
  mountLines(list, { level: 2 });
}

/* --------------------------------------------------------------- rendering */

function renderQuestion() {
  const d = state.data;
  if (!d) return;
  const status = typeof d.status === 'string' ? d.status : '';

  byId('q-ticket').textContent = t('return.forQuestion', { ticket: d.ticket || state.ticket });
  show('address-note', state.codeFromAddress);

  const crisis = d.crisis === true;
  show('q-crisis', crisis);
  if (crisis) mountLines(byId('q-crisis-lines'), { resources: d.resources, level: 3 });

  byId('q-status').textContent = statusWord(status);
  const explain = raw(`status.explain.${status}`);
  byId('q-status-explain').textContent = typeof explain === 'string' ? t(`status.explain.${status}`) : '';

  const open = !FINAL.has(status);
  show('q-due-row', open && Boolean(d.due_at));
  byId('q-due').textContent = d.due_at ? formatDateTime(d.due_at) : '';
  const due = Date.parse(d.due_at);
  show('q-late', open && !Number.isNaN(due) && Date.now() > due);

  byId('q-last-checked').textContent = state.lastChecked
    ? t('return.lastChecked', { time: formatTime(state.lastChecked) }) : '';

  byId('q-sent').textContent = d.created_at ? t('return.sentAt', { time: formatDateTime(d.created_at) }) : '';
  byId('q-text').textContent = typeof d.text === 'string' ? d.text : '';

  const answerNode = byId('q-answer');
  clear(answerNode);
  const answer = d.answer && typeof d.answer === 'object' && typeof d.answer.text === 'string' ? d.answer : null;
  if (answer) {
    if (answer.answered_at) answerNode.append(el('p', { class: 'meta', text: t('return.answeredAt', { time: formatDateTime(answer.answered_at) }) }));
    answerNode.append(el('div', { class: 'usertext answer-text', text: answer.text }));
    if (typeof answer.expert === 'string' && answer.expert) {
      answerNode.append(el('p', { class: 'meta', text: t('return.answeredBy', { expert: answer.expert }) }));
    }
  } else {
    answerNode.append(el('p', { class: 'muted', text: t('return.noAnswer') }));
  }

  const followups = Array.isArray(d.followups) ? d.followups.filter((f) => f && typeof f.text === 'string') : [];
  const list = byId('q-followups');
  clear(list);
  for (const f of followups) {
    list.append(el('li', {},
      f.created_at ? el('p', { class: 'meta', text: t('return.sentAt', { time: formatDateTime(f.created_at) }) }) : null,
      el('div', { class: 'usertext', text: f.text })));
  }
  show('followups-card', followups.length > 0);
  show('followup-form', !NO_FOLLOWUP.has(status));
  show('withdraw-card', status !== 'withdrawn');

  document.title = answer ? `${t('return.pageTitleAnswered')} · ${baseTitle}` : baseTitle;
}

/* --------------------------------------------------------------- follow-up */

const followupText = byId('followup-text');
const updateFollowupCount = attachCounter(followupText, byId('followup-count'));

function renderFollowupError() {
  const e = state.followupError;
  const fieldLevel = Boolean(e && (e.field === 'text' || (!e.field && TEXT_CODES.has(e.code))));
  fieldError(followupText, byId('followup-error'), fieldLevel ? errorText(e) : '', t('errors.prefix'));
  const formError = byId('followup-form-error');
  clear(formError);
  if (e && !fieldLevel) {
    formError.append(el('p', { class: 'field-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(e)));
  }
  if (e && e.failed) {
    const lines = el('div');
    formError.append(el('div', { class: 'crisis-inline' }, el('p', { class: 'crisis-inline-title', text: t('crisis.afterError') }), lines));
    mountLines(lines, { resources: e.resources, level: 3 });
  }
}

async function onFollowup(event) {
  event.preventDefault();
  const button = byId('followup-send');
  if (button.getAttribute('aria-disabled') === 'true') return;
  state.followupError = null;
  const text = followupText.value;
  const problem = textProblem(text);
  if (problem) {
    state.followupError = { code: problem, field: 'text' };
    renderFollowupError();
    followupText.focus();
    return;
  }
  if (!state.followupAttempt || state.followupAttempt.text !== text) {
    state.followupAttempt = { text, key: newIdempotencyKey() };
  }
  button.setAttribute('aria-disabled', 'true');
  try {
    const reply = await postFollowup(state.ticket, state.code, text, state.followupAttempt.key);
    state.followupAttempt = null;
    followupText.value = '';
    updateFollowupCount();
    renderFollowupError();
    announce(t('return.followupSent'));
    // A follow-up that reads as a crisis makes the question one: help at once.
    if (reply && reply.crisis === true) {
      mountLines(byId('q-crisis-lines'), { resources: reply.resources, level: 3 });
      show('q-crisis', true);
      openCrisisPanel();
    }
    await load({ manual: true }); // status goes back to the queue: polling restarts
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      lostAccess();
      return;
    }
    state.followupError = { ...entryFor(err), failed: true };
    renderFollowupError();
    openCrisisPanel();
    if (byId('followup-error').hidden === false) followupText.focus();
  } finally {
    button.setAttribute('aria-disabled', 'false');
  }
}

/* ---------------------------------------------------------------- withdraw */

function setConfirm(open) {
  show('withdraw-confirm', open);
  byId('withdraw-start').setAttribute('aria-expanded', open ? 'true' : 'false');
  state.withdrawError = null;
  renderWithdrawError();
  if (open) byId('withdraw-confirm-text').focus();
  else byId('withdraw-start').focus();
}

function renderWithdrawError() {
  const node = byId('withdraw-error');
  clear(node);
  if (state.withdrawError) {
    node.append(el('p', { class: 'field-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', errorText(state.withdrawError)));
  }
}

async function onWithdraw() {
  const yes = byId('withdraw-yes');
  if (yes.getAttribute('aria-disabled') === 'true') return;
  yes.setAttribute('aria-disabled', 'true');
  try {
    await withdrawQuestion(state.ticket, state.code);
    stopPolling();
    state.code = null;
    state.data = null;
    state.followupAttempt = null;
    followupText.value = '';
    clear(byId('q-text'));
    clear(byId('q-answer'));
    clear(byId('q-followups'));
    show('question-view', false);
    show('withdrawn-view', true);
    document.title = baseTitle;
    byId('withdrawn-text').focus();
    announce(t('return.withdrawn'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      lostAccess();
      return;
    }
    state.withdrawError = entryFor(err);
    renderWithdrawError();
  } finally {
    yes.setAttribute('aria-disabled', 'false');
  }
}

/* ------------------------------------------------------------------ wiring */

function readAddress() {
  const hash = window.location.hash;
  if (!hash || hash === '#main') return false; // "#main" is the skip link
  stripFragment(); // whatever it holds, even a cut-off code, leaves the address bar
  const fromHash = codeFromFragment(hash);
  if (!isPlausibleCode(fromHash)) return false;
  state.code = fromHash;
  state.codeFromAddress = true;
  return true;
}

byId('enter-form').addEventListener('submit', onEnter);
byId('followup-form').addEventListener('submit', onFollowup);
byId('q-refresh').addEventListener('click', () => load({ manual: true }));
byId('load-retry').addEventListener('click', () => load({ first: !state.data, manual: true }));
byId('withdraw-start').addEventListener('click', () => setConfirm(byId('withdraw-confirm').hidden));
byId('withdraw-no').addEventListener('click', () => setConfirm(false));
byId('withdraw-yes').addEventListener('click', onWithdraw);
followupText.addEventListener('input', () => {
  if (state.followupError) {
    state.followupError = null;
    renderFollowupError();
  }
});

window.addEventListener('hashchange', () => {
  // A return link opened in a tab that already shows this page.
  if (readAddress() && state.ticket) load({ first: true });
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.pausedHidden) {
    state.pausedHidden = false;
    load({ manual: true });
  }
});

onLanguageChange(() => {
  updateFollowupCount();
  renderQuestion();
  renderLoadError();
  renderFollowupError();
  renderWithdrawError();
  if (!byId('enter-view').hidden) showEnter();
});

async function start() {
  state.ticket = ticketFromPath(window.location.pathname);
  const hadCode = readAddress();
  await initShell();
  if (state.ticket && hadCode) load({ first: true });
  else showEnter();
}

start();
