/**
 * The local runtime shows the handlers' embedded-metric (EMF) lines in its log exactly as the handlers write
 * them: on stdout by default (what `npm run local` prints), or through FunctionHost's functionOutput, line by
 * line, unchanged, at every log level.
 */
import path from 'node:path';
import { METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from '../../lib/metrics';
import { CounterRegistry } from '../../local/counters';
import { FunctionHost } from '../../local/function-host';
import { createLogger, type LogLevel } from '../../local/logger';
import { startLocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isType } from './support/ws-client';

const WAIT_LIMIT_MS = 10_000;

/** Resolves once `found()` returns something (checked every 20 ms), or rejects after WAIT_LIMIT_MS. */
async function eventually<T>(found: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${WAIT_LIMIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isMetricLine = (line: string, name: string): boolean => {
  try {
    const parsed = JSON.parse(line) as Record<string, any>;
    return parsed._aws?.CloudWatchMetrics?.[0]?.Metrics?.some((metric: { Name: string }) => metric.Name === name) === true;
  } catch {
    return false;
  }
};

afterEach(() => {
  jest.restoreAllMocks();
});

test('GIVEN the local runtime at log level error WHEN a client sends a message THEN its log (stdout) shows the MessagesSent EMF line as message.send wrote it', async () => {
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  });
  const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, name: 'metrics-chat' });
  try {
    const client = await connectClient(devUrl(chat.wsUrl, { userId: 'alice', threadId: 'metrics-thread' }));
    const ack = await client.request({ action: 'message.send', text: 'hello' }, isType('message.sent'));
    await client.close();

    const line = await eventually(
      () => written.join('').split('\n').find((candidate) => isMetricLine(candidate, METRICS.messagesSent)),
      'a MessagesSent line',
    );

    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[METRIC_DIMENSION]], Metrics: [{ Name: METRICS.messagesSent, Unit: 'Count' }] }],
      },
      [METRIC_DIMENSION]: 'metrics-chat',
      [METRICS.messagesSent]: 1,
      requestId: expect.any(String),
      messageId: ack.message.messageId,
      correlationId: ack.message.messageId,
    });
  } finally {
    await chat.close();
  }
});

test('GIVEN a function host with a functionOutput sink WHEN a function writes a log line, an EMF line and plain text THEN the sink gets each line unchanged, with its level (info for the EMF and plain lines)', async () => {
  const received: { line: string; level: LogLevel }[] = [];
  const host = await FunctionHost.start({
    label: 'test',
    functions: [
      {
        functionName: 'metrics-fixture',
        file: path.join(__dirname, 'fixtures', 'metric-lines.ts'),
        env: { CHAT_LOG_LEVEL: 'warn', CHAT_INSTANCE_NAME: 'fixture-chat' },
      },
    ],
    region: 'us-east-1',
    accountId: '000000000000',
    counters: new CounterRegistry(),
    logger: createLogger('error', () => undefined),
    functionOutput: (line, level) => received.push({ line, level }),
  });
  try {
    const outcome = await host.invoke('metrics-fixture', {}, 'fixture-request-1');
    expect(outcome).toEqual({ ok: true, result: 'done' });

    await eventually(() => (received.length >= 3 ? received : undefined), 'three lines');

    expect(received.map((entry) => entry.level)).toEqual(['warn', 'info', 'info']);
    expect(JSON.parse(received[0].line)).toMatchObject({ level: 'warn', event: 'fixture.warned', requestId: 'fixture-request-1' });
    expect(JSON.parse(received[1].line)).toMatchObject({ [METRIC_DIMENSION]: 'fixture-chat', [METRICS.messagesSent]: 1, requestId: 'fixture-request-1' });
    expect(received[1].line.startsWith('{"_aws":')).toBe(true);
    expect(received[2].line).toBe('plain text from a bot');
  } finally {
    await host.close();
  }
});
