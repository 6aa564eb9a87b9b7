/**
 * No loss under concurrency: 1,000 sends into one thread in the same millisecond (Date.now pinned)
 * are all stored under distinct keys and history returns all of them, in timestamp order.
 */
import { newThreadId, useChatHarness } from '../support/chat-harness';
import { nextMinute, pinClock } from '../support/clock';

// 1,000 sends through dynalite in this process take a few seconds alone, several times that on a
// busy two-core CI machine.
jest.setTimeout(300_000);

  // The per-connection rate limit is not what this test is about.
const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '100000' } });

const SENDS = 1000;

test('GIVEN 1,000 messages sent concurrently into one thread with the clock pinned to one millisecond WHEN all complete THEN all are stored, delivered, and history returns every one in order', async () => {
  const threadId = newThreadId();
  const sender = await harness.connect({ userId: 'alice', threadId });
  const watcher = await harness.connect({ userId: 'agent-7', role: 'agent', threadId });
  const pinnedMs = nextMinute();
  pinClock(pinnedMs);
  // One test process plays 1,000 Lambda containers; the SDK's socket-queue warning is about that, not the code.
  const warn = console.warn;
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('socket usage at capacity')) warn(...args);
  });

  const acks = await Promise.all(
    Array.from({ length: SENDS }, (_, index) => sender.send({ action: 'message.send', text: `message ${index}` })),
  );

  expect(acks.filter((ack) => ack.type !== 'message.sent')).toEqual([]);
  const ackedIds = new Set(acks.map((ack) => ack.message.messageId));
  expect(ackedIds.size).toBe(SENDS);
  const ackedTimestamps = new Set(acks.map((ack) => ack.message.timestamp));
  expect(ackedTimestamps.size).toBe(SENDS);
  for (const timestamp of ackedTimestamps) expect(Math.floor(timestamp)).toBe(pinnedMs);
  expect(watcher.received()).toHaveLength(SENDS);

  // Page back through history (oldest → newest within a page, `before` for older pages).
  const pages: { messages: { messageId: string; timestamp: number; text: string }[]; nextBefore: number | null }[] = [];
  let before: number | undefined;
  do {
    const page = await sender.send({ action: 'thread.history', limit: 100, ...(before !== undefined ? { before } : {}) });
    expect(page.type).toBe('history');
    pages.unshift(page);
    before = page.nextBefore ?? undefined;
  } while (before !== undefined);
  const history = pages.flatMap((page) => page.messages);

  expect(history).toHaveLength(SENDS);
  const timestamps = history.map((message) => message.timestamp);
  expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
  expect(new Set(timestamps).size).toBe(SENDS);
  expect(new Set(history.map((message) => message.messageId))).toEqual(ackedIds);
  const ackById = new Map(acks.map((ack) => [ack.message.messageId, ack.message]));
  for (const message of history) expect(message).toEqual(ackById.get(message.messageId));
});
