/*
 * citizen.js — the question page (/): writing, checking and sending a question,
 * and the confirmation with the access code.
 *
 * Owns the form (live character count, category, green channel), client-side
 * checks with the catalogue's wording, the Idempotency-Key (one per submission
 * attempt, reused when the same content is retried), error display next to each
 * field, and the result view. The crisis panel opens on a crisis result, on PHQ-9
 * item 9 > 0 (selfcheck.js) and on every failed submission; item 9 is sent whenever it
 * was answered, with or without consent to attach the scores. The QR code is fetched
 * after the result shows. The code is held in memory only, for as long as the result
 * is on screen.
 */
import { initShell } from './shell.js';
import { t, lang, formatDateTime, formatRelative, onLanguageChange } from './i18n.js';
import { submitQuestion, getQrCode, newIdempotencyKey, ApiError } from './api.js';
import { openCrisisPanel, mountLines } from './crisis.js';
import { initSelfcheck } from './selfcheck.js';
import { el, clear, byId, announce, fieldError } from './dom.js';
import { attachCounter, textProblem } from './textfield.js';
import { copyText } from './clipboard.js';
import { groupCode, returnPath } from './code.js';

const CATEGORIES = ['depression', 'anxiety', 'stress', 'sleep', 'family', 'disaster', 'other'];
const TEXT_CODES = new Set(['text_empty', 'text_too_long', 'control_characters', 'surrogate', 'invalid_utf8', 'payload_too_large']);
const SELFCHECK_CODES = new Set(['invalid_selfcheck', 'selfcheck_incomplete']);

const form = byId('ask-form');
const askView = byId('ask-view');
const resultView = byId('result-view');
const textArea = byId('q-text');
const counter = byId('q-text-count');
const textError = byId('q-text-error');
const category = byId('q-category');
const categoryError = byId('q-category-error');
const green = byId('q-green');
const submitButton = byId('q-submit');
const formError = byId('form-error');

/** Errors on screen, kept as codes so a language change can re-word them. */
const errors = { text: null, category: null, form: null, failed: false, resources: null };
let attempt = null;      // {fingerprint, key}: the Idempotency-Key of the current attempt
let pending = false;
let result = null;       // the 201 body while the result is on screen (memory only)

const selfcheck = initSelfcheck({ onItem9: () => openCrisisPanel() });

const updateCount = attachCounter(textArea, counter);

/* ------------------------------------------------------------------ errors */

/** Catalogue wording for an error entry, else the server's message, else a generic line. */
function errorText(entry) {
  if (!entry) return '';
  const key = `errors.${entry.code}`;
  const text = t(key, entry.vars);
  if (text !== key) return text;
  return entry.message || t('errors.unknown');
}

/** Draws every error from `errors` (also after a language change). */
function renderErrors() {
  const prefix = t('errors.prefix');
  fieldError(textArea, textError, errorText(errors.text), prefix);
  fieldError(category, categoryError, errorText(errors.category), prefix);
  clear(formError);
  if (errors.form) {
    formError.append(el('p', { class: 'field-error' },
      el('span', { class: 'error-prefix', text: prefix }), ' ', errorText(errors.form)));
  }
  if (errors.failed) {
    const lines = el('div');
    formError.append(el('div', { class: 'crisis-inline' },
      el('p', { class: 'crisis-inline-title', text: t('crisis.afterError') }), lines));
    mountLines(lines, { resources: errors.resources, level: 3 });
  }
}

function clearErrors() {
  errors.text = null;
  errors.category = null;
  errors.form = null;
  errors.failed = false;
  errors.resources = null;
  selfcheck.showError(null);
  renderErrors();
}

/** Checks what can be checked here. Returns true if the form may be sent. */
function validateLocally() {
  const problem = textProblem(textArea.value);
  if (problem) errors.text = { code: problem };
  if (!CATEGORIES.includes(category.value)) errors.category = { code: 'category_required' };
  return !errors.text && !errors.category;
}

/** Moves focus to the first field with an error, if any. */
function focusFirstError() {
  const first = [textArea, category, byId('selfcheck-consent')].find((f) => f.getAttribute('aria-invalid') === 'true');
  if (first) first.focus();
  return Boolean(first);
}

/** Places a failed request's error next to the field it concerns. */
function placeServerError(err) {
  const e = err instanceof ApiError ? err : new ApiError({ code: 'unknown' });
  const entry = { code: e.code, message: e.serverMessage };
  if (e.code === 'rate_limited') {
    entry.vars = { minutes: Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60)) };
  }
  const field = e.field || '';
  if (field === 'text' || (!field && TEXT_CODES.has(e.code))) {
    errors.text = entry;
  } else if (field === 'category') {
    errors.category = e.code === 'missing_field' ? { code: 'category_required' } : entry;
  } else if (field.startsWith('selfcheck')) {
    selfcheck.showError(SELFCHECK_CODES.has(e.code) ? e.code : 'invalid_selfcheck');
  } else {
    errors.form = entry;
  }
  errors.failed = true;
  errors.resources = e.resources; // a 429 brings the lines of the question's language
}

/* ------------------------------------------------------------------ submit */

function setBusy(busy) {
  pending = busy;
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
  submitButton.setAttribute('aria-disabled', busy ? 'true' : 'false');
  submitButton.textContent = t(busy ? 'ask.sending' : 'ask.submit');
}

