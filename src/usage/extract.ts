import type { Endpoint, Usage } from './types.ts';

/**
 * Reads token usage from upstream JSON. Upstreams are not trusted: every count is checked and
 * clamped so that the invariants of Usage hold (see types.ts), and `clamped` records that we did.
 */

/** No real request comes near this; it keeps counts (and costs) far inside safe integers. */
export const MAX_TOKENS = 1_000_000_000_000;

export interface RawUsage {
  input?: unknown;
  cached?: unknown;
  cacheWrite?: unknown;
  output?: unknown;
  reasoning?: unknown;
}

export interface NormalisedUsage {
  usage: Usage;
  clamped: boolean;
}

export function normaliseUsage(raw: RawUsage): NormalisedUsage {
  let clamped = false;
  const count = (v: unknown): number => {
    const r = toCount(v);
    if (r.clamped) clamped = true;
    return r.n;
  };
  const inputTokens = count(raw.input);
  let cachedTokens = count(raw.cached);
  let cacheWriteTokens = count(raw.cacheWrite);
  const outputTokens = count(raw.output);
  let reasoningTokens = count(raw.reasoning);
  if (cachedTokens > inputTokens) {
    cachedTokens = inputTokens;
    clamped = true;
  }
  if (cacheWriteTokens > inputTokens - cachedTokens) {
    cacheWriteTokens = inputTokens - cachedTokens;
    clamped = true;
  }
  if (reasoningTokens > outputTokens) {
    reasoningTokens = outputTokens;
    clamped = true;
  }
  return { usage: { inputTokens, cachedTokens, cacheWriteTokens, outputTokens, reasoningTokens }, clamped };
}

function toCount(v: unknown): { n: number; clamped: boolean } {
  if (v === undefined || v === null) return { n: 0, clamped: false };
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string' && /^\d{1,15}$/.test(v)) {
    // A count sent as a digit string is still a count; charging 0 for it would be worse.
    return { n: Math.min(Number(v), MAX_TOKENS), clamped: true };
  } else {
    return { n: 0, clamped: true };
  }
  if (Number.isNaN(n) || n <= 0) return { n: 0, clamped: n !== 0 };
  if (n > MAX_TOKENS) return { n: MAX_TOKENS, clamped: true }; // also +Infinity
  const floor = Math.floor(n);
  return { n: floor, clamped: floor !== n };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function detail(obj: Record<string, unknown>, key: string, sub: string): unknown {
  const d = obj[key];
  return isRecord(d) ? d[sub] : undefined;
}

/**
 * Usage object of a response or chunk -> normalised usage; null when there is none.
 * Chat/completions name counts prompt_/completion_tokens, Responses input_/output_tokens; compatible
 * servers sometimes mix them up, so each endpoint falls back to the other naming.
 */
export function usageFromJson(endpoint: Endpoint, usage: unknown): NormalisedUsage | null {
  if (!isRecord(usage)) return null;
  if (endpoint === 'embeddings') return normaliseUsage({ input: usage.prompt_tokens ?? usage.input_tokens });
  const hasPrompt = 'prompt_tokens' in usage;
  const hasInput = 'input_tokens' in usage;
  const responsesNames = endpoint === 'responses' ? hasInput || !hasPrompt : hasInput && !hasPrompt;
  if (responsesNames) {
    return normaliseUsage({
      input: usage.input_tokens,
      cached: detail(usage, 'input_tokens_details', 'cached_tokens'),
      cacheWrite: detail(usage, 'input_tokens_details', 'cache_write_tokens'),
      output: usage.output_tokens,
      reasoning: detail(usage, 'output_tokens_details', 'reasoning_tokens'),
    });
  }
  return normaliseUsage({
    input: usage.prompt_tokens,
    cached: detail(usage, 'prompt_tokens_details', 'cached_tokens'),
    cacheWrite: detail(usage, 'prompt_tokens_details', 'cache_write_tokens'),
    output: usage.completion_tokens,
    reasoning: detail(usage, 'completion_tokens_details', 'reasoning_tokens'),
  });
}

export interface JsonResponseUsage {
  usage: NormalisedUsage['usage'] | null;
  clamped: boolean;
  model: string | null;
}

const decoder = new TextDecoder();

/** A complete non-stream response body -> its usage and served model. Never throws. */
export function readJsonResponse(endpoint: Endpoint, body: Uint8Array | string): JsonResponseUsage {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : decoder.decode(body));
  } catch {
    return { usage: null, clamped: false, model: null };
  }
  if (!isRecord(json)) return { usage: null, clamped: false, model: null };
  const model = typeof json.model === 'string' && json.model !== '' ? json.model : null;
  const found = usageFromJson(endpoint, json.usage);
  return { usage: found?.usage ?? null, clamped: found?.clamped ?? false, model };
}
