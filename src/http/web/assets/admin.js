// Admin pages: agents and teams, channels and their state, rules (view) and templates (list
// and preview).

import { get, post, put } from './api.js';
import { h, replace, when, toast, channelIcon } from './dom.js';
import { me, state, loadDirectory } from './state.js';

const PAGES = [
  ['agents', 'Agents & teams'],
  ['channels', 'Channels'],
  ['rules', 'Rules'],
  ['templates', 'Templates'],
];

/** The name of admin page `name`, as its tab, region and the window title say it. */
export function adminPageLabel(name) {
  return PAGES.find(([id]) => id === name)?.[1] ?? 'Admin';
}

/** Renders admin page `name` into `main`. */
export async function showAdmin(main, name) {
  // The page scrolls by itself (wide tables on a phone): it takes the focus so that the
  // keyboard can scroll it too, and is a region named after the page.
  const label = adminPageLabel(name);
  const body = h(
    'section',
    { class: 'admin-body', id: `admin-${name}`, tabindex: '0', 'aria-label': label },
    h('p', { class: 'loading' }, 'Loading…'),
  );
  const nav = h(
    'nav',
    { class: 'admin-nav', 'aria-label': 'Admin pages' },
    PAGES.map(([id, label]) =>
      h(
        'a',
        {
          href: `#/admin/${id}`,
          class: id === name ? 'active' : '',
          'aria-current': id === name ? 'page' : null,
        },
        label,
      ),
    ),
  );
  replace(main, h('div', { class: 'admin' }, nav, body));
  try {
    if (name === 'agents') await agents(body);
    else if (name === 'channels') await channels(body);
    else if (name === 'rules') await rules(body);
    else if (name === 'templates') await templates(body);
    else replace(body, h('p', {}, 'No such page.'));
  } catch (err) {
    replace(
      body,
      h(
        'p',
        { class: 'error' },
        err.status === 403 ? `Your role (${me.role}) cannot see this page.` : err.message,
      ),
    );
  }
}

/** A table; a column without a visible heading (buttons) is named for screen readers. */
function table(headers, rows) {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) =>
          h('th', { scope: 'col' }, x || h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
    ),
    h('tbody', {}, rows),
  );
}

async function agents(body) {
  await loadDirectory();
  const isAdmin = me.role === 'admin';
  const password = h('p', { id: 'new-password', class: 'notice', hidden: true, role: 'status' });
  const rows = [...state.agents.values()].map((a) =>
    h(
      'tr',
      { dataset: { agent: String(a.id) } },
      h('td', {}, a.name),
      h('td', {}, a.email),
      h('td', {}, a.role),
      h('td', {}, h('span', { class: `badge availability-${a.availability}` }, a.availability)),
      h('td', {}, String(a.capacity)),
      h(
        'td',
        {},
        isAdmin
          ? h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                onClick: async () => {
                  if (!confirm(`Give ${a.name} a new password? Their sessions end.`)) return;
                  try {
                    const made = await post(`/agents/${a.id}/password`);
                    password.hidden = false;
                    replace(
                      password,
                      `New password for ${a.email} (shown once): `,
                      h('code', {}, made.password),
                    );
                  } catch (err) {
                    toast(err.message, 'error');
                  }
                },
              },
              'New password',
            )
          : null,
      ),
    ),
  );
  const form = isAdmin ? agentForm(body) : null;
  const teams = [...state.teams.values()].map((team) =>
    h(
      'tr',
      {},
      h('td', {}, team.name),
      h(
        'td',
        {},
        team.members.map((id) => state.agents.get(id)?.name || `#${id}`).join(', ') || '—',
      ),
      h('td', {}, isAdmin ? teamMembersForm(team, body) : null),
    ),
  );
  replace(
    body,
    h('h2', {}, 'Agents'),
    password,
    table(['Name', 'Email', 'Role', 'Availability', 'Capacity', ''], rows),
    form,
    h('h2', {}, 'Teams'),
    table(['Team', 'Members', ''], teams),
    isAdmin ? teamForm(body) : null,
  );
}

