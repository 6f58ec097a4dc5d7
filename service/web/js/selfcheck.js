/*
 * selfcheck.js — the optional PHQ-9 / GAD-7 self-check on the question page.
 *
 * Owns: scoring and band wording (pure functions, testable without a DOM), the
 * questionnaire markup inside <details id="selfcheck">, the consent to attach, and
 * the crisis help shown under PHQ-9 item 9 when it is answered above 0.
 *
 * Item texts are the official wording, word for word, from the catalogue's
 * "instruments" block. A catalogue without an official translation (instruments.lang
 * null) gets the English items marked lang="en" plus a note: never a home-made
 * translation. Scores are shown as band words with "This is not a diagnosis"; a low
 * score is never presented as "no risk".
 */
import { t, lang, rawIn, onLanguageChange } from './i18n.js';
import { el, clear, announce, fieldError } from './dom.js';
import { mountLines } from './crisis.js';

/** Items, maximum and bands (lower bound -> band key, highest first) of each instrument. */
export const INSTRUMENTS = {
  phq9: {
    items: 9,
    max: 27,
    bands: [[20, 'severe'], [15, 'moderatelySevere'], [10, 'moderate'], [5, 'mild'], [0, 'minimal']],
  },
  gad7: {
    items: 7,
    max: 21,
    bands: [[15, 'severe'], [10, 'moderate'], [5, 'mild'], [0, 'minimal']],
  },
};

/** Index of PHQ-9 item 9 (thoughts of death or self-harm). */
export const PHQ9_ITEM9 = 8;

/** Number of items answered. */
export function answeredCount(answers) {
  return answers.filter((v) => Number.isInteger(v) && v >= 0 && v <= 3).length;
}

/** True if every item has an answer 0..3. */
export function isComplete(answers) {
  return answeredCount(answers) === answers.length;
}

/** Sum of the answered items. */
export function totalScore(answers) {
  return answers.reduce((sum, v) => sum + (Number.isInteger(v) ? v : 0), 0);
}

/** The band key ("minimal" … "severe") of a total score. */
export function bandKey(id, score) {
  for (const [min, key] of INSTRUMENTS[id].bands) if (score >= min) return key;
  return 'minimal';
}

/** True if a catalogue's instruments block holds a complete official translation. */
export function hasOfficialText(block) {
  if (!block || typeof block.lang !== 'string' || !block.lang || typeof block.attribution !== 'string') return false;
  return Object.entries(INSTRUMENTS).every(([id, spec]) => {
    const b = block[id];
    return b && typeof b.stem === 'string' && b.stem
      && Array.isArray(b.items) && b.items.length === spec.items && b.items.every((s) => typeof s === 'string' && s)
      && Array.isArray(b.options) && b.options.length === 4 && b.options.every((s) => typeof s === 'string' && s);
  });
}

/** The instrument texts to show now: the page language's official text, else English. */
function instrumentTexts() {
  const own = rawIn(lang(), 'instruments');
  if (hasOfficialText(own)) return { block: own, fallback: false };
  return { block: rawIn('en', 'instruments'), fallback: lang() !== 'en' };
}

/**
 * Sets up the self-check. `onItem9()` is called whenever PHQ-9 item 9 is answered
 * above 0. Returns {getAttachment, showError, reset}.
 */
