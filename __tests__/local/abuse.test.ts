/**
 * The local runtime against clients that misbehave on purpose (issue 13's breaks 2, 3, 4 and 6): a client
 * that never reads its socket, a client that pipelines thousands of frames, requests naming a foreign `Host`
 * (DNS rebinding) or coming from a foreign `Origin`, and clients that connect while the runtime starts.
 * No durations are asserted: each test checks what a user would notice (memory held, who was served first,
 * what was refused, that nothing hangs), and jest's timeout is the only clock.
 */
import http from 'node:http';
import net from 'node:net';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { CONNECTION_BOUNDS } from '../../local/websocket-gateway';
import { closeServer, listenOnLoopback } from '../support/loopback';
import { connectClient, devUrl, isType } from './support/ws-client';

/** The status and body of a plain HTTP request to the runtime, with the headers given (Host included). */
function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The status a WebSocket upgrade gets with these headers (101 when it connects). */
async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    socket.on('error', reject);
  });
}

/** A thread's owner, read as the operator. */
async function ownerOf(chat: LocalChat, threadId: string): Promise<string | undefined> {
  const dynamodb = new DynamoDBClient(chat.awsConfig);
  try {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: chat.tables.threads, Key: { threadId: { S: threadId } } }));
    return Item?.ownerId?.S;
  } finally {
    dynamodb.destroy();
  }
}

describe('local runtime: clients that do not read and clients that flood', () => {
  let chat: LocalChat;
  beforeAll(async () => {
    // A high rate limit: the flood below is about routing, not about RATE_LIMITED answers.
    chat = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false, rateLimit: { messages: 10000, windowSeconds: 60 } });
  });
  afterAll(async () => {
    await chat.close();
  });

  test('paused reader: GIVEN a client that never reads WHEN it asks for 300 pages of 120 KB THEN the server holds at most its bound for it, others are served, and once it reads it gets every page', async () => {
    const threadId = 'abuse-paused-reader';
    const writer = await connectClient(devUrl(chat.wsUrl, { userId: 'wren', threadId }));
    // Ten messages of 4,000 three-byte characters: a history page of about 120 KB.
    for (let index = 0; index < 10; index++) {
      await writer.request({ action: 'message.send', text: '€'.repeat(4000), clientMessageId: `big-${index}` }, isType('message.sent'));
    }
    const reader = await connectClient(devUrl(chat.wsUrl, { userId: 'wren', threadId }));
    reader.socket.pause();
    const pages = 300;
    for (let index = 0; index < pages; index++) reader.send({ action: 'thread.history', limit: 100 });

    // Until the server stops reading it, the client's frames keep being routed; wait for the pause, then for quiet.
    for (let attempt = 0; attempt < 200 && chat.counters().websocket.readPauses === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const other = await connectClient(devUrl(chat.wsUrl, { userId: 'otto', threadId: 'abuse-paused-other' }));
    const ack = await other.request({ action: 'message.send', text: 'still served', clientMessageId: 'o-1' }, isType('message.sent'));

    const counters = chat.counters().websocket;
    expect(ack.message.text).toBe('still served');
    expect(counters.readPauses).toBeGreaterThan(0);
    expect(counters.peakUnsentBytes).toBeLessThanOrEqual(CONNECTION_BOUNDS.maxUnsentBytesPerConnection);

    reader.socket.resume();
    for (let index = 0; index < pages; index++) {
      const page = await reader.next(isType('history'));
      expect(page.messages).toHaveLength(10);
    }
    await Promise.all([writer.close(), reader.close(), other.close()]);
  });

  test('pipelined flood: GIVEN a client that pipelines 2,000 message.send frames WHEN a fresh client connects and sends one THEN it is acknowledged before the flood has been answered', async () => {
    const flooder = await connectClient(devUrl(chat.wsUrl, { userId: 'flo', threadId: 'abuse-flood' }));
    const frames = 2000;
    const payload = Array.from({ length: frames }, (_, index) => JSON.stringify({ action: 'message.send', text: `flood ${index}`, clientMessageId: `f-${index}` }));
    for (const frame of payload) flooder.sendRaw(frame);

    const fresh = await connectClient(devUrl(chat.wsUrl, { userId: 'fay', threadId: 'abuse-fresh' }));
    const ack = await fresh.request({ action: 'message.send', text: 'hello', clientMessageId: 'fresh-1' }, isType('message.sent'));
    const floodAnsweredAtAck = flooder.frames.filter((frame) => frame.type === 'message.sent' || frame.type === 'error').length;

    expect(ack.message.text).toBe('hello');
    expect(floodAnsweredAtAck).toBeLessThan(frames / 2);
    // Nothing of the flood is dropped: every frame is answered, in the end.
    for (let index = 0; index < frames; index++) await flooder.next((frame) => frame.type === 'message.sent' || frame.type === 'error');
    await Promise.all([flooder.close(), fresh.close()]);
  });
});

