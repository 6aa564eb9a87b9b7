/**
 * Operable on day one: the alarms (every one: namespace, metric, dimensions naming the right resource, statistic,
 * threshold, period, evaluation, missing data, actions), their topic (created and encrypted, or the user's) and
 * email subscriptions, the dashboard's widgets, X-Ray tracing and its permissions, the log level and the chat's
 * name in every function's environment.
 */
import { ALARM_RUNBOOK, tableOperations } from '../../lib/alarms';
import { ALARM_WINDOWS, CHAT_SERVER_DEFAULTS } from '../../lib/chat-server-defaults';
import { METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from '../../lib/metrics';
import { HANDLERS, TABLES, functionName, type HandlerId, type TableId } from '../../lib/schema';
import { SETTINGS } from '../../lib/settings';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT,
  asList,
  baseProps,
  fullSynth,
  functionPolicy,
  nameOf,
  refTo,
  resourceList,
  resourcesOf,
  synthChatServer,
  type Json,
} from './support/synth';

const json = synthChatServer(baseProps());
const ALARM = 'aws_cloudwatch_metric_alarm';
const alarms = (stack: Json = json): Json[] => resourceList(stack, ALARM);
const alarmNamed = (name: string, stack: Json = json): Json => {
  const found = alarms(stack).find((alarm) => alarm.alarm_name === name);
  if (!found) throw new Error(`no alarm ${name}; alarms: ${alarms(stack).map((alarm) => alarm.alarm_name).join(', ')}`);
  return found;
};
const fnRef = (stack: Json, id: HandlerId, attribute: string): string =>
  refTo(stack, 'aws_lambda_function', (fn) => fn.function_name === functionName('chat', id), attribute);
const queueRef = (stack: Json, name: string): string => refTo(stack, 'aws_sqs_queue', (queue) => queue.name === name, 'name');
const tableRef = (stack: Json, id: TableId): string => refTo(stack, 'aws_dynamodb_table', (table) => table.name === `chat-${TABLES[id].logicalName}`, 'name');
const apiId = (stack: Json): string => refTo(stack, 'aws_apigatewayv2_api', () => true, 'id');
const createdTopic = (stack: Json = json): string => refTo(stack, 'aws_sns_topic', (topic) => topic.name === 'chat-alarms', 'arn');
const defaults = CHAT_SERVER_DEFAULTS.alarms;
const counts = ALARM_WINDOWS.counts;

/**
 * A JSON document holding Terraform interpolations parsed: the quotes inside `${...}` (e.g. `split(":", arn)`)
 * are Terraform's, which it resolves before the JSON is used, so they are read as single quotes here.
 */
