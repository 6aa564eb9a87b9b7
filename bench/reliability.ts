/**
 * Section reliability: what the local runtime holds under abuse and over time, measured.
 * - fairness: a fresh client's connect and ack latency, alone and while another connection pipelines a
 *   flood of `message.send` frames (issue 13, break 3), and the memory a client that never reads costs
 *   (break 2: 1,000 `thread.history` requests for 120 KB pages from a paused socket);
 * - soak: a few hundred clients at a steady rate for minutes (10 in the full run): memory and open handles
 *   over the run, connection records left once every client has gone, messages lost.
 * The fuzzing figures come from bench/fuzz.ts. Nothing here is asserted: run.ts reports the aims.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import type { LocalChat, LocalChatCounters } from '../local/local-chat';
import { CONNECTION_BOUNDS } from '../local/websocket-gateway';
import type { LoadConfig, LoadResult } from './load-client';
import { logsToStderr, runLoadChild, startBenchRuntime } from './message-path';
import type { FuzzBenchResult } from './fuzz';
import { round, summarizeLatencies, type LatencySummary } from './stats';

/** The reliability section's figures (run.ts fills what ran). */
export interface ReliabilityResult {
  fairness?: FairnessResult;
  soak?: SoakResult;
  fuzz?: FuzzResult;
}

/** The fuzzing's figures per route, and the seed that reproduces them. */
export interface FuzzResult {
  seed: number;
  routes: FuzzBenchResult;
}

export interface FairnessOptions {
  /** Frames the flooding connection pipelines. */
  floodFrames: number;
  /** Fresh clients measured alone and under the flood, one after another. */
  probes: number;
  /** `thread.history` requests the paused reader sends. */
  pausedReaderRequests: number;
  log: (line: string) => void;
}

export interface ProbeLatencies {
  connectMs: LatencySummary;
  ackMs: LatencySummary;
}

export interface FairnessResult {
  floodFrames: number;
  alone: ProbeLatencies;
  underFlood: ProbeLatencies;
  /** Of the flood's frames, how many had been answered when the first fresh client got its ack. */
  floodAnsweredAtFirstProbeAck: number;
  floodDrainMs: number;
  pausedReader: {
    requests: number;
    pageBytes: number;
    /** Resident memory growth of the runtime's process while the paused client's requests were pending. */
    rssGrowthMb: number;
    peakUnsentBytes: number;
    boundBytes: number;
    readPauses: number;
    /** Pages the client had received once it read again (every request is answered). */
    pagesReceivedAfterResume: number;
  };
}

export interface SoakOptions {
  clients: number;
  threads: number;
  seconds: number;
  messagesPerSecond: number;
  sampleSeconds: number;
  drainSeconds: number;
  repoRoot: string;
  log: (line: string) => void;
}

export interface SoakSample {
  atSeconds: number;
  rssMb: number;
  heapUsedMb: number;
  handles: number;
}

export interface SoakResult {
  clients: number;
  seconds: number;
  messagesPerSecond: number;
  sent: number;
  lostMessages: number;
  missingDeliveries: number;
  missingBotReplies: number;
  duplicateDeliveries: number;
  lostSamples: string[];
  errorFrames: Record<string, number>;
  ackMs: LatencySummary;
  /** Before the clients connected, and after they all left and the runtime settled, with the kinds after. */
  handlesBefore: number;
  handlesAfter: number;
  handlesAfterByKind: Record<string, number>;
  /** Open handles in the first and the last quarter of the steady phase (medians of the samples). */
  handles: { firstQuarter: number; lastQuarter: number; max: number };
  /** Heap and RSS in the first and the last quarter of the steady phase (medians of the samples). */
  heapUsedMb: { firstQuarter: number; lastQuarter: number; max: number };
  rssMb: { firstQuarter: number; lastQuarter: number; max: number };
  connectionRecordsLeft: number;
  /** What the runtime counted over the soak: posts refused 429 (a client not reading), reading pauses, failed SNS deliveries. */
  runtime: { postsLimited: number; postsGone: number; readPauses: number; peakUnsentBytes: number; snsDeliveryErrors: number; streamRetries: number };
  /** Whether each sample was taken after a full garbage collection (the heap then holds only what is retained). */
  heapAfterGc: boolean;
  samples: SoakSample[];
}

