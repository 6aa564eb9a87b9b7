/**
 * message.send through the real handlers, AWS SDK v3 clients, dynalite and the local @connections API.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { newThreadId, useChatHarness } from '../support/chat-harness';

const harness = useChatHarness();

describe('message.send', () => {
  test('GIVEN a user with two devices and an agent in a thread WHEN the user sends from one device THEN the sender gets the stored message as ack and the other device and the agent receive it', async () => {
    const threadId = newThreadId();
    const phone = await harness.connect({ userId: 'alice', threadId });
    const laptop = await harness.connect({ userId: 'alice', threadId });
    const agent = await harness.connect({ userId: 'agent-smith', role: 'agent', threadId });

    const ack = await phone.send({ action: 'message.send', text: 'Hello!', metadata: { locale: 'en' }, clientMessageId: 'c-1' });

    expect(ack).toEqual({
      type: 'message.sent',
      clientMessageId: 'c-1',
      message: {
        messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        threadId,
        messageType: 'user',
        text: 'Hello!',
        sender: 'alice',
        timestamp: expect.any(Number),
        status: 'sent',
        metadata: { locale: 'en' },
        clientMessageId: 'c-1',
      },
    });
    expect(laptop.received()).toEqual([{ type: 'message', message: ack.message }]);
    expect(agent.received()).toEqual([{ type: 'message', message: ack.message }]);
    expect(phone.received()).toEqual([]);
  });

  test('GIVEN a send WHEN it is stored THEN the item carries the retention expiry and the origin snapshot for the SNS payload', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const before = Math.floor(Date.now() / 1000);

    const ack = await alice.send({ action: 'message.send', text: 'keep me' });

    const [item] = await harness.storedMessages(threadId);
    const ninetyDays = 90 * 24 * 60 * 60;
    expect(item.expiresAt).toBeGreaterThanOrEqual(before + ninetyDays);
    expect(item.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ninetyDays);
    expect(item.origin).toEqual({
      connection: {
        userId: 'alice',
        connectionId: alice.connectionId,
        threadId,
        lastSeen: expect.any(Number),
        isHumanOverride: false,
      },
      requestMetadata: { connectionId: alice.connectionId, userId: 'alice', timestamp: expect.any(Number) },
    });
    expect(item.messageId).toBe(ack.message.messageId);
  });

  test('GIVEN an agent connected to a thread WHEN the agent sends THEN the message is of type agent and reaches the owner', async () => {
    const threadId = newThreadId();
    const owner = await harness.connect({ userId: 'bob', threadId });
    const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });

    const ack = await agent.send({ action: 'message.send', text: 'A human here.' });

    expect(ack.message).toMatchObject({ messageType: 'agent', sender: 'agent-1', threadId });
    expect(owner.received()).toEqual([{ type: 'message', message: ack.message }]);
  });

  test('GIVEN the same clientMessageId sent twice WHEN both sends complete THEN the message is stored once, both acks carry the same messageId and others receive it once', async () => {
    const threadId = newThreadId();
    const sender = await harness.connect({ userId: 'carol', threadId });
    const other = await harness.connect({ userId: 'carol', threadId });

    const first = await sender.send({ action: 'message.send', text: 'only once', clientMessageId: 'retry-me' });
    const second = await sender.send({ action: 'message.send', text: 'only once', clientMessageId: 'retry-me' });

    expect(second).toEqual(first);
    expect(await harness.storedMessages(threadId)).toHaveLength(1);
    expect(other.received()).toHaveLength(1);
  });

  test('GIVEN the same clientMessageId sent concurrently from two devices WHEN both complete THEN exactly one message is stored and both acks agree', async () => {
    const threadId = newThreadId();
    const phone = await harness.connect({ userId: 'dan', threadId });
    const laptop = await harness.connect({ userId: 'dan', threadId });
    const agent = await harness.connect({ userId: 'agent-2', role: 'agent', threadId });

    const acks = await Promise.all([
      phone.send({ action: 'message.send', text: 'race', clientMessageId: 'same' }),
      laptop.send({ action: 'message.send', text: 'race', clientMessageId: 'same' }),
    ]);

    expect(acks[0].type).toBe('message.sent');
    expect(acks[1].message).toEqual(acks[0].message);
    const items = await harness.storedMessages(threadId);
    expect(items.map((item) => item.messageId)).toEqual([acks[0].message.messageId]);
    expect(agent.received()).toEqual([{ type: 'message', message: acks[0].message }]);
  });

  test('GIVEN a first writer that stored its idempotency record and crashed before the message WHEN the client retries THEN the message ends stored with the recorded messageId', async () => {
    const threadId = newThreadId();
    const client = await harness.connect({ userId: 'erin', threadId });
    // The crash leaves only the idempotency record (the state after claim, before the message put).
    const first = await client.send({ action: 'message.send', text: 'survive', clientMessageId: 'crashy' });
    const key = `${threadId}#crashy`;
    const record = await harness.doc.send(new GetCommand({ TableName: harness.tables.idempotency, Key: { idempotencyKey: key } }));
    await harness.doc.send(
      new DeleteCommand({
        TableName: harness.tables.messages,
        Key: { threadId, timestamp: first.message.timestamp },
      }),
    );
    expect(record.Item?.message.messageId).toBe(first.message.messageId);

    const retry = await client.send({ action: 'message.send', text: 'survive', clientMessageId: 'crashy' });

    expect(retry.message).toEqual(first.message);
    const items = await harness.storedMessages(threadId);
    expect(items.map((item) => item.messageId)).toEqual([first.message.messageId]);
  });

  test('GIVEN a frame naming its own thread WHEN sent THEN it is stored there', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });

    const ack = await alice.send({ action: 'message.send', threadId, text: 'explicit thread' });

    expect(ack.message.threadId).toBe(threadId);
    expect(await harness.storedMessages(threadId)).toHaveLength(1);
  });

  test('GIVEN a user connected to their thread WHEN they send into another user\'s thread THEN FORBIDDEN and nothing is stored there', async () => {
    const threadId = newThreadId();
    const otherThread = newThreadId();
    await harness.connect({ userId: 'mallory', threadId: otherThread });
    const alice = await harness.connect({ userId: 'alice', threadId });

    const refused = await alice.send({ action: 'message.send', threadId: otherThread, text: 'intrude', clientMessageId: 'x1' });

    expect(refused).toEqual({
      type: 'error',
      code: 'FORBIDDEN',
      message: expect.any(String),
      action: 'message.send',
      clientMessageId: 'x1',
    });
    expect(await harness.storedMessages(otherThread)).toEqual([]);
  });

  test('GIVEN auth is on WHEN the body names another sender THEN FORBIDDEN and nothing is stored', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });

    const refused = await alice.send({ action: 'message.send', text: 'I am the CEO', sender: 'ceo' });

    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await harness.storedMessages(threadId)).toEqual([]);
    const accepted = await alice.send({ action: 'message.send', text: 'as me', sender: 'alice' });
    expect(accepted.message.sender).toBe('alice');
  });
});
