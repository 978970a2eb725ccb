import type { SavedToken } from '../token-store.js';
import type { AccountRecord, AnnounceReport, RecordHome } from './record.js';

/** Where tokens are announced to the programs that listen (Redis): a cache and a bus, never a home. */
export interface TokenAnnouncer {
  /** Copies the token there and says whether it landed; never throws (a failure is retried from the record). */
  announce(token: SavedToken): Promise<AnnounceReport>;
  /** Does it hold this token, or a newer one, for the token's account? Throws when it cannot be read. */
  holds(token: SavedToken, now: Date): Promise<boolean>;
  close(): Promise<void>;
}

/** The home's records, announcing their tokens through `announcer`; the home itself unchanged. */
export function withAnnouncer(home: RecordHome, announcer: TokenAnnouncer | undefined): RecordHome {
  if (!announcer) return home;
  return {
    kind: home.kind,
    ...(home.importLedger ? { importLedger: home.importLedger.bind(home) } : {}),
    record: (account, where): AccountRecord => {
      // Delegated one by one: a home's record may be a class instance (a spread would lose its methods).
      const inner = home.record(account, where);
      return {
        account: inner.account, home: inner.home, place: inner.place, morning: inner.morning,
        readLedger: (now) => inner.readLedger(now),
        lockHeld: (now) => inner.lockHeld(now),
        readToken: () => inner.readToken(),
        hold: (work, options) => inner.hold(work, options),
        announce: (token) => announcer.announce(token),
      };
    },
    close: async () => {
      await announcer.close();
      await home.close();
    },
  };
}
