/**
 * Token usage of one metered request, normalised across endpoints and upstreams.
 * Invariants (enforced by normaliseUsage): every count is a non-negative safe integer,
 * cachedTokens + cacheWriteTokens <= inputTokens, reasoningTokens <= outputTokens.
 */
export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/** Why a usage record is not simply what the upstream said. Stored on the event. */
export type UsageFlag =
  | 'estimated' // no usage from upstream: counted with the tokenizer
  | 'clamped' // upstream numbers were inconsistent (negative, cached > input, ...) and were clamped
  | 'client_aborted' // the client went away before the response ended
  | 'upstream_error' // the upstream failed (status >= 400 or error event mid-stream)
  | 'truncated'; // the stream ended without its terminal event / [DONE]

/** The metered endpoints; everything else under /v1 passes through uncharged. */
export type Endpoint = 'chat.completions' | 'completions' | 'embeddings' | 'responses';

export const ZERO_USAGE: Readonly<Usage> = Object.freeze({
  inputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
});
