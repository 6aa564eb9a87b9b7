/**
 * `startLocalChat(options)`: the whole chat server on one local port, running the real handlers
 * (lib/schema.ts HANDLERS) unchanged in a Lambda-like worker, against emulations of the AWS services
 * they call. Used by `npm start` (local/start.ts), the end-to-end and browser tests and the benchmark.
 *
 *   const chat = await startLocalChat({ port: 0 });          // in-memory data, demo bot on
 *   const ws = new WebSocket(`${chat.wsUrl}?userId=alice&threadId=t1`);
 *   ...
 *   await chat.settled();                                    // every reaction has run
 *   chat.counters().dynamodb.byOperation.PutItem;            // requests counted on the wire
 *   await chat.close();
 *
 * One port serves: the WebSocket API at `/`, the pages `/` and `/agent`, and (loopback clients only,
 * signed AWS requests) DynamoDB, SNS, Lambda Invoke and `@connections`, told apart by the SigV4
 * credential scope's service name.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  DEFAULTS,
  ENV,
  HANDLERS,
  LIMITS,
  OUTBOX_FILTER_PATTERN,
  type HandlerId,
  type TableId,
} from '../lib/schema';
import { CounterRegistry, type LocalChatCounters } from './counters';
import { startLocalDynamoDb } from './dynamodb';
import { FunctionHost, type InvocationOutcome } from './function-host';
import { LocalSnsTopic } from './sns-topic';
import { TableStream } from './table-stream';
import { createLambdaInvokeApi, isLambdaInvokePath } from './lambda-api';
import { WebSocketGateway } from './websocket-gateway';
import { createConnectionsApi, isConnectionsPath } from './connections-api';
import { createStaticSite, pageConfig } from './static-site';
import { createLogger, type LogLevel } from './logger';
import type { SnsFilterPolicy } from './filter-patterns';

export type { LocalChatCounters } from './counters';
export type { SnsFilterPolicy } from './filter-patterns';

/** JWT verification settings, the same the construct's `auth` prop takes (see help/security.md). */
export interface LocalAuthOptions {
  readonly jwksUrl: string;
  readonly issuer: string;
  /** One audience, or several comma separated. */
  readonly audience: string;
  readonly userIdClaim?: string;
  readonly rolesClaim?: string;
  readonly agentRole?: string;
}

/** A Lambda SNS handler subscribed to the bot topic. */
export interface LocalBotOptions {
  /** Path of the module exporting the handler (TypeScript or JavaScript). */
  readonly handlerFile: string;
  /** Exported function name. Default `handler`. */
  readonly exportName?: string;
  /** Subscription filter policy on message attributes; `null` receives everything. Default {@link DEFAULT_BOT_FILTER_POLICY}. */
  readonly filterPolicy?: SnsFilterPolicy | null;
  /** Extra environment for the bot (its own settings). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LocalChatOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. The AWS emulation endpoints always answer loopback clients only. */
  readonly host?: string;
  /** Directory for persistent data (created); omit for in-memory data. */
  readonly dataDir?: string;
  /** Subscribe the built-in demo bot (local/demo-bot.ts). Default: true unless `bot` is given. */
  readonly demoBot?: boolean;
  /** Run your own bot handler file (instead of the demo bot unless `demoBot: true`). */
  readonly bot?: LocalBotOptions;
  /** Verify JWTs like the deployed authorizer; omit for the insecure development mode (identity from the query string). */
  readonly auth?: LocalAuthOptions;
  /** Per-connection message rate limit passed to the handlers. Defaults: lib/schema.ts DEFAULTS. */
  readonly rateLimit?: { readonly messages?: number; readonly windowSeconds?: number };
  readonly messageRetentionDays?: number;
  /** Log level of the handlers and the runtime. Default `info`. */
  readonly logLevel?: LogLevel;
  /** API Gateway timeouts; tests shorten them. Defaults: 10 minutes idle, 2 hours per connection. */
  readonly idleTimeoutMs?: number;
  readonly maxConnectionMs?: number;
  /** Instance name: tables `<name>-messages`, functions `<name>-message-send`, ... Default `local-chat`. */
  readonly name?: string;
  /**
   * Replaces handler files (relative to the repo root or absolute). For testing the runtime itself
   * with fixture handlers; the chat server always runs the real ones.
   */
  readonly handlerFiles?: Partial<Record<HandlerId, string>>;
  /**
   * Epoch ms the functions' clock (handlers and bots: message timestamps, `lastActivityAt`) reads at
   * start; it then runs at normal speed. For reproducible screenshots. Default: the real clock.
   */
  readonly clockStartsAt?: number;
  /** Sink for the runtime's own JSON log lines. Default: console. */
  readonly logSink?: (line: string, level: LogLevel) => void;
}

