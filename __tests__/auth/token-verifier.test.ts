/**
 * The verification core as the local runtime uses it (createTokenVerifier / extractToken /
 * authorizeConnection), and the issuer-specific rules: Cognito's audience, nested and namespaced
 * role claims, key types, configuration checks.
 */
import {
  AuthConfigError,
  AuthError,
  authOptionsFromEnv,
  authorizeConnection,
  createTokenVerifier,
  extractToken,
  type TokenVerifier,
} from '../../handlers/core/auth';
import { generateSigningKey, mintToken, startJwksServer, type JwksServer, type SigningKey } from './jwks-fixture';

const COGNITO_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz';
const APP_CLIENT_ID = '4example0client1id2abc';

let rsaKey: SigningKey;
let ecKey: SigningKey;
let psKey: SigningKey;
let jwks: JwksServer;

beforeAll(async () => {
  [rsaKey, ecKey, psKey] = await Promise.all([
    generateSigningKey('rsa-1', 'RS256'),
    generateSigningKey('ec-1', 'ES256'),
    generateSigningKey('ps-1', 'PS384'),
  ]);
  jwks = await startJwksServer([rsaKey, ecKey, psKey]);
});

afterAll(async () => {
  await jwks.close();
});

async function refusal(verifier: TokenVerifier, token: string): Promise<string> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).reason;
}

describe('Cognito user pool tokens', () => {
  let verifier: TokenVerifier;
  const cognito = (claims: Record<string, unknown>, audience?: string) =>
    mintToken(rsaKey, claims, { issuer: COGNITO_ISSUER }, audience === undefined ? { audience: undefined } : { audience });

  beforeAll(() => {
    verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer: COGNITO_ISSUER, audience: APP_CLIENT_ID });
  });

  test('GIVEN a Cognito access token (no aud, client_id of our app client) WHEN verified THEN accepted with its groups', async () => {
    const token = await cognito({ sub: 'c0ffee-1', token_use: 'access', client_id: APP_CLIENT_ID, 'cognito:groups': ['chat-agent'] });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'c0ffee-1', role: 'agent' });
  });

  test('GIVEN a Cognito ID token whose aud is our app client WHEN verified THEN accepted', async () => {
    const token = await cognito({ sub: 'c0ffee-2', token_use: 'id' }, APP_CLIENT_ID);
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'c0ffee-2', role: 'user' });
  });

  test('GIVEN an access token issued to another app client of the same pool WHEN verified THEN AUDIENCE_MISMATCH', async () => {
    const token = await cognito({ sub: 'c0ffee-3', token_use: 'access', client_id: 'another-client' });
    expect(await refusal(verifier, token)).toBe('AUDIENCE_MISMATCH');
  });

  test('GIVEN an ID token for another app client WHEN verified THEN AUDIENCE_MISMATCH', async () => {
    const token = await cognito({ sub: 'c0ffee-4', token_use: 'id' }, 'another-client');
    expect(await refusal(verifier, token)).toBe('AUDIENCE_MISMATCH');
  });

  test('GIVEN a pool token that is neither an ID nor an access token WHEN verified THEN AUDIENCE_MISMATCH', async () => {
    for (const claims of [
      { sub: 'c0ffee-5', client_id: APP_CLIENT_ID },
      { sub: 'c0ffee-5', token_use: 'refresh', client_id: APP_CLIENT_ID },
      // An ID token must name the client in aud; client_id alone does not count.
      { sub: 'c0ffee-5', token_use: 'id', client_id: APP_CLIENT_ID },
    ]) {
      expect(await refusal(verifier, await cognito(claims))).toBe('AUDIENCE_MISMATCH');
    }
    // Cognito access tokens never carry aud: one that does was not minted as the access token we expect.
    const accessWithAud = await cognito({ sub: 'c0ffee-5', token_use: 'access', client_id: APP_CLIENT_ID }, 'some-other-api');
    expect(await refusal(verifier, accessWithAud)).toBe('AUDIENCE_MISMATCH');
  });
});

