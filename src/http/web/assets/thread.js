// One conversation: the thread (messages, notes, activity, attachments, delivery state), the
// actions, the composer with templates and drafts, presence and the contact panel.
//
// Each open conversation is one `Thread` that owns everything it knows (no state lives in this
// module): the page makes a new one when the agent opens a conversation and closes the old one,
// so nothing from one conversation can leak into the next.

import { ApiError, get, getAll, patch, post, postStream } from './api.js';
import { channelIcon, h, isolated, replace, since, toast, when } from './dom.js';
import { slaBadge } from './inbox.js';
import { activityLine, contactPanel, message } from './messages.js';
import { Picker } from './picker.js';
import {
  agentName,
  assistCovers,
  assistInfo,
  channelKind,
  contact,
  contactLabel,
  me,
  memory,
  state,
  teamName,
} from './state.js';

/** How long a pause in typing is before "typing" is announced again. */
const TYPING_EVERY_MS = 3000;

/** The languages an agent may say they read and write, for agent assist's translations. */
const LANGUAGES = [
  ['cs', 'Czech'],
  ['sk', 'Slovak'],
  ['en', 'English'],
  ['de', 'German'],
  ['pl', 'Polish'],
  ['uk', 'Ukrainian'],
  ['hu', 'Hungarian'],
  ['ru', 'Russian'],
  ['fr', 'French'],
  ['es', 'Spanish'],
  ['it', 'Italian'],
];

export class Thread {
  /** Conversation `id`, to be shown in `panes` ({thread, contact}) by `open()`. */
  constructor(id, panes) {
    this.id = id;
    this.panes = panes;
    /** The conversation as the API last answered it. */
    this.conversation = null;
    /** Whether a free-form reply may go out now (`reply_window` of the API). */
    this.replyWindow = null;
    this.messages = [];
    this.activity = [];
    /** Stored translations of the messages (agent assist). */
    this.translations = [];
    /** What agent assist offers (`GET /assist`) when it covers this channel, else null. */
    this.assist = null;
    this.mode = 'reply';
    this.el = {};
    /** The newest message id on screen when the agent started writing. */
    this.writingSince = null;
    this.collisionAcknowledged = false;
    /** The picker item whose text is in the composer, and that text. */
    this.chosen = null;
    this.chosenText = null;
    this.lastTyping = 0;
    /** The reload in progress: events that arrive meanwhile are answered by it. */
    this.refreshing = null;
    /** Templates and canned responses, rendered for this conversation. */
    this.picker = new Picker(id, () => channelKind(this.conversation.channel));
    /** Redraws the reply-window warning when the window closes while the agent watches. */
    this.windowTimer = null;
    this.closed = false;
  }

  /** Loads and shows the conversation; resolves with it, or null when it cannot be shown. */
  async open() {
    replace(this.panes.thread, h('p', { class: 'loading' }, 'Loading…'));
    try {
      await this.loadConversation();
    } catch (err) {
      if (!this.closed) {
        const text = `Cannot open conversation ${this.id}: ${err.message}`;
        replace(this.panes.thread, h('p', { class: 'empty' }, text));
      }
      return null;
    }
    if (this.closed) return null;
    this.build();
    // What assist offers decides what the messages show (Translate, the pinned summary): known
    // before they are drawn, so they are drawn once (asked once per page).
    const covered = await assistCovers(this.conversation.channel);
    this.assist = covered ? await assistInfo() : null;
    if (this.closed) return null;
    await Promise.all([this.loadMessages(), this.loadContact()]);
    this.announce('viewing');
    return this.conversation;
  }

