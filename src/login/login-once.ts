import type { LoginConfig } from '../config/index.js';
import { isAutologinError, KiteUnavailableError, SessionError, StateError } from '../errors/index.js';
import { captureRequestToken, type LaunchBrowser } from '../kite/capture-request-token.js';
import { buildLoginUrl } from '../kite/redirect.js';
import type { KiteSession, KiteSessionOptions } from '../kite/session.js';
import type { FlowEvent, SubmissionGate } from '../kite/walk-login-pages.js';
import type { Logger } from '../logger.js';
import { sleep } from '../time/sleep.js';
import { buildSavedToken, TokenStore, type SavedToken, type TokenRead } from '../token-store.js';
import { keepNewToken, saveToken } from './keep-token.js';
import { verifySavedToken } from './verify-saved-token.js';

export interface LoginRequest {
  /** Log in even when today's token is still valid. */
  force?: boolean;
  /** Stop once the request_token is captured: no exchange, nothing written. */
  dryRun?: boolean;
  /** Show the browser window. */
  headed?: boolean;
  /** The caller has just checked today's saved token (see keepSavedToken): do not ask again. */
  tokenChecked?: boolean;
}

/** A phase finished. Steps of the browser flow plus the ones around it. */
export type LoginPhase = FlowEvent['step'] | 'token-check' | 'browser-launch' | 'browser-closed' | 'dry-run-stop' | 'redis-copy';
export interface PhaseEvent { phase: LoginPhase; detail?: Record<string, string | number | boolean> | undefined }

export interface LoginDeps {
  logger: Logger;
  /** Default: the real clock. */
  now?: () => Date;
  /** Waits (the TOTP window guard). Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  /** Each finished phase, for a person watching (or the benchmark). */
  onPhase?: (event: PhaseEvent) => void;
  launch?: LaunchBrowser;
  session?: (options: KiteSessionOptions) => KiteSession;
  /** Records each secret before it is sent, and Kite's answer (the attempt ledger). */
  gate: SubmissionGate;
  /** Throws unless the account's lock is still ours; checked right before the exchange. */
  assertLockHeld?: () => void;
  /** Asks the lock's keeper (a database) whether the hold is still ours, right before the exchange; throws if not. */
  confirmLockHeld?: () => Promise<void>;
  /** The token the account's record keeps (PostgreSQL: another host's login included), for the "keep today's token" check; throws when it cannot be read. */
  keptToken?: () => Promise<TokenRead>;
  /** Keeps a new token in the account's record (before the token file is written); throws when it cannot. */
  recordToken?: (token: SavedToken) => Promise<void>;
  /** Kite's clock minus ours, as measured during the login. */
  onKiteClock?: (offsetMs: number) => void;
  /** A wait the flow chose (the next TOTP window): the attempt's deadline moves by it. */
  onWait?: ((ms: number) => void) | undefined;
}

/** How the token's announcement (Redis) went, when one is configured. */
export interface CopyReport { landed: boolean; attempts: number; message?: string }

export type LoginOutcome =
  | { kind: 'still-valid'; token: SavedToken; copy?: CopyReport }
  | { kind: 'dry-run'; requestTokenLength: number }
  | { kind: 'logged-in'; token: SavedToken; profileChecked: boolean; copy?: CopyReport };

/**
 * One login, start to end, with no lock or ledger of its own (loginUnderLedger adds them):
 * today's token is kept when Kite still accepts it (a new session would log out every
 * program using it) unless `force`; else the browser captures a request_token, which is
 * exchanged, checked and saved. The browser is closed on every path.
 */