function parseWithInterpolations(text: string): Json {
  return JSON.parse(text.replace(/\$\{[^}]*\}/g, (interpolation) => interpolation.replace(/"/g, "'"))) as Json;
}

/** The part of an alarm a reader checks: what it watches, how it judges it, whom it tells. */
function shapeOf(alarm: Json): Json {
  const keys = [
    'namespace', 'metric_name', 'dimensions', 'statistic', 'extended_statistic', 'threshold', 'period', 'evaluation_periods',
    'datapoints_to_alarm', 'comparison_operator', 'treat_missing_data', 'alarm_actions', 'ok_actions',
  ];
  return Object.fromEntries(keys.filter((key) => alarm[key] !== undefined).map((key) => [key, alarm[key]]));
}

function countAlarm(namespace: string, metric: string, dimensions: Json, statistic: string, threshold: number, topic = createdTopic()): Json {
  return {
    namespace,
    metric_name: metric,
    dimensions,
    statistic,
    threshold,
    period: counts.periodSeconds,
    evaluation_periods: counts.evaluationPeriods,
    datapoints_to_alarm: counts.datapointsToAlarm,
    comparison_operator: 'GreaterThanOrEqualToThreshold',
    treat_missing_data: 'notBreaching',
    alarm_actions: [topic],
    ok_actions: [topic],
  };
}

describe('alarms: functions', () => {
  test.each(Object.keys(HANDLERS) as HandlerId[])('%s: Errors, Throttles (Sum, 5 minutes) and p99 Duration at 80%% of its timeout, on its own function', (id) => {
    // GIVEN the default props  WHEN synthesized
    const name = functionName('chat', id);
    const dimensions = { FunctionName: fnRef(json, id, 'function_name') };
    // THEN each function has its three alarms, naming it, notifying the created topic
    expect(shapeOf(alarmNamed(`${name}-errors`))).toEqual(countAlarm('AWS/Lambda', 'Errors', dimensions, 'Sum', defaults.functionErrors));
    expect(shapeOf(alarmNamed(`${name}-throttles`))).toEqual(countAlarm('AWS/Lambda', 'Throttles', dimensions, 'Sum', defaults.functionThrottles));
    expect(shapeOf(alarmNamed(`${name}-duration`))).toEqual({
      ...countAlarm('AWS/Lambda', 'Duration', dimensions, 'Sum', 0),
      statistic: undefined,
      extended_statistic: 'p99',
      // 10 s timeout, 80 %: 8000 ms
      threshold: CHAT_SERVER_DEFAULTS.lambda.timeout * 1000 * 0.8,
      period: ALARM_WINDOWS.duration.periodSeconds,
      evaluation_periods: ALARM_WINDOWS.duration.evaluationPeriods,
      datapoints_to_alarm: ALARM_WINDOWS.duration.datapointsToAlarm,
    } as Json);
  });

  test('lambda.timeout and alarms.functionDurationPercentOfTimeout: the duration threshold follows both', () => {
    // GIVEN a 30 s timeout and 50 %  WHEN synthesized  THEN the duration alarms fire at 15,000 ms
    const custom = synthChatServer(baseProps({ lambda: { timeout: 30 }, alarms: { functionDurationPercentOfTimeout: 50 } }));
    expect(alarmNamed('chat-outbox-duration', custom).threshold).toBe(15000);
  });
});

describe('alarms: outbox, queues, API, tables, authorizer', () => {
  test('outbox: IteratorAge (Maximum, ms) of the outbox function, 5 one-minute points in a row, missing data keeps the state', () => {
    expect(shapeOf(alarmNamed('chat-outbox-iterator-age'))).toEqual({
      ...countAlarm('AWS/Lambda', 'IteratorAge', { FunctionName: fnRef(json, 'outbox', 'function_name') }, 'Maximum', defaults.outboxIteratorAgeSeconds * 1000),
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      treat_missing_data: 'ignore',
    });
  });

  test('queues: the outbox failure queue and the bot-reply DLQ, each by its own queue name (Maximum of visible messages)', () => {
    for (const [alarmName, queue] of [
      ['chat-outbox-failures-depth', 'chat-outbox-failures'],
      ['chat-bot-reply-dlq-depth', 'chat-bot-reply-dlq'],
    ]) {
      expect(shapeOf(alarmNamed(alarmName))).toEqual(
        countAlarm('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: queueRef(json, queue) }, 'Maximum', defaults.deadLetterQueueMessages),
      );
    }
  });

  test('bots: each bot of the bots prop and each bot subscribed later gets a depth alarm on its own dead-letter queue', () => {
    // GIVEN a bot in the bots prop, and one subscribed with subscribeBot after the construct
    const withBots = synthChatServer(
      baseProps({ bots: { faq: { functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:faq', functionName: 'faq' } } }),
      (chat) => chat.subscribeBot({ arn: 'arn:aws:lambda:us-east-1:111122223333:function:triage', functionName: 'triage' }, { name: 'triage' }),
    );
    // THEN both dead-letter queues have their alarm, and the dashboard shows them
    for (const bot of ['faq', 'triage']) {
      const alarm = alarmNamed(`chat-bot-${bot}-dlq-depth`, withBots);
      expect(alarm.dimensions).toEqual({ QueueName: queueRef(withBots, `chat-responder-${bot}-dlq`) });
      expect(alarm.alarm_description).toContain(`#${ALARM_RUNBOOK.botDeadLetters}`);
      expect(dashboardMetrics(withBots)).toContainEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueRef(withBots, `chat-responder-${bot}-dlq`), expect.anything()]);
    }
  });

  test('API: IntegrationError and ExecutionError (Sum) of the API and its stage', () => {
    const dimensions = { ApiId: apiId(json), Stage: 'prod' };
    expect(shapeOf(alarmNamed('chat-api-integration-errors'))).toEqual(countAlarm('AWS/ApiGateway', 'IntegrationError', dimensions, 'Sum', defaults.apiIntegrationErrors));
    expect(shapeOf(alarmNamed('chat-api-execution-errors'))).toEqual(countAlarm('AWS/ApiGateway', 'ExecutionError', dimensions, 'Sum', defaults.apiExecutionErrors));
  });

  test('API: the client error rate is metric math, ClientError in percent of MessageCount', () => {
    const alarm = alarmNamed('chat-api-client-error-rate');
    const dimensions = { ApiId: apiId(json), Stage: 'prod' };
    const period = ALARM_WINDOWS.clientErrorRate.periodSeconds;
    expect(alarm.metric_name).toBeUndefined();
    expect(alarm.metric_query).toEqual([
      { id: 'clientErrors', return_data: false, metric: { namespace: 'AWS/ApiGateway', metric_name: 'ClientError', dimensions, stat: 'Sum', period } },
      { id: 'messages', return_data: false, metric: { namespace: 'AWS/ApiGateway', metric_name: 'MessageCount', dimensions, stat: 'Sum', period } },
      { id: 'clientErrorPercent', return_data: true, label: expect.any(String), expression: 'IF(messages > 0, 100 * clientErrors / messages, 0)' },
    ]);
    expect(alarm).toMatchObject({ threshold: defaults.apiClientErrorPercent, evaluation_periods: 3, treat_missing_data: 'ignore', alarm_actions: [createdTopic()] });
  });

  test.each(Object.keys(TABLES) as TableId[])('DynamoDB %s: ThrottledRequests and SystemErrors summed over the operations the handlers call, by TableName and Operation', (table) => {
    const operations = tableOperations()[table];
    expect(operations.length).toBeGreaterThan(0);
    for (const [metric, suffix, threshold] of [
      ['ThrottledRequests', 'throttled-requests', defaults.dynamodbThrottledRequests],
      ['SystemErrors', 'system-errors', defaults.dynamodbSystemErrors],
    ] as const) {
      const alarm = alarmNamed(`chat-${TABLES[table].logicalName}-${suffix}`);
      const queries = alarm.metric_query as Json[];
      // THEN one metric per operation, each naming this table, and their sum is what the alarm judges
      expect(queries.filter((query) => query.metric).map((query) => query.metric)).toEqual(
        operations.map((operation) => ({
          namespace: 'AWS/DynamoDB',
          metric_name: metric,
          dimensions: { TableName: tableRef(json, table), Operation: operation },
          stat: 'Sum',
          period: counts.periodSeconds,
        })),
      );
      const total = queries.find((query) => query.return_data === true)!;
      expect(total.expression).toBe(`SUM([${queries.filter((query) => query.metric).map((query) => query.id).join(', ')}])`);
      expect(alarm).toMatchObject({ threshold, treat_missing_data: 'notBreaching', ok_actions: [createdTopic()] });
    }
  });

  test('tableOperations: the operations of HANDLER_WIRING (e.g. message.send PutItem on messages, thread.history Query)', () => {
    expect(tableOperations().messages).toEqual(expect.arrayContaining(['PutItem', 'Query']));
    expect(tableOperations().connections).toEqual(expect.arrayContaining(['GetItem', 'PutItem', 'DeleteItem', 'Query']));
  });

  test("authorizer: a spike of the handlers' AuthorizerDenied metric, by the chat's name; none without authentication", () => {
    expect(shapeOf(alarmNamed('chat-authorizer-denials'))).toEqual(
      countAlarm(METRIC_NAMESPACE, METRICS.authorizerDenied, { [METRIC_DIMENSION]: 'chat' }, 'Sum', defaults.authorizerDenials),
    );
    const open = synthChatServer(baseProps({ auth: { mode: 'none' } }));
    expect(alarms(open).map((alarm) => alarm.alarm_name)).not.toContain('chat-authorizer-denials');
    expect(alarms(open).map((alarm) => alarm.alarm_name)).not.toContain('chat-authorizer-errors');
  });

  test('every alarm: its name starts with the chat name, its description links its runbook entry, which help/operations.md has', () => {
    const operations = fs.readFileSync(path.join(REPO_ROOT, 'help', 'operations.md'), 'utf8');
    const anchors = new Set([...operations.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]));
    expect(alarms().length).toBe(Object.keys(HANDLERS).length * 3 + 1 + 2 + 3 + Object.keys(TABLES).length * 2 + 1);
    for (const alarm of alarms()) {
      expect(alarm.alarm_name).toMatch(/^chat-[a-z0-9-]+$/);
      const anchor = /Runbook: help\/operations\.md#([a-z0-9-]+)/.exec(alarm.alarm_description)?.[1];
      expect({ alarm: alarm.alarm_name, anchor: anchor && anchors.has(anchor) ? anchor : 'missing' }).toEqual({ alarm: alarm.alarm_name, anchor });
    }
    for (const anchor of Object.values(ALARM_RUNBOOK)) expect(anchors).toContain(anchor);
  });
});

describe('alarms: topic and switches', () => {
  test('default: the alarm topic is created, encrypted with a customer managed key CloudWatch may use, and only CloudWatch of this account may publish', () => {
    const topic = resourceList(json, 'aws_sns_topic').find((candidate) => candidate.name === 'chat-alarms')!;
    const keyName = nameOf(json, 'aws_kms_key', () => true);
    expect(topic.kms_master_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
    const key = resourcesOf(json, 'aws_kms_key')[keyName];
    expect(key.enable_key_rotation).toBe(true);
    const keyPolicy = parseWithInterpolations(key.policy);
    expect(keyPolicy.Statement).toContainEqual({
      Sid: 'CloudWatchPublishes',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    });
    expect(keyPolicy.Statement[0].Principal.AWS).toMatch(/^arn:.*:iam::\$\{aws_sns_topic\.[^.]+\.owner\}:root$/);
    const policy = JSON.parse(resourceList(json, 'aws_sns_topic_policy')[0].policy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: createdTopic(),
        Condition: { StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{aws_sns_topic\.[^.]+\.owner\}$/) } },
      },
    ]);
  });

  test("kmsKeyArn: the chat's customer key encrypts the alarm topic; no key is created", () => {
    const kmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const encrypted = synthChatServer(baseProps({ kmsKeyArn }));
    expect(resourceList(encrypted, 'aws_kms_key')).toEqual([]);
    expect(resourceList(encrypted, 'aws_sns_topic').find((topic) => topic.name === 'chat-alarms')!.kms_master_key_id).toBe(kmsKeyArn);
  });

  test('alarmTopicArn: every alarm and OK action goes to the given topic, and no topic or key is created', () => {
    const alarmTopicArn = 'arn:aws:sns:us-east-1:111122223333:ops-alarms';
    const given = synthChatServer(baseProps({ alarmTopicArn }));
    expect(resourceList(given, 'aws_sns_topic').map((topic) => topic.name)).toEqual(['chat-responder']);
    expect(resourceList(given, 'aws_kms_key')).toEqual([]);
    expect(resourceList(given, 'aws_sns_topic_policy')).toEqual([]);
    expect(alarms(given).length).toBe(alarms().length);
    for (const alarm of alarms(given)) expect({ alarm: alarm.alarm_actions, ok: alarm.ok_actions }).toEqual({ alarm: [alarmTopicArn], ok: [alarmTopicArn] });
  });

  test('alarmEmails: one email subscription per address on the alarm topic; none by default', () => {
    expect(resourceList(json, 'aws_sns_topic_subscription').filter((subscription) => subscription.protocol === 'email')).toEqual([]);
    const withEmails = synthChatServer(baseProps({ alarmEmails: ['oncall@example.com', 'team@example.org'] }));
    const email = resourceList(withEmails, 'aws_sns_topic_subscription').filter((subscription) => subscription.protocol === 'email');
    expect(email).toEqual([
      { for_each: '${toset(["oncall@example.com", "team@example.org"])}', protocol: 'email', endpoint: '${each.value}', topic_arn: createdTopic(withEmails) },
    ]);
  });

  test('alarms: false creates no alarm, no alarm topic, no key and no subscription', () => {
    const off = synthChatServer(baseProps({ alarms: false, alarmEmails: ['oncall@example.com'] }));
    expect(alarms(off)).toEqual([]);
    expect(resourceList(off, 'aws_sns_topic').map((topic) => topic.name)).toEqual(['chat-responder']);
    expect(resourceList(off, 'aws_kms_key')).toEqual([]);
    expect(resourceList(off, 'aws_sns_topic_subscription')).toEqual([]);
    expect(alarms(synthChatServer(baseProps({ alarms: { enabled: false } })))).toEqual([]);
  });

  test('alarms thresholds: a given threshold replaces its default', () => {
    const custom = synthChatServer(baseProps({ alarms: { functionErrors: 5, authorizerDenials: 20, outboxIteratorAgeSeconds: 300 } }));
    expect(alarmNamed('chat-connect-errors', custom).threshold).toBe(5);
    expect(alarmNamed('chat-authorizer-denials', custom).threshold).toBe(20);
    expect(alarmNamed('chat-outbox-iterator-age', custom).threshold).toBe(300000);
    expect(alarmNamed('chat-connect-throttles', custom).threshold).toBe(defaults.functionThrottles);
  });

  test.each([
    [{ alarms: { functionDurationPercentOfTimeout: 120 } }, 'alarms.functionDurationPercentOfTimeout', 'must be an integer from 1 to 100, got 120'],
    [{ alarms: { functionErrors: 0 } }, 'alarms.functionErrors', 'must be an integer from 1 to 100000, got 0'],
    [{ alarms: { deadLetterQueueMessages: 1.5 } }, 'alarms.deadLetterQueueMessages', 'must be an integer'],
    [{ alarms: { functionError: 3 } }, 'alarms.functionError', 'is not an alarm setting'],
    [{ alarmTopicArn: 'ops-alarms' }, 'alarmTopicArn', 'must be an SNS topic ARN'],
    [{ alarmEmails: ['oncall@example.com', 'oncall'] }, 'alarmEmails', 'must be a list of email addresses'],
    [{ logLevel: 'verbose' }, 'logLevel', 'must be "debug", "info", "warn" or "error"'],
    [{ tracing: 'On' }, 'tracing', 'must be "Active" or "PassThrough"'],
  ])('a bad setting %j fails synth naming the prop', (props, prop, problem) => {
    // GIVEN a bad value  WHEN synthesized  THEN the error names the prop and the rule
    expect(() => synthChatServer(baseProps(props as never))).toThrow(`ChatServer: invalid prop "${prop}": ${problem}`);
  });

  test('settings: every alarm threshold has its setting, module variable and default in one place', () => {
    for (const [prop, value] of Object.entries(defaults)) {
      const setting = Object.values(SETTINGS).find((candidate) => candidate.prop === `alarms.${prop}`);
      expect({ prop, default: setting?.default }).toEqual({ prop, default: value });
    }
  });
});

/** Every metric line of every dashboard widget. */
function dashboardMetrics(stack: Json = json): unknown[][] {
  const body = parseWithInterpolations(resourceList(stack, 'aws_cloudwatch_dashboard')[0].dashboard_body) as { widgets: Array<{ properties: { metrics: unknown[][] } }> };
  return body.widgets.flatMap((widget) => widget.properties.metrics);
}

describe('dashboard', () => {
  const chatMetric = (metric: string) => [METRIC_NAMESPACE, metric, METRIC_DIMENSION, 'chat', expect.anything()];

  test('default: `chat-chat` with connections, messages per second, ack latency, outbox lag, bot replies, takeover refusals, deliveries, errors, throttles, queues', () => {
    const [dashboard] = resourceList(json, 'aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('chat-chat');
    const metrics = dashboardMetrics();
    const api = ['ApiId', apiId(json), 'Stage', 'prod'];
    expect(metrics).toContainEqual(['AWS/ApiGateway', 'ConnectCount', ...api, expect.anything()]);
    expect(metrics).toContainEqual([expect.objectContaining({ expression: 'sent / PERIOD(sent)' })]);
    expect(metrics).toContainEqual([METRIC_NAMESPACE, METRICS.messagesSent, METRIC_DIMENSION, 'chat', expect.objectContaining({ id: 'sent' })]);
    expect(metrics).toContainEqual(['AWS/ApiGateway', 'IntegrationLatency', ...api, expect.objectContaining({ stat: 'p99' })]);
    expect(metrics).toContainEqual(['AWS/Lambda', 'IteratorAge', 'FunctionName', fnRef(json, 'outbox', 'function_name'), expect.anything()]);
    for (const metric of [
      METRICS.botRepliesAccepted, METRICS.botRepliesRefusedTakeover, METRICS.deliveriesDelivered, METRICS.deliveriesStale, METRICS.deliveriesFailed,
    ]) {
      expect(metrics).toContainEqual(chatMetric(metric));
    }
    for (const id of Object.keys(HANDLERS) as HandlerId[]) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(metrics).toContainEqual(['AWS/Lambda', metric, 'FunctionName', functionName('chat', id), expect.anything()]);
      }
    }
    for (const queue of ['chat-outbox-failures', 'chat-bot-reply-dlq']) {
      expect(metrics).toContainEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueRef(json, queue), expect.anything()]);
    }
  });

  test('every chat metric on the dashboard is one of lib/metrics.ts', () => {
    const names = Object.values(METRICS) as string[];
    for (const line of dashboardMetrics().filter((metric) => metric[0] === METRIC_NAMESPACE)) expect(names).toContain(line[1]);
  });

  test('dashboard: false creates none', () => {
    expect(resourceList(synthChatServer(baseProps({ dashboard: false })), 'aws_cloudwatch_dashboard')).toEqual([]);
  });
});