export function initSelfcheck({ onItem9 }) {
  const details = document.getElementById('selfcheck');
  const host = document.getElementById('selfcheck-instruments');
  const note = document.getElementById('selfcheck-note');
  const attribution = document.getElementById('selfcheck-attribution');
  const consent = document.getElementById('selfcheck-consent');
  const errorNode = document.getElementById('selfcheck-error');
  const skip = document.getElementById('selfcheck-skip');

  const state = {
    phq9: new Array(INSTRUMENTS.phq9.items).fill(null),
    gad7: new Array(INSTRUMENTS.gad7.items).fill(null),
  };
  let item9Help = false; // once shown, the help under item 9 stays (a screen only raises risk)
  let errorCode = null;

  /** The result line(s) of one instrument. */
  function renderResult(id, node) {
    clear(node);
    const answers = state[id];
    if (!isComplete(answers)) {
      node.append(el('p', { text: t('selfcheck.answered', { answered: answeredCount(answers), total: answers.length }) }));
      return;
    }
    const score = totalScore(answers);
    const band = bandKey(id, score);
    node.append(
      el('p', { class: 'sc-score', text: t('selfcheck.result', {
        name: t(`selfcheck.titles.${id}`), score, max: INSTRUMENTS[id].max, band: t(`selfcheck.bands.${band}`),
      }) }),
      el('p', { class: 'sc-not-diagnosis', text: t('selfcheck.notDiagnosis') }),
    );
    if (band === 'minimal' || band === 'mild') node.append(el('p', { text: t('selfcheck.lowNote') }));
  }

  /** The crisis help box under item 9. */
  function item9Box() {
    const lines = el('div', { class: 'crisis-inline-lines' });
    const box = el('div', { class: 'crisis-inline', attrs: { id: 'sc-item9-help' } },
      el('p', { class: 'crisis-inline-title', text: t('crisis.item9') }),
      lines,
      el('p', { class: 'sc-attach-hint', text: t('crisis.item9Attach'), hidden: consent.checked }));
    mountLines(lines, { level: 4 });
    return box;
  }

  /** One instrument: heading, stem, one fieldset per item, result. */
  function renderInstrument(id, texts, textLang) {
    const titleId = `sc-${id}-title`;
    const result = el('div', { class: 'sc-result', attrs: { id: `sc-${id}-result` } });
    const section = el('section', { class: 'instrument', attrs: { 'aria-labelledby': titleId } },
      el('h2', { text: t(`selfcheck.titles.${id}`), attrs: { id: titleId } }),
      el('p', { class: 'stem', text: texts.stem, attrs: { lang: textLang } }));

    texts.items.forEach((itemText, index) => {
      const name = `sc-${id}-${index + 1}`;
      const options = el('div', { class: 'options' });
      texts.options.forEach((optionText, value) => {
        const input = el('input', { attrs: { type: 'radio', name, value: String(value), id: `${name}-${value}` } });
        input.checked = state[id][index] === value;
        input.addEventListener('change', () => onAnswer(id, index, value, result));
        options.append(el('label', { class: 'option', attrs: { for: `${name}-${value}` } },
          input, el('span', { text: optionText, attrs: { lang: textLang } })));
      });
      const fieldset = el('fieldset', { class: 'item', attrs: { id: name } },
        el('legend', {},
          el('span', { class: 'item-num', text: `${index + 1}.` }), ' ',
          el('span', { text: itemText, attrs: { lang: textLang } })),
        options);
      section.append(fieldset);
      if (id === 'phq9' && index === PHQ9_ITEM9 && item9Help) section.append(item9Box());
    });

    const clearButton = el('button', { class: 'btn btn-secondary', text: t('selfcheck.clear'), attrs: { type: 'button' } });
    clearButton.addEventListener('click', () => {
      state[id].fill(null);
      for (const input of section.querySelectorAll('input[type=radio]')) input.checked = false;
      renderResult(id, result);
      if (errorCode) showError(null);
    });
    renderResult(id, result);
    section.append(result, el('p', {}, clearButton));
    return section;
  }

  /** A radio changed. */
  function onAnswer(id, index, value, resultNode) {
    const wasComplete = isComplete(state[id]);
    state[id][index] = value;
    renderResult(id, resultNode);
    if (!wasComplete && isComplete(state[id])) announce(resultNode.textContent);
    if (errorCode) showError(null);
    if (id === 'phq9' && index === PHQ9_ITEM9 && value > 0) {
      if (!item9Help) {
        item9Help = true;
        const fieldset = document.getElementById(`sc-phq9-${PHQ9_ITEM9 + 1}`);
        fieldset.after(item9Box());
        announce(t('crisis.item9Announce'));
      }
      onItem9();
    }
  }

  /** Rebuilds everything from the state (first time and after a language change). */
  function render() {
    const { block, fallback } = instrumentTexts();
    const textLang = block && typeof block.lang === 'string' ? block.lang : 'en';
    note.textContent = fallback ? t('selfcheck.translationNote') : '';
    note.hidden = !fallback;
    clear(host);
    if (block) {
      host.append(renderInstrument('phq9', block.phq9, textLang), renderInstrument('gad7', block.gad7, textLang));
      attribution.textContent = block.attribution || '';
      attribution.lang = textLang;
    }
    if (errorCode) showError(errorCode);
  }

  /** Shows (code) or clears (null) the self-check error next to the consent box. */
  function showError(code) {
    errorCode = code;
    fieldError(consent, errorNode, code ? t(`errors.${code}`) : '', t('errors.prefix'));
    if (code) details.open = true;
  }

  /**
   * What to send: {ok: true} (nothing to attach), {ok: true, selfcheck}, or
   * {ok: false, code} when consent is given but a questionnaire is unfinished. Whenever
   * PHQ-9 item 9 was answered, `item9` (0..3) comes too, with consent or without: the
   * server keeps only that it flagged the question, never the answer itself.
   */
  function getAttachment() {
    const answer9 = state.phq9[PHQ9_ITEM9];
    const item9 = Number.isInteger(answer9) ? { item9: answer9 } : {};
    if (!consent.checked) return { ok: true, ...item9 };
    const selfcheck = {};
    let partial = false;
    for (const id of Object.keys(INSTRUMENTS)) {
      const n = answeredCount(state[id]);
      if (n === state[id].length) selfcheck[id] = state[id].slice();
      else if (n > 0) partial = true;
    }
    if (partial || Object.keys(selfcheck).length === 0) return { ok: false, code: 'selfcheck_incomplete', ...item9 };
    return { ok: true, selfcheck, ...item9 };
  }

  /** Forgets every answer (after a successful submission). */
  function reset() {
    state.phq9.fill(null);
    state.gad7.fill(null);
    item9Help = false;
    consent.checked = false;
    showError(null);
    details.open = false;
    render();
  }

  skip.addEventListener('click', () => {
    consent.checked = false;
    showError(null);
    details.open = false;
    details.querySelector('summary').focus();
  });
  consent.addEventListener('change', () => {
    if (errorCode) showError(null);
    const hint = document.querySelector('#sc-item9-help .sc-attach-hint');
    if (hint) hint.hidden = consent.checked;
  });

  render();
  onLanguageChange(render);
  return { getAttachment, showError, reset };
}
