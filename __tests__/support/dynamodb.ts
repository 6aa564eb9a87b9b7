/**
 * A real DynamoDB implementation for tests: dynalite (validates requests like DynamoDB) started
 * in-process on 127.0.0.1 with a free port, and the chat tables created from lib/schema.ts TABLES,
 * the same definitions the construct synthesizes. `createChatTables` works against any DynamoDB
 * endpoint (moto too, with streams).
 */
import {
  CreateTableCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;
import { TABLES, tableName, type TableSchema } from '../../lib/schema';
import { closeServer, listenOnLoopback } from './loopback';

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamoDb> {
  // Tables become ACTIVE at once: tests never wait for CREATING.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    stop: () => closeServer(server),
  };
}

/** CreateTable input for a schema table: keys, GSIs (INCLUDE projection), on-demand, stream. */
export function createTableInput(instanceName: string, table: TableSchema): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const define = (key: { name: string; type: 'S' | 'N' }) =>
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  define(table.hashKey);
  if (table.rangeKey) define(table.rangeKey);
  for (const index of table.globalIndexes) {
    define(index.hashKey);
    if (index.rangeKey) define(index.rangeKey);
  }
  return {
    TableName: tableName(instanceName, table),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: table.hashKey.name, KeyType: 'HASH' },
      ...(table.rangeKey ? [{ AttributeName: table.rangeKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    GlobalSecondaryIndexes:
      table.globalIndexes.length === 0
        ? undefined
        : table.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.hashKey.name, KeyType: 'HASH' as const },
              ...(index.rangeKey ? [{ AttributeName: index.rangeKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.nonKeyAttributes] },
          })),
    StreamSpecification: table.stream ? { StreamEnabled: true, StreamViewType: table.stream } : undefined,
  };
}

/** Creates the four chat tables of an instance; returns their physical names by table id. */
export async function createChatTables(
  client: DynamoDBClient,
  instanceName: string,
): Promise<Record<keyof typeof TABLES, string>> {
  const names = {} as Record<keyof typeof TABLES, string>;
  for (const [id, table] of Object.entries(TABLES) as [keyof typeof TABLES, TableSchema][]) {
    await client.send(new CreateTableCommand(createTableInput(instanceName, table)));
    names[id] = tableName(instanceName, table);
  }
  return names;
}

/** A client with fake credentials for a local endpoint. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}
