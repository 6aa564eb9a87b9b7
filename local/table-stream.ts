/**
 * Emulates a DynamoDB stream (view type NEW_IMAGE) with a Lambda event source mapping on it, with the
 * settings the construct gives the outbox's (lib/deployment-model.ts OUTBOX_STREAM_MAPPING): records in
 * write order on one shard, the mapping's filter applied before batching, batches of up to `batchSize`,
 * `ReportBatchItemFailures` (retry from the lowest failed sequence number), bisect on function error,
 * bounded retries with exponential backoff, and an on-failure destination (locally: an error log line and
 * a counter, with the records' keys, never their contents). Like Lambda, the mapping reads the stream and
 * sends to the destination with the function's role: without those permissions it stops (AWS reports
 * the mapping's PERMISSION_DENIED state) and dropped records are lost.
 *
 * Durable with a journal (the data directory's `streams/<table>.journal`): a stream keeps its records for
 * 24 hours whatever happens to its consumer, and the mapping resumes from its checkpoint. Each put is
 * journaled before it reaches the store and becomes a record before its caller is answered; a record is
 * completed once its batch is consumed (or dropped after its retries). After a crash, the records not
 * consumed are delivered again (at least once, as Lambda does) and a put caught between the store and its
 * record is settled by reading the item back: if the store has it, it gets its record.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { StreamMappingSettings } from '../lib/deployment-model';
import { matchesEventPattern } from './event-filter';
import type { AttributeMap, StreamWriter, TableWrite } from './dynamodb';
import { Journal } from './journal';
import type { CounterRegistry } from './counters';
import type { RuntimeLogger } from './logger';
import type { InvocationOutcome } from './function-host';

/** A record as Lambda receives it from a DynamoDB stream. */
export interface DynamoDbStreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: TableWrite['keys'];
    readonly NewImage?: TableWrite['newImage'];
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: 'NEW_IMAGE';
  };
  readonly eventSourceARN: string;
}

export interface TableStreamOptions {
  readonly streamArn: string;
  readonly region: string;
  /** The event source mapping's settings (its filter drops records before batching). */
  readonly mapping: StreamMappingSettings;
  /** The consumer (the outbox handler). */
  readonly invoke: (event: { Records: DynamoDbStreamRecord[] }) => Promise<InvocationOutcome>;
  /** Whether the function's role may read the stream (the mapping polls with it); checked before each batch. */
  readonly mayReadStream: () => boolean;
  /** Whether the function's role may send to the on-failure destination. */
  readonly maySendFailures: () => boolean;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly counters: CounterRegistry;
  readonly logger: RuntimeLogger;
  /** The stream's journal file; without one the stream lives in memory (lost with the process). */
  readonly journalFile?: string;
  /** Reads an item back from the table (settling, after a crash, a put journaled but not recorded). */
  readonly readItem?: (keys: AttributeMap) => Promise<AttributeMap | undefined>;
}

/** How long a stream keeps a record (DynamoDB Streams: 24 hours). */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What the journal holds: a put on its way to the store, or a record waiting for the consumer. */
type JournalEntry = { readonly kind: 'put'; readonly write: TableWrite } | { readonly kind: 'record'; readonly record: DynamoDbStreamRecord };

export class TableStream implements StreamWriter {
  private readonly queue: DynamoDbStreamRecord[] = [];
  private sequence = 0n;
  private putCount = 0;
  private running = false;
  private closed = false;
  private started = false;
  private idleWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private readonly journal: Journal<JournalEntry> | undefined;
  /** Puts journaled by an earlier run and never settled: checked against the store by start(). */
  private readonly unsettledPuts: [id: string, write: TableWrite][] = [];

