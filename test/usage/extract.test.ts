import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKENS, normaliseUsage, readJsonResponse, usageFromJson } from '../../src/usage/extract.ts';
import type { Usage } from '../../src/usage/types.ts';

const usage = (input: number, cached: number, cacheWrite: number, output: number, reasoning: number): Usage => ({
  inputTokens: input,
  cachedTokens: cached,
  cacheWriteTokens: cacheWrite,
  outputTokens: output,
  reasoningTokens: reasoning,
});

function assertInvariants(u: Usage): void {
  for (const n of Object.values(u)) {
    expect(Number.isSafeInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(n).toBeLessThanOrEqual(MAX_TOKENS);
  }
  expect(u.cachedTokens + u.cacheWriteTokens).toBeLessThanOrEqual(u.inputTokens);
  expect(u.reasoningTokens).toBeLessThanOrEqual(u.outputTokens);
}

describe('normaliseUsage', () => {
  it('keeps consistent counts and treats missing ones as 0 without flagging', () => {
    expect(normaliseUsage({ input: 2048, cached: 1792, output: 300, reasoning: 100 })).toEqual({
      usage: usage(2048, 1792, 0, 300, 100),
      clamped: false,
    });
    expect(normaliseUsage({})).toEqual({ usage: usage(0, 0, 0, 0, 0), clamped: false });
    expect(normaliseUsage({ input: null, output: undefined })).toEqual({ usage: usage(0, 0, 0, 0, 0), clamped: false });
  });

  it.each([
    [{ input: -5, output: 3 }, usage(0, 0, 0, 3, 0)],
    [{ input: 10.7, output: 3 }, usage(10, 0, 0, 3, 0)],
    [{ input: Number.NaN, output: 3 }, usage(0, 0, 0, 3, 0)],
    [{ input: Number.POSITIVE_INFINITY }, usage(MAX_TOKENS, 0, 0, 0, 0)],
    [{ input: Number.NEGATIVE_INFINITY }, usage(0, 0, 0, 0, 0)],
    [{ input: 5e12 }, usage(MAX_TOKENS, 0, 0, 0, 0)],
    [{ input: true }, usage(0, 0, 0, 0, 0)],
    [{ input: {} }, usage(0, 0, 0, 0, 0)],
    [{ input: 'abc' }, usage(0, 0, 0, 0, 0)],
    [{ input: '120' }, usage(120, 0, 0, 0, 0)], // digit string: read, but flagged
    [{ input: 100, cached: 150 }, usage(100, 100, 0, 0, 0)],
    [{ input: 100, cached: 60, cacheWrite: 50 }, usage(100, 60, 40, 0, 0)],
    [{ input: 100, cached: 150, cacheWrite: 10 }, usage(100, 100, 0, 0, 0)],
    [{ output: 10, reasoning: 20 }, usage(0, 0, 0, 10, 10)],
    [{ input: 5, cached: -1 }, usage(5, 0, 0, 0, 0)],
  ])('%j is clamped to %j', (raw, expected) => {
    expect(normaliseUsage(raw)).toEqual({ usage: expected, clamped: true });
  });

  it('always satisfies the Usage invariants (property)', () => {
    const anyValue = fc.oneof(
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.integer({ min: 0, max: 2e12 }),
      fc.double(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, null, undefined, '12', 'x', true, [], {}),
    );
    fc.assert(
      fc.property(
        fc.record({ input: anyValue, cached: anyValue, cacheWrite: anyValue, output: anyValue, reasoning: anyValue }, { requiredKeys: [] }),
        (raw) => {
          const { usage: u } = normaliseUsage(raw);
          assertInvariants(u);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('does not flag already-valid usage (property)', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (a, b, c, d, e) => {
        const input = a + b + c;
        const output = d + e;
        expect(normaliseUsage({ input, cached: b, cacheWrite: c, output, reasoning: e })).toEqual({
          usage: usage(input, b, c, output, e),
          clamped: false,
        });
      }),
    );
  });
});

describe('usageFromJson', () => {
  const chatUsage = {
    prompt_tokens: 2048,
    completion_tokens: 300,
    total_tokens: 2348,
    prompt_tokens_details: { cached_tokens: 1792, audio_tokens: 0, cache_write_tokens: 128 },
    completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const responsesUsage = {
    input_tokens: 3000,
    input_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 },
    output_tokens: 500,
    output_tokens_details: { reasoning_tokens: 320 },
    total_tokens: 3500,
  };

  it('reads the chat/completions shape', () => {
    expect(usageFromJson('chat.completions', chatUsage)).toEqual({ usage: usage(2048, 1792, 128, 300, 192), clamped: false });
    expect(usageFromJson('completions', { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 })).toEqual({
      usage: usage(5, 0, 0, 7, 0),
      clamped: false,
    });
  });

  it('reads the Responses shape', () => {
    expect(usageFromJson('responses', responsesUsage)).toEqual({ usage: usage(3000, 2048, 0, 500, 320), clamped: false });
  });

  it('reads embeddings as input only', () => {
    expect(usageFromJson('embeddings', { prompt_tokens: 8, total_tokens: 8 })).toEqual({ usage: usage(8, 0, 0, 0, 0), clamped: false });
  });

  it('falls back to the other naming when a server mixes them up', () => {
    expect(usageFromJson('chat.completions', responsesUsage)?.usage).toEqual(usage(3000, 2048, 0, 500, 320));
    expect(usageFromJson('responses', chatUsage)?.usage).toEqual(usage(2048, 1792, 128, 300, 192));
  });

  it('reads usage without details (Ollama, llama.cpp)', () => {
    expect(usageFromJson('chat.completions', { prompt_tokens: 26, completion_tokens: 10, total_tokens: 36 })?.usage).toEqual(
      usage(26, 0, 0, 10, 0),
    );
  });

  it('flags inconsistent numbers', () => {
    expect(usageFromJson('chat.completions', { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens: -3 })).toEqual({
      usage: usage(10, 10, 0, 0, 0),
      clamped: true,
    });
  });

  it.each([null, undefined, 5, 'usage', [], true])('returns null for %j', (v) => {
    expect(usageFromJson('chat.completions', v)).toBeNull();
  });

  it('reads an empty usage object as zero usage', () => {
    expect(usageFromJson('chat.completions', {})).toEqual({ usage: usage(0, 0, 0, 0, 0), clamped: false });
  });
});

describe('readJsonResponse', () => {
  it('reads a chat completion body from bytes', () => {
    const body = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(readJsonResponse('chat.completions', new TextEncoder().encode(body))).toEqual({
      usage: usage(9, 0, 0, 1, 0),
      clamped: false,
      model: 'gpt-4o-2024-08-06',
    });
  });

  it('reads a Responses body', () => {
    const body = JSON.stringify({
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-5-2025-08-07',
      output: [],
      usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 32 }, total_tokens: 52 },
    });
    expect(readJsonResponse('responses', body)).toEqual({ usage: usage(12, 0, 0, 40, 32), clamped: false, model: 'gpt-5-2025-08-07' });
  });

  it('reads an embeddings body', () => {
    const body = JSON.stringify({ object: 'list', data: [], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } });
    expect(readJsonResponse('embeddings', body)).toEqual({ usage: usage(8, 0, 0, 0, 0), clamped: false, model: 'text-embedding-3-small' });
  });

  it('reports clamping', () => {
    const body = JSON.stringify({ model: 'm', usage: { prompt_tokens: 1, prompt_tokens_details: { cached_tokens: 2 } } });
    expect(readJsonResponse('chat.completions', body)).toEqual({ usage: usage(1, 1, 0, 0, 0), clamped: true, model: 'm' });
  });

  it.each(['', 'not json', '{"model": "x", "usage": ', '[1,2]', 'null', '"str"'])('never throws on %j', (body) => {
    const r = readJsonResponse('chat.completions', body);
    expect(r.usage).toBeNull();
    expect(r.clamped).toBe(false);
  });

  it('returns model without usage, and null model when empty', () => {
    expect(readJsonResponse('chat.completions', '{"model":"m","choices":[]}')).toEqual({ usage: null, clamped: false, model: 'm' });
    expect(readJsonResponse('chat.completions', '{"model":"","usage":null}')).toEqual({ usage: null, clamped: false, model: null });
  });
});
