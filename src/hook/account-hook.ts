import type { LoginConfig } from '../config/index.js';
import type { HookRun } from '../state/autologin-state.js';
import { runTokenHook, type TokenHookDeps } from './run-token-hook.js';

/** Runs ON_TOKEN_COMMAND for the account's new token (valid until `expiresAt`); never throws. */
export type AfterNewToken = (expiresAt: string | undefined, signal?: AbortSignal) => Promise<HookRun>;

/**
 * One account's ON_TOKEN_COMMAND, as the commands call it when a login ends with a new token
 * (never for a token kept, never for a dry run); undefined when none is configured.
 * `name`: the account's name in ACCOUNTS_FILE ('' when none); `title`: how alerts name it.
 */
export function accountHook(config: LoginConfig, account: { name: string; title: string }, deps: Omit<TokenHookDeps, 'title' | 'secrets'>): AfterNewToken | undefined {
  const hook = config.hook;
  if (hook === undefined) return undefined;
  const { password, apiSecret, totpSecret } = config.credentials;
  return (expiresAt, signal) => runTokenHook(hook, {
    tokenFile: config.tokenFile, userId: config.credentials.userId, accountName: account.name, expiresAt: expiresAt ?? '',
  }, { ...deps, title: account.title, secrets: [password, apiSecret, totpSecret] }, signal);
}
