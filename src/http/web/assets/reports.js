// The reports page (#/reports): a period picker, summary cards beside the previous period,
// a chart of the chosen metric over time, a breakdown per agent, team, channel or label,
// CSV downloads, and the live board (`live.js`). Admins see everything; an agent
// sees their own figures (the API holds them to it). The settings live in the URL
// (#/reports?since=…), so a view can be bookmarked and shared.

import { get } from './api.js';
import { h, replace } from './dom.js';
import { me } from './state.js';
import { chart, dayIn, duration, figure, startOfDay } from './charts.js';
import * as live from './live.js';

/** [name, label, unit, better when lower]. */
const METRICS = [
  ['conversations_created', 'Conversations created', 'count', false],
  ['conversations_resolved', 'Conversations resolved', 'count', false],
  ['conversations_reopened', 'Reopened', 'count', true],
  ['messages_incoming', 'Messages in', 'count', false],
  ['messages_outgoing', 'Messages out', 'count', false],
  ['first_response_time', 'First response (median)', 'seconds', true],
  ['reply_time', 'Reply time (median)', 'seconds', true],
  ['resolution_time', 'Resolution time (median)', 'seconds', true],
  ['sla_met', 'SLA met', 'percent', false],
  ['csat', 'Customer satisfaction', 'percent', false],
];
const PERIODS = [
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['custom', 'Custom…'],
];
const GROUPS = [
  ['none', 'Everyone'],
  ['agent', 'Agent'],
  ['team', 'Team'],
  ['channel', 'Channel'],
  ['label', 'Label'],
];

const page = {
  el: null,
  settings: null,
  /** Increases with every reload: an answer for an older one is dropped. */
  ticket: 0,
};

function metricInfo(name) {
  const found = METRICS.find(([metric]) => metric === name) || METRICS[0];
  return { name: found[0], label: found[1], unit: found[2], lowerIsBetter: found[3] };
}

function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The page's settings from the URL (#/reports?…), with defaults. */
function readSettings() {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  const zone = query.get('timezone') || browserZone();
  const period = PERIODS.some(([value]) => value === query.get('period'))
    ? query.get('period')
    : query.get('since')
      ? 'custom'
      : '7';
  const days = period === 'custom' ? 7 : Number(period);
  const until = query.get('until') || dayIn(zone, 0);
  const since = query.get('since') || dayIn(zone, -(days - 1));
  const interval = query.get('interval') || 'day';
  return {
    period,
    since,
    until,
    zone,
    interval: ['hour', 'day', 'week', 'month'].includes(interval) ? interval : 'day',
    businessHours: query.get('business_hours') === 'true',
    groupBy: me.role === 'admin' ? query.get('group_by') || 'none' : 'agent',
    metric: metricInfo(query.get('metric')).name,
  };
}

