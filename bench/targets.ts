import { check, type TargetCheck } from './report.ts';
import type { Settings } from './settings.ts';

/** Issue 6's targets, judged from the results object run.ts assembles. */

function get(obj: unknown, path: string): number | null {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[k];
  }
  return typeof cur === 'number' ? cur : null;
}

const ms = (n: number | null) => (n === null ? 'not run' : `${n.toFixed(3)} ms`);

export function evaluate(results: Record<string, unknown>, s: Settings): TargetCheck[] {
  const out: TargetCheck[] = [];
  const tollgates = ['tollgate-sqlite', 'tollgate-mongo'].filter((t) => get(results, `requests.${t}.rps`) !== null || get(results, `streams.${t}.streams`) !== null);
  for (const t of tollgates) {
    for (const [phase, label] of [
      ['requests', `c=${s.concurrency} closed loop`],
      ['requestsPaced', `c=${s.concurrency} paced ${s.pacedRps}/s`],
    ] as const) {
      const p50 = get(results, `${phase}.${t}.addedP50Ms`);
      const p99 = get(results, `${phase}.${t}.addedP99Ms`);
      const bp50 = get(results, `${phase}.passthrough.addedP50Ms`);
      const bp99 = get(results, `${phase}.passthrough.addedP99Ms`);
      if (p50 === null) continue;
      out.push(check(`${t}: added latency p50, ${label}`, '<= 0.3 ms', `${ms(p50)} (bare passthrough ${ms(bp50)})`, p50 <= 0.3));
      if (p99 !== null) out.push(check(`${t}: added latency p99, ${label}`, '<= 1 ms', `${ms(p99)} (bare passthrough ${ms(bp99)})`, p99 <= 1));
    }
    const rps = get(results, `requests.${t}.rps`);
    const base = get(results, 'requests.passthrough.rps');
    const ratio = get(results, `requests.${t}.medianRatioToPassthrough`);
    if (rps !== null && base !== null && ratio !== null) {
      out.push(
        check(`${t}: throughput vs bare passthrough`, '>= 70 %', `${(ratio * 100).toFixed(1)} % (median per round; totals ${Math.round(rps)} vs ${Math.round(base)} req/s)`, ratio >= 0.7),
      );
    }
    const ttfb = get(results, `streams.${t}.ttfbAddedP50Ms`);
    if (ttfb !== null) {
      const p99 = get(results, `streams.${t}.ttfbAddedP99Ms`);
      out.push(check(`${t}: first stream chunk added (p50)`, '<= 1 ms', `${ms(ttfb)} (p99 ${ms(p99)})`, ttfb <= 1));
      const coalesced = get(results, `streams.${t}.coalesced`) ?? 0;
      const gap = get(results, `streams.${t}.gapMs.p50`) ?? NaN;
      const gapDirect = get(results, 'streams.direct.gapMs.p50') ?? NaN;
      out.push(
        check(
          `${t}: chunks not held back / coalesced`,
          'every chunk its own read; gap p50 within 1 ms of direct',
          `${coalesced} of ${get(results, `streams.${t}.streams`)} streams had chunks merged (direct ${get(results, 'streams.direct.coalesced')}, passthrough ${get(results, 'streams.passthrough.coalesced')}); gap p50 ${gap.toFixed(2)} vs ${gapDirect.toFixed(2)} ms direct`,
          coalesced === 0 && Math.abs(gap - gapDirect) <= 1,
        ),
      );
    }
  }
  const peak = get(results, 'openStreams.tollgate-sqlite.rssPeakMB');
  if (peak !== null) {
    const maxOpen = get(results, 'openStreams.tollgate-sqlite.upstreamMaxOpen');
    const idle = get(results, 'openStreams.tollgate-sqlite.rssIdleMB');
    const per = get(results, 'openStreams.tollgate-sqlite.rssPerStreamKB');
    out.push(check(`tollgate-sqlite: RSS with ${s.openStreams} open streams`, '<= 150 MB', `${peak} MB peak (idle ${idle} MB, +${per} KB per stream)`, peak <= 150));
    out.push(
      check(
        `tollgate-sqlite: ${s.openStreams} streams open at once`,
        `all ${s.openStreams} at the upstream together`,
        `upstream saw at most ${maxOpen} open`,
        maxOpen === s.openStreams,
      ),
    );
  }
  const growth = get(results, 'bigStream.tollgate-sqlite.secondHalfGrowthMB');
  if (growth !== null) {
    const start = get(results, 'bigStream.tollgate-sqlite.rssStartMB');
    const top = get(results, 'bigStream.tollgate-sqlite.rssPeakMB');
    out.push(
      check(
        `tollgate-sqlite: memory flat during a ${s.bigMb} MB stream`,
        'RSS peak over the 2nd half of the bytes <= peak over the 1st half + 10 MB',
        `+${growth} MB in 2nd half (start ${start} MB, peak ${top} MB)`,
        growth <= 10,
      ),
    );
  }
  return out;
}
