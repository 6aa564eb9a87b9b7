/**
 * The local runtime's own log lines: structured JSON, one per event, like the handlers'. Never the
 * text of a chat message (the emulation sees payloads; logs only carry ids, sizes and outcomes).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface RuntimeLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Writes JSON lines at or above `level` to `write` (default: stdout, errors to stderr). */
export function createLogger(level: LogLevel, write?: (line: string, level: LogLevel) => void): RuntimeLogger {
  const sink = write ?? ((line: string, lineLevel: LogLevel) => (lineLevel === 'error' ? console.error(line) : console.log(line)));
  const emit = (lineLevel: LogLevel, event: string, fields: Record<string, unknown> = {}): void => {
    if (ORDER[lineLevel] < ORDER[level]) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level: lineLevel, component: 'local-runtime', event, ...fields }), lineLevel);
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  const normalized = (value ?? '').toLowerCase();
  return normalized in ORDER ? (normalized as LogLevel) : fallback;
}
