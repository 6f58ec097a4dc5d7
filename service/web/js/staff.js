/*
 * staff.js — what the staff pages (/console, /oncall) share: the session, the
 * authenticated API client, the sign-in form, the live event stream, the one-second
 * ticker behind every countdown, and the wording of statuses, categories, languages,
 * risk flags, durations and errors.
 *
 * The session token lives in this tab's sessionStorage (never localStorage, never a
 * URL) and leaves the browser only in the Authorization header. The event stream
 * (GET /api/v1/events) is authenticated by the HttpOnly cookie a24_session that the
 * sign-in response sets, because an EventSource cannot send headers; only sign-in and
 * sign-out send cookies (credentials: 'same-origin'), every other call omits them.
 *
 * Text from the server or from people (questions, notes, names) reaches the DOM only
 * through textContent (dom.js el()), never as markup.
 */
import { t, raw, lang, htmlLang, formatNumber, formatDateTime } from './i18n.js';
import { ApiError, request } from './api.js';
import { el, clear, byId, announce, fieldError } from './dom.js';

const SESSION_KEY = 'answer24.staff.session';

/** The BCP 47 tags of the ticket languages (for lang="" on question text). */
export const TICKET_HTML_LANG = { ko: 'ko', zh: 'zh-Hans', en: 'en' };

export const CATEGORIES = ['depression', 'anxiety', 'stress', 'sleep', 'family', 'disaster', 'other'];

/* ----------------------------------------------------------------- session */

let session = null; // {token, role, username, display_name, expires_at}
const unauthorizedListeners = new Set();

/** The signed-in session, or null. */
export function currentSession() {
  if (session) return session;
  try {
    const text = sessionStorage.getItem(SESSION_KEY);
    const s = text ? JSON.parse(text) : null;
    if (s && typeof s.token === 'string' && typeof s.role === 'string') session = s;
  } catch (_) { /* storage off or garbage: signed out */ }
  return session;
}

function storeSession(s) {
  session = s;
  try {
    if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch (_) { /* storage off: the session lives in memory for this page */ }
}

/** Forgets the session locally (the server's session is left alone). */
export function forgetSession() {
  storeSession(null);
}

/** Calls `fn()` whenever the server answers 401 to a signed-in call. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/* ------------------------------------------------------------------ client */

/**
 * One staff API request. Resolves to the parsed JSON body (null for 204); rejects
 * with an ApiError. A 401 on a signed-in call ends the local session and tells the
 * onUnauthorized listeners.
 */
export async function staffRequest(method, path, { body, signal, withCookies = false, anonymous = false } = {}) {
  const s = anonymous ? null : currentSession();
  try {
    return await request(method, path, { body, signal, withCookies, code: s ? s.token : undefined });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && s) {
      storeSession(null);
      for (const fn of unauthorizedListeners) {
        try {
          fn();
        } catch (_) { /* a listener's problem is not the caller's */ }
      }
    }
    throw err;
  }
}

export const api = {
  get: (path, opts) => staffRequest('GET', path, opts),
  post: (path, body, opts) => staffRequest('POST', path, { ...opts, body: body ?? {} }),
  put: (path, body, opts) => staffRequest('PUT', path, { ...opts, body }),
};

/** `/api/v1/tickets/{id}/{what}` with the id encoded. */
export function ticketPath(id, what = '') {
  return `/api/v1/tickets/${encodeURIComponent(id)}${what ? `/${what}` : ''}`;
}

/** POST /api/v1/session; stores the session and returns it. The response sets the SSE cookie. */
export async function signIn(username, password) {
  const data = await staffRequest('POST', '/api/v1/session', {
    body: { username, password }, withCookies: true, anonymous: true,
  });
  if (!data || typeof data.token !== 'string') throw new ApiError({ status: 200, code: 'unknown' });
  const s = {
    token: data.token,
    role: data.role,
    username: data.username || username.trim().toLowerCase(),
    display_name: data.display_name || '',
    expires_at: data.expires_at || null,
  };
  storeSession(s);
  return s;
}

