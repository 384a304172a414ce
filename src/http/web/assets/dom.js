// Building the page from data, safely: every value goes in as text (textContent or an
// attribute), never as markup, and links keep only http(s) and mailto targets. Nothing in this
// inbox assigns innerHTML from data.

const SAFE_SCHEMES = ['http:', 'https:', 'mailto:'];

/**
 * Returns `url` if it is a web or mail link, a same-origin path or a #route, else null.
 * Judged by the browser's own parser, so spellings it reads differently from how they look
 * (`/\host`, `//host`, `java\tscript:`, leading control characters) are judged as it will
 * follow them: another host is only ever an absolute http(s) URL, returned in its parsed form.
 */
export function safeUrl(url) {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  // A fragment (the inbox's own #routes) never leaves the page.
  if (trimmed.startsWith('#')) return trimmed;
  let parsed;
  try {
    parsed = new URL(trimmed, location.origin);
  } catch {
    return null;
  }
  if (!SAFE_SCHEMES.includes(parsed.protocol)) return null;
  // A relative value must stay on this origin as written: `/\evil.example/x` parses to
  // another host, and must never pass as a local path.
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(trimmed);
  if (!absolute) {
    if (
      parsed.origin !== location.origin ||
      !trimmed.startsWith('/') ||
      /^[\\/]{2}|^\/\\/.test(trimmed)
    )
      return null;
    return parsed.pathname + parsed.search + parsed.hash;
  }
  return parsed.href;
}

/**
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): in
 * customer text they reorder what agents read (`exe.pdf` shown as `fdp.exe`).
 */
const DIRECTION_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** `text` with direction controls removed, for display. */
export function neutralise(text) {
  return String(text).replace(DIRECTION_CONTROLS, '');
}

/** A name or other customer text shown inline: isolated from the text around it. */
export function isolated(text, attrs = {}) {
  return h('bdi', attrs, text);
}

/**
 * Creates an element. `attrs` keys: `class`, `text`, `on<Event>` handlers (functions only),
 * `dataset`, boolean properties, and plain attributes (values set as text). Children are
 * nodes or strings (added as text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = neutralise(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function')
      el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key.startsWith('on')) throw new Error('event handlers must be functions');
    else if (key === 'href' || key === 'src') {
      const url = safeUrl(value);
      if (url) el.setAttribute(key, url);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(neutralise(child)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Text with http(s) URLs turned into links that open in a new tab; everything else stays
 * text. `javascript:` and other schemes are never linked.
 */
export function linkify(text) {
  const parts = [];
  const pattern = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (const match of String(text).matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const url = match[0].replace(/[.,;:!?)]+$/, '');
    parts.push(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow' }, url));
    last = match.index + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** "3 min", "2 h", "5 d" since `iso`. */
export function since(iso) {
  if (!iso) return '';
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** A short local date and time. */
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** Shows a short message at the bottom of the screen. */
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

const CHANNEL_ICONS = {
  email: '✉',
  telegram: '✈',
  discord: '◆',
  whatsapp: '☎',
  messenger: 'ⓜ',
  instagram: '◎',
  webhook: '⇄',
};

/** A channel's icon with its name for screen readers and tooltips. */
export function channelIcon(kind, name) {
  const label = name ? `${name} (${kind || 'channel'})` : kind || 'channel';
  return h(
    'span',
    {
      class: `channel-icon kind-${kind || 'unknown'}`,
      title: label,
      'aria-label': label,
      role: 'img',
    },
    CHANNEL_ICONS[kind] || '•',
  );
}
