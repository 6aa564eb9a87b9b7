/**
 * The DynamoDB requests a message.send costs (the architecture's hot path), counted at the wire by
 * a proxy in front of dynalite: a regression here is a cost and latency regression.
 */
import { newThreadId, useChatHarnessBehindFaultProxy } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';

const { harness, proxy } = useChatHarnessBehindFaultProxy();

let windowStart: number;

beforeEach(() => {
  // One rate-limit window for connect and send (a window boundary in between adds one request).
  windowStart = nextMinute();
  pinClock(windowStart + 1000);
});

afterEach(() => {
  jest.restoreAllMocks();
});

test('GIVEN a rate window that has turned since the last message WHEN sending THEN one more UpdateItem opens the new window', async () => {
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });
  pinClock(windowStart + 11_000);
  proxy.resetOperations();

  await alice.send({ action: 'message.send', text: 'later' });

  expect(proxy.operations()).toEqual(['UpdateItem', 'UpdateItem', 'UpdateItem', 'PutItem', 'Query']);
});

test('GIVEN a connected user WHEN sending without a clientMessageId THEN 4 DynamoDB requests: rate limit, thread timestamp, message put, thread connections', async () => {
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });
  proxy.resetOperations();

  await alice.send({ action: 'message.send', text: 'hi' });

  expect(proxy.operations()).toEqual(['UpdateItem', 'UpdateItem', 'PutItem', 'Query']);
});

test('GIVEN a connected user WHEN sending with a clientMessageId THEN 5 requests: the idempotency claim is added', async () => {
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });
  proxy.resetOperations();

  await alice.send({ action: 'message.send', text: 'hi', clientMessageId: 'c-1' });

  expect(proxy.operations()).toEqual(['UpdateItem', 'UpdateItem', 'PutItem', 'PutItem', 'Query']);
});

test('GIVEN auth on WHEN an identified connection types or reads history THEN no connection lookup is needed (identity from the authorizer)', async () => {
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });
  proxy.resetOperations();

  await alice.send({ action: 'typing', isTyping: true });
  await alice.send({ action: 'thread.history' });

  expect(proxy.operations()).toEqual(['Query', 'Query']);
});
