/**
 * The API Gateway WebSocket API, emulated on the local runtime's port with the `ws` package:
 * - `$connect`: the REQUEST authorizer (when auth is on) then the connect handler, with the event API
 *   Gateway sends (headers as the client sent them, query string, requestContext with connectionId,
 *   routeKey, eventType, requestId, domainName, stage, connectedAt, identity, authorizer context). A
 *   refusal answers the upgrade with the status code (401/403/...); headers the handler returns
 *   (`Sec-WebSocket-Protocol`) go into the 101 response.
 * - messages: route selection on `$request.body.action`, else `$default`, over the deployment model's
 *   routes; two-way routes send the handler's returned `body` back to the caller; mock routes (the keepalive)
 *   answer their fixed reply without a function, as API Gateway's MOCK integration does.
 * - limits: 32 KB frames, 128 KB messages (close 1009), 10-minute idle timeout and 2-hour connection
 *   lifetime (close 1001); `$disconnect` after every close.
 * - fairness: each connection's frames wait in its own queue and at most a few of them run at once;
 *   a connection over its bounds (CONNECTION_BOUNDS) is no longer read (TCP backpressure), and its
 *   unsent bytes are capped (`@connections` answers 429 LimitExceededException beyond).
 * - the connection registry behind the `@connections` API (local/connections-api.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { MockRouteModel, RouteModel } from '../lib/deployment-model';
import type { HandlerId } from '../lib/schema';
import { FrameSizeGuard } from './frame-size-guard';
import { selectRoute } from './route-selection';
import type { InvocationOutcome } from './function-host';
import type { CounterRegistry } from './counters';
import type { RuntimeLogger } from './logger';
import type { ConnectionInfo, ConnectionRegistry, PostResult } from './connections-api';

export interface GatewayLimits {
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectionMs: number;
  /** Route invocations one connection may have running at once; its other frames wait in its queue. */
  readonly maxInFlightPerConnection: number;
  /** Frames of one connection waiting for their route at which its socket stops being read. */
  readonly maxQueuedFramesPerConnection: number;
  /** Bytes sent to one connection and not yet read by its client that the gateway holds at most. */
  readonly maxUnsentBytesPerConnection: number;
}

/**
 * The local gateway's bounds per connection (read by local/local-chat.ts, the tests, the bench and
 * help/local-development.md). They are not API Gateway quotas: API Gateway is a fleet, the local runtime
 * one process that every client shares, so one connection is held to these and cannot take it from the
 * others. How they act:
 * - At most `maxInFlightPerConnection` of a connection's frames are with their route at once; the others
 *   wait in that connection's queue, in arrival order. A flood from one connection therefore has a few
 *   invocations ahead of another client's `$connect` or frame, never its whole backlog.
 * - Reading a connection's socket is paused (TCP backpressure: the client's own writes block) while
 *   `maxQueuedFramesPerConnection` frames wait, or while its unsent bytes leave no room for more replies,
 *   and resumed once there is room. We pause rather than refuse: API Gateway would route every one of
 *   those frames, so none is dropped; the sender is only slowed. The frames of the read under way when
 *   reading pauses (at most one 64 KB chunk) still join the queue.
 * - Unsent bytes (`ws` bufferedAmount: frames written for the client and not yet taken by its TCP
 *   connection) never exceed `maxUnsentBytesPerConnection`: a `@connections` POST that does not fit in
 *   what is left after reserving room for the replies of the frames in flight is answered 429
 *   `LimitExceededException`, API Gateway's documented answer when "the WebSocket client side buffer is
 *   full"; no new frame goes to its route until the client reads (route replies are at most 128 KB).
 */
export const CONNECTION_BOUNDS = {
  maxInFlightPerConnection: 4,
  maxQueuedFramesPerConnection: 32,
  maxUnsentBytesPerConnection: 1024 * 1024,
} as const satisfies Partial<GatewayLimits>;

