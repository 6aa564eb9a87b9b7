/**
 * The single source of truth shared by the construct (synthesized Terraform), the Lambda handlers,
 * the local runtime (`npm start`) and the tests: table layouts, routes, handler entry points,
 * environment variable names, the outbox stream filter and the protocol limits.
 *
 * This module must stay dependency-free: it is bundled into every Lambda function.
 */

/** A DynamoDB key attribute type. */
export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface GlobalIndexSchema {
  readonly indexName: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  /** Non-key attributes projected into the index (INCLUDE projection). */
  readonly nonKeyAttributes: readonly string[];
}

export interface TableSchema {
  /** Logical name: suffix of the physical table name (`<name>-<logicalName>`). */
  readonly logicalName: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndexSchema[];
  /** Attribute holding the expiry epoch seconds, for DynamoDB TTL. */
  readonly ttlAttribute: string;
  /** Stream view type when the table feeds a stream consumer. */
  readonly stream?: 'NEW_IMAGE';
}

/** Stored chat messages: one partition per thread, ordered by timestamp (ms, fractional tiebreak). */
export const MESSAGES_TABLE: TableSchema = {
  logicalName: 'messages',
  hashKey: { name: 'threadId', type: 'S' },
  rangeKey: { name: 'timestamp', type: 'N' },
  globalIndexes: [],
  ttlAttribute: 'expiresAt',
  stream: 'NEW_IMAGE',
};

/** Live WebSocket connections: one item per connection; a user may hold many. */
export const CONNECTIONS_TABLE: TableSchema = {
  logicalName: 'connections',
  hashKey: { name: 'connectionId', type: 'S' },
  globalIndexes: [
    {
      indexName: 'byThread',
      hashKey: { name: 'threadId', type: 'S' },
      nonKeyAttributes: ['userId', 'role'],
    },
  ],
  ttlAttribute: 'expiresAt',
};

/** Thread records: owner, human-takeover state, newest message timestamp and last activity. */
export const THREADS_TABLE: TableSchema = {
  logicalName: 'threads',
  hashKey: { name: 'threadId', type: 'S' },
  globalIndexes: [
    {
      // Agents list active threads newest first; `listKey` is a constant partition for this small index.
      indexName: 'byActivity',
      hashKey: { name: 'listKey', type: 'S' },
      rangeKey: { name: 'lastActivityAt', type: 'N' },
      nonKeyAttributes: ['ownerId', 'isHumanOverride', 'overrideBy'],
    },
  ],
  ttlAttribute: 'expiresAt',
};

/** Idempotency records: `clientMessageId` (or a bot's `messageId`) per thread, kept for a day. */
export const IDEMPOTENCY_TABLE: TableSchema = {
  logicalName: 'idempotency',
  hashKey: { name: 'idempotencyKey', type: 'S' },
  globalIndexes: [],
  ttlAttribute: 'expiresAt',
};

export const TABLES = {
  messages: MESSAGES_TABLE,
  connections: CONNECTIONS_TABLE,
  threads: THREADS_TABLE,
  idempotency: IDEMPOTENCY_TABLE,
} as const;

export type TableId = keyof typeof TABLES;

/** Value of `listKey` on every thread item (partition of the `byActivity` index). */
export const THREAD_LIST_KEY = 'thread';

/** Lambda handlers: id → entry file (relative to the repo root) and exported function name `handler`. */
export const HANDLERS = {
  authorizer: 'handlers/authorizer.ts',
  connect: 'handlers/connect.ts',
  disconnect: 'handlers/disconnect.ts',
  default: 'handlers/default.ts',
  messageSend: 'handlers/message-send.ts',
  threadHistory: 'handlers/thread-history.ts',
  typing: 'handlers/typing.ts',
  threadControl: 'handlers/thread-control.ts',
  threadList: 'handlers/thread-list.ts',
  botReply: 'handlers/bot-reply.ts',
  outbox: 'handlers/outbox.ts',
} as const;

export type HandlerId = keyof typeof HANDLERS;

