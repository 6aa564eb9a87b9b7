/**
 * Token verification and the `$connect` authorization decision, shared by the Lambda REQUEST
 * authorizer (handlers/authorizer.ts) and the local runtime's WebSocket upgrade, so both accept and
 * refuse exactly the same connections.
 *
 * Usage:
 *   const verifier = createTokenVerifier(authOptionsFromEnv());   // once per container / process
 *   const decision = await authorizeConnection({ headers, queryStringParameters }, verifier);
 *   // Lambda: return authorizerResponse(decision, event.methodArn)
 *   // local:  decision.statusCode is 200 | 401 | 403 | 500, decision.context is the authorizer context
 *
 * Never log a token or its claims: log `describeDecision(decision)` (reason code, kid, verified ids).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { DEFAULTS, ENV, LIMITS } from '../../lib/schema';
import { BEARER_SUBPROTOCOL_PREFIX, THREAD_QUERY_PARAMETER, TOKEN_QUERY_PARAMETER, type Role } from './protocol';

/** Asymmetric signature algorithms only: never `none`, never HMAC (a public key must not become a shared secret). */
export const ALLOWED_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
];

/** Accepted clock skew between the issuer and us for `exp`, `nbf` and `iat` (an `iat` in the future beyond it is refused). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** After a JWKS fetch, an unknown `kid` does not trigger another fetch for this long (protects the issuer and us). */
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;

/** A fetched JWKS is reused for this long before it is fetched again. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_SECONDS = 10 * 60;

/** Give up on a JWKS fetch after this long (the authorizer then answers 500, the client may retry). */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

/** Tokens larger than this are refused before parsing: real access/ID tokens are 1-4 KB. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export type { Role };

/** What a verified token says about its bearer. */
export interface VerifiedIdentity {
  readonly userId: string;
  readonly role: Role;
}

/**
 * The authorizer context API Gateway hands to every route as `requestContext.authorizer`.
 * `threadId` is absent for an agent's console connection (no thread).
 */
export interface AuthorizerContext {
  readonly userId: string;
  readonly role: Role;
  readonly threadId?: string;
}

/** Why a token was refused (401) or could not be checked (500). Safe to log. */
export type AuthFailureReason =
  | 'TOKEN_MISSING'
  | 'TOKEN_AMBIGUOUS'
  | 'TOKEN_MALFORMED'
  | 'ALG_NOT_ALLOWED'
  | 'KEY_NOT_FOUND'
  | 'KEY_AMBIGUOUS'
  | 'SIGNATURE_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_TOO_OLD'
  | 'TOKEN_ISSUED_IN_FUTURE'
  | 'ISSUER_MISMATCH'
  | 'AUDIENCE_MISMATCH'
  | 'CLAIM_INVALID'
  | 'USER_ID_INVALID'
  | 'JWKS_UNAVAILABLE';

/** Why a verified identity may not open this connection (403). */
export type DenyReason = 'THREAD_ID_INVALID' | 'THREAD_REQUIRED';

/**
 * A refused or uncheckable token. `statusCode` is 401 for a bad/missing token and 500 when the
 * issuer's keys could not be fetched (not the client's fault; retrying may succeed).
 * The message never contains token contents.
 */
export class AuthError extends Error {
  readonly reason: AuthFailureReason;
  /** `kid` from the token's (unverified) header, for diagnosing key rotation; not a secret. */
  readonly kid?: string;
  readonly statusCode: 401 | 500;

  constructor(reason: AuthFailureReason, kid?: string) {
    super(`token refused: ${reason}`);
    this.name = 'AuthError';
    this.reason = reason;
    this.kid = kid;
    this.statusCode = reason === 'JWKS_UNAVAILABLE' ? 500 : 401;
  }
}

