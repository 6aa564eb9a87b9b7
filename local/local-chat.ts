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
import type { LogLevel } from '../handlers/core/logging';
import { bundleHandlers } from '../lib/bundling';
import { PACKAGE_ROOT } from '../lib/package-root';
import { CHAT_SERVER_DEFAULTS, LAMBDA_RUNTIME } from '../lib/chat-server-defaults';
import {
  arnOf,
  deploymentModel,
  functionOf,
  functionsOf,
  OUTBOX_STREAM_MAPPING,
  resolvedEnvironment,
  streamMappingOf,
  type DeploymentModel,
  type DeploymentPlace,
  type DeploymentSettings,
  type EnvValue,
  type ModelStatement,
  type ResourceRef,
} from '../lib/deployment-model';
import {
  BOT_REPLY_FUNCTION_ENV,
  DEFAULT_BOT_FILTER_POLICY,
  ENV,
  LIMITS,
  type HandlerId,
  type TableId,
} from '../lib/schema';
import { createAwsEndpoints, LOCAL_SERVICES, type LocalService } from './aws-endpoints';
import { CounterRegistry, type LocalChatCounters } from './counters';
import { startLocalDynamoDb } from './dynamodb';
import { FunctionHost, type InvocationOutcome } from './function-host';
import { LocalIam, type LocalCredentials, type LocalPrincipal, type ResolvedStatement } from './local-iam';
import { LocalSnsTopic } from './sns-topic';
import { TableStream } from './table-stream';
import { createLambdaInvokeApi } from './lambda-api';
import { CONNECTION_BOUNDS, refuseUpgrade, WebSocketGateway } from './websocket-gateway';
import { RequestGuard, type Refusal } from './request-guard';
import { createConnectionsApi, isConnectionsPath } from './connections-api';
import { signingServiceOf } from './sigv4';
import { createStaticSite, pageConfig } from './static-site';
import { createLogger } from './logger';
import { checkBotFilterPolicy } from '../lib/bot-filter-policy';
import type { SnsFilterPolicy } from '../lib/sns-filter-policy';

export type { LocalChatCounters } from './counters';
export type { SnsFilterPolicy } from '../lib/sns-filter-policy';

/** JWT verification settings, the same the construct's `auth` prop takes (see help/security.md). */
export interface LocalAuthOptions {
  readonly jwksUrl: string;
  readonly issuer: string;
  /** One audience, or several comma separated. */
  readonly audience: string;
  readonly userIdClaim?: string;
  readonly rolesClaim?: string;
  readonly agentRole?: string;
  /** Oldest token accepted, by its `iat`, in seconds. Default lib/schema.ts DEFAULTS (one day). */
  readonly maxTokenAgeSeconds?: number;
}

/** A Lambda SNS handler subscribed to the bot topic. */
export interface LocalBotOptions {
  /** Path of the module exporting the handler (TypeScript or JavaScript). */
  readonly handlerFile: string;
  /** Exported function name. Default `handler`. */
  readonly exportName?: string;
  /** Subscription filter policy on message attributes; `null` receives everything. Default lib/schema.ts DEFAULT_BOT_FILTER_POLICY. */
  readonly filterPolicy?: SnsFilterPolicy | null;
  /** Extra environment for the bot (its own settings). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LocalChatOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. The AWS emulation endpoints always answer loopback clients only. */
  readonly host?: string;
  /**
   * More names clients may reach the runtime by (`name` on any port, `name:port`), besides localhost,
   * 127.0.0.1, [::1] and the interface it listens on; requests naming another `Host` are refused (421)
   * so that a web page cannot reach it through DNS rebinding (local/request-guard.ts). Default: none.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * More origins WebSocket upgrades may come from (`http(s)://name[:port]`, or `null`), besides the
   * runtime's own pages; upgrades from other pages are refused (403) in both auth modes. Default: none.
   */
  readonly allowedOrigins?: readonly string[];
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
  /** Sink for the log lines: the runtime's own, and what its functions write (their JSON log lines and metric lines, as written). Default: console and stdout. */
  readonly logSink?: (line: string, level: LogLevel) => void;
  /**
   * Changes the deployment model before the runtime starts (e.g. removes a statement from a function's
   * policy). For testing the runtime and the policies; the chat server always runs the construct's model.
   */
  readonly deployment?: (model: DeploymentModel) => DeploymentModel;
}

