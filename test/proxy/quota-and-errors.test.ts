import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

let upstream: FakeUpstream;
let tg: Harness;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  tg = await startTollgate({ upstreamUrl: upstream.url, overrides: { bodyLimitBytes: 64 * 1024 } });
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra });

async function post(path: string, key: string | null, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(`${tg.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function expectOpenAIError(json: Record<string, unknown>, type: string, code: string | null) {
  const error = json['error'] as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error['type']).toBe(type);
  expect(error['code']).toBe(code);
  expect(typeof error['message']).toBe('string');
}

describe('quota', () => {
  it('200 concurrent requests by one user: spend equals the sum of the event costs exactly', async () => {
    const { user, key } = await tg.addUser();
    const usages = Array.from({ length: 200 }, (_, i) => ({
      prompt_tokens: 1000 + i,
      completion_tokens: 17 + (i % 13),
      prompt_tokens_details: { cached_tokens: (i * 7) % 1000 },
      completion_tokens_details: { reasoning_tokens: i % 5 },
    }));
    const results = await Promise.all(usages.map((u) => post('/v1/chat/completions', key, chatBody(), { 'x-fake-usage': JSON.stringify(u) })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const { events } = await tg.store.listEvents({ userId: user.id, limit: 1000 });
    expect(events).toHaveLength(200);
    const sum = events.reduce((s, e) => s + e.costNano, 0);
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(sum);
    // every event priced from its own usage: spot-check one against hand arithmetic
    const e0 = events.find((e) => e.inputTokens === 1000);
    // 1000 input, 0 cached, 17 output at gpt-4o: (1000*2.5 + 17*10) / 1M USD = 0.00267 USD
    expect(e0?.costNano).toBe(2_670_000);
  });

  it('an exhausted user gets OpenAI\'s 429 with x-should-retry: false, and the upstream receives nothing', async () => {
    // limit 0.01 USD; each default request costs 0.00588 → two requests exhaust it
    const { user, key } = await tg.addUser({ limitNano: 10_000_000, period: 'day' });
    expect((await post('/v1/chat/completions', key, chatBody())).status).toBe(200);
    expect((await post('/v1/chat/completions', key, chatBody())).status).toBe(200);
    const stored = await tg.store.getUser(user.id);
    expect(stored?.exhausted).toBe(true);
    const before = upstream.received.length;
    const refused = await post('/v1/chat/completions', key, chatBody());
    expect(refused.status).toBe(429);
    expect(refused.headers['x-should-retry']).toBe('false');
    expect(refused.json()).toEqual({
      error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
    });
    expect(upstream.received.length).toBe(before);
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(stored?.spendNano);
  });

  it('enforcement off: over the limit still served and still charged', async () => {
    const { user, key } = await tg.addUser({ limitNano: 1, period: 'day', enforce: false });
    expect((await post('/v1/chat/completions', key, chatBody())).status).toBe(200);
    expect((await post('/v1/chat/completions', key, chatBody())).status).toBe(200);
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(2 * 5_880_000);
  });

  it('a revoked key and a disabled user are refused', async () => {
    const { user, key, keyId } = await tg.addUser();
    await tg.store.revokeKey(keyId, Date.now());
    const r = await post('/v1/chat/completions', key, chatBody());
    expect(r.status).toBe(401);
    expectOpenAIError(r.json(), 'invalid_request_error', 'invalid_api_key');
    const other = await tg.addUser();
    await tg.store.updateUser(other.user.id, { disabled: true }, Date.now());
    expect((await post('/v1/chat/completions', other.key, chatBody())).status).toBe(403);
    expect((await tg.store.listEvents({ userId: user.id, limit: 10 })).events).toHaveLength(0);
  });
});

describe('bad input gets a clear OpenAI-shaped error and is never charged', () => {
  it('missing key', async () => {
    const r = await post('/v1/chat/completions', null, chatBody());
    expect(r.status).toBe(401);
    expectOpenAIError(r.json(), 'invalid_request_error', 'invalid_api_key');
  });

  it('malformed JSON, body over the limit, unknown model, missing model', async () => {
    const { user, key } = await tg.addUser();
    const before = upstream.received.length;
    const malformed = await post('/v1/chat/completions', key, '{"model": "gpt-4o", ');
    expect(malformed.status).toBe(400);
    expectOpenAIError(malformed.json(), 'invalid_request_error', 'invalid_json');

    const huge = await post('/v1/chat/completions', key, chatBody({ pad: 'x'.repeat(100 * 1024) }));
    expect(huge.status).toBe(413);
    expectOpenAIError(huge.json(), 'invalid_request_error', 'request_too_large');

    const unknown = await post('/v1/chat/completions', key, JSON.stringify({ model: 'no-such-model', messages: [] }));
    expect(unknown.status).toBe(400);
    expectOpenAIError(unknown.json(), 'invalid_request_error', 'model_not_found');
    expect((unknown.json()['error'] as { message: string }).message).toContain('no-such-model');
    expect((unknown.json()['error'] as { param: string }).param).toBe('model');

    const noModel = await post('/v1/chat/completions', key, JSON.stringify({ messages: [] }));
    expect(noModel.status).toBe(400);
    expect((noModel.json()['error'] as { param: string }).param).toBe('model');

    expect(upstream.received.length).toBe(before);
    expect((await tg.store.listEvents({ userId: user.id, limit: 10 })).events).toHaveLength(0);
    expect((await tg.store.getUser(user.id))?.spendNano).toBe(0);
  });

  it('upstream errors pass through unchanged and cost nothing', async () => {
    const { user, key } = await tg.addUser();
    const r = await post('/v1/chat/completions', key, chatBody(), { 'x-fake-scenario': 'error-400' });
    expect(r.status).toBe(400);
    expect((r.json()['error'] as { message: string }).message).toBe('Bad thing');
    const { events } = await tg.store.listEvents({ userId: user.id, limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 400, costNano: 0, estimated: false });
    expect(events[0]?.flags).toContain('upstream_error');
  });
});

describe('logging', () => {
  it('one line per metered request with user, model, tokens, cost, latency; no keys anywhere', async () => {
    const { user, key } = await tg.addUser();
    await post('/v1/chat/completions', key, chatBody());
    const line = tg.logLines.find((l) => l['msg'] === 'metered request' && l['user'] === user.id);
    expect(line).toMatchObject({ model: 'gpt-4o', costUsd: '0.00588', tokens: { input: 2048, cached: 1792, output: 300 } });
    expect(typeof line?.['latencyMs']).toBe('number');
    const all = JSON.stringify(tg.logLines);
    expect(all).not.toContain(key);
    expect(all).not.toContain('sk-upstream-secret');
  });
});
