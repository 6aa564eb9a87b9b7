/**
 * Utility API for bots and operators (the seed's "utility functions"), exported as `./utilities`.
 *
 * - `replyAsBot`: reply into a thread as a bot by invoking the construct's bot-reply function
 *   (IAM-authorized: the caller needs `lambda:InvokeFunction` on that function, which the construct's
 *   bot-reply policy grants). Refused while a human agent has taken the thread over. Also its own entry,
 *   `./bot`, which loads the Lambda client only: a bot bundled from it stays small.
 * - `setHumanTakeover`: set or clear human takeover of a thread and broadcast `thread.status` to its
 *   connections, as an agent's `thread.takeover` / `thread.release` would.
 * - `postFrame`: post an arbitrary JSON frame to one WebSocket connection.
 *
 * AWS clients use the SDK's default configuration (region, credentials, `AWS_ENDPOINT_URL_*`) unless
 * you pass your own.
 *
 * @example
 * ```ts
 * import { replyAsBot } from 'cdktf-chat-server/utilities';
 * const result = await replyAsBot(
 *   { threadId, message: { text: 'Hello!', messageId: `reply-${incoming.messageId}` } },
 *   { functionName: process.env.CHAT_BOT_REPLY_FUNCTION_NAME! },
 * );
 * if (result.status === 'refused') console.log(result.reason); // e.g. HUMAN_TAKEOVER
 * ```
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TakeoverResult } from '../handlers/core/chat-service';
import { ChatService } from '../handlers/core/chat-service';
import { loadConfig } from '../handlers/core/config';
import { FrameDelivery, deleteGoneConnection, type PostOutcome } from '../handlers/core/delivery';
import { createLogger } from '../handlers/core/logging';
import type { ServerFrame } from '../handlers/core/protocol';
import { createStorage, getDocumentClient } from '../handlers/core/storage';
import { ID_RULE, isValidId } from '../handlers/core/validation';
import { ENV, TABLES, tableName, type TableId } from './schema';

export type { BotReplyInput } from '../handlers/core/validation';
export type { BotReplyRefusal, BotReplyResult, TakeoverResult } from '../handlers/core/chat-service';
export type { DeliveryResult, PostOutcome } from '../handlers/core/delivery';
export type {
  ChatMessage,
  ErrorCode,
  MessageType,
  ServerFrame,
  ThreadStatusFrame,
} from '../handlers/core/protocol';
export { ERROR_CODES } from '../handlers/core/protocol';

export {
  BotReplyFunctionError,
  correlationIdOf,
  replyAsBot,
  type ReplyAsBotOptions,
  type SnsRecordWithAttributes,
} from './bot';

// ---- operator actions ----------------------------------------------------------------------

export interface OperatorOptions {
  /** The construct's `name`: tables are `<name>-<logical>`. Otherwise table names come from CHAT_*_TABLE. */
  instanceName?: string;
  /** `@connections` endpoint (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`); else CHAT_CONNECTIONS_ENDPOINT. */
  connectionsEndpoint?: string;
  /** Defaults to a DocumentClient with the SDK's default configuration. */
  dynamoDbClient?: DynamoDBClient;
  /** Defaults to a client for `connectionsEndpoint`. */
  managementApiClient?: ApiGatewayManagementApiClient;
}

function operatorConfig(options: OperatorOptions) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.instanceName !== undefined) {
    const variables: Record<TableId, string> = {
      messages: ENV.messagesTable,
      connections: ENV.connectionsTable,
      threads: ENV.threadsTable,
      idempotency: ENV.idempotencyTable,
    };
    for (const [id, variable] of Object.entries(variables) as [TableId, string][]) {
      env[variable] = tableName(options.instanceName, TABLES[id]);
    }
  }
  if (options.connectionsEndpoint !== undefined) env[ENV.connectionsEndpoint] = options.connectionsEndpoint;
  return loadConfig(env);
}

function managementClient(options: OperatorOptions, endpoint: () => string): ApiGatewayManagementApiClient {
  return options.managementApiClient ?? new ApiGatewayManagementApiClient({ endpoint: endpoint(), maxAttempts: 1 });
}

function operatorService(options: OperatorOptions): ChatService {
  const config = operatorConfig(options);
  const logger = createLogger({ component: 'chat-utilities' });
  const doc = options.dynamoDbClient
    ? DynamoDBDocumentClient.from(options.dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } })
    : getDocumentClient();
  const storage = createStorage(doc, config);
  let client: ApiGatewayManagementApiClient | undefined;
  const delivery = new FrameDelivery(
    async (connectionId, data) => {
      client ??= managementClient(options, () => config.connectionsEndpoint());
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    },
    deleteGoneConnection(storage.connections),
    logger,
  );
  return new ChatService({ storage, delivery, config, logger });
}

export interface SetHumanTakeoverInput {
  threadId: string;
  /** true: a human takes over (bot replies are refused); false: hand the thread back to the bot. */
  enabled: boolean;
  /** Who did it (shown to clients as `by` in `thread.status`). */
  by: string;
}

/**
 * Sets or clears human takeover of a thread and broadcasts `thread.status` to all its connections.
 * Needs read/write on the threads table, read on the connections table and its byThread index,
 * delete on connections (stale cleanup) and `execute-api:ManageConnections`. Throws when the
 * thread does not exist.
 */
export async function setHumanTakeover(
  input: SetHumanTakeoverInput,
  options: OperatorOptions = {},
): Promise<TakeoverResult> {
  if (!isValidId(input.threadId)) throw new Error(`threadId must be ${ID_RULE}`);
  if (typeof input.by !== 'string' || input.by.trim() === '') throw new Error('by must name who changed the thread');
  const result = await operatorService(options).setHumanTakeover(input);
  if (!result) throw new Error(`Thread ${input.threadId} does not exist`);
  return result;
}

export interface PostFrameInput {
  connectionId: string;
  /** Any JSON object; clients of this chat understand the ServerFrame types. */
  frame: ServerFrame | Record<string, unknown>;
}

/**
 * Posts one frame to one connection, with the handlers' retry policy (throttling and 5xx retried).
 * Resolves `delivered`, `stale` (the connection is gone: its record is deleted when the connections
 * table is configured) or `failed`.
 */
export async function postFrame(input: PostFrameInput, options: OperatorOptions = {}): Promise<PostOutcome> {
  const config = operatorConfig(options);
  const logger = createLogger({ component: 'chat-utilities' });
  const client = managementClient(options, () => config.connectionsEndpoint());
  const delivery = new FrameDelivery(
    async (connectionId, data) => {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    },
    async (connectionId) => {
      const doc = options.dynamoDbClient ? DynamoDBDocumentClient.from(options.dynamoDbClient) : getDocumentClient();
      return deleteGoneConnection(createStorage(doc, config).connections)(connectionId);
    },
    logger,
  );
  return delivery.postFrame(input.connectionId, input.frame);
}
