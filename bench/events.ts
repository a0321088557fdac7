import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { loadPrices } from '../src/load-prices.ts';
import { computeCost } from '../src/pricing/cost.ts';
import type { UsageEvent } from '../src/store/types.ts';

/**
 * Realistic usage events for the store benchmarks: a mix of models and keys, token counts in
 * the ranges chat traffic has, costs from the shipped price table. Deterministic (seeded) so a
 * cached fixture and a fresh one hold the same numbers.
 */

const prices = loadPrices(loadConfig({}));
const MODELS: [string, number][] = [
  ['gpt-4o-mini', 0.55],
  ['gpt-4o', 0.2],
  ['gpt-4.1', 0.1],
  ['o4-mini', 0.1],
  ['gpt-5-mini', 0.05],
];

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeEvent(rand: () => number, userId: string, keyIds: readonly string[], createdAt: number, requestId = `req_${randomUUID().replaceAll('-', '')}`): UsageEvent {
  let r = rand();
  let model = MODELS[0]![0];
  for (const [m, w] of MODELS) {
    if (r < w) {
      model = m;
      break;
    }
    r -= w;
  }
  const price = prices.resolve(model);
  if (!price) throw new Error(`bench: no price for ${model}`);
  const inputTokens = 200 + Math.floor(rand() * 4000);
  const cachedTokens = rand() < 0.5 ? Math.floor((inputTokens * rand() * 0.8) / 128) * 128 : 0;
  const outputTokens = 20 + Math.floor(rand() * 800);
  const reasoningTokens = model.startsWith('o') || model.startsWith('gpt-5') ? Math.floor(outputTokens * rand() * 0.6) : 0;
  const usage = { inputTokens, cachedTokens, cacheWriteTokens: 0, outputTokens, reasoningTokens };
  const { costNano, savedNano } = computeCost(usage, price);
  const stream = rand() < 0.7;
  return {
    requestId,
    userId,
    keyId: keyIds[Math.floor(rand() * keyIds.length)] as string,
    endpoint: 'chat.completions',
    requestedModel: model,
    servedModel: `${model}-2025-04-14`,
    pricedModel: price.model,
    stream,
    ...usage,
    costNano,
    savedNano,
    status: 200,
    estimated: false,
    flags: [],
    latencyMs: 300 + Math.floor(rand() * 4000),
    upstreamRequestId: `req_${Math.floor(rand() * 2 ** 48).toString(16)}`,
    createdAt,
  };
}