describe('other issuers keep the strict aud check', () => {
  test('GIVEN a non-Cognito issuer WHEN a token has the right client_id but no aud THEN AUDIENCE_MISMATCH', async () => {
    const issuer = 'https://tenant.example.test/';
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience: APP_CLIENT_ID });
    const token = await mintToken(
      rsaKey,
      { sub: 'u1', token_use: 'access', client_id: APP_CLIENT_ID },
      { issuer },
      { audience: undefined },
    );
    expect(await refusal(verifier, token)).toBe('AUDIENCE_MISMATCH');
  });

  test('GIVEN several configured audiences WHEN a token names any one of them THEN accepted, and an unlisted one refused', async () => {
    const issuer = 'https://tenant.example.test/';
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience: 'api-one, api-two' });
    await expect(verifier.verify(await mintToken(rsaKey, { sub: 'u1' }, { issuer, audience: 'api-two' }))).resolves.toEqual({
      userId: 'u1',
      role: 'user',
    });
    expect(await refusal(verifier, await mintToken(rsaKey, { sub: 'u1' }, { issuer, audience: 'api-three' }))).toBe(
      'AUDIENCE_MISMATCH',
    );
  });
});

describe('keys, claims and identifiers', () => {
  const issuer = 'https://keycloak.example.test/realms/chat';
  const audience = 'chat-api';

  test('GIVEN EC and RSA-PSS signing keys in the JWKS WHEN their tokens are verified THEN both are accepted', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
    for (const key of [ecKey, psKey]) {
      await expect(verifier.verify(await mintToken(key, { sub: `via-${key.kid}` }, { issuer, audience }))).resolves.toEqual({
        userId: `via-${key.kid}`,
        role: 'user',
      });
    }
  });

  test('GIVEN Keycloak realm roles (nested claim path) WHEN the roles claim is realm_access.roles THEN the agent role is found', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience, rolesClaim: 'realm_access.roles' });
    const token = await mintToken(rsaKey, { sub: 'kc-1', realm_access: { roles: ['offline_access', 'chat-agent'] } }, { issuer, audience });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'kc-1', role: 'agent' });
  });

  test('GIVEN an Auth0 namespaced roles claim containing dots WHEN configured by its full name THEN the agent role is found', async () => {
    const rolesClaim = 'https://chat.example.test/roles';
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience, rolesClaim });
    const token = await mintToken(rsaKey, { sub: 'a0-1', [rolesClaim]: 'viewer,chat-agent' }, { issuer, audience });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'a0-1', role: 'agent' });
  });

  test('GIVEN a user id claim that is missing, not a string or outside the identifier alphabet WHEN verified THEN USER_ID_INVALID', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
    const badSubjects: Record<string, unknown>[] = [{}, { sub: 42 }, { sub: 'user#1' }, { sub: 'x'.repeat(129) }, { sub: '' }];
    for (const claims of badSubjects) {
      expect(await refusal(verifier, await mintToken(rsaKey, claims, { issuer, audience }))).toBe('USER_ID_INVALID');
    }
  });

  test('GIVEN an Auth0 subject with a connection prefix WHEN verified THEN it is the user id as is', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
    const token = await mintToken(rsaKey, { sub: 'auth0|abc123' }, { issuer, audience });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'auth0|abc123', role: 'user' });
  });

  test('GIVEN an oversized token WHEN verified THEN TOKEN_MALFORMED without contacting the JWKS', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
    const before = jwks.requestCount();
    expect(await refusal(verifier, `eyJhbGciOiJSUzI1NiJ9.${'A'.repeat(20_000)}.sig`)).toBe('TOKEN_MALFORMED');
    expect(jwks.requestCount()).toBe(before);
  });
});

describe('token transport (extractToken)', () => {
  test('GIVEN Node-style lower-case headers with the subprotocol list WHEN extracting THEN the bearer entry is the token', () => {
    expect(extractToken({ headers: { 'sec-websocket-protocol': 'chat, bearer.aaa.bbb.ccc' } })).toBe('aaa.bbb.ccc');
    expect(extractToken({ headers: { 'sec-websocket-protocol': ['chat', 'bearer.aaa.bbb.ccc'] } })).toBe('aaa.bbb.ccc');
  });

  test('GIVEN only the chat subprotocol and no token parameter WHEN extracting THEN there is no token', () => {
    expect(extractToken({ headers: { 'Sec-WebSocket-Protocol': 'chat, bearer.' }, queryStringParameters: { threadId: 't' } })).toBeUndefined();
    expect(extractToken({ headers: null, queryStringParameters: null })).toBeUndefined();
  });

  test('GIVEN the same token in the header, its multi-value copy and the query WHEN extracting THEN it is that token', () => {
    expect(
      extractToken({
        headers: { 'Sec-WebSocket-Protocol': 'chat, bearer.t.o.k' },
        multiValueHeaders: { 'Sec-WebSocket-Protocol': ['chat, bearer.t.o.k'] },
        queryStringParameters: { token: 't.o.k' },
      }),
    ).toBe('t.o.k');
  });

  test('GIVEN two different bearer entries WHEN extracting THEN TOKEN_AMBIGUOUS', () => {
    expect(() => extractToken({ headers: { 'sec-websocket-protocol': 'bearer.one.a.b, bearer.two.a.b' } })).toThrow(
      expect.objectContaining({ reason: 'TOKEN_AMBIGUOUS', statusCode: 401 }),
    );
  });
});

