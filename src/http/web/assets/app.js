// The inbox's entry point: routing (#/inbox/{view}/{id}, #/admin/{page}, #/campaigns/{id},
// #/reports),
// the live event stream, heartbeats, keyboard shortcuts and the help overlay. Marketers get
// the campaign pages only (the API refuses them conversations).

import { get, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { me, state, loadDirectory } from './state.js';
import * as inbox from './inbox.js';
import { Thread } from './thread.js';
import { adminPageLabel, showAdmin } from './admin.js';
import * as campaigns from './campaigns.js';
import * as reports from './reports.js';

const HEARTBEAT_MS = 15000;

/** What is on screen: the main element, the inbox view shown, its panes and the open thread. */
const layout = { main: null, inboxView: null, panes: null, thread: null };

/** The open conversation's id, or null. */
function openId() {
  return layout.thread?.id ?? null;
}

/** Closes the open conversation, if any. */
function closeThread() {
  layout.thread?.close();
  layout.thread = null;
}

function route() {
  const home = me.role === 'marketer' ? '#/campaigns' : '#/inbox/mine';
  const parts = (location.hash || home).slice(2).split('/');
  if (parts[0] === 'admin') return { page: 'admin', name: parts[1] || 'agents' };
  if (parts[0].split('?')[0] === 'reports' && me.role !== 'marketer') return { page: 'reports' };
  if (me.role === 'marketer' || (parts[0] === 'campaigns' && me.role === 'admin')) {
    const id = parts[0] === 'campaigns' && parts[1] ? Number(parts[1]) : null;
    return { page: 'campaigns', id: Number.isFinite(id) ? id : null };
  }
  const view = ['mine', 'unassigned', 'all'].includes(parts[1]) ? parts[1] : 'mine';
  const id = parts[2] ? Number(parts[2]) : null;
  return { page: 'inbox', view, id: Number.isFinite(id) ? id : null };
}

/** What the page shows, for its heading and the window title: screen readers announce the
 * title on each change of view, and tabs and history name the view. */
function viewName(r) {
  if (r.page === 'reports') return 'Reports';
  if (r.page === 'campaigns') return r.id === null ? 'Campaigns' : `Campaign #${r.id}`;
  if (r.page === 'admin') return `Admin: ${adminPageLabel(r.name)}`;
  const view = { mine: 'Mine', unassigned: 'Unassigned', all: 'All' }[r.view];
  return r.id === null ? `Inbox: ${view}` : `Conversation #${r.id} (${view})`;
}

function nameView(r) {
  const name = viewName(r);
  document.getElementById('page-title').textContent = name;
  document.title = `${name} · Switchboard`;
}

async function navigate() {
  const r = route();
  nameView(r);
  document
    .getElementById('nav-inbox')
    ?.setAttribute('aria-current', r.page === 'inbox' ? 'page' : 'false');
  document
    .getElementById('nav-admin')
    ?.setAttribute('aria-current', r.page === 'admin' ? 'page' : 'false');
  document
    .getElementById('nav-campaigns')
    ?.setAttribute('aria-current', r.page === 'campaigns' ? 'page' : 'false');
  document
    .getElementById('nav-reports')
    ?.setAttribute('aria-current', r.page === 'reports' ? 'page' : 'false');
  if (r.page === 'reports') {
    closeThread();
    layout.inboxView = null;
    layout.main.classList.remove('has-conversation');
    await reports.show(layout.main);
    return;
  }
  if (r.page === 'campaigns') {
    closeThread();
    layout.inboxView = null;
    layout.main.classList.remove('has-conversation');
    await campaigns.show(layout.main, r.id);
    return;
  }
  if (r.page === 'admin') {
    closeThread();
    layout.inboxView = null;
    await showAdmin(layout.main, r.name);
    return;
  }
  if (layout.inboxView !== r.view) {
    // New panes: a conversation that stays open is opened again in them.
    closeThread();
    layout.inboxView = r.view;
    const threadPane = h(
      'section',
      { class: 'thread-pane', id: 'thread-pane', 'aria-label': 'Conversation' },
      h('p', { class: 'empty' }, 'Pick a conversation (j / k).'),
    );
    const contactPane = h('aside', {
      class: 'contact-pane',
      id: 'contact-pane',
      'aria-label': 'Contact',
    });
    layout.panes = { thread: threadPane, contact: contactPane };
    replace(
      layout.main,
      h('div', { class: 'inbox' }, inbox.listPane(r.view, open), threadPane, contactPane),
    );
    await inbox.reload();
  }
  layout.main.classList.toggle('has-conversation', r.id !== null);
  if (r.id !== null && r.id !== openId()) {
    inbox.select(r.id);
    closeThread();
    layout.thread = new Thread(r.id, layout.panes);
    await layout.thread.open();
  } else if (r.id === null && openId() !== null) {
    closeThread();
    inbox.select(null);
    replace(layout.panes.thread, h('p', { class: 'empty' }, 'Pick a conversation (j / k).'));
    replace(layout.panes.contact);
  }
}

function open(id) {
  location.hash = `#/inbox/${inbox.currentView()}/${id}`;
}

// ---- live events ----------------------------------------------------------------------

let queue = Promise.resolve();

function connectEvents() {
  const status = document.getElementById('connection');
  const source = new EventSource('/api/v1/events');
  const handle = (e) => {
    let event;
    try {
      event = JSON.parse(e.data);
    } catch {
      return;
    }
    // One at a time, in the order the server sent them, so the screen follows history.
    queue = queue.then(() => apply(event)).catch((err) => console.warn('event failed', err));
  };
  for (const kind of [
    'message.created',
    'message.updated',
    'message.redacted',
    'conversation.created',
    'conversation.assigned',
    'conversation.status_changed',
    'conversation.updated',
    'conversation.idle',
    'sla.breached',
    'rule.failed',
    'contact.created',
    'contact.updated',
    'campaign.started',
    'campaign.progress',
    'campaign.finished',
    'contact.unsubscribed',
  ]) {
    source.addEventListener(kind, handle);
  }
  source.onmessage = handle;
  // An agent's availability changed (not logged, no id): only the live board cares.
  source.addEventListener('availability', () => reports.onEvent({ kind: 'availability' }));
  source.addEventListener('presence', (e) => {
    try {
      layout.thread?.renderPresence(JSON.parse(e.data));
    } catch {
      /* ignore a bad frame */
    }
  });
  source.onopen = () => {
    status.textContent = 'live';
    status.className = 'connection live';
  };
  source.onerror = () => {
    status.textContent = 'reconnecting…';
    status.className = 'connection down';
  };
}

async function apply(event) {
  if (campaigns.isCampaignEvent(event)) campaigns.onEvent(event);
  if (me.role === 'marketer') return;
  reports.onEvent(event);
  if (event.kind.startsWith('contact.') && event.contact_id)
    state.contacts.delete(event.contact_id);
  if (!event.conversation_id) {
    if (event.contact_id) await layout.thread?.onEvent(event);
    return;
  }
  if (inbox.isShown()) {
    try {
      const c = await get(`/conversations/${event.conversation_id}`);
      inbox.upsert(c);
      if (c.id === openId()) inbox.markRead(c);
    } catch {
      /* not visible to this agent */
    }
  }
  await layout.thread?.onEvent(event);
}

// ---- heartbeat and availability -----------------------------------------------------------

function availability() {
  return document.getElementById('availability').value;
}

function heartbeat() {
  post('/presence/heartbeat', { availability: availability() }).catch(() => {});
  layout.thread?.keepViewing();
}

// ---- keyboard -------------------------------------------------------------------------------

function typingInField(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** Where the focus was when the help opened: it goes back there when the help closes. */
let focusBeforeHelp = null;

/** Opens or closes the help dialog. While it is open everything behind it is inert, so Tab
 * stays in the dialog and screen readers read only it. */
function showHelp(visible) {
  const help = document.getElementById('help');
  if (help.hidden === !visible) return;
  help.hidden = !visible;
  for (const el of document.body.children) {
    if (el !== help) el.inert = visible;
  }
  if (visible) {
    focusBeforeHelp = document.activeElement;
    document.getElementById('help-close').focus();
  } else {
    const back = focusBeforeHelp?.isConnected ? focusBeforeHelp : null;
    (back && back !== document.body ? back : document.getElementById('help-button')).focus();
    focusBeforeHelp = null;
  }
}

/** Keeps Tab and Shift+Tab going round the help dialog's own controls. */
function cycleFocusIn(dialog, e) {
  const controls = [
    ...dialog.querySelectorAll('button, [href], input, select, textarea, [tabindex]'),
  ].filter((el) => el.tabIndex >= 0 && !el.disabled);
  if (controls.length === 0) return;
  const at = controls.indexOf(document.activeElement);
  const next = e.shiftKey
    ? controls[(at <= 0 ? controls.length : at) - 1]
    : controls[(at + 1) % controls.length];
  next.focus();
  e.preventDefault();
}

function onKey(e) {
  const help = document.getElementById('help');
  if (e.key === 'Escape') {
    if (!help.hidden) {
      showHelp(false);
      e.preventDefault();
    }
    return;
  }
  if (e.key === 'Tab') {
    if (!help.hidden) cycleFocusIn(help, e);
    return;
  }
  // Shortcuts act on the page, which is out of reach while the help is open.
  if (!help.hidden) return;
  if (e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
  const inInbox = route().page === 'inbox';
  switch (e.key) {
    case '?':
      showHelp(true);
      break;
    case 'j':
      if (inInbox) inbox.move(1);
      break;
    case 'k':
      if (inInbox) inbox.move(-1);
      break;
    case 'r':
      layout.thread?.focusComposer('reply');
      break;
    case 'n':
      layout.thread?.focusComposer('note');
      break;
    case 'e':
      layout.thread?.toggleResolved();
      break;
    case 'a':
      layout.thread?.focusAssign();
      break;
    default:
      return;
  }
  e.preventDefault();
}

// ---- start ------------------------------------------------------------------------------------

async function start() {
  layout.main = document.getElementById('main');
  document.getElementById('me-name').textContent = me.name;
  // Each role sees only its sections.
  const hidden = [];
  if (me.role !== 'admin') hidden.push('.admin-only');
  if (me.role === 'agent') hidden.push('.campaigns-only');
  if (me.role === 'marketer') hidden.push('.inbox-only');
  for (const selector of hidden) {
    for (const el of document.querySelectorAll(selector)) el.remove();
  }
  document.getElementById('help-button').addEventListener('click', () => showHelp(true));
  document.getElementById('help-close').addEventListener('click', () => showHelp(false));
  document.getElementById('help').addEventListener('click', (e) => {
    if (e.target.id === 'help') showHelp(false);
  });
  document.addEventListener('keydown', onKey);
  const select = document.getElementById('availability');
  if (select) {
    select.value = localStorage.getItem(`sb:${me.id}:availability`) || 'online';
    select.addEventListener('change', () => {
      localStorage.setItem(`sb:${me.id}:availability`, select.value);
      heartbeat();
    });
  }
  try {
    await loadDirectory();
  } catch (err) {
    toast(`Could not load the directory: ${err.message}`, 'error');
  }
  connectEvents();
  if (me.role !== 'marketer') {
    // Marketers answer no conversations: no availability, no presence.
    heartbeat();
    setInterval(heartbeat, HEARTBEAT_MS);
    setInterval(inbox.tick, 30000);
  }
  // The skip link moves the focus, not the route: its `#main` is no view of ours.
  document.querySelector('.skip')?.addEventListener('click', (e) => {
    e.preventDefault();
    layout.main.focus();
  });
  window.addEventListener('hashchange', () => {
    navigate().catch((err) => toast(err.message, 'error'));
  });
  window.addEventListener('pagehide', closeThread);
  await navigate();
  document.body.dataset.ready = 'true';
}

start().catch((err) => toast(err.message, 'error'));
