/**
 * The handlers' CloudWatch metrics, written as embedded metric format (EMF) log lines (no PutMetricData call):
 * their namespace, their one dimension and their names, declared once. The handlers write them
 * (handlers/core/metrics.ts), the construct's alarms and dashboard read them (lib/alarms.ts, lib/dashboard.ts),
 * and help/operations.md lists them. Free of cdktf: the handlers' bundles import it.
 */

/** CloudWatch namespace of every metric the handlers write. */
export const METRIC_NAMESPACE = 'ChatServer';

/**
 * The dimension every metric carries, valued with the chat server's `name` (environment variable
 * ENV.instanceName), so that several chat servers in one account and region have separate metrics.
 */
export const METRIC_DIMENSION = 'ChatServer';

/** Metric names, all of unit Count, one data point per event. */
export const METRICS = {
  /** A user or agent message stored and acknowledged by message.send. */
  messagesSent: 'MessagesSent',
  /**
   * Posts of a frame to a connection (messages, typing and thread.status frames, told apart by the line's
   * `frameType`), by outcome: sent, connection gone (record cleaned), failed after retries.
   */
  deliveriesDelivered: 'DeliveriesDelivered',
  deliveriesStale: 'DeliveriesStale',
  deliveriesFailed: 'DeliveriesFailed',
  /** Bot replies stored and delivered, and bot replies refused because a human agent has taken the thread over. */
  botRepliesAccepted: 'BotRepliesAccepted',
  botRepliesRefusedTakeover: 'BotRepliesRefusedTakeover',
  /** message.send frames answered RATE_LIMITED. */
  rateLimitedFrames: 'RateLimitedFrames',
  /** Authorizer decisions on `$connect`. */
  authorizerAllowed: 'AuthorizerAllowed',
  authorizerDenied: 'AuthorizerDenied',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
