/** The threads table: owner, takeover state, last message timestamp and last activity of each thread. */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { THREADS_TABLE, THREAD_LIST_KEY } from '../../../lib/schema';
import type { ThreadSummary } from '../protocol';
import { isConditionalCheckFailed } from './client';
import type { ThreadRecord } from './records';

const BY_ACTIVITY_INDEX = THREADS_TABLE.globalIndexes[0].indexName;

/** Who may add a message to a thread; the check is the write's condition, so it is atomic. */
export type SendPermission =
  /** Only the thread's owner (a user). */
  | { kind: 'owner'; userId: string }
  /** Any existing thread (agents). */
  | { kind: 'agent' }
  /** A bot: refused while the thread is under human takeover; optionally only if owned by `ownerId`. */
  | { kind: 'bot'; ownerId?: string };

/** A message's place in its thread, granted by the thread record. */
export interface TimestampGrant {
  /** The message's sort key: ms since the epoch, with a .001 step past the thread's last message when needed. */
  timestamp: number;
  ownerId: string;
  isHumanOverride: boolean;
}

/** Distance between two messages of a thread that land in one millisecond (or behind the thread's clock). */
const TIMESTAMP_STEP = 0.001;

export class ThreadStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: () => string,
  ) {}

  /**
   * Creates the thread owned by `userId`, or confirms `userId` owns it. False when another user owns it.
   * One conditional UpdateItem: `if_not_exists` keeps an existing thread's state.
   */
  async openAsOwner(threadId: string, userId: string, now: number, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName(),
          Key: { threadId },
          UpdateExpression:
            'SET ownerId = if_not_exists(ownerId, :userId), createdAt = if_not_exists(createdAt, :now), ' +
            'lastActivityAt = if_not_exists(lastActivityAt, :now), ' +
            'isHumanOverride = if_not_exists(isHumanOverride, :false), listKey = :listKey, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(threadId) OR ownerId = :userId',
          ExpressionAttributeValues: {
            ':userId': userId,
            ':now': now,
            ':false': false,
            ':listKey': THREAD_LIST_KEY,
            ':expiresAt': expiresAt,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async get(threadId: string): Promise<ThreadRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName(), Key: { threadId }, ConsistentRead: true }),
    );
    return result.Item as ThreadRecord | undefined;
  }

  /**
   * Grants the next message of a thread its timestamp (and bumps the thread's activity and expiry)
   * when `permission` allows; undefined when it does not: no such thread, not the owner, or (bots)
   * under takeover. The thread's `lastTimestamp` only grows, so its messages sort in the order the
   * thread granted them, whatever the callers' clocks say:
   * - a message in a new millisecond of the thread takes `now` (one UpdateItem, the usual case);
   * - one at or behind the thread's last timestamp (same millisecond, or a container whose clock
   *   lags another's) takes the last timestamp + 0.001, DynamoDB doing the decimal arithmetic.
   * Each write carries the permission in its condition, so the check and the grant are atomic.
   */
  async nextTimestamp(
    threadId: string,
    permission: SendPermission,
    now: number,
    expiresAt: number,
  ): Promise<TimestampGrant | undefined> {
    const wholeMs = Math.floor(now);
    const inNewMillisecond = await this.grant(
      threadId,
      permission,
      'SET lastTimestamp = :now, lastActivityAt = :now, expiresAt = :expiresAt',
      '(attribute_not_exists(lastTimestamp) OR lastTimestamp < :now)',
      { ':now': wholeMs, ':expiresAt': expiresAt },
    );
    if (inNewMillisecond) return inNewMillisecond;
    // The first write failed on the time (it only grows, so this one's time condition holds) or on
    // the permission (then this one fails too: refused).
    return this.grant(
      threadId,
      permission,
      'SET lastTimestamp = lastTimestamp + :step, lastActivityAt = :now, expiresAt = :expiresAt',
      'lastTimestamp >= :now',
      { ':now': wholeMs, ':step': TIMESTAMP_STEP, ':expiresAt': expiresAt },
    );
  }

  private async grant(
    threadId: string,
    permission: SendPermission,
    update: string,
    timeCondition: string,
    timeValues: Record<string, unknown>,
  ): Promise<TimestampGrant | undefined> {
    const values: Record<string, unknown> = { ...timeValues };
    let condition = `attribute_exists(threadId) AND ${timeCondition}`;
    if (permission.kind === 'owner') {
      condition += ' AND ownerId = :owner';
      values[':owner'] = permission.userId;
    } else if (permission.kind === 'bot') {
      condition += ' AND (attribute_not_exists(isHumanOverride) OR isHumanOverride = :false)';
      values[':false'] = false;
      if (permission.ownerId !== undefined) {
        condition += ' AND ownerId = :owner';
        values[':owner'] = permission.ownerId;
      }
    }
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName(),
          Key: { threadId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = result.Attributes as ThreadRecord;
      return { timestamp: item.lastTimestamp!, ownerId: item.ownerId, isHumanOverride: item.isHumanOverride === true };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /** Sets or clears human takeover. Undefined when the thread does not exist. */
  async setHumanOverride(
    threadId: string,
    enabled: boolean,
    by: string,
    now: number,
  ): Promise<ThreadRecord | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName(),
          Key: { threadId },
          UpdateExpression: enabled
            ? 'SET isHumanOverride = :true, overrideBy = :by, overrideAt = :now'
            : 'SET isHumanOverride = :false, overrideAt = :now REMOVE overrideBy',
          ConditionExpression: 'attribute_exists(threadId)',
          ExpressionAttributeValues: enabled ? { ':true': true, ':by': by, ':now': now } : { ':false': false, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as ThreadRecord;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /**
   * Threads by most recent activity (the byActivity index), newest first, active after `activeSince`
   * (epoch ms): older ones hold only expired messages and wait for TTL deletion.
   */
  async listByActivity(limit: number, activeSince: number): Promise<ThreadSummary[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName(),
        IndexName: BY_ACTIVITY_INDEX,
        KeyConditionExpression: 'listKey = :listKey AND lastActivityAt > :since',
        ExpressionAttributeValues: { ':listKey': THREAD_LIST_KEY, ':since': activeSince },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      threadId: item.threadId as string,
      ownerId: item.ownerId as string,
      lastActivityAt: item.lastActivityAt as number,
      isHumanOverride: item.isHumanOverride === true,
      overrideBy: typeof item.overrideBy === 'string' ? item.overrideBy : null,
    }));
  }
}
