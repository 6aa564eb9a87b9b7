/**
 * Test identity provider: key pairs generated per run, a JWKS served over HTTP on 127.0.0.1 (with a
 * request counter, to see cache and cool-down behaviour), and token minting.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
  /** The public key as PEM text: what an attacker would use as an HMAC secret. */
  readonly publicPem: string;
}

export async function generateSigningKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export interface JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  readonly url: string;
  /** Number of JWKS requests received so far. */
  requestCount(): number;
  /** Replace the published keys (key rotation). */
  publish(keys: readonly SigningKey[]): void;
  /** Answer every request with this status instead of the key set (outage). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(initialKeys: readonly SigningKey[]): Promise<JwksServer> {
  let keys = initialKeys;
  let failureStatus: number | undefined;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (failureStatus !== undefined) {
      response.writeHead(failureStatus, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requestCount: () => requests,
    publish: (next) => {
      keys = next;
    },
    failWith: (status) => {
      failureStatus = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface MintOptions {
  readonly issuer?: string;
  readonly audience?: string | string[];
  /** Seconds since epoch; `null` leaves the claim out. */
  readonly exp?: number | null;
  readonly nbf?: number;
  /** Seconds since epoch (default: now); `null` leaves the claim out. */
  readonly iat?: number | null;
  readonly kid?: string | null;
  readonly alg?: string;
}

/** Signs `claims` with `key`; issuer/audience/exp default to the values the tests configure. */
export async function mintToken(
  key: SigningKey,
  claims: JWTPayload,
  defaults: { issuer: string; audience?: string },
  options: MintOptions = {},
): Promise<string> {
  const header: { alg: string; kid?: string } = { alg: options.alg ?? key.alg };
  if (options.kid !== null) header.kid = options.kid ?? key.kid;
  let jwt = new SignJWT(claims).setProtectedHeader(header).setIssuer(options.issuer ?? defaults.issuer);
  if (options.iat !== null) jwt = jwt.setIssuedAt(options.iat);
  const audience = 'audience' in options ? options.audience : defaults.audience;
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? nowSeconds() + 3600);
  if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

/** base64url of a JSON value, for hand-built (unsigned or tampered) tokens. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}
