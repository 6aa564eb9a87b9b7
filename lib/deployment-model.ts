/**
 * The deployment, described once and without cdktf. Computed from the resolved settings, it states for
 * each function its name, entry, environment, memory, timeout, invokers and IAM statements; the tables and
 * their indexes; each route and its function; the topic; the failure queues; the bot-reply invoke policy;
 * and the protocol constants clients need. The construct renders it to Terraform (lib/chat-server.ts), the
 * local runtime runs the functions and authorizes their AWS requests from it (local/), and the tests, the
 * bench and the pages read it.
 *
 * Resources are named by reference ({@link ResourceRef}): the construct resolves a reference to a Terraform
 * expression, the local runtime to the ARN of its local stand-in ({@link arnOf}).
 */
import type { LogLevel } from '../handlers/core/logging';
import {
  BEARER_SUBPROTOCOL_PREFIX,
  CHAT_SUBPROTOCOL,
  ERROR_CODES,
  RETRYABLE_ERROR_CODES,
  THREAD_LIST_LIMITS,
  DEVELOPMENT_IDENTITY_QUERY_PARAMETERS,
  THREAD_QUERY_PARAMETER,
  TOKEN_QUERY_PARAMETER,
} from '../handlers/core/protocol';
import type { ResolvedChatServerProps } from './chat-server-props';
import { HANDLER_WIRING, type TableAccess } from './handler-wiring';
import {
  DEFAULT_BOT_FILTER_POLICY,
  DEFAULTS,
  ENV,
  HANDLERS,
  KEEPALIVE,
  LIMITS,
  OUTBOX_FILTER_PATTERN,
  OUTBOX_MESSAGE_ATTRIBUTES,
  ROUTES,
  TABLE_NAME_ENV,
  TABLES,
  TWO_WAY_ROUTES,
  functionName,
  tableName,
  type HandlerId,
  type TableId,
  type TableSchema,
} from './schema';

/** The failure queues of the deployment (each subscribed bot's own dead-letter queue is the topic's). */
export type QueueId = 'outboxFailures' | 'botReplyDeadLetters';

/** A resource of the deployment, by what it is rather than by a provider's address. */
export type ResourceRef =
  | { readonly kind: 'table'; readonly table: TableId }
  | { readonly kind: 'tableIndex'; readonly table: TableId; readonly index: string }
  | { readonly kind: 'tableStream'; readonly table: TableId }
  | { readonly kind: 'topic' }
  | { readonly kind: 'queue'; readonly queue: QueueId }
  /** `execute-api:ManageConnections` resource for posting frames: `<execution-arn>/<stage>/POST/@connections/*`. */
  | { readonly kind: 'postToConnections' }
  | { readonly kind: 'function'; readonly fn: HandlerId }
  /** Every log stream of a function's log group (`<log group arn>:*`). */
  | { readonly kind: 'logStreams'; readonly fn: HandlerId }
  | { readonly kind: 'kmsKey' }
  /** `*`: only for actions that have no resource-level permissions. */
  | { readonly kind: 'anyResource' };

/** An IAM statement of the deployment; every resource is a reference. */
export interface ModelStatement {
  /** Statement id: documents why the statement exists (alphanumeric, an IAM rule). */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly ResourceRef[];
}

/** A value of a function's environment: a literal, or an attribute of a resource known once it exists. */
export type EnvValue =
  | string
  | { readonly kind: 'tableName'; readonly table: TableId }
  | { readonly kind: 'topicArn' }
  | { readonly kind: 'connectionsEndpoint' }
  | { readonly kind: 'userPool'; readonly attribute: 'issuer' | 'jwksUrl' | 'clientId' }
  /** With the kind of auth chosen at plan time: the auth mode the handlers see, or a token setting of the chosen kind. */
  | { readonly kind: 'planTimeAuth'; readonly setting: 'mode' | 'jwksUrl' | 'issuer' | 'audience' };

/** A condition on a part of the deployment that only Terraform can decide (the Terraform module's variables). */
export type PlanTimeCondition = 'authentication';

/** Who invokes a function. */
export type Invoker =
  | { readonly kind: 'route'; readonly routeKey: string }
  | { readonly kind: 'authorizer' }
  /** The event source mapping on a table's stream; records that still fail go to `onFailure`. */
  | ({ readonly kind: 'streamMapping'; readonly table: TableId; readonly onFailure: QueueId } & StreamMappingSettings)
  /** Whoever holds the policy (bots hold the bot-reply invoke policy). */
  | { readonly kind: 'policyHolders'; readonly policy: 'botReplyInvoke' };