export interface LocalChat {
  /** `http://127.0.0.1:<port>`: the chat page, `/agent`, and the AWS emulation endpoints. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/`: the WebSocket API. */
  readonly wsUrl: string;
  readonly port: number;
  /** Physical table names. */
  readonly tables: Readonly<Record<TableId, string>>;
  readonly topicArn: string;
  /** Name a bot passes to Lambda Invoke to reply (the bot-reply handler). */
  readonly botReplyFunctionName: string;
  /** The environment the handlers run with (endpoints, tables, auth): handy for tools and tests. */
  readonly handlerEnv: Readonly<Record<string, string>>;
  /** Counters since start (or the last reset): DynamoDB requests by operation, SNS, `@connections`, ... */
  counters(): LocalChatCounters;
  resetCounters(): void;
  /**
   * Resolves when nothing is in flight: every handler invocation, stream record, SNS delivery (bots
   * included) and async Lambda invocation started so far has finished. Lets tests assert that
   * something did NOT happen (the bot stayed silent) without sleeping.
   */
  settled(): Promise<void>;
  /** Closes every WebSocket (1001, `$disconnect` runs), drains work in flight, flushes and closes the data store. */
  close(): Promise<void>;
}

/** The bot subscription filter: user messages, not while a human agent has taken the thread over. */
export const DEFAULT_BOT_FILTER_POLICY: SnsFilterPolicy = { messageType: ['user'], isHumanOverride: ['false'] };

/** Environment variable a bot reads to find the bot-reply function (the construct outputs the same name). */
export const BOT_REPLY_FUNCTION_ENV = 'CHAT_BOT_REPLY_FUNCTION_NAME';

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';
const STAGE = 'local';
const REPO_ROOT = path.resolve(__dirname, '..');
const MAX_REQUEST_BYTES = 7 * 1024 * 1024;

