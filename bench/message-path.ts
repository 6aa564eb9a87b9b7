/**
 * Section 3, message path: the local runtime (`startLocalChat`, in memory, the real handlers, the
 * demo bot replying to every user message) driven by real `ws` clients in a separate process
 * (bench/load-client.ts): a steady phase at a fixed rate, then a max-throughput phase. Requests per
 * user message are read from the runtime's counters, counted on its wire (the DynamoDB proxy, the
 * SNS and @connections endpoints, the Lambda host): whole path (message.send + outbox + bot reply)
 * from the main run, message.send's hot path alone from a probe on a second runtime with no bot.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startLocalChat, type LocalChat, type LocalChatCounters } from '../local/local-chat';
import type { LoadConfig, LoadResult } from './load-client';
import type { BenchOptions } from './options';
import { round } from './stats';

type CounterSnapshot = LocalChatCounters;

export type MessagePathOptions = Pick<
  BenchOptions,
  | 'clients'
  | 'threads'
  | 'agentsPerThread'
  | 'steadySeconds'
  | 'steadyRate'
  | 'burstSeconds'
  | 'inFlightPerSender'
  | 'drainSeconds'
  | 'hotPathMessages'
> & {
  repoRoot: string;
  log: (line: string) => void;
};

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
  /** message.send alone (no bot subscribed), one message at a time, with a clientMessageId (as clients send). */
  hotPath: PerMessage & { messages: number };
  /** The same without a clientMessageId (no idempotency record). */
  hotPathWithoutClientMessageId: PerMessage & { messages: number };
  rateLimitForBench: number;
}

/** A bench client sends far more than a person: the per-connection limit is lifted for this run only. */
const BENCH_RATE_LIMIT = 1_000_000;

/**
 * Keeps stdout for the report while the message path runs: the functions' and the runtime's JSON
 * log lines go to stderr, and the demo bot's per-reply info lines (it logs at info whatever the
 * runtime's log level, local/demo-bot.ts) are dropped: at bench rates they would bury everything.
 */
export function logsToStderr(): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const kept: string[] = [];
    for (const line of text.split(/(?<=\n)/)) {
      if (!line.startsWith('{')) kept.push(line);
      else if (!(line.includes('"component":"demo-bot"') && line.includes('"level":"info"'))) process.stderr.write(line);
    }
    if (kept.length === 0) {
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (write as (c: string, ...r: unknown[]) => boolean)(kept.join(''), ...rest);
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}

/**
 * The local runtime as the bench runs it: in memory unless given a `dataDir`, handlers at warn, logs on stderr; the per-connection
 * rate limit lifted unless `productRateLimit` (a bench client sends far more than a person).
 */
export function startBenchRuntime(demoBot: boolean, { productRateLimit = false, dataDir = undefined as string | undefined } = {}): Promise<LocalChat> {
  // Handlers log at warn: at thousands of requests a second the info lines would drown the report.
  return startLocalChat({
    port: 0,
    dataDir,
    demoBot,
    rateLimit: productRateLimit ? undefined : { messages: BENCH_RATE_LIMIT },
    logLevel: 'warn',
    logSink: (line) => process.stderr.write(`${line}\n`),
  });
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

/** Runs bench/load-client.ts in its own process; `onCheckpoint` runs at its checkpoints before it goes on. */
export function runLoadChild(
  repoRoot: string,
  config: LoadConfig,
  timeoutMs: number,
  onCheckpoint: (name: 'connected' | 'drained') => Promise<void>,
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
        const name = message.checkpoint;
        void onCheckpoint(name).then(() => child.send({ checkpoint: name }));
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

/**
 * message.send's own requests: one connection sends, another of the same thread receives, no bot
 * is subscribed; one message at a time, with and without a clientMessageId (the idempotency put).
 */
async function hotPathProbe(messages: number, withClientMessageId: boolean): Promise<PerMessage & { messages: number }> {
  const chat = await startBenchRuntime(false);
  const open = (query: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${chat.wsUrl}?${query}`);
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
          if (frame.type !== 'message.sent' && frame.type !== 'error') return;
          sender.off('message', onMessage);
          if (frame.type === 'message.sent') resolve();
          else reject(new Error(`hot-path probe: ${data.toString()}`));
        };
        sender.on('message', onMessage);
        sender.send(
          JSON.stringify({ action: 'message.send', threadId: 'probe-thread', text: `probe ${i}`, ...(withClientMessageId ? { clientMessageId: `probe-${i}` } : {}) }),
        );
      });
    await sendOne(-1); // warm the functions and clients first
    await chat.settled();
    const before = chat.counters();
    for (let i = 0; i < messages; i++) await sendOne(i);
    await chat.settled();
    const after = chat.counters();
    sender.close();
    receiver.close();
    return { ...perMessage(after, before, messages), messages };
  } finally {
    await chat.close();
  }
}

export async function runMessagePathBench(options: MessagePathOptions): Promise<MessagePathResult> {
  const { repoRoot, log } = options;
  const restoreStdout = logsToStderr();
  try {
    return await measure(options, repoRoot, log);
  } finally {
    restoreStdout();
  }
}

async function measure(options: MessagePathOptions, repoRoot: string, log: (line: string) => void): Promise<MessagePathResult> {
  log(`message path: hot-path probe (${options.hotPathMessages} messages, no bot)`);
  const hotPath = await hotPathProbe(options.hotPathMessages, true);
  const hotPathWithoutClientMessageId = await hotPathProbe(options.hotPathMessages, false);
  const chat = await startBenchRuntime(true);
  try {
    let connected: CounterSnapshot | undefined;
    let drained: CounterSnapshot | undefined;
    const config: LoadConfig = {
      url: chat.wsUrl,
      clients: options.clients,
      threads: options.threads,
      agentsPerThread: options.agentsPerThread,
      steady: { durationMs: options.steadySeconds * 1000, messagesPerSecond: options.steadyRate },
      burst: { durationMs: options.burstSeconds * 1000, inFlightPerSender: options.inFlightPerSender },
      drainTimeoutMs: options.drainSeconds * 1000,
      expectBotReplies: true,
      runId: Date.now().toString(36),
    };
    log(`message path: ${options.clients} clients / ${options.threads} threads, steady ${options.steadyRate} msg/s for ${options.steadySeconds} s then burst ${options.burstSeconds} s`);
    const started = performance.now();
    const load = await runLoadChild(repoRoot, config, (options.steadySeconds + options.burstSeconds + 3 * options.drainSeconds + 120) * 1000, async (name) => {
      await chat.settled();
      if (name === 'connected') connected = chat.counters();
      else drained = chat.counters();
    });
    log(`message path: load finished in ${Math.round((performance.now() - started) / 1000)} s`);
    if (!connected || !drained) throw new Error('the load client skipped a checkpoint');
    // Between the checkpoints: only messages, their deliveries and the bot's replies (no connects/disconnects).
    return { runtime: 'local/runtime.ts startLocalChat (in memory, demo bot)', load, perUserMessage: perMessage(drained, connected, load.sent), hotPath, hotPathWithoutClientMessageId, rateLimitForBench: BENCH_RATE_LIMIT };
  } finally {
    await chat.close();
  }
}
