/**
 * Props: defaults applied in one place, every invalid prop refused at synth with an error naming it,
 * and no synth without an explicit auth decision.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Testing } from 'cdktf';
import * as ts from 'typescript';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { ChatServer, INSECURE_AUTH_WARNING } from '../../lib/chat-server';
import {
  CHAT_SERVER_DEFAULTS,
  ChatServerPropsError,
  resolveChatServerProps,
  type ChatServerProps,
} from '../../lib/chat-server-props';
import { ChatInfraStack } from '../../lib/chat-infra-stack';
import { DEFAULTS } from '../../lib/schema';
import { REPO_ROOT, TEST_JWT_AUTH, baseProps, captureStderr, resourceList, synthChatServer, tempDir } from './support/synth';

interface PropDoc {
  readonly optional: boolean;
  readonly description: string;
  /** Text of the `@default` tag; undefined without one. */
  readonly defaultTag?: string;
}

/** JSDoc of every property of the exported `*Props` / `*Options` interfaces of a source (Resolved* excluded), by `Interface.prop`. */
function propDocs(file: string, only?: readonly string[]): Record<string, PropDoc> {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const docs: Record<string, PropDoc> = {};
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
    const name = node.name.text;
    if (!/(Props|Options)$/.test(name) || name.startsWith('Resolved') || (only && !only.includes(name))) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member)) continue;
      const jsDocs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const defaultTag = jsDocs.flatMap((doc) => doc.tags ?? []).find((tag) => tag.tagName.text === 'default');
      docs[`${name}.${member.name.getText(source)}`] = {
        optional: member.questionToken !== undefined,
        description: jsDocs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join(' ').trim(),
        defaultTag: defaultTag ? (ts.getTextOfJSDocComment(defaultTag.comment) ?? '').trim() : undefined,
      };
    }
  });
  return docs;
}

function synthWith(props: unknown): void {
  Testing.synthScope((scope) => {
    new ChatServer(scope, 'chat', props as ChatServerProps);
  });
}

