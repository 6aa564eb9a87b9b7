/**
 * The local runtime with token verification on (what CHAT_AUTH_JWKS_URL/ISSUER/AUDIENCE turn on):
 * the real authorizer handler runs at `$connect` against a JWKS served by this test, so the local
 * server accepts and refuses exactly what the deployed one would, and the identity comes from the
 * token, never from the query string.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isType, refusalStatus, type ChatClient } from './support/ws-client';

const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'chat-local-test';

let chat: LocalChat;
let jwks: http.Server;
let signingKey: KeyLike;
let otherKey: KeyLike;
let publicKeyPem: string;
const clients: ChatClient[] = [];

async function token(claims: JWTPayload, key: KeyLike = signingKey, expiresIn = '5m'): Promise<string> {
  // The right issuer and audience unless the claims name others.
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}

async function open(threadId: string | undefined, jwt: string, extraQuery: Record<string, string> = {}): Promise<ChatClient> {
  const client = await connectClient(devUrl(chat.wsUrl, { threadId, ...extraQuery }), ['chat', `bearer.${jwt}`]);
  clients.push(client);
  return client;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A JWT with `alg: none` and no signature. */
function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown): string => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** The token with its payload changed (claims merged in) and the original signature kept. */
function tamper(jwt: string, claims: JWTPayload): string {
  const [header, payload, signature] = jwt.split('.');
  const changed = { ...(JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as JWTPayload), ...claims };
  return `${header}.${base64url.encode(JSON.stringify(changed))}.${signature}`;
}

/** Every item of the connections table, read through the runtime's DynamoDB endpoint. */
async function connectionRecords(): Promise<{ connectionId: string; threadId?: string; userId?: string }[]> {
  const dynamodb = new DynamoDBClient(chat.awsConfig);
  try {
    const records: { connectionId: string; threadId?: string; userId?: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: chat.tables.connections, ConsistentRead: true, ExclusiveStartKey: start as never }));
      for (const item of page.Items ?? []) records.push({ connectionId: item.connectionId.S!, threadId: item.threadId?.S, userId: item.userId?.S });
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  } finally {
    dynamodb.destroy();
  }
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
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

  test.each([
    { refused: 'no token', jwt: async () => undefined },
    { refused: 'a malformed token', jwt: async () => 'not.a.jwt' },
    { refused: 'a token signed by another key', jwt: () => token({ sub: 'mallory' }, otherKey) },
    { refused: 'an expired token', jwt: () => token({ sub: 'mallory' }, signingKey, '-1h') },
    { refused: 'a token not valid yet', jwt: () => token({ sub: 'mallory', nbf: nowSeconds() + 3600 }) },
    { refused: 'a token for another issuer', jwt: () => token({ sub: 'mallory', iss: 'https://other-issuer.test/' }) },
    { refused: 'a token for another audience', jwt: () => token({ sub: 'mallory', aud: 'another-app' }) },
    { refused: 'an unsigned token (alg none)', jwt: async () => unsignedToken({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 }) },
    {
      refused: 'an HS256 token keyed with the public key',
      jwt: () =>
        new SignJWT({ sub: 'mallory' })
          .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(publicKeyPem)),
    },
    { refused: 'a valid token with a tampered payload', jwt: async () => tamper(await token({ sub: 'mallory' }), { sub: 'ann' }) },
  ])('GIVEN $refused WHEN connecting (subprotocol and ?token=) THEN the upgrade is refused with 401/403 and the connections table holds no record of it', async ({ refused, jwt }) => {
    const threadId = `refused-${refused.replace(/[^a-z0-9]+/gi, '-')}`;
    await chat.settled();
    const recordsBefore = await connectionRecords();
    const bad = await jwt();

    const statuses =
      bad === undefined
        ? [await refusalStatus(devUrl(chat.wsUrl, { threadId, userId: 'mallory' }))]
        : [
            await refusalStatus(devUrl(chat.wsUrl, { threadId, userId: 'mallory' }), ['chat', `bearer.${bad}`]),
            await refusalStatus(devUrl(chat.wsUrl, { threadId, token: bad })),
          ];
    for (const status of statuses) expect([401, 403]).toContain(status);

    await chat.settled();
    const recordsAfter = await connectionRecords();
    expect(recordsAfter.filter((record) => record.threadId === threadId || ['mallory', 'ann'].includes(record.userId ?? ''))).toEqual([]);
    expect(recordsAfter.length).toBe(recordsBefore.length);
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
