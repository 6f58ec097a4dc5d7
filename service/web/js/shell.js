/*
 * shell.js — what every citizen page shares: the top bar ("Need help now?" and the
 * language switch), loading the first catalogue, and keeping focused elements clear
 * of the sticky top bar (scroll-padding follows the bar's real height).
 *
 * initShell() never throws: if no catalogue loads, the crisis panel falls back to
 * its built-in trilingual lines and a trilingual notice asks for a reload.
 */
import { LANGUAGES, lang, setLanguage, initialLanguage, onLanguageChange } from './i18n.js';
import { initCrisis } from './crisis.js';
import { el, clear } from './dom.js';

/** Shown only when no catalogue at all could be loaded, so it cannot come from one. */
const LOAD_FAILED = [
  ['ko', '화면 문구를 불러오지 못했어요. 새로고침해 주세요.'],
  ['zh-Hans', '页面文字未能加载，请刷新页面。'],
  ['en', 'The page text could not be loaded. Please reload the page.'],
];

/** Builds the language buttons (each labelled in its own language, with lang set). */
function renderLanguageSwitch() {
  const list = document.getElementById('lang-list');
  if (!list) return;
  clear(list);
  for (const language of LANGUAGES) {
    const button = el('button', {
      class: 'btn-lang',
      text: language.label,
      attrs: { type: 'button', lang: language.htmlLang, 'data-lang': language.code, 'aria-pressed': 'false' },
    });
    button.addEventListener('click', async () => {
      if (language.code === lang()) return;
      try {
        await setLanguage(language.code);
      } catch (_) {
        showLoadFailed();
      }
    });
    list.append(el('li', {}, button));
  }
}

/** Marks the current language's button as pressed. */
function markCurrentLanguage() {
  for (const button of document.querySelectorAll('#lang-list [data-lang]')) {
    button.setAttribute('aria-pressed', button.getAttribute('data-lang') === lang() ? 'true' : 'false');
  }
}

/** The trilingual "could not load" notice at the top of <main>. */
function showLoadFailed() {
  if (document.getElementById('load-failed')) return;
  const main = document.querySelector('main');
  if (!main) return;
  const note = el('div', { class: 'notice notice-error', attrs: { id: 'load-failed', role: 'alert' } },
    ...LOAD_FAILED.map(([code, text]) => el('p', { text, attrs: { lang: code } })));
  main.prepend(note);
}

/**
 * Keeps --topbar-h equal to the top bar's height, which CSS uses for
 * scroll-padding-top so that a focused element is never hidden under the bar.
 */
function trackTopbarHeight() {
  const bar = document.getElementById('topbar');
  if (!bar) return;
  const update = () => {
    const sticky = getComputedStyle(bar).position === 'sticky';
    const height = sticky ? Math.ceil(bar.getBoundingClientRect().height) : 0;
    document.documentElement.style.setProperty('--topbar-h', `${height}px`);
  };
  update();
  if (typeof ResizeObserver === 'function') new ResizeObserver(update).observe(bar);
  window.addEventListener('resize', update);
}

/** Sets up the shared parts of a page. Resolves true if a catalogue loaded. */
export async function initShell() {
  renderLanguageSwitch();
  initCrisis(); // works before (and without) any catalogue
  trackTopbarHeight();
  onLanguageChange(markCurrentLanguage);
  try {
    await setLanguage(initialLanguage());
    const failed = document.getElementById('load-failed');
    if (failed) failed.remove();
    return true;
  } catch (err) {
    console.warn('answer24: no catalogue could be loaded', err);
    showLoadFailed();
    return false;
  }
}
