/*
 * i18n.js — owns the language of the citizen pages.
 *
 * One JSON catalogue per language lives in /i18n/<code>.json; LANGUAGES below is the
 * only list of languages (adding one = one catalogue file + one entry here). English
 * is always loaded as well, as the fallback for a missing key and for the
 * questionnaire items while a catalogue has no official translation of them.
 *
 * Strings reach the DOM only through textContent / setAttribute (applyTo), never as
 * HTML. The chosen language is remembered for the tab in sessionStorage (a language
 * code only; nothing about the question is ever stored).
 */

/** The languages offered, in the order of the language switch. */
export const LANGUAGES = [
  { code: 'ko', label: '한국어', htmlLang: 'ko' },
  { code: 'zh', label: '中文（简体）', htmlLang: 'zh-Hans' },
  { code: 'en', label: 'English', htmlLang: 'en' },
];

/** The language whose catalogue backs up every other one. */
export const BASE_LANGUAGE = 'en';

const STORAGE_KEY = 'answer24.lang';

const catalogues = new Map(); // code -> parsed catalogue
const listeners = new Set();
let current = BASE_LANGUAGE;

/** The LANGUAGES entry for `code`, or undefined. */
export function languageInfo(code) {
  return LANGUAGES.find((l) => l.code === code);
}

/**
 * Picks the first supported language from the browser's preference list
 * (e.g. ["zh-CN", "en"] -> "zh"); `stored` (an earlier explicit choice) wins.
 */
export function pickLanguage(preferences, stored) {
  if (stored && languageInfo(stored)) return stored;
  for (const tag of preferences || []) {
    const primary = String(tag).toLowerCase().split(/[-_]/)[0];
    if (languageInfo(primary)) return primary;
  }
  return BASE_LANGUAGE;
}

/** Follows a dotted key ("ask.title") through a catalogue; undefined if absent. */
export function resolve(catalogue, key) {
  let node = catalogue;
  for (const part of key.split('.')) {
    if (node == null || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return node;
}

/** Replaces {name} placeholders with values from `vars` (unknown names stay as they are). */
export function interpolate(template, vars) {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole);
}

/** The current language code ("ko", "zh", "en"). */
export function lang() {
  return current;
}

/** The BCP 47 tag of the current language, for <html lang> and Intl. */
export function htmlLang() {
  return (languageInfo(current) || languageInfo(BASE_LANGUAGE)).htmlLang;
}

/** The raw value of `key` in the current catalogue (arrays and objects too), else English. */
export function raw(key) {
  const own = resolve(catalogues.get(current), key);
  return own !== undefined ? own : resolve(catalogues.get(BASE_LANGUAGE), key);
}

/** The raw value of `key` in one given catalogue (no fallback). */
export function rawIn(code, key) {
  return resolve(catalogues.get(code), key);
}

/**
 * The string for `key`, with {placeholders} filled from `vars`. A value that is an
 * object of plural forms ({"one", "other"}) is chosen by vars.count, vars.over,
 * vars.left or vars.minutes. A missing key shows the key itself.
 */
export function t(key, vars) {
  let value = raw(key);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const n = Number(vars && (vars.count ?? vars.over ?? vars.left ?? vars.minutes));
    let form = 'other';
    try {
      form = new Intl.PluralRules(htmlLang()).select(Number.isFinite(n) ? n : 0);
    } catch (_) { /* keep "other" */ }
    value = value[form] ?? value.other;
  }
  if (typeof value !== 'string') return key;
  return interpolate(value, vars);
}

/** Formats a number for the current language (1,234 / 1,234 / 1,234). */
export function formatNumber(n) {
  try {
    return new Intl.NumberFormat(htmlLang()).format(n);
  } catch (_) {
    return String(n);
  }
}

/**
 * An RFC 3339 time as a full local date and time with the time zone
 * ("Tuesday, 4 March 2026 at 14:05 GMT+9"), or the input unchanged if unreadable.
 */
export function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  try {
    return new Intl.DateTimeFormat(htmlLang(), {
      weekday: 'long', year: 'numeric', month: 'long', day: 'numeric',
      hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
    }).format(d);
  } catch (_) {
    return d.toString();
  }
}

/** A short local time ("14:05") for "last checked" lines. */
export function formatTime(date) {
  try {
    return new Intl.DateTimeFormat(htmlLang(), { hour: 'numeric', minute: '2-digit' }).format(date);
  } catch (_) {
    return date.toLocaleTimeString();
  }
}

/** "in 24 hours" / "24시간 후" / "24小时后" for an RFC 3339 time, or '' if unreadable. */
export function formatRelative(iso, now = Date.now()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const minutes = Math.round((d.getTime() - now) / 60000);
  try {
    const rtf = new Intl.RelativeTimeFormat(htmlLang(), { numeric: 'auto' });
    if (Math.abs(minutes) < 90) return rtf.format(minutes, 'minute');
    const hours = Math.round(minutes / 60);
    if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
    return rtf.format(Math.round(hours / 24), 'day');
  } catch (_) {
    return '';
  }
}

/** Fetches and parses one catalogue (cached). Throws if it cannot be loaded. */
async function loadCatalogue(code) {
  if (catalogues.has(code)) return catalogues.get(code);
  const response = await fetch(`/i18n/${encodeURIComponent(code)}.json`, {
    credentials: 'omit',
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`catalogue ${code}: HTTP ${response.status}`);
  const catalogue = await response.json();
  catalogues.set(code, catalogue);
  return catalogue;
}

/** True once at least one catalogue has loaded. */
export function ready() {
  return catalogues.size > 0;
}

/**
 * Switches to `code`: loads its catalogue (and English), sets <html lang>,
 * rewrites every [data-i18n] element and tells the listeners. Falls back to
 * English if the catalogue cannot be loaded; throws only if no catalogue loads.
 */
export async function setLanguage(code) {
  if (!languageInfo(code)) code = BASE_LANGUAGE;
  try {
    await loadCatalogue(BASE_LANGUAGE);
  } catch (err) {
    console.warn('answer24: English catalogue not loaded', err);
  }
  try {
    await loadCatalogue(code);
  } catch (err) {
    console.warn('answer24: catalogue not loaded', err);
    code = BASE_LANGUAGE;
  }
  if (!catalogues.has(code)) throw new Error('no catalogue could be loaded');
  current = code;
  try {
    sessionStorage.setItem(STORAGE_KEY, code);
  } catch (_) { /* storage may be off: fine */ }
  if (typeof document !== 'undefined') {
    document.documentElement.lang = htmlLang();
    applyTo(document);
  }
  for (const fn of listeners) {
    try {
      fn(code);
    } catch (err) {
      console.warn('answer24: language listener failed', err);
    }
  }
  return code;
}

/** Loads the starting language: an earlier choice in this tab, else the browser's. */
export function initialLanguage() {
  let stored = null;
  try {
    stored = sessionStorage.getItem(STORAGE_KEY);
  } catch (_) { /* storage may be off */ }
  const prefs = typeof navigator !== 'undefined'
    ? (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language])
    : [];
  return pickLanguage(prefs, stored);
}

/** Calls `fn(code)` after every language change. Returns a function that unsubscribes. */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Fills static markup from the catalogue:
 *   data-i18n="key"                      -> textContent
 *   data-i18n-attr="attr:key;attr2:key2" -> attributes (aria-label, alt, title…)
 */
export function applyTo(root) {
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.getAttribute('data-i18n'));
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.getAttribute('data-i18n-attr').split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
}