  /** Leaves the conversation (presence "left"); the thread does nothing after this. */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.windowTimer);
    post(`/conversations/${this.id}/presence`, { state: 'left' }).catch(() => {});
  }

  async loadConversation() {
    const found = await get(`/conversations/${this.id}`);
    if (this.closed) return;
    this.conversation = found;
    this.replyWindow = found.reply_window;
  }

  announce(presence) {
    if (this.closed) return;
    post(`/conversations/${this.id}/presence`, { state: presence })
      .then((view) => this.renderPresence(view))
      .catch(() => {});
  }

  /** Re-sends "viewing" (called on the heartbeat). */
  keepViewing() {
    if (document.visibilityState === 'visible') this.announce('viewing');
  }

  build() {
    const c = this.conversation;
    const kind = channelKind(c.channel);
    const el = this.el;
    el.title = h(
      'h2',
      { id: 'conversation-title', class: 'conversation-title' },
      `Conversation #${c.id}`,
    );
    el.meta = h('div', { class: 'conversation-meta' });
    el.presence = h('div', {
      id: 'presence',
      class: 'presence',
      role: 'status',
      'aria-live': 'polite',
    });
    el.actions = this.actions();
    el.list = h('ol', {
      id: 'messages',
      class: 'messages',
      'aria-label': 'Messages',
      'aria-live': 'polite',
    });
    el.summary = h('section', {
      id: 'summary-pinned',
      class: 'summary-pinned',
      'aria-label': 'Summary of the conversation',
      hidden: true,
    });
    el.composer = this.composer();
    const back = h(
      'a',
      {
        href: `#/inbox/${location.hash.split('/')[2] || 'all'}`,
        class: 'back',
        'aria-label': 'Back to the list',
      },
      '←',
    );
    replace(
      this.panes.thread,
      h(
        'header',
        { class: 'conversation-header' },
        back,
        channelIcon(kind, c.channel),
        el.title,
        el.meta,
      ),
      el.actions,
      el.presence,
      el.summary,
      el.list,
      el.composer,
    );
    this.renderHeader();
  }

  renderHeader() {
    const c = this.conversation;
    const el = this.el;
    contact(c.contact_id)
      .then((found) => {
        replace(
          el.title,
          isolated(contactLabel(found)),
          c.subject ? [' — ', isolated(c.subject)] : null,
        );
      })
      .catch(() => {});
    const assignee = c.assignee_id ? `→ ${agentName(c.assignee_id)}` : 'unassigned';
    replace(
      el.meta,
      h('span', { class: `badge status-${c.status}`, id: 'conversation-status' }, c.status),
      c.snoozed_until && c.status === 'snoozed'
        ? h('span', { class: 'badge' }, `until ${when(c.snoozed_until)}`)
        : null,
      h('span', { class: 'badge', id: 'conversation-assignee' }, assignee),
      c.team_id ? h('span', { class: 'badge team' }, teamName(c.team_id)) : null,
      c.waiting_since
        ? h('span', { class: 'badge waiting' }, `waiting ${since(c.waiting_since)}`)
        : null,
      slaBadge(c),
      h('span', { class: 'channel-name' }, c.channel),
    );
    if (el.assign) {
      el.assign.value = c.assignee_id
        ? `agent:${c.assignee_id}`
        : c.team_id
          ? `team:${c.team_id}`
          : '';
    }
    if (el.priority) el.priority.value = c.priority;
    if (el.labels && document.activeElement !== el.labels) el.labels.value = c.labels.join(', ');
    if (el.resolve) {
      const resolved = c.status === 'resolved';
      el.resolve.textContent = resolved ? 'Reopen' : 'Resolve (e)';
      el.resolve.dataset.action = resolved ? 'reopen' : 'resolve';
    }
    this.renderWindowWarning();
  }

  actions() {
    const agents = [...state.agents.values()].filter(
      (a) => a.id !== me.id && a.role !== 'marketer',
    );
    const assign = h(
      'select',
      { id: 'assign', 'aria-label': 'Assign to', onChange: (e) => this.assignTo(e.target.value) },
      h('option', { value: '' }, 'Unassigned'),
      h('option', { value: `agent:${me.id}` }, 'Me'),
      h(
        'optgroup',
        { label: 'Agents' },
        agents.map((a) => h('option', { value: `agent:${a.id}` }, `${a.name} (${a.availability})`)),
      ),
      h(
        'optgroup',
        { label: 'Teams' },
        [...state.teams.values()].map((team) =>
          h('option', { value: `team:${team.id}` }, team.name),
        ),
      ),
    );
    const priority = h(
      'select',
      {
        id: 'priority',
        'aria-label': 'Priority',
        onChange: (e) =>
          this.change(() => patch(`/conversations/${this.id}`, { priority: e.target.value })),
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
      this.change(() => patch(`/conversations/${this.id}`, { labels: list }));
    });
    const resolve = h(
      'button',
      { type: 'button', id: 'resolve', onClick: () => this.toggleResolved() },
      'Resolve (e)',
    );
    const snoozeAt = h('input', {
      type: 'datetime-local',
      id: 'snooze-until',
      'aria-label': 'Snooze until',
    });
    // Chromium's calendar button inside the field takes the focus without the field matching
    // :focus, so the field shows the focus ring by a class while anything in it has the focus.
    snoozeAt.addEventListener('focusin', () => snoozeAt.classList.add('focused'));
    snoozeAt.addEventListener('focusout', () => snoozeAt.classList.remove('focused'));
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
          const until = new Date(snoozeAt.value).toISOString();
          this.change(() =>
            post(`/conversations/${this.id}/status`, { status: 'snoozed', snoozed_until: until }),
          );
        },
      },
      'Snooze',
    );
    // Shown only where agent assist is on for this conversation's channel.
    const assistSlot = h('span', { class: 'assist' });
    assistCovers(this.conversation?.channel).then((covered) => {
      if (covered && !this.closed) replace(assistSlot, this.summaryButton(), this.suggestButton());
    });
    Object.assign(this.el, { assign, priority, labels, resolve });
    return h(
      'div',
      { class: 'actions', role: 'toolbar', 'aria-label': 'Conversation actions' },
      h('label', {}, h('span', { class: 'visually-hidden' }, 'Assign'), assign),
      resolve,
      h('span', { class: 'snooze' }, snoozeAt, snooze),
      h('label', {}, h('span', { class: 'visually-hidden' }, 'Priority'), priority),
      labels,
      assistSlot,
    );
  }

  /**
   * "Draft a reply": the model's draft is written into the composer as it streams in, for the
   * agent to edit; it leaves only when the agent sends it.
   */
  draftButton() {
    const button = h(
      'button',
      { type: 'button', id: 'draft-reply', class: 'ghost' },
      'Draft a reply',
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Drafting…';
      const before = this.el.text.value;
      this.setMode('reply');
      this.el.text.value = '';
      try {
        const draft = await streamDraft(this.id, (piece) => {
          if (!this.closed) this.el.text.value += piece;
        });
        if (this.closed) return;
        this.el.text.value = draft.text;
        this.el.text.dispatchEvent(new Event('input'));
        this.el.text.focus();
        toast(`Draft by ${draft.model}: check it, then send.`);
      } catch (err) {
        if (!this.closed) this.el.text.value = before;
        toast(`No draft: ${err.message}`, 'error');
      } finally {
        button.disabled = false;
        button.textContent = 'Draft a reply';
      }
    });
    return button;
  }

  /**
   * "Translate": the composer's text in the customer's language, shown under the composer
   * beside the original; "Send translation" sends it and keeps the original with the message.
   */
  translateButton() {
    const button = h(
      'button',
      { type: 'button', id: 'translate-reply', class: 'ghost' },
      'Translate',
    );
    button.addEventListener('click', async () => {
      const original = this.el.text.value;
      if (!original.trim()) {
        toast('Write the reply first, in your language.');
        this.el.text.focus();
        return;
      }
      button.disabled = true;
      button.textContent = 'Translating…';
      try {
        const done = await post(`/conversations/${this.id}/reply-translation`, {
          text: original,
        });
        if (!this.closed) this.showTranslation(original, done);
      } catch (err) {
        toast(`No translation: ${err.message}`, 'error');
      } finally {
        button.disabled = false;
        button.textContent = 'Translate';
      }
    });
    return button;
  }

  /** The language this agent writes in: their own, else the installation's. */
  myLanguage() {
    return state.agents.get(me.id)?.language || this.assist?.language || 'en';
  }

  /**
   * "Your language": what customer messages are translated into for this agent, and what
   * their replies are written in; kept in their profile (`PATCH /agents/{id}`).
   */
  languagePicker() {
    const mine = this.myLanguage();
    const known = LANGUAGES.some(([code]) => code === mine);
    const select = h(
      'select',
      { id: 'my-language', 'aria-label': 'Your language, for translations' },
      (known ? LANGUAGES : [[mine, mine], ...LANGUAGES]).map(([code, name]) =>
        h('option', { value: code, selected: code === mine }, `${name} (${code})`),
      ),
    );
    select.addEventListener('change', async () => {
      try {
        const agent = await patch(`/agents/${me.id}`, { language: select.value });
        state.agents.set(me.id, agent);
        toast(`Translations for you are now in ${select.selectedOptions[0].textContent}.`);
      } catch (err) {
        select.value = this.myLanguage();
        toast(err.message, 'error');
      }
    });
    return select;
  }

  /** Shows the reply's translation for the agent to check, with Send and Discard. */
  showTranslation(original, done) {
    const box = this.el.translation;
    const text = h('textarea', {
      id: 'translation-text',
      rows: 4,
      lang: done.language,
      'aria-label': `The reply in ${done.language}, as the customer will get it`,
    });
    text.value = done.text;
    const send = h('button', { type: 'button', id: 'send-translation' }, 'Send translation');
    send.addEventListener('click', async () => {
      send.disabled = true;
      try {
        await post(`/conversations/${this.id}/reply`, {
          text: text.value,
          translated_from: { text: original, language: this.myLanguage(), model: done.model },
        });
        replace(box);
        box.hidden = true;
        this.clearComposer();
      } catch (err) {
        toast(err.message, 'error');
        send.disabled = false;
      }
    });
    const discard = h('button', { type: 'button', class: 'ghost' }, 'Discard');
    discard.addEventListener('click', () => {
      replace(box);
      box.hidden = true;
    });
    box.hidden = false;
    replace(
      box,
      h('p', {}, `In ${done.language}, translated by ${done.model}: check it before sending.`),
      text,
      h('div', { class: 'composer-bar' }, discard, send),
    );
  }

  /**
   * "Suggest": labels, priority and team the model suggests, shown beside the toolbar with
   * Apply (nothing changes until the agent applies them) and Dismiss.
   */
  suggestButton() {
    const shown = h('span', { id: 'suggestions', class: 'suggestions', 'aria-live': 'polite' });
    const button = h('button', { type: 'button', id: 'suggest' }, 'Suggest');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const s = await post(`/conversations/${this.id}/suggestions`);
        if (this.closed) return;
        const parts = [
          ...s.labels.map((label) => h('span', { class: 'badge label' }, label)),
          s.priority ? h('span', { class: 'badge' }, `priority ${s.priority}`) : null,
          s.team_name ? h('span', { class: 'badge' }, `team ${s.team_name}`) : null,
        ].filter(Boolean);
        if (!parts.length) {
          replace(shown, 'No suggestion.');
          return;
        }
        const apply = h('button', { type: 'button', id: 'apply-suggestions' }, 'Apply');
        apply.addEventListener('click', async () => {
          await this.applySuggestions(s);
          replace(shown);
        });
        const dismiss = h('button', { type: 'button', class: 'ghost' }, 'Dismiss');
        dismiss.addEventListener('click', () => replace(shown));
        replace(shown, 'Suggested: ', parts, ' ', apply, ' ', dismiss);
      } catch (err) {
        toast(`No suggestion: ${err.message}`, 'error');
      } finally {
        button.disabled = false;
      }
    });
    return [button, shown];
  }

  /** Adds the suggested labels, sets the priority and hands the conversation to the team. */
  async applySuggestions(s) {
    const c = this.conversation;
    const body = { labels: [...new Set([...(c.labels || []), ...s.labels])] };
    if (s.priority) body.priority = s.priority;
    await this.change(() => patch(`/conversations/${this.id}`, body));
    if (s.team_id && s.team_id !== this.conversation.team_id) {
      const agent = this.conversation.assignee_id;
      await this.change(() =>
        post(`/conversations/${this.id}/assign`, { agent_id: agent, team_id: s.team_id }),
      );
    }
  }

  /** "Summarize": the model's summary arrives as a private note (through the event stream). */
  summaryButton() {
    const button = h('button', { type: 'button', id: 'summarize' }, 'Summarize');
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Summarizing…';
      try {
        const done = await post(`/conversations/${this.id}/summary`);
        toast(`Summary by ${done.model} added as a note.`);
      } catch (err) {
        toast(`No summary: ${err.message}`, 'error');
      } finally {
        button.disabled = false;
        button.textContent = 'Summarize';
      }
    });
    return button;
  }

  /** Runs `call` (a change answered with the conversation) and shows the result. */
  async change(call) {
    try {
      const changed = await call();
      if (this.closed) return;
      this.conversation = changed;
      this.renderHeader();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  assignTo(value) {
    const c = this.conversation;
    let body;
    if (!value) body = { agent_id: null, team_id: null };
    else if (value.startsWith('agent:'))
      body = { agent_id: Number(value.slice(6)), team_id: c.team_id };
    else body = { agent_id: null, team_id: Number(value.slice(5)) };
    this.change(() => post(`/conversations/${this.id}/assign`, body));
  }

  /** Resolves the conversation, or reopens it when resolved. */
  toggleResolved() {
    if (!this.conversation) return;
    const status = this.conversation.status === 'resolved' ? 'open' : 'resolved';
    this.change(() => post(`/conversations/${this.id}/status`, { status }));
  }

  /** Moves focus to the assignment picker. */
  focusAssign() {
    this.el.assign?.focus();
  }

  // ---- messages -------------------------------------------------------------------------

  async loadMessages() {
    const [messages, activity, translations] = await Promise.all([
      getAll(`/conversations/${this.id}/messages?limit=200`, 2000),
      get(`/conversations/${this.id}/activity`).catch(() => []),
      get(`/conversations/${this.id}/translations`)
        .then((list) => list.items)
        .catch(() => []),
    ]);
    if (this.closed) return;
    this.messages = messages;
    this.activity = activity;
    this.translations = translations;
    this.renderMessages();
  }

  /** Asks for the translation of customer message `id`; true when it came. */
  async translate(id) {
    try {
      const done = await post(`/messages/${id}/translation`, {});
      if (this.closed) return true;
      this.translations = this.translations
        .filter((t) => !(t.message_id === id && t.language === done.language))
        .concat([done]);
      this.renderMessages();
      return true;
    } catch (err) {
      toast(`No translation: ${err.message}`, 'error');
      return false;
    }
  }

  /** What a message shows of agent assist: its translations, and a Translate button. */
  assistOf(m) {
    const translations = this.translations.filter((t) => t.message_id === m.id);
    const fromCustomer = m.direction === 'in' && m.kind === 'message' && m.text.trim() !== '';
    return {
      translations,
      translate: this.assist && fromCustomer ? () => this.translate(m.id) : null,
    };
  }

  /**
   * On a long conversation (at least `[assist] handover_summary_messages` messages), the
   * newest summary note stays at the top of the thread; without one, a prompt to make one.
   */
  renderSummary() {
    const box = this.el.summary;
    if (!box) return;
    const least = this.assist?.handover_summary_messages || 0;
    const readable = this.messages.filter((m) => m.kind === 'message').length;
    if (!this.assist || least === 0 || readable < least) {
      box.hidden = true;
      replace(box);
      return;
    }
    const newest = this.messages
      .filter((m) => m.kind === 'note' && m.text.startsWith('Summary by '))
      .sort((a, b) => b.id - a.id)[0];
    box.hidden = false;
    if (newest) {
      const [head, ...rest] = newest.text.split('\n');
      replace(
        box,
        h('p', { class: 'summary-head' }, head, ' · ', when(newest.created_at)),
        h('div', { class: 'msg-text', dir: 'auto' }, rest.join('\n')),
      );
    } else {
      const make = h('button', { type: 'button', class: 'link' }, 'Summarize it');
      make.addEventListener('click', () => this.el.actions.querySelector('#summarize')?.click());
      replace(box, `A long conversation (${readable} messages). `, make);
    }
  }

  renderMessages() {
    const c = this.conversation;
    const byId = new Map(this.messages.map((m) => [m.id, m]));
    const items = [
      ...this.messages.map((m) => ({
        at: m.created_at,
        order: m.id * 2,
        node: () => message(m, c, byId, this.assistOf(m)),
      })),
      ...this.activity.map((e) => ({
        at: e.created_at,
        order: e.id * 2 + 1,
        node: () => activityLine(e),
      })),
    ].sort((a, b) => new Date(a.at) - new Date(b.at) || a.order - b.order);
    const list = this.el.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    replace(
      list,
      items.length
        ? items.map((item) => item.node())
        : h('li', { class: 'empty' }, 'No messages yet.'),
    );
    if (atBottom || !list.dataset.scrolled) {
      list.scrollTop = list.scrollHeight;
      list.dataset.scrolled = '1';
    }
    this.renderSummary();
    this.renderWindowWarning();
  }

  // ---- live updates ---------------------------------------------------------------------

  /** Applies an event-stream event (the thread ignores those of other conversations). */
  async onEvent(event) {
    if (this.closed) return;
    if (event.conversation_id !== this.id) {
      const c = this.conversation;
      if (c && event.contact_id === c.contact_id && event.kind.startsWith('contact.')) {
        this.loadContact(true);
      }
      return;
    }
    // Coalesce bursts: one reload answers every event that arrived meanwhile. The
    // conversation is read again too, as a customer's message reopens the reply window.
    if (!this.refreshing) {
      this.refreshing = this.refresh().finally(() => {
        this.refreshing = null;
      });
    }
    await this.refreshing;
  }

  async refresh() {
    try {
      await this.loadConversation();
      if (!this.closed) this.renderHeader();
    } catch {
      // Gone, or no longer visible to this agent: the list says so.
    }
    await this.loadMessages();
  }

  /** Shows who else is viewing or typing. */
  renderPresence(view) {
    if (this.closed || !view || view.conversation_id !== this.id || !this.el.presence) return;
    const others = view.viewers.filter((v) => v.agent_id !== me.id);
    const customer = view.visitor_typing
      ? [h('span', { class: 'viewer typing customer' }, 'The customer is typing…')]
      : [];
    replace(
      this.el.presence,
      customer.concat(
        others.map((v) =>
          h(
            'span',
            { class: `viewer${v.typing ? ' typing' : ''}`, dataset: { agent: String(v.agent_id) } },
            v.typing ? `${v.name} is typing a reply…` : `${v.name} is viewing`,
          ),
        ),
      ),
    );
  }

  // ---- composer -------------------------------------------------------------------------

  composer() {
    const draft = memory.get(`draft:${this.id}`, { mode: 'reply', text: '' });
    this.mode = draft.mode || 'reply';
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
          'aria-selected': String(this.mode === mode),
          title: `${label} (${key})`,
          onClick: () => this.setMode(mode),
        },
        label,
      );
    const warning = h('div', {
      id: 'window-warning',
      class: 'warning',
      role: 'alert',
      hidden: true,
    });
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
        onClick: () => this.openPicker(),
      },
      'Templates',
    );
    const send = h('button', { type: 'submit', id: 'send' }, 'Send');
    // "Draft a reply" where agent assist covers the channel: the draft lands in the composer
    // and leaves only when the agent sends it.
    const draftSlot = h('span', { class: 'assist' });
    assistCovers(this.conversation?.channel).then((covered) => {
      if (covered && !this.closed)
        replace(draftSlot, this.draftButton(), this.translateButton(), this.languagePicker());
    });
    const translation = h('div', {
      id: 'translation-preview',
      class: 'translation-preview',
      'aria-live': 'polite',
      hidden: true,
    });
    const form = h(
      'form',
      {
        class: `composer mode-${this.mode}`,
        id: 'composer',
        onSubmit: (e) => {
          e.preventDefault();
          this.submit();
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
      translation,
      picker,
      h(
        'div',
        { class: 'composer-bar' },
        templateButton,
        draftSlot,
        h('span', { class: 'hint' }, 'Ctrl+Enter to send'),
        send,
      ),
    );
    Object.assign(this.el, {
      text,
      warning,
      collision,
      picker,
      form,
      send,
      templateButton,
      translation,
    });
    text.addEventListener('input', () => this.typed());
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      } else if (e.key === '/' && text.value === '') {
        e.preventDefault();
        this.openPicker();
      } else if (e.key === 'Escape') {
        text.blur();
      }
    });
    if (text.value) this.writingSince = this.newestMessageId();
    return form;
  }

  /** Follows the composer's text: draft, collision baseline and "typing" presence. */
  typed() {
    const text = this.el.text.value;
    if (text && this.writingSince === null) this.writingSince = this.newestMessageId();
    if (!text) {
      this.writingSince = null;
      this.collisionAcknowledged = false;
      hide(this.el.collision);
    }
    memory.set(`draft:${this.id}`, text ? { mode: this.mode, text } : null);
    if (this.mode === 'reply' && text && Date.now() - this.lastTyping > TYPING_EVERY_MS) {
      this.lastTyping = Date.now();
      this.announce('typing');
    }
  }

  newestMessageId() {
    return this.messages.reduce((max, m) => Math.max(max, m.id), 0);
  }

  setMode(mode) {
    this.mode = mode;
    this.el.form.className = `composer mode-${mode}`;
    for (const m of ['reply', 'note']) {
      document.getElementById(`mode-${m}`)?.setAttribute('aria-selected', String(m === mode));
    }
    this.el.send.textContent = mode === 'note' ? 'Add note' : 'Send';
    this.el.text.placeholder =
      mode === 'note' ? 'Private note: only agents see it' : 'Reply to the customer';
    this.renderWindowWarning();
  }

  /** Focuses the composer in `mode` (`reply` or `note`). */
  focusComposer(mode) {
    if (!this.el.text) return;
    this.setMode(mode);
    this.el.text.focus();
  }

  /** Warns, while replying, that the channel's reply window is closed or that the channel
   * cannot be answered at all (the bot was removed from the group), as the API says. */
  renderWindowWarning() {
    const warning = this.el.warning;
    if (!warning || !this.conversation) return;
    clearTimeout(this.windowTimer);
    const rule = this.replyWindow;
    const open = isWindowOpen(rule);
    const blocked = this.conversation.unanswerable_reason;
    const closed = this.mode === 'reply' && (!open || Boolean(blocked));
    warning.hidden = !closed;
    const text = blocked
      ? `Replies cannot reach this conversation on ${this.conversation.channel}: ${blocked}.`
      : windowClosedText(this.conversation.channel, rule);
    replace(warning, closed ? text : '');
    if (open && rule?.closes_at) {
      // Redraw when the window closes while the conversation stays open (timers cap at ~24 days).
      const left = Math.min(Date.parse(rule.closes_at) - Date.now() + 1000, 2 ** 31 - 1);
      this.windowTimer = setTimeout(() => this.renderWindowWarning(), left);
    }
  }

  async submit() {
    const el = this.el;
    const text = el.text.value;
    if (!text.trim()) return;
    if (this.mode === 'reply' && !this.collisionAcknowledged && this.writingSince !== null) {
      const others = this.messages.filter(
        (m) =>
          m.id > this.writingSince &&
          m.direction === 'out' &&
          m.kind === 'message' &&
          m.author_id !== me.id,
      );
      if (others.length) {
        const names = [...new Set(others.map((m) => agentName(m.author_id) || 'Someone'))].join(
          ', ',
        );
        el.collision.hidden = false;
        replace(
          el.collision,
          `${names} replied while you were writing. ` +
            'Read the thread, then press Send again to send yours anyway.',
        );
        this.collisionAcknowledged = true;
        return;
      }
    }
    el.send.disabled = true;
    try {
      if (this.mode === 'note') {
        await post(`/conversations/${this.id}/notes`, { text });
      } else if (this.chosen?.template && text === this.chosenText) {
        // Unchanged template text: the server renders it again, as the customer's channel needs
        // (email's HTML part, Telegram's markup).
        await post(`/conversations/${this.id}/reply`, {
          template: this.chosen.template,
          values: {},
        });
      } else {
        await post(`/conversations/${this.id}/reply`, { text });
      }
      this.clearComposer();
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      el.send.disabled = false;
    }
  }

  /** Empties the composer after a send. */
  clearComposer() {
    const el = this.el;
    el.text.value = '';
    this.chosen = null;
    this.chosenText = null;
    this.writingSince = null;
    this.collisionAcknowledged = false;
    hide(el.collision);
    memory.set(`draft:${this.id}`, null);
    this.announce('viewing');
  }

  // ---- template picker ------------------------------------------------------------------

  /** Opens the picker; the chosen item's text goes into the composer. */
  async openPicker() {
    const chosen = (item, text) => {
      this.el.text.value = text;
      this.chosen = item;
      this.chosenText = text;
      this.el.text.dispatchEvent(new Event('input'));
    };
    await this.picker.open(this.el.picker, chosen, () => this.el.text.focus());
  }

  // ---- contact panel --------------------------------------------------------------------

  async loadContact(force = false) {
    const pane = this.panes.contact;
    if (!pane || !this.conversation) return;
    const id = this.conversation.contact_id;
    let c;
    try {
      c = await contact(id, force);
    } catch (err) {
      if (!this.closed)
        replace(pane, h('p', { class: 'empty' }, `Contact unavailable: ${err.message}`));
      return;
    }
    // Suggestions and merges are for those who may merge (admins and agents): others get none.
    const [history, duplicates, merges] = await Promise.all([
      get(`/conversations?contact=${id}&limit=20`)
        .then((p) => p.items)
        .catch(() => []),
      get(`/contacts/${id}/duplicates`)
        .then((p) => p.items)
        .catch(() => []),
      get(`/contacts/${id}/merges`)
        .then((p) => p.items)
        .catch(() => []),
    ]);
    if (this.closed) return;
    const actions = {
      merge: (other) =>
        this.changeContacts(
          () => post(`/contacts/${id}/merge`, { from: other.id }),
          `Merged ${contactLabel(other)} into this contact.`,
        ),
      undo: (merge) =>
        this.changeContacts(
          () => post(`/contacts/merges/${merge.id}/undo`),
          `Undone: contact #${merge.from} is separate again.`,
        ),
    };
    replace(pane, contactPanel(c, history, this.id, duplicates, merges, actions));
  }

  /** Runs a merge or an undo, says how it went, and redraws the panel from the server. */
  async changeContacts(request, done) {
    try {
      await request();
      toast(done);
    } catch (err) {
      toast(err.message, 'error');
    }
    // Both contacts' cached copies are stale now.
    state.contacts.clear();
    await this.loadContact(true);
  }
}

