/**
 * The SNS topic bots subscribe to. The outbox publishes every new user/agent message to it with the
 * message attributes `threadId`, `messageType` and `isHumanOverride` ('true'/'false'), which
 * subscription filter policies match on.
 */
import { Construct } from 'constructs';
import { Fn, TerraformIterator, Token, type TerraformResource } from 'cdktf';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { createDeadLetterQueue } from './dead-letter-queue';
import { policyDocument } from './iam';
import { checkBotFilterPolicy } from './bot-filter-policy';
import { DEFAULT_BOT_FILTER_POLICY } from './schema';
import { SnsFilterPolicyError } from './sns-filter-policy';
import { choose, given, perEachKey } from './switch';

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
   * `wildcard`, `exists`); `$or` combines policies. Validated at synth as SNS validates it (operators,
   * operands, at most 5 attribute names and 150 combinations), and against what the outbox publishes:
   * another attribute, a number or boolean, or a value the outbox never publishes (e.g.
   * `messageType: ['bot']`) is an error. The local runtime runs the same checks and the same matching.
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

/**
 * Checks a subscription filter policy as SNS would and against the message attributes the outbox publishes
 * (lib/bot-filter-policy.ts): a policy SNS refuses fails synth instead of the apply, and one that can never
 * match fails synth instead of starving the bot.
 */
export function validateFilterPolicy(policy: unknown, at = 'filterPolicy'): void {
  try {
    checkBotFilterPolicy(policy, at);
  } catch (error) {
    if (error instanceof SnsFilterPolicyError) throw new Error(`subscribeBot: invalid ${error.message}`);
    throw error;
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
      // The AWS managed key unless a customer key is given (Fn.coalesce: the module's key is a variable).
      kmsMasterKeyId: choose(given(props.kmsKeyArn), props.kmsKeyArn as string, 'alias/aws/sns'),
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
    return this.subscribe(new Construct(this, `bot-${options.name}`), {
      bot,
      queueName,
      filterPolicy: JSON.stringify(options.filterPolicy ?? DEFAULT_BOT_FILTER_POLICY),
    });
  }

  /**
   * Subscribes every bot of a map given as a token (the Terraform module's `bots` variable: `function_arn`,
   * `function_name`, optional `filter_policy` JSON and `dead_letter_queue_name`) with `for_each`, as
   * subscribeBot does one; the variable's validation checks the entries.
   */
  subscribeBots(bots: string): BotSubscription {
    const each = TerraformIterator.fromMap(Token.asAnyMap(bots));
    return this.subscribe(
      new Construct(this, 'bots'),
      {
        bot: { arn: each.getString('function_arn'), functionName: each.getString('function_name') },
        queueName: Fn.coalesce([each.getString('dead_letter_queue_name'), `${this.name}-${each.key}-dlq`]) as string,
        // The same JSON text subscribeBot writes for the default (a literal: jsonencode would sort its keys).
        filterPolicy: `\${coalesce(each.value.filter_policy, ${JSON.stringify(JSON.stringify(DEFAULT_BOT_FILTER_POLICY))})}`,
      },
      each,
    );
  }

  /** The subscription, its dead-letter queue (with the queue policy letting this topic send) and the invoke permission. */
  private subscribe(
    scope: Construct,
    bot: { readonly bot: BotFunction; readonly queueName: string; readonly filterPolicy: string },
    forEach?: TerraformIterator,
  ): BotSubscription {
    const each = <T extends TerraformResource>(resource: T): T => (forEach ? perEachKey(resource) : resource);
    const deadLetterQueue = each(createDeadLetterQueue(scope, 'dlq', { name: bot.queueName, kmsKeyArn: this.kmsKeyArn, forEach }));
    const queuePolicy = each(
      new SqsQueuePolicy(scope, 'dlq-policy', {
        forEach,
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
      }),
    );
    const permission = each(
      new LambdaPermission(scope, 'invoke', {
        forEach,
        action: 'lambda:InvokeFunction',
        functionName: bot.bot.functionName,
        principal: 'sns.amazonaws.com',
        sourceArn: this.topic.arn,
      }),
    );
    const subscription = each(
      new SnsTopicSubscription(scope, 'subscription', {
        forEach,
        topicArn: this.topic.arn,
        protocol: 'lambda',
        endpoint: bot.bot.arn,
        filterPolicyScope: 'MessageAttributes',
        filterPolicy: bot.filterPolicy,
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn }),
        // SNS must be allowed to write dead letters and to invoke the bot before the first delivery.
        dependsOn: [queuePolicy, permission],
      }),
    );
    return { subscription, deadLetterQueue, permission };
  }
}

/** The responder topic alone (the seed's helper). */
export function createResponderTopic(scope: Construct, props: ResponderTopicProps, id = 'responder-topic'): ResponderTopic {
  return new ResponderTopic(scope, id, props);
}
