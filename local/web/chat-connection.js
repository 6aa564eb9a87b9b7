// One WebSocket to the chat API, as the server's protocol (/config.json `protocol`) says to open it,
// reopened after an unexpected close. Plain ES module without DOM access: the WebSocket constructor
// and the page URL are parameters, so it runs in the browser and in Node (with the `ws` package).

/** Reconnect delays after an unexpected close: 1 s, 2 s, 4 s ... capped at 30 s. */
export function reconnectDelay(attempt) {
  return Math.min(30000, 1000 * 2 ** attempt);
}

/**
 * Where and how to connect: `ws(s)://<page host>/` with the thread in the query string. Development
 * mode adds the identity (user id, role) to the query; with a token it goes in the subprotocol list
 * (`<subprotocol>, <bearer prefix><token>`), since a browser cannot set an Authorization header on a
 * WebSocket.
 */
export function connectionTarget({ protocol, pageUrl, userId, role, threadId, token }) {
  const url = new URL('/', pageUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  if (!token) {
    // Development mode (no token): the identity the client chooses, in the parameters the server names.
    const identity = protocol.developmentIdentityQueryParameters;
    if (userId) url.searchParams.set(identity.userId, userId);
    if (role && role !== 'user') url.searchParams.set(identity.role, role);
  }
  if (threadId) url.searchParams.set(protocol.threadQueryParameter, threadId);
  const protocols = token ? [protocol.subprotocol, `${protocol.bearerSubprotocolPrefix}${token.trim()}`] : [protocol.subprotocol];
  return { url: url.href, protocols };
}

/**
 * The user id a token names, for display only (recognising one's own messages): the server verifies
 * the token, the client never trusts this.
 */
export function tokenSubject(token, claim = 'sub') {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const value = payload[claim];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A frame from the server, or undefined for anything that is not a JSON object. */
export function parseFrame(data) {
  try {
    const frame = JSON.parse(String(data));
    return frame !== null && typeof frame === 'object' ? frame : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A connection that reopens after an unexpected close (1 s, 2 s, 4 s … 30 s) once it has been open.
 * With `keepalive` (the protocol's), it sends the keepalive frame whenever it has sent nothing for
 * `intervalSeconds`, so API Gateway's idle timeout never closes a client that only listens; the replies
 * are not passed on.
 * A first connection that closes is reported as refused: browsers hide the HTTP status of a refused
 * upgrade, and retrying a refusal would not help.
 *
 * Events: `connecting` {reconnect}, `open`, `frame` {frame}, `close` {refused, code, reconnectInMs}
 * (only for closes nobody asked for).
 */
export class ChatConnection extends EventTarget {
  /**
   * `target`: {url, protocols} from connectionTarget; `WebSocket`: the constructor to open it with;
   * `keepalive`: /config.json `protocol.keepalive`, or none for no keepalive.
   */
  constructor({ target, WebSocket, keepalive }) {
    super();
    this.target = target;
    this.WebSocket = WebSocket;
    this.keepalive = keepalive;
    this.keepaliveTimer = undefined;
    this.socket = undefined;
    this.everOpen = false;
    this.attempt = 0;
    this.timer = undefined;
    this.stopped = false;
  }

  get isOpen() {
    return this.socket !== undefined && this.socket.readyState === this.socket.OPEN;
  }

  open() {
    clearTimeout(this.timer);
    this.emit('connecting', { reconnect: this.everOpen });
    const socket = new this.WebSocket(this.target.url, this.target.protocols);
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket !== socket || this.stopped) return;
      this.everOpen = true;
      this.attempt = 0;
      this.armKeepalive();
      this.emit('open', {});
    });
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket || this.stopped) return;
      const frame = parseFrame(event.data);
      if (frame && !(this.keepalive && frame.type === this.keepalive.reply.type)) this.emit('frame', { frame });
    });
    // A close event follows every error; without a listener Node's `ws` would throw it instead.
    socket.addEventListener('error', () => {});
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket || this.stopped) return;
      clearTimeout(this.keepaliveTimer);
      if (!this.everOpen) {
        this.emit('close', { refused: true, code: event.code, reconnectInMs: undefined });
        return;
      }
      const delay = reconnectDelay(this.attempt++);
      this.timer = setTimeout(() => this.open(), delay);
      this.emit('close', { refused: false, code: event.code, reconnectInMs: delay });
    });
    return this;
  }

  /** Sends a frame; false when not connected (nothing is queued). */
  send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    this.armKeepalive();
    return true;
  }

  /** (Re)starts the wait after which the keepalive frame is sent. */
  armKeepalive() {
    clearTimeout(this.keepaliveTimer);
    if (!this.keepalive) return;
    this.keepaliveTimer = setTimeout(() => this.send(this.keepalive.frame), this.keepalive.intervalSeconds * 1000);
  }

  /** Closes for good: no reconnect, no more events. */
  stop(reason) {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.keepaliveTimer);
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === socket.OPEN) socket.close(1000, reason);
    // Still connecting: browsers and `ws` both allow close() here (the handshake is abandoned).
    else if (socket.readyState === socket.CONNECTING) socket.close();
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
