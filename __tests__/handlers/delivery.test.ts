/**
 * Delivery to a thread's connections through the real ApiGatewayManagementApiClient and the local
 * @connections API: gone connections cleaned, throttling/5xx retried, the parallelism bound.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as botReply } from '../../handlers/bot-reply';
import { GONE_GRACE_MS } from '../../handlers/core/delivery';
import { shiftClock } from '../support/clock';
import { newThreadId, useChatHarness } from '../support/chat-harness';

const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '100000' } });

async function hasRecord(connectionId: string): Promise<boolean> {
  const result = await harness.doc.send(new GetCommand({ TableName: harness.tables.connections, Key: { connectionId } }));
  return result.Item !== undefined;
}

test('GIVEN a thread where one device vanished without $disconnect WHEN a message is sent THEN the others receive it and the gone connection\'s record is deleted', async () => {
  const threadId = newThreadId();
  const sender = await harness.connect({ userId: 'alice', threadId });
  const vanished = await harness.connect({ userId: 'alice', threadId });
  const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
  vanished.vanish();
  shiftClock(GONE_GRACE_MS + 1000);

  const ack = await sender.send({ action: 'message.send', text: 'anyone?' });

  expect(agent.received()).toEqual([{ type: 'message', message: ack.message }]);
  expect(await hasRecord(vanished.connectionId)).toBe(false);
  expect(await hasRecord(agent.connectionId)).toBe(true);
  // The next message no longer tries the gone connection.
  await sender.send({ action: 'message.send', text: 'again' });
  expect(harness.connectionsApi.attempts(vanished.connectionId)).toBe(1);
});

test('GIVEN three connections, one gone and one throttled twice WHEN a bot replies THEN the result counts 2 delivered, 1 stale, 0 failed', async () => {
  const threadId = newThreadId();
  const owner = await harness.connect({ userId: 'bob', threadId });
  const throttled = await harness.connect({ userId: 'bob', threadId });
  const gone = await harness.connect({ userId: 'bob', threadId });
  gone.vanish();
  shiftClock(GONE_GRACE_MS + 1000);
  harness.connectionsApi.failNext(throttled.connectionId, { status: 429, errorType: 'LimitExceededException' }, 2);

  const result = await botReply({ threadId, message: { text: 'Hi from the bot' } });

  expect(result).toMatchObject({ status: 'delivered', delivery: { delivered: 2, stale: 1, failed: 0 } });
  expect(owner.received()).toHaveLength(1);
  expect(throttled.received()).toEqual(owner.received());
  expect(harness.connectionsApi.attempts(throttled.connectionId)).toBe(3);
  expect(await hasRecord(gone.connectionId)).toBe(false);
});

test('GIVEN a connection whose $connect completed moments ago WHEN @connections still answers 410 for it THEN its record is kept (API Gateway reports connecting connections as gone)', async () => {
  const threadId = newThreadId();
  const sender = await harness.connect({ userId: 'erin', threadId });
  const connecting = await harness.connect({ userId: 'erin', threadId });
  connecting.vanish();

  const result = await botReply({ threadId, message: { text: 'welcome' } });

  expect(result.delivery).toEqual({ delivered: 1, stale: 1, failed: 0 });
  expect(sender.received()).toHaveLength(1);
  expect(await hasRecord(connecting.connectionId)).toBe(true);
});

test('GIVEN a connection answering 500 to every post WHEN a bot replies THEN it is retried a bounded number of times, counted failed, and its record kept', async () => {
  const threadId = newThreadId();
  const healthy = await harness.connect({ userId: 'carol', threadId });
  const broken = await harness.connect({ userId: 'carol', threadId });
  harness.connectionsApi.failNext(broken.connectionId, { status: 500, errorType: 'InternalServerErrorException' }, 100);

  const result = await botReply({ threadId, message: { text: 'hello' } });

  expect(result.delivery).toEqual({ delivered: 1, stale: 0, failed: 1 });
  expect(healthy.received()).toHaveLength(1);
  expect(harness.connectionsApi.attempts(broken.connectionId)).toBe(4);
  expect(await hasRecord(broken.connectionId)).toBe(true);
});

test('GIVEN a thread with 30 connections and a slow @connections API WHEN a bot replies THEN posts run in parallel but never more than 10 at once', async () => {
  const threadId = newThreadId();
  const clients = [];
  for (let index = 0; index < 30; index++) clients.push(await harness.connect({ userId: 'dora', threadId }));
  harness.connectionsApi.setResponseDelay(20);
  harness.connectionsApi.resetInFlight();

  try {
    const result = await botReply({ threadId, message: { text: 'to everyone' } });

    expect(result.delivery).toEqual({ delivered: 30, stale: 0, failed: 0 });
    expect(harness.connectionsApi.maxInFlight()).toBeGreaterThan(1);
    expect(harness.connectionsApi.maxInFlight()).toBeLessThanOrEqual(10);
    for (const client of clients) expect(client.received()).toHaveLength(1);
  } finally {
    harness.connectionsApi.setResponseDelay(0);
  }
});
