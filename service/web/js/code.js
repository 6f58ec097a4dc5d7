/*
 * code.js — access codes and ticket numbers as people type, paste and read them.
 *
 * Pure functions, no DOM. An access code is Crockford base32 (proto/secret.h: 28
 * characters, shown as ABCD-EFGH-…); reading one ignores case, spaces and dashes and
 * takes I/L for 1 and O for 0, exactly as the server does. A ticket is lower-case
 * Crockford base32. The code is only ever held in memory by the pages.
 */

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;
const TICKET = /^[0-9a-z]{6,64}$/;

/** The canonical form of a typed or pasted code: upper case, no separators, I/L->1, O->0. */
export function normalizeCode(input) {
  return String(input ?? '')
    .normalize('NFKC') // full-width letters from CJK keyboards become ASCII
    .replace(/[\s\u200B-\u200D\u2060\uFEFF\-‐-―_.·・]+/gu, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

/** True if a normalized code can be an access code (Crockford alphabet, plausible length). */
export function isPlausibleCode(normalized) {
  return normalized.length >= 16 && normalized.length <= 64 && CROCKFORD.test(normalized);
}

/** A code split into groups of `size` for display ("ABCD", "EFGH", …). */
export function groupCode(code, size = 4) {
  const clean = String(code ?? '').replace(/[\s-]+/g, '');
  const groups = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups;
}

/** The canonical form of a typed ticket number (lower case, no spaces). */
export function normalizeTicket(input) {
  return String(input ?? '').normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/** True if a normalized ticket has the shape of a ticket id. */
export function isPlausibleTicket(ticket) {
  return TICKET.test(ticket);
}

/** The ticket in a path "/t/<ticket>" (or null). */
export function ticketFromPath(pathname) {
  const m = /^\/t\/([^/?#]+)\/?$/.exec(String(pathname ?? ''));
  if (!m) return null;
  let ticket;
  try {
    ticket = normalizeTicket(decodeURIComponent(m[1]));
  } catch (_) {
    return null;
  }
  return isPlausibleTicket(ticket) ? ticket : null;
}

/** The code in a URL fragment "#<code>" (normalized), or ''. */
export function codeFromFragment(hash) {
  const rawHash = String(hash ?? '').replace(/^#/, '');
  if (!rawHash) return '';
  try {
    return normalizeCode(decodeURIComponent(rawHash));
  } catch (_) {
    return normalizeCode(rawHash);
  }
}

/**
 * Reads what someone pasted into the "question number" field: either a bare ticket
 * or a whole return link ".../t/<ticket>#<code>". Returns {ticket, code} ('' for
 * parts that are absent).
 */
export function parsePastedLink(input) {
  const text = String(input ?? '').trim();
  const m = /\/t\/([^/?#\s]+)[^#]*(?:#(.*))?$/s.exec(text);
  if (m) {
    let ticket = '';
    try {
      ticket = normalizeTicket(decodeURIComponent(m[1]));
    } catch (_) {
      ticket = '';
    }
    return { ticket, code: codeFromFragment(m[2] || '') };
  }
  return { ticket: normalizeTicket(text), code: '' };
}

/** The same-origin return path the server gave, if it is one ("/t/…#…"); else built. */
export function returnPath(serverPath, ticket, code) {
  if (typeof serverPath === 'string' && /^\/t\/[0-9A-Za-z]+#[0-9A-Za-z-]+$/.test(serverPath)) {
    return serverPath;
  }
  return `/t/${encodeURIComponent(ticket)}#${encodeURIComponent(code)}`;
}
