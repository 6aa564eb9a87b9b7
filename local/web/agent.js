// The agent view: a console connection (no thread) lists active threads with `thread.list`; opening a
// thread makes a second connection to it as an agent, to watch it live, take it over (the bot stays
// silent), answer as a human (messageType "agent") and hand it back (`thread.release`).
import { ChatClient, idRule, loadConfig, tokenSubject } from './chat-client.js';
import { ConversationPanel } from './conversation-panel.js';
import { describeError } from './error-text.js';
import { enableForm, identityProblem, setUpIdentityForm } from './identity-form.js';
import { formatTime } from './message-list.js';
import { followConnection, setStatus } from './status-line.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.agentToken';
const LIST_INTERVAL_MS = 5000;

const state = {
  config: undefined,
  rule: undefined,
  /** Who signed in: {agentId, token}. */
  identity: undefined,
  /** The ChatClient without a thread, for `thread.list`. */
  console: undefined,
  listTimer: undefined,
  threads: [],
  thread: undefined, // {threadId, ownerId, client: ChatClient, isHumanOverride, by}
};

const status = $('connection-status');
let conversation;

async function init() {
  state.config = await loadConfig(window.location.origin);
  state.rule = idRule(state.config.protocol.idPattern);
  conversation = new ConversationPanel({
    describeSender: (message) =>
      message.messageType === 'user' ? `${message.sender} (customer)` : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`,
    author: () => ({ messageType: 'agent', sender: agentId() ?? 'you' }),
  });

  const jwt = state.config.authMode === 'jwt';
  const savedToken = setUpIdentityForm({
    jwt,
    rule: state.rule,
    idInputs: [$('agent-id')],
    idInput: $('agent-id'),
    idField: $('agent-field'),
    tokenKey: TOKEN_KEY,
    form: $('signin-form'),
    onSubmit: signIn,
  });
  const params = new URLSearchParams(window.location.search);
  $('agent-id').value = params.get('agentId') ?? 'agent-1';
  $('refresh').addEventListener('click', listThreads);
  $('takeover').addEventListener('click', () => state.thread?.client.takeOver());
  $('release').addEventListener('click', () => state.thread?.client.release());
  $('close-thread').addEventListener('click', closeThread);

  enableForm($('signin-form'));
  if (jwt ? savedToken : params.get('agentId')) signIn();
}

/** The signed-in agent's id (in token mode: the token's, or learnt from the open thread's first ack). */
function agentId() {
  return state.thread?.client.userId ?? state.identity?.agentId;
}

function signIn() {
  const jwt = state.config.authMode === 'jwt';
  const id = $('agent-id').value.trim();
  const token = $('token').value.trim();
  $('signin-error').textContent = identityProblem({ jwt, rule: state.rule, label: 'Agent id', id, token });
  if ($('signin-error').textContent) return;
  state.identity = { agentId: jwt ? tokenSubject(token, state.config.userIdClaim) : id, token: jwt ? token : undefined };
  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  else {
    const url = new URL(window.location.href);
    url.search = '';
    url.searchParams.set('agentId', id);
    window.history.replaceState(null, '', url);
  }
  connectConsole();
}

/** A ChatClient as the signed-in agent: the console (no thread) or a thread's. */
function agentClient(threadId) {
  const { agentId: userId, token } = state.identity;
  return new ChatClient({ config: state.config, pageUrl: window.location.href, WebSocket, userId, role: 'agent', threadId, token });
}

function connectConsole() {
  state.console?.close('signed in again');
  const client = agentClient(undefined);
  state.console = client;
  followConnection(status, client, () => `Signed in as ${agentId() ?? 'agent'}`);
  client.addEventListener('open', () => {
    $('signin-panel').hidden = true;
    $('threads-panel').hidden = false;
    listThreads();
    clearInterval(state.listTimer);
    state.listTimer = setInterval(listThreads, LIST_INTERVAL_MS);
  });
  client.addEventListener('threads', ({ detail }) => renderThreads(detail.threads));
  client.addEventListener('error', ({ detail }) => {
    if (detail.source === 'server') $('signin-error').textContent = describeError(detail);
  });
  client.addEventListener('close', ({ detail }) => {
    clearInterval(state.listTimer);
    if (!detail.refused) return;
    $('signin-panel').hidden = false;
    $('signin-error').textContent = state.identity.token
      ? 'The server refused the connection: the token may be invalid, expired, or lack the agent role.'
      : 'The server refused the connection.';
  });
  client.open();
}

function listThreads() {
  state.console?.listThreads();
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
    client: agentClient(summary.threadId),
  };
  state.thread = thread;
  conversation.attach(thread.client);
  $('thread-heading').textContent = `Thread ${summary.threadId} (customer ${summary.ownerId})`;
  $('thread-panel').hidden = false;
  setControlsEnabled(false);
  renderThreadStatus();
  renderThreads(state.threads);
  // The panel is beside the list, or below it on a phone: take the reader (and screen reader) there.
  $('thread-heading').focus();
  thread.client.addEventListener('open', () => setControlsEnabled(true));
  thread.client.addEventListener('close', ({ detail }) => {
    setControlsEnabled(false);
    if (detail.refused) conversation.showError('Could not open this thread.');
  });
  thread.client.addEventListener('thread-status', ({ detail }) => {
    thread.isHumanOverride = detail.isHumanOverride;
    thread.by = detail.by;
    renderThreadStatus();
    listThreads();
  });
  thread.client.open();
}

function closeThread() {
  const thread = state.thread;
  if (!thread) return;
  thread.client.close('closed');
  state.thread = undefined;
  $('thread-panel').hidden = true;
  conversation.detach();
  renderThreads(state.threads);
}

function renderThreadStatus() {
  const thread = state.thread;
  if (!thread) return;
  const mine = thread.isHumanOverride && thread.by === agentId();
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

/** Take over and hand back need the thread's connection, as the composer does. */
function setControlsEnabled(enabled) {
  $('takeover').disabled = !enabled;
  $('release').disabled = !enabled;
}

init().catch((error) => setStatus(status, `Could not start: ${error.message}`, 'error'));
