import { fileLedgerStore } from '../../src/account/files/ledger-file.js';
import { filesHome } from '../../src/account/files/files-home.js';
import type { Account, RecordHome } from '../../src/account/record.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';

/*
 * Where a history's account records live (the attempt rules' property tests run on either
 * home): a home is opened for each history and closed after it. The files home is the default;
 * the PostgreSQL home is in kite-model-postgres.ts.
 */

/** One history's home, opened for it alone. */
export interface HistoryHome {
  readonly home: RecordHome;
  /** What every account's configuration adds, so that a command opening its own home (`resume`) finds this one (DATABASE_URL). */
  readonly env: Record<string, string>;
  /**
   * The account's ledger as a store of the home's own kind, for the day's ledger faults to wrap
   * (FaultyLedgerStore): the ledger file, or the database's rows. `ledgerFile`: where the files
   * home keeps it.
   */
  ledgerStore(account: Account, ledgerFile: string): LedgerStore;
  /** Ends its connections and whatever was made for this history alone. */
  close(): Promise<void>;
}

/** Opens the home of one history. */
export type HomeFactory = () => Promise<HistoryHome>;

/** The files home (one host; STATE_DIR in the history's temp folder, removed after it). */
export const filesHomes: HomeFactory = () => Promise.resolve({
  home: filesHome(),
  env: {},
  ledgerStore: (_account, ledgerFile) => fileLedgerStore(ledgerFile),
  close: () => Promise.resolve(),
});
