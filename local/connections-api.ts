/**
 * The API Gateway `@connections` management API (what ApiGatewayManagementApiClient calls) on the
 * local runtime's port: `POST /@connections/{id}` sends a frame, `GET` describes the connection,
 * `DELETE` closes it. A connection that is not open answers 410 with `x-amzn-ErrorType:
 * GoneException`, which the SDK turns into a `GoneException`; one whose client has not read enough of what
 * it was sent answers 429 `LimitExceededException`, as API Gateway does when "the WebSocket client side
 * buffer is full" (the delivery code retries it with backoff). An optional stage prefix
 * (`/local/@connections/{id}`) is accepted, since the real endpoint includes the stage.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { CounterRegistry } from './counters';

/** What `GET /@connections/{id}` reports. */
export interface ConnectionInfo {
  readonly connectedAt: number;
  readonly lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent?: string;
}

/** `limited`: the connection is open but its client has not read enough of what it was sent (429). */
export type PostResult = 'sent' | 'gone' | 'limited';

/** The live connections behind the API: the local gateway's, or a test's recording stand-in. */
export interface ConnectionRegistry {
  /** Sends a frame to an open connection; `gone` when it is not open, `limited` when its client is not reading. */
  post(connectionId: string, data: Buffer): PostResult;
  describe(connectionId: string): ConnectionInfo | undefined;
  /** Closes an open connection; false when it is not open. */
  disconnect(connectionId: string): boolean;
}

const CONNECTIONS_PATH = /^(?:\/[^/@]+)?\/@connections\/([^/]+)$/;

export function isConnectionsPath(pathname: string): boolean {
  return CONNECTIONS_PATH.test(pathname);
}

export function createConnectionsApi(gateway: ConnectionRegistry, maxMessageBytes: number, counters: CounterRegistry) {
  return function handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer, pathname: string): void {
    const requestId = randomUUID();
    const match = CONNECTIONS_PATH.exec(pathname);
    if (!match) return sendError(response, 404, 'NotFoundException', 'Not Found', requestId);
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(match[1]);
    } catch {
      return sendError(response, 400, 'BadRequestException', 'Invalid connection id', requestId);
    }
    switch (request.method) {
      case 'POST': {
        counters.mutable.connections.posts += 1;
        if (body.length > maxMessageBytes) {
          return sendError(response, 413, 'PayloadTooLargeException', 'Message too long', requestId);
        }
        const result = gateway.post(connectionId, body);
        if (result === 'gone') {
          counters.mutable.connections.postsGone += 1;
          return sendError(response, 410, 'GoneException', `Connection ${connectionId} is gone`, requestId);
        }
        if (result === 'limited') {
          counters.mutable.connections.postsLimited += 1;
          return sendError(response, 429, 'LimitExceededException', 'Limit exceeded: the WebSocket client side buffer is full', requestId);
        }
        response.writeHead(200, { 'x-amzn-requestid': requestId, 'content-length': '0' });
        return void response.end();
      }
      case 'GET': {
        counters.mutable.connections.gets += 1;
        const info = gateway.describe(connectionId);
        if (!info) return sendError(response, 410, 'GoneException', `Connection ${connectionId} is gone`, requestId);
        // Wire names are camelCase; the SDK exposes them as ConnectedAt, Identity.SourceIp, LastActiveAt.
        const payload = JSON.stringify({
          connectedAt: new Date(info.connectedAt).toISOString(),
          identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
          lastActiveAt: new Date(info.lastActiveAt).toISOString(),
        });
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          'x-amzn-requestid': requestId,
        });
        return void response.end(payload);
      }
      case 'DELETE': {
        counters.mutable.connections.deletes += 1;
        if (!gateway.disconnect(connectionId)) {
          return sendError(response, 410, 'GoneException', `Connection ${connectionId} is gone`, requestId);
        }
        response.writeHead(204, { 'x-amzn-requestid': requestId });
        return void response.end();
      }
      default:
        return sendError(response, 403, 'ForbiddenException', 'Method not allowed', requestId);
    }
  };
}

function sendError(response: http.ServerResponse, status: number, type: string, message: string, requestId: string): void {
  const payload = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': type,
  });
  response.end(payload);
}
