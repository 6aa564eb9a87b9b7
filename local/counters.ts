/**
 * Counters of what crossed the local runtime's emulated AWS boundaries, counted where AWS would
 * bill or throttle them: DynamoDB requests on the wire (by operation), SNS publishes and deliveries,
 * `@connections` calls, Lambda invocations, stream records, WebSocket events. The benchmark reads them
 * to report requests per message; tests read them to prove what did (not) happen.
 */

export interface LocalChatCounters {
  readonly dynamodb: {
    /** Every request that reached the DynamoDB endpoint. */
    readonly requests: number;
    /** Requests by operation name (`PutItem`, `Query`, ...), as sent in `X-Amz-Target`. */
    readonly byOperation: Readonly<Record<string, number>>;
    /** Requests DynamoDB answered with an error (conditional check failures included). */
    readonly errors: number;
  };
  readonly sns: {
    /** Messages accepted by Publish/PublishBatch (one per message). */
    readonly publishes: number;
    /** Subscriber invocations that succeeded. */
    readonly deliveries: number;
    /** Messages a subscription's filter policy dropped (counted per subscription). */
    readonly filteredOut: number;
    /** Subscriber invocations that failed (each retry counts). */
    readonly deliveryErrors: number;
    /** Messages given up on after the retries. */
    readonly deliveryDropped: number;
  };
  readonly connections: {
    /** `POST /@connections/{id}` calls, whatever the outcome. */
    readonly posts: number;
    /** Of those, answered 410 GoneException. */
    readonly postsGone: number;
    readonly gets: number;
    readonly deletes: number;
    /** Of the posts, answered 429 LimitExceededException: the client had not read enough of what it was sent. */
    readonly postsLimited: number;
  };
  readonly lambda: {
    /** Invocations by function name (handlers, authorizer, bots; whatever invoked them). */
    readonly invocations: Readonly<Record<string, number>>;
    /** Invocations that threw or timed out. */
    readonly errors: number;
  };
  readonly stream: {
    /** Records emitted by the messages table stream emulation. */
    readonly records: number;
    /** Records that passed the outbox filter. */
    readonly recordsMatched: number;
    /** Outbox invocations (batches, retries included). */
    readonly batches: number;
    /** Batches retried after a failure or reported `batchItemFailures`. */
    readonly retries: number;
    /** Records given up on after the retries (the on-failure destination, locally a log line). */
    readonly recordsDropped: number;
  };
  readonly http: {
    /** Requests and upgrades refused by the request guard (local/request-guard.ts), by why: a foreign `Host` or `Origin`. */
    readonly refused: { readonly host: number; readonly origin: number };
  };
  readonly websocket: {
    readonly connects: number;
    /** Upgrades refused by the authorizer or `$connect` handler. */
    readonly refused: number;
    /** Client messages routed to a handler. */
    readonly messages: number;
    readonly disconnects: number;
    /** Frames sent to clients (route responses and `@connections` posts). */
    readonly framesSent: number;
    /** Times reading a connection's socket was paused (its queue full, or its client not reading). */
    readonly readPauses: number;
    /** The most bytes any connection had sent to it and not yet read by its client (the gateway's bound caps it). */
    readonly peakUnsentBytes: number;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

export class CounterRegistry {
  private state: Mutable<LocalChatCounters> = CounterRegistry.empty();

  private static empty(): Mutable<LocalChatCounters> {
    return {
      dynamodb: { requests: 0, byOperation: {}, errors: 0 },
      sns: { publishes: 0, deliveries: 0, filteredOut: 0, deliveryErrors: 0, deliveryDropped: 0 },
      connections: { posts: 0, postsGone: 0, gets: 0, deletes: 0, postsLimited: 0 },
      lambda: { invocations: {}, errors: 0 },
      stream: { records: 0, recordsMatched: 0, batches: 0, retries: 0, recordsDropped: 0 },
      http: { refused: { host: 0, origin: 0 } },
      websocket: { connects: 0, refused: 0, messages: 0, disconnects: 0, framesSent: 0, readPauses: 0, peakUnsentBytes: 0 },
    };
  }

  get mutable(): Mutable<LocalChatCounters> {
    return this.state;
  }

  dynamodbRequest(operation: string): void {
    this.state.dynamodb.requests += 1;
    this.state.dynamodb.byOperation[operation] = (this.state.dynamodb.byOperation[operation] ?? 0) + 1;
  }

  httpRefused(reason: 'host' | 'origin'): void {
    this.state.http.refused[reason] += 1;
  }

  lambdaInvocation(functionName: string): void {
    this.state.lambda.invocations[functionName] = (this.state.lambda.invocations[functionName] ?? 0) + 1;
  }

  /** A deep copy: later activity does not change a snapshot already taken. */
  snapshot(): LocalChatCounters {
    return JSON.parse(JSON.stringify(this.state)) as LocalChatCounters;
  }

  reset(): void {
    this.state = CounterRegistry.empty();
  }
}
