/**
 * Runs a command in a child process and measures it from the outside: wall time from spawn to exit,
 * and peak memory as the OS reports it. Peak RSS comes from GNU `/usr/bin/time` (the kernel's
 * rusage of the largest process in the tree, which covers tsx's and ts-node's child processes)
 * when present, else from sampling /proc; the tree is always sampled in /proc too, for the summed
 * RSS of every process in it (node + esbuild's service process, for example).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  wallMs: number;
  /** Peak RSS of the largest single process in the tree (MB), from the OS. */
  peakRssMb: number;
  /** Peak of the summed RSS of all processes in the tree (MB), sampled every ~20 ms. */
  treePeakRssMb: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export async function runMeasured(command: string, args: readonly string[], options: RunOptions): Promise<MeasuredRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'chat-bench-time-'));
  const timeFile = join(scratch, 'time.txt');
  const useGnuTime = hasGnuTime();
  const [file, argv] = useGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]]
    : [command, [...args]];
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const sampler = sampleTreeRss(child.pid!);
  const timer = options.timeoutMs
    ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    : undefined;
  const exitCode: number | null = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (timer) clearTimeout(timer);
  const sampled = sampler.stop();
  const treePeakKb = sampled.treePeakKb;
  let peakKb = sampled.singlePeakKb;
  if (useGnuTime && existsSync(timeFile)) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const parsed = Number(lines[lines.length - 1]);
    if (Number.isFinite(parsed)) peakKb = parsed;
  }
  rmSync(scratch, { recursive: true, force: true });
  return { wallMs, peakRssMb: peakKb / 1024, treePeakRssMb: treePeakKb / 1024, exitCode, stdout, stderr };
}

/**
 * Samples the VmRSS of a process and its descendants; on stop() returns the peak of their sum and
 * the peak of the largest single process (the fallback when GNU time is missing), in KB.
 */
function sampleTreeRss(rootPid: number): { stop(): { treePeakKb: number; singlePeakKb: number } } {
  let treePeakKb = 0;
  let singlePeakKb = 0;
  const sample = (): void => {
    let total = 0;
    for (const pid of descendants(rootPid)) {
      const rss = rssKb(pid);
      total += rss;
      if (rss > singlePeakKb) singlePeakKb = rss;
    }
    if (total > treePeakKb) treePeakKb = total;
  };
  const interval = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(interval);
      return { treePeakKb, singlePeakKb };
    },
  };
}

function descendants(rootPid: number): number[] {
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process exited between listing and reading: it has no RSS to add.
    }
  }
  return found;
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
