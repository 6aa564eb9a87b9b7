/**
 * Input that is well-formed JSON but that DynamoDB or the SDK cannot store (huge or tiny numbers,
 * prototype keys, structures too deep to serialize, out-of-range `before`) is refused with
 * VALIDATION_ERROR naming the field, before the frame uses rate allowance, touches the thread or
 * stores anything. Before this was checked such frames answered INTERNAL_ERROR, which tells clients
 * to retry: they failed forever.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as botReply } from '../../handlers/bot-reply';
import { userIdempotencyKey } from '../../handlers/core/storage';
import { newThreadId, useChatHarness, type TestClient } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';
import { captureLogs } from '../support/logs';

const RATE_LIMIT = 3;
const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: String(RATE_LIMIT), CHAT_RATE_LIMIT_WINDOW_SECONDS: '60' } });

async function item(table: 'connections' | 'threads' | 'idempotency', key: Record<string, string>) {
  return (await harness.doc.send(new GetCommand({ TableName: harness.tables[table], Key: key, ConsistentRead: true }))).Item;
}

/** What a refused frame must leave as it was: stored messages, the connection's rate record, the thread record. */
async function footprint(client: TestClient, threadId: string) {
  return {
    messages: await harness.storedMessages(threadId),
    connection: await item('connections', { connectionId: client.connectionId }),
    thread: await item('threads', { threadId }),
  };
}

/** A user on a fresh thread in a fresh rate-limit window (the clock pinned inside it). */
async function freshUser(): Promise<{ alice: TestClient; threadId: string }> {
  pinClock(nextMinute(1000));
  const threadId = newThreadId();
  return { alice: await harness.connect({ userId: 'alice', threadId }), threadId };
}

/** Raw bodies: JSON.parse gives `__proto__` as an own key only when it parses it from text. */
const UNSTORABLE_SENDS: [string, string, RegExp][] = [
  ['an integer beyond 2^53', '{"action":"message.send","text":"x","metadata":{"n":1e20}}', /^metadata\.n is a number outside the storable range/],
  ['a negative integer beyond -2^53', '{"action":"message.send","text":"x","metadata":{"n":-9007199254740993}}', /^metadata\.n is a number outside/],
  ['a number far beyond 2^53 in a list', '{"action":"message.send","text":"x","metadata":{"a":[1,2e125]}}', /^metadata\.a\[1\] is a number outside/],
  ['a number below DynamoDB\'s smallest magnitude', '{"action":"message.send","text":"x","metadata":{"tiny":1e-300}}', /^metadata\.tiny is a number outside/],
  ['a "constructor" key', '{"action":"message.send","text":"x","metadata":{"constructor":1}}', /^metadata\.constructor uses a reserved key/],
  ['a "__proto__" key deep in a list', '{"action":"message.send","text":"x","metadata":{"a":[{"__proto__":{}}]}}', /^metadata\.a\[0\]\.__proto__ uses a reserved key/],
  ['a top-level "__proto__" key', '{"action":"message.send","text":"x","metadata":{"__proto__":{"x":1}}}', /^metadata\.__proto__ uses a reserved key/],
  ['a "prototype" key', '{"action":"message.send","text":"x","metadata":{"b":{"prototype":true}}}', /^metadata\.b\.prototype uses a reserved key/],
  ['lists nested 5,000 deep', `{"action":"message.send","text":"x","metadata":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`, /^metadata is nested deeper than 16 levels/],
];