/**
 * The fuzzing (bench/fuzz.ts) in a process of its own: the handlers keep their AWS clients in module scope, like
 * a warm Lambda, so in the bench's process they would still point at an endpoint an earlier section closed.
 */
export function runFuzzInChild(repoRoot: string, runsPerRoute: number, seed: number): Promise<FuzzBenchResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(repoRoot, 'bench', 'fuzz.ts'), ['--runs', String(runsPerRoute), '--seed', String(seed)], {
      execArgv: ['--import', 'tsx'],
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      // The handlers' log and metric lines would bury the report: only errors (stderr) are shown.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: FuzzBenchResult | undefined;
    child.on('message', (message: { result?: FuzzBenchResult }) => (result = message.result));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`bench/fuzz.ts exited ${code} without figures`))));
  });
}

/** A full garbage collection, when V8 lets this process ask for one: heap samples then show what is retained, not garbage. */
function garbageCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => round(bytes / 1024 / 1024);

function open(url: string): Promise<{ socket: WebSocket; connectMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve({ socket, connectMs: performance.now() - started }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Resolves with the first frame of `type` (or an error frame) the socket receives. */
function nextFrame(socket: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type !== type && frame.type !== 'error') return;
      socket.off('message', onMessage);
      resolve(frame);
    };
    socket.on('message', onMessage);
  });
}

/** A fresh client: connects, sends one message, waits for its ack, leaves. */
async function probe(chat: LocalChat, index: number): Promise<{ connectMs: number; ackMs: number }> {
  const { socket, connectMs } = await open(`${chat.wsUrl}?userId=probe-${index}&threadId=fairness-probe-${index}`);
  const started = performance.now();
  const ack = nextFrame(socket, 'message.sent');
  socket.send(JSON.stringify({ action: 'message.send', text: `probe ${index}`, clientMessageId: `probe-${index}` }));
  const frame = await ack;
  if (frame.type !== 'message.sent') throw new Error(`fairness probe ${index}: ${JSON.stringify(frame)}`);
  const ackMs = performance.now() - started;
  socket.close();
  return { connectMs, ackMs };
}

async function probes(chat: LocalChat, count: number, offset: number, onFirstAck?: () => void): Promise<ProbeLatencies> {
  const connect: number[] = [];
  const ack: number[] = [];
  for (let index = 0; index < count; index++) {
    const measured = await probe(chat, offset + index);
    if (index === 0) onFirstAck?.();
    connect.push(measured.connectMs);
    ack.push(measured.ackMs);
  }
  return { connectMs: summarizeLatencies(connect), ackMs: summarizeLatencies(ack) };
}

export async function runFairnessBench(options: FairnessOptions): Promise<FairnessResult> {
  const restoreStdout = logsToStderr();
  // The product's rate limit, as in the report of break 3: most of the flood is answered RATE_LIMITED.
  const chat = await startBenchRuntimeWithDefaultLimits();
  try {
    await probe(chat, -1); // warm the functions
    const alone = await probes(chat, options.probes, 0);

    options.log(`reliability: fairness, ${options.floodFrames} pipelined frames against ${options.probes} fresh clients`);
    const flooder = await open(`${chat.wsUrl}?userId=flooder&threadId=fairness-flood`);
    let answered = 0;
    let resolveDrained!: () => void;
    const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
    flooder.socket.on('message', () => {
      answered += 1;
      if (answered === options.floodFrames) resolveDrained();
    });
    const floodStarted = performance.now();
    for (let index = 0; index < options.floodFrames; index++) {
      flooder.socket.send(JSON.stringify({ action: 'message.send', text: `flood ${index}`, clientMessageId: `flood-${index}` }));
    }
    let answeredAtFirstAck = 0;
    const underFlood = await probes(chat, options.probes, options.probes, () => (answeredAtFirstAck = answered));
    await drained;
    const floodDrainMs = performance.now() - floodStarted;
    flooder.socket.close();

    const pausedReader = await measurePausedReader(chat, options.pausedReaderRequests);
    return { floodFrames: options.floodFrames, alone, underFlood, floodAnsweredAtFirstProbeAck: answeredAtFirstAck, floodDrainMs: round(floodDrainMs), pausedReader };
  } finally {
    await chat.close();
    restoreStdout();
  }
}

