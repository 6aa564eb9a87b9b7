/**
 * Hosts Lambda functions for the local runtime: each function runs in its own worker thread, its local
 * execution environment ("container"), with its own environment variables (exactly what its function in
 * the deployment model gets, plus what Lambda sets and its own credentials) and module registry. So a
 * handler sees no other function's settings, its module-scope SDK clients sign with its own key, and two
 * runtimes in one process (a test restarting the server) never share clients. A crashed worker fails its
 * in-flight invocations and is replaced on the next invocation, like a Lambda environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { InvocationError, InvokeRequest, WorkerInit, WorkerMessage } from './function-worker';
import type { CounterRegistry } from './counters';
import type { LogLevel, RuntimeLogger } from './logger';

export type { InvocationError } from './function-worker';

export interface FunctionSpec {
  /** Lambda function name (what `context.functionName` says and the Invoke API addresses). */
  readonly functionName: string;
  /** Path of the handler module: a bundle (JavaScript) or a TypeScript file (loaded through tsx). */
  readonly file: string;
  /** Exported handler function name. Default `handler`. */
  readonly exportName?: string;
  /** What `context.memoryLimitInMB` reports. Default 256. */
  readonly memoryMb?: number;
  /** Invocation timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /** The complete environment of the function (nothing else leaks in from the process). */
  readonly env: Readonly<Record<string, string>>;
  /** Log reads of unset variables with this prefix (see WorkerInit.watchUnsetPrefix). */
  readonly watchUnsetPrefix?: string;
}

export interface FunctionHostOptions {
  /** Label for logs (`chat`, `bots`). */
  readonly label: string;
  readonly functions: readonly FunctionSpec[];
  readonly region: string;
  readonly accountId: string;
  /** Shifts the functions' clock (`Date`) by this much; default 0. */
  readonly clockOffsetMs?: number;
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
  /**
   * Receives every line the functions write to stdout, exactly as written (their JSON log lines, already
   * filtered by their CHAT_LOG_LEVEL, and their embedded-metric lines, which are written at every level),
   * with the line's `level` (`info` for metric lines and lines that are not JSON log lines). Default: the
   * lines go to this process's stdout, as written.
   */
  readonly functionOutput?: (line: string, level: LogLevel) => void;
}

export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: InvocationError };

interface Pending {
  readonly functionName: string;
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The Lambda execution environments of a group of functions (the chat's, or the bots'), one worker each. */
export class FunctionHost {
  private constructor(private readonly environments: ReadonlyMap<string, FunctionEnvironment>) {}

  /** Starts every function's worker and loads its module (an import error fails here, not at first use). */
  static async start(options: FunctionHostOptions): Promise<FunctionHost> {
    const environments = new Map(options.functions.map((spec) => [spec.functionName, new FunctionEnvironment(spec, options)]));
    const started = await Promise.allSettled([...environments.values()].map((environment) => environment.start()));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) {
      await Promise.all([...environments.values()].map((environment) => environment.close(0)));
      throw failed.reason;
    }
    return new FunctionHost(environments);
  }

  has(functionName: string): boolean {
    return this.environments.has(functionName);
  }

  get inFlight(): number {
    let count = 0;
    for (const environment of this.environments.values()) count += environment.inFlight;
    return count;
  }

