import { z } from 'zod';
import type { RawConfig } from './read.js';
import { toProblems } from './schema-helpers.js';
import { blankToUndefined, isHttpUrl, type Outcome } from './variables.js';

export interface NotifyConfig {
  /** WEBHOOK_URL: receives a JSON POST on failure (and success, if asked). */
  webhookUrl: string | undefined;
  /** TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, both or neither. */
  telegram: { botToken: string; chatId: string; apiRoot: string } | undefined;
  /** HEARTBEAT_URL: pinged after each good morning, `/fail` appended on a bad one. */
  heartbeatUrl: string | undefined;
  /** NOTIFY_ON_SUCCESS: also notify when the morning went well. Default false. */
  onSuccess: boolean;
}

const url = (example: string) => z.string().trim().optional().refine((v) => v === undefined || isHttpUrl(v), { error: `must be an http(s) URL, e.g. ${example}` });

const schema = z.object({
  WEBHOOK_URL: url('https://hooks.example.com/kite'),
  TELEGRAM_BOT_TOKEN: z.string().trim().optional(),
  TELEGRAM_CHAT_ID: z.string().trim().optional(),
  TELEGRAM_API_ROOT: url('https://api.telegram.org').default('https://api.telegram.org'),
  HEARTBEAT_URL: url('https://hc-ping.com/your-uuid'),
  NOTIFY_ON_SUCCESS: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).default('false'),
}).superRefine((v, ctx) => {
  if (Boolean(v.TELEGRAM_BOT_TOKEN) !== Boolean(v.TELEGRAM_CHAT_ID)) {
    const missing = v.TELEGRAM_BOT_TOKEN ? 'TELEGRAM_CHAT_ID' : 'TELEGRAM_BOT_TOKEN';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'Telegram needs both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID' });
  }
});

export function validateNotify(raw: RawConfig): Outcome<NotifyConfig> {
  const result = schema.safeParse(blankToUndefined(raw));
  if (!result.success) return { ok: false, problems: toProblems(result.error, 'notify') };
  const v = result.data;
  return {
    ok: true,
    value: {
      webhookUrl: v.WEBHOOK_URL,
      telegram: v.TELEGRAM_BOT_TOKEN && v.TELEGRAM_CHAT_ID
        ? { botToken: v.TELEGRAM_BOT_TOKEN, chatId: v.TELEGRAM_CHAT_ID, apiRoot: v.TELEGRAM_API_ROOT.replace(/\/+$/, '') }
        : undefined,
      heartbeatUrl: v.HEARTBEAT_URL,
      onSuccess: ['true', '1', 'yes'].includes(v.NOTIFY_ON_SUCCESS),
    },
  };
}
