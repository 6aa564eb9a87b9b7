// The chat protocol client: what one participant (a user in a thread, an agent in a thread, or an
// agent's console without a thread) says to the server and makes of its answers. Every protocol fact
// (subprotocol, token prefix, query parameters, retryable error codes, limits, the id pattern) comes
// from the server's /config.json; nothing here is a copy. Plain ES module without DOM access: the
// WebSocket constructor and the page URL are parameters, so the pages and Node (with `ws`) use it.
import { ChatConnection, connectionTarget } from './chat-connection.js';

export { connectionTarget, tokenSubject } from './chat-connection.js';
export { idRule } from './id-rule.js';

/**
 * How the server at `origin` (the page's) wants to be spoken to: {authMode: 'none'|'jwt', userIdClaim,
 * protocol} (local/static-site.ts PageConfig; `protocol` is lib/deployment-model.ts ClientProtocol).
 */
export async function loadConfig(origin) {
  const response = await fetch(new URL('/config.json', origin), { cache: 'no-store' });
  if (!response.ok) throw new Error(`config: HTTP ${response.status}`);
  return response.json();
}

/** A random id for `clientMessageId` (crypto.randomUUID needs a secure context; a LAN address is not one). */
export function newClientMessageId() {
  if (globalThis.crypto.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** How long a reconnected client waits for the answers to its resent messages before reading the history. */
export const RESENT_ANSWER_WAIT_MS = 5000;
/** Typing: `isTyping: true` at most this often while typing … */
const TYPING_REPEAT_MS = 3000;
/** … and `isTyping: false` after this much quiet. */
const TYPING_QUIET_MS = 4000;
/** Someone else's typing is forgotten after this long without a frame (their "stopped" frame may never come). */
const OTHERS_TYPING_EXPIRY_MS = 6000;

/**
 * One participant's conversation over a ChatConnection.
 *
 * Own messages are tracked until the server has stored them, by clientMessageId: `sending` (waiting
 * for the `message.sent` ack), `lost` (the connection closed before the ack: sent again, with the same
 * clientMessageId, as soon as it is back, so the server stores it once however often it arrives) or
 * `failed` (an error frame: its code and message, and whether Retry can help, from the server's
 * retryableErrorCodes). A stored copy with the same clientMessageId (the ack, a live frame, a history
 * page) confirms it.
 *
 * Events (CustomEvent, `detail` as listed):
 * - `connecting` {reconnect}, `open` {}, `close` {refused, code, reconnectInMs, lost: clientMessageIds now lost}
 * - `pending` {pending}: an own message was added or changed state ({clientMessageId, text, metadata, state, error?, retryable})
 * - `confirmed` {clientMessageId, message}: an own pending message is stored; `message` is the stored copy
 * - `message` {message}: a stored message not pending here (live delivery, or an ack for one no longer tracked)
 * - `history` {messages, nextBefore}: a history page, without the messages that confirmed pending ones
 * - `typing` {typers}: the ids of the others typing now (never this participant's own, from another device)
 * - `thread-status` {threadId, isHumanOverride, by}, `threads` {threads}
 * - `error` {code, message, source: 'server' | 'gateway'}: an error no pending message explains; `gateway`
 *   is API Gateway's own answer (no `type`), such as "Endpoint request timed out"
 */
export class ChatClient extends EventTarget {
  /**
   * `config`: /config.json. `pageUrl`: the URL the server is reached at (the page's). `userId`: the
   * development identity, or (token mode) who the token names, for recognising own messages; learnt
   * from the first ack when unknown. `role`: 'user' or 'agent'. `threadId`: none for an agent's console.
   */
  constructor({ config, pageUrl, WebSocket, userId, role = 'user', threadId, token }) {
    super();
    this.protocol = config.protocol;
    this.userId = userId;
    this.role = role;
    this.threadId = threadId;
    this.connection = new ChatConnection({
      target: connectionTarget({ protocol: config.protocol, pageUrl, userId: token ? undefined : userId, role, threadId, token }),
      WebSocket,
      keepalive: config.protocol.keepalive,
    });
    /** Own messages not stored yet, by clientMessageId. */
    this.pending = new Map();
    /** clientMessageIds sent again after a reconnect whose answers the history waits for. */
    this.awaitingResent = new Set();
    this.resentWaitTimer = undefined;
    /** `before` for the next older history page; null when there is none. */
    this.nextBefore = null;
    this.typing = { active: false, lastSentAt: 0, quietTimer: undefined };
    /** Others typing: userId -> timer that forgets them. */
    this.typers = new Map();

    this.connection.addEventListener('connecting', (event) => this.emit('connecting', event.detail));
    this.connection.addEventListener('open', () => this.connected());
    this.connection.addEventListener('close', (event) => this.disconnected(event.detail));
    this.connection.addEventListener('frame', (event) => this.handleFrame(event.detail.frame));
  }

  /** Connects (and reconnects after unexpected closes until close()). */
  open() {
    this.connection.open();
    return this;
  }

  /** Closes for good and stops every timer. */
  close(reason = 'closed') {
    this.connection.stop(reason);
    this.stopWaitingForResent();
    clearTimeout(this.typing.quietTimer);
    this.forgetTypers();
  }

  /** A message this participant sent (on this device or another). */
  isOwn(message) {
    return message.messageType === (this.role === 'agent' ? 'agent' : 'user') && message.sender === this.userId;
  }

  /** Whether `code` is worth sending the same frame again for (the others would be refused again). */
  isRetryable(code) {
    return this.protocol.retryableErrorCodes.includes(code);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends a message and tracks it. Returns {sent: true, pending} or {sent: false, problem}: 'empty',
   * 'too-long' (with `limit`: the server would refuse it) or 'not-connected' (nothing was queued).
   */
  sendMessage(text, { metadata } = {}) {
    if (text.trim() === '') return { sent: false, problem: 'empty' };
    const limit = this.protocol.limits.maxTextLength;
    if (text.length > limit) return { sent: false, problem: 'too-long', limit };
    const clientMessageId = newClientMessageId();
    if (!this.connection.send(messageFrame(clientMessageId, text, metadata))) return { sent: false, problem: 'not-connected' };
    this.stopTyping();
    const pending = { clientMessageId, text, metadata, state: 'sending', error: undefined, retryable: false };
    this.pending.set(clientMessageId, pending);
    this.emit('pending', { pending: { ...pending } });
    return { sent: true, pending: { ...pending } };
  }

  /** Sends a pending message again with its clientMessageId (the Retry of a failed one). False when not connected. */
  retry(clientMessageId) {
    const pending = this.pending.get(clientMessageId);
    if (!pending || !this.connection.send(messageFrame(clientMessageId, pending.text, pending.metadata))) return false;
    Object.assign(pending, { state: 'sending', error: undefined, retryable: false });
    this.emit('pending', { pending: { ...pending } });
    return true;
  }

  pendingMessages() {
    return [...this.pending.values()].map((pending) => ({ ...pending }));
  }

  /** The newest history page. */
  loadHistory() {
    return this.requestHistory(undefined);
  }

  /** The page before the oldest one received (or the newest, when none was). */
  loadEarlier() {
    return this.requestHistory(this.nextBefore ?? undefined);
  }

  requestHistory(before) {
    return this.connection.send({
      action: 'thread.history',
      limit: this.protocol.limits.historyDefaultLimit,
      ...(before !== undefined ? { before } : {}),
    });
  }

  /** A keystroke in the composer: `typing` true at most every 3 s, false after 4 s of quiet. */
  typed() {
    const now = Date.now();
    if (!this.typing.active || now - this.typing.lastSentAt > TYPING_REPEAT_MS) {
      this.typing.active = true;
      this.typing.lastSentAt = now;
      this.connection.send({ action: 'typing', isTyping: true });
    }
    clearTimeout(this.typing.quietTimer);
    this.typing.quietTimer = setTimeout(() => this.stopTyping(), TYPING_QUIET_MS);
  }

  stopTyping() {
    clearTimeout(this.typing.quietTimer);
    if (!this.typing.active) return;
    this.typing.active = false;
    this.connection.send({ action: 'typing', isTyping: false });
  }

  /** Agents: the bot stays silent in this thread until release(). */
  takeOver() {
    return this.connection.send({ action: 'thread.takeover' });
  }

  release() {
    return this.connection.send({ action: 'thread.release' });
  }

  /** Agents: the active threads, newest first, answered as a `threads` event. */
  listThreads(limit = this.protocol.limits.threadListDefaultLimit) {
    return this.connection.send({ action: 'thread.list', limit });
  }

  // ---- connection ------------------------------------------------------------------------

  /**
   * (Re)opened. Messages lost with the old connection go again with their clientMessageId: the server
   * answers with the stored copy if the first send got through, or stores them now. The history (what
   * was missed) is asked for once they are answered, so a stored copy never arrives next to its
   * unconfirmed message; an answer can be lost too, so after a bound it is asked for anyway.
   */
  connected() {
    this.emit('open', {});
    if (this.threadId === undefined) return;
    const lost = [...this.pending.values()].filter((pending) => pending.state === 'lost');
    this.awaitingResent = new Set(lost.map((pending) => pending.clientMessageId).filter((clientMessageId) => this.retry(clientMessageId)));
    if (this.awaitingResent.size === 0) {
      this.loadHistory();
      return;
    }
    const awaiting = this.awaitingResent;
    this.resentWaitTimer = setTimeout(() => {
      if (this.awaitingResent === awaiting) this.stopAwaitingResent();
    }, RESENT_ANSWER_WAIT_MS);
  }

  disconnected({ refused, code, reconnectInMs }) {
    this.stopWaitingForResent();
    this.forgetTypers();
    this.typing.active = false;
    clearTimeout(this.typing.quietTimer);
    const lost = [...this.pending.values()].filter((pending) => pending.state === 'sending');
    for (const pending of lost) {
      pending.state = 'lost';
      this.emit('pending', { pending: { ...pending } });
    }
    this.emit('close', { refused, code, reconnectInMs, lost: lost.map((pending) => pending.clientMessageId) });
  }

  /** Stops waiting for answers to resent messages and asks for the history, once. */
  stopAwaitingResent() {
    if (this.awaitingResent.size === 0) return;
    this.stopWaitingForResent();
    this.loadHistory();
  }

  stopWaitingForResent() {
    clearTimeout(this.resentWaitTimer);
    this.awaitingResent = new Set();
  }

  /** A message sent again after a reconnect was answered: the history follows the last answer. */
  resentAnswered(clientMessageId) {
    if (this.awaitingResent.delete(clientMessageId) && this.awaitingResent.size === 0) {
      clearTimeout(this.resentWaitTimer);
      this.loadHistory();
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  handleFrame(frame) {
    switch (frame.type) {
      case 'message.sent':
        // In token mode the client may not know its user id until the first ack names it.
        if (this.userId === undefined) this.userId = frame.message.sender;
        if (!this.confirm(frame.clientMessageId, frame.message)) this.emit('message', { message: frame.message });
        this.resentAnswered(frame.clientMessageId);
        return;
      case 'message':
        if (!this.confirm(frame.message.clientMessageId, frame.message)) this.emit('message', { message: frame.message });
        if (frame.message.messageType !== 'bot') this.othersTyping(frame.message.sender, false);
        return;
      case 'history': {
        const messages = frame.messages.filter((message) => !this.confirm(message.clientMessageId, message));
        this.nextBefore = frame.nextBefore;
        this.emit('history', { messages, nextBefore: frame.nextBefore });
        return;
      }
      case 'typing':
        this.othersTyping(frame.userId, frame.isTyping);
        return;
      case 'thread.status':
        this.emit('thread-status', { threadId: frame.threadId, isHumanOverride: frame.isHumanOverride, by: frame.by });
        return;
      case 'threads':
        this.emit('threads', { threads: frame.threads });
        return;
      case 'error':
        if (!this.fail(frame)) this.emit('error', { code: frame.code, message: frame.message, source: 'server' });
        this.resentAnswered(frame.clientMessageId);
        return;
      default:
        // API Gateway's own answers ("Internal server error", "Endpoint request timed out", throttling)
        // have a message and no type, and name no message of ours: stop waiting for any.
        if (frame.type === undefined && typeof frame.message === 'string') {
          this.emit('error', { code: undefined, message: frame.message, source: 'gateway' });
          this.stopAwaitingResent();
        }
    }
  }

  /** The stored copy of a pending message: it is confirmed. False when nothing is pending under that id. */
  confirm(clientMessageId, message) {
    if (clientMessageId === undefined || !this.pending.has(clientMessageId)) return false;
    this.pending.delete(clientMessageId);
    this.emit('confirmed', { clientMessageId, message });
    return true;
  }

  /** An error frame answering a message being sent: it failed. False when it answers none. */
  fail(frame) {
    const pending = frame.clientMessageId === undefined ? undefined : this.pending.get(frame.clientMessageId);
    if (pending?.state !== 'sending') return false;
    Object.assign(pending, { state: 'failed', error: { code: frame.code, message: frame.message }, retryable: this.isRetryable(frame.code) });
    this.emit('pending', { pending: { ...pending } });
    return true;
  }

  othersTyping(userId, isTyping) {
    // This participant typing on another device is not someone else typing.
    if (userId === this.userId) return;
    clearTimeout(this.typers.get(userId));
    if (isTyping) this.typers.set(userId, setTimeout(() => this.othersTyping(userId, false), OTHERS_TYPING_EXPIRY_MS));
    else if (!this.typers.delete(userId)) return;
    this.emit('typing', { typers: [...this.typers.keys()] });
  }

  forgetTypers() {
    if (this.typers.size === 0) return;
    for (const timer of this.typers.values()) clearTimeout(timer);
    this.typers.clear();
    this.emit('typing', { typers: [] });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function messageFrame(clientMessageId, text, metadata) {
  return { action: 'message.send', text, clientMessageId, ...(metadata !== undefined ? { metadata } : {}) };
}
