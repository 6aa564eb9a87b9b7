/**
 * Runs inside a worker thread: the local equivalent of a Lambda execution environment of one function.
 * It loads the function's module (its bundle, or TypeScript through tsx) with the environment the host
 * gave this worker, so its module-scope AWS SDK clients point at this runtime's endpoints and sign with
 * the function's own key, then invokes `handler(event, context)` on request. It requires nothing but
 * Node's own modules: the host runs it from a string.
 *
 * Protocol with local/function-host.ts (structured clone over the worker port):
 *   host → worker  {kind:'invoke', id, event, requestId, deadline}
 *   worker → host  {kind:'ready'} | {kind:'loadError', error} | {kind:'result', id, ok, result|error}
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';

export interface WorkerFunction {
  readonly functionName: string;
  /** Absolute path of the module to load. */
  readonly file: string;
  /** Name of the exported handler function. */
  readonly exportName: string;
  readonly memoryMb: number;
}

export interface WorkerInit {
  readonly function: WorkerFunction;
  readonly region: string;
  readonly accountId: string;
  /** Added to the functions' clock (`Date`); see LocalChatOptions.clockStartsAt. */
  readonly clockOffsetMs?: number;
  /**
   * Report reads of unset variables with this prefix (`CHAT_`): a handler reading a setting its function's
   * environment lacks would fall back to a default, locally and on AWS alike.
   */
  readonly watchUnsetPrefix?: string;
}

export interface InvokeRequest {
  readonly kind: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly requestId: string;
  /** Epoch ms after which the host reports a timeout. */
  readonly deadline: number;
}

/** What Lambda reports for a failed invocation (`X-Amz-Function-Error` payload). */
export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'loadError'; readonly error: InvocationError }
  | { readonly kind: 'envUnset'; readonly variable: string }
  | { readonly kind: 'result'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'result'; readonly id: number; readonly ok: false; readonly error: InvocationError };

type Handler = (event: unknown, context: unknown, callback?: (error: unknown, result?: unknown) => void) => unknown;

export function toInvocationError(error: unknown): InvocationError {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  // Before any handler module loads, so every `Date` they see is the shifted one.
  if (init.clockOffsetMs) shiftClock(init.clockOffsetMs);
  if (init.watchUnsetPrefix) watchUnsetReads(init.watchUnsetPrefix, (variable) => port.postMessage({ kind: 'envUnset', variable } satisfies WorkerMessage));
  const spec = init.function;
  let fn: Handler;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(spec.file) as Record<string, unknown>;
    const exported = loaded[spec.exportName];
    if (typeof exported !== 'function') {
      throw new TypeError(`${spec.file} does not export a function named '${spec.exportName}'`);
    }
    fn = exported as Handler;
  } catch (error) {
    port.postMessage({ kind: 'loadError', error: toInvocationError(error) } satisfies WorkerMessage);
    return;
  }

  port.on('message', (request: InvokeRequest) => {
    invoke(fn, spec, request, init)
      .then((result) => asJson(result))
      .then(
        (result) => port.postMessage({ kind: 'result', id: request.id, ok: true, result } satisfies WorkerMessage),
        (error: unknown) =>
          port.postMessage({ kind: 'result', id: request.id, ok: false, error: toInvocationError(error) } satisfies WorkerMessage),
      );
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
}

/** Calls an async handler, or a callback-style one (three parameters), like the Node.js Lambda runtime. */
function invoke(fn: Handler, spec: WorkerFunction, request: InvokeRequest, init: WorkerInit): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const context = lambdaContext(spec, request, init, settle);
    try {
      const returned = fn.length >= 3 ? fn(request.event, context, settle) : fn(request.event, context);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then((result) => settle(null, result), (error: unknown) => settle(error ?? new Error('rejected')));
      } else if (fn.length < 3) {
        settle(null, returned);
      }
    } catch (error) {
      settle(error);
    }
  });
}

/** The Node.js Lambda runtime's context object. */
function lambdaContext(
  spec: WorkerFunction,
  request: InvokeRequest,
  init: WorkerInit,
  settle: (error: unknown, result?: unknown) => void,
): Record<string, unknown> {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: spec.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${init.region}:${init.accountId}:function:${spec.functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${spec.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    // The deadline is on the host's (real) clock.
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - realNow()),
    done: (error: unknown, result?: unknown) => settle(error, result),
    fail: (error: unknown) => settle(error ?? new Error('failed')),
    succeed: (result: unknown) => settle(null, result),
  };
}

const realNow = Date.now.bind(Date);

/** Replaces `process.env` with a view that reports (once each) reads of unset variables starting with `prefix`. */
function watchUnsetReads(prefix: string, report: (variable: string) => void): void {
  const reported = new Set<string>();
  process.env = new Proxy(process.env, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (value === undefined && typeof property === 'string' && property.startsWith(prefix) && !reported.has(property)) {
        reported.add(property);
        report(property);
      }
      return value;
    },
  });
}

/** Moves this worker's `Date` by `offsetMs` (it keeps running at normal speed); the host's clock is untouched. */
function shiftClock(offsetMs: number): void {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: [] | [string | number | Date] | [number, number, number?, number?, number?, number?, number?]) {
      if (args.length === 0) super(realNow() + offsetMs);
      else super(...(args as [number, number]));
    }

    static now(): number {
      return realNow() + offsetMs;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}

/** Lambda serializes results as JSON: do the same, so a handler cannot return what AWS could not. */
function asJson(result: unknown): unknown {
  const text = JSON.stringify(result);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

// Only as a function's environment (the host passes the function); imported, it just lends its types and helpers.
if (parentPort && (workerData as Partial<WorkerInit> | null)?.function) main();