/** WebSocket routes (`$request.body.action`) and the handler each one invokes. */
export const ROUTES: Readonly<Record<string, HandlerId>> = {
  $connect: 'connect',
  $disconnect: 'disconnect',
  $default: 'default',
  'message.send': 'messageSend',
  'thread.history': 'threadHistory',
  typing: 'typing',
  'thread.takeover': 'threadControl',
  'thread.release': 'threadControl',
  'thread.list': 'threadList',
};

/**
 * Routes whose handler's return body is sent back to the caller (API Gateway two-way route with a
 * `$default` route response). `$connect`/`$disconnect` cannot carry one.
 */
export const TWO_WAY_ROUTES: readonly string[] = Object.keys(ROUTES).filter(
  (route) => route !== '$connect' && route !== '$disconnect',
);

/** Environment variables the construct sets on the functions and the local runtime provides. */
export const ENV = {
  messagesTable: 'CHAT_MESSAGES_TABLE',
  connectionsTable: 'CHAT_CONNECTIONS_TABLE',
  threadsTable: 'CHAT_THREADS_TABLE',
  idempotencyTable: 'CHAT_IDEMPOTENCY_TABLE',
  responderTopicArn: 'CHAT_RESPONDER_TOPIC_ARN',
  /** `@connections` management endpoint, `https://{api}.execute-api.{region}.amazonaws.com/{stage}`. */
  connectionsEndpoint: 'CHAT_CONNECTIONS_ENDPOINT',
  messageRetentionDays: 'CHAT_MESSAGE_RETENTION_DAYS',
  /** `jwt` or `none`. */
  authMode: 'CHAT_AUTH_MODE',
  jwksUrl: 'CHAT_AUTH_JWKS_URL',
  issuer: 'CHAT_AUTH_ISSUER',
  audience: 'CHAT_AUTH_AUDIENCE',
  userIdClaim: 'CHAT_AUTH_USER_ID_CLAIM',
  rolesClaim: 'CHAT_AUTH_ROLES_CLAIM',
  agentRole: 'CHAT_AUTH_AGENT_ROLE',
  /** Oldest token (seconds since its `iat`) the authorizer accepts. */
  maxTokenAgeSeconds: 'CHAT_AUTH_MAX_TOKEN_AGE_SECONDS',
  rateLimitMessages: 'CHAT_RATE_LIMIT_MESSAGES',
  rateLimitWindowSeconds: 'CHAT_RATE_LIMIT_WINDOW_SECONDS',
  logLevel: 'CHAT_LOG_LEVEL',
  /** The chat server's `name`: the value of the metrics' dimension (lib/metrics.ts). */
  instanceName: 'CHAT_INSTANCE_NAME',
} as const;

/** The variable holding each table's physical name (the construct sets it on the functions that use the table). */
export const TABLE_NAME_ENV: Readonly<Record<TableId, string>> = {
  messages: ENV.messagesTable,
  connections: ENV.connectionsTable,
  threads: ENV.threadsTable,
  idempotency: ENV.idempotencyTable,
};

/** Variable a bot reads to find the bot-reply function (the `bot_reply_function_name` output holds the same name). */
export const BOT_REPLY_FUNCTION_ENV = 'CHAT_BOT_REPLY_FUNCTION_NAME';

/** Defaults shared by the construct props and the local runtime. */
export const DEFAULTS = {
  messageRetentionDays: 90,
  userIdClaim: 'sub',
  rolesClaim: 'cognito:groups',
  agentRole: 'chat-agent',
  /** One day: a token older than this is refused whatever its `exp` says (a far-future `exp` is not a lifetime). */
  maxTokenAgeSeconds: 86400,
  rateLimitMessages: 20,
  rateLimitWindowSeconds: 10,
} as const;

/**
 * The outbox: a DynamoDB Streams filter on the messages table. Every newly inserted user or agent
 * message is published to the responder topic; bot replies are not (bots would answer themselves).
 * Used verbatim by the event source mapping and by the local runtime's stream emulation.
 */
export const OUTBOX_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { messageType: { S: ['user', 'agent'] } } },
} as const;

