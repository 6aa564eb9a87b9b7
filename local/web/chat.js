// The chat page: join a thread (development identity or a pasted token), chat with the bot (and a
// human agent when one takes over), history on reload, typing indicators, delivery state.
import { ChatClient, idRule, loadConfig, tokenSubject } from './chat-client.js';
import { ConversationPanel } from './conversation-panel.js';
import { enableForm, idProblem, identityProblem, setUpIdentityForm } from './identity-form.js';
import { followConnection, setStatus } from './status-line.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'chat.token';

const state = {
  config: undefined,
  /** The server's identifier rule (user and thread ids). */
  rule: undefined,
  /** The ChatClient of the joined thread. */
  client: undefined,
};

const status = $('connection-status');
let conversation;

async function init() {
  state.config = await loadConfig(window.location.origin);
  state.rule = idRule(state.config.protocol.idPattern);
  conversation = new ConversationPanel({
    describeSender: (message) => (message.messageType === 'user' ? message.sender : message.messageType === 'bot' ? `Bot (${message.sender})` : `Agent ${message.sender}`),
    author: () => ({ messageType: 'user', sender: state.client?.userId ?? 'you' }),
  });

  const jwt = state.config.authMode === 'jwt';
  const savedToken = setUpIdentityForm({
    jwt,
    rule: state.rule,
    idInputs: [$('user-id'), $('thread-id')],
    idInput: $('user-id'),
    idField: $('user-field'),
    tokenKey: TOKEN_KEY,
    form: $('join-form'),
    onSubmit: join,
  });
  const params = new URLSearchParams(window.location.search);
  $('user-id').value = params.get('userId') ?? 'alice';
  $('thread-id').value = params.get('threadId') ?? 'support-1';
  $('leave').addEventListener('click', leave);

  enableForm($('join-form'));
  // Reloading a joined conversation reconnects and shows its history.
  if (params.get('threadId') && (jwt ? savedToken : params.get('userId'))) join();
}

function join() {
  const jwt = state.config.authMode === 'jwt';
  const userId = $('user-id').value.trim();
  const threadId = $('thread-id').value.trim();
  const token = $('token').value.trim();
  const problems = [identityProblem({ jwt, rule: state.rule, label: 'User id', id: userId, token }), idProblem(state.rule, 'Thread', threadId)].filter(Boolean);
  $('join-error').textContent = problems.join('. ');
  if (problems.length > 0) return;

  if (jwt) window.sessionStorage.setItem(TOKEN_KEY, token);
  const url = new URL(window.location.href);
  url.search = '';
  if (!jwt) url.searchParams.set('userId', userId);
  url.searchParams.set('threadId', threadId);
  window.history.replaceState(null, '', url);

  $('takeover-banner').hidden = true;
  $('conversation-heading').textContent = `Thread ${threadId}`;
  connect({
    // In token mode the id is the token's (for recognising own messages; the client learns it from the first ack otherwise).
    userId: jwt ? tokenSubject(token, state.config.userIdClaim) : userId,
    threadId,
    token: jwt ? token : undefined,
  });
}

function connect({ userId, threadId, token }) {
  state.client?.close('rejoined');
  const client = new ChatClient({ config: state.config, pageUrl: window.location.href, WebSocket, userId, role: 'user', threadId, token });
  state.client = client;
  conversation.attach(client);
  followConnection(status, client, () => `Connected as ${client.userId ?? 'token user'}`);
  client.addEventListener('open', () => {
    $('join-panel').hidden = true;
    $('conversation').hidden = false;
    $('composer-text').focus();
  });
  client.addEventListener('close', ({ detail }) => {
    if (!detail.refused) return;
    $('join-panel').hidden = false;
    $('conversation').hidden = true;
    $('join-error').textContent = token
      ? 'The server refused the connection: the token may be invalid or expired, or the thread belongs to another user.'
      : 'The server refused the connection: this thread may belong to another user.';
  });
  client.addEventListener('thread-status', ({ detail }) => showTakeover(detail));
  client.open();
}

function leave() {
  state.client?.close('left');
  state.client = undefined;
  conversation.detach();
  $('conversation').hidden = true;
  $('join-panel').hidden = false;
  setStatus(status, 'Not connected', 'idle');
  const url = new URL(window.location.href);
  url.search = '';
  window.history.replaceState(null, '', url);
  window.sessionStorage.removeItem(TOKEN_KEY);
}

function showTakeover({ isHumanOverride, by }) {
  const banner = $('takeover-banner');
  banner.hidden = false;
  banner.dataset.state = isHumanOverride ? 'human' : 'bot';
  banner.textContent = isHumanOverride ? `A human agent (${by}) has joined the conversation.` : 'The agent handed the conversation back to the bot.';
}

init().catch((error) => {
  setStatus(status, `Could not start: ${error.message}`, 'error');
});
