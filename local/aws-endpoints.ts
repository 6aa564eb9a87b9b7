/**
 * The front door of the local runtime's AWS-style endpoints (DynamoDB, SNS, Lambda Invoke, `@connections`),
 * in AWS's order: the SigV4 signature is verified with the key it names (local/sigv4.ts), the request is
 * tied to that key's principal, each action the request performs is authorized against the principal's
 * statements (local/local-iam.ts) on the resource it names, and only then does the service emulation see
 * it. Refusals come in the service's own error format, as the AWS SDK expects them.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { LocalIam, LocalPrincipal } from './local-iam';
import { verifySignature, type SignatureProblem } from './sigv4';

/** The services the runtime emulates, by their SigV4 signing names. */
export type LocalService = 'dynamodb' | 'sns' | 'lambda' | 'execute-api';

export const LOCAL_SERVICES: readonly LocalService[] = ['dynamodb', 'sns', 'lambda', 'execute-api'];

/** What the caller asks to do: IAM actions on resources (ARNs). */
export interface RequestedAccess {
  readonly action: string;
  readonly resource: string;
}

export type ServiceHandler = (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer, caller: LocalPrincipal) => void;

export interface AwsEndpointsOptions {
  readonly iam: LocalIam;
  readonly region: string;
  readonly accountId: string;
  /** The WebSocket API id and stage, for `execute-api` ARNs. */
  readonly apiId: string;
  readonly stage: string;
  readonly handlers: Readonly<Record<LocalService, ServiceHandler>>;
}

/** Serves one signed request for `service`. */
export function createAwsEndpoints(options: AwsEndpointsOptions) {
  const { iam } = options;
  return function handle(service: LocalService, request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const signature = verifySignature({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body }, (key) => iam.keyOf(key));
    if (!signature.ok) return refuseSignature(service, response, signature.problem, signature.message);
    const caller = iam.principalOf(signature.accessKeyId) as LocalPrincipal;
    for (const access of requestedAccess(service, request, body, options)) {
      const decision = iam.authorize(caller, access.action, access.resource);
      if (!decision.allowed) return denyAccess(service, response, decision.message);
    }
    options.handlers[service](request, response, body, caller);
  };
}

/**
 * The IAM actions and resources a request needs, as the service authorizes it. A request too malformed to
 * name its resource needs nothing here: the service answers it with its own validation error.
 */
export function requestedAccess(
  service: LocalService,
  request: http.IncomingMessage,
  body: Buffer,
  place: { readonly region: string; readonly accountId: string; readonly apiId: string; readonly stage: string },
): RequestedAccess[] {
  const arn = (svc: string, resource: string) => `arn:aws:${svc}:${place.region}:${place.accountId}:${resource}`;
  const pathname = new URL(request.url ?? '/', 'http://local').pathname;
  switch (service) {
    case 'dynamodb':
      return dynamoDbAccess(String(request.headers['x-amz-target'] ?? ''), parseJson(body), (table) => arn('dynamodb', `table/${table}`));
    case 'sns': {
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? '';
      const topicArn = params.get('TopicArn');
      // PublishBatch is authorized as sns:Publish.
      const iamAction = action === 'PublishBatch' ? 'Publish' : action;
      return iamAction && topicArn ? [{ action: `sns:${iamAction}`, resource: topicArn }] : [];
    }
    case 'lambda': {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(pathname);
      if (!match) return [];
      const requested = safeDecode(match[1]);
      const arnMatch = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:(.+)$/.exec(requested);
      return [{ action: 'lambda:InvokeFunction', resource: arn('lambda', `function:${arnMatch ? arnMatch[1] : requested}`) }];
    }
    case 'execute-api': {
      const match = /^(?:\/[^/@]+)?\/@connections\/([^/]+)$/.exec(pathname);
      if (!match) return [];
      return [
        {
          action: 'execute-api:ManageConnections',
          resource: arn('execute-api', `${place.apiId}/${place.stage}/${request.method ?? 'GET'}/@connections/${safeDecode(match[1])}`),
        },
      ];
    }
  }
}

/** DynamoDB actions by operation: the operation itself on each table (and index) it names. */
function dynamoDbAccess(target: string, input: unknown, tableArn: (table: string) => string): RequestedAccess[] {
  const operation = target.replace(/^DynamoDB_\d+\./, '');
  if (!operation || !isRecord(input)) return [];
  const action = `dynamodb:${operation}`;
  if (operation === 'ListTables') return [{ action, resource: '*' }];
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    return isRecord(input.RequestItems) ? Object.keys(input.RequestItems).map((table) => ({ action, resource: tableArn(table) })) : [];
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    // Each item needs the item action it performs (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem).
    const items = Array.isArray(input.TransactItems) ? input.TransactItems : [];
    return items.flatMap((item: unknown) =>
      isRecord(item)
        ? Object.entries(item).flatMap(([kind, detail]) =>
            isRecord(detail) && typeof detail.TableName === 'string'
              ? [{ action: `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`}`, resource: tableArn(detail.TableName) }]
              : [],
          )
        : [],
    );
  }
  if (typeof input.TableName !== 'string') return [];
  const resource = typeof input.IndexName === 'string' ? `${tableArn(input.TableName)}/index/${input.IndexName}` : tableArn(input.TableName);
  return [{ action, resource }];
}

/** AWS's answers to a signature it does not accept, per service protocol. */
function refuseSignature(service: LocalService, response: http.ServerResponse, problem: SignatureProblem, message: string): void {
  const code = {
    missing: service === 'sns' ? 'MissingAuthenticationToken' : 'MissingAuthenticationTokenException',
    incomplete: service === 'sns' ? 'IncompleteSignature' : 'IncompleteSignatureException',
    unknownAccessKey: service === 'sns' ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
    mismatch: service === 'sns' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
    expired: service === 'sns' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
  }[problem];
  sendError(service, response, code, message);
}

function denyAccess(service: LocalService, response: http.ServerResponse, message: string): void {
  sendError(service, response, service === 'sns' ? 'AuthorizationError' : 'AccessDeniedException', message);
}

function sendError(service: LocalService, response: http.ServerResponse, code: string, message: string): void {
  const requestId = randomUUID();
  if (service === 'sns') {
    const xml =
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return send(response, 403, 'text/xml', xml, { 'x-amzn-requestid': requestId });
  }
  if (service === 'dynamodb') {
    // DynamoDB answers 400 with the error type in the body (AWS JSON 1.0); AccessDeniedException says "Message".
    const key = code === 'AccessDeniedException' ? 'Message' : 'message';
    return send(response, 400, 'application/x-amz-json-1.0', JSON.stringify({ __type: `com.amazon.coral.service#${code}`, [key]: message }), {
      'x-amzn-requestid': requestId,
    });
  }
  const payload = service === 'lambda' ? { Type: 'User', message } : { message };
  return send(response, 403, 'application/json', JSON.stringify(payload), { 'x-amzn-requestid': requestId, 'x-amzn-errortype': code });
}

function send(response: http.ServerResponse, status: number, type: string, body: string, headers: http.OutgoingHttpHeaders): void {
  response.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] as string);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
