// The website chat widget's loader: the one script a host page includes
// (`<script src="https://HOST/widget.js" data-channel="NAME" async>`). It makes one iframe and
// nothing else on the host page, because all of the widget's UI lives inside that iframe, out of
// reach of the host's CSS and scripts; the loader only sizes and places the iframe when the
// widget asks, and relays `window.Switchboard` calls and events over postMessage.
(() => {
  // Included twice: the first copy owns the iframe.
  if (window.Switchboard?.version) return;

  // currentScript is null when a tag manager runs this code for us: then the tag is found.
  const script = [
    document.currentScript,
    ...document.querySelectorAll('script[data-channel]'),
  ].find((s) => s?.dataset.channel && /\/widget\.js([?#]|$)/.test(s.src));
  const channel = script?.dataset.channel;
  if (!channel) return;
  const BASE = new URL(script.src, location.href).origin;

  const iframe = document.createElement('iframe');
  iframe.src = `${BASE}/widget/${encodeURIComponent(channel)}`;
  iframe.title = 'Chat';

  /** The last `resize` the widget asked for. */
  let layout = { width: 72, height: 72, position: 'right', open: false };
  // Until the first `resize` the iframe is invisible and lets clicks through: a widget that
  // cannot load (server down, unknown channel) leaves no dead square on the page.
  let shown = false;
  let ready = false;
  /** Messages for the widget until it says `ready`, in call order. */
  const queue = [];
  /** Host callbacks by event name. */
  const listeners = new Map();

  // Inline `!important` beats the host's stylesheets, including `iframe { … !important }`.
  const css = (props) => {
    for (const [name, value] of Object.entries(props)) {
      iframe.style.setProperty(name, value, 'important');
    }
  };

  function place() {
    // A phone has no room beside the page: the open chat takes the whole viewport.
    const full = layout.open && innerWidth < 480;
    const left = layout.position === 'left';
    css({
      position: 'fixed',
      'z-index': '2147483000',
      border: '0',
      margin: '0',
      padding: '0',
      background: 'transparent',
      'color-scheme': 'normal',
      display: 'block',
      visibility: shown ? 'visible' : 'hidden',
      'pointer-events': shown ? 'auto' : 'none',
      'max-width': 'none',
      'max-height': 'none',
      top: full ? '0' : 'auto',
      bottom: full ? '0' : '16px',
      left: full ? '0' : left ? '16px' : 'auto',
      right: full ? '0' : left ? 'auto' : '16px',
      width: full ? '100%' : `${Math.min(layout.width, innerWidth - 32)}px`,
      height: full ? '100%' : `${Math.min(layout.height, innerHeight - 32)}px`,
      // The open panel fills the iframe edge to edge; its rounded frame and shadow are drawn
      // here because a shadow inside the iframe would be clipped by it.
      'border-radius': layout.open && !full ? '12px' : '0',
      'box-shadow': layout.open && !full ? '0 8px 32px rgba(0,0,0,.28)' : 'none',
    });
  }

  function post(type, fields) {
    const message = { sb: 1, type, ...fields };
    if (ready) iframe.contentWindow?.postMessage(message, BASE);
    else queue.push(message);
  }

  function emit(event, value) {
    for (const fn of listeners.get(event) || []) {
      try {
        fn(value);
      } catch (err) {
        // One host handler failing must not stop the others, nor the widget.
        console.error(err);
      }
    }
  }

  const sendPage = () => post('page', { url: location.href, title: document.title });

  addEventListener('message', (event) => {
    if (event.source !== iframe.contentWindow || event.origin !== BASE) return;
    const data = event.data;
    if (data?.sb !== 1) return;
    switch (data.type) {
      case 'ready':
        // Again after a reload of the iframe; queued calls first, then `page`, so that the widget
        // has seen every early call (identify above all) when `page` tells it to start.
        ready = true;
        for (const message of queue.splice(0)) iframe.contentWindow.postMessage(message, BASE);
        sendPage();
        break;
      case 'resize':
        shown = true;
        layout = {
          width: Number(data.width) || 72,
          height: Number(data.height) || 72,
          position: data.position === 'left' ? 'left' : 'right',
          open: data.open === true,
        };
        place();
        break;
      case 'open':
        sendPage();
        emit('open');
        break;
      case 'close':
        emit('close');
        break;
      case 'message':
        emit('message', data.message);
        break;
      case 'unread':
        emit('unread', data.count);
        break;
    }
  });
  addEventListener('resize', place);

  // postMessage clones its data: a host object with functions or DOM nodes in it would throw,
  // so only plain JSON crosses.
  const plain = (value) => JSON.parse(JSON.stringify(value ?? {}));

  window.Switchboard = {
    version: 1,
    open: () => post('open'),
    close: () => post('close'),
    toggle: () => post('toggle'),
    identify: ({ id, name, email, hash } = {}) =>
      post('identify', { identity: plain({ id: String(id ?? ''), name, email, hash }) }),
    setAttributes: (attributes) => post('setAttributes', { attributes: plain(attributes) }),
    setLocale: (locale) => post('setLocale', { locale: String(locale) }),
    reset: () => post('reset'),
    /** Calls `fn` on `event` ('message', 'open', 'close', 'unread'); returns an unsubscribe. */
    on(event, fn) {
      if (typeof fn !== 'function') return () => {};
      listeners.set(event, [...(listeners.get(event) || []), fn]);
      return () => {
        listeners.set(
          event,
          (listeners.get(event) || []).filter((f) => f !== fn),
        );
      };
    },
  };

  // The link in an answer emailed to a visitor who had left brings them back with the chat open.
  if (location.hash === '#switchboard-chat') post('open');

  place();
  const mount = () => document.body.appendChild(iframe);
  // An async script in <head> can run before <body> exists.
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
