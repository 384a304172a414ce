// Charts of the reports page, drawn here as SVG (no library): a metric over time per group,
// bars for one group's counts and lines otherwise, with axes, a legend, a title per point
// and the same numbers as a data table for screen readers. Also the figures' formatting
// (durations as "1 h 5 min", percentages) and the time zone arithmetic of the period picker.
// Every value goes into the drawing as text or a number attribute, never as markup.

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Lines drawn at most; the breakdown table lists every group. */
export const MAX_SERIES = 8;

/** An SVG element with attributes (set as text) and children (nodes or text). */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---- formatting ------------------------------------------------------------------------------

/** "45 s", "12 min", "1 h 5 min", "2 d 4 h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.round(total / 60)} min`;
  if (total < 86400) {
    const hours = Math.floor(total / 3600);
    const minutes = Math.round((total % 3600) / 60);
    if (minutes === 60) return `${hours + 1} h`;
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  const days = Math.floor(total / 86400);
  const hours = Math.round((total % 86400) / 3600);
  if (hours === 24) return `${days + 1} d`;
  return hours ? `${days} d ${hours} h` : `${days} d`;
}

/** A figure's headline in its unit. */
export function figure(value, unit) {
  if (value === null || value === undefined) return '—';
  if (unit === 'seconds') return duration(value);
  if (unit === 'percent') return `${Math.round(value * 10) / 10} %`;
  return String(Math.round(value * 100) / 100);
}

// ---- time zones ------------------------------------------------------------------------------

const offsetFormats = new Map();

/** The offset of `zone` from UTC at `ms`, in milliseconds. */
function zoneOffset(ms, zone) {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return local - Math.floor(ms / 1000) * 1000;
}

/** The instant when day `date` ("YYYY-MM-DD") starts in `zone`, as a Date. */
export function startOfDay(date, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let at = guess - zoneOffset(guess, zone);
  // Once more with the offset at the answer: the guess may sit across a DST change.
  at = guess - zoneOffset(at, zone);
  return new Date(at);
}

/** Today's date ("YYYY-MM-DD") in `zone`, moved by `days`. */
export function dayIn(zone, days = 0, from = Date.now()) {
  const local = new Date(from + zoneOffset(from, zone));
  local.setUTCDate(local.getUTCDate() + days);
  return local.toISOString().slice(0, 10);
}

/** A bucket's start as its interval reads best, in `zone`. */
export function bucketLabel(iso, interval, zone) {
  const options = { timeZone: zone };
  if (interval === 'hour') Object.assign(options, { hour: '2-digit', minute: '2-digit' });
  else if (interval === 'month') Object.assign(options, { month: 'short', year: 'numeric' });
  else Object.assign(options, { day: 'numeric', month: 'short' });
  return new Date(iso).toLocaleString(undefined, options);
}

