// The chat page: join a thread (development identity or a pasted token), chat with the bot (and a
// human agent when one takes over), history on reload, typing indicators, delivery state.
import {
  ID_PATTERN,
  MessageList,
  TypingIndicator,
  TypingNotifier,
  describeError,
  loadConfig,
  newClientMessageId,
  openChatSocket,
  reconnectDelay,
  setStatus,
  tokenSubject,
  wireComposer,
} from './common.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.token';

const state = {
  config: undefined,
  socket: undefined,
  userId: undefined,
  threadId: undefined,
  token: undefined,
  everConnected: false,
  reconnectAttempt: 0,
  reconnectTimer: undefined,
  leaving: false,
  nextBefore: null,
};

const status = $('connection-status');
const messages = new MessageList({
  list: $('messages'),
  scroller: $('messages-scroller'),
  empty: $('empty-state'),
  isOwn: (message) => message.messageType === 'user' && message.sender === state.userId,
  describeSender: (message) => (message.messageType === 'user' ? message.sender : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`),
});
const typingIndicator = new TypingIndicator($('typing'));
const typingNotifier = new TypingNotifier((isTyping) => send({ action: 'typing', isTyping }));

async function init() {
  state.config = await loadConfig();
  const jwt = state.config.authMode === 'jwt';
  $('dev-warning').hidden = jwt;
  $('user-field').hidden = jwt;
  $('token-field').hidden = !jwt;
  $('user-id').required = !jwt;
  $('token').required = jwt;

  const params = new URLSearchParams(window.location.search);
  $('user-id').value = params.get('userId') ?? 'alice';
  $('thread-id').value = params.get('threadId') ?? 'support-1';
  const savedToken = jwt ? window.sessionStorage.getItem(TOKEN_KEY) : null;
  if (savedToken) $('token').value = savedToken;

  $('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    join();
  });
  $('leave').addEventListener('click', leave);
  $('load-earlier').addEventListener('click', () => requestHistory(state.nextBefore ?? undefined));
  wireComposer($('composer-text'), $('composer'));
  $('composer-text').addEventListener('input', () => typingNotifier.keystroke());
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    sendMessage();
  });

  // Reloading a joined conversation reconnects and shows its history.
  if (params.get('threadId') && (jwt ? savedToken : params.get('userId'))) join();
}

function join() {
  const jwt = state.config.authMode === 'jwt';
  const userId = $('user-id').value.trim();
  const threadId = $('thread-id').value.trim();
  const token = $('token').value.trim();
  const problems = [];
  if (!jwt && !ID_PATTERN.test(userId)) problems.push('User id: 1-128 letters, digits or . _ : @ -');
  if (jwt && token.split('.').length !== 3) problems.push('Token: paste a JWT (three dot-separated parts)');
  if (!ID_PATTERN.test(threadId)) problems.push('Thread: 1-128 letters, digits or . _ : @ -');
  $('join-error').textContent = problems.join('. ');
  if (problems.length > 0) return;

  state.userId = jwt ? tokenSubject(token, state.config.userIdClaim) : userId;
  state.threadId = threadId;
  state.token = jwt ? token : undefined;
  state.everConnected = false;
  state.leaving = false;
  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  const url = new URL(window.location.href);
  url.search = '';
  if (!jwt) url.searchParams.set('userId', userId);
  url.searchParams.set('threadId', threadId);
  window.history.replaceState(null, '', url);

  messages.clear();
  $('conversation-heading').textContent = `Thread ${threadId}`;
  connect();
}

function connect() {
  clearTimeout(state.reconnectTimer);
  setStatus(status, 'Connecting…', 'connecting');
  const params = state.token ? { threadId: state.threadId } : { userId: state.userId, threadId: state.threadId };
  const socket = openChatSocket(params, state.token);
  state.socket = socket;

  socket.addEventListener('open', () => {
    state.everConnected = true;
    state.reconnectAttempt = 0;
    setStatus(status, `Connected as ${state.userId ?? 'token user'}`, 'connected');
    $('join-panel').hidden = true;
    $('conversation').hidden = false;
    $('composer-text').disabled = false;
    $('send').disabled = false;
    $('chat-error').textContent = '';
    requestHistory();
    $('composer-text').focus();
  });
  socket.addEventListener('message', (event) => handleFrame(event.data));
  socket.addEventListener('close', (event) => {
    if (state.socket !== socket) return;
    $('composer-text').disabled = true;
    $('send').disabled = true;
    typingIndicator.clear();
    messages.failAllPending('connection lost before the server confirmed it');
    if (state.leaving) return;
    if (!state.everConnected) {
      // Browsers hide the HTTP status of a refused upgrade.
      setStatus(status, 'Not connected', 'error');
      $('join-panel').hidden = false;
      $('conversation').hidden = true;
      $('join-error').textContent = state.token
        ? 'The server refused the connection: the token may be invalid or expired, or the thread belongs to another user.'
        : 'The server refused the connection: this thread may belong to another user.';
      return;
    }
    const delay = reconnectDelay(state.reconnectAttempt++);
    setStatus(status, `Disconnected (code ${event.code}); reconnecting in ${Math.round(delay / 1000)} s…`, 'error');
    state.reconnectTimer = setTimeout(connect, delay);
  });
}

function leave() {
  state.leaving = true;
  clearTimeout(state.reconnectTimer);
  state.socket?.close(1000, 'left');
  state.socket = undefined;
  $('conversation').hidden = true;
  $('join-panel').hidden = false;
  setStatus(status, 'Not connected', 'idle');
  const url = new URL(window.location.href);
  url.search = '';
  window.history.replaceState(null, '', url);
  window.sessionStorage.removeItem(TOKEN_KEY);
}

function send(frame) {
  if (state.socket?.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify(frame));
  return true;
}

function requestHistory(before) {
  send({ action: 'thread.history', limit: state.config.historyPageSize, ...(before !== undefined ? { before } : {}) });
}

function sendMessage() {
  const textarea = $('composer-text');
  const text = textarea.value.trim();
  if (!text) return;
  if (text.length > state.config.maxTextLength) {
    $('chat-error').textContent = `Messages are limited to ${state.config.maxTextLength} characters (this one has ${text.length}).`;
    return;
  }
  const clientMessageId = newClientMessageId();
  if (!send({ action: 'message.send', text, clientMessageId })) {
    $('chat-error').textContent = 'Not connected: wait for the connection to come back.';
    return;
  }
  typingNotifier.stop();
  messages.addPending(clientMessageId, { messageType: 'user', sender: state.userId ?? 'you', text });
  textarea.value = '';
  textarea.style.height = 'auto';
  $('chat-error').textContent = '';
}

function handleFrame(data) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    return;
  }
  switch (frame.type) {
    case 'message.sent':
      if (!state.userId) state.userId = frame.message.sender;
      messages.confirm(frame.clientMessageId, frame.message);
      break;
    case 'message':
      messages.upsert(frame.message);
      if (frame.message.messageType === 'user') typingIndicator.update(frame.message.sender, false);
      break;
    case 'history': {
      // Older pages are added above: keep what the reader was looking at in place.
      const scroller = $('messages-scroller');
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      const atStart = messages.byId.size === 0;
      for (const message of frame.messages) messages.upsert(message);
      state.nextBefore = frame.nextBefore;
      $('load-earlier').hidden = frame.nextBefore === null;
      messages.updateEmpty();
      if (atStart) messages.scrollToBottom();
      else scroller.scrollTop = scroller.scrollHeight - fromBottom;
      break;
    }
    case 'typing':
      typingIndicator.update(frame.userId, frame.isTyping);
      break;
    case 'thread.status':
      showTakeover(frame);
      break;
    case 'error':
      if (!frame.clientMessageId || !messages.fail(frame.clientMessageId, describeError(frame))) {
        $('chat-error').textContent = describeError(frame);
      }
      break;
    default:
      if (frame.message === 'Internal server error') $('chat-error').textContent = 'Server error: try again.';
  }
}

function showTakeover(frame) {
  const banner = $('takeover-banner');
  banner.hidden = false;
  banner.dataset.state = frame.isHumanOverride ? 'human' : 'bot';
  banner.textContent = frame.isHumanOverride
    ? `A human agent (${frame.by}) has joined the conversation.`
    : 'The agent handed the conversation back to the bot.';
}

init().catch((error) => {
  setStatus(status, `Could not start: ${error.message}`, 'error');
});
