/**
 * The local runtime with token verification on (what CHAT_AUTH_JWKS_URL/ISSUER/AUDIENCE turn on):
 * the real authorizer handler runs at `$connect` against a JWKS served by this test, so the local
 * server accepts and refuses exactly what the deployed one would, and the identity comes from the
 * token, never from the query string.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { startLocalChat, type LocalChat } from '../../local/runtime';
import { connectClient, devUrl, isType, refusalStatus, type ChatClient } from './support/ws-client';

const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'chat-local-test';

let chat: LocalChat;
let jwks: http.Server;
let signingKey: KeyLike;
let otherKey: KeyLike;
const clients: ChatClient[] = [];

async function token(claims: JWTPayload, key: KeyLike = signingKey, expiresIn = '5m'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}

async function open(threadId: string | undefined, jwt: string, extraQuery: Record<string, string> = {}): Promise<ChatClient> {
  const client = await connectClient(devUrl(chat.wsUrl, { threadId, ...extraQuery }), ['chat', `bearer.${jwt}`]);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  chat = await startLocalChat({
    port: 0,
    logLevel: 'error',
    auth: { jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, issuer: ISSUER, audience: AUDIENCE },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await chat.close();
  jwks.closeAllConnections();
  await new Promise((resolve) => jwks.close(resolve));
});

describe('local runtime with token verification (real authorizer)', () => {
  test('GIVEN a valid token in the subprotocol WHEN the query string claims another user THEN the connection is the token\'s subject, the subprotocol "chat" is selected and the bot answers', async () => {
    const client = await open('auth-thread', await token({ sub: 'token-user' }), { userId: 'someone-else' });

    expect(client.protocol).toBe('chat');
    const ack = await client.request({ action: 'message.send', text: 'who am I?', clientMessageId: 'w-1' }, isType('message.sent'));
    expect(ack.message.sender).toBe('token-user');
    const reply = await client.next((frame) => frame.type === 'message' && frame.message.messageType === 'bot');
    expect(reply.message.text).toContain('who am I?');
  });

  test('GIVEN bad or missing tokens WHEN connecting THEN the upgrade is refused with 401 and no connection is recorded', async () => {
    const connectsBefore = chat.counters().lambda.invocations['local-chat-connect'] ?? 0;

    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'auth-refused', userId: 'mallory' }))).toBe(401);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'auth-refused' }), ['chat', `bearer.${await token({ sub: 'mallory' }, otherKey)}`])).toBe(401);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'auth-refused' }), ['chat', `bearer.${await token({ sub: 'mallory' }, signingKey, '-1h')}`])).toBe(401);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'auth-refused', token: 'not.a.jwt' }))).toBe(401);

    expect(chat.counters().lambda.invocations['local-chat-connect'] ?? 0).toBe(connectsBefore);
  });

  test('GIVEN a user token without a thread, and another user\'s thread WHEN connecting THEN both are refused with 403', async () => {
    await open('owned-by-ann', await token({ sub: 'ann' }));

    expect(await refusalStatus(chat.wsUrl, ['chat', `bearer.${await token({ sub: 'ann' })}`])).toBe(403);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'owned-by-ann' }), ['chat', `bearer.${await token({ sub: 'ben' })}`])).toBe(403);
  });

  test('GIVEN a token whose groups claim holds the agent role WHEN it opens a console and a thread THEN it lists threads and takes the thread over; role=agent in the query gives a user nothing', async () => {
    await open('agent-visible', await token({ sub: 'cora' }));
    const agentToken = await token({ sub: 'agent-9', 'cognito:groups': ['chat-agent'] });
    const console_ = await open(undefined, agentToken);
    const inThread = await open('agent-visible', agentToken);

    const list = await console_.request({ action: 'thread.list' }, isType('threads'));
    expect(list.threads.map((thread: { threadId: string }) => thread.threadId)).toContain('agent-visible');
    expect(await inThread.request({ action: 'thread.takeover' }, isType('thread.status'))).toMatchObject({ isHumanOverride: true, by: 'agent-9' });

    const pretender = await open('pretender-thread', await token({ sub: 'dan' }), { role: 'agent' });
    expect(await pretender.request({ action: 'thread.list' }, isType('error'))).toMatchObject({ code: 'FORBIDDEN' });
  });

  test('GIVEN token mode WHEN the page asks how to connect THEN /config.json says jwt', async () => {
    const config = (await (await fetch(`${chat.url}/config.json`)).json()) as { authMode: string };
    expect(config.authMode).toBe('jwt');
  });
});
