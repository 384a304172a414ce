// One conversation: the thread (messages, notes, activity, attachments, delivery state), the
// actions, the composer with templates and drafts, presence and the contact panel.

import { get, getAll, getOptional, post, patch } from './api.js';
import { h, replace, linkify, since, when, toast, channelIcon, safeUrl, isolated } from './dom.js';
import {
  me,
  state,
  memory,
  agentName,
  teamName,
  channelKind,
  contact,
  contactLabel,
} from './state.js';
import { slaBadge } from './inbox.js';

const WHATSAPP_WINDOW_MS = 24 * 3600 * 1000;

const t = {
  id: null,
  conversation: null,
  messages: [],
  activity: [],
  mode: 'reply',
  panes: null,
  el: {},
  /** The newest message id on screen when the agent started writing. */
  writingSince: null,
  collisionAcknowledged: false,
  template: null,
  templateText: null,
  lastTyping: 0,
  refreshing: null,
};

/** Shows conversation `id` in `panes` ({thread, contact}). */
export async function show(id, panes) {
  if (t.id && t.id !== id) leave();
  t.id = id;
  t.panes = panes;
  t.messages = [];
  t.activity = [];
  t.writingSince = null;
  t.collisionAcknowledged = false;
  t.template = null;
  replace(panes.thread, h('p', { class: 'loading' }, 'Loading…'));
  let conversation;
  try {
    conversation = await get(`/conversations/${id}`);
  } catch (err) {
    replace(
      panes.thread,
      h('p', { class: 'empty' }, `Cannot open conversation ${id}: ${err.message}`),
    );
    return null;
  }
  if (t.id !== id) return null;
  t.conversation = conversation;
  build();
  await Promise.all([loadMessages(), loadContact()]);
  announce('viewing');
  return conversation;
}

/** Leaves the open conversation (presence "left"). */
export function leave() {
  if (t.id) post(`/conversations/${t.id}/presence`, { state: 'left' }).catch(() => {});
  t.id = null;
  t.conversation = null;
}

/** The open conversation's id. */
export function openId() {
  return t.id;
}

function announce(presence) {
  if (!t.id) return;
  post(`/conversations/${t.id}/presence`, { state: presence })
    .then(renderPresence)
    .catch(() => {});
}

/** Re-sends "viewing" (called on the heartbeat). */
export function keepViewing() {
  if (t.id && document.visibilityState === 'visible') announce('viewing');
}

function build() {
  const c = t.conversation;
  const kind = channelKind(c.channel);
  t.el.title = h(
    'h2',
    { id: 'conversation-title', class: 'conversation-title' },
    `Conversation #${c.id}`,
  );
  t.el.meta = h('div', { class: 'conversation-meta' });
  t.el.presence = h('div', {
    id: 'presence',
    class: 'presence',
    role: 'status',
    'aria-live': 'polite',
  });
  t.el.actions = actions();
  t.el.list = h('ol', {
    id: 'messages',
    class: 'messages',
    'aria-label': 'Messages',
    'aria-live': 'polite',
  });
  t.el.composer = composer();
  replace(
    t.panes.thread,
    h(
      'header',
      { class: 'conversation-header' },
      h(
        'a',
        {
          href: `#/inbox/${location.hash.split('/')[2] || 'all'}`,
          class: 'back',
          'aria-label': 'Back to the list',
        },
        '←',
      ),
      channelIcon(kind, c.channel),
      t.el.title,
      t.el.meta,
    ),
    t.el.actions,
    t.el.presence,
    t.el.list,
    t.el.composer,
  );
  renderHeader();
}