/** How the outbox's event source mapping reads the messages stream (the construct and the local stream alike). */
export interface StreamMappingSettings {
  /** Records per invocation: small, so one slow publish delays few messages. */
  readonly batchSize: number;
  /** Retries of a failing batch (halved each time by bisection) before its records go to the failure queue. */
  readonly maximumRetryAttempts: number;
  /** Halve a failing batch to isolate the record that fails it. */
  readonly bisectBatchOnFunctionError: boolean;
  /** Lambda event filtering: only new user and agent messages reach the function. */
  readonly filterPattern: typeof OUTBOX_FILTER_PATTERN;
  /** What the mapping reads first: the oldest record kept, so a mapping created late still publishes everything. */
  readonly startingPosition: 'TRIM_HORIZON';
}

export const OUTBOX_STREAM_MAPPING: StreamMappingSettings = {
  batchSize: 10,
  maximumRetryAttempts: 5,
  bisectBatchOnFunctionError: true,
  filterPattern: OUTBOX_FILTER_PATTERN,
  startingPosition: 'TRIM_HORIZON',
};

export interface FunctionModel {
  readonly id: HandlerId;
  /** Physical function name; also names its role, its inline policy and its log group. */
  readonly name: string;
  /** Entry file relative to the source root (lib/schema.ts HANDLERS). */
  readonly entry: string;
  readonly description: string;
  readonly architecture: 'arm64' | 'x86_64';
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  /** Everything the function's code reads from its environment, and nothing else. */
  readonly environment: Readonly<Record<string, EnvValue>>;
  /** The function's role policy: what it may do, and nothing more. */
  readonly statements: readonly ModelStatement[];
  /** What the customer KMS key adds (its own inline policy, present exactly when a key is configured). */
  readonly keyStatements: readonly ModelStatement[];
  /** The function exists only when this holds (decided at plan time); absent: always. */
  readonly enabledWhen?: PlanTimeCondition;
  readonly invokers: readonly Invoker[];
  /** Where Lambda sends failed asynchronous invocations (functions that may be invoked asynchronously). */
  readonly deadLetterQueue?: QueueId;
}

export interface TableModel {
  readonly id: TableId;
  readonly name: string;
  readonly schema: TableSchema;
}

export interface RouteModel {
  readonly routeKey: string;
  readonly fn: HandlerId;
  /** The handler's return body goes back to the caller (a `$default` route response). */
  readonly twoWay: boolean;
  /** The JWT authorizer runs first (`$connect` with authentication on), or a plan-time condition says whether. */
  readonly authorized: boolean | PlanTimeCondition;
}

/** A route API Gateway answers itself (a MOCK integration): no function, no authorizer, a fixed reply. */
export interface MockRouteModel {
  readonly routeKey: string;
  /** The frame sent back to the caller, as JSON. */
  readonly reply: string;
}

export interface QueueModel {
  readonly id: QueueId;
  readonly name: string;
}

export interface TopicModel {
  readonly name: string;
  /** The message attributes the outbox publishes (all Strings), with the values each can take (`null`: any). */
  readonly messageAttributes: typeof OUTBOX_MESSAGE_ATTRIBUTES;
  /** A bot's subscription filter unless it names its own. */
  readonly defaultFilterPolicy: typeof DEFAULT_BOT_FILTER_POLICY;
}

export interface PolicyModel {
  readonly name: string;
  readonly description: string;
  readonly statements: readonly ModelStatement[];
}

