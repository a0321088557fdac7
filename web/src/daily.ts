import type { UsageRow } from './types.ts';

/**
 * Daily spend stacked by model, assembled from the API's per-day and per-model reports. Pure:
 * the fetching is in data.ts, the drawing in components/spend-chart.ts.
 */

const DAY_MS = 86_400_000;

export interface DayRange {
  /** The UTC days, oldest first, as YYYY-MM-DD. */
  days: string[];
  fromMs: number;
  toMs: number;
}

/** The last `count` UTC days up to and including today's, ending now. */
export function lastDays(count: number, nowMs: number): DayRange {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const fromMs = today - (count - 1) * DAY_MS;
  const days: string[] = [];
  for (let t = fromMs; t <= today; t += DAY_MS) days.push(isoDay(t));
  return { days, fromMs, toMs: nowMs };
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const dayStartMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

export interface ModelSeries {
  model: string;
  /** Cost per day in nano-dollars, aligned with StackedDaily.days. */
  costNano: number[];
  totalNano: number;
}

export interface StackedDaily {
  days: string[];
  /** Largest total first: the bottom of the stack. */
  models: ModelSeries[];
  totalNano: number;
}

/** At most this many models get their own colour; the rest are summed as "other models". */
export const MAX_SERIES = 7;
export const OTHER = 'other models';

export function stackByModel(days: readonly string[], perDay: ReadonlyMap<string, readonly UsageRow[]>, maxSeries = MAX_SERIES): StackedDaily {
  const index = new Map(days.map((d, i) => [d, i]));
  const byModel = new Map<string, number[]>();
  for (const [day, rows] of perDay) {
    const i = index.get(day);
    if (i === undefined) continue;
    for (const row of rows) {
      let costs = byModel.get(row.group);
      if (!costs) byModel.set(row.group, (costs = new Array<number>(days.length).fill(0)));
      costs[i] = (costs[i] ?? 0) + row.costNano;
    }
  }
  let models: ModelSeries[] = [...byModel].map(([model, costNano]) => ({ model, costNano, totalNano: costNano.reduce((a, b) => a + b, 0) }));
  models.sort((a, b) => b.totalNano - a.totalNano || a.model.localeCompare(b.model));
  if (models.length > maxSeries) {
    const rest = models.slice(maxSeries - 1);
    const costNano = days.map((_, i) => rest.reduce((sum, m) => sum + (m.costNano[i] ?? 0), 0));
    models = [...models.slice(0, maxSeries - 1), { model: OTHER, costNano, totalNano: rest.reduce((s, m) => s + m.totalNano, 0) }];
  }
  return { days: [...days], models, totalNano: models.reduce((s, m) => s + m.totalNano, 0) };
}

/**
 * Running sums from the bottom of the stack up, in USD for the chart's axis: series k is drawn as
 * the sum of models 0..k, the tallest first, so each bar shows its own slice on top of the others.
 */
export function cumulativeUsd(stack: StackedDaily): number[][] {
  const running = new Array<number>(stack.days.length).fill(0);
  return stack.models.map((m) =>
    m.costNano.map((c, i) => {
      running[i] = (running[i] ?? 0) + c;
      return (running[i] ?? 0) / 1e9;
    }),
  );
}
