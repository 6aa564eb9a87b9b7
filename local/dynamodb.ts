/**
 * DynamoDB for the local runtime: the `dynalite` package (a DynamoDB implementation that validates
 * requests like the real service) in-process on an internal loopback port, with the tables created
 * from lib/schema.ts TABLES, behind a proxy endpoint that the handlers' SDK clients use
 * (AWS_ENDPOINT_URL_DYNAMODB). The proxy counts requests by operation on the wire and feeds the
 * messages table stream emulation: dynalite has no streams, so the proxy tells the table's stream writer
 * about each PutItem on that table before forwarding it (so a crash in between is recovered from the
 * stream's journal) and, after it succeeded, whether it created or replaced an item (it asks for
 * `ReturnValues: ALL_OLD` and strips the old image again when the caller did not ask for it), all before
 * the caller gets its answer.
 */
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type AttributeDefinition,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableId, type TableSchema } from '../lib/schema';
import type { CounterRegistry } from './counters';
import { closeDynaliteIteratorsOnDestroy } from './dynalite-iterators';
import type { RuntimeLogger } from './logger';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => http.Server;

closeDynaliteIteratorsOnDestroy();

export type AttributeMap = Record<string, AttributeValue>;

/** A put on a table with a stream, as its stream writer is told before it is forwarded. */
export interface TableWrite {
  readonly tableName: string;
  readonly keys: AttributeMap;
  readonly newImage: AttributeMap;
  /** Size of the request body, a stand-in for the record size. */
  readonly sizeBytes: number;
}

/** A table's stream, as the proxy feeds it: each put begins before it is forwarded and ends before its answer. */
export interface StreamWriter {
  begin(write: TableWrite): {
    /** The put succeeded and changed the item: a record with this event name. */
    commit(eventName: 'INSERT' | 'MODIFY'): void;
    /** The put failed or changed nothing: no record. */
    abort(): void;
  };
}

