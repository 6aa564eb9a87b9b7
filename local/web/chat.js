// The chat page: join a thread (development identity or a pasted token), chat with the bot (and a
// human agent when one takes over), history on reload, typing indicators, delivery state.
import { ChatSocket, Conversation, ID_PATTERN, identityProblem, loadConfig, setStatus, setUpIdentityForm, tokenSubject } from './common.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.token';

const state = {
  config: undefined,
  /** The ChatSocket of the joined thread. */
  socket: undefined,
  userId: undefined,
  threadId: undefined,
  token: undefined,
};

const status = $('connection-status');
let conversation;

async function init() {
  state.config = await loadConfig();
  conversation = new Conversation({
    config: state.config,
    send: (frame) => state.socket?.send(frame) ?? false,
    isOwn: (message) => message.messageType === 'user' && message.sender === state.userId,
    // Typing on this user's other devices is not someone else typing.
    isSelf: (userId) => userId === state.userId,
    describeSender: (message) => (message.messageType === 'user' ? message.sender : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`),
    draft: () => ({ messageType: 'user', sender: state.userId ?? 'you' }),
  });

  const jwt = state.config.authMode === 'jwt';
  const savedToken = setUpIdentityForm({ jwt, idInput: $('user-id'), idField: $('user-field'), tokenKey: TOKEN_KEY, form: $('join-form'), onSubmit: join });
  const params = new URLSearchParams(window.location.search);
  $('user-id').value = params.get('userId') ?? 'alice';
  $('thread-id').value = params.get('threadId') ?? 'support-1';
  $('leave').addEventListener('click', leave);

  // Reloading a joined conversation reconnects and shows its history.
  if (params.get('threadId') && (jwt ? savedToken : params.get('userId'))) join();
}

function join() {
  const jwt = state.config.authMode === 'jwt';
  const userId = $('user-id').value.trim();
  const threadId = $('thread-id').value.trim();
  const token = $('token').value.trim();
  const problems = [identityProblem(jwt, 'User id', userId, token), ID_PATTERN.test(threadId) ? '' : 'Thread: 1-128 letters, digits or . _ : @ -'].filter(Boolean);
  $('join-error').textContent = problems.join('. ');
  if (problems.length > 0) return;

  state.userId = jwt ? tokenSubject(token, state.config.userIdClaim) : userId;
  state.threadId = threadId;
  state.token = jwt ? token : undefined;
  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  const url = new URL(window.location.href);
  url.search = '';
  if (!jwt) url.searchParams.set('userId', userId);
  url.searchParams.set('threadId', threadId);
  window.history.replaceState(null, '', url);

  conversation.reset();
  $('takeover-banner').hidden = true;
  $('conversation-heading').textContent = `Thread ${threadId}`;
  connect();
}

function connect() {
  state.socket?.stop('rejoined');
  state.socket = new ChatSocket({
    params: state.token ? { threadId: state.threadId } : { userId: state.userId, threadId: state.threadId },
    token: state.token,
    status,
    onOpen: () => {
      setStatus(status, `Connected as ${state.userId ?? 'token user'}`, 'connected');
      $('join-panel').hidden = true;
      $('conversation').hidden = false;
      conversation.connected();
      $('composer-text').focus();
    },
    onFrame: handleFrame,
    onClose: ({ refused }) => {
      conversation.disconnected();
      if (!refused) return;
      $('join-panel').hidden = false;
      $('conversation').hidden = true;
      $('join-error').textContent = state.token
        ? 'The server refused the connection: the token may be invalid or expired, or the thread belongs to another user.'
        : 'The server refused the connection: this thread may belong to another user.';
    },
  }).open();
}

function leave() {
  state.socket?.stop('left');
  state.socket = undefined;
  conversation.setEnabled(false);
  $('conversation').hidden = true;
  $('join-panel').hidden = false;
  setStatus(status, 'Not connected', 'idle');
  const url = new URL(window.location.href);
  url.search = '';
  window.history.replaceState(null, '', url);
  window.sessionStorage.removeItem(TOKEN_KEY);
}

function handleFrame(frame) {
  // In token mode the page may not know its user id until the first ack names it.
  if (frame.type === 'message.sent' && !state.userId) state.userId = frame.message.sender;
  if (conversation.handleFrame(frame)) return;
  if (frame.type === 'thread.status') showTakeover(frame);
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
