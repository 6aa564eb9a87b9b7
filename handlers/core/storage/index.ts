/** Access to the four chat tables, created from the configuration's table names. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatConfig } from '../config';
import { ConnectionStore } from './connections';
import { IdempotencyStore } from './idempotency';
import { MessageStore } from './messages';
import { ThreadStore } from './threads';

export interface ChatStorage {
  connections: ConnectionStore;
  threads: ThreadStore;
  messages: MessageStore;
  idempotency: IdempotencyStore;
}

/** Table names are resolved on each call, so a function only needs the variables of tables it touches. */
export function createStorage(doc: DynamoDBDocumentClient, config: ChatConfig): ChatStorage {
  return {
    connections: new ConnectionStore(doc, () => config.tableName('connections')),
    threads: new ThreadStore(doc, () => config.tableName('threads')),
    messages: new MessageStore(doc, () => config.tableName('messages')),
    idempotency: new IdempotencyStore(doc, () => config.tableName('idempotency')),
  };
}

export { getDocumentClient, isConditionalCheckFailed } from './client';
export { botIdempotencyKey, userIdempotencyKey } from './idempotency';
export type { ConnectionRecord, MessageOrigin, StoredMessage, ThreadConnection, ThreadRecord } from './records';
export { toChatMessage } from './records';
export type { ConnectionStore } from './connections';
export type { IdempotencyStore } from './idempotency';
export type { MessageStore } from './messages';
export type { ThreadStore, SendPermission, TimestampGrant } from './threads';