function renderHeader() {
  const c = t.conversation;
  contact(c.contact_id)
    .then((found) => {
      replace(
        t.el.title,
        isolated(contactLabel(found)),
        c.subject ? [' — ', isolated(c.subject)] : null,
      );
    })
    .catch(() => {});
  replace(
    t.el.meta,
    h('span', { class: `badge status-${c.status}`, id: 'conversation-status' }, c.status),
    c.snoozed_until && c.status === 'snoozed'
      ? h('span', { class: 'badge' }, `until ${when(c.snoozed_until)}`)
      : null,
    h(
      'span',
      { class: 'badge', id: 'conversation-assignee' },
      c.assignee_id ? `→ ${agentName(c.assignee_id)}` : 'unassigned',
    ),
    c.team_id ? h('span', { class: 'badge team' }, teamName(c.team_id)) : null,
    c.waiting_since
      ? h('span', { class: 'badge waiting' }, `waiting ${since(c.waiting_since)}`)
      : null,
    slaBadge(c),
    h('span', { class: 'channel-name' }, c.channel),
  );
  if (t.el.assign)
    t.el.assign.value = c.assignee_id
      ? `agent:${c.assignee_id}`
      : c.team_id
        ? `team:${c.team_id}`
        : '';
  if (t.el.priority) t.el.priority.value = c.priority;
  if (t.el.labels && document.activeElement !== t.el.labels)
    t.el.labels.value = c.labels.join(', ');
  if (t.el.resolve) {
    const resolved = c.status === 'resolved';
    t.el.resolve.textContent = resolved ? 'Reopen' : 'Resolve (e)';
    t.el.resolve.dataset.action = resolved ? 'reopen' : 'resolve';
  }
  renderWindowWarning();
}

function actions() {
  const assign = h(
    'select',
    { id: 'assign', 'aria-label': 'Assign to', onChange: (e) => assignTo(e.target.value) },
    h('option', { value: '' }, 'Unassigned'),
    h('option', { value: `agent:${me.id}` }, 'Me'),
    h(
      'optgroup',
      { label: 'Agents' },
      [...state.agents.values()]
        .filter((a) => a.id !== me.id && a.role !== 'marketer')
        .map((a) => h('option', { value: `agent:${a.id}` }, `${a.name} (${a.availability})`)),
    ),
    h(
      'optgroup',
      { label: 'Teams' },
      [...state.teams.values()].map((team) => h('option', { value: `team:${team.id}` }, team.name)),
    ),
  );
  const priority = h(
    'select',
    {
      id: 'priority',
      'aria-label': 'Priority',
      onChange: (e) => change(() => patch(`/conversations/${t.id}`, { priority: e.target.value })),
    },
    ['urgent', 'high', 'normal', 'low'].map((p) => h('option', { value: p }, p)),
  );
  const labels = h('input', {
    id: 'labels',
    'aria-label': 'Labels (comma separated)',
    placeholder: 'labels, comma separated',
  });
  labels.addEventListener('change', () => {
    const list = labels.value
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    change(() => patch(`/conversations/${t.id}`, { labels: list }));
  });
  const resolve = h(
    'button',
    { type: 'button', id: 'resolve', onClick: () => toggleResolved() },
    'Resolve (e)',
  );
  const snoozeAt = h('input', {
    type: 'datetime-local',
    id: 'snooze-until',
    'aria-label': 'Snooze until',
  });
  const snooze = h(
    'button',
    {
      type: 'button',
      id: 'snooze',
      onClick: () => {
        if (!snoozeAt.value) {
          snoozeAt.focus();
          toast('Pick when the conversation should wake up');
          return;
        }
        change(() =>
          post(`/conversations/${t.id}/status`, {
            status: 'snoozed',
            snoozed_until: new Date(snoozeAt.value).toISOString(),
          }),
        );
      },
    },
    'Snooze',
  );
  Object.assign(t.el, { assign, priority, labels, resolve });
  return h(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Conversation actions' },
    h('label', {}, h('span', { class: 'visually-hidden' }, 'Assign'), assign),
    resolve,
    h('span', { class: 'snooze' }, snoozeAt, snooze),
    h('label', {}, h('span', { class: 'visually-hidden' }, 'Priority'), priority),
    labels,
  );
}

async function change(call) {
  try {
    t.conversation = await call();
    renderHeader();
  } catch (err) {
    toast(err.message, 'error');
  }
}

