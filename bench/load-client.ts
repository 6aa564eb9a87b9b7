/**
 * The message path's load generator, run in its own process (forked by bench/message-path.ts) so
 * the clients' CPU does not share the server's event loop. Real `ws` clients: per thread, one
 * owner's devices (the senders) plus agent connections (receivers, as a console would be), all
 * connected in the seed's development auth mode (`?userId=&threadId=`).
 *
 * Each user message carries its clientMessageId in its text, so every copy of it (ack, deliveries,
 * the bot's reply, which quotes the user's text) can be matched without trusting ordering. At the
 * end every message must have been acked and delivered to every other connection of its thread,
 * and its bot reply must have reached every connection: anything missing is reported as lost.
 * Every connection sends the protocol's keepalive (KEEPALIVE) as a client should, so the receivers,
 * which send nothing else, outlive the idle timeout of a long run.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { KEEPALIVE } from '../lib/schema';
import { summarizeLatencies, type LatencySummary } from './stats';

export interface LoadConfig {
  url: string;
  clients: number;
  threads: number;
  agentsPerThread: number;
  /** Total user messages per second, spread evenly over the sending connections. */
  steady: { durationMs: number; messagesPerSecond: number };
  burst: { durationMs: number; inFlightPerSender: number };
  drainTimeoutMs: number;
  expectBotReplies: boolean;
  runId: string;
}

export interface PhaseResult {
  name: 'steady' | 'burst';
  durationMs: number;
  sent: number;
  acked: number;
  messagesPerSecond: number;
  ackMs: LatencySummary;
  deliveryMs: LatencySummary;
  botReplyMs: LatencySummary;
}

export interface LoadResult {
  connections: number;
  senders: number;
  agents: number;
  connectionsPerThread: number;
  connectMs: LatencySummary;
  phases: PhaseResult[];
  sent: number;
  acked: number;
  errorFrames: Record<string, number>;
  socketErrors: number;
  unexpectedCloses: number;
  /** Keepalive replies received. */
  keepaliveReplies: number;
  lostMessages: number;
  missingDeliveries: number;
  missingBotReplies: number;
  duplicateDeliveries: number;
  lostSamples: string[];
}

interface Connection {
  index: number;
  threadId: string;
  userId: string;
  role: 'user' | 'agent';
  socket: WebSocket;
  closedByUs: boolean;
  keepalive?: NodeJS.Timeout;
}

const KEEPALIVE_FRAME = JSON.stringify({ action: KEEPALIVE.routeKey });

interface Sent {
  id: string;
  phase: 'steady' | 'burst';
  from: Connection;
  sentAt: number;
  ackAt?: number;
  messageId?: string;
  error?: string;
  /** Connection index → time the user message arrived there. */
  deliveredTo: Map<number, number>;
  /** Connection index → time the bot's reply arrived there. */
  botReplyAt: Map<number, number>;
}

const MARKER = /\bbm:([\w.:@-]+)/;