  constructor(private readonly options: TableStreamOptions) {
    if (!options.journalFile) return;
    const opened = Journal.open<JournalEntry>(options.journalFile);
    this.journal = opened.journal;
    this.sequence = BigInt((opened.meta.lastSequence as string | undefined) ?? '0');
    const oldest = Date.now() - STREAM_RETENTION_MS;
    const expired: string[] = [];
    for (const [id, entry] of opened.pending) {
      if (entry.kind === 'put') this.unsettledPuts.push([id, entry.write]);
      else if (entry.record.dynamodb.ApproximateCreationDateTime * 1000 < oldest) expired.push(id);
      else this.queue.push(entry.record);
    }
    this.queue.sort((a, b) => (BigInt(a.dynamodb.SequenceNumber) < BigInt(b.dynamodb.SequenceNumber) ? -1 : 1));
    if (expired.length > 0) {
      this.journal.complete(expired);
      options.logger.warn('stream.records_expired', { streamArn: options.streamArn, records: expired.length, retentionHours: STREAM_RETENTION_MS / 3_600_000 });
    }
    if (opened.unreadableLines > 0) options.logger.warn('stream.journal_unreadable_lines', { file: options.journalFile, lines: opened.unreadableLines });
    if (this.queue.length > 0 || this.unsettledPuts.length > 0) {
      options.logger.info('stream.resumed', { streamArn: options.streamArn, records: this.queue.length, unsettledPuts: this.unsettledPuts.length });
    }
  }

  /**
   * Starts delivering: first settles the puts an earlier run left between the store and their record, then
   * resumes from the checkpoint. Records written before start() wait for it.
   */
  async start(): Promise<void> {
    for (const [id, write] of this.unsettledPuts.splice(0)) {
      const stored = await this.options.readItem?.(write.keys);
      // Not in the store (or another write replaced it since): that put never happened, or has its own record.
      if (stored && isDeepStrictEqual(stored, write.newImage)) this.record(write, 'INSERT', id);
      else this.journal?.complete([id]);
    }
    this.started = true;
    if (this.queue.length > 0 && !this.running) void this.drain();
  }

  /** A put on its way to the store (the DynamoDB proxy calls this before forwarding it). */
  begin(write: TableWrite): { commit(eventName: 'INSERT' | 'MODIFY'): void; abort(): void } {
    const id = `put:${process.pid}:${++this.putCount}`;
    this.journal?.add(id, { kind: 'put', write });
    let ended = false;
    return {
      commit: (eventName) => {
        if (ended) return;
        ended = true;
        this.record(write, eventName, id);
      },
      abort: () => {
        if (ended) return;
        ended = true;
        this.journal?.complete([id]);
      },
    };
  }

  /** Appends the record of a write that reached the store (in the journal, in the same line that settles its put). */
  private record(write: TableWrite, eventName: 'INSERT' | 'MODIFY', putId: string): void {
    if (this.closed) return;
    this.sequence += 1n;
    const sequenceNumber = (10n ** 20n + this.sequence).toString();
    const record: DynamoDbStreamRecord = {
      eventID: createHash('md5').update(`${this.options.streamArn}/${sequenceNumber}`).digest('hex'),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: write.keys,
        NewImage: write.newImage,
        SequenceNumber: sequenceNumber,
        SizeBytes: write.sizeBytes,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: this.options.streamArn,
    };
    this.options.counters.mutable.stream.records += 1;
    let matched: boolean;
    try {
      matched = matchesEventPattern(this.options.mapping.filterPattern, record);
    } catch (error) {
      this.options.logger.error('stream.filter_error', { error: (error as Error).message });
      matched = false;
    }
    const meta = { lastSequence: this.sequence.toString() };
    // The mapping's filter drops a record before it is ever batched: nothing to keep for it.
    if (!matched) {
      this.journal?.complete([putId], meta);
      return;
    }
    this.journal?.add(recordId(record), { kind: 'record', record }, { completes: [putId], meta });
    this.options.counters.mutable.stream.recordsMatched += 1;
    this.queue.push(record);
    this.stalled = false;
    if (!this.running && this.started) void this.drain();
  }

  /** True while records wait or a batch is being consumed. */
  get busy(): boolean {
    return this.running || (this.queue.length > 0 && !this.stalled && this.started);
  }