  /** Invokes a function and resolves with its result or its error (never rejects). */
  invoke(functionName: string, event: unknown, requestId: string = randomUUID()): Promise<InvocationOutcome> {
    const environment = this.environments.get(functionName);
    if (!environment) {
      return Promise.resolve({
        ok: false,
        error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionName}`, trace: [] },
      });
    }
    return environment.invoke(event, requestId);
  }

  /** Waits for in-flight invocations (bounded), then stops every worker. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all([...this.environments.values()].map((environment) => environment.close(graceMs)));
  }
}

/** One function's execution environment: a worker thread with the function's module and environment. */
class FunctionEnvironment {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly spec: FunctionSpec,
    private readonly options: FunctionHostOptions,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    await this.ensureWorker();
  }

  async invoke(event: unknown, requestId: string): Promise<InvocationOutcome> {
    const { spec } = this;
    if (this.closed) {
      return { ok: false, error: { errorType: 'ServiceException', errorMessage: 'local runtime is shutting down', trace: [] } };
    }
    this.options.counters.lambdaInvocation(spec.functionName);
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (error) {
      this.options.counters.mutable.lambda.errors += 1;
      return { ok: false, error: { errorType: 'Runtime.ImportModuleError', errorMessage: (error as Error).message, trace: [] } };
    }
    const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const id = this.nextId++;
    const outcome = await new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
            trace: [],
          },
        });
      }, timeoutMs);
      this.pending.set(id, { functionName: spec.functionName, resolve, timer });
      const request: InvokeRequest = { kind: 'invoke', id, event, requestId, deadline: Date.now() + timeoutMs };
      worker.postMessage(request);
    });
    if (!outcome.ok) this.options.counters.mutable.lambda.errors += 1;
    return outcome;
  }

  /** Waits for in-flight invocations (bounded), then stops the worker. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.pending.size > 0 && graceMs > 0) {
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, graceMs);
        const poll = setInterval(() => {
          if (this.pending.size === 0) {
            clearInterval(poll);
            clearTimeout(deadline);
            resolve();
          }
        }, 10);
        deadline.unref();
      });
    }
    this.failPending('local runtime shut down');
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (!this.starting) {
      this.starting = this.spawn().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    const { spec, options } = this;
    const init: WorkerInit = {
      function: {
        functionName: spec.functionName,
        file: path.resolve(spec.file),
        exportName: spec.exportName ?? 'handler',
        memoryMb: spec.memoryMb ?? 256,
      },
      region: options.region,
      accountId: options.accountId,
      clockOffsetMs: options.clockOffsetMs,
      watchUnsetPrefix: spec.watchUnsetPrefix,
    };
    // A TypeScript handler (a bot, a fixture) loads through tsx's require hook; bundles load as they are.
    const loader = init.function.file.endsWith('.ts') ? `require(${JSON.stringify(tsxLoader(init.function.file))});\n` : '';
    const output = options.functionOutput;
    const worker = new Worker(`${loader}${workerSource()}`, { eval: true, workerData: init, env: { ...spec.env }, execArgv: [], stdout: output !== undefined });
    if (output) forwardLines(worker.stdout, output);
    return new Promise<Worker>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') {
          ready = true;
          this.worker = worker;
          resolve(worker);
        } else if (message.kind === 'envUnset') {
          options.logger.warn('function.env_unset', { functionName: spec.functionName, variable: message.variable });
        } else if (message.kind === 'loadError') {
          reject(new Error(`${spec.functionName} failed to load: ${message.error.errorMessage}`));
          void worker.terminate();
        } else {
          const pending = this.pending.get(message.id);
          if (!pending) return; // timed out earlier
          this.pending.delete(message.id);
          clearTimeout(pending.timer);
          pending.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
        }
      });
      worker.on('error', (error) => {
        // An uncaught exception in a handler kills its environment, as in Lambda.
        options.logger.error('function.environment_crashed', { host: options.label, functionName: spec.functionName, error: error.message });
        if (this.worker === worker) this.worker = undefined;
        this.failPending(`Runtime exited with error: ${error.message}`);
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready) reject(new Error(`${spec.functionName}'s environment exited with code ${code} while loading`));
      });
    });
  }

  private failPending(message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: message, trace: [] } });
    }
  }
}

const LINE_LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);

/** The level a function's stdout line was written at: its JSON `level`, else `info` (metric lines, plain text). */
function levelOfLine(line: string): LogLevel {
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === 'string' && LINE_LEVELS.has(level) ? (level as LogLevel) : 'info';
  } catch {
    return 'info';
  }
}

/** Hands each complete line of a function's stdout to `output` unchanged (a last unterminated line at its end). */
function forwardLines(stdout: NodeJS.ReadableStream, output: (line: string, level: LogLevel) => void): void {
  let pending = '';
  const emit = (line: string): void => {
    if (line === '') return;
    try {
      output(line, levelOfLine(line));
    } catch {
      // A sink that cannot take the line (it expected JSON) must not crash the runtime: the line still shows.
      process.stdout.write(`${line}\n`);
    }
  };
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(emit);
  });
  stdout.on('end', () => {
    emit(pending);
    pending = '';
  });
}

/**
 * tsx's require hook, for a TypeScript handler: this repository's, or (the installed package) the one of the
 * project the handler belongs to.
 */
function tsxLoader(file: string): string {
  try {
    return require.resolve('tsx/cjs', { paths: [path.dirname(file), process.cwd(), __dirname] });
  } catch {
    throw new Error(`${file} is TypeScript: install tsx in your project (npm install --save-dev tsx), or write the handler in JavaScript`);
  }
}

let compiledWorker: string | undefined;

/**
 * The worker's code (local/function-worker): compiled from TypeScript once per process in this repository,
 * read as it is from a compiled package. It requires only Node's own modules, so it runs from a string.
 */
function workerSource(): string {
  if (compiledWorker === undefined) {
    const compiled = path.join(__dirname, 'function-worker.js');
    if (existsSync(compiled)) {
      compiledWorker = readFileSync(compiled, 'utf8');
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { transformSync } = require('esbuild') as typeof import('esbuild');
      compiledWorker = transformSync(readFileSync(path.join(__dirname, 'function-worker.ts'), 'utf8'), {
        loader: 'ts',
        format: 'cjs',
        target: 'node20',
      }).code;
    }
  }
  return compiledWorker;
}
