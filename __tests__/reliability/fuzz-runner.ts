/**
 * Runs one fuzz case against the real handlers (dynalite, local @connections) and checks what must
 * hold for any client input: never INTERNAL_ERROR, never an uncaught exception, a refused frame
 * stores nothing, leaves the thread as it was and (refused as invalid) uses no rate allowance, and
 * every stored message equals its ack. Shared by the fuzz test and bench/fuzz.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handler as botReply } from '../../handlers/bot-reply';
import { isValidId } from '../../handlers/core/validation';
import { startChatHarness, type ChatHarness, type TestClient } from '../support/chat-harness';
import { routeKeyFor } from '../support/websocket-events';
import { OWN_THREAD, type FuzzRoute } from './frame-arbitraries';

/** Refusals decided from the frame alone: they must come before any write, rate allowance included. */
const INPUT_REFUSALS = new Set(['VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNKNOWN_ACTION', 'INVALID_INPUT']);

export interface FuzzWorld {
  harness: ChatHarness;
  threadId: string;
  /** The thread's owner: sends, history, typing. */
  user: TestClient;
  /** An agent in the thread: takeover and release. */
  agent: TestClient;
  /** An agent without a thread: thread.list. */
  agentConsole: TestClient;
}

export type CaseKind = 'accepted' | 'refused' | 'internalError' | 'uncaught';

export interface CaseOutcome {
  kind: CaseKind;
  /** Broken properties, in words (empty when all hold). Never contains more of the input than its route. */
  violations: string[];
}

/** A harness with one thread, its owner, an agent in it and an agent console; rate limits out of the way. */
export async function startFuzzWorld(): Promise<FuzzWorld> {
  const harness = await startChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '1000000000' } });
  const threadId = `fuzz-${Date.now().toString(36)}`;
  const user = await harness.connect({ userId: 'alice', threadId });
  const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
  const agentConsole = await harness.connect({ userId: 'agent-2', role: 'agent' });
  return { harness, threadId, user, agent, agentConsole };
}

async function getItem(world: FuzzWorld, table: 'connections' | 'threads', key: Record<string, string>) {
  const result = await world.harness.doc.send(new GetCommand({ TableName: world.harness.tables[table], Key: key, ConsistentRead: true }));
  return result.Item;
}

async function newestMessage(world: FuzzWorld, threadId: string) {
  const result = await world.harness.doc.send(
    new QueryCommand({
      TableName: world.harness.tables.messages,
      KeyConditionExpression: 'threadId = :threadId',
      ExpressionAttributeValues: { ':threadId': threadId },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return result.Items?.[0];
}

async function footprint(world: FuzzWorld, threadId: string, sender: TestClient | undefined) {
  return {
    thread: await getItem(world, 'threads', { threadId }),
    newest: await newestMessage(world, threadId),
    connection: sender ? await getItem(world, 'connections', { connectionId: sender.connectionId }) : undefined,
  };
}

function senderOf(world: FuzzWorld, route: FuzzRoute): TestClient | undefined {
  if (route === 'bot-reply') return undefined;
  if (route === 'thread.takeover' || route === 'thread.release') return world.agent;
  if (route === 'thread.list') return world.agentConsole;
  return world.user;
}

/** What a stored message and its ack must agree on. */
function visible(message: Record<string, unknown>) {
  const { messageId, threadId, messageType, text, sender, timestamp, metadata, clientMessageId } = message;
  return { messageId, threadId, messageType, text, sender, timestamp, metadata, clientMessageId };
}

async function checkStored(world: FuzzWorld, message: Record<string, unknown>, violations: string[]): Promise<void> {
  const stored = await world.harness.doc.send(
    new GetCommand({ TableName: world.harness.tables.messages, Key: { threadId: message.threadId, timestamp: message.timestamp }, ConsistentRead: true }),
  );
  // JSON round trip: the ack went over the wire as JSON (-0 arrives as 0, as DynamoDB stores it).
  const expected = JSON.parse(JSON.stringify(visible(message)));
  if (!stored.Item) violations.push('acknowledged message is not stored');
  else if (!isDeepStrictEqual(JSON.parse(JSON.stringify(visible(stored.Item))), expected)) violations.push('stored message differs from its ack');
}

/** Sends one input (JSON text, or any text for `malformed`) on its route and checks the properties. */
export async function runCase(world: FuzzWorld, route: FuzzRoute, input: string): Promise<CaseOutcome> {
  const text = input.split(JSON.stringify(OWN_THREAD)).join(JSON.stringify(world.threadId));
  const violations: string[] = [];
  const sender = senderOf(world, route);
  let targetThread = world.threadId;
  if (route === 'bot-reply') {
    try {
      const named = (JSON.parse(text) as { threadId?: unknown }).threadId;
      if (isValidId(named)) targetThread = named;
    } catch {
      // Every generated bot-reply input is JSON; the handler gets it parsed either way.
    }
  }
  const before = await footprint(world, targetThread, sender);
  let code: string | undefined;
  let accepted: Record<string, unknown> | undefined;
  try {
    if (route === 'bot-reply') {
      const result = await botReply(JSON.parse(text));
      if (result.status === 'refused') code = result.reason;
      else if (!result.duplicate && result.message) accepted = result.message as unknown as Record<string, unknown>;
    } else {
      const selected = routeKeyFor(text);
      const routeKey = selected.startsWith('$') ? '$default' : selected;
      const response = await sender!.sendRaw(text, routeKey);
      if (response.statusCode !== 200) violations.push(`status ${response.statusCode}`);
      const reply = response.body === undefined ? undefined : JSON.parse(response.body);
      if (reply?.type === 'error') code = reply.code;
      else if (reply?.type === 'message.sent') accepted = reply.message;
    }
  } catch (err) {
    return { kind: 'uncaught', violations: [`uncaught ${(err as Error).name}`] };
  }
  if (code === 'INTERNAL_ERROR') return { kind: 'internalError', violations: ['INTERNAL_ERROR for client input'] };
  if (code !== undefined) {
    const after = await footprint(world, targetThread, sender);
    if (!isDeepStrictEqual(after.newest, before.newest)) violations.push(`refused (${code}) but a message was stored`);
    if (!isDeepStrictEqual(after.thread, before.thread)) violations.push(`refused (${code}) but the thread record changed`);
    if (INPUT_REFUSALS.has(code) && !isDeepStrictEqual(after.connection, before.connection)) {
      violations.push(`refused (${code}) but the connection's rate record changed`);
    }
    return { kind: 'refused', violations };
  }
  if (accepted) await checkStored(world, accepted, violations);
  return { kind: 'accepted', violations };
}