describe('local runtime: loopback only, in fact', () => {
  let chat: LocalChat;
  beforeAll(async () => {
    chat = await startLocalChat({
      port: 0,
      logLevel: 'error',
      demoBot: false,
      allowedHosts: ['chat.test'],
      allowedOrigins: ['https://app.example'],
    });
  });
  afterAll(async () => {
    await chat.close();
  });

  test.each(['/', '/agent', '/config.json'])('Host: GIVEN a request for %s naming a foreign Host (DNS rebinding) THEN it is refused with 421', async (pathname) => {
    const foreign = await httpGet(chat.port, pathname, { host: `attacker.example:${chat.port}` });
    const own = await httpGet(chat.port, pathname, { host: `localhost:${chat.port}` });
    const configured = await httpGet(chat.port, pathname, { host: 'chat.test' });

    expect(foreign.status).toBe(421);
    expect(foreign.body).toContain('CHAT_ALLOWED_HOSTS');
    expect(own.status).toBe(200);
    expect(configured.status).toBe(200);
  });

  test('Host: GIVEN a WebSocket upgrade naming a foreign Host THEN it is refused with 421 and no connection is made', async () => {
    const connectsBefore = chat.counters().websocket.connects;
    const status = await upgradeStatus(devUrl(chat.wsUrl, { userId: 'mallory', threadId: 'abuse-host' }), { host: 'attacker.example' });

    expect(status).toBe(421);
    expect(chat.counters().websocket.connects).toBe(connectsBefore);
  });

  test('Host: GIVEN a correctly signed DynamoDB UpdateItem sent with a foreign Host THEN it is refused and the thread keeps its owner', async () => {
    const threadId = 'abuse-rebinding';
    const owner = await connectClient(devUrl(chat.wsUrl, { userId: 'olga', threadId }));
    await owner.request({ action: 'message.send', text: 'mine', clientMessageId: 'r-1' }, isType('message.sent'));
    await owner.close();
    const forger = new DynamoDBClient(chat.awsConfig);
    // What a rebinding page's request looks like: signed (it cannot be, but even so), and naming the page's host.
    forger.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers.host = 'attacker.example';
        return next(args);
      },
      { step: 'build', priority: 'low', name: 'foreignHost' },
    );
    try {
      await expect(
        forger.send(
          new UpdateItemCommand({
            TableName: chat.tables.threads,
            Key: { threadId: { S: threadId } },
            UpdateExpression: 'SET ownerId = :mallory',
            ExpressionAttributeValues: { ':mallory': { S: 'mallory' } },
          }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 421 } });
    } finally {
      forger.destroy();
    }
    expect(await ownerOf(chat, threadId)).toBe('olga');
    expect(chat.counters().http.refused.host).toBeGreaterThan(0);
  });

  test('Origin: GIVEN the development mode WHEN a page of another origin opens a WebSocket THEN it is refused with 403; own pages, configured origins and clients without Origin connect', async () => {
    const url = devUrl(chat.wsUrl, { userId: 'mallory', threadId: 'abuse-origin' });

    expect(await upgradeStatus(url, { origin: 'https://attacker.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://localhost:${chat.port}` })).toBe(101);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${chat.port}` })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'https://app.example' })).toBe(101);
    expect(await upgradeStatus(url, {})).toBe(101);
    expect(chat.counters().http.refused.origin).toBe(2);
  });
});

describe('local runtime: ready before it serves', () => {
  test('startup: GIVEN clients that connect as soon as the port opens WHEN the runtime is still starting THEN each is served once it is ready, none hangs', async () => {
    // A free port, known before the runtime starts so that the clients can race it.
    const probe = http.createServer();
    const port = Number(new URL(await listenOnLoopback(probe)).port);
    await closeServer(probe);

    const starting = startLocalChat({ port, logLevel: 'error', demoBot: false });
    let opened = false;
    for (let attempt = 0; attempt < 2000 && !opened; attempt++) {
      opened = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (!opened) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(opened).toBe(true);
    // The port has just opened: these arrive while the parts behind it may still be starting.
    const early = Promise.all([
      httpGet(port, '/config.json', { host: `127.0.0.1:${port}` }),
      connectClient(devUrl(`ws://127.0.0.1:${port}/`, { userId: 'early', threadId: 'abuse-startup' })),
    ]);
    const chat = await starting;
    try {
      const [config, client] = await early;
      expect(config.status).toBe(200);
      const ack = await client.request({ action: 'message.send', text: 'first', clientMessageId: 'e-1' }, isType('message.sent'));
      expect(ack.message.text).toBe('first');
      await client.close();
    } finally {
      await chat.close();
    }
  });
});
