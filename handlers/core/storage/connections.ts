/** The connections table: one item per live WebSocket connection, indexed by thread. */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONNECTIONS_TABLE } from '../../../lib/schema';
import { isConditionalCheckFailed } from './client';
import type { ConnectionRecord, ThreadConnection } from './records';

const BY_THREAD_INDEX = CONNECTIONS_TABLE.globalIndexes[0].indexName;

export class ConnectionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: () => string,
  ) {}

  async put(record: ConnectionRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName(), Item: record }));
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName(), Key: { connectionId }, ConsistentRead: true }),
    );
    return result.Item as ConnectionRecord | undefined;
  }

  async delete(connectionId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName(), Key: { connectionId } }));
  }

  /**
   * Deletes the record of a connection `@connections` reported gone, unless it connected at or after
   * `connectedBefore`: API Gateway answers 410 for a connection whose $connect has not completed
   * yet, and that connection is about to be live. True when deleted.
   */
  async deleteGone(connectionId: string, connectedBefore: number): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName(),
          Key: { connectionId },
          ConditionExpression: 'connectedAt < :connectedBefore',
          ExpressionAttributeValues: { ':connectedBefore': connectedBefore },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Every connection of a thread (the byThread index; console connections have no thread). */
  async listByThread(threadId: string): Promise<ThreadConnection[]> {
    const connections: ThreadConnection[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName(),
          IndexName: BY_THREAD_INDEX,
          KeyConditionExpression: 'threadId = :threadId',
          ExpressionAttributeValues: { ':threadId': threadId },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        connections.push({
          connectionId: item.connectionId as string,
          userId: item.userId as string,
          role: item.role === 'agent' ? 'agent' : 'user',
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return connections;
  }

  /**
   * Counts one message in the stored rate window when that window is the current one (or newer,
   * set by a container whose clock runs ahead) and has room. Undefined when it does not apply.
   */
  async countInWindow(
    connectionId: string,
    window: number,
    limit: number,
    now: number,
  ): Promise<ConnectionRecord | undefined> {
    return this.conditionalUpdate({
      TableName: this.tableName(),
      Key: { connectionId },
      UpdateExpression: 'SET lastSeen = :now ADD rateCount :one',
      ConditionExpression: 'attribute_exists(connectionId) AND rateWindow >= :window AND rateCount < :limit',
      ExpressionAttributeValues: { ':now': now, ':one': 1, ':window': window, ':limit': limit },
      ReturnValues: 'ALL_NEW',
    });
  }

  /** Starts a new rate window with this message counted, when the stored window is older. */
  async openWindow(connectionId: string, window: number, now: number): Promise<ConnectionRecord | undefined> {
    return this.conditionalUpdate({
      TableName: this.tableName(),
      Key: { connectionId },
      UpdateExpression: 'SET lastSeen = :now, rateWindow = :window, rateCount = :one',
      ConditionExpression:
        'attribute_exists(connectionId) AND (attribute_not_exists(rateWindow) OR rateWindow < :window)',
      ExpressionAttributeValues: { ':now': now, ':one': 1, ':window': window },
      ReturnValues: 'ALL_NEW',
    });
  }

  private async conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]) {
    try {
      const result = await this.doc.send(new UpdateCommand(input));
      return result.Attributes as ConnectionRecord;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }
}