describe('tracing and logs', () => {
  test("tracing: Active on every function by default, and each role may write traces ('*': X-Ray has no resource-level permissions)", () => {
    for (const id of Object.keys(HANDLERS) as HandlerId[]) {
      const name = functionName('chat', id);
      const fn = resourceList(json, 'aws_lambda_function').find((candidate) => candidate.function_name === name)!;
      expect({ name, tracing: fn.tracing_config }).toEqual({ name, tracing: { mode: 'Active' } });
      expect(functionPolicy(json, name).Statement).toContainEqual({
        Sid: 'WriteTraces',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    }
  });

  test("tracing: 'PassThrough' on every function", () => {
    const passThrough = synthChatServer(baseProps({ tracing: 'PassThrough' }));
    for (const fn of resourceList(passThrough, 'aws_lambda_function')) expect(fn.tracing_config).toEqual({ mode: 'PassThrough' });
  });

  test("logLevel: CHAT_LOG_LEVEL of every function ('info' by default), and CHAT_INSTANCE_NAME is the chat's name", () => {
    const debug = synthChatServer(baseProps({ logLevel: 'debug' }));
    for (const [stack, level] of [[json, 'info'], [debug, 'debug']] as const) {
      const functions = resourceList(stack, 'aws_lambda_function');
      expect(functions).toHaveLength(Object.keys(HANDLERS).length);
      for (const fn of functions) {
        expect({ fn: fn.function_name, level: fn.environment.variables.CHAT_LOG_LEVEL, instance: fn.environment.variables.CHAT_INSTANCE_NAME }).toEqual({
          fn: fn.function_name,
          level,
          instance: 'chat',
        });
      }
    }
  });

  test('checkov: no CKV_AWS_50 skip with tracing Active, a reasoned one with PassThrough', () => {
    const skipsOf = (stack: Json) =>
      resourceList(stack, 'aws_lambda_function').flatMap((fn) => asList(fn['//']?.checkov?.skip as Json[]).filter((skip) => skip.id === 'CKV_AWS_50'));
    // Testing.synthScope drops the `//` metadata; the full synth keeps it (checkov.test.ts scans it).
    const full = (tracing: 'Active' | 'PassThrough') => fullSynth(baseProps({ tracing })).json;
    expect(skipsOf(full('Active'))).toEqual([]);
    const passThrough = skipsOf(full('PassThrough'));
    expect(passThrough).toHaveLength(Object.keys(HANDLERS).length);
    expect(passThrough[0].comment).toMatch(/PassThrough/);
  });
});
