/**
 * A real DynamoDB implementation for tests: dynalite (validates requests like DynamoDB) started
 * in-process on 127.0.0.1 with a free port, and the chat tables created from lib/schema.ts TABLES,
 * the same definitions the construct synthesizes. `createChatTables` works against any DynamoDB
 * endpoint (moto too, with streams).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;
import { TABLES, tableName, type TableSchema } from '../../lib/schema';
import { createTableInput } from '../../local/dynamodb';
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

export async function createChatTables(
  client: DynamoDBClient,
  instanceName: string,
): Promise<Record<keyof typeof TABLES, string>> {
  const names = {} as Record<keyof typeof TABLES, string>;
  for (const [id, table] of Object.entries(TABLES) as [keyof typeof TABLES, TableSchema][]) {
    await client.send(new CreateTableCommand(createTableInput(tableName(instanceName, table), table, true)));
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
