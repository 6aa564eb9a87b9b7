// Shared by the chat page and the agent view: configuration, connecting, the message list.
// Plain browser JavaScript (ES modules), no dependencies, nothing loaded from other origins.

/** How the server wants to be connected to: {authMode: 'none'|'jwt', maxTextLength, historyPageSize}. */
export async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config: HTTP ${response.status}`);
  return response.json();
}

export const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Opens the chat WebSocket. Development mode passes the identity in the query string (the seed's
 * insecure mode); with a token it goes in the subprotocol list (`chat`, `bearer.<jwt>`), since a
 * browser cannot set an Authorization header on a WebSocket.
 */
export function openChatSocket(params, token) {
  const url = new URL('/', window.location.href);
  url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, value);
  }
  return token ? new WebSocket(url.href, ['chat', `bearer.${token.trim()}`]) : new WebSocket(url.href);
}

/**
 * The user id a token names, for display only (recognising one's own messages): the server verifies
 * the token, the page never trusts this.
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

/** A random id for `clientMessageId` (crypto.randomUUID needs a secure context; a LAN address is not one). */
export function newClientMessageId() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function formatTime(timestamp) {
  return new Date(timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function setStatus(element, text, state) {
  element.textContent = text;
  element.dataset.state = state;
}

/** Reconnect delays after an unexpected close: 1 s, 2 s, 4 s ... capped at 30 s. */
export function reconnectDelay(attempt) {
  return Math.min(30000, 1000 * 2 ** attempt);
}

const SENDER_LABELS = { bot: 'Bot', agent: 'Agent' };

/**
 * The conversation: messages ordered by timestamp, each shown once (by messageId) whether it came
 * from history, live delivery or the sender's own ack. Own messages show their delivery state.
 */
export class MessageList {
  constructor({ list, scroller, empty, isOwn, describeSender }) {
    this.list = list;
    this.scroller = scroller;
    this.empty = empty;
    this.isOwn = isOwn;
    this.describeSender = describeSender;
    this.byId = new Map();
    this.pending = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.byId.clear();
    this.pending.clear();
    this.updateEmpty();
  }

  /** Adds or updates a stored message. Returns true when it was new. */
  upsert(message) {
    const existing = this.byId.get(message.messageId);
    if (existing) {
      this.fill(existing, message, 'sent');
      return false;
    }
    const stickToBottom = this.isNearBottom();
    const item = document.createElement('li');
    this.fill(item, message, this.isOwn(message) ? 'sent' : undefined);
    this.insertOrdered(item, message.timestamp);
    this.byId.set(message.messageId, item);
    this.updateEmpty();
    if (stickToBottom) this.scrollToBottom();
    return true;
  }

  /** Shows an own message right away, marked "Sending…" until its `message.sent` ack arrives. */
  addPending(clientMessageId, draft) {
    const item = document.createElement('li');
    this.fill(item, { ...draft, timestamp: Date.now() }, 'sending');
    item.dataset.pending = 'true';
    this.list.append(item);
    this.pending.set(clientMessageId, item);
    this.updateEmpty();
    this.scrollToBottom();
  }

  /** The ack: the pending bubble becomes the stored message (or merges with a copy already shown). */
  confirm(clientMessageId, message) {
    const item = this.pending.get(clientMessageId);
    this.pending.delete(clientMessageId);
    if (!item) return this.upsert(message);
    if (this.byId.has(message.messageId)) {
      item.remove();
      this.upsert(message);
      return;
    }
    delete item.dataset.pending;
    this.fill(item, message, 'sent');
    item.remove();
    this.insertOrdered(item, message.timestamp);
    this.byId.set(message.messageId, item);
  }

  /** An error frame for a pending message: keep the text, say why it was not sent. */
  fail(clientMessageId, reason) {
    const item = this.pending.get(clientMessageId);
    if (!item) return false;
    this.pending.delete(clientMessageId);
    const state = item.querySelector('.msg__state');
    item.dataset.state = 'failed';
    state.textContent = `Not sent: ${reason}`;
    return true;
  }

  /** Pending messages whose ack was lost with the connection. */
  failAllPending(reason) {
    for (const clientMessageId of [...this.pending.keys()]) this.fail(clientMessageId, reason);
  }

  oldestTimestamp() {
    const first = this.list.querySelector('li[data-timestamp]');
    return first ? Number(first.dataset.timestamp) : undefined;
  }

  fill(item, message, deliveryState) {
    const own = this.isOwn(message);
    item.className = `msg msg--${message.messageType}${own ? ' msg--own' : ''}`;
    item.dataset.timestamp = String(message.timestamp);
    if (message.messageId) item.dataset.messageId = message.messageId;
    item.replaceChildren();

    const meta = document.createElement('p');
    meta.className = 'msg__meta';
    const who = document.createElement('span');
    who.className = 'msg__sender';
    who.textContent = own ? 'You' : this.describeSender(message) ?? SENDER_LABELS[message.messageType] ?? message.sender;
    const time = document.createElement('time');
    time.dateTime = new Date(message.timestamp).toISOString();
    time.textContent = formatTime(message.timestamp);
    meta.append(who, ' ', time);

    const text = document.createElement('p');
    text.className = 'msg__text';
    text.textContent = message.text;
    item.append(meta, text);

    if (deliveryState) {
      const state = document.createElement('p');
      state.className = 'msg__state';
      item.dataset.state = deliveryState;
      state.textContent = deliveryState === 'sending' ? 'Sending…' : 'Sent';
      item.append(state);
    }
  }

  insertOrdered(item, timestamp) {
    // Pending bubbles stay last; stored messages are ordered by timestamp.
    const items = [...this.list.querySelectorAll('li:not([data-pending])')];
    const next = items.find((candidate) => Number(candidate.dataset.timestamp) > timestamp);
    if (next) this.list.insertBefore(item, next);
    else {
      const firstPending = this.list.querySelector('li[data-pending]');
      this.list.insertBefore(item, firstPending);
    }
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < 80;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  updateEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }
}

/** "alice is typing…" for others' typing frames; hides itself if the "stopped" frame never comes. */
export class TypingIndicator {
  constructor(element) {
    this.element = element;
    this.typers = new Map();
  }

  update(userId, isTyping) {
    clearTimeout(this.typers.get(userId));
    if (isTyping) this.typers.set(userId, setTimeout(() => this.update(userId, false), 6000));
    else this.typers.delete(userId);
    const names = [...this.typers.keys()];
    this.element.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  }

  clear() {
    for (const timer of this.typers.values()) clearTimeout(timer);
    this.typers.clear();
    this.element.textContent = '';
  }
}

/** Sends `typing` at most every 3 s while typing, and `isTyping: false` after 4 s of quiet or on send. */
export class TypingNotifier {
  constructor(send) {
    this.send = send;
    this.lastSent = 0;
    this.stopTimer = undefined;
    this.active = false;
  }

  keystroke() {
    const now = Date.now();
    if (!this.active || now - this.lastSent > 3000) {
      this.active = true;
      this.lastSent = now;
      this.send(true);
    }
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => this.stop(), 4000);
  }

  stop() {
    clearTimeout(this.stopTimer);
    if (!this.active) return;
    this.active = false;
    this.send(false);
  }
}

/** Enter sends, Shift+Enter adds a line; the textarea grows with its content (up to the CSS max). */
export function wireComposer(textarea, form) {
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener('input', () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${textarea.scrollHeight}px`;
  });
}

/** Human text for an error frame. */
export function describeError(frame) {
  const prefix = {
    RATE_LIMITED: 'Slow down',
    FORBIDDEN: 'Not allowed',
    PAYLOAD_TOO_LARGE: 'Too long',
    VALIDATION_ERROR: 'Invalid',
    INTERNAL_ERROR: 'Server error',
    UNKNOWN_ACTION: 'Unknown action',
  }[frame.code];
  return prefix ? `${prefix}: ${frame.message}` : frame.message || 'Request failed';
}
