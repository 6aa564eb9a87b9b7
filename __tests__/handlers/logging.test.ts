/** Structured logs: one JSON line per invocation with request/connection/route ids; never the text. */
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { captureLogs } from '../support/logs';

const harness = useChatHarness();

const SECRET_TEXT = 'my card number is 4111 1111 1111 1111';

test('GIVEN log level info WHEN a message is sent THEN exactly one JSON line with level, request id, connection id, route key and outcome, and no message text', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });

  const lines = await captureLogs(() => alice.send({ action: 'message.send', text: SECRET_TEXT, clientMessageId: 'c-1' }), 'info');

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

  const lines = await captureLogs(async () => {
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

  const quiet = await captureLogs(() => alice.send({ action: 'thread.history' }), 'warn');
  harness.connectionsApi.failNext(broken.connectionId, { status: 403, errorType: 'ForbiddenException' }, 1);
  const failing = await captureLogs(() => alice.send({ action: 'message.send', text: 'hi' }), 'warn');

  expect(quiet).toEqual([]);
  expect(failing).toEqual([
    expect.objectContaining({
      level: 'warn',
      event: 'delivery.failed',
      connectionId: alice.connectionId,
      targetConnectionId: broken.connectionId,
      attempts: 1,
    }),
  ]);
});