  /** Resolves once every record written so far has been consumed (or dropped after its retries), or the mapping stalled. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops accepting records; pending retries are abandoned (reported) and `idle()` waiters released. With a
   * journal, records not yet consumed stay in it for the next start.
   */
  close(): void {
    this.closed = true;
    this.journal?.close();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.retryPoll) clearTimeout(this.retryPoll);
    this.wakeRetry?.();
  }

  private async drain(): Promise<void> {
    this.running = true;
    const { batchSize, maximumRetryAttempts: maxRetries, bisectBatchOnFunctionError } = this.options.mapping;
    let attempts = 0;
    let bisectedSize: number | undefined;
    try {
      while (this.queue.length > 0) {
        if (!this.options.mayReadStream()) {
          // The records stay in the stream; the next write (or a minute) tries again.
          this.stalled = true;
          this.options.logger.error('stream.mapping_access_denied', { streamArn: this.options.streamArn, waitingRecords: this.queue.length });
          this.scheduleRetryPoll();
          return;
        }
        // Shutting down with a journal: what is left stays in it, for the next start to resume from.
        if (this.closed && this.journal) return;
        const size = Math.min(bisectedSize ?? batchSize, this.queue.length);
        const batch = this.queue.slice(0, size);
        this.options.counters.mutable.stream.batches += 1;
        const outcome = this.closed
          ? ({ ok: false, error: { errorType: 'Shutdown', errorMessage: 'local runtime shut down', trace: [] } } as const)
          : await this.options.invoke({ Records: batch });
        if (this.closed && this.journal) return;

        const firstFailed = outcome.ok ? firstFailedIndex(batch, outcome.result) : 0;
        if (firstFailed === undefined) {
          this.checkpoint(this.queue.splice(0, size));
          attempts = 0;
          bisectedSize = undefined;
          continue;
        }
        // Everything before the first failure is checkpointed.
        this.checkpoint(this.queue.splice(0, firstFailed));
        if (!outcome.ok && size > 1 && bisectBatchOnFunctionError) {
          // BisectBatchOnFunctionError: find the poison record instead of retrying the whole batch.
          bisectedSize = Math.ceil(size / 2);
        }
        attempts += 1;
        if (attempts > maxRetries || this.closed) {
          const dropCount = outcome.ok ? size - firstFailed : size;
          const dropped = this.queue.splice(0, dropCount);
          this.checkpoint(dropped);
          this.options.counters.mutable.stream.recordsDropped += dropped.length;
          const sent = this.options.maySendFailures();
          this.options.logger.error(sent ? 'stream.records_dropped' : 'stream.records_lost', {
            destination: sent ? 'on-failure queue' : 'none: the role may not send to the on-failure queue',
            streamArn: this.options.streamArn,
            reason: outcome.ok ? 'batchItemFailures' : outcome.error.errorType,
            errorMessage: outcome.ok ? undefined : outcome.error.errorMessage,
            sequenceNumbers: dropped.map((record) => record.dynamodb.SequenceNumber),
            keys: dropped.map((record) => record.dynamodb.Keys),
          });
          attempts = 0;
          bisectedSize = undefined;
          continue;
        }
        this.options.counters.mutable.stream.retries += 1;
        this.options.logger.warn('stream.batch_retry', {
          attempt: attempts,
          reason: outcome.ok ? 'batchItemFailures' : outcome.error.errorType,
          errorMessage: outcome.ok ? undefined : outcome.error.errorMessage,
        });
        await this.backoff(attempts);
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
      // A push that raced with the end of the loop.
      if (this.queue.length > 0 && !this.closed && !this.stalled && this.started) void this.drain();
    }
  }

  /** Records consumed (or dropped after their retries) leave the journal. */
  private checkpoint(records: readonly DynamoDbStreamRecord[]): void {
    this.journal?.complete(records.map(recordId));
  }

  private retryPoll: NodeJS.Timeout | undefined;
  /** The role may not read the stream: records wait, and `idle()` does not wait for them. */
  private stalled = false;

  private scheduleRetryPoll(): void {
    if (this.retryPoll || this.closed) return;
    this.retryPoll = setTimeout(() => {
      this.retryPoll = undefined;
      this.stalled = false;
      if (!this.running && this.queue.length > 0 && !this.closed && this.started) void this.drain();
    }, 60_000);
    this.retryPoll.unref();
  }

  private backoff(attempt: number): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5000;
    const delay = Math.min(max, initial * 2 ** (attempt - 1));
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, delay);
    });
  }
}

function recordId(record: DynamoDbStreamRecord): string {
  return `record:${record.dynamodb.SequenceNumber}`;
}

/**
 * Index of the lowest failed record per the handler's `batchItemFailures`, or undefined when the
 * whole batch succeeded. An identifier that is not in the batch fails the whole batch (as Lambda does).
 */
function firstFailedIndex(batch: readonly DynamoDbStreamRecord[], result: unknown): number | undefined {
  const failures = (result as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest: number | undefined;
  for (const failure of failures) {
    const index = batch.findIndex((record) => record.dynamodb.SequenceNumber === failure?.itemIdentifier);
    if (index < 0) return 0;
    lowest = lowest === undefined ? index : Math.min(lowest, index);
  }
  return lowest;
}
