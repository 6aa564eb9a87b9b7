/**
 * Crash and restart: the local runtime (`node --import tsx local/start.ts`, what `npm start` runs) is killed with SIGKILL in
 * the middle of a burst of messages and started again on the same data directory. Nothing acknowledged is
 * lost, nothing is stored twice, and every stored user message gets exactly one bot reply: the messages
 * table's stream and the bot topic's deliveries are journaled in the data directory, as AWS keeps them
 * across a consumer's crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectClient, devUrl, isType, type ChatClient, type Frame } from '../local/support/ws-client';

jest.setTimeout(180_000);

const REPO_ROOT = path.resolve(__dirname, '../..');
const THREADS = 8;
const MESSAGES_PER_THREAD = 15;
/** The kill comes once this many of the burst's messages are acknowledged. */
const KILL_AFTER_ACKS = 30;

interface Runtime {
  readonly child: ChildProcess;
  readonly wsUrl: string;
  readonly exited: Promise<void>;
  output(): string;
}

/** Starts the runtime in a process group of its own (the group is what a kill must reach: the function workers and esbuild's service go with it). */
async function startRuntime(dataDir: string): Promise<Runtime> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', CHAT_DATA_DIR: dataDir, CHAT_LOG_LEVEL: 'warn', CHAT_RATE_LIMIT_MESSAGES: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the runtime did not start within 60 s:\n${output}`)), 60_000);
    const check = (): void => {
      const match = /WebSocket API\s+ws:\/\/localhost:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the runtime exited before it was ready:\n${output}`));
    });
  });
  return { child, wsUrl: `ws://127.0.0.1:${port}/`, exited, output: () => output };
}

function killGroup(runtime: Runtime, signal: NodeJS.Signals): void {
  try {
    process.kill(-runtime.child.pid!, signal);
  } catch {
    // already gone
  }
}

const threadId = (thread: number) => `crash-thread-${thread}`;
const userId = (thread: number) => `crash-user-${thread}`;
const clientMessageId = (thread: number, index: number) => `crash-${thread}-${index}`;

/** The whole history of a thread (fewer than a page: asserted). */
async function historyOf(client: ChatClient): Promise<Frame[]> {
  const page = await client.request({ action: 'thread.history', limit: 50 }, isType('history'));
  expect(page.messages.length).toBeLessThan(50);
  return page.messages as Frame[];
}

describe('crash and restart', () => {
  let dataDir: string;
  const running: Runtime[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chat-crash-'));
  });

  afterAll(async () => {
    for (const runtime of running) {
      killGroup(runtime, 'SIGKILL');
      await runtime.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGKILL mid-burst, restart on the same data directory: every acknowledged message stored once, every user message answered by the bot exactly once, resends stored once', async () => {
    // GIVEN a runtime with a data directory and the demo bot, and one client per thread
    const first = await startRuntime(dataDir);
    running.push(first);
    const clients = await Promise.all(
      Array.from({ length: THREADS }, (_, thread) => connectClient(devUrl(first.wsUrl, { userId: userId(thread), threadId: threadId(thread) }))),
    );
    // WHEN every client pipelines its messages and the runtime is killed once some are acknowledged
    const acked = new Map<string, string>(); // clientMessageId → messageId
    let killed!: () => void;
    const killedNow = new Promise<void>((resolve) => (killed = resolve));
    clients.forEach((client, thread) => {
      client.socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as Frame;
        if (frame.type !== 'message.sent') return;
        acked.set(frame.clientMessageId, frame.message.messageId);
        if (acked.size === KILL_AFTER_ACKS) {
          killGroup(first, 'SIGKILL');
          killed();
        }
      });
      for (let index = 0; index < MESSAGES_PER_THREAD; index++) {
        client.send({ action: 'message.send', text: `burst ${thread}/${index}`, clientMessageId: clientMessageId(thread, index) });
      }
    });
    await killedNow;
    await first.exited;
    const ackedBeforeCrash = new Map(acked);
    expect(ackedBeforeCrash.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(ackedBeforeCrash.size).toBeLessThan(THREADS * MESSAGES_PER_THREAD); // the kill did land mid-burst

    // AND the runtime starts again on the same data directory, and every client resends all its messages
    const second = await startRuntime(dataDir);
    running.push(second);
    const again = await Promise.all(
      Array.from({ length: THREADS }, (_, thread) => connectClient(devUrl(second.wsUrl, { userId: userId(thread), threadId: threadId(thread) }))),
    );
    for (const [thread, client] of again.entries()) {
      for (let index = 0; index < MESSAGES_PER_THREAD; index++) {
        const id = clientMessageId(thread, index);
        const ack = await client.request({ action: 'message.send', text: `burst ${thread}/${index}`, clientMessageId: id }, isType('message.sent'));
        // THEN a message acknowledged before the crash is acknowledged again as the same stored message
        if (ackedBeforeCrash.has(id)) expect({ id, messageId: ack.message.messageId }).toEqual({ id, messageId: ackedBeforeCrash.get(id) });
      }
    }

    // AND every user message gets its bot reply (bounded wait: the bot answers within seconds once resumed)
    const deadline = Date.now() + 90_000;
    let histories: Frame[][] = [];
    for (let round = 0; round < 180; round++) {
      histories = await Promise.all(again.map(historyOf));
      const answered = histories.every((messages) => {
        const users = messages.filter((message) => message.messageType === 'user');
        const replies = messages.filter((message) => message.messageType === 'bot');
        return users.length === MESSAGES_PER_THREAD && replies.length >= users.length;
      });
      if (answered || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const [thread, messages] of histories.entries()) {
      const users = messages.filter((message) => message.messageType === 'user');
      // every message stored exactly once, whether acknowledged before the crash, after it, or both
      expect(users.map((message) => message.clientMessageId).sort()).toEqual(
        Array.from({ length: MESSAGES_PER_THREAD }, (_, index) => clientMessageId(thread, index)).sort(),
      );
      for (const [id, messageId] of ackedBeforeCrash) {
        if (id.startsWith(`crash-${thread}-`)) expect(users.filter((message) => message.messageId === messageId)).toHaveLength(1);
      }
      // every user message answered by the bot exactly once
      const repliesTo = new Map<string, number>();
      for (const reply of messages.filter((message) => message.messageType === 'bot')) {
        const inReplyTo = String(reply.metadata?.inReplyTo);
        repliesTo.set(inReplyTo, (repliesTo.get(inReplyTo) ?? 0) + 1);
      }
      expect({ thread, replies: users.map((message) => repliesTo.get(message.messageId) ?? 0) }).toEqual({ thread, replies: users.map(() => 1) });
    }
    await Promise.all(again.map((client) => client.close()));
    killGroup(second, 'SIGTERM');
    await second.exited;
  });
});
