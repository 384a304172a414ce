// How a conversation's items look: a message (text, customer HTML in a sandbox, attachments,
// delivery state), an activity line and the contact panel. Pure functions from API data to
// DOM nodes; the open conversation's state lives in `thread.js`.

import { post } from './api.js';
import { channelIcon, h, isolated, linkify, replace, safeUrl, toast, when } from './dom.js';
import { agentName, channelKind, contact, contactLabel, teamName } from './state.js';

function author(m, conversation) {
  if (m.author_type === 'contact') {
    const span = h('span', { class: 'author' }, 'Customer');
    contact(conversation.contact_id)
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

/**
 * "In reply to …" above a message that answers another: the first non-empty line of the
 * quoted message (as text, direction-isolated), or a plain note when it is not loaded.
 * Clicking scrolls to it; not a link, since `#…` is the inbox's own router.
 */
function replyQuote(m, byId) {
  if (!m.in_reply_to) return null;
  const quoted = byId?.get(m.in_reply_to);
  const line = quoted ? (quoted.text.split('\n').find((l) => l.trim()) || '').trim() : '';
  const short = line.length > 120 ? `${line.slice(0, 119)}…` : line;
  return h(
    'button',
    {
      type: 'button',
      class: 'link reply-quote',
      title: 'Show the quoted message',
      onClick: () => document.getElementById(`message-${m.in_reply_to}`)?.scrollIntoView(),
    },
    'In reply to ',
    short ? h('q', {}, isolated(short)) : 'an earlier message',
  );
}

/** The emoji reactions on a message, counted per emoji. */
function reactions(m) {
  if (!m.reactions?.length) return null;
  const counts = new Map();
  for (const r of m.reactions) counts.set(r.emoji, (counts.get(r.emoji) || 0) + 1);
  return h(
    'div',
    { class: 'reactions' },
    ...[...counts].map(([emoji, n]) =>
      h(
        'span',
        { class: 'reaction', title: `${n} reaction${n > 1 ? 's' : ''}` },
        n > 1 ? `${emoji} ${n}` : emoji,
      ),
    ),
  );
}

/**
 * One message or note of `conversation`, as a list item; `byId` (message id → message) lets
 * an answer quote the message it answers.
 */
/**
 * One message of the thread. `assist` (optional): `translations` of the message to show under
 * it, and `translate`, a function that asks for one (offered while there is none).
 */
export function message(m, conversation, byId, assist = {}) {
  if (m.kind === 'activity') {
    return h(
      'li',
      { class: 'activity', dataset: { id: String(m.id) } },
      m.text,
      ' · ',
      when(m.created_at),
    );
  }
  const note = m.kind === 'note';
  const cls = note ? 'msg note' : `msg ${m.direction === 'in' ? 'in' : 'out'}`;
  const otherChannel = m.channel !== conversation.channel;
  return h(
    'li',
    { class: cls, id: `message-${m.id}`, dataset: { id: String(m.id) } },
    h(
      'div',
      { class: 'msg-head' },
      note ? h('span', { class: 'note-tag' }, 'Private note') : null,
      author(m, conversation),
      otherChannel ? channelIcon(channelKind(m.channel), m.channel) : null,
      h('time', { datetime: m.created_at, title: m.created_at }, when(m.created_at)),
      m.edited_at ? h('span', { class: 'edited', title: `edited ${m.edited_at}` }, 'edited') : null,
      m.redacted
        ? h(
            'span',
            {
              class: 'redacted',
              title:
                m.redacted === 'auto'
                  ? 'personal data was redacted before it was stored'
                  : 'redacted by an agent (see the activity)',
            },
            'redacted',
          )
        : null,
    ),
    replyQuote(m, byId),
    body(m),
    translated(assist.translations || [], assist.translate),
    attachments(m),
    reactions(m),
    m.direction === 'out' && !note ? delivery(m) : null,
  );
}

/** The translations of a message, and a Translate button when there are none yet. */
function translated(translations, translate) {
  if (!translations.length) {
    if (!translate) return null;
    const button = h('button', { type: 'button', class: 'link translate' }, 'Translate');
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Translating…';
      const done = await translate();
      if (!done) {
        button.disabled = false;
        button.textContent = 'Translate';
      }
    });
    return h('div', { class: 'translations' }, button);
  }
  return h(
    'div',
    { class: 'translations' },
    translations.map((t) =>
      h(
        'div',
        { class: `translation origin-${t.origin}`, dataset: { language: t.language } },
        h(
          'span',
          { class: 'translation-tag' },
          t.origin === 'author'
            ? `As written (${t.language}), translated by ${t.model}`
            : `Translation (${t.language}) by ${t.model}`,
        ),
        h('div', { class: 'msg-text', dir: 'auto', lang: t.language }, linkify(t.text)),
      ),
    ),
  );
}

