/*
 * crisis.js — the "Need help now?" control and every list of crisis lines.
 *
 * The toggle sits in the top bar of every citizen page and opens #crisis-panel.
 * Lines come, in order of preference, from:
 *   1. GET /api/v1/crisis-lines?language=xx (the operator's checked directory),
 *   2. the static copy in the page language's catalogue (crisis.groups),
 *   3. LAST_RESORT below (trilingual, each entry marked with its lang), used only if
 *      no catalogue could be loaded at all,
 * so the panel works when the API or the catalogues are down. The retired Korean
 * number 1393 is filtered out whatever the source.
 *
 * mountLines() puts a copy of the lines anywhere (under PHQ-9 item 9, next to a
 * failed submission, on top of a crisis result); mounted copies follow language
 * changes. Nothing here uses innerHTML.
 */
import { t, raw, lang, ready, onLanguageChange } from './i18n.js';
import { getCrisisLines } from './api.js';
import { el, clear } from './dom.js';

/** Numbers that must never be shown (1393: replaced by 109 on 2024-01-01). */
const RETIRED_NUMBERS = new Set(['1393']);

/** Used only when no catalogue loaded; the same numbers as the catalogues. */
const LAST_RESORT = [
  { lang: 'ko', name: '자살예방상담전화 109 (24시간)', number: '109', tel: '109', call: '109에 전화하기' },
  { lang: 'ko', name: '응급 119', number: '119', tel: '119', call: '119에 전화하기' },
  { lang: 'zh-Hans', name: '全国心理援助热线 12356', number: '12356', tel: '12356', call: '拨打 12356' },
  { lang: 'zh-Hans', name: '急救 120', number: '120', tel: '120', call: '拨打 120' },
  { lang: 'en', name: 'Find a helpline in your country', number: 'findahelpline.com', url: 'https://findahelpline.com/', call: 'findahelpline.com' },
];

const apiLines = new Map(); // language -> normalized lines from the API (or null after a failure)
const mounts = [];          // {container, resources, level}
let panel = null;
let toggle = null;

/** Digits only ("1577-0199" -> "15770199"). */
function digits(s) {
  return String(s ?? '').replace(/\D+/g, '');
}

/** True for an entry that shows a retired number. */
export function isRetired(line) {
  const found = [line.number, line.tel, line.sms, line.also && line.also.number, line.also && line.also.tel]
    .map(digits)
    .filter(Boolean);
  return found.some((d) => RETIRED_NUMBERS.has(d));
}

/** A phone number fit for a tel:/sms: URL ("+86 10 8295 1332" -> "+861082951332"), or ''. */
export function dialable(s) {
  const v = String(s ?? '').trim();
  const cleaned = v.replace(/[\s().-]+/g, '');
  return /^\+?\d{2,15}$/.test(cleaned) ? cleaned : '';
}

/**
 * One line from the API or a catalogue, checked and reduced to
 * {name, number, what, hours, tel, sms, url, also, lang}; null if unusable.
 */