/** Missing or unusable auth configuration: fail closed, loudly. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

export interface TokenVerifierOptions {
  /** URL of the issuer's JSON Web Key Set. https, or http only on a loopback host (local development, tests). */
  readonly jwksUrl: string;
  /** Expected `iss`, compared exactly (Auth0 issuers end with `/`). */
  readonly issuer: string;
  /**
   * Accepted audience(s): `aud` must contain one of them. For a Cognito user pool issuer an access
   * token (which has no `aud`) is accepted when its `client_id` is one of them; see help/security.md.
   */
  readonly audience: string | readonly string[];
  /** Claim holding the user id. Default `sub`. */
  readonly userIdClaim?: string;
  /** Claim listing the bearer's groups/roles (array, or space/comma separated string). Default `cognito:groups`. */
  readonly rolesClaim?: string;
  /** Value of the roles claim that grants the agent role. Default `chat-agent`. */
  readonly agentRole?: string;
  /**
   * Oldest token accepted, in seconds since its `iat` (which tokens must then carry), whatever its `exp`.
   * Default DEFAULTS.maxTokenAgeSeconds (one day).
   */
  readonly maxTokenAgeSeconds?: number;
  readonly jwksCooldownSeconds?: number;
  readonly jwksCacheMaxAgeSeconds?: number;
  readonly jwksTimeoutMs?: number;
}

/** Options with defaults applied. */
export interface ResolvedTokenVerifierOptions {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly userIdClaim: string;
  readonly rolesClaim: string;
  readonly agentRole: string;
  readonly maxTokenAgeSeconds: number;
  readonly jwksCooldownSeconds: number;
  readonly jwksCacheMaxAgeSeconds: number;
  readonly jwksTimeoutMs: number;
  /** True when `issuer` is an Amazon Cognito user pool (enables the `client_id` audience rule). */
  readonly cognitoIssuer: boolean;
}

export interface TokenVerifier {
  readonly options: ResolvedTokenVerifierOptions;
  /** Resolves the bearer's identity, or rejects with an {@link AuthError}. */
  verify(token: string): Promise<VerifiedIdentity>;
}

const COGNITO_ISSUER = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_[A-Za-z0-9]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Validates options and applies defaults; throws {@link AuthConfigError}. */
export function resolveTokenVerifierOptions(options: TokenVerifierOptions): ResolvedTokenVerifierOptions {
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(options.jwksUrl);
  } catch {
    throw new AuthConfigError('auth: jwksUrl is not a valid URL');
  }
  // Keys fetched over plain http could be swapped by anyone on the path: allow it only on loopback.
  if (jwksUrl.protocol !== 'https:' && !(jwksUrl.protocol === 'http:' && LOOPBACK_HOSTS.has(jwksUrl.hostname))) {
    throw new AuthConfigError('auth: jwksUrl must use https (http is accepted only for localhost)');
  }
  if (!options.issuer) {
    throw new AuthConfigError('auth: issuer is required');
  }
  const audiences = (typeof options.audience === 'string' ? splitList(options.audience) : [...options.audience])
    .filter((value) => value.length > 0);
  if (audiences.length === 0) {
    throw new AuthConfigError('auth: audience is required (the API identifier or app client id your tokens are issued for)');
  }
  return {
    jwksUrl: jwksUrl.href,
    issuer: options.issuer,
    audiences,
    userIdClaim: options.userIdClaim || DEFAULTS.userIdClaim,
    rolesClaim: options.rolesClaim || DEFAULTS.rolesClaim,
    agentRole: options.agentRole || DEFAULTS.agentRole,
    maxTokenAgeSeconds: positiveIntegerOr(options.maxTokenAgeSeconds, DEFAULTS.maxTokenAgeSeconds, 'maxTokenAgeSeconds'),
    jwksCooldownSeconds: nonNegativeOr(options.jwksCooldownSeconds, DEFAULT_JWKS_COOLDOWN_SECONDS, 'jwksCooldownSeconds'),
    jwksCacheMaxAgeSeconds: nonNegativeOr(
      options.jwksCacheMaxAgeSeconds,
      DEFAULT_JWKS_CACHE_MAX_AGE_SECONDS,
      'jwksCacheMaxAgeSeconds',
    ),
    jwksTimeoutMs: nonNegativeOr(options.jwksTimeoutMs, DEFAULT_JWKS_TIMEOUT_MS, 'jwksTimeoutMs'),
    cognitoIssuer: COGNITO_ISSUER.test(options.issuer),
  };
}

