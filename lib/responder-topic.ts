/**
 * The SNS topic bots subscribe to. The outbox publishes every new user/agent message to it with the
 * message attributes `threadId`, `messageType` and `isHumanOverride` ('true'/'false'), which
 * subscription filter policies match on.
 */
import { Construct } from 'constructs';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { createDeadLetterQueue } from './dead-letter-queue';
import { policyDocument } from './iam';
import { DEFAULT_BOT_FILTER_POLICY, OUTBOX_MESSAGE_ATTRIBUTES, type OutboxMessageAttribute } from './schema';

export { DEAD_LETTER_RETENTION_SECONDS } from './dead-letter-queue';


export interface ResponderTopicProps {
  readonly topicName: string;
  /** @default SNS's AWS managed key (`alias/aws/sns`) */
  readonly kmsKeyArn?: string;
}

/** A Lambda function to subscribe: the function resource of your stack, or its ARN and name. */
export interface BotFunction {
  readonly arn: string;
  /** Function name or ARN. */
  readonly functionName: string;
}

export interface SubscribeBotOptions {
  /**
   * Short name of the bot (letters, digits, - and _): names its construct and, by default, its
   * dead-letter queue. Unique per topic.
   */
  readonly name: string;
  /**
   * SNS filter policy on the message attributes the outbox publishes (`threadId`, `messageType`,
   * `isHumanOverride`; all strings, so `isHumanOverride: ['false']`, not `[false]`). Each attribute takes a
   * list of strings or string operators (`prefix`, `suffix`, `equals-ignore-case`, `anything-but`,
   * `exists`); `$or` combines policies. Validated at synth: another attribute, a number or boolean, or a
   * value the outbox never publishes (e.g. `messageType: ['bot']`) is an error.
   * @default DEFAULT_BOT_FILTER_POLICY: `{ messageType: ['user'], isHumanOverride: ['false'] }`
   */
  readonly filterPolicy?: Readonly<Record<string, unknown>>;
  /**
   * Name of the dead-letter queue receiving messages SNS could not deliver to the bot.
   * @default `<topic name>-<name>-dlq`
   */
  readonly deadLetterQueueName?: string;
}

export interface BotSubscription {
  readonly subscription: SnsTopicSubscription;
  readonly deadLetterQueue: SqsQueue;
  readonly permission: LambdaPermission;
}

/** SNS filter operators that apply to String attributes, with the check of their operand. */
const STRING_OPERATORS: Readonly<Record<string, (operand: unknown) => boolean>> = {
  prefix: (operand) => typeof operand === 'string' && operand !== '',
  suffix: (operand) => typeof operand === 'string' && operand !== '',
  'equals-ignore-case': (operand) => typeof operand === 'string',
  exists: (operand) => typeof operand === 'boolean',
  'anything-but': (operand) =>
    typeof operand === 'string' ||
    (Array.isArray(operand) && operand.length > 0 && operand.every((item) => typeof item === 'string')) ||
    isOneOperator(operand, ['prefix', 'suffix']),
};

function isOneOperator(value: unknown, names: readonly string[]): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && names.includes(keys[0]) && STRING_OPERATORS[keys[0]]((value as Record<string, unknown>)[keys[0]]);
}

function filterPolicyError(at: string, problem: string): Error {
  return new Error(`subscribeBot: invalid ${at}: ${problem}`);
}

/**
 * Checks a subscription filter policy against the message attributes the outbox publishes
 * (OUTBOX_MESSAGE_ATTRIBUTES): only those keys (and `$or`), each a non-empty list of strings or string
 * operators. A policy that can never match (a boolean instead of 'true'/'false', an unknown attribute)
 * would silently starve the bot, so it fails synth instead.
 */
