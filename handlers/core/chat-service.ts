/**
 * The chat operations behind the handlers and the utility API: connect/disconnect, send, bot reply,
 * human takeover, history, typing and the agents' thread list. Handlers stay thin: they parse the
 * event, call one operation and turn the result into a frame.
 */
import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../lib/schema';
import type { ChatConfig } from './config';
import type { DeliveryResult, FrameDelivery } from './delivery';
import { callerFromAuthorizer, resolveCaller, threadOf, type Caller } from './identity';
import { InternalFault, type Logger } from './logging';
import {
  ChatError,
  THREAD_LIST_LIMITS,
  historyFrame,
  messageFrame,
  threadStatusFrame,
  threadsFrame,
  typingFrame,
  type ChatMessage,
  type HistoryFrame,
  type SendMessageRequest,
  type ThreadStatusFrame,
  type ThreadsFrame,
} from './protocol';
import { consumeMessageAllowance, rateWindowOf } from './rate-limit';
import {
  botIdempotencyKey,
  toChatMessage,
  userIdempotencyKey,
  type ChatStorage,
  type StoredMessage,
} from './storage';
import type { BotReplyInput } from './validation';

/** Why a bot reply was not stored. */
export type BotReplyRefusal = 'HUMAN_TAKEOVER' | 'THREAD_NOT_FOUND' | 'USER_NOT_THREAD_OWNER' | 'INVALID_INPUT';

/** Result of the bot-reply function (and `replyAsBot` in the utility API). */
export interface BotReplyResult {
  /** `delivered`: stored and posted to the thread's connections (delivery says to how many). */
  status: 'delivered' | 'refused';
  reason?: BotReplyRefusal;
  /** Human-readable explanation of a refusal. */
  detail?: string;
  message?: ChatMessage;
  delivery?: DeliveryResult;
  /** True when this messageId was already stored by an earlier call: not stored or delivered again. */
  duplicate?: boolean;
}

export interface SendContext {
  connectionId: string;
  /** `requestContext.authorizer` of the event (verified identity when auth is on). */
  authorizer?: Record<string, unknown> | null;
  /** `requestContext.requestTimeEpoch` (ms). */
  requestTimeEpoch?: number;
}

export interface SendResult {
  message: ChatMessage;
  /** False for a repeated clientMessageId: the first send's message, not stored or delivered again. */
  created: boolean;
  delivery: DeliveryResult;
}

export interface TakeoverResult {
  frame: ThreadStatusFrame;
  delivery: DeliveryResult;
}

export type ConnectOutcome = { ok: true } | { ok: false; statusCode: number; reason: string };

const NO_DELIVERY: DeliveryResult = { delivered: 0, stale: 0, failed: 0 };
/** A key clash needs 1,000+ messages of one thread in one ms; a few attempts are plenty. */
const MAX_KEY_ATTEMPTS = 5;
const SECONDS_PER_DAY = 24 * 60 * 60;

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export interface ChatServiceDeps {
  storage: ChatStorage;
  delivery: FrameDelivery;
  config: ChatConfig;
  logger: Logger;
}

export class ChatService {
  private readonly storage: ChatStorage;
  private readonly delivery: FrameDelivery;
  private readonly config: ChatConfig;
  private readonly logger: Logger;

  constructor(deps: ChatServiceDeps) {
    this.storage = deps.storage;
    this.delivery = deps.delivery;
    this.config = deps.config;
    this.logger = deps.logger;
  }

  private messageExpiry(now: number): number {
    return epochSeconds(now) + this.config.messageRetentionDays * SECONDS_PER_DAY;
  }

  // ---- connections ----------------------------------------------------------------------

  /** The caller of a route: the authorizer's verified identity, or (auth mode none) the connection record. */
  async identify(connectionId: string, authorizer: Record<string, unknown> | null | undefined): Promise<Caller> {
    return resolveCaller(this.config.authMode, authorizer, connectionId, this.storage.connections);
  }

