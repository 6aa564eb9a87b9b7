/**
 * Section 3, message path: the local runtime (`startLocalChat`, in memory, the real handlers, the
 * demo bot replying to every user message) driven by real `ws` clients in a separate process
 * (bench/load-client.ts): a steady phase at a fixed rate, then a max-throughput phase. Requests per
 * user message are read from the runtime's counters, counted on its wire (the DynamoDB proxy, the
 * SNS and @connections endpoints, the Lambda host): whole path (message.send + outbox + bot reply)
 * from the main run, message.send's hot path alone from a probe on a second runtime with no bot.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { DEFAULTS, ENV } from '../lib/schema';
import type { LoadConfig, LoadResult } from './load-client';
import { round } from './stats';

/** The subset of the local runtime's counters (local/counters.ts LocalChatCounters) the bench reads. */
export interface CounterSnapshot {
  dynamodb: { requests: number; byOperation: Record<string, number>; errors: number };
  sns: { publishes: number; deliveries: number };
  connections: { posts: number; postsGone: number };
  lambda: { invocations: Record<string, number>; errors: number };
  stream: { records: number; recordsMatched: number; batches: number };
  websocket: { framesSent: number; messages: number };
}

interface LocalChat {
  url: string;
  port: number;
  close(): Promise<void>;
  counters: unknown;
}

type StartLocalChat = (options: Record<string, unknown>) => Promise<LocalChat>;

export interface MessagePathOptions {
  repoRoot: string;
  clients: number;
  threads: number;
  agentsPerThread: number;
  steadySeconds: number;
  ratePerSender: number;
  burstSeconds: number;
  inFlightPerSender: number;
  drainSeconds: number;
  hotPathMessages: number;
  log: (line: string) => void;
}

export interface PerMessage {
  dynamodbRequests: number;
  dynamodbByOperation: Record<string, number>;
  snsPublishes: number;
  connectionsPosts: number;
  lambdaInvocations: Record<string, number>;
  outboxBatches: number;
}

export interface MessagePathResult {
  runtime: string;
  load: LoadResult;
  /** Per user message over the whole run: message.send + outbox + the bot's reply. */
  perUserMessage: PerMessage;
  /** message.send alone (no bot subscribed), measured one message at a time. */
  hotPath: PerMessage & { messages: number };
  rateLimitForBench: number;
}

const RUNTIME_CANDIDATES = ['local/index.ts', 'local/server.ts', 'local/runtime.ts', 'local/start.ts'];

async function loadStartLocalChat(repoRoot: string): Promise<{ start: StartLocalChat; file: string }> {
  for (const candidate of RUNTIME_CANDIDATES) {
    const file = join(repoRoot, candidate);
    if (!existsSync(file)) continue;
    const module = (await import(file)) as { startLocalChat?: StartLocalChat };
    if (typeof module.startLocalChat === 'function') return { start: module.startLocalChat, file: candidate };
  }
  throw new Error(`the local runtime's startLocalChat was not found (looked in ${RUNTIME_CANDIDATES.join(', ')})`);
}

function snapshot(chat: LocalChat): CounterSnapshot {
  const counters = chat.counters as { snapshot?: () => unknown } | (() => unknown) | CounterSnapshot;
  const value = typeof counters === 'function' ? counters() : typeof (counters as { snapshot?: unknown }).snapshot === 'function' ? (counters as { snapshot: () => unknown }).snapshot() : counters;
  return JSON.parse(JSON.stringify(value)) as CounterSnapshot;
}

function diffRecord(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

function perMessage(after: CounterSnapshot, before: CounterSnapshot, messages: number): PerMessage {
  const per = (n: number) => round(n / Math.max(1, messages));
  const perRecord = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort().map(([k, v]) => [k, per(v)]));
  return {
    dynamodbRequests: per(after.dynamodb.requests - before.dynamodb.requests),
    dynamodbByOperation: perRecord(diffRecord(after.dynamodb.byOperation, before.dynamodb.byOperation)),
    snsPublishes: per(after.sns.publishes - before.sns.publishes),
    connectionsPosts: per(after.connections.posts - before.connections.posts),
    lambdaInvocations: perRecord(diffRecord(after.lambda.invocations, before.lambda.invocations)),
    outboxBatches: per(after.stream.batches - before.stream.batches),
  };
}

