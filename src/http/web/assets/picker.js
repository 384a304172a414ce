// The composer's picker of templates and canned responses: filter as you type, a preview
// rendered for the open conversation, and the choice handed back to the composer. One `Picker`
// belongs to one open conversation, with the lists and previews it has loaded.

import { get, post } from './api.js';
import { h, replace, toast } from './dom.js';

export class Picker {
  /** A picker for conversation `conversationId`; `channelKind()` names its channel's kind. */
  constructor(conversationId, channelKind) {
    this.conversationId = conversationId;
    this.channelKind = channelKind;
    /** Templates and canned responses, loaded when the picker first opens. */
    this.items = null;
    /** Rendered previews (promises) by preview route. */
    this.previews = new Map();
  }

  async loadItems() {
    const [canned, templates] = await Promise.all([get('/canned-responses'), get('/templates')]);
    return [
      ...canned.map((c) => ({
        kind: 'canned',
        key: c.shortcut,
        title: c.title,
        template: c.template,
        preview: `/canned-responses/${c.id}/preview`,
      })),
      ...templates.map((tpl) => ({
        kind: 'template',
        key: tpl.name,
        title: tpl.locales.join(', '),
        template: tpl.name,
        preview: `/templates/${encodeURIComponent(tpl.name)}/preview`,
      })),
    ];
  }

  /**
   * Opens the picker in `el`. `onChoose(item, text)` receives the chosen item and its text
   * as rendered for the conversation; `onClose()` runs when the picker closes either way.
   */
  async open(el, onChoose, onClose) {
    if (this.items === null) {
      try {
        this.items = await this.loadItems();
      } catch (err) {
        toast(err.message, 'error');
        return;
      }
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
    const close = () => {
      el.hidden = true;
      replace(el);
      onClose();
    };
    const choose = async (item) => {
      const rendered = await this.render(item);
      if (rendered === null) return;
      onChoose(item, rendered);
      close();
    };
    const option = (item, index) =>
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
      );
    const draw = () => {
      const q = filter.value.toLowerCase();
      shown = this.items.filter((i) => `${i.key} ${i.title}`.toLowerCase().includes(q));
      active = Math.min(active, Math.max(0, shown.length - 1));
      replace(
        options,
        shown.length ? shown.map(option) : h('li', { class: 'empty' }, 'Nothing matches.'),
      );
      if (shown[active]) this.showPreview(shown[active], preview);
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
    replace(el, filter, options, preview);
    el.hidden = false;
    draw();
    filter.focus();
  }

  /** The text of `item` for the conversation (rendered once), or null on failure. */
  async render(item) {
    if (!this.previews.has(item.preview)) {
      const request = post(item.preview, {
        conversation_id: this.conversationId,
        channel_kind: this.channelKind(),
        values: {},
      }).catch((err) => {
        this.previews.delete(item.preview);
        throw err;
      });
      this.previews.set(item.preview, request);
    }
    try {
      return (await this.previews.get(item.preview)).text;
    } catch (err) {
      toast(`Preview failed: ${err.message}`, 'error');
      return null;
    }
  }

  async showPreview(item, el) {
    replace(el, h('span', { class: 'muted' }, 'Preview…'));
    const text = await this.render(item);
    if (text !== null) replace(el, h('div', { class: 'msg-text' }, text));
  }
}
