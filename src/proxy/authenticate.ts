import type { FastifyRequest } from 'fastify';
import { invalidApiKey, TollgateError } from '../errors.ts';
import { bearerToken, hashApiKey } from '../keys.ts';
import type { ApiKeyRecord, Store, User } from '../store/types.ts';

export interface Caller {
  key: ApiKeyRecord;
  user: User;
}

export interface AuthOptions {
  /** 'closed': a store failure refuses with 503. 'open': a key seen recently is admitted on its last known state. */
  failureMode?: 'closed' | 'open';
  /** Failed authentications allowed per client address per minute before 429. */
  maxFailuresPerMinute?: number;
}

const TOUCH_INTERVAL_MS = 60_000;
const FAIL_OPEN_MEMORY_MS = 10 * 60_000;
const FAILURE_WINDOW_MS = 60_000;

/**
 * Resolves the caller from their Tollgate key. One indexed read per request; `lastUsedAt` is
 * written at most once a minute per key so the hot path does not write. Failed attempts are
 * counted per client address so keys cannot be guessed at speed.
 */
export function createAuthenticator(store: Store, now: () => number, opts: AuthOptions = {}) {
  const lastTouched = new Map<string, number>();
  const recent = new Map<string, { caller: Caller; at: number }>();
  const failures = new Map<string, { count: number; windowStart: number }>();
  const failureMode = opts.failureMode ?? 'closed';
  const maxFailures = opts.maxFailuresPerMinute ?? 30;

  function throttle(ip: string, t: number): void {
    const f = failures.get(ip);
    if (f && t - f.windowStart < FAILURE_WINDOW_MS && f.count >= maxFailures) {
      const retryAfter = Math.ceil((f.windowStart + FAILURE_WINDOW_MS - t) / 1000);
      throw new TollgateError('TG_TOO_MANY_AUTH_FAILURES', 'Too many failed authentication attempts; try again later.', {
        headers: { 'retry-after': String(retryAfter) },
      });
    }
  }

  function fail(ip: string, t: number, err: TollgateError): never {
    const f = failures.get(ip);
    if (!f || t - f.windowStart >= FAILURE_WINDOW_MS) {
      if (failures.size > 100_000) failures.clear(); // bounded memory under a spray of addresses
      failures.set(ip, { count: 1, windowStart: t });
    } else {
      f.count++;
    }
    throw err;
  }

  return async function authenticate(request: FastifyRequest): Promise<Caller> {
    const t = now();
    const ip = request.ip;
    throttle(ip, t);
    const secret = bearerToken(request.headers.authorization);
    if (!secret) {
      fail(
        ip,
        t,
        invalidApiKey(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        ),
      );
    }
    const hash = hashApiKey(secret);
    let found: Caller | null;
    try {
      found = await store.findKeyByHash(hash);
    } catch (err) {
      const remembered = recent.get(hash);
      if (failureMode === 'open' && remembered && t - remembered.at < FAIL_OPEN_MEMORY_MS) {
        request.log.warn({ err }, 'store unavailable: admitting a recently seen key (fail-open)');
        return remembered.caller;
      }
      throw new TollgateError('TG_STORE_UNAVAILABLE', 'Tollgate cannot reach its database right now; please retry shortly.', {
        cause: err,
        headers: { 'retry-after': '1' },
      });
    }
    if (!found || found.key.revokedAt !== null) {
      fail(ip, t, invalidApiKey(`Incorrect API key provided: ${redactKey(secret)}.`));
    }
    if (found.user.disabled) {
      throw new TollgateError('TG_USER_DISABLED', 'This account has been disabled. Contact your administrator.');
    }
    if (failureMode === 'open') recent.set(hash, { caller: found, at: t });
    const last = lastTouched.get(found.key.id) ?? 0;
    if (t - last >= TOUCH_INTERVAL_MS) {
      lastTouched.set(found.key.id, t);
      store.touchKey(found.key.id, t).catch((err: unknown) => request.log.warn({ err }, 'could not record key use'));
    }
    return found;
  };
}

/** Shows a key as OpenAI does in its error message: the start and the last four characters. */
export function redactKey(secret: string): string {
  if (secret.length <= 12) return '****';
  return `${secret.slice(0, 6)}${'*'.repeat(Math.min(20, secret.length - 10))}${secret.slice(-4)}`;
}