function assignTo(value) {
  const c = t.conversation;
  let body;
  if (!value) body = { agent_id: null, team_id: null };
  else if (value.startsWith('agent:'))
    body = { agent_id: Number(value.slice(6)), team_id: c.team_id };
  else body = { agent_id: null, team_id: Number(value.slice(5)) };
  change(() => post(`/conversations/${t.id}/assign`, body));
}

/** Resolves the open conversation, or reopens a resolved one. */
export function toggleResolved() {
  if (!t.conversation) return;
  const status = t.conversation.status === 'resolved' ? 'open' : 'resolved';
  change(() => post(`/conversations/${t.id}/status`, { status }));
}

/** Moves focus to the assignment picker. */
export function focusAssign() {
  t.el.assign?.focus();
}

// ---- messages ---------------------------------------------------------------------------

async function loadMessages() {
  const id = t.id;
  const [messages, activity] = await Promise.all([
    getAll(`/conversations/${id}/messages?limit=200`, 2000),
    get(`/conversations/${id}/activity`).catch(() => []),
  ]);
  if (t.id !== id) return;
  t.messages = messages;
  t.activity = activity;
  renderMessages();
}

function renderMessages() {
  const items = [
    ...t.messages.map((m) => ({ at: m.created_at, order: m.id * 2, node: () => message(m) })),
    ...t.activity.map((e) => ({
      at: e.created_at,
      order: e.id * 2 + 1,
      node: () => activityLine(e),
    })),
  ].sort((a, b) => new Date(a.at) - new Date(b.at) || a.order - b.order);
  const atBottom = t.el.list.scrollHeight - t.el.list.scrollTop - t.el.list.clientHeight < 80;
  replace(
    t.el.list,
    items.length
      ? items.map((item) => item.node())
      : h('li', { class: 'empty' }, 'No messages yet.'),
  );
  if (atBottom || !t.el.list.dataset.scrolled) {
    t.el.list.scrollTop = t.el.list.scrollHeight;
    t.el.list.dataset.scrolled = '1';
  }
  renderWindowWarning();
}

function author(m) {
  if (m.author_type === 'contact') {
    const span = h('span', { class: 'author' }, 'Customer');
    contact(t.conversation.contact_id)
      .then((c) => {
        replace(span, isolated(contactLabel(c)));
      })
      .catch(() => {});
    return span;
  }
  if (m.author_type === 'agent')
    return h('span', { class: 'author' }, agentName(m.author_id) || 'Agent');
  if (m.author_type === 'bot') return h('span', { class: 'author' }, 'Bot');
  return h('span', { class: 'author' }, 'System');
}

function message(m) {
  if (m.kind === 'activity')
    return h(
      'li',
      { class: 'activity', dataset: { id: String(m.id) } },
      m.text,
      ' · ',
      when(m.created_at),
    );
  const note = m.kind === 'note';
  const cls = note ? 'msg note' : `msg ${m.direction === 'in' ? 'in' : 'out'}`;
  return h(
    'li',
    { class: cls, id: `message-${m.id}`, dataset: { id: String(m.id) } },
    h(
      'div',
      { class: 'msg-head' },
      note ? h('span', { class: 'note-tag' }, 'Private note') : null,
      author(m),
      m.channel !== t.conversation.channel ? channelIcon(channelKind(m.channel), m.channel) : null,
      h('time', { datetime: m.created_at, title: m.created_at }, when(m.created_at)),
      m.edited_at ? h('span', { class: 'edited', title: `edited ${m.edited_at}` }, 'edited') : null,
    ),
    body(m),
    attachments(m),
    m.direction === 'out' && !note ? delivery(m) : null,
  );
}

