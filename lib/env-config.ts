/**
 * The default app's configuration from environment variables (main.ts), documented in help/deploy.md.
 * Only reads: validation of the values themselves happens in the construct, which names the prop.
 */
import type { ChatServerAuthProps } from './chat-server-props';
import type { ChatInfraStackProps } from './chat-infra-stack';
import { ENV } from './schema';

/** Every variable main.ts reads (the auth ones are shared with the local runtime). */
export const CONFIG_ENV = {
  name: 'CHAT_NAME',
  stackId: 'CHAT_STACK_ID',
  region: 'CHAT_REGION',
  stateBucket: 'CHAT_STATE_BUCKET',
  stateKey: 'CHAT_STATE_KEY',
  stateRegion: 'CHAT_STATE_REGION',
  stateKmsKeyId: 'CHAT_STATE_KMS_KEY_ID',
  authMode: ENV.authMode,
  jwksUrl: ENV.jwksUrl,
  issuer: ENV.issuer,
  audience: ENV.audience,
  userIdClaim: ENV.userIdClaim,
  rolesClaim: ENV.rolesClaim,
  agentRole: ENV.agentRole,
  maxTokenAgeSeconds: ENV.maxTokenAgeSeconds,
  cognitoUserPoolId: 'CHAT_AUTH_COGNITO_USER_POOL_ID',
  cognitoClientId: 'CHAT_AUTH_COGNITO_CLIENT_ID',
  selfSignUp: 'CHAT_AUTH_SELF_SIGN_UP',
  domainName: 'CHAT_DOMAIN_NAME',
  certificateArn: 'CHAT_CERTIFICATE_ARN',
  hostedZoneId: 'CHAT_HOSTED_ZONE_ID',
  snsTopicName: 'CHAT_SNS_TOPIC_NAME',
  messageRetentionDays: ENV.messageRetentionDays,
  stageName: 'CHAT_STAGE_NAME',
  throttleRateLimit: 'CHAT_THROTTLE_RATE_LIMIT',
  throttleBurstLimit: 'CHAT_THROTTLE_BURST_LIMIT',
  rateLimitMessages: ENV.rateLimitMessages,
  rateLimitWindowSeconds: ENV.rateLimitWindowSeconds,
  lambdaArchitecture: 'CHAT_LAMBDA_ARCHITECTURE',
  lambdaMemorySize: 'CHAT_LAMBDA_MEMORY_SIZE',
  lambdaTimeout: 'CHAT_LAMBDA_TIMEOUT',
  logRetentionDays: 'CHAT_LOG_RETENTION_DAYS',
  kmsKeyArn: 'CHAT_KMS_KEY_ARN',
  deletionProtection: 'CHAT_DELETION_PROTECTION',
  tags: 'CHAT_TAGS',
  configureApiGatewayAccountLogging: 'CHAT_CONFIGURE_API_GATEWAY_ACCOUNT_LOGGING',
} as const;

export const DEFAULT_APP_NAME = 'chat';

export class EnvConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'EnvConfigError';
  }
}

export interface AppConfig {
  readonly stackId: string;
  readonly props: ChatInfraStackProps;
}