function startBenchRuntimeWithDefaultLimits(): Promise<LocalChat> {
  return startBenchRuntime(false, { productRateLimit: true });
}

/** Break 2: a client that never reads asks for `requests` pages of about 120 KB. */
async function measurePausedReader(chat: LocalChat, requests: number): Promise<FairnessResult['pausedReader']> {
  const threadId = 'fairness-paused-reader';
  const writer = await open(`${chat.wsUrl}?userId=reader&threadId=${threadId}`);
  // Ten messages of 4,000 three-byte characters: a page of about 120 KB (sent slowly enough for the rate limit).
  for (let index = 0; index < 10; index++) {
    const ack = nextFrame(writer.socket, 'message.sent');
    writer.socket.send(JSON.stringify({ action: 'message.send', text: '€'.repeat(4000), clientMessageId: `page-${index}` }));
    await ack;
  }
  writer.socket.close();
  const reader = await open(`${chat.wsUrl}?userId=reader&threadId=${threadId}`);
  let pagesReceived = 0;
  let pageBytes = 0;
  reader.socket.on('message', (data: Buffer) => {
    pagesReceived += 1;
    pageBytes = data.length;
  });
  reader.socket.pause();
  const countersBefore = chat.counters().websocket;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  for (let index = 0; index < requests; index++) reader.socket.send(JSON.stringify({ action: 'thread.history', limit: 100 }));
  // The observation window: 15 s; memory is sampled through it.
  for (let second = 0; second < 15; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const counters = chat.counters().websocket;
  reader.socket.resume();
  const deadline = Date.now() + 120_000;
  while (pagesReceived < requests && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  reader.socket.close();
  return {
    requests,
    pageBytes,
    rssGrowthMb: mb(rssPeak - rssBefore),
    peakUnsentBytes: counters.peakUnsentBytes,
    boundBytes: CONNECTION_BOUNDS.maxUnsentBytesPerConnection,
    readPauses: counters.readPauses - countersBefore.readPauses,
    pagesReceivedAfterResume: pagesReceived,
  };
}

async function connectionRecords(chat: LocalChat): Promise<number> {
  const dynamodb = new DynamoDBClient(chat.awsConfig);
  try {
    const result = await dynamodb.send(new ScanCommand({ TableName: chat.tables.connections, Select: 'COUNT' }));
    return result.Count ?? 0;
  } finally {
    dynamodb.destroy();
  }
}

function runtimeCounters(before: LocalChatCounters, after: LocalChatCounters): SoakResult['runtime'] {
  return {
    postsLimited: after.connections.postsLimited - before.connections.postsLimited,
    postsGone: after.connections.postsGone - before.connections.postsGone,
    readPauses: after.websocket.readPauses - before.websocket.readPauses,
    peakUnsentBytes: after.websocket.peakUnsentBytes,
    snsDeliveryErrors: after.sns.deliveryErrors - before.sns.deliveryErrors,
    streamRetries: after.stream.retries - before.stream.retries,
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

export async function runSoakBench(options: SoakOptions): Promise<SoakResult> {
  const restoreStdout = logsToStderr();
  // On disk, as `npm start` runs: the stored messages must not count as memory growth (in memory they would),
  // and the stream's and the topic's journals work under load.
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-soak-'));
  const chat = await startBenchRuntime(true, { dataDir });
  const samples: SoakSample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    await chat.settled();
    const handlesBefore = process.getActiveResourcesInfo().length;
    const config: LoadConfig = {
      url: chat.wsUrl,
      clients: options.clients,
      threads: options.threads,
      agentsPerThread: 1,
      steady: { durationMs: options.seconds * 1000, messagesPerSecond: options.messagesPerSecond },
      burst: { durationMs: 0, inFlightPerSender: 1 },
      drainTimeoutMs: options.drainSeconds * 1000,
      expectBotReplies: true,
      runId: `soak-${Date.now().toString(36)}`,
    };
    options.log(`reliability: soak, ${options.clients} clients at ${options.messagesPerSecond} msg/s for ${options.seconds} s`);
    let steadyStarted = 0;
    const collect = garbageCollector();
    const countersBefore = chat.counters();
    const load: LoadResult = await runLoadChild(options.repoRoot, config, (options.seconds + 3 * options.drainSeconds + 180) * 1000, async (name) => {
      if (name === 'connected') {
        steadyStarted = performance.now();
        const sample = () => {
          collect?.();
          const memory = process.memoryUsage();
          samples.push({
            atSeconds: round((performance.now() - steadyStarted) / 1000),
            rssMb: mb(memory.rss),
            heapUsedMb: mb(memory.heapUsed),
            handles: process.getActiveResourcesInfo().length,
          });
        };
        sample();
        sampler = setInterval(sample, options.sampleSeconds * 1000);
      } else {
        clearInterval(sampler);
      }
    });
    await chat.settled();
    // `$disconnect` of the last clients may still be running when the load client exits.
    let left = await connectionRecords(chat);
    for (let attempt = 0; attempt < 50 && left > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await chat.settled();
      left = await connectionRecords(chat);
    }
    const after = process.getActiveResourcesInfo();
    const handlesAfterByKind: Record<string, number> = {};
    for (const kind of after) handlesAfterByKind[kind] = (handlesAfterByKind[kind] ?? 0) + 1;
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const first = samples.slice(0, quarter);
    const last = samples.slice(-quarter);
    const steady = load.phases.find((phase) => phase.name === 'steady');
    return {
      clients: options.clients,
      seconds: options.seconds,
      messagesPerSecond: options.messagesPerSecond,
      sent: load.sent,
      lostMessages: load.lostMessages,
      missingDeliveries: load.missingDeliveries,
      missingBotReplies: load.missingBotReplies,
      duplicateDeliveries: load.duplicateDeliveries,
      lostSamples: load.lostSamples,
      errorFrames: load.errorFrames,
      ackMs: steady?.ackMs ?? summarizeLatencies([]),
      handlesBefore,
      handlesAfter: after.length,
      handlesAfterByKind,
      handles: {
        firstQuarter: median(first.map((s) => s.handles)),
        lastQuarter: median(last.map((s) => s.handles)),
        max: Math.max(0, ...samples.map((s) => s.handles)),
      },
      heapUsedMb: {
        firstQuarter: median(first.map((s) => s.heapUsedMb)),
        lastQuarter: median(last.map((s) => s.heapUsedMb)),
        max: Math.max(0, ...samples.map((s) => s.heapUsedMb)),
      },
      rssMb: {
        firstQuarter: median(first.map((s) => s.rssMb)),
        lastQuarter: median(last.map((s) => s.rssMb)),
        max: Math.max(0, ...samples.map((s) => s.rssMb)),
      },
      connectionRecordsLeft: left,
      runtime: runtimeCounters(countersBefore, chat.counters()),
      heapAfterGc: collect !== undefined,
      samples,
    };
  } finally {
    clearInterval(sampler);
    await chat.close();
    rmSync(dataDir, { recursive: true, force: true });
    restoreStdout();
  }
}
