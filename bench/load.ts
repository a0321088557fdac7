import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * The load generator: a closed loop of `concurrency` workers on an undici Pool with as many
 * keep-alive connections (each worker sends its next request when the previous one is read
 * whole), or, with `ratePerSec`, the same workers pacing themselves to a fixed total rate.
 *
 * Why our own loop rather than autocannon: the targets are fractions of a millisecond and
 * autocannon records latency in whole milliseconds; streams need per-chunk timestamps it does not
 * give; and the loop reads CPU figures from the servers exactly around its measured window.
 * Every latency is kept (a Float64Array: a few hundred thousand samples at most) and percentiles
 * are exact order statistics, so no histogram library is needed.
 */

export interface Target {
  name: string;
  url: string;
  /** Bearer keys, used round-robin by worker (Tollgate needs real ones; others ignore them). */
  keys: string[];
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Total requests per second across workers; absent = closed loop as fast as answers come. */
  ratePerSec?: number;
}

export interface Window {
  start(): Promise<void>;
  end(): Promise<void>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  /** Per-request latency in ms, request start to last body byte. */
  latencies: Float64Array;
}

export const CHAT_REQUEST = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a concise assistant for an internal engineering team. '.repeat(12) },
      { role: 'user', content: 'Explain in three sentences what a metering proxy for LLM APIs does and why a team would run one.' },
    ],
    temperature: 0.2,
    max_tokens: 400,
  }),
);

export function streamRequest(): Buffer {
  const body = JSON.parse(CHAT_REQUEST.toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }));
}

export class Samples {
  #buf = new Float64Array(1 << 16);
  #n = 0;
  push(v: number): void {
    if (this.#n === this.#buf.length) {
      const next = new Float64Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.#n++] = v;
  }
  get values(): Float64Array {
    return this.#buf.slice(0, this.#n);
  }
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(values: Float64Array | number[]): Summary {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return { n, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const q = (p: number) => s[Math.min(n - 1, Math.floor(p * n))] as number;
  let sum = 0;
  for (const v of s) sum += v;
  return { n, mean: sum / n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[n - 1] as number };
}

export function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Keep-alive connections for one target, reused across rounds so later rounds need no warm-up of their own. */
export function connect(target: Target, concurrency: number): Pool {
  return new Pool(target.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
}

export async function runLoad(target: Target, pool: Pool, opts: LoadOptions, window?: Window): Promise<LoadResult> {
  const samples = new Samples();
  let phase: 'warm' | 'measure' | 'stop' = 'warm';
  let errors = 0;
  let firstError: string | null = null;
  const interval = opts.ratePerSec ? (opts.concurrency * 1000) / opts.ratePerSec : 0;

  const worker = async (i: number) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.keys[i % target.keys.length]}` };
    let due = performance.now() + (interval * i) / opts.concurrency;
    while (phase !== 'stop') {
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        due = Math.max(due + interval, performance.now());
      }
      const counted = phase === 'measure';
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: CHAT_REQUEST });
        const body = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`);
        if (counted && phase === 'measure') samples.push(performance.now() - t0);
      } catch (err) {
        if (counted) errors++;
        firstError ??= String(err instanceof Error ? err.message : err);
        await sleep(10);
      }
    }
  };
  const workers = Array.from({ length: opts.concurrency }, (_, i) => worker(i));
  await sleep(opts.warmupMs);
  phase = 'measure';
  await window?.start();
  const t0 = performance.now();
  await sleep(opts.durationMs);
  await window?.end();
  const seconds = (performance.now() - t0) / 1000;
  phase = 'stop';
  await Promise.all(workers);
  const latencies = samples.values;
  return { requests: latencies.length, errors, firstError, seconds, latencies };
}
