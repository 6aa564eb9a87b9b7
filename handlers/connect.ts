/**
 * $connect: checks the caller's identity and thread, records the connection and accepts the
 * subprotocol. A non-2xx status refuses the WebSocket handshake.
 *
 * Identity comes from the JWT authorizer's context (auth on); this handler never verifies tokens.
 * In auth mode `none` it takes the seed's `userId`, `threadId` and `role` query parameters (insecure).
 */
import { getConfig } from './core/config';
import { connectIdentity } from './core/identity';
import { createChatService } from './core/chat-service-factory';
import { CHAT_SUBPROTOCOL } from './core/protocol';
import { requestLogger, type WebSocketEvent, type WebSocketResult } from './core/websocket';

/** Echo `chat` when the client offered it: browsers fail the handshake if an offered protocol is not answered. */
function subprotocolHeaders(headers: WebSocketEvent['headers']): Record<string, string> | undefined {
  const offered = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1];
  if (!offered) return undefined;
  const protocols = offered.split(',').map((protocol) => protocol.trim());
  return protocols.includes(CHAT_SUBPROTOCOL) ? { 'Sec-WebSocket-Protocol': CHAT_SUBPROTOCOL } : undefined;
}

let warnedInsecure = false;

export async function handler(event: WebSocketEvent): Promise<WebSocketResult> {
  const started = Date.now();
  const log = requestLogger(event);
  const { connectionId, authorizer } = event.requestContext;
  const refuse = (statusCode: number, reason: string): WebSocketResult => {
    log.info('request', { outcome: 'refused', statusCode, reason, durationMs: Date.now() - started });
    return { statusCode, body: reason };
  };
  try {
    const config = getConfig();
    if (config.authMode === 'none' && !warnedInsecure) {
      warnedInsecure = true;
      log.warn('auth.disabled', { detail: 'CHAT_AUTH_MODE=none: clients choose their own user id (insecure)' });
    }
    const identity = connectIdentity(config.authMode, authorizer, event.queryStringParameters);
    if (!identity.ok) return refuse(identity.statusCode, identity.reason);
    const { caller } = identity;
    const outcome = await createChatService(log, config).openConnection(connectionId, caller, Date.now());
    if (!outcome.ok) return refuse(outcome.statusCode, outcome.reason);
    log.info('request', {
      outcome: 'ok',
      userId: caller.userId,
      role: caller.role,
      threadId: caller.threadId,
      durationMs: Date.now() - started,
    });
    const headers = subprotocolHeaders(event.headers);
    return headers ? { statusCode: 200, headers } : { statusCode: 200 };
  } catch (err) {
    log.error('request', { outcome: 'error', error: err, durationMs: Date.now() - started });
    return { statusCode: 500, body: 'Internal error' };
  }
}
