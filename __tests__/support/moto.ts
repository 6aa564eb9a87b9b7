/**
 * moto_server (AWS service mocks: SNS, SQS, DynamoDB with Streams) started by a test on a free
 * 127.0.0.1 port and stopped by it. CI installs moto[server] in /opt/ci-venv; MOTO_SERVER overrides
 * the binary path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const MOTO_SERVER_PATH = process.env.MOTO_SERVER ?? '/opt/ci-venv/bin/moto_server';

export interface MotoServer {
  /** `http://127.0.0.1:<port>` for every mocked service. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${output()}`);
}

/** Starts moto_server; the port is probed free first (moto cannot listen on port 0 and report it). */
export async function startMoto(options: { readyTimeoutMs?: number } = {}): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER_PATH)) {
    throw new Error(
      `moto_server not found at ${MOTO_SERVER_PATH}: install moto[server] into /opt/ci-venv (as CI does) or set MOTO_SERVER`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(MOTO_SERVER_PATH, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk) => (output = (output + chunk.toString()).slice(-4000)));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    };
    try {
      await waitUntilReady(endpoint, child, () => output, options.readyTimeoutMs ?? 30_000);
      return { endpoint, stop };
    } catch (err) {
      await stop();
      // Another process may have taken the probed port in between: try a new one.
      if (attempt >= 3) throw err;
    }
  }
}
