import type { Api } from './api.ts';
import { dayStartMs, lastDays, stackByModel, type StackedDaily } from './daily.ts';
import type { UsageRow } from './types.ts';

const DAY_MS = 86_400_000;

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Daily spend by model over the last `dayCount` UTC days, for one user or everyone.
 * The API groups by day or by model, not both, so this asks for the days first and then, for each
 * day that had requests, that day's split by model: one request per active day, read from the
 * hourly rollups, six at a time.
 */
export async function dailyByModel(api: Api, dayCount: number, userId?: string, nowMs = Date.now()): Promise<StackedDaily> {
  const range = lastDays(dayCount, nowMs);
  const scope = userId === undefined ? {} : { userId };
  const daily = await api.usage({ groupBy: 'day', from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), ...scope });
  const active = daily.rows.filter((r) => r.requests > 0 && range.days.includes(r.group)).map((r) => r.group);
  const perDay = new Map<string, UsageRow[]>();
  await mapLimit(active, 6, async (day) => {
    const from = dayStartMs(day);
    const to = Math.min(from + DAY_MS, nowMs);
    if (to <= from) return;
    const report = await api.usage({ groupBy: 'model', from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...scope });
    perDay.set(day, report.rows);
  });
  return stackByModel(range.days, perDay);
}
