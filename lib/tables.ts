/**
 * DynamoDB tables, generated from lib/schema.ts TABLES (the same definitions the local runtime and
 * the tests create their tables from): on-demand, encrypted, point-in-time recovery, TTL, deletion
 * protection, and a stream where the schema asks for one.
 */
import type { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { skipCheckovCheck } from './checkov';
import { given } from './switch';
import { MESSAGES_TABLE, TABLES, tableName, type KeyAttribute, type TableId, type TableSchema } from './schema';

export interface ChatTableOptions {
  /** Instance name: the physical table name is `<name>-<logicalName>`. */
  readonly name: string;
  /** @default AWS managed key */
  readonly kmsKeyArn?: string;
  /** @default true */
  readonly deletionProtection?: boolean;
}

function attributesOf(schema: TableSchema): KeyAttribute[] {
  const byName = new Map<string, KeyAttribute>();
  const keys = [schema.hashKey, schema.rangeKey, ...schema.globalIndexes.flatMap((i) => [i.hashKey, i.rangeKey])];
  for (const key of keys) {
    if (!key) continue;
    const known = byName.get(key.name);
    if (known && known.type !== key.type) {
      throw new Error(`Table ${schema.logicalName}: attribute ${key.name} is both ${known.type} and ${key.type}`);
    }
    byName.set(key.name, key);
  }
  return [...byName.values()];
}

/** One table from its schema definition. */
export function createTable(scope: Construct, id: string, schema: TableSchema, options: ChatTableOptions): DynamodbTable {
  const table = new DynamodbTable(scope, id, {
    name: tableName(options.name, schema),
    billingMode: 'PAY_PER_REQUEST',
    hashKey: schema.hashKey.name,
    rangeKey: schema.rangeKey?.name,
    attribute: attributesOf(schema).map((key) => ({ name: key.name, type: key.type })),
    globalSecondaryIndex: schema.globalIndexes.map((index) => ({
      name: index.indexName,
      hashKey: index.hashKey.name,
      rangeKey: index.rangeKey?.name,
      projectionType: 'INCLUDE',
      nonKeyAttributes: [...index.nonKeyAttributes],
    })),
    ttl: { attributeName: schema.ttlAttribute, enabled: true },
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: options.kmsKeyArn },
    deletionProtectionEnabled: options.deletionProtection ?? true,
    streamEnabled: schema.stream !== undefined,
    streamViewType: schema.stream,
  });
  if (given(options.kmsKeyArn) !== true) {
    skipCheckovCheck(
      table,
      'CKV_AWS_119',
      'Encrypted at rest with the AWS managed key (aws/dynamodb); set kmsKeyArn to use a customer-managed key.',
    );
  }
  return table;
}

/** Every table of TABLES, by id. */
export function createTables(scope: Construct, options: ChatTableOptions): Record<TableId, DynamodbTable> {
  const tables = {} as Record<TableId, DynamodbTable>;
  for (const id of Object.keys(TABLES) as TableId[]) {
    tables[id] = createTable(scope, `${id}-table`, TABLES[id], options);
  }
  return tables;
}

/** The messages table alone (the seed's helper): threadId/timestamp, TTL, stream for the outbox. */
export function createMessagesTable(scope: Construct, options: ChatTableOptions, id = 'messages-table'): DynamodbTable {
  return createTable(scope, id, MESSAGES_TABLE, options);
}
