/**
 * Props of the ChatServer construct: the public, documented surface, the defaults (applied here and
 * nowhere else) and the synth-time validation. Every error names the prop it is about.
 */
import * as path from 'node:path';
import { Token, Tokenization } from 'cdktf';
import { CHAT_SERVER_DEFAULTS, type LOG_LEVELS, type TRACING_MODES } from './chat-server-defaults';
import { COGNITO_POOL_ID, REGION, SETTINGS, TAG_RULES, brokenRule, type Setting, type SettingKey } from './settings';

export { CHAT_SERVER_DEFAULTS, LOG_RETENTION_DAYS } from './chat-server-defaults';

/** Optional custom domain for the WebSocket API (regional endpoint). */
export interface ChatServerDomainProps {
  /** Domain name clients connect to, e.g. `chat.example.com`. */
  readonly domainName: string;
  /**
   * ARN of an ACM certificate for `domainName`, in the same region as the API (a REGIONAL custom domain
   * cannot use a certificate from another region; ChatInfraStack refuses one at synth).
   */
  readonly certificateArn: string;
  /**
   * Route 53 hosted zone in which to create the A and AAAA alias records for `domainName` (the domain is
   * dual-stack).
   * @default no record is created (point your DNS at the `websocket_domain_target` output yourself)
   */
  readonly hostedZoneId?: string;
}

/** Stage-wide throttling (API Gateway default route settings), for every route of the stage. */
export interface ChatServerThrottlingProps {
  /**
   * Steady-state requests per second (connects and frames) across all clients.
   * @default 1000
   */
  readonly rateLimit?: number;
  /**
   * Burst bucket size in requests.
   * @default 500
   */
  readonly burstLimit?: number;
}

/** Per-connection message rate limit enforced by `message.send` (answered with `RATE_LIMITED`). */
export interface ChatServerRateLimitProps {
  /**
   * Messages one connection may send per window.
   * @default 20 (DEFAULTS.rateLimitMessages in lib/schema.ts)
   */
  readonly messages?: number;
  /**
   * Window length in seconds (fixed window).
   * @default 10 (DEFAULTS.rateLimitWindowSeconds in lib/schema.ts)
   */
  readonly windowSeconds?: number;
}

/** Settings shared by every Lambda function of the chat server. */
export interface ChatServerLambdaProps {
  /**
   * Instruction set architecture.
   * @default 'arm64' (cheaper per GB-second than x86_64, same Node.js code)
   */
  readonly architecture?: 'arm64' | 'x86_64';
  /**
   * Memory in MB (CPU scales with it).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout in seconds.
   * @default 10
   */
  readonly timeout?: number;
}

/**
 * Verify tokens issued by any OpenID Connect issuer (Cognito, Auth0, Okta, Keycloak, ...): signature
 * against the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`, and `iat` against `maxTokenAgeSeconds`.
 */
export interface ChatServerJwtAuthProps {
  /** HTTPS URL of the issuer's JSON Web Key Set (the `jwks_uri` of its OpenID configuration). */
  readonly jwksUrl: string;
  /** Expected `iss` claim, exactly as the issuer writes it. */
  readonly issuer: string;
  /**
   * Accepted `aud` value, or several (for Cognito: the app client id(s)). Tokens must carry one of them.
   */
  readonly audience: string | readonly string[];
  /**
   * Claim holding the user id.
   * @default 'sub'
   */
  readonly userIdClaim?: string;
  /**
   * Claim listing the user's roles or groups.
   * @default 'cognito:groups'
   */
  readonly rolesClaim?: string;
  /**
   * Value of `rolesClaim` that gives a connection the agent role (human takeover, thread list).
   * @default 'chat-agent'
   */
  readonly agentRole?: string;
  /**
   * Oldest token accepted, in seconds since its `iat` claim (60-604800), whatever its `exp`: a token without
   * `iat`, older than this, or issued in the future (beyond the authorizer's clock tolerance) is refused.
   * @default 86400 (one day; DEFAULTS.maxTokenAgeSeconds in lib/schema.ts)
   */
  readonly maxTokenAgeSeconds?: number;
}

