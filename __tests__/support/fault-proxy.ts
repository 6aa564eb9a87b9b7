/**
 * An HTTP proxy in front of a local service that can fail requests on demand (to simulate an
 * outage of e.g. SNS: while failing, every request gets a 500 in the AWS Query error format), or fail
 * the next few requests of one operation with a given AWS error (DynamoDB throttling, 5xx), and
 * records the operations it forwards (JSON-protocol `X-Amz-Target`, e.g. DynamoDB_20120810.PutItem).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';

/** An AWS error answer: status, and the JSON-protocol body `{"__type": ..., "message": ...}`. */
export interface InjectedFault {
  readonly status: number;
  readonly errorType: string;
}

/** DynamoDB's answers when it throttles and when it fails (both retryable: the SDK retries them with backoff). */
export const DYNAMODB_FAULTS = {
  throttled: { status: 400, errorType: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException' },
  internalError: { status: 500, errorType: 'com.amazonaws.dynamodb.v20120810#InternalServerError' },
} as const satisfies Record<string, InjectedFault>;

export interface FaultProxy {
  /**
   * The next `times` requests (of `operation` only, when given: an `X-Amz-Target` operation such as
   * PutItem; after letting `after` of them through) are answered `fault` instead of being forwarded.
   */
  failNext(fault: InjectedFault, times: number, which?: { readonly operation?: string; readonly after?: number }): void;
  readonly endpoint: string;
  /** While true, requests are answered 500 InternalFailure instead of being forwarded. */
  setFailing(failing: boolean): void;
  /** Requests refused while failing. */
  failedRequests(): number;
  /** Operations forwarded since the last reset (`X-Amz-Target` without the service prefix). */
  operations(): string[];
  resetOperations(): void;
  stop(): Promise<void>;
}

const QUERY_ERROR = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>Injected outage</Message></Error><RequestId>injected</RequestId></ErrorResponse>`;

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let failing = false;
  let failed = 0;
  let operations: string[] = [];
  let injected: { fault: InjectedFault; remaining: number; passes: number; operation?: string } | undefined;
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (failing) {
        failed++;
        outgoing.writeHead(500, { 'content-type': 'text/xml' });
        outgoing.end(QUERY_ERROR);
        return;
      }
      const target = incoming.headers['x-amz-target'];
      const operation = typeof target === 'string' ? target.split('.').pop()! : undefined;
      const matches = injected !== undefined && injected.remaining > 0 && (injected.operation === undefined || injected.operation === operation);
      if (injected && matches && injected.passes > 0) injected.passes -= 1;
      else if (injected && matches) {
        injected.remaining -= 1;
        failed++;
        outgoing.writeHead(injected.fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'injected' });
        outgoing.end(JSON.stringify({ __type: injected.fault.errorType, message: 'Injected fault' }));
        return;
      }
      if (operation !== undefined) operations.push(operation);
      const upstream = httpRequest(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: targetUrl.host },
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on('error', (err) => {
        outgoing.writeHead(502);
        outgoing.end(String(err));
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    failNext: (fault, times, which = {}) => {
      injected = { fault, remaining: times, passes: which.after ?? 0, operation: which.operation };
    },
    setFailing: (value) => {
      failing = value;
    },
    failedRequests: () => failed,
    operations: () => [...operations],
    resetOperations: () => {
      operations = [];
    },
    stop: () => closeServer(server),
  };
}
