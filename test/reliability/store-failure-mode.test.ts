import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { startRetentionSweep } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { startTollgate } from '../support/harness.ts';

/** A store that can be switched off entirely, as an unreachable database looks to Tollgate. */
function switchable(inner: Store): Store & { down: boolean } {
  const state = { down: false };
  const guarded = new Set(['findKeyByHash', 'charge', 'touchKey']);
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'down') return state.down;
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      if (guarded.has(String(prop))) return (...a: unknown[]) => (state.down ? Promise.reject(new Error('ECONNREFUSED')) : fn.apply(target, a));
      return fn.bind(target);
    },
    set(_target, prop, value) {
      if (prop !== 'down') return false;
      state.down = value as boolean;
      return true;
    },
  }) as Store & { down: boolean };
}

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
});

async function chat(url: string, key: string) {
  const res = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('store failure mode', () => {
  for (const mode of ['closed', 'open'] as const) {
    it(`${mode}: behaviour while the store is unreachable, and the spooled charges land once it is back`, async () => {
      const inner = openSqliteStore({ path: ':memory:' });
      await inner.init();
      const store = switchable(inner);
      const tg = await startTollgate({ upstreamUrl: upstream.url, store, overrides: { storeFailureMode: mode, chargeTimeoutMs: 500 } });
      try {
        const { user, key } = await tg.addUser();
        expect((await chat(tg.url, key)).status).toBe(200); // seen once while the store was up
        store.down = true;
        const during = await chat(tg.url, key);
        const stranger = await chat(tg.url, 'tg-never-seen-before-key-xxxxxxxxxxxxxxxx');
        expect(stranger.status).toBe(503); // an unknown key is never admitted blind
        if (mode === 'closed') {
          expect(during.status).toBe(503);
          expect(JSON.parse(during.body)).toMatchObject({ error: { type: 'server_error', code: 'service_unavailable' } });
        } else {
          expect(during.status).toBe(200);
        }
        store.down = false;
        const expected = mode === 'closed' ? 1 : 2;
        let spend = 0;
        for (let i = 0; i < 50 && spend !== expected * 5_880_000; i++) {
          await new Promise((r) => setTimeout(r, 100));
          spend = (await inner.getUser(user.id))?.spendNano ?? 0;
        }
        expect(spend).toBe(expected * 5_880_000);
      } finally {
        await tg.close();
        await inner.close();
      }
    }, 20_000);
  }
});

describe('retention', () => {
  it('the sweep removes events older than the retention period and keeps newer ones', async () => {
    const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'tollgate-ret-')), 'db') });
    await store.init();
    const user = await store.createUser({ id: 'u', name: 'u', quota: { limitNano: null, period: 'lifetime', enforce: true }, createdAt: 0 });
    const base = { userId: user.id, keyId: 'k', endpoint: 'embeddings' as const, requestedModel: 'm', servedModel: 'm', pricedModel: 'm', stream: false, inputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNano: 7, savedNano: 0, status: 200, estimated: false, flags: [], latencyMs: 1, upstreamRequestId: null };
    const day = 86_400_000;
    await store.charge({ ...base, requestId: 'old', createdAt: Date.now() - 41 * day });
    await store.charge({ ...base, requestId: 'new', createdAt: Date.now() - 39 * day });
    const stop = startRetentionSweep(store, 40, pino({ level: 'silent' }));
    for (let i = 0; i < 50 && (await store.getEvent('old')); i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(await store.getEvent('old')).toBeNull();
    expect(await store.getEvent('new')).not.toBeNull();
    expect((await store.getUser(user.id))?.spendNano).toBe(14); // money is kept
    await store.close();
  });
});
