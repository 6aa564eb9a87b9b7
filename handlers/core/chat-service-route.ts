/** The two-way route wrapper for routes that use the chat service (storage and delivery). */
import type { ChatService } from './chat-service';
import { createChatService } from './chat-service-factory';
import { createMetricsWriter, type MetricsWriter } from './metrics';
import { twoWayRoute, type FrameRequest, type WebSocketEvent, type WebSocketResult } from './websocket';
import type { ServerFrame } from './protocol';

export interface RouteRequest extends FrameRequest {
  service: ChatService;
  /** This invocation's metric lines, each with its request id. */
  metrics: MetricsWriter;
}

export type RouteHandler = (request: RouteRequest) => Promise<ServerFrame | undefined>;

/** twoWayRoute with the chat service of this invocation (its logger and metrics, the container's clients). */
export function chatServiceRoute(handle: RouteHandler): (event: WebSocketEvent) => Promise<WebSocketResult> {
  return twoWayRoute((request) => {
    const metrics = createMetricsWriter({ requestId: request.event.requestContext.requestId });
    return handle({ ...request, metrics, service: createChatService(request.log, request.config, metrics) });
  });
}