/** What a client needs to speak the protocol: served to the pages as `/config.json` by the local runtime. */
export interface ClientProtocol {
  readonly subprotocol: string;
  readonly bearerSubprotocolPrefix: string;
  readonly tokenQueryParameter: string;
  readonly threadQueryParameter: string;
  /** The query parameters naming the caller in the insecure auth mode `none` (local development). */
  readonly developmentIdentityQueryParameters: { readonly userId: string; readonly role: string };
  readonly errorCodes: readonly string[];
  readonly retryableErrorCodes: readonly string[];
  /** Source of the identifier pattern (threadId, clientMessageId, userId), for `new RegExp(idPattern)`. */
  readonly idPattern: string;
  /** The frame a client that may only listen sends every `intervalSeconds`, and the frame it gets back. */
  readonly keepalive: { readonly frame: { readonly action: string }; readonly reply: { readonly type: string }; readonly intervalSeconds: number };
  readonly limits: {
    readonly maxTextLength: number;
    readonly maxMetadataBytes: number;
    readonly maxFrameBytes: number;
    readonly maxMessageBytes: number;
    readonly historyDefaultLimit: number;
    readonly historyMaxLimit: number;
    readonly threadListDefaultLimit: number;
    readonly threadListMaxLimit: number;
    readonly rateLimitMessages: number;
    readonly rateLimitWindowSeconds: number;
  };
}

export interface DeploymentModel {
  readonly name: string;
  /** `plan-time`: chosen by the Terraform module's `auth_mode` variable. */
  readonly authMode: 'jwt' | 'none' | 'plan-time';
  readonly stageName: string;
  readonly kmsKeyArn?: string;
  readonly tables: Readonly<Record<TableId, TableModel>>;
  /** Every function, in HANDLERS order; no authorizer without authentication. */
  readonly functions: Readonly<Partial<Record<HandlerId, FunctionModel>>>;
  readonly routes: readonly RouteModel[];
  /** Routes without a function: the keepalive (KEEPALIVE). */
  readonly mockRoutes: readonly MockRouteModel[];
  readonly topic: TopicModel;
  readonly queues: Readonly<Record<QueueId, QueueModel>>;
  readonly policies: { readonly botReplyInvoke: PolicyModel };
  readonly client: ClientProtocol;
}

/** The settings the model is computed from: the construct's resolved props (or the local runtime's equivalent). */
export type DeploymentSettings = Pick<
  ResolvedChatServerProps,
  'name' | 'auth' | 'snsTopicName' | 'stageName' | 'messageRetentionDays' | 'rateLimit' | 'lambda' | 'kmsKeyArn'
> & { readonly logLevel: LogLevel };

/** A function's environment with every reference resolved by `resolve` (the construct's, the local runtime's, the bench's). */
export function resolvedEnvironment(
  fn: FunctionModel,
  resolve: (value: Exclude<EnvValue, string>) => string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(fn.environment).map(([key, value]) => [key, typeof value === 'string' ? value : resolve(value)]));
}

/** The stream mapping invoking a function (the outbox's), if any. */
export function streamMappingOf(fn: FunctionModel): Extract<Invoker, { kind: 'streamMapping' }> | undefined {
  return fn.invokers.find((invoker): invoker is Extract<Invoker, { kind: 'streamMapping' }> => invoker.kind === 'streamMapping');
}

/** Every function of a deployment, in HANDLERS order. */
export function functionsOf(model: DeploymentModel): FunctionModel[] {
  return (Object.keys(HANDLERS) as HandlerId[]).flatMap((id) => (model.functions[id] ? [model.functions[id]!] : []));
}

/** The function of a handler; throws when the deployment has none (the authorizer without authentication). */
export function functionOf(model: DeploymentModel, id: HandlerId): FunctionModel {
  const fn = model.functions[id];
  if (!fn) throw new Error(`the deployment has no ${id} function`);
  return fn;
}

