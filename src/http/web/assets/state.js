// What the inbox knows: the signed-in agent, directory data (agents, teams, channels), and
// caches of contacts and conversations, shared by the page's modules.

import { get } from './api.js';

const body = document.body.dataset;

export const me = {
  id: Number(body.agentId),
  role: body.role,
  name: body.name,
  email: body.email,
};

export const state = {
  agents: new Map(),
  teams: new Map(),
  /** channel name → kind */
  channels: new Map(),
  contacts: new Map(),
};

/** Loads agents, teams and channels. */
export async function loadDirectory() {
  const [agents, teams, channels] = await Promise.all([
    get('/agents'),
    get('/teams'),
    get('/channels'),
  ]);
  state.agents = new Map(agents.map((a) => [a.id, a]));
  state.teams = new Map(teams.map((t) => [t.id, t]));
  state.channels = new Map(channels.map((c) => [c.name, c.kind]));
}

let assist = null;

/** What agent assist offers here (`GET /assist`), asked once; off when it cannot be read. */
export function assistInfo() {
  if (!assist) assist = get('/assist').catch(() => ({ enabled: false, channels: [] }));
  return assist;
}

/** Whether agent assist is on for conversations of `channel`. */
export async function assistCovers(channel) {
  const info = await assistInfo();
  return Boolean(info.enabled) && (info.channels || []).some((c) => c === '*' || c === channel);
}

export function agentName(id) {
  if (id === null || id === undefined) return null;
  if (id === me.id) return `${state.agents.get(id)?.name || me.name} (you)`;
  return state.agents.get(id)?.name || `agent #${id}`;
}

export function teamName(id) {
  if (id === null || id === undefined) return null;
  return state.teams.get(id)?.name || `team #${id}`;
}

export function channelKind(name) {
  return state.channels.get(name) || null;
}

/** The contact with `id`, fetched once and cached (refresh with `force`). */
export function contact(id, force = false) {
  if (force || !state.contacts.has(id)) {
    const pending = get(`/contacts/${id}`).catch((err) => {
      state.contacts.delete(id);
      throw err;
    });
    state.contacts.set(id, pending);
  }
  return state.contacts.get(id);
}

/** The name to show for a contact. */
export function contactLabel(c) {
  return c?.name || c?.email || c?.phone || c?.identities?.[0]?.external_id || `contact #${c?.id}`;
}

/** Per-browser memory (drafts, read marks) that survives reloads. */
export const memory = {
  get(key, fallback = null) {
    try {
      const value = localStorage.getItem(`sb:${me.id}:${key}`);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined || value === '')
        localStorage.removeItem(`sb:${me.id}:${key}`);
      else localStorage.setItem(`sb:${me.id}:${key}`, JSON.stringify(value));
    } catch {
      /* storage full or disabled: drafts just do not persist */
    }
  },
};
