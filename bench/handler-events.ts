/**
 * Realistic first invocations for every handler in lib/schema.ts HANDLERS, and the data they need.
 * State is seeded through the project's own handlers (connect, message.send), run in this process
 * against the bench's dynalite, so the cold-started function finds exactly what production would:
 * a thread with two devices of its owner and an agent (so message.send and typing deliver to
 * others), messages in history, a stored message for the outbox's stream record.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { HANDLERS, MESSAGES_TABLE, tableName, type HandlerId } from '../lib/schema';
import type { Fixtures } from './fixtures';

const API_ID = 'benchapi01';
const STAGE = 'prod';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Event = Record<string, unknown>;

const loaded = new Map<HandlerId, Handler>();

async function inProcess(repoRoot: string, id: HandlerId): Promise<Handler> {
  let handler = loaded.get(id);
  if (!handler) {
    const module = (await import(join(repoRoot, HANDLERS[id]))) as { handler?: Handler; default?: { handler?: Handler } };
    handler = module.handler ?? module.default?.handler;
    if (typeof handler !== 'function') throw new Error(`${HANDLERS[id]} exports no handler`);
    loaded.set(id, handler);
  }
  return handler;
}

const lambdaContext = { functionName: 'bench-seed', awsRequestId: 'seed', getRemainingTimeInMillis: () => 30000 };

function requestContext(routeKey: string, connectionId: string): Event {
  const now = Date.now();
  return {
    routeKey,
    eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
    connectionId,
    messageId: routeKey.startsWith('$') && routeKey !== '$default' ? undefined : randomUUID(),
    extendedRequestId: randomUUID(),
    requestId: randomUUID(),
    requestTime: new Date(now).toUTCString(),
    requestTimeEpoch: now,
    connectedAt: now,
    messageDirection: 'IN',
    stage: STAGE,
    domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    apiId: API_ID,
    identity: { sourceIp: '127.0.0.1', userAgent: 'chat-bench' },
  };
}

export function connectEvent(connectionId: string, query: Record<string, string>): Event {
  return {
    headers: { Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`, 'Sec-WebSocket-Version': '13' },
    multiValueHeaders: {},
    queryStringParameters: query,
    requestContext: requestContext('$connect', connectionId),
    isBase64Encoded: false,
  };
}

export function routeEvent(routeKey: string, connectionId: string, body: unknown): Event {
  return { requestContext: requestContext(routeKey, connectionId), body: JSON.stringify(body), isBase64Encoded: false };
}

function disconnectEvent(connectionId: string): Event {
  return {
    headers: {},
    requestContext: { ...requestContext('$disconnect', connectionId), disconnectStatusCode: 1001, disconnectReason: 'Going away' },
    isBase64Encoded: false,
  };
}

interface SeedThread {
  threadId: string;
  ownerId: string;
  devices: string[];
  agentConnection: string;
}

/** Builds the events, seeding state through the in-process handlers as it goes. */
export class EventFactory {
  private counter = 0;

  constructor(
    private readonly repoRoot: string,
    private readonly fixtures: Fixtures,
    private readonly runTag: string,
  ) {}

  private id(prefix: string): string {
    return `${prefix}-${this.runTag}-${this.counter++}`;
  }

  private async check(result: unknown, what: string): Promise<void> {
    const status = (result as { statusCode?: number } | undefined)?.statusCode;
    if (status !== undefined && status !== 200) throw new Error(`seeding ${what} failed: ${JSON.stringify(result).slice(0, 400)}`);
  }

  async connect(userId: string, threadId: string | undefined, role: 'user' | 'agent' = 'user'): Promise<string> {
    const connectionId = this.id('c');
    const query: Record<string, string> = { userId, ...(threadId ? { threadId } : {}), ...(role === 'agent' ? { role } : {}) };
    await this.check(await (await inProcess(this.repoRoot, 'connect'))(connectEvent(connectionId, query), lambdaContext), `connect ${userId}`);
    return connectionId;
  }

  async thread(): Promise<SeedThread> {
    const threadId = this.id('thread');
    const ownerId = this.id('user');
    const devices = [await this.connect(ownerId, threadId), await this.connect(ownerId, threadId)];
    const agentConnection = await this.connect(this.id('agent'), threadId, 'agent');
    return { threadId, ownerId, devices, agentConnection };
  }

