import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store, UsageEvent } from '../../src/store/types.ts';

/**
 * Group commit (src/store/sqlite.ts): charges issued in one turn of the event loop share one
 * transaction. Each must still settle only once committed, and one bad charge must not take the
 * others in its batch down with it.
 */
describe('sqlite store group commit', () => {
  const T0 = Date.UTC(2026, 2, 1, 10);
  let dir: string;
  let path: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-group-'));
    path = join(dir, 'tollgate.db');
    store = openSqliteStore({ path });
    await store.init();
    await store.createUser({ id: 'u1', name: 'one', quota: { limitNano: 1_000, period: 'month', enforce: true }, createdAt: T0 });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function event(requestId: string, costNano: number): UsageEvent {
    return {
      requestId, userId: 'u1', keyId: 'k1', endpoint: 'chat.completions', requestedModel: 'm', servedModel: 'm', pricedModel: 'm',
      stream: false, inputTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 0,
      costNano, savedNano: 0, status: 200, estimated: false, flags: [], latencyMs: 1, upstreamRequestId: null, createdAt: T0 + 60_000,
    };
  }

  function committedEvents(): number {
    const other = new DatabaseSync(path, { readOnly: true });
    try {
      return Number(other.prepare('SELECT COUNT(*) AS n FROM usage_events').get()?.['n']);
    } finally {
      other.close();
    }
  }

  it('applies every charge of one turn exactly once, and each resolves only after its commit', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => store.charge(event(`r${i}`, 100))).map(async (p) => {
      const r = await p;
      // Visible to another connection: committed, not only applied in an open transaction.
      expect(committedEvents()).toBe(16);
      return r;
    }));
    expect(results.every((r) => r.applied)).toBe(true);
    expect(results.map((r) => r.spendNano).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => (i + 1) * 100));
    expect(results.filter((r) => r.exhausted)).toHaveLength(7); // spend 1,000 .. 1,600
    expect((await store.getUser('u1'))?.spendNano).toBe(1_600);
  });

  it('a duplicate inside the same batch is charged once', async () => {
    const [a, b] = await Promise.all([store.charge(event('same', 300)), store.charge(event('same', 300))]);
    expect([a.applied, b.applied].sort()).toEqual([false, true]);
    expect((await store.getUser('u1'))?.spendNano).toBe(300);
  });

  it('a charge that fails is rejected alone; the rest of its batch is committed', async () => {
    const outcomes = await Promise.allSettled([
      store.charge(event('ok1', 100)),
      store.charge(event('bad', 1.5)), // not an integer: the STRICT table refuses it
      store.charge(event('ok2', 200)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getEvent('bad')).toBeNull();
    expect(await store.getEvent('ok2')).not.toBeNull();
    expect((await store.getUser('u1'))?.spendNano).toBe(300);
    expect(committedEvents()).toBe(2);
  });

  it('close() commits charges still queued', async () => {
    const pending = store.charge(event('late', 50));
    await store.close();
    await expect(pending).resolves.toMatchObject({ applied: true, spendNano: 50 });
    store = openSqliteStore({ path });
    await store.init();
    expect((await store.getUser('u1'))?.spendNano).toBe(50);
  });
});
