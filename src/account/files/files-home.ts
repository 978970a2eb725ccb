import { dirname } from 'node:path';
import { infoOf } from '../../disk/read.js';
import { StateError } from '../../errors/state-error.js';
import type { Factor } from '../../ledger/records.js';
import { AccountLedger } from '../../ledger/account-ledger.js';
import { fileLedgerStore } from './ledger-file.js';
import { DEFAULT_LOCK_WAIT_MS, DEFAULT_STALE_MS } from '../../state/lock-staleness.js';
import { StateStore } from './state-file.js';
import type { AccountRecord, HeldRecord, RecordHome, Secrets } from '../record.js';
import { accountFiles, type AccountFiles } from './account-files.js';
import { carryLegacyHalt } from '../legacy-halt.js';
import { refuseIfDatabaseKnown } from './database-marker.js';
import { MOVED_TO_DATABASE } from './move-aside.js';

/**
 * The files home: one host keeps each account's record in STATE_DIR, named by user id and
 * api_key: the attempt ledger (JSON lines, appended and fsynced), the morning record (a JSON
 * file, replaced atomically) and the lock (a folder refreshed while held). The token is the
 * token file itself: nothing more is kept.
 */
export function filesHome(options: { staleMs?: number } = {}): RecordHome {
  return {
    kind: 'files',
    record: (account, where) => fileRecord(accountFiles(where, account), account, options.staleMs ?? DEFAULT_STALE_MS),
    close: () => Promise.resolve(),
  };
}

function fileRecord(files: AccountFiles, account: AccountRecord['account'], staleMs: number): AccountRecord {
  const store = fileLedgerStore(files.ledger);
  return {
    account,
    home: 'files',
    place: files.ledger,
    morning: new StateStore(files.state),
    readLedger: (now) => AccountLedger.open(store, account, now, { create: false }),
    lockHeld: (now) => infoOf(files.lock).then((info) => info !== undefined && now.getTime() - info.mtimeMs < staleMs, () => false),
    readToken: () => Promise.resolve({ state: 'missing' }),
    announce: () => Promise.resolve({ configured: false }),
    async hold(work, options = {}) {
      // The lock's code loads when a lock is taken: `status` and `health` only ask whether one is held.
      const { withAccountLock } = await import('./account-lock.js');
      return withAccountLock(files.lock, (lock) => {
        const held: HeldRecord = {
          openLedger: (secrets, now) => openOrStart(files, account, secrets, now),
          recordedLedger: (now) => AccountLedger.open(store, account, now, { create: false }),
          assertHeld: () => { lock.assertHeld(); },
          confirmHeld: () => {
            lock.assertHeld();
            return Promise.resolve();
          },
          // The token file is the record's token: the caller writes it.
          saveToken: () => Promise.resolve(),
        };
        return work(held);
      }, { waitMs: options.waitMs ?? DEFAULT_LOCK_WAIT_MS, ...(options.signal ? { signal: options.signal } : {}) });
    },
  };
}

/** The ledger recorded, or a new one carrying over a stop an earlier version left about these credentials. */
async function openOrStart(files: AccountFiles, account: AccountRecord['account'], secrets: Secrets, now: Date): Promise<{ ledger: AccountLedger; prints: Record<Factor, string> }> {
  const store = fileLedgerStore(files.ledger);
  const existing = await AccountLedger.open(store, account, now, { create: false });
  if (existing) return { ledger: existing, prints: await existing.prints(account, secrets) };
  // A ledger moved into a database meanwhile (`migrate` while this process ran): a new file would forget it.
  await refuseIfDatabaseKnown(dirname(files.ledger));
  if (await infoOf(`${files.ledger}${MOVED_TO_DATABASE}`).then(Boolean, () => true)) {
    throw new StateError(files.ledger, `was moved into a database (${files.ledger}${MOVED_TO_DATABASE}); a new file ledger would know none of its stops. Set DATABASE_URL as the other runs do.`);
  }
  const ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
  const prints = await ledger.prints(account, secrets);
  await carryLegacyHalt(ledger, prints, secrets, account, files.legacyState, now);
  return { ledger, prints };
}
