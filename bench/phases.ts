import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchChild, ChildStats } from './children.ts';
import { rssOf } from './children.ts';
import { concat, connect, runLoad, summarize, type Target } from './load.ts';
import { flatness, latency, mb, r2, r3, table } from './report.ts';
import type { Settings } from './settings.ts';
import { bigStream, manyStreams, streamTiming } from './streams.ts';

/** The HTTP phases: each returns its JSON part and prints its table. */

export interface Served {
  target: Target;
  /** The process that serves this target (null: direct, the upstream itself). */
  proxy: BenchChild<unknown> | null;
}

type Log = (s: string) => void;

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? NaN : v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/** Request load on every target; with profDir, the proxies' first measured window is CPU-profiled there. */
export async function httpPhase(s: Settings, targets: Served[], upstream: BenchChild<unknown>, log: Log, paced: boolean, profDir: string | null) {
  if (profDir) mkdirSync(profDir, { recursive: true });
  const acc = new Map<string, { lat: Float64Array[]; requests: number; errors: number; seconds: number; cpuUs: number; sysUs: number; upCpuUs: number; firstError: string | null; rss: number | null }>();
  const rounds = paced ? Math.ceil(s.rounds / 2) : s.rounds;
  const pools = new Map(targets.map(({ target }) => [target.name, connect(target, s.concurrency)]));
  const perRound: Record<string, number>[] = [];
  for (let r = 0; r < rounds; r++) {
    const thisRound: Record<string, number> = {};
    perRound.push(thisRound);
    for (let i = 0; i < targets.length; i++) {
      const { target, proxy } = targets[(i + r) % targets.length]!; // rotate the order each round
      const a = acc.get(target.name) ?? { lat: [], requests: 0, errors: 0, seconds: 0, cpuUs: 0, sysUs: 0, upCpuUs: 0, firstError: null, rss: null };
      acc.set(target.name, a);
      let cpu0 = 0;
      let sys0 = 0;
      let up0 = 0;
      const profile = profDir !== null && r === 0 && proxy !== null;
      const res = await runLoad(
        target,
        pools.get(target.name)!,
        // Later rounds reuse warm connections: a short settle so the CPU window starts under load.
        { concurrency: s.concurrency, durationMs: s.seconds * 1000, warmupMs: r === 0 ? s.warmupSeconds * 1000 : 100, ...(paced ? { ratePerSec: s.pacedRps } : {}) },
        {
          start: async () => {
            if (profile) proxy.profile('start');
            const st = proxy ? await proxy.stats() : null;
            cpu0 = st?.cpuUs ?? 0;
            sys0 = st?.systemUs ?? 0;
            up0 = (await upstream.stats()).cpuUs;
          },
          end: async () => {
            if (proxy) {
              const st = await proxy.stats();
              a.cpuUs += st.cpuUs - cpu0;
              a.sysUs += st.systemUs - sys0;
            }
            if (profile) proxy.profile('stop', join(profDir, `${target.name}-${process.pid}.cpuprofile`));
            a.upCpuUs += (await upstream.stats()).cpuUs - up0;
          },
        },
      );
      a.lat.push(res.latencies);
      a.requests += res.requests;
      a.errors += res.errors;
      a.seconds += res.seconds;
      a.firstError ??= res.firstError;
      a.rss = proxy ? rssOf(proxy.pid) : null;
      thisRound[target.name] = res.requests / res.seconds;
      if (res.errors) log(`  ${target.name}: ${res.errors} errors (${res.firstError})`);
    }
    log(`  ${paced ? 'paced' : `round ${r + 1}/${rounds}`}: ${Object.entries(thisRound).map(([n, v]) => `${n} ${Math.round(v)}`).join(', ')} req/s (load average ${loadAverage()})`);
  }
  for (const p of pools.values()) await p.close();
  const out: Record<string, ReturnType<typeof row>> = {};
  const row = (name: string) => {
    const a = acc.get(name)!;
    const sum = summarize(concat(a.lat));
    return {
      rps: r2(a.requests / a.seconds),
      latencyMs: latency(sum),
      requests: a.requests,
      errors: a.errors,
      firstError: a.firstError,
      cpuMsPerRequest: a.cpuUs ? r3(a.cpuUs / 1000 / a.requests) : null,
      systemCpuMsPerRequest: a.cpuUs ? r3(a.sysUs / 1000 / a.requests) : null,
      upstreamCpuMsPerRequest: r3(a.upCpuUs / 1000 / a.requests),
      rssMB: a.rss === null ? null : mb(a.rss),
      addedP50Ms: null as number | null,
      addedP99Ms: null as number | null,
      perRoundRps: [] as (number | null)[],
      medianRatioToPassthrough: null as number | null,
    };
  };
  for (const { target } of targets) out[target.name] = row(target.name);
  // Throughput relative to the passthrough measured in the same round, median over rounds: the
  // machine is shared, and a ratio taken seconds apart is less exposed to its load than totals.
  for (const r of Object.values(out)) r.perRoundRps = [];
  for (const round of perRound) for (const [n, v] of Object.entries(round)) out[n]!.perRoundRps.push(r2(v));
  for (const r of Object.values(out)) {
    const ratios = perRound.map((round, i) => (r.perRoundRps[i] ?? NaN) / (round['passthrough'] ?? NaN)).filter(Number.isFinite);
    r.medianRatioToPassthrough = r3(median(ratios));
  }
  const direct = out['direct']!;
  for (const r of Object.values(out)) {
    r.addedP50Ms = r3((r.latencyMs.p50 ?? NaN) - (direct.latencyMs.p50 ?? NaN));
    r.addedP99Ms = r3((r.latencyMs.p99 ?? NaN) - (direct.latencyMs.p99 ?? NaN));
  }
  log(
    table(
      paced ? `Requests, paced at ${s.pacedRps} req/s total, concurrency ${s.concurrency} (non-stream chat)` : `Requests, closed loop, concurrency ${s.concurrency}, ${rounds} x ${s.seconds} s per target (non-stream chat)`,
      ['target', 'req/s', 'vs passthrough', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '+p50 ms', '+p99 ms', 'CPU ms/req', '(of it system)', 'upstream CPU ms/req', 'RSS MB', 'errors'],
      Object.entries(out).map(([name, r]) => [name, r.rps, r.medianRatioToPassthrough, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max, r.addedP50Ms, r.addedP99Ms, r.cpuMsPerRequest, r.systemCpuMsPerRequest, r.upstreamCpuMsPerRequest, r.rssMB, r.errors]),
    ),
  );
  return out;
}

