/**
 * The pages' protocol client (local/web/chat-client.js) in Node, with `ws`, against the local runtime
 * with the real handlers: the protocol facts it reads from /config.json are the server's, and what it
 * makes of the server's answers (acks, error frames, a connection lost under a pending message).
 */
import { LIMITS } from '../../lib/schema';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { loadChatClientModule, nextEvent, openChatClient, sendUntil, SocketTap, type ChatClient, type PageConfig } from './support/web-client';
import type { Frame } from './support/ws-client';

const { connectionTarget, idRule, loadConfig } = loadChatClientModule();

let chat: LocalChat;
let config: PageConfig;
const clients: ChatClient[] = [];

beforeAll(async () => {
  // Two messages per connection and hour, on a clock at the start of an hour: the third is refused in every test.
  chat = await startLocalChat({
    port: 0,
    logLevel: 'error',
    demoBot: false,
    rateLimit: { messages: 2, windowSeconds: 3600 },
    clockStartsAt: Date.parse('2026-03-02T09:00:00Z'),
  });
  config = await loadConfig(chat.url);
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await chat?.close();
});

async function connect(options: { userId: string; threadId?: string; role?: 'user' | 'agent'; WebSocket?: unknown }): Promise<ChatClient> {
  const client = await openChatClient({ config, pageUrl: chat.url, ...options });
  clients.push(client);
  return client;
}

describe('chat-client.js in Node against the local runtime', () => {
  test('config: GIVEN the served /config.json WHEN the client reads it THEN its protocol facts are the server\'s (the id pattern admits auth0|abc, the history page size is LIMITS.historyDefaultLimit)', () => {
    expect(config.protocol).toEqual(chat.model.client);
    const idPattern = new RegExp(config.protocol.idPattern);
    expect(idPattern.source).toBe(LIMITS.idPattern.source);
    expect(idPattern.test('auth0|abc')).toBe(true);
    expect(idPattern.test('a#b')).toBe(false);
    expect(config.protocol.limits.historyDefaultLimit).toBe(LIMITS.historyDefaultLimit);
    expect(config.protocol.limits.maxTextLength).toBe(LIMITS.maxTextLength);

    // The sentence the forms show is derived from the same pattern: it names every character it allows.
    const rule = idRule(config.protocol.idPattern);
    expect(rule.test('auth0|abc')).toBe(true);
    expect(rule.description).toBe('1-128 letters, digits or . _ : @ | -');
    expect(new RegExp(`^(?:${rule.htmlPattern})$`, 'v').test('auth0|abc')).toBe(true);
  });

  test('connection target: GIVEN the protocol of the config WHEN a URL is built for development mode and for a token THEN the identity goes in the query, or the token in the subprotocol list and not in the URL', () => {
    const { protocol } = config;
    const dev = connectionTarget({ protocol, pageUrl: `${chat.url}/agent?agentId=x`, userId: 'sam', role: 'agent', threadId: 'auth0|t-1' });
    const devUrl = new URL(dev.url);
    expect(devUrl.protocol).toBe('ws:');
    expect(Object.fromEntries(devUrl.searchParams)).toEqual({ userId: 'sam', role: 'agent', [protocol.threadQueryParameter]: 'auth0|t-1' });
    expect(dev.protocols).toEqual([protocol.subprotocol]);

    const withToken = connectionTarget({ protocol, pageUrl: 'https://chat.example/', userId: 'ignored', threadId: 't-2', token: 'a.b.c' });
    expect(withToken.url).toBe(`wss://chat.example/?${protocol.threadQueryParameter}=t-2`);
    expect(withToken.protocols).toEqual([protocol.subprotocol, `${protocol.bearerSubprotocolPrefix}a.b.c`]);
  });

  test('acks: GIVEN two messages sent at once WHEN the server acknowledges them THEN each ack confirms its own pending message by clientMessageId, with the stored copy', async () => {
    const client = await connect({ userId: 'mia', threadId: 'acks' });
    const confirmations: { clientMessageId: string; message: Frame }[] = [];
    client.addEventListener('confirmed', (event) => confirmations.push((event as CustomEvent).detail));
    const bothConfirmed = nextEvent(client, 'confirmed', () => confirmations.length === 2);

    const first = client.sendMessage('first');
    const second = client.sendMessage('second');
    if (!first.sent || !second.sent) throw new Error('not sent');
    expect(client.pendingMessages().map(({ text, state }) => [text, state])).toEqual([
      ['first', 'sending'],
      ['second', 'sending'],
    ]);
    await bothConfirmed;

    const textOf = new Map(confirmations.map(({ clientMessageId, message }) => [clientMessageId, message]));
    for (const { pending } of [first, second]) {
      const stored = textOf.get(pending.clientMessageId);
      expect(stored).toMatchObject({ text: pending.text, clientMessageId: pending.clientMessageId, sender: 'mia', messageType: 'user' });
      expect(client.isOwn(stored!)).toBe(true);
    }
    expect(client.pendingMessages()).toEqual([]);
  });

  test('error codes: GIVEN messages the server refuses WHEN the error frames arrive THEN RATE_LIMITED marks the message failed and retryable, VALIDATION_ERROR failed and not retryable', async () => {
    const limited = await connect({ userId: 'noah', threadId: 'limited' });
    await sendUntil(limited, 'one', 'confirmed');
    await sendUntil(limited, 'two', 'confirmed');
    const { pending: refused } = await sendUntil(limited, 'three', 'failed');
    expect(refused.error?.code).toBe('RATE_LIMITED');
    expect(refused.retryable).toBe(true);

    // An unpaired surrogate passes the client's own checks (length) and is refused by the server's.
    const invalid = await connect({ userId: 'noah', threadId: 'invalid' });
    const { pending: rejected } = await sendUntil(invalid, 'broken \uD800 text', 'failed');
    expect(rejected.error?.code).toBe('VALIDATION_ERROR');
    expect(rejected.retryable).toBe(false);
    expect(config.protocol.retryableErrorCodes).toContain('RATE_LIMITED');
    expect(config.protocol.retryableErrorCodes).not.toContain('VALIDATION_ERROR');
  });

  test('reconnect: GIVEN a message whose ack is lost with the connection WHEN the client reconnects THEN it sends the message again with the same clientMessageId, the answer confirms it, and the server stored it once', async () => {
    const tap = new SocketTap();
    const client = await connect({ userId: 'lena', threadId: 'lost-ack', WebSocket: tap.WebSocket });
    tap.once((frame) => frame.type === 'message.sent', 'cut');
    const lost = nextEvent<{ refused: boolean; lost: string[] }>(client, 'close');
    const history = nextEvent<{ messages: Frame[] }>(client, 'history', () => tap.sentWith('message.send').length === 2);
    const { pending, message } = await sendUntil(client, 'Did this arrive?', 'confirmed');

    expect(await lost).toMatchObject({ refused: false, lost: [pending.clientMessageId] });
    const sends = tap.sentWith('message.send');
    expect(sends.map(({ connection }) => connection)).toEqual([1, 2]);
    expect(sends[1].frame.clientMessageId).toBe(pending.clientMessageId);
    // The history (what was missed) is read once the resent message is answered: it holds the message once.
    const { messages } = await history;
    expect(messages.filter((stored) => stored.text === 'Did this arrive?').map((stored) => stored.messageId)).toEqual([message!.messageId]);
    expect(tap.sentWith('thread.history').map(({ connection, frame }) => [connection, frame.limit])).toEqual([
      [1, LIMITS.historyDefaultLimit],
      [2, LIMITS.historyDefaultLimit],
    ]);
  });

  test('reconnect: GIVEN a resent message answered by API Gateway itself (a message, no type) WHEN the answer arrives THEN the wait ends, the error is reported as the gateway\'s, and the stored copy in the history confirms the message', async () => {
    const tap = new SocketTap();
    const client = await connect({ userId: 'omar', threadId: 'gateway-answer', WebSocket: tap.WebSocket });
    tap.once((frame) => frame.type === 'message.sent', 'cut');
    tap.once((frame) => frame.type === 'message.sent', { replaceWith: { message: 'Endpoint request timed out', connectionId: 'x', requestId: 'y' } });
    const gatewayError = nextEvent<{ source: string; message: string }>(client, 'error');
    const history = nextEvent<{ messages: Frame[] }>(client, 'history', () => tap.sentWith('message.send').length === 2);
    const started = Date.now();
    const { pending, message } = await sendUntil(client, 'Still there?', 'confirmed');

    expect(await gatewayError).toMatchObject({ source: 'gateway', message: 'Endpoint request timed out' });
    // Confirmed from the history page (its stored copy carries the clientMessageId), well before the 5 s bound.
    expect(message).toMatchObject({ clientMessageId: pending.clientMessageId, text: 'Still there?' });
    expect(Date.now() - started).toBeLessThan(loadChatClientModule().RESENT_ANSWER_WAIT_MS);
    const { messages } = await history;
    expect(messages.filter((stored) => stored.text === 'Still there?')).toEqual([]);
    expect(client.pendingMessages()).toEqual([]);
  });
});

