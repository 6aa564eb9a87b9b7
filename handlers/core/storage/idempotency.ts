/**
 * The idempotency table: `${threadId}#${clientMessageId}` (bot replies: `${threadId}#bot#${messageId}`)
 * → the full stored message, for a day. The first writer's message wins; a retry gets that same
 * message back (same messageId) and re-puts it, so a crashed first writer still ends stored.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './client';
import { InternalFault } from '../logging';
import type { StoredMessage } from './records';

export function userIdempotencyKey(threadId: string, clientMessageId: string): string {
  return `${threadId}#${clientMessageId}`;
}

export function botIdempotencyKey(threadId: string, messageId: string): string {
  return `${threadId}#bot#${messageId}`;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: StoredMessage };

interface IdempotencyItem {
  idempotencyKey: string;
  message: StoredMessage;
  expiresAt: number;
}

/** A claim can lose to a record that expired and vanished before it could be read: try again. */
const CLAIM_ATTEMPTS = 3;

export class IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: () => string,
  ) {}

  /** Records `message` under `key` unless a message is already recorded there (then returns it). */
  async claim(key: string, message: StoredMessage, expiresAt: number): Promise<ClaimResult> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        const item: IdempotencyItem = { idempotencyKey: key, message, expiresAt };
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName(),
            Item: item,
            ConditionExpression: 'attribute_not_exists(idempotencyKey)',
          }),
        );
        return { claimed: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
      const existing = await this.get(key);
      if (existing) return { claimed: false, existing };
    }
    // The key holds the client's clientMessageId: not in the message, which is logged.
    throw new InternalFault('An idempotency record could neither be claimed nor read');
  }

  async get(key: string): Promise<StoredMessage | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName(), Key: { idempotencyKey: key }, ConsistentRead: true }),
    );
    return (result.Item as IdempotencyItem | undefined)?.message;
  }

  /**
   * Moves the record to the message's new timestamp after a key clash: a compare-and-swap on the
   * recorded timestamp, so two writers of the same message never store it under two keys. False when
   * the record no longer holds `fromTimestamp` (another writer moved it first: read it again).
   */
  async move(key: string, fromTimestamp: number, message: StoredMessage, expiresAt: number): Promise<boolean> {
    const item: IdempotencyItem = { idempotencyKey: key, message, expiresAt };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName(),
          Item: item,
          ConditionExpression: '#message.#messageId = :messageId AND #message.#timestamp = :from',
          ExpressionAttributeNames: { '#message': 'message', '#messageId': 'messageId', '#timestamp': 'timestamp' },
          ExpressionAttributeValues: { ':messageId': message.messageId, ':from': fromTimestamp },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
