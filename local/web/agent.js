// The agent view: a console connection (no thread) lists active threads with `thread.list`; opening a
// thread makes a second connection to it as an agent, to watch it live, take it over (the bot stays
// silent), answer as a human (messageType "agent") and hand it back (`thread.release`).
import {
  ID_PATTERN,
  MessageList,
  TypingIndicator,
  TypingNotifier,
  describeError,
  formatTime,
  loadConfig,
  newClientMessageId,
  openChatSocket,
  reconnectDelay,
  setStatus,
  tokenSubject,
  wireComposer,
} from './common.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.agentToken';
const LIST_INTERVAL_MS = 5000;

const state = {
  config: undefined,
  agentId: undefined,
  token: undefined,
  consoleSocket: undefined,
  consoleEverOpen: false,
  consoleAttempt: 0,
  listTimer: undefined,
  threads: [],
  thread: undefined, // {threadId, ownerId, socket, isHumanOverride, by, nextBefore, everOpen}
};

const status = $('connection-status');
const messages = new MessageList({
  list: $('messages'),
  scroller: $('messages-scroller'),
  empty: $('empty-state'),
  isOwn: (message) => message.messageType === 'agent' && message.sender === state.agentId,
  describeSender: (message) =>
    message.messageType === 'user' ? `${message.sender} (customer)` : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`,
});
const typingIndicator = new TypingIndicator($('typing'));
const typingNotifier = new TypingNotifier((isTyping) => sendToThread({ action: 'typing', isTyping }));

async function init() {
  state.config = await loadConfig();
  const jwt = state.config.authMode === 'jwt';
  $('dev-warning').hidden = jwt;
  $('agent-field').hidden = jwt;
  $('token-field').hidden = !jwt;
  const params = new URLSearchParams(window.location.search);
  $('agent-id').value = params.get('agentId') ?? 'agent-1';
  const savedToken = jwt ? window.sessionStorage.getItem(TOKEN_KEY) : null;
  if (savedToken) $('token').value = savedToken;

  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn();
  });
  $('refresh').addEventListener('click', listThreads);
  $('takeover').addEventListener('click', () => sendToThread({ action: 'thread.takeover' }));
  $('release').addEventListener('click', () => sendToThread({ action: 'thread.release' }));
  $('close-thread').addEventListener('click', closeThread);
  $('load-earlier').addEventListener('click', () => requestHistory(state.thread?.nextBefore ?? undefined));
  wireComposer($('composer-text'), $('composer'));
  $('composer-text').addEventListener('input', () => typingNotifier.keystroke());
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    sendReply();
  });

  if (jwt ? savedToken : params.get('agentId')) signIn();
}

function identityParams(extra) {
  return state.token ? { ...extra } : { userId: state.agentId, role: 'agent', ...extra };
}

function signIn() {
  const jwt = state.config.authMode === 'jwt';
  const agentId = $('agent-id').value.trim();
  const token = $('token').value.trim();
  if (!jwt && !ID_PATTERN.test(agentId)) {
    $('signin-error').textContent = 'Agent id: 1-128 letters, digits or . _ : @ -';
    return;
  }
  if (jwt && token.split('.').length !== 3) {
    $('signin-error').textContent = 'Token: paste a JWT (three dot-separated parts)';
    return;
  }
  $('signin-error').textContent = '';
  state.agentId = jwt ? tokenSubject(token, state.config.userIdClaim) : agentId;
  state.token = jwt ? token : undefined;
  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  else {
    const url = new URL(window.location.href);
    url.search = '';
    url.searchParams.set('agentId', agentId);
    window.history.replaceState(null, '', url);
  }
  state.consoleEverOpen = false;
  connectConsole();
}

function connectConsole() {
  setStatus(status, 'Connecting…', 'connecting');
  const socket = openChatSocket(identityParams({}), state.token);
  state.consoleSocket = socket;
  socket.addEventListener('open', () => {
    state.consoleEverOpen = true;
    state.consoleAttempt = 0;
    setStatus(status, `Signed in as ${state.agentId ?? 'agent'}`, 'connected');
    $('signin-panel').hidden = true;
    $('threads-panel').hidden = false;
    listThreads();
    clearInterval(state.listTimer);
    state.listTimer = setInterval(listThreads, LIST_INTERVAL_MS);
  });
  socket.addEventListener('message', (event) => {
    const frame = parseFrame(event.data);
    if (frame?.type === 'threads') renderThreads(frame.threads);
    else if (frame?.type === 'error') $('signin-error').textContent = describeError(frame);
  });
  socket.addEventListener('close', () => {
    if (state.consoleSocket !== socket) return;
    clearInterval(state.listTimer);
    if (!state.consoleEverOpen) {
      setStatus(status, 'Not connected', 'error');
      $('signin-panel').hidden = false;
      $('signin-error').textContent = state.token
        ? 'The server refused the connection: the token may be invalid, expired, or lack the agent role.'
        : 'The server refused the connection.';
      return;
    }
    const delay = reconnectDelay(state.consoleAttempt++);
    setStatus(status, `Disconnected; reconnecting in ${Math.round(delay / 1000)} s…`, 'error');
    setTimeout(connectConsole, delay);
  });
}

function listThreads() {
  if (state.consoleSocket?.readyState === WebSocket.OPEN) {
    state.consoleSocket.send(JSON.stringify({ action: 'thread.list', limit: 50 }));
  }
}

function renderThreads(threads) {
  state.threads = threads;
  const list = $('thread-list');
  const focusedId = document.activeElement?.dataset?.threadId;
  list.replaceChildren(
    ...threads.map((thread) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'thread-item';
      button.dataset.threadId = thread.threadId;
      if (state.thread?.threadId === thread.threadId) button.setAttribute('aria-current', 'true');
      const title = document.createElement('span');
      title.className = 'thread-item__title';
      title.textContent = thread.threadId;
      const meta = document.createElement('span');
      meta.className = 'thread-item__meta';
      meta.textContent = `${thread.ownerId} · ${formatTime(thread.lastActivityAt)}`;
      button.append(title, meta);
      if (thread.isHumanOverride) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = `Human: ${thread.overrideBy ?? 'agent'}`;
        button.append(badge);
      }
      button.addEventListener('click', () => openThread(thread));
      item.append(button);
      return item;
    }),
  );
  if (focusedId) list.querySelector(`[data-thread-id="${CSS.escape(focusedId)}"]`)?.focus();
  $('threads-empty').hidden = threads.length > 0;
  $('threads-updated').textContent = `Updated ${formatTime(Date.now())}`;
}

function openThread(summary) {
  closeThread();
  const thread = {
    threadId: summary.threadId,
    ownerId: summary.ownerId,
    isHumanOverride: summary.isHumanOverride,
    by: summary.overrideBy,
    nextBefore: null,
    everOpen: false,
    attempt: 0,
    closed: false,
    socket: undefined,
  };
  state.thread = thread;
  messages.clear();
  typingIndicator.clear();
  $('thread-heading').textContent = `Thread ${summary.threadId} (customer ${summary.ownerId})`;
  $('thread-panel').hidden = false;
  renderThreadStatus();
  renderThreads(state.threads);
  connectThread(thread);
}

function connectThread(thread) {
  const socket = openChatSocket(identityParams({ threadId: thread.threadId }), state.token);
  thread.socket = socket;
  socket.addEventListener('open', () => {
    thread.everOpen = true;
    thread.attempt = 0;
    setControlsEnabled(true);
    requestHistory();
  });
  socket.addEventListener('message', (event) => handleThreadFrame(thread, parseFrame(event.data)));
  socket.addEventListener('close', () => {
    if (state.thread !== thread || thread.closed) return;
    setControlsEnabled(false);
    messages.failAllPending('connection lost before the server confirmed it');
    if (!thread.everOpen) {
      $('chat-error').textContent = 'Could not open this thread.';
      return;
    }
    setTimeout(() => state.thread === thread && !thread.closed && connectThread(thread), reconnectDelay(thread.attempt++));
  });
}

function closeThread() {
  const thread = state.thread;
  if (!thread) return;
  thread.closed = true;
  thread.socket?.close(1000, 'closed');
  state.thread = undefined;
  $('thread-panel').hidden = true;
  typingIndicator.clear();
  renderThreads(state.threads);
}

function handleThreadFrame(thread, frame) {
  if (!frame || state.thread !== thread) return;
  switch (frame.type) {
    case 'message.sent':
      messages.confirm(frame.clientMessageId, frame.message);
      break;
    case 'message':
      messages.upsert(frame.message);
      if (frame.message.messageType === 'user') typingIndicator.update(frame.message.sender, false);
      break;
    case 'history': {
      const fromBottom = $('messages-scroller').scrollHeight - $('messages-scroller').scrollTop;
      const atStart = messages.byId.size === 0;
      for (const message of frame.messages) messages.upsert(message);
      thread.nextBefore = frame.nextBefore;
      $('load-earlier').hidden = frame.nextBefore === null;
      messages.updateEmpty();
      if (atStart) messages.scrollToBottom();
      else $('messages-scroller').scrollTop = $('messages-scroller').scrollHeight - fromBottom;
      break;
    }
    case 'typing':
      typingIndicator.update(frame.userId, frame.isTyping);
      break;
    case 'thread.status':
      thread.isHumanOverride = frame.isHumanOverride;
      thread.by = frame.by;
      renderThreadStatus();
      listThreads();
      break;
    case 'error':
      if (!frame.clientMessageId || !messages.fail(frame.clientMessageId, describeError(frame))) {
        $('chat-error').textContent = describeError(frame);
      }
      break;
    default:
  }
}

function renderThreadStatus() {
  const thread = state.thread;
  if (!thread) return;
  const mine = thread.isHumanOverride && thread.by === state.agentId;
  const banner = $('thread-status');
  banner.dataset.state = thread.isHumanOverride ? 'human' : 'bot';
  banner.textContent = !thread.isHumanOverride
    ? 'The bot is answering this thread. Take it over to answer yourself; the bot stays silent until you hand it back.'
    : mine
      ? 'You have taken over: the bot is silent. Hand the thread back when you are done.'
      : `Taken over by ${thread.by}: the bot is silent.`;
  $('takeover').hidden = thread.isHumanOverride;
  $('release').hidden = !thread.isHumanOverride;
}

function setControlsEnabled(enabled) {
  for (const id of ['takeover', 'release', 'composer-text', 'send']) $(id).disabled = !enabled;
}

function sendToThread(frame) {
  const socket = state.thread?.socket;
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}

function requestHistory(before) {
  sendToThread({ action: 'thread.history', limit: state.config.historyPageSize, ...(before !== undefined ? { before } : {}) });
}

function sendReply() {
  const textarea = $('composer-text');
  const text = textarea.value.trim();
  if (!text) return;
  if (text.length > state.config.maxTextLength) {
    $('chat-error').textContent = `Messages are limited to ${state.config.maxTextLength} characters.`;
    return;
  }
  const clientMessageId = newClientMessageId();
  if (!sendToThread({ action: 'message.send', text, clientMessageId })) return;
  typingNotifier.stop();
  messages.addPending(clientMessageId, { messageType: 'agent', sender: state.agentId ?? 'you', text });
  textarea.value = '';
  textarea.style.height = 'auto';
  $('chat-error').textContent = '';
}

function parseFrame(data) {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

init().catch((error) => setStatus(status, `Could not start: ${error.message}`, 'error'));
