/**
 * The bot topic for the local runtime: an SNS endpoint speaking the AWS query protocol (what the
 * handlers' real SNSClient sends to AWS_ENDPOINT_URL_SNS: form-encoded Publish/PublishBatch, XML
 * answers) and delivering each message to local Lambda subscribers with the event a Lambda
 * subscription receives (`Records[].Sns` with `Message`, `MessageAttributes {Type, Value}`, ...),
 * after the subscription's filter policy. Delivery is asynchronous with Lambda's async-invoke retry
 * policy (two retries), so a failing bot never fails the publisher.
 *
 * With a journal (the data directory's `sns/<topic>.journal`), a published message's deliveries are
 * journaled before Publish answers and completed once delivered (or dropped after the retries), so a
 * crash of the runtime loses none: the next start delivers them again (at least once; bots dedupe on
 * the message's messageId, as they must on AWS).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { matchesSnsFilterPolicy, validateSnsFilterPolicy, type SnsFilterPolicy, type SnsMessageAttribute } from '../lib/sns-filter-policy';
import type { InvocationOutcome } from './function-host';
import type { CounterRegistry } from './counters';
import { Journal } from './journal';
import type { RuntimeLogger } from './logger';

export interface SnsSubscription {
  /** Name of the subscribed function (logs, counters, the subscription ARN). */
  readonly functionName: string;
  readonly filterPolicy?: SnsFilterPolicy;
  readonly invoke: (event: SnsEvent) => Promise<InvocationOutcome>;
}

/** The event a Lambda function subscribed to a topic receives (one record per message). */
export interface SnsEvent {
  readonly Records: readonly {
    readonly EventSource: 'aws:sns';
    readonly EventVersion: '1.0';
    readonly EventSubscriptionArn: string;
    readonly Sns: {
      readonly Type: 'Notification';
      readonly MessageId: string;
      readonly TopicArn: string;
      readonly Subject: string | null;
      readonly Message: string;
      readonly Timestamp: string;
      readonly SignatureVersion: string;
      readonly Signature: string;
      readonly SigningCertUrl: string;
      readonly UnsubscribeUrl: string;
      readonly MessageAttributes: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>;
    };
  }[];
}

export interface PublishInput {
  readonly message: string;
  readonly subject?: string;
  readonly attributes?: Readonly<Record<string, SnsMessageAttribute>>;
}

export interface LocalSnsTopicOptions {
  readonly topicArn: string;
  /** Base URL of this runtime, for the (informational) unsubscribe URL. */
  readonly publicUrl: string;
  /** Delay before the first and second retry of a failed delivery. */
  readonly retryDelaysMs?: readonly number[];
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
  /** The topic's journal of pending deliveries; without one they live in memory (lost with the process). */
  readonly journalFile?: string;
}

/** A delivery not yet completed, as journaled. */
interface PendingDelivery {
  readonly subscriber: string;
  readonly messageId: string;
  readonly event: SnsEvent;
}

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_BATCH_ENTRIES = 10;

export class LocalSnsTopic {
  private readonly subscriptions: { arn: string; subscription: SnsSubscription }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly journal: Journal<PendingDelivery> | undefined;
  private readonly leftByEarlierRun: [id: string, delivery: PendingDelivery][] = [];
  private closed = false;

  constructor(private readonly options: LocalSnsTopicOptions) {
    if (!options.journalFile) return;
    const opened = Journal.open<PendingDelivery>(options.journalFile);
    this.journal = opened.journal;
    this.leftByEarlierRun.push(...opened.pending);
  }

  /**
   * Delivers again what an earlier run accepted and did not deliver (call it once the subscriptions are in
   * place). A delivery whose subscriber is no longer subscribed is dropped, and logged.
   */
  resume(): void {
    const pending = this.leftByEarlierRun.splice(0);
    if (pending.length > 0) this.options.logger.info('sns.resumed', { topicArn: this.options.topicArn, deliveries: pending.length });
    for (const [id, delivery] of pending) {
      const subscription = this.subscriptions.find((candidate) => candidate.subscription.functionName === delivery.subscriber)?.subscription;
      if (!subscription) {
        this.options.logger.warn('sns.delivery_unsubscribed', { messageId: delivery.messageId, subscriber: delivery.subscriber });
        this.journal?.complete([id]);
        continue;
      }
      this.track(id, subscription, delivery.event, delivery.messageId);
    }
  }

  /** Stops: deliveries not finished stay in the journal for the next start. */
  close(): void {
    this.closed = true;
    this.journal?.close();
  }

  get topicArn(): string {
    return this.options.topicArn;
  }

  subscribe(subscription: SnsSubscription): string {
    if (subscription.filterPolicy !== undefined) validateSnsFilterPolicy(subscription.filterPolicy);
    const arn = `${this.options.topicArn}:${randomUUID()}`;
    this.subscriptions.push({ arn, subscription });
    return arn;
  }

