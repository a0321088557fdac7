import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../src/money.ts';
import { computeCost, picoToNano } from '../../src/pricing/cost.ts';
import { buildPriceTable, type ModelPrice, type PriceFile } from '../../src/pricing/price-table.ts';
import type { Usage } from '../../src/usage/types.ts';

const file: PriceFile = {
  models: {
    'gpt-4o': { input: '2.50', cached_input: '1.25', output: '10.00' },
    'gpt-4o-mini': { input: '0.15', cached_input: '0.075', output: '0.60' },
    'gpt-4.1-nano': { input: '0.10', cached_input: '0.025', output: '0.40' },
    'o4-mini': { input: '1.10', cached_input: '0.275', output: '4.40' },
    'gpt-5': { input: '1.25', cached_input: '0.125', output: '10.00' },
    'gpt-5-nano': { input: '0.05', cached_input: '0.005', output: '0.40' },
    'text-embedding-3-small': { input: '0.02' },
    'cw-model': { input: '2.50', cached_input: '1.25', output: '10.00', cache_write: '3.125' },
    'reasoner': { input: '1.00', output: '10.00', reasoning: '20.00' },
    'sub-nano': { input: '0.0014', cached_input: '0.0025', output: '0.0015' },
    'gpt-4': { input: '30.00', output: '60.00' },
  },
};
const table = buildPriceTable([file]);
const price = (m: string): ModelPrice => {
  const p = table.resolve(m);
  if (!p) throw new Error(`no price for ${m}`);
  return p;
};
const u = (input: number, cached: number, output: number, reasoning = 0, cacheWrite = 0): Usage => ({
  inputTokens: input,
  cachedTokens: cached,
  cacheWriteTokens: cacheWrite,
  outputTokens: output,
  reasoningTokens: reasoning,
});

describe('computeCost', () => {
  // Every expected value worked out by hand in USD per 1M tokens.
  it.each([
    // 256*2.50 + 1792*1.25 + 300*10.00 = 640 + 2240 + 3000 = 5880 per 1M -> 0.00588 USD
    ['gpt-4o', u(2048, 1792, 300), 5_880_000, 1792 * 1250],
    // reasoning inside output, billed at output: 952*1.25 + 2048*0.125 + 500*10 = 1190 + 256 + 5000 = 6446
    ['gpt-5', u(3000, 2048, 500, 320), 6_446_000, 2048 * 1125],
    // 1000*0.15 + 100*0.60 = 150 + 60 = 210
    ['gpt-4o-mini', u(1000, 0, 100), 210_000, 0],
    // 476*0.10 + 1024*0.025 + 7*0.40 = 47.6 + 25.6 + 2.8 = 76
    ['gpt-4.1-nano', u(1500, 1024, 7), 76_000, 1024 * 75],
    // 7*1.10 + 3*0.275 + 1*4.40 = 7.7 + 0.825 + 4.4 = 12.925
    ['o4-mini', u(10, 3, 1), 12_925, 3 * 825],
    // 8*0.02 = 0.16
    ['text-embedding-3-small', u(8, 0, 0), 160, 0],
    // cache writes at their own rate: 500*2.50 + 1000*1.25 + 500*3.125 = 1250 + 1250 + 1562.5 = 4062.5
    ['cw-model', u(2000, 1000, 0, 0, 500), 4_062_500, 1000 * 1250],
    // cache writes without a rate are billed at input: 500*2.50 + 1000*1.25 + 500*2.50 = 3750
    ['gpt-4o', u(2000, 1000, 0, 0, 500), 3_750_000, 1000 * 1250],
    // own reasoning rate: 60*10 + 40*20 = 1400 (plus 0 input)
    ['reasoner', u(0, 0, 100, 40), 1_400_000, 0],
    ['gpt-4o', u(0, 0, 0), 0, 0],
  ])('%s %j -> %d nano', (model, usage, costNano, savedNano) => {
    expect(computeCost(usage, price(model))).toEqual({ costNano, savedNano });
  });

  it('formats the reference example as 0.00588 USD', () => {
    expect(formatUsd(computeCost(u(2048, 1792, 300), price('gpt-4o')).costNano)).toBe('0.00588');
  });

  it('sums sub-nano parts in pico and rounds once, half up', () => {
    // 3 input tokens at 1.4 nano each = 4.2 nano -> 4 (rounding each part would give 3)
    expect(computeCost(u(3, 0, 0), price('sub-nano')).costNano).toBe(4);
    // 1 output token at 1.5 nano -> 2 (half up)
    expect(computeCost(u(0, 0, 1), price('sub-nano')).costNano).toBe(2);
    // 1 input (1.4) + 1 output (1.5) = 2.9 -> 3
    expect(computeCost(u(1, 0, 1), price('sub-nano')).costNano).toBe(3);
    // cached dearer than input (odd config): saved never goes negative
    expect(computeCost(u(1, 1, 0), price('sub-nano'))).toEqual({ costNano: 3, savedNano: 0 });
  });

  it('charging one cached gpt-5-nano token a million times adds up exactly', () => {
    const one = computeCost(u(1, 1, 0), price('gpt-5-nano')).costNano;
    expect(one).toBe(5); // 0.005 USD per 1M tokens = 5 nano per token
    let total = 0;
    for (let i = 0; i < 1_000_000; i++) total += one;
    expect(total).toBe(5_000_000);
    expect(formatUsd(total)).toBe('0.005');
  });

  it('a million 1.5-nano requests cost 2 nano each: rounding is per request, deterministic', () => {
    const one = computeCost(u(0, 0, 1), price('sub-nano')).costNano;
    let total = 0;
    for (let i = 0; i < 1_000_000; i++) total += one;
    expect(total).toBe(2_000_000);
  });

  it('stays exact for huge counts and saturates instead of losing precision', () => {
    // 1e9 tokens * 2.5e6 pico = 2.5e15 pico = 2.5e12 nano, beyond 2^53 pico but exact in BigInt
    expect(computeCost(u(4_000_000_000, 0, 0), price('gpt-4o')).costNano).toBe(10_000_000_000_000);
    expect(computeCost(u(1_000_000_000_000, 0, 1_000_000_000_000), price('gpt-4')).costNano).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('treats unnormalised garbage defensively (never negative, never NaN)', () => {
    const r = computeCost(u(10, 20, -5, 7, Number.NaN), price('gpt-4o'));
    expect(Number.isSafeInteger(r.costNano) && r.costNano >= 0).toBe(true);
  });
});

describe('picoToNano', () => {
  it.each([
    [0n, 0],
    [499n, 0],
    [500n, 1],
    [1499n, 1],
    [1500n, 2],
    [5_880_000_000n, 5_880_000],
  ])('%d pico -> %d nano', (pico, nano) => {
    expect(picoToNano(pico)).toBe(nano);
  });
});
