import type { FastifyRequest } from 'fastify';
import { invalidApiKey, TollgateError } from '../errors.ts';
import { bearerToken, hashApiKey } from '../keys.ts';
import type { ApiKeyRecord, Store, User } from '../store/types.ts';

export interface Caller {
  key: ApiKeyRecord;
  user: User;
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves the caller from their Tollgate key. One indexed read per request; `lastUsedAt` is
 * written at most once a minute per key so the hot path does not write.
 */
export function createAuthenticator(store: Store, now: () => number) {
  const lastTouched = new Map<string, number>();
  return async function authenticate(request: FastifyRequest): Promise<Caller> {
    const secret = bearerToken(request.headers.authorization);
    if (!secret) {
      throw invalidApiKey(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    const found = await store.findKeyByHash(hashApiKey(secret));
    if (!found || found.key.revokedAt !== null) {
      throw invalidApiKey(`Incorrect API key provided: ${redactKey(secret)}.`);
    }
    if (found.user.disabled) {
      throw new TollgateError('TG_USER_DISABLED', 'This account has been disabled. Contact your administrator.');
    }
    const t = now();
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
