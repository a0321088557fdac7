import { computeCost } from '../pricing/cost.ts';
import type { ModelPrice, PriceTable } from '../pricing/price-table.ts';
import type { UsageEvent } from '../store/types.ts';
import { estimateRequestInputTokens, estimateTextTokens } from '../usage/estimate.ts';
import { ZERO_USAGE, type Endpoint, type Usage, type UsageFlag } from '../usage/types.ts';

/**
 * Turns what the meter saw into the usage event that is charged. Pure.
 *
 * Estimation policy (docs/metering.md): when the upstream sent no usage,
 * - an answered request (2xx) that streamed or returned content is estimated: the prompt from the
 *   request body and the output from the text that passed, both with the o200k tokenizer;
 * - a request the client abandoned before any answer is estimated on its prompt alone, since
 *   the upstream has read it;
 * - an upstream error (4xx/5xx, or no answer at all) costs nothing: OpenAI does not bill them.
 * Estimates are flagged and can only undercount hidden reasoning tokens, which no proxy can see.
 */

export interface MeterContext {
  requestId: string;
  userId: string;
  keyId: string;
  endpoint: Endpoint;
  requestedModel: string;
  stream: boolean;
  injectedUsage: boolean;
  requestBody: unknown;
  price: ModelPrice;
  startedAt: number;
}

export interface Observation {
  /** Upstream HTTP status; 0 when it never answered. */
  status: number;
  usage: Usage | null;
  clamped: boolean;
  servedModel: string | null;
  outputText: string;
  clientAborted: boolean;
  upstreamFailed: boolean;
  truncated: boolean;
  upstreamRequestId: string | null;
}

export function buildUsageEvent(ctx: MeterContext, seen: Observation, prices: PriceTable, now: number): UsageEvent {
  const flags: UsageFlag[] = [];
  let usage: Usage;
  const answered = seen.status >= 200 && seen.status < 300;
  if (seen.usage) {
    usage = seen.usage;
  } else if (answered || (seen.status === 0 && seen.clientAborted)) {
    const output = answered ? estimateTextTokens(seen.outputText) : 0;
    usage = { ...ZERO_USAGE, inputTokens: estimateRequestInputTokens(ctx.endpoint, ctx.requestBody), outputTokens: output };
    flags.push('estimated');
  } else {
    usage = { ...ZERO_USAGE };
  }
  if (seen.clamped) flags.push('clamped');
  if (seen.clientAborted) flags.push('client_aborted');
  if (seen.upstreamFailed || seen.status >= 400 || (seen.status === 0 && !seen.clientAborted)) flags.push('upstream_error');
  if (seen.truncated) flags.push('truncated');

  // Bill what was served when the price table knows it (a dated snapshot resolves to its family);
  // otherwise the price that admitted the request.
  const servedPrice = seen.servedModel ? prices.resolve(seen.servedModel) : null;
  const price = servedPrice && servedPrice.model !== 'default' ? servedPrice : ctx.price;
  const { costNano, savedNano } = computeCost(usage, price);

  return {
    requestId: ctx.requestId,
    userId: ctx.userId,
    keyId: ctx.keyId,
    endpoint: ctx.endpoint,
    requestedModel: ctx.requestedModel,
    servedModel: seen.servedModel ?? ctx.requestedModel,
    pricedModel: price.model,
    stream: ctx.stream,
    inputTokens: usage.inputTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    outputTokens: usage.outputTokens,
    reasoningTokens: usage.reasoningTokens,
    costNano,
    savedNano,
    status: seen.status,
    estimated: flags.includes('estimated'),
    flags,
    latencyMs: Math.max(0, now - ctx.startedAt),
    upstreamRequestId: seen.upstreamRequestId,
    createdAt: now,
  };
}
