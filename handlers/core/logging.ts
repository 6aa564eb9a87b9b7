/**
 * Structured logs: one JSON object per line on stdout, so CloudWatch Logs Insights can query fields
 * without the Lambda runtime's text prefix.
 *
 * Message content is never logged: fields named `text` are dropped at every level, so a careless call
 * site cannot leak what users wrote, and errors keep their messages only when those are the server's
 * own (see InternalFault). Log lengths and ids instead.
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

/**
 * A server-side failure whose message names only server facts and ids (never client values), so
 * logs keep it. Other errors' messages may quote what a client sent (the SDK's marshalling errors
 * do), so logs keep only their name and stack frames.
 */
export class InternalFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalFault';
  }
}

/** Errors whose messages are the server's own words: AWS service errors and configuration errors. */
const SERVER_MESSAGE_ERRORS = new Set(['InternalFault', 'ConfigError', 'AuthConfigError']);

/** Errors become `{name, message?, statusCode?, stack?}`; stacks only at error level, messages only when safe. */
function serializeError(err: unknown, withStack: boolean): unknown {
  if (!(err instanceof Error)) return { type: typeof err };
  const meta = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const messageIsSafe = meta !== undefined || SERVER_MESSAGE_ERRORS.has(err.name);
  // The stack's first line repeats the message.
  const frames = err.stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')).join('\n');
  return {
    name: err.name,
    ...(messageIsSafe ? { message: err.message } : {}),
    ...(meta?.httpStatusCode !== undefined ? { statusCode: meta.httpStatusCode } : {}),
    ...(withStack && frames ? { stack: frames } : {}),
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
