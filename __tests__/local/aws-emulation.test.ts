/**
 * The local runtime's emulation of AWS, tested with fixture handlers that report what they received
 * (__tests__/local/fixtures): the API Gateway event shapes, authorizer and `$connect` outcomes,
 * route selection and two-way responses, the messages table stream (filter, INSERT vs MODIFY,
 * batchItemFailures retries), SNS delivery with filter policies, the Lambda Invoke API and the SNS
 * endpoint as the real SDK clients see them. The chat behaviour itself is tested with the real
 * handlers in e2e.test.ts.
 */
import path from 'node:path';
import WebSocket from 'ws';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { NotFoundException, PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { HANDLERS, type HandlerId } from '../../lib/schema';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isType, refusalStatus, type ChatClient, type Frame } from './support/ws-client';

const FIXTURE_HANDLERS = path.join(__dirname, 'fixtures/recording-handlers.ts');
const FIXTURE_BOT = path.join(__dirname, 'fixtures/recording-bot.ts');

let chat: LocalChat;
const clients: ChatClient[] = [];
const runtimeLog: Frame[] = [];

beforeAll(async () => {
  chat = await startLocalChat({
    port: 0,
    logLevel: 'error',
    logSink: (line) => runtimeLog.push(JSON.parse(line) as Frame),
    handlerFiles: Object.fromEntries((Object.keys(HANDLERS) as HandlerId[]).map((id) => [id, FIXTURE_HANDLERS])),
    // Auth on, so the (fixture) authorizer runs at $connect; its settings are not used by the fixture.
    auth: { jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: 'https://issuer.invalid/', audience: 'chat' },
    bot: { handlerFile: FIXTURE_BOT, filterPolicy: { isHumanOverride: ['false'] }, env: { FIXTURE_BOT_SETTING: 'from-options' } },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await chat.close();
});

async function open(query: Record<string, string> = {}, protocols?: string[]): Promise<ChatClient> {
  const client = await connectClient(devUrl(chat.wsUrl, { threadId: 'fixture-thread', ...query }), protocols);
  clients.push(client);
  return client;
}

const isChain = (text: string) => (frame: Frame): boolean =>
  frame.type === 'chain' && frame.streamRecord.dynamodb.NewImage.text.S === text;

describe('API Gateway WebSocket emulation', () => {
  test('GIVEN an allowing authorizer WHEN a client connects and sends frames THEN $connect and route events carry the API Gateway shape with the authorizer context', async () => {
    const client = await open({ threadId: 'shape-thread', tag: 'first' });
    client.socket.send(JSON.stringify({ action: 'thread.history', limit: 5 }));
    const echo = await client.next(isType('echo'));
    const connect = echo.connectEvent;

    expect(connect.queryStringParameters).toEqual({ threadId: 'shape-thread', tag: 'first' });
    expect(connect.headers).toMatchObject({ Host: `127.0.0.1:${chat.port}`, 'Sec-WebSocket-Version': '13' });
    expect(connect.multiValueHeaders.Host).toEqual([`127.0.0.1:${chat.port}`]);
    expect(connect.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'local',
      domainName: `127.0.0.1:${chat.port}`,
      messageDirection: 'IN',
      identity: { sourceIp: '127.0.0.1' },
      authorizer: { principalId: 'principal-1', userId: 'verified-user', role: 'agent', threadId: 'shape-thread' },
    });
    expect(connect.requestContext.connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(typeof connect.requestContext.connectedAt).toBe('number');
    expect(typeof connect.requestContext.authorizer.integrationLatency).toBe('number');

    expect(echo.event.requestContext).toMatchObject({
      routeKey: 'thread.history',
      eventType: 'MESSAGE',
      connectionId: connect.requestContext.connectionId,
      connectedAt: connect.requestContext.connectedAt,
      authorizer: connect.requestContext.authorizer,
    });
    expect(echo.event.requestContext.requestId).not.toBe(connect.requestContext.requestId);
    expect(echo.event.body).toBe(JSON.stringify({ action: 'thread.history', limit: 5 }));
    expect(echo.event.isBase64Encoded).toBe(false);
    expect(echo.context.functionName).toBe('local-chat-thread-history');
    expect(echo.context.remainingMs).toBeGreaterThan(0);
  });

  test('GIVEN frames with an unknown action, no JSON or binary data WHEN routed THEN they go to $default (binary as base64)', async () => {
    const client = await open();

    client.send({ action: 'no.such.route' });
    expect((await client.next(isType('echo'))).event.requestContext.routeKey).toBe('$default');
    client.sendRaw('plain text');
    expect((await client.next(isType('echo'))).event.body).toBe('plain text');
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const binary = await client.next(isType('echo'));
    expect(binary.event).toMatchObject({ body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true });
    expect(binary.event.requestContext.routeKey).toBe('$default');
  });

  test('GIVEN two-way routes WHEN a handler returns no body or throws THEN the caller gets nothing or API Gateway\'s "Internal server error" frame', async () => {
    const client = await open();

    client.send({ action: 'typing', isTyping: true });
    const failure = await client.request({ action: 'thread.list' }, (frame) => frame.message === 'Internal server error');
    await chat.settled();

    expect(failure.connectionId).toMatch(/=$/);
    expect(typeof failure.requestId).toBe('string');
    expect(client.frames).toEqual([failure]);
    expect(runtimeLog).toContainEqual(
      expect.objectContaining({ event: 'websocket.route_handler_error', routeKey: 'thread.list', requestId: failure.requestId, errorMessage: 'fixture failure' }),
    );
  });

  test('GIVEN authorizer and $connect outcomes WHEN clients connect THEN refusals get 401, 403, 500 or the handler status, and $connect runs only after an Allow', async () => {
    const connectsBefore = chat.counters().lambda.invocations['local-chat-connect'] ?? 0;

    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 't', auth: 'unauthorized' }))).toBe(401);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 't', auth: 'deny' }))).toBe(403);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 't', auth: 'error' }))).toBe(500);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 't', auth: 'bad-context' }))).toBe(500);
    expect(chat.counters().lambda.invocations['local-chat-connect'] ?? 0).toBe(connectsBefore);

    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 't', status: '429' }))).toBe(429);
    expect(chat.counters().lambda.invocations['local-chat-connect']).toBe(connectsBefore + 1);
  });

  test('GIVEN a client offering subprotocols WHEN $connect returns Sec-WebSocket-Protocol and other headers THEN the 101 response carries them', async () => {
    const socket = new WebSocket(devUrl(chat.wsUrl, { threadId: 'proto-thread' }), ['chat', 'bearer.abc']);
    const upgraded = new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.on('upgrade', (response) => resolve(response.headers));
      socket.on('error', reject);
    });
    const opened = new Promise((resolve) => socket.on('open', resolve));
    const upgradeHeaders = await upgraded;
    await opened;

    expect(socket.protocol).toBe('chat');
    expect(upgradeHeaders['x-fixture']).toBe('connected');
    socket.close();
  });
});

