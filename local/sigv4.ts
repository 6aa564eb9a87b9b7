/**
 * AWS Signature Version 4 verification for the local runtime's AWS-style endpoints: the request is signed
 * again with the secret of the access key it names and the signatures are compared, as AWS does. The
 * canonical request follows AWS's specification the way the AWS SDK for JavaScript v3 builds it (path
 * segments normalized and URI-escaped once more, query keys and values escaped and sorted, the signed
 * headers trimmed with inner whitespace folded, the payload hash from `x-amz-content-sha256` or the body).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export interface SignedRequest {
  readonly method: string;
  /** The request target as received: path and query string, still percent-encoded. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Why a signature was not accepted, in AWS's terms (each service renders it in its own error format). */
export type SignatureProblem =
  /** No `Authorization: AWS4-HMAC-SHA256 ...` header. */
  | 'missing'
  /** A header that is not a complete SigV4 authorization. */
  | 'incomplete'
  /** The access key is not one the runtime issued. */
  | 'unknownAccessKey'
  | 'mismatch'
  /** `X-Amz-Date` more than 15 minutes from the signer's clock. */
  | 'expired';

export type SignatureCheck =
  | { readonly ok: true; readonly accessKeyId: string; readonly service: string; readonly region: string }
  | { readonly ok: false; readonly problem: SignatureProblem; readonly message: string; readonly accessKeyId?: string };

/** What the runtime knows of an access key: its secret and the clock its holder may sign with. */
export interface IssuedKey {
  readonly secretAccessKey: string;
  /** Epoch ms the holder's clock reads now (functions may run on a shifted clock); the real clock is accepted too. */
  now(): number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a signature dated more than 15 minutes from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** The service name in a SigV4 `Authorization` header's credential scope (`.../us-east-1/sns/aws4_request`). */
export function signingServiceOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
}

/** Checks a request's SigV4 signature against the key it names. */
export function verifySignature(request: SignedRequest, keyOf: (accessKeyId: string) => IssuedKey | undefined): SignatureCheck {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || !authorization.startsWith(`${ALGORITHM} `)) {
    return { ok: false, problem: 'missing', message: 'Missing Authentication Token' };
  }
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) {
    return {
      ok: false,
      problem: 'incomplete',
      message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    };
  }
  const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = match;
  const key = keyOf(accessKeyId);
  if (!key) return { ok: false, problem: 'unknownAccessKey', accessKeyId, message: 'The security token included in the request is invalid.' };

  const longDate = headerValue(request.headers['x-amz-date']);
  if (!longDate || !/^\d{8}T\d{6}Z$/.test(longDate) || longDate.slice(0, 8) !== shortDate) {
    return { ok: false, problem: 'incomplete', accessKeyId, message: 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.' };
  }
  const signedAt = Date.parse(`${longDate.slice(0, 4)}-${longDate.slice(4, 6)}-${longDate.slice(6, 8)}T${longDate.slice(9, 11)}:${longDate.slice(11, 13)}:${longDate.slice(13, 15)}Z`);
  const now = Date.now();
  const skew = Math.min(Math.abs(now - signedAt), Math.abs(key.now() - signedAt));
  if (!Number.isFinite(signedAt) || !(skew <= MAX_CLOCK_SKEW_MS)) {
    return { ok: false, problem: 'expired', accessKeyId, message: `Signature expired: ${longDate} is now earlier or later than 15 minutes from ${compactDate(now)}.` };
  }

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) {
    return { ok: false, problem: 'incomplete', accessKeyId, message: "'Host' must be a signed header." };
  }
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(headerValue(request.headers[name]) ?? '').trim().replace(/\s+/g, ' ')}`);
  const payloadHash = headerValue(request.headers['x-amz-content-sha256']) ?? sha256Hex(request.body);
  const [rawPath, rawQuery = ''] = request.url.split(/\?(.*)/s);
  const canonicalRequest = [
    request.method,
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    ...canonicalHeaders,
    '',
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, shortDate);
  for (const part of [region, service, 'aws4_request']) signingKey = hmac(signingKey, part);
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      problem: 'mismatch',
      accessKeyId,
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
        'Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true, accessKeyId, service, region };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 escaping as the SDK does it (`encodeURIComponent` plus `!'()*`). */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Segments normalized (`.`/`..`/empty removed), then the still-encoded path escaped once more. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const path = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(path).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery.split('&').filter((pair) => pair !== '').map((pair) => {
    const [name, value = ''] = pair.split(/=(.*)/s);
    return `${escapeUri(decodeQueryComponent(name))}=${escapeUri(decodeQueryComponent(value))}`;
  });
  return pairs.filter((pair) => !pair.toLowerCase().startsWith('x-amz-signature=')).sort().join('&');
}

function decodeQueryComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compactDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}
