import { AccountLedger } from '../ledger/account-ledger.js';
import { memoryLedgerStore } from '../ledger/ledger-store.js';
import type { AutologinState, StateChange } from '../state/autologin-state.js';
import type { SavedToken, TokenRead } from '../token-store.js';
import type { AccountRecord, MorningRecord, RecordHome } from './record.js';

/**
 * A home in memory, for the sandbox's throwaway account (no history worth keeping) and for
 * tests: the same ledger and rules, no lock (one process), gone when the process ends.
 */
export function memoryHome(): RecordHome {
  const records = new Map<string, AccountRecord>();
  return {
    kind: 'memory',
    record: (account) => {
      const key = `${account.apiKey}\u0000${account.userId.toUpperCase()}`;
      let record = records.get(key);
      if (!record) {
        record = memoryRecord(account);
        records.set(key, record);
      }
      return record;
    },
    close: () => Promise.resolve(),
  };
}

function memoryRecord(account: AccountRecord['account']): AccountRecord {
  const store = memoryLedgerStore(`memory:${account.userId}`);
  let state: AutologinState = {};
  let token: SavedToken | undefined;
  const morning: MorningRecord = {
    place: `memory:${account.userId}:state`,
    read: () => Promise.resolve(structuredClone(state)),
    update: (change: StateChange) => {
      const current = structuredClone(state);
      state = change(current) ?? current;
      return Promise.resolve(structuredClone(state));
    },
  };
  return {
    account,
    home: 'memory',
    place: store.path,
    morning,
    readLedger: (now) => AccountLedger.open(store, account, now, { create: false }),
    lockHeld: () => Promise.resolve(false),
    readToken: (): Promise<TokenRead> => Promise.resolve(token ? { state: 'ok', token } : { state: 'missing' }),
    announce: () => Promise.resolve({ configured: false }),
    hold: (work) => work({
      openLedger: async (secrets, now) => {
        const ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
        return { ledger, prints: await ledger.prints(account, secrets) };
      },
      recordedLedger: (now) => AccountLedger.open(store, account, now, { create: false }),
      assertHeld: () => undefined,
      confirmHeld: () => Promise.resolve(),
      saveToken: (saved) => {
        token = saved;
        return Promise.resolve();
      },
    }),
  };
}