/** The API's query for the settings: whole days in the chosen zone, `until` inclusive. */
function apiQuery(settings, extra = {}) {
  const since = startOfDay(settings.since, settings.zone);
  const next = new Date(`${settings.until}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const until = startOfDay(next.toISOString().slice(0, 10), settings.zone);
  const params = new URLSearchParams({
    since: since.toISOString(),
    until: until.toISOString(),
    timezone: settings.zone,
    business_hours: String(settings.businessHours),
    ...extra,
  });
  return params.toString();
}

function daysIn(settings) {
  return (Date.parse(settings.until) - Date.parse(settings.since)) / 86400000 + 1;
}

/** Writes the settings into the URL (which redraws the page through `hashchange`). */
function store(settings) {
  const query = new URLSearchParams({
    period: settings.period,
    since: settings.since,
    until: settings.until,
    timezone: settings.zone,
    interval: settings.interval,
    business_hours: String(settings.businessHours),
    metric: settings.metric,
  });
  if (me.role === 'admin') query.set('group_by', settings.groupBy);
  location.hash = `#/reports?${query}`;
}

// ---- the page --------------------------------------------------------------------------------

/** Renders the reports page into `main` with the settings in the URL. */
export async function show(main) {
  const settings = readSettings();
  if (!page.el || !document.body.contains(page.el)) {
    page.el = h(
      'section',
      { class: 'reports', id: 'reports', 'aria-labelledby': 'reports-title' },
      h('h2', { id: 'reports-title' }, me.role === 'admin' ? 'Reports' : 'My reports'),
      h('div', { id: 'report-controls' }),
      h('section', { id: 'live-board', class: 'live-board', 'aria-labelledby': 'live-title' }),
      h('section', {
        id: 'report-summary',
        class: 'report-cards',
        'aria-label': 'Summary',
        'aria-live': 'polite',
      }),
      h('section', { id: 'report-detail', 'aria-label': 'Metric over time' }),
    );
    replace(main, page.el);
    page.settings = null;
    live.show(page.el.querySelector('#live-board'));
  }
  if (JSON.stringify(settings) !== JSON.stringify(page.settings)) {
    // Drawn anew (the choices depend on the period); the control in use keeps the focus.
    const focused = document.activeElement?.id;
    replace(page.el.querySelector('#report-controls'), controls(settings));
    if (focused) document.getElementById(focused)?.focus();
  }
  page.settings = settings;
  await reload(settings);
}

/** True while the page is on screen. */
export function isShown() {
  return !!page.el && document.body.contains(page.el);
}

async function reload(settings) {
  const ticket = ++page.ticket;
  page.el.dataset.state = 'loading';
  const summaryBox = page.el.querySelector('#report-summary');
  const detail = page.el.querySelector('#report-detail');
  const group = settings.groupBy === 'none' ? {} : { group_by: settings.groupBy };
  try {
    const [summary, report] = await Promise.all([
      get(`/reports/summary?${apiQuery(settings)}`),
      get(
        `/reports/${settings.metric}?${apiQuery(settings, { interval: settings.interval, ...group })}`,
      ),
    ]);
    if (ticket !== page.ticket) return;
    replace(summaryBox, cards(summary, settings));
    replace(detail, details(report, settings));
    page.el.dataset.state = 'ready';
  } catch (err) {
    if (ticket !== page.ticket) return;
    replace(summaryBox);
    replace(detail, h('p', { class: 'error', role: 'alert' }, err.message));
    page.el.dataset.state = 'error';
  }
}

// ---- controls --------------------------------------------------------------------------------

function field(label, control, id) {
  control.id = id;
  return h(
    'label',
    { class: 'filter', for: id },
    h('span', { class: 'filter-label' }, label),
    control,
  );
}

function select(options, value) {
  return h(
    'select',
    {},
    options.map(([optionValue, label]) =>
      h('option', { value: optionValue, selected: optionValue === value }, label),
    ),
  );
}

function zones(current) {
  let list = [];
  try {
    list = Intl.supportedValuesOf('timeZone');
  } catch {
    list = [];
  }
  for (const zone of ['UTC', browserZone(), current]) if (!list.includes(zone)) list.push(zone);
  return list.sort().map((zone) => [zone, zone]);
}

function controls(settings) {
  const period = select(PERIODS, settings.period);
  const since = h('input', { type: 'date', value: settings.since, required: true });
  const until = h('input', { type: 'date', value: settings.until, required: true });
  const custom = h(
    'span',
    { class: 'custom-period', hidden: settings.period !== 'custom' },
    field('From', since, 'report-since'),
    field('To', until, 'report-until'),
  );
  // Hours only for short periods: a chart of 2,000 bars says nothing.
  const intervals = [
    ['hour', 'Hour', daysIn(settings) > 7],
    ['day', 'Day', false],
    ['week', 'Week', false],
    ['month', 'Month', false],
  ];
  const interval = h(
    'select',
    {},
    intervals.map(([value, label, disabled]) =>
      h('option', { value, disabled, selected: value === settings.interval }, label),
    ),
  );
  const zone = select(zones(settings.zone), settings.zone);
  const businessHours = h('input', { type: 'checkbox', checked: settings.businessHours });
  const groupBy = me.role === 'admin' ? select(GROUPS, settings.groupBy) : null;
  const metric = select(
    METRICS.map(([name, label]) => [name, label]),
    settings.metric,
  );
  const apply = () => {
    const next = { ...settings };
    next.period = period.value;
    next.zone = zone.value;
    if (next.period === 'custom') {
      if (!since.value || !until.value || since.value > until.value) return;
      next.since = since.value;
      next.until = until.value;
    } else {
      next.until = dayIn(next.zone, 0);
      next.since = dayIn(next.zone, -(Number(next.period) - 1));
    }
    next.interval = interval.value;
    if (next.interval === 'hour' && daysIn(next) > 7) next.interval = 'day';
    next.businessHours = businessHours.checked;
    if (groupBy) next.groupBy = groupBy.value;
    next.metric = metric.value;
    store(next);
  };
  period.addEventListener('change', () => {
    custom.hidden = period.value !== 'custom';
    if (period.value !== 'custom') apply();
  });
  for (const control of [since, until, interval, zone, businessHours, groupBy, metric]) {
    control?.addEventListener('change', apply);
  }
  return h(
    'form',
    {
      class: 'report-controls',
      'aria-label': 'Report settings',
      onSubmit: (e) => e.preventDefault(),
    },
    field('Period', period, 'report-period'),
    custom,
    field('Interval', interval, 'report-interval'),
    field('Time zone', zone, 'report-timezone'),
    h(
      'label',
      { class: 'filter checkbox', for: 'report-business-hours' },
      Object.assign(businessHours, { id: 'report-business-hours' }),
      ' Business hours only',
    ),
    groupBy ? field('Group by', groupBy, 'report-group-by') : null,
    field('Chart', metric, 'report-metric'),
  );
}

// ---- summary cards ---------------------------------------------------------------------------

/** One card per metric: now, the period before, and the change. */
function cards(summary, settings) {
  const group = summary.groups[0];
  return METRICS.map(([name, label, unit, lowerIsBetter]) => {
    const now = group?.current?.[name];
    const before = group?.previous?.[name];
    const value = now?.value ?? null;
    const previous = before?.value ?? null;
    let change = h('span', { class: 'change same' }, 'no earlier figure');
    if (value !== null && previous !== null) {
      const diff = value - previous;
      const better = diff === 0 ? 'same' : diff < 0 === lowerIsBetter ? 'better' : 'worse';
      const arrow = diff > 0 ? '▲' : diff < 0 ? '▼' : '=';
      const amount =
        unit === 'seconds'
          ? duration(Math.abs(diff))
          : unit === 'percent'
            ? `${Math.round(Math.abs(diff) * 10) / 10} pt`
            : String(Math.abs(Math.round(diff * 100) / 100));
      change = h(
        'span',
        { class: `change ${better}` },
        h('span', { 'aria-hidden': 'true' }, arrow),
        diff === 0 ? ' unchanged' : ` ${diff > 0 ? '+' : '−'}${amount}`,
      );
    }
    return h(
      'button',
      {
        type: 'button',
        class: `card${name === settings.metric ? ' selected' : ''}`,
        id: `card-${name}`,
        dataset: { metric: name },
        'aria-pressed': String(name === settings.metric),
        onClick: () => store({ ...settings, metric: name }),
      },
      h('span', { class: 'card-label' }, label),
      h('span', { class: 'card-value', dataset: { value: value ?? '' } }, figure(value, unit)),
      h(
        'span',
        { class: 'card-previous' },
        change,
        h('span', { class: 'muted' }, ` (before: ${figure(previous, unit)})`),
      ),
    );
  });
}

// ---- the chosen metric: chart, breakdown, downloads ------------------------------------------

function details(report, settings) {
  const info = metricInfo(report.metric);
  const title = `${info.label} per ${report.interval}${report.business_hours ? ', business hours' : ''}`;
  const csv = `/api/v1/reports/${report.metric}?${apiQuery(settings, {
    interval: settings.interval,
    ...(settings.groupBy === 'none' ? {} : { group_by: settings.groupBy }),
    format: 'csv',
  })}`;
  const conversations = `/api/v1/reports/conversations.csv?${apiQuery(settings)}`;
  return [
    h('h3', {}, title),
    report.groups.length
      ? chart(report, title)
      : h('p', { class: 'muted', id: 'report-empty' }, 'Nothing in this period.'),
    h('h3', {}, 'Breakdown'),
    breakdown(report, info),
    h(
      'p',
      { class: 'downloads' },
      h('a', { href: csv, download: `${report.metric}.csv`, id: 'report-csv' }, 'Download CSV'),
      ' · ',
      h(
        'a',
        { href: conversations, download: 'conversations.csv', id: 'report-conversations-csv' },
        'One row per conversation (CSV)',
      ),
    ),
  ];
}

/** The columns of the breakdown for a unit: [header, cell of a figure]. */
function columns(unit, metric) {
  if (unit === 'seconds') {
    return [
      ['Timed', (f) => String(f.count)],
      ['Median', (f) => duration(f.median)],
      ['90th percentile', (f) => duration(f.p90)],
      ['Mean', (f) => duration(f.mean)],
    ];
  }
  if (metric === 'sla_met') {
    return [
      ['Met', (f) => String(f.met ?? 0)],
      ['Missed', (f) => String(f.missed ?? 0)],
      ['Met %', (f) => figure(f.value, 'percent')],
    ];
  }
  if (metric === 'csat') {
    return [
      ['Surveys', (f) => String(f.sent ?? 0)],
      ['Answers', (f) => String(f.count)],
      ['Satisfied', (f) => String(f.satisfied ?? 0)],
      ['Score', (f) => figure(f.value, 'percent')],
      ['Response rate', (f) => figure(f.response_rate, 'percent')],
    ];
  }
  return [['Count', (f) => figure(f.value, 'count')]];
}

function breakdown(report, info) {
  const cols = columns(report.unit, report.metric);
  const heading = {
    none: 'Group',
    agent: 'Agent',
    team: 'Team',
    channel: 'Channel',
    label: 'Label',
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'report-breakdown' },
      h('caption', { class: 'visually-hidden' }, `${info.label} per ${report.group_by}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, heading[report.group_by] || 'Group'),
          cols.map(([label]) => h('th', { scope: 'col', class: 'count' }, label)),
        ),
      ),
      h(
        'tbody',
        {},
        report.groups.length
          ? report.groups.map((group) =>
              h(
                'tr',
                { dataset: { key: group.key } },
                h('th', { scope: 'row' }, group.name || 'Everyone'),
                cols.map(([label, cell]) =>
                  h('td', { class: 'count', dataset: { column: label } }, cell(group.total)),
                ),
              ),
            )
          : h('tr', {}, h('td', { colspan: cols.length + 1, class: 'muted' }, 'No figures.')),
      ),
    ),
  );
}

/** Applies an event from the stream to the live board, when the page is on screen. */
export function onEvent(event) {
  if (isShown()) live.onEvent(event);
}
