/**
 * The outbox: new user/agent messages reach the responder topic from the messages table stream, so an
 * acknowledged message is published even when the first publish fails. The event source mapping (its
 * settings: lib/deployment-model.ts OUTBOX_STREAM_MAPPING) filters with OUTBOX_FILTER_PATTERN, retries a
 * bounded number of times while bisecting a failing batch, honours the function's partial batch failures, and sends what still fails to an SQS queue
 * (`<name>-outbox-failures`) describing the records to replay.
 */
import { Construct } from 'constructs';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { createDeadLetterQueue } from './dead-letter-queue';
import type { StreamMappingSettings } from './deployment-model';

export interface OutboxProps {
  readonly queueName: string;
  /** @default SQS-managed encryption */
  readonly kmsKeyArn?: string;
}

export interface OutboxConnection {
  readonly streamArn: string;
  /** The mapping's settings (the deployment model's). */
  readonly settings: StreamMappingSettings;
  readonly outboxFunction: LambdaFunction;
  /** The outbox function's policy: the mapping is created only once the role can read the stream. */
  readonly rolePolicy: IamRolePolicy;
}

export class Outbox extends Construct {
  readonly failureQueue: SqsQueue;
  private mapping?: LambdaEventSourceMapping;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    this.failureQueue = createDeadLetterQueue(this, 'failures', { name: props.queueName, kmsKeyArn: props.kmsKeyArn });
  }

  /** The stream → function mapping (once the function exists). */
  get eventSourceMapping(): LambdaEventSourceMapping {
    if (!this.mapping) throw new Error('Outbox: connect() has not been called');
    return this.mapping;
  }

  connect(connection: OutboxConnection): LambdaEventSourceMapping {
    if (this.mapping) throw new Error('Outbox: already connected');
    this.mapping = new LambdaEventSourceMapping(this, 'stream-mapping', {
      eventSourceArn: connection.streamArn,
      functionName: connection.outboxFunction.arn,
      // A mapping created (or re-created) after messages were written still publishes them.
      startingPosition: connection.settings.startingPosition,
      batchSize: connection.settings.batchSize,
      maximumBatchingWindowInSeconds: 0,
      bisectBatchOnFunctionError: connection.settings.bisectBatchOnFunctionError,
      maximumRetryAttempts: connection.settings.maximumRetryAttempts,
      functionResponseTypes: ['ReportBatchItemFailures'],
      filterCriteria: { filter: [{ pattern: JSON.stringify(connection.settings.filterPattern) }] },
      destinationConfig: { onFailure: { destinationArn: this.failureQueue.arn } },
      dependsOn: [connection.rolePolicy],
    });
    return this.mapping;
  }
}
