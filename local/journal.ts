/**
 * A small append-only journal on disk: the local runtime's durable queues (the messages table's stream and
 * the bot topic's pending deliveries) survive a crash of the runtime with it, as the AWS services they stand
 * for keep their records across a consumer's failure.
 *
 * One JSON object per line: `{"add": id, "value": ...}` adds an entry, `{"done": [ids]}` completes entries, and
 * either may carry `"meta"` (small facts that must outlive every entry, e.g. the last sequence number). An add
 * that completes other entries does so in the same line, so one `write` call moves work from one entry to the
 * next: a crash leaves either both states or neither. Each line is written with one synchronous `write` to a
 * file opened for appending, so a killed process never leaves half a line behind it (the kernel has the bytes);
 * it is not fsync'd, so a power cut may lose the last writes (out of scope for a development runtime). A last
 * line cut short by anything else is ignored when the journal is opened.
 *
 * Opening a journal replays it and rewrites it (to a temporary file, then renamed over it) with the meta and
 * the pending entries only, so it never grows beyond what is still to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface JournalLine {
  readonly add?: string;
  readonly value?: unknown;
  readonly done?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface OpenedJournal<T> {
  readonly journal: Journal<T>;
  /** The entries added and not completed, in the order they were added. */
  readonly pending: ReadonlyMap<string, T>;
  readonly meta: Readonly<Record<string, unknown>>;
  /** Lines that could not be read (a cut-short last line): reported, never fatal. */
  readonly unreadableLines: number;
}

export class Journal<T> {
  private constructor(
    private readonly file: string,
    private fd: number | undefined,
  ) {}

  /** Opens (creating it and its directory if needed), replays and compacts the journal at `file`. */
  static open<T>(file: string): OpenedJournal<T> {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const pending = new Map<string, T>();
    const meta: Record<string, unknown> = {};
    let unreadableLines = 0;
    if (fs.existsSync(file)) {
      for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
        if (text === '') continue;
        let line: JournalLine;
        try {
          line = JSON.parse(text) as JournalLine;
        } catch {
          unreadableLines += 1;
          continue;
        }
        for (const id of line.done ?? []) pending.delete(id);
        if (line.add !== undefined) pending.set(line.add, line.value as T);
        if (line.meta) Object.assign(meta, line.meta);
      }
    }
    const compacted = [
      ...(Object.keys(meta).length > 0 ? [JSON.stringify({ meta })] : []),
      ...[...pending].map(([id, value]) => JSON.stringify({ add: id, value })),
    ];
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, compacted.map((line) => `${line}\n`).join(''), { mode: 0o600 });
    fs.renameSync(staging, file);
    const journal = new Journal<T>(file, fs.openSync(file, 'a', 0o600));
    return { journal, pending, meta, unreadableLines };
  }

  /** Adds an entry; `options.completes` are completed by the same line. */
  add(id: string, value: T, options: { completes?: readonly string[]; meta?: Readonly<Record<string, unknown>> } = {}): void {
    this.write({ add: id, value, ...(options.completes?.length ? { done: options.completes } : {}), ...(options.meta ? { meta: options.meta } : {}) });
  }

  /** Completes entries (and records meta, if given). */
  complete(ids: readonly string[], meta?: Readonly<Record<string, unknown>>): void {
    if (ids.length > 0 || meta) this.write({ ...(ids.length > 0 ? { done: ids } : {}), ...(meta ? { meta } : {}) });
  }

  /** Stops writing (later calls are ignored: the runtime is shutting down). */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  get path(): string {
    return this.file;
  }

  private write(line: JournalLine): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(this.fd, bytes, offset);
  }
}
