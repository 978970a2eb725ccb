import type { TokenAnnouncer } from '../account/announce.js';
import type { AccountRecord } from '../account/record.js';
import { todaysToken } from '../account/todays-token.js';
import type { Logger } from '../logger.js';

/**
 * The daemon's "is today's token saved?" for one account, on every beat: the token file or
 * the record's (see todaysToken). With an announcer (Redis), a current token Redis does not
 * hold is announced again from the record, in the background (one at a time per account):
 * a copy that failed at the login, or that Redis lost, lands on a later beat.
 */
export function tokenKeeper(record: AccountRecord, tokenFile: string, announcer: TokenAnnouncer | undefined, logger: Logger): (now: Date) => Promise<boolean> {
  let copying: Promise<unknown> | undefined;
  return async (now) => {
    const token = await todaysToken(record, tokenFile, now, logger);
    if (token && announcer && !copying) {
      copying = (async () => {
        // Redis that cannot be asked is one that may not hold it: the copy is tried (and alerted once when it fails).
        if (await announcer.holds(token, now).catch(() => false)) return;
        const report = await record.announce(token);
        if (report.configured && report.landed) logger.info({ userId: token.user_id }, 'the token kept in the record was copied to Redis again');
      })().catch((error: unknown) => logger.debug({ reason: (error as Error).message }, 'the token could not be copied to Redis; the next beat tries again'))
        .finally(() => { copying = undefined; });
    }
    return token !== undefined;
  };
}
