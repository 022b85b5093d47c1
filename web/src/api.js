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
 * onMessage(message, receivedAtMs); onStatus('live' | 'reconnecting' | 'logged-out').
 */
export class LiveConnection {
  constructor(onMessage, onStatus) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.socket = null;
    this.stopped = false;
    this.retryMs = 500;
  }

  start() {
    this.stopped = false;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/ws`);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.onStatus('live');
    };
    socket.onmessage = (event) => this.onMessage(JSON.parse(event.data), Date.now());
    socket.onclose = (event) => {
      if (this.stopped) return;
      if (event.code === 1008) {
        this.onStatus('logged-out');
        return;
      }
      this.onStatus('reconnecting');
      setTimeout(() => !this.stopped && this.start(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    };
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }
}
