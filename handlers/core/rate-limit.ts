/**
 * Per-connection fixed-window rate limit for message.send, kept on the connection item itself: the
 * common case is a single UpdateItem that also returns the connection (the caller's identity).
 */
import type { RateLimitConfig } from './config';
import { ChatError } from './protocol';
import type { ConnectionRecord, ConnectionStore } from './storage';

/** The window number of `now` (ms since epoch). */
export function rateWindowOf(now: number, windowSeconds: number): number {
  return Math.floor(now / (windowSeconds * 1000));
}

/**
 * Counts one message for the connection and returns its record. Throws RATE_LIMITED past the limit
 * and FORBIDDEN when the connection has no record (gone, or never registered).
 */
export async function consumeMessageAllowance(
  connections: ConnectionStore,
  connectionId: string,
  now: number,
  limits: RateLimitConfig,
): Promise<ConnectionRecord> {
  const window = rateWindowOf(now, limits.windowSeconds);
  const counted = await connections.countInWindow(connectionId, window, limits.messages, now);
  if (counted) return counted;
  const opened = await connections.openWindow(connectionId, window, now);
  if (opened) return opened;
  const current = await connections.get(connectionId);
  if (!current) throw new ChatError('FORBIDDEN', 'This connection is not registered; reconnect');
  // Another request opened the window between our two writes, and it still has room.
  if (current.rateWindow >= window && current.rateCount < limits.messages) {
    const retried = await connections.countInWindow(connectionId, window, limits.messages, now);
    if (retried) return retried;
  }
  throw new ChatError(
    'RATE_LIMITED',
    `Too many messages: at most ${limits.messages} per ${limits.windowSeconds} s per connection`,
  );
}