/** Shortcut for an existing Cognito user pool: issuer and JWKS URL are derived from the pool id. */
export interface ChatServerCognitoAuthProps {
  /** User pool id, `<region>_<id>`, e.g. `eu-west-1_AbCdEf123`. */
  readonly cognitoUserPoolId: string;
  /** App client id: the `aud` of the ID tokens clients send. */
  readonly cognitoClientId: string;
  /**
   * Region of the user pool.
   * @default the region prefix of `cognitoUserPoolId`
   */
  readonly region?: string;
  /**
   * Claim of the pool's ID tokens holding the user id.
   * @default 'sub'
   */
  readonly userIdClaim?: string;
  /**
   * Claim listing the user's Cognito groups.
   * @default 'cognito:groups'
   */
  readonly rolesClaim?: string;
  /**
   * Cognito group whose members connect as agents (human takeover, thread list).
   * @default 'chat-agent'
   */
  readonly agentRole?: string;
  /**
   * Oldest token accepted, in seconds since its `iat` claim (60-604800), whatever its `exp`: a token without
   * `iat`, older than this, or issued in the future (beyond the authorizer's clock tolerance) is refused.
   * @default 86400 (one day; DEFAULTS.maxTokenAgeSeconds in lib/schema.ts)
   */
  readonly maxTokenAgeSeconds?: number;
}

/** Create a Cognito user pool, a public app client and the agent group, and verify their ID tokens. */
export interface ChatServerNewCognitoUserPoolAuthProps {
  /** Create the user pool in this stack. */
  readonly createCognitoUserPool: true;
  /**
   * Name of the Cognito group whose members are agents.
   * @default 'chat-agent'
   */
  readonly agentRole?: string;
  /**
   * Let anyone sign up through the app client.
   * @default false (administrators create users)
   */
  readonly selfSignUp?: boolean;
  /**
   * Oldest token accepted, in seconds since its `iat` claim (60-604800), whatever its `exp`: a token without
   * `iat`, older than this, or issued in the future (beyond the authorizer's clock tolerance) is refused.
   * @default 86400 (one day; DEFAULTS.maxTokenAgeSeconds in lib/schema.ts)
   */
  readonly maxTokenAgeSeconds?: number;
}

/**
 * INSECURE: no authentication. Clients name themselves with `?userId=&threadId=` (the seed design),
 * so anyone can speak as anyone. For local experiments only; synth prints a warning.
 */
export interface ChatServerNoAuthProps {
  /**
   * `'none'`, the only value: no authorizer is deployed and `$connect` trusts the `userId`, `threadId`
   * and `role` query parameters. Must be spelled out, so running without authentication is a choice.
   * @default no default: required (there is no implicit insecure mode)
   */
  readonly mode: 'none';
}

/**
 * The kind of auth chosen at plan time: `planTimeMode` is a Terraform expression (a token) naming one of
 * lib/settings.ts AUTH_MODES (`cognito_user_pool`, `existing_cognito_user_pool`, `jwt`, `none`), and the
 * construct builds every kind's parts, each switched on by it. This is how the Terraform module renders the
 * construct with its `auth_mode` variable; a cdktf app chooses one of the other kinds. Every value is a token
 * (a module variable); the ones of the kinds not chosen may be null.
 */
export interface ChatServerPlanTimeAuthProps {
  /** The auth mode's name (`cognito_user_pool`, `existing_cognito_user_pool`, `jwt` or `none`), as a token. */
  readonly planTimeMode: string;
  /** The JWKS URL of the issuer, with mode `jwt`. */
  readonly jwksUrl: string;
  /** The issuer, with mode `jwt`. */
  readonly issuer: string;
  /** Accepted audiences, comma separated (a token), with mode `jwt`. */
  readonly audience: string;
  /** The existing pool's id, with mode `existing_cognito_user_pool`. */
  readonly cognitoUserPoolId: string;
  /** The existing pool's app client id, with mode `existing_cognito_user_pool`. */
  readonly cognitoClientId: string;
  /** Claim holding the user id. */
  readonly userIdClaim: string;
  /** Claim listing roles or groups. */
  readonly rolesClaim: string;
  /** Role (or created pool's group) of agents. */
  readonly agentRole: string;
  /** A boolean token: self sign-up in a created pool. */
  readonly selfSignUp: boolean;
  /** A number token: oldest token accepted, in seconds since its `iat`. */
  readonly maxTokenAgeSeconds: number;
}

/** How clients prove who they are at `$connect`. There is no default: choose one. */
export type ChatServerAuthProps =
  | ChatServerJwtAuthProps
  | ChatServerCognitoAuthProps
  | ChatServerNewCognitoUserPoolAuthProps
  | ChatServerNoAuthProps
  | ChatServerPlanTimeAuthProps;