/** Reads the default app's configuration. Unset or empty variables leave the construct's defaults. */
export function appConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const get = (key: keyof typeof CONFIG_ENV): string | undefined => {
    const value = env[CONFIG_ENV[key]]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (key: keyof typeof CONFIG_ENV): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw new EnvConfigError(CONFIG_ENV[key], `must be an integer, got "${raw}"`);
    return Number(raw);
  };
  const boolean = (key: keyof typeof CONFIG_ENV): boolean | undefined => {
    const raw = get(key)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new EnvConfigError(CONFIG_ENV[key], `must be true or false, got "${raw}"`);
  };

  const name = get('name') ?? DEFAULT_APP_NAME;
  const stateBucket = get('stateBucket');
  const domainName = get('domainName');
  const certificateArn = get('certificateArn');
  if (domainName && !certificateArn) {
    throw new EnvConfigError(CONFIG_ENV.certificateArn, `is required with ${CONFIG_ENV.domainName}`);
  }
  const architecture = get('lambdaArchitecture');

  const props: ChatInfraStackProps = {
    name,
    region: get('region') ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    auth: authFromEnv(get, boolean, integer),
    stateBackend: stateBucket
      ? { bucket: stateBucket, key: get('stateKey'), region: get('stateRegion'), kmsKeyId: get('stateKmsKeyId') }
      : undefined,
    domain: domainName
      ? { domainName, certificateArn: certificateArn as string, hostedZoneId: get('hostedZoneId') }
      : undefined,
    snsTopicName: get('snsTopicName'),
    messageRetentionDays: integer('messageRetentionDays'),
    stageName: get('stageName'),
    throttling: { rateLimit: integer('throttleRateLimit'), burstLimit: integer('throttleBurstLimit') },
    rateLimit: { messages: integer('rateLimitMessages'), windowSeconds: integer('rateLimitWindowSeconds') },
    lambda: {
      architecture: architecture as 'arm64' | 'x86_64' | undefined,
      memorySize: integer('lambdaMemorySize'),
      timeout: integer('lambdaTimeout'),
    },
    logRetentionDays: integer('logRetentionDays'),
    kmsKeyArn: get('kmsKeyArn'),
    deletionProtection: boolean('deletionProtection'),
    tags: tagsFromEnv(get('tags')),
    configureApiGatewayAccountLogging: boolean('configureApiGatewayAccountLogging'),
  };
  return { stackId: get('stackId') ?? name, props };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function authFromEnv(
  get: (key: keyof typeof CONFIG_ENV) => string | undefined,
  boolean: (key: keyof typeof CONFIG_ENV) => boolean | undefined,
  integer: (key: keyof typeof CONFIG_ENV) => number | undefined,
): ChatServerAuthProps {
  const mode = get('authMode');
  const maxTokenAgeSeconds = integer('maxTokenAgeSeconds');
  const claims = { userIdClaim: get('userIdClaim'), rolesClaim: get('rolesClaim'), agentRole: get('agentRole'), maxTokenAgeSeconds };
  if (mode === 'none') return { mode: 'none' };
  if (mode !== undefined && mode !== 'jwt') {
    throw new EnvConfigError(CONFIG_ENV.authMode, `must be "jwt" or "none", got "${mode}"`);
  }
  const poolId = get('cognitoUserPoolId');
  if (poolId !== undefined) {
    const clientId = get('cognitoClientId');
    if (!clientId) throw new EnvConfigError(CONFIG_ENV.cognitoClientId, `is required with ${CONFIG_ENV.cognitoUserPoolId}`);
    return { cognitoUserPoolId: poolId, cognitoClientId: clientId, ...claims };
  }
  const issuer = get('issuer');
  if (issuer !== undefined) {
    const jwksUrl = get('jwksUrl');
    const audience = get('audience');
    if (!jwksUrl) throw new EnvConfigError(CONFIG_ENV.jwksUrl, `is required with ${CONFIG_ENV.issuer}`);
    if (!audience) throw new EnvConfigError(CONFIG_ENV.audience, `is required with ${CONFIG_ENV.issuer}`);
    return { jwksUrl, issuer, audience, ...claims };
  }
  // Secure out of the box: no issuer configured → a Cognito user pool in the stack.
  return { createCognitoUserPool: true, agentRole: claims.agentRole, selfSignUp: boolean('selfSignUp'), maxTokenAgeSeconds };
}

/** `CHAT_TAGS`: a JSON object (`{"team":"support"}`) or `key=value` pairs separated by commas. */
function tagsFromEnv(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  if (raw.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new EnvConfigError(CONFIG_ENV.tags, 'is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new EnvConfigError(CONFIG_ENV.tags, 'must be a JSON object of strings');
    }
    return parsed as Record<string, string>;
  }
  const tags: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new EnvConfigError(CONFIG_ENV.tags, `must be key=value pairs separated by commas, got "${pair}"`);
    tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return tags;
}
