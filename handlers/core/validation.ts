/**
 * Parsing and validating client frames and bot-reply input. Every check fails with a ChatError whose
 * message tells the client what to fix; nothing invalid reaches storage.
 *
 * Size limits (LIMITS in lib/schema.ts) keep every server frame under API Gateway's 32 KB frame size:
 * a text of 4,000 UTF-16 code units serializes to at most 24,000 bytes of JSON (6 bytes for an escaped
 * control character), metadata to 4,096 bytes, and the envelope adds well under 1 KB.
 */
import { LIMITS } from '../../lib/schema';
import {
  ChatError,
  THREAD_LIST_LIMITS,
  type HistoryRequest,
  type SendMessageRequest,
  type ThreadControlRequest,
  type ThreadListRequest,
  type TypingRequest,
} from './protocol';

export type RawFrame = Record<string, unknown>;

/** DynamoDB rejects maps nested deeper than 32 levels; keep well inside. */
export const MAX_METADATA_DEPTH = 16;

/**
 * The numbers a message can carry: DynamoDB stores 38 significant digits with magnitudes from 1E-130
 * to 9.99E+125, and @aws-sdk/util-dynamodb refuses plain numbers beyond ±Number.MAX_SAFE_INTEGER
 * (they would need NumberValue wrappers and read back as BigInt). A finite double inside both prints
 * (String(n)) as at most 17 significant digits, so it is stored exactly and reads back as itself.
 */
export const STORABLE_NUMBER = {
  maxMagnitude: Number.MAX_SAFE_INTEGER,
  minMagnitude: 1e-130,
} as const;

/** Metadata keys refused at any depth: they alter objects' prototypes in the SDK's (un)marshalling and in clients. */
export const RESERVED_METADATA_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** True for a number DynamoDB and the SDK store and read back unchanged (0 for -0). */
export function isStorableNumber(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude <= STORABLE_NUMBER.maxMagnitude && magnitude >= STORABLE_NUMBER.minMagnitude);
}

/** Smallest `before` accepted: timestamps are milliseconds since the epoch. */
const MIN_BEFORE = 1;
const MAX_SENDER_LENGTH = 128;
const ACTION_ECHO_MAX_LENGTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F]/;

function invalid(message: string): ChatError {
  return new ChatError('VALIDATION_ERROR', message);
}

function tooLarge(message: string): ChatError {
  return new ChatError('PAYLOAD_TOO_LARGE', message);
}

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && LIMITS.idPattern.test(value);
}

/** Human-readable form of LIMITS.idPattern, e.g. "1-128 characters of [A-Za-z0-9._:@|-]". */
export const ID_RULE = (() => {
  const [, characters, min, max] = /^\^(.*)\{(\d+),(\d+)\}\$$/.exec(LIMITS.idPattern.source) ?? [];
  if (max === undefined) throw new Error(`LIMITS.idPattern must be ^<characters>{min,max}$, got ${LIMITS.idPattern.source}`);
  return `${min}-${max} characters of ${characters}`;
})();

function optionalId(raw: RawFrame, field: string): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (!isValidId(value)) throw invalid(`${field} must be ${ID_RULE}`);
  return value;
}

function requiredId(raw: RawFrame, field: string): string {
  const value = optionalId(raw, field);
  if (value === undefined) throw invalid(`${field} is required`);
  return value;
}

/**
 * Parses an API Gateway message body into a JSON object. Not JSON, not an object, or over the
 * 128 KB message limit are refused.
 */