/** A bot subscribed with the chat (the `bots` prop): its function, and optionally its filter policy and dead-letter queue name. */
export interface ChatServerBotProps {
  /** ARN of the bot's Lambda function. */
  readonly functionArn: string;
  /** Name (or ARN) of the bot's Lambda function. */
  readonly functionName: string;
  /**
   * SNS filter policy (see SubscribeBotOptions.filterPolicy).
   * @default lib/schema.ts DEFAULT_BOT_FILTER_POLICY: user messages not under human takeover
   */
  readonly filterPolicy?: Readonly<Record<string, unknown>>;
  /**
   * Name of its dead-letter queue.
   * @default `<topic name>-<bot name>-dlq`
   */
  readonly deadLetterQueueName?: string;
}

/**
 * The CloudWatch alarms (help/operations.md: a runbook entry per alarm). Every threshold is inclusive: the alarm
 * goes off when the metric reaches it. Defaults: CHAT_SERVER_DEFAULTS.alarms (lib/chat-server-defaults.ts);
 * the period each is judged over: ALARM_WINDOWS.
 */
export interface ChatServerAlarmsProps {
  /**
   * Create the alarms (`alarms: false` is the same as `{ enabled: false }`).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Unhandled errors (Lambda `Errors`, Sum) of one function in 5 minutes.
   * @default 1
   */
  readonly functionErrors?: number;
  /**
   * Throttled invocations (Lambda `Throttles`, Sum) of one function in 5 minutes.
   * @default 1
   */
  readonly functionThrottles?: number;
  /**
   * p99 `Duration` of one function, in percent of its timeout (1-100), in 2 of 3 periods of 5 minutes.
   * @default 80
   */
  readonly functionDurationPercentOfTimeout?: number;
  /**
   * Outbox `IteratorAge` (Maximum) in seconds, 5 minutes in a row: how far bots lag behind users.
   * @default 60
   */
  readonly outboxIteratorAgeSeconds?: number;
  /**
   * Visible messages (SQS `ApproximateNumberOfMessagesVisible`, Maximum) of any dead-letter or failure queue.
   * @default 1
   */
  readonly deadLetterQueueMessages?: number;
  /**
   * WebSocket `IntegrationError` (Sum) in 5 minutes: frames whose function answered an error.
   * @default 5
   */
  readonly apiIntegrationErrors?: number;
  /**
   * WebSocket `ExecutionError` (Sum) in 5 minutes: frames API Gateway could not hand to their function.
   * @default 1
   */
  readonly apiExecutionErrors?: number;
  /**
   * WebSocket `ClientError` in percent of `MessageCount` (1-100), 15 minutes in a row.
   * @default 10
   */
  readonly apiClientErrorPercent?: number;
  /**
   * DynamoDB `ThrottledRequests` (Sum over the operations the handlers use) of one table in 5 minutes.
   * @default 1
   */
  readonly dynamodbThrottledRequests?: number;
  /**
   * DynamoDB `SystemErrors` (Sum over the operations the handlers use) of one table in 5 minutes.
   * @default 1
   */
  readonly dynamodbSystemErrors?: number;
  /**
   * Connects denied by the authorizer (the handlers' `AuthorizerDenied` metric, Sum) in 5 minutes.
   * @default 100
   */
  readonly authorizerDenials?: number;
}

/** The log levels of the functions (CHAT_LOG_LEVEL). */
export type ChatServerLogLevel = (typeof LOG_LEVELS)[number];

/** Lambda's X-Ray tracing modes. */
export type ChatServerTracingMode = (typeof TRACING_MODES)[number];

