/**
 * The `$connect` REQUEST authorizer Lambda, driven with API Gateway's event shape against a JWKS the
 * test serves from key pairs it generates. 401 = the handler throws exactly `Unauthorized`;
 * 403 = a Deny policy; a connection is allowed only by an Allow policy on the event's methodArn.
 */
import { SignJWT } from 'jose';
import { handler, type WebSocketAuthorizerEvent } from '../../handlers/authorizer';
import { ENV } from '../../lib/schema';
import {
  decodeSegment,
  encodeSegment,
  generateSigningKey,
  mintToken,
  nowSeconds,
  startJwksServer,
  type JwksServer,
  type SigningKey,
} from './jwks-fixture';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'chat-api';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/$connect';
const AUTH_ENV_NAMES = [
  ENV.jwksUrl,
  ENV.issuer,
  ENV.audience,
  ENV.userIdClaim,
  ENV.rolesClaim,
  ENV.agentRole,
  ENV.maxTokenAgeSeconds,
  ENV.logLevel,
] as const;

let signingKey: SigningKey;
let jwks: JwksServer;
let savedEnv: Record<string, string | undefined>;
let logLines: string[];

function configureAuthEnv(jwksUrl: string): void {
  process.env[ENV.jwksUrl] = jwksUrl;
  process.env[ENV.issuer] = ISSUER;
  process.env[ENV.audience] = AUDIENCE;
  delete process.env[ENV.userIdClaim];
  delete process.env[ENV.rolesClaim];
  delete process.env[ENV.agentRole];
  delete process.env[ENV.maxTokenAgeSeconds];
  delete process.env[ENV.logLevel];
}

function token(claims: Record<string, unknown>, options: Parameters<typeof mintToken>[3] = {}, key = signingKey) {
  return mintToken(key, claims, { issuer: ISSUER, audience: AUDIENCE }, options);
}

function connectEvent(parts: {
  subprotocols?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}): WebSocketAuthorizerEvent {
  const headers: Record<string, string> = { Host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com', ...parts.headers };
  if (parts.subprotocols !== undefined) headers['Sec-WebSocket-Protocol'] = parts.subprotocols;
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: parts.query ?? null,
    requestContext: { routeKey: '$connect', connectionId: 'conn-1=', requestId: 'req-1', apiId: 'abcdef1234', stage: 'prod' },
  };
}

/** Event of a browser connecting to thread `t-1` with the token as subprotocol. */
function browserConnect(jwt: string, query: Record<string, string> = { threadId: 't-1' }): WebSocketAuthorizerEvent {
  return connectEvent({ subprotocols: `chat, bearer.${jwt}`, query });
}

async function expectUnauthorized(event: WebSocketAuthorizerEvent, reason: string): Promise<void> {
  await expect(handler(event)).rejects.toThrow(/^Unauthorized$/);
  expect(lastDecisionLog()).toMatchObject({ decision: 'unauthorized', statusCode: 401, reason });
}

function lastDecisionLog(): Record<string, unknown> {
  const decisions = logLines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.event === 'authorizer.decision');
  expect(decisions.length).toBeGreaterThan(0);
  return decisions[decisions.length - 1];
}

beforeAll(async () => {
  savedEnv = Object.fromEntries(AUTH_ENV_NAMES.map((name) => [name, process.env[name]]));
  signingKey = await generateSigningKey('key-a');
  jwks = await startJwksServer([signingKey]);
});

