/*
 * clipboard.js — copying the access code and the return link.
 *
 * navigator.clipboard where the browser allows it; otherwise the old
 * execCommand('copy') on a selection; if that fails too, the text is left selected
 * in `selectNode` so the person can copy it by hand.
 */

/** Selects the text of `node` (so a failed copy still leaves it ready to copy by hand). */
export function selectText(node) {
  if (!node) return;
  const selection = window.getSelection();
  const range = document.createRange();
  range.selectNodeContents(node);
  selection.removeAllRanges();
  selection.addRange(range);
}

/** Copies `text`. Resolves true on success, false if the text was only selected. */
export async function copyText(text, selectNode) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) { /* fall through to the old way */ }
  }
  // Old way: a temporary off-screen textarea, selected and copied.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'clipboard-helper';
  document.body.append(area);
  const active = document.activeElement;
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch (_) {
    ok = false;
  }
  area.remove();
  if (active && typeof active.focus === 'function') active.focus();
  if (!ok) selectText(selectNode);
  return ok;
}
