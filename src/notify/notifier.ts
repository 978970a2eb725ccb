import type { NotifyConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Notice } from './notice.js';

export interface Notifier {
  /** Sends to every configured channel; a channel that fails is logged, never thrown. */
  notify(notice: Notice): Promise<void>;
  /**
   * Pings the heartbeat URL (`/fail` appended to its path when `ok` is false) for `day`'s
   * morning; with a SharedHeartbeat, a success on a day that already failed is held back.
   */
  heartbeat(ok: boolean, day?: string): Promise<void>;
}

/**
 * One HEARTBEAT_URL pinged by several accounts' mornings in one process (ACCOUNTS_FILE).
 * Once any of them pinged a failure for a day, that day's later success pings are not sent:
 * another account's success would otherwise turn the check green and hide the failure.
 * The next day starts clean. In memory: a restart forgets the day's failure.
 */
export class SharedHeartbeat {
  /** Heartbeat URL -> the last day a failure was pinged to it. */
  readonly #failedOn = new Map<string, string>();

  /** Whether this ping goes out (failures always do; they are remembered for their day). */
  admits(url: string, ok: boolean, day: string | undefined): boolean {
    if (day === undefined) return true;
    if (!ok) {
      this.#failedOn.set(url, day);
      return true;
    }
    return this.#failedOn.get(url) !== day;
  }
}

type Fetch = typeof fetch;
const TIMEOUT_MS = 10_000;

/** `/fail` appended to the URL's path, its query kept: `…/ping/uuid?rid=1` → `…/ping/uuid/fail?rid=1`. */
export function failUrl(heartbeatUrl: string): string {
  const url = new URL(heartbeatUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/fail`;
  return url.toString();
}

/**
 * Webhook (JSON POST of the notice), Telegram (sendMessage) and a healthchecks.io-style
 * heartbeat. The URLs and the bot token are secrets of their own: they are never logged.
 * Redirects are never followed: a 3xx would carry the notice (or the bot token's request)
 * to wherever the Location header points, so it counts as a refusal. `shared`: the day's
 * failures of the other accounts on the same HEARTBEAT_URL (default none: every ping is sent).
 */
export function createNotifier(config: NotifyConfig, logger: Logger, fetchImpl: Fetch = fetch, shared?: SharedHeartbeat): Notifier {
  const send = async (channel: string, url: string, init: RequestInit): Promise<void> => {
    try {
      const response = await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) logger.warn({ channel, status: response.status }, 'notification refused');
      else logger.debug({ channel }, 'notification sent');
    } catch (error) {
      logger.warn({ channel, error: error instanceof Error ? error.name : 'error' }, 'notification failed');
    }
  };
  const json = (body: unknown): RequestInit => ({
    method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': 'kite-autologin' }, body: JSON.stringify(body),
  });

  return {
    async notify(notice) {
      const jobs: Promise<void>[] = [];
      if (config.webhookUrl) jobs.push(send('webhook', config.webhookUrl, json({ source: 'kite-autologin', ...notice })));
      if (config.telegram) {
        const { apiRoot, botToken, chatId } = config.telegram;
        jobs.push(send('telegram', `${apiRoot}/bot${botToken}/sendMessage`, json({ chat_id: chatId, text: `${notice.title}\n${notice.text}`, disable_web_page_preview: true })));
      }
      await Promise.all(jobs);
    },
    async heartbeat(ok, day) {
      if (!config.heartbeatUrl) return;
      if (shared && !shared.admits(config.heartbeatUrl, ok, day)) {
        logger.info({ channel: 'heartbeat', day }, 'success not pinged: another account\'s morning failed today');
        return;
      }
      const url = ok ? config.heartbeatUrl : failUrl(config.heartbeatUrl);
      await send(ok ? 'heartbeat' : 'heartbeat-fail', url, { method: 'GET', headers: { 'User-Agent': 'kite-autologin' } });
    },
  };
}