afterAll(async () => {
  await jwks.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  configureAuthEnv(jwks.url);
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(...String(chunk).split('\n').filter((line) => line.length > 0));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('refused tokens (401 at $connect)', () => {
  test('GIVEN no token at all WHEN a client connects THEN it is refused with 401', async () => {
    await expectUnauthorized(connectEvent({ subprotocols: 'chat', query: { threadId: 't-1', userId: 'alice' } }), 'TOKEN_MISSING');
  });

  test('GIVEN a token signed by another key under the same kid WHEN connecting THEN 401', async () => {
    const impostorKey = await generateSigningKey('key-a');
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, {}, impostorKey)), 'SIGNATURE_INVALID');
  });

  test('GIVEN a token expired longer ago than the 30 s clock tolerance WHEN connecting THEN 401', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { exp: nowSeconds() - 120 })), 'TOKEN_EXPIRED');
  });

  test('GIVEN a token that is not valid before two minutes from now WHEN connecting THEN 401', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { nbf: nowSeconds() + 120 })), 'TOKEN_NOT_YET_VALID');
  });

  test('GIVEN a token issued two days ago that expires next year WHEN connecting with the default maximum age (one day) THEN 401 TOKEN_TOO_OLD', async () => {
    const token2DaysOld = await token({ sub: 'alice' }, { iat: nowSeconds() - 2 * 86400, exp: nowSeconds() + 365 * 86400 });
    await expectUnauthorized(browserConnect(token2DaysOld), 'TOKEN_TOO_OLD');
  });

  test('GIVEN a configured maximum age of 10 minutes WHEN a token issued 20 minutes ago (valid exp) connects THEN 401 TOKEN_TOO_OLD', async () => {
    process.env[ENV.maxTokenAgeSeconds] = '600';
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { iat: nowSeconds() - 1200 })), 'TOKEN_TOO_OLD');
  });

  test('GIVEN a token whose iat is two minutes in the future (beyond the 30 s clock tolerance) WHEN connecting THEN 401 TOKEN_ISSUED_IN_FUTURE', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { iat: nowSeconds() + 120 })), 'TOKEN_ISSUED_IN_FUTURE');
  });

  test('GIVEN a token without iat WHEN connecting THEN 401 (iat is required to know its age)', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { iat: null })), 'CLAIM_INVALID');
  });

  test('GIVEN a maximum token age that is not a whole number WHEN a client connects THEN the authorizer fails closed', async () => {
    process.env[ENV.maxTokenAgeSeconds] = '1d';
    await expect(handler(browserConnect(await token({ sub: 'alice' })))).rejects.toThrow('Authorization unavailable');
    expect(logLines.some((line) => line.includes('authorizer.config_error') && line.includes(ENV.maxTokenAgeSeconds))).toBe(true);
  });

  test('GIVEN a token without an expiry WHEN connecting THEN 401 (exp is required)', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { exp: null })), 'CLAIM_INVALID');
  });

  test('GIVEN a token from another issuer WHEN connecting THEN 401', async () => {
    await expectUnauthorized(
      browserConnect(await token({ sub: 'alice' }, { issuer: 'https://evil.example.test/' })),
      'ISSUER_MISMATCH',
    );
  });

  test('GIVEN a token for another audience WHEN connecting THEN 401', async () => {
    await expectUnauthorized(browserConnect(await token({ sub: 'alice' }, { audience: 'other-api' })), 'AUDIENCE_MISMATCH');
  });

  test('GIVEN an unsigned token with alg none WHEN connecting THEN 401', async () => {
    const header = encodeSegment({ alg: 'none', kid: signingKey.kid, typ: 'JWT' });
    const payload = encodeSegment({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 3600 });
    await expectUnauthorized(browserConnect(`${header}.${payload}.`), 'ALG_NOT_ALLOWED');
    await expectUnauthorized(browserConnect(`${header}.${payload}.c2lnbmF0dXJl`), 'ALG_NOT_ALLOWED');
  });

  test('GIVEN an HS256 token whose secret is the public key WHEN connecting THEN 401 (no algorithm confusion)', async () => {
    for (const secret of [signingKey.publicPem, JSON.stringify(signingKey.publicJwk)]) {
      const forged = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(nowSeconds() + 3600)
        .sign(new TextEncoder().encode(secret));
      await expectUnauthorized(browserConnect(forged), 'ALG_NOT_ALLOWED');
    }
  });

  test('GIVEN a valid token whose payload was edited to another user WHEN connecting THEN 401', async () => {
    const [header, payload, signature] = (await token({ sub: 'alice' })).split('.');
    const tampered = encodeSegment({ ...decodeSegment(payload), sub: 'mallory', 'cognito:groups': ['chat-agent'] });
    await expectUnauthorized(browserConnect(`${header}.${tampered}.${signature}`), 'SIGNATURE_INVALID');
  });

  test('GIVEN garbage instead of a token WHEN connecting THEN 401', async () => {
    await expectUnauthorized(browserConnect('not-a-jwt'), 'TOKEN_MALFORMED');
  });

  test('GIVEN two different tokens (subprotocol and query) WHEN connecting THEN 401 rather than picking one', async () => {
    const alice = await token({ sub: 'alice' });
    const bob = await token({ sub: 'bob' });
    await expectUnauthorized(
      connectEvent({ subprotocols: `chat, bearer.${alice}`, query: { threadId: 't-1', token: bob } }),
      'TOKEN_AMBIGUOUS',
    );
  });

  test('GIVEN a refused token WHEN the decision is logged THEN the log has the reason and kid but no token contents', async () => {
    const jwt = await token({ sub: 'alice-secret-subject', email: 'alice@example.test' }, { audience: 'other-api' });
    await expectUnauthorized(browserConnect(jwt), 'AUDIENCE_MISMATCH');
    expect(lastDecisionLog()).toMatchObject({ kid: 'key-a', requestId: 'req-1', connectionId: 'conn-1=' });
    const everything = logLines.join('\n');
    for (const secret of [jwt, jwt.split('.')[1], jwt.split('.')[2], 'alice-secret-subject', 'alice@example.test']) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('accepted tokens', () => {
  test('GIVEN a valid token in the subprotocol WHEN the query string claims another user and the agent role THEN Allow as the token subject with role user', async () => {
    const result = await handler(
      browserConnect(await token({ sub: 'alice' }), { threadId: 't-1', userId: 'mallory', role: 'agent' }),
    );
    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      context: { userId: 'alice', role: 'user', threadId: 't-1' },
    });
    expect(lastDecisionLog()).toMatchObject({ decision: 'allow', statusCode: 200, userId: 'alice', role: 'user', kid: 'key-a' });
  });

  test('GIVEN a valid token in the token query parameter WHEN connecting THEN Allow as its subject', async () => {
    const result = await handler(connectEvent({ query: { threadId: 't-2', token: await token({ sub: 'bob' }) } }));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(result.context).toEqual({ userId: 'bob', role: 'user', threadId: 't-2' });
  });

  test('GIVEN the subprotocol header in any letter case WHEN connecting THEN the token is found', async () => {
    const jwt = await token({ sub: 'carol' });
    for (const name of ['sec-websocket-protocol', 'SEC-WEBSOCKET-PROTOCOL', 'Sec-Websocket-Protocol']) {
      const event = connectEvent({ headers: { [name]: `chat,bearer.${jwt}` }, query: { threadId: 't-1' } });
      expect((await handler(event)).context).toEqual({ userId: 'carol', role: 'user', threadId: 't-1' });
    }
  });

  test('GIVEN a token that expired 10 s ago WHEN connecting THEN it is still accepted (30 s clock tolerance)', async () => {
    const result = await handler(browserConnect(await token({ sub: 'alice' }, { exp: nowSeconds() - 10 })));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  test('GIVEN a configured maximum age of 10 minutes WHEN a token issued 9 minutes ago connects THEN Allow', async () => {
    process.env[ENV.maxTokenAgeSeconds] = '600';
    const result = await handler(browserConnect(await token({ sub: 'alice' }, { iat: nowSeconds() - 540 })));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  test('GIVEN a token issued 20 hours ago WHEN connecting with the default maximum age (one day) THEN Allow', async () => {
    const result = await handler(browserConnect(await token({ sub: 'alice' }, { iat: nowSeconds() - 20 * 3600 })));
    expect(result).toMatchObject({ principalId: 'alice', policyDocument: { Statement: [{ Effect: 'Allow' }] } });
  });

  test('GIVEN a token whose iat is 10 s in the future WHEN connecting THEN Allow (within the 30 s clock tolerance)', async () => {
    const result = await handler(browserConnect(await token({ sub: 'alice' }, { iat: nowSeconds() + 10 })));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  test('GIVEN a token whose groups include chat-agent WHEN connecting THEN the context role is agent', async () => {
    const result = await handler(browserConnect(await token({ sub: 'agent-1', 'cognito:groups': ['staff', 'chat-agent'] })));
    expect(result.context).toEqual({ userId: 'agent-1', role: 'agent', threadId: 't-1' });
  });

  test('GIVEN groups that only resemble the agent group WHEN connecting THEN the role is user', async () => {
    for (const groups of [['chat-agents'], 'chat-agent-trainee', ['CHAT-AGENT'], []]) {
      const result = await handler(browserConnect(await token({ sub: 'dave', 'cognito:groups': groups })));
      expect(result.context).toMatchObject({ userId: 'dave', role: 'user' });
    }
  });

  test('GIVEN a configured roles claim holding a space separated string WHEN it contains the configured agent role THEN role agent', async () => {
    process.env[ENV.rolesClaim] = 'scope';
    process.env[ENV.agentRole] = 'chat:agent';
    const agent = await handler(browserConnect(await token({ sub: 'erin', scope: 'openid chat:agent profile' })));
    expect(agent.context).toMatchObject({ userId: 'erin', role: 'agent' });
    const user = await handler(browserConnect(await token({ sub: 'frank', scope: 'openid profile', 'cognito:groups': ['chat-agent'] })));
    expect(user.context).toMatchObject({ userId: 'frank', role: 'user' });
  });

  test('GIVEN a configured user id claim WHEN connecting THEN the user id comes from that claim, not sub', async () => {
    process.env[ENV.userIdClaim] = 'uid';
    const result = await handler(browserConnect(await token({ sub: 'ignored-subject', uid: 'user-42' })));
    expect(result.context).toMatchObject({ userId: 'user-42' });
  });
});

describe('thread id checks (403)', () => {
  test('GIVEN a valid token WHEN the threadId is not a valid identifier THEN Deny on the methodArn (403)', async () => {
    const jwt = await token({ sub: 'alice' });
    for (const threadId of ['../t-1', 't 1', 'x'.repeat(129), 't-1#bot']) {
      const result = await handler(browserConnect(jwt, { threadId }));
      expect(result).toEqual({
        principalId: 'alice',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN }],
        },
      });
      expect(lastDecisionLog()).toMatchObject({ decision: 'deny', statusCode: 403, reason: 'THREAD_ID_INVALID' });
    }
  });

  test('GIVEN a user token WHEN connecting without a threadId THEN Deny (only agents may open a console connection)', async () => {
    const result = await handler(browserConnect(await token({ sub: 'alice' }), {}));
    expect(result.policyDocument.Statement[0].Effect).toBe('Deny');
    expect(lastDecisionLog()).toMatchObject({ decision: 'deny', reason: 'THREAD_REQUIRED' });
  });

  test('GIVEN an agent token WHEN connecting without a threadId THEN Allow with a context that has no threadId', async () => {
    const result = await handler(browserConnect(await token({ sub: 'agent-1', 'cognito:groups': ['chat-agent'] }), {}));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(result.context).toEqual({ userId: 'agent-1', role: 'agent' });
    expect(Object.keys(result.context ?? {})).not.toContain('threadId');
  });
});

describe('JWKS caching, key rotation and cool-down', () => {
  // Each case gets its own issuer key server, hence its own verifier and JWKS cache.
  let rotatingJwks: JwksServer;
  let keyA: SigningKey;
  let keyB: SigningKey;

  beforeEach(async () => {
    keyA = await generateSigningKey('rotation-a');
    keyB = await generateSigningKey('rotation-b');
    rotatingJwks = await startJwksServer([keyA]);
    configureAuthEnv(rotatingJwks.url);
  });

  afterEach(async () => {
    await rotatingJwks.close();
  });

  /** Moves jose's JWKS clock (Date.now) forward; token validity uses `new Date()` and is unaffected. */
  function advanceJwksClockBy(seconds: number): void {
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + seconds * 1000);
  }

  test('GIVEN warm invocations WHEN many valid tokens are checked THEN the JWKS is fetched once', async () => {
    for (const sub of ['u1', 'u2', 'u3', 'u4']) {
      const result = await handler(browserConnect(await token({ sub }, {}, keyA)));
      expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
    }
    expect(rotatingJwks.requestCount()).toBe(1);
  });

  test('GIVEN the issuer rotated to a new key after our last fetch (cool-down over) WHEN a token with the new kid arrives THEN the JWKS is refetched once and the token accepted', async () => {
    await handler(browserConnect(await token({ sub: 'u1' }, {}, keyA)));
    expect(rotatingJwks.requestCount()).toBe(1);

    rotatingJwks.publish([keyA, keyB]);
    advanceJwksClockBy(31);
    const result = await handler(browserConnect(await token({ sub: 'u2' }, {}, keyB)));

    expect(result.context).toEqual({ userId: 'u2', role: 'user', threadId: 't-1' });
    expect(rotatingJwks.requestCount()).toBe(2);
    // The old key still verifies from the refreshed cache without another fetch.
    await handler(browserConnect(await token({ sub: 'u3' }, {}, keyA)));
    expect(rotatingJwks.requestCount()).toBe(2);
  });

  test('GIVEN a JWKS fetched moments ago WHEN tokens with unknown kids keep arriving THEN they are refused without refetching until the cool-down ends', async () => {
    await handler(browserConnect(await token({ sub: 'u1' }, {}, keyA)));
    const strangerKeys = await Promise.all(['unknown-1', 'unknown-2', 'unknown-3'].map((kid) => generateSigningKey(kid)));
    for (const key of [...strangerKeys, ...strangerKeys]) {
      await expectUnauthorized(browserConnect(await token({ sub: 'mallory' }, {}, key)), 'KEY_NOT_FOUND');
    }
    expect(lastDecisionLog()).toMatchObject({ kid: 'unknown-3' });
    expect(rotatingJwks.requestCount()).toBe(1);

    // After the cool-down one more unknown kid may refetch once, then the next cool-down starts.
    advanceJwksClockBy(31);
    for (const key of strangerKeys) {
      await expectUnauthorized(browserConnect(await token({ sub: 'mallory' }, {}, key)), 'KEY_NOT_FOUND');
    }
    expect(rotatingJwks.requestCount()).toBe(2);
  });

  test('GIVEN the JWKS endpoint is failing WHEN a client connects THEN the authorizer fails with a server error (500), not Allow and not 401', async () => {
    rotatingJwks.failWith(503);
    await expect(handler(browserConnect(await token({ sub: 'u1' }, {}, keyA)))).rejects.toThrow(/^Authorization unavailable$/);
    expect(lastDecisionLog()).toMatchObject({ decision: 'error', statusCode: 500, reason: 'JWKS_UNAVAILABLE' });

    rotatingJwks.failWith(undefined);
    const result = await handler(browserConnect(await token({ sub: 'u1' }, {}, keyA)));
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });
});

describe('configuration', () => {
  test('GIVEN the authorizer has no issuer configured WHEN a client connects with any token THEN it fails closed and logs a configuration error', async () => {
    delete process.env[ENV.issuer];
    await expect(handler(browserConnect(await token({ sub: 'alice' })))).rejects.toThrow(/^Authorization unavailable$/);
    expect(logLines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'error', event: 'authorizer.config_error' }),
    );
  });
});