export async function startLocalChat(options: LocalChatOptions = {}): Promise<LocalChat> {
  const logLevel = options.logLevel ?? 'info';
  const logger = createLogger(logLevel, options.logSink);
  const counters = new CounterRegistry();
  const name = options.name ?? 'local-chat';
  const host = options.host ?? '127.0.0.1';

  const dynamo = await startLocalDynamoDb({ dataDir: options.dataDir, instanceName: name, region: REGION, counters, logger });
  const server = http.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await dynamo.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const internalUrl = `http://127.0.0.1:${port}`;

  const functionName = (id: HandlerId): string => `${name}-${path.basename(HANDLERS[id], '.ts')}`;
  const handlerEnv = chatHandlerEnv(options, dynamo.tableNames, internalUrl, `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}-responder`, logLevel);
  const topicArn = handlerEnv[ENV.responderTopicArn];
  const botReplyFunctionName = functionName('botReply');

  const resources: { close(): Promise<void> }[] = [];
  const closeResources = async (): Promise<void> => {
    for (const resource of resources.reverse()) {
      await resource.close().catch((error: unknown) => logger.error('close_failed', { error: (error as Error).message }));
    }
  };
  resources.push({ close: () => dynamo.close() });
  resources.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });

  try {
    // Both environments load in parallel (each compiles its TypeScript and loads the AWS SDK).
    const bots = botSubscriptions(options, name);
    const clockOffsetMs = options.clockStartsAt === undefined ? undefined : options.clockStartsAt - Date.now();
    const [chatStart, botStart] = await Promise.allSettled([
      FunctionHost.start({
        label: 'chat',
        functions: (Object.keys(HANDLERS) as HandlerId[]).map((id) => ({
          functionName: functionName(id),
          file: path.resolve(REPO_ROOT, options.handlerFiles?.[id] ?? HANDLERS[id]),
        })),
        env: handlerEnv,
        region: REGION,
        accountId: ACCOUNT_ID,
        clockOffsetMs,
        counters,
        logger,
      }),
      bots.length === 0
        ? Promise.resolve(undefined)
        : FunctionHost.start({
            label: 'bots',
            functions: bots.map((bot) => ({ functionName: bot.functionName, file: bot.file, exportName: bot.exportName, timeoutMs: 60_000 })),
            env: botEnv(internalUrl, botReplyFunctionName, topicArn, logLevel, options.bot?.env),
            region: REGION,
            accountId: ACCOUNT_ID,
            clockOffsetMs,
            counters,
            logger,
          }),
    ]);
    for (const started of [chatStart, botStart]) if (started.status === 'fulfilled' && started.value) resources.push(started.value);
    if (chatStart.status === 'rejected') throw chatStart.reason;
    if (botStart.status === 'rejected') throw botStart.reason;
    const chatFunctions = chatStart.value;
    const botHost = botStart.value;
    const invokeHandler = (id: HandlerId, event: unknown, requestId?: string): Promise<InvocationOutcome> =>
      chatFunctions.invoke(functionName(id), event, requestId);

    const topic = new LocalSnsTopic({ topicArn, publicUrl: internalUrl, counters, logger });
    for (const bot of bots) {
      topic.subscribe({
        functionName: bot.functionName,
        filterPolicy: bot.filterPolicy ?? undefined,
        invoke: (event) => botHost!.invoke(bot.functionName, event),
      });
    }

    const stream = new TableStream({
      streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${dynamo.tableNames.messages}/stream/1970-01-01T00:00:00.000`,
      region: REGION,
      filter: OUTBOX_FILTER_PATTERN,
      invoke: (event) => invokeHandler('outbox', event),
      counters,
      logger,
    });
    resources.push({ close: async () => stream.close() });
    dynamo.onWrite((write) => {
      if (write.tableName === dynamo.tableNames.messages) stream.push(write);
    });

    const lambdaApi = createLambdaInvokeApi(
      new Map([[botReplyFunctionName, (event: unknown, requestId: string) => invokeHandler('botReply', event, requestId)]]),
      logger,
    );
    const gateway = new WebSocketGateway({
      apiId: API_ID,
      stage: STAGE,
      region: REGION,
      accountId: ACCOUNT_ID,
      useAuthorizer: options.auth !== undefined,
      invoke: invokeHandler,
      limits: {
        maxFrameBytes: LIMITS.maxFrameBytes,
        maxMessageBytes: LIMITS.maxMessageBytes,
        idleTimeoutMs: options.idleTimeoutMs ?? LIMITS.idleTimeoutSeconds * 1000,
        maxConnectionMs: options.maxConnectionMs ?? 2 * 60 * 60 * 1000,
      },
      counters,
      logger,
    });
    const connectionsApi = createConnectionsApi(gateway, counters, LIMITS.maxMessageBytes);
    const site = createStaticSite(pageConfig(options.auth ? 'jwt' : 'none', options.auth?.userIdClaim));

    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => gateway.handleUpgrade(request, socket, head));
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const pathname = new URL(request.url ?? '/', 'http://local').pathname;
      const service = signingService(request.headers.authorization);
      if (service === undefined) {
        // What API Gateway answers an unsigned management call: the SDK always signs, so only curl and friends see this.
        if (isConnectionsPath(pathname)) return missingAuthenticationToken(response);
        return site(request, response, pathname);
      }
      if (!isLoopback(request.socket.remoteAddress)) {
        // These endpoints accept any signature: never from another machine.
        response.writeHead(403, { 'content-type': 'text/plain' });
        return void response.end('AWS emulation endpoints answer loopback clients only\n');
      }
      readBody(request, MAX_REQUEST_BYTES).then(
        (body) => {
          if (service === 'dynamodb') return dynamo.handle(request, response, body);
          if (service === 'sns') return topic.handle(request, response, body);
          if (service === 'lambda' && isLambdaInvokePath(pathname)) return lambdaApi.handle(request, response, body, pathname);
          if (service === 'execute-api' && isConnectionsPath(pathname)) return connectionsApi(request, response, body, pathname);
          response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
          return void response.end(JSON.stringify({ message: `no local emulation for ${service} ${request.method} ${pathname}` }));
        },
        () => {
          response.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
          response.end('Request too large\n');
        },
      );
    });

    // Closed first: stop new work, let `$disconnect`s run, then drain what is in flight.
    resources.push({
      close: async () => {
        await gateway.shutdown();
        await withTimeout(settle(), 10_000);
      },
    });

    const settle = async (): Promise<void> => {
      // Work begets work (a message → stream → outbox → SNS → bot → bot-reply): loop until quiet.
      for (;;) {
        await gateway.idle();
        await stream.idle();
        await topic.idle();
        await lambdaApi.idle();
        if (!gateway.busy && !stream.busy && !topic.busy && !lambdaApi.busy()) return;
      }
    };

    if (!options.auth) {
      logger.warn('auth.development_mode', {
        message: 'INSECURE development mode: clients choose their identity with ?userId=&threadId=&role=. Never expose this to a network; set CHAT_AUTH_JWKS_URL to verify tokens.',
      });
    }
    logger.info('started', { url: internalUrl, dataDir: options.dataDir ?? null, authMode: options.auth ? 'jwt' : 'none', bots: bots.map((bot) => bot.functionName) });

    let closing: Promise<void> | undefined;
    return {
      url: internalUrl,
      wsUrl: `ws://127.0.0.1:${port}/`,
      port,
      tables: dynamo.tableNames,
      topicArn,
      botReplyFunctionName,
      handlerEnv,
      counters: () => counters.snapshot(),
      resetCounters: () => counters.reset(),
      settled: settle,
      close: () => (closing ??= closeResources().then(() => logger.info('stopped', {}))),
    };
  } catch (error) {
    await closeResources();
    throw error;
  }
}

