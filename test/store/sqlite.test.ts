import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store, UsageEvent } from '../../src/store/types.ts';
import { describeStoreContract } from './contract.ts';
import type { ChargeJob, ChargeReport } from './sqlite-charge-worker.ts';

const dirs = new Map<Store, string>();

describeStoreContract(
  'sqlite store contract',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
    const store = openSqliteStore({ path: join(dir, 'tollgate.db') });
    dirs.set(store, dir);
    return store;
  },
  async (store) => {
    await store.close();
    rmSync(dirs.get(store)!, { recursive: true, force: true });
    dirs.delete(store);
  },
);

describe('sqlite store specifics', () => {
  let dir: string;
  const T0 = Date.UTC(2026, 2, 1);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(path = join(dir, 'tollgate.db')): Promise<Store> {
    const store = openSqliteStore({ path });
    await store.init();
    return store;
  }

  function event(userId: string, requestId: string, costNano: number, createdAt = T0 + 3_600_000): UsageEvent {
    return {
      requestId, userId, keyId: 'k1', endpoint: 'chat.completions', requestedModel: 'm', servedModel: 'm', pricedModel: 'm',
      stream: true, inputTokens: 5, cachedTokens: 1, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 1,
      costNano, savedNano: 3, status: 200, estimated: false, flags: ['truncated'], latencyMs: 9, upstreamRequestId: 'up-1', createdAt,
    };
  }

  function runWorker(job: ChargeJob): { ready: Promise<void>; go: () => void; done: Promise<ChargeReport> } {
    const worker = new Worker(new URL('./sqlite-charge-worker.ts', import.meta.url), { workerData: job });
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const done = new Promise<ChargeReport>((resolve, reject) => {
      worker.on('message', (m: 'ready' | ChargeReport) => (m === 'ready' ? markReady() : resolve(m)));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
    });
    return { ready, go: () => worker.postMessage('go'), done };
  }

  it('two connections to one file charging at the same time stay exact and apply each requestId once', async () => {
    const path = join(dir, 'tollgate.db');
    const store = await open(path);
    const u = await store.createUser({ id: 'u1', name: 'alice', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: T0 });
    const charges = (tag: string) => Array.from({ length: 150 }, (_, i) => ({ requestId: `${tag}-${i}`, costNano: 1_000_000_007 + i * 13, createdAt: T0 + i * 1_000 }));
    // Both workers also charge the same 50 shared request ids: each must be applied once in total.
    const shared = Array.from({ length: 50 }, (_, i) => ({ requestId: `shared-${i}`, costNano: 999_999_999 + i, createdAt: T0 + i * 1_000 }));
    const a = charges('a');
    const b = charges('b');
    const wa = runWorker({ path, userId: u.id, charges: a.flatMap((c, i) => (i < 50 ? [c, shared[i]!] : [c])) });
    const wb = runWorker({ path, userId: u.id, charges: b.flatMap((c, i) => (i < 50 ? [shared[49 - i]!, c] : [c])) });
    await Promise.all([wa.ready, wb.ready]);
    wa.go();
    wb.go();
    const [ra, rb] = await Promise.all([wa.done, wb.done]);

    const appliedShared = [...ra.applied, ...rb.applied].filter((id) => id.startsWith('shared-'));
    expect(appliedShared.sort()).toEqual(shared.map((c) => c.requestId).sort());
    expect(ra.applied.length + rb.applied.length).toBe(350);
    const expected = [...a, ...b, ...shared].reduce((sum, c) => sum + c.costNano, 0);
    expect((await store.getUser(u.id))?.spendNano).toBe(expected);
    const [row] = await store.usageReport({ from: T0, to: T0 + 86_400_000, groupBy: 'user' });
    expect(row).toMatchObject({ requests: 350, costNano: expected });
    await store.close();
  });

  it('keeps everything across close and reopen', async () => {
    const path = join(dir, 'tollgate.db');
    const first = await open(path);
    const u = await first.createUser({ id: 'u1', name: 'alice', quota: { limitNano: 5_000, period: 'day', enforce: true }, createdAt: T0 });
    await first.createKey({ id: 'k1', userId: u.id, hash: 'h'.repeat(64), prefix: 'tg-abc', label: 'ci', createdAt: T0, lastUsedAt: null, revokedAt: null });
    await first.touchKey('k1', T0 + 5);
    const e1 = event(u.id, 'r1', 3_000);
    const e2 = event(u.id, 'r2', 2_500, T0 + 7_200_000);
    await first.charge(e1);
    await first.charge(e2);
    const q = { from: T0, to: T0 + 86_400_000, groupBy: 'model' as const };
    const snapshot = {
      user: await first.getUser(u.id),
      key: await first.findKeyByHash('h'.repeat(64)),
      events: await first.listEvents({ limit: 10 }),
      report: await first.usageReport(q),
    };
    expect(snapshot.user).toMatchObject({ spendNano: 5_500, exhausted: true });
    await first.close();
    await first.close(); // closing twice is harmless

    const second = await open(path);
    expect(await second.getUser(u.id)).toEqual(snapshot.user);
    expect(await second.findKeyByHash('h'.repeat(64))).toEqual(snapshot.key);
    expect(await second.listEvents({ limit: 10 })).toEqual(snapshot.events);
    expect(await second.usageReport(q)).toEqual(snapshot.report);
    expect(await second.getEvent('r1')).toEqual(e1);
    // Still idempotent after reopening, and charging carries on from the stored spend.
    expect((await second.charge(e1)).applied).toBe(false);
    expect(await second.charge(event(u.id, 'r3', 1, T0 + 7_300_000))).toMatchObject({ applied: true, spendNano: 5_501 });
    await second.close();
  });

  it('uses WAL, records the schema version once, and refuses a database from a newer version', async () => {
    const path = join(dir, 'tollgate.db');
    const store = await open(path);
    await store.init();
    await store.close();
    const db = new DatabaseSync(path);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 1 }]);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (99, 0)').run();
    db.close();
    const newer = openSqliteStore({ path });
    await expect(newer.init()).rejects.toThrow(/newer than this Tollgate supports/);
    await newer.close();
  });

  it('rejects a malformed cursor with a coded error', async () => {
    const store = await open();
    for (const before of ['not-a-cursor', Buffer.from('[1]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      await expect(store.listEvents({ before, limit: 5 })).rejects.toMatchObject({ code: 'TG_INVALID_REQUEST', param: 'before' });
    }
    await store.close();
  });

  it('refuses money that is not an integer instead of rounding it', async () => {
    const store = await open();
    await store.createUser({ id: 'u1', name: 'alice', quota: { limitNano: null, period: 'month', enforce: true }, createdAt: T0 });
    await expect(store.charge(event('u1', 'r1', 0.5))).rejects.toThrow();
    expect(await store.getEvent('r1')).toBeNull();
    expect((await store.getUser('u1'))?.spendNano).toBe(0);
    await store.close();
  });
});
