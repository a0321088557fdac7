import type { Quota, QuotaPeriod, User } from './store/types.ts';

/**
 * Quota arithmetic: pure functions over plain data. Periods are calendar periods in UTC:
 * a day starts at 00:00, a week on Monday 00:00, a month on the 1st 00:00; 'lifetime' never rolls.
 */

const DAY_MS = 86_400_000;

/** Start (epoch ms) of the period that contains `at`. */
export function periodStart(period: QuotaPeriod, at: number): number {
  const d = new Date(at);
  switch (period) {
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'week': {
      const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const sinceMonday = (d.getUTCDay() + 6) % 7; // Sunday is 0 in JS
      return dayStart - sinceMonday * DAY_MS;
    }
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'lifetime':
      return 0;
  }
}

/** End (exclusive, epoch ms) of the period that contains `at`; null for lifetime. */
export function periodEnd(period: QuotaPeriod, at: number): number | null {
  const start = periodStart(period, at);
  const d = new Date(start);
  switch (period) {
    case 'day':
      return start + DAY_MS;
    case 'week':
      return start + 7 * DAY_MS;
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    case 'lifetime':
      return null;
  }
}

/** The user's spend in the period containing `now`: a stored spend from an older period counts as 0. */
export function currentSpend(user: Pick<User, 'spendNano' | 'periodStart' | 'quota'>, now: number): number {
  return user.periodStart >= periodStart(user.quota.period, now) ? user.spendNano : 0;
}

export function isOverLimit(quota: Quota, spendNano: number): boolean {
  return quota.limitNano !== null && spendNano >= quota.limitNano;
}

export type Admission = { ok: true } | { ok: false; reason: 'insufficient_quota' };

/**
 * Whether a request may go upstream now. A user marked exhausted is refused only while the
 * period in which they were exhausted lasts; the first request of a new period is admitted and
 * its charge restarts the spend.
 */
export function admit(user: User, now: number): Admission {
  if (!user.quota.enforce || user.quota.limitNano === null) return { ok: true };
  const spend = currentSpend(user, now);
  if (spend >= user.quota.limitNano) return { ok: false, reason: 'insufficient_quota' };
  return { ok: true };
}

/** Remaining budget in the current period, never negative; null when there is no limit. */
export function remaining(user: User, now: number): number | null {
  if (user.quota.limitNano === null) return null;
  return Math.max(0, user.quota.limitNano - currentSpend(user, now));
}
