import type { Usage } from '../usage/types.ts';
import type { ModelPrice } from './price-table.ts';

export interface Cost {
  /** What the request costs, in nano-dollars. */
  costNano: number;
  /** What cached input saved compared with the full input rate, in nano-dollars. */
  savedNano: number;
}

const PICO_PER_NANO = 1000n;
const MAX_NANO = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Prices one request. Products are summed in BigInt pico-dollars (a 1e12-token count times a large
 * rate does not fit a double exactly) and converted to nano once, rounding half up, so a request is
 * never charged the rounding error of each of its parts.
 * `usage` must be normalised (see normaliseUsage): cached + cacheWrite <= input, reasoning <= output.
 */
export function computeCost(usage: Usage, price: ModelPrice): Cost {
  const input = count(usage.inputTokens);
  const cached = count(usage.cachedTokens);
  const cacheWrite = count(usage.cacheWriteTokens);
  const output = count(usage.outputTokens);
  const reasoning = count(usage.reasoningTokens);

  const inputRate = BigInt(price.inputPico);
  const cachedRate = BigInt(price.cachedInputPico);
  const cacheWriteRate = BigInt(price.cacheWritePico ?? price.inputPico);
  const outputRate = BigInt(price.outputPico);
  const reasoningRate = BigInt(price.reasoningPico ?? price.outputPico);

  const plainInput = nonNegative(input - cached - cacheWrite);
  const plainOutput = nonNegative(output - reasoning);
  const pico =
    plainInput * inputRate +
    cached * cachedRate +
    cacheWrite * cacheWriteRate +
    plainOutput * outputRate +
    reasoning * reasoningRate;
  const savedPico = nonNegative(cached * (inputRate - cachedRate));
  return { costNano: picoToNano(pico), savedNano: picoToNano(savedPico) };
}

/** Rounds half up; saturates at MAX_SAFE_INTEGER rather than losing precision. */
export function picoToNano(pico: bigint): number {
  const nano = (pico + PICO_PER_NANO / 2n) / PICO_PER_NANO;
  return Number(nano > MAX_NANO ? MAX_NANO : nano);
}

function count(n: number): bigint {
  return Number.isSafeInteger(n) && n > 0 ? BigInt(n) : 0n;
}

function nonNegative(n: bigint): bigint {
  return n > 0n ? n : 0n;
}
