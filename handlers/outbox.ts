/**
 * outbox: consumes the messages table stream (INSERTs of user and agent messages, filtered by the
 * event source mapping with OUTBOX_FILTER_PATTERN) and publishes each message to the responder topic
 * with the seed's payload `{message, connection, requestMetadata}` and message attributes for
 * subscription filter policies.
 *
 * A message is stored before it is acknowledged and published after, from the stream, so an
 * acknowledged message reaches the topic even if a publish fails: records are published in order
 * and the first failure is reported in batchItemFailures, so Lambda retries from there (at-least-once;
 * bots dedupe on messageId). Bisect-on-error, bounded retries and the on-failure queue are the event
 * source mapping's (construct).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { OUTBOX_CORRELATION_ATTRIBUTE, type OutboxMessageAttribute } from '../lib/schema';
import { getConfig } from './core/config';
import { createLogger, InternalFault, type Logger } from './core/logging';
import type { ChatMessage } from './core/protocol';
import { toChatMessage, type MessageOrigin, type StoredMessage } from './core/storage';

/** What subscribers receive as the SNS message body (the seed's shape). */
export interface ResponderPayload {
  message: ChatMessage;
  connection: MessageOrigin['connection'];
  requestMetadata: MessageOrigin['requestMetadata'];
}

let snsClient: SNSClient | undefined;
function sns(): SNSClient {
  snsClient ??= new SNSClient({});
  return snsClient;
}

const PUBLISHED_TYPES = new Set(['user', 'agent']);

/** The stored item of an INSERT of a user/agent message, or undefined for records the outbox skips. */
function insertedMessage(record: DynamoDBRecord): StoredMessage | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>) as StoredMessage;
  return PUBLISHED_TYPES.has(item.messageType) ? item : undefined;
}

export function responderPayload(item: StoredMessage): ResponderPayload {
  if (!item.origin) throw new InternalFault(`Message ${item.messageId} has no origin snapshot`);
  // The seed's message shape: the client's own clientMessageId is not for bots.
  const { clientMessageId: _clientMessageId, ...message } = toChatMessage(item);
  return { message, connection: item.origin.connection, requestMetadata: item.origin.requestMetadata };
}

/**
 * The attributes subscription filter policies match on: exactly the keys of
 * OUTBOX_MESSAGE_ATTRIBUTES in lib/schema.ts (the construct checks filter policies against them, and
 * the type makes this list match it), and the correlation id (OUTBOX_CORRELATION_ATTRIBUTE); all
 * Strings, well under SNS's 10 attributes per message.
 */
function messageAttributes(values: Record<OutboxMessageAttribute | typeof OUTBOX_CORRELATION_ATTRIBUTE, string>) {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

/** Publishes one message; resolves with SNS's MessageId (what SNS's delivery status logs name). */
async function publish(item: StoredMessage, topicArn: string): Promise<string | undefined> {
  const payload = responderPayload(item);
  const published = await sns().send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: JSON.stringify(payload),
      MessageAttributes: messageAttributes({
        threadId: item.threadId,
        messageType: item.messageType,
        isHumanOverride: String(payload.connection.isHumanOverride === true),
        [OUTBOX_CORRELATION_ATTRIBUTE]: item.messageId,
      }),
    }),
  );
  return published.MessageId;
}

type RecordOutcome = 'published' | 'skipped' | 'failed';

async function publishRecord(
  record: DynamoDBRecord,
  topicArn: string,
  log: Logger,
  onPublished: (correlationId: string) => void,
): Promise<RecordOutcome> {
  let item: StoredMessage | undefined;
  try {
    item = insertedMessage(record);
    if (!item) {
      // The mapping's filter already drops these; kept for events that bypass it.
      log.debug('outbox.skipped', { eventId: record.eventID, eventName: record.eventName });
      return 'skipped';
    }
    const snsMessageId = await publish(item, topicArn);
    // One info line per message (as message.send writes one): the hop that follows a message from its stream record to its SNS message.
    log.info('outbox.published', {
      correlationId: item.messageId,
      threadId: item.threadId,
      messageId: item.messageId,
      messageType: item.messageType,
      sequenceNumber: record.dynamodb?.SequenceNumber,
      snsMessageId,
    });
    onPublished(item.messageId);
    return 'published';
  } catch (err) {
    log.error('outbox.publish_failed', {
      correlationId: item?.messageId,
      eventId: record.eventID,
      sequenceNumber: record.dynamodb?.SequenceNumber,
      threadId: item?.threadId,
      messageId: item?.messageId,
      error: err,
    });
    return 'failed';
  }
}

export async function handler(
  event: DynamoDBStreamEvent,
  context?: { awsRequestId?: string },
): Promise<DynamoDBBatchResponse> {
  const started = Date.now();
  const log = createLogger({ requestId: context?.awsRequestId, handler: 'outbox' });
  const topicArn = getConfig().responderTopicArn();
  const records = event.Records ?? [];
  const counts: Record<RecordOutcome, number> = { published: 0, skipped: 0, failed: 0 };
  // The batch line names the messages it published too, so a search for one message id finds it.
  const correlationIds: string[] = [];
  for (const [index, record] of records.entries()) {
    const outcome = await publishRecord(record, topicArn, log, (correlationId) => correlationIds.push(correlationId));
    counts[outcome]++;
    if (outcome !== 'failed') continue;
    // Lambda resumes a stream batch from the lowest failed sequence number; stop here so nothing
    // after it is published twice needlessly.
    const itemIdentifier = record.dynamodb?.SequenceNumber ?? record.eventID ?? '';
    log.warn('request', {
      outcome: 'partial',
      records: records.length,
      published: counts.published,
      skipped: counts.skipped,
      correlationIds,
      retryFrom: itemIdentifier,
      notAttempted: records.length - index - 1,
      durationMs: Date.now() - started,
    });
    return { batchItemFailures: [{ itemIdentifier }] };
  }
  log.info('request', {
    outcome: 'ok',
    records: records.length,
    published: counts.published,
    skipped: counts.skipped,
    correlationIds,
    durationMs: Date.now() - started,
  });
  return { batchItemFailures: [] };
}