export interface ChatServerProps {
  /**
   * Prefix of every physical resource name (tables `<name>-messages`, functions `<name>-connect`, IAM roles
   * and policies `<name>-<function>`, `<name>-bot-reply-invoke`, ...). Must be unique per AWS account, not
   * only per region: IAM names are global to the account, so a multi-region pair (or several environments
   * in one account) needs the region or environment in it, e.g. `support-eu-west-1`. Two instances in one
   * stack with the same name fail synth; the same name in two stacks of one app gets a warning. Lowercase
   * letters, digits and dashes, 1-32 characters, starting with a letter.
   */
  readonly name: string;
  /**
   * Authentication at `$connect`. Required: a JWT issuer, a Cognito pool (existing or created), or an
   * explicit `{ mode: 'none' }` (insecure).
   */
  readonly auth: ChatServerAuthProps;
  /**
   * Custom domain for the WebSocket API.
   * @default none: clients use the `execute-api` URL
   */
  readonly domain?: ChatServerDomainProps;
  /**
   * Name of the SNS topic bots subscribe to.
   * @default `<name>-responder`
   */
  readonly snsTopicName?: string;
  /**
   * Days a message is kept before DynamoDB TTL removes it (1-3650).
   * @default 90
   */
  readonly messageRetentionDays?: number;
  /**
   * API Gateway stage name (part of the WebSocket URL).
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Stage-wide throttling.
   * @default { rateLimit: 1000, burstLimit: 500 }
   */
  readonly throttling?: ChatServerThrottlingProps;
  /**
   * Per-connection message rate limit.
   * @default { messages: 20, windowSeconds: 10 }
   */
  readonly rateLimit?: ChatServerRateLimitProps;
  /**
   * Lambda settings shared by all functions.
   * @default { architecture: 'arm64', memorySize: 256, timeout: 10 }
   */
  readonly lambda?: ChatServerLambdaProps;
  /**
   * Retention of every log group (functions and API access log), one of CloudWatch's allowed values.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * ARN of a customer-managed KMS key encrypting the tables, topic, queues, log groups and function
   * environments, in the region of the resources (ChatInfraStack refuses a key of another region at
   * synth). Its key policy must let CloudWatch Logs and SNS use it (see help/deploy.md).
   * @default AWS managed encryption (DynamoDB, SNS `alias/aws/sns`, SQS-managed SSE, CloudWatch Logs default)
   */
  readonly kmsKeyArn?: string;
  /**
   * Deletion protection on the tables (and the created Cognito user pool).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Tags added to every taggable resource of the construct.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Manage the account's API Gateway CloudWatch Logs role: creates the role `<name>-apigw-logs` (AWS's
   * managed policy AmazonAPIGatewayPushToCloudWatchLogs) and points the account setting at it
   * (`aws_api_gateway_account`). That setting is one per account and region, shared by every REST and
   * WebSocket API there, and this replaces whatever role it held.
   *
   * On by default because the stage logs access and API Gateway refuses to create a stage with logging
   * until the setting exists, which it does not on a fresh account: the first apply works out of the
   * box. Turn it off when the account already has the role or another stack (a landing zone, another
   * chat instance) manages it. Two instances in one stack cannot both have it on (synth fails): set it
   * to false on all but one.
   * @default true
   */
  readonly configureApiGatewayAccountLogging?: boolean;
  /**
   * Where the handlers come from: a directory holding the `handlers/` sources (the HANDLERS entries of
   * lib/schema.ts) and the `lib/` files they import (`lib/schema.ts`, `lib/metrics.ts`), bundled with esbuild at synth (esbuild must then be installed), or a
   * built package's root, whose prebuilt bundles (`dist/bundles`) are used, each checked against its SHA-256.
   * Point it at a fork of the handlers to deploy your own.
   * @default the root of this package (installed: its shipped bundles; in this repository: the sources)
   */
  readonly handlerSourceRoot?: string;
  /**
   * Bots to subscribe to the responder topic, by name (1-64 letters, digits, - or _), as `subscribeBot` does:
   * filter policy, dead-letter queue, invoke permission. A token for such a map (the module's `bots` variable)
   * subscribes each entry with `for_each`.
   * @default {} (subscribe bots later with subscribeBot)
   */
  readonly bots?: Readonly<Record<string, ChatServerBotProps>>;
  /**
   * Log level of every function (CHAT_LOG_LEVEL): `info` logs one line per event and never message text;
   * `debug` adds details that may hold what users wrote (only while debugging); `warn` and `error` log less.
   * @default 'info'
   */
  readonly logLevel?: ChatServerLogLevel;
  /**
   * X-Ray tracing of every function (each role may write traces either way).
   * @default 'Active': Lambda samples invocations itself, so a slow message can be followed through the
   * functions and their AWS calls; with `PassThrough` only requests sampled upstream are traced, and WebSocket
   * frames never are
   */
  readonly tracing?: ChatServerTracingMode;
  /**
   * The CloudWatch alarms, on by default: `false` creates none, an object changes thresholds.
   * @default { enabled: true } with the thresholds of ChatServerAlarmsProps
   */
  readonly alarms?: boolean | ChatServerAlarmsProps;
  /**
   * SNS topic receiving every alarm and OK notification. CloudWatch must be able to publish to it: a standard
   * topic, not encrypted with the AWS managed key `alias/aws/sns` (CloudWatch cannot use it).
   * @default a topic `<name>-alarms` (with the alarms), encrypted with `kmsKeyArn` (whose key policy must then let
   * cloudwatch.amazonaws.com use it) or with a customer managed key created for it
   */
  readonly alarmTopicArn?: string;
  /**
   * Email addresses subscribed to the alarm topic (created or given); each confirms from the email SNS sends.
   * @default []
   */
  readonly alarmEmails?: readonly string[];
  /**
   * The CloudWatch dashboard `<name>-chat`.
   * @default true
   */
  readonly dashboard?: boolean;
}