// ---- the reply window -------------------------------------------------------------------

/** True when a free-form reply may go out now under `rule` (`reply_window` of the API). */
function isWindowOpen(rule) {
  if (!rule?.free_form_allowed) return false;
  return !rule.closes_at || Date.now() < Date.parse(rule.closes_at);
}

function windowClosedText(channel, rule) {
  const hours = rule?.window_secs ? Math.round(rule.window_secs / 3600) : null;
  const name = hours ? `${hours}-hour reply window` : 'reply window';
  const closedAt = rule?.closes_at ? ` closed ${when(rule.closes_at)}` : ' is closed';
  return (
    `The ${channel} ${name}${closedAt}: the channel refuses free-form replies until the ` +
    'customer writes again; only an approved template can go out.'
  );
}

function hide(el) {
  el.hidden = true;
  replace(el);
}

/**
 * Asks for a reply draft as a stream (`POST /draft/stream`): `onPiece` gets each piece of text
 * as the model writes it; resolves with the whole draft (`done`), rejects with the error.
 */
async function streamDraft(id, onPiece) {
  const response = await postStream(`/conversations/${id}/draft/stream`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: ?(.*)$/m.exec(block)?.[1];
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!name || !data) continue;
      const payload = JSON.parse(data);
      if (name === 'piece') onPiece(payload.text);
      else if (name === 'done') return payload;
      else if (name === 'error') throw new ApiError(payload.status, 'error', payload.error);
    }
  }
  throw new ApiError(502, 'error', 'the draft ended before the model finished');
}
