/** The threads table: owner, takeover state, message counter and last activity of each thread. */
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

export interface SequenceGrant {
  seq: number;
  ownerId: string;
  isHumanOverride: boolean;
}

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
            'lastActivityAt = if_not_exists(lastActivityAt, :now), seq = if_not_exists(seq, :zero), ' +
            'isHumanOverride = if_not_exists(isHumanOverride, :false), listKey = :listKey, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(threadId) OR ownerId = :userId',
          ExpressionAttributeValues: {
            ':userId': userId,
            ':now': now,
            ':zero': 0,
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
   * Takes the next message number of a thread (and bumps its activity and expiry) when `permission`
   * allows. Undefined when the condition fails: no such thread, not the owner, or (bots) under takeover.
   */
  async nextSequence(
    threadId: string,
    permission: SendPermission,
    now: number,
    expiresAt: number,
  ): Promise<SequenceGrant | undefined> {
    const values: Record<string, unknown> = { ':now': now, ':one': 1, ':expiresAt': expiresAt };
    let condition = 'attribute_exists(threadId)';
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
          UpdateExpression: 'SET lastActivityAt = :now, expiresAt = :expiresAt ADD seq :one',
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = result.Attributes as ThreadRecord;
      return { seq: item.seq, ownerId: item.ownerId, isHumanOverride: item.isHumanOverride === true };
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

  /** Threads by most recent activity (the byActivity index), newest first. */
  async listByActivity(limit: number): Promise<ThreadSummary[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName(),
        IndexName: BY_ACTIVITY_INDEX,
        KeyConditionExpression: 'listKey = :listKey',
        ExpressionAttributeValues: { ':listKey': THREAD_LIST_KEY },
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
