/** The two-way route wrapper for routes that use the chat service (storage and delivery). */
import type { ChatService } from './chat-service';
import { createChatService } from './runtime';
import { frameRoute, type FrameRequest, type WebSocketEvent, type WebSocketResult } from './websocket';
import type { ServerFrame } from './protocol';

export interface RouteRequest extends FrameRequest {
  service: ChatService;
}

export type RouteHandler = (request: RouteRequest) => Promise<ServerFrame | undefined>;

/** frameRoute with the chat service of this invocation (its logger, the container's clients). */
export function twoWayRoute(handle: RouteHandler): (event: WebSocketEvent) => Promise<WebSocketResult> {
  return frameRoute((request) => handle({ ...request, service: createChatService(request.log, request.config) }));
}