function body(m) {
  if (!m.html) {
    if (!m.full_text) return h('div', { class: 'msg-body msg-text', dir: 'auto' }, linkify(m.text));
    const text = h('div', { class: 'msg-text', dir: 'auto' }, linkify(m.text));
    return h('div', { class: 'msg-body' }, text, ...quotedToggle(m, text));
  }
  // Customer HTML (email) only ever renders inside a sandbox without scripts, forms or
  // same-origin access; the page's CSP applies inside as well, and its `img-src` keeps
  // remote images (trackers) from loading until the agent asks, through the server.
  const parts = hasParts(m);
  const frame = h('iframe', {
    class: 'email-frame',
    sandbox: '',
    referrerpolicy: 'no-referrer',
    title: 'Email content',
    srcdoc: parts ? withoutParts(m) : m.html,
  });
  // Inline (`cid:`) images are this server's files: shown at once, fetched with the session
  // the sandboxed frame does not have.
  if (parts) {
    inlined(m, { remote: false }).then((html) => {
      if (!frame.dataset.remote) frame.srcdoc = html;
      frame.dataset.parts = 'inlined';
    });
  }
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
            frame.dataset.remote = 'loading';
            frame.srcdoc = await inlined(m, { remote: true });
            load.remove();
          },
        },
        `Load images (${remote.length})`,
      )
    : null;
  return h('div', { class: 'msg-body' }, frame, text, toggle, load);
}

/**
 * The "Show quoted text" button of a message whose `text` is abridged (an email without its
 * quoted history and signature), and the whole text it shows in place of `shown`.
 */
function quotedToggle(m, shown) {
  const id = `full-text-${m.id}`;
  const full = h(
    'div',
    { class: 'msg-text full-text', id, dir: 'auto', hidden: true },
    linkify(m.full_text),
  );
  const button = h(
    'button',
    {
      type: 'button',
      class: 'link show-quoted',
      'aria-expanded': 'false',
      'aria-controls': id,
      onClick: () => {
        const open = button.getAttribute('aria-expanded') !== 'true';
        button.setAttribute('aria-expanded', String(open));
        full.hidden = !open;
        shown.hidden = open;
        button.textContent = open ? 'Hide quoted text' : 'Show quoted text';
      },
    },
    'Show quoted text',
  );
  return [button, full];
}

/** Parses customer HTML without loading or running anything (an inert document). */
function inert(html) {
  return new DOMParser().parseFromString(html, 'text/html');
}

/** True when `src` is one of message `m`'s own files (an inline `cid:` image). */
function isPart(m, src) {
  return src.startsWith(`/api/v1/messages/${m.id}/attachments/`);
}

function hasParts(m) {
  return [...inert(m.html).querySelectorAll('img[src]')].some((img) =>
    isPart(m, img.getAttribute('src').trim()),
  );
}