  /**
   * Records a connection after checking the thread: a user opens (creates) their own thread or is
   * refused with 403 when another user owns it; agents join existing threads (404 otherwise) or,
   * without a thread, open a console connection for `thread.list`.
   */
  async openConnection(connectionId: string, caller: Caller, now: number): Promise<ConnectOutcome> {
    const { threads, connections } = this.storage;
    if (caller.threadId === undefined) {
      if (caller.role !== 'agent') return { ok: false, statusCode: 400, reason: 'threadId is required' };
    } else if (caller.role === 'agent') {
      if (!(await threads.get(caller.threadId))) return { ok: false, statusCode: 404, reason: 'Thread not found' };
    } else if (!(await threads.openAsOwner(caller.threadId, caller.userId, now, this.messageExpiry(now)))) {
      return { ok: false, statusCode: 403, reason: 'This thread belongs to another user' };
    }
    await connections.put({
      connectionId,
      userId: caller.userId,
      ...(caller.threadId !== undefined ? { threadId: caller.threadId } : {}),
      role: caller.role,
      connectedAt: now,
      lastSeen: now,
      expiresAt: epochSeconds(now) + LIMITS.connectionTtlSeconds,
      rateWindow: rateWindowOf(now, this.config.rateLimit.windowSeconds),
      rateCount: 0,
    });
    return { ok: true };
  }

  async closeConnection(connectionId: string): Promise<void> {
    await this.storage.connections.delete(connectionId);
  }

  // ---- messages -------------------------------------------------------------------------

  /**
   * message.send: rate limit (returns the connection) → thread timestamp grant (ownership checked in the
   * write's condition; returns takeover state) → [idempotency claim] → message put → delivery to the
   * thread's other connections. Publishing to SNS is the outbox's job (messages table stream).
   */
  async sendMessage(context: SendContext, request: SendMessageRequest): Promise<SendResult> {
    const now = Date.now();
    const { connections, threads } = this.storage;
    const connection = await consumeMessageAllowance(
      connections,
      context.connectionId,
      now,
      this.config.rateLimit,
    );
    const verified = callerFromAuthorizer(context.authorizer);
    const caller: Caller = verified
      ? { ...verified, threadId: verified.threadId ?? connection.threadId }
      : { userId: connection.userId, role: connection.role, threadId: connection.threadId };
    if (verified && connection.userId !== verified.userId) {
      throw new ChatError('FORBIDDEN', 'This connection is not registered to you; reconnect');
    }
    const threadId = threadOf(caller, request.threadId);
    if (this.config.authMode !== 'none' && request.sender !== undefined && request.sender !== caller.userId) {
      throw new ChatError('FORBIDDEN', 'sender must be your own user id');
    }

    const permission = caller.role === 'agent' ? ({ kind: 'agent' } as const) : ({ kind: 'owner', userId: caller.userId } as const);
    const expiresAt = this.messageExpiry(now);
    const grant = await threads.nextTimestamp(threadId, permission, now, expiresAt);
    if (!grant) throw new ChatError('FORBIDDEN', 'You may not send into this thread');

    const candidate: StoredMessage = {
      messageId: randomUUID(),
      threadId,
      messageType: caller.role === 'agent' ? 'agent' : 'user',
      text: request.text,
      sender: request.sender ?? caller.userId,
      timestamp: grant.timestamp,
      status: 'sent',
      metadata: request.metadata ?? {},
      expiresAt,
      ...(request.clientMessageId !== undefined ? { clientMessageId: request.clientMessageId } : {}),
      origin: {
        connection: {
          userId: caller.userId,
          connectionId: context.connectionId,
          threadId,
          lastSeen: connection.lastSeen,
          isHumanOverride: grant.isHumanOverride,
        },
        requestMetadata: {
          connectionId: context.connectionId,
          userId: caller.userId,
          timestamp: context.requestTimeEpoch ?? now,
        },
      },
    };

    let message = candidate;
    const key = request.clientMessageId !== undefined ? userIdempotencyKey(threadId, request.clientMessageId) : undefined;
    if (key !== undefined) {
      const claim = await this.storage.idempotency.claim(key, candidate, epochSeconds(now) + LIMITS.idempotencyTtlSeconds);
      if (!claim.claimed) {
        if (claim.existing.origin?.requestMetadata.userId !== caller.userId) {
          throw new ChatError('VALIDATION_ERROR', 'clientMessageId is already used in this thread by another sender');
        }
        message = claim.existing;
      }
    }
    // From here on the message exists: its id is the correlation id of every line about it.
    const log = this.logger.child({ correlationId: message.messageId });
    const stored = await this.store(message, key, permission, now, log);
    const delivery = stored.created
      ? await this.deliverToThread(threadId, messageFrame(toChatMessage(stored.message)), context.connectionId, log)
      : NO_DELIVERY;
    return { message: toChatMessage(stored.message), created: stored.created, delivery };
  }