/** A server frame's header (unmasked, 64-bit length): what a frame adds to its payload. */
const MAX_SERVER_FRAME_HEADER_BYTES = 10;
/**
 * Room kept besides the frames in flight: a close frame, and the pongs `ws` sends for the pings of one
 * read (a socket read is at most 64 KB, and a pong is smaller than the ping it answers).
 */
const CONTROL_FRAMES_RESERVE_BYTES = 2 + 125 + 64 * 1024;

export interface WebSocketGatewayOptions {
  readonly apiId: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  /** The API's routes (the deployment model's): which function each invokes, two-way or not, authorized or not. */
  readonly routes: readonly RouteModel[];
  /** Routes answered without a function (the deployment model's `mockRoutes`). */
  readonly mockRoutes: readonly MockRouteModel[];
  readonly invoke: (handler: HandlerId, event: unknown, requestId: string) => Promise<InvocationOutcome>;
  readonly limits: GatewayLimits;
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
}

export type { ConnectionInfo, PostResult } from './connections-api';

/** What API Gateway keeps about a connection from its `$connect` on (and puts in every event). */
interface ConnectionIdentity {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly domainName: string;
  /** The authorizer's context (JWT mode), from `$connect` on. */
  readonly authorizer?: Record<string, unknown>;
}

interface LiveConnection extends ConnectionIdentity {
  readonly socket: WebSocket;
  lastActiveAt: number;
  idleTimer?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
  /** Set once a close was initiated: later messages are not routed. */
  closing: boolean;
  closed: Promise<void>;
  readonly resolveClosed: () => void;
  /** Frames received and not yet given to their route, oldest first. */
  readonly queued: { readonly data: Buffer; readonly isBinary: boolean }[];
  /** Route invocations of this connection's frames running now. */
  inFlight: number;
  readingPaused: boolean;
  /** The socket closed: the frames still queued go to their routes, then `$disconnect` runs. */
  socketClosed?: { readonly code: number; readonly reason: string };
  disconnectStarted: boolean;
}

/** Response of the `$connect` route, as far as API Gateway uses it. */
interface ConnectResponse {
  readonly statusCode?: number;
  readonly headers?: Record<string, unknown>;
  readonly body?: unknown;
}

// Headers the handshake itself owns: a handler cannot set them.
const RESERVED_RESPONSE_HEADERS = new Set([
  'connection', 'upgrade', 'sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions',
  'content-length', 'transfer-encoding',
]);

export class WebSocketGateway implements ConnectionRegistry {
  private readonly server: WebSocketServer;
  private readonly connections = new Map<string, LiveConnection>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Subprotocol and headers chosen by `$connect`, applied while the upgrade completes. */
  private readonly handshakes = new WeakMap<http.IncomingMessage, { protocol?: string; headers: string[] }>();
  private shuttingDown = false;
  private readonly routes: ReadonlyMap<string, RouteModel>;
  /** Mock routes' replies by route key. */
  private readonly mockReplies: ReadonlyMap<string, string>;
  /** Every route key a frame's `action` can select. */
  private readonly routeKeys: ReadonlySet<string>;
  /**
   * Unsent bytes up to which a connection takes `@connections` posts and has frames dispatched: what is
   * left of its bound after reserving a maximal reply for every frame in flight and room for control frames.
   */
  private readonly sendBudgetBytes: number;