function pascal(value: string): string {
  return value.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

function tableStatements(access: TableAccess): ModelStatement[] {
  const label = pascal(access.table);
  const statements: ModelStatement[] = [];
  if (access.actions.length > 0) {
    statements.push({ sid: `${label}Table`, actions: [...access.actions], resources: [{ kind: 'table', table: access.table }] });
  }
  for (const index of access.indexQueries ?? []) {
    if (!TABLES[access.table].globalIndexes.some((candidate) => candidate.indexName === index)) {
      throw new Error(`HANDLER_WIRING: table ${access.table} has no index ${index}`);
    }
    statements.push({
      sid: `${label}${pascal(index)}Index`,
      actions: ['dynamodb:Query'],
      resources: [{ kind: 'tableIndex', table: access.table, index }],
    });
  }
  return statements;
}

const OUTBOX_STATEMENTS: readonly ModelStatement[] = [
  {
    sid: 'ReadMessagesStream',
    actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    resources: [{ kind: 'tableStream', table: 'messages' }],
  },
  {
    // ListStreams has no resource-level permissions (Service Authorization Reference: no resource type), so
    // "*" is the only Resource IAM honours for it; the event source mapping calls it. It lists stream ARNs
    // only: reading a stream needs the statement above, which names exactly one.
    sid: 'ListStreams',
    actions: ['dynamodb:ListStreams'],
    resources: [{ kind: 'anyResource' }],
  },
  { sid: 'PublishToResponderTopic', actions: ['sns:Publish'], resources: [{ kind: 'topic' }] },
  { sid: 'SendOutboxFailures', actions: ['sqs:SendMessage'], resources: [{ kind: 'queue', queue: 'outboxFailures' }] },
];

function invokersOf(id: HandlerId): Invoker[] {
  if (id === 'authorizer') return [{ kind: 'authorizer' }];
  if (id === 'outbox') return [{ kind: 'streamMapping', table: 'messages', onFailure: 'outboxFailures', ...OUTBOX_STREAM_MAPPING }];
  if (id === 'botReply') return [{ kind: 'policyHolders', policy: 'botReplyInvoke' }];
  const routes = Object.keys(ROUTES).filter((routeKey) => ROUTES[routeKey] === id);
  if (routes.length === 0) throw new Error(`deployment model: no route and no invoker known for handler ${id}`);
  return routes.map((routeKey) => ({ kind: 'route', routeKey }));
}

function environmentOf(id: HandlerId, settings: DeploymentSettings): Record<string, EnvValue> {
  const wiring = HANDLER_WIRING[id];
  const { auth } = settings;
  const environment: Record<string, EnvValue> = {};
  if (wiring.verifiesTokens) {
    if (auth.mode === 'none') throw new Error('deployment model: a token-verifying function without JWT settings');
    const created = auth.mode === 'create-cognito-user-pool';
    const token = (setting: 'jwksUrl' | 'issuer' | 'audience', attribute: 'jwksUrl' | 'issuer' | 'clientId'): EnvValue =>
      auth.mode === 'plan-time' ? { kind: 'planTimeAuth', setting } : created ? { kind: 'userPool', attribute } : auth[setting];
    Object.assign(environment, {
      [ENV.jwksUrl]: token('jwksUrl', 'jwksUrl'),
      [ENV.issuer]: token('issuer', 'issuer'),
      [ENV.audience]: token('audience', 'clientId'),
      [ENV.userIdClaim]: auth.userIdClaim,
      [ENV.rolesClaim]: auth.rolesClaim,
      [ENV.agentRole]: auth.agentRole,
      [ENV.maxTokenAgeSeconds]: String(auth.maxTokenAgeSeconds ?? DEFAULTS.maxTokenAgeSeconds),
    });
  } else {
    // Every other function gets the chat settings, so none falls back to a default that differs from the configured one.
    Object.assign(environment, {
      [ENV.authMode]: auth.mode === 'plan-time' ? { kind: 'planTimeAuth', setting: 'mode' } : auth.mode === 'none' ? 'none' : 'jwt',
      [ENV.messageRetentionDays]: String(settings.messageRetentionDays),
      [ENV.rateLimitMessages]: String(settings.rateLimit.messages),
      [ENV.rateLimitWindowSeconds]: String(settings.rateLimit.windowSeconds),
    });
  }
  for (const table of new Set(wiring.tables.map((access) => access.table))) {
    environment[TABLE_NAME_ENV[table]] = { kind: 'tableName', table };
  }
  if (wiring.postsToConnections) environment[ENV.connectionsEndpoint] = { kind: 'connectionsEndpoint' };
  if (wiring.publishesFromStream) environment[ENV.responderTopicArn] = { kind: 'topicArn' };
  environment[ENV.logLevel] = settings.logLevel;
  // The value of the metrics' dimension (lib/metrics.ts), so the alarms and the dashboard find this chat's metrics.
  environment[ENV.instanceName] = settings.name;
  return environment;
}

/** Whether a function touches data (tables, streams, the topic, queues, connections): it then encrypts with the customer key too. */
function touchesData(id: HandlerId): boolean {
  const wiring = HANDLER_WIRING[id];
  return wiring.tables.length > 0 || wiring.postsToConnections || wiring.publishesFromStream;
}

/** What a function may do with the customer key: decrypt its environment, and encrypt what it writes. */
function keyStatementsOf(id: HandlerId, settings: DeploymentSettings): ModelStatement[] {
  if (settings.kmsKeyArn === undefined) return [];
  const statements: ModelStatement[] = [];
  if (touchesData(id)) {
    // Writes to a KMS-encrypted topic or queue need GenerateDataKey (with Decrypt, below). kms:Encrypt is what
    // aws-cdk's DynamoDB write grants add for a customer key: kept, so that the first apply against a key
    // policy that delegates to IAM cannot fail on it.
    statements.push({ sid: 'EncryptWithChatKey', actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [{ kind: 'kmsKey' }] });
  }
  // The environment variables are encrypted with the key.
  statements.push({ sid: 'DecryptWithChatKey', actions: ['kms:Decrypt'], resources: [{ kind: 'kmsKey' }] });
  return statements;
}

/**
 * What Lambda's X-Ray integration sends with the function's role when tracing is on (both modes may trace).
 * X-Ray has no resource-level permissions (Service Authorization Reference: no resource type for these
 * actions), so "*" is the only Resource IAM honours; they write trace data only, and read nothing.
 */
export const WRITE_TRACES_STATEMENT: ModelStatement = {
  sid: 'WriteTraces',
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resources: [{ kind: 'anyResource' }],
};

function statementsOf(id: HandlerId, deadLetterQueue: QueueId | undefined): ModelStatement[] {
  const wiring = HANDLER_WIRING[id];
  const statements: ModelStatement[] = [
    { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [{ kind: 'logStreams', fn: id }] },
    WRITE_TRACES_STATEMENT,
  ];
  const data: ModelStatement[] = wiring.tables.flatMap(tableStatements);
  if (wiring.postsToConnections) {
    data.push({ sid: 'PostToConnections', actions: ['execute-api:ManageConnections'], resources: [{ kind: 'postToConnections' }] });
  }
  if (wiring.publishesFromStream) data.push(...OUTBOX_STATEMENTS);
  statements.push(...data);
  // Lambda sends failed asynchronous invocations to the dead-letter queue with the function's role.
  if (deadLetterQueue) {
    statements.push({ sid: 'SendDeadLetters', actions: ['sqs:SendMessage'], resources: [{ kind: 'queue', queue: deadLetterQueue }] });
  }
  return statements;
}

/** The protocol constants a client needs (no secrets): one source for the pages, the bench and the tests. */
export function clientProtocol(rateLimit: DeploymentSettings['rateLimit']): ClientProtocol {
  return {
    subprotocol: CHAT_SUBPROTOCOL,
    bearerSubprotocolPrefix: BEARER_SUBPROTOCOL_PREFIX,
    tokenQueryParameter: TOKEN_QUERY_PARAMETER,
    threadQueryParameter: THREAD_QUERY_PARAMETER,
    developmentIdentityQueryParameters: { ...DEVELOPMENT_IDENTITY_QUERY_PARAMETERS },
    errorCodes: [...ERROR_CODES],
    retryableErrorCodes: [...RETRYABLE_ERROR_CODES],
    idPattern: LIMITS.idPattern.source,
    keepalive: { frame: { action: KEEPALIVE.routeKey }, reply: { ...KEEPALIVE.reply }, intervalSeconds: KEEPALIVE.intervalSeconds },
    limits: {
      maxTextLength: LIMITS.maxTextLength,
      maxMetadataBytes: LIMITS.maxMetadataBytes,
      maxFrameBytes: LIMITS.maxFrameBytes,
      maxMessageBytes: LIMITS.maxMessageBytes,
      historyDefaultLimit: LIMITS.historyDefaultLimit,
      historyMaxLimit: LIMITS.historyMaxLimit,
      threadListDefaultLimit: THREAD_LIST_LIMITS.defaultLimit,
      threadListMaxLimit: THREAD_LIST_LIMITS.maxLimit,
      rateLimitMessages: rateLimit.messages,
      rateLimitWindowSeconds: rateLimit.windowSeconds,
    },
  };
}

/** The deployment of a ChatServer with these settings. */
export function deploymentModel(settings: DeploymentSettings): DeploymentModel {
  const { name } = settings;
  const authenticated = settings.auth.mode !== 'none';
  const planTime = settings.auth.mode === 'plan-time';
  const tables = Object.fromEntries(
    (Object.keys(TABLES) as TableId[]).map((id) => [id, { id, name: tableName(name, TABLES[id]), schema: TABLES[id] }]),
  ) as Record<TableId, TableModel>;

  const functions: Partial<Record<HandlerId, FunctionModel>> = {};
  for (const id of Object.keys(HANDLERS) as HandlerId[]) {
    if (id === 'authorizer' && !authenticated) continue; // no authorizer without authentication
    const deadLetterQueue: QueueId | undefined = id === 'botReply' ? 'botReplyDeadLetters' : undefined;
    functions[id] = {
      id,
      name: functionName(name, id),
      entry: HANDLERS[id],
      description: `${name}: ${HANDLER_WIRING[id].description}`,
      architecture: settings.lambda.architecture,
      memorySize: settings.lambda.memorySize,
      timeout: settings.lambda.timeout,
      environment: environmentOf(id, settings),
      statements: statementsOf(id, deadLetterQueue),
      keyStatements: keyStatementsOf(id, settings),
      ...(id === 'authorizer' && planTime ? { enabledWhen: 'authentication' as const } : {}),
      invokers: invokersOf(id),
      deadLetterQueue,
    };
  }

  const routes: RouteModel[] = Object.entries(ROUTES).map(([routeKey, fn]) => ({
    routeKey,
    fn,
    twoWay: TWO_WAY_ROUTES.includes(routeKey),
    authorized: routeKey === '$connect' && (planTime ? ('authentication' as const) : authenticated),
  }));

  const botReplyName = functionName(name, 'botReply');
  return {
    name,
    authMode: planTime ? 'plan-time' : authenticated ? 'jwt' : 'none',
    stageName: settings.stageName,
    kmsKeyArn: settings.kmsKeyArn,
    tables,
    functions,
    routes,
    mockRoutes: [{ routeKey: KEEPALIVE.routeKey, reply: JSON.stringify(KEEPALIVE.reply) }],
    topic: {
      name: settings.snsTopicName,
      messageAttributes: OUTBOX_MESSAGE_ATTRIBUTES,
      defaultFilterPolicy: DEFAULT_BOT_FILTER_POLICY,
    },
    queues: {
      outboxFailures: { id: 'outboxFailures', name: `${name}-outbox-failures` },
      botReplyDeadLetters: { id: 'botReplyDeadLetters', name: `${name}-bot-reply-dlq` },
    },
    policies: {
      botReplyInvoke: {
        name: `${name}-bot-reply-invoke`,
        description: `Lets a bot reply in chat ${name}: invoke ${botReplyName} only`,
        statements: [{ sid: 'InvokeBotReply', actions: ['lambda:InvokeFunction'], resources: [{ kind: 'function', fn: 'botReply' }] }],
      },
    },
    client: clientProtocol(settings.rateLimit),
  };
}

/** Where a deployment runs, for naming its resources by ARN. */
export interface DeploymentPlace {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The WebSocket API id. */
  readonly apiId: string;
  /** Label of the messages table's stream (`<table arn>/stream/<label>`). */
  readonly streamLabel: string;
}

/** The ARN a reference names in a deployment at `place` (AWS's ARN formats). */
export function arnOf(model: DeploymentModel, ref: ResourceRef, place: DeploymentPlace): string {
  const { partition, region, accountId } = place;
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  switch (ref.kind) {
    case 'table':
      return arn('dynamodb', `table/${model.tables[ref.table].name}`);
    case 'tableIndex':
      return arn('dynamodb', `table/${model.tables[ref.table].name}/index/${ref.index}`);
    case 'tableStream':
      return arn('dynamodb', `table/${model.tables[ref.table].name}/stream/${place.streamLabel}`);
    case 'topic':
      return arn('sns', model.topic.name);
    case 'queue':
      return arn('sqs', model.queues[ref.queue].name);
    case 'postToConnections':
      return arn('execute-api', `${place.apiId}/${model.stageName}/POST/@connections/*`);
    case 'function':
      return arn('lambda', `function:${functionOf(model, ref.fn).name}`);
    case 'logStreams':
      return arn('logs', `log-group:/aws/lambda/${functionOf(model, ref.fn).name}:*`);
    case 'kmsKey':
      if (!model.kmsKeyArn) throw new Error('the deployment has no KMS key');
      return model.kmsKeyArn;
    case 'anyResource':
      return '*';
  }
}