/**
 * Builds a verifier. Create it once per container/process: it holds the JWKS cache, so warm
 * invocations verify without a network call and an unknown `kid` refetches at most once per cool-down.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const resolved = resolveTokenVerifierOptions(options);
  const keySet = createRemoteJWKSet(new URL(resolved.jwksUrl), {
    cooldownDuration: resolved.jwksCooldownSeconds * 1000,
    cacheMaxAge: resolved.jwksCacheMaxAgeSeconds * 1000,
    timeoutDuration: resolved.jwksTimeoutMs,
  });

  async function verify(token: string): Promise<VerifiedIdentity> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AuthError('TOKEN_MISSING');
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new AuthError('TOKEN_MALFORMED');
    }
    const kid = unverifiedKid(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        algorithms: [...ALLOWED_ALGORITHMS],
        issuer: resolved.issuer,
        // Cognito access tokens carry `client_id` instead of `aud`: checked below instead.
        audience: resolved.cognitoIssuer ? undefined : [...resolved.audiences],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // maxTokenAge makes jose require `iat`, refuse it older than this and refuse it in the future
        // (both beyond clockTolerance): a far-future `exp` alone does not keep a token valid.
        maxTokenAge: resolved.maxTokenAgeSeconds,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      throw new AuthError(failureReason(error), kid);
    }
    if (resolved.cognitoIssuer && !cognitoAudienceMatches(payload, resolved.audiences)) {
      throw new AuthError('AUDIENCE_MISMATCH', kid);
    }
    const userId = readClaim(payload, resolved.userIdClaim);
    if (typeof userId !== 'string' || !LIMITS.idPattern.test(userId)) {
      throw new AuthError('USER_ID_INVALID', kid);
    }
    const role: Role = claimValues(readClaim(payload, resolved.rolesClaim)).includes(resolved.agentRole)
      ? 'agent'
      : 'user';
    return { userId, role };
  }

  return { options: resolved, verify };
}

/**
 * Reads verifier options from the environment the construct (and the local runtime) sets:
 * CHAT_AUTH_JWKS_URL, CHAT_AUTH_ISSUER, CHAT_AUTH_AUDIENCE (comma separated for several),
 * CHAT_AUTH_USER_ID_CLAIM, CHAT_AUTH_ROLES_CLAIM, CHAT_AUTH_AGENT_ROLE, CHAT_AUTH_MAX_TOKEN_AGE_SECONDS.
 * Throws {@link AuthConfigError} when a required one is missing or the maximum age is not a whole number.
 */
export function authOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TokenVerifierOptions {
  const missing = [ENV.jwksUrl, ENV.issuer, ENV.audience].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new AuthConfigError(`auth: missing environment variable(s) ${missing.join(', ')}`);
  }
  return {
    jwksUrl: env[ENV.jwksUrl] as string,
    issuer: env[ENV.issuer] as string,
    audience: env[ENV.audience] as string,
    userIdClaim: env[ENV.userIdClaim] || undefined,
    rolesClaim: env[ENV.rolesClaim] || undefined,
    agentRole: env[ENV.agentRole] || undefined,
    maxTokenAgeSeconds: integerFromEnv(env, ENV.maxTokenAgeSeconds),
  };
}

/** An optional whole-number variable; anything else fails closed (a typo must not remove the limit). */
function integerFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new AuthConfigError(`auth: ${name} must be a whole number of seconds`);
  return Number(raw);
}

/** Header map as API Gateway (`string`) or Node's http module (`string | string[]`) delivers it. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>> | null | undefined;
export type QueryMap = Readonly<Record<string, string | undefined>> | null | undefined;

/** The parts of a `$connect` request that authorization looks at. */
export interface ConnectionRequest {
  readonly headers?: HeaderMap;
  /** API Gateway's multi-value view of the headers; used in addition to `headers` when present. */
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly queryStringParameters?: QueryMap;
}

/**
 * Finds the bearer token: a `bearer.<jwt>` entry of `Sec-WebSocket-Protocol` (header name
 * case-insensitive; browsers cannot set `Authorization` on a WebSocket) or the `token` query parameter.
 * Returns undefined when there is none; throws `TOKEN_AMBIGUOUS` when different tokens are offered,
 * so no component can end up checking one token while another one is used.
 */
