/**
 * End to end: the local runtime (startLocalChat, in-memory data, free port) running the real handlers
 * and the demo bot, driven by real WebSocket clients. What a user, an agent and a bot developer would
 * notice: replies reaching every device, history after a reconnect, the bot silent under human
 * takeover, bad frames answered without losing the connection, refused upgrades, 410 for gone
 * connections.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isMessage, isType, refusalStatus, type ChatClient, type Frame } from './support/ws-client';


let chat: LocalChat;
const openClients: ChatClient[] = [];

beforeAll(async () => {
  chat = await startLocalChat({ port: 0, logLevel: 'error' });
});

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await chat.close();
});

async function join(query: Record<string, string>): Promise<ChatClient> {
  const client = await connectClient(devUrl(chat.wsUrl, query));
  openClients.push(client);
  return client;
}

async function connectionIdsOf(threadId: string): Promise<string[]> {
  const dynamodb = new DynamoDBClient(chat.awsConfig);
  try {
    const result = await dynamodb.send(
      new QueryCommand({
        TableName: chat.tables.connections,
        IndexName: 'byThread',
        KeyConditionExpression: 'threadId = :thread',
        ExpressionAttributeValues: { ':thread': { S: threadId } },
      }),
    );
    return (result.Items ?? []).map((item) => item.connectionId.S as string);
  } finally {
    dynamodb.destroy();
  }
}

const botRepliesTo = (messageId: string) => (frame: Frame): boolean =>
  frame.type === 'message' && frame.message.messageType === 'bot' && frame.message.metadata?.inReplyTo === messageId;

describe('local runtime end to end (real handlers, demo bot)', () => {
  test('GIVEN two devices of one user and an agent in a thread WHEN the user sends a message THEN the sender gets the ack, the others get the message, and the bot reply reaches all three', async () => {
    const phone = await join({ userId: 'alice', threadId: 'e2e-devices' });
    const laptop = await join({ userId: 'alice', threadId: 'e2e-devices' });
    const agent = await join({ userId: 'agent-1', role: 'agent', threadId: 'e2e-devices' });

    const ack = await phone.request(
      { action: 'message.send', text: 'Where is my parcel?', clientMessageId: 'parcel-1' },
      isType('message.sent'),
    );

    expect(ack).toMatchObject({
      clientMessageId: 'parcel-1',
      message: { messageType: 'user', sender: 'alice', text: 'Where is my parcel?', threadId: 'e2e-devices', status: 'sent' },
    });
    const { messageId } = ack.message;
    for (const other of [laptop, agent]) {
      expect((await other.next(isMessage('user', 'Where is my parcel?'))).message.messageId).toBe(messageId);
    }
    for (const device of [phone, laptop, agent]) {
      const reply = await device.next(botRepliesTo(messageId));
      expect(reply.message.text).toContain('Where is my parcel?');
    }
  });

  test('GIVEN a conversation with a bot reply WHEN the user reconnects and asks for the history THEN both messages come back in order', async () => {
    const first = await join({ userId: 'bob', threadId: 'e2e-history' });
    const ack = await first.request({ action: 'message.send', text: 'remember me', clientMessageId: 'h-1' }, isType('message.sent'));
    await first.next(botRepliesTo(ack.message.messageId));
    await first.close();

    const again = await join({ userId: 'bob', threadId: 'e2e-history' });
    const history = await again.request({ action: 'thread.history' }, isType('history'));

    expect(history.messages.map((message: Frame) => [message.messageType, message.text])).toEqual([
      ['user', 'remember me'],
      ['bot', expect.stringContaining('remember me')],
    ]);
    expect(history.nextBefore).toBeNull();
  });

  test('GIVEN an agent took the thread over WHEN the user writes THEN the agent sees it and the bot stays silent, and after the release the bot answers again', async () => {
    const user = await join({ userId: 'carol', threadId: 'e2e-takeover' });
    const agent = await join({ userId: 'agent-7', role: 'agent', threadId: 'e2e-takeover' });
    const opening = await user.request({ action: 'message.send', text: 'hello', clientMessageId: 't-1' }, isType('message.sent'));
    await user.next(botRepliesTo(opening.message.messageId));

    const takeover = await agent.request({ action: 'thread.takeover' }, isType('thread.status'));
    expect(takeover).toMatchObject({ threadId: 'e2e-takeover', isHumanOverride: true, by: 'agent-7' });
    expect(await user.next(isType('thread.status'))).toMatchObject({ isHumanOverride: true, by: 'agent-7' });

    const filteredBefore = chat.counters().sns.filteredOut;
    const during = await user.request({ action: 'message.send', text: 'I need a human', clientMessageId: 't-2' }, isType('message.sent'));
    expect((await agent.next(isMessage('user', 'I need a human'))).message.messageId).toBe(during.message.messageId);
    const humanAnswer = await agent.request({ action: 'message.send', text: 'Hi, Dana here.', clientMessageId: 'a-1' }, isType('message.sent'));
    expect(humanAnswer.message).toMatchObject({ messageType: 'agent', sender: 'agent-7' });
    expect(await user.next(isMessage('agent', 'Hi, Dana here.'))).toBeDefined();
    await chat.settled();
    expect(user.frames.filter(botRepliesTo(during.message.messageId))).toEqual([]);
    expect(agent.frames.filter(botRepliesTo(during.message.messageId))).toEqual([]);
    // The user message was published and the bot's filter policy dropped it (the agent's answer too: not a user message).
    expect(chat.counters().sns.filteredOut - filteredBefore).toBe(2);

    const release = await agent.request({ action: 'thread.release' }, isType('thread.status'));
    expect(release).toMatchObject({ isHumanOverride: false });
    const after = await user.request({ action: 'message.send', text: 'thanks, bot again?', clientMessageId: 't-3' }, isType('message.sent'));
    expect((await user.next(botRepliesTo(after.message.messageId))).message.text).toContain('thanks, bot again?');
  });

  test('GIVEN an open connection WHEN it sends bad frames THEN each gets an error frame, nothing is stored, and the connection keeps working', async () => {
    const client = await join({ userId: 'dave', threadId: 'e2e-bad-frames' });

    client.sendRaw('this is not json');
    expect(await client.next(isType('error'))).toMatchObject({ code: 'VALIDATION_ERROR' });
    client.send({ action: 'no.such.action' });
    expect(await client.next(isType('error'))).toMatchObject({ code: 'UNKNOWN_ACTION' });
    client.send({ action: 'message.send', clientMessageId: 'no-text' });
    expect(await client.next(isType('error'))).toMatchObject({ code: 'VALIDATION_ERROR', clientMessageId: 'no-text' });
    client.send({ action: 'message.send', text: 42, clientMessageId: 'wrong-type' });
    expect(await client.next(isType('error'))).toMatchObject({ code: 'VALIDATION_ERROR', clientMessageId: 'wrong-type' });
    client.send({ action: 'message.send', text: 'x'.repeat(4001), clientMessageId: 'too-long' });
    expect(await client.next(isType('error'))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', clientMessageId: 'too-long' });

    const history = await client.request({ action: 'thread.history' }, isType('history'));
    expect(history.messages).toEqual([]);
    const ack = await client.request({ action: 'message.send', text: 'still here', clientMessageId: 'ok-1' }, isType('message.sent'));
    expect(ack.message.text).toBe('still here');
  });

  test('GIVEN thread ownership and the development identity mode WHEN connections are refused THEN the upgrade is answered with the handler status code', async () => {
    await join({ userId: 'erin', threadId: 'e2e-owned' });

    expect(await refusalStatus(devUrl(chat.wsUrl, { userId: 'mallory', threadId: 'e2e-owned' }))).toBe(403);
    expect(await refusalStatus(devUrl(chat.wsUrl, { threadId: 'e2e-owned' }))).toBe(400);
    expect(await refusalStatus(devUrl(chat.wsUrl, { userId: 'erin', threadId: 'bad thread id!' }))).toBe(400);
    // An agent may join any thread.
    await join({ userId: 'agent-2', role: 'agent', threadId: 'e2e-owned' });
  });

  test('GIVEN a client that disconnected WHEN the real ApiGatewayManagementApiClient posts to it THEN it gets GoneException (410), while a live connection accepts posts and describes itself', async () => {
    const client = await join({ userId: 'frank', threadId: 'e2e-gone' });
    const [connectionId] = await connectionIdsOf('e2e-gone');
    const management = new ApiGatewayManagementApiClient(chat.awsConfig);
    try {
      const described = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      expect(described.ConnectedAt).toBeInstanceOf(Date);
      expect(described.Identity?.SourceIp).toBe('127.0.0.1');
      const posted = client.next((frame) => frame.type === 'operator.note');
      await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ type: 'operator.note' }) }));
      expect(await posted).toEqual({ type: 'operator.note' });

      await client.close();
      await chat.settled();

      await expect(
        management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{}' })),
      ).rejects.toBeInstanceOf(GoneException);
      expect(await connectionIdsOf('e2e-gone')).toEqual([]);
    } finally {
      management.destroy();
    }
  });

  test('GIVEN a live connection WHEN an operator deletes it through @connections THEN the client is disconnected, $disconnect removes its record and later calls get 410', async () => {
    const client = await join({ userId: 'fay', threadId: 'e2e-delete' });
    const [connectionId] = await connectionIdsOf('e2e-delete');
    const management = new ApiGatewayManagementApiClient(chat.awsConfig);
    try {
      await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));

      expect((await client.closed).code).toBe(1000);
      await chat.settled();
      expect(await connectionIdsOf('e2e-delete')).toEqual([]);
      await expect(management.send(new GetConnectionCommand({ ConnectionId: connectionId }))).rejects.toBeInstanceOf(GoneException);
      await expect(management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))).rejects.toBeInstanceOf(GoneException);
    } finally {
      management.destroy();
    }
  });

  test('GIVEN a request to @connections without a SigV4 signature (curl without --aws-sigv4) WHEN it is sent THEN it gets API Gateway\'s 403 "Missing Authentication Token" JSON and the connection gets nothing, while signed posts still arrive', async () => {
    const client = await join({ userId: 'gil', threadId: 'e2e-unsigned' });
    const [connectionId] = await connectionIdsOf('e2e-unsigned');
    for (const path of [`/@connections/${encodeURIComponent(connectionId)}`, `/local/@connections/${encodeURIComponent(connectionId)}`]) {
      for (const method of ['POST', 'GET', 'DELETE']) {
        const response = await fetch(`${chat.url}${path}`, { method, body: method === 'POST' ? '{"type":"unsigned"}' : undefined });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
        expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
      }
    }

    const management = new ApiGatewayManagementApiClient(chat.awsConfig);
    try {
      const posted = client.next((frame) => frame.type === 'signed');
      await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ type: 'signed' }) }));
      await posted;
      expect(client.frames.map((frame) => frame.type)).toEqual(['signed']);
    } finally {
      management.destroy();
    }
  });

  test('GIVEN an agent console connection without a thread WHEN it lists threads THEN it sees the threads newest first with their takeover state', async () => {
    const user = await join({ userId: 'gina', threadId: 'e2e-list' });
    await user.request({ action: 'message.send', text: 'list me', clientMessageId: 'l-1' }, isType('message.sent'));
    const console_ = await join({ userId: 'agent-3', role: 'agent' });

    const list = await console_.request({ action: 'thread.list' }, isType('threads'));

    expect(list.threads[0]).toMatchObject({ threadId: 'e2e-list', ownerId: 'gina', isHumanOverride: false });
    const times = list.threads.map((thread: Frame) => thread.lastActivityAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test('GIVEN a user message WHEN the runtime has settled THEN the counters show the wire traffic of one message: one publish, one bot reply, DynamoDB requests by operation', async () => {
    const user = await join({ userId: 'hank', threadId: 'e2e-counters' });
    await chat.settled();
    chat.resetCounters();

    const ack = await user.request({ action: 'message.send', text: 'count me', clientMessageId: 'c-1' }, isType('message.sent'));
    await user.next(botRepliesTo(ack.message.messageId));
    await chat.settled();
    const counters = chat.counters();

    expect(counters.sns.publishes).toBe(1);
    expect(counters.sns.deliveries).toBe(1);
    expect(counters.stream.recordsMatched).toBe(1);
    expect(counters.stream.records).toBe(2); // the user message and the bot reply; only the first passes the filter
    expect(counters.lambda.invocations[chat.botReplyFunctionName]).toBe(1);
    expect(counters.dynamodb.byOperation.PutItem).toBeGreaterThanOrEqual(2);
    expect(counters.dynamodb.requests).toBe(Object.values(counters.dynamodb.byOperation).reduce((sum, count) => sum + count, 0));
    expect(counters.connections.posts).toBe(1); // the bot reply to the only connection (the ack is the route response)
  });
});
