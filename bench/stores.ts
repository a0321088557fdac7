import { performance } from 'node:perf_hooks';
import type { ReportGroup, Store } from '../src/store/types.ts';
import { makeEvent, rng } from './events.ts';
import { Samples } from './load.ts';

/** Store benchmarks, in the bench process itself: no HTTP, just the Store interface. */

export interface ChargeRate {
  concurrency: number;
  charges: number;
  seconds: number;
  perSec: number;
  /** Per-charge latency, ms. */
  latencies: Float64Array;
}

/** store.charge in a loop (concurrency 1) or from `concurrency` concurrent callers, for durationMs. */
export async function chargeRate(store: Store, opts: { concurrency: number; durationMs: number; users?: number }): Promise<ChargeRate> {
  const users: string[] = [];
  const stamp = Date.now();
  for (let i = 0; i < (opts.users ?? opts.concurrency); i++) {
    const u = await store.createUser({ id: `usr_charge_${stamp}_${opts.concurrency}_${i}`, name: `charge-${stamp}-${opts.concurrency}-${i}`, quota: { limitNano: null, period: 'month', enforce: true }, createdAt: stamp });
    users.push(u.id);
  }
  const rand = rng(7);
  const lat = new Samples();
  // A deadline, not a timer: the SQLite store never yields to the event loop, so a timer would never fire.
  const deadline = performance.now() + opts.durationMs;
  const worker = async (w: number) => {
    const userId = users[w % users.length] as string;
    while (performance.now() < deadline) {
      const e = makeEvent(rand, userId, ['key_charge_a', 'key_charge_b'], Date.now());
      const t0 = performance.now();
      await store.charge(e);
      lat.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all([...Array.from({ length: opts.concurrency }, (_, w) => worker(w))]);
  const seconds = (performance.now() - t0) / 1000;
  const latencies = lat.values;
  return { concurrency: opts.concurrency, charges: latencies.length, seconds, perSec: latencies.length / seconds, latencies };
}

export interface ReportTiming {
  groupBy: ReportGroup | 'listEvents';
  rows: number;
  /** First run (cold caches), ms. */
  firstMs: number;
  /** Median of the following runs, ms. */
  medianMs: number;
  /** Sum of `requests` over the rows: must equal the events in the window. */
  requests: number;
}

const GROUPS: ReportGroup[] = ['user', 'model', 'key', 'day'];

/** The 30-day usage report for one user, each grouping, plus the first page of their events. */
export async function reportTimings(store: Store, userId: string, to: number, runs: number, log: (s: string) => void = () => undefined): Promise<ReportTiming[]> {
  const from = to - 30 * 86_400_000;
  const out: ReportTiming[] = [];
  for (const groupBy of GROUPS) {
    const times: number[] = [];
    let rows = 0;
    let requests = 0;
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const result = await store.usageReport({ from, to, groupBy, userId });
      times.push(performance.now() - t0);
      rows = result.length;
      requests = result.reduce((n, r) => n + r.requests, 0);
    }
    out.push({ groupBy, rows, requests, firstMs: times[0] as number, medianMs: median(times.slice(1)) });
    log(`  ${store.kind} usageReport by ${groupBy}: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  }
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const page = await store.listEvents({ userId, limit: 100 });
    times.push(performance.now() - t0);
    rows = page.events.length;
  }
  out.push({ groupBy: 'listEvents', rows, requests: rows, firstMs: times[0] as number, medianMs: median(times.slice(1)) });
  log(`  ${store.kind} listEvents (limit 100): ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
