/**
 * The test harness others reuse must behave like the AWS services it stands in for: the local
 * @connections API as seen by the real ApiGatewayManagementApiClient, and tables from the schema.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, tableName } from '../../lib/schema';
import { startConnectionsApi, type ConnectionsApi } from '../support/connections-api';
import { createChatTables, localDynamoDbClient, startDynalite, type LocalDynamoDb } from '../support/dynamodb';
import { newConnectionId } from '../support/websocket-events';

let api: ConnectionsApi;
let client: ApiGatewayManagementApiClient;

beforeAll(async () => {
  api = await startConnectionsApi();
  client = new ApiGatewayManagementApiClient({
    endpoint: api.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await api.stop();
});

describe('local @connections API', () => {
  test('GIVEN an open connection with a base64 id WHEN the SDK posts, gets and deletes it THEN the frame is recorded, info returned and later posts are Gone', async () => {
    const connectionId = newConnectionId();
    api.open(connectionId);

    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"type":"ping"}') }));
    const info = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));

    expect(api.received(connectionId)).toEqual([{ type: 'ping' }]);
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    await expect(
      client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{}') })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  test('GIVEN a connection that never existed WHEN posted to THEN the SDK raises GoneException with status 410', async () => {
    const error = await client
      .send(new PostToConnectionCommand({ ConnectionId: newConnectionId(), Data: Buffer.from('{}') }))
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
  });

  test('GIVEN an injected throttle WHEN posted to THEN the SDK raises LimitExceededException once and the next post succeeds', async () => {
    const connectionId = newConnectionId();
    api.open(connectionId);
    api.failNext(connectionId, { status: 429, errorType: 'LimitExceededException' }, 1);
    const post = () => client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"n":1}') }));

    await expect(post()).rejects.toBeInstanceOf(LimitExceededException);
    await post();

    expect(api.received(connectionId)).toEqual([{ n: 1 }]);
    expect(api.attempts(connectionId)).toBe(2);
  });
});

describe('tables from lib/schema.ts', () => {
  let dynamo: LocalDynamoDb;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  test('GIVEN the schema WHEN the harness creates the tables THEN keys and indexes are exactly the schema\'s', async () => {
    const dynamodb = localDynamoDbClient(dynamo.endpoint);
    await createChatTables(dynamodb, 'schema-check');

    for (const table of Object.values(TABLES)) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName('schema-check', table) }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: table.hashKey.name, KeyType: 'HASH' },
        ...(table.rangeKey ? [{ AttributeName: table.rangeKey.name, KeyType: 'RANGE' }] : []),
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.Projection])).toEqual(
        table.globalIndexes.map((index) => [
          index.indexName,
          { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.nonKeyAttributes] },
        ]),
      );
    }
    dynamodb.destroy();
  });
});
