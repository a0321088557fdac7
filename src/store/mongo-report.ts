import type { Collection, Filter } from 'mongodb';
import { fromInt64, HOUR_MS, ROLLUP_COUNTERS, type HourlyDoc } from './mongo-docs.ts';
import type { ReportQuery, ReportRow } from './types.ts';

const ZERO_ROW: Omit<ReportRow, 'group'> = {
  requests: 0,
  inputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  costNano: 0,
  savedNano: 0,
};

/**
 * Sums the hourly rollups; the day is the stored dayStart (FerretDB v1 has no date operators).
 * One $group per counter, run in parallel: FerretDB v1 computes only the first accumulator of a
 * $group (the others come back 0). Rollups are compact, so the extra passes cost little; a charge
 * landing between them can show in one counter before another, as with any read during writes.
 */
export async function usageReport(hourly: Collection<HourlyDoc>, query: ReportQuery): Promise<ReportRow[]> {
  const from = Math.floor(query.from / HOUR_MS) * HOUR_MS;
  const to = Math.ceil(query.to / HOUR_MS) * HOUR_MS;
  const field = { user: '$userId', model: '$pricedModel', key: '$keyId', day: '$dayStart' }[query.groupBy];
  const $match: Filter<HourlyDoc> = { hourStart: { $gte: from, $lt: to } };
  if (query.userId !== undefined) $match.userId = query.userId;
  const sums = await Promise.all(
    ROLLUP_COUNTERS.map((k) =>
      hourly.aggregate<{ _id: unknown; v: unknown }>([{ $match }, { $group: { _id: field, v: { $sum: `$${k}` } } }]).toArray(),
    ),
  );
  const rows = new Map<string, ReportRow>();
  sums.forEach((groups, i) => {
    const counter = ROLLUP_COUNTERS[i]!;
    for (const g of groups) {
      const group = query.groupBy === 'day' ? new Date(fromInt64(g._id, 'dayStart')).toISOString().slice(0, 10) : String(g._id);
      let row = rows.get(group);
      if (!row) rows.set(group, (row = { group, ...ZERO_ROW }));
      row[counter] = fromInt64(g.v, counter);
    }
  });
  return [...rows.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}
