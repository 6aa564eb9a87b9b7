/**
 * Props of the ChatServer construct: the public, documented surface, the defaults (applied here and
 * nowhere else) and the synth-time validation. Every error names the prop it is about.
 */
import * as path from 'node:path';
import { Token } from 'cdktf';
import { CHAT_SERVER_DEFAULTS, LOG_RETENTION_DAYS } from './chat-server-defaults';

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
 * against the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`.
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

/** How clients prove who they are at `$connect`. There is no default: choose one. */
export type ChatServerAuthProps =
  | ChatServerJwtAuthProps
  | ChatServerCognitoAuthProps
  | ChatServerNewCognitoUserPoolAuthProps
  | ChatServerNoAuthProps;

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
   * Directory holding the `handlers/` sources (the HANDLERS entries of lib/schema.ts) and `lib/schema.ts`,
   * bundled with esbuild at synth. Point it at a fork of the handlers to deploy your own.
   * @default the root of this package
   */
  readonly handlerSourceRoot?: string;
}

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
    }
  | {
      readonly mode: 'create-cognito-user-pool';
      readonly userIdClaim: string;
      readonly rolesClaim: string;
      readonly agentRole: string;
      readonly selfSignUp: boolean;
    }
  | { readonly mode: 'none' };

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

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const SNS_TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
const STAGE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const DOMAIN_NAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const HOSTED_ZONE_ID_PATTERN = /^Z[A-Z0-9]{1,32}$/;
const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const COGNITO_POOL_ID_PATTERN = /^([a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+$/;
const COGNITO_CLIENT_ID_PATTERN = /^[A-Za-z0-9]{1,128}$/;
const REGION_PATTERN = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const CLAIM_PATTERN = /^\S{1,256}$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Tokens (references to other resources) are only known at apply: their format is not checked. */
function isToken(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function checkPattern(prop: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string') throw new ChatServerPropsError(prop, `must be ${what}, got ${describe(value)}`);
  if (!isToken(value) && !pattern.test(value)) {
    throw new ChatServerPropsError(prop, `must be ${what}, got ${describe(value)}`);
  }
  return value;
}

function checkInteger(prop: string, value: unknown, min: number, max: number): number {
  if (typeof value === 'number' && isToken(value)) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ChatServerPropsError(prop, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkObject(prop: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChatServerPropsError(prop, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkHttpsUrl(prop: string, value: unknown): string {
  if (typeof value === 'string' && isToken(value)) return value;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:') {
    throw new ChatServerPropsError(prop, `must be an https:// URL, got ${describe(value)}`);
  }
  return value as string;
}

