/**
 * Encrypted SQS queues for what could not be processed: a bot's undeliverable topic messages, stream
 * records the outbox could not publish, failed asynchronous bot-reply invocations. Each keeps messages
 * for SQS's maximum, 14 days, to alarm on, inspect and redrive.
 */
import type { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';

/** SQS keeps undelivered messages for its maximum: 14 days to notice and redrive them. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface DeadLetterQueueProps {
  readonly name: string;
  /** @default SQS-managed encryption (SSE-SQS) */
  readonly kmsKeyArn?: string;
}

export function createDeadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): SqsQueue {
  return new SqsQueue(scope, id, {
    name: props.name,
    messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    ...(props.kmsKeyArn ? { kmsMasterKeyId: props.kmsKeyArn } : { sqsManagedSseEnabled: true }),
  });
}
