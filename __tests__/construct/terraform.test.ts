/**
 * Real Terraform on the synthesized stacks: `terraform init` from the offline AWS provider mirror
 * (5.100, the low end of the declared range), `validate`, `plan -out`, `show -json`; every resource is
 * planned for creation and the key attributes are planned as intended.
 */
import * as fs from 'node:fs';
import { HANDLERS, KEEPALIVE, OUTBOX_FILTER_PATTERN, ROUTES, TABLES } from '../../lib/schema';
import { assertTerraformAvailable, planStack, prepareWorkspace, type PlanWorkspace } from './support/terraform';
import { baseProps, fullSynth, tempDir, type FullSynth, type Json } from './support/synth';

jest.setTimeout(180_000);

const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** Addresses of every managed resource and data source in a synthesized stack. */
function addresses(stack: Json, kind: 'resource' | 'data'): string[] {
  const blocks = (stack[kind] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(blocks).flatMap(([type, byName]) =>
    Object.keys(byName).map((name) => `${kind === 'data' ? 'data.' : ''}${type}.${name}`),
  );
}

function planned(plan: Json, type: string): Json[] {
  return (plan.planned_values.root_module.resources as Json[]).filter((r) => r.type === type && r.mode === 'managed');
}

describe('terraform plan (offline AWS provider 5.100)', () => {
  let workDir: string;
  let workspace: PlanWorkspace;
  let defaultStack: FullSynth;
  let plan: Json;

  beforeAll(() => {
    assertTerraformAvailable();
    workDir = tempDir('terraform');
    // The default app's stack: Cognito created, no custom domain, no KMS key.
    defaultStack = fullSynth(baseProps({ auth: { createCognitoUserPool: true } }));
    workspace = prepareWorkspace(defaultStack.json, defaultStack.stackDir, workDir);
    plan = planStack(workspace, true);
  });

  afterAll(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('plan: every synthesized resource is planned for creation, nothing else', () => {
    const changes = plan.resource_changes as Json[];
    const managed = changes.filter((change) => change.mode === 'managed');
    expect(managed.map((change) => change.address).sort()).toEqual(addresses(defaultStack.json, 'resource').sort());
    for (const change of managed) expect({ address: change.address, actions: change.change.actions }).toEqual({ address: change.address, actions: ['create'] });
    // The only data source left (archive_file replaced) needs no AWS call.
    const prepared = JSON.parse(fs.readFileSync(`${workDir}/cdk.tf.json`, 'utf8')) as Json;
    expect(addresses(prepared, 'data').every((address) => address.startsWith('data.aws_partition.'))).toBe(true);
    expect(addresses(defaultStack.json, 'data').filter((address) => address.startsWith('data.archive_file.'))).toHaveLength(
      Object.keys(HANDLERS).length,
    );
  });

  test('functions: runtime, architecture, handler and the code hash of the zip built from the bundle', () => {
    const functions = planned(plan, 'aws_lambda_function');
    expect(functions).toHaveLength(Object.keys(HANDLERS).length);
    const hashes = new Set(Object.values(workspace.archiveHashes));
    for (const fn of functions) {
      expect(fn.values).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler', memory_size: 256 });
      expect(hashes.has(fn.values.source_code_hash)).toBe(true);
      expect(fs.existsSync(`${workDir}/${fn.values.filename}`)).toBe(true);
    }
  });

  test('tables: on-demand, PITR, TTL, deletion protection, encryption; the messages stream', () => {
    const tables = planned(plan, 'aws_dynamodb_table');
    expect(tables.map((t) => t.values.name).sort()).toEqual(Object.values(TABLES).map((t) => `chat-${t.logicalName}`).sort());
    for (const table of tables) {
      expect(table.values).toMatchObject({
        billing_mode: 'PAY_PER_REQUEST',
        deletion_protection_enabled: true,
        point_in_time_recovery: [expect.objectContaining({ enabled: true })],
        ttl: [{ attribute_name: 'expiresAt', enabled: true }],
        server_side_encryption: [expect.objectContaining({ enabled: true })],
      });
    }
    expect(tables.find((t) => t.values.name === 'chat-messages')!.values).toMatchObject({ stream_enabled: true, stream_view_type: 'NEW_IMAGE' });
  });

  test('API: every route, $connect authorized by the REQUEST authorizer, stage throttled with access logs', () => {
    const routes = planned(plan, 'aws_apigatewayv2_route');
    expect(routes.map((r) => r.values.route_key).sort()).toEqual([...Object.keys(ROUTES), KEEPALIVE.routeKey].sort());
    for (const route of routes) {
      expect(route.values.authorization_type).toBe(route.values.route_key === '$connect' ? 'CUSTOM' : 'NONE');
    }
    expect(planned(plan, 'aws_apigatewayv2_authorizer')[0].values).toMatchObject({ authorizer_type: 'REQUEST' });
    const stage = planned(plan, 'aws_apigatewayv2_stage')[0].values;
    expect(stage).toMatchObject({
      name: 'prod',
      auto_deploy: false,
      default_route_settings: [expect.objectContaining({ throttling_rate_limit: 1000, throttling_burst_limit: 500 })],
    });
    expect(stage.access_log_settings[0].format).toContain('$context.requestId');
    const deployment = (plan.resource_changes as Json[]).find((c) => c.type === 'aws_apigatewayv2_deployment')!;
    // The trigger hashes resources that do not exist yet: known only at apply.
    expect(deployment.change.after_unknown.triggers).toBe(true);
  });

  test('outbox: the stream mapping with its filter, bisect, retries, partial failures and failure queue', () => {
    const mapping = planned(plan, 'aws_lambda_event_source_mapping')[0].values;
    expect(mapping).toMatchObject({
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 5,
      function_response_types: ['ReportBatchItemFailures'],
      starting_position: 'TRIM_HORIZON',
    });
    expect(JSON.parse(mapping.filter_criteria[0].filter[0].pattern)).toEqual(OUTBOX_FILTER_PATTERN);
  });

  test('outputs: every output of the stack is planned', () => {
    expect(Object.keys(plan.planned_values.outputs).sort()).toEqual(Object.keys(defaultStack.json.output).sort());
    expect(plan.planned_values.outputs.messages_table_name.value).toBe('chat-messages');
  });

  test('full-featured stack (external issuer, KMS key, custom domain + Route 53, a subscribed bot) validates and plans', () => {
    // GIVEN every optional resource type enabled
    const full = fullSynth(
      {
        ...baseProps({
          kmsKeyArn: KMS_KEY,
          domain: {
            domainName: 'chat.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
            hostedZoneId: 'Z0123456789ABC',
          },
          stageName: 'live',
          configureApiGatewayAccountLogging: false,
        }),
        region: 'eu-west-1',
      },
      {
        extra: (stack) =>
          stack.chatServer.subscribeBot(
            { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:faq-bot', functionName: 'faq-bot' },
            { name: 'faq' },
          ),
      },
    );
    // WHEN planned in the initialized directory
    const fullPlan = planStack(prepareWorkspace(full.json, full.stackDir, workDir), false);
    // THEN every resource is planned, with the key, domain and subscription as configured
    const managed = (fullPlan.resource_changes as Json[]).filter((c) => c.mode === 'managed');
    expect(managed.map((c) => c.address).sort()).toEqual(addresses(full.json, 'resource').sort());
    expect(planned(fullPlan, 'aws_dynamodb_table').every((t) => t.values.server_side_encryption[0].kms_key_arn === KMS_KEY)).toBe(true);
    expect(planned(fullPlan, 'aws_apigatewayv2_domain_name')[0].values.domain_name_configuration[0]).toMatchObject({
      security_policy: 'TLS_1_2',
      endpoint_type: 'REGIONAL',
    });
    expect(planned(fullPlan, 'aws_apigatewayv2_domain_name')[0].values.domain_name_configuration[0].ip_address_type).toBe('dualstack');
    expect(planned(fullPlan, 'aws_route53_record').map((r) => `${r.values.name} ${r.values.type}`).sort()).toEqual([
      'chat.example.com A',
      'chat.example.com AAAA',
    ]);
    const subscription = planned(fullPlan, 'aws_sns_topic_subscription')[0].values;
    expect(subscription).toMatchObject({ protocol: 'lambda', filter_policy_scope: 'MessageAttributes' });
    expect(JSON.parse(subscription.filter_policy)).toEqual({ messageType: ['user'], isHumanOverride: ['false'] });
    expect(fullPlan.planned_values.outputs.websocket_custom_domain_url.value).toBe('wss://chat.example.com');
    // The stage URL is known only after apply (the API id); it is still the stage URL, not the domain.
    expect(fullPlan.planned_values.outputs.websocket_url.value).toBeUndefined();
    expect(full.json.output.websocket_url.value).toMatch(/^\$\{aws_apigatewayv2_api\.[^.]+\.api_endpoint\}\/live$/);
  });
});