function body(m) {
  if (m.html) {
    // Customer HTML (email) only ever renders inside a sandbox without scripts, forms or
    // same-origin access; the page's CSP applies inside as well, and its `img-src` keeps
    // remote images (trackers) from loading until the agent asks, through the server.
    const frame = h('iframe', {
      class: 'email-frame',
      sandbox: '',
      referrerpolicy: 'no-referrer',
      title: 'Email content',
      srcdoc: m.html,
    });
    const text = h('div', { class: 'msg-text', dir: 'auto', hidden: true }, linkify(m.text));
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'link',
        onClick: () => {
          frame.hidden = !frame.hidden;
          text.hidden = !text.hidden;
          toggle.textContent = frame.hidden ? 'Show formatted' : 'Show as text';
        },
      },
      'Show as text',
    );
    const remote = remoteImages(m.html);
    const load = remote.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'link load-images',
            onClick: async () => {
              load.disabled = true;
              frame.srcdoc = await throughServer(m);
              load.remove();
            },
          },
          `Load images (${remote.length})`,
        )
      : null;
    return h('div', { class: 'msg-body' }, frame, text, toggle, load);
  }
  return h('div', { class: 'msg-body msg-text', dir: 'auto' }, linkify(m.text));
}

/** Parses customer HTML without loading or running anything (an inert document). */
function inert(html) {
  return new DOMParser().parseFromString(html, 'text/html');
}

/** The `<img>` elements of `html` whose source is a remote http(s) URL. */
function remoteImages(html) {
  return [...inert(html).querySelectorAll('img[src]')]
    .map((img) => img.getAttribute('src').trim())
    .filter((src) => /^https?:/i.test(src));
}

/**
 * `m.html` with its remote images fetched by the server's guarded image route and inlined as
 * `data:` URLs: the sandboxed frame has an opaque origin and no session, and the page's CSP
 * lets images come only from here. An image the server refuses stays out.
 */
async function throughServer(m) {
  const doc = inert(m.html);
  await Promise.all(
    [...doc.querySelectorAll('img[src]')].map(async (img) => {
      img.removeAttribute('srcset');
      const src = img.getAttribute('src').trim();
      if (!/^https?:/i.test(src)) return;
      img.removeAttribute('src');
      try {
        const response = await fetch(
          `/api/v1/messages/${m.id}/images?url=${encodeURIComponent(src)}`,
          { credentials: 'same-origin' },
        );
        if (!response.ok) return;
        img.setAttribute('src', await dataUrl(await response.blob()));
      } catch {
        // A refused or failed image stays empty, like a blocked one.
      }
    }),
  );
  return `<!doctype html>${doc.documentElement.outerHTML}`;
}

/** A blob as a `data:` URL. */
function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function attachments(m) {
  if (!m.attachments?.length) return null;
  return h(
    'ul',
    { class: 'attachments' },
    m.attachments.map((a, index) => {
      const href = a.file_id ? `/api/v1/messages/${m.id}/attachments/${index}` : safeUrl(a.url);
      const name = a.name || (a.url ? a.url.split('/').pop() : `attachment ${index + 1}`);
      const size = a.size ? ` (${Math.ceil(a.size / 1024)} KB)` : '';
      // Only files this server serves are previewed: an off-site image would tell its owner
      // when and where an agent read the message. Those stay links.
      const local = href && new URL(href, location.origin).origin === location.origin;
      if (local && (a.mime_type || '').startsWith('image/')) {
        return h(
          'li',
          { class: 'attachment image' },
          h(
            'a',
            { href, target: '_blank', rel: 'noopener noreferrer' },
            h('img', { src: href, alt: name }),
          ),
        );
      }
      return h(
        'li',
        { class: 'attachment' },
        href
          ? h(
              'a',
              { href, download: name, target: '_blank', rel: 'noopener noreferrer' },
              `↓ ${name}${size}`,
            )
          : `↓ ${name}${size}`,
      );
    }),
  );
}