function agentForm(body) {
  const name = h('input', { id: 'agent-name', required: true });
  const email = h('input', { id: 'agent-email', type: 'email', required: true });
  const role = h(
    'select',
    { id: 'agent-role' },
    ['agent', 'admin', 'marketer'].map((r) => h('option', { value: r }, r)),
  );
  return h(
    'form',
    {
      class: 'inline-form',
      onSubmit: async (e) => {
        e.preventDefault();
        try {
          const agent = await post('/agents', {
            name: name.value,
            email: email.value,
            role: role.value,
          });
          const made = await post(`/agents/${agent.id}/password`);
          await agents(body);
          const notice = document.getElementById('new-password');
          notice.hidden = false;
          replace(
            notice,
            `Added ${agent.email}. Password (shown once): `,
            h('code', {}, made.password),
          );
        } catch (err) {
          toast(err.message, 'error');
        }
      },
    },
    h('h3', {}, 'Add an agent'),
    h('label', { for: 'agent-name' }, 'Name'),
    name,
    h('label', { for: 'agent-email' }, 'Email'),
    email,
    h('label', { for: 'agent-role' }, 'Role'),
    role,
    h('button', { type: 'submit' }, 'Add agent'),
  );
}

function teamForm(body) {
  const name = h('input', { id: 'team-name', required: true });
  return h(
    'form',
    {
      class: 'inline-form',
      onSubmit: async (e) => {
        e.preventDefault();
        try {
          await post('/teams', { name: name.value });
          await agents(body);
        } catch (err) {
          toast(err.message, 'error');
        }
      },
    },
    h('h3', {}, 'Add a team'),
    h('label', { for: 'team-name' }, 'Name'),
    name,
    h('button', { type: 'submit' }, 'Add team'),
  );
}

function teamMembersForm(team, body) {
  const select = h(
    'select',
    { multiple: true, 'aria-label': `Members of ${team.name}`, size: 3 },
    [...state.agents.values()].map((a) =>
      h('option', { value: String(a.id), selected: team.members.includes(a.id) }, a.name),
    ),
  );
  return h(
    'span',
    {},
    select,
    h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onClick: async () => {
          const members = [...select.selectedOptions].map((o) => Number(o.value));
          try {
            await put(`/teams/${team.id}/members`, { members });
            await agents(body);
          } catch (err) {
            toast(err.message, 'error');
          }
        },
      },
      'Save members',
    ),
  );
}

async function channels(body) {
  const [list, dead, failed] = await Promise.all([
    get('/channels'),
    get('/deliveries?state=dead&limit=200')
      .then((p) => p.items)
      .catch(() => []),
    get('/deliveries?state=failed&limit=200')
      .then((p) => p.items)
      .catch(() => []),
  ]);
  // The newest undeliverable or retrying message per channel.
  const lastFailure = new Map();
  for (const d of [...dead, ...failed].sort(
    (a, b) => new Date(b.updated_at) - new Date(a.updated_at),
  )) {
    if (!lastFailure.has(d.channel)) lastFailure.set(d.channel, d);
  }
  replace(
    body,
    h('h2', {}, 'Channels'),
    table(
      ['Channel', 'Kind', 'Listener', 'Last listener error', 'Last delivery failure'],
      list.map((c) => {
        const failure = lastFailure.get(c.name);
        return h(
          'tr',
          { dataset: { channel: c.name } },
          h('td', {}, channelIcon(c.kind, c.name), ' ', c.name),
          h('td', {}, c.kind),
          h(
            'td',
            {},
            c.state
              ? h(
                  'span',
                  {
                    class: `badge conn-${c.state}`,
                    title: c.state_since ? `since ${when(c.state_since)}` : null,
                  },
                  c.state,
                )
              : h('span', { class: 'muted' }, 'not started'),
          ),
          h(
            'td',
            {},
            c.last_error
              ? h('span', { class: 'delivery-error' }, `${c.last_error} (${when(c.last_error_at)})`)
              : h('span', { class: 'muted' }, 'none'),
          ),
          h(
            'td',
            {},
            failure
              ? h(
                  'span',
                  { class: 'delivery-error' },
                  `${failure.last_error || 'delivery failed'} ` +
                    `(${failure.state}, ${when(failure.updated_at)})`,
                )
              : h('span', { class: 'muted' }, 'none'),
          ),
        );
      }),
    ),
    h(
      'p',
      { class: 'muted' },
      'Listener: running (polling, gateway, IMAP), restarting after an error, or webhook ' +
        '(receives on /hooks/{channel}). Delivery failures are retried automatically; dead ones ' +
        'can be retried from the conversation.',
    ),
  );
}