export interface LocalDynamoDb {
  /** Internal dynalite URL (not for handlers: they go through the proxy to be counted). */
  readonly internalUrl: string;
  /** Physical table names by logical id. */
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** Serves one DynamoDB API request that arrived on the runtime's public port. */
  handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void;
  /** Feeds the puts on a table with a stream to its stream writer. */
  streamTo(tableName: string, writer: StreamWriter): void;
  /** Reads an item (strongly consistent) straight from the store, e.g. to recover a stream's pending writes. */
  getItem(tableName: string, keys: AttributeMap): Promise<AttributeMap | undefined>;
  /** Stops dynalite, waiting for its LevelDB store to flush and close. */
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** Directory for the LevelDB store; undefined keeps everything in memory. */
  readonly dataDir?: string;
  /** Physical table names by logical id (the deployment model's). */
  readonly tableNames: Readonly<Record<TableId, string>>;
  readonly region: string;
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';

export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Tables are ACTIVE immediately: nothing to wait for locally.
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const internalUrl = `http://127.0.0.1:${port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const { tableNames } = options;
  const streamTables = new Set(
    (Object.keys(TABLES) as TableId[]).filter((id) => TABLES[id].stream).map((id) => tableNames[id]),
  );
  const keyNames = new Map(
    (Object.keys(TABLES) as TableId[]).map((id) => [
      tableNames[id],
      [TABLES[id].hashKey.name, ...(TABLES[id].rangeKey ? [TABLES[id].rangeKey!.name] : [])],
    ]),
  );

  try {
    await ensureTables(internalUrl, options.region, tableNames, options.logger);
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  const streamWriters = new Map<string, StreamWriter>();

  function handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const operation = String(request.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length) || 'Unknown';
    options.counters.dynamodbRequest(operation);

    let forwardBody = body;
    let streamWrite: { item: AttributeMap; stripOldImage: boolean; pending: ReturnType<StreamWriter['begin']> } | undefined;
    if (operation === 'PutItem') {
      const parsed = parseJson(body) as { TableName?: string; Item?: AttributeMap; ReturnValues?: string } | undefined;
      const writer = parsed?.TableName && parsed.Item && streamTables.has(parsed.TableName) ? streamWriters.get(parsed.TableName) : undefined;
      if (writer && parsed?.TableName && parsed.Item) {
        const callerAskedForOldImage = parsed.ReturnValues === 'ALL_OLD';
        const names = keyNames.get(parsed.TableName) ?? [];
        const item = parsed.Item;
        const pending = writer.begin({
          tableName: parsed.TableName,
          keys: Object.fromEntries(names.filter((name) => name in item).map((name) => [name, item[name]])),
          newImage: item,
          sizeBytes: body.length,
        });
        streamWrite = { item, stripOldImage: !callerAskedForOldImage, pending };
        if (!callerAskedForOldImage) forwardBody = Buffer.from(JSON.stringify({ ...parsed, ReturnValues: 'ALL_OLD' }));
      }
    }

    const upstream = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: request.method,
        path: '/',
        headers: { ...forwardableHeaders(request.headers), 'content-length': String(forwardBody.length) },
      },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          let responseBody = Buffer.concat(chunks);
          const status = upstreamResponse.statusCode ?? 500;
          if (status >= 400) options.counters.mutable.dynamodb.errors += 1;
          if (streamWrite && status !== 200) streamWrite.pending.abort();
          if (status === 200 && streamWrite) {
            const parsed = (parseJson(responseBody) ?? {}) as { Attributes?: AttributeMap };
            const oldImage = parsed.Attributes;
            // DynamoDB writes no stream record for a put that changes nothing.
            if (oldImage && isDeepStrictEqual(oldImage, streamWrite.item)) streamWrite.pending.abort();
            else streamWrite.pending.commit(oldImage ? 'MODIFY' : 'INSERT');
            if (streamWrite.stripOldImage && parsed.Attributes) {
              delete parsed.Attributes;
              responseBody = Buffer.from(JSON.stringify(parsed));
            }
          }
          const headers: http.OutgoingHttpHeaders = {
            'content-type': upstreamResponse.headers['content-type'] ?? 'application/x-amz-json-1.0',
            'content-length': String(responseBody.length),
            // The SDK verifies this checksum: recompute it for a body we changed.
            'x-amz-crc32': String(crc32(responseBody)),
          };
          const requestId = upstreamResponse.headers['x-amzn-requestid'];
          if (requestId) headers['x-amzn-requestid'] = requestId;
          response.writeHead(status, headers);
          response.end(responseBody);
        });
      },
    );
    upstream.on('error', (error) => {
      // The put may or may not have been applied: left pending, the stream settles it from the store.
      options.logger.error('dynamodb.proxy_error', { operation, error: error.message });
      if (!response.headersSent) {
        const payload = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'local DynamoDB unavailable' });
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(payload)) });
        response.end(payload);
      } else {
        response.destroy();
      }
    });
    upstream.end(forwardBody);
  }

  return {
    internalUrl,
    tableNames,
    handle,
    streamTo: (tableName, writer) => {
      if (!streamTables.has(tableName)) throw new Error(`local DynamoDB: table ${tableName} has no stream`);
      streamWriters.set(tableName, writer);
    },
    getItem: (tableName, keys) => getItemFrom(internalUrl, agent, tableName, keys),
    close: async () => {
      agent.destroy();
      await closeServer(server);
    },
  };
}

/** Creates missing tables; refuses to run on a data directory whose tables have another key schema. */
async function ensureTables(
  endpoint: string,
  region: string,
  names: Readonly<Record<TableId, string>>,
  logger: RuntimeLogger,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);

    for (const id of Object.keys(TABLES) as TableId[]) {
      const schema = TABLES[id];
      const input = createTableInput(names[id], schema);
      if (!existing.has(names[id])) {
        await client.send(new CreateTableCommand(input));
        logger.debug('dynamodb.table_created', { table: names[id] });
        continue;
      }
      const { Table } = await client.send(new DescribeTableCommand({ TableName: names[id] }));
      const actual = JSON.stringify({
        keys: Table?.KeySchema,
        indexes: (Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.KeySchema]).sort(),
      });
      const expected = JSON.stringify({
        keys: input.KeySchema,
        indexes: (input.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.KeySchema]).sort(),
      });
      if (actual !== expected) {
        throw new Error(
          `table ${names[id]} in the data directory has another key schema than lib/schema.ts ` +
            '(data from an older version?). Move the data directory away or choose another CHAT_DATA_DIR.',
        );
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * The CreateTable request for a schema: the same keys, GSIs and projections the construct synthesizes.
 * `withStream` adds the schema's stream (for an implementation that has streams, e.g. moto; dynalite
 * has none, and the runtime emulates the messages stream itself).
 */
export function createTableInput(name: string, schema: TableSchema, withStream = false): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const define = (key: { name: string; type: 'S' | 'N' }): void => {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  };
  define(schema.hashKey);
  if (schema.rangeKey) define(schema.rangeKey);
  for (const index of schema.globalIndexes) {
    define(index.hashKey);
    if (index.rangeKey) define(index.rangeKey);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: schema.hashKey.name, KeyType: 'HASH' },
      ...(schema.rangeKey ? [{ AttributeName: schema.rangeKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    GlobalSecondaryIndexes:
      schema.globalIndexes.length === 0
        ? undefined
        : schema.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.hashKey.name, KeyType: 'HASH' as const },
              ...(index.rangeKey ? [{ AttributeName: index.rangeKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.nonKeyAttributes] },
          })),
    StreamSpecification: withStream && schema.stream ? { StreamEnabled: true, StreamViewType: schema.stream } : undefined,
  };
}

/** GetItem straight from dynalite (not counted: it is the runtime's own read, not a handler's). */
function getItemFrom(endpoint: string, agent: http.Agent, tableName: string, keys: AttributeMap): Promise<AttributeMap | undefined> {
  const body = Buffer.from(JSON.stringify({ TableName: tableName, Key: keys, ConsistentRead: true }));
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `${TARGET_PREFIX}GetItem`,
          // dynalite checks that a request is signed, not the signature.
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
          'x-amz-date': '20000101T000000Z',
          'content-length': String(body.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200) return reject(new Error(`GetItem on ${tableName} answered ${response.statusCode}: ${text.slice(0, 200)}`));
          resolve((JSON.parse(text) as { Item?: AttributeMap }).Item);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function forwardableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const forwarded: http.OutgoingHttpHeaders = {};
  for (const name of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-security-token']) {
    if (headers[name] !== undefined) forwarded[name] = headers[name];
  }
  return forwarded;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
