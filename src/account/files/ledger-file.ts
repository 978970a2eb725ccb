import { appendSynced, createWhole } from '../../disk/write.js';
import { readText, readTextIfAny } from '../../disk/read.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';

/** A file, 0600 in a 0700 folder: lines appended with O_APPEND and fsynced. */
export function fileLedgerStore(path: string): LedgerStore {
  return {
    path,
    read: () => readTextIfAny(path),
    // Written whole under a temporary name, then linked into place: a crash never leaves an
    // empty or half-written ledger, and an existing one is never replaced.
    create: (line) => createWhole(path, line),
    append: (line) => appendSynced(path, line),
    async appendChecked(line, check) {
      // Only the holder of the account's lock writes: nothing can come between the read and the append.
      check(await readText(path));
      await appendSynced(path, line);
    },
  };
}