async function rules(body) {
  const list = (await get('/rules')).items;
  const json = (value) => h('pre', {}, JSON.stringify(value, null, 2));
  const rule = (r) =>
    h(
      'li',
      { class: 'rule', dataset: { rule: r.name } },
      h(
        'h3',
        {},
        r.name,
        ' ',
        h('span', { class: 'badge' }, r.source),
        ' ',
        r.enabled ? null : h('span', { class: 'badge' }, 'disabled'),
      ),
      h(
        'p',
        {},
        'When ',
        h('code', {}, r.on),
        r.idle_for ? [' for ', h('code', {}, r.idle_for)] : null,
      ),
      r.when
        ? h('details', {}, h('summary', {}, 'Conditions'), json(r.when))
        : h('p', { class: 'muted' }, 'Always'),
      h(
        'details',
        { open: true },
        h('summary', {}, `Actions (${r.actions.length})`),
        json(r.actions),
      ),
      r.stop ? h('p', { class: 'muted' }, 'Stops later rules') : null,
    );
  replace(
    body,
    h('h2', {}, 'Rules'),
    h(
      'p',
      { class: 'muted' },
      'In evaluation order. Edit them through the API or the configuration.',
    ),
    list.length ? h('ol', { class: 'rules' }, list.map(rule)) : h('p', {}, 'No rules.'),
  );
}

async function templates(body) {
  const list = await get('/templates');
  const output = h('div', {
    id: 'template-preview',
    class: 'template-preview',
    'aria-live': 'polite',
  });
  const kinds = ['', ...new Set(state.channels.values())];
  const preview = async (name, kind, locale, values) => {
    try {
      const result = await post(`/templates/${encodeURIComponent(name)}/preview`, {
        channel_kind: kind || undefined,
        locale: locale || undefined,
        values,
      });
      replace(
        output,
        h('h3', {}, `${name} (${result.variant})`),
        h('pre', { class: 'msg-text' }, result.text),
        result.html
          ? h('iframe', {
              class: 'email-frame',
              sandbox: '',
              srcdoc: result.html,
              title: 'HTML preview',
            })
          : null,
      );
    } catch (err) {
      replace(output, h('p', { class: 'error' }, err.message));
    }
  };
  const row = (tpl) => {
    const kind = h(
      'select',
      { 'aria-label': `Channel for ${tpl.name}` },
      kinds.map((k) => h('option', { value: k }, k || 'default')),
    );
    const locale = h('input', {
      'aria-label': `Locale for ${tpl.name}`,
      placeholder: 'en',
      size: 4,
    });
    const values = h('input', {
      'aria-label': `Values for ${tpl.name} (JSON)`,
      placeholder: '{"name": "Jana"}',
    });
    const show = () => {
      let parsed = {};
      try {
        parsed = values.value ? JSON.parse(values.value) : {};
      } catch {
        toast('Values must be JSON', 'error');
        return;
      }
      preview(tpl.name, kind.value, locale.value, parsed);
    };
    return h(
      'tr',
      {},
      h('td', {}, h('code', {}, tpl.name)),
      h('td', {}, tpl.variants.join(', ')),
      h(
        'td',
        {},
        kind,
        locale,
        values,
        h('button', { type: 'button', class: 'ghost', onClick: show }, 'Preview'),
      ),
    );
  };
  replace(
    body,
    h('h2', {}, 'Templates'),
    table(['Name', 'Variants', 'Preview'], list.map(row)),
    output,
  );
}