export function extractToken(request: ConnectionRequest): string | undefined {
  const candidates = new Set<string>();
  for (const value of headerValues(request, 'sec-websocket-protocol')) {
    for (const entry of value.split(',')) {
      const protocol = entry.trim();
      if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX) && protocol.length > BEARER_SUBPROTOCOL_PREFIX.length) {
        candidates.add(protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length));
      }
    }
  }
  const queryToken = request.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
  if (queryToken) {
    candidates.add(queryToken);
  }
  if (candidates.size > 1) {
    throw new AuthError('TOKEN_AMBIGUOUS');
  }
  return candidates.values().next().value;
}

/** The outcome of authorizing a `$connect`, with the HTTP status the client sees. */
export type ConnectionDecision =
  | {
      readonly outcome: 'allow';
      readonly statusCode: 200;
      readonly context: AuthorizerContext;
      readonly kid?: string;
    }
  | {
      readonly outcome: 'deny';
      readonly statusCode: 403;
      readonly reason: DenyReason;
      readonly identity: VerifiedIdentity;
      readonly kid?: string;
    }
  | {
      readonly outcome: 'unauthorized';
      readonly statusCode: 401;
      readonly reason: AuthFailureReason;
      readonly kid?: string;
    }
  | {
      readonly outcome: 'error';
      readonly statusCode: 500;
      readonly reason: AuthFailureReason;
      readonly kid?: string;
    };

/**
 * Decides a `$connect`: 401 without a valid token, 403 for a valid token with an invalid thread id
 * (or a non-agent without a thread), 500 when the issuer's keys cannot be fetched, else allow with
 * the context every route receives. The identity comes from the token only: `userId`/`role` query
 * parameters are ignored. Thread ownership is checked by the connect handler (it needs the table).
 */
export async function authorizeConnection(
  request: ConnectionRequest,
  verifier: TokenVerifier,
): Promise<ConnectionDecision> {
  let identity: VerifiedIdentity;
  let kid: string | undefined;
  try {
    const token = extractToken(request);
    if (token === undefined) {
      throw new AuthError('TOKEN_MISSING');
    }
    kid = unverifiedKid(token);
    identity = await verifier.verify(token);
  } catch (error) {
    if (!(error instanceof AuthError)) {
      throw error;
    }
    return error.statusCode === 500
      ? { outcome: 'error', statusCode: 500, reason: error.reason, kid: error.kid }
      : { outcome: 'unauthorized', statusCode: 401, reason: error.reason, kid: error.kid };
  }

  const threadId = request.queryStringParameters?.[THREAD_QUERY_PARAMETER];
  if (threadId === undefined || threadId === '') {
    // Only agents have a use for a connection without a thread (the console listing threads).
    return identity.role === 'agent'
      ? { outcome: 'allow', statusCode: 200, context: { userId: identity.userId, role: identity.role }, kid }
      : { outcome: 'deny', statusCode: 403, reason: 'THREAD_REQUIRED', identity, kid };
  }
  if (!LIMITS.idPattern.test(threadId)) {
    return { outcome: 'deny', statusCode: 403, reason: 'THREAD_ID_INVALID', identity, kid };
  }
  return { outcome: 'allow', statusCode: 200, context: { userId: identity.userId, role: identity.role, threadId }, kid };
}

/** API Gateway's Lambda authorizer result (IAM policy + context). */
export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: readonly [
      { readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string },
    ];
  };
  readonly context?: { readonly userId: string; readonly role: Role; readonly threadId?: string };
}

/**
 * Turns a decision into what a REQUEST authorizer returns: an Allow policy on `methodArn` with the
 * context, a Deny policy (API Gateway answers 403), or a thrown `Error('Unauthorized')` (the exact
 * message API Gateway maps to 401). A key-fetch failure throws another error (API Gateway answers 500).
 */
export function authorizerResponse(decision: ConnectionDecision, methodArn: string): AuthorizerResult {
  switch (decision.outcome) {
    case 'allow':
      return {
        principalId: decision.context.userId,
        policyDocument: policy('Allow', methodArn),
        // Keys with undefined values are dropped: API Gateway rejects null context values.
        context: { ...decision.context },
      };
    case 'deny':
      return { principalId: decision.identity.userId, policyDocument: policy('Deny', methodArn) };
    case 'unauthorized':
      throw new Error('Unauthorized');
    case 'error':
      throw new Error('Authorization unavailable');
  }
}

