/**
 * Data survives a restart in the data directory, and `npm start`'s entry point (local/start.ts) runs
 * from its environment variables, prints its URLs, serves the page and a working chat, and shuts down
 * cleanly on SIGTERM and SIGINT (connections closed with 1001, exit code 0), also when the signal goes
 * to the npm process (a supervisor, `docker stop`) or to the whole process group (Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalChat } from '../../local/local-chat';
import { connectClient, devUrl, isType, type Frame } from './support/ws-client';

const REPO_ROOT = path.resolve(__dirname, '../..');

describe('data directory', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chat-data-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('GIVEN a conversation stored in a data directory WHEN the runtime restarts on another port THEN the history, the thread owner and the bot reply are still there', async () => {
    const first = await startLocalChat({ port: 0, logLevel: 'error', dataDir });
    const client = await connectClient(devUrl(first.wsUrl, { userId: 'olga', threadId: 'persisted' }));
    const ack = await client.request({ action: 'message.send', text: 'keep this', clientMessageId: 'p-1' }, isType('message.sent'));
    await client.next((frame) => frame.type === 'message' && frame.message.messageType === 'bot');
    await first.close();

    const second = await startLocalChat({ port: 0, logLevel: 'error', dataDir });
    try {
      expect(second.port).not.toBe(first.port);
      const again = await connectClient(devUrl(second.wsUrl, { userId: 'olga', threadId: 'persisted' }));
      const history = await again.request({ action: 'thread.history' }, isType('history'));
      expect(history.messages.map((message: Frame) => message.messageId)[0]).toBe(ack.message.messageId);
      expect(history.messages.map((message: Frame) => message.messageType)).toEqual(['user', 'bot']);
      // The thread still belongs to its owner.
      await expect(connectClient(devUrl(second.wsUrl, { userId: 'oscar', threadId: 'persisted' }))).rejects.toMatchObject({ statusCode: 403 });
      await again.close();
    } finally {
      await second.close();
    }
  });

  test('GIVEN no data directory WHEN a runtime is closed and a new one starts THEN the new one starts empty', async () => {
    const first = await startLocalChat({ port: 0, logLevel: 'error' });
    const client = await connectClient(devUrl(first.wsUrl, { userId: 'pia', threadId: 'ephemeral' }));
    await client.request({ action: 'message.send', text: 'gone soon', clientMessageId: 'e-1' }, isType('message.sent'));
    await first.close();

    const second = await startLocalChat({ port: 0, logLevel: 'error', demoBot: false });
    try {
      const again = await connectClient(devUrl(second.wsUrl, { userId: 'someone-else', threadId: 'ephemeral' }));
      const history = await again.request({ action: 'thread.history' }, isType('history'));
      expect(history.messages).toEqual([]);
      await again.close();
    } finally {
      await second.close();
    }
  });
});

interface StartedCli {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * Runs `node --import tsx local/start.ts` (what `npm start` runs), or `npm start` itself in a process group of its
 * own, with PORT=0, and waits for the printed chat URL.
 */
async function startCli(env: Record<string, string>, via: 'node' | 'npm' = 'node'): Promise<StartedCli> {
  const [command, args] = via === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'local/start.ts']];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', CHAT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a test can signal the group like a terminal's Ctrl-C, and stop whatever is left in it.
    detached: via === 'npm',
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const match = /Chat page\s+http:\/\/localhost:(\d+)\//.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`start.ts exited with ${code} before printing its URL:\n${output}`)));
  });
  return { child, port, output: () => output, exited };
}

/** Resolves true if something accepts connections on the port. */
function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The commands of the processes still running (not exited) in a process group, from /proc (Linux). */
function runningInGroup(groupId: number): string[] {
  const running: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing parenthesis.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(processGroup) === groupId && state !== 'Z' && state !== 'X') running.push(command);
  }
  return running;
}