/** What an AWS SDK client needs to call this runtime as the operator (full access): `new DynamoDBClient(chat.awsConfig)`. */
export interface LocalAwsConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: LocalCredentials;
}

export interface LocalChat {
  /** `http://127.0.0.1:<port>`: the chat page, `/agent`, and the AWS emulation endpoints. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/`: the WebSocket API. */
  readonly wsUrl: string;
  readonly port: number;
  /** The deployment this runtime runs: the construct's, for these settings. */
  readonly model: DeploymentModel;
  /** Physical table names. */
  readonly tables: Readonly<Record<TableId, string>>;
  readonly topicArn: string;
  /** Name a bot passes to Lambda Invoke to reply (the bot-reply handler). */
  readonly botReplyFunctionName: string;
  /** Region, endpoint and the operator's credentials, for SDK clients of tools and tests. */
  readonly awsConfig: LocalAwsConfig;
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

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';
const STAGE = 'local';
const STREAM_LABEL = '1970-01-01T00:00:00.000';
const REPO_ROOT = PACKAGE_ROOT;
const MAX_REQUEST_BYTES = 7 * 1024 * 1024;
/** Bots get a minute: they may call slow services (a language model) before replying. */
const BOT_TIMEOUT_MS = 60_000;

export async function startLocalChat(options: LocalChatOptions = {}): Promise<LocalChat> {
  const logLevel = options.logLevel ?? 'info';
  const logger = createLogger(logLevel, options.logSink);
  const counters = new CounterRegistry();
  const name = options.name ?? 'local-chat';
  const host = options.host ?? '127.0.0.1';
  const computed = deploymentModel(localSettings(options, name, logLevel));
  const model = options.deployment ? options.deployment(computed) : computed;
  const arn = (ref: ResourceRef) => arnOf(model, ref, LOCAL_PLACE);
  const resolve = (statements: readonly ModelStatement[]): ResolvedStatement[] =>
    statements.map((statement) => ({ ...statement, resources: statement.resources.map(arn) }));

  const dynamo = await startLocalDynamoDb({ dataDir: options.dataDir, tableNames: tableNamesOf(model), region: REGION, counters, logger });
  const server = http.createServer();
  // The port opens before the parts behind it can (their settings name it): what arrives meanwhile waits here until ready.
  const readiness = holdUntilReady(server);
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
  const topicArn = arn({ kind: 'topic' });
  const botReplyFunctionName = functionOf(model, 'botReply').name;

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
    const clockOffsetMs = options.clockStartsAt === undefined ? 0 : options.clockStartsAt - Date.now();
    const iam = new LocalIam({ accountId: ACCOUNT_ID, logger });
    const principals = new Map<string, LocalPrincipal>();
    const issue = (functionName: string, kind: LocalPrincipal['kind'], statements: ResolvedStatement[]): LocalPrincipal => {
      const principal = iam.issue(functionName, kind, statements, clockOffsetMs);
      principals.set(functionName, principal);
      return principal;
    };
    const resolveEnv = (value: Exclude<EnvValue, string>): string => {
      switch (value.kind) {
        case 'tableName':
          return model.tables[value.table].name;
        case 'topicArn':
          return topicArn;
        case 'connectionsEndpoint':
          return `${internalUrl}/${model.stageName}`;
        case 'userPool':
        case 'planTimeAuth':
          throw new Error('the local runtime verifies tokens of an issuer you name (auth); it creates no user pool');
      }
    };
    const handlerFiles = chatFunctionFiles(model, options.handlerFiles);
    const bots = botSubscriptions(options, name);
    const botStatements = resolve(model.policies.botReplyInvoke.statements);
    // Both groups load in parallel (every function in its own worker).
    const [chatStart, botStart] = await Promise.allSettled([
      FunctionHost.start({
        label: 'chat',
        functions: functionsOf(model).map((fn) => ({
          functionName: fn.name,
          file: handlerFiles[fn.id],
          memoryMb: fn.memorySize,
          timeoutMs: fn.timeout * 1000,
          // Every CHAT_ variable a handler reads must be in its function's model environment.
          watchUnsetPrefix: 'CHAT_',
          env: {
            ...lambdaEnvironment(fn.name, fn.memorySize, internalUrl, issue(fn.name, 'function', resolve(fn.statements))),
            ...resolvedEnvironment(fn, resolveEnv),
          },
        })),
        region: REGION,
        accountId: ACCOUNT_ID,
        clockOffsetMs,
        counters,
        logger,
        functionOutput: options.logSink,
      }),
      bots.length === 0
        ? Promise.resolve(undefined)
        : FunctionHost.start({
            label: 'bots',
            functions: bots.map((bot) => ({
              functionName: bot.functionName,
              file: bot.file,
              exportName: bot.exportName,
              timeoutMs: BOT_TIMEOUT_MS,
              env: botEnvironment(bot.functionName, internalUrl, issue(bot.functionName, 'bot', botStatements), {
                [BOT_REPLY_FUNCTION_ENV]: botReplyFunctionName,
                [ENV.logLevel]: logLevel,
                ...options.bot?.env,
              }),
            })),
            region: REGION,
            accountId: ACCOUNT_ID,
            clockOffsetMs,
            counters,
            logger,
            functionOutput: options.logSink,
          }),
    ]);
    for (const started of [chatStart, botStart]) if (started.status === 'fulfilled' && started.value) resources.push(started.value);
    if (chatStart.status === 'rejected') throw chatStart.reason;
    if (botStart.status === 'rejected') throw botStart.reason;
    const chatFunctions = chatStart.value;
    const botHost = botStart.value;
    const invokeHandler = (id: HandlerId, event: unknown, requestId?: string): Promise<InvocationOutcome> =>
      chatFunctions.invoke(functionOf(model, id).name, event, requestId);

    const topic = new LocalSnsTopic({
      topicArn,
      publicUrl: internalUrl,
      counters,
      logger,
      // With a data directory, deliveries accepted and not yet made survive a crash.
      journalFile: options.dataDir ? path.join(options.dataDir, 'sns', `${model.topic.name}.journal`) : undefined,
    });
    resources.push({ close: async () => topic.close() });
    for (const bot of bots) {
      topic.subscribe({
        functionName: bot.functionName,
        filterPolicy: bot.filterPolicy ?? undefined,
        invoke: (event) => botHost!.invoke(bot.functionName, event),
      });
    }
    topic.resume();

    const outbox = functionsOf(model).find((fn) => streamMappingOf(fn) !== undefined);
    const mapping = outbox ? streamMappingOf(outbox)! : undefined;
    const streamArn = arn({ kind: 'tableStream', table: mapping?.table ?? 'messages' });
    const outboxPrincipal = outbox ? principals.get(outbox.name)! : undefined;
    const stream = new TableStream({
      streamArn,
      region: REGION,
      mapping: mapping ?? OUTBOX_STREAM_MAPPING,
      invoke: (event) => (outbox ? chatFunctions.invoke(outbox.name, event) : Promise.resolve({ ok: true, result: null })),
      // Lambda's event source mapping polls the stream and writes failures with the function's role.
      mayReadStream: () =>
        outboxPrincipal !== undefined &&
        ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'].every(
          (action) => iam.authorize(outboxPrincipal, action, streamArn).allowed,
        ) &&
        iam.authorize(outboxPrincipal, 'dynamodb:ListStreams', '*').allowed,
      maySendFailures: () =>
        outboxPrincipal !== undefined && mapping !== undefined &&
        iam.authorize(outboxPrincipal, 'sqs:SendMessage', arn({ kind: 'queue', queue: mapping.onFailure })).allowed,
      counters,
      logger,
      // With a data directory the stream is durable: after a crash the outbox resumes from its checkpoint.
      journalFile: options.dataDir ? path.join(options.dataDir, 'streams', `${model.tables.messages.name}.journal`) : undefined,
      readItem: (keys) => dynamo.getItem(model.tables.messages.name, keys),
    });
    resources.push({ close: async () => stream.close() });
    dynamo.streamTo(model.tables.messages.name, stream);
    await stream.start();

