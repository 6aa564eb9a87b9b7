/**
 * Handler configuration from the environment (names in lib/schema.ts ENV).
 *
 * Read lazily on first use and cached for the container's life, so tests and the local runtime can
 * set the environment before the first invocation. Values a given function does not need (e.g. the
 * topic ARN in the connect function) are only checked when asked for, so the construct can give
 * every function just the variables (and IAM rights) it uses.
 */
import { DEFAULTS, ENV, type TableId } from '../../lib/schema';

export type AuthMode = 'jwt' | 'none';

export interface RateLimitConfig {
  /** Messages a connection may send per window. */
  readonly messages: number;
  readonly windowSeconds: number;
}

export interface ChatConfig {
  /** Physical table name; throws a ConfigError naming the variable when it is not set. */
  tableName(table: TableId): string;
  /** `@connections` endpoint; throws when not set. */
  connectionsEndpoint(): string;
  /** Responder topic ARN (outbox); throws when not set. */
  responderTopicArn(): string;
  readonly messageRetentionDays: number;
  /** `jwt` unless explicitly `none`: identity comes from the authorizer context. */
  readonly authMode: AuthMode;
  readonly rateLimit: RateLimitConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const TABLE_ENV: Record<TableId, string> = {
  messages: ENV.messagesTable,
  connections: ENV.connectionsTable,
  threads: ENV.threadsTable,
  idempotency: ENV.idempotencyTable,
};

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function authMode(env: NodeJS.ProcessEnv): AuthMode {
  const raw = (env[ENV.authMode] ?? '').trim();
  if (raw === '' || raw === 'jwt') return 'jwt';
  if (raw === 'none') return 'none';
  throw new ConfigError(`${ENV.authMode} must be "jwt" or "none", got "${raw}"`);
}

/** Builds a configuration from an environment snapshot (no caching). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const required = (name: string, what: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(`${name} is not set (${what})`);
    }
    return value;
  };
  return {
    tableName: (table) => required(TABLE_ENV[table], `name of the ${table} table`),
    connectionsEndpoint: () => required(ENV.connectionsEndpoint, 'the @connections endpoint'),
    responderTopicArn: () => required(ENV.responderTopicArn, 'the responder SNS topic ARN'),
    messageRetentionDays: positiveInteger(env, ENV.messageRetentionDays, DEFAULTS.messageRetentionDays),
    authMode: authMode(env),
    rateLimit: {
      messages: positiveInteger(env, ENV.rateLimitMessages, DEFAULTS.rateLimitMessages),
      windowSeconds: positiveInteger(env, ENV.rateLimitWindowSeconds, DEFAULTS.rateLimitWindowSeconds),
    },
  };
}

let cached: ChatConfig | undefined;

/** The container's configuration, read from process.env on first use. */
export function getConfig(): ChatConfig {
  cached ??= loadConfig();
  return cached;
}
