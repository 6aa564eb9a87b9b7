// The message list of both pages: one bubble per message, ordered by timestamp, shown once (by
// messageId) whether it came from history, live delivery or the sender's own ack; own messages not
// stored yet show their delivery state. Rendering only: what is pending and why is the ChatClient's.
import { describeError } from './error-text.js';

const SENDER_LABELS = { bot: 'Bot', agent: 'Agent' };
/** A list scrolled this close to its end follows new messages. */
const STICK_TO_BOTTOM_PX = 80;

export function formatTime(timestamp) {
  return new Date(timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export class MessageList {
  /**
   * `isOwn(message)`: sent by the viewer; `describeSender(message)`: who else sent it;
   * `retry(clientMessageId)`: the Retry button of a refused message.
   */
  constructor({ list, scroller, empty, isOwn, describeSender, retry }) {
    this.list = list;
    this.scroller = scroller;
    this.empty = empty;
    this.isOwn = isOwn;
    this.describeSender = describeSender;
    this.retry = retry;
    /** Stored messages' bubbles, by messageId. */
    this.byId = new Map();
    /** Bubbles of own messages not stored yet, by clientMessageId. */
    this.pendingItems = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.byId.clear();
    this.pendingItems.clear();
    this.updateEmpty();
  }

  /** Adds or updates a stored message. Returns true when it was new. */
  upsert(message) {
    const existing = this.byId.get(message.messageId);
    if (existing) {
      this.fill(existing, message, this.stateOf(message));
      return false;
    }
    const stickToBottom = this.isNearBottom();
    const item = document.createElement('li');
    this.fill(item, message, this.stateOf(message));
    this.insertOrdered(item, message.timestamp);
    this.byId.set(message.messageId, item);
    this.updateEmpty();
    if (stickToBottom) this.scrollToBottom();
    return true;
  }

  /**
   * Shows an own message not stored yet ({clientMessageId, text, state, error?, retryable}): "Sending…"
   * (timed now), "Not confirmed: connection lost …", or "Not sent: <why>" with a Retry button where
   * sending again can help. `author`: {messageType, sender} it is shown as.
   */
  showPending(pending, author) {
    let item = this.pendingItems.get(pending.clientMessageId);
    const added = !item;
    if (added) {
      item = document.createElement('li');
      item.dataset.pending = 'true';
      this.pendingItems.set(pending.clientMessageId, item);
    }
    const timestamp = pending.state === 'sending' ? Date.now() : Number(item.dataset.timestamp);
    const message = { ...author, text: pending.text, timestamp };
    if (pending.state === 'lost') this.fill(item, message, 'lost', { reason: 'Not confirmed: connection lost. Sent again when it is back.' }, true);
    else if (pending.state === 'failed') {
      this.fill(item, message, 'failed', {
        reason: `Not sent: ${describeError(pending.error)}`,
        retry: pending.retryable ? () => this.retry(pending.clientMessageId) : undefined,
      }, true);
    } else this.fill(item, message, 'sending', undefined, true);
    if (!added) return;
    this.list.append(item);
    this.updateEmpty();
    this.scrollToBottom();
  }

  /** An own message is stored: its pending bubble becomes the stored message (or merges with a copy already shown). */
  confirm(clientMessageId, message) {
    const item = this.pendingItems.get(clientMessageId);
    this.pendingItems.delete(clientMessageId);
    if (!item) return this.upsert(message);
    if (this.byId.has(message.messageId)) {
      item.remove();
      return this.upsert(message);
    }
    delete item.dataset.pending;
    this.fill(item, message, 'sent', undefined, true);
    item.remove();
    this.insertOrdered(item, message.timestamp);
    this.byId.set(message.messageId, item);
    return true;
  }

  /** Own stored messages say "Sent"; others' carry no delivery state. */
  stateOf(message) {
    return this.isOwn(message) ? 'sent' : undefined;
  }

  /** `detail`: {reason, retry?} for a message not (yet) stored: its state line, and a Retry button. */
  fill(item, message, deliveryState, detail, own = this.isOwn(message)) {
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
    else this.list.insertBefore(item, this.list.querySelector('li[data-pending]'));
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < STICK_TO_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  updateEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }
}
