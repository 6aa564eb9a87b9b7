/**
 * The message path under test: dynalite with the chat tables, the local `@connections` API, the
 * environment the handlers read (set before the first invocation; handlers read it lazily), and
 * clients that drive the real handlers with API Gateway-shaped events.
 *
 * One harness per test file: handlers cache their configuration per module registry (per file).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV, ROUTES } from '../../lib/schema';
import type { WebSocketEvent, WebSocketResult } from '../../handlers/core/websocket';
import { handler as connectHandler } from '../../handlers/connect';
import { handler as disconnectHandler } from '../../handlers/disconnect';
import { handler as defaultHandler } from '../../handlers/default';
import { handler as messageSendHandler } from '../../handlers/message-send';
import { handler as threadHistoryHandler } from '../../handlers/thread-history';
import { handler as typingHandler } from '../../handlers/typing';
import { handler as threadControlHandler } from '../../handlers/thread-control';
import { handler as threadListHandler } from '../../handlers/thread-list';
import { startConnectionsApi, type ConnectionsApi } from './connections-api';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { createChatTables, localDynamoDbClient, startDynalite, type LocalDynamoDb } from './dynamodb';
import {
  authorizerContext,
  connectEvent,
  disconnectEvent,
  messageEvent,
  newConnectionId,
  routeKeyFor,
} from './websocket-events';

/** Route handlers by id, as lib/schema.ts ROUTES maps routes to them. */
export const ROUTE_HANDLERS: Record<string, (event: WebSocketEvent) => Promise<WebSocketResult>> = {
  connect: connectHandler,
  disconnect: disconnectHandler,
  default: defaultHandler,
  messageSend: messageSendHandler,
  threadHistory: threadHistoryHandler,
  typing: typingHandler,
  threadControl: threadControlHandler,
  threadList: threadListHandler,
};

/** Invokes the handler API Gateway would invoke for the event's route key. */
export function invokeRoute(event: WebSocketEvent): Promise<WebSocketResult> {
  const handlerId = ROUTES[event.requestContext.routeKey] ?? 'default';
  return ROUTE_HANDLERS[handlerId](event);
}

