// The website chat widget: the app inside the iframe that widget.js puts on a host page. It
// talks to the same-origin visitor API under /widget/CHANNEL and to the host page over
// postMessage. widget.html is served under a strict CSP, so the DOM is built with createElement
// and text nodes (never markup from data) and styles change only through classes and
// element.style.

const CHANNEL = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const API = `/widget/${encodeURIComponent(CHANNEL)}`;
const KEY = {
  token: `sb-token-${CHANNEL}`,
  outbox: `sb-outbox-${CHANNEL}`,
  visitor: `sb-visitor-${CHANNEL}`,
  // The identity last verified, so that the same identify on every page load costs nothing.
  identity: `sb-identity-${CHANNEL}`,
  prechat: `sb-prechat-${CHANNEL}`,
  // The newest agent message the visitor has seen: unread counts survive a reload.
  seen: `sb-seen-${CHANNEL}`,
};
/** What the widget asks the loader for: the launcher alone, or the open panel. */
const SIZE = { closed: [72, 72], open: [376, 640] };
const PAGE = 200;

const STRINGS = {
  en: {
    open: 'Open chat',
    openUnread: 'Open chat, {n} unread',
    close: 'Close chat',
    online: 'Online',
    away: 'Away',
    minutes: 'We usually reply in a few minutes',
    hours: 'We usually reply in a few hours',
    day: 'We usually reply within a day',
    messages: 'Messages',
    message: 'Message',
    placeholder: 'Write a message…',
    send: 'Send',
    attach: 'Attach a file',
    remove: 'Remove {name}',
    uploading: 'Uploading {name}…',
    you: 'You:',
    agent: 'Agent',
    sending: 'Sending…',
    failed: 'Not sent:',
    edit: 'Edit',
    seen: 'Seen',
    typing: '{name} is typing…',
    closed: 'Conversation closed',
    identityFailed: 'Your identity could not be verified.',
    signIn: 'Please sign in to chat with us.',
    tooBig: '{name} is larger than {size}.',
    badType: '{name}: this type of file cannot be sent.',
    unavailable: 'could not be loaded',
    leaveEmail: 'Leave your email and we will answer there',
    email: 'Email',
    save: 'Save',
    start: 'Start chat',
    thanks: 'Thank you, we will answer by email.',
    offline: 'No connection',
    error: 'Something went wrong. Please try again.',
    rateUs: 'Your rating (1 poor, 5 excellent)',
    rate: 'Rate {n} of 5',
    csatComment: 'Anything to add? (optional)',
    csatThanks: 'Thank you for your rating!',
    csatThanksComment: 'Thank you for your feedback!',
    csatClosed: 'This survey has closed.',
  },
  cs: {
    open: 'Otevřít chat',
    openUnread: 'Otevřít chat, nepřečtené: {n}',
    close: 'Zavřít chat',
    online: 'Online',
    away: 'Nejsme online',
    minutes: 'Obvykle odpovídáme během několika minut',
    hours: 'Obvykle odpovídáme během několika hodin',
    day: 'Obvykle odpovídáme do jednoho dne',
    messages: 'Zprávy',
    message: 'Zpráva',
    placeholder: 'Napište zprávu…',
    send: 'Odeslat',
    attach: 'Přiložit soubor',
    remove: 'Odebrat {name}',
    uploading: 'Nahrává se {name}…',
    you: 'Vy:',
    agent: 'Operátor',
    sending: 'Odesílá se…',
    failed: 'Neodesláno:',
    edit: 'Upravit',
    seen: 'Přečteno',
    typing: '{name} píše…',
    closed: 'Konverzace uzavřena',
    identityFailed: 'Vaši identitu se nepodařilo ověřit.',
    signIn: 'Pro chat se prosím přihlaste.',
    tooBig: 'Soubor {name} je větší než {size}.',
    badType: '{name}: tento typ souboru nelze odeslat.',
    unavailable: 'nelze načíst',
    leaveEmail: 'Zanechte nám e-mail a odpovíme vám tam',
    email: 'E-mail',
    save: 'Uložit',
    start: 'Zahájit chat',
    thanks: 'Děkujeme, odpovíme e-mailem.',
    offline: 'Bez připojení',
    error: 'Něco se pokazilo. Zkuste to prosím znovu.',
    rateUs: 'Vaše hodnocení (1 špatně, 5 výborně)',
    rate: 'Hodnocení {n} z 5',
    csatComment: 'Chcete něco dodat? (nepovinné)',
    csatThanks: 'Děkujeme za hodnocení!',
    csatThanksComment: 'Děkujeme za zpětnou vazbu!',
    csatClosed: 'Hodnocení je již uzavřeno.',
  },
};

// ---- state ------------------------------------------------------------------------------

