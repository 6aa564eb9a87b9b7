/**
 * A local Lambda Invoke endpoint (`POST /2015-03-31/functions/{name}/invocations`) so tests call functions
 * with the real LambdaClient, as a bot would in AWS: the local runtime's own Invoke API (local/lambda-api.ts)
 * over handlers run in this process. A thrown error becomes `X-Amz-Function-Error: Unhandled` with
 * `{errorType, errorMessage, trace}`, like Lambda. Requests are not signature-checked.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createLambdaInvokeApi } from '../../local/lambda-api';
import { createLogger } from '../../local/logger';
import { toInvocationError } from '../../local/function-worker';
import { closeServer, listenOnLoopback } from './loopback';

export type InvokableHandler = (event: unknown, context: { awsRequestId: string; functionName: string }) => Promise<unknown>;

export interface LambdaInvokeServer {
  /** For AWS_ENDPOINT_URL_LAMBDA or `new LambdaClient({endpoint})`. */
  readonly endpoint: string;
  /** Invocations per function name. */
  invocations(functionName: string): number;
  stop(): Promise<void>;
}

export async function startLambdaInvokeServer(functions: Record<string, InvokableHandler>): Promise<LambdaInvokeServer> {
  const counts = new Map<string, number>();
  const api = createLambdaInvokeApi(
    {
      has: (name) => Object.prototype.hasOwnProperty.call(functions, name),
      async invoke(name, event, requestId) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        try {
          // Lambda returns what JSON can carry.
          const result = await functions[name](event, { awsRequestId: requestId || randomUUID(), functionName: name });
          return { ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
        } catch (error) {
          return { ok: false, error: toInvocationError(error) };
        }
      },
      deadLetterQueue: () => undefined,
    },
    createLogger('error', () => undefined),
  );
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => api.handle(request, response, Buffer.concat(chunks), new URL(request.url ?? '/', 'http://x').pathname));
  });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    invocations: (functionName) => counts.get(functionName) ?? 0,
    stop: () => closeServer(server),
  };
}
