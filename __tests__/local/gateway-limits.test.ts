/**
 * API Gateway's WebSocket limits as the local runtime enforces them: 32 KB frames and 128 KB
 * messages (close 1009), the idle timeout and the maximum connection lifetime (close 1001, then
 * `$disconnect` removes the connection record). The timeouts are shortened through the options;
 * the tests wait for the close itself, never for a duration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { KEEPALIVE } from '../../lib/schema';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isType, type ChatClient } from './support/ws-client';

const KB = 1024;

async function connectionCount(chat: LocalChat, threadId: string): Promise<number> {
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
    return result.Count ?? 0;
  } finally {
    dynamodb.destroy();
  }
}

/** Sends `data` as several WebSocket frames of at most `frameBytes` each (one message). */
function sendFragmented(client: ChatClient, data: string, frameBytes: number): void {
  const bytes = Buffer.from(data);
  for (let offset = 0; offset < bytes.length; offset += frameBytes) {
    const chunk = bytes.subarray(offset, offset + frameBytes);
    client.socket.send(chunk, { fin: offset + frameBytes >= bytes.length, binary: false });
  }
}

describe('API Gateway size limits', () => {
  let chat: LocalChat;
  beforeAll(async () => {
    chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false });
  });
  afterAll(async () => {
    await chat.close();
  });

  test('GIVEN a connection WHEN the client sends one frame larger than 32 KB THEN the connection is closed with 1009 and nothing is routed', async () => {
    const client = await connectClient(devUrl(chat.wsUrl, { userId: 'ivy', threadId: 'limits-frame' }));
    await chat.settled();
    const routedBefore = chat.counters().websocket.messages;

    client.sendRaw(JSON.stringify({ action: 'message.send', text: 'a'.repeat(33 * KB) }));
    const { code } = await client.closed;

    expect(code).toBe(1009);
    await chat.settled();
    expect(chat.counters().websocket.messages).toBe(routedBefore);
    expect(await connectionCount(chat, 'limits-frame')).toBe(0);
  });

  test('GIVEN a connection WHEN a message of 100 KB arrives in 25 KB frames THEN it reaches the handler (which refuses the long text) and the connection stays open', async () => {
    const client = await connectClient(devUrl(chat.wsUrl, { userId: 'jack', threadId: 'limits-fragments' }));

    sendFragmented(client, JSON.stringify({ action: 'message.send', text: 'b'.repeat(100 * KB), clientMessageId: 'big' }), 25 * KB);

    expect(await client.next(isType('error'))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', clientMessageId: 'big' });
    const ack = await client.request({ action: 'message.send', text: 'small again', clientMessageId: 'small' }, isType('message.sent'));
    expect(ack.message.text).toBe('small again');
    await client.close();
  });

  test('GIVEN a connection WHEN a message over 128 KB arrives in frames under 32 KB THEN the connection is closed with 1009', async () => {
    const client = await connectClient(devUrl(chat.wsUrl, { userId: 'kim', threadId: 'limits-message' }));

    sendFragmented(client, JSON.stringify({ action: 'message.send', text: 'c'.repeat(130 * KB) }), 30 * KB);
    const { code } = await client.closed;

    expect(code).toBe(1009);
  });
});

describe('API Gateway connection timeouts', () => {
  test('GIVEN a short idle timeout WHEN a client stays silent THEN the server closes it with 1001 and $disconnect removes its record', async () => {
    const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, idleTimeoutMs: 300 });
    try {
      const client = await connectClient(devUrl(chat.wsUrl, { userId: 'lena', threadId: 'idle-thread' }));
      expect(await connectionCount(chat, 'idle-thread')).toBe(1);

      const { code } = await client.closed;
      await chat.settled();

      expect(code).toBe(1001);
      expect(await connectionCount(chat, 'idle-thread')).toBe(0);
    } finally {
      await chat.close();
    }
  });

  test('keepalive: GIVEN a short idle timeout WHEN a client only sends the keepalive THEN each gets its reply from the gateway, no function runs, and the connection outlives several timeouts', async () => {
    const idleTimeoutMs = 300;
    const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, idleTimeoutMs });
    try {
      const client = await connectClient(devUrl(chat.wsUrl, { userId: 'pia', threadId: 'keepalive-thread' }));
      await chat.settled();
      const invocationsBefore = { ...chat.counters().lambda.invocations };
      let open = true;
      void client.closed.then(() => (open = false));

      // A third of the timeout between keepalives, for four timeouts (bounded in count as well).
      const started = Date.now();
      for (let sent = 0; open && sent < 40 && Date.now() - started < 4 * idleTimeoutMs; sent++) {
        const reply = await Promise.race([client.request({ action: KEEPALIVE.routeKey }, isType(KEEPALIVE.reply.type)), client.closed]);
        expect(reply).toEqual(KEEPALIVE.reply);
        await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs / 3));
      }

      expect(open).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4 * idleTimeoutMs);
      expect(chat.counters().lambda.invocations).toEqual(invocationsBefore);
      // Silent from here on: the idle timeout applies again.
      expect((await client.closed).code).toBe(1001);
    } finally {
      await chat.close();
    }
  });

  test('GIVEN a short maximum connection lifetime WHEN a client keeps talking THEN it is still closed with 1001 at the end of its lifetime', async () => {
    const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, maxConnectionMs: 400 });
    try {
      const client = await connectClient(devUrl(chat.wsUrl, { userId: 'max', threadId: 'lifetime-thread' }));
      // Activity does not extend the lifetime: keep the connection busy until the server closes it.
      let open = true;
      void client.closed.then(() => (open = false));
      while (open) await Promise.race([client.request({ action: 'thread.history' }, isType('history')), client.closed]);

      expect((await client.closed).code).toBe(1001);
    } finally {
      await chat.close();
    }
  });
});

describe('handler settings', () => {
  test('GIVEN a rate limit of 2 messages per minute WHEN a connection sends a third THEN the handlers answer RATE_LIMITED (the setting reached them)', async () => {
    const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, rateLimit: { messages: 2, windowSeconds: 60 } });
    try {
      const client = await connectClient(devUrl(chat.wsUrl, { userId: 'rosa', threadId: 'rate-thread' }));
      for (const id of ['r-1', 'r-2']) {
        expect((await client.request({ action: 'message.send', text: id, clientMessageId: id }, (frame) => frame.clientMessageId === id)).type).toBe('message.sent');
      }
      const third = await client.request({ action: 'message.send', text: 'r-3', clientMessageId: 'r-3' }, (frame) => frame.clientMessageId === 'r-3');
      expect(third).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
      await client.close();
    } finally {
      await chat.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('GIVEN open connections WHEN the runtime closes THEN clients see 1001 and every connection record is removed before the data store closes', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-shutdown-'));
    const chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, dataDir });
    const clients = await Promise.all(
      ['one', 'two'].map((device) => connectClient(devUrl(chat.wsUrl, { userId: 'nora', threadId: 'shutdown-thread', device }))),
    );

    await chat.close();

    for (const client of clients) expect((await client.closed).code).toBe(1001);
    const reopened = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, dataDir });
    try {
      expect(await connectionCount(reopened, 'shutdown-thread')).toBe(0);
      const dynamodb = new DynamoDBClient(reopened.awsConfig);
      const thread = await dynamodb.send(new GetItemCommand({ TableName: reopened.tables.threads, Key: { threadId: { S: 'shutdown-thread' } } }));
      dynamodb.destroy();
      expect(thread.Item?.ownerId?.S).toBe('nora');
    } finally {
      await reopened.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