describe('authorizeConnection (the decision the local runtime applies at the upgrade)', () => {
  const issuer = 'https://local-idp.example.test/';
  const audience = 'chat-local';
  let verifier: TokenVerifier;

  beforeAll(() => {
    verifier = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
  });

  test('GIVEN an upgrade request with a valid token WHEN decided THEN 200 with the authorizer context, ignoring userId/role in the query', async () => {
    const token = await mintToken(rsaKey, { sub: 'alice' }, { issuer, audience });
    const decision = await authorizeConnection(
      {
        headers: { 'sec-websocket-protocol': `chat, bearer.${token}` },
        queryStringParameters: { threadId: 't-9', userId: 'bob', role: 'agent' },
      },
      verifier,
    );
    expect(decision).toEqual({ outcome: 'allow', statusCode: 200, context: { userId: 'alice', role: 'user', threadId: 't-9' }, kid: 'rsa-1' });
  });

  test('GIVEN an upgrade request without a token WHEN decided THEN 401 TOKEN_MISSING', async () => {
    await expect(authorizeConnection({ headers: {}, queryStringParameters: { threadId: 't-9', userId: 'alice' } }, verifier)).resolves.toEqual({
      outcome: 'unauthorized',
      statusCode: 401,
      reason: 'TOKEN_MISSING',
      kid: undefined,
    });
  });
});

describe('configuration checks', () => {
  test('GIVEN a JWKS URL over plain http to a remote host WHEN creating a verifier THEN it refuses the configuration', () => {
    expect(() => createTokenVerifier({ jwksUrl: 'http://idp.example.test/jwks.json', issuer: 'x', audience: 'y' })).toThrow(
      AuthConfigError,
    );
  });

  test('GIVEN no audience WHEN creating a verifier THEN it refuses the configuration', () => {
    expect(() => createTokenVerifier({ jwksUrl: 'https://idp.example.test/jwks.json', issuer: 'x', audience: ' , ' })).toThrow(
      /audience is required/,
    );
  });

  test('GIVEN the construct environment WHEN options are read THEN names map from ENV and missing required ones are listed', () => {
    expect(
      authOptionsFromEnv({
        CHAT_AUTH_JWKS_URL: 'https://idp.example.test/jwks.json',
        CHAT_AUTH_ISSUER: 'https://idp.example.test/',
        CHAT_AUTH_AUDIENCE: 'chat-api',
        CHAT_AUTH_ROLES_CLAIM: 'groups',
        CHAT_AUTH_USER_ID_CLAIM: '',
      }),
    ).toEqual({
      jwksUrl: 'https://idp.example.test/jwks.json',
      issuer: 'https://idp.example.test/',
      audience: 'chat-api',
      userIdClaim: undefined,
      rolesClaim: 'groups',
      agentRole: undefined,
    });
    expect(() => authOptionsFromEnv({ CHAT_AUTH_ISSUER: 'x' })).toThrow(/CHAT_AUTH_JWKS_URL, CHAT_AUTH_AUDIENCE/);
  });

  test('GIVEN a maximum token age WHEN options are read and resolved THEN it is used, one day when unset, and an unusable one is refused', () => {
    const base = { CHAT_AUTH_JWKS_URL: 'https://idp.example.test/jwks.json', CHAT_AUTH_ISSUER: 'x', CHAT_AUTH_AUDIENCE: 'y' };
    expect(authOptionsFromEnv({ ...base, CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '3600' }).maxTokenAgeSeconds).toBe(3600);
    expect(createTokenVerifier(authOptionsFromEnv(base)).options.maxTokenAgeSeconds).toBe(86400);
    expect(() => authOptionsFromEnv({ ...base, CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '-5' })).toThrow(/CHAT_AUTH_MAX_TOKEN_AGE_SECONDS must be a whole number/);
    for (const maxTokenAgeSeconds of [0, -1, 1.5, Number.NaN]) {
      expect(() => createTokenVerifier({ jwksUrl: base.CHAT_AUTH_JWKS_URL, issuer: 'x', audience: 'y', maxTokenAgeSeconds })).toThrow(
        /maxTokenAgeSeconds must be a positive whole number/,
      );
    }
  });
});