/** `m.html` with its inline images left empty until they are fetched. */
function withoutParts(m) {
  const doc = inert(m.html);
  for (const img of doc.querySelectorAll('img[src]')) {
    if (isPart(m, img.getAttribute('src').trim())) img.removeAttribute('src');
  }
  return `<!doctype html>${doc.documentElement.outerHTML}`;
}

/** The `<img>` elements of `html` whose source is a remote http(s) URL. */
function remoteImages(html) {
  return [...inert(html).querySelectorAll('img[src]')]
    .map((img) => img.getAttribute('src').trim())
    .filter((src) => /^https?:/i.test(src));
}

/**
 * `m.html` with its inline images (the message's own files) and, when `remote`, its remote
 * images (fetched by the server's guarded image route) inlined as `data:` URLs: the sandboxed
 * frame has an opaque origin and no session, and the page's CSP lets images come only from
 * here. An image the server refuses stays out.
 */
async function inlined(m, { remote }) {
  const doc = inert(m.html);
  const images = [...doc.querySelectorAll('img[src]')];
  await Promise.all(
    images.map(async (img) => {
      const src = img.getAttribute('src').trim();
      let url;
      if (isPart(m, src)) url = src;
      else if (remote && /^https?:/i.test(src))
        url = `/api/v1/messages/${m.id}/images?url=${encodeURIComponent(src)}`;
      else return;
      img.removeAttribute('srcset');
      img.removeAttribute('src');
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
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
      const label = `↓ ${name}${size}`;
      const link = href
        ? h('a', { href, download: name, target: '_blank', rel: 'noopener noreferrer' }, label)
        : label;
      return h('li', { class: 'attachment' }, link);
    }),
  );
}

function delivery(m) {
  const status = m.delivery_status || 'queued';
  const failed = status === 'failed' || status === 'dead';
  const retry = async () => {
    try {
      await post(`/messages/${m.id}/retry`);
      toast('Queued again');
    } catch (err) {
      toast(err.message, 'error');
    }
  };
  return h(
    'div',
    { class: `delivery delivery-${status}`, dataset: { status } },
    h('span', { class: 'delivery-status' }, status),
    failed && m.delivery_error
      ? h('span', { class: 'delivery-error' }, `: ${m.delivery_error}`)
      : null,
    failed ? h('button', { type: 'button', class: 'retry', onClick: retry }, 'Retry') : null,
  );
}

/** The words for an activity entry (`e.data` as the server recorded it). */
function activityText(e) {
  const actor = e.agent_id ? ` by ${agentName(e.agent_id)}` : '';
  const d = e.data || {};
  switch (e.kind) {
    case 'conversation.created':
      return 'Conversation started';
    case 'conversation.assigned': {
      const to = d.to || {};
      let target = null;
      if (to.agent_id) target = agentName(to.agent_id);
      else if (to.team_id) target = `team ${teamName(to.team_id)}`;
      return target ? `Assigned to ${target}${actor}` : `Unassigned${actor}`;
    }
    case 'conversation.status_changed':
      return `Status ${d.from || '?'} → ${d.to || '?'}${actor}`;
    case 'conversation.updated': {
      const labels = (d.labels || []).join(', ') || 'none';
      return `Labels ${labels} · priority ${d.priority || 'normal'}${actor}`;
    }
    case 'sla.breached': {
      const target = d.target ? `: ${String(d.target).replace(/_/g, ' ')}` : '';
      return `SLA breached${target}${d.policy ? ` (${d.policy})` : ''}`;
    }
    case 'message.redacted':
      return `Message redacted${d.whole ? '' : ' in part'}${actor}`;
    case 'rule.failed':
      return `Rule ${d.rule || d.name || ''} failed${d.error ? `: ${d.error}` : ''}`;
    default: {
      const what = e.kind.replace(/[._]/g, ' ');
      return `${what}${d.rule ? `: ${d.rule}` : ''}${d.name ? `: ${d.name}` : ''}${actor}`;
    }
  }
}