/** The alarm settings after validation (numbers and booleans may be tokens: the module's variables). */
export type ResolvedAlarms = Required<ChatServerAlarmsProps>;

/** Auth after validation: what the authorizer and handlers are configured with. */
export type ResolvedAuth =
  | {
      readonly mode: 'jwt';
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience: string;
      readonly userIdClaim: string;
      readonly rolesClaim: string;
      readonly agentRole: string;
      /** Seconds since `iat`; absent (the local runtime's settings) means DEFAULTS.maxTokenAgeSeconds. */
      readonly maxTokenAgeSeconds?: number;
    }
  | {
      readonly mode: 'create-cognito-user-pool';
      readonly userIdClaim: string;
      readonly rolesClaim: string;
      readonly agentRole: string;
      readonly selfSignUp: boolean;
      /** Seconds since `iat`; absent means DEFAULTS.maxTokenAgeSeconds. */
      readonly maxTokenAgeSeconds?: number;
    }
  | { readonly mode: 'none' }
  | ({ readonly mode: 'plan-time' } & ChatServerPlanTimeAuthProps);

export interface ResolvedChatServerProps {
  readonly name: string;
  readonly auth: ResolvedAuth;
  readonly domain?: ChatServerDomainProps;
  readonly snsTopicName: string;
  readonly messageRetentionDays: number;
  readonly stageName: string;
  readonly throttling: Required<ChatServerThrottlingProps>;
  readonly rateLimit: Required<ChatServerRateLimitProps>;
  readonly lambda: Required<ChatServerLambdaProps>;
  readonly logRetentionDays: number;
  readonly kmsKeyArn?: string;
  readonly deletionProtection: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly configureApiGatewayAccountLogging: boolean;
  readonly handlerSourceRoot: string;
  /** A map of bots, or a token for a map (the module's `bots` variable). */
  readonly bots: Readonly<Record<string, ChatServerBotProps>> | string;
  readonly logLevel: ChatServerLogLevel;
  readonly tracing: ChatServerTracingMode;
  readonly alarms: ResolvedAlarms;
  readonly alarmTopicArn?: string;
  /** The addresses, or a token for a list of them (the module's variable). */
  readonly alarmEmails: readonly string[];
  readonly dashboard: boolean;
}

/** A prop failed validation; `prop` is its path, e.g. `throttling.rateLimit`. */
export class ChatServerPropsError extends Error {
  constructor(
    readonly prop: string,
    problem: string,
  ) {
    super(`ChatServer: invalid prop "${prop}": ${problem}`);
    this.name = 'ChatServerPropsError';
  }
}

/** Tokens (references to other resources) are only known at apply: their format is not checked. */
function isToken(value: unknown): boolean {
  return (
    ((typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) && Token.isUnresolved(value)) ||
    Tokenization.isResolvable(value)
  );
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * Checks a prop against its setting's rules (lib/settings.ts, the rules the module's variables carry too),
 * naming the prop and the rule it breaks. Tokens are only known at apply: their format is not checked.
 */
function check<T>(key: SettingKey, value: unknown): T {
  const setting: Setting = SETTINGS[key];
  if (isToken(value)) return value as T;
  const broken = brokenRule(setting, value);
  if (broken) throw new ChatServerPropsError(setting.prop, `must be ${broken.requirement}, got ${describe(value)}`);
  return value as T;
}

/** A prop's value, or its setting's default when it is not given. */
function checkOrDefault<T>(key: SettingKey, value: unknown): T {
  return value === undefined ? (SETTINGS[key].default as T) : check<T>(key, value);
}