describe('message.send with metadata that cannot be stored', () => {
  test.each(UNSTORABLE_SENDS)(
    'GIVEN metadata with %s WHEN sent THEN VALIDATION_ERROR naming the field, nothing stored, the thread untouched and the whole rate allowance still there',
    async (_case, body, reason) => {
      const { alice, threadId } = await freshUser();
      const before = await footprint(alice, threadId);

      const reply = await alice.send(body);

      expect(reply).toEqual({ type: 'error', code: 'VALIDATION_ERROR', message: expect.stringMatching(reason), action: 'message.send' });
      expect(await footprint(alice, threadId)).toEqual(before);
      const burst = [];
      for (let index = 0; index < RATE_LIMIT; index++) burst.push(await alice.send({ action: 'message.send', text: `ok ${index}` }));
      expect(burst.map((ack) => ack.type)).toEqual(Array(RATE_LIMIT).fill('message.sent'));
    },
  );

  test('GIVEN a refused frame with a clientMessageId WHEN the client fixes it and resends THEN the fixed message is stored under that id (no idempotency record was left)', async () => {
    const { alice, threadId } = await freshUser();

    const refused = await alice.send('{"action":"message.send","clientMessageId":"c-1","text":"x","metadata":{"n":1e20}}');
    const idempotencyAfterRefusal = await item('idempotency', { idempotencyKey: userIdempotencyKey(threadId, 'c-1') });
    const fixed = await alice.send({ action: 'message.send', clientMessageId: 'c-1', text: 'x', metadata: { n: '1e20' } });

    expect(refused).toMatchObject({ code: 'VALIDATION_ERROR', clientMessageId: 'c-1' });
    expect(idempotencyAfterRefusal).toBeUndefined();
    expect(fixed).toMatchObject({ type: 'message.sent', message: { metadata: { n: '1e20' } } });
  });

  test('GIVEN the extremes of the storable range and harmless odd keys WHEN sent THEN accepted, and the stored message equals the ack', async () => {
    const { alice, threadId } = await freshUser();
    const metadata = {
      max: Number.MAX_SAFE_INTEGER,
      min: -Number.MAX_SAFE_INTEGER,
      smallest: 1e-130,
      fraction: 0.1 + 0.2,
      empty: { list: [], map: {}, text: '' },
      toString: 'a plain key',
      'dotted.key': [true, null],
    };

    const ack = await alice.send({ action: 'message.send', text: 'edges', metadata });
    const [stored] = await harness.storedMessages(threadId);

    expect(ack).toMatchObject({ type: 'message.sent', message: { metadata } });
    expect(stored).toMatchObject({ messageId: ack.message.messageId, text: 'edges', metadata });
  });
});

describe('thread.history with a before that cannot be queried', () => {
  test.each([
    ['beyond 2^53', 1e16],
    ['below DynamoDB\'s smallest magnitude', 1e-300],
    ['below 1 ms', 0.5],
  ])('GIVEN before %s WHEN history is asked for THEN VALIDATION_ERROR naming before', async (_case, before) => {
    const { alice } = await freshUser();

    const reply = await alice.send({ action: 'thread.history', before });

    expect(reply).toEqual({
      type: 'error',
      code: 'VALIDATION_ERROR',
      message: 'before must be a message timestamp: a number from 1 to 9007199254740991',
      action: 'thread.history',
    });
  });

  test('GIVEN a fractional nextBefore from a page WHEN passed as before THEN the older page comes back', async () => {
    const { alice } = await freshUser();
    for (const text of ['one', 'two']) await alice.send({ action: 'message.send', text });

    const newest = await alice.send({ action: 'thread.history', limit: 1 });
    const older = await alice.send({ action: 'thread.history', limit: 1, before: newest.nextBefore });

    expect(newest.nextBefore % 1).not.toBe(0);
    expect(older.messages.map((message: { text: string }) => message.text)).toEqual(['one']);
  });
});

describe('bot replies with metadata that cannot be stored', () => {
  test.each([
    ['an integer beyond 2^53', { n: 1e20 }, /^message\.metadata\.n is a number outside/],
    ['a "constructor" key', JSON.parse('{"constructor":1}'), /^message\.metadata\.constructor uses a reserved key/],
    ['a "__proto__" key', JSON.parse('{"a":[{"__proto__":{}}]}'), /^message\.metadata\.a\[0\]\.__proto__ uses a reserved key/],
    ['an empty Set (direct invocation)', { tags: new Set() }, /^message\.metadata\.tags has an unsupported value/],
  ])('GIVEN a reply with %s WHEN invoked THEN refused INVALID_INPUT naming the field, nothing stored, the thread untouched', async (_case, metadata, reason) => {
    const { alice, threadId } = await freshUser();
    const before = await footprint(alice, threadId);

    const result = await botReply({ threadId, message: { text: 'hello', metadata } });

    expect(result).toEqual({ status: 'refused', reason: 'INVALID_INPUT', detail: expect.stringMatching(reason) });
    expect(await footprint(alice, threadId)).toEqual(before);
  });
});

describe('error logs', () => {
  test('GIVEN a storage failure whose error message quotes a client value WHEN the frame fails THEN INTERNAL_ERROR, and the error line names the error but carries neither message nor value', async () => {
    const { alice } = await freshUser();
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    (jest.spyOn(DynamoDBDocumentClient.prototype, 'send') as jest.SpyInstance).mockRejectedValue(new Error('Unsupported value secret-4111'));

    let reply: unknown;
    const lines = await captureLogs(async () => {
      reply = await alice.send({ action: 'message.send', text: 'hi', metadata: { card: 'secret-4111' } });
    }, 'error');

    expect(reply).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', event: 'request.failed', error: expect.objectContaining({ name: 'Error' }) }));
    expect(JSON.stringify(lines)).not.toContain('4111');
  });
});