function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (local/start.ts)', () => {
  test.each([
    { signal: 'SIGTERM' as const, to: 'the npm process alone (a supervisor, docker stop)' },
    { signal: 'SIGINT' as const, to: 'the whole process group (Ctrl-C in a terminal)' },
  ])('GIVEN `npm start` WHEN $signal goes to $to THEN the server shuts down cleanly, npm exits 0, the port is free and no process is left', async ({ signal, to }) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-npm-'));
    const cli = await startCli({ CHAT_DATA_DIR: dataDir, CHAT_DEMO_BOT: 'off' }, 'npm');
    const group = cli.child.pid!;
    try {
      const client = await connectClient(devUrl(`ws://127.0.0.1:${cli.port}/`, { userId: 'sam', threadId: 'npm-signal' }));
      await client.request({ action: 'message.send', text: 'before the signal', clientMessageId: 's-1' }, isType('message.sent'));

      if (to.startsWith('the npm process')) process.kill(group, signal);
      else process.kill(-group, signal);

      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain(`${signal}: closing connections and flushing data`);
      expect(await portAccepts(cli.port)).toBe(false);
      // esbuild's service process (tsx starts one on a cold cache) ends by itself once its parent is gone.
      expect(runningInGroup(group).filter((command) => command !== 'esbuild')).toEqual([]);
      expect((await client.closed).code).toBe(1001);
    } finally {
      // Whatever the outcome, nothing this test started outlives it.
      if (groupAlive(group)) process.kill(-group, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('GIVEN CHAT_DATA_DIR=:memory: and PORT=0 WHEN started THEN it prints the URLs and the development-mode warning, serves the page, chats with the bot, and SIGTERM closes connections with 1001 and exits 0', async () => {
    const cli = await startCli({ CHAT_DATA_DIR: ':memory:' });
    try {
      expect(cli.output()).toContain(`Agent view     http://localhost:${cli.port}/agent`);
      expect(cli.output()).toContain('WARNING: development mode');
      const page = await fetch(`http://127.0.0.1:${cli.port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<h1>Chat</h1>');

      const client = await connectClient(devUrl(`ws://127.0.0.1:${cli.port}/`, { userId: 'quinn', threadId: 'cli-thread' }));
      const ack = await client.request({ action: 'message.send', text: 'hi from the CLI test', clientMessageId: 'cli-1' }, isType('message.sent'));
      const reply = await client.next((frame) => frame.type === 'message' && frame.message.metadata?.inReplyTo === ack.message.messageId);
      expect(reply.message.text).toContain('hi from the CLI test');

      cli.child.kill('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  test('GIVEN a data directory and CHAT_DEMO_BOT=off WHEN stopped with SIGINT (Ctrl-C) THEN it exits 0, the directory holds the data, and no bot answered', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-cli-'));
    const cli = await startCli({ CHAT_DATA_DIR: dataDir, CHAT_DEMO_BOT: 'off' });
    try {
      expect(cli.output()).toContain('Bots           none');
      const client = await connectClient(devUrl(`ws://127.0.0.1:${cli.port}/`, { userId: 'rita', threadId: 'cli-quiet' }));
      await client.request({ action: 'message.send', text: 'anyone?', clientMessageId: 'q-1' }, isType('message.sent'));

      cli.child.kill('SIGINT');
      expect((await client.closed).code).toBe(1001);
      expect(await cli.exited).toBe(0);
      expect(client.frames.filter((frame) => frame.type === 'message')).toEqual([]);
      expect(existsSync(path.join(dataDir, 'CURRENT'))).toBe(true);
    } finally {
      cli.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('GIVEN an invalid setting WHEN started THEN it explains the problem and exits with code 2', async () => {
    await expect(startCli({ CHAT_DEMO_BOT: 'maybe' })).rejects.toThrow(/exited with 2[\s\S]*CHAT_DEMO_BOT must be on or off/);
  });
});
