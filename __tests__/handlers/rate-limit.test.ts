/** Per-connection fixed-window rate limit on message.send. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';

const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '3', CHAT_RATE_LIMIT_WINDOW_SECONDS: '10' } });

async function storedTexts(threadId: string): Promise<string[]> {
  const result = await harness.doc.send(
    new QueryCommand({
      TableName: harness.tables.messages,
      KeyConditionExpression: 'threadId = :threadId',
      ExpressionAttributeValues: { ':threadId': threadId },
    }),
  );
  return (result.Items ?? []).map((item) => item.text);
}

test('GIVEN a limit of 3 messages per 10 s WHEN a connection sends a 4th in the window THEN RATE_LIMITED, it is not stored, and the next window accepts again', async () => {
  const windowStart = nextMinute();
  const clock = pinClock(windowStart + 1000);
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });

  const accepted = [];
  for (const text of ['one', 'two', 'three']) accepted.push(await alice.send({ action: 'message.send', text }));
  const refused = await alice.send({ action: 'message.send', text: 'four', clientMessageId: 'c-4' });

  expect(accepted.map((reply) => reply.type)).toEqual(['message.sent', 'message.sent', 'message.sent']);
  expect(refused).toEqual({
    type: 'error',
    code: 'RATE_LIMITED',
    message: 'Too many messages: at most 3 per 10 s per connection',
    action: 'message.send',
    clientMessageId: 'c-4',
  });
  expect(await storedTexts(threadId)).toEqual(['one', 'two', 'three']);

  clock.mockReturnValue(windowStart + 10_000);
  expect((await alice.send({ action: 'message.send', text: 'five' })).type).toBe('message.sent');
});

test('GIVEN one connection at its limit WHEN the same user sends from another connection THEN it is accepted (the limit is per connection)', async () => {
  pinClock(nextMinute(1000));
  const threadId = newThreadId();
  const phone = await harness.connect({ userId: 'bob', threadId });
  const laptop = await harness.connect({ userId: 'bob', threadId });
  for (let index = 0; index < 3; index++) await phone.send({ action: 'message.send', text: `p${index}` });

  expect(await phone.send({ action: 'message.send', text: 'p3' })).toMatchObject({ code: 'RATE_LIMITED' });
  expect((await laptop.send({ action: 'message.send', text: 'l0' })).type).toBe('message.sent');
});

test('GIVEN 10 sends at once on a fresh connection WHEN they race THEN exactly 3 are stored and 7 are RATE_LIMITED', async () => {
  pinClock(nextMinute(1000));
  const threadId = newThreadId();
  const carol = await harness.connect({ userId: 'carol', threadId });

  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, index) => carol.send({ action: 'message.send', text: `burst ${index}` })),
  );

  expect(replies.filter((reply) => reply.type === 'message.sent')).toHaveLength(3);
  expect(replies.filter((reply) => reply.code === 'RATE_LIMITED')).toHaveLength(7);
  expect(await storedTexts(threadId)).toHaveLength(3);
});

test('GIVEN a connection whose record is gone WHEN it sends THEN FORBIDDEN (reconnect), nothing stored', async () => {
  const threadId = newThreadId();
  const dave = await harness.connect({ userId: 'dave', threadId });
  await dave.disconnect();

  expect(await dave.send({ action: 'message.send', text: 'ghost' })).toMatchObject({ code: 'FORBIDDEN' });
  expect(await storedTexts(threadId)).toEqual([]);
});