describe('messages stream, SNS topic and Lambda Invoke emulation', () => {
  test('GIVEN a stored user message WHEN the chain runs THEN the outbox gets a DynamoDB Streams INSERT record, the bot an SNS Lambda event with attributes, and bot-reply is reached through the real LambdaClient', async () => {
    const client = await open();
    expect(await client.request({ action: 'message.send', text: 'hello chain' }, isType('stored'))).toMatchObject({ oldImage: null });

    const chain = await client.next(isChain('hello chain'));

    expect(chain.streamRecord).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: { threadId: { S: 'fixture-thread' }, timestamp: { N: expect.any(String) } },
        NewImage: { text: { S: 'hello chain' }, messageType: { S: 'user' } },
        StreamViewType: 'NEW_IMAGE',
        SequenceNumber: expect.stringMatching(/^\d{21}$/),
      },
    });
    expect(chain.streamRecord.eventSourceARN).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/local-chat-messages\/stream\//);
    expect(chain.snsRecord).toMatchObject({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      Sns: {
        Type: 'Notification',
        TopicArn: chat.topicArn,
        MessageAttributes: { messageType: { Type: 'String', Value: 'user' }, isHumanOverride: { Type: 'String', Value: 'false' } },
      },
    });
    expect(chain.snsRecord.EventSubscriptionArn.startsWith(`${chat.topicArn}:`)).toBe(true);
    expect(chain.botReplyFunctionName).toBe(chat.botReplyFunctionName);
    expect(chain.botEnv).toBe('from-options');
  });

  test('GIVEN the outbox filter WHEN a bot message is stored or an item is replaced THEN no record reaches the outbox, and the proxy hides the old image it asked for', async () => {
    const client = await open();
    await chat.settled();
    const before = chat.counters().stream;

    await client.request({ action: 'message.send', text: 'from a bot', messageType: 'bot' }, isType('stored'));
    await client.request({ action: 'message.send', text: 'first version', timestamp: 42 }, isType('stored'));
    await chat.settled();
    const replaced = await client.request({ action: 'message.send', text: 'second version', timestamp: 42 }, isType('stored'));
    const replacedAgain = await client.request({ action: 'message.send', text: 'third version', timestamp: 42, returnOld: true }, isType('stored'));
    await chat.settled();
    const after = chat.counters().stream;

    expect(replaced.oldImage).toBeNull(); // the caller did not ask for ALL_OLD
    expect(replacedAgain.oldImage.text).toEqual({ S: 'second version' }); // the caller did
    expect(after.records - before.records).toBe(4);
    expect(after.recordsMatched - before.recordsMatched).toBe(1); // only the INSERT of a user message
    expect(client.frames.filter((frame) => frame.type === 'chain').map((frame) => frame.streamRecord.dynamodb.NewImage.text.S)).toEqual(['first version']);
  });

  test('GIVEN an outbox that reports a batchItemFailure WHEN the record is retried THEN it is published on the second attempt', async () => {
    const client = await open();
    const retriesBefore = chat.counters().stream.retries;

    await client.request({ action: 'message.send', text: 'fail-once' }, isType('stored'));
    const chain = await client.next(isChain('fail-once'));

    expect(chain.attempts).toBe(2);
    expect(chat.counters().stream.retries - retriesBefore).toBe(1);
  });

  test('GIVEN a bot subscribed with a filter policy WHEN a message under takeover is published THEN the bot is not invoked', async () => {
    const client = await open();
    await chat.settled();
    const before = chat.counters().sns;

    await client.request({ action: 'message.send', text: 'taken over', isHumanOverride: true }, isType('stored'));
    await client.request({ action: 'message.send', text: 'bot may answer' }, isType('stored'));
    await client.next(isChain('bot may answer'));
    await chat.settled();

    const after = chat.counters().sns;
    expect(after.publishes - before.publishes).toBe(2);
    expect(after.filteredOut - before.filteredOut).toBe(1);
    expect(client.frames.filter(isChain('taken over'))).toEqual([]);
  });

  test('GIVEN the Lambda Invoke endpoint WHEN called with the real LambdaClient THEN unknown functions, function errors and async invocations are answered like Lambda', async () => {
    const lambda = new LambdaClient(chat.awsConfig);
    try {
      await expect(lambda.send(new InvokeCommand({ FunctionName: 'local-chat-no-such-function', Payload: Buffer.from('{}') }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      const failed = await lambda.send(
        new InvokeCommand({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${chat.botReplyFunctionName}`, Payload: Buffer.from(JSON.stringify({ fixtureChain: { fail: true } })) }),
      );
      expect(failed.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(failed.Payload as Uint8Array).toString())).toMatchObject({ errorType: 'TypeError', errorMessage: 'bot-reply fixture failure' });
      const queued = await lambda.send(
        new InvokeCommand({ FunctionName: chat.botReplyFunctionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ fixtureChain: { fail: true } })) }),
      );
      expect(queued.StatusCode).toBe(202);
    } finally {
      lambda.destroy();
    }
  });

  test('GIVEN the SNS endpoint WHEN called with the real SNSClient THEN another topic is NotFound and PublishBatch delivers every entry', async () => {
    const client = await open();
    const sns = new SNSClient(chat.awsConfig);
    try {
      await expect(sns.send(new PublishBatchCommand({ TopicArn: `${chat.topicArn}-other`, PublishBatchRequestEntries: [{ Id: '1', Message: 'x' }] }))).rejects.toBeInstanceOf(NotFoundException);

      const echo = await client.request({ action: 'thread.history' }, isType('echo'));
      const connectionId: string = echo.event.requestContext.connectionId;
      const record = (text: string) => ({ dynamodb: { NewImage: { text: { S: text }, connectionId: { S: connectionId } } } });
      const result = await sns.send(
        new PublishBatchCommand({
          TopicArn: chat.topicArn,
          PublishBatchRequestEntries: ['batch one', 'batch two'].map((text, index) => ({
            Id: `entry-${index}`,
            Message: JSON.stringify({ streamRecord: record(text) }),
            MessageAttributes: { isHumanOverride: { DataType: 'String', StringValue: 'false' } },
          })),
        }),
      );

      expect(result.Successful?.map((entry) => entry.Id)).toEqual(['entry-0', 'entry-1']);
      expect((await client.next(isChain('batch one'))).snsRecord.Sns.MessageId).toBe(result.Successful?.[0].MessageId);
      await client.next(isChain('batch two'));
    } finally {
      sns.destroy();
    }
  });
});
