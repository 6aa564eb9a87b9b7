/**
 * A fix for dynalite 4.0.0 (the latest release), applied when local/dynamodb.ts loads: it ends the LevelDB
 * iterator behind each Query and Scan stream with `iterator.return()` (db/index.js createKeyStream and
 * createValueStream), a method abstract-level 3 iterators do not have (they have `close()`). So every Query
 * and Scan left its iterators, with their read caches, in the store's open resources until the store
 * closed: about 3 KB of heap per chat message in the bench's soak. This gives the iterators that `return`.
 */
import { createRequire } from 'node:module';

interface IteratorBase {
  return?: () => Promise<void>;
  close(): Promise<void>;
}

/** abstract-level as dynalite's on-disk (classic-level) and in-memory (memory-level) stores load it. */
function abstractLevelsOfDynalite(): { AbstractIterator: { prototype: object } }[] {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const backends = [createRequire(fromDynalite.resolve('level')).resolve('classic-level'), fromDynalite.resolve('memory-level')];
  return backends.map((backend) => createRequire(backend)('abstract-level') as { AbstractIterator: { prototype: object } });
}

export function closeDynaliteIteratorsOnDestroy(): void {
  for (const { AbstractIterator } of abstractLevelsOfDynalite()) {
    // The base class every iterator kind (values, keys, entries) shares.
    const base = Object.getPrototypeOf(AbstractIterator.prototype) as IteratorBase;
    // dynalite ignores the promise; a failed close only leaves the iterator open, as before.
    base.return ??= function (this: IteratorBase) {
      return this.close().catch(() => undefined);
    };
  }
}
