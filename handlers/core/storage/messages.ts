/**
 * The messages table: one partition per thread, sorted by timestamp (ms since the epoch, with a .001
 * step between messages of one millisecond: ThreadStore.nextTimestamp grants them).
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './client';
import type { StoredMessage } from './records';

/** Outcome of storing a message under its (threadId, timestamp) key. */
export type PutOutcome =
  /** Stored now: the caller delivers it. */
  | 'created'
  /** The same message (same messageId) was already stored by an earlier attempt. */
  | 'existing'
  /** A different message holds this key (one not written through the thread record): take a new timestamp. */
  | 'clash';

export interface HistoryQuery {
  /** Only messages strictly older than this timestamp. */
  before?: number;
  /** Items to evaluate (DynamoDB Limit; applied before the expiry filter). */
  limit: number;
  /** Epoch seconds: items whose expiresAt is not after this are filtered out. */
  notExpiredAt: number;
  startKey?: Record<string, unknown>;
}

export class MessageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: () => string,
  ) {}

  /**
   * Stores the message unless its key is taken. Re-putting the same message (same messageId) is
   * allowed, so a retry after a crash between the idempotency record and this write completes the
   * store; ALL_OLD tells whether this call created it.
   */
  async put(message: StoredMessage): Promise<PutOutcome> {
    try {
      const result = await this.doc.send(
        new PutCommand({
          TableName: this.tableName(),
          Item: message,
          ConditionExpression: 'attribute_not_exists(threadId) OR messageId = :messageId',
          ExpressionAttributeValues: { ':messageId': message.messageId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? 'existing' : 'created';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'clash';
      throw err;
    }
  }

  /** Whether the message `messageId` is stored under (threadId, timestamp). */
  async exists(threadId: string, timestamp: number, messageId: string): Promise<boolean> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.tableName(),
        Key: { threadId, timestamp },
        ConsistentRead: true,
        ProjectionExpression: 'messageId',
      }),
    );
    return result.Item?.messageId === messageId;
  }

  /** Newest-first page of a thread's unexpired messages (strongly consistent: see your own send). */
  async queryNewestFirst(
    threadId: string,
    query: HistoryQuery,
  ): Promise<{ items: StoredMessage[]; lastEvaluatedKey?: Record<string, unknown> }> {
    const values: Record<string, unknown> = { ':threadId': threadId, ':now': query.notExpiredAt };
    let keyCondition = 'threadId = :threadId';
    if (query.before !== undefined) {
      keyCondition += ' AND #timestamp < :before';
      values[':before'] = query.before;
    }
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName(),
        KeyConditionExpression: keyCondition,
        // TTL deletes lag by up to days: expired items must not be served meanwhile.
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeNames: query.before !== undefined ? { '#timestamp': 'timestamp' } : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: query.limit,
        ExclusiveStartKey: query.startKey,
      }),
    );
    return { items: (result.Items ?? []) as StoredMessage[], lastEvaluatedKey: result.LastEvaluatedKey };
  }
}
