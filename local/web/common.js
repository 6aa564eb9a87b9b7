// Shared by the chat page and the agent view: configuration, connecting, the message list.
// Plain browser JavaScript (ES modules), no dependencies, nothing loaded from other origins.

/** How the server wants to be connected to: {authMode: 'none'|'jwt', userIdClaim, protocol} (local/static-site.ts PageConfig). */
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

/**
 * The identity part of both pages' forms: an id field in development mode, a token field in token mode
 * (the token kept in this tab's session storage, so a reload reconnects). Returns the saved token.
 */
export function setUpIdentityForm({ jwt, idInput, idField, tokenKey, form, onSubmit }) {
  const $ = (id) => document.getElementById(id);
  $('dev-warning').hidden = jwt;
  idField.hidden = jwt;
  $('token-field').hidden = !jwt;
  idInput.required = !jwt;
  $('token').required = jwt;
  const savedToken = jwt ? window.sessionStorage.getItem(tokenKey) : null;
  if (savedToken) $('token').value = savedToken;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
  });
  return savedToken;
}

/** What is wrong with the id (development mode) or pasted token (token mode) of a form, or ''. */
export function identityProblem(jwt, label, id, token) {
  if (!jwt && !ID_PATTERN.test(id)) return `${label}: 1-128 letters, digits or . _ : @ -`;
  if (jwt && token.split('.').length !== 3) return 'Token: paste a JWT (three dot-separated parts)';
  return '';
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

/** Error codes worth sending the same message again for (the others would be refused again). */
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'INTERNAL_ERROR']);
/** How long a reconnected page waits for the answers to its resent messages before reading the history. */
const RESENT_ANSWER_WAIT_MS = 5000;
const CONNECTION_LOST = 'connection lost before the server confirmed it; it is sent again when the connection is back';

/**
 * The conversation: messages ordered by timestamp, each shown once (by messageId) whether it came
 * from history, live delivery or the sender's own ack. Own messages show their delivery state. A
 * message refused by the server keeps its text, says why and, where sending again can help, offers
 * Retry; one whose ack was lost with the connection waits to be sent again. Both go again with their
 * clientMessageId, so the server stores each message once however often it arrives.
 */
export class MessageList {
  constructor({ list, scroller, empty, isOwn, describeSender, announce, retry }) {
    this.list = list;
    this.scroller = scroller;
    this.empty = empty;
    this.isOwn = isOwn;
    this.describeSender = describeSender;
    /** Tells screen readers what the log cannot (its text changed, nothing was added). */
    this.announce = announce;
    this.retry = retry;
    this.byId = new Map();
    /** Own messages not confirmed yet, by clientMessageId: {item, draft, state: 'sending' | 'lost' | 'failed'}. */
    this.drafts = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.byId.clear();
    this.drafts.clear();
    this.updateEmpty();
  }

  /** Adds or updates a stored message. Returns true when it was new. */
  upsert(message) {
    // The stored copy of an own message still shown as pending (its ack lost): it takes the bubble's place.
    if (message.clientMessageId !== undefined && this.drafts.has(message.clientMessageId)) {
      this.confirm(message.clientMessageId, message);
      return false;
    }
    const deliveryState = this.isOwn(message) ? 'sent' : undefined;
    const existing = this.byId.get(message.messageId);
    if (existing) {
      this.fill(existing, message, deliveryState);
      return false;
    }
    const stickToBottom = this.isNearBottom();
    const item = document.createElement('li');
    this.fill(item, message, deliveryState);
    this.insertOrdered(item, message.timestamp);
    this.byId.set(message.messageId, item);
    this.updateEmpty();
    if (stickToBottom) this.scrollToBottom();
    return true;
  }

  /** Shows an own message right away, marked "Sending…" until its `message.sent` ack arrives. */
  addPending(clientMessageId, draft) {
    const item = document.createElement('li');
    item.dataset.pending = 'true';
    this.drafts.set(clientMessageId, { item, draft, state: 'sending' });
    this.fill(item, { ...draft, timestamp: Date.now() }, 'sending');
    this.list.append(item);
    this.updateEmpty();
    this.scrollToBottom();
  }