function delivery(m) {
  const status = m.delivery_status || 'queued';
  const failed = status === 'failed' || status === 'dead';
  return h(
    'div',
    { class: `delivery delivery-${status}`, dataset: { status } },
    h('span', { class: 'delivery-status' }, status),
    failed && m.delivery_error
      ? h('span', { class: 'delivery-error' }, `: ${m.delivery_error}`)
      : null,
    failed
      ? h(
          'button',
          {
            type: 'button',
            class: 'retry',
            onClick: async () => {
              try {
                await post(`/messages/${m.id}/retry`);
                toast('Queued again');
              } catch (err) {
                toast(err.message, 'error');
              }
            },
          },
          'Retry',
        )
      : null,
  );
}

function activityLine(e) {
  const actor = e.agent_id ? ` by ${agentName(e.agent_id)}` : '';
  const d = e.data || {};
  let text;
  switch (e.kind) {
    case 'conversation.created':
      text = 'Conversation started';
      break;
    case 'conversation.assigned': {
      const to = d.to || {};
      const target = to.agent_id
        ? agentName(to.agent_id)
        : to.team_id
          ? `team ${teamName(to.team_id)}`
          : null;
      text = target ? `Assigned to ${target}${actor}` : `Unassigned${actor}`;
      break;
    }
    case 'conversation.status_changed':
      text = `Status ${d.from || '?'} → ${d.to || '?'}${actor}`;
      break;
    case 'conversation.updated':
      text = `Labels ${(d.labels || []).join(', ') || 'none'} · priority ${d.priority || 'normal'}${actor}`;
      break;
    case 'sla.breached':
      text = `SLA breached${d.target ? `: ${String(d.target).replace(/_/g, ' ')}` : ''}${d.policy ? ` (${d.policy})` : ''}`;
      break;
    case 'rule.failed':
      text = `Rule ${d.rule || d.name || ''} failed${d.error ? `: ${d.error}` : ''}`;
      break;
    default:
      text = `${e.kind.replace(/[._]/g, ' ')}${d.rule ? `: ${d.rule}` : ''}${d.name ? `: ${d.name}` : ''}${actor}`;
  }
  return h('li', { class: 'activity', dataset: { kind: e.kind } }, text, ' · ', when(e.created_at));
}

// ---- live updates -----------------------------------------------------------------------

/** Applies an event-stream event that concerns the open conversation. */
export async function onEvent(event) {
  if (!t.id || event.conversation_id !== t.id) {
    if (
      t.conversation &&
      event.contact_id === t.conversation.contact_id &&
      event.kind.startsWith('contact.')
    )
      loadContact(true);
    return;
  }
  if (event.kind.startsWith('conversation.')) {
    try {
      t.conversation = await get(`/conversations/${t.id}`);
      renderHeader();
    } catch {
      /* gone or no longer visible */
    }
  }
  // Coalesce bursts: one reload answers every event that arrived meanwhile.
  if (!t.refreshing) {
    t.refreshing = loadMessages().finally(() => {
      t.refreshing = null;
    });
  }
  await t.refreshing;
}

/** Shows who else is viewing or typing. */
export function renderPresence(view) {
  if (!t.id || !view || view.conversation_id !== t.id || !t.el.presence) return;
  const others = view.viewers.filter((v) => v.agent_id !== me.id);
  replace(
    t.el.presence,
    others.map((v) =>
      h(
        'span',
        { class: `viewer${v.typing ? ' typing' : ''}`, dataset: { agent: String(v.agent_id) } },
        v.typing ? `${v.name} is typing a reply…` : `${v.name} is viewing`,
      ),
    ),
  );
}

// ---- composer ---------------------------------------------------------------------------

