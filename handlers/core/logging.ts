/**
 * Structured logs: one JSON object per line on stdout, so CloudWatch Logs Insights can query fields
 * without the Lambda runtime's text prefix.
 *
 * Message content is never logged: fields named `text` are dropped at every level, so a careless call
 * site cannot leak what users wrote. Log lengths and ids instead.
 */
import { ENV } from '../../lib/schema';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields carried on every line of a request: request id, connection id, route key and so on. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields`. */
  child(fields: LogFields): Logger;
}

/** Keys never written, whatever the level (message content). */
const REDACTED_KEYS = new Set(['text']);

function thresholdFromEnv(): LogLevel {
  const raw = (process.env[ENV.logLevel] ?? '').trim().toLowerCase();
  return raw in LEVEL_RANK ? (raw as LogLevel) : 'info';
}

/** Errors become `{name, message, code?, statusCode?, stack?}`; stacks only at error level. */
function serializeError(err: unknown, withStack: boolean): unknown {
  if (!(err instanceof Error)) return err;
  const meta = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return {
    name: err.name,
    message: err.message,
    ...(meta?.httpStatusCode !== undefined ? { statusCode: meta.httpStatusCode } : {}),
    ...(withStack && err.stack ? { stack: err.stack } : {}),
  };
}

function write(level: LogLevel, event: string, context: LogFields, fields: LogFields | undefined): void {
  const line: LogFields = { level, time: new Date().toISOString(), event };
  for (const source of [context, fields ?? {}]) {
    for (const [key, value] of Object.entries(source)) {
      if (REDACTED_KEYS.has(key) || value === undefined) continue;
      line[key] = value instanceof Error ? serializeError(value, level === 'error') : value;
    }
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Creates a logger; the level threshold comes from CHAT_LOG_LEVEL (default info) at creation. */
export function createLogger(context: LogFields = {}): Logger {
  const threshold = LEVEL_RANK[thresholdFromEnv()];
  const at =
    (level: LogLevel) =>
    (event: string, fields?: LogFields): void => {
      if (LEVEL_RANK[level] >= threshold) write(level, event, context, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger({ ...context, ...fields }),
  };
}
