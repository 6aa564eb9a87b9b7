/**
 * The synthesized ChatServer, resource by resource: tables, functions and their exact IAM, routes and
 * their functions, the authorizer, permissions, deployment and stage, the outbox, the responder topic.
 */
import { Testing } from 'cdktf';
// Declares cdktf's jest matchers (toHaveResourceWithProperties, ...) for the type checker.
import 'cdktf/lib/testing/adapters/jest';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { ChatServer } from '../../lib/chat-server';
import { functionsOf, type DeploymentModel, type EnvValue, type ResourceRef } from '../../lib/deployment-model';
import { ACCESS_LOG_FORMAT } from '../../lib/websocket-api';
import {
  DEFAULT_BOT_FILTER_POLICY,
  HANDLERS,
  KEEPALIVE,
  OUTBOX_FILTER_PATTERN,
  ROUTES,
  TABLES,
  TWO_WAY_ROUTES,
  functionName,
  functionSuffix,
  type HandlerId,
} from '../../lib/schema';
import {
  asList,
  baseProps,
  functionPolicy,
  nameOf,
  onlyResource,
  policyDocuments,
  refTo,
  resourceList,
  resourcesOf,
  synthChatServer,
  TEST_JWT_AUTH,
  synthChatServerString,
  type Json,
  isResponderTopic,
  responderTopicOf,
} from './support/synth';

Testing.setupJest();

const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

let json: Json;
let synthesized: string;
let model: DeploymentModel;
beforeAll(() => {
  synthesized = synthChatServerString(baseProps(), (chat) => {
    model = chat.model;
  });
  json = JSON.parse(synthesized) as Json;
});

const fnByName = (name: string): Json =>
  resourceList(json, 'aws_lambda_function').find((f) => f.function_name === name) as Json;
const fnRef = (handlerId: HandlerId, attribute: string): string =>
  refTo(json, 'aws_lambda_function', (f) => f.function_name === `chat-${functionSuffix(handlerId)}`, attribute);
const apiRef = (attribute: string): string => refTo(json, 'aws_apigatewayv2_api', () => true, attribute);

/** The synthesized Terraform expression for a model reference, found by the physical names the model gives. */
function resourceOf(ref: ResourceRef): string {
  switch (ref.kind) {
    case 'table':
      return refTo(json, 'aws_dynamodb_table', (t) => t.name === model.tables[ref.table].name, 'arn');
    case 'tableIndex':
      return `${resourceOf({ kind: 'table', table: ref.table })}/index/${ref.index}`;
    case 'tableStream':
      return refTo(json, 'aws_dynamodb_table', (t) => t.name === model.tables[ref.table].name, 'stream_arn');
    case 'topic':
      return refTo(json, 'aws_sns_topic', (t) => t.name === model.topic.name, 'arn');
    case 'queue':
      return refTo(json, 'aws_sqs_queue', (q) => q.name === model.queues[ref.queue].name, 'arn');
    case 'postToConnections':
      return `${apiRef('execution_arn')}/${model.stageName}/POST/@connections/*`;
    case 'function':
      return refTo(json, 'aws_lambda_function', (f) => f.function_name === model.functions[ref.fn]!.name, 'arn');
    case 'logStreams':
      return `${refTo(json, 'aws_cloudwatch_log_group', (g) => g.name === `/aws/lambda/${model.functions[ref.fn]!.name}`, 'arn')}:*`;
    case 'kmsKey':
      return model.kmsKeyArn!;
    case 'anyResource':
      return '*';
  }
}

function envValue(value: EnvValue): string {
  if (typeof value === 'string') return value;
  switch (value.kind) {
    case 'tableName':
      return refTo(json, 'aws_dynamodb_table', (t) => t.name === model.tables[value.table].name, 'name');
    case 'topicArn':
      return resourceOf({ kind: 'topic' });
    case 'connectionsEndpoint':
      return `\${replace(${apiRef('api_endpoint').slice(2, -1)}, "wss://", "https://")}/${model.stageName}`;
    case 'userPool':
    case 'planTimeAuth':
      throw new Error('the default props verify an existing issuer');
  }
}

