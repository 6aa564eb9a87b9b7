/**
 * What each Lambda handler touches, and therefore exactly which IAM actions on which resources and
 * which environment variables its function gets. Derived from the handler code (handlers/core): keep
 * this table in step with it. Anything not listed here is denied.
 */
import type { HandlerId, TableId } from './schema';

export type DynamoDbItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query';

export interface TableAccess {
  readonly table: TableId;
  /** Actions on the table itself. */
  readonly actions: readonly DynamoDbItemAction[];
  /** Queries on global secondary indexes of the table, by index name. */
  readonly indexQueries?: readonly string[];
}

export interface HandlerWiring {
  /** Sentence for the function description. */
  readonly description: string;
  readonly tables: readonly TableAccess[];
  /** Posts frames to connections (`execute-api:ManageConnections` on `POST @connections/*`). */
  readonly postsToConnections: boolean;
  /**
   * The JWT authorizer: gets the token verification settings and nothing else. Every other function
   * gets the chat settings (auth mode, retention, rate limit) so none falls back to a default that
   * differs from the configured one.
   */
  readonly verifiesTokens: boolean;
  /** Reads the messages table stream and publishes to the responder topic (the outbox). */
  readonly publishesFromStream: boolean;
}

const NONE: Omit<HandlerWiring, 'description' | 'tables'> = {
  postsToConnections: false,
  verifiesTokens: false,
  publishesFromStream: false,
};

/** Posting to a thread: list its connections (byThread index), delete the ones that are gone (410). */
const THREAD_DELIVERY: TableAccess = {
  table: 'connections',
  actions: ['dynamodb:DeleteItem'],
  indexQueries: ['byThread'],
};

/** A route after $connect in auth mode none (or without a thread in the context) reads the connection record. */
const CALLER_LOOKUP: TableAccess = { table: 'connections', actions: ['dynamodb:GetItem'] };

export const HANDLER_WIRING: Readonly<Record<HandlerId, HandlerWiring>> = {
  authorizer: {
    ...NONE,
    description: 'JWT REQUEST authorizer of the $connect route',
    tables: [],
    verifiesTokens: true,
  },
  connect: {
    ...NONE,
    description: '$connect: opens (or joins) the thread and records the connection',
    tables: [
      // openAsOwner (conditional UpdateItem) for users; GetItem for agents joining an existing thread.
      { table: 'threads', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      { table: 'connections', actions: ['dynamodb:PutItem'] },
    ],
  },
  disconnect: {
    ...NONE,
    description: '$disconnect: deletes the connection record',
    tables: [{ table: 'connections', actions: ['dynamodb:DeleteItem'] }],
  },
  default: {
    ...NONE,
    description: '$default: answers frames with an unknown action (UNKNOWN_ACTION)',
    tables: [],
  },
  messageSend: {
    ...NONE,
    description: 'message.send: rate limit, store, acknowledge and deliver a message',
    tables: [
      // Rate limit: conditional UpdateItem returning the connection, GetItem on a window race.
      { table: 'connections', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], indexQueries: ['byThread'] },
      { table: 'threads', actions: ['dynamodb:UpdateItem'] },
      { table: 'idempotency', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
      { table: 'messages', actions: ['dynamodb:PutItem'] },
    ],
    postsToConnections: true,
  },
  threadHistory: {
    ...NONE,
    description: 'thread.history: a page of stored messages of the caller\'s thread',
    tables: [CALLER_LOOKUP, { table: 'messages', actions: ['dynamodb:Query'] }],
  },
  typing: {
    ...NONE,
    description: 'typing: relays a typing indicator to the thread',
    tables: [{ ...THREAD_DELIVERY, actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'] }],
    postsToConnections: true,
  },
  threadControl: {
    ...NONE,
    description: 'thread.takeover / thread.release: human takeover of a thread (agents only)',
    tables: [
      { ...THREAD_DELIVERY, actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'] },
      { table: 'threads', actions: ['dynamodb:UpdateItem'] },
    ],
    postsToConnections: true,
  },
  threadList: {
    ...NONE,
    description: 'thread.list: threads by latest activity (agents only)',
    tables: [CALLER_LOOKUP, { table: 'threads', actions: [], indexQueries: ['byActivity'] }],
  },
  botReply: {
    ...NONE,
    description: 'Bot replies (invoked by bots with IAM): store and deliver unless the thread is taken over',
    tables: [
      THREAD_DELIVERY,
      // nextTimestamp (UpdateItem, refused under takeover); GetItem explains a refusal.
      { table: 'threads', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      { table: 'idempotency', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
      // GetItem: whether a retried reply's first attempt stored it (decides delivered vs refused).
      { table: 'messages', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
    ],
    postsToConnections: true,
  },
  outbox: {
    ...NONE,
    description: 'Outbox: publishes new user/agent messages from the messages table stream to the responder topic',
    tables: [],
    publishesFromStream: true,
  },
};