  constructor(private readonly options: WebSocketGatewayOptions) {
    const { limits } = options;
    this.sendBudgetBytes =
      limits.maxUnsentBytesPerConnection -
      limits.maxInFlightPerConnection * (limits.maxMessageBytes + MAX_SERVER_FRAME_HEADER_BYTES) -
      CONTROL_FRAMES_RESERVE_BYTES;
    if (this.sendBudgetBytes <= 0 || limits.maxInFlightPerConnection < 1 || limits.maxQueuedFramesPerConnection < 1) {
      throw new Error('WebSocketGateway: maxUnsentBytesPerConnection must leave room for a maximal reply of every frame in flight');
    }
    this.routes = new Map(options.routes.map((route) => [route.routeKey, route]));
    this.mockReplies = new Map(options.mockRoutes.map((route) => [route.routeKey, route.reply]));
    this.routeKeys = new Set([...this.routes.keys(), ...this.mockReplies.keys()]);
    for (const routeKey of ['$connect', '$disconnect', '$default']) {
      if (!this.routes.has(routeKey)) throw new Error(`WebSocketGateway: the API has no ${routeKey} route`);
    }
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxMessageBytes,
      // API Gateway does not negotiate permessage-deflate.
      perMessageDeflate: false,
      handleProtocols: (_offered, request) => this.handshakes.get(request)?.protocol ?? false,
    });
    this.server.on('headers', (headers, request) => {
      headers.push(...(this.handshakes.get(request)?.headers ?? []));
    });
  }

  /** Handles an HTTP upgrade on the runtime's port. */
  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const run = this.connect(request, socket, head).catch((error: unknown) => {
      this.options.logger.error('websocket.connect_failed', { error: (error as Error).message });
      refuseUpgrade(socket, 500, { message: 'Internal server error' }, randomUUID());
    });
    this.track(run);
  }

  /**
   * Sends a frame to a connection (`POST /@connections/{id}`); `limited` when the client has not read
   * enough of what it was sent for this frame to fit under its bound (CONNECTION_BOUNDS).
   */
  post(connectionId: string, data: Buffer): PostResult {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.closing || connection.socket.readyState !== WebSocket.OPEN) return 'gone';
    if (unsentBytes(connection) + data.length + MAX_SERVER_FRAME_HEADER_BYTES > this.sendBudgetBytes) {
      this.adjustReading(connection);
      return 'limited';
    }
    connection.lastActiveAt = Date.now();
    this.sendToClient(connection, data);
    return 'sent';
  }

  /** `GET /@connections/{id}`. */
  describe(connectionId: string): ConnectionInfo | undefined {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.closing) return undefined;
    return {
      connectedAt: connection.connectedAt,
      lastActiveAt: connection.lastActiveAt,
      sourceIp: connection.sourceIp,
      userAgent: connection.userAgent,
    };
  }

  /** `DELETE /@connections/{id}`: closes the connection (its `$disconnect` follows). */
  disconnect(connectionId: string): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.closing) return false;
    this.close(connection, 1000, 'Connection closed by the server');
    return true;
  }

  /** True while a handler invocation (connect, route, disconnect) runs or a connection is closing. */
  get busy(): boolean {
    return this.pending.size > 0 || this.closingConnections().length > 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Resolves when every handler invocation started so far (connects, routes, disconnects) has
   * finished and no connection is half closed (a client that saw its close before the server did
   * still gets its `$disconnect` counted in).
   */
  async idle(): Promise<void> {
    while (this.busy) await Promise.all([...this.pending, ...this.closingConnections()]);
  }

  private closingConnections(): Promise<void>[] {
    return [...this.connections.values()]
      .filter((connection) => connection.closing || connection.socket.readyState === WebSocket.CLOSING)
      .map((connection) => connection.closed);
  }

  /** Refuses new upgrades, closes every connection with `code` and waits for their `$disconnect`s. */
  async shutdown(code = 1001, reason = 'Server shutting down'): Promise<void> {
    this.shuttingDown = true;
    const closing = [...this.connections.values()].map((connection) => {
      this.close(connection, code, reason);
      return connection.closed;
    });
    await Promise.all(closing);
    await this.idle();
    this.server.close();
  }

  private async connect(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://local');
    if (url.pathname !== '/') return refuseUpgrade(socket, 404, { message: 'Not Found' }, requestId);
    if (this.shuttingDown) return refuseUpgrade(socket, 503, { message: 'Service Unavailable' }, requestId);
    if (String(request.headers.upgrade).toLowerCase() !== 'websocket' || !request.headers['sec-websocket-key']) {
      return refuseUpgrade(socket, 400, { message: 'Bad Request' }, requestId);
    }
    socket.on('error', () => socket.destroy());

    const connectionId = newConnectionId();
    const connectedAt = Date.now();
    const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined;
    const domainName = typeof request.headers.host === 'string' ? request.headers.host : 'localhost';
    const { headers, multiValueHeaders } = apiGatewayHeaders(request.rawHeaders);
    const { queryStringParameters, multiValueQueryStringParameters } = apiGatewayQuery(url.searchParams);
    const requestContext = this.requestContext({ connectionId, connectedAt, sourceIp, userAgent, domainName }, '$connect', 'CONNECT', requestId, connectedAt);

    let authorizer: Record<string, unknown> | undefined;
    if (this.routes.get('$connect')!.authorized) {
      const started = Date.now();
      const methodArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${this.options.apiId}/${this.options.stage}/$connect`;
      const outcome = await this.options.invoke(
        'authorizer',
        {
          type: 'REQUEST',
          methodArn,
          headers,
          multiValueHeaders,
          queryStringParameters,
          multiValueQueryStringParameters,
          stageVariables: {},
          requestContext,
        },
        requestId,
      );
      const decision = authorizerDecision(outcome, methodArn);
      if (decision.statusCode !== 200) {
        this.options.counters.mutable.websocket.refused += 1;
        this.options.logger.info('websocket.connect_refused', { connectionId, requestId, statusCode: decision.statusCode, by: 'authorizer' });
        return refuseUpgrade(socket, decision.statusCode, { message: decision.message }, requestId);
      }
      authorizer = { ...decision.context, principalId: decision.principalId, integrationLatency: Date.now() - started };
    }

    const outcome = await this.options.invoke(
      this.routes.get('$connect')!.fn,
      {
        headers,
        multiValueHeaders,
        ...(queryStringParameters ? { queryStringParameters, multiValueQueryStringParameters } : {}),
        requestContext: { ...requestContext, ...(authorizer ? { authorizer } : {}) },
        isBase64Encoded: false,
      },
      requestId,
    );
    if (!outcome.ok) {
      this.options.counters.mutable.websocket.refused += 1;
      this.options.logger.error('websocket.connect_handler_error', { connectionId, requestId, errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage });
      return refuseUpgrade(socket, 500, { message: 'Internal server error' }, requestId);
    }
    const response = (outcome.result ?? {}) as ConnectResponse;
    const statusCode = typeof response.statusCode === 'number' ? response.statusCode : 200;
    if (statusCode < 200 || statusCode > 299) {
      this.options.counters.mutable.websocket.refused += 1;
      this.options.logger.info('websocket.connect_refused', { connectionId, requestId, statusCode, by: 'connect' });
      return refuseUpgrade(socket, statusCode, response.body, requestId);
    }

    if (socket.destroyed) {
      // The client left while `$connect` ran: API Gateway still cleans up with `$disconnect`.
      this.runDisconnect({ connectionId, connectedAt, sourceIp, userAgent, domainName, authorizer }, 1006, 'Client left during connect');
      return;
    }
    const handshake = { protocol: undefined as string | undefined, headers: [] as string[] };
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      if (value === undefined || value === null) continue;
      if (name.toLowerCase() === 'sec-websocket-protocol') handshake.protocol = String(value);
      else if (!RESERVED_RESPONSE_HEADERS.has(name.toLowerCase()) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        handshake.headers.push(`${name}: ${String(value).replace(/[\r\n]/g, ' ')}`);
      }
    }
    this.handshakes.set(request, handshake);
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.register(ws, socket, { connectionId, connectedAt, sourceIp, userAgent, domainName, authorizer });
    });
  }

  private register(socket: WebSocket, rawSocket: Duplex, identity: ConnectionIdentity): void {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    const connection: LiveConnection = {
      ...identity,
      socket,
      lastActiveAt: identity.connectedAt,
      closing: false,
      closed,
      resolveClosed,
      queued: [],
      inFlight: 0,
      readingPaused: false,
      disconnectStarted: false,
    };
    this.connections.set(connection.connectionId, connection);
    this.options.counters.mutable.websocket.connects += 1;
    this.options.logger.debug('websocket.connected', { connectionId: connection.connectionId });

    const guard = new FrameSizeGuard(this.options.limits.maxFrameBytes);
    // Before ws's own listener: a whole oversized frame in one chunk must not be routed first.
    rawSocket.prependListener('data', (chunk: Buffer) => {
      if (!connection.closing && !guard.feed(chunk)) {
        this.options.logger.info('websocket.frame_too_large', { connectionId: connection.connectionId });
        this.close(connection, 1009, 'Frame size limit exceeded');
      }
    });
    this.armIdleTimer(connection);
    connection.lifetimeTimer = setTimeout(() => this.close(connection, 1001, 'Going away'), this.options.limits.maxConnectionMs);

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (connection.closing) return;
      connection.lastActiveAt = Date.now();
      this.armIdleTimer(connection);
      connection.queued.push({ data, isBinary });
      this.pump(connection);
    });
    // The client read what was waiting: room for replies again.
    rawSocket.on('drain', () => this.pump(connection));
    // ws has answered a ping with a pong: a client that pings and never reads is paused like any other.
    socket.on('ping', () => this.adjustReading(connection));
    socket.on('error', (error) => {
      // ws closes the connection itself (1009 for a message over maxPayload, 1002 for protocol errors).
      connection.closing = true;
      this.options.logger.info('websocket.protocol_error', { connectionId: connection.connectionId, error: error.message });
    });
    socket.on('close', (code: number, reason: Buffer) => {
      connection.closing = true;
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.lifetimeTimer);
      this.connections.delete(connection.connectionId);
      connection.socketClosed = { code, reason: reason.toString('utf8') };
      // Frames received before the close still reach their routes (API Gateway had routed them), then `$disconnect`.
      this.pump(connection);
    });
  }

  /**
   * Gives a connection's queued frames to their routes, oldest first, while fewer than
   * maxInFlightPerConnection run and its client has room for their replies; then pauses or resumes
   * reading its socket. Once the socket is closed and the queue is empty, runs `$disconnect`.
   */
  private pump(connection: LiveConnection): void {
    const { limits } = this.options;
    while (
      connection.queued.length > 0 &&
      connection.inFlight < limits.maxInFlightPerConnection &&
      (connection.socketClosed !== undefined || unsentBytes(connection) <= this.sendBudgetBytes)
    ) {
      const frame = connection.queued.shift()!;
      connection.inFlight += 1;
      this.track(
        this.route(connection, frame.data, frame.isBinary).finally(() => {
          connection.inFlight -= 1;
          this.pump(connection);
        }),
      );
    }
    if (connection.socketClosed) {
      if (connection.queued.length === 0 && !connection.disconnectStarted) {
        connection.disconnectStarted = true;
        void this.runDisconnect(connection, connection.socketClosed.code, connection.socketClosed.reason).then(connection.resolveClosed);
      }
      return;
    }
    this.adjustReading(connection);
  }

  /** Reading a connection stops while its queue is full or its client leaves no room for replies (TCP backpressure). */
  private adjustReading(connection: LiveConnection): void {
    if (connection.socketClosed) return;
    const over =
      connection.queued.length >= this.options.limits.maxQueuedFramesPerConnection || unsentBytes(connection) > this.sendBudgetBytes;
    if (over && !connection.readingPaused) {
      connection.readingPaused = true;
      connection.socket.pause();
      this.options.counters.mutable.websocket.readPauses += 1;
      this.options.logger.debug('websocket.reading_paused', {
        connectionId: connection.connectionId,
        queuedFrames: connection.queued.length,
        unsentBytes: unsentBytes(connection),
      });
    } else if (!over && connection.readingPaused) {
      connection.readingPaused = false;
      connection.socket.resume();
    }
  }

  /** Writes a frame for the client and records the connection's unsent bytes. */
  private sendToClient(connection: LiveConnection, data: string | Buffer): void {
    connection.socket.send(data, { binary: false });
    const websocket = this.options.counters.mutable.websocket;
    websocket.framesSent += 1;
    websocket.peakUnsentBytes = Math.max(websocket.peakUnsentBytes, unsentBytes(connection));
    this.adjustReading(connection);
  }

  private async route(connection: LiveConnection, data: Buffer, isBinary: boolean): Promise<void> {
    this.options.counters.mutable.websocket.messages += 1;
    const body = isBinary ? data.toString('base64') : data.toString('utf8');
    const routeKey = isBinary ? '$default' : selectRoute(body, this.routeKeys);
    const mockReply = this.mockReplies.get(routeKey);
    if (mockReply !== undefined) {
      if (!connection.closing && connection.socket.readyState === WebSocket.OPEN) this.sendToClient(connection, mockReply);
      return;
    }
    const requestId = randomUUID();
    const now = Date.now();
    const event = {
      requestContext: this.requestContext(connection, routeKey, 'MESSAGE', requestId, now, { messageId: randomBytes(12).toString('base64url') }),
      body,
      isBase64Encoded: isBinary,
    };
    const route = this.routes.get(routeKey)!;
    const outcome = await this.options.invoke(route.fn, event, requestId);
    if (!route.twoWay) return;
    let reply: string | undefined;
    if (!outcome.ok) {
      this.options.logger.error('websocket.route_handler_error', {
        connectionId: connection.connectionId, requestId, routeKey, errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage,
      });
      // What API Gateway sends the caller when the integration fails.
      reply = JSON.stringify({ message: 'Internal server error', connectionId: connection.connectionId, requestId });
    } else if (typeof outcome.result === 'string') {
      reply = outcome.result;
    } else if (outcome.result && typeof outcome.result === 'object' && 'body' in outcome.result) {
      const resultBody = (outcome.result as { body?: unknown }).body;
      reply = typeof resultBody === 'string' ? resultBody : resultBody === undefined || resultBody === null ? undefined : JSON.stringify(resultBody);
    }
    if (reply === undefined || connection.closing || connection.socket.readyState !== WebSocket.OPEN) return;
    if (Buffer.byteLength(reply) > this.options.limits.maxMessageBytes) {
      // Over API Gateway's message limit: a handler bug, and the room reserved per frame in flight (CONNECTION_BOUNDS).
      this.options.logger.error('websocket.route_reply_too_large', { connectionId: connection.connectionId, requestId, routeKey, bytes: Buffer.byteLength(reply) });
      return;
    }
    this.sendToClient(connection, reply);
  }

  private runDisconnect(connection: ConnectionIdentity, code: number, reason: string): Promise<void> {
    this.options.counters.mutable.websocket.disconnects += 1;
    const requestId = randomUUID();
    const now = Date.now();
    const run = this.options
      .invoke(
        this.routes.get('$disconnect')!.fn,
        {
          headers: { Host: connection.domainName, 'X-Forwarded-For': connection.sourceIp },
          multiValueHeaders: { Host: [connection.domainName], 'X-Forwarded-For': [connection.sourceIp] },
          requestContext: this.requestContext(connection, '$disconnect', 'DISCONNECT', requestId, now, {
            disconnectStatusCode: code,
            disconnectReason: reason,
          }),
          isBase64Encoded: false,
        },
        requestId,
      )
      .then((outcome) => {
        if (!outcome.ok) {
          this.options.logger.error('websocket.disconnect_handler_error', { connectionId: connection.connectionId, errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage });
        }
      });
    this.track(run);
    return run;
  }

  /** The `requestContext` of every WebSocket event (the authorizer's context once `$connect` allowed it). */
  private requestContext(
    connection: ConnectionIdentity,
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    requestId: string,
    now: number,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      routeKey,
      ...extra,
      eventType,
      extendedRequestId: requestId,
      requestTime: formatRequestTime(now),
      messageDirection: 'IN',
      stage: this.options.stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now,
      identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      requestId,
      domainName: connection.domainName,
      connectionId: connection.connectionId,
      apiId: this.options.apiId,
      ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
    };
  }

  private armIdleTimer(connection: LiveConnection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => this.close(connection, 1001, 'Going away'), this.options.limits.idleTimeoutMs);
  }

  private close(connection: LiveConnection, code: number, reason: string): void {
    if (connection.closing) return;
    connection.closing = true;
    connection.socket.close(code, reason);
    // A client that never answers the close handshake is cut off.
    setTimeout(() => connection.socket.terminate(), 2000).unref();
  }

  private track(run: Promise<unknown>): void {
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}

/** API Gateway's reading of a REQUEST authorizer's answer. */
export function authorizerDecision(
  outcome: InvocationOutcome,
  methodArn: string,
): { statusCode: 200; principalId: string; context: Record<string, unknown> } | { statusCode: 401 | 403 | 500; message: string } {
  if (!outcome.ok) {
    return outcome.error.errorMessage === 'Unauthorized'
      ? { statusCode: 401, message: 'Unauthorized' }
      : { statusCode: 500, message: 'Internal server error' };
  }
  const result = outcome.result as {
    principalId?: unknown;
    policyDocument?: { Statement?: { Effect?: string; Action?: string | string[]; Resource?: string | string[] }[] };
    context?: Record<string, unknown>;
  } | null;
  const statements = result?.policyDocument?.Statement;
  if (!result || typeof result.principalId !== 'string' || !Array.isArray(statements)) {
    return { statusCode: 500, message: 'Internal server error' };
  }
  const applies = (statement: { Action?: string | string[]; Resource?: string | string[] }): boolean =>
    toList(statement.Action).some((action) => wildcardMatch(action, 'execute-api:Invoke')) &&
    toList(statement.Resource).some((resource) => wildcardMatch(resource, methodArn));
  const denied = statements.some((statement) => statement.Effect === 'Deny' && applies(statement));
  const allowed = statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
  if (denied || !allowed) return { statusCode: 403, message: 'Forbidden' };
  const context = result.context ?? {};
  // API Gateway accepts only string, number and boolean context values.
  if (Object.values(context).some((value) => !['string', 'number', 'boolean'].includes(typeof value))) {
    return { statusCode: 500, message: 'Internal server error' };
  }
  return { statusCode: 200, principalId: result.principalId, context };
}

function toList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return regex.test(value);
}

/** Bytes written for the client and not yet taken by its TCP connection. */
function unsentBytes(connection: LiveConnection): number {
  return connection.socket.bufferedAmount;
}

/** Answers an upgrade with an HTTP status instead of 101, the way API Gateway refuses a connection. */
export function refuseUpgrade(socket: Duplex, statusCode: number, body: unknown, requestId: string = randomUUID()): void {
  if (socket.destroyed) return;
  const payload = body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${statusCode} ${http.STATUS_CODES[statusCode] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
      `x-amzn-RequestId: ${requestId}\r\n\r\n${payload}`,
  );
}

/** Headers with the names as the client sent them (API Gateway preserves case). */
function apiGatewayHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    const value = rawHeaders[index + 1];
    (multiValueHeaders[name] ??= []).push(value);
    headers[name] = multiValueHeaders[name].join(',');
  }
  return { headers, multiValueHeaders };
}

function apiGatewayQuery(params: URLSearchParams): {
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
} {
  if ([...params.keys()].length === 0) return {};
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    (multi[name] ??= []).push(value);
    single[name] = value; // the last value wins, as in API Gateway
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

const CONNECTION_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** API Gateway style ids (`L0SM9cOFvHcCIhw=`): the trailing `=` exercises URL encoding in `@connections` calls. */
function newConnectionId(): string {
  const bytes = randomBytes(15);
  let id = '';
  for (const byte of bytes) id += CONNECTION_ID_ALPHABET[byte % CONNECTION_ID_ALPHABET.length];
  return `${id}=`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `25/Nov/2026:21:52:27 +0000`, API Gateway's requestTime format. */
function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
