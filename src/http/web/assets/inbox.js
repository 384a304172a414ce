// The conversation list: views (Mine / Unassigned / All), filters, full-text search, unread
// marks, waiting time and SLA state, kept live from the event stream.

import { get } from './api.js';
import { h, replace, since, channelIcon, toast, isolated } from './dom.js';
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

const VIEWS = [
  ['mine', 'Mine'],
  ['unassigned', 'Unassigned'],
  ['all', 'All'],
];
const STATUSES = ['open', 'pending', 'snoozed', 'resolved'];
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];

const list = {
  view: 'mine',
  filters: memory.get('filters', {
    status: 'open',
    channel: '',
    team: '',
    label: '',
    priority: '',
    q: '',
  }),
  rows: new Map(),
  selected: null,
  /** Set by j / k: the conversation whose row takes the focus once it is open. */
  focusOn: null,
  el: null,
  pane: null,
  onOpen: null,
  loading: 0,
};

/** Builds the list pane for `view`; `onOpen(id)` is called when a conversation is chosen. */
export function listPane(view, onOpen) {
  list.view = view;
  list.onOpen = onOpen;
  const f = list.filters;
  const select = (name, label, options) =>
    h(
      'label',
      { class: 'filter' },
      h('span', { class: 'filter-label' }, label),
      h(
        'select',
        { name, id: `filter-${name}`, onChange: (e) => setFilter(name, e.target.value) },
        options.map(([value, text]) => h('option', { value, selected: f[name] === value }, text)),
      ),
    );
  const search = h('input', {
    type: 'search',
    id: 'search',
    name: 'q',
    placeholder: 'Search messages…',
    value: f.q,
    'aria-label': 'Search conversations',
  });
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => setFilter('q', search.value.trim()), 300);
  });
  // A plain list of links (Tab, Enter; j / k anywhere on the page), not a listbox: a listbox's
  // options may hold no links, and arrow keys would have to move in it.
  list.el = h('ul', {
    id: 'conversation-list',
    class: 'conversation-list',
    'aria-label': 'Conversations',
  });
  list.pane = h(
    'aside',
    { class: 'list-pane', 'aria-label': 'Conversation list' },
    h(
      'nav',
      { class: 'views', 'aria-label': 'Views' },
      VIEWS.map(([id, label]) =>
        h(
          'a',
          {
            href: `#/inbox/${id}`,
            id: `view-${id}`,
            class: id === view ? 'active' : '',
            'aria-current': id === view ? 'page' : null,
          },
          label,
        ),
      ),
    ),
    h(
      'form',
      { class: 'filters', role: 'search', onSubmit: (e) => e.preventDefault() },
      search,
      h(
        'div',
        { class: 'filter-row' },
        select('status', 'Status', [['', 'Any status'], ...STATUSES.map((s) => [s, s])]),
        select('channel', 'Channel', [
          ['', 'All channels'],
          ...[...state.channels.keys()].map((c) => [c, c]),
        ]),
        select('team', 'Team', [
          ['', 'All teams'],
          ...[...state.teams.values()].map((t) => [String(t.id), t.name]),
        ]),
        select('priority', 'Priority', [['', 'Any priority'], ...PRIORITIES.map((p) => [p, p])]),
        h(
          'label',
          { class: 'filter' },
          h('span', { class: 'filter-label' }, 'Label'),
          h('input', {
            name: 'label',
            id: 'filter-label',
            value: f.label,
            placeholder: 'label',
            onChange: (e) => setFilter('label', e.target.value.trim()),
          }),
        ),
      ),
    ),
    list.el,
  );
  return list.pane;
}

function setFilter(name, value) {
  list.filters[name] = value;
  memory.set('filters', list.filters);
  reload();
}

function query() {
  const params = new URLSearchParams({ limit: '100' });
  if (list.view === 'mine') params.set('assignee', 'me');
  if (list.view === 'unassigned') params.set('assignee', 'none');
  for (const key of ['status', 'channel', 'team', 'label', 'q']) {
    if (list.filters[key]) params.set(key, list.filters[key]);
  }
  return `/conversations?${params}`;
}

/** Loads the list from the API. */
export async function reload() {
  const ticket = ++list.loading;
  let page;
  try {
    page = await get(query());
  } catch (err) {
    if (err.status === 403) {
      replace(
        list.el,
        h('li', { class: 'empty' }, `Your role (${me.role}) has no access to conversations.`),
      );
      return;
    }
    toast(`Could not load conversations: ${err.message}`, 'error');
    return;
  }
  if (ticket !== list.loading) return; // a newer load won
  list.rows = new Map(page.items.map((c) => [c.id, c]));
  render();
}

/** True when `c` belongs in the current view and filters (evaluated here for live updates). */
function matches(c) {
  const f = list.filters;
  if (list.view === 'mine' && c.assignee_id !== me.id) return false;
  if (list.view === 'unassigned' && c.assignee_id !== null) return false;
  if (f.status && c.status !== f.status) return false;
  if (f.channel && c.channel !== f.channel) return false;
  if (f.team && String(c.team_id) !== f.team) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  if (f.priority && c.priority !== f.priority) return false;
  return true;
}

