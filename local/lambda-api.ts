/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) for the local runtime's
 * functions, so a bot calls the bot-reply function with the real LambdaClient pointed at
 * AWS_ENDPOINT_URL_LAMBDA (who may invoke which function is IAM's call, made before: local/aws-endpoints.ts). Answers like Lambda: 200 with the JSON result;
 * a function error is still 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage,
 * trace}`; `InvocationType: Event` answers 202 at once; `DryRun` 204; unknown function 404.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { InvocationOutcome } from './function-host';
import type { RuntimeLogger } from './logger';

/** The functions the API reaches, by name. */
export interface InvokableFunctions {
  has(functionName: string): boolean;
  invoke(functionName: string, event: unknown, requestId: string): Promise<InvocationOutcome>;
  /**
   * Where Lambda sends a function's failed asynchronous invocations (its dead-letter queue), and whether the
   * function's role may send there (Lambda sends with it); undefined when the function has none.
   */
  deadLetterQueue(functionName: string): { readonly queueArn: string; maySend(): boolean } | undefined;
}

/** Lambda retries a failed asynchronous invocation twice (after about 1 and 2 minutes; locally sooner). */
const ASYNC_RETRY_DELAYS_MS = [200, 1000];

/** Lambda's synchronous invocation payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export function isLambdaInvokePath(pathname: string): boolean {
  return INVOKE_PATH.test(pathname);
}

export function createLambdaInvokeApi(functions: InvokableFunctions, logger: RuntimeLogger) {
  const pendingEvents = new Set<Promise<unknown>>();

  function handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer, pathname: string): void {
    const requestId = randomUUID();
    const match = INVOKE_PATH.exec(pathname);
    if (request.method !== 'POST' || !match) {
      return sendError(response, 404, 'ResourceNotFoundException', 'Unknown Lambda API operation', requestId);
    }
    // The name may be a bare name, a partial or a full ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`).
    const requested = decodeURIComponent(match[1]);
    const arnMatch = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(requested);
    const functionName = arnMatch ? arnMatch[1] : requested.split(':')[0];
    const invoke = (payload: unknown, id: string) => functions.invoke(functionName, payload, id);
    if (!functions.has(functionName)) {
      return sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${requested}`, requestId);
    }
    if (body.length > MAX_PAYLOAD_BYTES) {
      return sendError(response, 413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', requestId);
    }
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        return sendError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json', requestId);
      }
    }
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (invocationType === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': requestId });
      return void response.end();
    }
    if (invocationType === 'Event') {
      const run = invokeAsynchronously(functionName, () => invoke(event, requestId), requestId);
      pendingEvents.add(run);
      void run.finally(() => pendingEvents.delete(run));
      response.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' });
      return void response.end();
    }
    if (invocationType !== 'RequestResponse') {
      return sendError(response, 400, 'InvalidParameterValueException', `Unsupported InvocationType ${invocationType}`, requestId);
    }
    void invoke(event, requestId).then((outcome) => {
      const payload = JSON.stringify(outcome.ok ? outcome.result : outcome.error);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
        'x-amzn-requestid': requestId,
        'x-amz-executed-version': '$LATEST',
      };
      if (!outcome.ok) headers['x-amz-function-error'] = 'Unhandled';
      response.writeHead(200, headers);
      response.end(payload);
    });
  }

  /** Lambda's asynchronous invocation: two retries, then the dead-letter queue (or nothing, logged). */
  async function invokeAsynchronously(functionName: string, attempt: () => Promise<InvocationOutcome>, requestId: string): Promise<void> {
    const attempts = ASYNC_RETRY_DELAYS_MS.length + 1;
    for (let retry = 0; ; retry++) {
      const outcome = await attempt();
      if (outcome.ok) return;
      logger.warn('lambda.async_invoke_failed', { functionName, requestId, attempt: retry + 1, errorType: outcome.error.errorType });
      if (retry + 1 >= attempts) break;
      await new Promise((resolve) => setTimeout(resolve, ASYNC_RETRY_DELAYS_MS[retry]));
    }
    const deadLetters = functions.deadLetterQueue(functionName);
    const fields = { functionName, requestId, attempts };
    if (!deadLetters) return void logger.error('lambda.async_invoke_dropped', { ...fields, reason: 'no dead-letter queue' });
    if (deadLetters.maySend()) return void logger.error('lambda.async_invoke_dead_lettered', { ...fields, queueArn: deadLetters.queueArn });
    logger.error('lambda.async_invoke_dropped', { ...fields, reason: 'the role may not send to its dead-letter queue', queueArn: deadLetters.queueArn });
  }

  return {
    handle,
    /** True while an `InvocationType: Event` invocation runs. */
    busy: (): boolean => pendingEvents.size > 0,
    /** Resolves when every `InvocationType: Event` invocation accepted so far has finished. */
    async idle(): Promise<void> {
      while (pendingEvents.size > 0) await Promise.all([...pendingEvents]);
    },
  };
}

function sendError(response: http.ServerResponse, status: number, type: string, message: string, requestId: string): void {
  const payload = JSON.stringify({ Type: status < 500 ? 'User' : 'Service', message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': type,
  });
  response.end(payload);
}
