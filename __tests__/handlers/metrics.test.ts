/**
 * The handlers' embedded metric format (EMF) lines, read from stdout as CloudWatch Logs would: namespace,
 * dimension and names from lib/metrics.ts, one line per event (per fan-out for deliveries), written
 * whatever the log level, and never a client's value.
 */
import { handler as authorizer, type WebSocketAuthorizerEvent } from '../../handlers/authorizer';
import { handler as botReply } from '../../handlers/bot-reply';
import { FALLBACK_INSTANCE_NAME, metricInstanceName } from '../../handlers/core/metrics';
import { METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from '../../lib/metrics';
import { ENV } from '../../lib/schema';
import { generateSigningKey, mintToken, startJwksServer, type JwksServer, type SigningKey } from '../auth/jwks-fixture';
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';
import { captureLogs } from '../support/logs';

const INSTANCE = 'support-chat';
const harness = useChatHarness({
  env: { [ENV.instanceName]: INSTANCE, [ENV.rateLimitMessages]: '3', [ENV.rateLimitWindowSeconds]: '10' },
});

type Line = Record<string, any>;

/** The EMF lines among captured lines, each checked to be what CloudWatch turns into this chat server's metrics. */
function metricLines(lines: Line[]): Line[] {
  const metrics = lines.filter((line) => line._aws !== undefined);
  for (const line of metrics) {
    expect(line._aws).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[METRIC_DIMENSION]], Metrics: expect.any(Array) }],
    });
    expect(line[METRIC_DIMENSION]).toBe(INSTANCE);
    for (const metric of line._aws.CloudWatchMetrics[0].Metrics) {
      expect(metric).toEqual({ Name: expect.any(String), Unit: 'Count' });
      expect(typeof line[metric.Name]).toBe('number');
    }
  }
  return metrics;
}

/** The lines declaring metric `name`. */
function linesOf(lines: Line[], name: string): Line[] {
  return metricLines(lines).filter((line) => line._aws.CloudWatchMetrics[0].Metrics.some((metric: Line) => metric.Name === name));
}

afterEach(() => {
  jest.restoreAllMocks();
});

test('GIVEN log level error WHEN a message is sent THEN one MessagesSent line of 1 under the ChatServer namespace and the chat server dimension, with the request and message ids and no client value', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });

  let ack: any;
  const lines = await captureLogs(async () => {
    ack = await alice.send({ action: 'message.send', text: 'secret-text-4111', clientMessageId: 'client-chosen-77', metadata: { note: 'meta-99' } });
  }, 'error');

  expect(linesOf(lines, METRICS.messagesSent)).toEqual([
    expect.objectContaining({
      [METRICS.messagesSent]: 1,
      requestId: expect.any(String),
      messageId: ack.message.messageId,
      correlationId: ack.message.messageId,
    }),
  ]);
  const written = JSON.stringify(metricLines(lines));
  for (const clientValue of ['secret-text-4111', 'client-chosen-77', 'meta-99']) expect(written).not.toContain(clientValue);
});

test('GIVEN a repeated clientMessageId WHEN the retry is answered with the first message THEN no second MessagesSent', async () => {
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });
  await alice.send({ action: 'message.send', text: 'once', clientMessageId: 'c-1' });

  const lines = await captureLogs(() => alice.send({ action: 'message.send', text: 'once', clientMessageId: 'c-1' }));

  expect(linesOf(lines, METRICS.messagesSent)).toEqual([]);
});

test('GIVEN a thread with one live and one gone connection besides the sender WHEN a message is sent THEN one deliveries line: Delivered 1, Stale 1, Failed 0', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });
  await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
  const gone = await harness.connect({ userId: 'agent-2', role: 'agent', threadId });
  gone.vanish();

  const lines = await captureLogs(() => alice.send({ action: 'message.send', text: 'hello' }));

  expect(linesOf(lines, METRICS.deliveriesDelivered)).toEqual([
    expect.objectContaining({
      [METRICS.deliveriesDelivered]: 1,
      [METRICS.deliveriesStale]: 1,
      [METRICS.deliveriesFailed]: 0,
      frameType: 'message',
    }),
  ]);
});

test('GIVEN a thread taken over by a human agent WHEN a bot replies THEN BotRepliesRefusedTakeover 1 and no BotRepliesAccepted; WHEN released THEN BotRepliesAccepted 1', async () => {
  const threadId = newThreadId();
  await harness.connect({ userId: 'alice', threadId });
  const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
  await agent.send({ action: 'thread.takeover' });

  const refused = await captureLogs(() => botReply({ threadId, message: { text: 'bot answer' } }, { awsRequestId: 'bot-req-1' }));
  await agent.send({ action: 'thread.release' });
  const accepted = await captureLogs(() => botReply({ threadId, message: { text: 'bot answer' } }, { awsRequestId: 'bot-req-2' }));

  expect(linesOf(refused, METRICS.botRepliesRefusedTakeover)).toEqual([
    expect.objectContaining({ [METRICS.botRepliesRefusedTakeover]: 1, requestId: 'bot-req-1' }),
  ]);
  expect(linesOf(refused, METRICS.botRepliesAccepted)).toEqual([]);
  expect(linesOf(accepted, METRICS.botRepliesAccepted)).toEqual([
    expect.objectContaining({ [METRICS.botRepliesAccepted]: 1, requestId: 'bot-req-2' }),
  ]);
});