let config = null;
let locale = 'en';
let hostLocale = null;
let token = null;
let visitor = null;
let outbox = [];
let isOpen = false;
/** Whether history is on screen and the stream runs for the current token. */
let live = false;
/** The newest message id seen (history or stream): the stream's Last-Event-ID. */
let lastId = 0;
/** Agent and bot message ids on screen, for the unread count and `seen`. */
let agentIds = [];
let seenId = 0;
/** The agent has read the visitor's messages up to this id. */
let agentSeen = 0;
let pageUrl = null;
let hostOrigin = '*';
let sentUnread = -1;
/** Message elements by server id, and pending bubbles by client id. */
const shown = new Map();
const pending = new Map();
let blobs = [];
/** Uploaded files waiting to be sent with the next message: [{id, name}]. */
let chips = [];
/** Names of the files being uploaded. */
const uploads = new Set();
const ui = {};

// ---- small helpers ----------------------------------------------------------------------

// localStorage throws where the browser blocks storage in third-party frames; the widget then
// keeps its session for the life of the page only.
const memory = {};
const storage = {
  get(key) {
    try {
      return localStorage.getItem(key) ?? memory[key] ?? null;
    } catch {
      return memory[key] ?? null;
    }
  },
  set(key, value) {
    memory[key] = String(value);
    try {
      localStorage.setItem(key, value);
    } catch {
      // kept in memory above
    }
  },
  remove(key) {
    delete memory[key];
    try {
      localStorage.removeItem(key);
    } catch {
      // nothing stored there to remove
    }
  },
};

