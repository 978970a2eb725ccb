import type { NotifyConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Notice } from './notice.js';

export interface Notifier {
  /** Sends to every configured channel; a channel that fails is logged, never thrown. */
  notify(notice: Notice): Promise<void>;
  /** Pings the heartbeat URL (`/fail` appended to its path when `ok` is false). */
  heartbeat(ok: boolean): Promise<void>;
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
 * to wherever the Location header points, so it counts as a refusal.
 */
export function createNotifier(config: NotifyConfig, logger: Logger, fetchImpl: Fetch = fetch): Notifier {
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
    async heartbeat(ok) {
      if (!config.heartbeatUrl) return;
      const url = ok ? config.heartbeatUrl : failUrl(config.heartbeatUrl);
      await send(ok ? 'heartbeat' : 'heartbeat-fail', url, { method: 'GET', headers: { 'User-Agent': 'kite-autologin' } });
    },
  };
}