/** Applies a changed conversation from the event stream. */
export function upsert(c) {
  if (!list.el) return;
  if (list.filters.q) {
    // Search results depend on message text the client does not have: ask again.
    reload();
    return;
  }
  if (matches(c)) list.rows.set(c.id, c);
  else list.rows.delete(c.id);
  render();
}

/** Marks `id` as the open conversation (and read). */
export function select(id) {
  list.selected = id;
  const c = list.rows.get(id);
  if (c) memory.set(`seen:${id}`, c.last_activity_at);
  render();
}

/** Marks the open conversation read after it changed while open. */
export function markRead(c) {
  memory.set(`seen:${c.id}`, c.last_activity_at);
}

function isUnread(c) {
  if (c.id === list.selected) return false;
  const seen = memory.get(`seen:${c.id}`);
  return !seen || new Date(c.last_activity_at) > new Date(seen);
}

function ordered() {
  return [...list.rows.values()].sort(
    (a, b) => new Date(b.last_activity_at) - new Date(a.last_activity_at) || b.id - a.id,
  );
}

/** The SLA badge: status (on track, at risk, breached, met) and the next due time. */
export function slaBadge(c) {
  const sla = c.sla;
  if (!sla?.status) return null;
  const due =
    sla.next_due_at && sla.status !== 'met'
      ? ` · due ${new Date(sla.next_due_at).toLocaleTimeString(undefined, { timeStyle: 'short' })}`
      : '';
  return h(
    'span',
    { class: `badge sla sla-${sla.status}`, title: `SLA policy ${sla.policy || ''}` },
    `SLA ${String(sla.status).replace(/_/g, ' ')}${due}`,
  );
}

function render() {
  if (!list.el) return;
  const items = ordered();
  // The rows are made anew: a focused one hands the focus to its successor, and after j / k
  // the focus goes to the conversation opened, so that Tab goes on from where the agent is.
  const focused = list.el.contains(document.activeElement)
    ? document.activeElement.closest('.conv')?.dataset.id
    : null;
  let focusId = focused;
  if (list.focusOn !== null && list.focusOn === list.selected) {
    focusId = String(list.focusOn);
    list.focusOn = null;
  }
  if (items.length === 0) {
    replace(list.el, h('li', { class: 'empty' }, 'No conversations here.'));
    return;
  }
  replace(
    list.el,
    items.map((c) => row(c)),
  );
  if (focusId) list.el.querySelector(`#conv-${focusId} .conv-link`)?.focus();
}

function row(c) {
  const unread = isUnread(c);
  const name = h('span', { class: 'contact-name' }, `contact #${c.contact_id}`);
  contact(c.contact_id)
    .then((found) => {
      replace(name, isolated(contactLabel(found)));
    })
    .catch(() => {});
  const assignee = agentName(c.assignee_id);
  const team = teamName(c.team_id);
  return h(
    'li',
    {
      class: `conv${unread ? ' unread' : ''}${c.id === list.selected ? ' selected' : ''}`,
      dataset: { id: String(c.id) },
      id: `conv-${c.id}`,
    },
    h(
      'a',
      {
        href: `#/inbox/${list.view}/${c.id}`,
        class: 'conv-link',
        'aria-current': c.id === list.selected ? 'true' : null,
      },
      h(
        'div',
        { class: 'conv-top' },
        channelIcon(channelKind(c.channel), c.channel),
        unread ? h('span', { class: 'unread-dot', title: 'Unread', 'aria-label': 'unread' }) : null,
        name,
        h(
          'time',
          { class: 'ago', datetime: c.last_activity_at, title: c.last_activity_at },
          since(c.last_activity_at),
        ),
      ),
      h('div', { class: 'conv-snippet' }, c.subject ? `${c.subject} — ` : '', c.last_message || ''),
      h(
        'div',
        { class: 'conv-badges' },
        h('span', { class: `badge status-${c.status}` }, c.status),
        c.priority !== 'normal'
          ? h('span', { class: `badge priority-${c.priority}` }, c.priority)
          : null,
        c.waiting_since
          ? h(
              'span',
              { class: 'badge waiting', title: `waiting since ${c.waiting_since}` },
              `waiting ${since(c.waiting_since)}`,
            )
          : null,
        slaBadge(c),
        assignee ? h('span', { class: 'badge assignee' }, `→ ${assignee}`) : null,
        team ? h('span', { class: 'badge team' }, team) : null,
        c.labels.map((l) => h('span', { class: 'badge label' }, l)),
      ),
    ),
  );
}

/** Opens the next (1) or previous (-1) conversation in the list. */
export function move(delta) {
  const items = ordered();
  if (items.length === 0) return;
  let index = items.findIndex((c) => c.id === list.selected);
  index = index < 0 ? 0 : Math.min(items.length - 1, Math.max(0, index + delta));
  const target = items[index];
  if (target.id === list.selected) {
    document.querySelector(`#conv-${target.id} .conv-link`)?.focus();
  } else {
    list.focusOn = target.id;
    list.onOpen?.(target.id);
  }
  document.getElementById(`conv-${target.id}`)?.scrollIntoView({ block: 'nearest' });
}

/** Re-renders relative times. */
export function tick() {
  if (list.el && document.body.contains(list.el)) render();
}

/** True while the list is on screen. */
export function isShown() {
  return !!list.el && document.body.contains(list.el);
}

/** The current view. */
export function currentView() {
  return list.view;
}
