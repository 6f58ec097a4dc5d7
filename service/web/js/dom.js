/*
 * dom.js — small DOM helpers shared by the citizen pages.
 *
 * el() builds elements whose text is always set with textContent (never innerHTML),
 * so user and server text cannot become markup. announce() speaks through the
 * page's polite live region; fieldError() wires an error message next to its field
 * (aria-describedby + aria-invalid).
 */

/**
 * Creates an element. `props`: class, text, attrs (object), hidden, on (object of
 * event handlers). Children may be nodes, strings (as text) or null (skipped).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text != null) node.textContent = String(props.text);
  if (props.attrs) {
    for (const [name, value] of Object.entries(props.attrs)) {
      if (value === false || value == null) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  if (props.hidden) node.hidden = true;
  if (props.on) {
    for (const [type, handler] of Object.entries(props.on)) node.addEventListener(type, handler);
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Gets an element by id or throws a clear error (a missing id is a markup bug). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`answer24: #${id} is missing from the page`);
  return node;
}

let announceTimer = 0;

/**
 * Says `message` through the polite live region #announcer. The region is cleared
 * first so that the same message twice is read twice.
 */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = message;
  }, 100);
}

/** Adds `id` to the space-separated aria-describedby of `field` (once). */
function addDescribedBy(field, id) {
  const ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  if (!ids.includes(id)) ids.push(id);
  field.setAttribute('aria-describedby', ids.join(' '));
}

/**
 * Shows (message non-empty) or clears an error for `field` in `errorNode`, which
 * sits next to the field. The field is marked aria-invalid and described by the
 * error; the error node carries a visible "Error:" prefix (`prefix`) so the meaning
 * never rests on colour.
 */
export function fieldError(field, errorNode, message, prefix) {
  clear(errorNode);
  if (message) {
    if (!errorNode.id) throw new Error('answer24: an error node needs an id');
    addDescribedBy(field, errorNode.id);
    errorNode.append(el('span', { class: 'error-prefix', text: prefix || '' }), ' ', message);
    errorNode.hidden = false;
    field.setAttribute('aria-invalid', 'true');
  } else {
    errorNode.hidden = true;
    field.removeAttribute('aria-invalid');
  }
}

/** Counts characters as the server does (Unicode code points, not UTF-16 units). */
export function charCount(text) {
  let n = 0;
  for (const _ of String(text)) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

/** Control characters the server refuses (everything below U+0020 but tab, LF, CR; and DEL). */
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A lone UTF-16 surrogate, which cannot be sent as UTF-8. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
