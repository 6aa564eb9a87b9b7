/**
 * What the function cold starts run against, all on 127.0.0.1 and stopped at the end: dynalite
 * (in memory) with the tables created from lib/schema.ts, an `@connections` endpoint and an SNS
 * Publish endpoint (query protocol) that accept and count requests, and a JWKS endpoint serving the
 * public key of a key pair the bench signs its authorizer token with.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { TABLES, tableName } from '../lib/schema';
import { createTableInput } from '../local/dynamodb';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface Fixtures {
  dynamodbEndpoint: string;
  /** `@connections` management endpoint (what CHAT_CONNECTIONS_ENDPOINT points at). */
  connectionsEndpoint: string;
  snsEndpoint: string;
  jwksUrl: string;
  issuer: string;
  audience: string;
  instanceName: string;
  counters: { connectionsPosts: number; snsPublishes: number; jwksFetches: number };
  signToken(claims: { sub: string; groups?: string[]; threadId?: string }): Promise<string>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

export async function startFixtures(instanceName = 'bench'): Promise<Fixtures> {
  const database = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamodbPort = await listen(database);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamodbPort}`;
  const client = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  for (const schema of Object.values(TABLES)) {
    await client.send(new CreateTableCommand(createTableInput(tableName(instanceName, schema), schema, true)));
  }
  client.destroy();

  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' };
  const counters = { connectionsPosts: 0, snsPublishes: 0, jwksFetches: 0 };
  const endpoints = createServer((request: IncomingMessage, response: ServerResponse) => {
    void readBody(request).then((body) => {
      const url = request.url ?? '/';
      if (url.includes('/@connections/')) {
        counters.connectionsPosts++;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if (url === '/.well-known/jwks.json') {
        counters.jwksFetches++;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      } else if (request.method === 'POST' && body.includes('Action=Publish')) {
        counters.snsPublishes++;
        response
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
              `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
          );
      } else {
        response.writeHead(404).end();
      }
    });
  });
  const endpointsPort = await listen(endpoints);
  const base = `http://127.0.0.1:${endpointsPort}`;
  const issuer = `${base}/issuer`;
  const audience = 'chat-bench';
  return {
    dynamodbEndpoint,
    connectionsEndpoint: `${base}/prod`,
    snsEndpoint: base,
    jwksUrl: `${base}/.well-known/jwks.json`,
    issuer,
    audience,
    instanceName,
    counters,
    async signToken(claims) {
      return new SignJWT({ 'cognito:groups': claims.groups ?? [], ...(claims.threadId ? { threadId: claims.threadId } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid: 'bench-key' })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    },
    async close() {
      await close(endpoints);
      await close(database);
    },
  };
}
