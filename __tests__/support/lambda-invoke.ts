/**
 * A local Lambda Invoke endpoint (`POST /2015-03-31/functions/{name}/invocations`) so tests call
 * functions with the real LambdaClient, as a bot would in AWS. RequestResponse only: the handler's
 * result is the payload; a thrown error becomes `X-Amz-Function-Error: Unhandled` with
 * `{errorType, errorMessage}`, like Lambda.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(request.url ?? '/', 'http://x').pathname);
      const requestId = randomUUID();
      const name = match ? decodeURIComponent(match[1]).split(':').slice(-1)[0] : '';
      const handler = functions[name];
      if (request.method !== 'POST' || !handler) {
        response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException', 'x-amzn-RequestId': requestId });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return;
      }
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = { 'content-type': 'application/json', 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
      try {
        const result = await handler(raw === '' ? {} : JSON.parse(raw), { awsRequestId: requestId, functionName: name });
        response.writeHead(200, headers);
        response.end(result === undefined ? 'null' : JSON.stringify(result));
      } catch (err) {
        response.writeHead(200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
        response.end(JSON.stringify({ errorType: (err as Error).name ?? 'Error', errorMessage: (err as Error).message, trace: [] }));
      }
    });
  });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    invocations: (functionName) => counts.get(functionName) ?? 0,
    stop: () => closeServer(server),
  };
}