/** The functions' environment: what the construct sets on the Lambda functions, pointed at this runtime. */
function chatHandlerEnv(
  options: LocalChatOptions,
  tables: Readonly<Record<TableId, string>>,
  internalUrl: string,
  topicArn: string,
  logLevel: LogLevel,
): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(internalUrl),
    [ENV.messagesTable]: tables.messages,
    [ENV.connectionsTable]: tables.connections,
    [ENV.threadsTable]: tables.threads,
    [ENV.idempotencyTable]: tables.idempotency,
    [ENV.responderTopicArn]: topicArn,
    [ENV.connectionsEndpoint]: internalUrl,
    [ENV.messageRetentionDays]: String(options.messageRetentionDays ?? DEFAULTS.messageRetentionDays),
    [ENV.rateLimitMessages]: String(options.rateLimit?.messages ?? DEFAULTS.rateLimitMessages),
    [ENV.rateLimitWindowSeconds]: String(options.rateLimit?.windowSeconds ?? DEFAULTS.rateLimitWindowSeconds),
    [ENV.logLevel]: logLevel,
    [ENV.authMode]: options.auth ? 'jwt' : 'none',
  };
  if (options.auth) {
    env[ENV.jwksUrl] = options.auth.jwksUrl;
    env[ENV.issuer] = options.auth.issuer;
    env[ENV.audience] = options.auth.audience;
    if (options.auth.userIdClaim) env[ENV.userIdClaim] = options.auth.userIdClaim;
    if (options.auth.rolesClaim) env[ENV.rolesClaim] = options.auth.rolesClaim;
    if (options.auth.agentRole) env[ENV.agentRole] = options.auth.agentRole;
  }
  return env;
}

/** A bot runs with the developer's environment (its own settings, API keys) but local AWS endpoints. */
function botEnv(
  internalUrl: string,
  botReplyFunctionName: string,
  topicArn: string,
  logLevel: LogLevel,
  extra?: Readonly<Record<string, string>>,
): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('AWS_')),
  );
  return {
    ...inherited,
    ...baseEnv(internalUrl),
    [BOT_REPLY_FUNCTION_ENV]: botReplyFunctionName,
    [ENV.responderTopicArn]: topicArn,
    [ENV.logLevel]: logLevel,
    ...extra,
  };
}

/** AWS SDK settings every local function gets: fake credentials, one region, every endpoint on this runtime. */
function baseEnv(internalUrl: string): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'NODE_ENV'];
  const env: Record<string, string> = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name] as string;
  return {
    ...env,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: internalUrl,
    AWS_ENDPOINT_URL_SNS: internalUrl,
    AWS_ENDPOINT_URL_LAMBDA: internalUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The functions stand for nodejs22.x Lambdas: the SDK's warning about the local Node version is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
}

interface BotSpec {
  readonly functionName: string;
  readonly file: string;
  readonly exportName?: string;
  readonly filterPolicy: SnsFilterPolicy | null;
}

function botSubscriptions(options: LocalChatOptions, name: string): BotSpec[] {
  const bots: BotSpec[] = [];
  if (options.demoBot ?? options.bot === undefined) {
    bots.push({ functionName: `${name}-demo-bot`, file: path.join(__dirname, 'demo-bot.ts'), filterPolicy: DEFAULT_BOT_FILTER_POLICY });
  }
  if (options.bot) {
    if (!existsSync(path.resolve(options.bot.handlerFile))) {
      throw new Error(`bot handler file not found: ${path.resolve(options.bot.handlerFile)}`);
    }
    bots.push({
      functionName: `${name}-bot`,
      file: path.resolve(options.bot.handlerFile),
      exportName: options.bot.exportName,
      filterPolicy: options.bot.filterPolicy === undefined ? DEFAULT_BOT_FILTER_POLICY : options.bot.filterPolicy,
    });
  }
  return bots;
}

/** The service name in a SigV4 `Authorization` header's credential scope (`.../us-east-1/sns/aws4_request`). */
function signingService(authorization: string | undefined): string | undefined {
  const match = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match?.[1];
}

function missingAuthenticationToken(response: http.ServerResponse): void {
  const payload = JSON.stringify({ message: 'Missing Authentication Token' });
  response.writeHead(403, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'x-amzn-errortype': 'MissingAuthenticationTokenException',
  });
  response.end(payload);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.destroy();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