/** Log-safe summary of a decision (`decision` = allow|deny|unauthorized|error, status, reason code, kid, verified ids). */
export function describeDecision(decision: ConnectionDecision): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {
    decision: decision.outcome,
    statusCode: decision.statusCode,
  };
  if (decision.kid !== undefined) fields.kid = decision.kid;
  switch (decision.outcome) {
    case 'allow':
      fields.userId = decision.context.userId;
      fields.role = decision.context.role;
      if (decision.context.threadId !== undefined) fields.threadId = decision.context.threadId;
      break;
    case 'deny':
      fields.reason = decision.reason;
      fields.userId = decision.identity.userId;
      fields.role = decision.identity.role;
      break;
    default:
      fields.reason = decision.reason;
  }
  return fields;
}

/**
 * Cognito: an ID token names the app client in `aud`; an access token has no `aud` and names it in
 * `client_id`. Accept exactly those two shapes (by `token_use`), nothing else.
 */
function cognitoAudienceMatches(payload: JWTPayload, audiences: readonly string[]): boolean {
  if (payload.token_use === 'access') {
    return payload.aud === undefined && typeof payload.client_id === 'string' && audiences.includes(payload.client_id);
  }
  if (payload.token_use === 'id') {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return aud.some((value) => typeof value === 'string' && audiences.includes(value));
  }
  return false;
}

/** Maps jose's errors to our reason codes (their messages are not logged). */
function failureReason(error: unknown): AuthFailureReason {
  if (error instanceof joseErrors.JWTExpired) return error.claim === 'iat' ? 'TOKEN_TOO_OLD' : 'TOKEN_EXPIRED';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iat':
        // Missing or not a number: CLAIM_INVALID. A numeric one failing the check is in the future (too old is JWTExpired).
        return error.reason === 'check_failed' ? 'TOKEN_ISSUED_IN_FUTURE' : 'CLAIM_INVALID';
      case 'iss':
        return 'ISSUER_MISMATCH';
      case 'aud':
        return 'AUDIENCE_MISMATCH';
      case 'nbf':
        return error.reason === 'check_failed' ? 'TOKEN_NOT_YET_VALID' : 'CLAIM_INVALID';
      default:
        return 'CLAIM_INVALID';
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return 'ALG_NOT_ALLOWED';
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'KEY_NOT_FOUND';
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'KEY_AMBIGUOUS';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'SIGNATURE_INVALID';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'TOKEN_MALFORMED';
  // JWKSTimeout, JWKSInvalid (the endpoint answered garbage), network errors, non-200 answers.
  return 'JWKS_UNAVAILABLE';
}

/** The `kid` of a compact JWS's protected header, unverified; undefined when unreadable. */
function unverifiedKid(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    const kid = (header as { kid?: unknown } | null)?.kid;
    // Only echo kids that look like kids into logs.
    return typeof kid === 'string' && /^[A-Za-z0-9._:+/=-]{1,128}$/.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A claim by exact name (`cognito:groups`, Auth0's `https://example.com/roles`), else by dotted
 * path into nested objects (Keycloak's `realm_access.roles`).
 */
function readClaim(payload: JWTPayload, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) {
    return payload[name];
  }
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A roles claim as a list: an array of strings, or a space/comma separated string (OAuth `scope` style). */
function claimValues(claim: unknown): string[] {
  if (Array.isArray(claim)) {
    return claim.filter((value): value is string => typeof value === 'string');
  }
  return typeof claim === 'string' ? splitList(claim.replace(/\s+/g, ',')) : [];
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function headerValues(request: ConnectionRequest, lowerCaseName: string): string[] {
  const values: string[] = [];
  for (const source of [request.headers, request.multiValueHeaders]) {
    if (!source) continue;
    for (const [name, value] of Object.entries(source)) {
      if (name.toLowerCase() !== lowerCaseName || value === undefined) continue;
      if (typeof value === 'string') values.push(value);
      else values.push(...value);
    }
  }
  return values;
}

function policy(effect: 'Allow' | 'Deny', methodArn: string): AuthorizerResult['policyDocument'] {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
  };
}

function positiveIntegerOr(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new AuthConfigError(`auth: ${name} must be a positive whole number of seconds`);
  }
  return value;
}

function nonNegativeOr(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new AuthConfigError(`auth: ${name} must be a non-negative number`);
  }
  return value;
}
