// Campaigns for marketers and admins: the list, a new campaign with its live audience count,
// a campaign's definition, its funnel per channel kept live from the event stream, the
// lifecycle buttons, and editing a draft.

import { get, post, put } from './api.js';
import { h, replace, when, toast, channelIcon } from './dom.js';
import { state } from './state.js';

/** The funnel's columns, in the order a campaign's messages move through them. */
const COUNTS = [
  'targeted',
  'suppressed',
  'pending',
  'sent',
  'delivered',
  'read',
  'failed',
  'opened',
  'clicked',
  'replied',
  'unsubscribed',
];

/** Which lifecycle buttons a state allows: [action, label]. */
const ACTIONS = {
  draft: [
    ['start', 'Start'],
    ['cancel', 'Cancel'],
  ],
  scheduled: [['cancel', 'Cancel']],
  running: [
    ['pause', 'Pause'],
    ['cancel', 'Cancel'],
  ],
  paused: [
    ['resume', 'Resume'],
    ['cancel', 'Cancel'],
  ],
  finished: [],
  cancelled: [],
};

const page = {
  /** The open campaign's id, or null on the list. */
  id: null,
  el: null,
  /** A reload is running; `again` asks for one more after it (events arrive in bursts). */
  loading: null,
  again: false,
  /** The state the definition part was drawn for: it is redrawn only when that changes, so
   *  an event never wipes a form being typed into. */
  drawnState: null,
};

/** Renders the campaign list (`id` null) or one campaign into `main`. */
export async function show(main, id) {
  page.id = id;
  page.drawnState = null;
  page.el = h(
    'section',
    { class: 'campaigns', id: id === null ? 'campaigns' : 'campaign', 'aria-live': 'polite' },
    h('p', { class: 'loading' }, 'Loading…'),
  );
  replace(main, page.el);
  await reload();
}

/** True for the events that change what this page shows. */
export function isCampaignEvent(event) {
  return event.kind.startsWith('campaign.') || event.kind === 'contact.unsubscribed';
}

/** Applies an event from the stream: the page asks the API again (coalesced). */
export function onEvent(event) {
  if (!isShown()) return;
  const campaign = event.data?.campaign;
  if (page.id !== null && campaign !== undefined && campaign !== null && campaign !== page.id)
    return;
  reload();
}

function isShown() {
  return !!page.el && document.body.contains(page.el);
}

function reload() {
  if (page.loading) {
    page.again = true;
    return page.loading;
  }
  page.loading = (async () => {
    do {
      page.again = false;
      const el = page.el;
      try {
        if (page.id === null) await drawList(el);
        else await drawCampaign(el);
      } catch (err) {
        if (el === page.el)
          replace(
            el,
            h('p', { class: 'error' }, err.status === 404 ? 'No such campaign.' : err.message),
          );
      }
    } while (page.again);
  })().finally(() => {
    page.loading = null;
  });
  return page.loading;
}

// ---- the list --------------------------------------------------------------------------------

async function drawList(el) {
  const existing = el.querySelector('#campaign-list');
  const list = await get('/campaigns');
  if (el !== page.el) return;
  const table = h(
    'table',
    { id: 'campaign-list' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Name', 'State', 'Targeted', 'Scheduled', 'Created'].map((x) =>
          h('th', { scope: 'col' }, x),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      list.items.length
        ? list.items.map((c) =>
            h(
              'tr',
              { id: `campaign-row-${c.id}`, dataset: { campaign: String(c.id) } },
              h('td', {}, h('a', { href: `#/campaigns/${c.id}` }, c.name)),
              h('td', {}, stateBadge(c.state)),
              h('td', { class: 'count' }, String(c.targeted)),
              h('td', {}, c.scheduled_at ? when(c.scheduled_at) : '—'),
              h('td', {}, when(c.created_at)),
            ),
          )
        : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No campaigns yet.')),
    ),
  );
  if (existing) {
    // A live update: only the table changes, a half-written new campaign stays.
    existing.replaceWith(table);
    return;
  }
  const form = h('div', { id: 'campaign-new-form', hidden: true });
  const open = h(
    'button',
    {
      type: 'button',
      id: 'campaign-new',
      onClick: async () => {
        const segments = await segmentList();
        form.hidden = false;
        open.hidden = true;
        replace(
          form,
          // The form's own headings are h4s, under an h3 here as under "Edit the draft".
          h('h3', {}, 'New campaign'),
          campaignForm({
            segments,
            onSaved: (c) => {
              location.hash = `#/campaigns/${c.id}`;
            },
          }),
        );
        form.querySelector('#campaign-name')?.focus();
      },
    },
    'Create campaign',
  );
  replace(el, h('div', { class: 'campaigns-head' }, h('h2', {}, 'Campaigns'), open), form, table);
}