describe('tables', () => {
  test.each(Object.entries(TABLES))('%s table: keys, indexes, TTL, PITR, encryption, on-demand, deletion protection from the schema', (_, schema) => {
    // GIVEN the schema entry WHEN the default ChatServer is synthesized THEN the table mirrors it
    const table = resourceList(json, 'aws_dynamodb_table').find((t) => t.name === `chat-${schema.logicalName}`)!;
    expect(table).toBeDefined();
    expect(table.hash_key).toBe(schema.hashKey.name);
    expect(table.range_key).toBe(schema.rangeKey?.name);
    const keys = [schema.hashKey, schema.rangeKey, ...schema.globalIndexes.flatMap((i) => [i.hashKey, i.rangeKey])]
      .filter((k) => k !== undefined)
      .map((k) => ({ name: k!.name, type: k!.type }));
    expect(table.attribute).toEqual(expect.arrayContaining(keys));
    expect(table.attribute).toHaveLength(new Set(keys.map((k) => k.name)).size);
    expect(asList(table.global_secondary_index)).toEqual(
      schema.globalIndexes.map((index) => ({
        name: index.indexName,
        hash_key: index.hashKey.name,
        ...(index.rangeKey ? { range_key: index.rangeKey.name } : {}),
        projection_type: 'INCLUDE',
        non_key_attributes: [...index.nonKeyAttributes],
      })),
    );
    expect(table.ttl).toEqual({ attribute_name: schema.ttlAttribute, enabled: true });
    expect(table.point_in_time_recovery).toEqual({ enabled: true });
    expect(table.server_side_encryption).toEqual({ enabled: true });
    expect(table.billing_mode).toBe('PAY_PER_REQUEST');
    expect(table.deletion_protection_enabled).toBe(true);
    expect(table.stream_enabled).toBe(schema.stream !== undefined);
    expect(table.stream_view_type).toBe(schema.stream);
  });

  test('messages table: NEW_IMAGE stream feeding the outbox (cdktf matcher)', () => {
    expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
      name: 'chat-messages',
      hash_key: 'threadId',
      range_key: 'timestamp',
      stream_enabled: true,
      stream_view_type: 'NEW_IMAGE',
      ttl: { attribute_name: 'expiresAt', enabled: true },
    });
  });

  test('deletionProtection: false turns table deletion protection off', () => {
    const unprotected = synthChatServer(baseProps({ deletionProtection: false }));
    expect(resourceList(unprotected, 'aws_dynamodb_table').map((t) => t.deletion_protection_enabled)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('functions', () => {
  test('handlers: one nodejs22.x arm64 function per HANDLERS entry, with the documented defaults', () => {
    const functions = resourceList(json, 'aws_lambda_function');
    expect(functions.map((f) => f.function_name).sort()).toEqual(
      (Object.keys(HANDLERS) as HandlerId[]).map((id) => `chat-${functionSuffix(id)}`).sort(),
    );
    for (const fn of functions) {
      expect(fn).toMatchObject({
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        memory_size: 256,
        timeout: 10,
      });
    }
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, { function_name: 'chat-message-send' });
  });

  test('lambda: architecture, memorySize and timeout props reach every function', () => {
    const custom = synthChatServer(baseProps({ lambda: { architecture: 'x86_64', memorySize: 512, timeout: 20 } }));
    for (const fn of resourceList(custom, 'aws_lambda_function')) {
      expect(fn).toMatchObject({ architectures: ['x86_64'], memory_size: 512, timeout: 20 });
    }
  });

  test('code: each function is the zip of its own bundle (archive_file, fixed file mode, base64 SHA-256)', () => {
    const archives = json.data.archive_file as Record<string, Json>;
    const sourceDirs = new Set<string>();
    for (const [name, fn] of Object.entries(resourcesOf(json, 'aws_lambda_function'))) {
      const archiveName = /data\.archive_file\.([^.]+)\.output_path/.exec(fn.filename)![1];
      expect(fn.source_code_hash).toBe(`\${data.archive_file.${archiveName}.output_base64sha256}`);
      const archive = archives[archiveName];
      expect(archive).toMatchObject({ type: 'zip', output_file_mode: '0644' });
      expect(archive.source_dir).toMatch(/^\$\{path\.module\}\/assets\/[^/]+\/[0-9a-f]{64}$/);
      expect(archive.output_path).toBe(`\${path.module}/build/${fn.function_name}.zip`);
      sourceDirs.add(archive.source_dir);
      expect(name).toBeTruthy();
    }
    expect(sourceDirs.size).toBe(Object.keys(HANDLERS).length);
  });

  test('logs: each function has its own log group with retention, created before it and named in its logging config', () => {
    for (const [name, fn] of Object.entries(resourcesOf(json, 'aws_lambda_function'))) {
      const group = resourceList(json, 'aws_cloudwatch_log_group').find((g) => g.name === `/aws/lambda/${fn.function_name}`);
      expect(group).toMatchObject({ retention_in_days: 365 });
      const groupName = nameOf(json, 'aws_cloudwatch_log_group', (g) => g.name === `/aws/lambda/${fn.function_name}`);
      expect(fn.logging_config).toEqual({ log_format: 'Text', log_group: `\${aws_cloudwatch_log_group.${groupName}.name}` });
      expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${groupName}`);
      expect(fn.depends_on.some((d: string) => d.startsWith('aws_iam_role_policy.'))).toBe(true);
      expect(name).toBeTruthy();
    }
    const custom = synthChatServer(baseProps({ logRetentionDays: 30 }));
    expect(resourceList(custom, 'aws_cloudwatch_log_group').every((g) => g.retention_in_days === 30)).toBe(true);
  });

  test('bot-reply: failed asynchronous invocations go to its own encrypted dead-letter queue; no other function has one', () => {
    // GIVEN bots may invoke bot-reply asynchronously (the invoke policy cannot restrict the invocation type)
    const queue = resourceList(json, 'aws_sqs_queue').find((q) => q.name === 'chat-bot-reply-dlq');
    // THEN it has a dead-letter queue (14 days, encrypted), and the functions only API Gateway or the stream invoke have none
    expect(queue).toEqual({ name: 'chat-bot-reply-dlq', message_retention_seconds: 1209600, sqs_managed_sse_enabled: true });
    expect(fnByName('chat-bot-reply').dead_letter_config).toEqual({
      target_arn: refTo(json, 'aws_sqs_queue', (q) => q.name === 'chat-bot-reply-dlq', 'arn'),
    });
    const withQueue = resourceList(json, 'aws_lambda_function').filter((f) => f.dead_letter_config !== undefined);
    expect(withQueue.map((f) => f.function_name)).toEqual(['chat-bot-reply']);
  });

  test('roles: every function has its own role, assumable by Lambda only, and only on behalf of this account', () => {
    // GIVEN the account id as the stack knows it without an STS call: the owner of its topic
    const account = refTo(json, 'aws_sns_topic', isResponderTopic, 'owner');
    const roles = resourceList(json, 'aws_lambda_function').map((f) => f.role);
    expect(new Set(roles).size).toBe(roles.length);
    for (const fn of resourceList(json, 'aws_lambda_function')) {
      const roleName = /aws_iam_role\.([^.]+)\.arn/.exec(fn.role)![1];
      const trust = JSON.parse(resourcesOf(json, 'aws_iam_role')[roleName].assume_role_policy);
      // THEN Lambda may assume the role for this account's functions only (aws:SourceAccount: no confused deputy)
      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
      ]);
    }
    // AND the topic that names the account depends on no role (no cycle through the trust policies)
    expect(JSON.stringify(responderTopicOf(json))).not.toContain('aws_iam_role');
  });

  test('environment: each function gets exactly its environment in the deployment model, every reference resolved', () => {
    // GIVEN the model the construct rendered WHEN its functions are synthesized
    for (const fn of functionsOf(model)) {
      const expectedEnv = Object.fromEntries(Object.entries(fn.environment).map(([key, value]) => [key, envValue(value)]));
      // THEN the function's variables are the model's, no more and no fewer
      expect({ fn: fn.name, env: fnByName(fn.name).environment.variables }).toEqual({ fn: fn.name, env: expectedEnv });
    }
  });

  test('environment: the configured settings reach the functions', () => {
    const custom = synthChatServer(
      baseProps({ messageRetentionDays: 30, rateLimit: { messages: 5, windowSeconds: 60 }, stageName: 'live' }),
    );
    const customEnv = resourceList(custom, 'aws_lambda_function').find((f) => f.function_name === 'chat-message-send')!
      .environment.variables;
    expect(customEnv).toMatchObject({
      CHAT_MESSAGE_RETENTION_DAYS: '30',
      CHAT_RATE_LIMIT_MESSAGES: '5',
      CHAT_RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    expect(customEnv.CHAT_CONNECTIONS_ENDPOINT).toMatch(/\/live$/);
  });

  test('environment: the maximum token age reaches the authorizer, and only the authorizer', () => {
    // GIVEN a deployment that accepts tokens up to an hour old
    const custom = synthChatServer(baseProps({ auth: { ...TEST_JWT_AUTH, maxTokenAgeSeconds: 3600 } }));
    const functions = resourceList(custom, 'aws_lambda_function');
    // THEN the authorizer is configured with it, and no other function carries the setting
    expect(functions.find((f) => f.function_name === 'chat-authorizer')!.environment.variables.CHAT_AUTH_MAX_TOKEN_AGE_SECONDS).toBe('3600');
    const others = functions.filter((f) => f.function_name !== 'chat-authorizer');
    expect(others.filter((f) => 'CHAT_AUTH_MAX_TOKEN_AGE_SECONDS' in f.environment.variables)).toEqual([]);
    // AND by default it is one day
    expect(fnByName('chat-authorizer').environment.variables.CHAT_AUTH_MAX_TOKEN_AGE_SECONDS).toBe('86400');
  });
});

describe('IAM', () => {
  test('policies: "*" as a resource only for dynamodb:ListStreams (no narrower ARN exists); no wildcard action', () => {
    // GIVEN every policy document of the stack (role policies, managed policies, trust policies)
    const documents = policyDocuments(json);
    expect(documents.length).toBeGreaterThanOrEqual(Object.keys(HANDLERS).length * 2 + 1);
    const starStatements: Array<{ source: string; statement: unknown }> = [];
    for (const document of documents) {
      for (const statement of document.Statement) {
        // THEN resources are exact ARNs (trust policies have none) and actions are named one by one
        for (const resource of asList(statement.Resource)) {
          if (resource === '*') {
            starStatements.push({ source: document.source, statement });
            continue;
          }
          expect(resource).toMatch(/^(\$\{[a-z0-9_.-]+\.[A-Za-z0-9_-]+\.[a-z_]+\}|arn:)/i);
        }
        for (const action of asList(statement.Action)) {
          expect({ source: document.source, action }).not.toEqual(expect.objectContaining({ action: expect.stringContaining('*') }));
        }
        expect(statement.Effect).toBe('Allow');
      }
    }
    // AND "*" is only for actions without resource-level permissions: ListStreams in the outbox's policy, and the
    // X-Ray writes of every function (tracing)
    const policyOf = (fn: string): string => `aws_iam_role_policy.${nameOf(json, 'aws_iam_role_policy', (p) => p.name === fn)}.policy`;
    expect(starStatements).toEqual(
      expect.arrayContaining([
        { source: policyOf('chat-outbox'), statement: { Sid: 'ListStreams', Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' } },
      ]),
    );
    const traces = { Sid: 'WriteTraces', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' };
    expect(starStatements.filter(({ statement }) => (statement as { Sid: string }).Sid !== 'ListStreams').sort((a, b) => a.source.localeCompare(b.source))).toEqual(
      (Object.keys(HANDLERS) as HandlerId[]).map((id) => ({ source: policyOf(functionName('chat', id)), statement: traces })).sort((a, b) => a.source.localeCompare(b.source)),
    );
    expect(starStatements).toHaveLength(Object.keys(HANDLERS).length + 1);
  });

  const POST = (): string => `${apiRef('execution_arn')}/prod/POST/@connections/*`;

  test.each((Object.keys(HANDLERS) as HandlerId[]).map((id) => functionName('chat', id)))(
    '%s: its role policy is exactly its statements in the deployment model, each resource the one the model names',
    (name) => {
      // GIVEN the function's statements in the model WHEN its inline policy is synthesized
      const fn = functionsOf(model).find((candidate) => candidate.name === name)!;
      const policy = functionPolicy(json, name);
      // THEN it holds exactly those statements, in that order, with every reference resolved to its resource
      expect(policy.Statement.map((s) => [s.Sid, asList(s.Action), asList(s.Resource)])).toEqual(
        fn.statements.map((statement) => [statement.sid, [...statement.actions], statement.resources.map(resourceOf)]),
      );
    },
  );

  test('execute-api: only POST to @connections of this stage is granted (no GET/DELETE, no other stage)', () => {
    const grants = policyDocuments(json)
      .flatMap((d) => d.Statement)
      .filter((s) => asList(s.Action).some((a) => a.startsWith('execute-api:')));
    expect(grants.length).toBe(4);
    for (const grant of grants) expect(asList(grant.Resource)).toEqual([POST()]);
  });

  test('bot reply: the output policy allows lambda:InvokeFunction on exactly the bot-reply function', () => {
    const policy = onlyResource(json, 'aws_iam_policy');
    expect(policy.name).toBe('chat-bot-reply-invoke');
    expect(JSON.parse(policy.policy).Statement).toEqual([
      { Sid: 'InvokeBotReply', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnRef('botReply', 'arn') },
    ]);
  });

  test('kmsKeyArn: every function may decrypt with the key; only those touching data may encrypt and generate data keys (in a policy of its own)', () => {
    const encrypted = synthChatServer(baseProps({ kmsKeyArn: KMS_KEY }));
    for (const fn of resourceList(encrypted, 'aws_lambda_function')) {
      const statements = functionPolicy(encrypted, fn.function_name, `${fn.function_name}-kms`).Statement;
      expect(statements).toContainEqual({ Sid: 'DecryptWithChatKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KMS_KEY });
      const touchesData = functionPolicy(encrypted, fn.function_name).Statement.some((s) => /Table|Index|Stream|Topic|Outbox|Connections/.test(s.Sid ?? ''));
      const encrypt = statements.find((s) => s.Sid === 'EncryptWithChatKey');
      expect(encrypt === undefined).toBe(!touchesData);
      if (encrypt) expect(encrypt).toEqual({ Sid: 'EncryptWithChatKey', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Resource: KMS_KEY });
      expect(fn.kms_key_arn).toBe(KMS_KEY);
    }
    // DynamoDB, SNS and SQS writers: GenerateDataKey + Decrypt, and Encrypt as aws-cdk's table write grants.
    const kmsActions = policyDocuments(encrypted).flatMap((d) => d.Statement.flatMap((st) => asList(st.Action))).filter((a) => a.startsWith('kms:'));
    expect(new Set(kmsActions)).toEqual(new Set(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']));
    expect(resourceList(encrypted, 'aws_dynamodb_table').every((t) => t.server_side_encryption.kms_key_arn === KMS_KEY)).toBe(true);
    expect(responderTopicOf(encrypted).kms_master_key_id).toBe(KMS_KEY);
    expect(resourceList(encrypted, 'aws_sqs_queue').map((q) => q.kms_master_key_id)).toEqual([KMS_KEY, KMS_KEY]);
    expect(resourceList(encrypted, 'aws_cloudwatch_log_group').every((g) => g.kms_key_id === KMS_KEY)).toBe(true);
  });
});

describe('WebSocket API', () => {
  test('api: a WebSocket API routing on $request.body.action', () => {
    expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Api, {
      name: 'chat',
      protocol_type: 'WEBSOCKET',
      route_selection_expression: '$request.body.action',
    });
  });

  test('integrations: one AWS_PROXY integration per routed function', () => {
    const integrations = resourceList(json, 'aws_apigatewayv2_integration').filter((i) => i.integration_type !== 'MOCK');
    const routed = [...new Set(Object.values(ROUTES))];
    expect(integrations).toHaveLength(routed.length);
    expect(integrations.map((i) => i.integration_uri).sort()).toEqual(routed.map((id) => fnRef(id, 'invoke_arn')).sort());
    for (const integration of integrations) {
      expect(integration).toMatchObject({ integration_type: 'AWS_PROXY', integration_method: 'POST', api_id: apiRef('id') });
    }
  });

  test.each(Object.entries(ROUTES))('route %s: wired to the %s function', (routeKey, handlerId) => {
    const route = resourceList(json, 'aws_apigatewayv2_route').find((r) => r.route_key === routeKey)!;
    const integrationName = /aws_apigatewayv2_integration\.([^.]+)\.id/.exec(route.target)![1];
    expect(route.target).toBe(`integrations/\${aws_apigatewayv2_integration.${integrationName}.id}`);
    expect(resourcesOf(json, 'aws_apigatewayv2_integration')[integrationName].integration_uri).toBe(
      fnRef(handlerId, 'invoke_arn'),
    );
  });

  test('keepalive: API Gateway answers {"action":"ping"} itself (MOCK) with {"type":"pong"}: no function, no permission', () => {
    // GIVEN the default stack WHEN its keepalive route is read
    const route = resourceList(json, 'aws_apigatewayv2_route').find((r) => r.route_key === KEEPALIVE.routeKey)!;
    expect(route).toMatchObject({ route_key: 'ping', authorization_type: 'NONE', route_response_selection_expression: '$default' });
    const integrationName = /aws_apigatewayv2_integration\.([^.]+)\.id/.exec(route.target)![1];
    // THEN it targets a MOCK integration answering status 200 to every request
    const integration = resourcesOf(json, 'aws_apigatewayv2_integration')[integrationName];
    expect(integration).toMatchObject({ integration_type: 'MOCK', template_selection_expression: '200', request_templates: { '200': '{"statusCode":200}' } });
    expect(integration.integration_uri).toBeUndefined();
    // AND status 200 gets the pong frame, which the route response returns to the caller
    expect(resourceList(json, 'aws_apigatewayv2_integration_response')).toEqual([
      {
        api_id: apiRef('id'),
        integration_id: `\${aws_apigatewayv2_integration.${integrationName}.id}`,
        integration_response_key: '/200/',
        template_selection_expression: '200',
        response_templates: { '200': '{"type":"pong"}' },
      },
    ]);
    // AND no function can be invoked for it
    expect(resourceList(json, 'aws_lambda_permission').filter((p) => String(p.source_arn).endsWith('/ping'))).toEqual([]);
  });

  test('routes: two-way routes have a $default route response; $connect and $disconnect do not', () => {
    const routes = resourcesOf(json, 'aws_apigatewayv2_route');
    const responses = resourceList(json, 'aws_apigatewayv2_route_response');
    expect(Object.keys(routes)).toHaveLength(Object.keys(ROUTES).length + 1);
    for (const [name, route] of Object.entries(routes)) {
      const twoWay = TWO_WAY_ROUTES.includes(route.route_key) || route.route_key === KEEPALIVE.routeKey;
      expect(route.route_response_selection_expression).toBe(twoWay ? '$default' : undefined);
      const response = responses.filter((r) => r.route_id === `\${aws_apigatewayv2_route.${name}.id}`);
      expect(response).toEqual(twoWay ? [{ api_id: apiRef('id'), route_id: `\${aws_apigatewayv2_route.${name}.id}`, route_response_key: '$default' }] : []);
    }
  });

  test('authorizer: a Lambda REQUEST authorizer attached to $connect only, with no identity sources', () => {
    const authorizer = onlyResource(json, 'aws_apigatewayv2_authorizer');
    expect(authorizer).toMatchObject({ authorizer_type: 'REQUEST', authorizer_uri: fnRef('authorizer', 'invoke_arn') });
    // A listed identity source that is missing makes API Gateway answer 401 before the authorizer runs;
    // the token may come in a header or the query string, so none is listed.
    expect(authorizer.identity_sources).toBeUndefined();
    const authorizerRef = refTo(json, 'aws_apigatewayv2_authorizer', () => true, 'id');
    for (const route of resourceList(json, 'aws_apigatewayv2_route')) {
      if (route.route_key === '$connect') {
        expect(route).toMatchObject({ authorization_type: 'CUSTOM', authorizer_id: authorizerRef });
      } else {
        expect(route.authorization_type).toBe('NONE');
        expect(route.authorizer_id).toBeUndefined();
      }
    }
  });

  test('permissions: every Lambda permission carries a source_arn scoped to its route or the authorizer', () => {
    const permissions = resourceList(json, 'aws_lambda_permission');
    expect(permissions).toHaveLength(Object.keys(ROUTES).length + 1);
    for (const permission of permissions) {
      expect(permission.source_arn).toEqual(expect.any(String));
      expect(permission.principal).toBe('apigateway.amazonaws.com');
      expect(permission.action).toBe('lambda:InvokeFunction');
    }
    for (const [routeKey, handlerId] of Object.entries(ROUTES)) {
      expect(permissions).toContainEqual({
        action: 'lambda:InvokeFunction',
        function_name: fnRef(handlerId, 'function_name'),
        principal: 'apigateway.amazonaws.com',
        source_arn: `${apiRef('execution_arn')}/prod/${routeKey}`,
      });
    }
    expect(permissions).toContainEqual({
      action: 'lambda:InvokeFunction',
      function_name: fnRef('authorizer', 'function_name'),
      principal: 'apigateway.amazonaws.com',
      source_arn: `${apiRef('execution_arn')}/authorizers/${refTo(json, 'aws_apigatewayv2_authorizer', () => true, 'id')}`,
    });
  });

  test('deployment: its trigger hashes the API itself, every route, route response, integration (and response) and the authorizer; created before destroyed', () => {
    const deployment = onlyResource(json, 'aws_apigatewayv2_deployment');
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    const trigger = deployment.triggers.redeployment as string;
    expect(trigger).toMatch(/^\$\{sha1\(jsonencode\(\[.*\]\)\)\}$/);
    const hashed = new Set(trigger.slice('${sha1(jsonencode(['.length, -']))}'.length).split(', '));
    const expectedAddresses = [
      // The API: a changed route_selection_expression must reach the stage through a new deployment.
      'aws_apigatewayv2_api',
      'aws_apigatewayv2_route',
      'aws_apigatewayv2_route_response',
      'aws_apigatewayv2_integration',
      'aws_apigatewayv2_integration_response',
      'aws_apigatewayv2_authorizer',
    ].flatMap((type) => Object.keys(resourcesOf(json, type)).map((name) => `${type}.${name}`));
    expect(hashed).toEqual(new Set(expectedAddresses));
  });

  test('stage: deploys the explicit deployment (no auto-deploy), logs access as JSON, throttles every route', () => {
    const stage = onlyResource(json, 'aws_apigatewayv2_stage');
    const accessLogs = resourceList(json, 'aws_cloudwatch_log_group').find((g) => g.name === '/aws/apigateway/chat-prod')!;
    expect(accessLogs).toMatchObject({ retention_in_days: 365 });
    expect(stage).toMatchObject({
      name: 'prod',
      deployment_id: refTo(json, 'aws_apigatewayv2_deployment', () => true, 'id'),
      access_log_settings: {
        destination_arn: refTo(json, 'aws_cloudwatch_log_group', (g) => g.name === '/aws/apigateway/chat-prod', 'arn'),
        format: ACCESS_LOG_FORMAT,
      },
      default_route_settings: { throttling_rate_limit: 1000, throttling_burst_limit: 500, data_trace_enabled: false },
    });
    expect(stage.auto_deploy).toBeUndefined();
    expect(JSON.parse(ACCESS_LOG_FORMAT)).toMatchObject({ requestId: '$context.requestId', connectionId: '$context.connectionId' });
    const throttled = synthChatServer(baseProps({ throttling: { rateLimit: 50, burstLimit: 20 } }));
    expect(onlyResource(throttled, 'aws_apigatewayv2_stage').default_route_settings).toMatchObject({
      throttling_rate_limit: 50,
      throttling_burst_limit: 20,
    });
  });

  test('configureApiGatewayAccountLogging: the account CloudWatch role is set before the stage (and can be left alone)', () => {
    const account = onlyResource(json, 'aws_api_gateway_account');
    const roleName = /aws_iam_role\.([^.]+)\.arn/.exec(account.cloudwatch_role_arn)![1];
    const role = resourcesOf(json, 'aws_iam_role')[roleName];
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: 'apigateway.amazonaws.com' });
    expect(onlyResource(json, 'aws_iam_role_policy_attachment').policy_arn).toMatch(
      /^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/,
    );
    expect(onlyResource(json, 'aws_apigatewayv2_stage').depends_on).toEqual([
      `aws_api_gateway_account.${nameOf(json, 'aws_api_gateway_account', () => true)}`,
    ]);
    const without = synthChatServer(baseProps({ configureApiGatewayAccountLogging: false }));
    expect(resourceList(without, 'aws_api_gateway_account')).toHaveLength(0);
    expect(onlyResource(without, 'aws_apigatewayv2_stage').depends_on).toBeUndefined();
  });

  test('domain: custom domain (TLS 1.2, regional, dual-stack), API mapping to the stage and Route 53 A and AAAA aliases', () => {
    const withDomain = synthChatServer(
      baseProps({
        domain: {
          domainName: 'chat.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
          hostedZoneId: 'Z0123456789ABC',
        },
      }),
    );
    const domain = onlyResource(withDomain, 'aws_apigatewayv2_domain_name');
    expect(domain).toMatchObject({
      domain_name: 'chat.example.com',
      domain_name_configuration: {
        certificate_arn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
        endpoint_type: 'REGIONAL',
        security_policy: 'TLS_1_2',
        ip_address_type: 'dualstack',
      },
    });
    const domainName = nameOf(withDomain, 'aws_apigatewayv2_domain_name', () => true);
    expect(onlyResource(withDomain, 'aws_apigatewayv2_api_mapping')).toMatchObject({
      domain_name: `\${aws_apigatewayv2_domain_name.${domainName}.id}`,
      stage: refTo(withDomain, 'aws_apigatewayv2_stage', () => true, 'id'),
    });
    const alias = {
      name: `\${aws_apigatewayv2_domain_name.${domainName}.domain_name_configuration[0].target_domain_name}`,
      zone_id: `\${aws_apigatewayv2_domain_name.${domainName}.domain_name_configuration[0].hosted_zone_id}`,
      evaluate_target_health: false,
    };
    const records = resourceList(withDomain, 'aws_route53_record');
    expect(records.map((record) => record.type).sort()).toEqual(['A', 'AAAA']);
    for (const record of records) {
      expect(record).toEqual({ zone_id: 'Z0123456789ABC', name: 'chat.example.com', type: record.type, alias });
    }
    const noZone = synthChatServer(
      baseProps({ domain: { domainName: 'chat.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' } }),
    );
    expect(resourceList(noZone, 'aws_route53_record')).toHaveLength(0);
    expect(resourceList(json, 'aws_apigatewayv2_domain_name')).toHaveLength(0);
  });
});

describe('outbox', () => {
  test('mapping: the messages stream, filtered by OUTBOX_FILTER_PATTERN, bisect + bounded retries + partial failures + SQS on failure', () => {
    expect(synthesized).toHaveResourceWithProperties(LambdaEventSourceMapping, {
      event_source_arn: refTo(json, 'aws_dynamodb_table', (t) => t.name === 'chat-messages', 'stream_arn'),
      function_name: fnRef('outbox', 'arn'),
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 5,
      function_response_types: ['ReportBatchItemFailures'],
      destination_config: {
        on_failure: { destination_arn: refTo(json, 'aws_sqs_queue', (q) => q.name === 'chat-outbox-failures', 'arn') },
      },
      starting_position: 'TRIM_HORIZON',
    });
    const mapping = onlyResource(json, 'aws_lambda_event_source_mapping');
    expect(JSON.parse(mapping.filter_criteria.filter[0].pattern)).toEqual(OUTBOX_FILTER_PATTERN);
    expect(mapping.filter_criteria.filter).toHaveLength(1);
    // The mapping validates at creation that the role can read the stream.
    expect(mapping.depends_on).toEqual([
      `aws_iam_role_policy.${nameOf(json, 'aws_iam_role_policy', (p) => p.name === 'chat-outbox')}`,
    ]);
  });

  test('failure queue: encrypted, keeps records 14 days', () => {
    expect(resourceList(json, 'aws_sqs_queue').find((q) => q.name === 'chat-outbox-failures')).toEqual({
      name: 'chat-outbox-failures',
      message_retention_seconds: 1209600,
      sqs_managed_sse_enabled: true,
    });
  });
});

describe('responder topic', () => {
  test('topic: named by snsTopicName (default <name>-responder), encrypted with the SNS AWS managed key', () => {
    expect(responderTopicOf(json)).toEqual({ name: 'chat-responder', kms_master_key_id: 'alias/aws/sns' });
    const named = synthChatServer(baseProps({ snsTopicName: 'my-chat-responder' }));
    expect(responderTopicOf(named).name).toBe('my-chat-responder');
  });

  test('subscribeBot: filter policy (human takeover skipped by default), SQS DLQ with redrive and queue policy, permission from the topic only', () => {
    // GIVEN a bot function subscribed with the default filter and one with a custom one
    const withBots = synthChatServer(baseProps(), (chat: ChatServer) => {
      chat.subscribeBot(
        { arn: 'arn:aws:lambda:us-east-1:123456789012:function:faq-bot', functionName: 'faq-bot' },
        { name: 'faq' },
      );
      chat.subscribeBot(chat.botReplyFunction, { name: 'echo', filterPolicy: { threadId: ['t-1'] } });
    });
    const topicArn = refTo(withBots, 'aws_sns_topic', isResponderTopic, 'arn');
    const subscriptions = resourceList(withBots, 'aws_sns_topic_subscription');
    expect(subscriptions).toHaveLength(2);
    const faq = subscriptions.find((s) => s.endpoint === 'arn:aws:lambda:us-east-1:123456789012:function:faq-bot')!;
    expect(faq).toMatchObject({ topic_arn: topicArn, protocol: 'lambda', filter_policy_scope: 'MessageAttributes' });
    expect(JSON.parse(faq.filter_policy)).toEqual(DEFAULT_BOT_FILTER_POLICY);
    expect(JSON.parse(faq.filter_policy)).toEqual({ messageType: ['user'], isHumanOverride: ['false'] });
    const faqQueue = refTo(withBots, 'aws_sqs_queue', (q) => q.name === 'chat-responder-faq-dlq', 'arn');
    expect(JSON.parse(faq.redrive_policy)).toEqual({ deadLetterTargetArn: faqQueue });
    expect(resourceList(withBots, 'aws_sqs_queue').find((q) => q.name === 'chat-responder-faq-dlq')).toMatchObject({
      sqs_managed_sse_enabled: true,
      message_retention_seconds: 1209600,
    });
    const queuePolicy = resourceList(withBots, 'aws_sqs_queue_policy').find(
      (p) => p.queue_url === refTo(withBots, 'aws_sqs_queue', (q) => q.name === 'chat-responder-faq-dlq', 'url'),
    )!;
    expect(JSON.parse(queuePolicy.policy).Statement).toEqual([
      {
        Sid: 'TopicDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: faqQueue,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ]);
    expect(faq.depends_on).toHaveLength(2);
    const permissions = resourceList(withBots, 'aws_lambda_permission').filter((p) => p.principal === 'sns.amazonaws.com');
    expect(permissions).toEqual(
      expect.arrayContaining([
        { action: 'lambda:InvokeFunction', function_name: 'faq-bot', principal: 'sns.amazonaws.com', source_arn: topicArn },
      ]),
    );
    expect(permissions).toHaveLength(2);
    const echo = subscriptions.find((s) => s !== faq)!;
    expect(JSON.parse(echo.filter_policy)).toEqual({ threadId: ['t-1'] });
  });

  const bot = { arn: 'arn:aws:lambda:us-east-1:123456789012:function:faq-bot', functionName: 'faq-bot' };
  const subscribeWith = (filterPolicy: Record<string, unknown>): Json =>
    synthChatServer(baseProps(), (chat) => chat.subscribeBot(bot, { name: 'faq', filterPolicy }));

  // [description, filter policy, error pattern]: each refused at synth, naming the place in the policy. The full
  // table of what SNS accepts and refuses runs against subscribeBot in __tests__/local/filter-policy-parity.test.ts.
  const badPolicies: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'a boolean instead of a string',
      { isHumanOverride: [false] },
      /^subscribeBot: invalid filterPolicy\.isHumanOverride\[0\]: false is a boolean, but the outbox sends message attribute values as strings: write 'false'$/,
    ],
    ['an attribute the outbox does not publish', { sender: ['alice'] }, /invalid filterPolicy\.sender: the outbox sends only the message attributes threadId, messageType, isHumanOverride/],
    ['a value the outbox never publishes', { messageType: ['bot'] }, /invalid filterPolicy\.messageType\[0\]: "bot" never matches: the outbox sends messageType as 'user' or 'agent'/],
    ['an empty list (SNS refuses it)', { messageType: [] }, /invalid filterPolicy\.messageType: is an empty array, which SNS refuses/],
    ['more than 150 combinations (SNS refuses it)', { threadId: Array.from({ length: 151 }, (_, index) => `t${index}`) }, /invalid filterPolicy: .*150/],
    ['a bad $or branch', { $or: [{ messageType: ['user'] }, { isHumanOverride: [true] }] }, /invalid filterPolicy\.\$or\[1\]\.isHumanOverride\[0\]: true is a boolean/],
  ];

  test.each(badPolicies)('subscribeBot filterPolicy: %s is refused at synth', (_, filterPolicy, pattern) => {
    expect(() => subscribeWith(filterPolicy)).toThrow(pattern);
  });

  test('subscribeBot filterPolicy: string values, string operators and $or pass through unchanged', () => {
    const policy = {
      $or: [{ threadId: [{ prefix: 'vip-' }] }, { messageType: [{ 'anything-but': ['agent'] }] }],
      isHumanOverride: [{ 'equals-ignore-case': 'FALSE' }, 'false'],
    };
    const subscription = onlyResource(subscribeWith(policy), 'aws_sns_topic_subscription');
    expect(JSON.parse(subscription.filter_policy)).toEqual(policy);
    expect(JSON.parse(onlyResource(subscribeWith({ threadId: [{ exists: true }] }), 'aws_sns_topic_subscription').filter_policy)).toEqual({
      threadId: [{ exists: true }],
    });
  });

  test('subscribeBot: an invalid name or too long a queue name is refused', () => {
    expect(() =>
      synthChatServer(baseProps(), (chat) => chat.subscribeBot({ arn: 'a', functionName: 'b' }, { name: 'has space' })),
    ).toThrow(/subscribeBot: name/);
    expect(() =>
      synthChatServer(baseProps({ snsTopicName: 't'.repeat(75) }), (chat) =>
        chat.subscribeBot({ arn: 'a', functionName: 'b' }, { name: 'bot' }),
      ),
    ).toThrow(/pass deadLetterQueueName/);
  });
});

describe('auth', () => {
  test('createCognitoUserPool: a pool, a public client and the agent group; the authorizer verifies their ID tokens', () => {
    const pooled = synthChatServer(baseProps({ auth: { createCognitoUserPool: true } }));
    const pool = onlyResource(pooled, 'aws_cognito_user_pool');
    expect(pool).toMatchObject({
      name: 'chat-users',
      deletion_protection: 'ACTIVE',
      admin_create_user_config: { allow_admin_create_user_only: true },
      mfa_configuration: 'OPTIONAL',
    });
    expect(pool.password_policy.minimum_length).toBeGreaterThanOrEqual(12);
    const client = onlyResource(pooled, 'aws_cognito_user_pool_client');
    expect(client).toMatchObject({ name: 'chat-web', generate_secret: false, prevent_user_existence_errors: 'ENABLED' });
    const poolRef = (attribute: string): string => refTo(pooled, 'aws_cognito_user_pool', () => true, attribute);
    expect(onlyResource(pooled, 'aws_cognito_user_group')).toMatchObject({ name: 'chat-agent', user_pool_id: poolRef('id') });
    const env = resourceList(pooled, 'aws_lambda_function').find((f) => f.function_name === 'chat-authorizer')!
      .environment.variables;
    expect(env).toMatchObject({
      CHAT_AUTH_ISSUER: `https://${poolRef('endpoint')}`,
      CHAT_AUTH_JWKS_URL: `https://${poolRef('endpoint')}/.well-known/jwks.json`,
      CHAT_AUTH_AUDIENCE: refTo(pooled, 'aws_cognito_user_pool_client', () => true, 'id'),
      CHAT_AUTH_ROLES_CLAIM: 'cognito:groups',
      CHAT_AUTH_AGENT_ROLE: 'chat-agent',
      CHAT_AUTH_MAX_TOKEN_AGE_SECONDS: '86400',
    });
    const selfService = synthChatServer(
      baseProps({ auth: { createCognitoUserPool: true, selfSignUp: true, agentRole: 'support' }, deletionProtection: false }),
    );
    expect(onlyResource(selfService, 'aws_cognito_user_pool')).toMatchObject({
      admin_create_user_config: { allow_admin_create_user_only: false },
      deletion_protection: 'INACTIVE',
    });
    expect(onlyResource(selfService, 'aws_cognito_user_group').name).toBe('support');
  });

  test('jwt / cognito shortcut: no user pool is created', () => {
    expect(resourceList(json, 'aws_cognito_user_pool')).toHaveLength(0);
  });
});

describe('tags', () => {
  test('tags: added to every taggable resource of the construct', () => {
    const tagged = synthChatServer(baseProps({ tags: { team: 'support', env: 'test' } }));
    const taggable = [
      'aws_dynamodb_table',
      'aws_lambda_function',
      'aws_iam_role',
      'aws_cloudwatch_log_group',
      'aws_sns_topic',
      'aws_sqs_queue',
      'aws_apigatewayv2_api',
      'aws_apigatewayv2_stage',
      'aws_iam_policy',
      'aws_lambda_event_source_mapping',
    ];
    for (const type of taggable) {
      for (const resource of resourceList(tagged, type)) expect({ type, tags: resource.tags }).toEqual({ type, tags: { team: 'support', env: 'test' } });
    }
    for (const resource of resourceList(tagged, 'aws_apigatewayv2_route')) expect(resource.tags).toBeUndefined();
  });
});