export async function streamsPhase(s: Settings, targets: Served[], log: Log) {
  const out: Record<string, ReturnType<typeof shape>> = {};
  const shape = (t: Awaited<ReturnType<typeof streamTiming>>) => ({
    streams: t.streams,
    errors: t.errors,
    firstError: t.firstError,
    coalesced: t.coalesced,
    ttfbMs: latency(summarize(t.ttfb)),
    gapMs: latency(summarize(t.gaps)),
    tailMs: latency(summarize(t.tails)),
    totalMs: latency(summarize(t.totals)),
    ttfbAddedP50Ms: null as number | null,
    ttfbAddedP99Ms: null as number | null,
    totalAddedP50Ms: null as number | null,
  });
  for (const { target } of targets) {
    const t = await streamTiming(target, { concurrency: s.concurrency, durationMs: s.streamSeconds * 1000, warmupMs: s.warmupSeconds * 1000, gapMs: s.streamGapMs, chunks: s.streamChunks });
    out[target.name] = shape(t);
    log(`  streams ${target.name}: ${t.streams} streams, ${t.errors} errors${t.firstError ? ` (${t.firstError})` : ''}`);
  }
  const d = out['direct']!;
  for (const r of Object.values(out)) {
    r.ttfbAddedP50Ms = r3((r.ttfbMs.p50 ?? NaN) - (d.ttfbMs.p50 ?? NaN));
    r.ttfbAddedP99Ms = r3((r.ttfbMs.p99 ?? NaN) - (d.ttfbMs.p99 ?? NaN));
    r.totalAddedP50Ms = r3((r.totalMs.p50 ?? NaN) - (d.totalMs.p50 ?? NaN));
  }
  log(
    table(
      `Streams, concurrency ${s.concurrency}: role chunk at once, ${s.streamChunks} content chunks ${s.streamGapMs} ms apart, tail (finish+usage+[DONE]) ${s.streamGapMs} ms later`,
      ['target', 'streams', 'first chunk p50', 'p99', '+p50', '+p99', 'gap p50', 'gap p99', 'gap max', 'tail p50', 'tail p99', 'total p50', '+total p50', 'coalesced'],
      Object.entries(out).map(([n, r]) => [n, r.streams, r.ttfbMs.p50, r.ttfbMs.p99, r.ttfbAddedP50Ms, r.ttfbAddedP99Ms, r.gapMs.p50, r.gapMs.p99, r.gapMs.max, r.tailMs.p50, r.tailMs.p99, r.totalMs.p50, r.totalAddedP50Ms, r.coalesced]),
    ),
  );
  return out;
}

