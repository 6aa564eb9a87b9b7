// The conversation panel of both pages (the same element ids in index.html and agent.html): shows one
// ChatClient's thread (messages, history paging, others typing), sends from its composer, and says what
// went wrong through the panel's role=alert element. What is pending, lost or retryable is the client's
// to know; this module only shows it.
import { describeError } from './error-text.js';
import { MessageList } from './message-list.js';

const CONNECTION_LOST = 'connection lost before the server confirmed it; it is sent again when the connection is back';

export class ConversationPanel {
  /**
   * `describeSender(message)`: how others' messages are labelled; `author()`: who an own message not
   * stored yet is shown as ({messageType, sender}).
   */
  constructor({ describeSender, author }) {
    const $ = (id) => document.getElementById(id);
    this.author = author;
    this.scroller = $('messages-scroller');
    this.loadEarlier = $('load-earlier');
    this.error = $('chat-error');
    this.typing = $('typing');
    this.textarea = $('composer-text');
    this.sendButton = $('send');
    /** The attached ChatClient, and what stops listening to it. */
    this.client = undefined;
    this.subscriptions = undefined;
    this.messages = new MessageList({
      list: $('messages'),
      scroller: this.scroller,
      empty: $('empty-state'),
      isOwn: (message) => this.client?.isOwn(message) ?? false,
      describeSender,
      retry: (clientMessageId) => this.retry(clientMessageId),
    });

    const composer = $('composer');
    wireComposer(this.textarea, composer);
    this.textarea.addEventListener('input', () => this.client?.typed());
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendText();
    });
    this.loadEarlier.addEventListener('click', () => this.client?.loadEarlier());
  }

  /** Shows `client`'s thread from now on (nothing shown yet); add page listeners after this one's. */
  attach(client) {
    this.detach();
    this.client = client;
    this.subscriptions = new AbortController();
    const on = (type, handle) => client.addEventListener(type, (event) => handle(event.detail), { signal: this.subscriptions.signal });
    on('open', () => {
      this.setEnabled(true);
      this.showError('');
    });
    on('close', ({ lost }) => {
      this.setEnabled(false);
      if (lost.length === 1) this.showError(`Your message was not confirmed: ${CONNECTION_LOST}.`);
      else if (lost.length > 1) this.showError(`${lost.length} messages were not confirmed: ${CONNECTION_LOST}.`);
    });
    on('pending', ({ pending }) => {
      this.messages.showPending(pending, this.author());
      if (pending.state === 'failed') this.showError(`Not sent: ${describeError(pending.error)}`);
    });
    on('confirmed', ({ clientMessageId, message }) => this.messages.confirm(clientMessageId, message));
    on('message', ({ message }) => this.messages.upsert(message));
    on('history', (page) => this.showHistory(page));
    on('typing', ({ typers }) => this.showTypers(typers));
    on('error', (error) =>
      // API Gateway's own answers ("Endpoint request timed out") name no code: the request may be tried again.
      this.showError(error.source === 'gateway' ? `Server error (${error.message}): try again.` : describeError(error)),
    );
  }

  /** Stops showing the attached client (it is closed or replaced): an empty, disabled panel. */
  detach() {
    this.subscriptions?.abort();
    this.client = undefined;
    this.subscriptions = undefined;
    this.messages.clear();
    this.showTypers([]);
    this.loadEarlier.hidden = true;
    this.showError('');
    this.setEnabled(false);
  }

  setEnabled(enabled) {
    this.textarea.disabled = !enabled;
    this.sendButton.disabled = !enabled;
  }

  showError(text) {
    this.error.textContent = text;
  }

  showTypers(typers) {
    this.typing.textContent = typers.length === 0 ? '' : `${typers.join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…`;
  }

  sendText() {
    const text = this.textarea.value.trim();
    if (!text) return;
    const result = this.client?.sendMessage(text) ?? { sent: false, problem: 'not-connected' };
    if (!result.sent) {
      this.showError(
        result.problem === 'too-long'
          ? `Messages are limited to ${result.limit} characters (this one has ${text.length}).`
          : 'Not connected: wait for the connection to come back.',
      );
      return;
    }
    this.textarea.value = '';
    this.textarea.style.height = 'auto';
    this.showError('');
  }

  /** The Retry button of a refused message. */
  retry(clientMessageId) {
    if (!this.client?.retry(clientMessageId)) {
      this.showError('Not connected: wait for the connection to come back, then retry.');
      return;
    }
    this.showError('');
    // The Retry button is gone with the bubble's old state: keep the keyboard user in the conversation.
    this.textarea.focus();
  }

  showHistory({ messages, nextBefore }) {
    // Older pages are added above: keep what the reader was looking at in place.
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const atStart = this.messages.byId.size === 0;
    for (const message of messages) this.messages.upsert(message);
    this.loadEarlier.hidden = nextBefore === null;
    this.messages.updateEmpty();
    if (atStart) this.messages.scrollToBottom();
    else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }
}

/** Enter sends, Shift+Enter adds a line; the textarea grows with its content (up to the CSS max). */
function wireComposer(textarea, form) {
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