function checkObject(prop: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChatServerPropsError(prop, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** One audience or a list; the authorizer reads them comma-separated (CHAT_AUTH_AUDIENCE). */
function checkAudience(value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ChatServerPropsError('auth.audience', 'must name at least one audience');
  if (!list.every((item) => isToken(item))) check('jwtAudience', list.filter((item) => !isToken(item)));
  return (list as string[]).join(',');
}

function claims(
  auth: Record<string, unknown>,
): { userIdClaim: string; rolesClaim: string; agentRole: string; maxTokenAgeSeconds: number } {
  return {
    userIdClaim: checkOrDefault<string>('userIdClaim', auth.userIdClaim),
    rolesClaim: checkOrDefault<string>('rolesClaim', auth.rolesClaim),
    agentRole: checkOrDefault<string>('agentRole', auth.agentRole),
    maxTokenAgeSeconds: checkOrDefault<number>('maxTokenAgeSeconds', auth.maxTokenAgeSeconds),
  };
}

const AUTH_KINDS = {
  planTime: [
    'planTimeMode', 'jwksUrl', 'issuer', 'audience', 'cognitoUserPoolId', 'cognitoClientId', 'userIdClaim', 'rolesClaim', 'agentRole',
    'selfSignUp', 'maxTokenAgeSeconds',
  ],
  none: ['mode'],
  jwt: ['jwksUrl', 'issuer', 'audience', 'userIdClaim', 'rolesClaim', 'agentRole', 'maxTokenAgeSeconds'],
  cognito: ['cognitoUserPoolId', 'cognitoClientId', 'region', 'userIdClaim', 'rolesClaim', 'agentRole', 'maxTokenAgeSeconds'],
  createCognitoUserPool: ['createCognitoUserPool', 'agentRole', 'selfSignUp', 'maxTokenAgeSeconds'],
} as const;

const AUTH_REQUIRED_MESSAGE =
  'is required: pass { jwksUrl, issuer, audience } for any OIDC issuer, { cognitoUserPoolId, cognitoClientId } ' +
  "for an existing Cognito pool, { createCognitoUserPool: true } to create one, or { mode: 'none' } to run " +
  'without authentication (insecure)';

function resolveAuth(value: unknown): ResolvedAuth {
  if (value === undefined || value === null) throw new ChatServerPropsError('auth', AUTH_REQUIRED_MESSAGE);
  const auth = checkObject('auth', value) as Record<string, unknown>;
  const kind: keyof typeof AUTH_KINDS | undefined =
    'planTimeMode' in auth
      ? 'planTime'
      : 'mode' in auth
      ? 'none'
      : 'createCognitoUserPool' in auth
        ? 'createCognitoUserPool'
        : 'cognitoUserPoolId' in auth || 'cognitoClientId' in auth
          ? 'cognito'
          : 'jwksUrl' in auth || 'issuer' in auth || 'audience' in auth
            ? 'jwt'
            : undefined;
  if (!kind) throw new ChatServerPropsError('auth', AUTH_REQUIRED_MESSAGE);
  const allowed: readonly string[] = AUTH_KINDS[kind];
  const stray = Object.keys(auth).filter((key) => !allowed.includes(key) && auth[key] !== undefined);
  if (stray.length > 0) {
    throw new ChatServerPropsError(
      `auth.${stray[0]}`,
      `is not an option of this auth kind (${allowed.join(', ')}); choose one kind of auth`,
    );
  }
  switch (kind) {
    case 'planTime':
      if (!isToken(auth.planTimeMode)) {
        throw new ChatServerPropsError('auth.planTimeMode', 'must be a Terraform expression (a token); choose one of the other kinds of auth in a cdktf app');
      }
      return { mode: 'plan-time', ...(auth as unknown as ChatServerPlanTimeAuthProps) };
    case 'none':
      if (auth.mode !== 'none') {
        throw new ChatServerPropsError('auth.mode', `must be 'none' (the only mode), got ${describe(auth.mode)}`);
      }
      return { mode: 'none' };
    case 'jwt':
      return {
        mode: 'jwt',
        jwksUrl: check<string>('jwtJwksUrl', auth.jwksUrl),
        issuer: check<string>('jwtIssuer', auth.issuer),
        audience: checkAudience(auth.audience),
        ...claims(auth),
      };
    case 'cognito': {
      const poolId = check<string>('cognitoUserPoolId', auth.cognitoUserPoolId);
      const clientId = check<string>('cognitoClientId', auth.cognitoClientId);
      const regionFromPool = isToken(poolId) ? undefined : COGNITO_POOL_ID.exec(poolId)?.[1];
      if (auth.region !== undefined && !isToken(auth.region) && !(typeof auth.region === 'string' && REGION.test(auth.region))) {
        throw new ChatServerPropsError('auth.region', `must be an AWS region like "eu-west-1", got ${describe(auth.region)}`);
      }
      const region = (auth.region as string | undefined) ?? regionFromPool;
      if (!region) {
        throw new ChatServerPropsError('auth.region', 'is required when cognitoUserPoolId is a token');
      }
      const issuer = `https://cognito-idp.${region}.amazonaws.com/${poolId}`;
      return { mode: 'jwt', jwksUrl: `${issuer}/.well-known/jwks.json`, issuer, audience: clientId, ...claims(auth) };
    }
    case 'createCognitoUserPool':
      if (auth.createCognitoUserPool !== true) {
        throw new ChatServerPropsError(
          'auth.createCognitoUserPool',
          `must be true, got ${describe(auth.createCognitoUserPool)}`,
        );
      }
      return {
        mode: 'create-cognito-user-pool',
        ...claims(auth),
        // Cognito group names: 1-128 characters without whitespace, which the claim pattern already enforces.
        selfSignUp: checkOrDefault<boolean>('selfSignUp', auth.selfSignUp),
      };
  }
}

function resolveDomain(value: unknown): ChatServerDomainProps | undefined {
  const domain = checkObject('domain', value);
  if (!domain) return undefined;
  return {
    domainName: check<string>('domainName', domain.domainName),
    certificateArn: check<string>('certificateArn', domain.certificateArn),
    hostedZoneId: domain.hostedZoneId === undefined ? undefined : check<string>('hostedZoneId', domain.hostedZoneId),
  };
}

/** Validates tags (AWS tag rules); used by the construct and by ChatInfraStack for its default_tags. */
export function resolveTags(value: unknown): Readonly<Record<string, string>> {
  // A Terraform expression (the module's variable) is checked by the variable's validation.
  if (isToken(value)) return value as unknown as Readonly<Record<string, string>>;
  const tags = checkObject('tags', value) ?? {};
  const entries = Object.entries(tags);
  if (entries.length > TAG_RULES.maxTags) {
    throw new ChatServerPropsError('tags', `has ${entries.length} tags, at most ${TAG_RULES.maxTags} are allowed`);
  }
  for (const [key, tagValue] of entries) {
    if (!TAG_RULES.key.test(key) || key.toLowerCase().startsWith('aws:')) {
      throw new ChatServerPropsError(`tags.${key}`, `key must be ${TAG_RULES.key.requirement} and not start with "aws:"`);
    }
    if (!TAG_RULES.value.test(tagValue)) {
      throw new ChatServerPropsError(`tags.${key}`, `value must be ${TAG_RULES.value.requirement}`);
    }
  }
  return { ...tags } as Record<string, string>;
}


/** The bots prop: a map of bots (each checked by subscribeBot), or a token for one. */
function resolveBots(value: unknown): Readonly<Record<string, ChatServerBotProps>> | string {
  if (typeof value === 'string' && isToken(value)) return value;
  const bots = checkObject('bots', value) ?? {};
  for (const [name, bot] of Object.entries(bots)) {
    const entry = checkObject(`bots.${name}`, bot);
    for (const key of ['functionArn', 'functionName'] as const) {
      if (typeof entry?.[key] !== 'string' || entry[key] === '') {
        throw new ChatServerPropsError(`bots.${name}.${key}`, `must be a non-empty string, got ${describe(entry?.[key])}`);
      }
    }
  }
  return bots as Record<string, ChatServerBotProps>;
}

/** Each alarm threshold prop and its setting. */
export const ALARM_THRESHOLDS = {
  functionErrors: 'alarmFunctionErrors',
  functionThrottles: 'alarmFunctionThrottles',
  functionDurationPercentOfTimeout: 'alarmFunctionDurationPercentOfTimeout',
  outboxIteratorAgeSeconds: 'alarmOutboxIteratorAgeSeconds',
  deadLetterQueueMessages: 'alarmDeadLetterQueueMessages',
  apiIntegrationErrors: 'alarmApiIntegrationErrors',
  apiExecutionErrors: 'alarmApiExecutionErrors',
  apiClientErrorPercent: 'alarmApiClientErrorPercent',
  dynamodbThrottledRequests: 'alarmDynamodbThrottledRequests',
  dynamodbSystemErrors: 'alarmDynamodbSystemErrors',
  authorizerDenials: 'alarmAuthorizerDenials',
} as const satisfies Record<Exclude<keyof ChatServerAlarmsProps, 'enabled'>, SettingKey>;

/** The alarms prop: `true`/`false`, or an object of thresholds (each checked against its setting). */
function resolveAlarms(value: unknown): ResolvedAlarms {
  if (typeof value === 'boolean' || isToken(value)) {
    return resolveAlarms({ enabled: value });
  }
  const alarms = checkObject('alarms', value) ?? {};
  const known = ['enabled', ...Object.keys(ALARM_THRESHOLDS)];
  const stray = Object.keys(alarms).find((key) => !known.includes(key) && alarms[key] !== undefined);
  if (stray) throw new ChatServerPropsError(`alarms.${stray}`, `is not an alarm setting (${known.join(', ')})`);
  const thresholds = Object.fromEntries(
    Object.entries(ALARM_THRESHOLDS).map(([prop, key]) => [prop, checkOrDefault<number>(key, alarms[prop])]),
  ) as Omit<ResolvedAlarms, 'enabled'>;
  return { enabled: checkOrDefault<boolean>('alarmsEnabled', alarms.enabled), ...thresholds };
}

/** Validates the props and applies every default. Throws ChatServerPropsError naming the first bad prop. */
export function resolveChatServerProps(props: ChatServerProps | undefined): ResolvedChatServerProps {
  const raw = checkObject('props', props);
  if (!raw) throw new ChatServerPropsError('name', 'is required (props are missing)');
  const defaults = CHAT_SERVER_DEFAULTS;
  // A token (the Terraform module's variable) is validated by the variable's own rules.
  const name = check<string>('name', raw.name);

  const throttling = checkObject('throttling', raw.throttling) ?? {};
  const rateLimit = checkObject('rateLimit', raw.rateLimit) ?? {};
  const lambda = checkObject('lambda', raw.lambda) ?? {};
  const handlerSourceRoot = raw.handlerSourceRoot ?? defaults.handlerSourceRoot;
  if (typeof handlerSourceRoot !== 'string' || !path.isAbsolute(handlerSourceRoot)) {
    throw new ChatServerPropsError('handlerSourceRoot', `must be an absolute path, got ${describe(handlerSourceRoot)}`);
  }

  return {
    name,
    auth: resolveAuth(raw.auth),
    domain: resolveDomain(raw.domain),
    snsTopicName: raw.snsTopicName === undefined ? `${name}-responder` : check<string>('snsTopicName', raw.snsTopicName),
    messageRetentionDays: checkOrDefault<number>('messageRetentionDays', raw.messageRetentionDays),
    stageName: checkOrDefault<string>('stageName', raw.stageName),
    throttling: {
      rateLimit: checkOrDefault<number>('throttlingRateLimit', throttling.rateLimit),
      burstLimit: checkOrDefault<number>('throttlingBurstLimit', throttling.burstLimit),
    },
    rateLimit: {
      messages: checkOrDefault<number>('rateLimitMessages', rateLimit.messages),
      windowSeconds: checkOrDefault<number>('rateLimitWindowSeconds', rateLimit.windowSeconds),
    },
    lambda: {
      architecture: checkOrDefault<'arm64' | 'x86_64'>('lambdaArchitecture', lambda.architecture),
      memorySize: checkOrDefault<number>('lambdaMemorySize', lambda.memorySize),
      timeout: checkOrDefault<number>('lambdaTimeout', lambda.timeout),
    },
    logRetentionDays: checkOrDefault<number>('logRetentionDays', raw.logRetentionDays),
    kmsKeyArn: raw.kmsKeyArn === undefined ? undefined : check<string>('kmsKeyArn', raw.kmsKeyArn),
    deletionProtection: checkOrDefault<boolean>('deletionProtection', raw.deletionProtection),
    tags: resolveTags(raw.tags),
    configureApiGatewayAccountLogging: checkOrDefault<boolean>('configureApiGatewayAccountLogging', raw.configureApiGatewayAccountLogging),
    handlerSourceRoot,
    bots: resolveBots(raw.bots),
    logLevel: checkOrDefault<ChatServerLogLevel>('logLevel', raw.logLevel),
    tracing: checkOrDefault<ChatServerTracingMode>('tracing', raw.tracing),
    alarms: resolveAlarms(raw.alarms),
    alarmTopicArn: raw.alarmTopicArn === undefined ? undefined : check<string>('alarmTopicArn', raw.alarmTopicArn),
    alarmEmails: checkOrDefault<readonly string[]>('alarmEmails', raw.alarmEmails),
    dashboard: checkOrDefault<boolean>('dashboard', raw.dashboard),
  };
}
