/** Structured logs: one JSON line per invocation with request/connection/route ids; never the text. */
import { createLogger } from '../../handlers/core/logging';
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { captureLogs } from '../support/logs';

const harness = useChatHarness();

/** Captured log lines without the metric (EMF) lines, which are written whatever the level (see metrics.test.ts). */
async function captureLogLines(action: () => Promise<unknown>, level?: 'debug' | 'info' | 'warn' | 'error') {
  return (await captureLogs(action, level)).filter((line) => line._aws === undefined);
}

const SECRET_TEXT = 'my card number is 4111 1111 1111 1111';

test('GIVEN log level info WHEN a message is sent THEN exactly one JSON line with level, request id, connection id, route key and outcome, and no message text', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });

  const lines = await captureLogLines(() => alice.send({ action: 'message.send', text: SECRET_TEXT, clientMessageId: 'c-1' }), 'info');

  expect(lines).toEqual([
    expect.objectContaining({
      level: 'info',
      event: 'request',
      requestId: expect.any(String),
      connectionId: alice.connectionId,
      routeKey: 'message.send',
      outcome: 'ok',
      threadId,
      messageId: expect.any(String),
      correlationId: lines[0]?.messageId,
      textLength: SECRET_TEXT.length,
      delivery: { delivered: 0, stale: 0, failed: 0 },
      durationMs: expect.any(Number),
    }),
  ]);
  expect(JSON.stringify(lines)).not.toContain('4111');
});

test('GIVEN log level debug WHEN a message is refused and a bot replies THEN still no message text in any line', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });
  const { handler: botReply } = await import('../../handlers/bot-reply');

  const lines = await captureLogLines(async () => {
    await alice.send({ action: 'message.send', text: SECRET_TEXT, sender: 'someone-else' });
    await botReply({ threadId, message: { text: SECRET_TEXT } });
  }, 'debug');

  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines[0]).toMatchObject({ level: 'info', outcome: 'refused', code: 'FORBIDDEN', routeKey: 'message.send' });
  expect(JSON.stringify(lines)).not.toContain('4111');
});

test('GIVEN log level warn WHEN requests succeed THEN nothing is written; WHEN a post fails THEN a warn line names the target connection', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });
  const broken = await harness.connect({ userId: 'alice', threadId });

  const quiet = await captureLogLines(() => alice.send({ action: 'thread.history' }), 'warn');
  harness.connectionsApi.failNext(broken.connectionId, { status: 403, errorType: 'ForbiddenException' }, 1);
  const failing = await captureLogLines(() => alice.send({ action: 'message.send', text: 'hi' }), 'warn');

  expect(quiet).toEqual([]);
  expect(failing).toEqual([
    expect.objectContaining({
      level: 'warn',
      event: 'delivery.failed',
      connectionId: alice.connectionId,
      targetConnectionId: broken.connectionId,
      correlationId: expect.any(String),
      attempts: 1,
    }),
  ]);
});

describe('levels', () => {
  const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

  test.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['verbose (not a level)', ['info', 'warn', 'error']],
  ])('GIVEN CHAT_LOG_LEVEL %s WHEN a logger writes one line at each level THEN only the lines at or above it are written', async (level, expected) => {
    const previous = process.env.CHAT_LOG_LEVEL;
    process.env.CHAT_LOG_LEVEL = level.split(' ')[0];
    try {
      const lines = await captureLogs(async () => {
        const log = createLogger({ requestId: 'r-1' });
        for (const at of LEVELS) log[at]('probe', { at });
      });
      expect(lines.map((line) => line.level)).toEqual(expected);
      expect(lines.every((line) => line.requestId === 'r-1' && line.event === 'probe')).toBe(true);
    } finally {
      process.env.CHAT_LOG_LEVEL = previous;
    }
  });

  test('GIVEN any level WHEN a call site passes a text field, directly or through a child logger THEN it is never written', async () => {
    const lines = await captureLogs(async () => {
      const log = createLogger({ text: 'context-secret' }).child({ text: 'child-secret' });
      for (const at of LEVELS) log[at]('probe', { text: 'field-secret', textLength: 12 });
    }, 'debug');

    expect(lines).toHaveLength(4);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
    expect(lines.every((line) => line.textLength === 12)).toBe(true);
  });
});

test('GIVEN a bot reply whose correlationId is not an id WHEN bot-reply validates it THEN INVALID_INPUT naming the field, and the value is on no line', async () => {
  const threadId = newThreadId();
  await harness.connect({ userId: 'alice', threadId });
  const { handler: botReply } = await import('../../handlers/bot-reply');

  let result: any;
  const lines = await captureLogs(async () => {
    result = await botReply({ threadId, message: { text: 'answer' }, correlationId: 'not an id <script>' });
  }, 'debug');

  expect(result).toMatchObject({ status: 'refused', reason: 'INVALID_INPUT', detail: expect.stringContaining('correlationId') });
  expect(JSON.stringify(lines)).not.toContain('<script>');
});
