/**
 * Fault injection between the handlers and DynamoDB, and a function that times out in the middle of a send.
 * (`@connections` 410 / 429 / 5xx storms are __tests__/handlers/delivery.test.ts; SNS publish failures are
 * __tests__/handlers/outbox.test.ts.) For each fault what must hold: an acknowledged message is stored, and
 * stored once; a message the client was told failed is not stored, and its resend with the same
 * `clientMessageId` is stored once; the client is told (an error frame with a code it can act on).
 */
import { RETRYABLE_ERROR_CODES } from '../../handlers/core/protocol';
import { newThreadId, useChatHarnessBehindFaultProxy } from '../support/chat-harness';
import { DYNAMODB_FAULTS } from '../support/fault-proxy';

const { harness, proxy } = useChatHarnessBehindFaultProxy({ env: { CHAT_RATE_LIMIT_MESSAGES: '1000' } });

afterEach(() => {
  proxy.failNext(DYNAMODB_FAULTS.internalError, 0);
});

test('DynamoDB throttling: GIVEN a burst of throttles shorter than the SDK retries WHEN a user sends THEN the message is acknowledged, stored once and delivered', async () => {
  const threadId = newThreadId('throttled');
  const sender = await harness.connect({ userId: 'tara', threadId });
  const other = await harness.connect({ userId: 'tara', threadId });

  proxy.failNext(DYNAMODB_FAULTS.throttled, 2);
  const ack = await sender.send({ action: 'message.send', text: 'through the throttle', clientMessageId: 't-1' });

  expect(ack).toMatchObject({ type: 'message.sent', message: { text: 'through the throttle' } });
  expect(await harness.storedMessages(threadId)).toEqual([expect.objectContaining({ messageId: ack.message.messageId })]);
  expect(other.received()).toEqual([{ type: 'message', message: ack.message }]);
});

test.each([
  ['the rate allowance', { operation: 'UpdateItem', after: 0 }],
  ['the thread timestamp', { operation: 'UpdateItem', after: 1 }],
  ['the idempotency claim', { operation: 'PutItem', after: 0 }],
  ['the message write', { operation: 'PutItem', after: 1 }],
])(
  'DynamoDB 5xx storm at %s: GIVEN DynamoDB failing longer than the SDK retries WHEN a user sends THEN the client is told to retry, nothing is stored, and the resend with the same clientMessageId is stored once',
  async (_step, which) => {
    const threadId = newThreadId('storm');
    const sender = await harness.connect({ userId: 'sam', threadId });

    proxy.failNext(DYNAMODB_FAULTS.internalError, 10, which);
    const failed = await sender.send({ action: 'message.send', text: 'during the storm', clientMessageId: 's-1' });
    proxy.failNext(DYNAMODB_FAULTS.internalError, 0);

    expect(failed).toMatchObject({ type: 'error', clientMessageId: 's-1' });
    expect(RETRYABLE_ERROR_CODES).toContain(failed.code);
    expect(await harness.storedMessages(threadId)).toEqual([]);

    const ack = await sender.send({ action: 'message.send', text: 'during the storm', clientMessageId: 's-1' });
    const again = await sender.send({ action: 'message.send', text: 'during the storm', clientMessageId: 's-1' });
    expect(ack).toMatchObject({ type: 'message.sent', message: { text: 'during the storm', clientMessageId: 's-1' } });
    expect(again.message).toEqual(ack.message);
    const stored = await harness.storedMessages(threadId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ messageId: ack.message.messageId, text: 'during the storm' });
  },
);

test('function timeout mid-send: GIVEN message-send abandoned after storing (its fan-out hung, as when Lambda times out) WHEN the client resends with the same clientMessageId THEN it gets the stored message back and it is stored once', async () => {
  const threadId = newThreadId('timeout');
  const sender = await harness.connect({ userId: 'tim', threadId });
  const other = await harness.connect({ userId: 'tim', threadId });

  // The fan-out's @connections posts hang: the invocation is cut off before it answers, like a Lambda timeout.
  const release = harness.connectionsApi.holdResponses();
  const abandoned = sender.send({ action: 'message.send', text: 'cut off', clientMessageId: 'c-1' });
  let stored: Record<string, unknown>[] = [];
  for (let attempt = 0; attempt < 200 && stored.length === 0; attempt++) {
    stored = await harness.storedMessages(threadId);
    if (stored.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(stored).toHaveLength(1);
  release();

  const ack = await sender.send({ action: 'message.send', text: 'cut off', clientMessageId: 'c-1' });

  expect(ack).toMatchObject({ type: 'message.sent', message: { messageId: stored[0].messageId, text: 'cut off' } });
  expect(await harness.storedMessages(threadId)).toHaveLength(1);
  // The retry delivers it to the thread's other connections (clients keep the first copy of a messageId).
  expect(other.received()).toContainEqual({ type: 'message', message: ack.message });
  await abandoned.catch(() => undefined);
});