/** Fake credentials and a region, so SDK clients sign requests for local endpoints. */
export function setFakeAwsCredentials(): void {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

export interface HarnessOptions {
  /** `jwt` (default): identity from the authorizer context. `none`: the seed's query parameters. */
  authMode?: 'jwt' | 'none';
  /** Extra environment for the handlers (e.g. rate limits). */
  env?: Record<string, string>;
  /**
   * Another DynamoDB endpoint (e.g. moto, for Streams) instead of an in-process dynalite. The caller
   * owns it: the harness creates the tables there but does not stop it.
   */
  dynamoDbEndpoint?: string;
}

export interface TestClientOptions {
  userId: string;
  threadId?: string;
  role?: 'user' | 'agent';
  /** Extra query parameters (auth mode none reads userId/threadId/role from the query). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface ConnectResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One WebSocket connection driven through the real handlers. */
export class TestClient {
  readonly connectionId = newConnectionId();
  private readonly authorizer: Record<string, unknown> | undefined;

  constructor(
    private readonly harness: ChatHarness,
    readonly options: TestClientOptions,
  ) {
    this.authorizer =
      harness.authMode === 'jwt'
        ? authorizerContext({ userId: options.userId, role: options.role, threadId: options.threadId })
        : undefined;
  }

  get userId(): string {
    return this.options.userId;
  }

  /** Runs $connect; on 2xx the `@connections` API treats the connection as open. */
  async connect(): Promise<ConnectResult> {
    const query: Record<string, string> = { ...this.options.query };
    if (this.harness.authMode === 'none') {
      query.userId ??= this.options.userId;
      if (this.options.threadId !== undefined) query.threadId ??= this.options.threadId;
      if (this.options.role !== undefined) query.role ??= this.options.role;
    } else if (this.options.threadId !== undefined) {
      query.threadId ??= this.options.threadId;
    }
    const result = await connectHandler(
      connectEvent({ connectionId: this.connectionId, query, headers: this.options.headers, authorizer: this.authorizer }),
    );
    if (result.statusCode >= 200 && result.statusCode < 300) this.harness.connectionsApi.open(this.connectionId);
    return result;
  }

  /** Sends a frame (object or raw string) and returns the route response body parsed, if any. */
  async send(body: unknown): Promise<any> {
    const result = await this.sendRaw(body);
    return result.body === undefined ? undefined : JSON.parse(result.body);
  }

  async sendRaw(body: unknown, routeKey?: string): Promise<WebSocketResult> {
    const event = messageEvent({ connectionId: this.connectionId, body, authorizer: this.authorizer, routeKey });
    return invokeRoute(event);
  }

  /** Frames the server posted to this connection. */
  received(): any[] {
    return this.harness.connectionsApi.received(this.connectionId);
  }

  /** The client vanishes without $disconnect (network loss): posts get 410 from now on. */
  vanish(): void {
    this.harness.connectionsApi.close(this.connectionId);
  }

  async disconnect(): Promise<WebSocketResult> {
    this.harness.connectionsApi.close(this.connectionId);
    return disconnectHandler(disconnectEvent({ connectionId: this.connectionId, authorizer: this.authorizer }));
  }
}

export interface ChatHarness {
  readonly authMode: 'jwt' | 'none';
  readonly instanceName: string;
  readonly tables: Record<'messages' | 'connections' | 'threads' | 'idempotency', string>;
  readonly dynamoDb: LocalDynamoDb;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly connectionsApi: ConnectionsApi;
  /** A client (not yet connected). */
  newClient(options: TestClientOptions): TestClient;
  /** A connected client; throws if $connect refused. */
  connect(options: TestClientOptions): Promise<TestClient>;
  /** Every message item stored for a thread, oldest first, straight from the table. */
  storedMessages(threadId: string): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

/** A fresh thread id (tests never share threads by accident). */
export function newThreadId(prefix = 'thread'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export async function startChatHarness(options: HarnessOptions = {}): Promise<ChatHarness> {
  const authMode = options.authMode ?? 'jwt';
  const instanceName = `chat-${randomBytes(4).toString('hex')}`;
  const dynamoDb: LocalDynamoDb = options.dynamoDbEndpoint
    ? { endpoint: options.dynamoDbEndpoint, stop: async () => undefined }
    : await startDynalite();
  const connectionsApi = await startConnectionsApi();
  const client = localDynamoDbClient(dynamoDb.endpoint);
  const tables = await createChatTables(client, instanceName);

  setFakeAwsCredentials();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    [ENV.messagesTable]: tables.messages,
    [ENV.connectionsTable]: tables.connections,
    [ENV.threadsTable]: tables.threads,
    [ENV.idempotencyTable]: tables.idempotency,
    [ENV.connectionsEndpoint]: connectionsApi.endpoint,
    [ENV.authMode]: authMode,
    // Quiet by default; tests about logging capture stdout at the level they set.
    [ENV.logLevel]: 'error',
    ...options.env,
  });

  const harness: ChatHarness = {
    authMode,
    instanceName,
    tables,
    dynamoDb,
    client,
    doc: DynamoDBDocumentClient.from(client),
    connectionsApi,
    newClient: (clientOptions) => new TestClient(harness, clientOptions),
    async connect(clientOptions) {
      const testClient = new TestClient(harness, clientOptions);
      const result = await testClient.connect();
      if (result.statusCode !== 200) {
        throw new Error(`$connect refused for ${clientOptions.userId}: ${result.statusCode} ${result.body ?? ''}`);
      }
      return testClient;
    },
    async storedMessages(threadId) {
      const result = await harness.doc.send(
        new QueryCommand({
          TableName: tables.messages,
          KeyConditionExpression: 'threadId = :threadId',
          ExpressionAttributeValues: { ':threadId': threadId },
          ConsistentRead: true,
        }),
      );
      return result.Items ?? [];
    },
    async stop() {
      client.destroy();
      await connectionsApi.stop();
      await dynamoDb.stop();
    },
  };
  return harness;
}

/**
 * One harness for a whole test file: started before all its tests, stopped after them, with
 * `jest.restoreAllMocks()` after each (tests pin the clock). The returned object stands for the
 * harness once started, so a file writes `const harness = useChatHarness()` at its top.
 */
export function useChatHarness(options: HarnessOptions = {}): ChatHarness {
  let started: ChatHarness | undefined;
  beforeAll(async () => {
    started = await startChatHarness(options);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as ChatHarness, {
    get(_target, property) {
      if (!started) throw new Error('useChatHarness: the harness is used before beforeAll started it');
      return Reflect.get(started, property);
    },
  });
}

/**
 * One harness for a whole test file whose DynamoDB is dynalite behind a fault proxy (faults injected on demand,
 * operations counted at the wire), started before all its tests and stopped after them, in reverse order.
 */
export function useChatHarnessBehindFaultProxy(options: Omit<HarnessOptions, 'dynamoDbEndpoint'> = {}): { harness: ChatHarness; proxy: FaultProxy } {
  let started: { dynalite: LocalDynamoDb; proxy: FaultProxy; harness: ChatHarness } | undefined;
  beforeAll(async () => {
    const dynalite = await startDynalite();
    const proxy = await startFaultProxy(dynalite.endpoint);
    started = { dynalite, proxy, harness: await startChatHarness({ ...options, dynamoDbEndpoint: proxy.endpoint }) };
  });
  afterAll(async () => {
    await started?.harness.stop();
    await started?.proxy.stop();
    await started?.dynalite.stop();
  });
  const lazy = <T extends object>(pick: (parts: NonNullable<typeof started>) => T): T =>
    new Proxy({} as T, {
      get(_target, property) {
        if (!started) throw new Error('useChatHarnessBehindFaultProxy: used before beforeAll started it');
        const part = pick(started);
        const value = Reflect.get(part, property);
        return typeof value === 'function' ? value.bind(part) : value;
      },
    });
  return { harness: lazy((parts) => parts.harness), proxy: lazy((parts) => parts.proxy) };
}

export { routeKeyFor };
