/*
 * textfield.js — the rules every citizen text box shares (question and follow-up):
 * a live character count with the catalogue's wording, polite announcements when
 * the limit comes near or is passed (not on every key), and the checks the server
 * would make (empty, too long, control characters, unpaired surrogates).
 *
 * No maxlength attribute on purpose: it would cut pasted text silently.
 */
import { t, ready } from './i18n.js';
import { announce, charCount, CONTROL_CHARS, LONE_SURROGATE } from './dom.js';

export const MAX_CHARS = 4000;
const NEAR_LIMIT = 200; // "N characters left" is announced from here on

/** The error code for a text the server would refuse, or null. */
export function textProblem(value, max = MAX_CHARS) {
  const trimmed = String(value).trim();
  if (!trimmed) return 'text_empty';
  if (charCount(trimmed) > max) return 'text_too_long';
  if (CONTROL_CHARS.test(value)) return 'control_characters';
  if (LONE_SURROGATE.test(value)) return 'surrogate';
  return null;
}

/**
 * Keeps `counterNode` showing "n / 4000" for `textarea`. Returns update(), to call
 * again after a language change or after the text was set from code.
 */
export function attachCounter(textarea, counterNode, max = MAX_CHARS) {
  let zone = 'ok';
  function update() {
    if (!ready()) return; // no wording yet: the first language change calls update()
    const n = charCount(textarea.value);
    const over = n > max;
    const base = t('ask.count', { count: n, max });
    counterNode.textContent = over ? `${base} — ${t('ask.countOver', { over: n - max })}` : base;
    counterNode.classList.toggle('over', over);
    const now = over ? 'over' : n >= max - NEAR_LIMIT ? 'near' : 'ok';
    if (now !== zone) {
      if (now === 'near') announce(t('ask.countLeft', { left: max - n }));
      if (now === 'over') announce(t('ask.countOver', { over: n - max }));
      zone = now;
    }
  }
  textarea.addEventListener('input', update);
  update();
  return update;
}
