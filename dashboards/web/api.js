// The admin API, with the token as a bearer header. The token lives in this tab's session storage only: it is
// never put into a URL and never into a cookie, so another site cannot make the browser send it.

const KEY = 'strangler.admin-token';

export class ApiError extends Error {
  constructor(status, tag, message) {
    super(message);
    this.status = status;
    this.tag = tag;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY);
}

let onUnauthorized = () => {};

/** What to do when the server says the token is no good (signed out, token removed from the config). */
export function whenUnauthorized(f) {
  onUnauthorized = f;
}

function headers(extra) {
  return Object.assign({ 'Authorization': 'Bearer ' + token() }, extra || {});
}

/** GET or write some JSON; resolves to the parsed answer, rejects with an ApiError carrying the server's message. */
export async function api(path, options = {}) {
  const init = { method: options.method || 'GET', headers: headers(), cache: 'no-store' };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'the admin listener cannot be reached (' + e.message + ')');
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!res.ok) {
    if (res.status === 401 && !options.quiet401) onUnauthorized();
    throw new ApiError(res.status, body && body.error || 'http_' + res.status,
        body && body.message || 'the server answered ' + res.status);
  }
  return body;
}

/**
 * Reads the server-sent event stream with fetch (EventSource cannot send a bearer header) and calls
 * onEvent(name, data) for each event; reconnects two seconds after it breaks. onState('live'|'reconnecting').
 * Returns a function that stops it.
 */
export function stream(onEvent, onState) {
  let stopped = false;
  let controller = null;
  async function once() {
    controller = new AbortController();
    const res = await fetch('/api/events', { headers: headers(), cache: 'no-store', signal: controller.signal });
    if (res.status === 401) {
      onUnauthorized();
      stopped = true;
      return;
    }
    if (!res.ok || !res.body) throw new Error('event stream answered ' + res.status);
    onState('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) {
          try { onEvent(name, JSON.parse(data.join('\n'))); } catch (e) { console.error('bad event', e); }
        }
      }
    }
  }
  (async () => {
    while (!stopped) {
      try { await once(); } catch (e) { /* reconnect below */ }
      if (stopped) break;
      onState('reconnecting');
      await new Promise(r => setTimeout(r, 2000));
    }
  })();
  return () => { stopped = true; if (controller) controller.abort(); };
}
