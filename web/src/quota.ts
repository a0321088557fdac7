import type { UserView } from './types.ts';

/**
 * Quota utilisation levels and the users table's sorting and search: pure, so they are tested
 * without a browser (test/web/quota.test.ts).
 */

/** Thresholds of the utilisation bar, in percent of the limit (documented in docs/admin-page.md). */
export const WARN_AT = 70;
export const CRITICAL_AT = 90;

/**
 * ok (green) below 70 %, warn (orange) from 70 % to below 90 %, critical (red) from 90 % or once the
 * user is exhausted; off when the quota is not enforced; none without a limit.
 */
export type Level = 'ok' | 'warn' | 'critical' | 'off' | 'none';

export function utilizationLevel(user: Pick<UserView, 'quota' | 'utilization' | 'exhausted'>): Level {
  if (!user.quota.enforce) return 'off';
  if (user.utilization === null) return 'none';
  if (user.exhausted || user.utilization >= CRITICAL_AT) return 'critical';
  if (user.utilization >= WARN_AT) return 'warn';
  return 'ok';
}

export const LEVEL_LABEL: Record<Level, string> = {
  ok: 'below 70%',
  warn: 'nearing the limit',
  critical: 'at or near the limit',
  off: 'enforcement off',
  none: 'no limit',
};

export type SortKey = 'name' | 'limit' | 'spend' | 'utilization';
export type SortDir = 'asc' | 'desc';

/** Enforced limits first (by percent), then limits that are not enforced, then no limit. */
function utilizationRank(u: UserView): [number, number] {
  if (u.utilization === null) return [0, 0];
  return [u.quota.enforce ? 2 : 1, u.utilization];
}

function compare(a: UserView, b: UserView, key: SortKey): number {
  switch (key) {
    case 'name':
      return a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true });
    case 'limit': {
      // No limit is the largest limit.
      const la = a.quota.limitNano ?? Number.POSITIVE_INFINITY;
      const lb = b.quota.limitNano ?? Number.POSITIVE_INFINITY;
      return la === lb ? 0 : la < lb ? -1 : 1;
    }
    case 'spend':
      return a.spendNano - b.spendNano;
    case 'utilization': {
      const [ra, pa] = utilizationRank(a);
      const [rb, pb] = utilizationRank(b);
      return ra - rb || pa - pb;
    }
  }
}

export function sortUsers(users: readonly UserView[], key: SortKey, dir: SortDir): UserView[] {
  const sign = dir === 'asc' ? 1 : -1;
  // Ties fall back to the name, ascending, so the order never jumps between renders.
  return [...users].sort((a, b) => sign * compare(a, b, key) || compare(a, b, 'name') || a.id.localeCompare(b.id));
}

/** Case-insensitive match on the name or the id; every word of the query must match. */
export function searchUsers(users: readonly UserView[], query: string): UserView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...users];
  return users.filter((u) => {
    const hay = `${u.name} ${u.id}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The direction a column starts in when first clicked: numbers largest first, names A to Z. */
export function defaultDir(key: SortKey): SortDir {
  return key === 'name' ? 'asc' : 'desc';
}