  /**
   * A bot's reply (the bot-reply function): stored and delivered to every connection of the thread,
   * unless the thread is under human takeover, checked atomically in the timestamp grant.
   */
  async replyAsBot(input: BotReplyInput): Promise<BotReplyResult> {
    const now = Date.now();
    const { threads, idempotency } = this.storage;
    const { threadId } = input;
    const key = input.message.messageId !== undefined ? botIdempotencyKey(threadId, input.message.messageId) : undefined;
    const expiresAt = this.messageExpiry(now);
    const grant = await threads.nextTimestamp(threadId, { kind: 'bot', ownerId: input.userId }, now, expiresAt);
    if (!grant) {
      // A retry of a reply stored before the takeover began is still a success, not a refusal; one
      // whose first attempt stopped before the message was stored is refused like any other. (A first
      // attempt still in flight, granted before the takeover, may yet store and deliver it: the
      // same window as any reply granted just before a takeover, see help/bots-and-takeover.md.)
      const earlier = key !== undefined ? await idempotency.get(key) : undefined;
      if (earlier && (await this.storage.messages.exists(earlier.threadId, earlier.timestamp, earlier.messageId))) {
        return { status: 'delivered', message: toChatMessage(earlier), duplicate: true };
      }
      return this.botRefusal(input);
    }
    const candidate: StoredMessage = {
      messageId: input.message.messageId ?? randomUUID(),
      threadId,
      messageType: 'bot',
      text: input.message.text,
      sender: input.message.sender ?? 'bot',
      timestamp: grant.timestamp,
      status: 'sent',
      metadata: input.message.metadata ?? {},
      expiresAt,
    };
    let message = candidate;
    if (key !== undefined) {
      const claim = await idempotency.claim(key, candidate, epochSeconds(now) + LIMITS.idempotencyTtlSeconds);
      if (!claim.claimed) message = claim.existing;
    }
    const stored = await this.store(message, key, { kind: 'agent' }, now);
    if (!stored.created) return { status: 'delivered', message: toChatMessage(stored.message), duplicate: true };
    const delivery = await this.deliverToThread(threadId, messageFrame(toChatMessage(stored.message)));
    return { status: 'delivered', message: toChatMessage(stored.message), delivery };
  }

  private async botRefusal(input: BotReplyInput): Promise<BotReplyResult> {
    const thread = await this.storage.threads.get(input.threadId);
    if (!thread) return { status: 'refused', reason: 'THREAD_NOT_FOUND', detail: `Thread ${input.threadId} does not exist` };
    if (input.userId !== undefined && thread.ownerId !== input.userId) {
      return { status: 'refused', reason: 'USER_NOT_THREAD_OWNER', detail: 'userId is not the owner of this thread' };
    }
    return {
      status: 'refused',
      reason: 'HUMAN_TAKEOVER',
      detail: `A human agent${thread.overrideBy ? ` (${thread.overrideBy})` : ''} has taken over this thread`,
    };
  }

  /**
   * Puts the message under its key; on a clash (another message holds the timestamp) takes a new
   * timestamp and moves the idempotency record with it (compare-and-swap), so concurrent
   * retries of one message converge on one key.
   */
  private async store(
    first: StoredMessage,
    key: string | undefined,
    permission: { kind: 'owner'; userId: string } | { kind: 'agent' },
    now: number,
    log: Logger = this.logger,
  ): Promise<{ message: StoredMessage; created: boolean }> {
    const { messages, threads, idempotency } = this.storage;
    let message = first;
    for (let attempt = 1; attempt <= MAX_KEY_ATTEMPTS; attempt++) {
      const outcome = await messages.put(message);
      if (outcome !== 'clash') return { message, created: outcome === 'created' };
      log.warn('message.timestamp_clash', { threadId: message.threadId, messageId: message.messageId, attempt });
      const grant = await threads.nextTimestamp(message.threadId, permission, now, message.expiresAt);
      if (!grant) throw new ChatError('FORBIDDEN', 'You may not send into this thread');
      const moved: StoredMessage = { ...message, timestamp: grant.timestamp };
      if (key === undefined) {
        message = moved;
      } else if (await idempotency.move(key, message.timestamp, moved, epochSeconds(now) + LIMITS.idempotencyTtlSeconds)) {
        message = moved;
      } else {
        message = (await idempotency.get(key)) ?? moved;
      }
    }
    throw new InternalFault(`No free timestamp for a message of thread ${first.threadId} after ${MAX_KEY_ATTEMPTS} attempts`);
  }