export async function manyPhase(s: Settings, served: Served[], upstream: BenchChild<unknown>, log: Log) {
  const out: Record<string, unknown> = {};
  const rows: (string | number | null)[][] = [];
  for (const { target, proxy } of served) {
    if (!proxy) continue;
    await upstream.stats(); // resets the upstream's max-open counter
    const idle = await proxy.stats();
    // Heap and external memory once every stream should be open (two thirds into the hold).
    let held: ChildStats | null = null;
    const probe = setTimeout(() => void proxy.stats().then((st) => (held = st)), (s.holdSeconds * 1000 * 2) / 3);
    const m = await manyStreams(target, proxy.pid, { count: s.openStreams, holdSeconds: s.holdSeconds, openWithinMs: 2_000 });
    clearTimeout(probe);
    const up = await upstream.stats();
    const h = held as ChildStats | null;
    const perStreamKB = Math.round((m.rssPeak - idle.rss) / 1024 / s.openStreams);
    out[target.name] = {
      ...m,
      rssIdleMB: mb(idle.rss),
      rssPeakMB: mb(m.rssPeak),
      rssPerStreamKB: perStreamKB,
      heapIdleMB: mb(idle.heapUsed),
      heapOpenMB: h ? mb(h.heapUsed) : null,
      externalIdleMB: mb(idle.external),
      externalOpenMB: h ? mb(h.external) : null,
      upstreamMaxOpen: up.extra['maxOpen'] ?? null,
      rssSamplesMB: m.rssSamples.map(mb),
    };
    rows.push([target.name, m.count, up.extra['maxOpen'] ?? null, m.allOpenMs === null ? null : Math.round(m.allOpenMs), m.completed, m.errors, mb(idle.rss), mb(m.rssPeak), perStreamKB, mb(idle.heapUsed), h ? mb(h.heapUsed) : null]);
    log(`  ${s.openStreams} streams via ${target.name}: peak RSS ${mb(m.rssPeak)} MB${m.firstError ? ` (first error: ${m.firstError})` : ''}`);
  }
  log(
    table(
      `${s.openStreams} concurrent streams, a chunk every second for ${s.holdSeconds} s`,
      ['target', 'streams', 'upstream max open', 'all open after ms', 'completed', 'errors', 'RSS idle MB', 'RSS peak MB', 'KB/stream', 'heap idle MB', 'heap open MB'],
      rows,
    ),
  );
  return out;
}

export async function bigPhase(s: Settings, served: Served[], log: Log) {
  const out: Record<string, unknown> = {};
  const rows: (string | number | null)[][] = [];
  for (const { target, proxy } of served) {
    const b = await bigStream(target, s.bigMb * 1048576, proxy?.pid ?? null);
    const f = b.rssByTenth.length === 10 ? flatness(b.rssByTenth) : null;
    out[target.name] = {
      bytes: b.bytes,
      ok: b.ok,
      seconds: r3(b.seconds),
      mbPerSec: r2(b.mbPerSec),
      rssStartMB: b.rssSamples.length ? mb(b.rssSamples[0]!) : null,
      rssPeakMB: b.rssSamples.length ? mb(Math.max(...b.rssSamples)) : null,
      rssEndMB: b.rssSamples.length ? mb(b.rssSamples.at(-1)!) : null,
      secondHalfGrowthMB: f ? mb(f.growth) : null,
      rssSamplesMB: b.rssSamples.map(mb),
      rssByTenthMB: b.rssByTenth.map(mb),
    };
    const o = out[target.name] as Record<string, number | null | boolean>;
    rows.push([target.name, mb(b.bytes), b.ok ? 'yes' : 'NO', r2(b.mbPerSec), o['rssStartMB'] as number | null, o['rssPeakMB'] as number | null, o['rssEndMB'] as number | null, o['secondHalfGrowthMB'] as number | null]);
  }
  log(table(`One ${s.bigMb} MB SSE response (4 KB events), read as fast as possible`, ['target', 'MB', 'complete', 'MB/s', 'RSS start MB', 'RSS peak MB', 'RSS end MB', '2nd-half growth MB'], rows));
  return out;
}