/** A bucket's start in full, for titles and the data table. */
function bucketTitle(iso, interval, zone) {
  const options = { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' };
  if (interval === 'hour') Object.assign(options, { hour: '2-digit', minute: '2-digit' });
  if (interval === 'month') return bucketLabel(iso, interval, zone);
  if (interval === 'week') return `week of ${new Date(iso).toLocaleString(undefined, options)}`;
  return new Date(iso).toLocaleString(undefined, options);
}

// ---- scales ----------------------------------------------------------------------------------

const TIME_STEPS = [
  1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
];

/** Round tick values from 0 to at least `max`, about four of them. */
function ticks(max, unit) {
  if (!(max > 0)) return [0, 1];
  let step;
  if (unit === 'seconds') {
    step =
      TIME_STEPS.find((candidate) => max / candidate <= 5) || Math.ceil(max / 5 / 86400) * 86400;
  } else {
    const rough = max / 4;
    const power = 10 ** Math.floor(Math.log10(rough));
    step = [1, 2, 5, 10].map((f) => f * power).find((candidate) => candidate >= rough);
    if (unit === 'count') step = Math.max(1, step);
  }
  const top = Math.ceil(max / step) * step;
  const values = [];
  for (let value = 0; value <= top + step / 2; value += step) values.push(value);
  return values;
}

// ---- the chart -------------------------------------------------------------------------------

const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { top: 14, right: 16, bottom: 34, left: 70 };

/**
 * The chart of `report` (the JSON of `GET /api/v1/reports/{metric}`) titled `title`: a
 * <figure> with the SVG, its legend and a data table of the same numbers.
 */
export function chart(report, title) {
  const zone = report.timezone;
  const unit = report.unit;
  const groups = report.groups.slice(0, MAX_SERIES);
  const starts = groups[0]?.points.map((p) => p.start) || [];
  const values = groups.flatMap((g) => g.points.map((p) => p.value ?? 0));
  const scale = ticks(Math.max(0, ...values), unit);
  const top = scale[scale.length - 1] || 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = starts.length ? plotW / starts.length : plotW;
  const x = (index) => MARGIN.left + slot * (index + 0.5);
  const y = (value) => MARGIN.top + plotH - (plotH * value) / top;
  const bars = groups.length === 1 && unit === 'count';

  const titleId = `chart-title-${report.metric}`;
  const descId = `chart-desc-${report.metric}`;
  const svg = s(
    'svg',
    {
      id: 'report-chart',
      class: `chart ${bars ? 'bars' : 'lines'}`,
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      'data-points': String(groups.reduce((n, g) => n + g.points.length, 0)),
    },
    s('title', { id: titleId }, title),
    s(
      'desc',
      { id: descId },
      `${groups.length} series over ${starts.length} ${report.interval}s; the numbers are in the table below the chart.`,
    ),
  );
  // Grid and y axis.
  for (const value of scale) {
    svg.append(
      s('line', {
        class: 'grid',
        x1: MARGIN.left,
        x2: WIDTH - MARGIN.right,
        y1: y(value),
        y2: y(value),
      }),
      s(
        'text',
        { class: 'axis-label', x: MARGIN.left - 8, y: y(value) + 4, 'text-anchor': 'end' },
        figure(value, unit),
      ),
    );
  }
  // X axis labels: at most about ten.
  const every = Math.max(1, Math.ceil(starts.length / 10));
  starts.forEach((start, index) => {
    if (index % every !== 0) return;
    svg.append(
      s(
        'text',
        { class: 'axis-label', x: x(index), y: HEIGHT - 12, 'text-anchor': 'middle' },
        bucketLabel(start, report.interval, zone),
      ),
    );
  });
  svg.append(
    s('line', {
      class: 'axis',
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
      y1: y(0),
      y2: y(0),
    }),
  );
  groups.forEach((group, series) => {
    const name = group.name || 'All';
    const layer = s('g', { class: `series series-${series}` });
    const tip = (point) =>
      `${name}, ${bucketTitle(point.start, report.interval, zone)}: ${figure(point.value, unit)}`;
    if (bars) {
      const width = Math.max(1, slot * 0.7);
      group.points.forEach((point, index) => {
        const value = point.value ?? 0;
        layer.append(
          s(
            'rect',
            {
              class: 'point bar',
              x: x(index) - width / 2,
              y: y(value),
              width,
              height: Math.max(0, y(0) - y(value)),
              'data-value': String(value),
            },
            s('title', {}, tip(point)),
          ),
        );
      });
    } else {
      // Buckets with nothing timed break the line rather than pretend to be zero.
      let path = '';
      let pen = false;
      group.points.forEach((point, index) => {
        if (point.value === null || point.value === undefined) {
          pen = false;
          return;
        }
        path += `${pen ? 'L' : 'M'}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`;
        pen = true;
      });
      if (path) layer.append(s('path', { class: 'line', d: path }));
      group.points.forEach((point, index) => {
        const empty = point.value === null || point.value === undefined;
        layer.append(
          s(
            'circle',
            {
              class: empty ? 'point empty' : 'point',
              cx: x(index),
              cy: y(point.value ?? 0),
              r: empty ? 0 : 3.5,
              'data-value': empty ? '' : String(point.value),
            },
            s('title', {}, tip(point)),
          ),
        );
      });
    }
    svg.append(layer);
  });

  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    groups.map((group, series) =>
      h(
        'li',
        {},
        h('span', { class: `swatch series-${series}`, 'aria-hidden': 'true' }),
        group.name || 'All',
      ),
    ),
  );
  const more =
    report.groups.length > MAX_SERIES
      ? h(
          'p',
          { class: 'muted' },
          `The chart shows the first ${MAX_SERIES} of ${report.groups.length}; the table lists them all.`,
        )
      : null;
  return h(
    'figure',
    { class: 'chart-figure' },
    svg,
    h('figcaption', {}, legend, more),
    dataTable(report, groups, starts, title),
  );
}

/** The chart's numbers as a table, folded away for sighted users. */
function dataTable(report, groups, starts, title) {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, 'Chart data as a table'),
    h(
      'table',
      { id: 'report-chart-table' },
      h('caption', {}, title),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, report.interval === 'hour' ? 'Hour' : 'Period'),
          groups.map((g) => h('th', { scope: 'col', class: 'count' }, g.name || 'All')),
        ),
      ),
      h(
        'tbody',
        {},
        starts.map((start, index) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, bucketTitle(start, report.interval, report.timezone)),
            groups.map((g) =>
              h('td', { class: 'count' }, figure(g.points[index]?.value, report.unit)),
            ),
          ),
        ),
      ),
    ),
  );
}
