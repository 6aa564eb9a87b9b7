/** Bad frames get an error frame, nothing is stored, and the connection keeps working. */
import { LIMITS } from '../../lib/schema';
import { newThreadId, useChatHarness, type TestClient } from '../support/chat-harness';

const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '100000' } });
let alice: TestClient;
let agent: TestClient;
let threadId: string;

beforeAll(async () => {
  threadId = newThreadId();
  alice = await harness.connect({ userId: 'alice', threadId });
  agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
});

async function storedCount(): Promise<number> {
  return (await harness.storedMessages(threadId)).length;
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 0; level < depth; level++) value = { inner: value };
  return value;
}

const BAD_FRAMES: [string, unknown, string, RegExp][] = [
  ['not JSON', '{"action": "message.send", text: oops}', 'VALIDATION_ERROR', /not valid JSON/],
  ['a JSON array', '[1, 2, 3]', 'VALIDATION_ERROR', /JSON object/],
  ['no text', { action: 'message.send' }, 'VALIDATION_ERROR', /text is required/],
  ['text of the wrong type', { action: 'message.send', text: 42 }, 'VALIDATION_ERROR', /text must be a string/],
  ['blank text', { action: 'message.send', text: '   ' }, 'VALIDATION_ERROR', /text must not be empty/],
  ['text over the limit', { action: 'message.send', text: 'x'.repeat(LIMITS.maxTextLength + 1) }, 'PAYLOAD_TOO_LARGE', /maximum is 4000/],
  ['an unpaired surrogate', { action: 'message.send', text: 'bad \ud800 text' }, 'VALIDATION_ERROR', /surrogate/],
  ['metadata that is not an object', { action: 'message.send', text: 'hi', metadata: ['a'] }, 'VALIDATION_ERROR', /metadata must be a JSON object/],
  ['metadata over the limit', { action: 'message.send', text: 'hi', metadata: { blob: 'y'.repeat(LIMITS.maxMetadataBytes) } }, 'PAYLOAD_TOO_LARGE', /metadata is \d+ bytes/],
  ['metadata nested too deep', { action: 'message.send', text: 'hi', metadata: nested(40) }, 'VALIDATION_ERROR', /nested deeper/],
  ['a number DynamoDB cannot store', { action: 'message.send', text: 'hi', metadata: { big: 1e300 } }, 'VALIDATION_ERROR', /storable range/],
  ['a malformed clientMessageId', { action: 'message.send', text: 'hi', clientMessageId: 'has space' }, 'VALIDATION_ERROR', /clientMessageId must be/],
  ['a malformed threadId', { action: 'message.send', text: 'hi', threadId: '../etc' }, 'VALIDATION_ERROR', /threadId must be/],
  ['a sender with control characters', { action: 'message.send', text: 'hi', sender: 'al\nice' }, 'VALIDATION_ERROR', /sender/],
  ['a frame over 128 KB', JSON.stringify({ action: 'message.send', text: 'z'.repeat(LIMITS.maxMessageBytes) }), 'PAYLOAD_TOO_LARGE', /exceeds/],
];

describe('bad frames', () => {
  test.each(BAD_FRAMES)(
    'GIVEN a message.send frame with %s WHEN sent THEN an error frame with the reason, nothing stored or delivered, and the connection still works',
    async (_case, frame, code, reason) => {
      const before = await storedCount();
      const delivered = agent.received().length;

      const reply = await alice.send(frame);

      expect(reply).toMatchObject({ type: 'error', code, message: expect.stringMatching(reason) });
      expect(await storedCount()).toBe(before);
      expect(agent.received()).toHaveLength(delivered);
      expect((await alice.send({ action: 'message.send', text: 'still connected' })).type).toBe('message.sent');
    },
  );

  test('GIVEN a bad frame with a well-formed clientMessageId WHEN refused THEN the error echoes action and clientMessageId so the client can match it', async () => {
    const reply = await alice.send({ action: 'message.send', clientMessageId: 'cm-42', text: '' });

    expect(reply).toEqual({
      type: 'error',
      code: 'VALIDATION_ERROR',
      message: 'text must not be empty',
      action: 'message.send',
      clientMessageId: 'cm-42',
    });
  });
});

describe('frame size limits', () => {
  test('GIVEN the largest text (all control characters, 6 JSON bytes each) and the largest metadata WHEN sent THEN the ack and the delivered frame stay under API Gateway\'s 32 KB frame', async () => {
    const text = '\u0001'.repeat(LIMITS.maxTextLength);
    // Fill metadata to exactly the maximum serialized size.
    const metadata = { pad: '' };
    metadata.pad = 'm'.repeat(LIMITS.maxMetadataBytes - Buffer.byteLength(JSON.stringify(metadata)));
    expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(LIMITS.maxMetadataBytes);

    const result = await alice.sendRaw({
      action: 'message.send',
      text,
      metadata,
      sender: 'alice',
      clientMessageId: 'c'.repeat(128),
    });

    expect(JSON.parse(result.body!).type).toBe('message.sent');
    expect(Buffer.byteLength(result.body!)).toBeLessThan(LIMITS.maxFrameBytes);
    const delivered = harness.connectionsApi.receivedRaw(agent.connectionId).at(-1)!;
    expect(Buffer.byteLength(delivered)).toBeLessThan(LIMITS.maxFrameBytes);
  });
});