/** DELETE /api/v1/session (also clears the SSE cookie); the local session is gone either way. */
export async function signOut() {
  try {
    if (currentSession()) await staffRequest('DELETE', '/api/v1/session', { withCookies: true });
  } catch (_) { /* already ended, or offline: nothing more to do here */ }
  storeSession(null);
}

/* ------------------------------------------------------------------ wording */

/** Catalogue wording for an error, else the server's message, else a generic line. */
export function errorText(err) {
  const e = err instanceof ApiError ? err : new ApiError({ code: 'unknown' });
  if (e.code === 'rate_limited') {
    return t('staff.errors.rate_limited', { minutes: Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60)) });
  }
  for (const key of [`staff.errors.${e.code}`, `errors.${e.code}`]) {
    const v = raw(key);
    if (typeof v === 'string') return t(key);
  }
  return e.serverMessage || t('staff.errors.unknown');
}

/** A word from `section` of the staff catalogue, or `fallback` (default: the raw value). */
function word(section, value, fallback) {
  const key = `staff.${section}.${value}`;
  return typeof raw(key) === 'string' ? t(key) : (fallback ?? String(value ?? ''));
}

export function statusLabel(status) {
  return word('status', status);
}

export function categoryLabel(category) {
  return typeof raw(`categories.${category}`) === 'string' ? t(`categories.${category}`) : String(category ?? '');
}

export function languageLabel(code) {
  return word('languages', code);
}

export function roleLabel(role) {
  return word('roles', role);
}

/** Writes "Signed in as <name> (<role>)" into #who, or clears it. */
export function renderWho(s) {
  byId('who').textContent = s ? t('staff.signedInAs', { name: s.display_name || s.username, role: roleLabel(s.role) }) : '';
}

export function riskReasonLabel(reason) {
  if (!reason) return '';
  return word('risk', reason, t('staff.risk.other', { reason }));
}

export function alertKindLabel(kind) {
  return word('alertKinds', kind);
}

/** "2 h 05 min", "12 min 30 s", "3 d 4 h" for a number of seconds (>= 0). */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return t('staff.duration.dh', { d, h });
  if (h > 0) return t('staff.duration.hm', { h, m: String(m).padStart(2, '0') });
  if (m >= 10) return t('staff.duration.m', { m });
  if (m > 0) return t('staff.duration.ms', { m, s: String(sec).padStart(2, '0') });
  return t('staff.duration.s', { s: sec });
}

/**
 * A time to answer given in seconds: hours with one decimal ("5.2 h"), or under an
 * hour in minutes and seconds ("12 min", "45 s") rather than a meaningless "0 h".
 */
export function formatHours(seconds) {
  if (seconds == null || !Number.isFinite(Number(seconds))) return t('staff.noData');
  if (Number(seconds) < 3600) return formatDuration(Number(seconds));
  const hours = Number(seconds) / 3600;
  let n;
  try {
    n = new Intl.NumberFormat(htmlLang(), { maximumFractionDigits: hours < 10 ? 1 : 0 }).format(hours);
  } catch (_) {
    n = hours.toFixed(1);
  }
  return t('staff.hoursShort', { n });
}

/** "87 %" in the page's language (null -> "no data"). */
export function formatPercent(value) {
  if (value == null || !Number.isFinite(Number(value))) return t('staff.noData');
  try {
    return new Intl.NumberFormat(htmlLang(), { style: 'percent', maximumFractionDigits: 0 }).format(Number(value) / 100);
  } catch (_) {
    return `${Math.round(Number(value))} %`;
  }
}

/** Seconds from now until `iso` (negative when past), or null if unreadable. */
export function secondsUntil(iso, now = Date.now()) {
  const when = Date.parse(iso);
  return Number.isNaN(when) ? null : Math.round((when - now) / 1000);
}

/**
 * The countdown to a deadline as {text, state}: state is "overdue", "soon" (under
 * 4 h), or "ok". The text always says which (never colour alone).
 */
