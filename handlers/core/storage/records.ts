/** Item shapes of the chat tables (keys and GSIs in lib/schema.ts TABLES). */
import type { ChatMessage, Role } from '../protocol';

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  /** Absent for an agent's console connection (kept out of the byThread index). */
  threadId?: string;
  role: Role;
  connectedAt: number;
  lastSeen: number;
  /** Epoch seconds; API Gateway closes connections after 2 h and $disconnect is best effort. */
  expiresAt: number;
  /** Fixed rate-limit window number (epoch ms / window length) and messages counted in it. */
  rateWindow: number;
  rateCount: number;
}

/** What the byThread index returns for each connection of a thread. */
export interface ThreadConnection {
  connectionId: string;
  userId: string;
  role: Role;
}

export interface ThreadRecord {
  threadId: string;
  ownerId: string;
  createdAt: number;
  lastActivityAt: number;
  /** Timestamp of the thread's newest message (absent before the first): every next one sorts after it. */
  lastTimestamp?: number;
  isHumanOverride: boolean;
  overrideBy?: string;
  overrideAt?: number;
  listKey: string;
  expiresAt: number;
}

/** Snapshot of the sending connection kept with a user/agent message for the SNS payload (seed shape). */
export interface MessageOrigin {
  connection: {
    userId: string;
    connectionId: string;
    threadId: string;
    lastSeen: number;
    isHumanOverride: boolean;
  };
  requestMetadata: {
    connectionId: string;
    userId: string;
    timestamp: number;
  };
}

export interface StoredMessage extends ChatMessage {
  /** Epoch seconds: now + retention. */
  expiresAt: number;
  clientMessageId?: string;
  /** Present on user and agent messages (they are published); bot replies have none. */
  origin?: MessageOrigin;
}

/** The public view of a stored message (no origin, expiry or idempotency key). */
export function toChatMessage(item: StoredMessage): ChatMessage {
  return {
    messageId: item.messageId,
    threadId: item.threadId,
    messageType: item.messageType,
    text: item.text,
    sender: item.sender,
    timestamp: item.timestamp,
    status: item.status,
    metadata: item.metadata ?? {},
    ...(item.clientMessageId !== undefined ? { clientMessageId: item.clientMessageId } : {}),
  };
}
