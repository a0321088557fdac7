import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * API keys: 32 random bytes, base64url, prefixed "tg-". Only the SHA-256 of a key is stored; a
 * fast hash is right here (unlike passwords) because the secret has 256 bits of entropy, and it
 * keeps the per-request lookup to one indexed read.
 */

export const KEY_PREFIX = 'tg-';

export function generateApiKey(): { secret: string; hash: string; prefix: string } {
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 10) };
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Reads the caller's key from `Authorization: Bearer ...` (what OpenAI SDKs send). */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Constant-time comparison of a presented token against each configured token. */
export function matchesAnyToken(presented: string, tokens: readonly string[]): boolean {
  const a = createHash('sha256').update(presented).digest();
  let found = false;
  for (const token of tokens) {
    // Comparing digests keeps lengths equal, so timingSafeEqual never throws and leaks no length.
    const b = createHash('sha256').update(token).digest();
    if (timingSafeEqual(a, b)) found = true;
  }
  return found;
}

export function newId(kind: 'usr' | 'key' | 'req'): string {
  return `${kind}_${randomUUID().replaceAll('-', '')}`;
}