  /** The text of an unconfirmed own message (to send it again), or undefined. */
  draftText(clientMessageId) {
    return this.drafts.get(clientMessageId)?.draft.text;
  }

  /** Messages whose ack was lost with the connection: the server may or may not have stored them. */
  lostDrafts() {
    return [...this.drafts].filter(([, entry]) => entry.state === 'lost').map(([clientMessageId]) => clientMessageId);
  }

  /** A message sent again: "Sending…" until its ack. */
  resending(clientMessageId) {
    const entry = this.drafts.get(clientMessageId);
    if (!entry) return;
    entry.state = 'sending';
    this.fill(entry.item, { ...entry.draft, timestamp: Date.now() }, 'sending');
  }

  /** The ack: the pending bubble becomes the stored message (or merges with a copy already shown). */
  confirm(clientMessageId, message) {
    const entry = this.drafts.get(clientMessageId);
    this.drafts.delete(clientMessageId);
    if (!entry) return this.upsert(message);
    const { item } = entry;
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

  /** An error frame for a pending message: keep the text, say why it was not sent. Returns false if unknown. */
  fail(clientMessageId, frame) {
    const entry = this.drafts.get(clientMessageId);
    if (entry?.state !== 'sending') return false;
    const reason = describeError(frame);
    entry.state = 'failed';
    this.fill(entry.item, this.draftMessage(entry), 'failed', {
      reason: `Not sent: ${reason}`,
      retry: RETRYABLE_CODES.has(frame.code) ? () => this.retry(clientMessageId) : undefined,
    });
    this.announce(`Not sent: ${reason}`);
    return true;
  }

  /** The connection closed: messages still waiting for their ack are sent again on the next one. */
  connectionLost() {
    const lost = [...this.drafts.values()].filter((entry) => entry.state === 'sending');
    for (const entry of lost) {
      entry.state = 'lost';
      this.fill(entry.item, this.draftMessage(entry), 'lost', { reason: 'Not confirmed: connection lost. Sent again when it is back.' });
    }
    if (lost.length === 1) this.announce(`Your message was not confirmed: ${CONNECTION_LOST}.`);
    else if (lost.length > 1) this.announce(`${lost.length} messages were not confirmed: ${CONNECTION_LOST}.`);
  }

  draftMessage(entry) {
    return { ...entry.draft, timestamp: Number(entry.item.dataset.timestamp) };
  }

  /** `detail`: {reason, retry?} for a message not (yet) confirmed: its state line, and a Retry button. */
  fill(item, message, deliveryState, detail) {
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

    if (deliveryState) item.dataset.state = deliveryState;
    else delete item.dataset.state;
    if (!deliveryState) return;
    const state = document.createElement('p');
    state.className = 'msg__state';
    state.textContent = detail?.reason ?? (deliveryState === 'sending' ? 'Sending…' : 'Sent');
    item.append(state);
    if (detail?.retry) {
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'button button--quiet msg__retry';
      retry.textContent = 'Retry';
      retry.addEventListener('click', detail.retry);
      state.append(' ', retry);
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
  /** `isSelf(userId)`: the viewer's own id, whose typing on another device is not shown. */
  constructor(element, isSelf) {
    this.element = element;
    this.isSelf = isSelf;
    this.typers = new Map();
  }

  update(userId, isTyping) {
    if (this.isSelf(userId)) return;
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

/** A frame from the server, or undefined for anything that is not JSON. */
export function parseFrame(data) {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * A WebSocket to the chat API that reconnects after an unexpected close (1 s, 2 s, 4 s … 30 s) once it
 * has been open. A first connection that closes is reported as refused: browsers hide the HTTP status
 * of a refused upgrade, and retrying a refusal would not help.
 */
export class ChatSocket {
  /**
   * `onClose({refused})` runs for closes the page did not ask for; `status` (optional) is the page's
   * connection status line, kept up to date but for the connected text, which `onOpen` words.
   */
  constructor({ params, token, status, onOpen, onFrame, onClose }) {
    this.params = params;
    this.token = token;
    this.status = status;
    this.onOpen = onOpen;
    this.onFrame = onFrame;
    this.onClose = onClose;
    this.socket = undefined;
    this.everOpen = false;
    this.attempt = 0;
    this.timer = undefined;
    this.stopped = false;
  }

  open() {
    clearTimeout(this.timer);
    if (this.status && !this.everOpen) setStatus(this.status, 'Connecting…', 'connecting');
    const socket = openChatSocket(this.params, this.token);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.everOpen = true;
      this.attempt = 0;
      this.onOpen();
    });
    socket.addEventListener('message', (event) => {
      const frame = parseFrame(event.data);
      if (frame) this.onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket || this.stopped) return;
      if (!this.everOpen) {
        if (this.status) setStatus(this.status, 'Not connected', 'error');
        this.onClose({ refused: true });
        return;
      }
      const delay = reconnectDelay(this.attempt++);
      this.timer = setTimeout(() => this.open(), delay);
      if (this.status) setStatus(this.status, `Disconnected (code ${event.code}); reconnecting in ${Math.round(delay / 1000)} s…`, 'error');
      this.onClose({ refused: false });
    });
    return this;
  }

  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes for good (no reconnect, no onClose). */
  stop(reason) {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, reason);
  }
}

/**
 * The conversation panel of both pages (the same element ids in index.html and agent.html): the
 * messages, history paging, typing both ways, the composer, and errors said through the panel's
 * role=alert element. `send(frame)` returns false when not connected; `draft()` is what an own
 * message is shown as until its ack ({messageType, sender}).
 */
export class Conversation {
  constructor({ config, send, isOwn, isSelf, describeSender, draft }) {
    const $ = (id) => document.getElementById(id);
    this.config = config;
    this.send = send;
    this.draft = draft;
    this.scroller = $('messages-scroller');
    this.loadEarlier = $('load-earlier');
    this.error = $('chat-error');
    this.textarea = $('composer-text');
    this.sendButton = $('send');
    this.nextBefore = null;
    /** clientMessageIds sent again after a reconnect whose answer the history waits for. */
    this.awaitingResent = new Set();
    this.messages = new MessageList({
      list: $('messages'),
      scroller: this.scroller,
      empty: $('empty-state'),
      isOwn,
      describeSender,
      announce: (text) => this.showError(text),
      retry: (clientMessageId) => this.retry(clientMessageId),
    });
    this.typingIndicator = new TypingIndicator($('typing'), isSelf);
    this.typingNotifier = new TypingNotifier((isTyping) => this.send({ action: 'typing', isTyping }));

    const composer = $('composer');
    wireComposer(this.textarea, composer);
    this.textarea.addEventListener('input', () => this.typingNotifier.keystroke());
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendText();
    });
    this.loadEarlier.addEventListener('click', () => this.requestHistory(this.nextBefore ?? undefined));
  }

