/**
 * Posting frames to WebSocket connections through the API Gateway `@connections` API.
 *
 * Posts run in parallel with a bound (a thread with many agents must not open hundreds of sockets at
 * once). A connection that is gone (410 GoneException: the client left without a clean $disconnect)
 * has its record deleted so later messages stop paying for it; throttling and 5xx are retried with
 * exponential backoff and full jitter; anything else counts as failed. Nothing here throws for a
 * single connection: the result says how many were delivered, stale and failed.
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mapWithConcurrency } from './concurrency';
import type { Logger } from './logging';
import type { ServerFrame } from './protocol';

export interface DeliveryResult {
  delivered: number;
  /** Connections that were gone (410); their records were deleted. */
  stale: number;
  failed: number;
}

export type PostOutcome = 'delivered' | 'stale' | 'failed';

export interface DeliveryOptions {
  /** Posts in flight at once. */
  concurrency: number;
  /** Attempts per connection for throttling / 5xx (including the first). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Told the counts and frame type of every fan-out (deliver), e.g. to write the delivery metrics; not of single posts. */
  onFanOut?: (result: DeliveryResult, frameType: string | undefined) => void;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  concurrency: 10,
  maxAttempts: 4,
  baseDelayMs: 50,
  maxDelayMs: 1000,
};

/** Sends bytes to one connection; throws the SDK's errors. */
export type PostFunction = (connectionId: string, data: Uint8Array) => Promise<void>;

const THROTTLING_ERRORS = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException']);

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export function isGone(err: unknown): boolean {
  return (err as Error)?.name === 'GoneException' || statusOf(err) === 410;
}

/** Throttling, 5xx and network errors (no HTTP status) are worth another try. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  if (THROTTLING_ERRORS.has((err as Error)?.name) || status === 429) return true;
  if (status === undefined) return true;
  return status >= 500;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function serializeFrame(frame: ServerFrame | Record<string, unknown>): Uint8Array {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}

export class FrameDelivery {
  private readonly options: DeliveryOptions;

  constructor(
    private readonly post: PostFunction,
    /**
     * Called for each gone connection to delete its record; resolves false when the record was kept
     * (a connection still completing $connect). Failures are logged, not thrown.
     */
    private readonly onGone: (connectionId: string) => Promise<boolean>,
    private readonly logger: Logger,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.options = { ...DEFAULT_DELIVERY_OPTIONS, ...options };
  }

  /** Posts one frame to many connections; `logger` (default: the delivery's) writes its warnings, e.g. with the message's correlation id. */
  async deliver(
    connectionIds: readonly string[],
    frame: ServerFrame | Record<string, unknown>,
    logger: Logger = this.logger,
  ): Promise<DeliveryResult> {
    const data = serializeFrame(frame);
    const outcomes = await mapWithConcurrency(connectionIds, this.options.concurrency, (connectionId) =>
      this.postBytes(connectionId, data, logger),
    );
    const result: DeliveryResult = { delivered: 0, stale: 0, failed: 0 };
    for (const outcome of outcomes) result[outcome]++;
    this.options.onFanOut?.(result, typeof frame.type === 'string' ? frame.type : undefined);
    return result;
  }

  /** Posts one frame to one connection. */
  async postFrame(connectionId: string, frame: ServerFrame | Record<string, unknown>): Promise<PostOutcome> {
    return this.postBytes(connectionId, serializeFrame(frame), this.logger);
  }

  private async postBytes(connectionId: string, data: Uint8Array, logger: Logger): Promise<PostOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(connectionId, data);
        return 'delivered';
      } catch (err) {
        if (isGone(err)) {
          await this.removeStale(connectionId, logger);
          return 'stale';
        }
        if (!isRetryable(err) || attempt >= this.options.maxAttempts) {
          logger.warn('delivery.failed', { targetConnectionId: connectionId, attempts: attempt, error: err });
          return 'failed';
        }
        const cap = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.random() * cap);
      }
    }
  }

  private async removeStale(connectionId: string, logger: Logger): Promise<void> {
    try {
      const removed = await this.onGone(connectionId);
      logger.info(removed ? 'connection.stale_removed' : 'connection.stale_kept_connecting', {
        targetConnectionId: connectionId,
      });
    } catch (err) {
      // The record also expires by TTL; a failed cleanup costs one more 410 later, not correctness.
      logger.warn('connection.stale_remove_failed', { targetConnectionId: connectionId, error: err });
    }
  }
}

/**
 * A connection that got 410 within this long after its $connect keeps its record: API Gateway
 * reports a connection as gone until its $connect completes, and it is about to be live.
 */
export const GONE_GRACE_MS = 10_000;

/** The onGone callback deleting a gone connection's record (with the $connect grace period). */
export function deleteGoneConnection(connections: {
  deleteGone(connectionId: string, connectedBefore: number): Promise<boolean>;
}): (connectionId: string) => Promise<boolean> {
  return (connectionId) => connections.deleteGone(connectionId, Date.now() - GONE_GRACE_MS);
}

const managementClients = new Map<string, ApiGatewayManagementApiClient>();

/**
 * A PostFunction over the `@connections` API at `endpoint` (one client per endpoint per container).
 * The SDK's own retries are off: FrameDelivery retries, so attempts do not multiply.
 */
export function managementApiPoster(endpoint: string): PostFunction {
  let client = managementClients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 1 });
    managementClients.set(endpoint, client);
  }
  const target = client;
  return async (connectionId, data) => {
    await target.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
  };
}