export function validateFilterPolicy(policy: unknown, at = 'filterPolicy'): void {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    throw filterPolicyError(at, `must be an object of message attribute names to lists of values, got ${JSON.stringify(policy)}`);
  }
  const entries = Object.entries(policy as Record<string, unknown>);
  if (entries.length === 0) {
    throw filterPolicyError(at, "is empty; to receive user and agent messages, even under takeover, use { messageType: ['user', 'agent'] }");
  }
  const attributes = Object.keys(OUTBOX_MESSAGE_ATTRIBUTES);
  for (const [key, value] of entries) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw filterPolicyError(`${at}.$or`, 'must be a list of at least two policies');
      value.forEach((branch, index) => validateFilterPolicy(branch, `${at}.$or[${index}]`));
      continue;
    }
    if (!attributes.includes(key)) {
      throw filterPolicyError(
        `${at}.${key}`,
        `the outbox publishes only the message attributes ${attributes.join(', ')}, so this key never matches`,
      );
    }
    if (!Array.isArray(value) || value.length === 0) {
      throw filterPolicyError(`${at}.${key}`, `must be a non-empty list of values, got ${JSON.stringify(value)}`);
    }
    const known: readonly string[] | null = OUTBOX_MESSAGE_ATTRIBUTES[key as OutboxMessageAttribute];
    value.forEach((item: unknown, index) => {
      const where = `${at}.${key}[${index}]`;
      if (typeof item === 'string') {
        if (known && !known.includes(item)) {
          throw filterPolicyError(
            where,
            `"${item}" never matches: the outbox publishes ${key} as ${known.map((v) => `"${v}"`).join(' or ')}`,
          );
        }
        return;
      }
      if (typeof item === 'boolean' || typeof item === 'number') {
        throw filterPolicyError(
          where,
          `${JSON.stringify(item)} is a ${typeof item}, but the outbox publishes message attribute values as strings: ` +
            `write '${String(item)}'`,
        );
      }
      if (!isOneOperator(item, Object.keys(STRING_OPERATORS))) {
        throw filterPolicyError(
          where,
          `${JSON.stringify(item)} is not a string or a string operator ` +
            `({ ${Object.keys(STRING_OPERATORS).join(' | ')}: ... }); the outbox's attributes are strings`,
        );
      }
    });
  }
}

const BOT_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SQS_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

export class ResponderTopic extends Construct {
  readonly topic: SnsTopic;
  private readonly kmsKeyArn?: string;
  private readonly name: string;

  constructor(scope: Construct, id: string, props: ResponderTopicProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.name = props.topicName;
    this.topic = new SnsTopic(this, 'topic', {
      name: props.topicName,
      kmsMasterKeyId: props.kmsKeyArn ?? 'alias/aws/sns',
    });
  }

  /** The topic ARN (the seed's `topicArn`). */
  get topicArn(): string {
    return this.topic.arn;
  }

  get topicName(): string {
    return this.topic.name;
  }

  /**
   * Subscribes a bot's Lambda function with a filter policy and an SQS dead-letter queue (with the
   * queue policy letting this topic, and only this topic, send to it), and allows this topic to invoke it.
   */
  subscribeBot(bot: BotFunction, options: SubscribeBotOptions): BotSubscription {
    if (!BOT_NAME_PATTERN.test(options.name)) {
      throw new Error(`subscribeBot: name must be 1-64 letters, digits, - or _, got ${JSON.stringify(options.name)}`);
    }
    if (options.filterPolicy !== undefined) validateFilterPolicy(options.filterPolicy);
    const queueName = options.deadLetterQueueName ?? `${this.name}-${options.name}-dlq`;
    if (!SQS_NAME_PATTERN.test(queueName)) {
      throw new Error(
        `subscribeBot: dead-letter queue name ${JSON.stringify(queueName)} is not a valid SQS name ` +
          '(1-80 letters, digits, - or _): pass deadLetterQueueName',
      );
    }
    const scope = new Construct(this, `bot-${options.name}`);
    const deadLetterQueue = createDeadLetterQueue(scope, 'dlq', { name: queueName, kmsKeyArn: this.kmsKeyArn });
    const queuePolicy = new SqsQueuePolicy(scope, 'dlq-policy', {
      queueUrl: deadLetterQueue.url,
      policy: policyDocument([
        {
          sid: 'TopicDeadLetters',
          principals: { Service: 'sns.amazonaws.com' },
          actions: ['sqs:SendMessage'],
          resources: [deadLetterQueue.arn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.topic.arn } },
        },
      ]),
    });
    const permission = new LambdaPermission(scope, 'invoke', {
      action: 'lambda:InvokeFunction',
      functionName: bot.functionName,
      principal: 'sns.amazonaws.com',
      sourceArn: this.topic.arn,
    });
    const subscription = new SnsTopicSubscription(scope, 'subscription', {
      topicArn: this.topic.arn,
      protocol: 'lambda',
      endpoint: bot.arn,
      filterPolicyScope: 'MessageAttributes',
      filterPolicy: JSON.stringify(options.filterPolicy ?? DEFAULT_BOT_FILTER_POLICY),
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn }),
      // SNS must be allowed to write dead letters and to invoke the bot before the first delivery.
      dependsOn: [queuePolicy, permission],
    });
    return { subscription, deadLetterQueue, permission };
  }
}

/** The responder topic alone (the seed's helper). */
export function createResponderTopic(scope: Construct, props: ResponderTopicProps, id = 'responder-topic'): ResponderTopic {
  return new ResponderTopic(scope, id, props);
}