  // ---- thread state ---------------------------------------------------------------------

  /**
   * Sets (`enabled`) or clears human takeover of a thread and broadcasts `thread.status` to its
   * connections (except `excludeConnectionId`, which gets the frame as its route response).
   * Undefined when the thread does not exist.
   */
  async setHumanTakeover(input: {
    threadId: string;
    enabled: boolean;
    by: string;
    excludeConnectionId?: string;
  }): Promise<TakeoverResult | undefined> {
    const thread = await this.storage.threads.setHumanOverride(input.threadId, input.enabled, input.by, Date.now());
    if (!thread) return undefined;
    const frame = threadStatusFrame(input.threadId, input.enabled, input.by);
    const delivery = await this.deliverToThread(input.threadId, frame, input.excludeConnectionId);
    return { frame, delivery };
  }

  /** A page of history, oldest to newest, at most `limit` messages and LIMITS.maxHistoryFrameBytes. */
  async historyPage(threadId: string, options: { limit?: number; before?: number } = {}): Promise<HistoryFrame> {
    const limit = Math.min(options.limit ?? LIMITS.historyDefaultLimit, LIMITS.historyMaxLimit);
    const notExpiredAt = epochSeconds(Date.now());
    const newestFirst: ChatMessage[] = [];
    // Envelope with the longest possible nextBefore; each message adds its JSON and a comma.
    let frameBytes = Buffer.byteLength(JSON.stringify(historyFrame(threadId, [], 9999999999999.999)));
    let hasMore = false;
    let startKey: Record<string, unknown> | undefined;
    fill: do {
      const page = await this.storage.messages.queryNewestFirst(threadId, {
        before: options.before,
        // One more than needed tells whether an older page exists.
        limit: limit + 1 - newestFirst.length,
        notExpiredAt,
        startKey,
      });
      for (const item of page.items) {
        const message = toChatMessage(item);
        const bytes = Buffer.byteLength(JSON.stringify(message)) + 1;
        if (newestFirst.length === limit || frameBytes + bytes > LIMITS.maxHistoryFrameBytes) {
          hasMore = true;
          break fill;
        }
        newestFirst.push(message);
        frameBytes += bytes;
      }
      startKey = page.lastEvaluatedKey;
    } while (startKey);
    const messages = newestFirst.reverse();
    return historyFrame(threadId, messages, hasMore && messages.length > 0 ? messages[0].timestamp : null);
  }

  /** Relays a typing indicator to the thread's other connections (not stored). */
  async relayTyping(caller: Caller, fromConnectionId: string, isTyping: boolean): Promise<DeliveryResult> {
    const threadId = threadOf(caller, undefined);
    return this.deliverToThread(threadId, typingFrame(threadId, caller.userId, isTyping), fromConnectionId);
  }

  /** Threads by latest activity, newest first (agents' console). */
  async listThreads(limit: number = THREAD_LIST_LIMITS.defaultLimit): Promise<ThreadsFrame> {
    const activeSince = Date.now() - this.config.messageRetentionDays * SECONDS_PER_DAY * 1000;
    return threadsFrame(await this.storage.threads.listByActivity(Math.min(limit, THREAD_LIST_LIMITS.maxLimit), activeSince));
  }

  /** Posts a frame to every connection of a thread but `excludeConnectionId`; `log` writes the delivery warnings. */
  async deliverToThread(
    threadId: string,
    frame: Parameters<FrameDelivery['deliver']>[1],
    excludeConnectionId?: string,
    log: Logger = this.logger,
  ): Promise<DeliveryResult> {
    const targets = (await this.storage.connections.listByThread(threadId))
      .map((connection) => connection.connectionId)
      .filter((connectionId) => connectionId !== excludeConnectionId);
    if (targets.length === 0) return { ...NO_DELIVERY };
    return this.delivery.deliver(targets, frame, log);
  }
}
