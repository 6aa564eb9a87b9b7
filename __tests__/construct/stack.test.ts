/**
 * ChatInfraStack and the default app: providers, state backend, outputs, configuration from the
 * environment, and `main.ts` synthesizing offline without credentials.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Testing } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ChatInfraStack, createChatInfraStack } from '../../lib/chat-infra-stack';
import { CONFIG_ENV, appConfigFromEnv } from '../../lib/env-config';
import { TABLES } from '../../lib/schema';
import {
  REPO_ROOT,
  TEST_JWT_AUTH,
  baseProps,
  captureStderr,
  fullSynth,
  listFiles,
  onlyResource,
  refTo,
  tempDir,
  type Json,
  isResponderTopic,
  responderTopicOf,
} from './support/synth';

Testing.setupJest();

function synthStack(props: Parameters<typeof createChatInfraStack>[2], outdir = tempDir('stack')): Json {
  const app = new App({ outdir });
  const stack = createChatInfraStack(app, 'chat', props);
  return JSON.parse(Testing.synth(stack)) as Json;
}

describe('ChatInfraStack', () => {
  test('providers: AWS in the configured region with default tags on every resource; archive declared; version ranges', () => {
    // GIVEN tags and a region WHEN the stack is synthesized
    const app = new App({ outdir: tempDir('providers') });
    const stack = new ChatInfraStack(app, 'chat', { ...baseProps({ tags: { team: 'support' } }), region: 'eu-west-1' });
    const synthesized = Testing.synth(stack);
    // THEN the provider carries them, and required_providers declares the verified AWS range
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      region: 'eu-west-1',
      default_tags: [{ tags: { 'chat-server': 'chat', team: 'support' } }],
    });
    const json = JSON.parse(synthesized) as Json;
    expect(json.terraform.required_providers).toEqual({
      aws: { source: 'hashicorp/aws', version: '>= 5.100.0, < 7.0.0' },
      archive: { source: 'hashicorp/archive', version: '>= 2.4.0, < 3.0.0' },
    });
    expect(json.provider.archive).toEqual([{}]);
    // Tags come from default_tags, not repeated on each resource.
    expect(responderTopicOf(json).tags).toBeUndefined();
    // The seed's public surface.
    expect(stack.webSocketApi.protocolTypeInput).toBe('WEBSOCKET');
    expect(stack.messagesTable.nameInput).toBe('chat-messages');
    expect(stack.connectionsTable.nameInput).toBe('chat-connections');
    expect(stack.responderTopic.topic.nameInput).toBe('chat-responder');
    expect(stack.chatServer.botReplyFunction.functionNameInput).toBe('chat-bot-reply');
  });

  test('region: defaults to us-east-1', () => {
    expect(synthStack(baseProps()).provider.aws[0].region).toBe('us-east-1');
  });

  test('stateBackend: S3 with S3-native locking (use_lockfile), encryption, default key and region', () => {
    const json = synthStack({ ...baseProps(), region: 'eu-west-1', stateBackend: { bucket: 'acme-tfstate' } });
    expect(json.terraform.backend).toEqual({
      s3: { bucket: 'acme-tfstate', key: 'chat-server/chat.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
    const custom = synthStack({
      ...baseProps(),
      stateBackend: { bucket: 'acme-tfstate', key: 'prod/chat.tfstate', region: 'us-west-2', kmsKeyId: 'alias/tfstate' },
    });
    expect(custom.terraform.backend.s3).toEqual({
      bucket: 'acme-tfstate',
      key: 'prod/chat.tfstate',
      region: 'us-west-2',
      encrypt: true,
      kms_key_id: 'alias/tfstate',
      use_lockfile: true,
    });
  });

  test('stateBackend: without a bucket, a local state file beside the project (relative path) and one notice on stderr', () => {
    jest.isolateModules(() => {
      // Fresh modules: the notice is once per process.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cdktf = require('cdktf') as typeof import('cdktf');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ChatInfraStack: FreshStack } = require('../../lib/chat-infra-stack') as typeof import('../../lib/chat-infra-stack');
      const app = new cdktf.App({ outdir: path.join(REPO_ROOT, 'cdktf.out') });
      let first: Json = {};
      const stderr = captureStderr(() => {
        first = JSON.parse(cdktf.Testing.synth(new FreshStack(app, 'one', baseProps({ name: 'one' })))) as Json;
        cdktf.Testing.synth(new FreshStack(app, 'two', baseProps({ name: 'two' })));
      });
      expect(first.terraform.backend).toEqual({ local: { path: '../../../terraform.one.tfstate' } });
      expect(stderr.match(/NOTICE: no state bucket configured/g)).toHaveLength(1);
      expect(stderr).toContain(path.join(REPO_ROOT, 'terraform.one.tfstate'));
    });
  });

  test('outputs: URLs, topic, every table, bot reply function, policy and dead-letter queue, failure queue (no Cognito ids without a created pool)', () => {
    const json = synthStack(baseProps());
    const api = (attribute: string): string => refTo(json, 'aws_apigatewayv2_api', () => true, attribute);
    const values = Object.fromEntries(Object.entries(json.output as Record<string, Json>).map(([k, v]) => [k, v.value]));
    expect(values).toEqual({
      websocket_url: `${api('api_endpoint')}/prod`,
      connections_endpoint: `\${replace(${api('api_endpoint').slice(2, -1)}, "wss://", "https://")}/prod`,
      responder_topic_arn: refTo(json, 'aws_sns_topic', isResponderTopic, 'arn'),
      alarm_topic_arn: refTo(json, 'aws_sns_topic', (topic) => !isResponderTopic(topic), 'arn'),
      dashboard_name: refTo(json, 'aws_cloudwatch_dashboard', () => true, 'dashboard_name'),
      ...Object.fromEntries(
        Object.values(TABLES).map((t) => [
          `${t.logicalName}_table_name`,
          refTo(json, 'aws_dynamodb_table', (r) => r.name === `chat-${t.logicalName}`, 'name'),
        ]),
      ),
      bot_reply_function_name: refTo(json, 'aws_lambda_function', (f) => f.function_name === 'chat-bot-reply', 'function_name'),
      bot_reply_function_arn: refTo(json, 'aws_lambda_function', (f) => f.function_name === 'chat-bot-reply', 'arn'),
      bot_reply_invoke_policy_arn: refTo(json, 'aws_iam_policy', () => true, 'arn'),
      bot_reply_dead_letter_queue_url: refTo(json, 'aws_sqs_queue', (q) => q.name === 'chat-bot-reply-dlq', 'url'),
      outbox_failure_queue_url: refTo(json, 'aws_sqs_queue', (q) => q.name === 'chat-outbox-failures', 'url'),
    });
    for (const output of Object.values(json.output as Record<string, Json>)) expect(output.description).toEqual(expect.any(String));
  });

  test('outputs: websocket_url stays the stage URL with a custom domain; websocket_custom_domain_url and the DNS target are added; Cognito ids with a created pool', () => {
    const json = synthStack({
      ...baseProps({
        auth: { createCognitoUserPool: true },
        domain: { domainName: 'chat.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' },
      }),
    });
    const pool = (attribute: string): string => refTo(json, 'aws_cognito_user_pool', () => true, attribute);
    // GIVEN a custom domain THEN websocket_url is still wss://.../<stage>, and the domain URL is its own output
    expect(json.output.websocket_url.value).toBe(`${refTo(json, 'aws_apigatewayv2_api', () => true, 'api_endpoint')}/prod`);
    expect(json.output.websocket_custom_domain_url.value).toBe('wss://chat.example.com');
    expect(json.output.websocket_domain_target.value).toMatch(/domain_name_configuration\[0\]\.target_domain_name\}$/);
    expect(json.output.cognito_user_pool_id.value).toBe(pool('id'));
    expect(json.output.cognito_user_pool_client_id.value).toBe(refTo(json, 'aws_cognito_user_pool_client', () => true, 'id'));
    expect(json.output.auth_issuer.value).toBe(`https://${pool('endpoint')}`);
  });
});

describe('package entry', () => {
  test("lib/index.ts: exports the seed's public surface and the construct", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require('../../lib/index') as Record<string, unknown>;
    for (const name of ['createChatInfraStack', 'ChatInfraStack', 'createResponderTopic', 'createMessagesTable', 'ChatServer', 'ResponderTopic']) {
      expect({ name, type: typeof entry[name] }).toEqual({ name, type: 'function' });
    }
  });

  test('createMessagesTable / createResponderTopic: usable on their own in any stack', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createMessagesTable, createResponderTopic } = require('../../lib/index') as typeof import('../../lib/index');
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        createMessagesTable(scope, { name: 'solo', deletionProtection: false });
        createResponderTopic(scope, { topicName: 'solo-responder' });
      }),
    ) as Json;
    expect(onlyResource(json, 'aws_dynamodb_table')).toMatchObject({ name: 'solo-messages', deletion_protection_enabled: false, stream_view_type: 'NEW_IMAGE' });
    expect(responderTopicOf(json)).toEqual({ name: 'solo-responder', kms_master_key_id: 'alias/aws/sns' });
  });
});

describe('configuration from the environment (main.ts)', () => {
  test('defaults: no variables → name chat, Cognito pool created, local state, construct defaults', () => {
    const { stackId, props } = appConfigFromEnv({});
    expect(stackId).toBe('chat');
    expect(props).toMatchObject({ name: 'chat', auth: { createCognitoUserPool: true }, stateBackend: undefined, region: undefined });
  });

  test('auth variables: issuer + JWKS + audience → JWT; Cognito ids → shortcut; CHAT_AUTH_MODE=none → none', () => {
    expect(
      appConfigFromEnv({
        CHAT_AUTH_ISSUER: TEST_JWT_AUTH.issuer,
        CHAT_AUTH_JWKS_URL: TEST_JWT_AUTH.jwksUrl,
        CHAT_AUTH_AUDIENCE: TEST_JWT_AUTH.audience,
        CHAT_AUTH_ROLES_CLAIM: 'roles',
      }).props.auth,
    ).toEqual({ ...TEST_JWT_AUTH, userIdClaim: undefined, rolesClaim: 'roles', agentRole: undefined, maxTokenAgeSeconds: undefined });
    expect(
      appConfigFromEnv({ CHAT_AUTH_COGNITO_USER_POOL_ID: 'eu-west-1_Abc', CHAT_AUTH_COGNITO_CLIENT_ID: 'abc' }).props.auth,
    ).toMatchObject({ cognitoUserPoolId: 'eu-west-1_Abc', cognitoClientId: 'abc' });
    expect(appConfigFromEnv({ CHAT_AUTH_MODE: 'none', CHAT_AUTH_ISSUER: 'x' }).props.auth).toEqual({ mode: 'none' });
  });

  test('auth variables: CHAT_AUTH_MAX_TOKEN_AGE_SECONDS sets the maximum token age of every kind of token auth', () => {
    // GIVEN a maximum age of an hour WHEN the default app reads its environment THEN each kind of auth carries it
    expect(appConfigFromEnv({ CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '3600' }).props.auth).toMatchObject({ createCognitoUserPool: true, maxTokenAgeSeconds: 3600 });
    expect(
      appConfigFromEnv({ CHAT_AUTH_COGNITO_USER_POOL_ID: 'eu-west-1_Abc', CHAT_AUTH_COGNITO_CLIENT_ID: 'abc', CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '3600' }).props.auth,
    ).toMatchObject({ maxTokenAgeSeconds: 3600 });
    // AND a value that is not a whole number is refused, naming the variable
    expect(() => appConfigFromEnv({ CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '1d' })).toThrow(/CHAT_AUTH_MAX_TOKEN_AGE_SECONDS must be an integer/);
  });

  test('auth variables: an incomplete issuer configuration names the missing variable', () => {
    expect(() => appConfigFromEnv({ CHAT_AUTH_ISSUER: 'https://x/' })).toThrow(/CHAT_AUTH_JWKS_URL is required with CHAT_AUTH_ISSUER/);
    expect(() => appConfigFromEnv({ CHAT_AUTH_ISSUER: 'https://x/', CHAT_AUTH_JWKS_URL: 'https://x/jwks' })).toThrow(
      /CHAT_AUTH_AUDIENCE is required/,
    );
    expect(() => appConfigFromEnv({ CHAT_AUTH_COGNITO_USER_POOL_ID: 'eu-west-1_Abc' })).toThrow(
      /CHAT_AUTH_COGNITO_CLIENT_ID is required/,
    );
    expect(() => appConfigFromEnv({ CHAT_AUTH_MODE: 'off' })).toThrow(/CHAT_AUTH_MODE must be "jwt" or "none"/);
  });

  test('other variables: state bucket, region, domain, numbers, booleans and tags reach the props', () => {
    const { stackId, props } = appConfigFromEnv({
      CHAT_NAME: 'support',
      CHAT_STACK_ID: 'support-prod',
      AWS_REGION: 'eu-central-1',
      CHAT_STATE_BUCKET: 'acme-tfstate',
      CHAT_STATE_KEY: 'support.tfstate',
      CHAT_DOMAIN_NAME: 'chat.example.com',
      CHAT_CERTIFICATE_ARN: 'arn:aws:acm:eu-central-1:123456789012:certificate/abc',
      CHAT_MESSAGE_RETENTION_DAYS: '30',
      CHAT_THROTTLE_RATE_LIMIT: '200',
      CHAT_LAMBDA_ARCHITECTURE: 'x86_64',
      CHAT_DELETION_PROTECTION: 'false',
      CHAT_TAGS: 'team=support, env=prod',
    });
    expect(stackId).toBe('support-prod');
    expect(props).toMatchObject({
      name: 'support',
      region: 'eu-central-1',
      stateBackend: { bucket: 'acme-tfstate', key: 'support.tfstate' },
      domain: { domainName: 'chat.example.com' },
      messageRetentionDays: 30,
      throttling: { rateLimit: 200 },
      lambda: { architecture: 'x86_64' },
      deletionProtection: false,
      tags: { team: 'support', env: 'prod' },
    });
    expect(appConfigFromEnv({ CHAT_REGION: 'us-west-2', AWS_REGION: 'eu-central-1' }).props.region).toBe('us-west-2');
    expect(appConfigFromEnv({ CHAT_TAGS: '{"team":"support"}' }).props.tags).toEqual({ team: 'support' });
  });

  test('bad values: the error names the variable', () => {
    expect(() => appConfigFromEnv({ CHAT_MESSAGE_RETENTION_DAYS: 'ninety' })).toThrow(/CHAT_MESSAGE_RETENTION_DAYS must be an integer/);
    expect(() => appConfigFromEnv({ CHAT_DELETION_PROTECTION: 'maybe' })).toThrow(/CHAT_DELETION_PROTECTION must be true or false/);
    expect(() => appConfigFromEnv({ CHAT_TAGS: 'team' })).toThrow(/CHAT_TAGS must be key=value pairs/);
    expect(() => appConfigFromEnv({ CHAT_DOMAIN_NAME: 'chat.example.com' })).toThrow(/CHAT_CERTIFICATE_ARN is required/);
    expect(Object.values(CONFIG_ENV).every((name) => /^CHAT_[A-Z_]+$/.test(name))).toBe(true);
  });

  test('main.ts: synthesizes offline with no AWS credentials or terraform, with the secure default and a checkov baseline', () => {
    // GIVEN an environment without AWS or CHAT variables and no terraform on PATH
    const outdir = tempDir('main');
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: process.env.HOME, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' };
    // WHEN the app command of cdktf.json runs
    const cdktfJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdktf.json'), 'utf8')) as { app: string };
    const [command, ...args] = cdktfJson.app.split(' ');
    const output = execFileSync(command === 'node' ? process.execPath : command, args, {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output).toBe('');
    // THEN the stack is written with the Cognito default, local state and the checkov baseline
    expect(listFiles(path.join(outdir, 'stacks', 'chat')).filter((f) => !f.startsWith('assets/'))).toEqual([
      'cdk.tf.json',
      'checkov-baseline.json',
    ]);
    const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'chat', 'cdk.tf.json'), 'utf8')) as Json;
    expect(Object.keys(json.resource.aws_cognito_user_pool)).toHaveLength(1);
    expect(json.terraform.backend.local.path).toMatch(/terraform\.chat\.tfstate$/);
    expect(json.output.cognito_user_pool_client_id).toBeDefined();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('fullSynth: assets of every function are copied next to cdk.tf.json', () => {
    const { stackDir, json } = fullSynth(baseProps());
    for (const archive of Object.values(json.data.archive_file as Record<string, Json>)) {
      const dir = (archive.source_dir as string).replace('${path.module}/', '');
      expect(fs.readdirSync(path.join(stackDir, dir))).toEqual(['index.js']);
    }
  });
});