test('GIVEN a limit of 3 messages per 10 s WHEN a connection sends a 4th in the window THEN one RateLimitedFrames line and three MessagesSent', async () => {
  pinClock(nextMinute(1000));
  const alice = await harness.connect({ userId: 'alice', threadId: newThreadId() });

  const lines = await captureLogs(async () => {
    for (const text of ['one', 'two', 'three', 'four']) await alice.send({ action: 'message.send', text });
  });

  expect(linesOf(lines, METRICS.rateLimitedFrames)).toEqual([
    expect.objectContaining({ [METRICS.rateLimitedFrames]: 1, requestId: expect.any(String) }),
  ]);
  expect(linesOf(lines, METRICS.messagesSent)).toHaveLength(3);
});

describe('authorizer decisions', () => {
  const ISSUER = 'https://id.example.test/';
  const AUDIENCE = 'chat-api';
  const AUTH_ENV = [ENV.jwksUrl, ENV.issuer, ENV.audience] as const;
  let jwks: JwksServer;
  let key: SigningKey;
  let saved: Record<string, string | undefined>;

  beforeAll(async () => {
    saved = Object.fromEntries(AUTH_ENV.map((name) => [name, process.env[name]]));
    key = await generateSigningKey('key-a');
    jwks = await startJwksServer([key]);
    Object.assign(process.env, { [ENV.jwksUrl]: jwks.url, [ENV.issuer]: ISSUER, [ENV.audience]: AUDIENCE });
  });

  afterAll(async () => {
    await jwks?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  function connectEvent(protocols: string, threadId: string): WebSocketAuthorizerEvent {
    return {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/$connect',
      headers: { 'Sec-WebSocket-Protocol': protocols },
      queryStringParameters: { threadId },
      requestContext: { routeKey: '$connect', connectionId: 'conn-1=', requestId: 'auth-req-1' },
    };
  }

  test('GIVEN a valid token WHEN connecting THEN AuthorizerAllowed 1; GIVEN no token or an invalid thread id THEN AuthorizerDenied 1 each, with the reason code', async () => {
    const jwt = await mintToken(key, { sub: 'alice' }, { issuer: ISSUER, audience: AUDIENCE });

    const allowed = await captureLogs(() => authorizer(connectEvent(`chat, bearer.${jwt}`, 't-1')));
    const unauthorized = await captureLogs(() => authorizer(connectEvent('chat', 't-1')).catch(() => 'refused'));
    const denied = await captureLogs(() => authorizer(connectEvent(`chat, bearer.${jwt}`, 'bad#thread')));

    expect(linesOf(allowed, METRICS.authorizerAllowed)).toEqual([
      expect.objectContaining({ [METRICS.authorizerAllowed]: 1, requestId: 'auth-req-1' }),
    ]);
    expect(linesOf(allowed, METRICS.authorizerDenied)).toEqual([]);
    expect(linesOf(unauthorized, METRICS.authorizerDenied)).toEqual([
      expect.objectContaining({ [METRICS.authorizerDenied]: 1, statusCode: 401, reason: 'TOKEN_MISSING' }),
    ]);
    expect(linesOf(denied, METRICS.authorizerDenied)).toEqual([
      expect.objectContaining({ [METRICS.authorizerDenied]: 1, statusCode: 403, reason: 'THREAD_ID_INVALID' }),
    ]);
    expect(JSON.stringify(metricLines([...allowed, ...denied]))).not.toContain(jwt);
  });
});

describe('the dimension value', () => {
  test('GIVEN CHAT_INSTANCE_NAME WHEN a line is written THEN its dimension is that name', () => {
    expect(metricInstanceName({ [ENV.instanceName]: 'shop', AWS_LAMBDA_FUNCTION_NAME: 'other-message-send' })).toBe('shop');
  });

  test('GIVEN no CHAT_INSTANCE_NAME (a stack deployed before it was set) WHEN a chat function writes a line THEN the dimension is its function name without the entry suffix', () => {
    expect(metricInstanceName({ AWS_LAMBDA_FUNCTION_NAME: 'shop-eu-bot-reply' })).toBe('shop-eu');
    expect(metricInstanceName({ AWS_LAMBDA_FUNCTION_NAME: 'shop-message-send' })).toBe('shop');
  });

  test('GIVEN neither (a test, a script) WHEN a line is written THEN the documented fallback', () => {
    expect(metricInstanceName({})).toBe(FALLBACK_INSTANCE_NAME);
    expect(metricInstanceName({ AWS_LAMBDA_FUNCTION_NAME: 'my-own-function' })).toBe(FALLBACK_INSTANCE_NAME);
  });
});