  /** Another thread (or the same one joined again): nothing shown yet. */
  reset() {
    this.awaitingResent.clear();
    this.messages.clear();
    this.typingIndicator.clear();
    this.nextBefore = null;
    this.loadEarlier.hidden = true;
    this.showError('');
  }

  /**
   * The socket (re)opened. Messages whose ack was lost with the old connection go again with their
   * clientMessageId: the server answers with the stored copy if the first send got through, or stores
   * them now. The history (what was missed) is asked for once they are answered, so a stored copy never
   * shows next to its unconfirmed bubble.
   */
  connected() {
    this.setEnabled(true);
    this.showError('');
    this.awaitingResent = new Set(this.messages.lostDrafts().filter((clientMessageId) => this.sendDraft(clientMessageId)));
    if (this.awaitingResent.size === 0) this.requestHistory();
    else {
      // An answer can be lost too: the history is asked for after a bound whatever happens.
      const awaiting = this.awaitingResent;
      setTimeout(() => {
        if (this.awaitingResent === awaiting) this.stopAwaitingResent();
      }, RESENT_ANSWER_WAIT_MS);
    }
  }

  /** Stops waiting for answers to resent messages and asks for the history, once. */
  stopAwaitingResent() {
    if (this.awaitingResent.size === 0) return;
    this.awaitingResent.clear();
    this.requestHistory();
  }