    // Lambda's Invoke API reaches every function (the chat's and the bots'); IAM decides who may call which.
    const hostOf = (functionName: string) => (chatFunctions.has(functionName) ? chatFunctions : botHost?.has(functionName) ? botHost : undefined);
    const lambdaApi = createLambdaInvokeApi(
      {
        has: (functionName) => hostOf(functionName) !== undefined,
        invoke: (functionName, event, requestId) => hostOf(functionName)!.invoke(functionName, event, requestId),
        deadLetterQueue: (functionName) => {
          const fn = functionsOf(model).find((candidate) => candidate.name === functionName);
          if (!fn?.deadLetterQueue) return undefined;
          const queueArn = arn({ kind: 'queue', queue: fn.deadLetterQueue });
          return { queueArn, maySend: () => iam.authorize(principals.get(fn.name)!, 'sqs:SendMessage', queueArn).allowed };
        },
      },
      logger,
    );
    const gateway = new WebSocketGateway({
      apiId: API_ID,
      stage: model.stageName,
      region: REGION,
      accountId: ACCOUNT_ID,
      routes: model.routes,
      mockRoutes: model.mockRoutes,
      invoke: invokeHandler,
      limits: {
        maxFrameBytes: LIMITS.maxFrameBytes,
        maxMessageBytes: LIMITS.maxMessageBytes,
        idleTimeoutMs: options.idleTimeoutMs ?? LIMITS.idleTimeoutSeconds * 1000,
        maxConnectionMs: options.maxConnectionMs ?? 2 * 60 * 60 * 1000,
        ...CONNECTION_BOUNDS,
      },
      counters,
      logger,
    });
    const connectionsApi = createConnectionsApi(gateway, LIMITS.maxMessageBytes, counters);
    const site = createStaticSite(pageConfig(model, options.auth?.userIdClaim));
    const awsEndpoints = createAwsEndpoints({
      iam,
      region: REGION,
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      stage: model.stageName,
      handlers: {
        dynamodb: (request, response, body) => dynamo.handle(request, response, body),
        sns: (request, response, body) => topic.handle(request, response, body),
        lambda: (request, response, body) => lambdaApi.handle(request, response, body, requestPath(request)),
        'execute-api': (request, response, body) => connectionsApi(request, response, body, requestPath(request)),
      },
    });