async function segmentList() {
  try {
    return (await get('/segments')).items;
  } catch (err) {
    toast(`Could not load segments: ${err.message}`, 'error');
    return [];
  }
}

function stateBadge(value) {
  return h(
    'span',
    { class: `badge campaign-state state-${value}`, dataset: { state: value } },
    value,
  );
}

// ---- one campaign ----------------------------------------------------------------------------

async function drawCampaign(el) {
  const id = page.id;
  const campaign = await get(`/campaigns/${id}`);
  if (el !== page.el || id !== page.id) return;
  if (page.drawnState === null) {
    replace(
      el,
      h('p', {}, h('a', { href: '#/campaigns' }, '← All campaigns')),
      h('div', { id: 'campaign-summary' }),
      h('div', { id: 'campaign-definition' }),
    );
  }
  drawSummary(el.querySelector('#campaign-summary'), campaign);
  if (page.drawnState !== campaign.state) {
    page.drawnState = campaign.state;
    const definition = el.querySelector('#campaign-definition');
    if (campaign.state === 'draft') {
      const segments = await segmentList();
      replace(
        definition,
        h('h3', {}, 'Edit the draft'),
        campaignForm({
          campaign,
          segments,
          onSaved: () => {
            page.drawnState = null;
            reload();
          },
        }),
      );
    } else {
      replace(definition, h('h3', {}, 'Definition'), describe(campaign));
    }
  }
}

function drawSummary(box, campaign) {
  const at = h('input', {
    type: 'datetime-local',
    id: 'campaign-start-at',
    'aria-label': 'Start at (empty: now)',
  });
  const buttons = (ACTIONS[campaign.state] || []).map(([action, label]) => [
    action === 'start'
      ? h(
          'label',
          { class: 'filter' },
          h('span', { class: 'filter-label' }, 'Start at (empty: now)'),
          at,
        )
      : null,
    h(
      'button',
      {
        type: 'button',
        id: `campaign-${action}`,
        class: action === 'cancel' ? 'ghost' : '',
        onClick: (e) => act(campaign, action, at, e.target),
      },
      label,
    ),
  ]);
  const inDoubt = campaign.funnel.total.in_doubt || 0;
  if (inDoubt > 0 && campaign.state !== 'cancelled') {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          id: 'campaign-resend-in-doubt',
          class: 'ghost',
          onClick: (e) => act(campaign, 'resend-in-doubt', at, e.target),
        },
        `Resend ${inDoubt} in doubt`,
      ),
    );
  }
  replace(
    box,
    h(
      'div',
      { class: 'campaigns-head' },
      h('h2', { id: 'campaign-title' }, campaign.name),
      stateBadge(campaign.state),
    ),
    h('p', { class: 'muted' }, times(campaign)),
    buttons.length ? h('div', { class: 'actions campaign-actions' }, buttons) : null,
    h('h3', {}, 'Funnel'),
    funnel(campaign),
  );
}

