import { formatUsd } from '../money.ts';
import { currentSpend, isOverLimit, periodEnd, periodStart, remaining } from '../quota.ts';
import type { ApiKeyRecord, ReportGroup, ReportRow, UsageEvent, User } from '../store/types.ts';
import type { EventView, KeyView, MeView, UsageRow, UsageTotals, UserView } from './schemas.ts';

/** Pure mapping from store records to the API's views (money as decimal strings and nano, times as ISO). */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const usdOrNull = (nano: number | null) => (nano === null ? null : formatUsd(nano));

/** Spend as a percentage of the limit with one decimal; 100 for a zero limit; null without a limit. */
export function utilization(spendNano: number, limitNano: number | null): number | null {
  if (limitNano === null) return null;
  if (limitNano === 0) return 100;
  return Math.round((spendNano / limitNano) * 1000) / 10;
}

export function toUserView(user: User, now: number): UserView {
  const { quota } = user;
  const spend = currentSpend(user, now);
  const left = remaining(user, now);
  const start = quota.period === 'lifetime' ? user.createdAt : periodStart(quota.period, now);
  return {
    id: user.id,
    name: user.name,
    disabled: user.disabled,
    quota: { limitUsd: usdOrNull(quota.limitNano), limitNano: quota.limitNano, period: quota.period, enforce: quota.enforce },
    spendUsd: formatUsd(spend),
    spendNano: spend,
    remainingUsd: usdOrNull(left),
    remainingNano: left,
    utilization: utilization(spend, quota.limitNano),
    exhausted: isOverLimit(quota, spend),
    periodStart: iso(start),
    periodEnd: isoOrNull(periodEnd(quota.period, now)),
    createdAt: iso(user.createdAt),
  };
}

export function toMeView(user: User, now: number): MeView {
  const view = toUserView(user, now);
  return {
    user: user.name,
    period: user.quota.period,
    limitUsd: view.quota.limitUsd,
    spendUsd: view.spendUsd,
    remainingUsd: view.remainingUsd,
    periodEnd: view.periodEnd,
    utilization: view.utilization,
    enforce: user.quota.enforce,
  };
}

export function toKeyView(key: ApiKeyRecord): KeyView {
  return {
    id: key.id,
    userId: key.userId,
    prefix: key.prefix,
    label: key.label,
    createdAt: iso(key.createdAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

type Counts = Omit<ReportRow, 'group'>;

function withMoney(c: Counts): UsageTotals {
  return {
    requests: c.requests,
    inputTokens: c.inputTokens,
    cachedTokens: c.cachedTokens,
    uncachedTokens: Math.max(0, c.inputTokens - c.cachedTokens - c.cacheWriteTokens),
    cacheWriteTokens: c.cacheWriteTokens,
    outputTokens: c.outputTokens,
    reasoningTokens: c.reasoningTokens,
    costUsd: formatUsd(c.costNano),
    costNano: c.costNano,
    savedUsd: formatUsd(c.savedNano),
    savedNano: c.savedNano,
  };
}

export function toEventView(e: UsageEvent): EventView {
  return {
    requestId: e.requestId,
    userId: e.userId,
    keyId: e.keyId,
    endpoint: e.endpoint,
    requestedModel: e.requestedModel,
    servedModel: e.servedModel,
    pricedModel: e.pricedModel,
    stream: e.stream,
    ...withMoney({ ...e, requests: 1 }),
    status: e.status,
    estimated: e.estimated,
    flags: [...e.flags],
    latencyMs: e.latencyMs,
    upstreamRequestId: e.upstreamRequestId,
    createdAt: iso(e.createdAt),
  };
}

/** Report rows in display order with their totals; totals are summed from the rows, in integers. */
export function toReport(rows: ReportRow[], groupBy: ReportGroup): { rows: UsageRow[]; totals: UsageTotals } {
  const sorted = [...rows].sort(
    groupBy === 'day'
      ? (a, b) => a.group.localeCompare(b.group)
      : (a, b) => b.costNano - a.costNano || a.group.localeCompare(b.group),
  );
  const sum: Counts = { requests: 0, inputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNano: 0, savedNano: 0 };
  for (const r of sorted) {
    for (const k of Object.keys(sum) as (keyof Counts)[]) sum[k] += r[k];
  }
  return { rows: sorted.map((r) => ({ group: r.group, ...withMoney(r) })), totals: withMoney(sum) };
}