function runLoadChild(
  repoRoot: string,
  config: LoadConfig,
  timeoutMs: number,
  onCheckpoint: (name: 'connected' | 'drained') => void,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(repoRoot, 'bench', 'load-client.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load client did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('message', (message: { checkpoint?: 'connected' | 'drained'; ok?: boolean; result?: LoadResult; error?: string }) => {
      if (message.checkpoint) {
        onCheckpoint(message.checkpoint);
        child.send({ checkpoint: message.checkpoint });
        return;
      }
      clearTimeout(timer);
      if (message.ok && message.result) resolve(message.result);
      else reject(new Error(`load client failed: ${message.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`load client exited ${code} without a result`));
    });
    child.send(config);
  });
}

/** message.send's own requests: one connection sends, one other receives; no bot is subscribed. */
async function hotPathProbe(start: StartLocalChat, messages: number): Promise<MessagePathResult['hotPath']> {
  const chat = await start({ port: 0, host: '127.0.0.1', inMemory: true, demoBot: false, quiet: true });
  const open = (query: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${chat.url.replace(/^http/, 'ws')}?${query}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  try {
    const sender = await open('userId=probe-user&threadId=probe-thread');
    const receiver = await open('userId=probe-user&threadId=probe-thread');
    const sendOne = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const frame = JSON.parse(data.toString()) as { type: string; clientMessageId?: string };
          if (frame.clientMessageId !== `probe-${i}`) return;
          sender.off('message', onMessage);
          if (frame.type === 'message.sent') resolve();
          else reject(new Error(`hot-path probe: ${data.toString()}`));
        };
        sender.on('message', onMessage);
        sender.send(JSON.stringify({ action: 'message.send', threadId: 'probe-thread', clientMessageId: `probe-${i}`, text: `probe ${i}` }));
      });
    await sendOne(-1); // warm the functions and clients first
    await new Promise((r) => setTimeout(r, 200));
    const before = snapshot(chat);
    for (let i = 0; i < messages; i++) await sendOne(i);
    const after = snapshot(chat);
    sender.close();
    receiver.close();
    return { ...perMessage(after, before, messages), messages };
  } finally {
    await chat.close();
  }
}

export async function runMessagePathBench(options: MessagePathOptions): Promise<MessagePathResult> {
  const { repoRoot, log } = options;
  // A bench client sends far more than a person: lift the per-connection limit for this run only.
  const rateLimit = 1_000_000;
  process.env[ENV.rateLimitMessages] = String(rateLimit);
  process.env[ENV.rateLimitWindowSeconds] = String(DEFAULTS.rateLimitWindowSeconds);
  process.env[ENV.authMode] = 'none';
  const { start, file } = await loadStartLocalChat(repoRoot);
  log(`message path: hot-path probe (${options.hotPathMessages} messages, no bot)`);
  const hotPath = await hotPathProbe(start, options.hotPathMessages);
  const chat = await start({ port: 0, host: '127.0.0.1', inMemory: true, demoBot: true, quiet: true });
  try {
    let connected: CounterSnapshot | undefined;
    let drained: CounterSnapshot | undefined;
    const config: LoadConfig = {
      url: chat.url.replace(/^http/, 'ws'),
      clients: options.clients,
      threads: options.threads,
      agentsPerThread: options.agentsPerThread,
      steady: { durationMs: options.steadySeconds * 1000, messagesPerSecondPerSender: options.ratePerSender },
      burst: { durationMs: options.burstSeconds * 1000, inFlightPerSender: options.inFlightPerSender },
      drainTimeoutMs: options.drainSeconds * 1000,
      expectBotReplies: true,
      runId: Date.now().toString(36),
    };
    log(`message path: ${options.clients} clients / ${options.threads} threads, steady ${options.steadySeconds} s then burst ${options.burstSeconds} s`);
    const started = performance.now();
    const load = await runLoadChild(repoRoot, config, (options.steadySeconds + options.burstSeconds + 3 * options.drainSeconds + 120) * 1000, (name) => {
      if (name === 'connected') connected = snapshot(chat);
      else drained = snapshot(chat);
    });
    log(`message path: load finished in ${Math.round((performance.now() - started) / 1000)} s`);
    if (!connected || !drained) throw new Error('the load client skipped a checkpoint');
    // Between the checkpoints: only messages, their deliveries and the bot's replies (no connects/disconnects).
    return { runtime: file, load, perUserMessage: perMessage(drained, connected, load.sent), hotPath, rateLimitForBench: rateLimit };
  } finally {
    await chat.close();
  }
}