function times(campaign) {
  return [
    `Created ${when(campaign.created_at)}`,
    campaign.scheduled_at ? `scheduled for ${when(campaign.scheduled_at)}` : null,
    campaign.started_at ? `started ${when(campaign.started_at)}` : null,
    campaign.finished_at ? `ended ${when(campaign.finished_at)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

async function act(campaign, action, at, button) {
  if (action === 'cancel' && !confirm(`Cancel “${campaign.name}”? Nothing more is sent.`)) return;
  if (
    action === 'resend-in-doubt' &&
    !confirm('Send these messages again? Some of these contacts may get the message twice.')
  )
    return;
  let body = {};
  if (action === 'start' && at.value) {
    const time = new Date(at.value);
    if (Number.isNaN(time.getTime())) {
      toast('Pick a valid start time', 'error');
      return;
    }
    body = { at: time.toISOString() };
  }
  button.disabled = true;
  try {
    await post(`/campaigns/${campaign.id}/${action}`, body);
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    button.disabled = false;
  }
  await reload();
}

/** The funnel: a bar of overall progress, and a row of counts per channel plus the total. */
function funnel(campaign) {
  const { total, channels } = campaign.funnel;
  if (!total.targeted) {
    return h(
      'p',
      { class: 'muted', id: 'funnel-empty' },
      ['draft', 'scheduled'].includes(campaign.state)
        ? 'The audience is put into the ledger when the campaign starts.'
        : 'Nobody was targeted.',
    );
  }
  const columns =
    (total.in_doubt || 0) > 0 ? [...COUNTS.slice(0, 7), 'in_doubt', ...COUNTS.slice(7)] : COUNTS;
  const row = (name, counts, label) =>
    h(
      'tr',
      { dataset: { channel: name } },
      h('th', { scope: 'row' }, label),
      h('td', {}, bar(counts, name === 'total' ? 'campaign-progress' : null)),
      columns.map((key) =>
        h('td', { class: 'count', dataset: { count: key } }, String(counts[key] ?? 0)),
      ),
    );
  return h(
    'div',
    { class: 'funnel-wrap' },
    h(
      'table',
      { id: 'funnel', class: 'funnel' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Channel'),
          h('th', { scope: 'col' }, 'Progress'),
          columns.map((key) => h('th', { scope: 'col', class: 'count' }, key.replace('_', ' '))),
        ),
      ),
      h(
        'tbody',
        {},
        Object.entries(channels).map(([name, counts]) =>
          row(
            name,
            counts,
            name === 'none'
              ? h('span', { class: 'muted' }, 'no usable channel')
              : [channelIcon(state.channels.get(name), name), ' ', name],
          ),
        ),
      ),
      h('tfoot', {}, row('total', total, 'Total')),
    ),
  );
}

/** Done (sent, failed or held back) out of targeted, as a bar with its numbers. */
function bar(counts, id) {
  const done = Math.max(0, counts.targeted - counts.pending - (counts.in_doubt || 0));
  const percent = counts.targeted ? Math.round((100 * done) / counts.targeted) : 0;
  const label = `${done} of ${counts.targeted} done (${percent} %)`;
  return h(
    'span',
    { class: 'progress', title: label },
    h('progress', {
      id,
      max: String(counts.targeted || 1),
      value: String(done),
      'aria-label': label,
    }),
    h('span', { class: 'progress-label' }, `${percent} %`),
  );
}

/** A started campaign's definition, read-only. */
function describe(campaign) {
  const facts = [
    ['Audience', h('code', {}, filterText(campaign.filter))],
    [
      'Quiet hours',
      campaign.quiet_hours ? h('code', {}, JSON.stringify(campaign.quiet_hours)) : 'none',
    ],
    [
      'Tracking',
      [campaign.track_opens ? 'opens' : null, campaign.track_clicks ? 'clicks' : null]
        .filter(Boolean)
        .join(', ') || 'off',
    ],
    ['Locale', campaign.locale || 'default'],
  ];
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'contact-facts campaign-facts' },
      facts.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    ),
    h(
      'ol',
      { class: 'channel-plans' },
      campaign.channels.map((plan) =>
        h(
          'li',
          { class: 'channel-plan', dataset: { channel: plan.channel } },
          h(
            'div',
            { class: 'plan-head' },
            channelIcon(state.channels.get(plan.channel), plan.channel),
            ' ',
            h('strong', {}, plan.channel),
            plan.rate_per_sec ? h('span', { class: 'badge' }, `${plan.rate_per_sec}/s`) : null,
          ),
          plan.subject ? h('p', {}, 'Subject: ', plan.subject) : null,
          plan.template ? h('p', {}, 'Template ', h('code', {}, plan.template)) : null,
          plan.body ? h('pre', { class: 'msg-text plan-body' }, plan.body) : null,
          plan.body ? segmentsOf(plan.channel, plan.body) : null,
        ),
      ),
    ),
  );
}

/** A line that will show the segment count of an SMS plan's message. */
function segmentsOf(channel, text) {
  const out = h('p', { class: 'muted plan-segments' });
  showSegments(out, channel, text);
  return out;
}

/** A filter in words where it is simple, else its JSON. */
function filterText(filter) {
  if (!filter) return '';
  if (filter.op === 'everyone') return 'everyone';
  if (filter.op === 'tag') return `tag ${filter.tag}`;
  return JSON.stringify(filter);
}

/** Channel kinds billed per SMS segment: their messages show what they cost. */
const SMS_KINDS = new Set(['twilio', 'vonage']);

/** Fills `out` with the encoding and segment count of `text` on SMS channel `name` (as the
 *  channel would send it, transliterated when it is set to); empty for other channels. A
 *  template's own text is counted: values filled in per contact can change the count. */
async function showSegments(out, name, text) {
  if (!SMS_KINDS.has(state.channels.get(name)) || !text.trim()) {
    out.textContent = '';
    return;
  }
  try {
    const cost = await post(`/channels/${encodeURIComponent(name)}/text-cost`, { text });
    const encoding = cost.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2';
    const parts = cost.segments === 1 ? '1 SMS segment' : `${cost.segments} SMS segments`;
    out.textContent = `${parts} (${encoding}, ${cost.units} units) before personalisation`;
  } catch {
    out.textContent = '';
  }
}

// ---- create and edit -------------------------------------------------------------------------

/**
 * The campaign form: name, audience (everyone or a saved segment, with a live count) and
 * channels in preference order, each with its message, subject and rate. Creates a campaign
 * (POST), or with `campaign` replaces that draft (PUT); other settings of the draft are kept.
 */
function campaignForm({ campaign = null, segments, onSaved }) {
  const error = h('p', { class: 'error', id: 'campaign-form-error', role: 'alert', hidden: true });
  const name = h('input', { id: 'campaign-name', required: true, value: campaign?.name || '' });
  const audience = h(
    'select',
    { id: 'campaign-audience' },
    campaign
      ? h('option', { value: 'current' }, `Unchanged: ${filterText(campaign.filter)}`)
      : null,
    h('option', { value: 'everyone' }, 'Everyone'),
    segments.map((s) => h('option', { value: `segment:${s.id}` }, `Segment: ${s.name}`)),
  );
  const count = h('output', { id: 'audience-count', for: 'campaign-audience', class: 'muted' });
  const chosenFilter = () => {
    if (audience.value === 'current') return campaign.filter;
    if (audience.value.startsWith('segment:'))
      return segments.find((s) => `segment:${s.id}` === audience.value)?.filter;
    return { op: 'everyone' };
  };
  let counting = 0;
  const recount = async () => {
    const ticket = ++counting;
    count.textContent = 'counting…';
    try {
      const preview = await post('/segments/preview', { filter: chosenFilter(), sample: 0 });
      if (ticket === counting) {
        const matches = preview.count === 1 ? 'contact matches' : 'contacts match';
        count.textContent = `${preview.count} ${matches} now`;
        count.dataset.count = String(preview.count);
      }
    } catch (err) {
      if (ticket === counting) count.textContent = err.message;
    }
  };
  audience.addEventListener('change', recount);
  recount();

  const plans = h('ol', { class: 'channel-plans', id: 'campaign-channels' });
  const addPlan = (plan) => plans.append(planEditor(plan, plans));
  (campaign?.channels?.length
    ? campaign.channels
    : [{ channel: [...state.channels.keys()][0] || '' }]
  ).forEach(addPlan);

  const save = h(
    'button',
    { type: 'submit', id: 'campaign-save' },
    campaign ? 'Save draft' : 'Create campaign',
  );
  return h(
    'form',
    {
      class: 'campaign-form',
      id: campaign ? 'campaign-edit' : 'campaign-create',
      onSubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const body = { name: name.value, channels: [...plans.children].map((li) => li.plan()) };
        if (audience.value.startsWith('segment:'))
          body.segment_id = Number(audience.value.slice('segment:'.length));
        else body.filter = chosenFilter();
        if (campaign) {
          Object.assign(body, {
            quiet_hours: campaign.quiet_hours,
            track_opens: campaign.track_opens,
            track_clicks: campaign.track_clicks,
            locale: campaign.locale,
          });
        }
        save.disabled = true;
        try {
          const saved = campaign
            ? await put(`/campaigns/${campaign.id}`, body)
            : await post('/campaigns', body);
          toast(campaign ? 'Draft saved' : 'Campaign created');
          onSaved(saved);
        } catch (err) {
          error.hidden = false;
          error.textContent = err.message;
        } finally {
          save.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'form-grid' },
      h('label', { for: 'campaign-name' }, 'Name'),
      name,
      h('label', { for: 'campaign-audience' }, 'Audience'),
      h('span', {}, audience, ' ', count),
    ),
    h('h4', {}, 'Channels, in order of preference'),
    h(
      'p',
      { class: 'muted' },
      'Each contact gets the message once, on the first of these where they can be reached ' +
        'and agreed to receive it.',
    ),
    plans,
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          id: 'campaign-add-channel',
          onClick: () => addPlan({ channel: '' }),
        },
        'Add a channel',
      ),
    ),
    error,
    save,
  );
}

/** One channel of the form. Its `plan()` returns the channel plan with the edits applied; a
 *  plan's other settings (template, HTML part, WhatsApp template) are kept. */
function planEditor(plan, list) {
  const names = [...state.channels.keys()];
  if (plan.channel && !names.includes(plan.channel)) names.push(plan.channel);
  const channel = h(
    'select',
    { name: 'channel', 'aria-label': 'Channel' },
    names.map((n) =>
      h(
        'option',
        { value: n, selected: n === plan.channel },
        `${n} (${state.channels.get(n) || 'not configured'})`,
      ),
    ),
  );
  const body = h('textarea', {
    name: 'body',
    rows: 3,
    'aria-label': 'Message',
    placeholder: plan.template
      ? `Template ${plan.template} (write here to replace it)`
      : 'Hi {{ contact.first_name }}, …',
  });
  body.value = plan.body || '';
  const subject = h('input', {
    name: 'subject',
    'aria-label': 'Subject',
    placeholder: 'Subject (email)',
    value: plan.subject || '',
  });
  const rate = h('input', {
    name: 'rate',
    type: 'number',
    min: '0',
    step: 'any',
    'aria-label': 'Messages per second',
    placeholder: 'default',
    value: plan.rate_per_sec ?? '',
    class: 'rate',
  });
  const subjectLabel = h(
    'label',
    { class: 'filter' },
    h('span', { class: 'filter-label' }, 'Subject'),
    subject,
  );
  const showSubject = () => {
    subjectLabel.hidden = state.channels.get(channel.value) !== 'email' && !subject.value;
  };
  channel.addEventListener('change', showSubject);
  showSubject();
  // The segment count follows the text, asked for once typing pauses.
  const segments = h('p', { class: 'muted plan-segments', 'aria-live': 'polite' });
  let pending = null;
  const countSegments = () => {
    clearTimeout(pending);
    pending = setTimeout(() => showSegments(segments, channel.value, body.value), 300);
  };
  body.addEventListener('input', countSegments);
  channel.addEventListener('change', countSegments);
  countSegments();
  const li = h(
    'li',
    { class: 'channel-plan' },
    h(
      'div',
      { class: 'plan-head' },
      h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, 'Channel'), channel),
      subjectLabel,
      h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, 'Per second'), rate),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onClick: () => {
            if (list.children.length > 1) li.remove();
            else toast('A campaign needs a channel', 'error');
          },
        },
        'Remove',
      ),
    ),
    h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, 'Message'), body),
    segments,
  );
  li.plan = () => {
    const out = { ...plan, channel: channel.value };
    if (body.value.trim()) {
      out.body = body.value;
      delete out.template;
    } else {
      delete out.body;
    }
    if (subject.value.trim()) out.subject = subject.value;
    else delete out.subject;
    const perSecond = Number(rate.value);
    if (rate.value !== '' && Number.isFinite(perSecond)) out.rate_per_sec = perSecond;
    else delete out.rate_per_sec;
    return out;
  };
  return li;
}
