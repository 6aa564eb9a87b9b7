/**
 * local/dynalite-iterators.ts: dynalite's Query and Scan streams close their LevelDB iterators, so the
 * store's open resources (and the heap) do not grow with every query the handlers make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import '../../local/dynamodb';

/** Counts the iterators (and other resources) the on-disk store has open. */
function countOpenResources(): { readonly open: () => number; restore(): void } {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const { AbstractLevel } = createRequire(createRequire(fromDynalite.resolve('level')).resolve('classic-level'))('abstract-level');
  const { attachResource, detachResource } = AbstractLevel.prototype;
  let open = 0;
  AbstractLevel.prototype.attachResource = function (resource: unknown) {
    open++;
    return attachResource.call(this, resource);
  };
  AbstractLevel.prototype.detachResource = function (resource: unknown) {
    open--;
    return detachResource.call(this, resource);
  };
  return { open: () => open, restore: () => Object.assign(AbstractLevel.prototype, { attachResource, detachResource }) };
}

test('iterators: GIVEN dynalite on disk WHEN 40 Queries (whole, limited, backwards) and a Scan have run THEN no iterator is left open', async () => {
  const resources = countOpenResources();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-iterators-'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const server = (require('dynalite') as (options: object) => http.Server)({ path: dataDir, createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: 'items',
        AttributeDefinitions: [{ AttributeName: 'p', AttributeType: 'S' }, { AttributeName: 's', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'p', KeyType: 'HASH' }, { AttributeName: 's', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 0; i < 10; i++) await client.send(new PutItemCommand({ TableName: 'items', Item: { p: { S: 'a' }, s: { S: String(i).padStart(2, '0') } } }));
    const before = resources.open();

    let read = 0;
    for (let i = 0; i < 40; i++) {
      const page = await client.send(
        new QueryCommand({
          TableName: 'items',
          KeyConditionExpression: 'p = :p',
          ExpressionAttributeValues: { ':p': { S: 'a' } },
          Limit: i % 2 ? 3 : undefined,
          ScanIndexForward: i % 3 !== 0,
        }),
      );
      read += page.Count ?? 0;
    }
    read += (await client.send(new ScanCommand({ TableName: 'items' }))).Count ?? 0;

    expect(read).toBe(20 * 10 + 20 * 3 + 10);
    // Closing is asynchronous: wait for it (bounded).
    for (let waits = 0; waits < 50 && resources.open() > before; waits++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resources.open()).toBe(before);
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
    resources.restore();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
