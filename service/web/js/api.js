/*
 * api.js — the citizen side of the answer24 HTTP API (same origin, JSON).
 *
 * Every failure becomes an ApiError with the HTTP status, the server's snake_case
 * code (or one derived from the status: network, payload_too_large, rate_limited,
 * unavailable, not_found, conflict, unknown), the server's message and field, and
 * Retry-After in seconds for 429/503.
 *
 * The access code travels only in the Authorization header: never in a URL, a body
 * or a log line. Requests carry no cookies and no referrer.
 */

export class ApiError extends Error {
  constructor({ status = 0, code = 'unknown', message = '', field = null, retryAfter = null, resources = null } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.serverMessage = message;
    this.field = field;
    this.retryAfter = retryAfter;
    this.resources = Array.isArray(resources) ? resources : null; // crisis lines of a 429
  }
}

/** The error code to use when a response carries none of its own. */
export function codeForStatus(status) {
  switch (status) {
    case 0: return 'network';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 429: return 'rate_limited';
    case 502:
    case 503:
    case 504: return 'unavailable';
    default: return 'unknown';
  }
}

/** Retry-After as seconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const when = Date.parse(value);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.round((when - now) / 1000));
}

/** A random UUID v4 for Idempotency-Key (crypto.randomUUID where available). */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * One request. Resolves to the parsed JSON body (or null for an empty body such as
 * 204); rejects with an ApiError.
 */
export async function request(method, path, { body, code, idempotencyKey, signal, withCookies = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (code) headers.Authorization = `Bearer ${code}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: withCookies ? 'same-origin' : 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
      signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network' });
  }

  let data = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null; // an HTML error page from a proxy, say
    }
  }

  if (!response.ok) {
    const e = data && typeof data === 'object' && data.error && typeof data.error === 'object' ? data.error : {};
    throw new ApiError({
      status: response.status,
      code: typeof e.code === 'string' && e.code ? e.code : codeForStatus(response.status),
      message: typeof e.message === 'string' ? e.message : '',
      field: typeof e.field === 'string' ? e.field : null,
      retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
      resources: data && typeof data === 'object' ? data.resources : null,
    });
  }
  return data;
}

/** POST /api/v1/questions -> {ticket, access_code, status, due_at, created_at, crisis, resources, return_path}. */
export async function submitQuestion(payload, idempotencyKey) {
  const data = await request('POST', '/api/v1/questions', { body: payload, idempotencyKey });
  if (!data || typeof data.ticket !== 'string' || typeof data.access_code !== 'string') {
    throw new ApiError({ status: 201, code: 'unknown' });
  }
  return data;
}

/**
 * GET /api/v1/questions/{ticket}/qr with the code -> the QR code of the return link as
 * a data: URL (an <img> cannot send the code itself, and the page's CSP allows data:).
 */
export async function getQrCode(ticket, code) {
  let response;
  try {
    response = await fetch(`/api/v1/questions/${encodeURIComponent(ticket)}/qr`, {
      headers: { Accept: 'image/svg+xml', Authorization: `Bearer ${code}` },
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
    });
  } catch (_) {
    throw new ApiError({ status: 0, code: 'network' });
  }
  const svg = await response.text().catch(() => '');
  if (!response.ok || !svg.startsWith('<svg')) throw new ApiError({ status: response.status, code: codeForStatus(response.status) });
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

/** GET /api/v1/questions/{ticket} with the code. */
export function getQuestion(ticket, code, signal) {
  return request('GET', `/api/v1/questions/${encodeURIComponent(ticket)}`, { code, signal });
}

/** POST /api/v1/questions/{ticket}/followups. */
export function postFollowup(ticket, code, text, idempotencyKey) {
  return request('POST', `/api/v1/questions/${encodeURIComponent(ticket)}/followups`, {
    code, body: { text }, idempotencyKey,
  });
}

/** DELETE /api/v1/questions/{ticket}. */
export function withdrawQuestion(ticket, code) {
  return request('DELETE', `/api/v1/questions/${encodeURIComponent(ticket)}`, { code });
}

/** GET /api/v1/crisis-lines?language=xx -> {language, lines}. */
export function getCrisisLines(language, signal) {
  return request('GET', `/api/v1/crisis-lines?language=${encodeURIComponent(language)}`, { signal });
}