  async sendInProcess(thread: SeedThread, text: string): Promise<void> {
    const event = routeEvent('message.send', thread.devices[0], { action: 'message.send', threadId: thread.threadId, text, clientMessageId: this.id('cm') });
    await this.check(await (await inProcess(this.repoRoot, 'messageSend'))(event, lambdaContext), 'message.send');
  }

  /** `count` events for one handler: the first is the cold invocation, the rest warm ones. */
  async events(id: HandlerId, count: number): Promise<Event[]> {
    const events: Event[] = [];
    switch (id) {
      case 'authorizer': {
        for (let i = 0; i < count; i++) {
          const token = await this.fixtures.signToken({ sub: this.id('user') });
          events.push({
            type: 'REQUEST',
            methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/$connect`,
            headers: { 'Sec-WebSocket-Protocol': `chat, bearer.${token}` },
            multiValueHeaders: {},
            queryStringParameters: { threadId: this.id('thread') },
            requestContext: requestContext('$connect', this.id('c')),
          });
        }
        break;
      }
      case 'connect': {
        // The cold one creates a thread (conditional put); the warm ones add devices to it.
        const threadId = this.id('thread');
        const ownerId = this.id('user');
        for (let i = 0; i < count; i++) events.push(connectEvent(this.id('c'), { userId: ownerId, threadId }));
        break;
      }
      case 'disconnect': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) events.push(disconnectEvent(await this.connect(thread.ownerId, thread.threadId)));
        break;
      }
      case 'default': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) events.push(routeEvent('$default', thread.devices[0], { action: 'no.such.action' }));
        break;
      }
      case 'messageSend': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) {
          events.push(routeEvent('message.send', thread.devices[0], { action: 'message.send', threadId: thread.threadId, text: `hello from the bench ${i}`, clientMessageId: this.id('cm') }));
        }
        break;
      }
      case 'threadHistory': {
        const thread = await this.thread();
        for (let i = 0; i < 20; i++) await this.sendInProcess(thread, `history message ${i}`);
        for (let i = 0; i < count; i++) events.push(routeEvent('thread.history', thread.devices[0], { action: 'thread.history', threadId: thread.threadId }));
        break;
      }
      case 'typing': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) events.push(routeEvent('typing', thread.devices[0], { action: 'typing', isTyping: i % 2 === 0 }));
        break;
      }
      case 'threadControl': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) {
          const action = i % 2 === 0 ? 'thread.takeover' : 'thread.release';
          events.push(routeEvent(action, thread.agentConnection, { action, threadId: thread.threadId }));
        }
        break;
      }
      case 'threadList': {
        for (let i = 0; i < 5; i++) await this.thread();
        const console = await this.connect(this.id('agent'), undefined, 'agent');
        for (let i = 0; i < count; i++) events.push(routeEvent('thread.list', console, { action: 'thread.list' }));
        break;
      }
      case 'botReply': {
        const thread = await this.thread();
        for (let i = 0; i < count; i++) {
          events.push({ threadId: thread.threadId, userId: thread.ownerId, message: { text: `bot reply ${i}`, messageId: randomUUID(), sender: 'bench-bot' } });
        }
        break;
      }
      case 'outbox': {
        const thread = await this.thread();
        await this.sendInProcess(thread, 'a message for the outbox');
        const client = new DynamoDBClient({ endpoint: this.fixtures.dynamodbEndpoint, region: REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
        const table = tableName(this.fixtures.instanceName, MESSAGES_TABLE);
        const stored = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'threadId = :t', ExpressionAttributeValues: { ':t': { S: thread.threadId } } }));
        client.destroy();
        const item = stored.Items?.[0];
        if (!item) throw new Error('seeding the outbox: the message was not stored');
        for (let i = 0; i < count; i++) {
          events.push({
            Records: [
              {
                eventID: randomUUID().replace(/-/g, ''),
                eventName: 'INSERT',
                eventVersion: '1.1',
                eventSource: 'aws:dynamodb',
                awsRegion: REGION,
                dynamodb: {
                  ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
                  Keys: { threadId: item.threadId, timestamp: item.timestamp },
                  NewImage: item,
                  SequenceNumber: String(100000000000000000000 + i),
                  SizeBytes: JSON.stringify(item).length,
                  StreamViewType: 'NEW_IMAGE',
                },
                eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2026-01-01T00:00:00.000`,
              },
            ],
          });
        }
        break;
      }
      default: {
        const exhaustive: never = id;
        throw new Error(`no event for handler ${String(exhaustive)}`);
      }
    }
    return events;
  }
}