  disconnected() {
    this.setEnabled(false);
    this.typingIndicator.clear();
    this.awaitingResent.clear();
    this.messages.connectionLost();
  }

  setEnabled(enabled) {
    this.textarea.disabled = !enabled;
    this.sendButton.disabled = !enabled;
  }

  showError(text) {
    this.error.textContent = text;
  }

  requestHistory(before) {
    this.send({ action: 'thread.history', limit: this.config.protocol.limits.historyDefaultLimit, ...(before !== undefined ? { before } : {}) });
  }

  sendText() {
    const text = this.textarea.value.trim();
    if (!text) return;
    if (text.length > this.config.protocol.limits.maxTextLength) {
      this.showError(`Messages are limited to ${this.config.protocol.limits.maxTextLength} characters (this one has ${text.length}).`);
      return;
    }
    const clientMessageId = newClientMessageId();
    if (!this.send({ action: 'message.send', text, clientMessageId })) {
      this.showError('Not connected: wait for the connection to come back.');
      return;
    }
    this.typingNotifier.stop();
    this.messages.addPending(clientMessageId, { ...this.draft(), text });
    this.textarea.value = '';
    this.textarea.style.height = 'auto';
    this.showError('');
  }

  /** The Retry button of a refused message. */
  retry(clientMessageId) {
    if (!this.sendDraft(clientMessageId)) {
      this.showError('Not connected: wait for the connection to come back, then retry.');
      return;
    }
    this.showError('');
    // The Retry button is gone with the bubble's old state: keep the keyboard user in the conversation.
    this.textarea.focus();
  }

  /** Sends an unconfirmed message again with its clientMessageId (stored once whatever happened before). */
  sendDraft(clientMessageId) {
    const text = this.messages.draftText(clientMessageId);
    if (text === undefined || !this.send({ action: 'message.send', text, clientMessageId })) return false;
    this.messages.resending(clientMessageId);
    return true;
  }

  /** A message sent again after a reconnect was answered: the history follows the last answer. */
  resentAnswered(clientMessageId) {
    if (this.awaitingResent.delete(clientMessageId) && this.awaitingResent.size === 0) this.requestHistory();
  }

  /** Handles the frames every conversation gets; returns false for others (thread.status, threads, …). */
  handleFrame(frame) {
    switch (frame.type) {
      case 'message.sent':
        this.messages.confirm(frame.clientMessageId, frame.message);
        this.resentAnswered(frame.clientMessageId);
        return true;
      case 'message':
        this.messages.upsert(frame.message);
        if (frame.message.messageType !== 'bot') this.typingIndicator.update(frame.message.sender, false);
        return true;
      case 'history':
        this.showHistory(frame);
        return true;
      case 'typing':
        this.typingIndicator.update(frame.userId, frame.isTyping);
        return true;
      case 'error':
        if (!frame.clientMessageId || !this.messages.fail(frame.clientMessageId, frame)) this.showError(describeError(frame));
        this.resentAnswered(frame.clientMessageId);
        return true;
      default:
        // API Gateway's own answers ("Internal server error", "Endpoint request timed out", throttling)
        // have a message and no type, and name no message of ours: stop waiting for any.
        if (frame.type === undefined && typeof frame.message === 'string') {
          this.showError(`Server error (${frame.message}): try again.`);
          this.stopAwaitingResent();
          return true;
        }
        return false;
    }
  }

  showHistory(frame) {
    // Older pages are added above: keep what the reader was looking at in place.
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const atStart = this.messages.byId.size === 0;
    for (const message of frame.messages) this.messages.upsert(message);
    this.nextBefore = frame.nextBefore;
    this.loadEarlier.hidden = frame.nextBefore === null;
    this.messages.updateEmpty();
    if (atStart) this.messages.scrollToBottom();
    else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }
}