function composer() {
  const draft = memory.get(`draft:${t.id}`, { mode: 'reply', text: '' });
  t.mode = draft.mode || 'reply';
  const text = h('textarea', { id: 'composer-text', rows: 4, 'aria-label': 'Message' });
  text.value = draft.text || '';
  const tab = (mode, label, key) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `mode-${mode}`,
        class: 'tab',
        'aria-selected': String(t.mode === mode),
        title: `${label} (${key})`,
        onClick: () => setMode(mode),
      },
      label,
    );
  const warning = h('div', { id: 'window-warning', class: 'warning', role: 'alert', hidden: true });
  const collision = h('div', {
    id: 'collision-warning',
    class: 'warning',
    role: 'alert',
    hidden: true,
  });
  const picker = h('div', { id: 'picker', class: 'picker', hidden: true });
  const templateButton = h(
    'button',
    {
      type: 'button',
      id: 'template-button',
      class: 'ghost',
      title: 'Templates and canned responses (/)',
      onClick: () => openPicker(),
    },
    'Templates',
  );
  if (state.missing.has('templates')) templateButton.hidden = true;
  const send = h('button', { type: 'submit', id: 'send' }, 'Send');
  const form = h(
    'form',
    {
      class: `composer mode-${t.mode}`,
      id: 'composer',
      onSubmit: (e) => {
        e.preventDefault();
        submit();
      },
    },
    h(
      'div',
      { class: 'tabs', role: 'tablist', 'aria-label': 'Reply or note' },
      tab('reply', 'Reply', 'r'),
      tab('note', 'Private note', 'n'),
    ),
    warning,
    collision,
    text,
    picker,
    h(
      'div',
      { class: 'composer-bar' },
      templateButton,
      h('span', { class: 'hint' }, 'Ctrl+Enter to send'),
      send,
    ),
  );
  Object.assign(t.el, { text, warning, collision, picker, form, send, templateButton });
  text.addEventListener('input', () => {
    if (text.value && t.writingSince === null) t.writingSince = newestMessageId();
    if (!text.value) {
      t.writingSince = null;
      t.collisionAcknowledged = false;
      hide(collision);
    }
    memory.set(`draft:${t.id}`, text.value ? { mode: t.mode, text: text.value } : null);
    if (t.mode === 'reply' && text.value && Date.now() - t.lastTyping > 3000) {
      t.lastTyping = Date.now();
      announce('typing');
    }
  });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    } else if (e.key === '/' && text.value === '' && !templateButton.hidden) {
      e.preventDefault();
      openPicker();
    } else if (e.key === 'Escape') {
      text.blur();
    }
  });
  if (text.value) t.writingSince = newestMessageId();
  return form;
}

function newestMessageId() {
  return t.messages.reduce((max, m) => Math.max(max, m.id), 0);
}

function hide(el) {
  el.hidden = true;
  replace(el);
}

function setMode(mode) {
  t.mode = mode;
  t.el.form.className = `composer mode-${mode}`;
  for (const m of ['reply', 'note'])
    document.getElementById(`mode-${m}`)?.setAttribute('aria-selected', String(m === mode));
  t.el.send.textContent = mode === 'note' ? 'Add note' : 'Send';
  t.el.text.placeholder =
    mode === 'note' ? 'Private note: only agents see it' : 'Reply to the customer';
  renderWindowWarning();
}

/** Focuses the composer in `mode` (`reply` or `note`). */
export function focusComposer(mode) {
  if (!t.el.text) return;
  setMode(mode);
  t.el.text.focus();
}

function renderWindowWarning() {
  if (!t.el.warning || !t.conversation) return;
  const closed =
    channelKind(t.conversation.channel) === 'whatsapp' &&
    t.mode === 'reply' &&
    (() => {
      const last = t.messages.filter((m) => m.direction === 'in' && m.kind === 'message').pop();
      return !last || Date.now() - new Date(last.created_at).getTime() > WHATSAPP_WINDOW_MS;
    })();
  t.el.warning.hidden = !closed;
  replace(
    t.el.warning,
    closed
      ? 'The WhatsApp 24-hour window is closed: a free-form reply will be refused. Pick an approved template (/).'
      : '',
  );
}

