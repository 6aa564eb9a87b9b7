/**
 * $connect, $disconnect, $default, typing and thread.list with auth on: identity from the
 * authorizer context (the JWT authorizer itself is tested in __tests__/auth).
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CONNECTIONS_TABLE, DEFAULTS, LIMITS } from '../../lib/schema';
import { handler as connectHandler } from '../../handlers/connect';
import { connectEvent, newConnectionId } from '../support/websocket-events';
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';

const harness = useChatHarness();

async function connectionRecord(connectionId: string) {
  const result = await harness.doc.send(
    new GetCommand({ TableName: harness.tables.connections, Key: { connectionId } }),
  );
  return result.Item;
}

async function threadConnections(threadId: string) {
  const result = await harness.doc.send(
    new QueryCommand({
      TableName: harness.tables.connections,
      IndexName: CONNECTIONS_TABLE.globalIndexes[0].indexName,
      KeyConditionExpression: 'threadId = :threadId',
      ExpressionAttributeValues: { ':threadId': threadId },
    }),
  );
  return (result.Items ?? []).map((item) => item.connectionId);
}

describe('$connect', () => {
  test('GIVEN a verified user and a new thread WHEN connecting THEN 200, the thread is theirs and the connection is recorded with an expiry after API Gateway\'s 2-hour limit', async () => {
    const threadId = newThreadId();
    const client = harness.newClient({ userId: 'alice', threadId });
    const before = Math.floor(Date.now() / 1000);

    const result = await client.connect();

    expect(result.statusCode).toBe(200);
    const record = await connectionRecord(client.connectionId);
    expect(record).toMatchObject({ connectionId: client.connectionId, userId: 'alice', threadId, role: 'user', rateCount: 0 });
    expect(record!.expiresAt).toBeGreaterThanOrEqual(before + LIMITS.connectionTtlSeconds);
    expect(record!.expiresAt).toBeGreaterThan(before + 2 * 60 * 60);
    const thread = await harness.doc.send(new GetCommand({ TableName: harness.tables.threads, Key: { threadId } }));
    expect(thread.Item).toMatchObject({ threadId, ownerId: 'alice', isHumanOverride: false, listKey: 'thread' });
  });

  test('GIVEN a user already connected WHEN they connect again from another device THEN both connections are kept', async () => {
    const threadId = newThreadId();
    const phone = await harness.connect({ userId: 'alice', threadId });
    const laptop = await harness.connect({ userId: 'alice', threadId });

    expect((await threadConnections(threadId)).sort()).toEqual([phone.connectionId, laptop.connectionId].sort());
  });

  test('GIVEN a user (not an agent) WHEN connecting without a threadId THEN 400 and nothing recorded', async () => {
    const client = harness.newClient({ userId: 'alice' });

    const result = await client.connect();

    expect(result.statusCode).toBe(400);
    expect(await connectionRecord(client.connectionId)).toBeUndefined();
  });

  test('GIVEN a thread owned by bob WHEN alice connects to it THEN 403 and no connection record', async () => {
    const threadId = newThreadId();
    await harness.connect({ userId: 'bob', threadId });
    const alice = harness.newClient({ userId: 'alice', threadId });

    const result = await alice.connect();

    expect(result.statusCode).toBe(403);
    expect(await connectionRecord(alice.connectionId)).toBeUndefined();
    expect(await threadConnections(threadId)).toHaveLength(1);
  });

  test('GIVEN a thread owned by bob WHEN an agent connects to it THEN 200; WHEN an agent names a thread that does not exist THEN 404', async () => {
    const threadId = newThreadId();
    await harness.connect({ userId: 'bob', threadId });

    expect((await harness.newClient({ userId: 'agent-1', role: 'agent', threadId }).connect()).statusCode).toBe(200);
    expect((await harness.newClient({ userId: 'agent-1', role: 'agent', threadId: newThreadId() }).connect()).statusCode).toBe(404);
  });

  test('GIVEN the authorizer verified alice WHEN the query string claims userId mallory THEN the connection is alice\'s', async () => {
    const threadId = newThreadId();
    const client = harness.newClient({ userId: 'alice', threadId, query: { userId: 'mallory', role: 'agent' } });

    expect((await client.connect()).statusCode).toBe(200);

    expect(await connectionRecord(client.connectionId)).toMatchObject({ userId: 'alice', role: 'user' });
  });

  test('GIVEN auth is on WHEN a $connect arrives without authorizer context THEN 401 and nothing recorded', async () => {
    const connectionId = newConnectionId();

    const result = await connectHandler(connectEvent({ connectionId, query: { userId: 'alice', threadId: newThreadId() } }));

    expect(result.statusCode).toBe(401);
    expect(await connectionRecord(connectionId)).toBeUndefined();
  });

  test('GIVEN a threadId with characters outside the id pattern WHEN connecting THEN 400', async () => {
    const result = await harness.newClient({ userId: 'alice', threadId: 'no spaces/allowed' }).connect();

    expect(result.statusCode).toBe(400);
  });

  test('GIVEN a browser offering subprotocols "chat, bearer.<jwt>" WHEN connecting THEN the response selects "chat"; GIVEN no subprotocol THEN no header', async () => {
    const offered = harness.newClient({
      userId: 'alice',
      threadId: newThreadId(),
      headers: { 'Sec-WebSocket-Protocol': 'chat, bearer.eyJhbGciOiJSUzI1NiJ9.e30.sig' },
    });
    const plain = harness.newClient({ userId: 'alice', threadId: newThreadId() });

    expect(await offered.connect()).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'chat' } });
    expect(await plain.connect()).toEqual({ statusCode: 200 });
  });

  test('GIVEN an agent WHEN connecting without a threadId THEN a console connection outside every thread, which can list threads but not send', async () => {
    const consoleClient = harness.newClient({ userId: 'agent-9', role: 'agent' });

    expect((await consoleClient.connect()).statusCode).toBe(200);
    const record = await connectionRecord(consoleClient.connectionId);
    expect(record).toMatchObject({ userId: 'agent-9', role: 'agent' });
    expect(record!.threadId).toBeUndefined();
    expect(await consoleClient.send({ action: 'thread.list' })).toMatchObject({ type: 'threads' });
    expect(await consoleClient.send({ action: 'message.send', text: 'hi' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await consoleClient.send({ action: 'thread.history' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  });
});

describe('$disconnect', () => {
  test('GIVEN two connections in a thread WHEN one disconnects THEN its record is gone and messages reach only the other', async () => {
    const threadId = newThreadId();
    const leaving = await harness.connect({ userId: 'alice', threadId });
    const staying = await harness.connect({ userId: 'alice', threadId });
    const agent = await harness.connect({ userId: 'agent-3', role: 'agent', threadId });

    expect(await leaving.disconnect()).toEqual({ statusCode: 200 });
    await agent.send({ action: 'message.send', text: 'still there?' });

    expect(await connectionRecord(leaving.connectionId)).toBeUndefined();
    expect(staying.received()).toHaveLength(1);
    expect(harness.connectionsApi.attempts(leaving.connectionId)).toBe(0);
  });
});

describe('$default', () => {
  test('GIVEN a frame with an unknown action WHEN sent THEN UNKNOWN_ACTION naming it, and the connection keeps working', async () => {
    const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

    const reply = await alice.send({ action: 'message.delete', messageId: 'x' });

    expect(reply).toEqual({
      type: 'error',
      code: 'UNKNOWN_ACTION',
      message: expect.stringContaining('"message.delete"'),
      action: 'message.delete',
    });
    expect((await alice.send({ action: 'message.send', text: 'ok' })).type).toBe('message.sent');
  });

  test('GIVEN a frame that is not JSON WHEN sent THEN VALIDATION_ERROR (API Gateway routes it to $default)', async () => {
    const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

    expect(await alice.send('hello there')).toEqual({ type: 'error', code: 'VALIDATION_ERROR', message: 'Frame is not valid JSON' });
  });
});

describe('typing', () => {
  test('GIVEN a thread with a user and an agent WHEN the user types THEN the agent gets a typing frame, the sender gets no reply and nothing is stored', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const agent = await harness.connect({ userId: 'agent-4', role: 'agent', threadId });

    const result = await alice.sendRaw({ action: 'typing', isTyping: true });

    expect(result).toEqual({ statusCode: 200 });
    expect(agent.received()).toEqual([{ type: 'typing', threadId, userId: 'alice', isTyping: true }]);
    expect(alice.received()).toEqual([]);
    expect((await alice.send({ action: 'thread.history' })).messages).toEqual([]);
  });

  test('GIVEN a typing frame without a boolean isTyping WHEN sent THEN VALIDATION_ERROR', async () => {
    const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

    expect(await alice.send({ action: 'typing', isTyping: 'yes' })).toMatchObject({ code: 'VALIDATION_ERROR', action: 'typing' });
  });
});

describe('thread.list', () => {
  test('GIVEN threads with activity WHEN an agent lists THEN newest activity first with owner and takeover state; WHEN a user lists THEN FORBIDDEN', async () => {
    const older = newThreadId('older');
    const newer = newThreadId('newer');
    const olderOwner = await harness.connect({ userId: 'olga', threadId: older });
    const newerOwner = await harness.connect({ userId: 'nina', threadId: newer });
    const later = nextMinute();
    const clock = pinClock(later);
    await olderOwner.send({ action: 'message.send', text: 'first' });
    clock.mockReturnValue(later + 1000);
    await newerOwner.send({ action: 'message.send', text: 'second' });
    clock.mockRestore();
    const agent = await harness.connect({ userId: 'agent-5', role: 'agent', threadId: older });
    await agent.send({ action: 'thread.takeover' });

    const listing = await agent.send({ action: 'thread.list', limit: 100 });

    const ours = listing.threads.filter((thread: { threadId: string }) => [older, newer].includes(thread.threadId));
    expect(ours).toEqual([
      { threadId: newer, ownerId: 'nina', lastActivityAt: expect.any(Number), isHumanOverride: false, overrideBy: null },
      { threadId: older, ownerId: 'olga', lastActivityAt: expect.any(Number), isHumanOverride: true, overrideBy: 'agent-5' },
    ]);
    const activity = listing.threads.map((thread: { lastActivityAt: number }) => thread.lastActivityAt);
    expect(activity).toEqual([...activity].sort((a, b) => b - a));
    expect(await olderOwner.send({ action: 'thread.list' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  });

  test('GIVEN a thread whose last activity is older than the message retention WHEN an agent lists THEN it is not listed (its messages have all expired)', async () => {
    const stale = newThreadId('stale');
    const fresh = newThreadId('fresh');
    await harness.connect({ userId: 'sam', threadId: stale });
    await harness.connect({ userId: 'tess', threadId: fresh });
    const retentionMs = DEFAULTS.messageRetentionDays * 24 * 3600 * 1000;
    await harness.doc.send(
      new UpdateCommand({
        TableName: harness.tables.threads,
        Key: { threadId: stale },
        UpdateExpression: 'SET lastActivityAt = :old',
        ExpressionAttributeValues: { ':old': Date.now() - retentionMs - 60_000 },
      }),
    );
    const agent = await harness.connect({ userId: 'agent-6', role: 'agent', threadId: fresh });

    const listing = await agent.send({ action: 'thread.list', limit: 100 });

    const listed = listing.threads.map((thread: { threadId: string }) => thread.threadId);
    expect(listed).toContain(fresh);
    expect(listed).not.toContain(stale);
  });
});