describe('chat-client.js keepalive', () => {
  test('keepalive: GIVEN a runtime with a short idle timeout and a client that only listens WHEN the keepalive interval passes THEN the client sends the keepalive frame, its replies raise no event, and the connection outlives several timeouts', async () => {
    const idleTimeoutMs = 400;
    const listening = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, idleTimeoutMs });
    const tap = new SocketTap();
    const keepalive = { ...config.protocol.keepalive, intervalSeconds: idleTimeoutMs / 4 / 1000 };
    const client = await openChatClient({
      config: { ...config, protocol: { ...config.protocol, keepalive } },
      pageUrl: listening.url,
      userId: 'nils',
      threadId: 'listen-only',
      WebSocket: tap.WebSocket,
    });
    const events: string[] = [];
    for (const type of ['close', 'error', 'message']) client.addEventListener(type, () => events.push(type));
    try {
      const started = Date.now();
      for (let polls = 0; polls < 100 && Date.now() - started < 4 * idleTimeoutMs; polls++) {
        await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs / 8));
      }

      const pings = tap.sentWith(keepalive.frame.action);
      expect(pings.length).toBeGreaterThanOrEqual(8);
      expect(pings.every(({ connection, frame }) => connection === 1 && JSON.stringify(frame) === JSON.stringify(keepalive.frame))).toBe(true);
      expect(events).toEqual([]);
    } finally {
      client.close();
      await listening.close();
    }
  });
});