async function submit() {
  const text = t.el.text.value;
  if (!text.trim() && !t.template) return;
  if (t.mode === 'reply' && !t.collisionAcknowledged && t.writingSince !== null) {
    const others = t.messages.filter(
      (m) =>
        m.id > t.writingSince &&
        m.direction === 'out' &&
        m.kind === 'message' &&
        m.author_id !== me.id,
    );
    if (others.length) {
      const names = [...new Set(others.map((m) => agentName(m.author_id) || 'Someone'))].join(', ');
      t.el.collision.hidden = false;
      replace(
        t.el.collision,
        `${names} replied while you were writing. Read the thread, then press Send again to send yours anyway.`,
      );
      t.collisionAcknowledged = true;
      return;
    }
  }
  t.el.send.disabled = true;
  try {
    if (t.mode === 'note') {
      await post(`/conversations/${t.id}/notes`, { text });
    } else if (t.template && text === t.templateText) {
      await post(`/conversations/${t.id}/reply`, { template: t.template, values: {} });
    } else {
      await post(`/conversations/${t.id}/reply`, { text });
    }
    t.el.text.value = '';
    t.template = null;
    t.templateText = null;
    t.writingSince = null;
    t.collisionAcknowledged = false;
    hide(t.el.collision);
    memory.set(`draft:${t.id}`, null);
    announce('viewing');
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    t.el.send.disabled = false;
  }
}

// ---- template picker ----------------------------------------------------------------------

let pickerItems = null;

async function loadPickerItems() {
  const [canned, templates] = await Promise.all([
    getOptional('/canned-responses'),
    getOptional('/templates'),
  ]);
  if (canned === null && templates === null) {
    state.missing.add('templates');
    return [];
  }
  const list = (value) => (Array.isArray(value) ? value : value?.items || []);
  return [
    ...list(canned).map((c) => ({
      kind: 'canned',
      key: c.shortcut || c.title,
      title: c.title || c.shortcut,
      template: c.template?.name || c.template,
      text: c.text,
    })),
    ...list(templates).map((tpl) => ({
      kind: 'template',
      key: tpl.name,
      title: tpl.description || tpl.name,
      template: tpl.name,
    })),
  ];
}