  /** Accepts a message and schedules its deliveries; resolves with the MessageId. */
  publish(input: PublishInput): string {
    const messageId = randomUUID();
    const timestamp = new Date().toISOString();
    this.options.counters.mutable.sns.publishes += 1;
    const attributes = input.attributes ?? {};
    for (const { arn, subscription } of this.subscriptions) {
      if (subscription.filterPolicy !== undefined && !matchesSnsFilterPolicy(subscription.filterPolicy, attributes)) {
        this.options.counters.mutable.sns.filteredOut += 1;
        this.options.logger.debug('sns.filtered_out', { messageId, subscriber: subscription.functionName });
        continue;
      }
      const event: SnsEvent = {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: arn,
            Sns: {
              Type: 'Notification',
              MessageId: messageId,
              TopicArn: this.options.topicArn,
              Subject: input.subject ?? null,
              Message: input.message,
              Timestamp: timestamp,
              SignatureVersion: '1',
              // Local messages are not signed; Lambda subscribers do not verify signatures.
              Signature: 'LOCAL-UNSIGNED',
              SigningCertUrl: `${this.options.publicUrl}/local-sns-unsigned.pem`,
              UnsubscribeUrl: `${this.options.publicUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(arn)}`,
              MessageAttributes: Object.fromEntries(
                Object.entries(attributes).map(([name, value]) => [
                  name,
                  { Type: value.DataType, Value: value.StringValue ?? value.BinaryValue ?? '' },
                ]),
              ),
            },
          },
        ],
      };
      const id = `${messageId}/${arn}`;
      this.journal?.add(id, { subscriber: subscription.functionName, messageId, event });
      this.track(id, subscription, event, messageId);
    }
    return messageId;
  }

  private track(id: string, subscription: SnsSubscription, event: SnsEvent, messageId: string): void {
    const delivery = this.deliver(subscription, event, messageId)
      .then((finished) => {
        if (finished) this.journal?.complete([id]);
      })
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** True while a delivery (or its retry) is running. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when every delivery scheduled so far has finished (retries included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
    }
  }

  /** Serves a query-protocol request (Publish, PublishBatch) that arrived on the runtime's port. */
  handle(_request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action');
    const requestId = randomUUID();
    try {
      if (action === 'Publish') {
        this.checkTopic(params.get('TopicArn'));
        const messageId = this.publish(this.readEntry(params, ''));
        return sendXml(response, 200, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`);
      }
      if (action === 'PublishBatch') {
        this.checkTopic(params.get('TopicArn'));
        const entries: { id: string; entry: PublishInput }[] = [];
        for (let index = 1; params.has(`PublishBatchRequestEntries.member.${index}.Id`); index++) {
          const prefix = `PublishBatchRequestEntries.member.${index}.`;
          entries.push({ id: params.get(`${prefix}Id`) as string, entry: this.readEntry(params, prefix) });
        }
        if (entries.length === 0) throw new SnsError(400, 'EmptyBatchRequest', 'The batch request doesn\'t contain any entries.');
        if (entries.length > MAX_BATCH_ENTRIES) throw new SnsError(400, 'TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
        const successful = entries
          .map(({ id, entry }) => `<member><Id>${escapeXml(id)}</Id><MessageId>${this.publish(entry)}</MessageId></member>`)
          .join('');
        return sendXml(response, 200, `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${successful}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishBatchResponse>`);
      }
      throw new SnsError(400, 'InvalidAction', `The action ${action ?? '(none)'} is not valid for this local endpoint (Publish, PublishBatch).`);
    } catch (error) {
      const snsError = error instanceof SnsError ? error : new SnsError(500, 'InternalError', (error as Error).message);
      this.options.logger.warn('sns.request_refused', { action, code: snsError.code, status: snsError.status });
      return sendXml(
        response,
        snsError.status,
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${snsError.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${snsError.code}</Code><Message>${escapeXml(snsError.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  }

  private checkTopic(topicArn: string | null): void {
    if (topicArn !== this.options.topicArn) {
      throw new SnsError(404, 'NotFound', `Topic does not exist (this local runtime serves ${this.options.topicArn})`);
    }
  }

  private readEntry(params: URLSearchParams, prefix: string): PublishInput {
    const message = params.get(`${prefix}Message`);
    if (message === null || message === '') throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
      throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    }
    const attributes: Record<string, SnsMessageAttribute> = {};
    for (let index = 1; params.has(`${prefix}MessageAttributes.entry.${index}.Name`); index++) {
      const base = `${prefix}MessageAttributes.entry.${index}.`;
      const name = params.get(`${base}Name`) as string;
      const dataType = params.get(`${base}Value.DataType`);
      if (!dataType) throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' must contain a non-empty data type.`);
      const stringValue = params.get(`${base}Value.StringValue`) ?? undefined;
      const binaryValue = params.get(`${base}Value.BinaryValue`) ?? undefined;
      if (stringValue === undefined && binaryValue === undefined) {
        throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' must contain non-empty message attribute value.`);
      }
      attributes[name] = { DataType: dataType, StringValue: stringValue, BinaryValue: binaryValue };
    }
    return { message, subject: params.get(`${prefix}Subject`) ?? undefined, attributes };
  }

  /** Delivers with retries; false when the runtime closed first (the delivery is left for the next start). */
  private async deliver(subscription: SnsSubscription, event: SnsEvent, messageId: string): Promise<boolean> {
    const retryDelays = this.options.retryDelaysMs ?? [200, 1000];
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, retryDelays[attempt - 1]));
      if (this.closed && this.journal) return false;
      const outcome = await subscription.invoke(event);
      if (outcome.ok) {
        this.options.counters.mutable.sns.deliveries += 1;
        return true;
      }
      if (this.closed && this.journal) return false;
      this.options.counters.mutable.sns.deliveryErrors += 1;
      this.options.logger.warn('sns.delivery_failed', {
        messageId,
        subscriber: subscription.functionName,
        attempt: attempt + 1,
        errorType: outcome.error.errorType,
        errorMessage: outcome.error.errorMessage,
      });
    }
    this.options.counters.mutable.sns.deliveryDropped += 1;
    this.options.logger.error('sns.delivery_dropped', { messageId, subscriber: subscription.functionName });
    return true;
  }
}

class SnsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function sendXml(response: http.ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(xml)) });
  response.end(xml);
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] as string);
}