/** One activity entry, as a list item. */
export function activityLine(e) {
  return h(
    'li',
    { class: 'activity', dataset: { kind: e.kind } },
    activityText(e),
    ' · ',
    when(e.created_at),
  );
}

/** The words for why another contact is suggested as the same person. */
const DUPLICATE_REASONS = {
  email: 'same email',
  mailbox: 'same mailbox',
  phone: 'same phone',
  web_chat_user: 'same website user',
};

/**
 * The contact panel: facts, identities, attributes, tags, other contacts that are probably
 * the same person (`duplicates`, from `GET /contacts/{id}/duplicates`, each with a Merge
 * button), the contacts merged into this one (`merges`, from `GET /contacts/{id}/merges`,
 * each with Undo) and the conversations. `actions.merge(contact)` and `actions.undo(merge)`
 * do the work; without `actions` the buttons are left out.
 */
export function contactPanel(c, history, openId, duplicates = [], merges = [], actions = null) {
  const attributes = Object.entries(c.attributes || {});
  const fact = (label, value) => (value ? [h('dt', {}, label), h('dd', {}, value)] : null);
  const identity = (i) =>
    h(
      'li',
      {},
      h('span', { class: 'scope' }, i.scope),
      ' ',
      h('span', { class: 'external-id' }, i.external_id),
      i.unreachable_reason
        ? h('span', { class: 'badge failed', title: i.unreachable_reason }, 'unreachable')
        : null,
    );
  const earlier = (conv) =>
    h(
      'li',
      { class: conv.id === openId ? 'current' : '' },
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
    );
  const value = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  // Merges still in force that brought another contact into this one.
  const mergedIn = merges.filter((m) => m.into === c.id && !m.undone_at);
  return [
    h('h2', { id: 'contact-name' }, isolated(contactLabel(c))),
    h(
      'dl',
      { class: 'contact-facts' },
      fact('Email', c.email),
      fact('Phone', c.phone),
      fact('Customer since', when(c.created_at)),
    ),
    h('h3', {}, 'Identities'),
    h('ul', { class: 'identities' }, c.identities.map(identity)),
    attributes.length
      ? [
          h('h3', {}, 'Attributes'),
          h(
            'dl',
            { class: 'attributes' },
            attributes.map(([k, v]) => [h('dt', {}, k), h('dd', {}, value(v))]),
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
    duplicates.length
      ? [
          h('h3', {}, 'Possibly the same person'),
          h(
            'ul',
            { class: 'identities', id: 'contact-duplicates' },
            duplicates.map((d) =>
              h(
                'li',
                { dataset: { contact: String(d.contact.id) } },
                isolated(contactLabel(d.contact)),
                ' ',
                d.reasons.map((r) => [
                  h('span', { class: 'scope' }, DUPLICATE_REASONS[r.kind] || r.kind),
                  ' ',
                  h('span', { class: 'external-id' }, r.value),
                  ' ',
                ]),
                actions
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'merge',
                        'aria-label': `Merge ${contactLabel(d.contact)} into this contact`,
                        onclick: () => actions.merge(d.contact),
                      },
                      'Merge',
                    )
                  : null,
              ),
            ),
          ),
        ]
      : null,
    mergedIn.length
      ? [
          h('h3', {}, 'Merged into this contact'),
          h(
            'ul',
            { class: 'identities', id: 'contact-merges' },
            mergedIn.map((m) =>
              h(
                'li',
                { dataset: { merge: String(m.id) } },
                `contact #${m.from}`,
                ' ',
                h('span', { class: 'muted' }, when(m.merged_at)),
                ' ',
                actions
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'undo-merge',
                        'aria-label': `Undo the merge of contact #${m.from}`,
                        onclick: () => actions.undo(m),
                      },
                      'Undo',
                    )
                  : null,
              ),
            ),
          ),
        ]
      : null,
    h('h3', {}, 'Conversations'),
    h('ul', { class: 'history', id: 'contact-history' }, history.map(earlier)),
  ];
}
