/**
 * Encrypted SQS queues for what could not be processed: a bot's undeliverable topic messages, stream
 * records the outbox could not publish, failed asynchronous bot-reply invocations. Each keeps messages
 * for SQS's maximum, 14 days, to alarm on, inspect and redrive.
 */
import type { Construct } from 'constructs';
import { Token, type ITerraformIterator } from 'cdktf';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { choose, given } from './switch';

/** SQS keeps undelivered messages for its maximum: 14 days to notice and redrive them. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface DeadLetterQueueProps {
  readonly name: string;
  /** @default SQS-managed encryption (SSE-SQS) */
  readonly kmsKeyArn?: string;
  /** One queue per entry (a bot of the module's `bots`). */
  readonly forEach?: ITerraformIterator;
}

export function createDeadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): SqsQueue {
  const customerKey = given(props.kmsKeyArn);
  return new SqsQueue(scope, id, {
    forEach: props.forEach,
    name: props.name,
    messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    // The customer key, else SQS-managed encryption (decided at plan time for the module's variable).
    kmsMasterKeyId: customerKey === false ? undefined : props.kmsKeyArn,
    sqsManagedSseEnabled: customerKey === true ? undefined : choose(customerKey, Token.nullValue() as unknown as boolean, true),
  });
}
