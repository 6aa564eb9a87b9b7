/**
 * Lambda REQUEST authorizer for the WebSocket API's `$connect` route (API Gateway authorizes a
 * WebSocket only at connect; the context returned here reaches every later route as
 * `requestContext.authorizer = {userId, role, threadId}`).
 *
 * - no/invalid token            → throws Error('Unauthorized')  → API Gateway answers 401
 * - valid token, bad thread id  → Deny policy                   → 403
 * - issuer keys unreachable     → throws another error          → 500 (client may retry)
 * - otherwise                   → Allow execute-api:Invoke on the event's methodArn, with the context
 *
 * Configuration comes from the environment (lib/schema.ts ENV): CHAT_AUTH_JWKS_URL, CHAT_AUTH_ISSUER,
 * CHAT_AUTH_AUDIENCE, CHAT_AUTH_USER_ID_CLAIM, CHAT_AUTH_ROLES_CLAIM, CHAT_AUTH_AGENT_ROLE,
 * CHAT_AUTH_MAX_TOKEN_AGE_SECONDS (tokens older than that, by `iat`, are refused whatever their `exp`).
 * One structured JSON log line per decision; never the token or its claims. One metric line per allow
 * (AuthorizerAllowed) or refusal (AuthorizerDenied: 401 and 403, with the server's reason code); a
 * failure to reach the issuer's keys is an error, not a denial.
 */
import {
  authOptionsFromEnv,
  authorizeConnection,
  authorizerResponse,
  createTokenVerifier,
  describeDecision,
  type AuthorizerResult,
  type ConnectionRequest,
  type TokenVerifier,
} from './core/auth';
import { METRICS } from '../lib/metrics';
import { createLogger } from './core/logging';
import { createMetricsWriter } from './core/metrics';

/** The REQUEST authorizer event API Gateway sends for a WebSocket `$connect`. */
export interface WebSocketAuthorizerEvent extends ConnectionRequest {
  readonly type?: 'REQUEST';
  readonly methodArn: string;
  readonly requestContext?: {
    readonly connectionId?: string;
    readonly requestId?: string;
    readonly routeKey?: string;
    readonly apiId?: string;
    readonly stage?: string;
  };
}

// One verifier per container, so the JWKS cache and its cool-down survive warm invocations.
// Rebuilt only if the configuration changes (tests change env between cases).
let cachedVerifier: { readonly configKey: string; readonly verifier: TokenVerifier } | undefined;

function verifierFromEnv(): TokenVerifier {
  const options = authOptionsFromEnv(process.env);
  const configKey = JSON.stringify(options);
  if (cachedVerifier?.configKey !== configKey) {
    cachedVerifier = { configKey, verifier: createTokenVerifier(options) };
  }
  return cachedVerifier.verifier;
}

export async function handler(event: WebSocketAuthorizerEvent): Promise<AuthorizerResult> {
  const logger = createLogger({
    component: 'authorizer',
    requestId: event.requestContext?.requestId,
    connectionId: event.requestContext?.connectionId,
  });
  let verifier: TokenVerifier;
  try {
    verifier = verifierFromEnv();
  } catch (error) {
    // Fail closed: without a complete configuration nobody connects.
    logger.error('authorizer.config_error', { error: (error as Error).message });
    throw new Error('Authorization unavailable');
  }
  const decision = await authorizeConnection(event, verifier);
  const fields = describeDecision(decision);
  if (decision.outcome === 'error') logger.error('authorizer.decision', fields);
  else logger.info('authorizer.decision', fields);
  const metrics = createMetricsWriter({ requestId: event.requestContext?.requestId });
  if (decision.outcome === 'allow') metrics.emit({ [METRICS.authorizerAllowed]: 1 });
  else if (decision.outcome !== 'error') metrics.emit({ [METRICS.authorizerDenied]: 1 }, { reason: decision.reason, statusCode: decision.statusCode });
  return authorizerResponse(decision, event.methodArn);
}
