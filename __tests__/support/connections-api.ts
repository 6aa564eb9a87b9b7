/**
 * A local HTTP server speaking API Gateway's `@connections` management API, for the real
 * ApiGatewayManagementApiClient: the local runtime's own implementation (local/connections-api.ts) over a
 * registry that records every frame instead of a WebSocket gateway. POST records the frame for an open
 * connection (410 GoneException otherwise), GET describes it, DELETE closes it; a stage path before
 * `/@connections` is accepted. Failures can be injected per connection (throttling 429, 5xx) before the
 * API answers, to exercise retries. Requests are not signature-checked (the handler tests sign with fixed keys).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LIMITS } from '../../lib/schema';
import { createConnectionsApi, type ConnectionRegistry } from '../../local/connections-api';
import { CounterRegistry } from '../../local/counters';
import { closeServer, listenOnLoopback } from './loopback';

export interface InjectedFailure {
  status: number;
  /** Error type in `x-amzn-ErrorType`, e.g. LimitExceededException, InternalServerErrorException. */
  errorType: string;
}

export interface ConnectionsApi {
  /** Endpoint for CHAT_CONNECTIONS_ENDPOINT (includes a stage path, like API Gateway's). */
  readonly endpoint: string;
  /** Marks a connection open (as API Gateway does when the handshake completes). */
  open(connectionId: string): void;
  /** The client went away without a $disconnect: posts now get 410. */
  close(connectionId: string): void;
  isOpen(connectionId: string): boolean;
  /** Frames posted to a connection, parsed as JSON, in arrival order. */
  received(connectionId: string): unknown[];
  /** Raw bodies posted to a connection. */
  receivedRaw(connectionId: string): string[];
  /** The next `times` posts to the connection fail with `failure`. */
  failNext(connectionId: string, failure: InjectedFailure, times: number): void;
  /** Number of POST attempts for a connection (successful or not). */
  attempts(connectionId: string): number;
  /** Holds every response this long, so concurrent posts overlap (to observe the parallelism bound). */
  setResponseDelay(ms: number): void;
  /**
   * Holds every response from now on until the returned function is called (a hung `@connections`, as when
   * the function calling it times out); releasing answers them all.
   */
  holdResponses(): () => void;
  /** Most POSTs that were in flight at once since the last reset. */
  maxInFlight(): number;
  resetInFlight(): void;
  stop(): Promise<void>;
}

const STAGE = 'test';

export async function startConnectionsApi(): Promise<ConnectionsApi> {
  const open = new Map<string, { connectedAt: number; lastActiveAt: number }>();
  const frames = new Map<string, string[]>();
  const failures = new Map<string, { failure: InjectedFailure; remaining: number }>();
  const attemptCounts = new Map<string, number>();
  let responseDelayMs = 0;
  let held: (() => void)[] | undefined;
  let inFlight = 0;
  let maxInFlight = 0;

  const sendError = (response: ServerResponse, status: number, errorType: string, message: string | null) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-ErrorType': errorType,
      'x-amzn-RequestId': `req-${Date.now()}`,
    });
    response.end(JSON.stringify({ message }));
  };

  const registry: ConnectionRegistry = {
    post(connectionId, data) {
      const connection = open.get(connectionId);
      if (!connection) return 'gone';
      connection.lastActiveAt = Date.now();
      frames.set(connectionId, [...(frames.get(connectionId) ?? []), data.toString('utf8')]);
      return 'sent';
    },
    describe(connectionId) {
      const connection = open.get(connectionId);
      return connection && { ...connection, sourceIp: '127.0.0.1', userAgent: 'test' };
    },
    disconnect: (connectionId) => open.delete(connectionId),
  };
  const connectionsApi = createConnectionsApi(registry, LIMITS.maxMessageBytes, new CounterRegistry());

  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const marker = path.indexOf('/@connections/');
    if (request.method === 'POST' && marker >= 0) {
      const connectionId = decodeURIComponent(path.slice(marker + '/@connections/'.length));
      attemptCounts.set(connectionId, (attemptCounts.get(connectionId) ?? 0) + 1);
      const injected = failures.get(connectionId);
      if (injected && injected.remaining > 0) {
        injected.remaining--;
        return sendError(response, injected.failure.status, injected.failure.errorType, 'Injected failure');
      }
    }
    return connectionsApi(request, response, body, path);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    const isPost = request.method === 'POST';
    if (isPost) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      response.once('finish', () => inFlight--);
    }
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const respond = () => handle(request, response, Buffer.concat(chunks));
      if (held) held.push(respond);
      else if (responseDelayMs > 0) setTimeout(respond, responseDelayMs);
      else respond();
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    endpoint: `${origin}/${STAGE}`,
    open: (connectionId) => open.set(connectionId, { connectedAt: Date.now(), lastActiveAt: Date.now() }),
    close: (connectionId) => void open.delete(connectionId),
    isOpen: (connectionId) => open.has(connectionId),
    received: (connectionId) => (frames.get(connectionId) ?? []).map((raw) => JSON.parse(raw) as unknown),
    receivedRaw: (connectionId) => [...(frames.get(connectionId) ?? [])],
    failNext: (connectionId, failure, times) => failures.set(connectionId, { failure, remaining: times }),
    attempts: (connectionId) => attemptCounts.get(connectionId) ?? 0,
    setResponseDelay: (ms) => {
      responseDelayMs = ms;
    },
    holdResponses: () => {
      held ??= [];
      return () => {
        const waiting = held ?? [];
        held = undefined;
        for (const respond of waiting) respond();
      };
    },
    maxInFlight: () => maxInFlight,
    resetInFlight: () => {
      maxInFlight = inFlight;
    },
    stop: () => closeServer(server),
  };
}
