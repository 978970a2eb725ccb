import type { TokenAnnouncer } from '../account/announce.js';
import type { BaseConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { redisPublishFailedNotice } from '../notify/notice.js';
import type { Notifier } from '../notify/notifier.js';
import { istDate } from '../time/ist.js';

/**
 * The announcer a command hands its home: Redis when REDIS_URL is set (ioredis loads only
 * then), nothing otherwise. A copy that does not land is alerted once per token when a
 * notifier is given, and copied again from the record by the next run or beat.
 */
export async function announcerFor(config: BaseConfig, deps: { logger: Logger; notifier?: Notifier | undefined; tokenFileOf?: (userId: string) => string }): Promise<TokenAnnouncer | undefined> {
  if (config.redis === undefined) return undefined;
  const { redisAnnouncer } = await import('../redis/token-announcer.js');
  return redisAnnouncer(config.redis, {
    logger: deps.logger,
    waitMs: config.stepTimeoutMs,
    onFailed: async (token, message, attempts) => {
      await deps.notifier?.notify(redisPublishFailedNotice({
        userId: token.user_id, day: istDate(new Date(token.login_time)), at: new Date().toISOString(),
        tokenFile: deps.tokenFileOf?.(token.user_id) ?? 'the token file', message, attempts, retrying: true,
      }));
    },
  });
}
