// The REST API as the signed-in agent: the session cookie authenticates, and every request
// that changes something carries the page's CSRF token.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API; resolves with the JSON body (or null), rejects with ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    // The session ended (expired, signed out elsewhere, password changed).
    window.location.assign('/login');
    throw new ApiError(401, 'unauthenticated', 'signed out');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.error?.code || 'error',
      data?.error?.message || `${response.status} ${response.statusText}`,
    );
  }
  return data;
}

/**
 * POSTs to a route that answers with server-sent events; resolves with the response, whose
 * body is the stream. A refusal before the stream (the usual JSON error) rejects with ApiError.
 */
export async function postStream(path) {
  const response = await fetch(`/api/v1${path}`, {
    method: 'POST',
    headers: { Accept: 'text/event-stream', 'X-CSRF-Token': csrf },
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    window.location.assign('/login');
    throw new ApiError(401, 'unauthenticated', 'signed out');
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(
      response.status,
      data?.error?.code || 'error',
      data?.error?.message || `${response.status} ${response.statusText}`,
    );
  }
  return response;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);

/** Every page of a cursor-paginated list, up to `max` items. */
export async function getAll(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await get(
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