export function parseFrame(body: string | null | undefined, isBase64Encoded = false): RawFrame {
  if (body === undefined || body === null || body === '') throw invalid('Frame is empty; send a JSON object');
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > LIMITS.maxMessageBytes) {
    throw tooLarge(`Frame exceeds ${LIMITS.maxMessageBytes} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('Frame is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('Frame must be a JSON object with an "action"');
  }
  return parsed as RawFrame;
}

/** What an error frame may safely echo back: the action and a well-formed clientMessageId. */
export function echoContext(raw: RawFrame | undefined): { action?: string; clientMessageId?: string } {
  if (!raw) return {};
  const context: { action?: string; clientMessageId?: string } = {};
  if (typeof raw.action === 'string' && raw.action.length <= ACTION_ECHO_MAX_LENGTH) context.action = raw.action;
  if (isValidId(raw.clientMessageId)) context.clientMessageId = raw.clientMessageId;
  return context;
}

/** A message text: a non-blank, well-formed string of at most LIMITS.maxTextLength code units. */
export function validateText(value: unknown, field = 'text'): string {
  if (value === undefined || value === null) throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.trim() === '') throw invalid(`${field} must not be empty`);
  if (value.length > LIMITS.maxTextLength) {
    throw tooLarge(`${field} is ${value.length} characters; the maximum is ${LIMITS.maxTextLength}`);
  }
  if (LONE_SURROGATE.test(value)) throw invalid(`${field} contains an unpaired UTF-16 surrogate`);
  return value;
}

/** A display sender: 1-128 characters without control characters. */
export function validateSender(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid('sender must be a non-empty string');
  if (value.length > MAX_SENDER_LENGTH) throw invalid(`sender must be at most ${MAX_SENDER_LENGTH} characters`);
  if (CONTROL_CHARACTER.test(value) || LONE_SURROGATE.test(value)) {
    throw invalid('sender must not contain control characters');
  }
  return value;
}

/** `metadata.a[0]["odd key"]`: where in the metadata a refusal applies. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True when a value sits deeper than `MAX_METADATA_DEPTH` levels; stops there, so any input is safe to walk. */
function nestsTooDeep(value: unknown, depth: number): boolean {
  if (depth > MAX_METADATA_DEPTH) return true;
  if (value === null || typeof value !== 'object') return false;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => nestsTooDeep(child, depth + 1));
}

function checkMetadataValue(value: unknown, path: string): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw invalid(`${path} contains an unpaired UTF-16 surrogate`);
    return;
  }
  if (typeof value === 'number') {
    if (!isStorableNumber(value)) {
      throw invalid(
        `${path} is a number outside the storable range: at most ${STORABLE_NUMBER.maxMagnitude} ` +
          `and, unless 0, at least ${STORABLE_NUMBER.minMagnitude} in magnitude`,
      );
    }
    return;
  }
  if (Array.isArray(value)) {
    // An index loop, not forEach: a hole (direct invocations only) is refused, not skipped.
    for (let index = 0; index < value.length; index++) checkMetadataValue(value[index], childPath(path, index));
    return;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    // Object.keys: JSON.parse makes "__proto__" an own key, which `in`-style lookups would miss.
    for (const key of Object.keys(value)) {
      if (key === '') throw invalid(`${path} has an empty key`);
      if (LONE_SURROGATE.test(key)) throw invalid(`${path} has a key with an unpaired UTF-16 surrogate`);
      if (RESERVED_METADATA_KEYS.includes(key)) {
        throw invalid(`${childPath(path, key)} uses a reserved key; ${RESERVED_METADATA_KEYS.join(', ')} are not allowed`);
      }
      checkMetadataValue(value[key], childPath(path, key));
    }
    return;
  }
  throw invalid(`${path} has an unsupported value; use JSON strings, numbers, booleans, null, arrays and objects`);
}

/**
 * Free-form metadata: a JSON object of at most LIMITS.maxMetadataBytes serialized, nested at most
 * MAX_METADATA_DEPTH levels, whose numbers are storable and whose keys are not reserved. Defaults to {}.
 * `field` names it in refusals (`message.metadata` for bot replies).
 */
export function validateMetadata(value: unknown, field = 'metadata'): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) {
    throw invalid(`${field} must be a JSON object`);
  }
  // Depth first: serializing a deeper structure could exhaust the stack.
  if (nestsTooDeep(value, 0)) throw invalid(`${field} is nested deeper than ${MAX_METADATA_DEPTH} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > LIMITS.maxMetadataBytes) {
    throw tooLarge(`${field} is ${bytes} bytes serialized; the maximum is ${LIMITS.maxMetadataBytes}`);
  }
  checkMetadataValue(value, field);
  return value;
}