function checkNonEmpty(prop: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ChatServerPropsError(prop, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** One audience or a list; the authorizer reads them comma-separated (CHAT_AUTH_AUDIENCE). */
function checkAudience(value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ChatServerPropsError('auth.audience', 'must name at least one audience');
  for (const item of list) {
    if (typeof item === 'string' && isToken(item)) continue;
    if (typeof item !== 'string' || item.trim() === '' || item.includes(',')) {
      throw new ChatServerPropsError('auth.audience', `must be a non-empty string (or a list of them) without commas, got ${describe(value)}`);
    }
  }
  return (list as string[]).join(',');
}

function claims(
  auth: Record<string, unknown>,
): { userIdClaim: string; rolesClaim: string; agentRole: string } {
  const claim = (key: string, fallback: string): string =>
    auth[key] === undefined
      ? fallback
      : checkPattern(`auth.${key}`, auth[key], CLAIM_PATTERN, 'a claim name or value without spaces');
  return {
    userIdClaim: claim('userIdClaim', CHAT_SERVER_DEFAULTS.userIdClaim),
    rolesClaim: claim('rolesClaim', CHAT_SERVER_DEFAULTS.rolesClaim),
    agentRole: claim('agentRole', CHAT_SERVER_DEFAULTS.agentRole),
  };
}

const AUTH_KINDS = {
  none: ['mode'],
  jwt: ['jwksUrl', 'issuer', 'audience', 'userIdClaim', 'rolesClaim', 'agentRole'],
  cognito: ['cognitoUserPoolId', 'cognitoClientId', 'region', 'userIdClaim', 'rolesClaim', 'agentRole'],
  createCognitoUserPool: ['createCognitoUserPool', 'agentRole', 'selfSignUp'],
} as const;

const AUTH_REQUIRED_MESSAGE =
  'is required: pass { jwksUrl, issuer, audience } for any OIDC issuer, { cognitoUserPoolId, cognitoClientId } ' +
  "for an existing Cognito pool, { createCognitoUserPool: true } to create one, or { mode: 'none' } to run " +
  'without authentication (insecure)';

function resolveAuth(value: unknown): ResolvedAuth {
  if (value === undefined || value === null) throw new ChatServerPropsError('auth', AUTH_REQUIRED_MESSAGE);
  const auth = checkObject('auth', value) as Record<string, unknown>;
  const kind: keyof typeof AUTH_KINDS | undefined =
    'mode' in auth
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
    case 'none':
      if (auth.mode !== 'none') {
        throw new ChatServerPropsError('auth.mode', `must be 'none' (the only mode), got ${describe(auth.mode)}`);
      }
      return { mode: 'none' };
    case 'jwt':
      return {
        mode: 'jwt',
        jwksUrl: checkHttpsUrl('auth.jwksUrl', auth.jwksUrl),
        issuer: checkNonEmpty('auth.issuer', auth.issuer),
        audience: checkAudience(auth.audience),
        ...claims(auth),
      };
    case 'cognito': {
      const poolId = checkPattern(
        'auth.cognitoUserPoolId',
        auth.cognitoUserPoolId,
        COGNITO_POOL_ID_PATTERN,
        'a Cognito user pool id like "eu-west-1_AbCdEf123"',
      );
      const clientId = checkPattern(
        'auth.cognitoClientId',
        auth.cognitoClientId,
        COGNITO_CLIENT_ID_PATTERN,
        'a Cognito app client id (letters and digits)',
      );
      const regionFromPool = isToken(poolId) ? undefined : COGNITO_POOL_ID_PATTERN.exec(poolId)?.[1];
      const region =
        auth.region !== undefined
          ? checkPattern('auth.region', auth.region, REGION_PATTERN, 'an AWS region like "eu-west-1"')
          : regionFromPool;
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
      if (auth.selfSignUp !== undefined && typeof auth.selfSignUp !== 'boolean') {
        throw new ChatServerPropsError('auth.selfSignUp', `must be a boolean, got ${describe(auth.selfSignUp)}`);
      }
      return {
        mode: 'create-cognito-user-pool',
        ...claims(auth),
        // Cognito group names: 1-128 characters without whitespace, which the claim pattern already enforces.
        selfSignUp: auth.selfSignUp === true,
      };
  }
}

function resolveDomain(value: unknown): ChatServerDomainProps | undefined {
  const domain = checkObject('domain', value);
  if (!domain) return undefined;
  return {
    domainName: checkPattern('domain.domainName', domain.domainName, DOMAIN_NAME_PATTERN, 'a lowercase DNS name'),
    certificateArn: checkPattern(
      'domain.certificateArn',
      domain.certificateArn,
      ACM_CERTIFICATE_ARN_PATTERN,
      'an ACM certificate ARN',
    ),
    hostedZoneId:
      domain.hostedZoneId === undefined
        ? undefined
        : checkPattern('domain.hostedZoneId', domain.hostedZoneId, HOSTED_ZONE_ID_PATTERN, 'a Route 53 zone id'),
  };
}

/** Validates tags (AWS tag rules); used by the construct and by ChatInfraStack for its default_tags. */
export function resolveTags(value: unknown): Readonly<Record<string, string>> {
  const tags = checkObject('tags', value) ?? {};
  const entries = Object.entries(tags);
  if (entries.length > 40) throw new ChatServerPropsError('tags', `has ${entries.length} tags, at most 40 are allowed`);
  for (const [key, tagValue] of entries) {
    if (!TAG_KEY_PATTERN.test(key) || key.toLowerCase().startsWith('aws:')) {
      throw new ChatServerPropsError(`tags.${key}`, 'key must be 1-128 allowed characters and not start with "aws:"');
    }
    if (typeof tagValue !== 'string' || !TAG_VALUE_PATTERN.test(tagValue)) {
      throw new ChatServerPropsError(`tags.${key}`, `value must be a string of 0-256 allowed characters`);
    }
  }
  return { ...tags } as Record<string, string>;
}

function optionalBoolean(prop: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ChatServerPropsError(prop, `must be a boolean, got ${describe(value)}`);
  return value;
}

/** Validates the props and applies every default. Throws ChatServerPropsError naming the first bad prop. */
export function resolveChatServerProps(props: ChatServerProps | undefined): ResolvedChatServerProps {
  const raw = checkObject('props', props);
  if (!raw) throw new ChatServerPropsError('name', 'is required (props are missing)');
  const defaults = CHAT_SERVER_DEFAULTS;
  const name = checkPattern(
    'name',
    raw.name,
    NAME_PATTERN,
    'lowercase letters, digits and dashes, 1-32 characters, starting with a letter',
  );
  if (isToken(name)) throw new ChatServerPropsError('name', 'must be a literal string (it names resources)');

  const throttling = checkObject('throttling', raw.throttling) ?? {};
  const rateLimit = checkObject('rateLimit', raw.rateLimit) ?? {};
  const lambda = checkObject('lambda', raw.lambda) ?? {};
  const architecture = lambda.architecture ?? defaults.lambda.architecture;
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new ChatServerPropsError('lambda.architecture', `must be 'arm64' or 'x86_64', got ${describe(architecture)}`);
  }
  const logRetentionDays = raw.logRetentionDays ?? defaults.logRetentionDays;
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(logRetentionDays)) {
    throw new ChatServerPropsError(
      'logRetentionDays',
      `must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')}), got ${describe(logRetentionDays)}`,
    );
  }
  const handlerSourceRoot = raw.handlerSourceRoot ?? defaults.handlerSourceRoot;
  if (typeof handlerSourceRoot !== 'string' || !path.isAbsolute(handlerSourceRoot)) {
    throw new ChatServerPropsError('handlerSourceRoot', `must be an absolute path, got ${describe(handlerSourceRoot)}`);
  }

  return {
    name,
    auth: resolveAuth(raw.auth),
    domain: resolveDomain(raw.domain),
    snsTopicName:
      raw.snsTopicName === undefined
        ? `${name}-responder`
        : checkPattern('snsTopicName', raw.snsTopicName, SNS_TOPIC_NAME_PATTERN, 'letters, digits, - and _ (1-256)'),
    messageRetentionDays: checkInteger(
      'messageRetentionDays',
      raw.messageRetentionDays ?? defaults.messageRetentionDays,
      1,
      3650,
    ),
    stageName: checkPattern(
      'stageName',
      raw.stageName ?? defaults.stageName,
      STAGE_NAME_PATTERN,
      'letters, digits, - and _ (1-128)',
    ),
    throttling: {
      rateLimit: checkInteger('throttling.rateLimit', throttling.rateLimit ?? defaults.throttling.rateLimit, 1, 100000),
      burstLimit: checkInteger('throttling.burstLimit', throttling.burstLimit ?? defaults.throttling.burstLimit, 1, 100000),
    },
    rateLimit: {
      messages: checkInteger('rateLimit.messages', rateLimit.messages ?? defaults.rateLimit.messages, 1, 10000),
      windowSeconds: checkInteger(
        'rateLimit.windowSeconds',
        rateLimit.windowSeconds ?? defaults.rateLimit.windowSeconds,
        1,
        3600,
      ),
    },
    lambda: {
      architecture,
      memorySize: checkInteger('lambda.memorySize', lambda.memorySize ?? defaults.lambda.memorySize, 128, 10240),
      timeout: checkInteger('lambda.timeout', lambda.timeout ?? defaults.lambda.timeout, 1, 900),
    },
    logRetentionDays: logRetentionDays as number,
    kmsKeyArn:
      raw.kmsKeyArn === undefined
        ? undefined
        : checkPattern('kmsKeyArn', raw.kmsKeyArn, KMS_KEY_ARN_PATTERN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
    deletionProtection: optionalBoolean('deletionProtection', raw.deletionProtection, defaults.deletionProtection),
    tags: resolveTags(raw.tags),
    configureApiGatewayAccountLogging: optionalBoolean(
      'configureApiGatewayAccountLogging',
      raw.configureApiGatewayAccountLogging,
      defaults.configureApiGatewayAccountLogging,
    ),
    handlerSourceRoot,
  };
}