export function timeLeft(iso, now = Date.now()) {
  const left = secondsUntil(iso, now);
  if (left == null) return { text: '', state: 'ok' };
  if (left < 0) return { text: t('staff.overdueBy', { time: formatDuration(-left) }), state: 'overdue' };
  return { text: t('staff.timeLeft', { time: formatDuration(left) }), state: left < 4 * 3600 ? 'soon' : 'ok' };
}

/** "12 min ago" for a past time. */
export function ageText(iso, now = Date.now()) {
  const left = secondsUntil(iso, now);
  if (left == null) return '';
  return t('staff.ago', { time: formatDuration(Math.max(0, -left)) });
}

/** A short local date and time ("23 Nov, 14:05"). */
export function formatShort(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  try {
    return new Intl.DateTimeFormat(htmlLang(), { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(d);
  } catch (_) {
    return d.toLocaleString();
  }
}

export { formatDateTime, formatNumber };

/** The self-check band word ("moderately_severe" -> the catalogue's). */
function bandLabel(band) {
  const camel = String(band || '').replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  return typeof raw(`selfcheck.bands.${camel}`) === 'string' ? t(`selfcheck.bands.${camel}`) : String(band || '');
}

/**
 * One line for a self-check summary ({phq9_total, phq9_band, phq9_item9, gad7_total,
 * gad7_band}), or the "none" wording. Bands are wording, never a diagnosis.
 */
export function selfcheckSummary(sc) {
  if (!sc || typeof sc !== 'object') return t('staff.selfcheck.none');
  const parts = [];
  if (sc.phq9_total != null) {
    parts.push(t('staff.selfcheck.phq9', { score: sc.phq9_total, band: bandLabel(sc.phq9_band) }));
    if (Number(sc.phq9_item9) > 0) parts.push(t('staff.selfcheck.item9', { value: sc.phq9_item9 }));
  }
  if (sc.gad7_total != null) parts.push(t('staff.selfcheck.gad7', { score: sc.gad7_total, band: bandLabel(sc.gad7_band) }));
  return parts.length ? parts.join(' · ') : t('staff.selfcheck.none');
}

/* ----------------------------------------------------------------- markers */

/**
 * The crisis flag: an icon, the word and the reason, so the meaning never rests on
 * colour. `reason` is the API's risk_reason (phrase, phq9_item9, expert, ...).
 */
export function crisisFlag(reason) {
  const text = reason ? t('staff.crisisWithReason', { reason: riskReasonLabel(reason) }) : t('staff.crisis');
  return el('span', { class: 'flag flag-crisis' },
    el('span', { class: 'flag-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
    el('span', { text }));
}

/** A neutral marker (green channel, "lowered", "follow-up"). */
export function flag(text, kind = 'info', icon = '') {
  return el('span', { class: `flag flag-${kind}` },
    icon ? el('span', { class: 'flag-icon', text: icon, attrs: { 'aria-hidden': 'true' } }) : null,
    el('span', { text }));
}

/**
 * A live countdown element for `iso`: a <time> whose text the ticker rewrites; it
 * carries the state as a class and as words. Not a live region (it would chatter).
 */
export function countdown(iso, { prefix = true } = {}) {
  const node = el('time', { class: 'countdown', attrs: { datetime: iso || '' } });
  node.dataset.due = iso || '';
  if (!prefix) node.dataset.noprefix = '1';
  updateCountdown(node);
  return node;
}

function updateCountdown(node, now = Date.now()) {
  const { text, state } = timeLeft(node.dataset.due, now);
  if (node.textContent !== text) node.textContent = text;
  node.classList.toggle('countdown-overdue', state === 'overdue');
  node.classList.toggle('countdown-soon', state === 'soon');
  node.title = formatDateTime(node.dataset.due);
}

/** A live "n min ago" element. */
export function ageNode(iso) {
  const node = el('time', { class: 'age', attrs: { datetime: iso || '' } });
  node.dataset.since = iso || '';
  node.textContent = ageText(iso);
  node.title = formatDateTime(iso);
  return node;
}

/* ------------------------------------------------------------------ ticker */

const tickers = new Set();

/** Calls `fn(now)` every second (for anything else that must stay live). */
export function onTick(fn) {
  tickers.add(fn);
  return () => tickers.delete(fn);
}

function tick() {
  const now = Date.now();
  for (const node of document.querySelectorAll('time.countdown[data-due]')) updateCountdown(node, now);
  for (const node of document.querySelectorAll('time.age[data-since]')) {
    const text = ageText(node.dataset.since, now);
    if (node.textContent !== text) node.textContent = text;
  }
  for (const fn of tickers) {
    try {
      fn(now);
    } catch (err) {
      console.warn('answer24: ticker', err);
    }
  }
}

let tickTimer = 0;
export function startTicker() {
  if (!tickTimer) tickTimer = setInterval(tick, 1000);
  tick();
}

/* ------------------------------------------------------------ event stream */

/**
 * Follows GET /api/v1/events. `handlers`: {ticket(data), alert(data), status(state)}
 * where state is "live", "connecting" or "down". The browser reconnects by itself
 * after a dropped stream (retry: 3000); a refused stream (401, 503) closes it, and
 * then this reopens it with a growing delay, after checking the session is alive.
 * Returns {close()}.
 */
export function openEvents(handlers) {
  let source = null;
  let closed = false;
  let delay = 3000;
  let timer = 0;

  const status = (s) => {
    if (handlers.status) handlers.status(s);
  };

  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch (_) {
      return null;
    }
  };

  function connect() {
    if (closed || typeof EventSource !== 'function') {
      status('down');
      return;
    }
    status('connecting');
    source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => {
      delay = 3000;
      status('live');
    });
    source.addEventListener('ticket', (e) => {
      const d = parse(e);
      if (d && handlers.ticket) handlers.ticket(d);
    });
    source.addEventListener('alert', (e) => {
      const d = parse(e);
      if (d && handlers.alert) handlers.alert(d);
    });
    source.addEventListener('error', () => {
      if (closed) return;
      if (source.readyState === EventSource.CLOSED) {
        status('down');
        source = null;
        clearTimeout(timer);
        timer = setTimeout(async () => {
          // A stream refused for want of a session: the check ends the session here too.
          try {
            await api.get('/api/v1/me');
          } catch (err) {
            if (err instanceof ApiError && err.status === 401) return;
          }
          connect();
        }, delay);
        delay = Math.min(delay * 2, 60000);
      } else {
        status('connecting');
      }
    });
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (source) source.close();
      source = null;
    },
  };
}

/** Shows the stream state in `node` (words, not only a dot). */
export function renderLiveStatus(node, state) {
  node.dataset.state = state;
  clear(node);
  const icon = state === 'live' ? '●' : state === 'connecting' ? '◌' : '○';
  node.append(
    el('span', { class: 'live-dot', text: icon, attrs: { 'aria-hidden': 'true' } }),
    ' ',
    t(`staff.live.${state}`),
  );
}

/* ----------------------------------------------------------------- sign-in */

/** One labelled field of the sign-in form, with its -error node. */
function signInField(name, type, autocomplete, labelKey, label) {
  const id = `signin-${name}`;
  const attrs = { id, type, autocomplete };
  if (name === 'username') Object.assign(attrs, { autocapitalize: 'off', spellcheck: 'false' });
  return el('div', { class: 'field' },
    el('label', { class: 'label', text: label, attrs: { for: id, 'data-i18n': labelKey } }),
    el('input', { attrs }),
    el('p', { class: 'field-error', hidden: true, attrs: { id: `${id}-error` } }));
}

/**
 * Builds the sign-in form both staff pages share into the empty #signin-view: a title,
 * the page's introduction (the i18n key in its data-intro), username, password, the
 * button and #signin-error. Its words come with the page's first translation.
 */
function renderSignInForm(view) {
  if (view.childElementCount > 0) return;
  const form = el('form', { class: 'signin-form', attrs: { id: 'signin-form', method: 'post', novalidate: true } },
    signInField('username', 'text', 'username', 'staff.signin.username', 'Username'),
    signInField('password', 'password', 'current-password', 'staff.signin.password', 'Password'),
    el('p', {}, el('button', { class: 'btn btn-primary', text: 'Sign in', attrs: { type: 'submit', 'data-i18n': 'staff.signin.submit' } })),
    el('div', { class: 'form-error', attrs: { id: 'signin-error', role: 'alert', tabindex: '-1' } }));
  view.append(
    el('h2', { text: 'Sign in', attrs: { id: 'signin-title', 'data-i18n': 'staff.signin.title' } }),
    el('p', { attrs: { 'data-i18n': view.dataset.intro } }),
    form);
}

/**
 * Builds (renderSignInForm) and wires the sign-in form: #signin-form,
 * #signin-username, #signin-password (each with an -error node), #signin-error.
 * Calls `onSignedIn(session)` after a sign-in whose role is in `roles`; other roles
 * are signed out again with `wrongRoleKey`.
 */
export function initSignIn({ roles, onSignedIn, wrongRole }) {
  renderSignInForm(byId('signin-view'));
  const form = byId('signin-form');
  const user = byId('signin-username');
  const pass = byId('signin-password');
  const userErr = byId('signin-username-error');
  const passErr = byId('signin-password-error');
  const formErr = byId('signin-error');
  const button = form.querySelector('button[type="submit"]');
  let pending = false;
  let lastError = null; // {field, key|err} kept so a language change can re-word it

  function render() {
    const prefix = t('errors.prefix');
    fieldError(user, userErr, lastError && lastError.field === 'username' ? t(lastError.key) : '', prefix);
    fieldError(pass, passErr, lastError && lastError.field === 'password' ? t(lastError.key) : '', prefix);
    clear(formErr);
    if (lastError && !lastError.field) {
      const message = lastError.wrongRole ? wrongRole() : lastError.err ? errorText(lastError.err) : t(lastError.key);
      formErr.append(el('p', { class: 'field-error' }, el('span', { class: 'error-prefix', text: t('errors.prefix') }), ' ', message));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (pending) return;
    lastError = null;
    if (!user.value.trim()) lastError = { field: 'username', key: 'staff.signin.usernameRequired' };
    else if (!pass.value) lastError = { field: 'password', key: 'staff.signin.passwordRequired' };
    render();
    if (lastError) {
      (lastError.field === 'username' ? user : pass).focus();
      return;
    }
    pending = true;
    button.setAttribute('aria-disabled', 'true');
    button.textContent = t('staff.signin.signingIn');
    try {
      const s = await signIn(user.value.trim(), pass.value);
      if (!roles.includes(s.role)) {
        await signOut();
        lastError = { wrongRole: true };
        render();
        formErr.focus();
        return;
      }
      pass.value = '';
      onSignedIn(s);
    } catch (err) {
      lastError = { err };
      if (err instanceof ApiError && err.code === 'bad_credentials') lastError = { key: 'staff.signin.bad' };
      render();
      formErr.focus();
    } finally {
      pending = false;
      button.removeAttribute('aria-disabled');
      button.textContent = t('staff.signin.submit');
    }
  });

  return {
    render,
    /** Shows the form again (after sign-out or an ended session) with an optional notice key. */
    reset(noticeKey) {
      lastError = noticeKey ? { key: noticeKey } : null;
      render();
    },
  };
}

/* -------------------------------------------------------------- utilities */

/** Runs `fn` at most once per `ms`, trailing (for bursts of live events). */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Marks a button busy (aria-disabled, not disabled, so focus stays) while `work` runs. */
export async function busy(button, work) {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

/** Fetches every page of a list endpoint (`key` is the array member), up to `maxPages`. */
export async function fetchAll(path, key, { maxPages = 10, signal } = {}) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const url = cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path;
    const data = await api.get(url, { signal });
    const items = data && Array.isArray(data[key]) ? data[key] : [];
    out.push(...items);
    cursor = data && typeof data.next_cursor === 'string' ? data.next_cursor : null;
    if (!cursor) return { items: out, complete: true };
  }
  return { items: out, complete: false };
}

export { t, lang, el, clear, byId, announce, fieldError };
