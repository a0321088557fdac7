import { describe, expect, it } from 'vitest';
import { cumulativeUsd, lastDays, OTHER, stackByModel } from '../../web/src/daily.ts';
import type { UsageRow } from '../../web/src/types.ts';

function row(group: string, costNano: number): UsageRow {
  return {
    group, requests: 1, inputTokens: 0, cachedTokens: 0, uncachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0,
    costUsd: '0', costNano, savedUsd: '0', savedNano: 0,
  };
}

describe('daily spend stacked by model', () => {
  it('lists the last N UTC days up to today, from midnight', () => {
    const r = lastDays(3, Date.parse('2026-03-01T05:00:00Z'));
    expect(r.days).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(new Date(r.fromMs).toISOString()).toBe('2026-02-27T00:00:00.000Z');
    expect(new Date(r.toMs).toISOString()).toBe('2026-03-01T05:00:00.000Z');
  });

  it('aligns each model on the days, largest total at the bottom, missing days as zero', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const perDay = new Map([
      ['2026-03-01', [row('gpt-4o', 500), row('o3', 100)]],
      ['2026-03-03', [row('o3', 1000)]],
      ['2026-02-01', [row('gpt-4o', 999)]], // outside the range: ignored
    ]);
    const s = stackByModel(days, perDay);
    expect(s.models.map((m) => [m.model, m.costNano, m.totalNano])).toEqual([
      ['o3', [100, 0, 1000], 1100],
      ['gpt-4o', [500, 0, 0], 500],
    ]);
    expect(s.totalNano).toBe(1600);
    // Running sums bottom-up, in USD for the chart.
    expect(cumulativeUsd(s)).toEqual([
      [100e-9, 0, 1000e-9],
      [600e-9, 0, 1000e-9],
    ]);
  });

  it('sums the smallest models into "other models" beyond the colours it has', () => {
    const perDay = new Map([['2026-03-01', [row('a', 50), row('b', 40), row('c', 30), row('d', 20)]]]);
    const s = stackByModel(['2026-03-01'], perDay, 3);
    expect(s.models.map((m) => [m.model, m.totalNano])).toEqual([['a', 50], ['b', 40], [OTHER, 50]]);
    expect(s.totalNano).toBe(140);
  });
});
