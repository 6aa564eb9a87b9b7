/**
 * Hosts Lambda functions for the local runtime: one worker thread per host acts as the execution
 * environment ("container") of a group of functions. The worker has its own environment and module
 * registry, so the handlers' module-scope SDK clients read this runtime's endpoint variables, and two
 * runtimes in one process (a test restarting the server) never share clients. A crashed worker fails
 * its in-flight invocations and is replaced on the next invocation, like a Lambda environment.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { InvocationError, InvokeRequest, WorkerFunction, WorkerInit, WorkerMessage } from './function-worker';
import type { CounterRegistry } from './counters';
import type { RuntimeLogger } from './logger';

export type { InvocationError } from './function-worker';

export interface FunctionSpec {
  /** Lambda function name (what `context.functionName` says and the Invoke API addresses). */
  readonly functionName: string;
  /** Path of the handler module (TypeScript or JavaScript). */
  readonly file: string;
  /** Exported handler function name. Default `handler`. */
  readonly exportName?: string;
  /** What `context.memoryLimitInMB` reports. Default 256. */
  readonly memoryMb?: number;
  /** Invocation timeout. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface FunctionHostOptions {
  /** Label for logs (`chat`, `bots`). */
  readonly label: string;
  readonly functions: readonly FunctionSpec[];
  /** The complete environment of the functions (nothing else leaks in from the process). */
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  readonly accountId: string;
  /** Shifts the functions' clock (`Date`) by this much; default 0. */
  readonly clockOffsetMs?: number;
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
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
const WORKER_SCRIPT = path.join(__dirname, 'function-worker.ts');

export class FunctionHost {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly specs: Map<string, FunctionSpec>;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly options: FunctionHostOptions) {
    this.specs = new Map(options.functions.map((spec) => [spec.functionName, spec]));
  }

  /** Starts the worker and loads every function module (an import error fails here, not at first use). */
  static async start(options: FunctionHostOptions): Promise<FunctionHost> {
    const host = new FunctionHost(options);
    await host.ensureWorker();
    return host;
  }

  has(functionName: string): boolean {
    return this.specs.has(functionName);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Invokes a function and resolves with its result or its error (never rejects). */
  async invoke(functionName: string, event: unknown, requestId: string = randomUUID()): Promise<InvocationOutcome> {
    const spec = this.specs.get(functionName);
    if (!spec) {
      return { ok: false, error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionName}`, trace: [] } };
    }
    if (this.closed) {
      return { ok: false, error: { errorType: 'ServiceException', errorMessage: 'local runtime is shutting down', trace: [] } };
    }
    this.options.counters.lambdaInvocation(functionName);
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
      this.pending.set(id, { functionName, resolve, timer });
      const request: InvokeRequest = { kind: 'invoke', id, functionName, event, requestId, deadline: Date.now() + timeoutMs };
      worker.postMessage(request);
    });
    if (!outcome.ok) this.options.counters.mutable.lambda.errors += 1;
    return outcome;
  }

  /** Waits for in-flight invocations (bounded), then stops the worker. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    if (this.pending.size > 0) {
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
    const worker = this.worker;
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
    const init: WorkerInit = {
      functions: [...this.specs.values()].map(
        (spec): WorkerFunction => ({
          functionName: spec.functionName,
          file: path.resolve(spec.file),
          exportName: spec.exportName ?? 'handler',
          memoryMb: spec.memoryMb ?? 256,
        }),
      ),
      region: this.options.region,
      accountId: this.options.accountId,
      clockOffsetMs: this.options.clockOffsetMs,
    };
    // tsx's require hook lets the worker load the TypeScript handlers as they are in the repo.
    const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(WORKER_SCRIPT)});`;
    const worker = new Worker(bootstrap, { eval: true, workerData: init, env: { ...this.options.env }, execArgv: [] });
    return new Promise<Worker>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') {
          ready = true;
          this.worker = worker;
          resolve(worker);
        } else if (message.kind === 'loadError') {
          reject(new Error(`${this.options.label} functions failed to load: ${message.error.errorMessage}`));
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
        this.options.logger.error('function.environment_crashed', { host: this.options.label, error: error.message });
        if (this.worker === worker) this.worker = undefined;
        this.failPending(`Runtime exited with error: ${error.message}`);
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready) reject(new Error(`${this.options.label} function environment exited with code ${code} while loading`));
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
