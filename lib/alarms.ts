/**
 * The chat server's CloudWatch alarms: per function Errors, Throttles and p99 Duration near the timeout; the
 * outbox's IteratorAge; the depth of every dead-letter and failure queue; the WebSocket API's integration and
 * execution errors and its client error rate; DynamoDB throttled requests and system errors per table; a spike of
 * authorizer denials. Every alarm and OK notification goes to one SNS topic: the user's (`alarmTopicArn`) or
 * `<name>-alarms`, created here encrypted with a customer managed key (CloudWatch cannot publish to a topic under
 * the AWS managed `alias/aws/sns` key). Each alarm's name says what broke, its description what it means and
 * where its runbook entry is (help/operations.md, anchors ALARM_RUNBOOK).
 */
import { Construct } from 'constructs';
import { Fn, Op, Token, TerraformIterator } from 'cdktf';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig, type CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { ALARM_WINDOWS, DURATION_ALARM_STATISTIC } from './chat-server-defaults';
import type { ResolvedAlarms } from './chat-server-props';
import { HANDLER_WIRING } from './handler-wiring';
import { policyDocument } from './iam';
import { METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from './metrics';
import { HANDLERS, TABLES, type HandlerId, type TableId } from './schema';
import { allOn, choose, given, isPlanTime, switchResource, type Switch } from './switch';

/** The runbook entry of each kind of alarm: its anchor in help/operations.md. */
export const ALARM_RUNBOOK = {
  functionErrors: 'alarm-function-errors',
  functionThrottles: 'alarm-function-throttles',
  functionDuration: 'alarm-function-duration',
  outboxIteratorAge: 'alarm-outbox-iterator-age',
  outboxFailures: 'alarm-outbox-failures',
  botReplyDeadLetters: 'alarm-bot-reply-dlq',
  botDeadLetters: 'alarm-bot-dlq',
  apiIntegrationErrors: 'alarm-api-integration-errors',
  apiExecutionErrors: 'alarm-api-execution-errors',
  apiClientErrorRate: 'alarm-api-client-error-rate',
  dynamodbThrottledRequests: 'alarm-dynamodb-throttled-requests',
  dynamodbSystemErrors: 'alarm-dynamodb-system-errors',
  authorizerDenials: 'alarm-authorizer-denials',
} as const;

export type AlarmKind = keyof typeof ALARM_RUNBOOK;

/** Where an alarm's description sends the reader. */
export function runbookLink(kind: AlarmKind): string {
  return `help/operations.md#${ALARM_RUNBOOK[kind]} (cdktf-chat-server)`;
}

/**
 * The DynamoDB operations the handlers call on each table (HANDLER_WIRING's actions, index queries as Query):
 * ThrottledRequests and SystemErrors are published per TableName and Operation only, so each table's alarm sums
 * exactly these (metric math over explicit metrics; SEARCH is not allowed in alarms).
 */
export function tableOperations(): Record<TableId, string[]> {
  const operations = Object.fromEntries((Object.keys(TABLES) as TableId[]).map((id) => [id, new Set<string>()])) as Record<TableId, Set<string>>;
  for (const id of Object.keys(HANDLERS) as HandlerId[]) {
    for (const access of HANDLER_WIRING[id].tables) {
      for (const action of access.actions) operations[access.table].add(action.replace(/^dynamodb:/, ''));
      if ((access.indexQueries ?? []).length > 0) operations[access.table].add('Query');
    }
  }
  return Object.fromEntries(Object.entries(operations).map(([id, set]) => [id, [...set].sort()])) as Record<TableId, string[]>;
}

/** A function the alarms watch. */
export interface AlarmedFunction {
  readonly id: HandlerId;
  /** The function's name in the deployment model (names its alarms). */
  readonly name: string;
  /** The function resource's name (its metrics' dimension: a reference, so the alarm follows the resource). */
  readonly functionName: string;
  /** Seconds (a token in the module). */
  readonly timeout: number;
  /** Whether the function exists (the authorizer may be decided at plan time). */
  readonly enabled: Switch;
}

/** A queue whose depth the alarms watch. */
export interface AlarmedQueue {
  /** Construct id and alarm name part, e.g. `outbox-failures`. */
  readonly id: string;
  readonly queueName: string;
  readonly kind: 'outboxFailures' | 'botReplyDeadLetters' | 'botDeadLetters';
  /** What lands in it, completing "Messages in <queue>: ...". */
  readonly meaning: string;
  /** One alarm per entry of this map (a token: the module's bots); the queue name then refers to `each`. */
  readonly forEachMap?: string;
}

export interface ChatAlarmsProps {
  readonly name: string;
  /** Whether the alarms exist (a plan-time switch in the module). */
  readonly enabled: Switch;
  readonly thresholds: ResolvedAlarms;
  /** The user's topic; absent: `<name>-alarms` is created. */
  readonly topicArn?: string;
  /** Addresses to subscribe (a token list in the module). */
  readonly emails: readonly string[];
  /** The chat's customer key, which then encrypts the created topic too. */
  readonly kmsKeyArn?: string;
  /** This account's id and partition (expressions known at apply). */
  readonly accountId: string;
  readonly partition: string;
  readonly functions: readonly AlarmedFunction[];
  readonly outboxFunctionName: string;
  readonly queues: readonly AlarmedQueue[];
  readonly apiId: string;
  readonly stageName: string;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** Whether the authorizer exists (no denials to count without authentication). */
  readonly authentication: Switch;
}

/** `value * factor`, computed now for a literal, by Terraform for a token. */
function times(value: number, factor: number): number {
  return Token.isUnresolved(value) ? Token.asNumber(Op.mul(value, factor)) : value * factor;
}

/** How long an alarm window lasts, in words (`5 minutes`). */
function span(window: { readonly periodSeconds: number; readonly evaluationPeriods: number }): string {
  return `${(window.periodSeconds * window.evaluationPeriods) / 60} minutes`;
}

function not(on: Switch): Switch {
  return typeof on === 'boolean' ? !on : Op.not(on);
}

export class ChatAlarms extends Construct {
  /** Where every alarm and OK notification goes. */
  readonly topicArn: string;
  /** `<name>-alarms`, unless `topicArn` was given. */
  readonly topic?: SnsTopic;
  /** The key of the created topic, unless the chat's customer key encrypts it. */
  readonly key?: KmsKey;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  private readonly props: ChatAlarmsProps;

  constructor(scope: Construct, id: string, props: ChatAlarmsProps) {
    super(scope, id);
    this.props = props;
    const { name, enabled, thresholds } = props;
    const topicGiven = given(props.topicArn);
    const createTopic = allOn(enabled, not(topicGiven));
    if (createTopic !== false) {
      const chatKey = given(props.kmsKeyArn);
      const createKey = allOn(createTopic, not(chatKey));
      if (createKey !== false) {
        this.key = switchResource(
          new KmsKey(this, 'key', {
            description: `${name}: encrypts the alarm topic ${name}-alarms`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: policyDocument([
              {
                // The account administers the key through IAM, as AWS's default key policy lets it.
                sid: 'AccountAdministers',
                principals: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` },
                actions: ['kms:*'],
                resources: ['*'],
              },
              {
                // CloudWatch encrypts what it publishes to the topic with this key (AWS's documented grant for
                // alarm topics; "*" in a key policy is the key itself).
                sid: 'CloudWatchPublishes',
                principals: { Service: 'cloudwatch.amazonaws.com' },
                actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                resources: ['*'],
              },
            ]),
          }),
          createKey,
        );
      }
      this.topic = switchResource(
        new SnsTopic(this, 'topic', {
          name: `${name}-alarms`,
          kmsMasterKeyId: this.key ? choose(chatKey, props.kmsKeyArn as string, this.key.arn) : props.kmsKeyArn,
        }),
        createTopic,
      );
      switchResource(
        new SnsTopicPolicy(this, 'topic-policy', {
          arn: this.topic.arn,
          policy: policyDocument([
            {
              sid: 'CloudWatchAlarmsPublish',
              principals: { Service: 'cloudwatch.amazonaws.com' },
              actions: ['sns:Publish'],
              resources: [this.topic.arn],
              // Only alarms of this account (the confused-deputy guard).
              conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
            },
          ]),
        }),
        createTopic,
      );
    }
    this.topicArn = this.topic ? choose(topicGiven, props.topicArn as string, this.topic.arn) : (props.topicArn as string);
    this.subscribeEmails(props.emails);

    for (const fn of props.functions) {
      const on = allOn(enabled, fn.enabled);
      const dimensions = { FunctionName: fn.functionName };
      // No invocations, no Errors/Throttles/Duration data point: nothing failed, nothing was slow (notBreaching).
      this.alarm(`${fn.id}-errors`, on, {
        alarmName: `${fn.name}-errors`,
        alarmDescription: `${fn.name} failed with an unhandled error (Lambda Errors) at least ${thresholds.functionErrors} times in ${span(ALARM_WINDOWS.counts)}: a bug or a dependency outage; the function's log group has the error lines.`,
        kind: 'functionErrors',
        metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, statistic: 'Sum' },
        threshold: thresholds.functionErrors,
        window: ALARM_WINDOWS.counts,
        treatMissingData: 'notBreaching',
      });
      this.alarm(`${fn.id}-throttles`, on, {
        alarmName: `${fn.name}-throttles`,
        alarmDescription: `${fn.name} was throttled (Lambda Throttles) at least ${thresholds.functionThrottles} times in ${span(ALARM_WINDOWS.counts)}: the account's or the function's concurrency is exhausted, and clients get errors or delays.`,
        kind: 'functionThrottles',
        metric: { namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions, statistic: 'Sum' },
        threshold: thresholds.functionThrottles,
        window: ALARM_WINDOWS.counts,
        treatMissingData: 'notBreaching',
      });
      this.alarm(`${fn.id}-duration`, on, {
        alarmName: `${fn.name}-duration`,
        alarmDescription: `${fn.name}'s ${DURATION_ALARM_STATISTIC} duration reached ${thresholds.functionDurationPercentOfTimeout}% of its timeout: invocations are close to timing out (a slow dependency, a hot thread, too little memory).`,
        kind: 'functionDuration',
        metric: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, extendedStatistic: DURATION_ALARM_STATISTIC },
        // Duration is in milliseconds, the timeout in seconds: timeout * 1000 * percent / 100.
        threshold: times(times(fn.timeout, thresholds.functionDurationPercentOfTimeout), 10),
        window: ALARM_WINDOWS.duration,
        treatMissingData: 'notBreaching',
      });
    }

    this.alarm('outbox-iterator-age', enabled, {
      alarmName: `${name}-outbox-iterator-age`,
      alarmDescription: `The outbox is more than ${thresholds.outboxIteratorAgeSeconds} s behind the messages stream (IteratorAge, Maximum) for ${span(ALARM_WINDOWS.iteratorAge)}: bots get user messages late, or not at all while a batch keeps failing.`,
      kind: 'outboxIteratorAge',
      metric: { namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: props.outboxFunctionName }, statistic: 'Maximum' },
      threshold: times(thresholds.outboxIteratorAgeSeconds, 1000),
      window: ALARM_WINDOWS.iteratorAge,
      // No records, no IteratorAge: an idle stream. A mapping retrying a failing batch keeps reporting it, so a
      // gap is not the outbox catching up either: keep the state (ignore) rather than flip to OK between retries.
      treatMissingData: 'ignore',
    });

    for (const queue of props.queues) this.addQueueAlarm(queue);

    const api = { ApiId: props.apiId, Stage: props.stageName };
    // No frames, no API errors (notBreaching).
    this.alarm('api-integration-errors', enabled, {
      alarmName: `${name}-api-integration-errors`,
      alarmDescription: `At least ${thresholds.apiIntegrationErrors} WebSocket frames in ${span(ALARM_WINDOWS.counts)} got an error from their function (API Gateway IntegrationError): clients saw failed connects or frames.`,
      kind: 'apiIntegrationErrors',
      metric: { namespace: 'AWS/ApiGateway', metricName: 'IntegrationError', dimensions: api, statistic: 'Sum' },
      threshold: thresholds.apiIntegrationErrors,
      window: ALARM_WINDOWS.counts,
      treatMissingData: 'notBreaching',
    });
    this.alarm('api-execution-errors', enabled, {
      alarmName: `${name}-api-execution-errors`,
      alarmDescription: `At least ${thresholds.apiExecutionErrors} WebSocket frames in ${span(ALARM_WINDOWS.counts)} could not be handed to their function (API Gateway ExecutionError): a permission, a missing function or a Lambda outage.`,
      kind: 'apiExecutionErrors',
      metric: { namespace: 'AWS/ApiGateway', metricName: 'ExecutionError', dimensions: api, statistic: 'Sum' },
      threshold: thresholds.apiExecutionErrors,
      window: ALARM_WINDOWS.counts,
      treatMissingData: 'notBreaching',
    });
    const period = ALARM_WINDOWS.clientErrorRate.periodSeconds;
    this.alarm('api-client-error-rate', enabled, {
      alarmName: `${name}-api-client-error-rate`,
      alarmDescription: `At least ${thresholds.apiClientErrorPercent}% of WebSocket messages were refused by API Gateway before any function (ClientError / MessageCount) for ${span(ALARM_WINDOWS.clientErrorRate)}: stage throttling, clients sending to unknown routes, or refused connects.`,
      kind: 'apiClientErrorRate',
      metricQuery: [
        { id: 'clientErrors', returnData: false, metric: { namespace: 'AWS/ApiGateway', metricName: 'ClientError', dimensions: api, stat: 'Sum', period } },
        { id: 'messages', returnData: false, metric: { namespace: 'AWS/ApiGateway', metricName: 'MessageCount', dimensions: api, stat: 'Sum', period } },
        { id: 'clientErrorPercent', returnData: true, label: 'ClientError % of MessageCount', expression: 'IF(messages > 0, 100 * clientErrors / messages, 0)' },
      ],
      threshold: thresholds.apiClientErrorPercent,
      window: ALARM_WINDOWS.clientErrorRate,
      // Without messages the rate is undefined, not 0% or 100%: keep the state (ignore).
      treatMissingData: 'ignore',
    });

    const operations = tableOperations();
    for (const table of Object.keys(TABLES) as TableId[]) {
      const tableName = props.tableNames[table];
      for (const [kind, metricName, limit, meaning] of [
        ['dynamodbThrottledRequests', 'ThrottledRequests', thresholds.dynamodbThrottledRequests, 'throttled: a hot partition (one busy thread) or a table-level limit'],
        ['dynamodbSystemErrors', 'SystemErrors', thresholds.dynamodbSystemErrors, 'failed inside DynamoDB (HTTP 500): the handlers retry, a persisting rate is an AWS issue'],
      ] as const) {
        const queries: CloudwatchMetricAlarmMetricQuery[] = operations[table].map((operation) => ({
          id: operation.charAt(0).toLowerCase() + operation.slice(1),
          returnData: false,
          metric: { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: tableName, Operation: operation }, stat: 'Sum', period: ALARM_WINDOWS.counts.periodSeconds },
        }));
        const suffix = metricName === 'ThrottledRequests' ? 'throttled-requests' : 'system-errors';
        this.alarm(`${table}-table-${suffix}`, enabled, {
          alarmName: `${name}-${TABLES[table].logicalName}-${suffix}`,
          alarmDescription: `At least ${limit} requests to the ${table} table in ${span(ALARM_WINDOWS.counts)} were ${meaning} (${metricName}, summed over ${operations[table].join(', ')}).`,
          kind,
          metricQuery: [
            ...queries,
            { id: 'total', returnData: true, label: `${metricName} (all operations)`, expression: `SUM([${queries.map((query) => query.id).join(', ')}])` },
          ],
          threshold: limit,
          window: ALARM_WINDOWS.counts,
          // No request failed: no data point (notBreaching).
          treatMissingData: 'notBreaching',
        });
      }
    }

    this.alarm('authorizer-denials', allOn(enabled, props.authentication), {
      alarmName: `${name}-authorizer-denials`,
      alarmDescription: `The authorizer denied at least ${thresholds.authorizerDenials} connects in ${span(ALARM_WINDOWS.counts)} (${METRIC_NAMESPACE} ${METRICS.authorizerDenied}): a client or issuer misconfigured after a change, expired tokens in bulk, or someone probing.`,
      kind: 'authorizerDenials',
      metric: { namespace: METRIC_NAMESPACE, metricName: METRICS.authorizerDenied, dimensions: { [METRIC_DIMENSION]: name }, statistic: 'Sum' },
      threshold: thresholds.authorizerDenials,
      window: ALARM_WINDOWS.counts,
      // The metric is written only when a connect is denied: no data point, no denial (notBreaching).
      treatMissingData: 'notBreaching',
    });
  }

  /** The depth alarm of a dead-letter or failure queue (also for a bot subscribed after the construct). */
  addQueueAlarm(queue: AlarmedQueue): CloudwatchMetricAlarm | undefined {
    const { name, thresholds } = this.props;
    const label = queue.forEachMap ? `${queue.id}-\${each.key}-dlq` : queue.id;
    const kind = queue.kind;
    return this.alarm(`${queue.id}-depth`, this.props.enabled, {
      alarmName: `${name}-${label}-depth`,
      alarmDescription: `${queue.queueName} holds at least ${thresholds.deadLetterQueueMessages} messages: ${queue.meaning}. Each one is lost until replayed.`,
      kind,
      metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue.queueName }, statistic: 'Maximum' },
      threshold: thresholds.deadLetterQueueMessages,
      window: ALARM_WINDOWS.counts,
      // SQS stops publishing the metric of a queue idle for hours: an empty, quiet queue (notBreaching).
      treatMissingData: 'notBreaching',
      forEachMap: queue.forEachMap,
    });
  }

  private subscribeEmails(emails: readonly string[]): void {
    const listToken = Token.isUnresolved(emails);
    if (!listToken && emails.length === 0) return;
    if (this.props.enabled === false) return;
    // One subscription per address (for_each over the set: adding or removing one leaves the others confirmed).
    const addresses = isPlanTime(this.props.enabled) ? Fn.conditional(this.props.enabled, emails, []) : emails;
    const each = TerraformIterator.fromList(addresses as string[]);
    new SnsTopicSubscription(this, 'email', {
      forEach: each,
      topicArn: this.topicArn,
      protocol: 'email',
      endpoint: each.value as string,
    });
  }

  private alarm(
    id: string,
    on: Switch,
    spec: {
      readonly alarmName: string;
      readonly alarmDescription: string;
      readonly kind: AlarmKind;
      readonly metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic?: string; extendedStatistic?: string };
      readonly metricQuery?: CloudwatchMetricAlarmMetricQuery[];
      readonly threshold: number;
      readonly window: { readonly periodSeconds: number; readonly evaluationPeriods: number; readonly datapointsToAlarm: number };
      readonly treatMissingData: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
      readonly forEachMap?: string;
    },
  ): CloudwatchMetricAlarm | undefined {
    if (on === false) return undefined;
    // A resource cannot have both count and for_each: a plan-time switch empties the map instead.
    const forEach = spec.forEachMap
      ? TerraformIterator.fromMap(Token.asAnyMap(isPlanTime(on) ? Fn.conditional(on, spec.forEachMap, {}) : spec.forEachMap))
      : undefined;
    const config: CloudwatchMetricAlarmConfig = {
      forEach,
      alarmName: spec.alarmName,
      alarmDescription: `${spec.alarmDescription} Runbook: ${runbookLink(spec.kind)}`,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: spec.threshold,
      evaluationPeriods: spec.window.evaluationPeriods,
      datapointsToAlarm: spec.window.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
      ...(spec.metric ? { ...spec.metric, period: spec.window.periodSeconds } : { metricQuery: spec.metricQuery }),
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
    };
    const alarm = new CloudwatchMetricAlarm(this, id, config);
    const switched = forEach ? alarm : switchResource(alarm, on);
    this.alarms.push(switched);
    return switched;
  }
}