/** Protocol limits, chosen so every server frame stays under API Gateway's 32 KB frame size. */
export const LIMITS = {
  /** Maximum `text` length in UTF-16 code units (JS string length). */
  maxTextLength: 4000,
  /** Maximum serialized `metadata` size in bytes (UTF-8 JSON). */
  maxMetadataBytes: 4096,
  /** Maximum incoming frame size (API Gateway WebSocket frame limit). */
  maxFrameBytes: 32 * 1024,
  /** Maximum message size API Gateway accepts (frames reassembled). */
  maxMessageBytes: 128 * 1024,
  /** Upper bound for a history page's serialized frame, under the 128 KB message limit. */
  maxHistoryFrameBytes: 120 * 1024,
  /** `thread.history` page size: default and maximum. */
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  /**
   * Identifiers (threadId, clientMessageId, userId): 1-128 chars of [A-Za-z0-9._:@|-]. `|` admits Auth0 subjects
   * (`auth0|abc`); `#`, the separator of composite keys, is never allowed.
   */
  idPattern: /^[A-Za-z0-9._:@|-]{1,128}$/,
  /** API Gateway closes a WebSocket connection after 2 hours; records expire a little later. */
  connectionTtlSeconds: 2 * 60 * 60 + 5 * 60,
  /** Idempotency records live a day: retries come within seconds, never days. */
  idempotencyTtlSeconds: 24 * 60 * 60,
  /** API Gateway's idle timeout. */
  idleTimeoutSeconds: 10 * 60,
} as const;

/**
 * The keepalive. API Gateway closes a connection no client frame reached for LIMITS.idleTimeoutSeconds (frames
 * pushed to the client do not count), so a client that may only listen sends `{"action":"ping"}` at least every
 * `intervalSeconds`. API Gateway answers it itself (a MOCK integration, `reply`): no function runs, nothing is
 * stored, no rate allowance is used.
 */
export const KEEPALIVE = {
  routeKey: 'ping',
  reply: { type: 'pong' },
  /** Half the idle timeout: room for a browser that runs a background tab's timers once a minute. */
  intervalSeconds: LIMITS.idleTimeoutSeconds / 2,
} as const;

/** Physical table name for an instance: `<name>-<logicalName>`. */
export function tableName(instanceName: string, table: TableSchema): string {
  return `${instanceName}-${table.logicalName}`;
}

/**
 * The SNS message attributes the outbox publishes with every message (all of DataType `String`), with the
 * values each can take (`null`: any identifier). Bot subscription filter policies can match only these.
 */
export const OUTBOX_MESSAGE_ATTRIBUTES = {
  threadId: null,
  messageType: OUTBOX_FILTER_PATTERN.dynamodb.NewImage.messageType.S,
  isHumanOverride: ['true', 'false'],
} as const satisfies Readonly<Record<string, readonly string[] | null>>;

export type OutboxMessageAttribute = keyof typeof OUTBOX_MESSAGE_ATTRIBUTES;

/**
 * One more String attribute of every outbox SNS message: the message's correlation id (its messageId), which
 * a bot passes back as bot-reply's `correlationId` so that one log query follows the message end to end.
 * Not one of OUTBOX_MESSAGE_ATTRIBUTES: unique per message, it is nothing to filter on.
 */
export const OUTBOX_CORRELATION_ATTRIBUTE = 'correlationId';

/** The usual bot's subscription filter: user messages only, and nothing while a human agent has taken the thread over. */
export const DEFAULT_BOT_FILTER_POLICY = {
  messageType: ['user'],
  isHumanOverride: ['false'],
} as const satisfies Readonly<Partial<Record<OutboxMessageAttribute, readonly string[]>>>;

/** A handler's entry file name, which names its function (`handlers/message-send.ts` → `message-send`). */
export function functionSuffix(handlerId: HandlerId): string {
  return HANDLERS[handlerId].replace(/^.*\//, '').replace(/\.ts$/, '');
}

/** Physical name of a handler's function: `<name>-<entry file name>`, e.g. `support-message-send`. */
export function functionName(instanceName: string, handlerId: HandlerId): string {
  return `${instanceName}-${functionSuffix(handlerId)}`;
}
