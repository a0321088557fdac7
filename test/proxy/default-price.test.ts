import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate, type Harness } from '../support/harness.ts';

/** Operator pricing: a default rate for unknown models, and an override file over the shipped prices. */

let upstream: FakeUpstream;
let tg: Harness;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-prices-'));
  const file = join(dir, 'prices.json');
  writeFileSync(file, JSON.stringify({ models: { 'gpt-4o': { input: '5.00', cached_input: '0.50', output: '20.00' } }, aliases: { 'house-model': 'gpt-4o' } }));
  tg = await startTollgate({ upstreamUrl: upstream.url, env: { TOLLGATE_DEFAULT_PRICE: '1/0.5/2', TOLLGATE_PRICES_FILE: file } });
});
afterAll(async () => {
  await tg.close();
  await upstream.close();
});

async function charged(model: string): Promise<{ costNano: number; pricedModel: string }> {
  const { user, key } = await tg.addUser();
  const res = await request(`${tg.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.text();
  const [e] = (await tg.store.listEvents({ userId: user.id, limit: 1 })).events;
  return { costNano: e?.costNano ?? -1, pricedModel: e?.pricedModel ?? '' };
}

describe('operator prices', () => {
  it('an unknown model is charged at the default rate instead of being refused', async () => {
    // 256 uncached at 1 + 1792 cached at 0.5 + 300 output at 2 per 1M = 256 + 896 + 600 = 1752 micro-USD
    expect(await charged('my-local-llama')).toEqual({ costNano: 1_752_000, pricedModel: 'default' });
  });

  it('the override file replaces a shipped price; its alias resolves', async () => {
    // 256 at 5 + 1792 at 0.5 + 300 at 20 per 1M = 1280 + 896 + 6000 = 8176 micro-USD
    expect(await charged('gpt-4o')).toEqual({ costNano: 8_176_000, pricedModel: 'gpt-4o' });
    expect((await charged('house-model')).costNano).toBe(8_176_000);
  });
});