describe('ChatServer props', () => {
  test('defaults: every optional prop gets its documented default', () => {
    // GIVEN only the required props
    // WHEN they are resolved
    const resolved = resolveChatServerProps({ name: 'chat', auth: TEST_JWT_AUTH });
    // THEN the defaults are the documented ones (and the shared schema defaults where they exist)
    expect(resolved).toEqual({
      name: 'chat',
      auth: {
        mode: 'jwt',
        ...TEST_JWT_AUTH,
        userIdClaim: 'sub',
        rolesClaim: 'cognito:groups',
        agentRole: 'chat-agent',
        maxTokenAgeSeconds: 86400,
      },
      domain: undefined,
      snsTopicName: 'chat-responder',
      messageRetentionDays: 90,
      stageName: 'prod',
      throttling: { rateLimit: 1000, burstLimit: 500 },
      rateLimit: { messages: DEFAULTS.rateLimitMessages, windowSeconds: DEFAULTS.rateLimitWindowSeconds },
      lambda: { architecture: 'arm64', memorySize: 256, timeout: 10 },
      logRetentionDays: 365,
      kmsKeyArn: undefined,
      deletionProtection: true,
      tags: {},
      configureApiGatewayAccountLogging: true,
      bots: {},
      handlerSourceRoot: REPO_ROOT,
      logLevel: 'info',
      tracing: 'Active',
      dashboard: true,
      alarms: {
        enabled: true,
        functionErrors: 1,
        functionThrottles: 1,
        functionDurationPercentOfTimeout: 80,
        outboxIteratorAgeSeconds: 60,
        deadLetterQueueMessages: 1,
        apiIntegrationErrors: 5,
        apiExecutionErrors: 1,
        apiClientErrorPercent: 10,
        dynamodbThrottledRequests: 1,
        dynamodbSystemErrors: 1,
        authorizerDenials: 100,
      },
      alarmTopicArn: undefined,
      alarmEmails: [],
    });
    expect(CHAT_SERVER_DEFAULTS.handlerSourceRoot).toBe(REPO_ROOT);
  });

  test('auth (cognito shortcut): issuer and JWKS URL are derived from the pool id and its region', () => {
    const resolved = resolveChatServerProps({
      name: 'chat',
      auth: { cognitoUserPoolId: 'eu-west-1_AbCdEf123', cognitoClientId: 'client123' },
    });
    expect(resolved.auth).toEqual({
      mode: 'jwt',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
      audience: 'client123',
      userIdClaim: 'sub',
      rolesClaim: 'cognito:groups',
      agentRole: 'chat-agent',
      maxTokenAgeSeconds: DEFAULTS.maxTokenAgeSeconds,
    });
  });

  test('auth.audience: a list becomes the comma-separated value the authorizer reads', () => {
    const resolved = resolveChatServerProps({ name: 'chat', auth: { ...TEST_JWT_AUTH, audience: ['web', 'mobile'] } });
    expect(resolved.auth).toMatchObject({ mode: 'jwt', audience: 'web,mobile' });
  });

  test('auth: synth fails without an auth decision, naming the prop and the choices', () => {
    // GIVEN props without auth WHEN synthesized THEN the error names `auth` and the options
    expect(() => synthWith({ name: 'chat' })).toThrow(ChatServerPropsError);
    expect(() => synthWith({ name: 'chat' })).toThrow(/prop "auth": is required: .*cognitoUserPoolId.*createCognitoUserPool.*mode: 'none'/);
    expect(() => synthWith({ name: 'chat', auth: {} })).toThrow(/prop "auth"/);
  });

  // [description, props, error pattern]: each must be refused at synth with the prop named.
  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['name: missing', { name: undefined }, /prop "name"/],
    ['name: uppercase', { name: 'Chat' }, /prop "name": must be lowercase letters/],
    ['name: longer than 32 characters', { name: 'c'.repeat(33) }, /prop "name"/],
    ['name: starts with a digit', { name: '1chat' }, /prop "name"/],
    ['auth.mode: anything but none', { auth: { mode: 'off' } }, /prop "auth.mode"/],
    ['auth.jwksUrl: not https', { auth: { ...TEST_JWT_AUTH, jwksUrl: 'http://issuer.example.com/jwks' } }, /prop "auth.jwksUrl": must be an https:\/\/ URL/],
    ['auth.issuer: empty', { auth: { ...TEST_JWT_AUTH, issuer: ' ' } }, /prop "auth.issuer"/],
    ['auth.audience: missing', { auth: { jwksUrl: TEST_JWT_AUTH.jwksUrl, issuer: TEST_JWT_AUTH.issuer } }, /prop "auth.audience"/],
    ['auth.audience: empty list', { auth: { ...TEST_JWT_AUTH, audience: [] } }, /prop "auth.audience"/],
    ['auth.audience: contains a comma', { auth: { ...TEST_JWT_AUTH, audience: ['a,b'] } }, /prop "auth.audience"/],
    ['auth.userIdClaim: contains spaces', { auth: { ...TEST_JWT_AUTH, userIdClaim: 'user id' } }, /prop "auth.userIdClaim"/],
    ['auth.rolesClaim: empty', { auth: { ...TEST_JWT_AUTH, rolesClaim: '' } }, /prop "auth.rolesClaim"/],
    ['auth.agentRole: contains spaces', { auth: { ...TEST_JWT_AUTH, agentRole: 'chat agent' } }, /prop "auth.agentRole"/],
    ['auth.maxTokenAgeSeconds: below a minute', { auth: { ...TEST_JWT_AUTH, maxTokenAgeSeconds: 59 } }, /prop "auth.maxTokenAgeSeconds": must be an integer from 60 to 604800, got 59/],
    ['auth.maxTokenAgeSeconds: above a week', { auth: { ...TEST_JWT_AUTH, maxTokenAgeSeconds: 604801 } }, /prop "auth.maxTokenAgeSeconds": must be an integer from 60 to 604800/],
    ['auth.maxTokenAgeSeconds: not an integer', { auth: { cognitoUserPoolId: 'eu-west-1_Abc', cognitoClientId: 'abc', maxTokenAgeSeconds: 3600.5 } }, /prop "auth.maxTokenAgeSeconds"/],
    ['auth.maxTokenAgeSeconds: a string', { auth: { createCognitoUserPool: true, maxTokenAgeSeconds: '3600' } }, /prop "auth.maxTokenAgeSeconds"/],
    ['auth.cognitoUserPoolId: malformed', { auth: { cognitoUserPoolId: 'pool', cognitoClientId: 'abc' } }, /prop "auth.cognitoUserPoolId"/],
    ['auth.cognitoClientId: malformed', { auth: { cognitoUserPoolId: 'eu-west-1_Abc', cognitoClientId: 'a-b' } }, /prop "auth.cognitoClientId"/],
    ['auth.region: malformed', { auth: { cognitoUserPoolId: 'eu-west-1_Abc', cognitoClientId: 'abc', region: 'europe' } }, /prop "auth.region"/],
    ['auth: two kinds mixed', { auth: { cognitoUserPoolId: 'eu-west-1_Abc', cognitoClientId: 'abc', jwksUrl: TEST_JWT_AUTH.jwksUrl } }, /prop "auth.jwksUrl": is not an option of this auth kind/],
    ['auth.createCognitoUserPool: false', { auth: { createCognitoUserPool: false } }, /prop "auth.createCognitoUserPool"/],
    ['auth.selfSignUp: not a boolean', { auth: { createCognitoUserPool: true, selfSignUp: 'yes' } }, /prop "auth.selfSignUp"/],
    ['domain: not an object', { domain: 'chat.example.com' }, /prop "domain": must be an object/],
    ['domain.domainName: not a DNS name', { domain: { domainName: 'chat example', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' } }, /prop "domain.domainName"/],
    ['domain.certificateArn: not an ACM ARN', { domain: { domainName: 'chat.example.com', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } }, /prop "domain.certificateArn"/],
    ['domain.hostedZoneId: malformed', { domain: { domainName: 'chat.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', hostedZoneId: 'zone-1' } }, /prop "domain.hostedZoneId"/],
    ['snsTopicName: invalid characters', { snsTopicName: 'bots.fifo' }, /prop "snsTopicName"/],
    ['messageRetentionDays: zero', { messageRetentionDays: 0 }, /prop "messageRetentionDays": must be an integer from 1 to 3650, got 0/],
    ['messageRetentionDays: above ten years', { messageRetentionDays: 3651 }, /prop "messageRetentionDays"/],
    ['messageRetentionDays: fractional', { messageRetentionDays: 1.5 }, /prop "messageRetentionDays"/],
    ['stageName: spaces', { stageName: 'my stage' }, /prop "stageName"/],
    ['throttling.rateLimit: zero', { throttling: { rateLimit: 0 } }, /prop "throttling.rateLimit"/],
    ['throttling.burstLimit: negative', { throttling: { burstLimit: -1 } }, /prop "throttling.burstLimit"/],
    ['rateLimit.messages: zero', { rateLimit: { messages: 0 } }, /prop "rateLimit.messages"/],
    ['rateLimit.windowSeconds: above an hour', { rateLimit: { windowSeconds: 3601 } }, /prop "rateLimit.windowSeconds"/],
    ['lambda.architecture: unknown', { lambda: { architecture: 'x86' } }, /prop "lambda.architecture"/],
    ['lambda.memorySize: below 128', { lambda: { memorySize: 64 } }, /prop "lambda.memorySize"/],
    ['lambda.timeout: above 900', { lambda: { timeout: 901 } }, /prop "lambda.timeout"/],
    ['logRetentionDays: not a CloudWatch period', { logRetentionDays: 10 }, /prop "logRetentionDays": must be one of CloudWatch's retention periods/],
    ['kmsKeyArn: an alias', { kmsKeyArn: 'alias/chat' }, /prop "kmsKeyArn"/],
    ['deletionProtection: not a boolean', { deletionProtection: 'yes' }, /prop "deletionProtection"/],
    ['tags: reserved aws: prefix', { tags: { 'aws:owner': 'me' } }, /prop "tags.aws:owner"/],
    ['tags: non-string value', { tags: { team: 5 } }, /prop "tags.team"/],
    ['configureApiGatewayAccountLogging: not a boolean', { configureApiGatewayAccountLogging: 'no' }, /prop "configureApiGatewayAccountLogging"/],
    ['handlerSourceRoot: relative path', { handlerSourceRoot: 'handlers' }, /prop "handlerSourceRoot"/],
  ];

  test.each(invalid)('%s: refused at synth with an error naming the prop', (_, overrides, pattern) => {
    // GIVEN otherwise valid props with one bad value WHEN synthesized THEN the error names the prop
    const props = { ...baseProps(), ...overrides };
    expect(() => synthWith(props)).toThrow(ChatServerPropsError);
    expect(() => synthWith(props)).toThrow(pattern);
  });

  test('handlerSourceRoot: a directory without the handler entries fails synth naming every missing entry', () => {
    const empty = tempDir('no-handlers');
    expect(() => synthWith(baseProps({ handlerSourceRoot: empty }))).toThrow(
      /handler entry file\(s\) not found under .*handlers\/authorizer\.ts \(HANDLERS\.authorizer\).*handlers\/outbox\.ts \(HANDLERS\.outbox\)/s,
    );
    fs.rmSync(empty, { recursive: true, force: true });
  });

  test('region, stateBackend.bucket and tags (stack props): refused with the prop named', () => {
    const app = new App({ outdir: tempDir('bad-stack') });
    expect(() => new ChatInfraStack(app, 'a', { ...baseProps(), region: 'mars-1' })).toThrow(/prop "region"/);
    expect(() => new ChatInfraStack(app, 'b', { ...baseProps(), stateBackend: { bucket: 'Bad_Bucket' } })).toThrow(
      /prop "stateBackend.bucket"/,
    );
    // Tags become provider default_tags in the stack: validated there too.
    expect(() => new ChatInfraStack(app, 'c', { ...baseProps({ tags: { 'aws:x': 'y' } }) })).toThrow(/prop "tags.aws:x"/);
  });

  test('name: two ChatServers with the same name in one stack fail synth naming the prop', () => {
    // GIVEN two instances named "chat" in one stack WHEN synthesized THEN the second is refused (names would collide)
    expect(() =>
      Testing.synthScope((scope) => {
        new ChatServer(scope, 'first', baseProps());
        new ChatServer(scope, 'second', baseProps({ configureApiGatewayAccountLogging: false }));
      }),
    ).toThrow(/prop "name": "chat" is already the name of ChatServer "[^"]*first" in this stack/);
  });

  test('name: the same name in two stacks of one app warns that IAM names are global per account (include the region)', () => {
    // GIVEN a multi-region pair in one app, both named "chat"
    const app = new App({ outdir: tempDir('regions') });
    let second: ChatInfraStack | undefined;
    const stderr = captureStderr(() => {
      new ChatInfraStack(app, 'chat-eu', { ...baseProps(), region: 'eu-west-1' });
      second = new ChatInfraStack(app, 'chat-us', { ...baseProps(), region: 'us-east-1' });
    });
    // THEN synth warns, on stderr and as a construct annotation, naming both stacks and the fix
    const warning = /ChatServer name "chat" is used in stacks "chat-eu" and "chat-us": IAM role and policy names .* are global per AWS account.*Include the region or environment in name/;
    expect(stderr).toMatch(warning);
    const annotations = second!.chatServer.node.metadata.filter((entry) => entry.type === '@cdktf/warn').map((entry) => String(entry.data));
    expect(annotations.some((text) => warning.test(text))).toBe(true);
    // AND region-specific names do not warn
    const distinct = new App({ outdir: tempDir('regions-named') });
    const quiet = captureStderr(() => {
      new ChatInfraStack(distinct, 'chat-eu', { ...baseProps({ name: 'chat-eu-west-1' }), region: 'eu-west-1' });
      new ChatInfraStack(distinct, 'chat-us', { ...baseProps({ name: 'chat-us-east-1' }), region: 'us-east-1' });
    });
    expect(quiet).not.toContain('global per AWS account');
  });

  test('configureApiGatewayAccountLogging: on in two stacks of one app warns that it is one setting per account and region; off in one, no warning', () => {
    // GIVEN two stacks of one app that both keep the default (on)
    const app = new App({ outdir: tempDir('account-logging') });
    const stderr = captureStderr(() => {
      new ChatInfraStack(app, 'support', { ...baseProps({ name: 'support' }), region: 'eu-west-1' });
      new ChatInfraStack(app, 'sales', { ...baseProps({ name: 'sales' }), region: 'eu-west-1' });
    });
    // THEN synth warns naming both stacks and the fix
    expect(stderr).toMatch(/stacks "support" and "sales" both manage the API Gateway account's CloudWatch Logs role .*set it false on one/);
    // AND with it off in one stack, nothing is said
    const other = new App({ outdir: tempDir('account-logging-off') });
    const quiet = captureStderr(() => {
      new ChatInfraStack(other, 'support', { ...baseProps({ name: 'support' }), region: 'eu-west-1' });
      new ChatInfraStack(other, 'sales', { ...baseProps({ name: 'sales', configureApiGatewayAccountLogging: false }), region: 'eu-west-1' });
    });
    expect(quiet).not.toContain('CloudWatch Logs role');
  });

  test('configureApiGatewayAccountLogging: two instances in one stack with it on fail synth naming the prop; off on one, both synthesize', () => {
    // GIVEN two chat servers in one stack, both managing the per-region account setting (the default)
    const both = (secondLogging: boolean | undefined): string =>
      Testing.synthScope((scope) => {
        new ChatServer(scope, 'support', baseProps({ name: 'support' }));
        new ChatServer(scope, 'sales', baseProps({ name: 'sales', configureApiGatewayAccountLogging: secondLogging }));
      });
    // THEN synth fails, telling which instance to turn it off on
    expect(() => both(undefined)).toThrow(ChatServerPropsError);
    expect(() => both(undefined)).toThrow(
      /prop "configureApiGatewayAccountLogging": is on for ChatServer "[^"]*support" and "[^"]*sales" in the same stack: .*one setting per account and region.*set configureApiGatewayAccountLogging: false on "[^"]*sales"/,
    );
    // AND with it off on the second, the stack holds one account setting
    expect(resourceList(JSON.parse(both(false)), 'aws_api_gateway_account')).toHaveLength(1);
  });

  const UUID = '1234abcd-12ab-4cd3-9ef0-1234567890ab';
  // [description, stateBackend, error pattern]: each refused at synth with the prop named.
  const badBackends: Array<[string, Record<string, unknown>, RegExp]> = [
    ['stateBackend.key: empty', { key: '' }, /prop "stateBackend.key": must be a non-empty S3 object key/],
    ['stateBackend.key: blank', { key: '  ' }, /prop "stateBackend.key": must be a non-empty/],
    ['stateBackend.key: leading slash', { key: '/chat.tfstate' }, /prop "stateBackend.key": must not start or end with "\/"/],
    ['stateBackend.key: trailing slash', { key: 'chat/' }, /prop "stateBackend.key": must not start or end with "\/"/],
    ['stateBackend.key: double slash', { key: 'env//chat.tfstate' }, /prop "stateBackend.key": must not contain "\/\/"/],
    ['stateBackend.key: control character', { key: 'chat\n.tfstate' }, /prop "stateBackend.key": must not have leading or trailing spaces or control characters/],
    ['stateBackend.key: longer than S3 allows with .tflock', { key: 'k'.repeat(1018) }, /prop "stateBackend.key": must be at most 1017 bytes/],
    ['stateBackend.kmsKeyId: empty', { kmsKeyId: '' }, /prop "stateBackend.kmsKeyId": must be a KMS key ARN, alias ARN, key id or "alias\/<name>"/],
    ['stateBackend.kmsKeyId: bare name', { kmsKeyId: 'tfstate' }, /prop "stateBackend.kmsKeyId"/],
    ['stateBackend.kmsKeyId: not a KMS ARN', { kmsKeyId: `arn:aws:s3:::bucket/${UUID}` }, /prop "stateBackend.kmsKeyId"/],
    [
      'stateBackend.kmsKeyId: a key in another region than the bucket',
      { region: 'eu-west-1', kmsKeyId: `arn:aws:kms:us-east-1:123456789012:key/${UUID}` },
      /prop "stateBackend.kmsKeyId": is in region us-east-1, but the state bucket is in eu-west-1: S3 encrypts the state object with a key of its own region/,
    ],
  ];

  test.each(badBackends)('%s: refused at synth with the prop named', (_, backend, pattern) => {
    const app = new App({ outdir: tempDir('bad-backend') });
    expect(() => new ChatInfraStack(app, 'chat', { ...baseProps(), stateBackend: { bucket: 'acme-tfstate', ...backend } })).toThrow(pattern);
  });

  test('stateBackend.kmsKeyId: every form Terraform\'s S3 backend accepts synthesizes', () => {
    const app = new App({ outdir: tempDir('good-backend') });
    const forms = [
      'alias/tfstate',
      UUID,
      `mrk-${'0123456789abcdef'.repeat(2)}`,
      `arn:aws:kms:us-east-1:123456789012:key/${UUID}`,
      'arn:aws:kms:us-east-1:123456789012:alias/tfstate',
    ];
    forms.forEach((kmsKeyId, index) => {
      const stack = new ChatInfraStack(app, `form${index}`, {
        ...baseProps({ name: `form${index}` }),
        stateBackend: { bucket: 'acme-tfstate', key: 'env/chat.tfstate', kmsKeyId },
      });
      expect(JSON.parse(Testing.synth(stack)).terraform.backend.s3).toMatchObject({ key: 'env/chat.tfstate', kms_key_id: kmsKeyId });
    });
  });

  test('domain.certificateArn / kmsKeyArn (stack): an ARN in another region than the stack fails synth naming the prop', () => {
    // GIVEN a stack in eu-west-1 and a certificate / key ARN from us-east-1
    const app = new App({ outdir: tempDir('regions-arn') });
    const certificate = (region: string): string => `arn:aws:acm:${region}:123456789012:certificate/abc-123`;
    const key = (region: string): string => `arn:aws:kms:${region}:123456789012:key/11111111-2222-3333-4444-555555555555`;
    // THEN synth fails, naming the prop, both regions and why
    expect(() =>
      new ChatInfraStack(app, 'cert', {
        ...baseProps({ domain: { domainName: 'chat.example.com', certificateArn: certificate('us-east-1') } }),
        region: 'eu-west-1',
      }),
    ).toThrow(/prop "domain.certificateArn": is in region us-east-1, but the stack deploys to eu-west-1: a REGIONAL API Gateway custom domain needs an ACM certificate in the stack's region/);
    expect(() => new ChatInfraStack(app, 'key', { ...baseProps({ kmsKeyArn: key('us-east-1') }), region: 'eu-west-1' })).toThrow(
      /prop "kmsKeyArn": is in region us-east-1, but the stack deploys to eu-west-1/,
    );
    // AND ARNs of the stack's region synthesize
    const same = new ChatInfraStack(app, 'same', {
      ...baseProps({
        name: 'same',
        kmsKeyArn: key('eu-west-1'),
        domain: { domainName: 'chat.example.com', certificateArn: certificate('eu-west-1') },
      }),
      region: 'eu-west-1',
    });
    expect(same.chatServer.webSocket.domainName).toBeDefined();
  });

  test('kmsKeyArn: a token (a key created in the same stack) is accepted and wired everywhere', () => {
    // GIVEN a KMS key resource in the stack WHEN its ARN is the kmsKeyArn THEN synth accepts the token
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const key = new KmsKey(scope, 'key', { enableKeyRotation: true });
        new ChatServer(scope, 'chat', baseProps({ kmsKeyArn: key.arn }));
      }),
    );
    const keyRef = '${aws_kms_key.key.arn}';
    expect(resourceList(json, 'aws_dynamodb_table').every((t) => t.server_side_encryption.kms_key_arn === keyRef)).toBe(true);
  });

  test("auth { mode: 'none' }: synth succeeds, warns on stderr and deploys no authorizer", () => {
    // GIVEN explicit no-auth WHEN synthesized
    let json: Record<string, any> = {};
    const stderr = captureStderr(() => {
      json = synthChatServer(baseProps({ auth: { mode: 'none' } }));
    });
    // THEN the insecure warning is on stderr, and nothing authorizes $connect
    expect(stderr).toContain(INSECURE_AUTH_WARNING);
    expect(resourceList(json, 'aws_apigatewayv2_authorizer')).toHaveLength(0);
    expect(resourceList(json, 'aws_lambda_function').map((f) => f.function_name)).not.toContain('chat-authorizer');
    for (const fn of resourceList(json, 'aws_lambda_function')) {
      expect(fn.environment.variables.CHAT_AUTH_MODE).toBe('none');
    }
    const connect = resourceList(json, 'aws_apigatewayv2_route').find((r) => r.route_key === '$connect')!;
    expect(connect.authorization_type).toBe('NONE');
  });

  test('auth (secure kinds): no insecure warning', () => {
    const stderr = captureStderr(() => synthChatServer(baseProps()));
    expect(stderr).not.toContain('INSECURE');
  });

  test('JSDoc: every prop of the public props (ChatServer, ChatInfraStack, subscribeBot) has a description; every optional one a @default', () => {
    // GIVEN the props interfaces users write against
    const docs = {
      ...propDocs(path.join(REPO_ROOT, 'lib', 'chat-server-props.ts')),
      ...propDocs(path.join(REPO_ROOT, 'lib', 'chat-infra-stack.ts')),
      ...propDocs(path.join(REPO_ROOT, 'lib', 'responder-topic.ts'), ['SubscribeBotOptions']),
    };
    expect(Object.keys(docs).length).toBeGreaterThan(40);
    // THEN none lacks a description, and no optional prop lacks its default
    expect(Object.keys(docs).filter((prop) => docs[prop].description.length < 10)).toEqual([]);
    expect(Object.keys(docs).filter((prop) => docs[prop].optional && !docs[prop].defaultTag)).toEqual([]);
    expect(docs['ChatServerNoAuthProps.mode'].defaultTag).toMatch(/required/);
    // AND the account-wide facts are stated where users read them
    expect(docs['ChatServerProps.name'].description).toMatch(/unique per AWS account, not\s+only per region/);
    expect(docs['ChatServerProps.configureApiGatewayAccountLogging'].description).toMatch(
      /one per account and region[\s\S]*fresh account/,
    );
  });

  test('handlerSourceRoot: defaults to the package root holding handlers/', () => {
    expect(fs.existsSync(path.join(CHAT_SERVER_DEFAULTS.handlerSourceRoot, 'handlers', 'connect.ts'))).toBe(true);
  });
});
