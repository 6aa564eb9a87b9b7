/**
 * The WebSocket protocol: client frames (routed by API Gateway on `action`), server frames (`type`),
 * error codes and the frame builders every handler uses. Documented in help/protocol.md.
 */

export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNKNOWN_ACTION',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes worth sending the same frame again for, with backoff and the same `clientMessageId`; the others would be refused again. */
export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = ['RATE_LIMITED', 'INTERNAL_ERROR'];

// ---- connecting ----------------------------------------------------------------------------

/** The application subprotocol a client offers and the `$connect` response echoes. */
export const CHAT_SUBPROTOCOL = 'chat';

/** `Sec-WebSocket-Protocol` entry prefix carrying the token: `Sec-WebSocket-Protocol: chat, bearer.<jwt>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Query string parameter carrying the token when the subprotocol cannot be used. */
export const TOKEN_QUERY_PARAMETER = 'token';

/** Query string parameter naming the thread the connection joins. */
export const THREAD_QUERY_PARAMETER = 'threadId';

/**
 * Query string parameters of the explicitly insecure auth mode `none` (the seed's): the identity a client
 * chooses for itself. Never read when a token is verified.
 */
export const DEVELOPMENT_IDENTITY_QUERY_PARAMETERS = { userId: 'userId', role: 'role' } as const;

export type MessageType = 'user' | 'bot' | 'agent';
export type Role = 'user' | 'agent';

/** A stored message as clients, bots and the SNS payload see it. */
export interface ChatMessage {
  messageId: string;
  threadId: string;
  messageType: MessageType;
  text: string;
  sender: string;
  /** Milliseconds since the epoch, granted by the thread: +0.001 steps keep same-millisecond messages in order. */
  timestamp: number;
  status: 'sent';
  metadata: Record<string, unknown>;
  /** The sender's own id for the message, when it gave one: a client recognises its message in history by it. */
  clientMessageId?: string;
}

/** Page size for `thread.list` (not part of the shared LIMITS: agents only, small frames). */
export const THREAD_LIST_LIMITS = { defaultLimit: 50, maxLimit: 100 } as const;

// ---- client frames -------------------------------------------------------------------------

export interface SendMessageRequest {
  action: 'message.send';
  threadId?: string;
  text: string;
  sender?: string;
  metadata?: Record<string, unknown>;
  clientMessageId?: string;
}

export interface HistoryRequest {
  action: 'thread.history';
  threadId?: string;
  limit?: number;
  before?: number;
}

export interface TypingRequest {
  action: 'typing';
  isTyping: boolean;
}

export interface ThreadControlRequest {
  action: 'thread.takeover' | 'thread.release';
  threadId?: string;
}

export interface ThreadListRequest {
  action: 'thread.list';
  limit?: number;
}

// ---- server frames -------------------------------------------------------------------------

export interface MessageSentFrame {
  type: 'message.sent';
  clientMessageId?: string;
  message: ChatMessage;
}

export interface MessageFrame {
  type: 'message';
  message: ChatMessage;
}

export interface HistoryFrame {
  type: 'history';
  threadId: string;
  messages: ChatMessage[];
  /** Pass as `before` for the next older page; null on the last page. */
  nextBefore: number | null;
}

export interface TypingFrame {
  type: 'typing';
  threadId: string;
  userId: string;
  isTyping: boolean;
}

export interface ThreadStatusFrame {
  type: 'thread.status';
  threadId: string;
  isHumanOverride: boolean;
  /** The agent (or operator) who changed it. */
  by: string;
}

export interface ThreadSummary {
  threadId: string;
  ownerId: string;
  lastActivityAt: number;
  isHumanOverride: boolean;
  overrideBy: string | null;
}

export interface ThreadsFrame {
  type: 'threads';
  threads: ThreadSummary[];
}

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  action?: string;
  clientMessageId?: string;
}

export type ServerFrame =
  | MessageSentFrame
  | MessageFrame
  | HistoryFrame
  | TypingFrame
  | ThreadStatusFrame
  | ThreadsFrame
  | ErrorFrame;

/** A refusal the caller can act on; becomes an `error` frame with its code. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

// ---- builders ------------------------------------------------------------------------------

export function messageSentFrame(message: ChatMessage, clientMessageId?: string): MessageSentFrame {
  return clientMessageId === undefined
    ? { type: 'message.sent', message }
    : { type: 'message.sent', clientMessageId, message };
}

export function messageFrame(message: ChatMessage): MessageFrame {
  return { type: 'message', message };
}

export function historyFrame(threadId: string, messages: ChatMessage[], nextBefore: number | null): HistoryFrame {
  return { type: 'history', threadId, messages, nextBefore };
}

export function typingFrame(threadId: string, userId: string, isTyping: boolean): TypingFrame {
  return { type: 'typing', threadId, userId, isTyping };
}

export function threadStatusFrame(threadId: string, isHumanOverride: boolean, by: string): ThreadStatusFrame {
  return { type: 'thread.status', threadId, isHumanOverride, by };
}

export function threadsFrame(threads: ThreadSummary[]): ThreadsFrame {
  return { type: 'threads', threads };
}

export function errorFrame(
  code: ErrorCode,
  message: string,
  context: { action?: string; clientMessageId?: string } = {},
): ErrorFrame {
  const frame: ErrorFrame = { type: 'error', code, message };
  if (context.action !== undefined) frame.action = context.action;
  if (context.clientMessageId !== undefined) frame.clientMessageId = context.clientMessageId;
  return frame;
}
