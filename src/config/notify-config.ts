import type { RawConfig } from './read.js';
import { isHttpUrl, Variables, type Outcome } from './variables.js';

export interface NotifyConfig {
  /** WEBHOOK_URL: receives a JSON POST on failure (and success, if asked). Default none. */
  webhookUrl: string | undefined;
  /** TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, both or neither; TELEGRAM_API_ROOT default `https://api.telegram.org`. */
  telegram: { botToken: string; chatId: string; apiRoot: string } | undefined;
  /** HEARTBEAT_URL: pinged after each good morning, `/fail` appended on a bad one. Default none. */
  heartbeatUrl: string | undefined;
  /** NOTIFY_ON_SUCCESS: also notify when the morning went well. Default false. */
  onSuccess: boolean;
}

const TELEGRAM_API_ROOT = 'https://api.telegram.org';

/** Every problem of the notification settings at once, in the order of the variables, never a value. */
export function validateNotify(raw: RawConfig): Outcome<NotifyConfig> {
  const vars = new Variables(raw);
  const url = (name: string, example: string) => vars.checked(name, undefined, isHttpUrl, `must be an http(s) URL, e.g. ${example}`);
  const webhookUrl = url('WEBHOOK_URL', 'https://hooks.example.com/kite');
  const botToken = vars.text('TELEGRAM_BOT_TOKEN');
  const chatId = vars.text('TELEGRAM_CHAT_ID');
  const apiRoot = url('TELEGRAM_API_ROOT', TELEGRAM_API_ROOT) ?? TELEGRAM_API_ROOT;
  const heartbeatUrl = url('HEARTBEAT_URL', 'https://hc-ping.com/your-uuid');
  const onSuccess = vars.oneOf('NOTIFY_ON_SUCCESS', ['true', 'false', '1', '0', 'yes', 'no'], 'false', 'must be true or false');
  if (Boolean(botToken) !== Boolean(chatId)) {
    vars.problem(botToken ? 'TELEGRAM_CHAT_ID' : 'TELEGRAM_BOT_TOKEN', 'Telegram needs both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID');
  }
  return vars.outcome({
    webhookUrl,
    telegram: botToken && chatId ? { botToken, chatId, apiRoot: apiRoot.replace(/\/+$/, '') } : undefined,
    heartbeatUrl,
    onSuccess: ['true', '1', 'yes'].includes(onSuccess),
  });
}
