import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { rssOf, sampleRss } from './children.ts';
import { Samples, sleep, streamRequest, type Target } from './load.ts';

/** Stream measurements: chunk timing at concurrency, many open streams, one very large stream. */

export interface StreamTiming {
  streams: number;
  errors: number;
  firstError: string | null;
  /** Request start to first body chunk, ms. */
  ttfb: Float64Array;
  /** Gaps between consecutive content chunks (the upstream's fixed delay), ms. */
  gaps: Float64Array;
  /** Gap before the last chunk (finish + usage + [DONE]; Tollgate holds it until charged), ms. */
  tails: Float64Array;
  totals: Float64Array;
  /** Streams that arrived in fewer reads than the upstream wrote (chunks coalesced somewhere). */
  coalesced: number;
}

const BODY = streamRequest();

export async function streamTiming(target: Target, opts: { concurrency: number; durationMs: number; warmupMs: number; gapMs: number; chunks: number }): Promise<StreamTiming> {
  const pool = new Pool(target.url, { connections: opts.concurrency, pipelining: 1 });
  const ttfb = new Samples();
  const gaps = new Samples();
  const tails = new Samples();
  const totals = new Samples();
  let phase: 'warm' | 'measure' | 'stop' = 'warm';
  let streams = 0;
  let errors = 0;
  let coalesced = 0;
  let firstError: string | null = null;
  const expected = opts.chunks + 2; // role chunk, content chunks, tail

  const worker = async (i: number) => {
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${target.keys[i % target.keys.length]}`,
      'x-bench-gap-ms': String(opts.gapMs),
      'x-bench-chunks': String(opts.chunks),
    };
    while (phase !== 'stop') {
      const counted = phase === 'measure';
      const t0 = performance.now();
      const at: number[] = [];
      try {
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: BODY });
        let text = '';
        for await (const chunk of res.body) {
          at.push(performance.now());
          text += (chunk as Buffer).toString('utf8');
        }
        if (res.statusCode !== 200 || !text.endsWith('data: [DONE]\n\n')) throw new Error(`HTTP ${res.statusCode}: ${text.slice(-200)}`);
      } catch (err) {
        if (counted) errors++;
        firstError ??= `${err instanceof Error ? err.message : String(err)} (after ${at.length} chunks, ${(performance.now() - t0).toFixed(0)} ms)`;
        await sleep(10);
        continue;
      }
      if (!counted || phase !== 'measure') continue;
      streams++;
      if (at.length < expected) coalesced++;
      ttfb.push((at[0] as number) - t0);
      for (let k = 1; k < at.length - 1; k++) gaps.push((at[k] as number) - (at[k - 1] as number));
      if (at.length > 1) tails.push((at[at.length - 1] as number) - (at[at.length - 2] as number));
      totals.push((at[at.length - 1] as number) - t0);
    }
  };
  const workers = Array.from({ length: opts.concurrency }, (_, i) => worker(i));
  await sleep(opts.warmupMs);
  phase = 'measure';
  await sleep(opts.durationMs);
  phase = 'stop';
  await Promise.all(workers);
  await pool.close();
  return { streams, errors, firstError, ttfb: ttfb.values, gaps: gaps.values, tails: tails.values, totals: totals.values, coalesced };
}

export interface ManyStreams {
  count: number;
  holdSeconds: number;
  /** Streams whose first chunk arrived while all were being opened (within openWithinMs). */
  openedInTime: number;
  openWithinMs: number;
  /** ms until the last stream's first chunk (all streams open at once). */
  allOpenMs: number | null;
  completed: number;
  errors: number;
  firstError: string | null;
  rssBefore: number;
  rssPeak: number;
  rssSamples: number[];
}

/** Opens `count` streams at once (upstream: a chunk every second for holdSeconds) and samples RSS of `pid`. */
export async function manyStreams(target: Target, pid: number, opts: { count: number; holdSeconds: number; openWithinMs: number }): Promise<ManyStreams> {
  const pool = new Pool(target.url, { connections: opts.count, pipelining: 1 });
  const sampler = sampleRss(pid, 250);
  const t0 = performance.now();
  let opened = 0;
  let lastOpen = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  const one = async (i: number) => {
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${target.keys[i % target.keys.length]}`,
      'x-bench-gap-ms': '1000',
      'x-bench-chunks': String(opts.holdSeconds),
    };
    try {
      const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: BODY });
      let first = true;
      for await (const _chunk of res.body) {
        if (first) {
          first = false;
          const t = performance.now() - t0;
          if (t <= opts.openWithinMs) opened++;
          lastOpen = Math.max(lastOpen, t);
        }
      }
      if (res.statusCode === 200) completed++;
      else throw new Error(`HTTP ${res.statusCode}`);
    } catch (err) {
      errors++;
      firstError ??= String(err instanceof Error ? err.message : err);
    }
  };
  await Promise.all(Array.from({ length: opts.count }, (_, i) => one(i)));
  const rssSamples = sampler.stop();
  await pool.close();
  return {
    count: opts.count,
    holdSeconds: opts.holdSeconds,
    openedInTime: opened,
    openWithinMs: opts.openWithinMs,
    allOpenMs: completed + errors === opts.count && errors === 0 ? lastOpen : null,
    completed,
    errors,
    firstError,
    rssBefore: rssSamples[0] ?? 0,
    rssPeak: Math.max(...rssSamples),
    rssSamples,
  };
}

export interface BigStream {
  bytes: number;
  seconds: number;
  mbPerSec: number;
  /** RSS every 100 ms. */
  rssSamples: number[];
  /** RSS after each tenth of the body had been received (10 %, 20 %, ... 100 %). */
  rssByTenth: number[];
  ok: boolean;
}

/** One stream of ~`bytes`, read as fast as possible, sampling RSS of `pid` (when given) every 100 ms. */
export async function bigStream(target: Target, bytes: number, pid: number | null): Promise<BigStream> {
  const pool = new Pool(target.url, { connections: 1 });
  const sampler = pid === null ? null : sampleRss(pid, 100);
  const t0 = performance.now();
  let n = 0;
  let tail = '';
  const res = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.keys[0]}`, 'x-bench-bytes': String(bytes) },
    body: BODY,
  });
  const rssByTenth: number[] = [];
  for await (const chunk of res.body) {
    n += (chunk as Buffer).length;
    tail = (tail + (chunk as Buffer).toString('latin1', Math.max(0, (chunk as Buffer).length - 64))).slice(-64);
    while (pid !== null && n >= ((rssByTenth.length + 1) * bytes) / 10 && rssByTenth.length < 10) rssByTenth.push(rssOf(pid) ?? 0);
  }
  const seconds = (performance.now() - t0) / 1000;
  const rssSamples = sampler?.stop() ?? [];
  await pool.close();
  return { bytes: n, seconds, mbPerSec: n / 1048576 / seconds, rssSamples, rssByTenth, ok: res.statusCode === 200 && tail.endsWith('data: [DONE]\n\n') };
}