    const guard = new RequestGuard({ port, listenHost: host, allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins });
    const refused = (request: http.IncomingMessage, upgrade: boolean): Refusal | undefined => {
      const refusal = guard.check(request, upgrade);
      if (refusal) {
        counters.httpRefused(refusal.reason);
        logger.warn('request.refused', { reason: refusal.reason, statusCode: refusal.statusCode, upgrade });
      }
      return refusal;
    };
    const serveRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
      const pathname = requestPath(request);
      const service = signingServiceOf(request.headers.authorization);
      if (service === undefined) {
        // What API Gateway answers an unsigned management call: the SDK always signs, so only curl and friends see this.
        if (isConnectionsPath(pathname)) return missingAuthenticationToken(response);
        return site(request, response, pathname);
      }
      if (!isLoopback(request.socket.remoteAddress)) {
        response.writeHead(403, { 'content-type': 'text/plain' });
        return void response.end('AWS emulation endpoints answer loopback clients only\n');
      }
      if (!(LOCAL_SERVICES as readonly string[]).includes(service)) {
        response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
        return void response.end(JSON.stringify({ message: `no local emulation for ${service} ${request.method} ${pathname}` }));
      }
      readBody(request, MAX_REQUEST_BYTES).then(
        (body) => awsEndpoints(service as LocalService, request, response, body),
        () => {
          response.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
          response.end('Request too large\n');
        },
      );
    };

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
    // Every part can serve now: what waited is handled, in arrival order.
    readiness.ready({
      upgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        const refusal = refused(request, true);
        if (refusal) return refuseUpgrade(socket, refusal.statusCode, { message: refusal.message });
        gateway.handleUpgrade(request, socket, head);
      },
      request: (request: http.IncomingMessage, response: http.ServerResponse) => {
        const refusal = refused(request, false);
        if (refusal) {
          response.writeHead(refusal.statusCode, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
          return void response.end(`${refusal.message}\n`);
        }
        serveRequest(request, response);
      },
    });
    logger.info('started', { url: internalUrl, dataDir: options.dataDir ?? null, authMode: model.authMode, bots: bots.map((bot) => bot.functionName) });

    let closing: Promise<void> | undefined;
    return {
      url: internalUrl,
      wsUrl: `ws://127.0.0.1:${port}/`,
      port,
      model,
      tables: tableNamesOf(model),
      topicArn,
      botReplyFunctionName,
      awsConfig: { region: REGION, endpoint: internalUrl, credentials: iam.operator.credentials },
      counters: () => counters.snapshot(),
      resetCounters: () => counters.reset(),
      settled: settle,
      close: () => (closing ??= closeResources().then(() => logger.info('stopped', {}))),
    };
  } catch (error) {
    readiness.failed();
    await closeResources();
    throw error;
  }
}

