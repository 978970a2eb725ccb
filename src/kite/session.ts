import { KiteConnect } from 'kiteconnect';
import {
  describeUnexpected, KiteUnavailableError, SessionError, type AutologinError, type LoginStep,
} from '../errors/index.js';
import { fromSdkLocalDate } from '../time/ist.js';

export interface KiteSessionOptions {
  apiKey: string;
  /** Only the exchange needs it. */
  apiSecret?: string;
  /** KITE_API_ROOT, passed to the SDK's `root`. */
  root: string;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
}

/** What the exchange gives; the access token is a secret. */
export interface SessionData {
  accessToken: string;
  publicToken: string;
  userId: string;
  userName: string;
  userShortname: string;
  email: string;
  apiKey: string;
  /** Kite's login_time placed in IST (the SDK parsed it in local time). */
  loginTime: Date;
}

export interface Profile {
  userId: string;
  userName: string;
  email: string;
}

/** The Kite Connect API as this tool uses it. */
export interface KiteSession {
  exchange(requestToken: string): Promise<SessionData>;
  profile(accessToken: string): Promise<Profile>;
}

/** The only user of the kiteconnect SDK. */
export function createKiteSession(options: KiteSessionOptions): KiteSession {
  const client = (accessToken?: string): InstanceType<typeof KiteConnect> =>
    new KiteConnect({ api_key: options.apiKey, root: options.root, timeout: options.timeoutMs ?? 15_000, ...(accessToken ? { access_token: accessToken } : {}) });

  return {
    async exchange(requestToken) {
      if (!options.apiSecret) throw new SessionError('API_SECRET_REJECTED', 'KITE_API_SECRET is needed for the exchange.', { step: 'exchange' });
      const data = await call(() => client().generateSession(requestToken, options.apiSecret as string), 'exchange');
      const record = asRecord(data);
      const accessToken = stringField(record, 'access_token');
      if (!accessToken) throw new SessionError('KITE_ERROR', 'Kite answered the exchange without an access_token.', { step: 'exchange' });
      const rawLoginTime = record['login_time'];
      return {
        accessToken,
        publicToken: stringField(record, 'public_token'),
        userId: stringField(record, 'user_id'),
        userName: stringField(record, 'user_name'),
        userShortname: stringField(record, 'user_shortname'),
        email: stringField(record, 'email'),
        apiKey: stringField(record, 'api_key') || options.apiKey,
        loginTime: rawLoginTime instanceof Date && !Number.isNaN(rawLoginTime.getTime()) ? fromSdkLocalDate(rawLoginTime) : new Date(),
      };
    },
    async profile(accessToken) {
      const record = asRecord(await call(() => client(accessToken).getProfile(), 'profile'));
      return { userId: stringField(record, 'user_id'), userName: stringField(record, 'user_name'), email: stringField(record, 'email') };
    },
  };
}

/**
 * Runs one SDK call and converts what it rejects (or, for a non-JSON 2xx, *resolves*) with:
 * plain `{ error_type, message }` objects, never Errors, and no HTTP status. Nothing of the
 * rejection is kept as `cause`: it can carry the request, with its token and checksum.
 */
async function call(run: () => Promise<unknown>, step: LoginStep): Promise<unknown> {
  let result: unknown;
  try {
    result = await run();
  } catch (rejection) {
    throw sdkError(rejection, step);
  }
  const record = asRecord(result);
  if (typeof record['error_type'] === 'string' && record['access_token'] === undefined && record['user_id'] === undefined) {
    throw sdkError(result, step);
  }
  return result;
}

/** Maps an SDK rejection to our error; exported for tests. */
export function sdkError(rejection: unknown, step: LoginStep): AutologinError {
  const record = asRecord(rejection);
  const type = typeof record['error_type'] === 'string' ? record['error_type'] : undefined;
  const message = typeof record['message'] === 'string' ? record['message'].slice(0, 160) : 'no message';
  switch (type) {
    case 'TokenException':
      if (/checksum/i.test(message)) {
        return new SessionError('API_SECRET_REJECTED', `Kite rejected the checksum: KITE_API_SECRET does not belong to KITE_API_KEY ("${message}").`, { step });
      }
      if (step === 'exchange') {
        if (/api_key/i.test(message)) return new SessionError('API_KEY_REJECTED', `Kite rejected KITE_API_KEY ("${message}").`, { step });
        return new SessionError('REQUEST_TOKEN_EXPIRED', `Kite refused the request_token ("${message}"): it is single use and lives about 5 minutes.`, { step });
      }
      return new SessionError('TOKEN_REJECTED', `Kite rejected the access token ("${message}").`, { step });
    case 'InputException':
      if (/api_key/i.test(message)) return new SessionError('API_KEY_REJECTED', `Kite rejected KITE_API_KEY ("${message}").`, { step });
      return new SessionError('KITE_ERROR', `Kite rejected the ${step} request ("${message}").`, { step });
    case 'NetworkException':
    case 'GeneralException':
      return new KiteUnavailableError(`Kite API unavailable during ${step}: ${message}.`, { step });
    case 'DataException':
      return new KiteUnavailableError(`Kite API answered ${step} with something other than JSON (a proxy or maintenance page?).`, { step });
    case undefined:
      return new KiteUnavailableError(`Kite API call failed during ${step}: ${rejection instanceof Error ? describeUnexpected(rejection) : 'unknown error'}.`, { step });
    default:
      return new SessionError('KITE_ERROR', `Kite answered ${step} with ${type}: "${message}".`, { step });
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}