export function normalizeLine(line) {
  if (!line || typeof line !== 'object') return null;
  const name = typeof line.name === 'string' ? line.name.trim() : '';
  if (!name || isRetired(line)) return null;
  const str = (v) => (typeof v === 'string' ? v.trim() : '');
  const url = str(line.url);
  const out = {
    name,
    number: str(line.number),
    what: str(line.what) || str(line.text),
    hours: str(line.hours),
    tel: dialable(line.tel), // no tel: not a phone line (the directory's rule)
    sms: dialable(line.sms),
    url: /^https:\/\/[^\s"<>]+$/.test(url) ? url : '',
    also: null,
    lang: str(line.lang),
    call: str(line.call), // only LAST_RESORT entries carry their own link wording
  };
  if (line.also && typeof line.also === 'object') {
    const tel = dialable(line.also.tel) || dialable(line.also.number);
    if (tel) out.also = { number: str(line.also.number) || tel, tel };
  }
  return out;
}

/** Normalizes a list, dropping unusable and retired entries. */
export function normalizeLines(list) {
  return (Array.isArray(list) ? list : []).map(normalizeLine).filter(Boolean);
}

/** The catalogue's groups for the current language: [{title, lines}]. */
function catalogueGroups() {
  const groups = raw('crisis.groups');
  if (!Array.isArray(groups)) return [];
  return groups
    .map((g) => ({ title: typeof g.title === 'string' ? g.title : '', lines: normalizeLines(g.lines) }))
    .filter((g) => g.lines.length);
}

/** The groups to show now, best source first (see header). */
function currentGroups(resources) {
  const given = normalizeLines(resources);
  if (given.length) return [{ title: '', lines: given }];
  if (!ready()) return [{ title: '', lines: normalizeLines(LAST_RESORT) }];
  const fromApi = apiLines.get(lang());
  if (fromApi && fromApi.length) return [{ title: '', lines: fromApi }];
  const fromCatalogue = catalogueGroups();
  if (fromCatalogue.length) return fromCatalogue;
  return [{ title: '', lines: normalizeLines(LAST_RESORT) }];
}

/** A label from the catalogue, or the last-resort entry's own wording. */
function label(key, vars, line) {
  if (!ready()) return line.call || vars.number || vars.site || '';
  return t(key, vars);
}

/** The call / text / open-site links of one line. */
function actions(line) {
  const links = [];
  if (line.tel) {
    links.push(el('a', {
      class: 'btn btn-call',
      text: label('crisis.call', { number: dialable(line.number) ? line.number : line.tel }, line),
      attrs: { href: `tel:${line.tel}` },
    }));
  }
  if (line.also) {
    links.push(el('a', {
      class: 'btn btn-call',
      text: label('crisis.call', { number: line.also.number }, line),
      attrs: { href: `tel:${line.also.tel}` },
    }));
  }
  if (line.sms) {
    links.push(el('a', {
      class: 'btn btn-call',
      text: label('crisis.sms', { number: line.sms }, line),
      attrs: { href: `sms:${line.sms}` },
    }));
  }
  if (line.url) {
    const site = line.number || line.url.replace(/^https:\/\/(www\.)?/, '').replace(/\/$/, '');
    links.push(el('a', {
      class: 'btn btn-link-out',
      attrs: { href: line.url, target: '_blank', rel: 'noopener noreferrer' },
    }, label('crisis.site', { site }, line), ready() ? el('span', { class: 'visually-hidden', text: ` ${t('crisis.newTab')}` }) : null));
  }
  return links;
}

/** One <li> for a line. */
function lineItem(line) {
  // The directory keeps the number apart from the name; show it unless the name has it.
  const showNumber = Boolean(line.number) && !line.url && !line.name.includes(line.number);
  const item = el('li', { class: 'crisis-line', attrs: { lang: line.lang || null } },
    el('p', { class: 'crisis-line-name', text: line.name }),
    showNumber ? el('p', { class: 'crisis-line-number', text: line.number }) : null,
    line.what ? el('p', { class: 'crisis-line-what', text: line.what }) : null,
    line.hours ? el('p', { class: 'crisis-line-hours' },
      ready() ? el('span', { class: 'label', text: t('crisis.hoursLabel') }) : null,
      ready() ? ' ' : null,
      line.hours) : null);
  const links = actions(line);
  if (links.length) item.append(el('p', { class: 'crisis-line-actions' }, ...links));
  return item;
}

/** Fills `container` with the lines (grouped, with headings of `level`). */
function render(container, resources, level) {
  clear(container);
  for (const group of currentGroups(resources)) {
    if (group.title) container.append(el(`h${level}`, { class: 'crisis-group-title', text: group.title }));
    container.append(el('ul', { class: 'crisis-lines' }, ...group.lines.map(lineItem)));
  }
}

/** Re-renders every mounted copy (after a language change or when API lines arrive). */
function renderAll() {
  for (let i = mounts.length - 1; i >= 0; i -= 1) {
    const m = mounts[i];
    if (!m.container.isConnected && m.detachable) {
      mounts.splice(i, 1);
      continue;
    }
    render(m.container, m.resources, m.level);
  }
}

/**
 * Shows the crisis lines in `container` and keeps them in the page language.
 * `resources`: lines from a server response (used as given when non-empty).
 * `level`: heading level for group titles.
 */
export function mountLines(container, { resources = null, level = 3 } = {}) {
  const existing = mounts.find((m) => m.container === container);
  if (existing) {
    existing.resources = resources;
    existing.level = level;
  } else {
    mounts.push({ container, resources, level, detachable: container.id !== 'crisis-lines' });
  }
  render(container, resources, level);
}

/** Asks the API for the current language's lines; re-renders if they arrive in time. */
async function refreshFromApi() {
  const code = lang();
  if (apiLines.has(code)) return;
  apiLines.set(code, null);
  try {
    const data = await getCrisisLines(code);
    const lines = normalizeLines(data && data.lines);
    apiLines.set(code, lines.length ? lines : null);
    if (lines.length && lang() === code) renderAll();
  } catch (_) {
    apiLines.delete(code); // try again on the next language change; the catalogue copy stays
  }
}

/** True if the panel is open. */
export function isPanelOpen() {
  return Boolean(panel && !panel.hidden);
}

/**
 * Opens the panel. With focus: true (the person pressed the button) focus moves to
 * its heading; automatic openings (crisis result, PHQ-9 item 9, failed submission)
 * leave focus where it is.
 */
export function openCrisisPanel({ focus = false } = {}) {
  if (!panel) return;
  panel.hidden = false;
  toggle.setAttribute('aria-expanded', 'true');
  if (focus) {
    const heading = panel.querySelector('h2');
    (heading || panel).focus();
  }
}

/** Closes the panel and returns focus to the toggle. */
export function closeCrisisPanel() {
  if (!panel) return;
  panel.hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
  toggle.focus();
}

/** Wires the toggle, the close button and the panel's own list. Safe to call once per page. */
export function initCrisis() {
  panel = document.getElementById('crisis-panel');
  toggle = document.getElementById('crisis-toggle');
  if (!panel || !toggle) return;
  const list = document.getElementById('crisis-lines');
  if (list) mountLines(list, { level: 3 });

  toggle.addEventListener('click', () => {
    if (isPanelOpen()) closeCrisisPanel();
    else openCrisisPanel({ focus: true });
  });
  const close = document.getElementById('crisis-close');
  if (close) close.addEventListener('click', closeCrisisPanel);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeCrisisPanel();
  });

  onLanguageChange(() => {
    renderAll();
    refreshFromApi();
  });
  if (ready()) refreshFromApi();
}