function connect(url: string, query: Record<string, string>): Promise<WebSocket> {
  const target = `${url}?${new URLSearchParams(query).toString()}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

export async function runLoad(config: LoadConfig): Promise<LoadResult> {
  const connectionsPerThread = Math.max(1, Math.floor(config.clients / config.threads));
  const agentsPerThread = Math.min(config.agentsPerThread, connectionsPerThread - 1);
  const connections: Connection[] = [];
  const byThread = new Map<string, Connection[]>();
  const sentById = new Map<string, Sent>();
  const errorFrames: Record<string, number> = {};
  let socketErrors = 0;
  let unexpectedCloses = 0;
  let keepaliveReplies = 0;
  let duplicateDeliveries = 0;
  const connectMs: number[] = [];
  const pendingAcks = new Map<Connection, number>();
  const ackWaiters = new Map<Connection, () => void>();

  const onFrame = (connection: Connection, raw: WebSocket.RawData): void => {
    const now = performance.now();
    let frame: { type?: string; code?: string; clientMessageId?: string; message?: { messageId?: string; messageType?: string; text?: string } };
    try {
      frame = JSON.parse(raw.toString()) as typeof frame;
    } catch {
      errorFrames.UNPARSEABLE = (errorFrames.UNPARSEABLE ?? 0) + 1;
      return;
    }
    if (frame.type === 'message.sent' || frame.type === 'error') {
      const sent = frame.clientMessageId ? sentById.get(frame.clientMessageId) : undefined;
      if (frame.type === 'error') errorFrames[frame.code ?? 'UNKNOWN'] = (errorFrames[frame.code ?? 'UNKNOWN'] ?? 0) + 1;
      if (sent && sent.ackAt === undefined && sent.error === undefined) {
        if (frame.type === 'message.sent') {
          sent.ackAt = now;
          sent.messageId = frame.message?.messageId;
        } else {
          sent.error = frame.code ?? 'UNKNOWN';
        }
        pendingAcks.set(connection, (pendingAcks.get(connection) ?? 1) - 1);
        ackWaiters.get(connection)?.();
      }
      return;
    }
    if (frame.type === KEEPALIVE.reply.type) {
      keepaliveReplies++;
      return;
    }
    if (frame.type !== 'message' || !frame.message?.text) return;
    const marker = MARKER.exec(frame.message.text);
    const sent = marker ? sentById.get(marker[1]) : undefined;
    if (!sent) return;
    const target = frame.message.messageType === 'bot' ? sent.botReplyAt : sent.deliveredTo;
    if (target.has(connection.index)) duplicateDeliveries++;
    else target.set(connection.index, now);
  };

  // Connect thread by thread: the owner's first device creates the thread, then the rest join.
  let index = 0;
  for (let t = 0; t < config.threads; t++) {
    const threadId = `bench-${config.runId}-t${t}`;
    const owner = `bench-${config.runId}-u${t}`;
    const members: Connection[] = [];
    for (let c = 0; c < connectionsPerThread; c++) {
      const role: Connection['role'] = c >= connectionsPerThread - agentsPerThread ? 'agent' : 'user';
      const userId = role === 'agent' ? `bench-${config.runId}-agent${t}-${c}` : owner;
      const started = performance.now();
      const socket = await connect(config.url, { userId, threadId, ...(role === 'agent' ? { role: 'agent' } : {}) });
      connectMs.push(performance.now() - started);
      const connection: Connection = { index: index++, threadId, userId, role, socket, closedByUs: false };
      socket.on('message', (data) => onFrame(connection, data));
      socket.on('error', () => socketErrors++);
      connection.keepalive = setInterval(() => socket.send(KEEPALIVE_FRAME), KEEPALIVE.intervalSeconds * 1000);
      socket.on('close', () => {
        clearInterval(connection.keepalive);
        if (!connection.closedByUs) unexpectedCloses++;
      });
      members.push(connection);
      connections.push(connection);
    }
    byThread.set(threadId, members);
  }
  const senders = connections.filter((c) => c.role === 'user');
  // Let the parent read its counters between connecting and sending, so connects are not billed to messages.
  await checkpoint('connected');
  let sequence = 0;

  const send = (from: Connection, phase: Sent['phase']): void => {
    const id = `${config.runId}.${phase[0]}${sequence++}`;
    const sent: Sent = { id, phase, from, sentAt: performance.now(), deliveredTo: new Map(), botReplyAt: new Map() };
    sentById.set(id, sent);
    pendingAcks.set(from, (pendingAcks.get(from) ?? 0) + 1);
    from.socket.send(JSON.stringify({ action: 'message.send', threadId: from.threadId, clientMessageId: id, text: `benchmark message bm:${id}` }));
  };

  // Summarized after the final drain, so late deliveries and bot replies count in their phase.
  const phaseRuns: { name: Sent['phase']; durationMs: number; ackedInPhase?: number }[] = [];
  const summarizePhase = (name: Sent['phase'], durationMs: number): PhaseResult => {
    const mine = [...sentById.values()].filter((s) => s.phase === name);
    const acked = mine.filter((s) => s.ackAt !== undefined);
    const deliveries = mine.flatMap((s) => [...s.deliveredTo.values()].map((t) => t - s.sentAt));
    const botReplies = mine.flatMap((s) => (s.botReplyAt.has(s.from.index) ? [s.botReplyAt.get(s.from.index)! - s.sentAt] : []));
    return {
      name,
      durationMs: Math.round(durationMs),
      sent: mine.length,
      acked: acked.length,
      messagesPerSecond: Math.round((acked.length / durationMs) * 1000 * 10) / 10,
      ackMs: summarizeLatencies(acked.map((s) => s.ackAt! - s.sentAt)),
      deliveryMs: summarizeLatencies(deliveries),
      botReplyMs: summarizeLatencies(botReplies),
    };
  };

  // Steady phase: every sender at a fixed rate, start times spread so the load is smooth.
  if (config.steady.durationMs > 0 && config.steady.messagesPerSecond > 0) {
    const intervalMs = (1000 * senders.length) / config.steady.messagesPerSecond;
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((resolve) => {
      senders.forEach((sender, i) => {
        const offset = (i / senders.length) * intervalMs;
        timers.push(
          setTimeout(() => {
            send(sender, 'steady');
            timers.push(setInterval(() => send(sender, 'steady'), intervalMs));
          }, offset),
        );
      });
      setTimeout(resolve, config.steady.durationMs);
    });
    timers.forEach((timer) => clearInterval(timer));
    await waitForAcks(pendingAcks, config.drainTimeoutMs);
    phaseRuns.push({ name: 'steady', durationMs: config.steady.durationMs });
  }

  // Max-throughput phase: every sender keeps `inFlightPerSender` messages awaiting their ack.
  if (config.burst.durationMs > 0) {
    const started = performance.now();
    const deadline = started + config.burst.durationMs;
    await Promise.all(
      senders.map(
        (sender) =>
          new Promise<void>((resolve) => {
            const pump = (): void => {
              if (performance.now() >= deadline) {
                ackWaiters.delete(sender);
                resolve();
                return;
              }
              while ((pendingAcks.get(sender) ?? 0) < config.burst.inFlightPerSender) send(sender, 'burst');
            };
            ackWaiters.set(sender, pump);
            // A sender whose acks stopped coming must not hang the run: its loss is counted below.
            setTimeout(() => {
              ackWaiters.delete(sender);
              resolve();
            }, config.burst.durationMs + config.drainTimeoutMs).unref();
            pump();
          }),
      ),
    );
    // Throughput counts the acks that came back within the phase.
    const phaseEnd = performance.now();
    const mine = [...sentById.values()].filter((s) => s.phase === 'burst');
    const ackedInPhase = mine.filter((s) => s.ackAt !== undefined && s.ackAt <= phaseEnd).length;
    await waitForAcks(pendingAcks, config.drainTimeoutMs);
    phaseRuns.push({ name: 'burst', durationMs: phaseEnd - started, ackedInPhase });
  }

  // Drain: wait until every delivery and bot reply arrived, or the timeout.
  const complete = (): boolean =>
    [...sentById.values()].every((s) => {
      const others = byThread.get(s.from.threadId)!.length - 1;
      return s.deliveredTo.size >= others && (!config.expectBotReplies || s.botReplyAt.size >= others + 1);
    });
  const drainDeadline = performance.now() + config.drainTimeoutMs;
  while (!complete() && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));

  const phases = phaseRuns.map((run): PhaseResult => {
    const summary = summarizePhase(run.name, run.durationMs);
    // Max throughput counts only the acks that came back within the phase.
    if (run.ackedInPhase !== undefined) summary.messagesPerSecond = Math.round((run.ackedInPhase / run.durationMs) * 1000 * 10) / 10;
    return summary;
  });
  let lostMessages = 0;
  let missingDeliveries = 0;
  let missingBotReplies = 0;
  const lostSamples: string[] = [];
  for (const sent of sentById.values()) {
    const members = byThread.get(sent.from.threadId)!;
    const missing = members.filter((m) => m !== sent.from && !sent.deliveredTo.has(m.index)).length;
    const missingBot = config.expectBotReplies ? members.filter((m) => !sent.botReplyAt.has(m.index)).length : 0;
    missingDeliveries += missing;
    missingBotReplies += missingBot;
    if (sent.ackAt === undefined || missing > 0 || missingBot > 0) {
      lostMessages++;
      if (lostSamples.length < 10) {
        lostSamples.push(`${sent.id}: ${sent.ackAt === undefined ? `no ack${sent.error ? ` (error ${sent.error})` : ''}` : 'acked'}, missing deliveries ${missing}, missing bot replies ${missingBot}`);
      }
    }
  }

  await checkpoint('drained');
  for (const connection of connections) {
    connection.closedByUs = true;
    connection.socket.close(1000, 'benchmark done');
  }
  const all = [...sentById.values()];
  return {
    connections: connections.length,
    senders: senders.length,
    agents: connections.length - senders.length,
    connectionsPerThread,
    connectMs: summarizeLatencies(connectMs),
    phases,
    sent: all.length,
    acked: all.filter((s) => s.ackAt !== undefined).length,
    errorFrames,
    socketErrors,
    unexpectedCloses,
    keepaliveReplies,
    lostMessages,
    missingDeliveries,
    missingBotReplies,
    duplicateDeliveries,
    lostSamples,
  };
}

async function waitForAcks(pending: Map<Connection, number>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ([...pending.values()].some((n) => n > 0) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Tells the parent where the run is and waits for its go-ahead (no-op when not forked). */
function checkpoint(name: 'connected' | 'drained'): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    const onMessage = (message: { checkpoint?: string }) => {
      if (message.checkpoint !== name) return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send!({ checkpoint: name });
  });
}

// Forked by the parent: one config in over IPC, checkpoints, one result out.
if (process.send) {
  process.once('message', (config: LoadConfig) => {
    runLoad(config).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
    );
  });
}
