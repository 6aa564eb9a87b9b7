/** thread.history: paging, ordering, expiry filtering, frame-size bound and authorization. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LIMITS } from '../../lib/schema';
import { newThreadId, useChatHarness, type TestClient } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';

const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '100000' } });

async function sendAll(client: TestClient, texts: string[]) {
  const acks = [];
  for (const text of texts) acks.push(await client.send({ action: 'message.send', text }));
  return acks;
}

describe('thread.history', () => {
  test('GIVEN five messages WHEN paging back with limit 2 THEN pages are oldest to newest, chained by nextBefore, and the last page has nextBefore null', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    await sendAll(alice, ['m1', 'm2', 'm3', 'm4', 'm5']);

    const newest = await alice.send({ action: 'thread.history', limit: 2 });
    const middle = await alice.send({ action: 'thread.history', limit: 2, before: newest.nextBefore });
    const oldest = await alice.send({ action: 'thread.history', limit: 2, before: middle.nextBefore });

    expect(newest.messages.map((message: { text: string }) => message.text)).toEqual(['m4', 'm5']);
    expect(middle.messages.map((message: { text: string }) => message.text)).toEqual(['m2', 'm3']);
    expect(oldest.messages.map((message: { text: string }) => message.text)).toEqual(['m1']);
    expect(newest.nextBefore).toBe(newest.messages[0].timestamp);
    expect(oldest.nextBefore).toBeNull();
  });

  test('GIVEN exactly as many messages as the limit WHEN reading history THEN one page with nextBefore null (no empty trailing page)', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    await sendAll(alice, ['a', 'b', 'c']);

    const page = await alice.send({ action: 'thread.history', limit: 3 });

    expect(page).toEqual({ type: 'history', threadId, messages: expect.any(Array), nextBefore: null });
    expect(page.messages).toHaveLength(3);
  });

  test('GIVEN history WHEN returned THEN messages have the public shape only (no origin, expiry or idempotency key), with the sender\'s clientMessageId', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const ack = await alice.send({ action: 'message.send', text: 'shape', clientMessageId: 'cm-1' });

    const page = await alice.send({ action: 'thread.history' });

    expect(page.messages).toEqual([ack.message]);
    expect(Object.keys(page.messages[0]).sort()).toEqual(
      ['clientMessageId', 'messageId', 'metadata', 'messageType', 'sender', 'status', 'text', 'threadId', 'timestamp'].sort(),
    );
    expect(page.messages[0].clientMessageId).toBe('cm-1');
  });

  test('GIVEN messages whose expiresAt has passed but TTL has not removed them WHEN reading history THEN they never appear, on any page', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const [kept1] = await sendAll(alice, ['kept-1']);
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (let index = 0; index < 3; index++) {
      await harness.doc.send(
        new PutCommand({
          TableName: harness.tables.messages,
          Item: {
            threadId,
            timestamp: kept1.message.timestamp + 1 + index,
            messageId: `expired-${index}`,
            messageType: 'user',
            text: 'old news',
            sender: 'alice',
            status: 'sent',
            metadata: {},
            expiresAt: nowSeconds - 60,
          },
        }),
      );
    }
    jest.spyOn(Date, 'now').mockReturnValue(kept1.message.timestamp + 10);
    await sendAll(alice, ['kept-2']);
    jest.restoreAllMocks();

    const first = await alice.send({ action: 'thread.history', limit: 1 });
    const second = await alice.send({ action: 'thread.history', limit: 1, before: first.nextBefore });

    expect(first.messages.map((message: { text: string }) => message.text)).toEqual(['kept-2']);
    expect(second.messages.map((message: { text: string }) => message.text)).toEqual(['kept-1']);
    expect(second.nextBefore).toBeNull();
  });

  test('GIVEN 40 messages of maximum size WHEN asking for 100 THEN the page stays under the history frame bound and pages on with nextBefore', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    // 4,000 two-byte characters: 8 KB of UTF-8 per message.
    const bigText = 'é'.repeat(LIMITS.maxTextLength);
    for (let index = 0; index < 40; index++) {
      await alice.send({ action: 'message.send', text: bigText, metadata: { index } });
    }

    const result = await alice.sendRaw({ action: 'thread.history', limit: 100 });
    const page = JSON.parse(result.body!);

    expect(Buffer.byteLength(result.body!)).toBeLessThanOrEqual(LIMITS.maxHistoryFrameBytes);
    expect(page.messages.length).toBeGreaterThan(1);
    expect(page.messages.length).toBeLessThan(40);
    expect(page.nextBefore).toBe(page.messages[0].timestamp);
    expect(page.messages.at(-1).metadata).toEqual({ index: 39 });
    const rest = await alice.send({ action: 'thread.history', limit: 100, before: page.nextBefore });
    expect(rest.messages.at(-1).metadata).toEqual({ index: 39 - page.messages.length });
  });

  test('GIVEN a user connected to their own thread WHEN they ask for another user\'s thread history THEN FORBIDDEN', async () => {
    const bobThread = newThreadId();
    const bob = await harness.connect({ userId: 'bob', threadId: bobThread });
    await bob.send({ action: 'message.send', text: 'private' });
    const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

    const refused = await alice.send({ action: 'thread.history', threadId: bobThread });

    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN', action: 'thread.history' });
  });

  test('GIVEN an invalid limit or before WHEN asking for history THEN VALIDATION_ERROR', async () => {
    const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

    expect(await alice.send({ action: 'thread.history', limit: 0 })).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await alice.send({ action: 'thread.history', limit: LIMITS.historyMaxLimit + 1 })).toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(await alice.send({ action: 'thread.history', before: 'yesterday' })).toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });
});

describe('ordering within one millisecond', () => {
  test('GIVEN messages sent one after another with the clock pinned to one ms WHEN reading history THEN they come back in the order sent', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    pinClock(nextMinute());

    await sendAll(alice, ['first', 'second', 'third', 'fourth']);
    const page = await alice.send({ action: 'thread.history' });

    expect(page.messages.map((message: { text: string }) => message.text)).toEqual(['first', 'second', 'third', 'fourth']);
  });

  test('GIVEN a thread whose last message took the last slot of a millisecond WHEN three more are sent in that millisecond THEN they continue past it and history keeps the send order', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const pinned = nextMinute(1000);
    pinClock(pinned);
    await harness.doc.send(
      new UpdateCommand({
        TableName: harness.tables.threads,
        Key: { threadId },
        UpdateExpression: 'SET lastTimestamp = :last',
        ExpressionAttributeValues: { ':last': pinned + 0.998 },
      }),
    );

    const acks = await sendAll(alice, ['first', 'second', 'third']);
    const page = await alice.send({ action: 'thread.history' });

    expect(acks.map((ack: { message: { timestamp: number } }) => ack.message.timestamp)).toEqual([
      pinned + 0.999,
      pinned + 1,
      pinned + 1.001,
    ]);
    expect(page.messages.map((message: { text: string }) => message.text)).toEqual(['first', 'second', 'third']);
  });

  test('GIVEN another container with a clock 5 ms ahead wrote the last message WHEN a message is sent from a container behind it THEN it sorts after that message, not before', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const pinned = nextMinute(1000);
    pinClock(pinned + 5);
    const [ahead] = await sendAll(alice, ['from the fast clock']);
    pinClock(pinned);

    const [behind] = await sendAll(alice, ['from the slow clock']);
    const page = await alice.send({ action: 'thread.history' });

    expect(ahead.message.timestamp).toBe(pinned + 5);
    expect(behind.message.timestamp).toBe(pinned + 5.001);
    expect(page.messages.map((message: { text: string }) => message.text)).toEqual(['from the fast clock', 'from the slow clock']);
  });

  test('GIVEN a message written outside the thread record holds the next timestamp WHEN a message with a clientMessageId is sent THEN it is stored under a free timestamp and nothing is overwritten', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const pinned = nextMinute(1000);
    pinClock(pinned);
    // The thread's first message in this millisecond gets the millisecond itself; occupy it.
    const squatter = {
      threadId,
      timestamp: pinned,
      messageId: 'squatter',
      messageType: 'user',
      text: 'was here first',
      sender: 'alice',
      status: 'sent',
      metadata: {},
      expiresAt: Math.floor(pinned / 1000) + 3600,
    };
    await harness.doc.send(new PutCommand({ TableName: harness.tables.messages, Item: squatter }));

    const ack = await alice.send({ action: 'message.send', text: 'needs a free slot', clientMessageId: 'wrap-1' });

    expect(ack.type).toBe('message.sent');
    expect(ack.message.timestamp).toBe(pinned + 0.001);
    const page = await alice.send({ action: 'thread.history' });
    expect(page.messages.map((message: { messageId: string }) => message.messageId)).toEqual([
      'squatter',
      ack.message.messageId,
    ]);
    const record = await harness.doc.send(
      new GetCommand({ TableName: harness.tables.idempotency, Key: { idempotencyKey: `${threadId}#wrap-1` } }),
    );
    expect(record.Item?.message.timestamp).toBe(ack.message.timestamp);
    const retry = await alice.send({ action: 'message.send', text: 'needs a free slot', clientMessageId: 'wrap-1' });
    expect(retry.message).toEqual(ack.message);
  });
});
