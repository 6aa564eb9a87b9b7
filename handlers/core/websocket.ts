/**
 * API Gateway WebSocket events and the wrapper shared by the two-way route handlers.
 *
 * Routes other than $connect/$disconnect have a `$default` route response, so the body a handler
 * returns is sent back to the caller: the ack or the error frame. Every invocation writes one
 * `request` log line with the request id, connection id, route key, outcome and duration.
 * This module loads no AWS SDK: a route that needs storage wraps with chat-service-route.ts `chatServiceRoute`.
 */
import { getConfig, type ChatConfig } from './config';
import { createLogger, type LogFields, type Logger } from './logging';
import { ChatError, errorFrame, type ErrorFrame, type ServerFrame } from './protocol';
import { echoContext, parseFrame, type RawFrame } from './validation';

/** `requestContext` of an API Gateway WebSocket (Lambda proxy) event. */
export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  requestId: string;
  extendedRequestId?: string;
  messageId?: string;
  messageDirection?: 'IN';
  requestTime?: string;
  requestTimeEpoch?: number;
  connectedAt?: number;
  domainName?: string;
  stage?: string;
  apiId?: string;
  identity?: { sourceIp?: string; userAgent?: string };
  /** The REQUEST authorizer's context (plus `principalId`), on every route of an authorized connection. */
  authorizer?: Record<string, unknown> | null;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/** An API Gateway WebSocket event: $connect carries headers and query; routes carry the body. */
export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FrameRequest {
  event: WebSocketEvent;
  connectionId: string;
  routeKey: string;
  /** The parsed body (a JSON object). */
  frame: RawFrame;
  config: ChatConfig;
  log: Logger;
  /** Adds fields to the invocation's `request` log line (ids, counts; never message text). */
  annotate(fields: LogFields): void;
}

/** Handler of a two-way route: returns the frame for the caller, or nothing. */
export type FrameHandler = (request: FrameRequest) => Promise<ServerFrame | undefined>;

export function requestLogger(event: WebSocketEvent): Logger {
  const { requestId, connectionId, routeKey } = event.requestContext;
  return createLogger({ requestId, connectionId, routeKey });
}

/** Wraps a route handler: parse, run, turn refusals into error frames, log once. */
export function twoWayRoute(handle: FrameHandler): (event: WebSocketEvent) => Promise<WebSocketResult> {
  return async (event) => {
    const started = Date.now();
    const log = requestLogger(event);
    const annotations: LogFields = {};
    let frame: RawFrame | undefined;
    let response: ServerFrame | undefined;
    try {
      frame = parseFrame(event.body, event.isBase64Encoded === true);
      const config = getConfig();
      response = await handle({
        event,
        connectionId: event.requestContext.connectionId,
        routeKey: event.requestContext.routeKey,
        frame,
        config,
        log,
        annotate: (fields) => Object.assign(annotations, fields),
      });
    } catch (err) {
      response = refusalFrame(err, frame, log);
    }
    const isError = response?.type === 'error';
    const outcome = !isError ? 'ok' : (response as ErrorFrame).code === 'INTERNAL_ERROR' ? 'error' : 'refused';
    log[outcome === 'error' ? 'error' : 'info']('request', {
      outcome,
      ...(isError ? { code: (response as ErrorFrame).code } : {}),
      durationMs: Date.now() - started,
      ...annotations,
    });
    return response === undefined ? { statusCode: 200 } : { statusCode: 200, body: JSON.stringify(response) };
  };
}

/** ChatErrors become their error frame; anything else is logged and answered INTERNAL_ERROR. */
function refusalFrame(err: unknown, frame: RawFrame | undefined, log: Logger): ErrorFrame {
  const echo = echoContext(frame);
  if (err instanceof ChatError) return errorFrame(err.code, err.message, echo);
  log.error('request.failed', { error: err });
  return errorFrame('INTERNAL_ERROR', 'Something went wrong; try again', echo);
}