function loadJson(key, fallback) {
  try {
    return JSON.parse(storage.get(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The string `key` in the current locale, with `{name}` placeholders filled from `vars`. */
function t(key, vars = {}) {
  const text = STRINGS[locale][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/**
 * Bidirectional overrides (U+202A–U+202E, U+2066–U+2069) would let a file name such as
 * `exe.pdf` read as `fdp.exe`; they are dropped from everything shown.
 */
const clean = (text) => String(text).replace(/[\u202A-\u202E\u2066-\u2069]/g, '');

/**
 * Creates an element. `attrs`: `class`, `text`, `on<event>` handlers, `t`/`tLabel`/
 * `tPlaceholder` (string keys, re-applied when the locale changes), other attributes as text.
 * Children are nodes or strings (text nodes).
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = clean(value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (/^t(Label|Placeholder)?$/.test(key)) el.dataset[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === '') continue;
    el.append(child instanceof Node ? child : clean(child));
  }
  localise(el);
  return el;
}

function localise(el) {
  const { t: key, tLabel, tPlaceholder } = el.dataset;
  if (key) el.textContent = t(key);
  if (tLabel) {
    el.setAttribute('aria-label', t(tLabel));
    el.title = t(tLabel);
  }
  if (tPlaceholder) el.placeholder = t(tPlaceholder);
}

/** A decorative 24×24 icon (paths from Material Icons, Apache 2.0). */
function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
const ICON = {
  chat: 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z',
  close:
    'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  send: 'M2 21l21-9L2 3v7l15 2-15 2z',
  attach:
    'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z',
};

/** Text with http(s) URLs as links to a new tab; nothing else is ever a link. */
function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\bhttps?:\/\/[^\s<>"']+/gi)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    parts.push(text.slice(last, match.index));
    parts.push(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url));
    last = match.index + url.length;
  }
  parts.push(text.slice(last));
  return parts;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

// crypto.randomUUID exists only in secure contexts; a plain-http test server gets the same
// format from getRandomValues.
const uuid = () =>
  crypto.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
  );

// ---- the host page ----------------------------------------------------------------------

// The host's origin, where the browser tells it; learnt for certain from the host's first
// message (`page` follows `ready` at once). frame-ancestors already limits who can embed us.
try {
  hostOrigin =
    location.ancestorOrigins?.[0] ||
    (document.referrer && new URL(document.referrer).origin) ||
    '*';
} catch {
  hostOrigin = '*';
}

function toHost(type, fields) {
  if (parent !== window) parent.postMessage({ sb: 1, type, ...fields }, hostOrigin);
}

function resize() {
  const [width, height] = isOpen ? SIZE.open : SIZE.closed;
  const position = config.position === 'left' ? 'left' : 'right';
  toHost('resize', { width, height, position, open: isOpen });
}

let pageArrived;
const pageReady = new Promise((resolve) => {
  pageArrived = resolve;
});

function fromHost(event) {
  if (event.source !== parent || parent === window) return;
  const data = event.data;
  if (data?.sb !== 1) return;
  hostOrigin = event.origin;
  switch (data.type) {
    case 'page':
      if (/^https?:/.test(data.url)) pageUrl = String(data.url).slice(0, 2048);
      pageArrived();
      break;
    case 'open':
      setOpen(true);
      break;
    case 'close':
      setOpen(false);
      break;
    case 'toggle':
      setOpen(!isOpen);
      break;
    case 'identify':
      ops(() => identify(data.identity));
      break;
    case 'setAttributes':
      ops(async () => setVisitor(await call('PATCH', 'contact', { attributes: data.attributes })));
      break;
    case 'setLocale':
      hostLocale = data.locale;
      applyLocale();
      break;
    case 'reset':
      ops(reset);
      break;
  }
}

// ---- the API ----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, retryAfter = 0) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Whether a failed call may succeed later unchanged (network, overload, a session to renew). */
const transient = (err) =>
  !(err.status >= 400 && err.status < 500) || [401, 429].includes(err.status);

/**
 * Calls `path` under the channel's API with the visitor token; resolves with the JSON body,
 * a Blob (`opts.blob`) or null (204). A 401 means the token is no longer valid: it is replaced
 * by a new session once and the call is made once more. `opts`: `anonymous` (no token),
 * `optional` (a token when there is one, no renewal), `blob`.
 */
async function call(method, path, body, opts = {}) {
  if (!opts.anonymous && !opts.optional && !token) await obtain();
  if (!opts.anonymous && !opts.optional && !token) throw new ApiError(401, t('signIn'));
  const used = opts.anonymous ? null : token;
  const headers = { Accept: 'application/json' };
  if (used) headers['X-Visitor-Token'] = used;
  let payload = body;
  if (body instanceof Blob) headers['Content-Type'] = body.type || 'application/octet-stream';
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API}/${path}`, { method, headers, body: payload, cache: 'no-store' });
  } catch {
    throw new ApiError(0, t('offline'));
  }
  if (response.status === 401 && used && !opts.optional && !opts.retried) {
    await replaceToken(used);
    return call(method, path, body, { ...opts, retried: true });
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    const retryAfter = Number(response.headers.get('Retry-After')) || 0;
    throw new ApiError(response.status, data?.error?.message || t('error'), retryAfter);
  }
  if (opts.blob) return response.blob();
  return response.status === 204 ? null : response.json().catch(() => null);
}

function setVisitor(value) {
  if (!value) return;
  visitor = value;
  storage.set(KEY.visitor, JSON.stringify(value));
  renderForms();
}

function setSession(result) {
  token = result.token;
  storage.set(KEY.token, token);
  setVisitor(result.visitor);
}

let obtaining = null;

/**
 * Gets a token: by the identity last verified when there is one, else a new anonymous session
 * (unless the channel requires identity). Concurrent callers share one request.
 */
function obtain() {
  obtaining ||= (async () => {
    const identity = loadJson(KEY.identity, null);
    if (identity) {
      try {
        setSession(await call('POST', 'identify', identity, { optional: true }));
        return;
      } catch (err) {
        if (err.status !== 401) throw err;
        storage.remove(KEY.identity);
        showError(t('identityFailed'));
      }
    }
    if (!config.identity_required) {
      setSession(await call('POST', 'sessions', {}, { anonymous: true }));
    }
    renderForms();
  })().finally(() => {
    obtaining = null;
  });
  return obtaining;
}

/** After a 401 with `used`: drops it and gets a new token (once, whoever asks first). */
async function replaceToken(used) {
  if (token === used) {
    token = null;
    live = false;
    storage.remove(KEY.token);
    try {
      await obtain();
    } catch (err) {
      setTimeout(() => ops(start), 5000);
      throw err;
    }
    // Another visitor now: another history and stream.
    if (token) ops(refresh);
  } else if (!token) {
    await obtain();
  }
}

let chain = Promise.resolve();

/** Runs `job` after every job queued before it: session changes never interleave. */
function ops(job) {
  // What the visitor must know is shown where it happens; the rest (a host's setAttributes
  // refused, say) is for the host's developer.
  chain = chain.then(job).catch((err) => console.warn('switchboard chat:', err));
  return chain;
}

// ---- start, identify, reset -------------------------------------------------------------

async function start() {
  try {
    if (!token) await obtain();
    renderForms();
    if (token && !live) await refresh();
  } catch (err) {
    if (!transient(err)) return showError(err.message);
    setTimeout(() => ops(start), 5000);
  }
}

async function identify(identity) {
  if (!identity?.id) return;
  const json = JSON.stringify(identity);
  // Host pages call identify on every load; the token it gave last time is still good.
  if (token && storage.get(KEY.identity) === json) return;
  showError('');
  let result;
  try {
    result = await call('POST', 'identify', identity, { optional: true });
  } catch (err) {
    // A wrong hash is not a broken session: say so, keep what we have, do not retry.
    if (err.status === 401) return showError(t('identityFailed'));
    throw err;
  }
  storage.set(KEY.identity, json);
  setSession(result);
  await refresh();
}

async function reset() {
  for (const key of Object.values(KEY)) storage.remove(key);
  token = null;
  visitor = null;
  outbox = [];
  seenId = 0;
  chips = [];
  live = false;
  stopStream();
  clearLog();
  ui.input.value = '';
  renderChips();
  showError('');
  renderUnread();
  await start();
}

/** Shows the history of the current token from the start, then goes live. */
async function refresh() {
  live = false;
  stopStream();
  clearLog();
  // Loading history must not be read out message by message.
  ui.log.setAttribute('aria-live', 'off');
  let page;
  try {
    let after = 0;
    for (let i = 0; i < 50; i++) {
      page = await call('GET', `messages?after=${after}`);
      for (const message of page.messages) addMessage(message, false);
      if (page.messages.length < PAGE) break;
      after = page.messages[page.messages.length - 1].id;
    }
  } finally {
    ui.log.setAttribute('aria-live', 'polite');
  }
  if (page.status === 'resolved') divider();
  seenUpTo(page.agent_seen_up_to);
  for (const item of outbox) if (!pending.has(item.client_id)) renderPending(item);
  live = true;
  connect();
  flush();
  markSeen();
  renderUnread();
  ui.log.scrollTop = ui.log.scrollHeight;
}

// ---- the message list -------------------------------------------------------------------

function clearLog() {
  for (const url of blobs) URL.revokeObjectURL(url);
  blobs = [];
  shown.clear();
  pending.clear();
  agentIds = [];
  lastId = 0;
  agentSeen = 0;
  showTyping({ typing: false });
  ui.log.replaceChildren(...(ui.welcome ? [ui.welcome] : []));
}

const nearBottom = () => ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;

/** Puts `el` after the last element whose data-id is at most `id` (pending ones stay last). */
function place(el, id) {
  let node = ui.log.lastElementChild;
  while (node && !(Number(node.dataset.id) <= id)) node = node.previousElementSibling;
  if (node) node.after(el);
  else ui.log.prepend(el);
}

function addMessage(m, isLive) {
  if (m.id > lastId) lastId = m.id;
  if (m.client_id && outbox.some((item) => item.client_id === m.client_id)) {
    outbox = outbox.filter((item) => item.client_id !== m.client_id);
    saveOutbox();
  }
  if (shown.has(m.id)) return;
  const stick = nearBottom() || m.from === 'visitor';
  const el = renderMessage(m);
  shown.set(m.id, el);
  pending.get(m.client_id)?.remove();
  pending.delete(m.client_id);
  place(el, m.id);
  const before = el.previousElementSibling;
  if (before?.dataset.conv && before.dataset.conv !== String(m.conversation_id)) {
    el.before(
      h('div', { class: 'divider', role: 'separator', 'data-id': before.dataset.id, t: 'closed' }),
    );
  }
  if (m.from === 'visitor') {
    renderSeen();
  } else {
    agentIds.push(m.id);
    if (isLive) {
      showTyping({ typing: false });
      toHost('message', { message: { id: m.id, text: m.text, author: m.author } });
      markSeen();
      renderUnread();
    }
  }
  if (stick) ui.log.scrollTop = ui.log.scrollHeight;
}

function renderMessage(m) {
  const mine = m.from === 'visitor';
  return h(
    'div',
    { class: `msg ${mine ? 'mine' : 'theirs'}`, 'data-id': m.id, 'data-conv': m.conversation_id },
    mine
      ? h('span', { class: 'vh', t: 'you' })
      : h('span', { class: 'author', text: m.author || config.title || t('agent') }),
    m.text && h('p', { class: 'bubble' }, linkify(clean(m.text))),
    (m.attachments || []).map((a) => attachment(m.id, a)),
    m.csat && survey(m.id, m.csat),
    h('span', { class: 'meta' }, h('time', { datetime: m.created_at, text: clock(m.created_at) })),
  );
}

/**
 * The satisfaction survey under its message: five rating buttons (a press files the rating at
 * once), then an optional comment. A later press changes the rating until the survey expires.
 */
function survey(messageId, csat) {
  const labelId = `sb-csat-${messageId}`;
  const status = h('p', { class: 'csat-status', role: 'status' });
  let busy = false;
  const say = (key) => {
    status.dataset.t = key;
    localise(status);
  };
  const buttons = (csat.ratings || []).map((n) =>
    h(
      'button',
      {
        type: 'button',
        class: 'rate',
        'data-rating': n,
        'aria-label': t('rate', { n }),
        'aria-pressed': String(csat.rating === n),
        disabled: csat.state === 'expired',
        onclick: () => answer({ rating: n }),
      },
      String(n),
    ),
  );
  const comment = h('textarea', {
    name: 'comment',
    rows: '2',
    maxlength: csat.max_comment_chars || null,
  });
  const more = h(
    'form',
    { class: 'csat-more', hidden: true },
    h('label', { class: 'field' }, h('span', { t: 'csatComment' }), comment),
    h('button', { type: 'submit', class: 'primary', t: 'send' }),
  );
  more.addEventListener('submit', (event) => {
    event.preventDefault();
    if (comment.value.trim()) answer({ rating: csat.rating, comment: comment.value });
  });

  async function answer(body) {
    if (busy || !csat.token) return;
    busy = true;
    try {
      await call('POST', 'csat', { token: csat.token, ...body });
      csat.rating = body.rating;
      csat.state = 'answered';
      for (const b of buttons) {
        b.setAttribute('aria-pressed', String(b.dataset.rating === String(body.rating)));
      }
      if (body.comment) {
        more.remove();
        say('csatThanksComment');
      } else {
        more.hidden = false;
        say('csatThanks');
      }
    } catch (err) {
      if (err.status === 410) {
        for (const b of buttons) b.disabled = true;
        more.remove();
        return say('csatClosed');
      }
      delete status.dataset.t;
      status.textContent = clean(err.message);
    } finally {
      busy = false;
    }
  }

  if (csat.state === 'expired') say('csatClosed');
  else if (csat.state === 'answered') say('csatThanks');
  return h(
    'div',
    { class: 'csat', role: 'group', 'aria-labelledby': labelId },
    h('p', { class: 'csat-q', id: labelId, t: 'rateUs' }),
    h('div', { class: 'rates' }, buttons),
    status,
    more,
  );
}

/** An attachment, fetched with the token (a plain link cannot send it) and shown from a blob. */
function attachment(messageId, a) {
  // A file kept elsewhere (a link an agent attached) opens there, in a new tab.
  if (a.url) {
    const label = a.name || a.url;
    return h(
      'div',
      { class: 'attachment' },
      h('a', { class: 'file', href: a.url, target: '_blank', rel: 'noopener noreferrer' }, label),
    );
  }
  const image = /^image\//.test(a.mime_type);
  const link = h(
    'a',
    { class: 'file', download: a.name },
    image ? '' : a.size == null ? a.name : `${a.name} (${size(a.size)})`,
  );
  call('GET', `attachments/${messageId}/${a.index}`, undefined, { blob: true })
    .then((blob) => {
      const url = URL.createObjectURL(blob);
      blobs.push(url);
      link.href = url;
      if (image) link.append(h('img', { src: url, alt: a.name }));
    })
    .catch(() => link.append(`${a.name} — ${t('unavailable')}`));
  return h('div', { class: 'attachment' }, link);
}

/** A "conversation closed" line after everything shown, unless one is there already. */
function divider() {
  if (!lastId) return;
  const el = h('div', { class: 'divider', role: 'separator', 'data-id': lastId, t: 'closed' });
  place(el, lastId);
  if (el.previousElementSibling?.classList.contains('divider')) el.remove();
}

function seenUpTo(upTo) {
  if (!(upTo > agentSeen)) return;
  agentSeen = upTo;
  renderSeen();
}

/** "Seen" under the newest visitor message the agent has read. */
function renderSeen() {
  ui.log.querySelector('.seen')?.remove();
  let target = null;
  for (const el of ui.log.querySelectorAll('.mine[data-id]')) {
    if (Number(el.dataset.id) <= agentSeen) target = el;
  }
  target?.append(h('span', { class: 'seen', t: 'seen' }));
}

let typingTimer;
let typingName = null;

function showTyping({ typing, name }) {
  clearTimeout(typingTimer);
  typingName = typing ? name || t('agent') : null;
  // A lost `typing: false` must not leave the line up for ever.
  if (typing) typingTimer = setTimeout(() => showTyping({ typing: false }), 8000);
  if (ui.typing) ui.typing.textContent = typingName ? t('typing', { name: clean(typingName) }) : '';
}

/** Posts `seen` for the newest agent message when the visitor can actually see it. */
function markSeen() {
  const newest = Math.max(0, ...agentIds);
  if (!isOpen || document.visibilityState !== 'visible' || newest <= seenId) return;
  seenId = newest;
  storage.set(KEY.seen, seenId);
  // Best effort: a lost `seen` only leaves the agent's read mark behind until the next one.
  call('POST', 'seen', { up_to: seenId }).catch(() => {});
  renderUnread();
}

function renderUnread() {
  const count = agentIds.filter((id) => id > seenId).length;
  ui.badge.textContent = count > 99 ? '99+' : String(count);
  ui.badge.hidden = count === 0;
  ui.launcher.setAttribute('aria-label', count ? t('openUnread', { n: count }) : t('open'));
  ui.launcher.title = ui.launcher.getAttribute('aria-label');
  if (count !== sentUnread) {
    sentUnread = count;
    toHost('unread', { count });
  }
}

// ---- the live stream --------------------------------------------------------------------

let streamRun = 0;
let streamAbort = null;

function stopStream() {
  streamRun++;
  streamAbort?.abort();
}

/** (Re)starts the event stream: fetch, because EventSource cannot send the token header. */
async function connect() {
  stopStream();
  const run = streamRun;
  let delay = 1000;
  while (run === streamRun && token) {
    const used = token;
    const controller = new AbortController();
    streamAbort = controller;
    try {
      const headers = { Accept: 'text/event-stream', 'X-Visitor-Token': used };
      if (lastId) headers['Last-Event-ID'] = String(lastId);
      const response = await fetch(`${API}/stream`, {
        headers,
        signal: controller.signal,
        cache: 'no-store',
      });
      if (response.status === 401) {
        // A new token comes with a refresh, which starts a new stream and ends this loop.
        await replaceToken(used);
      } else if (response.ok && response.body) {
        delay = 1000;
        // Whatever waited for the connection to come back goes now.
        flush();
        await readEvents(response.body, run);
      }
    } catch {
      // Network error or our own abort: the loop condition tells which.
    }
    if (run !== streamRun) return;
    await sleep(delay);
    delay = Math.min(delay * 2, 15000);
  }
}

/** Parses text/event-stream (https://html.spec.whatwg.org/#event-stream-interpretation). */
async function readEvents(body, run) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let type = '';
  let data = [];
  let id = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done || run !== streamRun) return;
    // A CR at the very end may be the first half of a CRLF split across chunks: keep it.
    const lines = (buffer + value).split(/\r\n|\r(?!$)|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (/^\d+$/.test(id)) lastId = Math.max(lastId, Number(id));
        if (data.length) onEvent(type || 'message', data.join('\n'));
        type = '';
        data = [];
      } else if (line[0] !== ':') {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = text;
        else if (field === 'data') data.push(text);
        else if (field === 'id' && !text.includes('\0')) id = text;
      }
    }
  }
}

function onEvent(type, raw) {
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return; // not ours to understand; the next event may be
  }
  if (type === 'message') addMessage(data, true);
  else if (type === 'typing') showTyping(data);
  else if (type === 'seen') seenUpTo(data.up_to);
  else if (type === 'status' && data.status === 'resolved') divider();
}

// ---- sending ----------------------------------------------------------------------------

const saveOutbox = () => storage.set(KEY.outbox, JSON.stringify(outbox));

function renderPending(item) {
  const el = h(
    'div',
    { class: 'msg mine pending' },
    h('span', { class: 'vh', t: 'you' }),
    item.text && h('p', { class: 'bubble' }, item.text),
    (item.files || []).map((f) => h('div', { class: 'attachment file' }, f.name)),
    h('span', { class: 'meta' }),
  );
  pending.set(item.client_id, el);
  renderState(item);
  ui.log.append(el);
  ui.log.scrollTop = ui.log.scrollHeight;
}

function renderState(item) {
  const meta = pending.get(item.client_id)?.querySelector('.meta');
  if (!meta) return;
  meta.classList.toggle('failed', Boolean(item.failed));
  if (!item.failed) return meta.replaceChildren(h('span', { t: 'sending' }));
  meta.replaceChildren(
    h('span', { t: 'failed' }),
    ` ${clean(item.failed)} `,
    h('button', { type: 'button', class: 'link', t: 'edit', onclick: () => edit(item) }),
  );
}

/** Takes a failed message back into the composer, to be changed and sent again. */
function edit(item) {
  outbox = outbox.filter((other) => other !== item);
  saveOutbox();
  pending.get(item.client_id)?.remove();
  pending.delete(item.client_id);
  ui.input.value = item.text;
  chips = item.files || [];
  renderChips();
  ui.input.focus();
}

let flushing = false;
let retryTimer;
let retryDelay = 2000;

/** Sends the outbox in order; stops at the first message that must wait. */
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (let item = outbox.find((i) => !i.failed); item; item = outbox.find((i) => !i.failed)) {
      if (!(await deliver(item))) break;
    }
  } finally {
    flushing = false;
  }
}

/** Posts one message; false when it stays in the outbox for a later try. */
async function deliver(item) {
  try {
    const message = await call('POST', 'messages', {
      client_id: item.client_id,
      text: item.text,
      attachments: (item.files || []).map((f) => f.id),
      page_url: item.page_url || undefined,
    });
    retryDelay = 2000;
    addMessage(message, false);
    // A 200 for a client id the server already had may name a message shown already.
    if (outbox.includes(item)) {
      outbox = outbox.filter((other) => other !== item);
      saveOutbox();
      pending.get(item.client_id)?.remove();
    }
    return true;
  } catch (err) {
    if (transient(err)) {
      // The server deduplicates by client_id, so retrying never sends a message twice.
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, Math.max(retryDelay, err.retryAfter * 1000));
      retryDelay = Math.min(retryDelay * 2, 60000);
      return false;
    }
    item.failed = err.message;
    saveOutbox();
    renderState(item);
    return true;
  }
}

function submit(event) {
  event.preventDefault();
  const text = ui.input.value.trim();
  if ((!text && !chips.length) || uploads.size) return;
  const item = { client_id: uuid(), text, files: chips, page_url: pageUrl };
  chips = [];
  outbox.push(item);
  // Stored before the request: a page closed mid-send still sends it next time.
  saveOutbox();
  ui.input.value = '';
  autosize();
  renderChips();
  stopTyping();
  renderPending(item);
  flush();
}

let typingSent = 0;
let typingIdle;

const postTyping = (typing) =>
  // Best effort: a lost typing signal corrects itself with the next keystroke or message.
  call('POST', 'typing', { typing }).catch(() => {});

function typed() {
  autosize();
  if (!ui.input.value.trim() || !token) return;
  if (Date.now() - typingSent > 3000) {
    typingSent = Date.now();
    postTyping(true);
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 5000);
}

function stopTyping() {
  clearTimeout(typingIdle);
  if (!typingSent) return;
  typingSent = 0;
  postTyping(false);
}

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 120)}px`;
}

// ---- attachments ------------------------------------------------------------------------

function allowed(type) {
  return (config.upload_types || []).some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}

async function upload(file) {
  if (file.size > config.max_upload_bytes) {
    return showError(t('tooBig', { name: file.name, size: size(config.max_upload_bytes) }));
  }
  if (!allowed(file.type || 'application/octet-stream')) {
    return showError(t('badType', { name: file.name }));
  }
  showError('');
  uploads.add(file);
  renderChips();
  try {
    const result = await call('POST', `uploads?name=${encodeURIComponent(file.name)}`, file);
    chips.push({ id: result.id, name: result.name || file.name });
  } catch (err) {
    showError(err.message);
  } finally {
    uploads.delete(file);
    renderChips();
  }
}

function renderChips() {
  ui.chips.replaceChildren(
    ...chips.map((chip) =>
      h(
        'span',
        { class: 'chip' },
        chip.name,
        h(
          'button',
          {
            type: 'button',
            'aria-label': t('remove', { name: chip.name }),
            onclick: () => {
              chips = chips.filter((other) => other !== chip);
              renderChips();
              ui.input.focus();
            },
          },
          icon(ICON.close),
        ),
      ),
    ),
    [...uploads].map((file) =>
      h('span', { class: 'uploading' }, t('uploading', { name: file.name })),
    ),
  );
  ui.send.disabled = uploads.size > 0;
}

// ---- the panel --------------------------------------------------------------------------

function showError(text) {
  if (ui.error) ui.error.textContent = clean(text || '');
}

function setOpen(open) {
  if (open === isOpen || !ui.panel) return;
  const hadFocus = document.hasFocus() && ui.panel.contains(document.activeElement);
  isOpen = open;
  if (open) resize();
  ui.panel.hidden = !open;
  ui.launcher.hidden = open;
  if (!open) resize();
  toHost(open ? 'open' : 'close');
  if (open) {
    ui.log.scrollTop = ui.log.scrollHeight;
    const target = [ui.input, ui.prechat.querySelector('input'), ui.close].find(
      (el) => el?.getClientRects().length,
    );
    target?.focus();
    markSeen();
  } else if (hadFocus) {
    // Only focus the user had in the panel goes back; a host's close() never pulls it here.
    ui.launcher.focus();
  }
  renderUnread();
}

/** Shows the form the visitor needs now: sign-in notice, pre-chat, composer, away email. */
function renderForms() {
  if (!ui.panel) return;
  const locked = !token && config.identity_required;
  const prechat = config.pre_chat?.enabled && !storage.get(KEY.prechat);
  ui.signIn.hidden = !locked;
  ui.prechat.hidden = locked || !prechat;
  ui.composer.hidden = locked || prechat;
  ui.away.hidden = config.online || !token || Boolean(visitor?.email);
}

function form(attrs, fields, submitKey, onsubmit) {
  const button = h('button', { type: 'submit', class: 'primary', t: submitKey });
  const el = h('form', attrs, fields, button);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await onsubmit(new FormData(el));
      showError('');
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

function field({ name, label, type, required }, key) {
  return h(
    'label',
    { class: 'field' },
    h('span', key ? { t: key } : { text: label || name }),
    h('input', {
      name,
      type: ['email', 'tel'].includes(type) ? type : 'text',
      required: Boolean(required),
      autocomplete: name === 'name' || name === 'email' ? name : type === 'tel' ? 'tel' : null,
    }),
  );
}

function buildPrechat() {
  const pre = config.pre_chat || {};
  return form(
    { class: 'prechat', hidden: true },
    [
      pre.message && h('p', { class: 'lead', text: pre.message }),
      (pre.fields || []).map((f) => field(f)),
    ],
    'start',
    async (data) => {
      const body = { attributes: {} };
      for (const [name, value] of data) {
        if (!value) continue;
        if (name === 'name' || name === 'email') body[name] = value;
        else body.attributes[name] = value;
      }
      setVisitor(await call('PATCH', 'contact', body));
      storage.set(KEY.prechat, '1');
      renderForms();
      ui.input.focus();
    },
  );
}

function buildAway() {
  return form(
    { class: 'away', hidden: true },
    [
      h('p', { class: 'lead', t: 'leaveEmail' }),
      field({ name: 'email', type: 'email', required: true }, 'email'),
    ],
    'save',
    async (data) => {
      setVisitor(await call('PATCH', 'contact', { email: data.get('email') }));
      ui.thanks.hidden = false;
    },
  );
}

function build() {
  const replyKey = ['minutes', 'hours', 'day'].includes(config.reply_time) && config.reply_time;
  ui.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  ui.launcher = h(
    'button',
    {
      type: 'button',
      class: 'launcher',
      tLabel: 'open',
      'aria-controls': 'sb-panel',
      onclick: () => setOpen(true),
    },
    icon(ICON.chat),
    ui.badge,
  );
  ui.close = h(
    'button',
    { type: 'button', class: 'icon close', tLabel: 'close', onclick: () => setOpen(false) },
    icon(ICON.close),
  );
  ui.welcome = config.welcome
    ? h(
        'div',
        { class: 'msg theirs', 'data-id': 0 },
        h('span', { class: 'author', text: config.title }),
        h('p', { class: 'bubble' }, linkify(clean(config.welcome))),
      )
    : null;
  ui.log = h('div', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    tLabel: 'messages',
    tabindex: '0',
  });
  ui.typing = h('p', { class: 'typing', role: 'status' });
  ui.error = h('p', { class: 'error', role: 'alert' });
  ui.signIn = h('p', { class: 'notice', t: 'signIn', hidden: true });
  ui.thanks = h('p', { class: 'notice', t: 'thanks', hidden: true });
  ui.input = h('textarea', {
    id: 'sb-input',
    rows: '1',
    maxlength: config.max_text_chars || null,
    tPlaceholder: 'placeholder',
    oninput: typed,
    onkeydown: (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        ui.composer.requestSubmit();
      }
    },
  });
  ui.file = h('input', {
    type: 'file',
    class: 'vh',
    tabindex: '-1',
    'aria-hidden': 'true',
    multiple: true,
    accept: (config.upload_types || []).join(',') || null,
    onchange: () => {
      for (const file of ui.file.files) upload(file);
      ui.file.value = '';
    },
  });
  ui.send = h('button', { type: 'submit', class: 'icon send', tLabel: 'send' }, icon(ICON.send));
  ui.chips = h('div', { class: 'chips', 'aria-live': 'polite' });
  ui.composer = h(
    'form',
    { class: 'composer', onsubmit: submit },
    ui.chips,
    h(
      'button',
      { type: 'button', class: 'icon', tLabel: 'attach', onclick: () => ui.file.click() },
      icon(ICON.attach),
    ),
    h('label', { class: 'vh', for: 'sb-input', t: 'message' }),
    ui.input,
    ui.send,
    ui.file,
  );
  ui.prechat = buildPrechat();
  ui.away = buildAway();
  ui.panel = h(
    'section',
    { id: 'sb-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'sb-title', hidden: true },
    h(
      'header',
      { class: 'head' },
      h(
        'div',
        {},
        h('h2', { id: 'sb-title', text: config.title || 'Chat' }),
        h(
          'p',
          { class: `sub ${config.online ? 'online' : 'offline'}` },
          h('span', { class: 'dot', t: config.online ? 'online' : 'away' }),
          replyKey && h('span', { t: replyKey }),
        ),
      ),
      ui.close,
    ),
    !config.online && config.away_message && h('p', { class: 'notice', text: config.away_message }),
    ui.away,
    ui.thanks,
    ui.log,
    ui.typing,
    ui.error,
    ui.signIn,
    ui.prechat,
    ui.composer,
  );
  // The frame is a page of its own: one main landmark, and a heading that names the chat
  // whether the panel is open or only the launcher shows.
  const heading = h('h1', { class: 'visually-hidden', text: config.title || 'Chat' });
  document.body.replaceChildren(h('main', {}, heading, ui.launcher, ui.panel));
  ui.log.replaceChildren(...(ui.welcome ? [ui.welcome] : []));
  document.title = config.title || 'Chat';
}

function applyLocale() {
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  const known = (l) => l === 'en' || l === 'cs';
  const wanted = [hostLocale, ...languages.map((l) => String(l).slice(0, 2).toLowerCase())];
  locale = wanted.find(known) || (known(config?.locale) ? config.locale : 'en');
  document.documentElement.lang = locale;
  if (!ui.panel) return;
  for (const el of document.querySelectorAll('[data-t],[data-t-label],[data-t-placeholder]')) {
    localise(el);
  }
  for (const el of document.querySelectorAll('.rate')) {
    el.setAttribute('aria-label', t('rate', { n: el.dataset.rating }));
  }
  showTyping({ typing: Boolean(typingName), name: typingName });
  renderUnread();
}

/** Sets the accent colour, with dark text on it when white would not reach 4.5:1 (WCAG AA). */
function accent(color) {
  if (!/^#([0-9a-f]{3}){1,2}$/i.test(color || '')) return;
  const hex = color.length === 4 ? [...color.slice(1)].map((c) => c + c).join('') : color.slice(1);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const root = document.documentElement.style;
  root.setProperty('--sb-accent', color);
  root.setProperty('--sb-on-accent', 1.05 / (luminance + 0.05) >= 4.5 ? '#fff' : '#111');
}

// ---- main -------------------------------------------------------------------------------

async function loadConfig() {
  for (let delay = 2000; ; delay = Math.min(delay * 2, 60000)) {
    try {
      return await call('GET', 'config', undefined, { anonymous: true });
    } catch (err) {
      if (!transient(err)) throw err;
    }
    await sleep(delay);
  }
}

async function main() {
  try {
    config = await loadConfig();
  } catch (err) {
    // An unknown or disabled channel: show nothing at all on the host page.
    console.warn('switchboard chat:', err.message);
    return;
  }
  token = storage.get(KEY.token);
  visitor = loadJson(KEY.visitor, null);
  outbox = loadJson(KEY.outbox, []).filter((item) => item?.client_id);
  seenId = Number(storage.get(KEY.seen)) || 0;
  accent(config.color);
  applyLocale();
  build();
  renderForms();
  renderUnread();
  addEventListener('message', fromHost);
  addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen) setOpen(false);
  });
  addEventListener('online', () => (live ? flush() : ops(start)));
  document.addEventListener('visibilitychange', markSeen);
  toHost('ready');
  resize();
  // The loader answers `ready` with the calls queued before it, then `page`: waiting for `page`
  // lets an early identify() come first, so no anonymous session is made only to be replaced.
  await Promise.race([pageReady, sleep(2000)]);
  ops(start);
}

main();