async function onSubmit(event) {
  event.preventDefault();
  if (pending) return;
  clearErrors();

  const localOk = validateLocally();
  const attachment = selfcheck.getAttachment();
  if (!attachment.ok) selfcheck.showError(attachment.code);
  if (!localOk || !attachment.ok) {
    renderErrors();
    openCrisisPanel(); // "submission fails for any reason": the panel opens, focus stays with the error
    focusFirstError();
    return;
  }

  const payload = {
    text: textArea.value,
    category: category.value,
    language: lang(),
    green_channel: green.checked,
  };
  if (attachment.selfcheck) payload.selfcheck = attachment.selfcheck;
  // Item 9 goes whether or not the scores are attached: it alone can flag the question.
  if (Number.isInteger(attachment.item9)) payload.phq9_item9 = attachment.item9;
  const fingerprint = JSON.stringify(payload);
  if (!attempt || attempt.fingerprint !== fingerprint) attempt = { fingerprint, key: newIdempotencyKey() };

  setBusy(true);
  try {
    const body = await submitQuestion(payload, attempt.key);
    attempt = null;
    showResult(body);
  } catch (err) {
    placeServerError(err);
    renderErrors();
    openCrisisPanel();
    focusFirstError();
  } finally {
    setBusy(false);
  }
}

/* ------------------------------------------------------------------ result */

/** A data: URL for the QR image, if it is a well-formed one. */
function safeQr(qr) {
  return typeof qr === 'string' && /^data:image\/(svg\+xml|png);base64,[A-Za-z0-9+/=]+$/.test(qr) ? qr : '';
}

/**
 * Asks for the QR code of the return link (drawn on request, never on submit) and
 * shows it while the same result is on screen; without it the link and code remain.
 */
async function loadQr(body) {
  let qr = '';
  try {
    qr = safeQr(await getQrCode(body.ticket, body.access_code));
  } catch (_) {
    qr = '';
  }
  if (result !== body) return; // the person moved on
  result.qr = qr;
  const figure = byId('result-qr-figure');
  const img = byId('result-qr');
  figure.hidden = !qr;
  if (qr) {
    img.src = qr;
    img.alt = t('result.qrAlt');
  } else {
    img.removeAttribute('src');
  }
}

/** Writes the time-dependent and language-dependent parts of the result. */
function renderResultText() {
  if (!result) return;
  byId('result-due').textContent = t('result.due', { time: formatDateTime(result.due_at) });
  const relative = formatRelative(result.due_at);
  const rel = byId('result-due-relative');
  rel.textContent = relative ? t('result.dueIn', { relative }) : '';
  rel.hidden = !relative;
}

function showResult(body) {
  result = body;
  renderResultText();

  const crisisBox = byId('result-crisis');
  crisisBox.hidden = body.crisis !== true;
  if (body.crisis === true) {
    mountLines(byId('result-crisis-lines'), { resources: body.resources, level: 3 });
    openCrisisPanel();
  }

  const codeNode = byId('result-code');
  clear(codeNode);
  for (const group of groupCode(body.access_code)) {
    codeNode.append(el('span', { class: 'code-group', text: group }), ' ');
  }

  const link = byId('result-link');
  const href = new URL(returnPath(body.return_path, body.ticket, body.access_code), window.location.origin).href;
  link.href = href;
  link.textContent = href;

  byId('result-qr-figure').hidden = true;
  byId('result-qr').removeAttribute('src');
  loadQr(body);

  // The draft and the self-check answers are no longer needed on this device.
  textArea.value = '';
  category.value = '';
  green.checked = false;
  selfcheck.reset();
  updateCount();

  askView.hidden = true;
  resultView.hidden = false;
  byId('result-title').focus();
  announce(t('ask.submitted'));
}

/** Back to an empty form; the code leaves the page. */
function askAnother() {
  result = null;
  clear(byId('result-code'));
  const link = byId('result-link');
  link.href = '/';
  link.textContent = '';
  byId('result-qr').removeAttribute('src');
  byId('copy-code-status').textContent = '';
  byId('copy-link-status').textContent = '';
  clear(byId('result-crisis-lines'));
  resultView.hidden = true;
  askView.hidden = false;
  clearErrors();
  window.scrollTo(0, 0);
  textArea.focus();
}

async function copyInto(text, selectNode, statusNode) {
  const ok = await copyText(text, selectNode);
  statusNode.textContent = t(ok ? 'result.copied' : 'result.copyFailed');
}

/* ------------------------------------------------------------------ wiring */

form.addEventListener('submit', onSubmit);
textArea.addEventListener('input', () => {
  if (errors.text) {
    errors.text = null;
    renderErrors();
  }
});
category.addEventListener('change', () => {
  if (errors.category) {
    errors.category = null;
    renderErrors();
  }
});
byId('copy-code').addEventListener('click', () => {
  if (result) copyInto(result.access_code, byId('result-code'), byId('copy-code-status'));
});
byId('copy-link').addEventListener('click', () => {
  if (result) copyInto(byId('result-link').href, byId('result-link'), byId('copy-link-status'));
});
byId('ask-another').addEventListener('click', askAnother);

// A draft is never lost by accident: ask before leaving with unsent text.
window.addEventListener('beforeunload', (event) => {
  if (textArea.value.trim() && !result) {
    event.preventDefault();
    event.returnValue = '';
  }
});

onLanguageChange(() => {
  updateCount();
  renderErrors();
  renderResultText();
  submitButton.textContent = t(pending ? 'ask.sending' : 'ask.submit');
  if (result && safeQr(result.qr)) byId('result-qr').alt = t('result.qrAlt');
  byId('copy-code-status').textContent = '';
  byId('copy-link-status').textContent = '';
});

initShell().then(updateCount);
