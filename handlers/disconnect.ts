/**
 * $disconnect: deletes the connection record. Best effort by API Gateway's own account: records of
 * connections that vanish without it expire by TTL or are removed on the first 410 from @connections.
 */
import { createChatService } from './core/chat-service-factory';
import { requestLogger, type WebSocketEvent, type WebSocketResult } from './core/websocket';

export async function handler(event: WebSocketEvent): Promise<WebSocketResult> {
  const started = Date.now();
  const log = requestLogger(event);
  try {
    await createChatService(log).closeConnection(event.requestContext.connectionId);
    log.info('request', {
      outcome: 'ok',
      disconnectStatusCode: event.requestContext.disconnectStatusCode,
      durationMs: Date.now() - started,
    });
  } catch (err) {
    log.error('request', { outcome: 'error', error: err, durationMs: Date.now() - started });
  }
  // The connection is closed either way; a non-2xx here changes nothing for the client.
  return { statusCode: 200 };
}
