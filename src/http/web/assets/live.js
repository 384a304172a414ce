// The live board of the reports page: agents online, away and offline with their load, the
// queue and its longest wait, the conversations breaching their SLA now. One request
// (`GET /api/v1/reports/live`), made again when the event stream reports something that can
// change it, once a burst of events is over; never on a timer (only the longest wait's text
// follows the clock between events).

import { get } from './api.js';
import { h, replace } from './dom.js';
import { me } from './state.js';
import { duration } from './charts.js';

/** How long to wait for more events of a burst before reading the board again. */
const DEBOUNCE_MS = 400;

const live = { el: null, loading: false, again: false, timer: null, fetchedAt: 0, clock: null };

/** Draws the board into `el` (a new page) and reads it. */
export function show(el) {
  live.el = el;
  refresh();
}

/** True for the events after which the live board may show something else. */
function changesTheBoard(event) {
  return (
    event.kind === 'availability' ||
    event.kind === 'sla.breached' ||
    event.kind === 'message.created' ||
    event.kind.startsWith('conversation.')
  );
}

/** Applies an event from the stream: the board is read again once the burst is over. */
export function onEvent(event) {
  if (!live.el || !document.body.contains(live.el) || !changesTheBoard(event)) return;
  clearTimeout(live.timer);
  live.timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  if (live.loading) {
    live.again = true;
    return;
  }
  live.loading = true;
  try {
    do {
      live.again = false;
      const el = live.el;
      try {
        const board = await get('/reports/live');
        live.fetchedAt = Date.now();
        if (el && document.body.contains(el)) drawLive(el, board);
      } catch (err) {
        if (el) replace(el, h('p', { class: 'error', role: 'alert' }, err.message));
      }
    } while (live.again);
  } finally {
    live.loading = false;
  }
}

/** The longest wait as of now: the server's figure plus the time since it was read. */
function longestWait(board) {
  const seconds = board.queue.longest_wait_seconds;
  if (seconds === null || seconds === undefined) return 'nobody waits';
  return duration(seconds + (Date.now() - live.fetchedAt) / 1000);
}

function stat(id, label, value, extra = {}) {
  return h(
    'div',
    { class: 'stat', id },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value', ...extra }, value),
  );
}

function drawLive(el, board) {
  const counts = { online: 0, busy: 0, offline: 0 };
  for (const agent of board.agents) counts[agent.availability] += 1;
  const wait = h(
    'span',
    { class: 'stat-value', id: 'live-longest-wait-value' },
    longestWait(board),
  );
  replace(
    el,
    h('h3', { id: 'live-title' }, 'Now'),
    h(
      'div',
      { class: 'stats' },
      me.role === 'admin'
        ? stat(
            'live-online',
            'Agents online / away / offline',
            `${counts.online} / ${counts.busy} / ${counts.offline}`,
          )
        : null,
      stat('live-queue', 'Waiting in the queue', String(board.queue.waiting), {
        dataset: { value: String(board.queue.waiting) },
      }),
      h(
        'div',
        { class: 'stat', id: 'live-longest-wait' },
        h('span', { class: 'stat-label' }, 'Longest wait now'),
        wait,
      ),
      stat('live-breaching', 'Breaching SLA now', String(board.sla_breaching), {
        class: board.sla_breaching ? 'stat-value alarm' : 'stat-value',
        dataset: { value: String(board.sla_breaching) },
      }),
    ),
    board.sla_breaches.length
      ? h(
          'p',
          { class: 'breaches' },
          'Breaching: ',
          board.sla_breaches.map((breach, index) => [
            index ? ', ' : '',
            h('a', { href: `#/inbox/all/${breach.conversation_id}` }, `#${breach.conversation_id}`),
            ` (${duration((Date.parse(board.at) - Date.parse(breach.since)) / 1000)})`,
          ]),
        )
      : null,
    agentTable(board),
  );
  // The wait grows while nothing happens: its text follows the clock, without asking the
  // server (the next event brings a fresh board).
  clearInterval(live.clock);
  live.clock = setInterval(() => {
    if (!document.body.contains(wait)) clearInterval(live.clock);
    else wait.textContent = longestWait(board);
  }, 30000);
}

function agentTable(board) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'live-agents' },
      h('caption', { class: 'visually-hidden' }, 'Agents and their load now'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Agent'),
          h('th', { scope: 'col' }, 'Availability'),
          h('th', { scope: 'col' }, 'Load (open / capacity)'),
        ),
      ),
      h(
        'tbody',
        {},
        board.agents.map((agent) =>
          h(
            'tr',
            { dataset: { agent: String(agent.id), availability: agent.availability } },
            h('th', { scope: 'row' }, agent.name),
            h(
              'td',
              {},
              h(
                'span',
                { class: `badge availability-${agent.availability}` },
                agent.availability === 'busy' ? 'away' : agent.availability,
              ),
            ),
            h(
              'td',
              { class: 'load', dataset: { load: String(agent.load) } },
              h('meter', {
                min: '0',
                max: String(Math.max(1, agent.capacity)),
                value: String(agent.load),
                'aria-label': `${agent.name}: ${agent.load} of ${agent.capacity}`,
              }),
              ` ${agent.load} / ${agent.capacity}`,
            ),
          ),
        ),
      ),
    ),
  );
}
