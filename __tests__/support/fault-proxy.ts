/**
 * An HTTP proxy in front of a local service that can fail requests on demand (to simulate an
 * outage of e.g. SNS: while failing, every request gets a 500 in the AWS Query error format) and
 * records the operations it forwards (JSON-protocol `X-Amz-Target`, e.g. DynamoDB_20120810.PutItem).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';

export interface FaultProxy {
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
      if (typeof target === 'string') operations.push(target.split('.').pop()!);
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