async function openPicker() {
  const picker = t.el.picker;
  if (pickerItems === null) {
    try {
      pickerItems = await loadPickerItems();
    } catch (err) {
      toast(err.message, 'error');
      return;
    }
  }
  if (state.missing.has('templates')) {
    t.el.templateButton.hidden = true;
    toast('Templates are not available on this server');
    return;
  }
  const filter = h('input', {
    id: 'picker-filter',
    'aria-label': 'Find a template',
    placeholder: 'Find a template or canned response…',
    autocomplete: 'off',
  });
  const options = h('ul', { id: 'picker-options', role: 'listbox' });
  const preview = h('div', {
    id: 'picker-preview',
    class: 'picker-preview',
    'aria-live': 'polite',
  });
  let active = 0;
  let shown = [];
  const draw = () => {
    const q = filter.value.toLowerCase();
    shown = pickerItems.filter((i) => `${i.key} ${i.title}`.toLowerCase().includes(q));
    active = Math.min(active, Math.max(0, shown.length - 1));
    replace(
      options,
      shown.length
        ? shown.map((item, index) =>
            h(
              'li',
              {
                role: 'option',
                class: index === active ? 'active' : '',
                'aria-selected': String(index === active),
                dataset: { template: item.template || '', kind: item.kind },
                onMousedown: (e) => {
                  e.preventDefault();
                  choose(item);
                },
                onMouseenter: () => {
                  active = index;
                  draw();
                },
              },
              h('strong', {}, item.kind === 'canned' ? `/${item.key}` : item.key),
              ' ',
              h('span', { class: 'muted' }, item.title),
            ),
          )
        : h('li', { class: 'empty' }, 'Nothing matches.'),
    );
    if (shown[active]) showPreview(shown[active], preview);
  };
  const close = () => {
    picker.hidden = true;
    replace(picker);
    t.el.text.focus();
  };
  const choose = async (item) => {
    const rendered = await render(item);
    if (rendered === null) return;
    t.el.text.value = rendered;
    t.template = item.template || null;
    t.templateText = rendered;
    t.el.text.dispatchEvent(new Event('input'));
    close();
  };
  filter.addEventListener('input', () => {
    active = 0;
    draw();
  });
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      active = Math.min(shown.length - 1, active + 1);
      draw();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      active = Math.max(0, active - 1);
      draw();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (shown[active]) choose(shown[active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  replace(picker, filter, options, preview);
  picker.hidden = false;
  draw();
  filter.focus();
}

const previews = new Map();

async function render(item) {
  if (!item.template) return item.text || '';
  const key = `${t.id}:${item.template}`;
  if (!previews.has(key)) {
    previews.set(
      key,
      post(`/templates/${encodeURIComponent(item.template)}/preview`, {
        conversation_id: t.id,
        channel_kind: channelKind(t.conversation.channel),
        values: {},
      }).catch((err) => {
        previews.delete(key);
        throw err;
      }),
    );
  }
  try {
    return (await previews.get(key)).text;
  } catch (err) {
    toast(`Preview failed: ${err.message}`, 'error');
    return null;
  }
}

async function showPreview(item, el) {
  replace(el, h('span', { class: 'muted' }, 'Preview…'));
  const text = await render(item);
  if (text !== null) replace(el, h('div', { class: 'msg-text' }, text));
}

// ---- contact panel ------------------------------------------------------------------------

async function loadContact(force = false) {
  const pane = t.panes?.contact;
  if (!pane || !t.conversation) return;
  const id = t.conversation.contact_id;
  let c;
  try {
    c = await contact(id, force);
  } catch (err) {
    replace(pane, h('p', { class: 'empty' }, `Contact unavailable: ${err.message}`));
    return;
  }
  const history = await get(`/conversations?contact=${id}&limit=20`)
    .then((p) => p.items)
    .catch(() => []);
  if (!t.conversation || t.conversation.contact_id !== id) return;
  const attributes = Object.entries(c.attributes || {});
  replace(
    pane,
    h('h2', { id: 'contact-name' }, isolated(contactLabel(c))),
    h(
      'dl',
      { class: 'contact-facts' },
      c.email ? [h('dt', {}, 'Email'), h('dd', {}, c.email)] : null,
      c.phone ? [h('dt', {}, 'Phone'), h('dd', {}, c.phone)] : null,
      h('dt', {}, 'Customer since'),
      h('dd', {}, when(c.created_at)),
    ),
    h('h3', {}, 'Identities'),
    h(
      'ul',
      { class: 'identities' },
      c.identities.map((i) =>
        h(
          'li',
          {},
          h('span', { class: 'scope' }, i.scope),
          ' ',
          h('span', { class: 'external-id' }, i.external_id),
          i.unreachable_reason
            ? h('span', { class: 'badge failed', title: i.unreachable_reason }, 'unreachable')
            : null,
        ),
      ),
    ),
    attributes.length
      ? [
          h('h3', {}, 'Attributes'),
          h(
            'dl',
            { class: 'attributes' },
            attributes.map(([k, v]) => [
              h('dt', {}, k),
              h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v)),
            ]),
          ),
        ]
      : null,
    c.tags.length
      ? [
          h('h3', {}, 'Tags'),
          h(
            'div',
            { class: 'tags' },
            c.tags.map((tag) => h('span', { class: 'badge label' }, tag)),
          ),
        ]
      : null,
    h('h3', {}, 'Conversations'),
    h(
      'ul',
      { class: 'history', id: 'contact-history' },
      history.map((conv) =>
        h(
          'li',
          { class: conv.id === t.id ? 'current' : '' },
          h(
            'a',
            { href: `#/inbox/all/${conv.id}` },
            channelIcon(channelKind(conv.channel), conv.channel),
            ' ',
            h('span', { class: `badge status-${conv.status}` }, conv.status),
            ' ',
            h('span', { class: 'muted' }, when(conv.last_activity_at)),
            ' ',
            h('span', { class: 'snippet' }, conv.subject || conv.last_message || `#${conv.id}`),
          ),
        ),
      ),
    ),
  );
}
