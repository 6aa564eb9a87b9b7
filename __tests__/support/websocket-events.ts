/**
 * Builders for API Gateway WebSocket (Lambda proxy) events, shaped exactly like API Gateway's:
 * $connect carries headers and query parameters, routes carry the body, $disconnect a status code,
 * and every event of an authorized connection carries `requestContext.authorizer`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ROUTES } from '../../lib/schema';
import { selectRoute } from '../../local/route-selection';
import type { WebSocketEvent, WebSocketRequestContext } from '../../handlers/core/websocket';

export const TEST_API_ID = 'abcdef1234';
export const TEST_STAGE = 'test';
export const TEST_DOMAIN = `${TEST_API_ID}.execute-api.us-east-1.amazonaws.com`;

/** An API Gateway-style connection id (base64, e.g. `L0SM9cOFvHcCIhw=`). */
export function newConnectionId(): string {
  return randomBytes(10).toString('base64');
}

/** The authorizer context as API Gateway passes it: the authorizer's context plus principalId. */
export function authorizerContext(identity: { userId: string; role?: 'user' | 'agent'; threadId?: string }) {
  return {
    principalId: identity.userId,
    integrationLatency: 12,
    userId: identity.userId,
    role: identity.role ?? 'user',
    ...(identity.threadId !== undefined ? { threadId: identity.threadId } : {}),
  };
}

function requestTime(epoch: number): string {
  // API Gateway's CLF format: 09/Feb/2024:12:00:00 +0000
  const date = new Date(epoch);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function baseContext(
  connectionId: string,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  connectedAt: number,
  authorizer: Record<string, unknown> | undefined,
): WebSocketRequestContext {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    extendedRequestId: randomBytes(8).toString('base64'),
    requestTime: requestTime(now),
    messageDirection: 'IN',
    stage: TEST_STAGE,
    connectedAt,
    requestTimeEpoch: now,
    identity: { sourceIp: '127.0.0.1', userAgent: 'jest' },
    requestId: randomBytes(8).toString('base64'),
    domainName: TEST_DOMAIN,
    connectionId,
    apiId: TEST_API_ID,
    ...(authorizer ? { authorizer } : {}),
  };
}

export interface ConnectEventInput {
  connectionId: string;
  query?: Record<string, string>;
  /** Extra request headers, e.g. `{'Sec-WebSocket-Protocol': 'chat, bearer.<jwt>'}`. */
  headers?: Record<string, string>;
  authorizer?: Record<string, unknown>;
  connectedAt?: number;
}

export function connectEvent(input: ConnectEventInput): WebSocketEvent {
  const headers: Record<string, string> = {
    Host: TEST_DOMAIN,
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'X-Amzn-Trace-Id': `Root=1-${randomUUID()}`,
    'X-Forwarded-For': '127.0.0.1',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...input.headers,
  };
  const event: WebSocketEvent = {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    requestContext: baseContext(input.connectionId, '$connect', 'CONNECT', input.connectedAt ?? Date.now(), input.authorizer),
    isBase64Encoded: false,
  };
  // API Gateway omits the query fields entirely when there is no query string.
  if (input.query && Object.keys(input.query).length > 0) {
    event.queryStringParameters = { ...input.query };
    event.multiValueQueryStringParameters = Object.fromEntries(
      Object.entries(input.query).map(([name, value]) => [name, [value]]),
    );
  }
  return event;
}

/** The route API Gateway selects for a body with `$request.body.action` (else `$default`): the local gateway's selection. */
export function routeKeyFor(body: string): string {
  return selectRoute(body, ROUTES);
}

export interface MessageEventInput {
  connectionId: string;
  /** A frame object (serialized) or a raw body string. */
  body: unknown;
  /** Defaults to API Gateway's selection from `action`. */
  routeKey?: string;
  authorizer?: Record<string, unknown>;
  connectedAt?: number;
}

export function messageEvent(input: MessageEventInput): WebSocketEvent {
  const body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const routeKey = input.routeKey ?? routeKeyFor(body);
  return {
    requestContext: {
      ...baseContext(input.connectionId, routeKey, 'MESSAGE', input.connectedAt ?? Date.now(), input.authorizer),
      messageId: randomBytes(8).toString('base64'),
    },
    body,
    isBase64Encoded: false,
  };
}

export function disconnectEvent(input: {
  connectionId: string;
  authorizer?: Record<string, unknown>;
  statusCode?: number;
}): WebSocketEvent {
  const headers = { Host: TEST_DOMAIN, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    requestContext: {
      ...baseContext(input.connectionId, '$disconnect', 'DISCONNECT', Date.now(), input.authorizer),
      disconnectStatusCode: input.statusCode ?? 1000,
      disconnectReason: 'Client-side close frame status code',
    },
    isBase64Encoded: false,
  };
}
