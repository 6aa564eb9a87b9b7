// The agent view: a console connection (no thread) lists active threads with `thread.list`; opening a
// thread makes a second connection to it as an agent, to watch it live, take it over (the bot stays
// silent), answer as a human (messageType "agent") and hand it back (`thread.release`).
import { ChatSocket, Conversation, describeError, formatTime, identityProblem, loadConfig, setStatus, setUpIdentityForm, tokenSubject } from './common.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.agentToken';
const LIST_INTERVAL_MS = 5000;

const state = {
  config: undefined,
  agentId: undefined,
  token: undefined,
  /** The ChatSocket without a thread, for `thread.list`. */
  console: undefined,
  listTimer: undefined,
  threads: [],
  thread: undefined, // {threadId, ownerId, socket: ChatSocket, isHumanOverride, by}
};

const status = $('connection-status');
let conversation;

async function init() {
  state.config = await loadConfig();
  conversation = new Conversation({
    config: state.config,
    send: sendToThread,
    isOwn: (message) => message.messageType === 'agent' && message.sender === state.agentId,
    // This agent typing in another tab is not someone else typing.
    isSelf: (userId) => userId === state.agentId,
    describeSender: (message) =>
      message.messageType === 'user' ? `${message.sender} (customer)` : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`,
    draft: () => ({ messageType: 'agent', sender: state.agentId ?? 'you' }),
  });

  const jwt = state.config.authMode === 'jwt';
  const savedToken = setUpIdentityForm({ jwt, idInput: $('agent-id'), idField: $('agent-field'), tokenKey: TOKEN_KEY, form: $('signin-form'), onSubmit: signIn });
  const params = new URLSearchParams(window.location.search);
  $('agent-id').value = params.get('agentId') ?? 'agent-1';
  $('refresh').addEventListener('click', listThreads);
  $('takeover').addEventListener('click', () => sendToThread({ action: 'thread.takeover' }));
  $('release').addEventListener('click', () => sendToThread({ action: 'thread.release' }));
  $('close-thread').addEventListener('click', closeThread);

  if (jwt ? savedToken : params.get('agentId')) signIn();
}

function identityParams(extra) {
  return state.token ? { ...extra } : { userId: state.agentId, role: 'agent', ...extra };
}

function signIn() {
  const jwt = state.config.authMode === 'jwt';
  const agentId = $('agent-id').value.trim();
  const token = $('token').value.trim();
  $('signin-error').textContent = identityProblem(jwt, 'Agent id', agentId, token);
  if ($('signin-error').textContent) return;
  state.agentId = jwt ? tokenSubject(token, state.config.userIdClaim) : agentId;
  state.token = jwt ? token : undefined;
  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  else {
    const url = new URL(window.location.href);
    url.search = '';
    url.searchParams.set('agentId', agentId);
    window.history.replaceState(null, '', url);
  }
  connectConsole();
}

function connectConsole() {
  state.console?.stop('signed in again');
  state.console = new ChatSocket({
    params: identityParams({}),
    token: state.token,
    status,
    onOpen: () => {
      setStatus(status, `Signed in as ${state.agentId ?? 'agent'}`, 'connected');
      $('signin-panel').hidden = true;
      $('threads-panel').hidden = false;
      listThreads();
      clearInterval(state.listTimer);
      state.listTimer = setInterval(listThreads, LIST_INTERVAL_MS);
    },
    onFrame: (frame) => {
      if (frame.type === 'threads') renderThreads(frame.threads);
      else if (frame.type === 'error') $('signin-error').textContent = describeError(frame);
    },
    onClose: ({ refused }) => {
      clearInterval(state.listTimer);
      if (!refused) return;
      $('signin-panel').hidden = false;
      $('signin-error').textContent = state.token
        ? 'The server refused the connection: the token may be invalid, expired, or lack the agent role.'
        : 'The server refused the connection.';
    },
  }).open();
}

function listThreads() {
  state.console?.send({ action: 'thread.list', limit: 50 });
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
    socket: undefined,
  };
  state.thread = thread;
  conversation.reset();
  $('thread-heading').textContent = `Thread ${summary.threadId} (customer ${summary.ownerId})`;
  $('thread-panel').hidden = false;
  renderThreadStatus();
  renderThreads(state.threads);
  // The panel is beside the list, or below it on a phone: take the reader (and screen reader) there.
  $('thread-heading').focus();
  thread.socket = new ChatSocket({
    params: identityParams({ threadId: thread.threadId }),
    token: state.token,
    onOpen: () => {
      setControlsEnabled(true);
      conversation.connected();
    },
    onFrame: (frame) => handleThreadFrame(thread, frame),
    onClose: ({ refused }) => {
      setControlsEnabled(false);
      conversation.disconnected();
      if (refused) conversation.showError('Could not open this thread.');
    },
  }).open();
}

function closeThread() {
  const thread = state.thread;
  if (!thread) return;
  thread.socket?.stop('closed');
  state.thread = undefined;
  $('thread-panel').hidden = true;
  conversation.reset();
  renderThreads(state.threads);
}

function handleThreadFrame(thread, frame) {
  if (state.thread !== thread || conversation.handleFrame(frame)) return;
  if (frame.type === 'thread.status') {
    thread.isHumanOverride = frame.isHumanOverride;
    thread.by = frame.by;
    renderThreadStatus();
    listThreads();
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
  $('takeover').disabled = !enabled;
  $('release').disabled = !enabled;
  conversation.setEnabled(enabled);
}

function sendToThread(frame) {
  return state.thread?.socket?.send(frame) ?? false;
}

init().catch((error) => setStatus(status, `Could not start: ${error.message}`, 'error'));