interface ServerHandlers {
  request(request: http.IncomingMessage, response: http.ServerResponse): void;
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Holds the requests and upgrades that reach a listening server before it can serve them, and hands them to
 * its handlers once `ready` (in arrival order) or answers them 503 if starting `failed`: none is left hanging.
 */
function holdUntilReady(server: http.Server): { ready(handlers: ServerHandlers): void; failed(): void } {
  let handlers: ServerHandlers | undefined;
  let startFailed = false;
  const held: (() => void)[] = [];
  const hold = (serve: () => void, refuse: () => void): void => {
    if (handlers) return serve();
    if (startFailed) return refuse();
    held.push(() => (handlers ? serve() : refuse()));
  };
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) =>
    hold(
      () => handlers!.request(request, response),
      () => {
        response.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
        response.end('The local chat server did not start\n');
      },
    ),
  );
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    hold(
      () => handlers!.upgrade(request, socket, head),
      () => refuseUpgrade(socket, 503, { message: 'Service Unavailable' }),
    ),
  );
  const release = (): void => {
    for (const next of held.splice(0)) next();
  };
  return {
    ready: (ready) => {
      handlers = ready;
      release();
    },
    failed: () => {
      startFailed = true;
      release();
    },
  };
}

/** Where the local deployment runs: one account and region, a fixed API id (lib/deployment-model.ts arnOf). */
const LOCAL_PLACE: DeploymentPlace = { partition: 'aws', region: REGION, accountId: ACCOUNT_ID, apiId: API_ID, streamLabel: STREAM_LABEL };

