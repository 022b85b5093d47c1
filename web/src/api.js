// The server's REST API and the live WebSocket. The session travels in an HttpOnly cookie.

export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

export async function api(method, path, body) {
  const options = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && data.detail;
    throw new ApiError(response.status, typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
  return data;
}

/**
 * Keeps a WebSocket to /api/ws open (reconnecting after a drop) and hands each message on.
 * The socket lives in a worker (live-worker.js), which parses each message there.
 * onMessage(message, receivedAtMs); onStatus('live' | 'reconnecting' | 'logged-out').
 */
export class LiveConnection {
  constructor(onMessage, onStatus) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.worker = new Worker(new URL('./live-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = ({ data }) => this.received(data);
    this.generation = 0; // which start() a worker's message belongs to
    this.stopped = false;
    this.retryMs = 500;
  }

  start() {
    this.stopped = false;
    this.generation += 1;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.worker.postMessage({ open: `${scheme}://${location.host}/api/ws`, generation: this.generation });
  }

  received({ generation, event, data, code }) {
    if (generation !== this.generation || this.stopped) return; // from a socket since closed
    if (event === 'open') {
      this.retryMs = 500;
      this.onStatus('live');
    } else if (event === 'message') {
      this.onMessage(data, Date.now());
    } else if (event === 'close') {
      if (code === 1008) {
        this.onStatus('logged-out');
        return;
      }
      this.onStatus('reconnecting');
      setTimeout(() => !this.stopped && this.start(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    }
  }

  stop() {
    this.stopped = true;
    this.generation += 1;
    this.worker.postMessage({ close: true });
  }
}