export async function loginOnce(config: LoginConfig, request: LoginRequest, deps: LoginDeps): Promise<LoginOutcome> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const phase = (event: PhaseEvent): void => {
    log.info({ step: event.phase, ...event.detail }, `step done: ${event.phase}`);
    deps.onPhase?.(event);
  };
  const creds = config.credentials;
  log.info({ force: request.force ?? false, dryRun: request.dryRun ?? false }, 'login started');
  const store = new TokenStore(config.tokenFile);
  const { sessionFor, loadSession } = sessions(config, deps);

  if (!request.force && !request.dryRun && !request.tokenChecked) {
    const kept = await keepSavedToken(config, deps);
    if (kept) return kept;
  }

  if (!deps.session) loadSession().catch(() => undefined); // a failure to load shows at the exchange
  const captured = await captureRequestToken({
    chromiumPath: config.chromiumPath,
    sandbox: config.chromiumSandbox,
    headed: request.headed ?? false,
    timeoutMs: config.stepTimeoutMs,
  }, {
    loginUrl: buildLoginUrl(config.loginUrl, creds.apiKey),
    redirectUrl: creds.redirectUrl,
    userId: creds.userId,
    password: creds.password,
    totpSecret: creds.totpSecret,
    stepTimeoutMs: config.stepTimeoutMs,
    diagnosticsDir: config.diagnosticsDir,
  }, {
    launch: deps.launch,
    onLaunched: () => phase({ phase: 'browser-launch' }),
    onClosed: () => phase({ phase: 'browser-closed' }),
    now: () => now().getTime(),
    sleep: deps.sleep ?? sleep,
    signal: deps.signal,
    logger: log,
    gate: deps.gate,
    onWait: deps.onWait,
    onStep: (event) => {
      if (event.step === 'kite-clock') deps.onKiteClock?.(Number(event.detail?.['offsetMs'] ?? 0));
      phase({ phase: event.step, detail: event.detail });
    },
  });
  // The browser is not needed once the request_token is read: it is closing already, while
  // the token is exchanged, so its memory is given back before kiteconnect loads.
  const { requestToken } = captured;
  try {
    if (request.dryRun) {
      phase({ phase: 'dry-run-stop', detail: { requestTokenLength: requestToken.length } });
      return { kind: 'dry-run', requestTokenLength: requestToken.length };
    }

    // A process that lost its lock (paused past its staleness) must not end the session
    // another process may be creating now: the session is made first (kiteconnect may still be
    // loading), then the lock confirmed (Redis: a round trip), then asserted with nothing
    // awaited between that and the exchange.
    const session = await sessionFor(creds.apiKey);
    await deps.confirmLockHeld?.();
    deps.assertLockHeld?.();
    const data = await session.exchange(requestToken);
    phase({ phase: 'exchange', detail: { userId: data.userId } });
    if (data.userId.toUpperCase() !== creds.userId.toUpperCase()) {
      throw new SessionError('TOKEN_USER_MISMATCH', `Kite issued a session for ${data.userId}, not KITE_USER_ID ${creds.userId}; not saved.`, { step: 'exchange' });
    }

    let profileChecked = true;
    try {
      const profile = await session.profile(data.accessToken);
      if (profile.userId.toUpperCase() !== creds.userId.toUpperCase()) {
        throw new SessionError('TOKEN_USER_MISMATCH', `The new token belongs to ${profile.userId}, not KITE_USER_ID ${creds.userId}; not saved.`, { step: 'profile' });
      }
      phase({ phase: 'profile' });
    } catch (error) {
      // The exchange already ended the previous session: a token Kite just issued beats none.
      if (!(error instanceof KiteUnavailableError)) throw error;
      profileChecked = false;
      log.warn({ step: 'profile', err: error.toJSON() }, 'profile check failed; saving the new token anyway (the old one is dead)');
    }

    const token = buildSavedToken(data, now());
    await keepNewToken(token, store, config.tokenFile, deps.recordToken);
    phase({ phase: 'save', detail: { tokenFile: config.tokenFile, expiresAt: token.expires_at } });
    return { kind: 'logged-in', token, profileChecked };
  } finally {
    await captured.closed;
  }
}

/**
 * kiteconnect (axios and all) is loaded on first need, or, once a browser login begins, while
 * Chromium starts (another process: the two overlap), so the exchange does not wait for it.
 */
function sessions(config: LoginConfig, deps: Pick<LoginDeps, 'session'>): { sessionFor: (apiKey: string) => Promise<KiteSession>; loadSession: () => Promise<typeof import('../kite/session.js')> } {
  let sessionModule: Promise<typeof import('../kite/session.js')> | undefined;
  const loadSession = (): Promise<typeof import('../kite/session.js')> => (sessionModule ??= import('../kite/session.js'));
  const sessionFor = async (apiKey: string): Promise<KiteSession> => {
    const make = deps.session ?? (await loadSession()).createKiteSession;
    return make({ apiKey, apiSecret: config.credentials.apiSecret, root: config.apiRoot });
  };
  return { sessionFor, loadSession };
}

/**
 * Today's saved token, when Kite still accepts it: then it is the answer (a new session would
 * log out every program using it), whatever the attempt ledger says, since nothing is sent.
 * Undefined: no valid token, a login is needed.
 */
export async function keepSavedToken(config: LoginConfig, deps: Pick<LoginDeps, 'logger' | 'now' | 'onPhase' | 'session' | 'keptToken' | 'recordToken'>): Promise<Extract<LoginOutcome, { kind: 'still-valid' }> | undefined> {
  const now = deps.now ?? (() => new Date());
  const creds = config.credentials;
  const store = new TokenStore(config.tokenFile);
  const kept = deps.keptToken;
  let recorded: SavedToken | undefined;
  const inRecord = kept ? async (): Promise<SavedToken | undefined> => {
    const read = await kept();
    if (read.state === 'ok') recorded = read.token;
    // Not knowing is not "none": another host may have logged in this morning, and a new session would end its one.
    if (read.state === 'unreadable') throw new StateError('the account\'s record', `its token cannot be read (${read.reason}); nothing was sent to Kite. Another host may hold today's session, so no new login is started until the record answers.`);
    return read.state === 'ok' ? read.token : undefined;
  } : undefined;
  const verdict = await verifySavedToken(store, { apiKey: creds.apiKey, userId: creds.userId }, sessions(config, deps).sessionFor, now(), inRecord);
  const event: PhaseEvent = { phase: 'token-check', detail: { valid: verdict.valid, ...(verdict.valid ? { from: verdict.from } : { reason: verdict.reason }) } };
  deps.logger.info({ step: event.phase, ...event.detail }, `step done: ${event.phase}`);
  deps.onPhase?.(event);
  if (!verdict.valid) return undefined;
  // Another host's login: its token goes in this host's file too, for the programs here.
  if (verdict.from === 'record') await saveToken(store, verdict.token, config.tokenFile);
  // This host's token, valid, that the record does not hold (it failed to keep it, or the record is new): every host should see it.
  if (verdict.from === 'file' && kept && deps.recordToken && recorded?.access_token !== verdict.token.access_token) {
    await deps.recordToken(verdict.token).catch((error: unknown) => {
      deps.logger.warn({ step: 'save', code: isAutologinError(error) ? error.code : undefined }, 'the valid token in TOKEN_FILE could not be kept in the account\'s record; other hosts do not see it');
    });
  }
  return { kind: 'still-valid', token: verdict.token };
}
