/**
 * Who is calling. With auth on, the JWT authorizer verified the token at $connect and API Gateway
 * hands its context (`userId`, `role`, `threadId`) to every route in `requestContext.authorizer`;
 * nothing the client sends (query string, body) can change it. In the explicitly insecure auth mode
 * `none`, $connect takes the seed's query parameters and later routes read the connection record.
 */
import { ID_RULE, isValidId } from './validation';
import type { AuthMode } from './config';
import { DEVELOPMENT_IDENTITY_QUERY_PARAMETERS, THREAD_QUERY_PARAMETER, type Role } from './protocol';
import type { ConnectionStore } from './storage';
import { ChatError } from './protocol';

export interface Caller {
  userId: string;
  role: Role;
  /** The thread this connection was opened for; absent for an agent's console connection. */
  threadId?: string;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The verified caller from the authorizer context, when the connection went through the authorizer. */
export function callerFromAuthorizer(authorizer: Record<string, unknown> | null | undefined): Caller | undefined {
  const userId = nonEmptyString(authorizer?.userId);
  if (!authorizer || userId === undefined) return undefined;
  const caller: Caller = { userId, role: authorizer.role === 'agent' ? 'agent' : 'user' };
  const threadId = nonEmptyString(authorizer.threadId);
  if (threadId !== undefined) caller.threadId = threadId;
  return caller;
}

export type ConnectIdentity = { ok: true; caller: Caller } | { ok: false; statusCode: number; reason: string };

/**
 * The identity a $connect request asks for. Thread ownership is checked by the caller of this
 * function; this only says who is connecting and to which thread.
 */
export function connectIdentity(
  authMode: AuthMode,
  authorizer: Record<string, unknown> | null | undefined,
  query: Record<string, string | undefined> | null | undefined,
): ConnectIdentity {
  const verified = callerFromAuthorizer(authorizer);
  let caller: Caller;
  if (verified) {
    caller = { ...verified };
    // The authorizer normally copies threadId into its context; the query is the same value.
    const threadId = nonEmptyString(query?.[THREAD_QUERY_PARAMETER]);
    if (caller.threadId === undefined && threadId !== undefined) caller.threadId = threadId;
  } else if (authMode === 'none') {
    const userId = query?.[DEVELOPMENT_IDENTITY_QUERY_PARAMETERS.userId];
    if (!isValidId(userId)) {
      return { ok: false, statusCode: 400, reason: `${DEVELOPMENT_IDENTITY_QUERY_PARAMETERS.userId} query parameter is required (auth mode none)` };
    }
    caller = { userId, role: query?.[DEVELOPMENT_IDENTITY_QUERY_PARAMETERS.role] === 'agent' ? 'agent' : 'user' };
    const threadId = nonEmptyString(query?.[THREAD_QUERY_PARAMETER]);
    if (threadId !== undefined) caller.threadId = threadId;
  } else {
    // Auth is on but no authorizer context reached the handler: a wiring mistake; never fall back.
    return { ok: false, statusCode: 401, reason: 'No verified identity' };
  }
  if (caller.threadId !== undefined && !isValidId(caller.threadId)) {
    return { ok: false, statusCode: 400, reason: `threadId must be ${ID_RULE}` };
  }
  return { ok: true, caller };
}

/**
 * The caller of a route after $connect. Authorizer context when present; otherwise (auth mode none,
 * or a context without the thread) the connection record written at $connect.
 */
export async function resolveCaller(
  authMode: AuthMode,
  authorizer: Record<string, unknown> | null | undefined,
  connectionId: string,
  connections: ConnectionStore,
): Promise<Caller> {
  const verified = callerFromAuthorizer(authorizer);
  if (verified && verified.threadId !== undefined) return verified;
  if (!verified && authMode !== 'none') throw new ChatError('FORBIDDEN', 'No verified identity on this connection');
  const record = await connections.get(connectionId);
  if (!record || (verified && record.userId !== verified.userId)) {
    throw new ChatError('FORBIDDEN', 'This connection is not registered; reconnect');
  }
  const caller: Caller = verified ?? { userId: record.userId, role: record.role };
  if (record.threadId !== undefined) caller.threadId = record.threadId;
  return caller;
}

/** The thread a request acts on: the connection's own; a different `requested` one is refused. */
export function threadOf(caller: Caller, requested: string | undefined): string {
  if (caller.threadId === undefined) {
    throw new ChatError('FORBIDDEN', 'This connection is not bound to a thread; connect with a threadId');
  }
  if (requested !== undefined && requested !== caller.threadId) {
    throw new ChatError('FORBIDDEN', 'This connection may only act on its own thread');
  }
  return caller.threadId;
}