/** The construct's settings for this runtime's options: the same defaults, no KMS key, no user pool. */
function localSettings(options: LocalChatOptions, name: string, logLevel: LogLevel): DeploymentSettings {
  const defaults = CHAT_SERVER_DEFAULTS;
  return {
    name,
    auth: options.auth
      ? {
          mode: 'jwt',
          jwksUrl: options.auth.jwksUrl,
          issuer: options.auth.issuer,
          audience: options.auth.audience,
          userIdClaim: options.auth.userIdClaim ?? defaults.userIdClaim,
          rolesClaim: options.auth.rolesClaim ?? defaults.rolesClaim,
          agentRole: options.auth.agentRole ?? defaults.agentRole,
          maxTokenAgeSeconds: options.auth.maxTokenAgeSeconds,
        }
      : { mode: 'none' },
    snsTopicName: `${name}-responder`,
    stageName: STAGE,
    messageRetentionDays: options.messageRetentionDays ?? defaults.messageRetentionDays,
    rateLimit: {
      messages: options.rateLimit?.messages ?? defaults.rateLimit.messages,
      windowSeconds: options.rateLimit?.windowSeconds ?? defaults.rateLimit.windowSeconds,
    },
    lambda: { ...defaults.lambda },
    logLevel,
  };
}

function tableNamesOf(model: DeploymentModel): Record<TableId, string> {
  return Object.fromEntries(Object.values(model.tables).map((table) => [table.id, table.name])) as Record<TableId, string>;
}

/** Each chat function's module: its bundle (what deploys), or a replacement file given for testing the runtime. */
function chatFunctionFiles(model: DeploymentModel, replacements: LocalChatOptions['handlerFiles']): Record<HandlerId, string> {
  const bundles = bundleHandlers(REPO_ROOT);
  return Object.fromEntries(
    functionsOf(model).map((fn) => {
      const replacement = replacements?.[fn.id];
      return [fn.id, replacement ? path.resolve(REPO_ROOT, replacement) : path.join(bundles[fn.id].directory, 'index.js')];
    }),
  ) as Record<HandlerId, string>;
}

/**
 * What Lambda sets in a function's environment, pointed at this runtime: its name, memory and log group,
 * one region, its own credentials, and every AWS endpoint on this runtime. Nothing of the developer's.
 */
function lambdaEnvironment(functionName: string, memoryMb: number, internalUrl: string, principal: LocalPrincipal): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'NODE_ENV'];
  const env: Record<string, string> = {};
  for (const variable of keep) if (process.env[variable] !== undefined) env[variable] = process.env[variable] as string;
  return {
    ...env,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_RUNTIME}`,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: principal.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: principal.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: internalUrl,
    AWS_ENDPOINT_URL_SNS: internalUrl,
    AWS_ENDPOINT_URL_LAMBDA: internalUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The functions stand for nodejs22.x Lambdas: the SDK's warning about the local Node version is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
}

/** A bot runs with the developer's environment (its own settings, API keys, not their AWS ones), Lambda's and its own. */
function botEnvironment(
  functionName: string,
  internalUrl: string,
  principal: LocalPrincipal,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('AWS_')),
  );
  return { ...inherited, ...lambdaEnvironment(functionName, 256, internalUrl, principal), ...extra };
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
    bots.push({ functionName: `${name}-demo-bot`, file: path.join(__dirname, `demo-bot${path.extname(__filename)}`), filterPolicy: DEFAULT_BOT_FILTER_POLICY });
  }
  if (options.bot) {
    if (!existsSync(path.resolve(options.bot.handlerFile))) {
      throw new Error(`bot handler file not found: ${path.resolve(options.bot.handlerFile)}`);
    }
    const filterPolicy = options.bot.filterPolicy === undefined ? DEFAULT_BOT_FILTER_POLICY : options.bot.filterPolicy;
    // The checks subscribeBot makes at synth: what fails there fails here.
    if (filterPolicy !== null) checkBotFilterPolicy(filterPolicy, 'bot.filterPolicy');
    bots.push({ functionName: `${name}-bot`, file: path.resolve(options.bot.handlerFile), exportName: options.bot.exportName, filterPolicy });
  }
  return bots;
}

function requestPath(request: http.IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://local').pathname;
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