function optionalBoundedInteger(raw: RawFrame, field: string, max: number): number | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${field} must be an integer from 1 to ${max}`);
  }
  return value;
}

export function validateSendMessage(raw: RawFrame): SendMessageRequest {
  const request: SendMessageRequest = {
    action: 'message.send',
    text: validateText(raw.text),
    metadata: validateMetadata(raw.metadata),
  };
  const threadId = optionalId(raw, 'threadId');
  if (threadId !== undefined) request.threadId = threadId;
  const sender = validateSender(raw.sender);
  if (sender !== undefined) request.sender = sender;
  const clientMessageId = optionalId(raw, 'clientMessageId');
  if (clientMessageId !== undefined) request.clientMessageId = clientMessageId;
  return request;
}

export function validateHistoryRequest(raw: RawFrame): HistoryRequest {
  const request: HistoryRequest = { action: 'thread.history' };
  const threadId = optionalId(raw, 'threadId');
  if (threadId !== undefined) request.threadId = threadId;
  const limit = optionalBoundedInteger(raw, 'limit', LIMITS.historyMaxLimit);
  if (limit !== undefined) request.limit = limit;
  if (raw.before !== undefined) {
    // Fractional: timestamps step by 0.001 within a millisecond (a page's nextBefore is one).
    const { before } = raw;
    if (typeof before !== 'number' || !(before >= MIN_BEFORE && before <= STORABLE_NUMBER.maxMagnitude)) {
      throw invalid(`before must be a message timestamp: a number from ${MIN_BEFORE} to ${STORABLE_NUMBER.maxMagnitude}`);
    }
    request.before = before;
  }
  return request;
}

export function validateTypingRequest(raw: RawFrame): TypingRequest {
  if (typeof raw.isTyping !== 'boolean') throw invalid('isTyping must be true or false');
  return { action: 'typing', isTyping: raw.isTyping };
}

export function validateThreadControlRequest(
  raw: RawFrame,
  action: ThreadControlRequest['action'],
): ThreadControlRequest {
  const request: ThreadControlRequest = { action };
  const threadId = optionalId(raw, 'threadId');
  if (threadId !== undefined) request.threadId = threadId;
  return request;
}

export function validateThreadListRequest(raw: RawFrame): ThreadListRequest {
  const request: ThreadListRequest = { action: 'thread.list' };
  const limit = optionalBoundedInteger(raw, 'limit', THREAD_LIST_LIMITS.maxLimit);
  if (limit !== undefined) request.limit = limit;
  return request;
}

/** Input of the bot-reply function (Lambda Invoke), the seed's PostToConnection shape. */
export interface BotReplyInput {
  /** When given, must be the thread's owner (a guard against replying into the wrong thread). */
  userId?: string;
  threadId: string;
  message: {
    text: string;
    /** Makes the reply idempotent: the same messageId is stored once. */
    messageId?: string;
    /** Display name; defaults to "bot". */
    sender?: string;
    metadata?: Record<string, unknown>;
  };
  /**
   * The correlation id of the message being answered (its SNS message attribute OUTBOX_CORRELATION_ATTRIBUTE,
   * the same as its messageId): bot-reply writes it on every log line, so one query follows the message
   * from message.send to the reply.
   */
  correlationId?: string;
}

export function validateBotReplyInput(input: unknown): BotReplyInput {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('Input must be an object {userId?, threadId, message: {text, messageId?, sender?, metadata?}, correlationId?}');
  }
  const raw = input as RawFrame;
  const threadId = requiredId(raw, 'threadId');
  const userId = optionalId(raw, 'userId');
  const rawMessage = raw.message;
  if (rawMessage === null || typeof rawMessage !== 'object' || Array.isArray(rawMessage)) {
    throw invalid('message must be an object {text, messageId?, sender?, metadata?}');
  }
  const messageFields = rawMessage as RawFrame;
  const message: BotReplyInput['message'] = {
    text: validateText(messageFields.text, 'message.text'),
    metadata: validateMetadata(messageFields.metadata, 'message.metadata'),
  };
  const messageId = optionalId(messageFields, 'messageId');
  if (messageId !== undefined) message.messageId = messageId;
  const sender = validateSender(messageFields.sender);
  if (sender !== undefined) message.sender = sender;
  const correlationId = optionalId(raw, 'correlationId');
  return {
    ...(userId !== undefined ? { userId } : {}),
    threadId,
    message,
    ...(correlationId !== undefined ? { correlationId } : {}),
  };
}
